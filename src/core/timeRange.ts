// Window math for every figure: TimeRange → window, metrics step choice, splitting into server-sized chunks.
import type { TimeRange, TimeWindow } from '../shared/model';

export const TIME_RANGES: readonly TimeRange[] = ['15m', '1h', '6h', '24h', '7d'];

const RANGE_MS: Record<TimeRange, number> = {
  '15m': 15 * 60_000,
  '1h': 3_600_000,
  '6h': 6 * 3_600_000,
  '24h': 24 * 3_600_000,
  '7d': 7 * 24 * 3_600_000,
};

/**
 * Step per range: ~60 points for the sparkline, and every step divides 3 h (Tempo 2.x's default
 * metrics cap) and 24 h, so chunk boundaries fall on step boundaries and chunks merge cleanly.
 */
const STEP_MS: Record<TimeRange, number> = {
  '15m': 15_000,
  '1h': 60_000,
  '6h': 6 * 60_000,
  '24h': 30 * 60_000,
  '7d': 3 * 3_600_000,
};

export function isTimeRange(v: unknown): v is TimeRange {
  return typeof v === 'string' && (TIME_RANGES as readonly string[]).includes(v);
}

export function rangeMs(range: TimeRange): number {
  return RANGE_MS[range];
}

/** The window ending now (rounded to whole seconds: Tempo's search takes unix seconds). */
export function windowFor(range: TimeRange, nowMs: number): TimeWindow {
  const endMs = Math.ceil(nowMs / 1000) * 1000;
  return { startMs: endMs - RANGE_MS[range], endMs };
}

/** Step for an arbitrary window: the preset's step when the length matches one, else ~60 points on a round grid. */
export function stepFor(window: TimeWindow): number {
  const len = Math.max(1000, window.endMs - window.startMs);
  // Windows a few seconds off a preset (rounding, "now + 1 s") keep the preset's step.
  for (const r of TIME_RANGES) if (Math.abs(RANGE_MS[r] - len) <= RANGE_MS[r] * 0.01) return STEP_MS[r];
  const raw = len / 60;
  const grid = [1_000, 5_000, 15_000, 30_000, 60_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 10_800_000, 21_600_000, 86_400_000];
  for (const g of grid) if (g >= raw) return g;
  return Math.ceil(raw / 86_400_000) * 86_400_000;
}

/** Widens a window outward to whole steps (Tempo aligns metrics requests the same way). */
export function alignWindow(window: TimeWindow, stepMs: number): TimeWindow {
  return {
    startMs: Math.floor(window.startMs / stepMs) * stepMs,
    endMs: Math.ceil(window.endMs / stepMs) * stepMs,
  };
}

/**
 * Splits a window into consecutive chunks no longer than `maxChunkMs`, each boundary on a step
 * boundary (so per-step samples from different chunks never straddle). One chunk when it fits.
 */
export function splitWindow(window: TimeWindow, maxChunkMs: number, stepMs: number): TimeWindow[] {
  const len = window.endMs - window.startMs;
  if (len <= 0) return [window];
  if (!(maxChunkMs > 0) || len <= maxChunkMs) return [window];
  const chunkLen = Math.max(stepMs, Math.floor(maxChunkMs / stepMs) * stepMs);
  const out: TimeWindow[] = [];
  for (let s = window.startMs; s < window.endMs; s += chunkLen) {
    out.push({ startMs: s, endMs: Math.min(window.endMs, s + chunkLen) });
  }
  return out;
}

/** Evenly spread slices (for search: "first N found" per slice spreads a sample over the window). */
export function sliceWindow(window: TimeWindow, slices: number): TimeWindow[] {
  const n = Math.max(1, Math.floor(slices));
  const len = window.endMs - window.startMs;
  // Search takes whole seconds; slices shorter than 2 s would collapse.
  const count = Math.max(1, Math.min(n, Math.floor(len / 2000)));
  const out: TimeWindow[] = [];
  for (let i = 0; i < count; i++) {
    const s = Math.floor((window.startMs + (len * i) / count) / 1000) * 1000;
    const e = i === count - 1 ? window.endMs : Math.floor((window.startMs + (len * (i + 1)) / count) / 1000) * 1000;
    out.push({ startMs: s, endMs: e });
  }
  return out;
}

/** Number of slices for the search fallback: longer windows get more, bounded. */
export function searchSlicesFor(window: TimeWindow): number {
  const h = (window.endMs - window.startMs) / 3_600_000;
  if (h <= 0.5) return 3;
  if (h <= 1) return 4;
  if (h <= 6) return 6;
  if (h <= 24) return 8;
  return 12;
}

/**
 * Parses a Go duration (`3h0m0s`, `24h0m0s`, `90m`, `1.5h`, `500ms`) as Tempo prints it in errors.
 * Returns milliseconds or null.
 */
export function parseGoDuration(text: string): number | null {
  const s = text.trim();
  if (s === '' || s === '0') return s === '0' ? 0 : null;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let pos = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    total += Number(m[1]) * (unit[m[2] as string] ?? 0);
    pos = re.lastIndex;
  }
  return pos === s.length && pos > 0 ? total : null;
}

/**
 * Reads the server's maximum metrics range from its 400 body: `… exceeds the maximum allowed
 * duration of 3h0m0s` (2.x query_range) or `… exceeds 24h0m0s. received …` (range check).
 */
export function maxRangeFromError(body: string): number | null {
  const m = /exceeds (?:the )?(?:maximum allowed duration of |max(?:imum)? duration of )?(\d[0-9a-zµ.]*?)(?:[.,;)]?\s|[.,;)]?$)/i.exec(body);
  if (m === null) return null;
  const ms = parseGoDuration((m[1] as string).replace(/\.$/, ''));
  return ms !== null && ms > 0 ? ms : null;
}

/** `--since 90m` / `2h` / `7d` / `1h30m` for the CLI. */
export function parseSince(text: string): number | null {
  const d = /^(\d+(?:\.\d+)?)d$/.exec(text.trim());
  if (d !== null) return Number(d[1]) * 86_400_000;
  const ms = parseGoDuration(text);
  return ms !== null && ms > 0 ? ms : null;
}

/** `2026-11-22T01:00:00Z`, unix seconds, or unix milliseconds → epoch ms. */
export function parseTimestamp(text: string): number | null {
  const t = text.trim();
  if (/^\d{1,11}$/.test(t)) return Number(t) * 1000;
  if (/^\d{12,14}$/.test(t)) return Number(t);
  if (!/^\d{4}-\d{2}-\d{2}/.test(t)) return null;
  const ms = Date.parse(t);
  return Number.isFinite(ms) ? ms : null;
}

/** Major version of a Tempo build string (`2.7.2`, `v3.0.3`); 2 when unknown. */
export function tempoMajor(version: string | null): number {
  const m = version === null ? null : /^\s*v?(\d+)\./.exec(version);
  return m === null ? 2 : Number(m[1]);
}

/** The metrics range limit by default: 3 h in 2.x, 24 h in 3.x (learned from a 400 when set otherwise). */
export function defaultMetricsCapMs(version: string | null): number {
  return tempoMajor(version) >= 3 ? 24 * 3_600_000 : 3 * 3_600_000;
}

/** Tempo 3's default `query_end_cutoff`: the newest 30 s are not in metrics answers. */
export function metricsEndCutoffMs(version: string | null): number {
  return tempoMajor(version) >= 3 ? 30_000 : 0;
}

/**
 * How old a span must be before TraceQL metrics surely count it (PITFALLS 10 and 13: 2.x counts
 * fresh spans after 11–40 s, 3.x after 30–120 s). Spans younger than this that metrics miss are
 * not yet counted; older ones that metrics miss were left out for good.
 */
export function metricsSettleMs(version: string | null): number {
  return tempoMajor(version) >= 3 ? 150_000 : 60_000;
}

/**
 * The window a metrics query can answer: on Tempo 3 it ends `query_end_cutoff` before now (the
 * newest 30 s are left out of every answer), so what is shown is what was counted.
 */
export function metricsWindowFor(window: TimeWindow, version: string | null, nowMs: number): TimeWindow {
  const cutoffMs = metricsEndCutoffMs(version);
  return cutoffMs > 0 && window.endMs > nowMs - cutoffMs
    ? { startMs: window.startMs, endMs: Math.max(window.startMs + 1000, nowMs - cutoffMs) }
    : window;
}

/**
 * Chunks of an aligned window for metrics requests under a range cap. Tempo 3 refuses a range when
 * range + step exceeds its limit (measured), so there a step is left free.
 */
export function metricsChunks(aligned: TimeWindow, capMs: number, stepMs: number, version: string | null): TimeWindow[] {
  return splitWindow(aligned, tempoMajor(version) >= 3 && capMs > stepMs ? capMs - stepMs : capMs, stepMs);
}

/** A window as a search's `start`/`end` (Unix seconds, at least one second apart). */
export function searchSeconds(window: TimeWindow): { start: number; end: number } {
  const start = Math.floor(window.startMs / 1000);
  return { start, end: Math.max(start + 1, Math.ceil(window.endMs / 1000)) };
}
