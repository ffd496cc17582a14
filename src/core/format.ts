// Pure formatting of figures for the editor surfaces: durations, counts, rates, lens titles, sparklines, regressions.
import type { FunctionStats, SeriesPoint, TimeWindow } from '../shared/model';

/** `850 µs`, `120 ms`, `1.24 s`, `2.5 min`, `1.5 h` — three significant digits at most. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  if (ms === 0) return '0 ms';
  if (ms < 1) {
    const us = ms * 1000;
    return us < 1 ? '<1 µs' : `${trimNumber(us, us < 10 ? 1 : 0)} µs`;
  }
  if (ms < 1000) return `${trimNumber(ms, ms < 10 ? 2 : ms < 100 ? 1 : 0)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${trimNumber(s, s < 10 ? 2 : 1)} s`;
  const min = s / 60;
  if (min < 60) return `${trimNumber(min, 1)} min`;
  return `${trimNumber(min / 60, 1)} h`;
}

/** `999`, `1.2k`, `12k`, `3.4M`. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '–';
  const abs = Math.abs(n);
  if (abs < 1000) return String(Math.round(n));
  for (const [div, unit] of [[1e9, 'G'], [1e6, 'M'], [1e3, 'k']] as const) {
    if (abs >= div * 0.9995) {
      const v = n / div;
      return `${trimNumber(v, Math.abs(v) < 10 ? 1 : 0)}${unit}`;
    }
  }
  return String(Math.round(n));
}

/** A 0..1 ratio as `3.1%`, `0%`, `<0.1%`, `42%`, `100%`. */
export function formatPercent(ratio: number): string {
  if (!Number.isFinite(ratio) || ratio <= 0) return '0%';
  const p = ratio * 100;
  if (p < 0.1) return '<0.1%';
  if (p < 10) return `${trimNumber(p, 1)}%`;
  return `${Math.min(100, Math.round(p))}%`;
}

/** Calls per second as `4.2/s`, `12/s`, `1.2k/s`, `3/min`, `2/h`. */
export function formatRate(perSec: number): string {
  if (!Number.isFinite(perSec) || perSec <= 0) return '0/s';
  if (perSec >= 1000) return `${formatCount(perSec)}/s`;
  if (perSec >= 0.1) return `${trimNumber(perSec, perSec < 10 ? 1 : 0)}/s`;
  const perMin = perSec * 60;
  if (perMin >= 1) return `${trimNumber(perMin, perMin < 10 ? 1 : 0)}/min`;
  const perHour = perMin * 60;
  return `${trimNumber(perHour, perHour < 10 ? 1 : 0)}/h`;
}

const PRESETS: readonly (readonly [number, string])[] = [
  [15 * 60_000, '15m'], [3_600_000, '1h'], [6 * 3_600_000, '6h'], [24 * 3_600_000, '24h'], [7 * 24 * 3_600_000, '7d'],
];

/**
 * Length of a window as the setting names it: `15m`, `1h`, `24h`, `7d`. Sources widen windows to
 * whole metrics steps (a 6 h window can come back as 6 h 6 min): within 10 % of a preset, the
 * preset's name is the honest label. Other lengths round.
 */
export function formatWindowLength(window: TimeWindow): string {
  const ms = Math.max(0, window.endMs - window.startMs);
  for (const [len, label] of PRESETS) if (Math.abs(ms - len) <= len * 0.1) return label;
  const min = Math.round(ms / 60_000);
  if (min < 60) return `${Math.max(1, min)}m`;
  const h = min / 60;
  if (h >= 48 && Number.isInteger(h / 24)) return `${h / 24}d`;
  if (h < 48 || !Number.isInteger(h)) return Number.isInteger(h) ? `${h}h` : `${trimNumber(h, 1)}h`;
  return `${Math.round(h / 24)}d`;
}

const POW10 = [1, 10, 100, 1000];

/** Rounds to `decimals` and drops trailing zeros (`1.20` → `1.2`); hot in lens titles, so no regex. */
function trimNumber(v: number, decimals: number): string {
  const f = POW10[decimals] ?? 10 ** decimals;
  const r = Math.round(v * f) / f;
  return String(Object.is(r, -0) ? 0 : r);
}

// ---- severity ------------------------------------------------------------------------------

export interface Thresholds {
  readonly latencyMs: number;
  readonly errorRate: number;
}

export type Severity = 'none' | 'info' | 'warning' | 'error';

/** Minimum calls in a window before an error rate is judged: 1 error out of 2 calls is noise. */
export const MIN_CALLS_FOR_ERROR_RATE = 5;

/**
 * Severity of a function against the thresholds: over a threshold is a warning; far over it
 * (p95 ≥ 3× the limit, or error rate ≥ 3× the limit and ≥ 20 %) is an error; any errors or
 * measurable latency below the thresholds is info.
 */
export function severityOf(stats: Pick<FunctionStats, 'p95Ms' | 'errorRate' | 'calls' | 'errors'>, t: Thresholds): Severity {
  const slow = slowness(stats, t);
  const err = erroring(stats, t);
  if (slow === 'far' || err === 'far') return 'error';
  if (slow === 'over' || err === 'over') return 'warning';
  return 'info';
}

export function isSlow(stats: Pick<FunctionStats, 'p95Ms'>, t: Thresholds): boolean {
  return t.latencyMs > 0 && stats.p95Ms !== null && stats.p95Ms > t.latencyMs;
}

export function isErroring(stats: Pick<FunctionStats, 'errorRate' | 'calls' | 'errors'>, t: Thresholds): boolean {
  return stats.errors > 0 && stats.calls >= MIN_CALLS_FOR_ERROR_RATE && stats.errorRate > t.errorRate;
}

function slowness(stats: Pick<FunctionStats, 'p95Ms'>, t: Thresholds): 'ok' | 'over' | 'far' {
  if (!isSlow(stats, t)) return 'ok';
  return (stats.p95Ms ?? 0) >= 3 * t.latencyMs ? 'far' : 'over';
}

function erroring(stats: Pick<FunctionStats, 'errorRate' | 'calls' | 'errors'>, t: Thresholds): 'ok' | 'over' | 'far' {
  if (!isErroring(stats, t)) return 'ok';
  return stats.errorRate >= Math.max(0.2, 3 * t.errorRate) ? 'far' : 'over';
}

// ---- regressions ---------------------------------------------------------------------------

/** Both windows need this many calls before a change is called significant. */
export const MIN_CALLS_FOR_COMPARISON = 20;
/** p95 must move by at least this factor … */
export const MIN_LATENCY_RATIO = 1.5;
/** … and by at least this many milliseconds (sub-millisecond jitter doubles easily). */
export const MIN_LATENCY_DELTA_MS = 5;
/** Error rate must move by at least this many percentage points and by 2× … */
export const MIN_ERROR_RATE_DELTA = 0.01;
/** … with at least this many errors in the window that has more (2 errors after 0 is noise). */
export const MIN_ERRORS_FOR_COMPARISON = 5;

export interface Change {
  readonly metric: 'p95' | 'errors';
  readonly direction: 'up' | 'down';
  /** current / previous (Infinity when previous was 0). */
  readonly ratio: number;
  readonly previous: number;
  readonly current: number;
}

type Comparable = Pick<FunctionStats, 'calls' | 'p95Ms' | 'errorRate' | 'errors'>;

/**
 * Significant changes of `current` against the previous window of the same length. Returns an
 * empty list when either window has too few calls to tell a change from noise.
 */
export function compareWindows(current: Comparable, previous: Comparable | null | undefined): Change[] {
  if (!previous || current.calls < MIN_CALLS_FOR_COMPARISON || previous.calls < MIN_CALLS_FOR_COMPARISON) return [];
  const out: Change[] = [];
  if (current.p95Ms !== null && previous.p95Ms !== null && current.p95Ms > 0 && previous.p95Ms > 0) {
    const ratio = current.p95Ms / previous.p95Ms;
    const delta = Math.abs(current.p95Ms - previous.p95Ms);
    if (delta >= MIN_LATENCY_DELTA_MS && (ratio >= MIN_LATENCY_RATIO || ratio <= 1 / MIN_LATENCY_RATIO)) {
      out.push({ metric: 'p95', direction: ratio > 1 ? 'up' : 'down', ratio, previous: previous.p95Ms, current: current.p95Ms });
    }
  }
  const de = current.errorRate - previous.errorRate;
  if (Math.abs(de) >= MIN_ERROR_RATE_DELTA && Math.max(current.errors, previous.errors) >= MIN_ERRORS_FOR_COMPARISON) {
    const ratio = previous.errorRate > 0 ? current.errorRate / previous.errorRate : Infinity;
    if (ratio >= 2 || ratio <= 0.5) {
      out.push({ metric: 'errors', direction: de > 0 ? 'up' : 'down', ratio, previous: previous.errorRate, current: current.errorRate });
    }
  }
  return out;
}

/** `p95 ▲ 2.1× vs previous 1h`, `errors ▲ 0% → 4.2% vs previous 1h`. */
export function formatChange(change: Change, windowLabel: string): string {
  const arrow = change.direction === 'up' ? '▲' : '▼';
  if (change.metric === 'errors') {
    return `errors ${arrow} ${formatPercent(change.previous)} → ${formatPercent(change.current)} vs previous ${windowLabel}`;
  }
  const factor = change.direction === 'up' ? change.ratio : 1 / change.ratio;
  const f = factor >= 10 ? trimNumber(factor, 0) : trimNumber(factor, 1);
  return `p95 ${arrow} ${change.direction === 'up' ? '' : '÷'}${f}× vs previous ${windowLabel}`;
}

// ---- lens title ----------------------------------------------------------------------------

export interface LensTitleOptions {
  readonly thresholds: Thresholds;
  /** Window label, defaults to the stats' own window length. */
  readonly windowLabel?: string;
  readonly changes?: readonly Change[];
}

/** `≈` marks estimated quantiles (TraceQL metrics buckets, PITFALLS 1). */
export function formatQuantile(ms: number | null, approximate: boolean): string {
  if (ms === null) return '–';
  return `${approximate ? '≈' : ''}${formatDuration(ms)}`;
}

/**
 * Figures from a partial sample of the window (search fallback that hit its limits): their span
 * count is how many were read, not how many calls there were.
 */
export function isPartialSample(stats: Pick<FunctionStats, 'sample'>): boolean {
  return stats.sample !== null && stats.sample.matched !== stats.sample.spans;
}

/**
 * `$(warning) p95 ≈1.24 s · p50 ≈120 ms · 3.1% errors · 4.2/s · 1h · p95 ▲ 2.1× vs previous 1h`.
 * From a partial sample the rate (a sample size over the window) gives way to `300 spans sampled`.
 * Only regressions (▲) make it into the lens; improvements are left to the hover.
 */
export function lensTitle(stats: FunctionStats, opts: LensTitleOptions): string {
  const label = opts.windowLabel ?? formatWindowLength(stats.window);
  const parts: string[] = [];
  if (stats.p95Ms !== null) parts.push(`p95 ${formatQuantile(stats.p95Ms, stats.quantilesApproximate)}`);
  if (stats.p50Ms !== null) parts.push(`p50 ${formatQuantile(stats.p50Ms, stats.quantilesApproximate)}`);
  parts.push(stats.errors > 0 ? `${formatPercent(stats.errorRate)} errors` : 'no errors');
  const partial = isPartialSample(stats);
  parts.push(partial && stats.sample !== null ? `${formatCount(stats.sample.spans)} spans sampled` : formatRate(stats.ratePerSec));
  parts.push(partial ? `${label} (sampled)` : label);
  for (const c of opts.changes ?? []) {
    if (c.direction === 'up') parts.push(formatChange(c, label));
  }
  const sev = severityOf(stats, opts.thresholds);
  const prefix = sev === 'error' ? '$(error) ' : sev === 'warning' ? '$(warning) ' : '';
  return prefix + parts.join(' · ');
}

// ---- sparkline -----------------------------------------------------------------------------

const BARS = '▁▂▃▄▅▆▇█';

/**
 * A sparkline of at most `width` characters; steps without data are `·`. Longer series are
 * bucketed (max of each bucket, so a spike is never averaged away). Empty string when the series
 * has no value at all.
 */
export function sparkline(series: readonly SeriesPoint[], width = 24): string {
  if (series.length === 0) return '';
  const buckets: (number | null)[] = [];
  const n = Math.min(width, series.length);
  for (let b = 0; b < n; b++) {
    const from = Math.floor((b * series.length) / n);
    const to = Math.floor(((b + 1) * series.length) / n);
    let max: number | null = null;
    for (let i = from; i < to; i++) {
      const v = series[i]?.v;
      if (v !== null && v !== undefined && Number.isFinite(v)) max = max === null ? v : Math.max(max, v);
    }
    buckets.push(max);
  }
  const values = buckets.filter((v): v is number => v !== null);
  if (values.length === 0) return '';
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return buckets
    .map((v) => {
      if (v === null) return '·';
      if (hi === lo) return BARS[3];
      const idx = Math.round(((v - lo) / (hi - lo)) * (BARS.length - 1));
      return BARS[Math.max(0, Math.min(BARS.length - 1, idx))];
    })
    .join('');
}

/** Short absolute time for hover footers: `14:05` today-agnostic, UTC-free (local). */
export function formatWindow(window: TimeWindow): string {
  const f = (ms: number): string => {
    const d = new Date(ms);
    return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  };
  return `${formatWindowLength(window)} (${f(window.startMs)}–${f(window.endMs)})`;
}

/** UTF-8 bytes of the UTF-16 unit at `k`: a surrogate pair counts 4 on its first half and 0 on its second; a lone surrogate 3 (U+FFFD), as Buffer encodes it. */
export function utf8Width(s: string, k: number): number {
  const c = s.charCodeAt(k);
  if (c < 0x80) return 1;
  if (c < 0x800) return 2;
  if (c >= 0xd800 && c <= 0xdbff) {
    const next = s.charCodeAt(k + 1);
    return next >= 0xdc00 && next <= 0xdfff ? 4 : 3;
  }
  if (c >= 0xdc00 && c <= 0xdfff) {
    const prev = k > 0 ? s.charCodeAt(k - 1) : 0;
    return prev >= 0xd800 && prev <= 0xdbff ? 0 : 3;
  }
  return 3;
}

/** UTF-8 length of a string without Buffer or TextEncoder (core runs anywhere). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) n += utf8Width(s, i);
  return n;
}
