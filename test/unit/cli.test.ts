// The `tempo-lens` CLI end to end against the test server: golden outputs, exit codes, auth from the environment.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli';
import { parseCliArgs } from '../../src/core/cliArgs';
import { startTempoServer, type TempoTestServer } from '../tempo-server/server';
import { SEED_FACTS, seedTraces } from '../tempo-server/seed';

const REPO = path.resolve(__dirname, '../../..');
const GOLDEN = path.join(REPO, 'test/fixtures/cli');
const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const WINDOW = ['--start', '2026-01-01T11:00:00Z', '--end', '2026-01-01T12:00:00Z'];

interface Run { code: number; out: string; err: string }

async function cli(argv: readonly string[], env: Record<string, string> = {}, extra: { readStdin?: () => Promise<string> } = {}): Promise<Run> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; }, env, now: () => NOW, cwd: REPO, ...extra });
  return { code, out, err };
}

/** Compares with test/fixtures/cli/<name>; UPDATE_GOLDEN=1 rewrites it. */
function golden(name: string, actual: string): void {
  const file = path.join(GOLDEN, name);
  if (process.env['UPDATE_GOLDEN'] === '1' || !existsSync(file)) {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, actual);
  }
  assert.equal(actual, readFileSync(file, 'utf8'), `golden ${name} (UPDATE_GOLDEN=1 to accept a deliberate change)`);
}

describe('hotspots / search / trace against a seeded server with fixed timestamps', () => {
  let server: TempoTestServer;
  before(async () => {
    server = await startTempoServer({ now: () => NOW });
    for (const p of seedTraces(NOW)) server.ingest(p);
  });
  after(() => server.close());

  test('hotspots --format table', async () => {
    const r = await cli(['hotspots', '--url', server.url, ...WINDOW, '--limit', '8']);
    assert.equal(r.code, 0, r.err);
    golden('hotspots.table.txt', r.out);
    assert.match(r.out, /FUNCTION\s+SERVICE\s+CALLS\s+ERRORS\s+P50\s+P95\s+P99\s+FLAGS\s+LOCATION/);
    assert.match(r.out, /≈/);
    assert.match(r.out, /… 2 more \(use --limit\)/);
  });

  test('hotspots --format json is exactly the documented object', async () => {
    const r = await cli(['hotspots', '--url', server.url, ...WINDOW, '--format', 'json']);
    assert.equal(r.code, 0, r.err);
    golden('hotspots.json', r.out);
    const doc = JSON.parse(r.out) as { window: Record<string, string>; functions: Record<string, unknown>[] };
    assert.deepEqual(Object.keys(doc), ['window', 'functions']);
    assert.deepEqual(doc.window, { start: '2026-01-01T11:00:00.000Z', end: '2026-01-01T12:00:00.000Z' });
    assert.equal(doc.functions.length, 10);
    for (const f of doc.functions) {
      assert.deepEqual(Object.keys(f), ['codeRef', 'service', 'stats', 'location', 'insights']);
      assert.deepEqual(Object.keys(f['codeRef'] as object), ['namespace', 'function', 'filePath', 'line']);
      assert.deepEqual(Object.keys(f['stats'] as object), ['calls', 'errorRate', 'p50Ms', 'p95Ms', 'p99Ms']);
      assert.equal(f['location'], null);
      for (const i of f['insights'] as Record<string, unknown>[]) {
        assert.deepEqual(Object.keys(i), ['kind', 'message', 'traceIds']);
        assert.ok(['slow', 'errors', 'caller-timeout', 'cache-stampede'].includes(i['kind'] as string));
      }
    }
    const p95 = doc.functions.map((f) => (f['stats'] as { p95Ms: number | null }).p95Ms ?? -1);
    assert.deepEqual([...p95].sort((a, b) => b - a), p95, 'slowest p95 first');
    assert.match(r.err, /note: Percentiles are estimates/);
  });

  test('hotspots --format sarif: SARIF 2.1.0, one result per function and exceeded threshold', async () => {
    const r = await cli(['hotspots', '--url', server.url, ...WINDOW, '--format', 'sarif', '--latency-ms', '2000', '--error-rate', '0.1']);
    assert.equal(r.code, 0, r.err);
    golden('hotspots.sarif.json', r.out);
    const sarif = JSON.parse(r.out) as { version: string; runs: { tool: { driver: { rules: { id: string }[] } }; results: { ruleId: string; level: string; locations: { logicalLocations?: unknown[]; physicalLocation?: unknown }[] }[] }[] };
    assert.equal(sarif.version, '2.1.0');
    const results = sarif.runs[0]!.results;
    assert.ok(results.length > 0);
    assert.ok(results.every((x) => ['slow', 'errors', 'caller-timeout', 'cache-stampede'].includes(x.ruleId) && x.level === 'warning'));
    assert.ok(results.some((x) => x.ruleId === 'caller-timeout') && results.some((x) => x.ruleId === 'cache-stampede'), 'trace insights are SARIF results too');
    assert.ok(results.every((x) => x.locations[0]?.logicalLocations !== undefined && x.locations[0]?.physicalLocation === undefined), 'no workspace → logical locations');
    const ids = new Set(sarif.runs[0]!.tool.driver.rules.map((x) => x.id));
    assert.ok(results.every((x) => ids.has(x.ruleId)));
  });

  test('--fail-on: exit 1 when a function is over a listed threshold, 0 otherwise', async () => {
    const slow = await cli(['hotspots', '--url', server.url, ...WINDOW, '--format', 'json', '--fail-on', 'slow']);
    assert.equal(slow.code, 1);
    assert.match(slow.err, /over --fail-on slow thresholds/);
    const lenient = await cli(['hotspots', '--url', server.url, ...WINDOW, '--format', 'json', '--fail-on', 'slow,errors', '--latency-ms', '1000000', '--error-rate', '1']);
    assert.equal(lenient.code, 0, lenient.err);
    const sortByErrors = await cli(['hotspots', '--url', server.url, ...WINDOW, '--format', 'json', '--sort', 'errors']);
    const rates = (JSON.parse(sortByErrors.out) as { functions: { stats: { errorRate: number } }[] }).functions.map((f) => f.stats.errorRate);
    assert.deepEqual([...rates].sort((a, b) => b - a), rates);
  });

  test('trace insights from sampled traces: the gateway 5 s timeout and the JWKS stampede; --no-insights skips the sampling', async () => {
    server.clearRequests();
    const r = await cli(['hotspots', '--url', server.url, ...WINDOW, '--format', 'json']);
    assert.equal(r.code, 0, r.err);
    const fns = (JSON.parse(r.out) as { functions: JsonFunction[] }).functions;
    const traceFetches = server.requests.filter((q) => /\/api\/(v2\/)?traces\//.test(q.path)).length;
    assert.ok(traceFetches > 0 && traceFetches <= 30, `${traceFetches} trace fetches, bounded`);
    // The token-service handler the gateway gave up on kept running: caller-timeout, with the incident's traces as examples.
    const refresh = insightOf(fns, 'refreshToken', 'caller-timeout');
    assert.ok(refresh, JSON.stringify(fns.map((f) => [f.codeRef.function, f.insights.map((i) => i.kind)])));
    // A bounded sample: some of the incident's traces, each fetched once.
    const m = new RegExp(`caller gave up at ${SEED_FACTS.gatewayTimeoutSeconds} s in (\\d+) of \\d+ sampled traces`).exec(refresh.message);
    assert.ok(m && Number(m[1]) >= 2 && Number(m[1]) <= SEED_FACTS.gatewayTimeoutTraces, refresh.message);
    assert.ok(refresh.traceIds.length > 0);
    const example = await cli(['trace', refresh.traceIds[0]!, '--url', server.url]);
    assert.match(example.out, /HttpTimeoutException/, 'the example trace is an incident trace');
    const jwks = insightOf(fns, 'getJwks', 'cache-stampede');
    assert.ok(jwks);
    assert.match(jwks.message, /concurrent executions of SELECT … FROM signing_keys/);
    assert.ok(jwks.traceIds.length >= 3);
    const onlyThresholds = fns.filter((f) => f.codeRef.function === 'getToken')[0];
    assert.ok(onlyThresholds && onlyThresholds.insights.every((i) => i.kind === 'slow' || i.kind === 'errors'), 'no trace insight where the traces show none');
    assert.match(r.err, /note: caller-timeout \/ cache-stampede \/ n-plus-one insights from \d+ sampled traces of \d+ functions/);

    const failOn = await cli(['hotspots', '--url', server.url, ...WINDOW, '--format', 'json', '--fail-on', 'cache-stampede', '--latency-ms', '1000000', '--error-rate', '1']);
    assert.equal(failOn.code, 1, failOn.err);
    assert.match(failOn.err, /1 function over --fail-on cache-stampede/);

    server.clearRequests();
    const off = await cli(['hotspots', '--url', server.url, ...WINDOW, '--format', 'json', '--no-insights', '--fail-on', 'caller-timeout,cache-stampede']);
    assert.equal(off.code, 0, off.err);
    const offFns = (JSON.parse(off.out) as { functions: JsonFunction[] }).functions;
    assert.ok(offFns.every((f) => f.insights.every((i) => i.kind === 'slow' || i.kind === 'errors')));
    assert.equal(server.requests.filter((q) => /\/api\/(v2\/)?traces\//.test(q.path)).length, 0, 'no trace fetched');
    assert.doesNotMatch(off.err, /sampled traces/);
  });

  test('--filter narrows; a filter with braces is a usage error; Tempo\'s TraceQL error keeps line/col', async () => {
    const one = await cli(['hotspots', '--url', server.url, ...WINDOW, '--format', 'json', '--filter', 'resource.service.name = "gateway"']);
    assert.equal(one.code, 0, one.err);
    assert.deepEqual((JSON.parse(one.out) as { functions: { service: string }[] }).functions.map((f) => f.service), ['gateway']);
    const braces = await cli(['hotspots', '--url', server.url, ...WINDOW, '--filter', '{ status = error }']);
    assert.equal(braces.code, 2);
    assert.match(braces.err, /^tempo-lens: tempoLens\.filter is not valid: filter: write span-set conditions without braces/);
    const bad = await cli(['search', '{ span.code.function = }', '--url', server.url, ...WINDOW]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /^tempo-lens: .*line 1, col 24/);
    assert.equal(bad.err.trim().split('\n').length, 1, 'one line');
  });

  test('--workspace maps functions to files: JSON location shape, SARIF physical locations', async () => {
    const r = await cli(['hotspots', '--url', server.url, ...WINDOW, '--format', 'json', '--workspace', 'test/fixtures/workspaces/demo']);
    assert.equal(r.code, 0, r.err);
    const fns = (JSON.parse(r.out) as { functions: { codeRef: { function: string }; location: Record<string, unknown> | null }[] }).functions;
    const located = fns.filter((f) => f.location !== null);
    assert.ok(located.length >= 8, `${located.length} of ${fns.length} located`);
    for (const f of located) {
      assert.deepEqual(Object.keys(f.location!), ['file', 'line', 'symbol', 'confidence', 'reason']);
      assert.ok(!(f.location!['file'] as string).startsWith('/'), 'workspace-relative');
      assert.ok((f.location!['line'] as number) >= 1);
    }
    const getToken = fns.find((f) => f.codeRef.function === 'getToken');
    assert.equal(getToken?.location?.['file'], 'token-service/src/main/java/com/acme/token/TokenService.java');
    const sarif = await cli(['hotspots', '--url', server.url, ...WINDOW, '--format', 'sarif', '--workspace', 'test/fixtures/workspaces/demo']);
    const results = (JSON.parse(sarif.out) as { runs: { results: { locations: { physicalLocation?: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[] }[] }).runs[0]!.results;
    assert.ok(results.some((x) => x.locations[0]?.physicalLocation?.artifactLocation.uri === 'token-service/src/main/java/com/acme/token/TokenService.java'));
    const m = await cli(['match', '--workspace', 'test/fixtures/workspaces/demo'], {}, { readStdin: async () => '{"code.namespace":"com.acme.token.TokenService","code.function":"getJwks","service.name":"token-service"}\n' });
    assert.equal(m.code, 0, m.err);
    const line = JSON.parse(m.out) as { location: { file: string; symbol: string } | null };
    assert.equal(line.location?.file, 'token-service/src/main/java/com/acme/token/TokenService.java');
  });

  test('search --format table|json and trace --format tree|json', async () => {
    const q = '{ span.code.function = "refresh" }';
    const table = await cli(['search', q, '--url', server.url, ...WINDOW, '--limit', '3']);
    assert.equal(table.code, 0, table.err);
    golden('search.table.txt', table.out);
    const json = await cli(['search', q, '--url', server.url, ...WINDOW, '--limit', '3', '--format', 'json']);
    assert.equal(json.code, 0, json.err);
    golden('search.json', json.out);
    const traces = (JSON.parse(json.out) as { traces: { traceId: string }[] }).traces;
    assert.equal(traces.length, 3);
    const id = traces[0]!.traceId;
    const tree = await cli(['trace', id, '--url', server.url]);
    assert.equal(tree.code, 0, tree.err);
    golden('trace.tree.txt', tree.out);
    assert.match(tree.out, /after its parent/, 'the gateway-timeout trace shows spans that outlived their caller');
    const tj = await cli(['trace', id.replace(/^0+/, ''), '--url', server.url, '--format', 'json']);
    assert.equal(tj.code, 0, tj.err);
    golden('trace.json', tj.out);
    const missing = await cli(['trace', '0123456789abcdef0123456789abcdef', '--url', server.url]);
    assert.equal(missing.code, 3);
    assert.match(missing.err, /trace 0123456789abcdef0123456789abcdef was not found/);
  });
});

interface JsonInsight { kind: string; message: string; traceIds: string[] }
interface JsonFunction { codeRef: { namespace: string | null; function: string }; service: string | null; location: { file: string } | null; insights: JsonInsight[] }

function insightOf(fns: readonly JsonFunction[], fn: string, kind: string, namespace?: string): JsonInsight | undefined {
  return fns.find((f) => f.codeRef.function === fn && (namespace === undefined || f.codeRef.namespace === namespace))?.insights.find((i) => i.kind === kind);
}

function traceIdsIn(file: string): Set<string> {
  return new Set([...readFileSync(file, 'utf8').matchAll(/"traceId"\s*:\s*"([0-9a-fA-F]{32})"/g)].map((m) => (m[1] as string).toLowerCase()));
}

test('hotspots --source files: caller-timeout and cache-stampede from every trace of the spring-token incidents (table, JSON, SARIF, --fail-on)', async () => {
  const ws = 'test/fixtures/workspaces/spring-token';
  const base = ['hotspots', '--source', 'files', '--workspace', ws];
  const r = await cli([...base, '--format', 'json']);
  assert.equal(r.code, 0, r.err);
  const fns = (JSON.parse(r.out) as { functions: JsonFunction[] }).functions;
  const timeoutTraces = traceIdsIn(path.join(REPO, ws, '.tempo-lens/traces/caller-timeout.json'));
  const stampedeTraces = traceIdsIn(path.join(REPO, ws, '.tempo-lens/traces/jwks-stampede.json'));
  assert.ok(timeoutTraces.size > 0 && stampedeTraces.size > 0);
  // helper F's expectations (callerTimeout.test.ts): GatewayClient.fetchToken's outbound call, the token handler, findToken.
  for (const [ns, fn] of [['com.acme.gateway.GatewayClient', 'fetchToken'], ['com.acme.token.TokenController', 'token'], ['com.acme.token.TokenRepository', 'findToken']] as const) {
    const i = insightOf(fns, fn, 'caller-timeout', ns);
    assert.ok(i, `${ns}.${fn}: ${JSON.stringify(fns.map((f) => [f.codeRef.function, f.insights.map((x) => x.kind)]))}`);
    assert.match(i.message, /after its caller gave up at 5 s in 12 of \d+ traces/);
    assert.ok(i.traceIds.length > 0 && i.traceIds.every((t) => timeoutTraces.has(t)), 'examples are incident traces');
  }
  // cacheStampede.test.ts: the @Cacheable TokenService.getJwks owns the 24 h JWKS stampede.
  const jwks = insightOf(fns, 'getJwks', 'cache-stampede', 'com.acme.token.TokenService');
  assert.ok(jwks);
  assert.match(jwks.message, /^12 concurrent executions of SELECT … FROM jwks .*~every 24 h, in 3 bursts/);
  assert.ok(jwks.traceIds.length > 0 && jwks.traceIds.every((t) => stampedeTraces.has(t)));
  assert.equal(fns.filter((f) => f.insights.some((i) => i.kind === 'cache-stampede')).length, 1, 'the repository below the cache is not blamed');
  assert.equal(fns.find((f) => f.codeRef.function === 'getJwks')?.location?.file, 'src/main/java/com/acme/token/TokenService.java');

  const table = await cli(base);
  assert.equal(table.code, 0, table.err);
  assert.match(table.out, /FLAGS/);
  assert.match(table.out, /slow,cache-stampede/);
  assert.match(table.out, /\nTrace insights:\n/);
  assert.match(table.out, /  cache-stampede  com\.acme\.token\.TokenService\.getJwks \(token-service\): 12 concurrent executions .* · e\.g\. trace [0-9a-f]{32}/);

  const sarif = await cli([...base, '--format', 'sarif']);
  assert.equal(sarif.code, 0, sarif.err);
  const run = (JSON.parse(sarif.out) as { runs: { tool: { driver: { rules: { id: string }[] } }; results: { ruleId: string; locations: { physicalLocation?: { artifactLocation: { uri: string } } }[]; properties: { traceIds: string[] } }[] }[] }).runs[0]!;
  assert.deepEqual(run.tool.driver.rules.map((x) => x.id), ['slow', 'caller-timeout', 'cache-stampede']);
  const stampede = run.results.filter((x) => x.ruleId === 'cache-stampede');
  assert.equal(stampede.length, 1);
  assert.equal(stampede[0]!.locations[0]?.physicalLocation?.artifactLocation.uri, 'src/main/java/com/acme/token/TokenService.java');
  assert.ok(stampede[0]!.properties.traceIds.length > 0);
  assert.ok(run.results.filter((x) => x.ruleId === 'caller-timeout').length >= 3);

  const failTimeout = await cli([...base, '--format', 'json', '--fail-on', 'caller-timeout']);
  assert.equal(failTimeout.code, 1);
  assert.match(failTimeout.err, /over --fail-on caller-timeout/);
  const failStampede = await cli([...base, '--format', 'sarif', '--fail-on', 'cache-stampede']);
  assert.equal(failStampede.code, 1);
  assert.match(failStampede.err, /1 function over --fail-on cache-stampede/);
  const off = await cli([...base, '--format', 'json', '--no-insights', '--fail-on', 'caller-timeout,cache-stampede']);
  assert.equal(off.code, 0, off.err);
  assert.ok((JSON.parse(off.out) as { functions: JsonFunction[] }).functions.every((f) => f.insights.every((i) => i.kind === 'slow' || i.kind === 'errors')));
});

test('hotspots --source files (offline) golden', async () => {
  const r = await cli(['hotspots', '--source', 'files', '--workspace', 'test/fixtures/otlp', '--files', 'files/**/*.{json,jsonl}']);
  assert.equal(r.code, 0, r.err);
  golden('hotspots.files.table.txt', r.out);
  assert.match(r.out, /source: files/);
  assert.match(r.out, /note: files\/broken\.json: not an OTLP\/Tempo trace file/);
});

describe('exit codes and messages', () => {
  test('usage errors exit 2 with one line', async () => {
    for (const argv of [
      ['hotspots', '--bogus'],
      ['hotspots', '--format', 'xml'],
      ['hotspots', '--since', 'forever'],
      ['hotspots', '--since', '1h', '--start', '2026-01-01T00:00:00Z'],
      ['hotspots', '--fail-on', 'slow,typo'],
      ['search'],
      ['trace', 'not-hex'],
      ['match'],
      ['frobnicate'],
      ['hotspots', '--url', 'ftp://x'],
    ]) {
      const r = await cli(argv);
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.err}`);
      assert.equal(r.err.trim().split('\n').length, 1, r.err);
      assert.match(r.err, /^tempo-lens: /);
    }
    const help = await cli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.out, /tempo-lens hotspots/);
  });

  test('unreachable Tempo exits 3 and says so', async () => {
    const s = await startTempoServer();
    const url = s.url;
    await s.close();
    const r = await cli(['hotspots', '--url', url]);
    assert.equal(r.code, 3);
    assert.match(r.err, /^tempo-lens: .*refused/);
    assert.equal(r.err.trim().split('\n').length, 1);
  });

  test('401 exits 3; TEMPO_LENS_TOKEN (bearer) and TEMPO_LENS_USER (basic) authenticate; the token never shows', async () => {
    const bearer = await startTempoServer({ auth: { bearer: 's3cret-token' } });
    const basic = await startTempoServer({ auth: { basic: { user: '12345', password: 'glc_pass' } } });
    try {
      const denied = await cli(['search', '{ }', '--url', bearer.url]);
      assert.equal(denied.code, 3);
      assert.match(denied.err, /401/);
      const wrong = await cli(['search', '{ }', '--url', bearer.url], { TEMPO_LENS_TOKEN: 'nope-wrong' });
      assert.equal(wrong.code, 3);
      assert.ok(!wrong.err.includes('nope-wrong'));
      const ok = await cli(['search', '{ }', '--url', bearer.url], { TEMPO_LENS_TOKEN: 's3cret-token' });
      assert.equal(ok.code, 0, ok.err);
      assert.equal(bearer.requests.at(-1)?.headers['authorization'], 'Bearer s3cret-token');
      const b = await cli(['search', '{ }', '--url', basic.url], { TEMPO_LENS_TOKEN: 'glc_pass', TEMPO_LENS_USER: '12345' });
      assert.equal(b.code, 0, b.err);
      assert.match(basic.requests.at(-1)?.headers['authorization'] ?? '', /^Basic /);
      const forced = await cli(['search', '{ }', '--url', basic.url], { TEMPO_LENS_TOKEN: 'glc_pass', TEMPO_LENS_AUTH: 'bearer' });
      assert.equal(forced.code, 3);
    } finally {
      await bearer.close();
      await basic.close();
    }
  });

  test('the built CLI sets the process exit code', async () => {
    const script = path.join(REPO, 'out/src/cli.js');
    const code = await new Promise<number>((resolve) => {
      execFile(process.execPath, [script, 'hotspots', '--format', 'nope'], (err) => resolve(err === null ? 0 : Number((err as { code?: number }).code)));
    });
    assert.equal(code, 2);
  });
});

test('match: JSON lines of span attributes in, {input, location} out', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tempo-lens-match-'));
  try {
    const input = path.join(dir, 'spans.jsonl');
    writeFileSync(input, '{"code.namespace":"com.acme.A","code.function":"run","service.name":"s"}\n\n{"http.method":"GET"}\n');
    const r = await cli(['match', '--workspace', dir, '--input', input]);
    assert.equal(r.code, 0, r.err);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l) as { input: unknown; location: unknown });
    assert.equal(lines.length, 2);
    assert.deepEqual(lines[0]?.input, { 'code.namespace': 'com.acme.A', 'code.function': 'run', 'service.name': 's' });
    assert.ok(lines.every((l) => 'location' in l));
    assert.equal(lines[1]?.location, null);
    const stdin = await cli(['match', '--workspace', dir], {}, { readStdin: async () => '{"code.function.name":"x.Y.z"}\n' });
    assert.equal(stdin.code, 0);
    assert.equal(stdin.out.trim().split('\n').length, 1);
    const bad = await cli(['match', '--workspace', dir], {}, { readStdin: async () => 'not json\n' });
    assert.equal(bad.code, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('argument parsing details', () => {
  const p = parseCliArgs(['hotspots', '--since=24h', '--limit', '5', '--fail-on', 'slow, errors'], { TEMPO_LENS_URL: 'http://t:3200' });
  assert.ok(p.ok);
  if (p.ok && p.command.command === 'hotspots') {
    assert.deepEqual(p.command.window, { sinceMs: 86_400_000 });
    assert.equal(p.command.limit, 5);
    assert.deepEqual(p.command.failOn, ['slow', 'errors']);
    assert.equal(p.command.connection.url, 'http://t:3200');
    assert.equal(p.command.connection.auth, 'none');
    assert.equal(p.command.latencyMs, 1000);
    assert.equal(p.command.errorRate, 0.05);
  }
  const b = parseCliArgs(['trace', 'ABC'], { TEMPO_LENS_TOKEN: 't' });
  assert.ok(b.ok && b.command.command === 'trace' && b.command.connection.auth === 'bearer' && b.command.traceId === 'abc');
  assert.ok(p.ok && p.command.command === 'hotspots' && p.command.insights, 'insights on by default');
  const off = parseCliArgs(['hotspots', '--no-insights', '--limit', '3'], {});
  assert.ok(off.ok && off.command.command === 'hotspots' && !off.command.insights && off.command.limit === 3);
  const valued = parseCliArgs(['hotspots', '--no-insights=yes'], {});
  assert.ok(!valued.ok && !valued.help && /--no-insights takes no value/.test(valued.error));
  const help = parseCliArgs(['hotspots', '--help'], {});
  assert.ok(!help.ok && help.help && /--no-insights/.test(help.text) && /caller-timeout, cache-stampede and n-plus-one/.test(help.text));
  const bad = parseCliArgs(['hotspots', '--limit', '0'], {});
  assert.ok(!bad.ok && !bad.help && /--limit/.test(bad.error));
});
