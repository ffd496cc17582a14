// Telemetry held in memory as parsed spans (trace files, the local receiver): exact statistics, drill-downs and a TraceQL-subset search over them. No I/O.
import type { CodeRef, Span, SpanHit, StatsOrigin, StatsSnapshot, Trace, TraceSummary } from '../shared/model';
import type { DrillDown, SearchRequest, StatsRequest } from './source';
import { compileSpanFilter } from './spanFilter';
import { compareHotspots, functionKey, SpanAggregator, type SpanSample } from './stats';
import { stepFor } from './timeRange';
import { checkFilter, spanSetConditions } from './traceql';

/** The fields the exact aggregation reads from a parsed span (both code.* generations). */
export function spanSample(s: Span): SpanSample {
  const a = s.attributes;
  const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null);
  const lineRaw = a['code.line.number'] ?? a['code.lineno'];
  const line = typeof lineRaw === 'number' && Number.isInteger(lineRaw) && lineRaw > 0 ? lineRaw : null;
  return {
    ...hitOf(s, null),
    namespace: str(a['code.namespace']),
    fn: str(a['code.function']),
    fnName: str(a['code.function.name']),
    filePath: str(a['code.file.path']),
    filePathOld: str(a['code.filepath']),
    line,
  };
}

/**
 * The span predicate of a stats request: the `filter` setting (TraceQL subset) and the services.
 * A filter this subset cannot evaluate is reported in `note` and not applied; an invalid one throws.
 */
export function requestPredicate(req: Pick<StatsRequest, 'filter' | 'services'>, label: string): { pred: ((s: Span) => boolean) | null; note: string | null } {
  const check = checkFilter(req.filter);
  if (!check.ok) throw new Error(`tempoLens.filter is not valid: ${check.error}`);
  let cond: ((s: Span) => boolean) | null = null;
  let note: string | null = null;
  if (check.conditions !== '') {
    try {
      cond = compileSpanFilter(check.conditions);
    } catch (e) {
      note = `The filter was not applied to the ${label} (${(e as Error).message}).`;
    }
  }
  const services = req.services !== undefined && req.services.length > 0 ? new Set(req.services) : null;
  if (cond === null && services === null) return { pred: null, note };
  return {
    pred: (s) => (services === null || (s.service !== null && services.has(s.service))) && (cond === null || cond(s)),
    note,
  };
}

/** Exact statistics over the spans of a window that pass the request's filter and services. */
export function statsOfSpans(spans: Iterable<Span>, req: StatsRequest, origin: StatsOrigin, label: string): { snapshot: StatsSnapshot; aggregator: SpanAggregator; spansRead: number } {
  const { pred, note } = requestPredicate(req, label);
  const agg = new SpanAggregator(true);
  let spansRead = 0;
  for (const s of spans) {
    if (s.startMs < req.window.startMs || s.startMs >= req.window.endMs) continue;
    if (pred !== null && !pred(s)) continue;
    spansRead++;
    agg.add(spanSample(s));
  }
  const functions = agg.finish({ window: req.window, origin, stepMs: stepFor(req.window), sampled: false }).sort(compareHotspots);
  const notes = note !== null ? [note] : [];
  return { snapshot: { window: req.window, origin, functions, notes }, aggregator: agg, spansRead };
}

/** The slowest and most recent erroring spans of one function, from an aggregation. */
export function drillDownOf(agg: SpanAggregator, ref: CodeRef, service: string | null): DrillDown {
  return agg.hits(functionKey(ref, service));
}

function hitOf(s: Span, root: Span | null): SpanHit {
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    name: s.name,
    startMs: s.startMs,
    durationMs: Math.max(0, s.endMs - s.startMs),
    status: s.status,
    statusMessage: s.statusMessage,
    service: s.service,
    rootServiceName: root?.service ?? null,
    rootTraceName: root?.name ?? null,
  };
}

/** The root of a trace: the span without a parent in it (earliest first), or null when it was not received. */
export function rootSpan(t: Trace): Span | null {
  let root: Span | null = null;
  for (const s of t.spans) if (s.parentSpanId === null && (root === null || s.startMs < root.startMs)) root = s;
  return root;
}

/**
 * Traces with at least one span matching a one-span-set query (`{ conds } | select(…)`) in the
 * window, most recent first, as Tempo's search lists them. Throws an Error saying what the subset
 * does not support.
 */
export function searchTraces(traces: Iterable<Trace>, req: SearchRequest): TraceSummary[] {
  const check = spanSetConditions(req.query);
  if (!check.ok) throw new Error(check.error);
  const pred = check.conditions === '' ? () => true : compileSpanFilter(check.conditions);
  const out: TraceSummary[] = [];
  for (const t of traces) {
    let matched = 0;
    let errors = 0;
    const hits: Span[] = [];
    let start = Infinity;
    let end = -Infinity;
    for (const s of t.spans) {
      if (s.startMs < start) start = s.startMs;
      if (s.endMs > end) end = s.endMs;
      if (s.startMs < req.window.startMs || s.startMs >= req.window.endMs || !pred(s)) continue;
      matched++;
      if (s.status === 'error') errors++;
      if (hits.length < req.spansPerTrace) hits.push(s);
    }
    if (matched === 0) continue;
    const root = rootSpan(t);
    out.push({
      traceId: t.traceId,
      rootServiceName: root?.service ?? null,
      rootTraceName: root?.name ?? null,
      startMs: start,
      durationMs: Math.max(0, end - start),
      matchedSpans: matched,
      errorSpans: errors,
      spans: hits.map((s) => hitOf(s, root)),
    });
  }
  out.sort((a, b) => b.startMs - a.startMs);
  return out.slice(0, Math.max(0, req.limit));
}
