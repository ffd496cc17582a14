// The insights sampler on spans that arrived late: a ranged search leaves them out for minutes on
// real Tempo (2.7.2, 3.0.3), the unranged twin of the sampling search brings them back, and a
// finding on a method the figures did not count is still reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { startTempoServer } from '../tempo-server/server';
import { TempoClient } from '../../src/tempo/client';
import { searchSampler } from '../../src/tempo/insightsSource';
import { mergeHits, type SampleHit } from '../../src/core/insights/sampling';
import { wantsRecentSearch } from '../../src/core/search';
import { EXPECTED_FINDINGS, incidentScenario, SCENARIO_FACTS } from '../scenarios/incidents';
import { runHotspots } from '../scenarios/hotspotsRun';

const NOW = Date.UTC(2026, 5, 1, 9, 30, 0);
const TRACE_KINDS = new Set(['caller-timeout', 'cache-stampede', 'n-plus-one']);
const ARGS = ['--since', '10m', '--format', 'sarif', '--limit', '10'];

interface SarifResult {
  ruleId: string;
  locations: { logicalLocations: { fullyQualifiedName: string }[] }[];
  properties: { service: string | null; calls: number | null; traceIds: string[] };
}

const key = (f: { kind: string; function: string }): string => `${f.kind} ${f.function}`;
const EXPECTED = [...EXPECTED_FINDINGS].sort((a, b) => key(a).localeCompare(key(b)));

function traceFindings(out: string): { found: { kind: string; function: string; service: string | null }[]; results: SarifResult[] } {
  const results = (JSON.parse(out) as { runs: { results: SarifResult[] }[] }).runs[0]?.results ?? [];
  const found = results
    .filter((x) => TRACE_KINDS.has(x.ruleId))
    .map((x) => ({ kind: x.ruleId, function: x.locations[0]?.logicalLocations[0]?.fullyQualifiedName ?? '', service: x.properties.service }))
    .sort((a, b) => key(a).localeCompare(key(b)));
  return { found, results };
}

const hit = (traceId: string, spanId: string, startMs: number, durationMs: number): SampleHit => ({
  traceId, spanId, startMs, durationMs, name: null, status: 'unset', statusMessage: null, service: 's', rootServiceName: null, rootTraceName: null, namespace: 'N', fn: 'f', fnName: null,
});

test('wantsRecentSearch: only when the window reaches into the last 15 minutes; mergeHits keeps each span once and the unranged hits to the window', () => {
  assert.equal(wantsRecentSearch({ startMs: NOW - 600_000, endMs: NOW }, NOW), true);
  assert.equal(wantsRecentSearch({ startMs: NOW - 7_200_000, endMs: NOW - 3_600_000 }, NOW), false, 'an hour-old window: the unranged search covers none of it');
  assert.equal(wantsRecentSearch({ startMs: NOW - 1_800_000, endMs: NOW - 14 * 60_000 }, NOW), true);
  const window = { startMs: 1_000, endMs: 2_000 };
  const ranged = [hit('a', '1', 1_100, 10)];
  const recent = [hit('a', '1', 1_100, 10), hit('b', '2', 1_500, 10), hit('c', '3', 2_000, 10), hit('d', '4', 900, 150), hit('e', '5', 800, 50)];
  // `d` started before the window but overlaps it (as a ranged search counts it); `c` starts at its end, `e` ended before it.
  assert.deepEqual(mergeHits(ranged, recent, window).map((h) => h.traceId), ['a', 'b', 'd']);
});

test('late spans hidden from ranged searches (as real Tempo does for minutes): the unranged twin finds the stampede; exactly the expected findings, ≤ 40 requests, each trace once', async () => {
  const r = await runHotspots(incidentScenario(NOW), NOW, ARGS, { rangedSearchHidesLateSeconds: 120 });
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(traceFindings(r.out).found, EXPECTED, r.err);
  assert.ok(r.requests.length <= 40, `${r.requests.length} requests`);
  assert.ok([...r.traceFetches.values()].every((n) => n === 1), 'no trace fetched twice');
  const searches = r.requests.filter((q) => q.path.endsWith('/api/search') && q.query['q']?.includes('select(') === true && !q.query['q'].includes('!= nil'));
  assert.deepEqual(searches.map((q) => q.query['start'] === undefined), [false, true], 'the sampling search, ranged and unranged');
});

/** The first search without start/end fails: the stats fallback's unranged twin (it runs before the sampler's). */
const FIRST_UNRANGED_FAILS = { path: /\/api\/search\?(?!.*start=)/, status: 500, body: 'boom', times: 1 };

test('late spans, figures from the search fallback (no metrics): its unranged twin counts the late getJwks calls; exactly the expected findings', async () => {
  const r = await runHotspots(incidentScenario(NOW), NOW, ARGS, { rangedSearchHidesLateSeconds: 120, metrics: false });
  assert.equal(r.code, 0, r.err);
  const { found, results } = traceFindings(r.out);
  assert.deepEqual(found, EXPECTED, r.err);
  assert.equal(results.find((x) => x.ruleId === 'cache-stampede')?.properties.calls, SCENARIO_FACTS.stampedeMisses + 1, 'the 24 misses and the warm-up load, all counted');
  assert.ok(r.requests.length <= 40, `${r.requests.length} requests`);
});

test('late spans, search fallback whose unranged twin fails: getJwks is not counted, its stampede is still reported, without figures', async () => {
  const r = await runHotspots(incidentScenario(NOW), NOW, ARGS, { rangedSearchHidesLateSeconds: 120, metrics: false }, [FIRST_UNRANGED_FAILS]);
  assert.equal(r.code, 0, r.err);
  const { found, results } = traceFindings(r.out);
  assert.deepEqual(found, EXPECTED, r.err);
  const jwks = results.find((x) => x.ruleId === 'cache-stampede');
  assert.equal(jwks?.properties.calls, null, 'not counted: calls unknown, not 0');
  assert.ok((jwks?.properties.traceIds.length ?? 0) > 0);
  assert.ok(r.requests.length <= 40, `${r.requests.length} requests`);
});

test('metrics that leave late spans out (Tempo 2.x drops spans arriving > 30 s after they ended): the coverage probe sees it, figures come from search, the note says why; exactly the expected findings', async () => {
  const r = await runHotspots(incidentScenario(NOW), NOW, ARGS, { metricsDropLateSeconds: 30, rangedSearchHidesLateSeconds: 120 });
  assert.equal(r.code, 0, r.err);
  const { found, results } = traceFindings(r.out);
  assert.deepEqual(found, EXPECTED, r.err);
  assert.match(r.err, /TraceQL metrics did not count spans that search finds in this window \(e\.g\. com\.acme\.\S+ in [\w-]+\), so figures come from a sampled search/);
  assert.match(r.err, /metrics_ingestion_time_range_slack/);
  assert.doesNotMatch(r.err, /local-blocks|local_blocks/, 'metrics work: no advice to enable them');
  assert.equal(results.find((x) => x.ruleId === 'cache-stampede')?.properties.calls, SCENARIO_FACTS.stampedeMisses + 1);
  const probes = r.requests.filter((q) => q.path.endsWith('/api/search') && q.query['q']?.includes('!(') === true);
  assert.equal(probes.length, 1, 'one coverage probe');
  assert.ok(r.requests.length <= 40, `${r.requests.length} requests`);
});

test('metrics that count everything: the probe finds nothing and the figures stay the metrics\' (one extra request)', async () => {
  const r = await runHotspots(incidentScenario(NOW), NOW, [...ARGS.slice(0, 2), '--format', 'json', '--no-insights']);
  assert.equal(r.code, 0, r.err);
  assert.doesNotMatch(r.err, /did not count/);
  assert.match(r.err, /Percentiles are estimates from TraceQL metrics/);
  assert.ok((JSON.parse(r.out) as { functions: unknown[] }).functions.length >= 8, r.out);
  assert.deepEqual(r.requests.filter((q) => q.path.endsWith('/api/search')).map((q) => q.query['q']?.includes('!(')), [true], 'only the probe');
});

const REPO = path.resolve(__dirname, '../../..');
const CLI = path.join(REPO, 'dist/cli.js');

test('tempo-lens mcp, late spans and figures from a search fallback that missed them: the hotspots tool lists the getJwks stampede too, without figures', { skip: !existsSync(CLI) && 'dist/cli.js not built (npm run build)' }, async () => {
  const now = Date.now();
  const server = await startTempoServer({ rangedSearchHidesLateSeconds: 120, metrics: false });
  const client = new Client({ name: 'tempo-lens-test', version: '0.0.0' });
  try {
    for (const p of incidentScenario(now)) server.ingest(p);
    server.inject(FIRST_UNRANGED_FAILS);
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp', '--url', server.url, '--since', '10m'], cwd: REPO, env: { PATH: process.env['PATH'] ?? '' }, stderr: 'ignore' }));
    const r = (await client.callTool({ name: 'hotspots', arguments: { limit: 50 } })) as { content: { text: string }[]; isError?: boolean };
    assert.notEqual(r.isError, true, r.content[0]?.text);
    const fns = (JSON.parse(r.content[0]?.text ?? '{}') as { functions: { service: string; codeRef: { namespace: string; function: string }; stats: { p95Ms: number | null }; insights: { kind: string }[] }[] }).functions;
    const found = fns
      .flatMap((f) => f.insights.filter((i) => TRACE_KINDS.has(i.kind)).map((i) => ({ kind: i.kind, function: `${f.codeRef.namespace}.${f.codeRef.function}`, service: f.service })))
      .sort((a, b) => key(a).localeCompare(key(b)));
    assert.deepEqual(found, EXPECTED);
    assert.equal(fns.find((f) => f.codeRef.function === 'getJwks')?.stats.p95Ms, null, 'not counted: no figures');
  } finally {
    await client.close();
    await server.close();
  }
});

test('searchSampler: the unranged twin only for a recent window, best effort (its failure leaves the ranged hits), and it brings back the late stampede', async () => {
  const server = await startTempoServer({ now: () => NOW, rangedSearchHidesLateSeconds: 120 });
  const client = new TempoClient({ url: server.url, auth: 'none', user: '', token: undefined, tenant: '', headers: {} });
  try {
    for (const p of incidentScenario(NOW)) server.ingest(p);
    const jwks = { codeRef: { namespace: 'com.acme.token.TokenService', function: 'getJwks', filePath: null, line: null }, service: 'token-service', p50Ms: 1000 };
    const recent = { startMs: NOW - 600_000, endMs: NOW };
    const sampler = (window: { startMs: number; endMs: number }) => searchSampler(client, window, '', { now: () => NOW, maxTraces: 10 });
    const searches = (): { start: string | undefined }[] => server.requests.filter((q) => q.path.endsWith('/api/search')).map((q) => ({ start: q.query['start'] }));

    server.clearRequests();
    const both = await sampler(recent)([jwks], AbortSignal.timeout(10_000));
    assert.equal(searches().length, 2);
    assert.ok(both.length >= 5, `the stampede's concurrent traces: ${both.length}`);

    server.clearRequests();
    server.inject({ path: /\/api\/search\?(?!.*start=)/, status: 500, body: 'boom' });
    const rangedOnly = await sampler(recent)([jwks], AbortSignal.timeout(10_000));
    assert.equal(searches().length, 2);
    assert.deepEqual(rangedOnly, [], 'the late stampede is hidden from the ranged search; the failed unranged one is not an error');

    server.clearRequests();
    const old = await sampler({ startMs: NOW - 7_200_000, endMs: NOW - 3_600_000 })([jwks], AbortSignal.timeout(10_000));
    assert.deepEqual(searches().map((q) => q.start !== undefined), [true], 'an hour-old window: the ranged search only');
    assert.deepEqual(old, []);
  } finally {
    await client.close();
    await server.close();
  }
});

test('a sampling search for 25 methods (≈10 KiB of TraceQL) reaches Tempo whole: the client lays it out for Tempo\'s lexer (the test server refuses it otherwise, as real Tempo does)', async () => {
  const server = await startTempoServer({ now: () => NOW });
  const client = new TempoClient({ url: server.url, auth: 'none', user: '', token: undefined, tenant: '', headers: {} });
  try {
    for (const p of incidentScenario(NOW)) server.ingest(p);
    const targets = Array.from({ length: 25 }, (_, i) => ({ codeRef: { namespace: `com.acme.module${i}.SomeService${i}`, function: `operation${i}`, filePath: null, line: null }, service: `service-${i % 4}`, p50Ms: 10 + i }));
    targets.push({ codeRef: { namespace: 'com.acme.token.TokenService', function: 'getJwks', filePath: null, line: null }, service: 'token-service', p50Ms: 1000 });
    const raw = server.requests.length;
    const ids = await searchSampler(client, { startMs: NOW - 600_000, endMs: NOW }, '', { now: () => NOW, maxTraces: 10 })(targets, AbortSignal.timeout(10_000));
    const searches = server.requests.slice(raw).filter((q) => q.path.endsWith('/api/search'));
    assert.ok(searches.length > 0 && searches.every((q) => q.status === 200 && (q.query['q']?.length ?? 0) > 8_000), searches.map((q) => `${q.status} ${q.query['q']?.length}`).join(', '));
    assert.ok(ids.length >= 5, `the stampede's traces: ${ids.length}`);
  } finally {
    await client.close();
    await server.close();
  }
});
