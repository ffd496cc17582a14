// N+1 calls: the same DB statement or HTTP route issued one after another, N or more times, under one parent — attributed to the method that issues them.
import type { CodeRef, Insight, Span, Trace } from '../../shared/model';
import { codeRefKey } from '../codeRef';
import { formatDuration } from '../format';
import { callFingerprint, normaliseStatement } from './cacheStampede';
import { buildSpanTree, codeRefOf, isDbSpan, isHttpClientSpan, median, owningCodeRef, parentOf, str, type SpanTree } from './spanTree';

export interface NPlusOneOptions {
  /** Repetitions one after another under one parent. Default 10. */
  readonly minRepeats?: number;
  /** Overlap still counted as "after the previous one": max(this, `overlapRatio` · the previous call's duration). Default 1 ms. */
  readonly overlapToleranceMs?: number;
  /** Default 0.1. */
  readonly overlapRatio?: number;
  /** Time the repeated calls cost per occurrence (median), below which a loop is not worth a warning. Default 10 ms. */
  readonly minTotalMs?: number;
  /** A method needs at least this many affected traces … Default 2. */
  readonly minTraces?: number;
  /** … and at least this share of the examined traces it appears in. Default 0.1. */
  readonly minShare?: number;
  readonly sampled?: boolean;
  readonly maxExamples?: number;
}

export interface NPlusOneFinding {
  /** `codeRefKey(codeRef)` + service of the issuing method. */
  readonly key: string;
  /** The method that issues the calls: the nearest code-carrying ancestor of the repeated calls. */
  readonly codeRef: CodeRef;
  readonly service: string | null;
  readonly callKind: 'db' | 'http';
  /** The normalised statement, or `GET /items/{id}`. */
  readonly statement: string;
  /** Calls per occurrence (median) and the most seen in one. */
  readonly medianCount: number;
  readonly maxCount: number;
  /** Time the repeated calls took per occurrence (median, max). */
  readonly medianTotalMs: number;
  readonly maxTotalMs: number;
  readonly tracesAffected: number;
  readonly tracesWithMethod: number;
  readonly tracesExamined: number;
  /** Costliest occurrence first. */
  readonly exampleTraceIds: readonly string[];
  readonly message: string;
}

export interface NPlusOneReport {
  readonly tracesExamined: number;
  readonly findings: readonly NPlusOneFinding[];
}

interface Unit {
  readonly call: Span;
  /** The span whose siblings are the other iterations: the call, or a wrapper that holds only it (a repository method span per item). */
  readonly top: Span;
}

/**
 * The iteration unit of a call: climb while the parent is an INTERNAL span of the same service
 * that holds nothing but this call (a per-item repository method), so that `handler → findById ×N
 * → SELECT` groups under the handler like `handler → SELECT ×N`.
 */
function unitOf(tree: SpanTree, call: Span): Unit {
  let top = call;
  for (let guard = 0; guard < 8; guard++) {
    const p = parentOf(tree, top);
    if (p === undefined || (p.kind !== 'internal' && p.kind !== 'unspecified') || p.service !== top.service) break;
    if ((tree.children.get(p.spanId) ?? []).length !== 1) break;
    const gp = parentOf(tree, p);
    if (gp === undefined) break;
    top = p;
  }
  return { call, top };
}

/** The longest chain of calls each starting after the previous one ended (earliest end first: interval scheduling). */
function sequentialRun(units: readonly Unit[], tolAbs: number, tolRatio: number): number {
  const sorted = [...units].sort((a, b) => a.top.endMs - b.top.endMs);
  let n = 0;
  let lastEnd = -Infinity;
  let lastDur = 0;
  for (const u of sorted) {
    const tol = Math.max(tolAbs, tolRatio * lastDur);
    if (u.top.startMs >= lastEnd - tol) {
      n++;
      lastEnd = u.top.endMs;
      lastDur = u.top.endMs - u.top.startMs;
    }
  }
  return n;
}

function statementOf(s: Span): { kind: 'db' | 'http'; text: string } | null {
  if (isDbSpan(s)) {
    const raw = str(s.attributes['db.query.text']) ?? str(s.attributes['db.statement']);
    const text = raw !== null ? normaliseStatement(raw).text : str(s.attributes['db.query.summary']) ?? s.name;
    return { kind: 'db', text: text.length > 120 ? `${text.slice(0, 119)}…` : text };
  }
  if (isHttpClientSpan(s)) {
    const fp = callFingerprint(s);
    return fp === null ? null : { kind: 'http', text: fp.label };
  }
  return null;
}

interface Occurrence {
  readonly traceId: string;
  readonly count: number;
  readonly totalMs: number;
}

interface Acc {
  readonly ref: CodeRef;
  readonly service: string | null;
  readonly kind: 'db' | 'http';
  readonly statement: string;
  /** Per trace: the largest occurrence. */
  readonly perTrace: Map<string, Occurrence>;
}

/**
 * Finds N+1 calls: under one parent span, ≥ `minRepeats` calls with the same fingerprint (normalised
 * DB statement; HTTP method + route) of which ≥ `minRepeats` ran one after another (each starting
 * after the previous ended, with a small overlap tolerance) — parallel fan-out is not N+1 — and
 * not all the very same request (polling, retries); costing ≥ 10 ms per occurrence, in ≥ 2
 * traces and ≥ 10 % of the traces that ran the issuing method.
 */
export function detectNPlusOne(traces: readonly Trace[], options: NPlusOneOptions = {}): NPlusOneReport {
  const minRepeats = Math.max(2, options.minRepeats ?? 10);
  const tolAbs = options.overlapToleranceMs ?? 1;
  const tolRatio = options.overlapRatio ?? 0.1;
  const minTotalMs = options.minTotalMs ?? 10;
  const minTraces = Math.max(1, options.minTraces ?? 2);
  const minShare = options.minShare ?? 0.1;
  const sampled = options.sampled ?? true;
  const maxExamples = options.maxExamples ?? 5;
  const acc = new Map<string, Acc>();
  const tracesWith = new Map<string, number>();

  for (const trace of traces) {
    const tree = buildSpanTree(trace);
    const present = new Set<string>();
    // Calls grouped by (group parent, fingerprint).
    const groups = new Map<string, { parent: Span; units: Unit[]; keys: Set<string | null> }>();
    for (const s of trace.spans) {
      const ref = codeRefOf(s);
      if (ref !== null) present.add(`${codeRefKey(ref)}\u001f${s.service ?? ''}`);
      if (!isDbSpan(s) && !isHttpClientSpan(s)) continue;
      const fp = callFingerprint(s);
      if (fp === null) continue;
      const unit = unitOf(tree, s);
      const parent = parentOf(tree, unit.top);
      if (parent === undefined) continue;
      const gk = `${parent.spanId}\u001f${fp.id}`;
      let g = groups.get(gk);
      if (g === undefined) groups.set(gk, (g = { parent, units: [], keys: new Set() }));
      g.units.push(unit);
      g.keys.add(fp.key);
    }
    for (const k of present) tracesWith.set(k, (tracesWith.get(k) ?? 0) + 1);
    for (const g of groups.values()) {
      if (g.units.length < minRepeats) continue;
      // The very same request again and again (one URL, one literal statement) is polling or a retry, not one call per item.
      if (g.keys.size === 1 && !g.keys.has(null)) continue;
      if (sequentialRun(g.units, tolAbs, tolRatio) < minRepeats) continue;
      const owner = owningCodeRef(tree, g.parent, true);
      const what = statementOf((g.units[0] as Unit).call);
      if (owner === null || what === null) continue;
      const totalMs = g.units.reduce((n, u) => n + (u.call.endMs - u.call.startMs), 0);
      const key = `${codeRefKey(owner.ref)}\u001f${owner.span.service ?? ''}\u001f${what.kind}\u001f${what.text}`;
      let a = acc.get(key);
      if (a === undefined) acc.set(key, (a = { ref: owner.ref, service: owner.span.service, kind: what.kind, statement: what.text, perTrace: new Map() }));
      const prev = a.perTrace.get(trace.traceId);
      if (prev === undefined || prev.totalMs < totalMs) a.perTrace.set(trace.traceId, { traceId: trace.traceId, count: g.units.length, totalMs });
    }
  }

  const best = new Map<string, NPlusOneFinding>();
  for (const a of acc.values()) {
    const rows = [...a.perTrace.values()];
    const withMethod = Math.max(rows.length, tracesWith.get(`${codeRefKey(a.ref)}\u001f${a.service ?? ''}`) ?? 0);
    if (rows.length < minTraces || rows.length < minShare * withMethod) continue;
    const medianTotalMs = median(rows.map((r) => r.totalMs));
    if (medianTotalMs < minTotalMs) continue;
    const f = {
      key: `${codeRefKey(a.ref)}\u001f${a.service ?? ''}`,
      codeRef: a.ref,
      service: a.service,
      callKind: a.kind,
      statement: a.statement,
      medianCount: median(rows.map((r) => r.count)),
      maxCount: Math.max(...rows.map((r) => r.count)),
      medianTotalMs,
      maxTotalMs: Math.max(...rows.map((r) => r.totalMs)),
      tracesAffected: rows.length,
      tracesWithMethod: withMethod,
      tracesExamined: traces.length,
      exampleTraceIds: rows.sort((x, y) => y.totalMs - x.totalMs).slice(0, maxExamples).map((r) => r.traceId),
    };
    const finding: NPlusOneFinding = { ...f, message: nPlusOneMessage(f, sampled) };
    // One finding per method: its costliest loop (the others are in the same code).
    const prev = best.get(f.key);
    if (prev === undefined || prev.medianTotalMs * prev.tracesAffected < f.medianTotalMs * f.tracesAffected) best.set(f.key, finding);
  }
  const findings = [...best.values()].sort((x, y) => y.medianTotalMs * y.tracesAffected - x.medianTotalMs * x.tracesAffected);
  return { tracesExamined: traces.length, findings };
}

/**
 * "12 calls of `SELECT * FROM order_items WHERE order_id = ?` one after another (up to 40), costing
 * 48 ms per request (max 160 ms), in 6 of 8 sampled traces that ran it — fetch them in one query".
 */
export function nPlusOneMessage(
  f: Pick<NPlusOneFinding, 'callKind' | 'statement' | 'medianCount' | 'maxCount' | 'medianTotalMs' | 'maxTotalMs' | 'tracesAffected' | 'tracesWithMethod'>,
  sampled = true,
): string {
  const count = Math.round(f.medianCount);
  const upTo = f.maxCount > count ? ` (up to ${f.maxCount})` : '';
  const cost = `costing ${formatDuration(f.medianTotalMs)} per request${f.tracesAffected > 1 && f.maxTotalMs > f.medianTotalMs ? ` (max ${formatDuration(f.maxTotalMs)})` : ''}`;
  const traces = `in ${f.tracesAffected} of ${f.tracesWithMethod}${sampled ? ' sampled' : ''} traces that ran it`;
  const fix = f.callKind === 'db' ? 'fetch them in one query (a join or IN list)' : 'fetch them in one batch request';
  return `${count} calls of \`${f.statement}\` one after another${upTo}, ${cost}, ${traces} — ${fix}`;
}

export function nPlusOneInsight(f: NPlusOneFinding): Insight {
  return { kind: 'n-plus-one', message: f.message, traceIds: f.exampleTraceIds };
}
