// FunctionStats against the user's thresholds → `slow` / `errors` insights whose messages say how exact the figures are.
import type { FunctionStats, Insight } from '../../shared/model';
import { formatDuration, formatPercent, formatQuantile, formatWindowLength, isErroring, isSlow, type Thresholds } from '../format';

/**
 * How the figures were obtained, in words the user can weigh: "over 1h", "over 1h, sampled (200 of
 * 1.2k spans)", "over 1h of trace files".
 */
export function describeBasis(stats: FunctionStats): string {
  const window = `over ${formatWindowLength(stats.window)}`;
  if (stats.sample !== null) {
    const of = stats.sample.matched !== null ? ` of ${stats.sample.matched}` : '';
    return `${window}, sampled (${stats.sample.spans}${of} spans)`;
  }
  if (stats.origin === 'search') return `${window}, sampled`;
  if (stats.origin === 'files') return `${window} of trace files`;
  return window;
}

/**
 * `slow` when p95 is over `thresholds.latencyMs`, `errors` when the error rate is over
 * `thresholds.errorRate` (with enough calls to judge, see `isErroring`). Metrics quantiles are
 * log2-bucket estimates (PITFALLS 1) and are printed with `≈`.
 */
export function thresholdInsights(stats: FunctionStats, thresholds: Thresholds): Insight[] {
  const out: Insight[] = [];
  const basis = describeBasis(stats);
  if (isSlow(stats, thresholds) && stats.p95Ms !== null) {
    const approx = stats.quantilesApproximate;
    const p50 = stats.p50Ms !== null ? `, p50 ${formatQuantile(stats.p50Ms, approx)}` : '';
    const estimate = approx ? ' (estimated from histogram buckets)' : '';
    out.push({
      kind: 'slow',
      message: `p95 ${formatQuantile(stats.p95Ms, approx)}${p50} ${basis}${estimate} — above the ${formatDuration(thresholds.latencyMs)} threshold`,
      traceIds: stats.exampleTraceIds.slice(0, 5),
    });
  }
  if (isErroring(stats, thresholds)) {
    const top = stats.topErrors[0];
    const topText = top !== undefined ? `; most frequent: "${oneLine(top.message)}" (${top.count}×)` : '';
    out.push({
      kind: 'errors',
      message: `${formatPercent(stats.errorRate)} errors (${stats.errors} of ${stats.calls} calls) ${basis} — above the ${formatPercent(thresholds.errorRate)} threshold${topText}`,
      traceIds: stats.exampleTraceIds.slice(0, 5),
    });
  }
  return out;
}

function oneLine(s: string): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > 80 ? `${flat.slice(0, 79)}…` : flat;
}
