// TempoStatsSource against the Tempo test server on loopback: metrics vs search, fixed request count, chunking, fallbacks, drill-down.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTempoServer, type TempoServerOptions, type TempoTestServer } from '../tempo-server/server';
import { seedTraces } from '../tempo-server/seed';
import { TempoClient, type TempoQueries } from '../../src/tempo/client';
import { CachedTempoClient, CONNECTION_CACHE_TTL_MS, QueryCache } from '../../src/tempo/cache';
import { TempoStatsSource } from '../../src/tempo/statsSource';
import { TempoError } from '../../src/tempo/errors';
import type { FunctionStats, StatsSnapshot, TimeWindow } from '../../src/shared/model';

interface SpanSpec {
  service: string;
  ns?: string;
  fn?: string;
  fnName?: string;
  filePath?: string;
  startMs: number;
  durationMs: number;
  error?: string;
}

let idCounter = 1;
/** One OTLP payload; each span is the root of its own trace. */
function otlp(spans: readonly SpanSpec[]): unknown {
  const byService = new Map<string, SpanSpec[]>();
  for (const s of spans) byService.set(s.service, [...(byService.get(s.service) ?? []), s]);
  return {
    resourceSpans: [...byService].map(([service, list]) => ({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
      scopeSpans: [{
        scope: { name: 'test' },
        spans: list.map((s) => {
          const id = idCounter++;
          const attrs: { key: string; value: { stringValue: string } }[] = [];
          if (s.ns !== undefined) attrs.push({ key: 'code.namespace', value: { stringValue: s.ns } });
          if (s.fn !== undefined) attrs.push({ key: 'code.function', value: { stringValue: s.fn } });
          if (s.fnName !== undefined) attrs.push({ key: 'code.function.name', value: { stringValue: s.fnName } });
          if (s.filePath !== undefined) attrs.push({ key: 'code.file.path', value: { stringValue: s.filePath } });
          const startNs = BigInt(Math.round(s.startMs)) * 1_000_000n;
          return {
            traceId: `7e57${id.toString(16).padStart(28, '0')}`,
            spanId: id.toString(16).padStart(16, '0'),
            name: s.fn ?? s.fnName ?? 'op',
            kind: 2,
            startTimeUnixNano: startNs.toString(),
            endTimeUnixNano: (startNs + BigInt(Math.round(s.durationMs * 1e6))).toString(),
            attributes: attrs,
            status: s.error !== undefined ? { code: 2, message: s.error } : { code: 1 },
          };
        }),
      }],
    })),
  };
}

const settings = (url: string) => ({ url, auth: 'none' as const, user: '', token: undefined, tenant: '', headers: {} });

/** A test server and a client for it, both closed after `use` whatever happens. */
async function withTempo(opts: TempoServerOptions | undefined, use: (server: TempoTestServer, client: TempoClient) => Promise<void>): Promise<void> {
  const server = await startTempoServer(opts);
  const client = new TempoClient(settings(server.url));
  try {
    await use(server, client);
  } finally {
    await client.close();
    await server.close();
  }
}
const signal = (): AbortSignal => new AbortController().signal;
const byKey = (s: StatsSnapshot): Map<string, FunctionStats> => new Map(s.functions.map((f) => [f.key, f]));

describe('seeded data: metrics and search agree', () => {
  let server: TempoTestServer;
  let window: TimeWindow;
  let seededAt = 0;
  before(async () => {
    server = await startTempoServer();
    seededAt = Date.now();
    for (const p of seedTraces(seededAt)) server.ingest(p);
    window = { startMs: seededAt - 3_600_000, endMs: seededAt + 1000 };
  });
  after(() => server.close());

  /** Metrics (one duration path) vs search over the same seeded hour. */
  async function compareWithSearch(srv: TempoTestServer, band: number): Promise<StatsSnapshot> {
    const client = new TempoClient(settings(srv.url));
    try {
      const metrics = await new TempoStatsSource(client, { mode: 'metrics' }).load({ window, filter: '' }, signal());
      const search = await new TempoStatsSource(client, { mode: 'search' }).load({ window, filter: '' }, signal());
      assert.equal(metrics.origin, 'metrics');
      assert.equal(search.origin, 'search');
      assert.ok(metrics.functions.length >= 10);
      const m = byKey(metrics);
      const s = byKey(search);
      assert.deepEqual([...m.keys()].sort(), [...s.keys()].sort());
      for (const [key, fm] of m) {
        const fs = s.get(key)!;
        assert.equal(fm.calls, fs.calls, key);
        assert.equal(fm.errors, fs.errors, key);
        assert.equal(fm.errorRate, fs.errorRate, key);
        assert.equal(fm.quantilesApproximate, true);
        assert.equal(fs.quantilesApproximate, false);
        for (const q of ['p50Ms', 'p95Ms', 'p99Ms'] as const) {
          const ratio = fm[q]! / fs[q]!;
          assert.ok(ratio >= 1 / band && ratio <= band, `${key} ${q}: metrics ${fm[q]} vs exact ${fs[q]}`);
        }
        assert.deepEqual(fs.sample, { spans: fs.calls, matched: fs.calls }, 'the seeded hour is read completely');
      }
      assert.ok(metrics.notes.some((n) => /estimates/.test(n)));
      assert.ok(search.notes.some((n) => /exact/.test(n)));
      const getToken = [...m.values()].find((f) => f.codeRef.function === 'getToken')!;
      assert.equal(getToken.service, 'token-service');
      assert.equal(getToken.codeRef.namespace, 'com.acme.token.TokenService');
      assert.ok(getToken.latencySeries.some((p) => p.v !== null));
      const checkout = [...m.values()].find((f) => f.codeRef.function === 'checkout')!;
      assert.equal(checkout.codeRef.filePath, '/app/src/cart/cartService.ts', 'new-generation attributes are grouped too');
      return metrics;
    } finally {
      await client.close();
    }
  }

  test('histogram path: calls and error rates equal to search; quantiles within the log2-bucket band of the exact ones', async () => {
    server.clearRequests();
    // Whole-window quantiles from merged log2 buckets: never outside the bucket of the true value.
    const metrics = await compareWithSearch(server, 2);
    assert.ok(metrics.notes.some((n) => /log2 duration buckets/.test(n)), metrics.notes.join('\n'));
    const qs = server.requests.filter((r) => r.path === '/api/metrics/query_range');
    assert.ok(qs.some((r) => (r.query['q'] ?? '').includes('histogram_over_time')));
    assert.ok(qs.every((r) => r.status === 200 && !(r.query['q'] ?? '').includes('quantile_over_time')), 'no quantile query when histograms work');
  });

  test('quantile fallback (a Tempo that refuses histogram_over_time): the same agreement with search', async () => {
    const old = await startTempoServer({ histogram: false });
    try {
      for (const p of seedTraces(seededAt)) old.ingest(p);
      // Per-step quantiles merged by call weight are not bounded by one bucket: with the seeded
      // bimodal functions and some step alignments they land up to ~2.3× off (30 alignments tried).
      const metrics = await compareWithSearch(old, 3);
      assert.ok(metrics.notes.some((n) => /per-step quantiles/.test(n)), metrics.notes.join('\n'));
      const qs = old.requests.filter((r) => r.path === '/api/metrics/query_range');
      const refused = qs.filter((r) => (r.query['q'] ?? '').includes('histogram_over_time')).length;
      assert.ok(refused >= 1 && refused <= 2, `refused at most once per key generation (both may be in flight together), then not asked again: ${refused}`);
      assert.ok(qs.some((r) => r.status === 200 && (r.query['q'] ?? '').includes('quantile_over_time')));
    } finally {
      await old.close();
    }
  });

  test('auto mode uses metrics; filter and services narrow every query', async () => {
    const client = new TempoClient(settings(server.url));
    try {
      server.clearRequests();
      const snap = await new TempoStatsSource(client).load({ window, filter: 'resource.service.name = "billing-worker"' }, signal());
      assert.equal(snap.origin, 'metrics');
      assert.deepEqual([...new Set(snap.functions.map((f) => f.service))], ['billing-worker']);
      const qs = server.requests.filter((r) => r.path === '/api/metrics/query_range').map((r) => r.query['q'] ?? '');
      assert.ok(qs.length >= 3 && qs.every((q) => q.includes('resource.service.name = "billing-worker"')));
      const two = await new TempoStatsSource(client).load({ window, filter: '', services: ['gateway', 'checkout-web'] }, signal());
      assert.deepEqual([...new Set(two.functions.map((f) => f.service))].sort(), ['checkout-web', 'gateway']);
    } finally {
      await client.close();
    }
  });

  test('refine: exact figures for one namespace (old attributes) or one file (new attributes)', async () => {
    const client = new TempoClient(settings(server.url));
    try {
      const src = new TempoStatsSource(client);
      const metrics = await src.load({ window, filter: '' }, signal());
      const ns = await src.refine({ window, filter: '', namespace: 'com.acme.token.TokenService' }, signal());
      assert.equal(ns.origin, 'search');
      assert.deepEqual(ns.functions.map((f) => f.codeRef.function).sort(), ['getJwks', 'getToken', 'refreshToken']);
      for (const f of ns.functions) {
        assert.equal(f.quantilesApproximate, false);
        assert.equal(f.calls, metrics.functions.find((m) => m.key === f.key)?.calls);
      }
      const file = await src.refine({ window, filter: '', filePath: '/app/src/cart/cartService.ts' }, signal());
      assert.deepEqual(file.functions.map((f) => `${f.codeRef.namespace}.${f.codeRef.function}`), ['CartService.checkout']);
    } finally {
      await client.close();
    }
  });

  test('a filter Tempo cannot parse fails with line/col and does not switch metrics off', async () => {
    const client = new TempoClient(settings(server.url));
    try {
      const src = new TempoStatsSource(client);
      await assert.rejects(src.load({ window, filter: 'span.x = ' }, signal()), (e: unknown) => e instanceof TempoError && e.traceqlPosition !== undefined);
      const ok = await src.load({ window, filter: '' }, signal());
      assert.equal(ok.origin, 'metrics');
    } finally {
      await client.close();
    }
  });

  test('a filter that is not span-set conditions is refused before any request', async () => {
    const client = new TempoClient(settings(server.url));
    try {
      server.clearRequests();
      await assert.rejects(new TempoStatsSource(client).load({ window, filter: '{ status = error }' }, signal()), (e: unknown) => e instanceof TempoError && /filter is not valid/.test(e.message));
      assert.equal(server.requests.length, 0);
    } finally {
      await client.close();
    }
  });

  test('drill-down: slowest spans (complete, sorted) and erroring spans with messages', async () => {
    const client = new TempoClient(settings(server.url));
    try {
      const src = new TempoStatsSource(client, { mode: 'search' });
      const snap = await src.load({ window, filter: '' }, signal());
      const f = snap.functions.find((x) => x.codeRef.function === 'getToken')!;
      const dd = await src.drillDown(f.codeRef, f.service, window, signal());
      assert.ok(dd.slowest.length > 0 && dd.slowest.length <= 10);
      for (let i = 1; i < dd.slowest.length; i++) assert.ok(dd.slowest[i - 1]!.durationMs >= dd.slowest[i]!.durationMs);
      assert.ok(Math.abs(dd.slowest[0]!.durationMs - f.p99Ms!) < 1e-6 || dd.slowest[0]!.durationMs >= f.p99Ms!);
      assert.ok(dd.errors.length > 0);
      assert.ok(dd.errors.every((h) => h.status === 'error' && /^[0-9a-f]{32}$/.test(h.traceId)));
      assert.ok(dd.errors.some((h) => h.statusMessage !== null));
    } finally {
      await client.close();
    }
  });
});

for (const histogram of [true, false]) {
  describe(`request count does not grow with the number of functions (${histogram ? 'histogram_over_time' : 'quantile fallback'})`, () => {
    const counts = new Map<number, { metrics: number; search: number; functions: number }>();
    for (const n of [10, 5000]) {
      test(`${n} functions`, async () => {
        await withTempo({ histogram }, async (server, client) => {
          const now = Date.now();
          const spans: SpanSpec[] = [];
          for (let i = 0; i < n; i++) {
            spans.push({ service: `svc${i % 7}`, ns: `com.acme.N${i % 50}`, fn: `f${i}`, startMs: now - 60_000 - (i % 3000) * 1000, durationMs: 5 + (i % 200), ...(i % 13 === 0 ? { error: 'x' } : {}) });
          }
          server.ingest(otlp(spans));
          const window = { startMs: now - 3_600_000, endMs: now };
          const metrics = await new TempoStatsSource(client, { mode: 'metrics' }).load({ window, filter: '' }, signal());
          const afterMetrics = server.requests.length;
          const search = await new TempoStatsSource(client, { mode: 'search' }).load({ window, filter: '' }, signal());
          assert.equal(metrics.functions.length, n);
          assert.ok(metrics.notes.some((x) => (histogram ? /log2 duration buckets/ : /per-step quantiles/).test(x)), metrics.notes.join('\n'));
          const f7 = metrics.functions.find((f) => f.codeRef.function === 'f7')!;
          assert.equal(f7.calls, 1);
          assert.ok(f7.p50Ms! > 8.388608 && f7.p50Ms! <= 16.777217, `one 12 ms span: p50 ${f7.p50Ms} in its log2 band`);
          // Search reads at most limit × slices traces: complete for 10 functions, a sample for 5,000.
          if (n === 10) assert.equal(search.functions.length, n);
          else assert.ok(search.functions.length > 500 && search.functions.length < n && search.notes.some((x) => /sampled/.test(x)));
          counts.set(n, { metrics: afterMetrics, search: server.requests.length - afterMetrics, functions: n });
        });
      });
    }
    test('same number of requests for 10 and 5,000 functions', () => {
      const a = counts.get(10);
      const b = counts.get(5000);
      assert.ok(a !== undefined && b !== undefined);
      assert.equal(a.metrics, b.metrics);
      assert.equal(a.search, b.search);
      if (histogram) assert.ok(a.metrics <= 6, `metrics path: ${a.metrics} requests (buildinfo + 5 queries)`);
      else assert.ok(a.metrics <= 8, `metrics path: ${a.metrics} requests (buildinfo + 5 queries + the refused histograms, at most one per generation)`);
    });
  });
}

describe('metrics range cap', () => {
  test('24 h window against a 3 h cap: chunks ≤ 3 h, merged, nothing lost or double counted', async () => {
    await withTempo(undefined, async (server, client) => {
      const end = Math.floor(Date.now() / 1_800_000) * 1_800_000 - 3_600_000;
      const spans: SpanSpec[] = [];
      // One span every 10 min, and one exactly on every 3 h boundary.
      for (let t = end - 24 * 3_600_000 + 60_000; t < end; t += 600_000) spans.push({ service: 's', ns: 'N', fn: 'f', startMs: t, durationMs: 100 });
      for (let t = end - 21 * 3_600_000; t < end; t += 3 * 3_600_000) spans.push({ service: 's', ns: 'N', fn: 'edge', startMs: t, durationMs: 100 });
      server.ingest(otlp(spans));
      const window = { startMs: end - 24 * 3_600_000, endMs: end };
      const snap = await new TempoStatsSource(client).load({ window, filter: '' }, signal());
      assert.equal(snap.origin, 'metrics');
      const ranges = server.requests.filter((r) => r.path === '/api/metrics/query_range');
      assert.equal(ranges.length, 8 * 5, 'five queries per chunk (counts, errors, histograms of both key generations)');
      assert.ok(ranges.every((r) => r.status === 200), 'no 400: the cap was respected from the start');
      assert.ok(ranges.every((r) => Number(r.query['end']) - Number(r.query['start']) <= 3 * 3600));
      assert.equal(new Set(ranges.map((r) => r.query['start'])).size, 8, '8 chunks of 3 h');
      const f = snap.functions.find((x) => x.codeRef.function === 'f')!;
      assert.equal(f.calls, 144);
      const edge = snap.functions.find((x) => x.codeRef.function === 'edge')!;
      assert.equal(edge.calls, 7, 'spans on chunk boundaries are counted once');
      assert.ok(snap.notes.some((n) => /8 chunks/.test(n)));
    });
  });

  test('a smaller cap is learned from the 400 and the query retried in smaller chunks', async () => {
    await withTempo({ maxMetricsRangeSeconds: 3600 }, async (server, client) => {
      const end = Math.floor(Date.now() / 360_000) * 360_000 - 3_600_000;
      const spans: SpanSpec[] = [];
      for (let t = end - 6 * 3_600_000 + 30_000; t < end; t += 300_000) spans.push({ service: 's', ns: 'N', fn: 'f', startMs: t, durationMs: 20 });
      server.ingest(otlp(spans));
      const src = new TempoStatsSource(client);
      const snap = await src.load({ window: { startMs: end - 6 * 3_600_000, endMs: end }, filter: '' }, signal());
      assert.equal(snap.origin, 'metrics');
      assert.equal(src.metricsRangeCapMs, 3_600_000);
      assert.equal(snap.functions[0]?.calls, 72);
      const ok = server.requests.filter((r) => r.path === '/api/metrics/query_range' && r.status === 200);
      assert.ok(ok.every((r) => Number(r.query['end']) - Number(r.query['start']) <= 3600));
      assert.equal(new Set(ok.map((r) => r.query['start'])).size, 6, '6 chunks of 1 h');
    });
  });
});

for (const histogram of [true, false]) {
  test(`an answer over the response-size cap is retried with coarser steps (${histogram ? 'histogram' : 'quantiles'}: same queries, smaller series)`, async () => {
    const server = await startTempoServer({ histogram });
    const client = new TempoClient(settings(server.url), { maxBodyBytes: 500_000 });
    try {
      const now = Date.now();
      const spans: SpanSpec[] = [];
      // Histograms: three log2 buckets per function, 300 series of 61 steps. Quantiles: 3 series per
      // function with their exemplars already outgrow the cap with one span each.
      const durations = histogram ? [5, 50, 5000] : [5];
      for (let i = 0; i < 100; i++) {
        for (const [k, d] of durations.entries()) spans.push({ service: 's', ns: 'N', fn: `f${i}`, startMs: now - 60_000 - i * 20_000 - k * 1000, durationMs: d });
      }
      server.ingest(otlp(spans));
      const src = new TempoStatsSource(client);
      const window = { startMs: now - 3_600_000, endMs: now };
      const snap = await src.load({ window, filter: '' }, signal());
      assert.equal(snap.origin, 'metrics');
      assert.equal(snap.functions.length, 100);
      assert.ok(snap.functions.every((f) => f.calls === durations.length));
      assert.ok(snap.notes.some((n) => /4-minute steps/.test(n)), snap.notes.join('\n'));
      assert.ok(snap.notes.some((n) => (histogram ? /log2 duration buckets/ : /per-step quantiles/).test(n)), snap.notes.join('\n'));
      server.clearRequests();
      await src.load({ window, filter: '' }, signal());
      assert.ok(server.requests.every((r) => r.query['step'] === undefined || r.query['step'] === '240s'), 'the coarser step is remembered');
    } finally {
      await client.close();
      await server.close();
    }
  });
}

test('histogram_over_time path (Tempo 2.5+): whole-window quantiles from merged log2 buckets, no quantile query', async () => {
  await withTempo(undefined, async (server, client) => {
    const now = Math.floor(Date.now() / 15_000) * 15_000;
    const spans: SpanSpec[] = [];
    for (let i = 0; i < 98; i++) spans.push({ service: 's', ns: 'N', fn: 'f', startMs: now - 600_000 + i * 1000, durationMs: 3 });
    spans.push({ service: 's', ns: 'N', fn: 'f', startMs: now - 300_000, durationMs: 1500 }, { service: 's', ns: 'N', fn: 'f', startMs: now - 299_000, durationMs: 1600 });
    server.ingest(otlp(spans));
    const snap = await new TempoStatsSource(client).load({ window: { startMs: now - 900_000, endMs: now }, filter: '' }, signal());
    assert.equal(snap.origin, 'metrics');
    const f = snap.functions[0]!;
    assert.equal(f.calls, 100);
    // 3 ms lies in the (2.097152, 4.194304] ms bucket, 1.5 s and 1.6 s in (1073.741824, 2147.483648] ms.
    assert.ok(f.p50Ms! > 2.097152 && f.p50Ms! <= 4.194304, String(f.p50Ms));
    assert.ok(f.p95Ms! > 2.097152 && f.p95Ms! <= 4.194304, String(f.p95Ms));
    assert.ok(f.p99Ms! > 1073.741824 && f.p99Ms! <= 2147.483648, String(f.p99Ms));
    assert.ok(f.latencySeries.some((p) => p.v !== null && p.v > 1000), 'the slow step shows in the sparkline');
    assert.ok(snap.notes.some((n) => /log2 duration buckets/.test(n)));
    assert.ok(!server.requests.some((r) => (r.query['q'] ?? '').includes('quantile_over_time')));
  });
});

test('histogram exemplars, when a Tempo sends them, become example traces', async () => {
  // Tempo 2.7 drops the NaN placeholders; a body with exemplars pins that they would still be read.
  await withTempo(undefined, async (server, client) => {
    const now = Math.floor(Date.now() / 15_000) * 15_000;
    server.ingest(otlp([{ service: 's', ns: 'N', fn: 'f', startMs: now - 60_000, durationMs: 3 }]));
    const labels = [
      { key: 'resource.service.name', value: { stringValue: 's' } },
      { key: 'span.code.namespace', value: { stringValue: 'N' } },
      { key: 'span.code.function', value: { stringValue: 'f' } },
      { key: '__bucket', value: { doubleValue: 0.004194304 } },
    ];
    const body = { series: [{ labels, samples: [{ timestampMs: String(now - 60_000), value: 1 }], exemplars: [{ labels: [{ key: 'trace:id', value: { stringValue: 'abc' } }], value: 0.003, timestampMs: String(now) }] }] };
    server.inject({ path: /histogram_over_time/, times: Infinity, status: 200, body: JSON.stringify(body) });
    const snap = await new TempoStatsSource(client).load({ window: { startMs: now - 900_000, endMs: now }, filter: '' }, signal());
    assert.deepEqual(snap.functions[0]?.exampleTraceIds, ['00000000000000000000000000000abc']);
  });
});

test('a Tempo without buildinfo (pre-2.3): unscoped intrinsics in every query, metrics still tried', async () => {
  await withTempo({ buildinfo: false, version: '2.2.0' }, async (server, client) => {
    const now = Date.now();
    server.ingest(otlp([{ service: 's', ns: 'N', fn: 'a', startMs: now - 60_000, durationMs: 10, error: 'x' }]));
    const snap = await new TempoStatsSource(client).load({ window: { startMs: now - 900_000, endMs: now }, filter: '' }, signal());
    assert.equal(snap.functions[0]?.errors, 1);
    const qs = server.requests.filter((r) => r.path.startsWith('/api/metrics') || r.path === '/api/search').map((r) => r.query['q'] ?? '');
    assert.ok(qs.length > 0);
    assert.ok(qs.every((q) => !q.includes('span:')), qs.join('\n'));
    assert.ok(qs.some((q) => /[^:]status = error/.test(q)));
  });
});

describe('fallback to search', () => {
  test('Tempo without local-blocks: search figures and a one-time hint on how to enable metrics', async () => {
    await withTempo({ metrics: false }, async (server, client) => {
      const now = Date.now();
      server.ingest(otlp([
        { service: 's', ns: 'N', fn: 'a', startMs: now - 120_000, durationMs: 10 },
        { service: 's', ns: 'N', fn: 'a', startMs: now - 100_000, durationMs: 30, error: 'bad' },
      ]));
      const src = new TempoStatsSource(client);
      const window = { startMs: now - 900_000, endMs: now };
      const first = await src.load({ window, filter: '' }, signal());
      assert.equal(first.origin, 'search');
      assert.equal(first.functions[0]?.calls, 2);
      assert.equal(first.functions[0]?.errorRate, 0.5);
      assert.deepEqual(first.functions[0]?.topErrors, [{ message: 'bad', count: 1 }]);
      assert.ok(first.notes.some((n) => /local-blocks/.test(n) && /filter_server_spans: false/.test(n)), first.notes.join('\n'));
      server.clearRequests();
      const second = await src.load({ window, filter: '' }, signal());
      assert.equal(second.origin, 'search');
      assert.ok(!second.notes.some((n) => /local-blocks/.test(n)), 'the how-to is told once');
      assert.equal(server.requests.filter((r) => r.path.startsWith('/api/metrics')).length, 0, 'metrics are not retried on every refresh');
      const caps = await client.capabilities(signal());
      assert.equal(caps.traceqlMetrics, false);
    });
  });

  test('a 400 for a query Tempo Lens built is told as a Tempo Lens bug, with the query, and no server advice', async () => {
    await withTempo(undefined, async (server, client) => {
      const now = Date.now();
      server.ingest(otlp([{ service: 's', ns: 'N', fn: 'a', startMs: now - 60_000, durationMs: 5 }]));
      // What real Tempo answered the last wave's six-attribute query.
      server.inject({ path: '/api/metrics/query_range', times: Infinity, status: 400, body: 'compiling query: metrics group by 6 values not yet supported' });
      const refused: [string, string][] = [];
      const snap = await new TempoStatsSource(client, { onQueryRefused: (q, a) => refused.push([q, a]) }).load({ window: { startMs: now - 900_000, endMs: now }, filter: '' }, signal());
      assert.equal(snap.origin, 'search');
      assert.ok(snap.notes.some((n) => /bug in Tempo Lens/.test(n) && /group by 6 values/.test(n)), snap.notes.join('\n'));
      assert.ok(!snap.notes.some((n) => /local-blocks|metrics_generator/.test(n)), `no server advice: ${snap.notes.join('\n')}`);
      assert.equal(refused.length, 1);
      assert.match(refused[0]?.[0] ?? '', /\| (count|histogram)_over_time\(/, 'the refused query is handed over for the log');
    });
  });

  test('metrics answer with no series while search finds code spans (filter_server_spans): fallback', async () => {
    await withTempo(undefined, async (server, client) => {
      const now = Date.now();
      server.ingest(otlp([{ service: 's', ns: 'N', fn: 'internal', startMs: now - 60_000, durationMs: 5 }]));
      server.inject({ path: '/api/metrics/query_range', times: Infinity, status: 200, body: '{"series":[],"metrics":{}}' });
      const snap = await new TempoStatsSource(client).load({ window: { startMs: now - 900_000, endMs: now }, filter: '' }, signal());
      assert.equal(snap.origin, 'search');
      assert.equal(snap.functions[0]?.codeRef.function, 'internal');
      assert.ok(snap.notes.some((n) => /no series for spans that search does find/.test(n)));
    });
  });

  test('empty metrics and no code spans at all: an honest empty metrics snapshot', async () => {
    await withTempo(undefined, async (server, client) => {
      const now = Date.now();
      server.ingest(otlp([{ service: 's', startMs: now - 60_000, durationMs: 5 }]));
      const snap = await new TempoStatsSource(client).load({ window: { startMs: now - 900_000, endMs: now }, filter: '' }, signal());
      assert.equal(snap.origin, 'metrics');
      assert.equal(snap.functions.length, 0);
    });
  });

  test('coverage probe: spans metrics left out (arrived > 30 s late) switch to search with a note naming one; spans too young to be counted yet do not', async () => {
    await withTempo({ metricsDropLateSeconds: 30 }, async (server, client) => {
      const now = Date.now();
      const window = { startMs: now - 900_000, endMs: now };
      // Counted: ended 5 s before they arrived. Not yet counted by a real Tempo: 20 s old.
      server.ingest(otlp([{ service: 'a', ns: 'N', fn: 'counted', startMs: now - 10_000, durationMs: 5 }]));
      const counted = await new TempoStatsSource(client).load({ window, filter: '' }, signal());
      assert.equal(counted.origin, 'metrics', counted.notes.join('\n'));
      // A young span metrics do not have yet (this server counts it at once, so leave it out of the window metrics see): not a miss.
      server.clearRequests();
      const young = await new TempoStatsSource(client, { now: () => now + 20_000 }).load({ window: { startMs: now - 900_000, endMs: now + 20_000 }, filter: '' }, signal());
      assert.equal(young.origin, 'metrics');
      const probe = server.requests.find((r) => r.path === '/api/search');
      assert.ok(probe !== undefined && probe.query['q']?.includes('!(') === true, 'the probe excludes what metrics counted');
      assert.ok(Number(probe.query['end']) <= Math.ceil((now + 20_000 - 60_000) / 1000), 'and stops where 2.x surely counted everything');

      // Late: ended 2 min before it arrived, dropped from metrics as a real 2.x generator does.
      server.ingest(otlp([{ service: 'b', ns: 'com.acme.Late', fn: 'missed', startMs: now - 120_000, durationMs: 40 }]));
      const source = new TempoStatsSource(client);
      const late = await source.load({ window, filter: '' }, signal());
      assert.equal(late.origin, 'search', late.notes.join('\n'));
      assert.deepEqual(late.functions.map((f) => f.codeRef.function).sort(), ['counted', 'missed']);
      assert.ok(late.notes.some((n) => /did not count spans that search finds in this window \(e\.g\. com\.acme\.Late\.missed in b\)/.test(n) && /metrics_ingestion_time_range_slack/.test(n)), late.notes.join('\n'));
      assert.ok(late.notes.every((n) => !/local.blocks/.test(n)), 'metrics work: no advice to turn them on');
      // The verdict holds for a while: the next refresh goes straight to search.
      server.clearRequests();
      await source.load({ window, filter: '' }, signal());
      assert.equal(server.requests.filter((r) => r.path === '/api/metrics/query_range').length, 0);
    });
  });

  test('search sampling: slices capped by limit say they are a sample', async () => {
    await withTempo(undefined, async (server, client) => {
      const now = Date.now();
      const spans: SpanSpec[] = [];
      for (let i = 0; i < 200; i++) spans.push({ service: 's', ns: 'N', fn: 'hot', startMs: now - 800_000 + i * 4000, durationMs: 1 + i });
      server.ingest(otlp(spans));
      const snap = await new TempoStatsSource(client, { mode: 'search', searchLimit: 10, searchSlices: 4 }).load({ window: { startMs: now - 900_000, endMs: now }, filter: '' }, signal());
      const f = snap.functions[0]!;
      assert.ok(f.calls >= 10 && f.calls <= 40, String(f.calls));
      assert.deepEqual(f.sample, { spans: f.calls, matched: null });
      assert.ok(snap.notes.some((n) => /sampled/.test(n)));
      const searches = server.requests.filter((r) => r.path === '/api/search');
      assert.deepEqual(searches.map((r) => r.query['start'] !== undefined).sort(), [false, true, true, true, true], 'four slices, and the window (recent) once more without start/end');
    });
  });

  test('auth failures are not hidden behind a fallback; abort rejects', async () => {
    const server = await startTempoServer({ auth: { bearer: 'sekret' } });
    const client = new TempoClient({ ...settings(server.url), auth: 'bearer', token: 'wrong' });
    try {
      await assert.rejects(new TempoStatsSource(client).load({ window: { startMs: Date.now() - 900_000, endMs: Date.now() }, filter: '' }, signal()), (e: unknown) => e instanceof TempoError && e.kind === 'auth');
    } finally {
      await client.close();
      await server.close();
    }
    const slow = await startTempoServer();
    const c2 = new TempoClient(settings(slow.url));
    try {
      slow.inject({ path: '/api/metrics', latencyMs: 2000, times: Infinity });
      const ctl = new AbortController();
      const p = new TempoStatsSource(c2).load({ window: { startMs: Date.now() - 900_000, endMs: Date.now() }, filter: '' }, ctl.signal);
      setTimeout(() => ctl.abort(), 100);
      await assert.rejects(p);
    } finally {
      await c2.close();
      await slow.close();
    }
  });
});

describe('drill-down narrows a duration threshold until the slowest are complete', () => {
  test('300 spans, the 10 slowest exactly', async () => {
    await withTempo(undefined, async (server, client) => {
      const now = Date.now();
      const spans: SpanSpec[] = [];
      for (let i = 1; i <= 300; i++) spans.push({ service: 's', ns: 'com.x.Svc', fn: 'work', startMs: now - 600_000 + ((i * 7919) % 300) * 1000, durationMs: i, ...(i % 50 === 0 ? { error: `e${i}` } : {}) });
      spans.push({ service: 's', ns: 'com.x.Svc', fn: 'other', startMs: now - 1000, durationMs: 5000 });
      server.ingest(otlp(spans));
      const src = new TempoStatsSource(client);
      const dd = await src.drillDown({ namespace: 'com.x.Svc', function: 'work', filePath: null, line: null }, 's', { startMs: now - 900_000, endMs: now }, signal());
      assert.deepEqual(dd.slowest.map((h) => Math.round(h.durationMs)), [300, 299, 298, 297, 296, 295, 294, 293, 292, 291]);
      assert.equal(dd.errors.length, 6);
      assert.ok(dd.errors.every((h) => h.statusMessage !== null && /^e\d+$/.test(h.statusMessage)));
      const searches = server.requests.filter((r) => r.path === '/api/search');
      assert.ok(searches.length <= 5, `${searches.length} searches`);
      assert.ok(searches.some((r) => /duration >= \d+ms/.test(r.query['q'] ?? '')), 'a threshold was used');
    });
  });
});

describe('through the query cache (what the extension hands out per connection)', () => {
  test('two concurrent identical loads make one set of requests; a later refresh asks Tempo again; traces are kept', async () => {
    await withTempo(undefined, async (server, client) => {
      const now = Date.now();
      for (const p of seedTraces(now)) server.ingest(p);
      const window = { startMs: now - 3_600_000, endMs: now };
      const ranges = (): number => server.requests.filter((r) => r.path === '/api/metrics/query_range').length;
      const searches = (): number => server.requests.filter((r) => r.path === '/api/search').length;

      // Without the cache two sources (store and refiner, say) double the load: the test can fail.
      await client.capabilities(signal());
      server.clearRequests();
      await Promise.all([new TempoStatsSource(client).load({ window, filter: '' }, signal()), new TempoStatsSource(client).load({ window, filter: '' }, signal())]);
      assert.equal(ranges(), 10);

      // As host/connection.ts builds it.
      const cache = new QueryCache({ ttlMs: CONNECTION_CACHE_TTL_MS });
      const queries: TempoQueries = new CachedTempoClient(client, cache);
      server.clearRequests();
      const [a, b] = await Promise.all([new TempoStatsSource(queries).load({ window, filter: '' }, signal()), new TempoStatsSource(queries).load({ window, filter: '' }, signal())]);
      assert.equal(ranges(), 5, 'the five queries once');
      assert.deepEqual(a.functions, b.functions);
      assert.ok(a.functions.length >= 10);
      assert.equal(cache.stats.joins, 6, 'the five metrics queries and the coverage probe');

      await new TempoStatsSource(queries).load({ window, filter: '' }, signal());
      assert.equal(ranges(), 10, 'a refresh after the first one finished is not served old figures');

      // Search fallback shares requests the same way.
      server.clearRequests();
      const slices = 4;
      await Promise.all([0, 1].map(() => new TempoStatsSource(queries, { mode: 'search', searchSlices: slices }).load({ window, filter: '' }, signal())));
      assert.equal(searches(), slices + 1, 'the slices and the unranged twin (a recent window), once for both loads');

      // Traces are immutable: kept after the first fetch.
      const traceId = a.functions.find((f) => f.exampleTraceIds.length > 0)?.exampleTraceIds[0];
      assert.ok(traceId !== undefined);
      server.clearRequests();
      const [t1, t2] = await Promise.all([queries.traceById(traceId, {}, signal()), queries.traceById(traceId, {}, signal())]);
      assert.ok(t1 !== null && t1 === t2);
      assert.equal(await queries.traceById(traceId, {}, signal()), t1);
      assert.equal(server.requests.filter((r) => r.path.includes('/traces/')).length, 1);
      cache.invalidate();
      await queries.traceById(traceId, {}, signal());
      assert.equal(server.requests.filter((r) => r.path.includes('/traces/')).length, 2, 'after invalidate (new settings) Tempo is asked again');
    });
  });

  test('with TTLs for statistics too (QueryCache defaults), a repeat is served from the cache', async () => {
    await withTempo(undefined, async (server, client) => {
      const now = Date.now();
      for (const p of seedTraces(now)) server.ingest(p);
      const window = { startMs: now - 3_600_000, endMs: now };
      const queries: TempoQueries = new CachedTempoClient(client, new QueryCache());
      const first = await new TempoStatsSource(queries).load({ window, filter: '' }, signal());
      const before = server.requests.length;
      const again = await new TempoStatsSource(queries).load({ window, filter: '' }, signal());
      assert.equal(server.requests.length, before);
      assert.deepEqual(again.functions, first.functions);
      await new TempoStatsSource(queries).load({ window, filter: 'resource.service.name = "gateway"' }, signal());
      assert.equal(server.requests.filter((r) => r.path === '/api/metrics/query_range').length, 10, 'another filter is another query');
    });
  });
});
