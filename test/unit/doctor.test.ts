// Check Instrumentation (`tempo-lens doctor`): the advice rules (pure), the census against the
// loopback Tempo (which enforces Tempo's group-by limits and refuses `= nil` as 2.x), and files.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli';
import { buildDoctorReport, censusQueries, countsFromMetrics, splitKeys, suggestPathMapping, type CensusResult, type ServiceCounts } from '../../src/core/doctor';
import { doctorMarkdown } from '../../src/core/doctorFormat';
import { groupByCount } from '../../src/core/traceql';
import { startTempoServer, type TempoTestServer } from '../tempo-server/server';
import { doctorProblems, doctorScenario, type DoctorJson, type ExpectedService } from '../scenarios/doctor';

const REPO = path.resolve(__dirname, '../../..');
const DEMO = path.join(REPO, 'test/fixtures/workspaces/demo');
const W = { startMs: Date.UTC(2026, 0, 1, 11), endMs: Date.UTC(2026, 0, 1, 12) };

const svc = (over: Partial<ServiceCounts> & { service: string }): ServiceCounts => ({
  spans: 10, withCode: 0, oldKeys: 0, newKeys: 0, bothKeys: 0, sdk: { language: 'java', name: 'opentelemetry', version: '1.44.1', distro: null }, ...over,
});
const census = (services: ServiceCounts[], metricsUnavailable: string | null = null): CensusResult => ({ window: W, services, metricsUnavailable, notes: [] });

describe('doctor core: counts and advice', () => {
  test('splitKeys: old-or-both, new-or-both and any become disjoint counts adding up to withCode', () => {
    assert.deepEqual(splitKeys(15, 20, 28), { withCode: 28, oldKeys: 8, newKeys: 13, bothKeys: 7 });
    assert.deepEqual(splitKeys(0, 0, 0), { withCode: 0, oldKeys: 0, newKeys: 0, bothKeys: 0 });
  });

  test('census queries stay within Tempo\'s group-by limit and never use = nil', () => {
    const q = censusQueries('span.http.route = "/x"');
    for (const text of Object.values(q)) {
      assert.ok(groupByCount(text) <= 5, text);
      assert.ok(!/=\s*nil/.test(text.replace(/!=\s*nil/g, '')), text);
      assert.match(text, /span\.http\.route = "\/x"/);
    }
  });

  test('the four cases are told apart', () => {
    assert.equal(buildDoctorReport(census([], 'local-blocks processor not found'), [], { workspaceChecked: true, filter: '' }).state, 'metrics-unavailable');
    const empty = buildDoctorReport(census([]), [], { workspaceChecked: true, filter: 'span.x = 1' });
    assert.equal(empty.state, 'no-data');
    assert.match(empty.advice.join('\n'), /loosen the filter/);
    assert.equal(buildDoctorReport(census([svc({ service: 'a' })]), [], { workspaceChecked: true, filter: '' }).state, 'no-code');
    const code = svc({ service: 'a', withCode: 4, bothKeys: 4 });
    const ref = { namespace: 'com.x.A', function: 'f', filePath: null, line: null };
    const unmatched = buildDoctorReport(census([code]), [{ service: 'a', codeRef: ref, matched: false, reason: 'No class com.x.A in the workspace.', workspaceFile: null, mappedByConfig: false }], { workspaceChecked: true, filter: '' });
    assert.equal(unmatched.state, 'no-match');
    assert.match(unmatched.services[0]!.advice.join('\n'), /No class com\.x\.A in the workspace/);
    assert.equal(buildDoctorReport(census([code]), [{ service: 'a', codeRef: ref, matched: true, reason: null, workspaceFile: 'A.java', mappedByConfig: true }], { workspaceChecked: true, filter: '' }).state, 'ok');
  });

  test('advice per SDK: Java agent controller spans, Python decorator, Node helper, key generations', () => {
    const r = buildDoctorReport(census([
      svc({ service: 'j', sdk: { language: 'java', name: 'opentelemetry', version: '1.44.1', distro: 'opentelemetry-java-instrumentation' } }),
      svc({ service: 'p', sdk: { language: 'python', name: 'opentelemetry', version: '1.29.0', distro: null } }),
      svc({ service: 'n', sdk: { language: 'nodejs', name: 'opentelemetry', version: '1.30.0', distro: null } }),
      svc({ service: 'old', withCode: 5, oldKeys: 5, sdk: { language: 'java', name: 'opentelemetry', version: '2.10.0', distro: null } }),
      svc({ service: 'new', withCode: 5, newKeys: 5 }),
      svc({ service: 'dup', withCode: 5, bothKeys: 3, oldKeys: 2 }),
    ]), [], { workspaceChecked: false, filter: '' });
    const adv = (s: string): string => r.services.find((x) => x.service === s)!.advice.join('\n');
    assert.match(adv('j'), /OTEL_INSTRUMENTATION_COMMON_EXPERIMENTAL_CONTROLLER_TELEMETRY_ENABLED=true/);
    assert.match(adv('j'), /OTEL_INSTRUMENTATION_METHODS_INCLUDE=/);
    assert.match(adv('p'), /def traced\(fn\):/);
    assert.match(adv('n'), /startActiveSpan/);
    assert.match(adv('old'), /OTEL_SEMCONV_STABILITY_OPT_IN=code\/dup/);
    assert.match(adv('old'), /upgrade the agent to ≥ 2\.18\.0/);
    assert.match(adv('new'), /only the new key .*OTEL_SEMCONV_STABILITY_OPT_IN=code\/dup/);
    assert.equal(adv('dup'), '', 'spans with both generations need no advice');
  });

  test('path mapping: the prefix before the shared ending, most frequent pair, at least two components', () => {
    assert.deepEqual(suggestPathMapping([
      { spanPath: '/app/src/cart/cartService.ts', workspaceFile: 'checkout-web/src/cart/cartService.ts' },
      { spanPath: '/app/src/cart/priceCalculator.ts', workspaceFile: 'checkout-web/src/cart/priceCalculator.ts' },
      { spanPath: '/other/x/y.ts', workspaceFile: 'z/x/y.ts' },
    ]), { from: '/app', to: 'checkout-web' });
    assert.deepEqual(suggestPathMapping([{ spanPath: '/srv/billing/a.py', workspaceFile: 'billing/a.py' }]), { from: '/srv', to: '.' });
    assert.equal(suggestPathMapping([{ spanPath: '/srv/a.py', workspaceFile: 'lib/a.py' }]), null, 'a file name alone is no evidence');
  });

  test('metrics answers: sums per service, absent values are zero, chunk-boundary steps counted once, "nil" labels are null', () => {
    const kv = (key: string, v: string) => ({ key, value: { stringValue: v } });
    const all = [
      { series: [{ labels: [kv('resource.service.name', 'a'), kv('resource.telemetry.sdk.language', 'java'), kv('resource.telemetry.distro.name', 'nil')], samples: [{ timestampMs: '1000', value: 2 }, { timestampMs: '2000' }, { timestampMs: '3000', value: 3 }] }] },
      { series: [{ labels: [kv('resource.service.name', 'a'), kv('resource.telemetry.sdk.language', 'java'), kv('resource.telemetry.distro.name', 'nil')], samples: [{ timestampMs: '3000', value: 3 }, { timestampMs: '4000', value: 1 }] }] },
    ];
    const one = (n: number) => [{ series: [{ labels: [kv('resource.service.name', 'a')], samples: [{ timestampMs: '1000', value: n }] }] }];
    const [a] = countsFromMetrics({ all, old: one(4), new: one(3), any: one(5) });
    assert.deepEqual(a, { service: 'a', spans: 6, withCode: 5, oldKeys: 2, newKeys: 1, bothKeys: 2, sdk: { language: 'java', name: null, version: null, distro: null } });
  });

  test('the markdown report escapes span data (no links or HTML from service names)', () => {
    const md = doctorMarkdown(buildDoctorReport(census([svc({ service: '[x](command:evil) <img src=x>' })]), [], { workspaceChecked: false, filter: '' }), 'Tempo');
    assert.ok(!md.includes('[x](command:evil)'), md);
    assert.ok(!md.includes('<img'), md);
    assert.match(md, /░░░░░░░░░░/);
  });
});

function assertDoctorReport(report: DoctorJson, expected: readonly ExpectedService[], label: string): void {
  const problems = doctorProblems(report, expected);
  assert.deepEqual(problems, [], `${label}:\n${problems.join('\n')}`);
}

async function cli(argv: readonly string[], now: number): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; }, env: {}, now: () => now, cwd: REPO });
  return { code, out, err };
}

describe('doctor against the loopback Tempo (2.x rules: ≤ 5 group-bys, no = nil)', () => {
  const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
  const scenario = doctorScenario(NOW);
  let server: TempoTestServer;
  before(async () => {
    server = await startTempoServer({ now: () => NOW });
    for (const p of scenario.payloads) server.ingest(p);
  });
  after(async () => server.close());

  test('doctor --format json: exact counts, SDKs, matches and advice for every service, 4 census queries + the statistics\' 5', async () => {
    const before = server.requests.length;
    const r = await cli(['doctor', '--url', server.url, '--since', '15m', '--workspace', DEMO, '--format', 'json'], NOW);
    assert.equal(r.code, 0, r.err);
    const report = JSON.parse(r.out) as DoctorJson;
    assert.deepEqual(Object.keys(report), ['window', 'services']);
    assert.equal(report.services.length, scenario.services.length);
    assertDoctorReport(report, scenario.services, 'test server');
    const ranges = server.requests.slice(before).filter((q) => q.path === '/api/metrics/query_range');
    assert.equal(ranges.length, 9, ranges.map((q) => q.query['q']).join('\n'));
  });

  test('an empty window and a filter that matches nothing say "no data"; the table names the case', async () => {
    const r = await cli(['doctor', '--url', server.url, '--start', '2025-01-01T00:00:00Z', '--end', '2025-01-01T01:00:00Z', '--workspace', DEMO], NOW);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /No spans in the window/);
    const f = await cli(['doctor', '--url', server.url, '--since', '15m', '--filter', 'resource.service.name = "doc-python"', '--workspace', DEMO], NOW);
    assert.match(f.out, /none carries code attributes/);
    assert.match(f.out, /doc-python .*0% with code/);
  });

  test('TraceQL metrics refused by the server: "metrics unavailable", exit 3', async () => {
    server.inject({ path: '/api/metrics/query_range', status: 400, body: 'localblocks processor not found', times: 100 });
    try {
      const r = await cli(['doctor', '--url', server.url, '--since', '15m', '--workspace', DEMO, '--format', 'json'], NOW);
      assert.equal(r.code, 3, r.err);
      assert.match(r.err, /metrics, which are unavailable: localblocks processor not found/);
      assert.deepEqual((JSON.parse(r.out) as DoctorJson).services, []);
    } finally {
      server.clearFaults();
    }
  });
});

describe('doctor when the metrics see nothing that search finds (PITFALLS 2)', () => {
  const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
  test('"metrics unavailable", not "no data"', async () => {
    const server = await startTempoServer({ now: () => NOW });
    try {
      for (const p of doctorScenario(NOW).payloads) server.ingest(p);
      server.inject({ path: '/api/metrics/query_range', status: 200, body: '{"series":[]}', times: Infinity });
      const r = await cli(['doctor', '--url', server.url, '--since', '15m', '--workspace', DEMO, '--format', 'json'], NOW);
      assert.equal(r.code, 3, r.err);
      assert.match(r.err, /TraceQL metrics count none of the spans that search finds/);
    } finally {
      await server.close();
    }
  });
});

describe('doctor --source files: counts from the spans themselves', () => {
  const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
  const scenario = doctorScenario(NOW);
  let dir: string;
  before(() => {
    // A copy of the demo workspace with the exported spans where the files source looks by default
    // (only files inside the workspace are read).
    dir = mkdtempSync(path.join(tmpdir(), 'tl-doctor-'));
    cpSync(DEMO, dir, { recursive: true });
    mkdirSync(path.join(dir, '.tempo-lens', 'traces'), { recursive: true });
    writeFileSync(path.join(dir, '.tempo-lens', 'traces', 'mix.json'), scenario.payloads.map((p) => JSON.stringify(p)).join('\n'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('the same exact figures as Tempo gives', async () => {
    const r = await cli(['doctor', '--source', 'files', '--workspace', dir, '--format', 'json'], NOW);
    assert.equal(r.code, 0, r.err);
    assertDoctorReport(JSON.parse(r.out) as DoctorJson, scenario.services, 'files');
  });
});
