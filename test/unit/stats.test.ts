// Pure aggregation: metrics series (recorded bodies, zero samples without value, chunk boundaries) and exact spans.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseQueryRangeResponse, type QueryRangeResponse } from '../../src/core/wire';
import { exactQuantile, log2HistogramQuantile, MetricsAccumulator, SpanAggregator, compareHotspots, type SpanSample } from '../../src/core/stats';

const FIX = path.resolve(__dirname, '../../../test/fixtures/otlp');
const load = (name: string): QueryRangeResponse => parseQueryRangeResponse(JSON.parse(readFileSync(path.join(FIX, name), 'utf8')));
// The recordings were taken with start=1795308107 end=1795311767 step=60s.
const REC = { startMs: 1795308060000, endMs: 1795311780000 };

test('exact quantiles are nearest-rank over observed values', () => {
  const xs = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.equal(exactQuantile(xs, 0.5), 5);
  assert.equal(exactQuantile(xs, 0.95), 10);
  assert.equal(exactQuantile(xs, 0.1), 1);
  assert.equal(exactQuantile([], 0.5), null);
});

test('log2 histogram quantiles stay inside the bucket of the true value', () => {
  // 90 values in (0.5, 1], 10 values in (2, 4]
  const b = new Map([[1, 90], [4, 10]]);
  const p50 = log2HistogramQuantile(b, 0.5)!;
  assert.ok(p50 > 0.5 && p50 <= 1, String(p50));
  const p95 = log2HistogramQuantile(b, 0.95)!;
  assert.ok(p95 > 2 && p95 <= 4, String(p95));
  assert.equal(log2HistogramQuantile(new Map(), 0.5), null);
  assert.equal(log2HistogramQuantile(new Map([[8, 0]]), 0.5), null);
});

test('recorded rate/error bodies: per-function calls from counts, zero samples without value ignored', () => {
  // Treat the recorded rate (per second over 60 s steps) as counts by scaling: what matters here is
  // label handling, value-less samples and the p-labelled quantile series.
  const acc = new MetricsAccumulator(REC, 60_000);
  const scale = (r: QueryRangeResponse): QueryRangeResponse => ({
    ...r,
    series: r.series.map((s) => ({ ...s, samples: s.samples.map((x) => (x.value === undefined ? { timestampMs: x.timestampMs } : { timestampMs: x.timestampMs, value: Math.round(x.value * 60) })) })),
  });
  acc.add('count', scale(load('metrics_rate.json')));
  acc.add('errors', scale(load('metrics_rate_errors.json')));
  acc.add('quantiles', load('metrics_quantile_over_time.json'));
  const fns = acc.finish();
  const byName = new Map(fns.map((f) => [`${f.codeRef.namespace}.${f.codeRef.function}`, f]));
  const auth = byName.get('com.acme.auth.AuthService.authenticate');
  assert.ok(auth !== undefined);
  assert.ok(auth.calls >= 1);
  assert.ok(auth.errors >= 1 && auth.errors <= auth.calls);
  assert.equal(auth.quantilesApproximate, true);
  assert.equal(auth.origin, 'metrics');
  assert.ok(auth.p50Ms !== null && Math.abs(auth.p50Ms - 2147.483648) < 1e-6, String(auth.p50Ms));
  assert.equal(auth.latencySeries.length, 21, '62 steps drawn as 21 points of 3 steps');
  assert.ok(auth.latencySeries.filter((p) => p.v !== null).length >= 1);
  const token = byName.get('com.acme.token.TokenService.getToken');
  assert.ok(token !== undefined && token.calls >= 3, 'getToken was called in every batch');
  assert.ok(token.exampleTraceIds.every((id) => /^[0-9a-f]{32}$/.test(id)));
  assert.ok(token.exampleTraceIds.length > 0, 'exemplar trace ids are kept');
});

const series = (labels: Record<string, string>, samples: [number, number | undefined][], extra: { key: string; value: { doubleValue: number } }[] = []) => ({
  labels: [...Object.entries(labels).map(([key, v]) => ({ key, value: { stringValue: v } })), ...extra],
  samples: samples.map(([t, v]) => (v === undefined ? { timestampMs: String(t) } : { timestampMs: String(t), value: v })),
});

test('chunk boundaries: a timestamp reported by two chunks counts once; chunks may arrive in any order', () => {
  const w = { startMs: 0, endMs: 600_000 };
  const L = { 'resource.service.name': 's', 'span.code.namespace': 'N', 'span.code.function': 'f' };
  const a = { series: [series(L, [[0, 1], [60_000, 2], [120_000, undefined], [180_000, 4]])] };
  const b = { series: [series(L, [[180_000, undefined], [240_000, 5], [300_000, 1]])] };
  for (const order of [[a, b], [b, a]]) {
    const acc = new MetricsAccumulator(w, 60_000);
    for (const r of order) acc.add('count', r);
    const [f] = acc.finish();
    assert.equal(f?.calls, 13);
    assert.equal(f?.service, 's');
    assert.equal(f?.ratePerSec, 13 / 600);
  }
});

test('both attribute generations, nil label series, histogram buckets over the whole window', () => {
  const w = { startMs: 0, endMs: 120_000 };
  const acc = new MetricsAccumulator(w, 60_000);
  acc.add('count', {
    series: [
      series({ 'resource.service.name': 's', 'span.code.function.name': 'com.x.A.run', 'span.code.file.path': '/a.java' }, [[0, 80], [60_000, 20]]),
      series({ 'resource.service.name': 'nil' }, [[0, 5]]),
    ],
  });
  acc.add('errors', { series: [series({ 'resource.service.name': 's', 'span.code.function.name': 'com.x.A.run', 'span.code.file.path': '/a.java' }, [[60_000, 10]])] });
  const L = { 'resource.service.name': 's', 'span.code.function.name': 'com.x.A.run', 'span.code.file.path': '/a.java' };
  acc.add('histogram', {
    series: [
      series(L, [[0, 80], [60_000, 10]], [{ key: '__bucket', value: { doubleValue: 0.125 } }]),
      series(L, [[60_000, 10]], [{ key: '__bucket', value: { doubleValue: 2 } }]),
    ],
  });
  const fns = acc.finish();
  assert.equal(fns.length, 1, 'the all-nil series is not a function');
  const f = fns[0]!;
  assert.deepEqual(f.codeRef, { namespace: 'com.x.A', function: 'run', filePath: '/a.java', line: null });
  assert.equal(f.calls, 100);
  assert.equal(f.errors, 10);
  assert.equal(f.errorRate, 0.1);
  assert.ok(f.p50Ms! > 62.5 && f.p50Ms! <= 125);
  assert.ok(f.p95Ms! > 1000 && f.p95Ms! <= 2000);
  assert.equal(f.latencySeries.length, 2);
  assert.ok(f.latencySeries[0]!.v! <= 125 && f.latencySeries[1]!.v! > 1000);
});

test('histogram exemplars (valued with counts by Tempo) rank example traces by their bucket', () => {
  const acc = new MetricsAccumulator({ startMs: 0, endMs: 120_000 }, 60_000);
  const L = { 'resource.service.name': 's', 'span.code.namespace': 'N', 'span.code.function': 'f' };
  const ex = (id: string, count: number) => ({ labels: [{ key: 'trace:id', value: { stringValue: id } }], value: count, timestampMs: '1000' });
  acc.add('count', { series: [series(L, [[0, 41]])] });
  acc.add('histogram', {
    series: [
      { ...series(L, [[0, 40]], [{ key: '__bucket', value: { doubleValue: 0.004194304 } }]), exemplars: [ex('a1', 40), ex('a2', 40)] },
      { ...series(L, [[0, 1]], [{ key: '__bucket', value: { doubleValue: 2.147483648 } }]), exemplars: [ex('b1', 1)] },
    ],
  });
  const f = acc.finish()[0]!;
  assert.equal(f.exampleTraceIds[0], '000000000000000000000000000000b1', 'the trace of the slowest bucket first, though its count is the smallest');
  assert.deepEqual([...f.exampleTraceIds].sort(), ['000000000000000000000000000000a1', '000000000000000000000000000000a2', '000000000000000000000000000000b1']);
});

test('quantile series without histograms: the tail of one slow step is not averaged away', () => {
  const w = { startMs: 0, endMs: 180_000 };
  const acc = new MetricsAccumulator(w, 60_000);
  const L = { 'span.code.namespace': 'N', 'span.code.function': 'f' };
  acc.add('count', { series: [series(L, [[0, 100], [60_000, 100], [120_000, 10]])] });
  const q = (p: number, vals: [number, number][]) => series(L, vals, [{ key: 'p', value: { doubleValue: p } }]);
  acc.add('quantiles', { series: [
    q(0.5, [[0, 0.1], [60_000, 0.1], [120_000, 8]]),
    q(0.95, [[0, 0.2], [60_000, 0.2], [120_000, 8]]),
    q(0.99, [[0, 0.3], [60_000, 0.3], [120_000, 8]]),
  ] });
  const [f] = acc.finish();
  assert.ok(f!.p50Ms! >= 100 && f!.p50Ms! <= 200, String(f?.p50Ms));
  assert.equal(f?.p99Ms, 8000, '10 of 210 calls took 8 s: p99 must show it');
  assert.ok(f!.p95Ms! >= 200);
});

const span = (over: Partial<SpanSample>): SpanSample => ({
  traceId: 't'.padStart(32, '0'), spanId: '1'.padStart(16, '0'), name: null, startMs: 0, durationMs: 1, status: 'unset', statusMessage: null,
  service: 's', namespace: 'N', fn: 'f', fnName: null, filePath: null, filePathOld: null, line: null, rootServiceName: null, rootTraceName: null,
  ...over,
});

test('SpanAggregator: exact figures, top errors, slowest hits, dedupe, skipped spans without code', () => {
  const agg = new SpanAggregator(true);
  for (let i = 1; i <= 100; i++) {
    agg.add(span({ spanId: i.toString(16).padStart(16, '0'), traceId: i.toString(16).padStart(32, '0'), startMs: i * 1000, durationMs: i, status: i % 10 === 0 ? 'error' : 'ok', statusMessage: i % 20 === 0 ? 'timeout' : i % 10 === 0 ? 'boom' : null }));
  }
  agg.add(span({ spanId: '0000000000000001', traceId: (1).toString(16).padStart(32, '0'), startMs: 1000, durationMs: 1 }));
  agg.add(span({ fn: null, spanId: 'ffffffffffffffff' }));
  agg.add(span({ fn: null, namespace: null, fnName: 'N.f', spanId: 'eeeeeeeeeeeeeeee', durationMs: 1000, startMs: 50_000, line: 7 }));
  assert.equal(agg.skipped, 1);
  const [f] = agg.finish({ window: { startMs: 0, endMs: 120_000 }, origin: 'files', stepMs: 60_000, sampled: false });
  assert.equal(f?.calls, 101, 'old and new attribute styles of N.f are one function; the duplicate span is dropped');
  assert.equal(f?.errors, 10);
  assert.equal(f?.p50Ms, 51);
  assert.equal(f?.p95Ms, 96);
  assert.equal(f?.p99Ms, 100);
  assert.equal(f?.codeRef.line, 7);
  assert.equal(f?.quantilesApproximate, false);
  assert.deepEqual(f?.topErrors, [{ message: 'boom', count: 5 }, { message: 'timeout', count: 5 }]);
  assert.equal(f?.exampleTraceIds[0], span({}).traceId, 'the slowest span\'s trace first');
  const hits = agg.hits(f!.key);
  assert.equal(hits.slowest[0]?.durationMs, 1000);
  assert.equal(hits.slowest.length, 10);
  assert.ok(hits.errors.every((h) => h.status === 'error'));
  assert.equal(hits.errors[0]?.startMs, 100_000, 'most recent error first');
  assert.equal(f?.latencySeries.length, 2);
});

test('hot-spot order: p95 desc, then error rate', () => {
  const base = { key: 'a', p95Ms: 10, errorRate: 0, calls: 1 } as const;
  const sorted = [
    { ...base, key: 'b', p95Ms: null },
    { ...base, key: 'c', p95Ms: 10, errorRate: 0.5 },
    { ...base, key: 'd', p95Ms: 99 },
  ].sort((x, y) => compareHotspots(x as never, y as never)).map((x) => x.key);
  assert.deepEqual(sorted, ['d', 'c', 'b']);
});
