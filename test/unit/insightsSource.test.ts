// Trace insights orchestration (tempo/insightsSource): bounded sampling against the seeded test server, trace de-duplication, the files source's traces.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { functionKey } from '../../src/core/stats';
import type { CodeRef } from '../../src/shared/model';
import { TempoClient } from '../../src/tempo/client';
import { FileStatsSource } from '../../src/files/files';
import { clientTraceFetch, insightsFromTraces, sampleInsights, type InsightDrillDown } from '../../src/tempo/insightsSource';
import { TraceSampleCache } from '../../src/tempo/traceSamples';
import { TempoStatsSource } from '../../src/tempo/statsSource';
import { startTempoServer, type TempoTestServer } from '../tempo-server/server';
import { SEED_FACTS, seedTraces } from '../tempo-server/seed';

const REPO = path.resolve(__dirname, '../../..');
const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const WINDOW = { startMs: NOW - 3_600_000, endMs: NOW };
const TOKEN_SERVICE = 'com.acme.token.TokenService';
const ref = (namespace: string, fn: string): CodeRef => ({ namespace, function: fn, filePath: null, line: null });
const isTraceFetch = (p: string): boolean => /\/api\/(v2\/)?traces\//.test(p);

describe('sampleInsights against the seeded server', () => {
  let server: TempoTestServer;
  let client: TempoClient;
  let source: TempoStatsSource;
  let drillDowns: string[];
  let drillDown: InsightDrillDown;
  before(async () => {
    server = await startTempoServer({ now: () => NOW });
    for (const p of seedTraces(NOW)) server.ingest(p);
    client = new TempoClient({ url: server.url, auth: 'none', user: '', token: undefined, tenant: '', headers: {} });
    source = new TempoStatsSource(client);
    drillDown = (r, service, signal) => {
      drillDowns.push(r.function);
      return source.drillDown(r, service, WINDOW, signal);
    };
  });
  after(async () => {
    await client.close();
    await server.close();
  });

  test('the gateway timeout and the JWKS stampede are found; functions and traces per function are bounded', async () => {
    drillDowns = [];
    server.clearRequests();
    const r = await sampleInsights(
      [
        { codeRef: ref(TOKEN_SERVICE, 'refreshToken'), service: 'token-service' },
        { codeRef: ref(TOKEN_SERVICE, 'getJwks'), service: 'token-service' },
        { codeRef: ref(TOKEN_SERVICE, 'getToken'), service: 'token-service' },
      ],
      { drillDown, fetchTrace: clientTraceFetch(client) },
      { maxFunctions: 2, tracesPerFunction: 12, concurrency: 4 },
      AbortSignal.timeout(60_000),
    );
    assert.deepEqual(drillDowns, ['refreshToken', 'getJwks'], 'maxFunctions');
    assert.equal(r.analysed, 2);
    assert.equal(r.timedOut, false);
    const fetched = server.requests.filter((q) => isTraceFetch(q.path)).length;
    assert.ok(fetched > 0 && fetched <= 2 * 12, `${fetched} trace fetches`);
    assert.ok(r.tracesExamined <= 24);
    const refresh = r.findings.get(functionKey(ref(TOKEN_SERVICE, 'refreshToken'), 'token-service'));
    assert.ok(refresh?.callerTimeout, [...r.findings.keys()].join(', '));
    assert.equal(refresh.callerTimeout.callerLimitMs, SEED_FACTS.gatewayTimeoutSeconds * 1000);
    assert.deepEqual(refresh.insights.map((i) => i.kind), ['caller-timeout']);
    assert.deepEqual(refresh.insights[0]?.traceIds, refresh.callerTimeout.exampleTraceIds);
    const jwks = r.findings.get(functionKey(ref(TOKEN_SERVICE, 'getJwks'), 'token-service'));
    assert.ok(jwks?.cacheStampede);
    assert.match(jwks.cacheStampede.label, /signing_keys/);
    assert.equal(jwks.callerTimeout, null);
  });

  test('tracesPerFunction caps the fetches of one function; the total time bound returns what it has', async () => {
    drillDowns = [];
    server.clearRequests();
    const few = await sampleInsights([{ codeRef: ref(TOKEN_SERVICE, 'getJwks'), service: 'token-service' }], { drillDown, fetchTrace: clientTraceFetch(client) }, { tracesPerFunction: 2, concurrency: 1 }, AbortSignal.timeout(60_000));
    assert.equal(server.requests.filter((q) => isTraceFetch(q.path)).length, 2);
    assert.equal(few.tracesExamined, 2);
    assert.equal(few.findings.size, 0, 'two traces are no stampede');

    server.inject({ path: /\/api\/(v2\/)?traces\//, latencyMs: 5_000, times: Infinity });
    try {
      const slow = await sampleInsights([{ codeRef: ref(TOKEN_SERVICE, 'refreshToken'), service: 'token-service' }], { drillDown, fetchTrace: clientTraceFetch(client) }, { timeoutMs: 200 }, AbortSignal.timeout(60_000));
      assert.equal(slow.timedOut, true);
      assert.equal(slow.analysed, 0);
      assert.equal(slow.findings.size, 0);
    } finally {
      server.clearFaults();
    }
  });

  test('one sampling search for all targets; when it fails, per-function drill-downs take over within the same trace budget', async () => {
    drillDowns = [];
    const targets = [{ codeRef: ref(TOKEN_SERVICE, 'getJwks'), service: 'token-service' }];
    const sample = async (): Promise<readonly string[]> => Promise.reject(new Error('400 query too long'));
    const skipped: string[] = [];
    const r = await sampleInsights(targets, { sample, drillDown, fetchTrace: clientTraceFetch(client) }, { maxTraces: 12, onSkip: (t) => skipped.push(t.codeRef.function) }, AbortSignal.timeout(60_000));
    assert.deepEqual(drillDowns, ['getJwks'], 'fell back to the drill-down');
    assert.equal(skipped.length, 0);
    assert.ok(r.tracesExamined > 0 && r.tracesExamined <= 12);
    const alone = await sampleInsights(targets, { sample, fetchTrace: clientTraceFetch(client) }, { onSkip: (t) => skipped.push(t.codeRef.function) }, AbortSignal.timeout(60_000));
    assert.deepEqual(skipped, ['getJwks'], 'no fallback: the target is skipped');
    assert.equal(alone.tracesExamined, 0);
  });

  test('an aborted signal rejects; a failing function is skipped and reported', async () => {
    const ctl = new AbortController();
    ctl.abort(new Error('stop'));
    await assert.rejects(sampleInsights([{ codeRef: ref(TOKEN_SERVICE, 'getJwks'), service: 'token-service' }], { drillDown, fetchTrace: clientTraceFetch(client) }, {}, ctl.signal), /stop/);
    const skipped: string[] = [];
    const r = await sampleInsights(
      [{ codeRef: ref('x', 'broken'), service: null }, { codeRef: ref(TOKEN_SERVICE, 'getJwks'), service: 'token-service' }],
      { drillDown: async (r0, s, signal) => (r0.function === 'broken' ? Promise.reject(new Error('search failed')) : drillDown(r0, s, signal)), fetchTrace: clientTraceFetch(client) },
      { onSkip: (t, e) => skipped.push(`${t.codeRef.function}: ${(e as Error).message}`) },
      AbortSignal.timeout(60_000),
    );
    assert.deepEqual(skipped, ['broken: search failed']);
    assert.equal(r.analysed, 1);
    assert.ok(r.findings.get(functionKey(ref(TOKEN_SERVICE, 'getJwks'), 'token-service'))?.cacheStampede);
  });

  test('TraceSampleCache: one request per trace id (any spelling) while kept, shared in flight; failures and recent traces are not kept for long', async () => {
    const search = await source.drillDown(ref(TOKEN_SERVICE, 'getJwks'), 'token-service', WINDOW, AbortSignal.timeout(30_000));
    const id = search.slowest[0]?.traceId;
    assert.ok(id);
    const errors: string[] = [];
    let clock = NOW;
    const cache = new TraceSampleCache(clientTraceFetch(client), { onError: (tid) => errors.push(tid), now: () => clock, settleMs: 60_000 });
    server.clearRequests();
    const signal = AbortSignal.timeout(30_000);
    const stripped = id.replace(/^0+/, '').toUpperCase();
    const [a, b] = await Promise.all([cache.get(id, signal), cache.get(stripped, signal)]);
    assert.equal(a, b, 'one fetch for both spellings of the id, joined in flight');
    assert.equal(a?.traceId, id.padStart(32, '0'));
    assert.ok((await cache.get(id, signal))?.spans.length);
    assert.equal(server.requests.filter((q) => isTraceFetch(q.path)).length, 1);
    assert.deepEqual(cache.stats, { fetches: 1, reused: 2 });
    server.inject({ path: /\/api\/(v2\/)?traces\//, status: 500, body: 'boom', times: Infinity });
    const other = search.slowest.find((h) => h.traceId !== id)?.traceId;
    assert.ok(other);
    try {
      assert.equal(await cache.get(other, signal), null);
      assert.deepEqual(errors, [other.padStart(32, '0')]);
    } finally {
      server.clearFaults();
    }
    const retried = await cache.get(other, signal);
    assert.ok(retried?.spans.length, 'retried after the failure');
    assert.equal(await cache.get('not-a-trace-id', signal), null);
    const unavailable = new TraceSampleCache(() => undefined);
    assert.equal(await unavailable.get(id, signal), null);
    assert.equal(unavailable.stats.fetches, 0);
    // The seeded traces ended minutes before NOW: complete, kept. A trace that ended within the
    // settle time may still grow: fetched again once the settle time has passed.
    const fresh = new TraceSampleCache(clientTraceFetch(client), { now: () => clock, settleMs: 60 * 60_000 });
    await fresh.get(id, signal);
    await fresh.get(id, signal);
    assert.equal(fresh.stats.fetches, 1);
    clock += 2 * 60 * 60_000;
    await fresh.get(id, signal);
    assert.equal(fresh.stats.fetches, 2, 'a recent trace is fetched again after the settle time');
    await fresh.get(id, signal);
    assert.equal(fresh.stats.fetches, 2, 'now complete: kept');
  });
});

test('files: the traces of the last load feed insightsFromTraces (only with keepTraces)', async () => {
  const root = path.join(REPO, 'test/fixtures/workspaces/spring-token');
  const signal = AbortSignal.timeout(30_000);
  const plain = new FileStatsSource({ root, glob: '.tempo-lens/traces/**/*.json' });
  await plain.load({ window: WINDOW, filter: '' }, signal);
  assert.equal(plain.traces().length, 0);
  const keeping = new FileStatsSource({ root, glob: '.tempo-lens/traces/**/*.json', keepTraces: true });
  await keeping.load({ window: WINDOW, filter: '' }, signal);
  const traces = keeping.traces();
  assert.ok(traces.length > 40);
  const r = insightsFromTraces(traces);
  assert.equal(r.tracesExamined, traces.length);
  const jwks = r.findings.get(functionKey(ref('com.acme.token.TokenService', 'getJwks'), 'token-service'));
  assert.equal(jwks?.cacheStampede?.maxExecutions, 12);
  const fetch = r.findings.get(functionKey(ref('com.acme.gateway.GatewayClient', 'fetchToken'), 'api-gateway'));
  assert.equal(fetch?.callerTimeout?.tracesAffected, 12);
  assert.doesNotMatch(fetch.insights[0]?.message ?? '', /sampled/, 'every trace, not a sample');
  // The filter narrows the traces kept to those with a matching span.
  await keeping.load({ window: WINDOW, filter: 'resource.service.name = "api-gateway"' }, signal);
  assert.ok(keeping.traces().length > 0 && keeping.traces().length < traces.length);
  assert.ok(keeping.traces().every((t) => t.spans.some((s) => s.service === 'api-gateway')));
});

test('files: takeTraces hands each load\'s traces over once; over maxKeptSpans none are kept, with a note', async () => {
  const root = path.join(REPO, 'test/fixtures/workspaces/spring-token');
  const signal = AbortSignal.timeout(30_000);
  const source = new FileStatsSource({ root, glob: '.tempo-lens/traces/**/*.json', keepTraces: true });
  assert.equal(source.takeTraces(), null, 'nothing before the first load');
  await source.load({ window: WINDOW, filter: '' }, signal);
  const taken = source.takeTraces();
  assert.ok(taken !== null && taken.length > 40);
  assert.equal(source.takeTraces(), null, 'handed over once');
  assert.equal(source.traces().length, 0, 'the source no longer holds them');
  await source.load({ window: WINDOW, filter: '' }, signal);
  assert.equal(source.takeTraces()?.length, taken.length, 'the next load has them again');

  const capped = new FileStatsSource({ root, glob: '.tempo-lens/traces/**/*.json', keepTraces: true, maxKeptSpans: 50 });
  const snap = await capped.load({ window: WINDOW, filter: '' }, signal);
  assert.deepEqual(capped.takeTraces(), []);
  assert.ok(snap.notes.some((n) => /insights .* skipped: the files hold more than 50 spans/.test(n)), snap.notes.join('\n'));
  assert.ok(snap.functions.length > 0, 'the figures are unaffected');
});
