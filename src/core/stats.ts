// Per-function statistics: TraceQL-metrics series (estimates) and span samples (exact) → FunctionStats.
import type { Attributes, CodeRef, FunctionStats, SeriesPoint, SpanHit, StatsOrigin, TimeWindow } from '../shared/model';
import { codeRefFromAttributes, codeRefKey } from './codeRef';
import type { CodeGeneration } from './traceql';
import type { MetricsSeries, QueryRangeResponse, WireKeyValue } from './wire';
import { padTraceId } from './otlp';

/** Stable identity of a function in one service (FunctionStats.key). */
export function functionKey(ref: CodeRef, service: string | null): string {
  return `${codeRefKey(ref)}\u001e${service ?? ''}`;
}

const MAX_EXAMPLES = 5;
const MAX_TOP_ERRORS = 5;

// ---- quantiles -------------------------------------------------------------------------------

/** Exact nearest-rank quantile of an ascending array (always an observed value). */
export function exactQuantile(sortedAsc: ArrayLike<number>, q: number): number | null {
  const n = sortedAsc.length;
  if (n === 0) return null;
  const idx = Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1));
  return sortedAsc[idx] as number;
}

/**
 * Quantile from a log2 histogram (bucket upper bounds → counts), as Tempo builds them: each bucket
 * holds values in (upper/2, upper]. Interpolates exponentially inside the bucket where the rank
 * falls, so the estimate is within a factor of two of the truth — no better (PITFALLS 1).
 */
export function log2HistogramQuantile(buckets: ReadonlyMap<number, number>, q: number): number | null {
  const bounds = [...buckets.keys()].filter((b) => (buckets.get(b) ?? 0) > 0).sort((a, b) => a - b);
  let total = 0;
  for (const b of bounds) total += buckets.get(b) as number;
  if (total <= 0) return null;
  const rank = Math.max(0, Math.min(1, q)) * total;
  let cum = 0;
  for (const upper of bounds) {
    const c = buckets.get(upper) as number;
    if (cum + c >= rank) {
      const frac = c > 0 ? Math.max(0, Math.min(1, (rank - cum) / c)) : 1;
      const lower = upper / 2;
      return lower * Math.pow(2, frac);
    }
    cum += c;
  }
  return bounds[bounds.length - 1] ?? null;
}

/** Same as log2HistogramQuantile over parallel arrays (ascending bounds), without allocating. */
export function log2QuantileArrays(bounds: ArrayLike<number>, counts: ArrayLike<number>, offset: number, q: number): number | null {
  const n = bounds.length;
  let total = 0;
  for (let b = 0; b < n; b++) total += counts[offset + b] as number;
  if (total <= 0) return null;
  const rank = Math.max(0, Math.min(1, q)) * total;
  let cum = 0;
  let last: number | null = null;
  for (let b = 0; b < n; b++) {
    const c = counts[offset + b] as number;
    if (c <= 0) continue;
    const upper = bounds[b] as number;
    last = upper;
    if (cum + c >= rank) {
      const frac = Math.max(0, Math.min(1, (rank - cum) / c));
      return (upper / 2) * Math.pow(2, frac);
    }
    cum += c;
  }
  return last;
}

/** At most this many sparkline points per function (the hover draws 24): bounds memory for 10k functions. */
export const MAX_SERIES_POINTS = 30;

/** Steps merged per sparkline point so that there are at most MAX_SERIES_POINTS. */
export function stepsPerPoint(steps: number): number {
  return Math.max(1, Math.ceil(steps / MAX_SERIES_POINTS));
}

// ---- metrics path ----------------------------------------------------------------------------

/** Strips the TraceQL scope from a label key: `span.code.function` → `code.function`. */
function bareKey(key: string): string {
  if (key.startsWith('span.')) return key.slice(5);
  if (key.startsWith('resource.')) return key.slice(9);
  if (key.startsWith('.')) return key.slice(1);
  return key;
}

interface LabelInfo {
  readonly ref: CodeRef | null;
  readonly service: string | null;
  /** Raw identity of the series (all group-by labels), for de-duplicating chunk boundaries. */
  readonly raw: string;
  /** `p` of quantile series / `__bucket` of histogram series. */
  readonly p: number | null;
  readonly bucket: number | null;
  /** The span status label (`by (status)`), when grouped by it. */
  readonly status: string | null;
  /** The series carries `code.function.name` (new keys, or both generations on one span). */
  readonly hasNewName: boolean;
}

function labelInfo(labels: readonly WireKeyValue[], cache: Map<string, { ref: CodeRef | null; service: string | null }>): LabelInfo {
  let raw = '';
  let p: number | null = null;
  let bucket: number | null = null;
  let status: string | null = null;
  const attrs: Record<string, string> = {};
  for (const l of labels) {
    const v = l.value;
    if (l.key === 'p') { p = typeof v?.doubleValue === 'number' ? v.doubleValue : Number(v?.doubleValue ?? v?.stringValue); continue; }
    if (l.key === '__bucket') { bucket = typeof v?.doubleValue === 'number' ? v.doubleValue : Number(v?.doubleValue ?? v?.intValue ?? v?.stringValue); continue; }
    if (l.key === '__name__') continue;
    const s = v?.stringValue ?? (v?.intValue !== undefined ? String(v.intValue) : undefined);
    if (s === undefined) continue;
    if (l.key === 'status' || l.key === 'span:status') status = s;
    attrs[bareKey(l.key)] = s;
    raw += `${l.key}\u001f${s}\u001e`;
  }
  let hit = cache.get(raw);
  if (hit === undefined) {
    const keys = Object.keys(attrs);
    // A series whose group-by values are all nil carries one label with the string "nil".
    const allNil = keys.length <= 1 && keys.every((k) => attrs[k] === 'nil');
    const ref = allNil ? null : codeRefFromAttributes(attrs as Attributes);
    const svc = attrs['service.name'];
    hit = { ref, service: svc !== undefined && svc !== '' && !(allNil && svc === 'nil') ? svc : null };
    cache.set(raw, hit);
  }
  return { ref: hit.ref, service: hit.service, raw, p, bucket, status, hasNewName: attrs['code.function.name'] !== undefined && attrs['code.function.name'] !== 'nil' };
}

/** Sparse per-step values of one raw series, appended in time order; boundary duplicates merged by max. */
class StepValues {
  readonly idx: number[] = [];
  readonly val: number[] = [];
  put(i: number, v: number): void {
    const n = this.idx.length;
    if (n > 0 && this.idx[n - 1] === i) {
      if (v > (this.val[n - 1] as number)) this.val[n - 1] = v;
      return;
    }
    if (n > 0 && (this.idx[n - 1] as number) > i) {
      // Out of order (chunks fed out of order): find and merge.
      const at = this.idx.indexOf(i);
      if (at >= 0) { if (v > (this.val[at] as number)) this.val[at] = v; return; }
    }
    this.idx.push(i);
    this.val.push(v);
  }
}

interface RawSeries {
  readonly fnKey: string;
  readonly values: StepValues;
}

interface MetricsFn {
  readonly ref: CodeRef;
  readonly service: string | null;
  readonly counts: RawSeries[];
  readonly errors: RawSeries[];
  /** bucket upper bound (seconds) → raw series */
  readonly hist: Map<number, RawSeries[]>;
  /** quantile p → raw series (fallback when histograms are unavailable) */
  readonly quant: Map<number, RawSeries[]>;
  readonly exemplars: Map<string, number>;
}

/** `calls`: a count grouped by span status (calls and errors at once); see traceql.metricsQueries. */
export type MetricsKind = 'calls' | 'count' | 'errors' | 'histogram' | 'quantiles';

/**
 * Accumulates query_range responses (one per query kind and chunk) into per-function figures.
 * Samples are placed on the step grid of the aligned window, so chunks can arrive in any order and
 * a timestamp reported by two adjacent chunks is counted once (max, not sum).
 */
export class MetricsAccumulator {
  private readonly fns = new Map<string, MetricsFn>();
  private readonly raws = new Map<string, RawSeries>();
  private readonly labelCache = new Map<string, { ref: CodeRef | null; service: string | null }>();
  private partial: string | null = null;
  private readonly tsStr: string[] = [];
  private readonly tsIdx: number[] = [];
  private seriesCount = 0;
  readonly steps: number;

  constructor(readonly window: TimeWindow, readonly stepMs: number) {
    this.steps = Math.max(1, Math.ceil((window.endMs - window.startMs) / stepMs));
  }

  /** Series Tempo returned in total (for the cardinality note). */
  get series(): number {
    return this.seriesCount;
  }

  /** Tempo's truncation message, if any response was PARTIAL. */
  get partialMessage(): string | null {
    return this.partial;
  }

  get functionCount(): number {
    return this.fns.size;
  }

  /**
   * `generation: 'old'`: the response of an old-keys query, whose series that also carry
   * `code.function.name` are dual-emitting spans the new-keys queries already counted.
   */
  add(kind: MetricsKind, resp: QueryRangeResponse, generation?: CodeGeneration): void {
    if (resp.status !== undefined && resp.status.toUpperCase() === 'PARTIAL') {
      this.partial = resp.message ?? 'Tempo returned a partial result';
    }
    for (const s of resp.series) this.addSeries(kind, s, generation);
  }

  private addSeries(kind: MetricsKind, s: MetricsSeries, generation: CodeGeneration | undefined): void {
    this.seriesCount++;
    const info = labelInfo(s.labels, this.labelCache);
    if (info.ref === null || (generation === 'old' && info.hasNewName)) return;
    const fnKey = functionKey(info.ref, info.service);
    let fn = this.fns.get(fnKey);
    if (fn === undefined) {
      fn = { ref: info.ref, service: info.service, counts: [], errors: [], hist: new Map(), quant: new Map(), exemplars: new Map() };
      this.fns.set(fnKey, fn);
    }
    if (kind === 'histogram' && (info.bucket === null || !Number.isFinite(info.bucket))) return;
    if (kind === 'quantiles' && (info.p === null || !Number.isFinite(info.p))) return;
    const rawKey = `${kind}\u001d${info.bucket ?? ''}\u001d${info.p ?? ''}\u001d${info.raw}`;
    let raw = this.raws.get(rawKey);
    if (raw === undefined) {
      raw = { fnKey, values: new StepValues() };
      this.raws.set(rawKey, raw);
      let bucketList: RawSeries[];
      if (kind === 'count') bucketList = fn.counts;
      else if (kind === 'calls') {
        bucketList = fn.counts;
        if (info.status === 'error') fn.errors.push(raw);
      } else if (kind === 'errors') bucketList = fn.errors;
      else if (kind === 'histogram') {
        const b = info.bucket as number;
        bucketList = fn.hist.get(b) ?? [];
        fn.hist.set(b, bucketList);
      } else {
        const p = info.p as number;
        bucketList = fn.quant.get(p) ?? [];
        fn.quant.set(p, bucketList);
      }
      bucketList.push(raw);
    }
    const { startMs } = this.window;
    const step = this.stepMs;
    const samples = s.samples;
    // Every series of a response repeats the same timestamps: reuse the step index when the
    // timestamp at this position equals the last one seen there (no number parsing per sample).
    const tsStr = this.tsStr;
    const tsIdx = this.tsIdx;
    for (let k = 0; k < samples.length; k++) {
      const sample = samples[k] as MetricsSeries['samples'][number];
      const v = sample.value;
      // Zero-valued samples have no `value` key; NaN never arrives (Tempo drops it).
      if (v === undefined || !(v > 0)) continue;
      const ts = sample.timestampMs;
      let i: number;
      if (tsStr[k] === ts) i = tsIdx[k] as number;
      else {
        i = Math.max(0, Math.min(this.steps - 1, Math.floor((Number(ts) - startMs) / step)));
        tsStr[k] = ts;
        tsIdx[k] = i;
      }
      raw.values.put(i, v);
    }
    if (s.exemplars !== undefined && (kind === 'histogram' || kind === 'quantiles' || kind === 'errors' || (kind === 'calls' && info.status === 'error'))) {
      // A histogram exemplar's value is the bucket's count (Tempo's placeholder); its duration is
      // within the bucket, so the bucket bound (seconds) ranks the slowest traces first.
      const bucketValue = kind === 'histogram' ? info.bucket : null;
      for (const e of s.exemplars) {
        for (const l of e.labels ?? []) {
          if (l.key !== 'trace:id') continue;
          const id = l.value?.stringValue;
          if (typeof id !== 'string' || id === '') continue;
          const tid = padTraceId(id.replace(/"/g, ''));
          const prev = fn.exemplars.get(tid) ?? -1;
          fn.exemplars.set(tid, Math.max(prev, bucketValue ?? e.value ?? 0));
        }
        if (fn.exemplars.size > 64) break;
      }
    }
  }

  /**
   * One function, one entry: a series without a file path (old keys without `code.filepath`, or
   * an old-keys histogram, which has no slot for it) joins the function of the same service,
   * namespace and name that has one — when exactly one has. Two paths stay two functions.
   */
  private foldPathless(): void {
    const withPath = new Map<string, string[]>();
    const ident = (fn: MetricsFn): string => `${fn.ref.namespace ?? ''}\u001f${fn.ref.function}\u001e${fn.service ?? ''}`;
    for (const [key, fn] of this.fns) {
      if (fn.ref.filePath === null) continue;
      const list = withPath.get(ident(fn)) ?? [];
      list.push(key);
      withPath.set(ident(fn), list);
    }
    for (const [key, fn] of this.fns) {
      if (fn.ref.filePath !== null) continue;
      const targets = withPath.get(ident(fn));
      if (targets?.length !== 1) continue;
      const into = this.fns.get(targets[0] as string) as MetricsFn;
      into.counts.push(...fn.counts);
      into.errors.push(...fn.errors);
      for (const [b, list] of fn.hist) into.hist.set(b, [...(into.hist.get(b) ?? []), ...list]);
      for (const [q, list] of fn.quant) into.quant.set(q, [...(into.quant.get(q) ?? []), ...list]);
      for (const [id, v] of fn.exemplars) into.exemplars.set(id, Math.max(v, into.exemplars.get(id) ?? -1));
      this.fns.delete(key);
    }
  }

  /** The figures. `quantilesFrom` says which duration series were queried. */
  finish(): FunctionStats[] {
    this.foldPathless();
    const out: FunctionStats[] = [];
    const seconds = Math.max(1, (this.window.endMs - this.window.startMs) / 1000);
    const per = stepsPerPoint(this.steps);
    const nullPoints = this.nullPoints(per);
    for (const [key, fn] of this.fns) {
      const calls = sumSeries(fn.counts);
      const errors = Math.min(calls > 0 ? calls : Infinity, sumSeries(fn.errors));
      let p50: number | null = null;
      let p95: number | null = null;
      let p99: number | null = null;
      let latencySeries: SeriesPoint[];
      if (fn.hist.size > 0) {
        const bounds = [...fn.hist.keys()].sort((a, b) => a - b);
        const nb = bounds.length;
        const points = nullPoints.length;
        // Per sparkline point (merged steps), one row of bucket counts; the whole window sums the rows.
        const mat = new Float64Array(points * nb);
        const whole = new Float64Array(nb);
        for (let b = 0; b < nb; b++) {
          for (const r of fn.hist.get(bounds[b] as number) as RawSeries[]) {
            const { idx, val } = r.values;
            for (let k = 0; k < idx.length; k++) {
              const v = val[k] as number;
              whole[b] = (whole[b] as number) + v;
              const cell = Math.floor((idx[k] as number) / per) * nb + b;
              mat[cell] = (mat[cell] as number) + v;
            }
          }
        }
        p50 = secToMs(log2QuantileArrays(bounds, whole, 0, 0.5));
        p95 = secToMs(log2QuantileArrays(bounds, whole, 0, 0.95));
        p99 = secToMs(log2QuantileArrays(bounds, whole, 0, 0.99));
        latencySeries = [];
        for (let i = 0; i < points; i++) {
          const pt = nullPoints[i] as SeriesPoint;
          const v = log2QuantileArrays(bounds, mat, i * nb, 0.95);
          latencySeries.push(v === null ? pt : point(pt.t, v * 1000));
        }
      } else {
        // Per-step quantiles cannot be merged exactly (averaging them hides the tail): rebuild a
        // coarse distribution from each step's quantiles and call count, then read it.
        const mix = quantileMixture(fn.quant, stepSums(fn.counts, this.steps), this.steps);
        p50 = secToMs(weightedQuantile(mix, 0.5));
        p95 = secToMs(weightedQuantile(mix, 0.95));
        p99 = secToMs(weightedQuantile(mix, 0.99));
        const s95 = fn.quant.get(0.95);
        const perStep = s95 !== undefined ? stepMax(s95, this.steps) : null;
        latencySeries = nullPoints.map((pt, i) => {
          let v: number | null = null;
          for (let k = i * per; k < Math.min(this.steps, (i + 1) * per); k++) {
            const x = perStep?.[k];
            if (x !== null && x !== undefined) v = v === null ? x : Math.max(v, x);
          }
          return v === null ? pt : { t: pt.t, v: v * 1000 };
        });
      }
      if (calls === 0 && p95 === null) continue;
      const examples = [...fn.exemplars].sort((a, b) => b[1] - a[1]).slice(0, MAX_EXAMPLES).map(([id]) => id);
      out.push({
        key,
        codeRef: fn.ref,
        service: fn.service,
        origin: 'metrics',
        window: this.window,
        calls,
        ratePerSec: calls / seconds,
        errors,
        errorRate: calls > 0 ? errors / calls : 0,
        p50Ms: p50,
        p95Ms: p95,
        p99Ms: p99,
        quantilesApproximate: true,
        sample: null,
        latencySeries,
        topErrors: [],
        exampleTraceIds: examples,
      });
    }
    return out;
  }

  /** One shared, frozen "no data" point per sparkline slot. */
  private nullPoints(per: number): SeriesPoint[] {
    const pts: SeriesPoint[] = [];
    for (let i = 0; i * per < this.steps; i++) pts.push(Object.freeze({ t: this.window.startMs + i * per * this.stepMs, v: null }));
    return pts;
  }
}

/** A sparkline point; built by one function so every point shares one object shape. */
function point(t: number, v: number): SeriesPoint {
  return { t, v };
}

function secToMs(v: number | null): number | null {
  return v === null ? null : v * 1000;
}

function sumSeries(raws: readonly RawSeries[]): number {
  let total = 0;
  for (const r of raws) for (const v of r.values.val) total += v;
  return Math.round(total);
}

function stepSums(raws: readonly RawSeries[], steps: number): Float64Array {
  const out = new Float64Array(steps);
  for (const r of raws) for (let k = 0; k < r.values.idx.length; k++) { const i = r.values.idx[k] as number; out[i] = (out[i] as number) + (r.values.val[k] as number); }
  return out;
}

function stepMax(raws: readonly RawSeries[], steps: number): (number | null)[] {
  const out: (number | null)[] = new Array<number | null>(steps).fill(null);
  for (const r of raws) {
    for (let k = 0; k < r.values.idx.length; k++) {
      const i = r.values.idx[k] as number;
      const v = r.values.val[k] as number;
      const prev = out[i];
      out[i] = prev === null || prev === undefined ? v : Math.max(prev, v);
    }
  }
  return out;
}

/**
 * Tempo's per-step quantile p is the bucket of the ceil(p·c)-th of the step's c samples, so each
 * quantile stands for the samples ranked between the previous quantile's rank and its own:
 * ranks 1..ceil(.5c) → p50, up to ceil(.95c) → p95, the rest → p99. For small steps this puts
 * every sample in its own bucket; steps without a count weigh 1.
 */
export function quantileMixture(quant: ReadonlyMap<number, readonly RawSeries[]>, stepCalls: Float64Array, steps: number): { v: number; w: number }[] {
  const ps = [...quant.keys()].filter((p) => p > 0 && p <= 1).sort((a, b) => a - b);
  const per = ps.map((p) => stepMax(quant.get(p) as readonly RawSeries[], steps));
  const out: { v: number; w: number }[] = [];
  for (let i = 0; i < steps; i++) {
    const c = Math.max(1, stepCalls[i] as number);
    let prevRank = 0;
    let last: number | null = null;
    for (let k = 0; k < ps.length; k++) {
      const v = per[k]?.[i];
      if (v === null || v === undefined) continue;
      const rank = Math.min(c, Math.max(prevRank, Math.ceil((ps[k] as number) * c - 1e-9)));
      if (rank > prevRank) out.push({ v, w: rank - prevRank });
      prevRank = rank;
      last = v;
    }
    if (last !== null && prevRank < c) out.push({ v: last, w: c - prevRank });
  }
  return out;
}

/** The smallest value whose cumulative weight reaches q of the total. */
export function weightedQuantile(points: readonly { v: number; w: number }[], q: number): number | null {
  if (points.length === 0) return null;
  const sorted = [...points].sort((a, b) => a.v - b.v);
  let total = 0;
  for (const p of sorted) total += p.w;
  const target = q * total;
  let cum = 0;
  for (const p of sorted) {
    cum += p.w;
    if (cum >= target - 1e-9) return p.v;
  }
  return (sorted[sorted.length - 1] as { v: number }).v;
}

// ---- exact path (search samples, files) ------------------------------------------------------

/** The fields of one span the exact aggregation reads (search fields and parsed spans both fit). */
export interface SpanSample extends Omit<SpanHit, 'rootServiceName' | 'rootTraceName'> {
  readonly namespace: string | null;
  readonly fn: string | null;
  readonly fnName: string | null;
  readonly filePath: string | null;
  readonly filePathOld: string | null;
  readonly line: number | null;
  readonly rootServiceName: string | null;
  readonly rootTraceName: string | null;
}

/** The function a sampled span's code attributes name (both generations), as the aggregation keys it. */
export function sampleCodeRef(s: Pick<SpanSample, 'namespace' | 'fn' | 'fnName' | 'filePath' | 'filePathOld'>): CodeRef | null {
  const attrs: Record<string, string | number> = {};
  if (s.namespace !== null) attrs['code.namespace'] = s.namespace;
  if (s.fn !== null) attrs['code.function'] = s.fn;
  if (s.fnName !== null) attrs['code.function.name'] = s.fnName;
  if (s.filePath !== null) attrs['code.file.path'] = s.filePath;
  if (s.filePathOld !== null) attrs['code.filepath'] = s.filePathOld;
  return codeRefFromAttributes(attrs);
}

interface ExactFn {
  readonly key: string;
  ref: CodeRef;
  readonly service: string | null;
  durations: number[];
  starts: number[];
  errors: number;
  readonly messages: Map<string, number>;
  /** Slowest few spans, descending duration. */
  readonly slowest: SpanHit[];
  /** Most recent few erroring spans. */
  readonly errorHits: SpanHit[];
}

const KEEP_HITS = 10;

/** One distinct combination of raw code attributes and the function it resolves to (null: none). */
interface RawEntry {
  readonly service: string | null;
  readonly namespace: string | null;
  readonly fn: string | null;
  readonly fnName: string | null;
  readonly filePath: string | null;
  readonly filePathOld: string | null;
  readonly target: ExactFn | null;
}

function hitOf(s: SpanSample): SpanHit {
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    name: s.name,
    startMs: s.startMs,
    durationMs: s.durationMs,
    status: s.status,
    statusMessage: s.statusMessage,
    service: s.service,
    rootServiceName: s.rootServiceName,
    rootTraceName: s.rootTraceName,
  };
}

/**
 * Exact per-function aggregation of individual spans. Resolves the code reference once per
 * distinct raw attribute combination (a response repeats the same few hundred), keeps the
 * durations for exact quantiles, and the slowest/erroring spans for drill-down.
 */
export class SpanAggregator {
  private readonly fns = new Map<string, ExactFn>();
  /** function attribute → the raw attribute combinations seen with it. */
  private readonly rawToFn = new Map<string, RawEntry[]>();
  private readonly seenSpans = new Set<string>();
  spans = 0;
  skipped = 0;

  /**
   * `dedupe`: drop spans already seen (same trace and span id), e.g. the same export read twice.
   * `keepHits`: slowest/erroring spans kept per function (drill-down from files; the search path
   * only needs a few example trace ids, Tempo answers its drill-downs).
   */
  constructor(private readonly dedupe = false, private readonly keepHits = KEEP_HITS) {}

  get functionCount(): number {
    return this.fns.size;
  }

  add(s: SpanSample): void {
    if (this.dedupe) {
      const id = `${s.traceId}${s.spanId}`;
      if (this.seenSpans.has(id)) return;
      this.seenSpans.add(id);
    }
    // Keyed by the function attribute, then a short scan comparing the other attributes: no key
    // string is built per span (this is the hot loop of a 50 MB search response).
    const head = s.fn ?? s.fnName ?? '';
    let bucket = this.rawToFn.get(head);
    if (bucket === undefined) {
      bucket = [];
      this.rawToFn.set(head, bucket);
    }
    let fn: ExactFn | null | undefined;
    for (let i = 0; i < bucket.length; i++) {
      const c = bucket[i] as RawEntry;
      if (c.service === s.service && c.namespace === s.namespace && c.fn === s.fn && c.fnName === s.fnName && c.filePath === s.filePath && c.filePathOld === s.filePathOld) {
        fn = c.target;
        break;
      }
    }
    if (fn === undefined) {
      const ref = sampleCodeRef(s);
      if (ref === null) {
        fn = null;
      } else {
        const key = functionKey(ref, s.service);
        fn = this.fns.get(key);
        if (fn === undefined) {
          fn = { key, ref, service: s.service, durations: [], starts: [], errors: 0, messages: new Map(), slowest: [], errorHits: [] };
          this.fns.set(key, fn);
        }
      }
      bucket.push({ service: s.service, namespace: s.namespace, fn: s.fn, fnName: s.fnName, filePath: s.filePath, filePathOld: s.filePathOld, target: fn });
    }
    if (fn === null) {
      this.skipped++;
      return;
    }
    this.spans++;
    if (fn.ref.line === null && s.line !== null) fn.ref = { ...fn.ref, line: s.line };
    const d = s.durationMs;
    fn.durations.push(d);
    fn.starts.push(s.startMs);
    if (s.status === 'error') {
      fn.errors++;
      const msg = s.statusMessage ?? '';
      if (msg !== '' && (fn.messages.size < 100 || fn.messages.has(msg))) fn.messages.set(msg, (fn.messages.get(msg) ?? 0) + 1);
      if (fn.errorHits.length < this.keepHits) fn.errorHits.push(hitOf(s));
      else {
        // Keep the most recent errors.
        let oldest = 0;
        for (let i = 1; i < fn.errorHits.length; i++) if ((fn.errorHits[i] as SpanHit).startMs < (fn.errorHits[oldest] as SpanHit).startMs) oldest = i;
        if ((fn.errorHits[oldest] as SpanHit).startMs < s.startMs) fn.errorHits[oldest] = hitOf(s);
      }
    }
    const sl = fn.slowest;
    if (sl.length < this.keepHits || d > (sl[sl.length - 1] as SpanHit).durationMs) {
      let i = sl.length;
      while (i > 0 && (sl[i - 1] as SpanHit).durationMs < d) i--;
      sl.splice(i, 0, hitOf(s));
      if (sl.length > this.keepHits) sl.pop();
    }
  }

  /** Slowest and erroring spans seen for one function (drill-down without a server). */
  hits(key: string): { slowest: SpanHit[]; errors: SpanHit[] } {
    const fn = this.fns.get(key);
    if (fn === undefined) return { slowest: [], errors: [] };
    return { slowest: [...fn.slowest], errors: [...fn.errorHits].sort((a, b) => b.startMs - a.startMs) };
  }

  /**
   * The figures over `window` (rate and sparkline grid). `sample` applies to every function:
   * for search it is the sample size vs the spans Tempo said matched.
   */
  finish(opts: { window: TimeWindow; origin: StatsOrigin; stepMs: number; sampled: boolean }): FunctionStats[] {
    const { window, origin, stepMs } = opts;
    const seconds = Math.max(1, (window.endMs - window.startMs) / 1000);
    const rawSteps = Math.max(1, Math.ceil((window.endMs - window.startMs) / stepMs));
    const pointMs = stepMs * stepsPerPoint(rawSteps);
    const steps = Math.max(1, Math.ceil((window.endMs - window.startMs) / pointMs));
    const nullPoints: SeriesPoint[] = [];
    for (let i = 0; i < steps; i++) nullPoints.push(Object.freeze({ t: window.startMs + i * pointMs, v: null }));
    const out: FunctionStats[] = [];
    // Scratch buffers shared by all functions (thousands of small typed arrays cost more than the sorting).
    let maxN = 0;
    for (const fn of this.fns.values()) maxN = Math.max(maxN, fn.durations.length);
    const sortBuf = new Float64Array(maxN);
    const slot = new Int32Array(maxN);
    const byPoint = new Float64Array(maxN);
    const offsets = new Int32Array(steps + 1);
    const fill = new Int32Array(steps);
    for (const fn of this.fns.values()) {
      const n = fn.durations.length;
      for (let i = 0; i < n; i++) sortBuf[i] = fn.durations[i] as number;
      const sorted = sortBuf.subarray(0, n).sort();
      const p50 = exactQuantile(sorted, 0.5);
      const p95 = exactQuantile(sorted, 0.95);
      const p99 = exactQuantile(sorted, 0.99);
      // Counting sort of the durations by sparkline point, then a typed-array sort per point.
      offsets.fill(0);
      for (let i = 0; i < n; i++) {
        const k = Math.floor(((fn.starts[i] as number) - window.startMs) / pointMs);
        slot[i] = k >= 0 && k < steps ? k : -1;
        if (k >= 0 && k < steps) offsets[k + 1] = (offsets[k + 1] as number) + 1;
      }
      for (let k = 0; k < steps; k++) offsets[k + 1] = (offsets[k + 1] as number) + (offsets[k] as number);
      for (let k = 0; k < steps; k++) fill[k] = offsets[k] as number;
      for (let i = 0; i < n; i++) {
        const k = slot[i] as number;
        if (k < 0) continue;
        byPoint[fill[k] as number] = fn.durations[i] as number;
        fill[k] = (fill[k] as number) + 1;
      }
      const latencySeries: SeriesPoint[] = [];
      for (let k = 0; k < steps; k++) {
        const from = offsets[k] as number;
        const to = offsets[k + 1] as number;
        if (to === from) {
          latencySeries.push(nullPoints[k] as SeriesPoint);
          continue;
        }
        const seg = byPoint.subarray(from, to).sort();
        latencySeries.push(point((nullPoints[k] as SeriesPoint).t, exactQuantile(seg, 0.95) as number));
      }
      const examples: string[] = [];
      for (const h of fn.slowest) if (!examples.includes(h.traceId) && examples.length < MAX_EXAMPLES) examples.push(h.traceId);
      out.push({
        key: fn.key,
        codeRef: fn.ref,
        service: fn.service,
        origin,
        window,
        calls: n,
        ratePerSec: n / seconds,
        errors: fn.errors,
        errorRate: n > 0 ? fn.errors / n : 0,
        p50Ms: p50,
        p95Ms: p95,
        p99Ms: p99,
        quantilesApproximate: false,
        sample: opts.sampled ? { spans: n, matched: null } : null,
        latencySeries,
        topErrors: [...fn.messages].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, MAX_TOP_ERRORS).map(([message, count]) => ({ message, count })),
        exampleTraceIds: examples,
      });
    }
    return out;
  }
}

/** Default ordering of hot spots: slowest p95 first, then error rate, then calls, then name. */
export function compareHotspots(a: FunctionStats, b: FunctionStats): number {
  const pa = a.p95Ms ?? -1;
  const pb = b.p95Ms ?? -1;
  if (pa !== pb) return pb - pa;
  if (a.errorRate !== b.errorRate) return b.errorRate - a.errorRate;
  if (a.calls !== b.calls) return b.calls - a.calls;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** Ordering by error rate (then errors, then p95). */
export function compareByErrors(a: FunctionStats, b: FunctionStats): number {
  if (a.errorRate !== b.errorRate) return b.errorRate - a.errorRate;
  if (a.errors !== b.errors) return b.errors - a.errors;
  return compareHotspots(a, b);
}
