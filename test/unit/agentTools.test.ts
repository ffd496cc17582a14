// The pure core of the coding-agent tools: input checks, method lookup, untrusted text, and the size cap on huge traces.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AGENT_TOOLS, DATA_NOTICE, DEFAULT_RESULT_CAP_BYTES, checkToolInput, cleanText, findFunctions, findTracesResult, functionStatsResult,
  getTraceResult, hotspotsResult, resultText, traceCodeRefs, utf8Length, type ToolFunction,
} from '../../src/core/agentTools';
import { parseTraceBody } from '../../src/core/otlp';
import type { CodeLocation, FunctionStats, TraceSummary } from '../../src/shared/model';
import { BIG_TRACE_ID, HOSTILE_TEXT, bigTrace } from './bigTrace';

const HOUR = { startMs: Date.UTC(2026, 0, 1, 11), endMs: Date.UTC(2026, 0, 1, 12) };
const CTX = { window: HOUR, origin: 'metrics' as const, notes: [] };

function stats(ns: string | null, fn: string, over: Partial<FunctionStats> = {}): FunctionStats {
  return {
    key: `${ns}.${fn}`, codeRef: { namespace: ns, function: fn, filePath: null, line: null },
    service: 'token-service', origin: 'metrics', window: HOUR, calls: 100, ratePerSec: 100 / 3600, errors: 0,
    errorRate: 0, p50Ms: 10, p95Ms: 20, p99Ms: 30, quantilesApproximate: true, sample: null,
    latencySeries: [], topErrors: [], exampleTraceIds: [], ...over,
  };
}

function fn(ns: string | null, name: string, location: Partial<CodeLocation> | null, over: Partial<FunctionStats> = {}): ToolFunction {
  return {
    stats: stats(ns, name, over), previous: null, changes: [], insights: [],
    location: location === null ? null : { file: 'src/A.java', line: 1, symbol: name, confidence: 1, reason: 'exact', ...location },
  };
}

const text = (v: unknown): string => resultText(v);

describe('untrusted text', () => {
  test('control, bidi and zero-width characters are removed; newlines become spaces; long text is cut', () => {
    assert.equal(cleanText('a\u202eb\u2066c\u200bd\u0007e\u001b[31mf\ng'), 'abcde[31mf g');
    const long = cleanText('y'.repeat(1000), 50);
    assert.equal([...long].length, 50);
    assert.ok(long.endsWith('…'));
    assert.equal(cleanText('😀'.repeat(10), 5), '😀😀😀😀…', 'cut by code points, never inside a surrogate pair');
  });

  test('utf8Length agrees with Buffer', () => {
    for (const s of ['', 'abc', 'é', '€', '😀x', HOSTILE_TEXT]) assert.equal(utf8Length(s), Buffer.byteLength(s, 'utf8'));
  });
});

describe('inputs', () => {
  test('defaults, bounds, unknown keys and required arguments', () => {
    assert.deepEqual(checkToolInput('hotspots', undefined), { ok: true, value: { limit: 20, sort: 'p95' } });
    assert.deepEqual(checkToolInput('hotspots', { limit: 5, sort: 'errors' }), { ok: true, value: { limit: 5, sort: 'errors' } });
    assert.equal(checkToolInput('hotspots', { limit: 0 }).ok, false);
    assert.equal(checkToolInput('hotspots', { limit: 2.5 }).ok, false);
    assert.equal(checkToolInput('hotspots', { sort: 'p99' }).ok, false);
    assert.match((checkToolInput('hotspots', { evil: 1 }) as { error: string }).error, /unknown argument "evil"/);
    assert.equal(checkToolInput('functionStats', {}).ok, false);
    assert.deepEqual(checkToolInput('functionStats', { file: 'src/A.java', line: 3 }), { ok: true, value: { file: 'src/A.java', line: 3 } });
    assert.equal(checkToolInput('getTrace', {}).ok, false);
    assert.equal(checkToolInput('getTrace', { traceId: 'xyz' }).ok, false);
    assert.deepEqual(checkToolInput('getTrace', { traceId: 'B4' }), { ok: true, value: { traceId: '000000000000000000000000000000b4' } });
    assert.equal(checkToolInput('findTraces', { limit: 3 }).ok, false, 'a query or a method is needed');
    assert.deepEqual(checkToolInput('findTraces', { query: '{ status = error }' }), { ok: true, value: { limit: 10, query: '{ status = error }' } });
  });

  test('every tool has an object schema whose properties the checker knows', () => {
    assert.deepEqual(AGENT_TOOLS.map((t) => [t.lmName, t.mcpName]), [
      ['tempoLens_hotspots', 'hotspots'], ['tempoLens_functionStats', 'function_stats'], ['tempoLens_findTraces', 'find_traces'], ['tempoLens_getTrace', 'get_trace'],
    ]);
    for (const t of AGENT_TOOLS) assert.equal(t.inputSchema.type, 'object');
  });
});

describe('finding a method', () => {
  const all = [
    fn('com.acme.TokenService', 'getToken', { file: 'src/TokenService.java', line: 20 }),
    fn('com.acme.TokenService', 'refresh', { file: 'src/TokenService.java', line: 40 }),
    fn('com.acme.Other', 'refresh', { file: 'src/Other.java', line: 5 }, { service: 'gateway' }),
    fn(null, 'CartService.checkout', null, { codeRef: { namespace: null, function: 'CartService.checkout', filePath: '/app/src/cart/cartService.ts', line: 42 } }),
  ];
  const names = (q: Parameters<typeof findFunctions>[1]): string[] => findFunctions(all, q).map((f) => `${f.stats.codeRef.namespace}.${f.stats.codeRef.function}`);

  test('by file + a line in the body, the declaration line, or an annotation just above', () => {
    assert.deepEqual(names({ file: 'src/TokenService.java', line: 33 }), ['com.acme.TokenService.getToken']);
    assert.deepEqual(names({ file: './src/TokenService.java', line: 40 }), ['com.acme.TokenService.refresh']);
    assert.deepEqual(names({ file: '/home/me/ws/src/TokenService.java', line: 18 }), ['com.acme.TokenService.getToken']);
    assert.deepEqual(names({ file: 'src/TokenService.java' }).length, 2);
  });

  test('by name, bare or qualified with any runtime separator, narrowed by service', () => {
    assert.deepEqual(names({ function: 'TokenService.getToken' }), ['com.acme.TokenService.getToken']);
    assert.deepEqual(names({ function: 'com.acme.TokenService::getToken' }), ['com.acme.TokenService.getToken']);
    assert.equal(names({ function: 'refresh' }).length, 2);
    assert.deepEqual(names({ function: 'refresh', service: 'gateway' }), ['com.acme.Other.refresh']);
    assert.deepEqual(names({ function: 'checkout' }), ['null.CartService.checkout']);
    assert.deepEqual(names({ file: 'src/cart/cartService.ts', line: 50 }), ['null.CartService.checkout'], 'unmapped methods by their span file path');
  });

  test('function_stats: the figures of one match, candidates for several, a reason for none', () => {
    const one = JSON.parse(text(functionStatsResult([all[0]!], { function: 'getToken' }, null, CTX))) as { function: { stats: { calls: number } }; dataNotice: string };
    assert.equal(one.function.stats.calls, 100);
    assert.equal(one.dataNotice, DATA_NOTICE);
    const many = JSON.parse(text(functionStatsResult(findFunctions(all, { function: 'refresh' }), { function: 'refresh' }, null, CTX))) as { function: null; candidates: unknown[]; note: string };
    assert.equal(many.function, null);
    assert.equal(many.candidates.length, 2);
    assert.match(many.note, /2 methods match/);
    const none = JSON.parse(text(functionStatsResult([], { function: 'nope' }, null, CTX))) as { note: string };
    assert.match(none.note, /No method matching/);
  });
});

describe('size caps', () => {
  test('hotspots: a long list is cut to the cap and says how many were left out', () => {
    const many = Array.from({ length: 100 }, (_, i) => fn('com.acme.Service' + 'X'.repeat(150), `m${i}`, { file: `src/F${i}.java` }, {
      topErrors: [], exampleTraceIds: ['a'.repeat(32)],
    })).map((f) => ({ ...f, insights: [{ kind: 'slow' as const, message: HOSTILE_TEXT, traceIds: Array(20).fill('b'.repeat(32)) as string[] }] }));
    const r = hotspotsResult(many, { limit: 100, sort: 'p95' }, { ...CTX, capBytes: 8 * 1024 }) as { functions: { insights: { message: string; traceIds: string[] }[] }[]; truncated: { omitted: { functions: number } } };
    assert.ok(utf8Length(text(r)) <= 8 * 1024);
    assert.ok(r.functions.length > 0);
    assert.equal(r.truncated.omitted.functions, 100 - r.functions.length);
    assert.ok(!r.functions[0]!.insights[0]!.message.includes('\u202e'));
    assert.equal(r.functions[0]!.insights[0]!.traceIds.length, 5);
    const small = hotspotsResult(many.slice(0, 2), { limit: 20, sort: 'p95' }, CTX) as { truncated: unknown; totalFunctions: number };
    assert.equal(small.truncated, null);
    assert.equal(small.totalFunctions, 2);
  });

  test('hotspots: file prefix and service filters', () => {
    const list = [fn('a.B', 'x', { file: 'svc/src/B.java' }), fn('a.C', 'y', { file: 'other/C.java' }, { service: 'gw' })];
    assert.equal((hotspotsResult(list, { limit: 20, sort: 'p95', file: 'svc' }, CTX) as { functions: unknown[] }).functions.length, 1);
    assert.equal((hotspotsResult(list, { limit: 20, sort: 'p95', service: 'gw' }, CTX) as { functions: unknown[] }).functions.length, 1);
  });

  test('find_traces: cut to the cap', () => {
    const t: TraceSummary = { traceId: 'c'.repeat(32), rootServiceName: HOSTILE_TEXT, rootTraceName: 'GET /', startMs: HOUR.startMs, durationMs: 12, matchedSpans: 1, errorSpans: 0, spans: [] };
    const r = findTracesResult(Array(50).fill(t) as TraceSummary[], '{ }', { window: HOUR, notes: [], limit: 50, capBytes: 4096 }) as { traces: unknown[]; truncated: { omitted: { traces: number } } };
    assert.ok(utf8Length(text(r)) <= 4096);
    assert.equal(r.truncated.omitted.traces + r.traces.length, 50);
  });

  test('get_trace: a 10,000-span trace fits 32 KB as a summarised tree with the critical path and counts of what was left out', () => {
    const { payload, facts } = bigTrace(HOUR.startMs);
    const trace = parseTraceBody(payload);
    assert.equal(trace.spans.length, 10_000);
    const locations = new Map(traceCodeRefs(trace).map((r) => [r.key, r.ref.function === 'load' ? { file: 'src/ReportRepository.java', line: 12, symbol: 'ReportRepository.load', confidence: 1, reason: 'exact' } : null]));
    const out = text(getTraceResult(trace, BIG_TRACE_ID, locations));
    assert.ok(utf8Length(out) <= DEFAULT_RESULT_CAP_BYTES, `${utf8Length(out)} bytes`);
    assert.ok(utf8Length(out) > DEFAULT_RESULT_CAP_BYTES * 0.8, 'the budget is used, not wasted');
    const r = JSON.parse(out) as {
      summary: { spans: number; errorSpans: number }; criticalPath: string[]; errorSpanIds: string[];
      spans: { spanId: string; name: string; statusMessage: string | null; location: { file: string } | null; spansLeftOutBelow?: number }[];
      truncated: { omitted: { spans: number; errorSpans: number } };
    };
    assert.equal(r.summary.spans, facts.spans);
    assert.equal(r.summary.errorSpans, facts.errorSpans);
    assert.deepEqual(r.criticalPath.slice(0, facts.criticalPath.length), facts.criticalPath);
    const shown = new Set(r.spans.map((s) => s.spanId));
    for (const id of facts.criticalPath) assert.ok(shown.has(id), `critical path span ${id} shown`);
    for (const id of r.errorSpanIds) assert.ok(shown.has(id), `error span ${id} shown`);
    assert.equal(r.truncated.omitted.spans, facts.spans - r.spans.length);
    const leftOut = r.spans.reduce((n, s) => n + (s.spansLeftOutBelow ?? 0), 0);
    assert.equal(leftOut, r.truncated.omitted.spans, 'every left-out span is counted under a shown ancestor');
    assert.ok(r.spans.some((s) => s.location?.file === 'src/ReportRepository.java'), 'code locations of spans');
    for (const s of r.spans) {
      assert.ok(!/[\u202e\u0007\u001b]/.test(s.name + (s.statusMessage ?? '')), 'no control or bidi characters');
      assert.ok([...s.name].length <= 200);
    }
  });

  test('get_trace: a small trace comes whole; an unknown trace says so', () => {
    const trace = parseTraceBody(bigTrace(HOUR.startMs, 30).payload);
    const r = getTraceResult(trace, BIG_TRACE_ID, new Map()) as { spans: unknown[]; truncated: unknown };
    assert.equal(r.spans.length, 30);
    assert.equal(r.truncated, null);
    assert.equal((getTraceResult(null, 'ab', new Map()) as { found: boolean }).found, false);
  });
});

test('package.json declares the same four LM tools (names, model descriptions, input schemas) and the MCP provider', async () => {
  const { readFileSync } = await import('node:fs');
  const path = await import('node:path');
  const pkg = JSON.parse(readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')) as {
    contributes: { languageModelTools: { name: string; modelDescription: string; inputSchema: unknown; canBeReferencedInPrompt: boolean; toolReferenceName: string }[]; mcpServerDefinitionProviders: { id: string }[] };
    engines: { vscode: string };
  };
  const declared = pkg.contributes.languageModelTools;
  assert.deepEqual(declared.map((t) => t.name), AGENT_TOOLS.map((t) => t.lmName));
  for (const t of AGENT_TOOLS) {
    const d = declared.find((x) => x.name === t.lmName)!;
    assert.equal(d.modelDescription, t.description);
    assert.deepEqual(d.inputSchema, t.inputSchema);
    assert.equal(d.canBeReferencedInPrompt, true);
    assert.match(d.toolReferenceName, /^[A-Za-z]+$/);
  }
  assert.deepEqual(pkg.contributes.mcpServerDefinitionProviders.map((p) => p.id), ['tempoLens.mcp']);
  assert.equal(pkg.engines.vscode, '^1.90.0');
});
