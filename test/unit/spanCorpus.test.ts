// Sources that hold spans in memory (trace files, the local receiver): exact stats, the TraceQL subset search, and the files source behind the port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { groupByTrace, parseTraceBody } from '../../src/core/otlp';
import { rootSpan, searchTraces, statsOfSpans } from '../../src/core/spanCorpus';
import { spanSetConditions } from '../../src/core/traceql';
import { FilesSource } from '../../src/files/source';
import { readFileSync } from 'node:fs';
import { statsScenario } from '../scenarios/stats';

const FIXTURE = path.resolve(__dirname, '../../../test/fixtures/otlp/trace-otlp-resourcespans.json');
const ALL = { startMs: 0, endMs: Number.MAX_SAFE_INTEGER };
const signal = (): AbortSignal => new AbortController().signal;

test('spanSetConditions accepts one span set with an optional select, and says why it refuses the rest', () => {
  assert.deepEqual(spanSetConditions('{ span.code.function = "a" && duration > 1s } | select(name)'), { ok: true, conditions: 'span.code.function = "a" && duration > 1s' });
  assert.deepEqual(spanSetConditions('{ }'), { ok: true, conditions: '' });
  assert.deepEqual(spanSetConditions('{ name = "}" }'), { ok: true, conditions: 'name = "}"' }, 'a brace inside a string is text');
  for (const q of ['span.x = 1', '{ a = 1 } && { b = 2 }', '{ a = 1 } | count() > 2', '{ a = "x }', '{ a = 1']) {
    const r = spanSetConditions(q);
    assert.equal(r.ok, false, q);
  }
});

test('search over held traces: matching spans only, in the window, roots named, most recent first, limits kept', () => {
  const trace = parseTraceBody(JSON.parse(readFileSync(FIXTURE, 'utf8')));
  const traces = groupByTrace(trace.spans);
  const all = searchTraces(traces, { query: '{ }', window: ALL, limit: 10, spansPerTrace: 100 });
  assert.equal(all.length, traces.length);
  assert.equal(all[0]!.matchedSpans, trace.spans.filter((s) => s.traceId === all[0]!.traceId).length);
  const root = rootSpan(traces[0]!);
  assert.equal(all[0]!.rootTraceName, root?.name ?? null);
  const errs = searchTraces(traces, { query: '{ status = error }', window: ALL, limit: 10, spansPerTrace: 1 });
  const expected = trace.spans.filter((s) => s.status === 'error').length;
  assert.equal(errs.reduce((n, t) => n + t.matchedSpans, 0), expected);
  assert.ok(errs.every((t) => t.spans.length <= 1 && t.errorSpans === t.matchedSpans));
  const none = searchTraces(traces, { query: '{ }', window: { startMs: 0, endMs: 1 }, limit: 10, spansPerTrace: 10 });
  assert.deepEqual(none, [], 'outside the window nothing matches');
  assert.throws(() => searchTraces(traces, { query: '{ a } >> { b }', window: ALL, limit: 10, spansPerTrace: 1 }), /one span set/);
});

test('statsOfSpans gives the scenario\'s exact figures, and counts only the window, the filter and the services', () => {
  const sc = statsScenario(Date.UTC(2026, 11, 6, 12));
  const spans = sc.payloads.flatMap((p) => parseTraceBody(p).spans);
  const window = { startMs: sc.startMs - 1000, endMs: sc.endMs + 1000 };
  const { snapshot } = statsOfSpans(spans, { window, filter: '' }, 'receiver', 'received spans');
  assert.equal(snapshot.origin, 'receiver');
  for (const f of sc.functions) {
    const got = snapshot.functions.find((x) => x.service === f.service && x.codeRef.function === f.codeRef.function && x.codeRef.namespace === f.codeRef.namespace);
    assert.ok(got, `${f.service} ${f.codeRef.function}`);
    assert.equal(got.calls, f.calls, `${f.codeRef.function} calls`);
    assert.equal(got.errors, f.errors, `${f.codeRef.function} errors`);
    assert.equal(got.quantilesApproximate, false);
  }
  const calls = (s: typeof snapshot): number => s.functions.reduce((n, f) => n + f.calls, 0);
  assert.equal(calls(snapshot), sc.codeSpans);
  const { snapshot: errorsOnly } = statsOfSpans(spans, { window, filter: 'status = error' }, 'receiver', 'received spans');
  assert.equal(calls(errorsOnly), sc.functions.reduce((n, f) => n + f.errors, 0), 'the filter keeps erroring spans only');
  const half = { startMs: window.startMs, endMs: Math.floor((sc.startMs + sc.endMs) / 2) };
  const early = spans.filter((s) => s.startMs < half.endMs && (typeof s.attributes['code.function'] === 'string' || typeof s.attributes['code.function.name'] === 'string')).length;
  assert.equal(calls(statsOfSpans(spans, { window: half, filter: '' }, 'receiver', 'x').snapshot), early, 'only spans starting in the window');
  const { snapshot: noService } = statsOfSpans(spans, { window, filter: '', services: ['no-such-service'] }, 'receiver', 'received spans');
  assert.equal(noService.functions.length, 0);
  assert.throws(() => statsOfSpans(spans, { window, filter: '{ x }' }, 'receiver', 'received spans'), /filter is not valid/);
});

test('the files source behind the port: search, trace by id and tag values over the workspace files', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'tl-files-source-'));
  try {
    mkdirSync(path.join(root, '.tempo-lens/traces'), { recursive: true });
    writeFileSync(path.join(root, '.tempo-lens/traces/a.json'), readFileSync(FIXTURE));
    const source = new FilesSource({ root, glob: '.tempo-lens/traces/**/*.json' });
    assert.equal(source.capabilities.search, 'subset');
    const found = await source.search({ query: '{ }', window: { startMs: Date.now() - 3_600_000, endMs: Date.now() }, limit: 5, spansPerTrace: 3 }, signal());
    assert.ok(found.length > 0, 'files are searched whatever the window (they cover their own time span)');
    const t = await source.trace(found[0]!.traceId, undefined, signal());
    assert.equal(t?.traceId, found[0]!.traceId);
    assert.equal(await source.trace('0000000000000000000000000000abcd', undefined, signal()), null);
    assert.ok((await source.tagValues('resource.service.name', signal())).length > 0);
    const snap = await source.stats({ window: ALL, filter: '' }, signal());
    assert.equal(snap.origin, 'files');
    assert.ok((source.takeTraces() ?? []).length > 0, 'the detectors get every trace of the load once');
    assert.equal(source.takeTraces(), null, '… and only once');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
