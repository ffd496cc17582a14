// `tempo-lens mcp` end to end: the MCP SDK's client spawns the built CLI over stdio against the seeded test server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { DATA_NOTICE, DEFAULT_RESULT_CAP_BYTES } from '../../src/core/agentTools';
import { startTempoServer, type TempoTestServer } from '../tempo-server/server';
import { SEED_FACTS, seedTraces } from '../tempo-server/seed';
import { BIG_TRACE_ID, bigTrace } from './bigTrace';

const REPO = path.resolve(__dirname, '../../..');
const CLI = path.join(REPO, 'dist/cli.js');
const WORKSPACE = 'test/fixtures/workspaces/demo';
const TOKEN_SERVICE_FILE = 'token-service/src/main/java/com/acme/token/TokenService.java';

interface OtlpSpan { traceId: string; attributes: { key: string; value: { stringValue?: string } }[]; status: { code?: number } }

/** Spans and erroring spans of one method, counted in the seed's own payloads. */
function seedCount(payloads: readonly unknown[], ns: string, fn: string): { calls: number; errors: number; traceIds: Set<string> } {
  let calls = 0;
  let errors = 0;
  const traceIds = new Set<string>();
  for (const p of payloads as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] }[]) {
    for (const rs of p.resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) {
      const a = new Map(s.attributes.map((kv) => [kv.key, kv.value.stringValue]));
      if (a.get('code.namespace') !== ns || a.get('code.function') !== fn) continue;
      calls++;
      if (s.status.code === 2) errors++;
      traceIds.add(s.traceId);
    }
  }
  return { calls, errors, traceIds };
}

interface TextResult { content: { type: string; text: string }[]; isError?: boolean }

describe('tempo-lens mcp (MCP client over stdio → built CLI → test server)', { skip: !existsSync(CLI) && 'dist/cli.js not built (npm run build)' }, () => {
  let server: TempoTestServer;
  let client: Client;
  let stderr = '';
  const seed = seedTraces(Date.now());
  const refresh = seedCount(seed, 'com.acme.token.TokenService', 'refreshToken');

  const call = async (name: string, args: Record<string, unknown>): Promise<{ json: Record<string, unknown>; text: string; isError: boolean }> => {
    const r = (await client.callTool({ name, arguments: args })) as TextResult;
    const text = r.content[0]?.text ?? '';
    return { json: JSON.parse(text) as Record<string, unknown>, text, isError: r.isError === true };
  };

  before(async () => {
    server = await startTempoServer();
    for (const p of seed) server.ingest(p);
    // Before the 2 h window: fetched by id only, so the figures stay the seed's alone.
    server.ingest(bigTrace(Date.now() - 3 * 3_600_000).payload);
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI, 'mcp', '--url', server.url, '--workspace', WORKSPACE, '--since', '2h'],
      cwd: REPO,
      env: { PATH: process.env['PATH'] ?? '' },
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (c: Buffer) => { stderr += c.toString('utf8'); });
    client = new Client({ name: 'tempo-lens-test', version: '0.0.0' });
    await client.connect(transport);
  });
  after(async () => {
    await client?.close();
    await server?.close();
  });

  test('lists the four tools with object input schemas', async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name), ['hotspots', 'function_stats', 'find_traces', 'get_trace']);
    for (const t of tools) {
      assert.equal(t.inputSchema.type, 'object');
      assert.ok((t.description ?? '').length > 50);
    }
    assert.deepEqual(tools.find((t) => t.name === 'get_trace')?.inputSchema.required, ['traceId']);
  });

  test('hotspots: the seeded methods with their exact call counts and workspace locations', async () => {
    const { json, isError } = await call('hotspots', { limit: 20 });
    assert.equal(isError, false, JSON.stringify(json));
    assert.equal(json['dataNotice'], DATA_NOTICE);
    const fns = json['functions'] as { service: string; codeRef: { namespace: string; function: string }; stats: { calls: number; errorRate: number }; location: { file: string; line: number } | null; insights: { kind: string; message: string }[] }[];
    assert.equal(fns.length, 10, 'the seed emits ten methods');
    const rt = fns.find((f) => f.codeRef.function === 'refreshToken');
    assert.ok(rt);
    assert.equal(rt.stats.calls, refresh.calls);
    assert.equal(rt.stats.errorRate, refresh.errors / refresh.calls);
    assert.deepEqual(rt.location && { file: rt.location.file, line: rt.location.line }, { file: TOKEN_SERVICE_FILE, line: 38 });
    const ct = rt.insights.find((i) => i.kind === 'caller-timeout');
    assert.ok(ct, JSON.stringify(rt.insights));
    assert.match(ct.message, new RegExp(`caller gave up at ${SEED_FACTS.gatewayTimeoutSeconds} s in ${SEED_FACTS.gatewayTimeoutTraces} of`));
    const jwks = fns.find((f) => f.codeRef.function === 'getJwks');
    assert.ok(jwks?.insights.some((i) => i.kind === 'cache-stampede'), 'the JWKS stampede');
    const byErrors = await call('hotspots', { sort: 'errors', limit: 3 });
    assert.equal((byErrors.json['functions'] as unknown[]).length, 3);
  });

  test('function_stats by file + a line in the body: figures, regression fields, insights and the slowest traces', async () => {
    const requestsBefore = server.requests.length;
    const { json, isError } = await call('function_stats', { file: TOKEN_SERVICE_FILE, line: 41 });
    assert.equal(isError, false, JSON.stringify(json));
    const f = json['function'] as { codeRef: { function: string }; stats: { calls: number; errors: number; p95Ms: number }; previousWindow: unknown; regression: unknown[]; insights: { kind: string }[]; slowestTraceIds: string[]; slowestSpans: { traceId: string; durationMs: number }[] };
    assert.equal(f.codeRef.function, 'refreshToken');
    assert.equal(f.stats.calls, refresh.calls);
    assert.equal(f.stats.errors, refresh.errors);
    assert.equal(f.previousWindow, null, 'nothing ran in the window before');
    assert.deepEqual(f.regression, []);
    assert.ok(f.insights.some((i) => i.kind === 'caller-timeout'));
    assert.ok(f.slowestSpans.length > 0);
    const d = f.slowestSpans.map((s) => s.durationMs);
    assert.deepEqual([...d].sort((a, b) => b - a), d, 'slowest first');
    for (const id of f.slowestTraceIds) assert.ok(refresh.traceIds.has(id), `${id} is a refreshToken trace`);
    // The figures were loaded by the hotspots call a moment ago: only the drill-down searches went out.
    const after = server.requests.slice(requestsBefore).map((r) => r.path);
    assert.ok(after.every((p) => p.startsWith('/api/search')), after.join(', '));
  });

  test('function_stats: an ambiguous name lists candidates; an unknown one says why', async () => {
    const some = await call('function_stats', { function: 'refresh' });
    const none = await call('function_stats', { function: 'NoSuchClass.nothing' });
    assert.equal(none.json['function'], null);
    assert.match(none.json['note'] as string, /No method matching/);
    // `refresh` is TokenClient.refresh only (refreshToken is another name).
    assert.equal((some.json['function'] as { codeRef: { namespace: string } }).codeRef.namespace, 'com.acme.gateway.TokenClient');
  });

  test('find_traces by method and by TraceQL', async () => {
    const byMethod = await call('find_traces', { function: 'TokenService.refreshToken', limit: 5 });
    assert.equal(byMethod.isError, false, byMethod.text);
    const traces = byMethod.json['traces'] as { traceId: string; matchedSpans: number }[];
    assert.equal(traces.length, 5);
    for (const t of traces) assert.ok(refresh.traceIds.has(t.traceId), `${t.traceId} holds a refreshToken span`);
    const errors = await call('find_traces', { query: '{ status = error && resource.service.name = "gateway" }', limit: 50 });
    const errorTraces = errors.json['traces'] as { rootServiceName: string; errorSpans: number }[];
    assert.ok(errorTraces.length >= SEED_FACTS.gatewayTimeoutTraces);
    assert.ok(errorTraces.every((t) => t.errorSpans > 0));
    const bad = await call('find_traces', { query: '{ status = ' });
    assert.equal(bad.isError, true);
    assert.match(bad.json['error'] as string, /parse|syntax|TraceQL|400/i);
  });

  test('get_trace: a seeded incident trace with code locations', async () => {
    const fs = await call('function_stats', { function: 'TokenService.refreshToken' });
    const id = ((fs.json['function'] as { insights: { kind: string; traceIds: string[] }[] }).insights.find((i) => i.kind === 'caller-timeout')?.traceIds ?? [])[0];
    assert.ok(id);
    const { json } = await call('get_trace', { traceId: id });
    assert.equal(json['found'], true);
    const spans = json['spans'] as { statusMessage: string | null; location: { file: string } | null; service: string }[];
    assert.ok(spans.some((s) => s.location?.file === TOKEN_SERVICE_FILE));
    assert.ok(spans.some((s) => s.service === 'gateway'));
    assert.equal(json['truncated'], null);
    const missing = await call('get_trace', { traceId: 'ffffffffffffffffffffffffffffffff' });
    assert.equal(missing.json['found'], false);
  });

  test('get_trace: a 10,000-span trace stays under the 32 KB cap, with the span counts of what was cut', async () => {
    const { json, text } = await call('get_trace', { traceId: BIG_TRACE_ID });
    assert.ok(Buffer.byteLength(text, 'utf8') <= DEFAULT_RESULT_CAP_BYTES, `${Buffer.byteLength(text, 'utf8')} bytes`);
    assert.equal((json['summary'] as { spans: number }).spans, 10_000);
    const cut = json['truncated'] as { omitted: { spans: number } };
    assert.equal(cut.omitted.spans, 10_000 - (json['spans'] as unknown[]).length);
    assert.ok(!/[\u202e\u0007\u001b]/.test(text), 'no bidi or control characters from span text');
    assert.equal(json['dataNotice'], DATA_NOTICE);
  });

  test('bad arguments are tool errors, not protocol failures', async () => {
    const r = await call('hotspots', { limit: 'ten' });
    assert.equal(r.isError, true);
    assert.match(r.json['error'] as string, /limit must be a whole number/);
    assert.match(stderr, /MCP server ready on stdio/);
  });
});

test('tempo-lens mcp exits 0 when stdin closes', { skip: !existsSync(CLI) && 'dist/cli.js not built' }, async () => {
  const child = spawn(process.execPath, [CLI, 'mcp', '--url', 'http://127.0.0.1:9', '--no-insights'], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (c: Buffer) => { err += c.toString('utf8'); });
  await new Promise((r) => setTimeout(r, 300));
  child.stdin.end();
  const code = await new Promise<number | null>((resolve, reject) => {
    const t = setTimeout(() => { child.kill(); reject(new Error(`still running 10 s after stdin closed; stderr: ${err}`)); }, 10_000);
    child.once('exit', (c) => { clearTimeout(t); resolve(c); });
  });
  assert.equal(code, 0, err);
});

test('mcp arguments: the shared connection/source options, a --help line, usage errors', async () => {
  const { parseCliArgs, USAGE } = await import('../../src/core/cliArgs');
  const ok = parseCliArgs(['mcp', '--source', 'files', '--workspace', 'ws', '--since', '15m', '--filter', 'span.x = 1', '--tenant', 't'], { TEMPO_LENS_TOKEN: 'tok' });
  assert.ok(ok.ok);
  assert.deepEqual(ok.ok && ok.command.command === 'mcp' ? [ok.command.source, ok.command.workspace, ok.command.sinceMs, ok.command.filter, ok.command.connection.tenant, ok.command.connection.auth, ok.command.maxBytes] : null,
    ['files', 'ws', 15 * 60_000, 'span.x = 1', 't', 'bearer', 32 * 1024]);
  assert.match(USAGE, /tempo-lens mcp {6}\[--url U\]/);
  assert.equal(parseCliArgs(['mcp', '--format', 'json'], {}).ok, false);
  assert.equal(parseCliArgs(['mcp', '--since', 'soon'], {}).ok, false);
});

describe('tempo-lens mcp --source files (the same tools over trace files)', { skip: !existsSync(CLI) && 'dist/cli.js not built (npm run build)' }, () => {
  let client: Client;
  let dir: string;
  const seed = seedTraces(Date.now());
  const refresh = seedCount(seed, 'com.acme.token.TokenService', 'refreshToken');

  const call = async (name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const r = (await client.callTool({ name, arguments: args })) as TextResult;
    assert.notEqual(r.isError, true, r.content[0]?.text);
    return JSON.parse(r.content[0]?.text ?? '') as Record<string, unknown>;
  };

  before(async () => {
    // A workspace of its own: the method's source file, and the seed exported as OTLP files.
    dir = mkdtempSync(path.join(tmpdir(), 'tl-mcp-files-'));
    mkdirSync(path.join(dir, 'traces'));
    mkdirSync(path.dirname(path.join(dir, TOKEN_SERVICE_FILE)), { recursive: true });
    copyFileSync(path.join(REPO, WORKSPACE, TOKEN_SERVICE_FILE), path.join(dir, TOKEN_SERVICE_FILE));
    seed.forEach((p, i) => writeFileSync(path.join(dir, 'traces', `t${i}.json`), JSON.stringify(p)));
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI, 'mcp', '--source', 'files', '--files', 'traces/*.json', '--workspace', dir],
      cwd: REPO,
      stderr: 'pipe',
    });
    client = new Client({ name: 'tempo-lens-files-test', version: '0' });
    await client.connect(transport);
  });

  after(async () => {
    await client?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('figures, TraceQL-subset search and trace by id come from the files', async () => {
    const f = (await call('function_stats', { file: TOKEN_SERVICE_FILE, line: 41 }))['function'] as { stats: { calls: number; errors: number }; previousWindow: unknown };
    assert.equal(f.stats.calls, refresh.calls);
    assert.equal(f.stats.errors, refresh.errors);
    assert.equal(f.previousWindow, null, 'files have no previous window of their own');
    const found = await call('find_traces', { query: '{ span.code.function = "refreshToken" && duration > 0ms }', limit: 50 });
    const traces = found['traces'] as { traceId: string }[];
    assert.deepEqual(new Set(traces.map((t) => t.traceId)), refresh.traceIds, 'every trace of the method, each once');
    const t = await call('get_trace', { traceId: traces[0]!.traceId });
    assert.equal(t['found'], true);
  });
});
