// Trace insights (caller-timeout, cache-stampede, n-plus-one) from sampled traces: one sampling search (or drill-downs) → trace fetch (once per trace, shared, bounded) → detectors over all of them → findings per function. No vscode.
import type { CodeRef, FunctionStats, Insight, SpanHit, TimeWindow, Trace } from '../shared/model';
import { cacheStampedeInsight, detectCacheStampedes, type CacheStampedeFinding } from '../core/insights/cacheStampede';
import { callerTimeoutInsight, detectCallerTimeouts, type CallerTimeoutFinding } from '../core/insights/callerTimeout';
import { detectNPlusOne, nPlusOneInsight, type NPlusOneFinding } from '../core/insights/nPlusOne';
import { chooseTraces, mergeHits, samplingQuery, type SampleHit, type TraceBudget } from '../core/insights/sampling';
import { parseTraceBody } from '../core/otlp';
import { forEachSearchSpan, spanHitOf, wantsRecentSearch } from '../core/search';
import { searchSeconds } from '../core/timeRange';
import { checkFilter } from '../core/traceql';
import { formatCodeRef } from '../core/codeRef';
import { functionKey } from '../core/stats';
import type { StatsRequest, TelemetrySource } from '../core/source';
import type { SearchResponse, TempoQueries } from './client';
import { TraceSampleCache } from './traceSamples';

/** Detector findings of one function, kept for the quick fixes (they need the evidence, not just the message). */
export interface FunctionFindings {
  readonly insights: readonly Insight[];
  readonly callerTimeout: CallerTimeoutFinding | null;
  readonly cacheStampede: CacheStampedeFinding | null;
  readonly nPlusOne: NPlusOneFinding | null;
  /**
   * One line for the hover of a method related to findings elsewhere (the caller that gave up, the
   * caller of the cached method) — never a diagnostic. Null when there is none.
   */
  readonly related: string | null;
}

/** A function to sample traces for; its p50 (when known) narrows the sampling search to its slower half. */
export interface InsightTarget {
  readonly codeRef: CodeRef;
  readonly service: string | null;
  readonly p50Ms?: number | null;
}

/** Trace ids worth analysing for a set of functions, chosen within a budget (one search for all of them). */
export type InsightSampler = (targets: readonly InsightTarget[], signal: AbortSignal) => Promise<readonly string[]>;

/** The slowest and erroring spans of one function (StatsSource.drillDown, or the store's cached one). */
export type InsightDrillDown = (ref: CodeRef, service: string | null, signal: AbortSignal) => Promise<{ readonly slowest: readonly SpanHit[]; readonly errors: readonly SpanHit[] }>;

/** A trace by id, parsed; null when the source does not have it. */
export type InsightTraceFetch = (traceId: string, signal: AbortSignal) => Promise<Trace | null>;

export interface SampleInsightsOptions {
  /** Functions analysed, in the order given. Default 12. */
  readonly maxFunctions?: number;
  /** Drill-down sampling: distinct traces taken per function. Default 10. */
  readonly tracesPerFunction?: number;
  /** Distinct traces fetched in all, whichever way they were sampled. Default 60. */
  readonly maxTraces?: number;
  /** Traces fetched at the same time. Default 3: enough to be quick, few enough not to crowd out other requests. */
  readonly concurrency?: number;
  /** Bound of the whole sampling; what was analysed by then is returned (`timedOut`). Default 60 s. */
  readonly timeoutMs?: number;
  /** A function whose drill-down or traces failed is skipped; this hears why. */
  readonly onSkip?: (target: InsightTarget, error: unknown) => void;
}

export interface InsightsResult {
  /** Findings per `functionKey(codeRef, service)`: also for functions other than the targets (a handler found from its caller's traces). */
  readonly findings: ReadonlyMap<string, FunctionFindings>;
  /** Functions whose traces were analysed. */
  readonly analysed: number;
  /** Distinct traces the detectors saw. */
  readonly tracesExamined: number;
  /** The time bound ended the sampling early. */
  readonly timedOut: boolean;
}

/** Accumulates detector findings per function; per function the strongest evidence wins. */
export class FindingsCollector {
  private readonly byKey = new Map<string, FunctionFindings>();

  get findings(): ReadonlyMap<string, FunctionFindings> {
    return this.byKey;
  }

  /** Runs the detectors over one set of traces (one function's sample, or every trace of the files). */
  analyse(traces: readonly Trace[], sampled = true): void {
    if (traces.length === 0) return;
    for (const f of detectCallerTimeouts(traces, { sampled }).findings) {
      const existing = this.byKey.get(functionKey(f.codeRef, f.service))?.callerTimeout;
      if (existing && existing.tracesAffected >= f.tracesAffected) continue;
      this.merge(f.codeRef, f.service, { callerTimeout: f }, callerTimeoutInsight(f));
      if (f.callerRef !== null) this.relate(f.callerRef, f.callerService, `caller-timeout on ${formatCodeRef(f.codeRef)}${svc(f.service)}: it ran on after this method gave up`);
    }
    for (const f of detectCacheStampedes(traces).findings) {
      // A hot-set reload is not something the cache-sync fix helps with: not reported as an insight.
      if (f.kind !== 'stampede') continue;
      const existing = this.byKey.get(functionKey(f.codeRef, f.service))?.cacheStampede;
      if (existing && existing.maxExecutions >= f.maxExecutions) continue;
      this.merge(f.codeRef, f.service, { cacheStampede: f }, cacheStampedeInsight(f));
      if (f.callerRef !== null) this.relate(f.callerRef, f.service, `cache-stampede in ${formatCodeRef(f.codeRef)}${svc(f.service)}, called from here`);
    }
    for (const f of detectNPlusOne(traces, { sampled }).findings) {
      const existing = this.byKey.get(functionKey(f.codeRef, f.service))?.nPlusOne;
      if (existing && existing.medianTotalMs * existing.tracesAffected >= f.medianTotalMs * f.tracesAffected) continue;
      this.merge(f.codeRef, f.service, { nPlusOne: f }, nPlusOneInsight(f));
    }
  }

  /** Related lines are kept apart and joined when read, so a later finding on the same method drops them. */
  private readonly relatedLines = new Map<string, string[]>();

  private relate(ref: CodeRef, service: string | null, line: string): void {
    const k = functionKey(ref, service);
    const lines = this.relatedLines.get(k) ?? [];
    if (!lines.includes(line)) lines.push(line);
    this.relatedLines.set(k, lines);
    const prev = this.byKey.get(k) ?? EMPTY;
    this.byKey.set(k, { ...prev, related: relatedLine(lines, prev) });
  }

  private merge(ref: CodeRef, service: string | null, patch: Partial<FunctionFindings>, insight: Insight): void {
    const k = functionKey(ref, service);
    const prev = this.byKey.get(k) ?? EMPTY;
    // A stronger finding of the same kind replaces the weaker one's insight.
    const next = { ...prev, ...patch, insights: [...prev.insights.filter((i) => i.kind !== insight.kind), insight] };
    this.byKey.set(k, { ...next, related: relatedLine(this.relatedLines.get(k) ?? [], next) });
  }
}

const EMPTY: FunctionFindings = { insights: [], callerTimeout: null, cacheStampede: null, nPlusOne: null, related: null };

function svc(service: string | null): string {
  return service !== null ? ` (${service})` : '';
}

/** At most one line: the first two related findings, of kinds this method has no finding of itself. */
function relatedLine(lines: readonly string[], own: FunctionFindings): string | null {
  const kinds = new Set(own.insights.map((i) => i.kind));
  const keep = lines.filter((l) => !kinds.has(l.slice(0, l.indexOf(' ')) as Insight['kind']));
  if (keep.length === 0) return null;
  return `related: ${keep.slice(0, 2).join('; ')}${keep.length > 2 ? `; +${keep.length - 2} more` : ''}`;
}

/**
 * Methods with findings that `counted` does not list, in the services it covers (a filter on
 * services keeps the others out), as figures without counts: a stampede on a cached loader whose
 * spans the figures missed (Tempo 3.0 metrics count late spans only in part; the search fallback
 * reads a sample) is found from its caller's traces all the same.
 */
export function uncountedFunctions(findings: ReadonlyMap<string, FunctionFindings>, counted: readonly FunctionStats[], window: TimeWindow): FunctionStats[] {
  const known = new Set(counted.map((f) => functionKey(f.codeRef, f.service)));
  const services = new Set(counted.map((f) => f.service));
  const out: FunctionStats[] = [];
  for (const [k, f] of findings) {
    const on = f.callerTimeout ?? f.cacheStampede ?? f.nPlusOne;
    if (known.has(k) || on === null || f.insights.length === 0 || !services.has(on.service)) continue;
    out.push({
      key: k, codeRef: on.codeRef, service: on.service, origin: 'search', window, calls: 0, ratePerSec: 0, errors: 0, errorRate: 0,
      // Nothing counted: `sample` of 0 spans of unknown makes calls print as unknown, not 0.
      p50Ms: null, p95Ms: null, p99Ms: null, quantilesApproximate: false, sample: { spans: 0, matched: null }, latencySeries: [], topErrors: [], exampleTraceIds: [],
    });
  }
  return out;
}

/** Every trace of a file source at once: the detectors see complete evidence, nothing is sampled. */
export function insightsFromTraces(traces: readonly Trace[]): InsightsResult {
  const collector = new FindingsCollector();
  collector.analyse(traces, false);
  return { findings: collector.findings, analysed: 0, tracesExamined: traces.length, timedOut: false };
}

/** Trace fetching through a Tempo client (trace by id, v2 then v1), bounded per trace. */
export function clientTraceFetch(client: Pick<TempoQueries, 'traceById'>, perTraceTimeoutMs = 15_000): InsightTraceFetch {
  return async (traceId, signal) => {
    const body = await client.traceById(traceId, {}, AbortSignal.any([signal, AbortSignal.timeout(perTraceTimeoutMs)]));
    return body === null ? null : parseTraceBody(body);
  };
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('cancelled');
}

/**
 * The search-based sampler: one TraceQL search for every target's slow (over its p50) and erroring
 * spans in the window — and, when the window reaches into recent data, the same query without
 * start/end, whose hits (kept to the window) fill what a ranged search leaves out of spans that
 * arrived late (`wantsRecentSearch`) — then `chooseTraces` within the budget. Two requests at most.
 */
export function searchSampler(client: Pick<TempoQueries, 'capabilities' | 'search'>, window: TimeWindow, filter: string, budget: TraceBudget & { readonly now?: () => number } = {}): InsightSampler {
  return async (targets, signal) => {
    if (targets.length === 0) return [];
    const check = checkFilter(filter);
    const caps = await client.capabilities(signal);
    const q = samplingQuery(targets, { scopedIntrinsics: caps.scopedIntrinsics, filter: check.ok ? check.conditions : '' });
    const { start, end } = searchSeconds(window);
    const hitsOf = (resp: SearchResponse): SampleHit[] => {
      const hits: SampleHit[] = [];
      forEachSearchSpan(resp, (f) => hits.push({ ...spanHitOf(f), namespace: f.namespace, fn: f.fn, fnName: f.fnName }));
      return hits;
    };
    const recent = wantsRecentSearch(window, (budget.now ?? Date.now)());
    const [ranged, unranged] = await Promise.all([
      client.search({ q, start, end, limit: 300, spss: 100 }, signal),
      // Best effort: without it the ranged hits are what a sampler had before.
      recent ? client.search({ q, limit: 300, spss: 100 }, signal).catch((e: unknown) => (signal.aborted ? Promise.reject(e) : null)) : null,
    ]);
    return chooseTraces(targets, mergeHits(hitsOf(ranged), unranged === null ? [] : hitsOf(unranged), window), budget);
  };
}

/**
 * Trace insights of Tempo functions for a one-shot caller (the CLI, the MCP server): the sampling
 * search (and its unranged twin) within `budget`, per-function drill-downs only if that search fails, every trace fetched
 * once for the run.
 */
export function tempoInsights(
  targets: readonly InsightTarget[],
  tempo: { readonly client: Pick<TempoQueries, 'capabilities' | 'search' | 'traceById'>; readonly drillDown: InsightDrillDown },
  query: { readonly window: TimeWindow; readonly filter: string; readonly now?: () => number },
  options: SampleInsightsOptions & TraceBudget,
  signal: AbortSignal,
): Promise<InsightsResult> {
  const traces = new TraceSampleCache(clientTraceFetch(tempo.client));
  return sampleInsights(
    targets,
    { sample: searchSampler(tempo.client, query.window, query.filter, { ...options, ...(query.now !== undefined ? { now: query.now } : {}) }), drillDown: tempo.drillDown, fetchTrace: (id, s) => traces.get(id, s) },
    options,
    signal,
  );
}

/** Trace fetching for the detectors from any source, bounded per trace. */
export function sourceTraceFetch(source: Pick<TelemetrySource, 'trace'>, perTraceTimeoutMs = 15_000): InsightTraceFetch {
  return (traceId, signal) => source.trace(traceId, undefined, AbortSignal.any([signal, AbortSignal.timeout(perTraceTimeoutMs)]));
}

/**
 * Trace insights from any telemetry source: every trace it holds (`insights: 'all'`: files, the
 * receiver), or traces chosen by its sampling search (drill-downs when it has none or it fails),
 * each fetched once for the run.
 */
export function sourceInsights(
  source: TelemetrySource,
  targets: readonly InsightTarget[],
  req: StatsRequest,
  options: SampleInsightsOptions & TraceBudget,
  signal: AbortSignal,
): Promise<InsightsResult> {
  if (source.capabilities.insights === 'all') return Promise.resolve(insightsFromTraces(source.takeTraces?.() ?? []));
  const traces = new TraceSampleCache(sourceTraceFetch(source));
  const sampleTraces = source.sampleTraces?.bind(source);
  const budget = { maxTraces: options.maxTraces ?? 30, perFunction: options.perFunction ?? 4 };
  const sample = sampleTraces !== undefined ? { sample: (t: readonly InsightTarget[], s: AbortSignal) => sampleTraces(t, { ...req, ...budget }, s) } : {};
  return sampleInsights(
    targets,
    { drillDown: (ref, service, s) => source.drillDown(ref, service, req.window, s), fetchTrace: (id, s) => traces.get(id, s), ...sample },
    options,
    signal,
  );
}

/**
 * The targets' traces (up to `maxFunctions` targets, `maxTraces` traces), fetched a few at a time
 * through `fetchTrace` (which should be a `TraceSampleCache`: one request per trace id, shared),
 * then every detector once over all of them — a trace that shows several functions is fetched and
 * analysed once. Sampling: `sample` (one search for all targets) when given, else one drill-down per
 * target. Bounded in time; a target that fails is skipped. Rejects only when `signal` is aborted.
 */
export async function sampleInsights(
  targets: readonly InsightTarget[],
  ports: { readonly drillDown?: InsightDrillDown; readonly sample?: InsightSampler; readonly fetchTrace: InsightTraceFetch },
  options: SampleInsightsOptions,
  signal: AbortSignal,
): Promise<InsightsResult> {
  const maxFunctions = Math.max(0, options.maxFunctions ?? 12);
  const perFunction = Math.max(1, options.tracesPerFunction ?? 10);
  const maxTraces = Math.max(1, options.maxTraces ?? 60);
  const concurrency = Math.max(1, options.concurrency ?? 3);
  const timeout = AbortSignal.timeout(Math.max(1, options.timeoutMs ?? 60_000));
  const inner = AbortSignal.any([signal, timeout]);
  const collector = new FindingsCollector();
  const chosen = targets.slice(0, maxFunctions);
  const ids = new Set<string>();
  let analysed = 0;
  let sampled = false;
  if (ports.sample !== undefined) {
    try {
      for (const id of await ports.sample(chosen, inner)) if (ids.size < maxTraces) ids.add(id);
      analysed = chosen.length;
      sampled = true;
    } catch (e) {
      // Without drill-downs to fall back on, every target is skipped for this reason.
      if (!inner.aborted && ports.drillDown === undefined) for (const t of chosen) options.onSkip?.(t, e);
    }
  }
  if (!sampled && !inner.aborted && ports.drillDown !== undefined) {
    // One drill-down per target (the extension's cached ones, or the fallback when the sampling search failed): bounded by maxTraces.
    for (const target of chosen) {
      if (inner.aborted || ids.size >= maxTraces) break;
      try {
        const drill = await ports.drillDown(target.codeRef, target.service, inner);
        if (inner.aborted) break;
        const mine = [...new Set([...drill.slowest, ...drill.errors].map((h) => h.traceId))].slice(0, perFunction);
        for (const id of mine) if (ids.size < maxTraces) ids.add(id);
        analysed++;
      } catch (e) {
        if (inner.aborted) break;
        options.onSkip?.(target, e);
      }
    }
  }
  const traces: Trace[] = [];
  const list = [...ids];
  for (let i = 0; i < list.length && !inner.aborted; i += concurrency) {
    // A trace that cannot be read is left out (the time bound aborts the rest): the others are still analysed.
    const batch = await Promise.all(list.slice(i, i + concurrency).map((id) => ports.fetchTrace(id, inner).catch(() => null)));
    for (const t of batch) if (t) traces.push(t);
  }
  if (signal.aborted) throw abortError(signal);
  // What was fetched before the time bound is analysed: a partial sample beats none.
  const seen = new Set<string>();
  const unique = traces.filter((t) => !seen.has(t.traceId) && seen.add(t.traceId));
  collector.analyse(unique);
  return { findings: collector.findings, analysed: timeout.aborted && unique.length === 0 ? 0 : analysed, tracesExamined: unique.length, timedOut: timeout.aborted };
}
