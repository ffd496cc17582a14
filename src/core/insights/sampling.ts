// Which traces the detectors get, under a fixed request budget: one search for all target functions (plus its unranged twin over recent data), then a bounded, shared choice of trace ids.
import type { CodeRef, SpanHit } from '../../shared/model';
import { spanInWindow } from '../search';
import { codeRefCondition, durationLiteral, intrinsics, SELECT_CODE, spanSet } from '../traceql';

/** A function to sample traces for; `p50Ms` (when known) keeps the search to its slower half and its errors. */
export interface SampleTarget {
  readonly codeRef: CodeRef;
  readonly service: string | null;
  readonly p50Ms?: number | null;
}

/** A span found by the sampling search, with the code attributes that tell which target it belongs to. */
export interface SampleHit extends SpanHit {
  readonly namespace: string | null;
  readonly fn: string | null;
  readonly fnName: string | null;
}

export interface TraceBudget {
  /** Distinct traces fetched in all. Default 30. */
  readonly maxTraces?: number;
  /** Traces per function from its slowest and erroring spans. Default 4. */
  readonly perFunction?: number;
  /** Traces taken from one function's densest cluster of overlapping slow calls (a possible stampede). Default 8. */
  readonly perCluster?: number;
  /** A cluster needs this many calls overlapping at one instant. Default 5. */
  readonly minCluster?: number;
}

/**
 * One TraceQL search for every target: each target's spans slower than its p50, or erroring. A
 * fixed cost (one request) whatever the number of functions, where one drill-down per function
 * costs two to five searches each.
 */
export function samplingQuery(targets: readonly SampleTarget[], opts: { readonly scopedIntrinsics: boolean; readonly filter: string }): string {
  const i = intrinsics(opts.scopedIntrinsics);
  const alts = targets.map((t) => {
    const slow = t.p50Ms !== undefined && t.p50Ms !== null && t.p50Ms >= 1 ? `(${i.duration} >= ${durationLiteral(t.p50Ms)} || ${i.status} = error)` : null;
    return `(${codeRefCondition(t.codeRef, t.service)}${slow !== null ? ` && ${slow}` : ''})`;
  });
  const any = alts.length === 1 ? (alts[0] as string) : `(${alts.join(' || ')})`;
  return `${spanSet(any, opts.filter)} | select(${[...SELECT_CODE, i.status, i.statusMessage, i.name].join(', ')})`;
}

/**
 * The ranged search's hits and the unranged one's, the latter kept to the window (it answers for
 * all recent data): each span once, ranged hits first.
 */
export function mergeHits<H extends SampleHit>(ranged: readonly H[], recent: readonly H[], window: { readonly startMs: number; readonly endMs: number }): H[] {
  const inWindow = recent.filter((h) => spanInWindow(h, window));
  const seen = new Set<string>();
  return [...ranged, ...inWindow].filter((h) => {
    const k = `${h.traceId}/${h.spanId}`;
    return !seen.has(k) && seen.add(k) !== undefined;
  });
}

/** Does the hit carry the target's code attributes (old keys, new short or fully-qualified names)? */
export function hitMatches(h: SampleHit, t: SampleTarget): boolean {
  if (t.service !== null && h.service !== null && h.service !== t.service) return false;
  const fn = t.codeRef.function;
  const ns = t.codeRef.namespace;
  if (ns === null) return h.fn === fn || h.fnName === fn;
  if (h.namespace === ns && (h.fn === fn || h.fnName === fn)) return true;
  if (h.fnName === null || !h.fnName.endsWith(fn)) return false;
  const head = h.fnName.slice(0, h.fnName.length - fn.length);
  return head.startsWith(ns) && /^(\.|::|#|:|\/)$/.test(head.slice(ns.length));
}

/** The hits that overlap at the busiest instant (largest first by duration). */
export function densestOverlap(hits: readonly SampleHit[]): SampleHit[] {
  const events: [number, number, number][] = [];
  hits.forEach((h, k) => {
    events.push([h.startMs, 1, k], [h.startMs + h.durationMs, -1, k]);
  });
  // Ends before starts at one instant: back-to-back is not overlap.
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const open = new Set<number>();
  let best: number[] = [];
  for (const [, d, k] of events) {
    if (d > 0) {
      open.add(k);
      if (open.size > best.length) best = [...open];
    } else {
      open.delete(k);
    }
  }
  return best.map((k) => hits[k] as SampleHit).sort((a, b) => b.durationMs - a.durationMs);
}

/**
 * Trace ids to fetch, at most `maxTraces`: first the densest clusters of overlapping slow calls
 * (a stampede needs several concurrent traces, at most two thirds of the budget), then round-robin
 * over the targets their slowest and most recent erroring traces. A trace chosen for one target
 * serves every target in it: it is fetched once.
 */
export function chooseTraces(targets: readonly SampleTarget[], hits: readonly SampleHit[], budget: TraceBudget = {}): string[] {
  const maxTraces = Math.max(1, budget.maxTraces ?? 30);
  const perFunction = Math.max(1, budget.perFunction ?? 4);
  const perCluster = Math.max(0, budget.perCluster ?? 8);
  const minCluster = Math.max(2, budget.minCluster ?? 5);
  const chosen = new Set<string>();
  const byTarget = targets.map((t) => hits.filter((h) => hitMatches(h, t)));
  const targetsOf = new Map<string, number[]>();
  byTarget.forEach((hs, t) => {
    for (const id of new Set(hs.map((h) => h.traceId))) targetsOf.set(id, [...(targetsOf.get(id) ?? []), t]);
  });
  const have = targets.map(() => 0);
  const take = (id: string): void => {
    chosen.add(id);
    for (const t of targetsOf.get(id) ?? []) have[t]!++;
  };

  const clusters = byTarget
    .map((hs) => densestOverlap(hs))
    .filter((c) => new Set(c.map((h) => h.traceId)).size >= minCluster)
    .sort((a, b) => b.length - a.length);
  const clusterCap = Math.floor((maxTraces * 2) / 3);
  for (const c of clusters) {
    let taken = 0;
    for (const h of c) {
      if (chosen.size >= clusterCap || taken >= perCluster) break;
      if (!chosen.has(h.traceId)) take(h.traceId);
      taken++;
    }
  }

  const queues = byTarget.map((hs) => {
    const slow = [...hs].sort((a, b) => b.durationMs - a.durationMs).map((h) => h.traceId);
    const errors = hs.filter((h) => h.status === 'error').sort((a, b) => b.startMs - a.startMs).map((h) => h.traceId);
    // Slowest and erroring alternately: a timeout shows in both, an N+1 loop in the slowest.
    const out: string[] = [];
    for (let k = 0; k < Math.max(slow.length, errors.length); k++) {
      if (k < slow.length) out.push(slow[k] as string);
      if (k < errors.length) out.push(errors[k] as string);
    }
    return [...new Set(out)];
  });
  const pos = queues.map(() => 0);
  for (let progress = true; progress && chosen.size < maxTraces; ) {
    progress = false;
    for (let t = 0; t < queues.length && chosen.size < maxTraces; t++) {
      const q = queues[t] as string[];
      if ((have[t] as number) >= perFunction) continue;
      while ((pos[t] as number) < q.length && chosen.has(q[pos[t] as number] as string)) pos[t]!++;
      const next = q[pos[t] as number];
      if (next === undefined) continue;
      take(next);
      pos[t]!++;
      progress = true;
    }
  }
  return [...chosen];
}
