// Threshold insights: slow/errors messages that say how exact their figures are and which window they cover.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeBasis, thresholdInsights } from '../../src/core/insights/thresholds';
import type { FunctionStats } from '../../src/shared/model';

const HOUR = 3_600_000;

function stats(over: Partial<FunctionStats>): FunctionStats {
  return {
    key: 'k',
    codeRef: { namespace: 'com.acme.token.TokenService', function: 'getJwks', filePath: null, line: null },
    service: 'token-service',
    origin: 'metrics',
    window: { startMs: 0, endMs: HOUR },
    calls: 290,
    ratePerSec: 290 / 3600,
    errors: 12,
    errorRate: 12 / 290,
    p50Ms: 120,
    p95Ms: 8200,
    p99Ms: 9000,
    quantilesApproximate: true,
    sample: null,
    latencySeries: [],
    topErrors: [{ message: 'connection pool\nexhausted', count: 9 }],
    exampleTraceIds: ['a', 'b', 'c', 'd', 'e', 'f'],
    ...over,
  };
}

test('metrics quantiles are marked approximate and the window is named', () => {
  const [slow, errors] = thresholdInsights(stats({}), { latencyMs: 1000, errorRate: 0.01 });
  assert.equal(slow?.kind, 'slow');
  assert.equal(slow?.message, 'p95 ≈8.2 s, p50 ≈120 ms over 1h (estimated from histogram buckets) — above the 1 s threshold');
  assert.equal(slow?.traceIds.length, 5);
  assert.equal(errors?.kind, 'errors');
  assert.equal(errors?.message, '4.1% errors (12 of 290 calls) over 1h — above the 1% threshold; most frequent: "connection pool exhausted" (9×)');
});

test('exact sampled figures say "sampled" and carry no ≈', () => {
  const s = stats({ origin: 'search', quantilesApproximate: false, sample: { spans: 200, matched: 1200 }, window: { startMs: 0, endMs: 15 * 60_000 } });
  const [slow] = thresholdInsights(s, { latencyMs: 1000, errorRate: 0.5 });
  assert.equal(slow?.message, 'p95 8.2 s, p50 120 ms over 15m, sampled (200 of 1200 spans) — above the 1 s threshold');
  assert.equal(describeBasis({ ...s, sample: null }), 'over 15m, sampled');
  assert.equal(describeBasis({ ...s, sample: null, origin: 'files' }), 'over 15m of trace files');
});

test('under the thresholds, or too few calls to judge an error rate → no insight', () => {
  assert.deepEqual(thresholdInsights(stats({ p95Ms: 900 }), { latencyMs: 1000, errorRate: 0.05 }), []);
  assert.deepEqual(thresholdInsights(stats({ p95Ms: null, calls: 2, errors: 1, errorRate: 0.5 }), { latencyMs: 1000, errorRate: 0.05 }), []);
});
