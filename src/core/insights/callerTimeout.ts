// Caller-timeout orphans: work that kept running (or started) after its caller had given up, per method, from sampled traces.
import type { CodeRef, Insight, Span, SpanKind, Trace } from '../../shared/model';
import { codeRefKey } from '../codeRef';
import { formatDuration } from '../format';
import {
  buildSpanTree,
  handlerCodeRef,
  instanceOf,
  isAsyncEdge,
  isDbSpan,
  isLinksOnlyRoot,
  median,
  num,
  owningCodeRef,
  str,
  type SpanTree,
} from './spanTree';

export interface CallerTimeoutOptions {
  /** Clock-skew tolerance between spans of the same `service.instance.id` (one clock). Default 1 ms. */
  readonly sameInstanceSkewMs?: number;
  /** Floor of the tolerance between different (or unknown) instances. Default 50 ms. */
  readonly crossInstanceSkewMs?: number;
  /** Cross-instance tolerance as a share of the parent's duration. Default 0.01. */
  readonly crossInstanceSkewRatio?: number;
  /** O1/O3: a child must outlive its parent by more than max(this, ratio·dur(parent)). Default 250 ms. */
  readonly minChildOverrunMs?: number;
  /** Default 0.1. */
  readonly childOverrunRatio?: number;
  /** O2: the server side must run on for more than this after the client gave up. Default 1000 ms. */
  readonly minServerOverrunMs?: number;
  /** A caller limit known from elsewhere (configuration); otherwise it is inferred from error durations. */
  readonly callerLimitMs?: number;
  /** The traces are a sample (drill-down search), so messages say "sampled". Default true. */
  readonly sampled?: boolean;
  /** Example trace ids kept per finding. Default 5. */
  readonly maxExamples?: number;
}

/** O2 = a CLIENT span timed out while its SERVER child ran on; O3 = work outlived the root; O1 = a child outlived its parent. */
export type OrphanRule = 'client-timeout' | 'root-overrun' | 'child-outlives-parent';

export interface InferredLimit {
  readonly service: string | null;
  readonly name: string;
  readonly kind: SpanKind;
  readonly limitMs: number;
  /** Error durations within ±2 % of the limit, out of `of` error durations. */
  readonly support: number;
  readonly of: number;
}

export interface CallerTimeoutFinding {
  /** `codeRefKey(codeRef)` + service. */
  readonly key: string;
  readonly codeRef: CodeRef;
  readonly service: string | null;
  /** `handler` = the server-side method that ran on; `outbound-call` = the method whose CLIENT/DB call blew the budget (where a timeout goes). */
  readonly role: 'handler' | 'outbound-call';
  readonly tracesAffected: number;
  readonly tracesExamined: number;
  readonly medianOverrunMs: number;
  readonly maxOverrunMs: number;
  /** The caller's limit (inferred or configured); null when the caller simply returned earlier. */
  readonly callerLimitMs: number | null;
  /** Median duration of the caller that gave up (or returned). */
  readonly callerDurationMs: number;
  /** Calls (CLIENT/DB) that started after the caller had already given up, summed over traces. */
  readonly lateStarts: number;
  readonly rules: readonly OrphanRule[];
  readonly exampleTraceIds: readonly string[];
  readonly severity: 'high' | 'medium';
  readonly message: string;
}

/** Work a span started after its parent had already ended (fire-and-forget, async logging): not a timeout. */
export interface PostResponseWork {
  readonly traceId: string;
  readonly spanId: string;
  readonly name: string;
  readonly service: string | null;
  readonly codeRef: CodeRef | null;
  readonly startedAfterMs: number;
}

export interface CallerTimeoutReport {
  readonly tracesExamined: number;
  readonly findings: readonly CallerTimeoutFinding[];
  readonly postResponse: readonly PostResponseWork[];
  readonly inferredLimits: readonly InferredLimit[];
}

const TIMEOUT_TEXT = /time[\s_-]?out|timed[\s_-]?out|deadline|cancel/i;
const TIMEOUT_STATUS = new Set([408, 499, 504]);

interface Resolved {
  readonly sameSkew: number;
  readonly crossSkew: number;
  readonly crossRatio: number;
  readonly minChild: number;
  readonly childRatio: number;
  readonly minServer: number;
  readonly limit: number | null;
  readonly sampled: boolean;
  readonly maxExamples: number;
}

function resolve(o: CallerTimeoutOptions): Resolved {
  return {
    sameSkew: o.sameInstanceSkewMs ?? 1,
    crossSkew: o.crossInstanceSkewMs ?? 50,
    crossRatio: o.crossInstanceSkewRatio ?? 0.01,
    minChild: o.minChildOverrunMs ?? 250,
    childRatio: o.childOverrunRatio ?? 0.1,
    minServer: o.minServerOverrunMs ?? 1000,
    limit: o.callerLimitMs ?? null,
    sampled: o.sampled ?? true,
    maxExamples: o.maxExamples ?? 5,
  };
}

/** Tolerance for comparing the clocks of two spans: one clock only when both name the same instance. */
export function skewMs(parent: Span, child: Span, options: CallerTimeoutOptions = {}): number {
  const r = resolve(options);
  return skewOf(parent, child, r);
}

function skewOf(parent: Span, child: Span, r: Resolved): number {
  const a = instanceOf(parent);
  if (a !== null && a === instanceOf(child)) return r.sameSkew;
  return Math.max(r.crossSkew, r.crossRatio * (parent.endMs - parent.startMs));
}

function groupKey(s: Span): string {
  return `${s.service ?? ''}\u001f${s.kind}\u001f${s.name}`;
}

/**
 * Per (service, kind, span name): when ≥ 60 % of ERROR durations (≥ 3 of them) fall within ±2 % of one
 * value ≥ 100 ms, that value is a timeout somebody configured.
 */
export function inferCallerLimits(traces: readonly Trace[]): InferredLimit[] {
  const groups = new Map<string, { sample: Span; durations: number[] }>();
  for (const t of traces) {
    for (const s of t.spans) {
      if (s.status !== 'error') continue;
      const k = groupKey(s);
      let g = groups.get(k);
      if (g === undefined) groups.set(k, (g = { sample: s, durations: [] }));
      g.durations.push(s.endMs - s.startMs);
    }
  }
  const out: InferredLimit[] = [];
  for (const { sample, durations } of groups.values()) {
    if (durations.length < 3) continue;
    const sorted = [...durations].sort((a, b) => a - b);
    let best: { center: number; lo: number; hi: number } | null = null;
    let lo = 0;
    let hi = 0;
    for (const d of sorted) {
      const center = Math.round(d / 10) * 10;
      if (center < 100) continue;
      // Two pointers over the sorted durations: [center·0.98, center·1.02].
      while (lo < sorted.length && (sorted[lo] as number) < center * 0.98) lo++;
      if (hi < lo) hi = lo;
      while (hi < sorted.length && (sorted[hi] as number) <= center * 1.02) hi++;
      if (best === null || hi - lo > best.hi - best.lo) best = { center, lo, hi };
    }
    if (best === null) continue;
    const support = best.hi - best.lo;
    if (support < 3 || support < 0.6 * sorted.length) continue;
    const limitMs = median(sorted.slice(best.lo, best.hi));
    out.push({ service: sample.service, name: sample.name, kind: sample.kind, limitMs, support, of: sorted.length });
  }
  return out;
}

function statusCode(s: Span): number | null {
  return num(s.attributes['http.response.status_code']) ?? num(s.attributes['http.status_code']);
}

function mentionsTimeout(s: Span): boolean {
  if (s.statusMessage !== null && TIMEOUT_TEXT.test(s.statusMessage)) return true;
  const et = str(s.attributes['error.type']) ?? str(s.attributes['exception.type']);
  if (et !== null && TIMEOUT_TEXT.test(et)) return true;
  for (const e of s.events) {
    if (e.name !== 'exception') continue;
    const t = str(e.attributes['exception.type']);
    const m = str(e.attributes['exception.message']);
    if ((t !== null && TIMEOUT_TEXT.test(t)) || (m !== null && TIMEOUT_TEXT.test(m))) return true;
  }
  return false;
}

/** The nearest SERVER ancestor in the same service (the gateway's own inbound request). */
function serverAncestor(tree: SpanTree, s: Span): Span | null {
  let cur = s.parentSpanId === null ? undefined : tree.byId.get(s.parentSpanId);
  for (let guard = 0; cur !== undefined && guard < 10_000; guard++) {
    if (cur.service !== s.service) return null;
    if (cur.kind === 'server') return cur;
    cur = cur.parentSpanId === null ? undefined : tree.byId.get(cur.parentSpanId);
  }
  return null;
}

interface Evidence {
  readonly rule: OrphanRule;
  readonly deadlineMs: number;
  readonly callerDurationMs: number;
  readonly limitMs: number | null;
  /** The span that ran on (S for O2, the root for O3, the child for O1) and whether it is a handler. */
  readonly top: Span;
  /** Spans of the scope that ended after the deadline. */
  readonly overran: readonly Span[];
  readonly overrunMs: number;
  readonly lateStarts: readonly Span[];
}

/**
 * Descendants of `top` (inclusive) along request/response edges. A child that started after its
 * parent had ended is detached post-response work (the O1 pass records it) and is left out.
 */
function scopeOf(tree: SpanTree, top: Span, r: Resolved, crossCalls = true): Span[] {
  const out: Span[] = [top];
  const seen = new Set<Span>(out);
  for (let i = 0; i < out.length; i++) {
    const p = out[i] as Span;
    for (const c of tree.children.get(p.spanId) ?? []) {
      if (seen.has(c) || isAsyncEdge(p, c) || c.startMs > p.endMs + skewOf(p, c, r)) continue;
      seen.add(c);
      if (!crossCalls && p.kind === 'client' && c.kind === 'server') continue;
      out.push(c);
    }
  }
  return out;
}

function isCall(s: Span): boolean {
  return s.kind === 'client' || isDbSpan(s);
}

function collect(top: Span, scope: readonly Span[], deadline: number, skewFor: (s: Span) => number): { overran: Span[]; overrunMs: number; late: Span[] } {
  const overran: Span[] = [];
  const late: Span[] = [];
  let overrunMs = 0;
  for (const d of scope) {
    const tol = skewFor(d);
    if (d.endMs > deadline + tol) {
      overran.push(d);
      overrunMs = Math.max(overrunMs, d.endMs - deadline);
    }
    if (d !== top && isCall(d) && d.startMs > deadline + tol) late.push(d);
  }
  return { overran, overrunMs, late };
}

function evidenceOfTrace(tree: SpanTree, r: Resolved, limits: ReadonlyMap<string, InferredLimit>, post: PostResponseWork[]): Evidence[] {
  const out: Evidence[] = [];
  const o2Servers = new Set<string>();

  const limitFor = (s: Span): number | null => limits.get(groupKey(s))?.limitMs ?? null;
  const timedOut = (k: Span): boolean => {
    const code = statusCode(k);
    const isError = k.status === 'error' || (code !== null && TIMEOUT_STATUS.has(code));
    if (!isError) return false;
    if (mentionsTimeout(k)) return true;
    if (code !== null && TIMEOUT_STATUS.has(code)) return true;
    const up = serverAncestor(tree, k);
    const upCode = up === null ? null : statusCode(up);
    if (upCode !== null && TIMEOUT_STATUS.has(upCode)) return true;
    const t = limitFor(k) ?? r.limit;
    const dur = k.endMs - k.startMs;
    return t !== null && Math.abs(dur - t) <= 0.03 * t;
  };

  // O2 — a CLIENT span ended in a timeout while its SERVER child ran on.
  for (const k of tree.trace.spans) {
    if (k.kind !== 'client') continue;
    const servers = (tree.children.get(k.spanId) ?? []).filter((c) => c.kind === 'server' && !isAsyncEdge(k, c));
    if (servers.length === 0 || !timedOut(k)) continue;
    for (const s of servers) {
      // Judged here, with the O2 margin, whether flagged or not: O3 must not re-judge it with a smaller one.
      o2Servers.add(s.spanId);
      if (s.endMs - k.endMs <= skewOf(k, s, r) + r.minServer) continue;
      const scope = scopeOf(tree, s, r);
      const { overran, overrunMs, late } = collect(s, scope, k.endMs, (d) => skewOf(k, d, r));
      const dur = k.endMs - k.startMs;
      out.push({ rule: 'client-timeout', deadlineMs: k.endMs, callerDurationMs: dur, limitMs: limitFor(k) ?? r.limit ?? dur, top: s, overran, overrunMs, lateStarts: late });
    }
  }

  // O3 — work outlived the root (the caller's span may not have been exported).
  for (const root of tree.roots) {
    if (isLinksOnlyRoot(root) || o2Servers.has(root.spanId)) continue;
    const dur = root.endMs - root.startMs;
    const t = limitFor(root) ?? null;
    const rootTimedOut = (root.status === 'error' && (mentionsTimeout(root) || (t !== null && Math.abs(dur - t) <= 0.03 * t))) || TIMEOUT_STATUS.has(statusCode(root) ?? 0);
    const deadline = t !== null && rootTimedOut ? Math.min(root.endMs, root.startMs + t) : root.endMs;
    const margin = rootTimedOut ? 0 : Math.max(r.minChild, r.childRatio * dur);
    // A SERVER under a CLIENT is either judged by O2 (the client timed out, with its own margin) or
    // streaming (the client ended at the headers): either way not the root's overrun.
    const scope = scopeOf(tree, root, r, false);
    const { overran, overrunMs, late } = collect(root, scope, deadline, (d) => skewOf(root, d, r) + margin);
    if (overran.length === 0) continue;
    out.push({
      rule: 'root-overrun',
      deadlineMs: deadline,
      callerDurationMs: deadline - root.startMs,
      limitMs: rootTimedOut ? t ?? r.limit ?? dur : null,
      top: root,
      overran,
      overrunMs,
      lateStarts: late,
    });
  }

  // O1 — a child outlived its parent (its caller returned without waiting for it).
  for (const p of tree.trace.spans) {
    if (p.kind !== 'server' && p.kind !== 'client' && p.kind !== 'internal' && p.kind !== 'unspecified') continue;
    const dur = p.endMs - p.startMs;
    for (const c of tree.children.get(p.spanId) ?? []) {
      if (isAsyncEdge(p, c)) continue;
      const skew = skewOf(p, c, r);
      if (c.startMs > p.endMs + skew) {
        recordPost(post, tree, c, c.startMs - p.endMs);
        continue;
      }
      // A SERVER child of a CLIENT span that did not time out is streaming (SSE, websockets): O2 covers the timeout case.
      if (p.kind === 'client' && c.kind === 'server') continue;
      if (c.endMs - p.endMs <= skew + Math.max(r.minChild, r.childRatio * dur)) continue;
      const scope = scopeOf(tree, c, r);
      const { overran, overrunMs, late } = collect(c, scope, p.endMs, (d) => skewOf(p, d, r));
      out.push({ rule: 'child-outlives-parent', deadlineMs: p.endMs, callerDurationMs: dur, limitMs: null, top: c, overran, overrunMs, lateStarts: late });
    }
  }
  return out;
}

function recordPost(post: PostResponseWork[], tree: SpanTree, c: Span, after: number): void {
  post.push({
    traceId: c.traceId,
    spanId: c.spanId,
    name: c.name,
    service: c.service,
    codeRef: owningCodeRef(tree, c)?.ref ?? null,
    startedAfterMs: after,
  });
}

const RULE_RANK: Record<OrphanRule, number> = { 'client-timeout': 0, 'root-overrun': 1, 'child-outlives-parent': 2 };

interface Hit {
  readonly ref: CodeRef;
  readonly service: string | null;
  readonly role: 'handler' | 'outbound-call';
  readonly overrunMs: number;
  /** Late starts that belong to this hit: all of the scope's for a handler, its own calls for an outbound call. */
  readonly late: number;
  readonly ev: Evidence;
}

function hitsOf(tree: SpanTree, ev: Evidence): Hit[] {
  const byKey = new Map<string, Hit>();
  const late = new Set(ev.lateStarts);
  const add = (found: { ref: CodeRef; span: Span } | null, role: Hit['role'], overrunMs: number, lateCount: number): void => {
    if (found === null) return;
    const k = `${codeRefKey(found.ref)}\u001f${found.span.service ?? ''}\u001f${role}`;
    const prev = byKey.get(k);
    if (prev === undefined) byKey.set(k, { ref: found.ref, service: found.span.service, role, overrunMs, late: lateCount, ev });
    else byKey.set(k, { ...prev, overrunMs: Math.max(prev.overrunMs, overrunMs), late: role === 'handler' ? Math.max(prev.late, lateCount) : prev.late + lateCount });
  };
  const top = ev.top;
  const own = (d: Span): number => (late.has(d) ? 1 : 0);
  if (top.kind === 'server' || ev.rule !== 'child-outlives-parent') add(handlerCodeRef(tree, top), 'handler', ev.overrunMs, late.size);
  else if (isCall(top)) add(owningCodeRef(tree, top), 'outbound-call', top.endMs - ev.deadlineMs, own(top));
  else add(owningCodeRef(tree, top), 'handler', ev.overrunMs, late.size);
  for (const d of ev.overran) {
    if (d === top) continue;
    if (isCall(d)) add(owningCodeRef(tree, d), 'outbound-call', d.endMs - ev.deadlineMs, own(d));
    else if (d.kind === 'server') add(handlerCodeRef(tree, d), 'handler', d.endMs - ev.deadlineMs, ev.lateStarts.filter((x) => x.startMs >= d.startMs && x.endMs <= d.endMs + 1).length);
  }
  return [...byKey.values()];
}

interface Acc {
  ref: CodeRef;
  service: string | null;
  role: 'handler' | 'outbound-call';
  perTrace: Map<string, { overrunMs: number; late: number; rule: OrphanRule; limit: number | null; callerDur: number; start: number }>;
}

/**
 * Finds, in the given (sampled) traces, the spans that kept running after their caller gave up and
 * attributes them to methods: the server-side handler that ran on and the methods whose outbound
 * CLIENT/DB calls blew the caller's budget.
 */
export function detectCallerTimeouts(traces: readonly Trace[], options: CallerTimeoutOptions = {}): CallerTimeoutReport {
  const r = resolve(options);
  const inferred = inferCallerLimits(traces);
  const limits = new Map<string, InferredLimit>();
  for (const l of inferred) limits.set(`${l.service ?? ''}\u001f${l.kind}\u001f${l.name}`, l);
  const post: PostResponseWork[] = [];
  const acc = new Map<string, Acc>();

  for (const trace of traces) {
    const tree = buildSpanTree(trace);
    const evidence = evidenceOfTrace(tree, r, limits, post);
    for (const ev of evidence) {
      for (const h of hitsOf(tree, ev)) {
        const key = `${codeRefKey(h.ref)}\u001f${h.service ?? ''}\u001f${h.role}`;
        let a = acc.get(key);
        if (a === undefined) acc.set(key, (a = { ref: h.ref, service: h.service, role: h.role, perTrace: new Map() }));
        const prev = a.perTrace.get(trace.traceId);
        const late = h.late;
        if (prev === undefined) {
          a.perTrace.set(trace.traceId, { overrunMs: h.overrunMs, late, rule: ev.rule, limit: ev.limitMs, callerDur: ev.callerDurationMs, start: ev.top.startMs });
        } else {
          // Several rules may see the same work (a root's child is both O1 and O3): keep the strongest reading.
          const better = RULE_RANK[ev.rule] < RULE_RANK[prev.rule];
          a.perTrace.set(trace.traceId, {
            overrunMs: Math.max(prev.overrunMs, h.overrunMs),
            late: Math.max(prev.late, late),
            rule: better ? ev.rule : prev.rule,
            limit: better ? ev.limitMs : prev.limit ?? ev.limitMs,
            callerDur: better ? ev.callerDurationMs : prev.callerDur,
            start: Math.min(prev.start, ev.top.startMs),
          });
        }
      }
    }
  }

  const findings: CallerTimeoutFinding[] = [];
  for (const a of acc.values()) findings.push(summarise(a, traces.length, r));
  findings.sort((x, y) => y.tracesAffected - x.tracesAffected || y.maxOverrunMs - x.maxOverrunMs);
  return { tracesExamined: traces.length, findings, postResponse: post, inferredLimits: inferred };
}

function summarise(a: Acc, examined: number, r: Resolved): CallerTimeoutFinding {
  const rows = [...a.perTrace.entries()];
  const overruns = rows.map(([, v]) => v.overrunMs);
  const limitsSeen = rows.map(([, v]) => v.limit).filter((v): v is number => v !== null);
  const callerLimitMs = limitsSeen.length > 0 ? roundLimit(median(limitsSeen)) : null;
  const lateStarts = rows.reduce((n, [, v]) => n + v.late, 0);
  const maxOverrunMs = Math.max(...overruns);
  const medianOverrunMs = median(overruns);
  const rules = [...new Set(rows.map(([, v]) => v.rule))].sort((x, y) => RULE_RANK[x] - RULE_RANK[y]);
  const starts = rows.map(([, v]) => v.start).sort((x, y) => x - y);
  let burst = false;
  for (let i = 0; i + 2 < starts.length; i++) if ((starts[i + 2] as number) - (starts[i] as number) <= 10 * 60_000) burst = true;
  const severity: 'high' | 'medium' =
    lateStarts >= 1 || burst || maxOverrunMs > Math.max(10 * (callerLimitMs ?? Infinity), 60_000) ? 'high' : 'medium';
  const exampleTraceIds = rows
    .sort(([, x], [, y]) => y.late - x.late || y.overrunMs - x.overrunMs)
    .slice(0, r.maxExamples)
    .map(([id]) => id);
  const callerDurationMs = median(rows.map(([, v]) => v.callerDur));
  const finding = {
    key: `${codeRefKey(a.ref)}\u001f${a.service ?? ''}`,
    codeRef: a.ref,
    service: a.service,
    role: a.role,
    tracesAffected: rows.length,
    tracesExamined: examined,
    medianOverrunMs,
    maxOverrunMs,
    callerLimitMs,
    callerDurationMs,
    lateStarts,
    rules,
    exampleTraceIds,
    severity,
  };
  return { ...finding, message: callerTimeoutMessage(finding, r.sampled) };
}

/** Limits print as configured: 5 s, not 4.998 s. */
function roundLimit(ms: number): number {
  if (ms >= 1000) return Math.round(ms / 100) * 100;
  return Math.round(ms / 10) * 10;
}

/**
 * "kept running 41 s after its caller gave up at 5 s in 37 of 120 sampled traces; 2 calls started
 * after the caller had given up".
 */
export function callerTimeoutMessage(
  f: Pick<CallerTimeoutFinding, 'medianOverrunMs' | 'maxOverrunMs' | 'callerLimitMs' | 'callerDurationMs' | 'tracesAffected' | 'tracesExamined' | 'lateStarts' | 'role'>,
  sampled = true,
): string {
  const what = f.role === 'outbound-call' ? 'its outbound call kept running' : 'kept running';
  const after = f.callerLimitMs !== null ? `after its caller gave up at ${formatDuration(f.callerLimitMs)}` : `after its caller returned (at ${formatDuration(f.callerDurationMs)})`;
  const median = f.tracesAffected > 1 ? `${formatDuration(f.medianOverrunMs)} (median; up to ${formatDuration(f.maxOverrunMs)})` : formatDuration(f.medianOverrunMs);
  const traces = `in ${f.tracesAffected} of ${f.tracesExamined}${sampled ? ' sampled' : ''} traces`;
  const late = f.lateStarts > 0 ? `; ${f.lateStarts} call${f.lateStarts === 1 ? '' : 's'} started after the caller had already given up` : '';
  return `${what} ${median} ${after} ${traces}${late}`;
}

export function callerTimeoutInsight(f: CallerTimeoutFinding): Insight {
  return { kind: 'caller-timeout', message: f.message, traceIds: f.exampleTraceIds };
}

/**
 * Evidence for the "Add timeout" quick fix: a value safely below the caller's limit (80 %, rounded
 * to whole seconds above 2 s, to 100 ms below).
 */
export function suggestTimeoutMs(callerLimitMs: number): number {
  const raw = callerLimitMs * 0.8;
  if (raw >= 2000) return Math.max(1000, Math.floor(raw / 1000) * 1000);
  return Math.max(100, Math.floor(raw / 100) * 100);
}

/** What the "Add timeout" quick fix needs from a finding (`FixInput.evidence`); empty when no caller limit was measured. */
export function timeoutEvidence(f: Pick<CallerTimeoutFinding, 'callerLimitMs'>): { suggestedTimeoutMs?: number; callerLimitMs?: number } {
  if (f.callerLimitMs === null) return {};
  return { callerLimitMs: f.callerLimitMs, suggestedTimeoutMs: suggestTimeoutMs(f.callerLimitMs) };
}
