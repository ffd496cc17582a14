// Unit tests of the pure figure formatting used by every editor surface.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compareWindows, formatChange, formatCount, formatDuration, formatPercent, formatRate, formatWindowLength,
  isErroring, isSlow, lensTitle, severityOf, sparkline,
} from '../../src/core/format';
import type { FunctionStats } from '../../src/shared/model';

const HOUR = { startMs: 1_700_000_000_000, endMs: 1_700_000_000_000 + 3_600_000 };

function stats(over: Partial<FunctionStats> = {}): FunctionStats {
  return {
    key: 'k', codeRef: { namespace: 'com.acme.TokenService', function: 'getToken', filePath: null, line: null },
    service: 'token-service', origin: 'files', window: HOUR, calls: 15_120, ratePerSec: 4.2, errors: 469,
    errorRate: 0.031, p50Ms: 120, p95Ms: 1240, p99Ms: 2300, quantilesApproximate: false, sample: null,
    latencySeries: [], topErrors: [], exampleTraceIds: [], ...over,
  };
}

const T = { latencyMs: 1000, errorRate: 0.05 };

test('durations adapt their unit', () => {
  assert.equal(formatDuration(0.85), '850 µs');
  assert.equal(formatDuration(0.0042), '4.2 µs');
  assert.equal(formatDuration(0.0001), '<1 µs');
  assert.equal(formatDuration(120), '120 ms');
  assert.equal(formatDuration(12.34), '12.3 ms');
  assert.equal(formatDuration(1.5), '1.5 ms');
  assert.equal(formatDuration(1240), '1.24 s');
  assert.equal(formatDuration(1000), '1 s');
  assert.equal(formatDuration(41_000), '41 s');
  assert.equal(formatDuration(150_000), '2.5 min');
  assert.equal(formatDuration(5_400_000), '1.5 h');
  assert.equal(formatDuration(0), '0 ms');
  assert.equal(formatDuration(Number.NaN), '–');
  assert.equal(formatDuration(-1), '–');
});

test('counts, percentages and rates', () => {
  assert.equal(formatCount(999), '999');
  assert.equal(formatCount(1234), '1.2k');
  assert.equal(formatCount(12_345), '12k');
  assert.equal(formatCount(3_400_000), '3.4M');
  assert.equal(formatCount(999_999), '1M');
  assert.equal(formatPercent(0.031), '3.1%');
  assert.equal(formatPercent(0), '0%');
  assert.equal(formatPercent(0.0004), '<0.1%');
  assert.equal(formatPercent(0.42), '42%');
  assert.equal(formatPercent(1), '100%');
  assert.equal(formatRate(4.2), '4.2/s');
  assert.equal(formatRate(12.4), '12/s');
  assert.equal(formatRate(2500), '2.5k/s');
  assert.equal(formatRate(0.05), '3/min');
  assert.equal(formatRate(1 / 3600), '1/h');
  assert.equal(formatRate(0), '0/s');
});

test('window lengths read like the setting', () => {
  const w = (ms: number) => ({ startMs: 0, endMs: ms });
  assert.equal(formatWindowLength(w(15 * 60_000)), '15m');
  assert.equal(formatWindowLength(w(3_600_000)), '1h');
  assert.equal(formatWindowLength(w(6 * 3_600_000)), '6h');
  assert.equal(formatWindowLength(w(24 * 3_600_000)), '24h');
  assert.equal(formatWindowLength(w(7 * 24 * 3_600_000)), '7d');
  assert.equal(formatWindowLength(w(90 * 60_000)), '1.5h');
  assert.equal(formatWindowLength(w(6 * 3_600_000 + 6 * 60_000)), '6h', 'a window widened to whole steps keeps its name');
  assert.equal(formatWindowLength(w(61 * 60_000)), '1h');
  assert.equal(formatWindowLength(w(3 * 3_600_000)), '3h');
});

test('lens title: exact figures, no threshold crossed', () => {
  assert.equal(lensTitle(stats({ p95Ms: 940 }), { thresholds: T }), 'p95 940 ms · p50 120 ms · 3.1% errors · 4.2/s · 1h');
});

test('lens title: approximate quantiles get ≈, sampled figures say so, warning prefix over threshold', () => {
  const t = lensTitle(stats({ quantilesApproximate: true, origin: 'metrics' }), { thresholds: T });
  assert.equal(t, '$(warning) p95 ≈1.24 s · p50 ≈120 ms · 3.1% errors · 4.2/s · 1h');
  const s = lensTitle(stats({ origin: 'search', sample: { spans: 300, matched: 1200 }, p95Ms: 500 }), { thresholds: T });
  assert.equal(s, 'p95 500 ms · p50 120 ms · 3.1% errors · 300 spans sampled · 1h (sampled)', 'a sample size is never shown as a rate of calls');
  const complete = lensTitle(stats({ origin: 'search', sample: { spans: 1200, matched: 1200 }, p95Ms: 500 }), { thresholds: T });
  assert.equal(complete, 'p95 500 ms · p50 120 ms · 3.1% errors · 4.2/s · 1h', 'a search that read every matching span is not a sample');
  assert.match(lensTitle(stats({ p95Ms: 4000 }), { thresholds: T }), /^\$\(error\) p95 4 s/);
  assert.equal(lensTitle(stats({ errors: 0, errorRate: 0, p95Ms: 5, p50Ms: null }), { thresholds: T }), 'p95 5 ms · no errors · 4.2/s · 1h');
});

test('lens title carries a significant regression only', () => {
  const prev = stats({ p95Ms: 590, calls: 14_000 });
  const changes = compareWindows(stats(), prev);
  assert.equal(changes.length, 1);
  assert.equal(lensTitle(stats(), { thresholds: T, changes }), '$(warning) p95 1.24 s · p50 120 ms · 3.1% errors · 4.2/s · 1h · p95 ▲ 2.1× vs previous 1h');
  const better = compareWindows(stats({ p95Ms: 300 }), stats({ p95Ms: 900 }));
  assert.equal(better[0]?.direction, 'down');
  assert.equal(lensTitle(stats({ p95Ms: 300 }), { thresholds: T, changes: better }), 'p95 300 ms · p50 120 ms · 3.1% errors · 4.2/s · 1h');
  assert.equal(formatChange(better[0]!, '1h'), 'p95 ▼ ÷3× vs previous 1h');
});

test('regressions need enough calls in both windows and a real change', () => {
  assert.deepEqual(compareWindows(stats({ calls: 19 }), stats({ p95Ms: 100 })), []);
  assert.deepEqual(compareWindows(stats(), stats({ p95Ms: 100, calls: 19 })), []);
  assert.deepEqual(compareWindows(stats(), null), []);
  assert.deepEqual(compareWindows(stats({ p95Ms: 1300 }), stats({ p95Ms: 1000 })), [], '1.3× is noise');
  assert.deepEqual(compareWindows(stats({ p95Ms: 0.4 }), stats({ p95Ms: 0.1 })), [], 'sub-ms jitter is noise');
  assert.deepEqual(compareWindows(stats({ errors: 2, errorRate: 2 / 60 }), stats({ errors: 0, errorRate: 0 })), [], '2 errors after none is noise');
  const errs = compareWindows(stats({ errorRate: 0.08 }), stats({ errors: 0, errorRate: 0 }));
  assert.equal(errs.length, 1);
  assert.equal(errs[0]?.metric, 'errors');
  assert.equal(formatChange(errs[0]!, '1h'), 'errors ▲ 0% → 8% vs previous 1h');
});

test('severity against the thresholds', () => {
  assert.equal(severityOf(stats({ p95Ms: 900, errorRate: 0.01 }), T), 'info');
  assert.equal(severityOf(stats({ p95Ms: 1100, errorRate: 0.01 }), T), 'warning');
  assert.equal(severityOf(stats({ p95Ms: 3000, errorRate: 0.01 }), T), 'error');
  assert.equal(severityOf(stats({ p95Ms: 10, errorRate: 0.08 }), T), 'warning');
  assert.equal(severityOf(stats({ p95Ms: 10, errorRate: 0.5 }), T), 'error');
  assert.equal(isErroring(stats({ calls: 2, errors: 1, errorRate: 0.5 }), T), false, 'too few calls to judge');
  assert.equal(isSlow(stats({ p95Ms: null }), T), false);
  assert.equal(isSlow(stats({ p95Ms: 5000 }), { latencyMs: 0, errorRate: 1 }), false, '0 disables');
});

test('sparkline scales, marks gaps and keeps spikes when bucketing', () => {
  const s = (vals: (number | null)[]) => vals.map((v, i) => ({ t: i, v }));
  assert.equal(sparkline(s([1, 2, 3, 4, 5, 6, 7, 8])), '▁▂▃▄▅▆▇█');
  assert.equal(sparkline(s([1, null, 8])), '▁·█');
  assert.equal(sparkline(s([5, 5, 5])), '▄▄▄');
  assert.equal(sparkline(s([null, null])), '');
  assert.equal(sparkline([]), '');
  const long = s(Array.from({ length: 240 }, (_, i) => (i === 100 ? 1000 : 1)));
  const line = sparkline(long, 24);
  assert.equal([...line].length, 24);
  assert.ok(line.includes('█'), 'a single spike survives bucketing');
});
