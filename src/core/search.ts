// Tempo search responses → TraceSummary[] / SpanHit[], and a zero-copy span walk for aggregation.
import type { SpanHit, SpanStatus, TraceSummary } from '../shared/model';
import type { SearchResponse, SearchSpan, SearchSpanSet, SearchTrace, WireAnyValue, WireKeyValue } from './wire';
import { anyValue, isValidTimeMs, nanosToMs, padTraceId, type SkipCounter } from './otlp';

/**
 * What the aggregation needs from one search span. One instance is reused for every span of a
 * walk (a 50 MB response has ~10⁵ spans; allocating per span would dominate the cost).
 */
export interface SearchSpanFields {
  traceId: string;
  spanId: string;
  name: string | null;
  startMs: number;
  durationMs: number;
  status: SpanStatus;
  statusMessage: string | null;
  service: string | null;
  namespace: string | null;
  fn: string | null;
  fnName: string | null;
  filePath: string | null;
  filePathOld: string | null;
  line: number | null;
  rootServiceName: string | null;
  rootTraceName: string | null;
}

function newFields(): SearchSpanFields {
  return {
    traceId: '', spanId: '', name: null, startMs: 0, durationMs: 0, status: 'unset', statusMessage: null,
    service: null, namespace: null, fn: null, fnName: null, filePath: null, filePathOld: null, line: null,
    rootServiceName: null, rootTraceName: null,
  };
}

function strOf(v: WireAnyValue | undefined): string | null {
  if (v === undefined) return null;
  const s = v.stringValue;
  if (typeof s === 'string') return s === '' ? null : s;
  if (v.intValue !== undefined) return String(v.intValue);
  return null;
}

function lineOf(v: WireAnyValue | undefined): number | null {
  if (v === undefined) return null;
  const raw = v.intValue ?? v.stringValue;
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  return Number.isInteger(n) && n > 0 ? n : null;
}

function statusOf(v: WireAnyValue | undefined): SpanStatus {
  const s = v?.stringValue;
  return s === 'error' || s === 'ok' ? s : 'unset';
}

/** Keys as search returns them: bare names, scope dropped (`code.function`, `service.name`). */
function readAttributes(attrs: readonly WireKeyValue[] | undefined, f: SearchSpanFields): void {
  if (attrs === undefined) return;
  for (let i = 0; i < attrs.length; i++) {
    const kv = attrs[i] as WireKeyValue;
    const v = kv.value;
    switch (kv.key) {
      case 'code.namespace': f.namespace = strOf(v); break;
      case 'code.function': f.fn = strOf(v); break;
      case 'code.function.name': f.fnName = strOf(v); break;
      case 'code.file.path': f.filePath = strOf(v); break;
      case 'code.filepath': f.filePathOld = strOf(v); break;
      case 'code.line.number': f.line = lineOf(v) ?? f.line; break;
      case 'code.lineno': f.line = f.line ?? lineOf(v); break;
      case 'service.name': f.service = strOf(v); break;
      case 'status': f.status = statusOf(v); break;
      case 'statusMessage': f.statusMessage = strOf(v); break;
      default: break;
    }
  }
}

/** The span sets of a trace: `spanSets`, or the deprecated singular `spanSet` from old servers. */
export function spanSetsOf(t: SearchTrace): readonly SearchSpanSet[] {
  if (t.spanSets !== undefined) return t.spanSets;
  return t.spanSet !== undefined ? [t.spanSet] : [];
}

/** Sum of `matched` over a response (absent = 0); at least the spans returned. */
export function matchedOf(resp: SearchResponse): { spans: number; matched: number } {
  let spans = 0;
  let matched = 0;
  for (const t of resp.traces) {
    for (const set of spanSetsOf(t)) {
      const n = set.spans?.length ?? 0;
      spans += n;
      matched += Math.max(n, set.matched ?? 0);
    }
  }
  return { spans, matched };
}

/**
 * Calls `visit` once per distinct span of the response with a REUSED fields object (copy what
 * you keep). Spans seen in two span sets of the same trace are visited once.
 */
export function forEachSearchSpan(
  resp: SearchResponse,
  visit: (f: SearchSpanFields, span: SearchSpan) => void,
  skipTrace?: (traceId: string) => boolean,
): void {
  const f = newFields();
  for (let t = 0; t < resp.traces.length; t++) {
    const tr = resp.traces[t] as SearchTrace;
    const traceId = padTraceId(tr.traceID);
    if (skipTrace !== undefined && skipTrace(traceId)) continue;
    const sets = spanSetsOf(tr);
    const seen = sets.length > 1 ? new Set<string>() : null;
    for (let s = 0; s < sets.length; s++) {
      const set = sets[s] as SearchSpanSet;
      const spans = set.spans;
      if (spans === undefined) continue;
      for (let i = 0; i < spans.length; i++) {
        const sp = spans[i] as SearchSpan;
        if (seen !== null) {
          if (seen.has(sp.spanID)) continue;
          seen.add(sp.spanID);
        }
        f.traceId = traceId;
        // Tempo sends 16 lower-case hex characters; only other lengths need work.
        f.spanId = sp.spanID.length === 16 ? sp.spanID : sp.spanID.toLowerCase().padStart(16, '0');
        f.name = sp.name ?? null;
        // Sub-microsecond precision is not needed for a start time; this is the hot loop.
        f.startMs = sp.startTimeUnixNano === undefined ? 0 : Number(sp.startTimeUnixNano) / 1e6;
        // A span whose time is not a time (past int64, negative) is left out rather than breaking the figures.
        if (!isValidTimeMs(f.startMs)) continue;
        f.durationMs = sp.durationNanos === undefined ? 0 : Number(sp.durationNanos) / 1e6;
        f.status = 'unset';
        f.statusMessage = null;
        f.service = null;
        f.namespace = null;
        f.fn = null;
        f.fnName = null;
        f.filePath = null;
        f.filePathOld = null;
        f.line = null;
        f.rootServiceName = tr.rootServiceName ?? null;
        f.rootTraceName = tr.rootTraceName ?? null;
        readAttributes(sp.attributes, f);
        // Span-set-level attributes (from by()/aggregates) apply to every span of the set.
        if (set.attributes !== undefined) readAttributes(set.attributes, f);
        visit(f, sp);
      }
    }
  }
}

export function spanHitOf(f: SearchSpanFields): SpanHit {
  return {
    traceId: f.traceId,
    spanId: f.spanId,
    name: f.name,
    startMs: f.startMs,
    durationMs: f.durationMs,
    status: f.status,
    statusMessage: f.statusMessage,
    service: f.service,
    rootServiceName: f.rootServiceName,
    rootTraceName: f.rootTraceName,
  };
}

/** All spans of a response as SpanHits, in response order. */
export function searchSpanHits(resp: SearchResponse): SpanHit[] {
  const out: SpanHit[] = [];
  forEachSearchSpan(resp, (f) => out.push(spanHitOf(f)));
  return out;
}

/** One summary per trace: ids padded to 32 hex, durations absent under 1 ms read as 0. */
export function traceSummaries(resp: SearchResponse, skips?: SkipCounter): TraceSummary[] {
  const f = newFields();
  const out: TraceSummary[] = [];
  for (const tr of resp.traces) {
    const traceStart = nanosToMs(tr.startTimeUnixNano);
    // One trace with a time past int64 (or negative) is left out, not the whole answer.
    if (!isValidTimeMs(traceStart)) {
      skips?.skip('trace with an invalid start time', 'traces with an invalid start time');
      continue;
    }
    const traceId = padTraceId(tr.traceID);
    const spans: SpanHit[] = [];
    let matched = 0;
    let errors = 0;
    const seen = new Set<string>();
    for (const set of spanSetsOf(tr)) {
      matched += Math.max(set.spans?.length ?? 0, set.matched ?? 0);
      for (const sp of set.spans ?? []) {
        if (seen.has(sp.spanID)) continue;
        seen.add(sp.spanID);
        Object.assign(f, newFields());
        f.traceId = traceId;
        f.spanId = sp.spanID.toLowerCase().padStart(16, '0');
        f.name = sp.name ?? null;
        f.startMs = nanosToMs(sp.startTimeUnixNano);
        if (!isValidTimeMs(f.startMs)) {
          skips?.skip('span with an invalid start time', 'spans with an invalid start time');
          continue;
        }
        f.durationMs = sp.durationNanos === undefined ? 0 : Number(sp.durationNanos) / 1e6;
        f.rootServiceName = tr.rootServiceName ?? null;
        f.rootTraceName = tr.rootTraceName ?? null;
        readAttributes(sp.attributes, f);
        if (f.status === 'error') errors++;
        spans.push(spanHitOf(f));
      }
    }
    let serviceErrors = 0;
    if (tr.serviceStats !== undefined) for (const s of Object.values(tr.serviceStats)) serviceErrors += s.errorCount ?? 0;
    out.push({
      traceId,
      rootServiceName: tr.rootServiceName ?? null,
      rootTraceName: tr.rootTraceName ?? null,
      startMs: traceStart,
      durationMs: tr.durationMs ?? 0,
      matchedSpans: matched,
      errorSpans: Math.max(errors, serviceErrors),
      spans,
    });
  }
  return out;
}

/** Attribute value of a search span by bare key (for callers that want more than the code fields). */
export function searchAttribute(span: SearchSpan, key: string): ReturnType<typeof anyValue> | undefined {
  for (const kv of span.attributes ?? []) if (kv.key === key) return anyValue(kv.value);
  return undefined;
}

/**
 * How far back a search without start/end reaches: Tempo answers it from the ingesters (2.x) or
 * the live-store (3.x) only, which hold roughly the last 15 minutes.
 */
export const RECENT_SEARCH_MS = 15 * 60_000;

/**
 * Whether a ranged search should also be sent without start/end (the stats search, its coverage
 * probe, the insights sampling search). A ranged search is split
 * into time shards, and Tempo skips a shard when no block's time range overlaps it; a block of
 * spans that arrived late (a replay, a collector catching up after an outage) carries a time
 * range near its ingestion, so for minutes those spans are missing from ranged searches. Measured
 * on 2.7.2 and 3.0.3 with a scenario pushed 5–300 s late: a `--since 10m` search returned the
 * getJwks stampede (150 s late) in some runs and nothing of it in others, while the same query
 * without start/end returned every matching trace in every run. Only worth a request when the
 * window reaches into what the unranged search covers.
 */
export function wantsRecentSearch(window: { readonly startMs: number; readonly endMs: number }, nowMs: number, recentMs = RECENT_SEARCH_MS): boolean {
  return window.endMs > nowMs - recentMs && window.endMs > window.startMs;
}

/** The rule of a ranged search, for hits of an unranged one: the span overlaps the window. */
export function spanInWindow(h: { readonly startMs: number; readonly durationMs: number }, window: { readonly startMs: number; readonly endMs: number }): boolean {
  return h.startMs < window.endMs && h.startMs + h.durationMs >= window.startMs;
}
