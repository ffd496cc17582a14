// Per-function statistics from Tempo: TraceQL metrics (fixed query count, chunked), search fallback, drill-down.
import type { CodeRef, FunctionStats, SpanHit, StatsSnapshot, TimeWindow } from '../shared/model';
import { forEachSearchSpan, matchedOf, spanHitOf, spanInWindow, wantsRecentSearch, type SearchSpanFields } from '../core/search';
import { compareHotspots, MetricsAccumulator, sampleCodeRef, SpanAggregator } from '../core/stats';
import { formatCodeRef } from '../core/codeRef';
import { alignWindow, defaultMetricsCapMs, maxRangeFromError, metricsChunks, metricsEndCutoffMs, metricsSettleMs, metricsWindowFor, searchSeconds, searchSlicesFor, sliceWindow, stepFor, tempoMajor } from '../core/timeRange';
import { checkFilter, codeSpansProbeQuery, drillDownQuery, metricsQueries, regexEscape, statsSearchQuery, stringLiteral, type MetricsQuery, type StatsQueryOptions } from '../core/traceql';
import type { QueryRangeResponse, SearchResponse } from '../core/wire';
import type { TempoQueries } from './client';
import { isTempoError, TempoError } from './errors';

import type { DrillDown, StatsRequest } from '../core/source';

export type { DrillDown, StatsRequest };

/** Where per-function statistics come from: a Tempo server or OTLP files. */
export interface StatsSource {
  load(req: StatsRequest, signal: AbortSignal): Promise<StatsSnapshot>;
  drillDown(ref: CodeRef, service: string | null, window: TimeWindow, signal: AbortSignal): Promise<DrillDown>;
}

/** The subset of TempoQueries the statistics need (TempoClient or CachedTempoClient; kept narrow so the source is easy to reason about). */
export type StatsClient = Pick<TempoQueries, 'capabilities' | 'search' | 'metricsQueryRange'> & {
  noteMetricsUnavailable?(reason: string): void;
};

export interface TempoStatsSourceOptions {
  /** `auto` (metrics, else search), or force one path. Default `auto`. */
  readonly mode?: 'auto' | 'metrics' | 'search';
  /** Parallel requests per refresh. Default 4. */
  readonly concurrency?: number;
  /** Search fallback: traces per slice (default 500), spans per span set (default 100, Tempo's max before 2.10). */
  readonly searchLimit?: number;
  readonly searchSpss?: number;
  /** Search fallback: number of slices of the window (default by window length, 3–12). */
  readonly searchSlices?: number;
  /** Known metrics range cap in ms; default from the version (3 h for 2.x, 24 h for 3.x), learned from 400s. */
  readonly maxMetricsRangeMs?: number;
  /** Spans kept per drill-down list (default 10). */
  readonly drillDownLimit?: number;
  /** How long a "metrics unavailable" verdict holds before metrics are tried again (default 10 min). */
  readonly metricsRetryMs?: number;
  /**
   * Tempo refused a query Tempo Lens built (not the user's filter, not a range limit): a bug of
   * ours, told with the query so it can be reported. The composition root logs it.
   */
  readonly onQueryRefused?: (query: string, answer: string) => void;
  readonly now?: () => number;
}

export const ENABLE_METRICS_HINT =
  "Per-function figures come from a sampled search because Tempo's TraceQL metrics returned nothing usable. " +
  "To get complete figures, enable the metrics-generator's local-blocks processor and let it count internal spans: " +
  "metrics_generator: { processor: { local_blocks: { filter_server_spans: false, flush_to_storage: true } } } and " +
  "overrides: { defaults: { metrics_generator: { processors: [local-blocks] } } } (Tempo 2.4+).";


/**
 * Metrics counted some functions but not spans that search finds (no "enable local-blocks" advice:
 * metrics work). On 2.x the metrics-generator drops spans that reach it more than
 * `metrics_ingestion_time_range_slack` (30 s) after they ended: a collector's batching or tail
 * sampling, a replay, an outage caught up.
 */
export function partialMetricsNote(missed: Pick<SearchSpanFields, 'namespace' | 'fn' | 'fnName' | 'service'>, version: string | null): string {
  const ref = sampleCodeRef({ ...missed, filePath: null, filePathOld: null });
  const example = ref === null ? '' : ` (e.g. ${formatCodeRef(ref)}${missed.service === null ? '' : ` in ${missed.service}`})`;
  const cause =
    tempoMajor(version) >= 3
      ? 'Spans that reach Tempo late (a collector\'s batching or tail sampling, a replay) can be missing from its metrics.'
      : "Tempo 2.x's metrics-generator drops spans that reach it more than 30 s after they ended (a collector's batching or tail sampling, a replay): " +
        'raise metrics_generator.metrics_ingestion_time_range_slack, or send spans sooner; tempo_metrics_generator_spans_discarded_total{reason="outside_metrics_ingestion_slack"} counts them.';
  return `TraceQL metrics did not count spans that search finds in this window${example}, so figures come from a sampled search. ${cause}`;
}

/** The answers of a Tempo whose metrics-generator / local-blocks processor is off (PITFALLS 2). */
const MISSING_PROCESSOR = /local.?blocks|metrics.?generator|processor (is )?not (configured|enabled|found)/i;

const oneLine = (text: string): string => {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > 200 ? `${t.slice(0, 199)}…` : t;
};

/** Errors after which the search fallback can still give figures (as opposed to auth/network failures). */
function metricsFailureIsRecoverable(e: unknown): e is TempoError {
  if (!isTempoError(e)) return false;
  return ['badRequest', 'notFound', 'wrongPath', 'server', 'malformed', 'tooLarge', 'timeout'].includes(e.kind);
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new TempoError('aborted', 'The request was cancelled.');
}

/** Runs tasks with bounded parallelism; the first failure aborts the rest (through `inner`). */
async function runBounded<T>(tasks: readonly ((signal: AbortSignal) => Promise<T>)[], limit: number, signal: AbortSignal): Promise<T[]> {
  const inner = new AbortController();
  const onAbort = (): void => inner.abort(signal.reason);
  if (signal.aborted) inner.abort(signal.reason);
  else signal.addEventListener('abort', onAbort, { once: true });
  const results = new Array<T>(tasks.length);
  let next = 0;
  let failure: { e: unknown } | null = null;
  const worker = async (): Promise<void> => {
    while (failure === null && next < tasks.length) {
      const i = next++;
      try {
        results[i] = await (tasks[i] as (s: AbortSignal) => Promise<T>)(inner.signal);
      } catch (e) {
        if (failure === null) failure = { e };
        inner.abort(e);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, tasks.length)) }, worker));
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  if (failure !== null) throw (failure as { e: unknown }).e;
  return results;
}

export class TempoStatsSource implements StatsSource {
  private readonly opts: Required<Omit<TempoStatsSourceOptions, 'maxMetricsRangeMs' | 'searchSlices' | 'onQueryRefused'>> & {
    searchSlices: number | undefined;
    onQueryRefused: ((query: string, answer: string) => void) | undefined;
  };
  /** The metrics query the last `badRequest` answered (for the product-bug report). */
  private refusedQuery: string | null = null;
  private maxRangeMs: number | undefined;
  private metricsUnavailableUntil = 0;
  /** Duration figures from `histogram_over_time` (mergeable across steps and chunks) until the server refuses it. */
  private durationKind: 'histogram' | 'quantiles' = 'histogram';
  private coarsenFor: { baseStep: number; coarsen: number } | undefined;
  private hintShown = false;
  /** The server's version (Tempo 3 counts one step into the range it checks against its limit). */
  private serverVersion: string | null = null;
  private lastFilter = '';

  constructor(private readonly client: StatsClient, options: TempoStatsSourceOptions = {}) {
    this.opts = {
      mode: options.mode ?? 'auto',
      concurrency: Math.max(1, options.concurrency ?? 4),
      searchLimit: Math.max(1, options.searchLimit ?? 500),
      searchSpss: Math.max(1, Math.min(100, options.searchSpss ?? 100)),
      searchSlices: options.searchSlices,
      drillDownLimit: Math.max(1, options.drillDownLimit ?? 10),
      metricsRetryMs: options.metricsRetryMs ?? 10 * 60_000,
      now: options.now ?? Date.now,
      onQueryRefused: options.onQueryRefused,
    };
    this.maxRangeMs = options.maxMetricsRangeMs;
  }

  /** The metrics range cap in use (learned from the server when it refused a longer range). */
  get metricsRangeCapMs(): number | undefined {
    return this.maxRangeMs;
  }

  async load(req: StatsRequest, signal: AbortSignal): Promise<StatsSnapshot> {
    const check = checkFilter(req.filter);
    if (!check.ok) throw new TempoError('badRequest', `tempoLens.filter is not valid: ${check.error}`);
    this.lastFilter = check.conditions;
    const caps = await this.client.capabilities(signal);
    throwIfAborted(signal);
    const q: StatsQueryOptions = { filter: check.conditions, services: req.services, scopedIntrinsics: caps.scopedIntrinsics };
    const notes: string[] = [];
    const wantMetrics =
      this.opts.mode === 'metrics' ||
      (this.opts.mode === 'auto' && caps.traceqlMetrics !== false && this.opts.now() >= this.metricsUnavailableUntil);

    if (wantMetrics) {
      if (this.maxRangeMs === undefined) this.maxRangeMs = defaultMetricsCapMs(caps.version);
      this.serverVersion = caps.version;
      // Tempo 3 leaves the newest 30 s out of every metrics answer (query_end_cutoff): end the
      // window there, so rates and the window shown are what was counted.
      const cutoffMs = metricsEndCutoffMs(caps.version);
      const metricsWindow = metricsWindowFor(req.window, caps.version, this.opts.now());
      try {
        const cutNote = metricsWindow === req.window ? [] : [`Tempo ${caps.version ?? '3'} counts spans in metrics only once they are ${cutoffMs / 1000} s old: the window ends ${cutoffMs / 1000} s ago.`];
        const snap = await this.loadMetrics(metricsWindow, q, signal, cutNote);
        if (this.opts.mode === 'metrics') return snap;
        // Empty metrics: nothing happened, or metrics cannot see these spans (PITFALLS 2). Some
        // functions: metrics may still have left others out (spans that arrived late). Ask search.
        const missed = await this.uncountedSpan(req.window, snap.functions, q, caps.version, signal);
        if (missed === null) return snap;
        this.metricsUnavailableUntil = this.opts.now() + this.opts.metricsRetryMs;
        notes.push(snap.functions.length === 0 ? this.fallbackNote('TraceQL metrics returned no series for spans that search does find') : partialMetricsNote(missed, caps.version));
      } catch (e) {
        if (signal.aborted || !metricsFailureIsRecoverable(e) || this.opts.mode === 'metrics') throw e;
        // A TraceQL parse error with a filter set comes from the filter: search would fail the
        // same way, and metrics must not be written off for it.
        if (e.traceqlPosition !== undefined && check.conditions !== '') throw e;
        this.metricsUnavailableUntil = this.opts.now() + this.opts.metricsRetryMs;
        const answer = e.body ?? e.message;
        if (e.kind === 'badRequest' && !MISSING_PROCESSOR.test(answer) && maxRangeFromError(answer) === null) {
          // Our own query, refused: a Tempo Lens bug (PITFALLS 12) — no server advice.
          this.opts.onQueryRefused?.(this.refusedQuery ?? '(unknown query)', answer);
          notes.push(`Tempo refused a TraceQL-metrics query that Tempo Lens built (${oneLine(answer)}). This is a bug in Tempo Lens, not a server setting: please report it with the query from the log. Figures below come from a sampled search.`);
        } else if (MISSING_PROCESSOR.test(answer)) {
          this.client.noteMetricsUnavailable?.(answer);
          notes.push(this.fallbackNote(`TraceQL metrics are not enabled on this Tempo (${oneLine(answer)})`));
        } else {
          notes.push(`TraceQL metrics failed (${e.message}); figures below come from a sampled search.`);
        }
      }
    } else if (this.opts.mode === 'auto' && caps.traceqlMetrics === false) {
      notes.push(this.fallbackNote(`Tempo ${caps.version ?? ''} cannot run TraceQL metrics`.replace('  ', ' ')));
    }
    return this.loadSearch(req.window, q, notes, signal);
  }

  /**
   * A span with code attributes that search finds and the metrics did not count, or null: one
   * small ranged search. With nothing counted, over the whole window; else without the window's
   * recent end (`metricsSettleMs`), so a refresh does not take spans metrics have not reached yet
   * for missed ones.
   */
  private async uncountedSpan(window: TimeWindow, counted: readonly FunctionStats[], q: StatsQueryOptions, version: string | null, signal: AbortSignal): Promise<SearchSpanFields | null> {
    const query = codeSpansProbeQuery(q, counted);
    if (query === null) return null;
    // Cut from the window's end, not from the clock: the same window asks the same probe (the query cache joins it).
    const settle = metricsSettleMs(version);
    const probed = counted.length === 0 || window.endMs <= this.opts.now() - settle ? window : { startMs: window.startMs, endMs: window.endMs - settle };
    if (probed.endMs - probed.startMs < 1000) return null;
    const resp = await this.client.search(
      { q: query, ...searchSeconds(probed), limit: 1, spss: 1 },
      signal,
    );
    let found: SearchSpanFields | null = null;
    forEachSearchSpan(resp, (f) => {
      found ??= { ...f };
    });
    return found;
  }

  private fallbackNote(reason: string): string {
    if (this.hintShown) return `${reason}; figures come from a sampled search.`;
    this.hintShown = true;
    return `${reason}. ${ENABLE_METRICS_HINT}`;
  }

  /** Metrics path: 5 queries per chunk whatever the number of functions; chunks sized to the server's cap. */
  private async loadMetrics(window: TimeWindow, q: StatsQueryOptions, signal: AbortSignal, extraNotes: readonly string[] = []): Promise<StatsSnapshot> {
    const baseStep = stepFor(window);
    // Remembered per window length, so a refresh does not hit the size limit again.
    let coarsen = this.coarsenFor?.baseStep === baseStep ? this.coarsenFor.coarsen : 1;
    for (let attempt = 0; ; attempt++) {
      // Every step divides the next chunk boundary: coarser steps stay multiples of the base step.
      const step = baseStep * coarsen;
      const aligned = alignWindow(window, step);
      const stepArg = `${Math.round(step / 1000)}s`;
      const cap = this.maxRangeMs ?? Infinity;
      const chunks = metricsChunks(aligned, cap, step, this.serverVersion);
      type Part = { readonly query: MetricsQuery; readonly resp: QueryRangeResponse };
      const tasks: ((s: AbortSignal) => Promise<Part>)[] = [];
      for (const c of chunks) {
        const params = { start: c.startMs / 1000, end: c.endMs / 1000, step: stepArg };
        for (let k = 0; k < metricsQueries(q, this.durationKind).length; k++) {
          tasks.push(async (s) => {
            const query = metricsQueries(q, this.durationKind)[k] as MetricsQuery;
            try {
              return { query, resp: await this.client.metricsQueryRange({ ...params, q: query.q }, s) };
            } catch (e) {
              if (isTempoError(e) && e.kind === 'badRequest') this.refusedQuery = query.q;
              if (query.kind === 'histogram' && isTempoError(e) && e.kind === 'badRequest' && maxRangeFromError(e.body ?? '') === null &&
                  (e.traceqlPosition !== undefined || /histogram/i.test(e.body ?? ''))) {
                // No histogram_over_time here (before 2.5, some gateways): per-step quantiles instead,
                // still one query per chunk, merged by call-weighting.
                this.durationKind = 'quantiles';
                const fallback = metricsQueries(q, 'quantiles')[k] as MetricsQuery;
                return { query: fallback, resp: await this.client.metricsQueryRange({ ...params, q: fallback.q }, s) };
              }
              throw e;
            }
          });
        }
      }
      let results: Part[];
      try {
        results = await runBounded(tasks, this.opts.concurrency, signal);
      } catch (e) {
        const learned = isTempoError(e) && e.kind === 'badRequest' ? maxRangeFromError(e.body ?? e.message) : null;
        // A limit below ours is learned; one equal to ours means a chunk at the limit was still
        // too long for this server's way of counting: one step less.
        const next = learned === null ? null : learned < cap ? learned : cap - step;
        if (next !== null && attempt < 6 && next >= step && next < cap) {
          this.maxRangeMs = next;
          continue;
        }
        // Thousands of functions × every step can outgrow the response cap: fewer, wider steps
        // shrink every series (the request count stays the same).
        const coarser = coarsen * 4;
        if (isTempoError(e) && e.kind === 'tooLarge' && attempt < 6 && baseStep * coarser <= Math.min(cap, aligned.endMs - aligned.startMs)) {
          coarsen = coarser;
          this.coarsenFor = { baseStep, coarsen };
          continue;
        }
        throw e;
      }
      const acc = new MetricsAccumulator(aligned, step);
      // Chronological order keeps the per-series step lists sorted (cheap boundary de-duplication).
      for (const r of results) acc.add(r.query.kind, r.resp, r.query.generation);
      const notes: string[] = [...extraNotes];
      notes.push(
        this.durationKind === 'histogram'
          ? 'Percentiles are estimates from TraceQL metrics (log2 duration buckets): within a factor of two of the true value.'
          : 'Percentiles are estimates from TraceQL metrics: rebuilt from per-step quantiles weighted by calls (this Tempo has no histogram_over_time), within about a factor of two.',
      );
      if (coarsen > 1) notes.push(`The latency series uses ${Math.round(step / 60_000)}-minute steps: finer steps made Tempo's answer too large for this many functions.`);
      if (chunks.length > 1) notes.push(`The window was queried in ${chunks.length} chunks of at most ${formatHours(this.maxRangeMs ?? 0)} (the server's TraceQL-metrics range limit).`);
      if (acc.partialMessage !== null) notes.push(`Tempo truncated the metrics (${acc.partialMessage}); narrow tempoLens.filter to see every function.`);
      const functions = acc.finish().sort(compareHotspots);
      return { window: aligned, origin: 'metrics', functions, notes };
    }
  }

  /** Search fallback: the window in slices (search is "first N found"), exact percentiles over the sample. */
  private async loadSearch(window: TimeWindow, q: StatsQueryOptions, notes: string[], signal: AbortSignal): Promise<StatsSnapshot> {
    const slices = sliceWindow(window, this.opts.searchSlices ?? searchSlicesFor(window));
    const query = statsSearchQuery(q);
    // Slices overlap at their edges (search returns traces that overlap the range): skip a trace
    // an earlier slice already delivered, at trace level (cheaper than a per-span id set).
    const agg = new SpanAggregator(false, 5);
    const seenTraces = new Set<string>();
    let spans = 0;
    let matched = 0;
    let truncatedSlices = 0;
    /** Aggregates an answer as it lands (the response can be dropped right after): its traces no earlier answer delivered, their spans that `keep` accepts. */
    const absorb = (resp: SearchResponse, keep: (f: SearchSpanFields) => boolean): void => {
      const fresh: string[] = [];
      forEachSearchSpan(resp, (f) => {
        if (keep(f)) agg.add(f);
      }, (id) => {
        if (seenTraces.has(id)) return true;
        fresh.push(id);
        return false;
      });
      for (const id of fresh) seenTraces.add(id);
    };
    const tasks = slices.map((sl) => async (s: AbortSignal) => {
      const resp = await this.client.search(
        { q: query, ...searchSeconds(sl), limit: this.opts.searchLimit, spss: this.opts.searchSpss },
        s,
      );
      absorb(resp, () => true);
      const m = matchedOf(resp);
      spans += m.spans;
      matched += m.matched;
      if (resp.traces.length >= this.opts.searchLimit) truncatedSlices++;
      return null;
    });
    // Over recent data the same search without start/end too, its spans kept to the window: a ranged
    // search leaves spans that arrived late out for minutes. Best effort: it only adds to the slices
    // (first: it spans the whole window, and concurrent loads through the query cache join it).
    if (wantsRecentSearch(window, this.opts.now())) {
      tasks.unshift(async (s: AbortSignal) => {
        const resp = await this.client.search({ q: query, limit: this.opts.searchLimit, spss: this.opts.searchSpss }, s).catch((e: unknown) => (s.aborted ? Promise.reject(e) : null));
        if (resp !== null) absorb(resp, (f) => spanInWindow(f, window));
        return null;
      });
    }
    await runBounded(tasks, this.opts.concurrency, signal);
    const complete = truncatedSlices === 0 && matched <= spans;
    const step = stepFor(window);
    const fns = agg.finish({ window, origin: 'search', stepMs: step, sampled: true }).map((f) =>
      complete ? { ...f, sample: { spans: f.calls, matched: f.calls } } : f,
    );
    fns.sort(compareHotspots);
    if (complete) notes.push(`Figures from search: all ${agg.spans} matching spans in the window were read; percentiles are exact.`);
    else notes.push(`Figures are sampled: ${agg.spans} spans of ≥${Math.max(matched, agg.spans)} matched (${slices.length} slices of the window, ${this.opts.searchLimit} traces each); percentiles are exact over the sample.`);
    return { window, origin: 'search', functions: fns, notes };
  }

  /**
   * Exact figures for the functions of one namespace or file (PITFALLS 1: metrics quantiles are
   * log2 estimates; the methods of the file in front of the user deserve exact ones). One sliced
   * search narrowed to that scope; the result says it is a sample when it is one.
   */
  async refine(req: StatsRequest & { readonly namespace?: string; readonly filePath?: string }, signal: AbortSignal): Promise<StatsSnapshot> {
    const check = checkFilter(req.filter);
    if (!check.ok) throw new TempoError('badRequest', `tempoLens.filter is not valid: ${check.error}`);
    const caps = await this.client.capabilities(signal);
    const scope: string[] = [];
    if (req.namespace !== undefined) {
      const ns = stringLiteral(req.namespace);
      // Old attributes carry the namespace; new ones fold it into code.function.name.
      scope.push(`(span.code.namespace = ${ns} || span.code.function.name =~ ${stringLiteral(`${regexEscape(req.namespace)}(\\.|::|#|:|/).*`)})`);
    }
    if (req.filePath !== undefined) {
      const fp = stringLiteral(req.filePath);
      scope.push(`(span.code.file.path = ${fp} || span.code.filepath = ${fp})`);
    }
    const filter = [check.conditions, ...scope].filter((c) => c !== '').map((c) => `(${c})`).join(' && ');
    return this.loadSearch(req.window, { filter, services: req.services, scopedIntrinsics: caps.scopedIntrinsics }, [], signal);
  }

  /**
   * One function's slowest spans (search is not sorted: a duration threshold is raised until the
   * result is complete, at most 4 searches) and its most recent erroring spans.
   */
  async drillDown(ref: CodeRef, service: string | null, window: TimeWindow, signal: AbortSignal): Promise<DrillDown> {
    const caps = await this.client.capabilities(signal);
    const k = this.opts.drillDownLimit;
    const limit = Math.max(20, k * 5);
    const base = { scopedIntrinsics: caps.scopedIntrinsics, filter: this.lastFilter };
    const { start, end } = searchSeconds(window);

    const slowest = async (): Promise<SpanHit[]> => {
      const best = new Map<string, SpanHit>();
      let threshold: number | undefined;
      for (let round = 0; round < 4; round++) {
        const resp = await this.client.search({ q: drillDownQuery(ref, service, { ...base, minDurationMs: threshold }), start, end, limit, spss: 100 }, signal);
        forEachSearchSpan(resp, (f) => {
          const id = `${f.traceId}${f.spanId}`;
          if (!best.has(id)) best.set(id, spanHitOf(f));
        });
        const m = matchedOf(resp);
        const truncated = resp.traces.length >= limit || m.matched > m.spans;
        if (!truncated) break;
        const sorted = [...best.values()].sort((a, b) => b.durationMs - a.durationMs);
        const kth = sorted[k - 1]?.durationMs;
        if (kth === undefined || kth <= (threshold ?? 0)) break;
        threshold = kth;
      }
      return [...best.values()].sort((a, b) => b.durationMs - a.durationMs).slice(0, k);
    };
    const errors = async (): Promise<SpanHit[]> => {
      const resp = await this.client.search({ q: drillDownQuery(ref, service, { ...base, errorsOnly: true }), start, end, limit, spss: 100 }, signal);
      const hits: SpanHit[] = [];
      forEachSearchSpan(resp, (f) => {
        if (f.status === 'error' || f.statusMessage !== null) hits.push(spanHitOf({ ...f, status: 'error' }));
      });
      return hits.sort((a, b) => b.startMs - a.startMs).slice(0, k);
    };
    const [s, e] = await Promise.all([slowest(), errors()]);
    return { slowest: s, errors: e };
  }
}

function formatHours(ms: number): string {
  const h = ms / 3_600_000;
  return Number.isInteger(h) ? `${h} h` : `${Math.round(ms / 60_000)} min`;
}
