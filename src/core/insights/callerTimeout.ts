// Caller-timeout orphans: work that kept running (or started) after its caller had given up, per method, from sampled traces.
import type { CodeRef, Insight, Span, SpanKind, Trace } from '../../shared/model';
import { codeRefKey } from '../codeRef';
import { formatDuration } from '../format';
import {
  buildSpanTree,
  codeRefOf,
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
  /** Floor of the skew allowance between spans of different (or unknown) instances. Default 50 ms. */
  readonly crossInstanceSkewMs?: number;
  /** Cross-instance allowance as a share of the caller's duration. Default 0.01. */
  readonly crossInstanceSkewRatio?: number;
  /** Material overrun: more than max(this, `overrunRatio` · the caller's limit) after the caller gave up. Default 100 ms. */
  readonly minOverrunMs?: number;
  /** Default 0.1. */
  readonly overrunRatio?: number;
  /** A method needs at least this many affected traces … Default 2. */
  readonly minTraces?: number;
  /** … and at least this share of the examined traces it appears in. Default 0.1. */
  readonly minShare?: number;
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
  /** Traces of the sample in which this method appears at all (the share's denominator). */
  readonly tracesWithMethod: number;
  /** The method that gave up (or returned) first, when it carries code attributes: it gets a "related" line, never a finding. */
  readonly callerRef: CodeRef | null;
  readonly callerService: string | null;
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
  readonly minOverrun: number;
  readonly overrunRatio: number;
  readonly minTraces: number;
  readonly minShare: number;
  readonly limit: number | null;
  readonly sampled: boolean;
  readonly maxExamples: number;
}

function resolve(o: CallerTimeoutOptions): Resolved {
  return {
    sameSkew: o.sameInstanceSkewMs ?? 1,
    crossSkew: o.crossInstanceSkewMs ?? 50,
    crossRatio: o.crossInstanceSkewRatio ?? 0.01,
    minOverrun: o.minOverrunMs ?? 100,
    overrunRatio: o.overrunRatio ?? 0.1,
    minTraces: Math.max(1, o.minTraces ?? 2),
    minShare: o.minShare ?? 0.1,
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

function sameClock(a: Span, b: Span): boolean {
  const i = instanceOf(a);
  return i !== null && i === instanceOf(b);
}

function skewOf(parent: Span, child: Span, r: Resolved): number {
  if (sameClock(parent, child)) return r.sameSkew;
  return Math.max(r.crossSkew, r.crossRatio * (parent.endMs - parent.startMs));
}

/** The overrun that counts: more than max(100 ms, 10 % of the caller's limit — or of its duration when no limit is known). */
export function materialOverrunMs(callerLimitOrDurationMs: number, options: CallerTimeoutOptions = {}): number {
  const r = resolve(options);
  return materialOf(callerLimitOrDurationMs, r);
}

function materialOf(limitOrDur: number, r: Resolved): number {
  return Math.max(r.minOverrun, r.overrunRatio * limitOrDur);
}

function dur(s: Span): number {
  return s.endMs - s.startMs;
}

/**
 * How long `d` (a descendant of the caller span `k`) ran on after `k` ended, as a lower bound that
 * survives clock skew: exact on one clock; across clocks the larger of "timestamps minus the skew
 * allowance" and "d's duration minus k's" (d started after k did, so it cannot have run on for
 * less), or, when `d` shares `top`'s clock, d's tail after `top` plus top's own bound.
 */
function overrunAfter(k: Span, d: Span, r: Resolved, top?: { span: Span; overrunMs: number }): number {
  if (sameClock(k, d)) return d.endMs - k.endMs;
  let best = Math.max(d.endMs - k.endMs - skewOf(k, d, r), dur(d) - dur(k));
  if (top !== undefined && top.span !== d && sameClock(top.span, d)) best = Math.max(best, d.endMs - top.span.endMs + top.overrunMs);
  return best;
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

/** gRPC CANCELLED (1) and DEADLINE_EXCEEDED (4): the caller gave up. */
const GRPC_GAVE_UP = new Set([1, 4]);

function mentionsTimeout(s: Span): boolean {
  if (s.statusMessage !== null && TIMEOUT_TEXT.test(s.statusMessage)) return true;
  const grpc = num(s.attributes['rpc.grpc.status_code']);
  if (grpc !== null && GRPC_GAVE_UP.has(grpc)) return true;
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
  /** The span that gave up (the CLIENT that timed out, the root that answered with a timeout, the parent that timed out). */
  readonly caller: Span;
  readonly callerDurationMs: number;
  readonly limitMs: number | null;
  /** The span that ran on (S for O2, the child for O1); null for O3, where only the root's leftover calls ran on. */
  readonly top: Span | null;
  readonly topOverrunMs: number;
  /** Spans of the scope that ran on materially after the caller gave up, with their overruns. */
  readonly overran: ReadonlyMap<Span, number>;
  readonly lateStarts: readonly Span[];
}

/**
 * Descendants of `top` (inclusive) along request/response edges. A child that started after its
 * parent had ended is detached post-response work (recorded separately) and is left out.
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
    return t !== null && Math.abs(dur(k) - t) <= 0.03 * t;
  };

  /** Scope spans (other than the caller) that ran on materially, and the calls that started after it gave up. */
  const judge = (k: Span, scope: readonly Span[], material: number, top?: { span: Span; overrunMs: number }): { overran: Map<Span, number>; late: Span[] } => {
    const overran = new Map<Span, number>();
    const late: Span[] = [];
    for (const d of scope) {
      const o = d === top?.span ? top.overrunMs : overrunAfter(k, d, r, top);
      if (o > material) overran.set(d, o);
      if (d !== top?.span && isCall(d) && d.startMs > k.endMs + skewOf(k, d, r)) late.push(d);
    }
    return { overran, late };
  };

  // O2 — a CLIENT span ended in a timeout while its SERVER child ran on.
  for (const k of tree.trace.spans) {
    if (k.kind !== 'client') continue;
    const servers = (tree.children.get(k.spanId) ?? []).filter((c) => c.kind === 'server' && !isAsyncEdge(k, c));
    if (servers.length === 0 || !timedOut(k)) continue;
    const limit = limitFor(k) ?? r.limit ?? dur(k);
    const material = materialOf(limit, r);
    for (const s of servers) {
      // Judged here whether flagged or not: O3 must not judge the server again as a root.
      o2Servers.add(s.spanId);
      const topOverrun = overrunAfter(k, s, r);
      if (topOverrun <= material) continue;
      const top = { span: s, overrunMs: topOverrun };
      const { overran, late } = judge(k, scopeOf(tree, s, r), material, top);
      out.push({ rule: 'client-timeout', caller: k, callerDurationMs: dur(k), limitMs: limit, top: s, topOverrunMs: topOverrun, overran, lateStarts: late });
    }
  }

  // O3 — the root answered with a timeout while calls it had started ran on (the caller's span may not have been exported).
  for (const root of tree.roots) {
    if (isLinksOnlyRoot(root) || o2Servers.has(root.spanId)) continue;
    const t = limitFor(root);
    const rootTimedOut =
      (root.status === 'error' && (mentionsTimeout(root) || (t !== null && Math.abs(dur(root) - t) <= 0.03 * t))) || TIMEOUT_STATUS.has(statusCode(root) ?? 0);
    // A root that did not give up has no caller that gave up: work outliving it is fire-and-forget, streaming or batch work.
    if (!rootTimedOut) continue;
    const limit = t ?? r.limit ?? dur(root);
    // A SERVER under a CLIENT is judged by O2 (the client timed out) or is streaming: not the root's overrun.
    const scope = scopeOf(tree, root, r, false).slice(1);
    const { overran, late } = judge(root, scope, materialOf(limit, r));
    if (overran.size === 0) continue;
    out.push({ rule: 'root-overrun', caller: root, callerDurationMs: dur(root), limitMs: limit, top: null, topOverrunMs: 0, overran, lateStarts: late });
  }

  // O1 — a child outlived a parent that timed out (the parent gave up waiting for it).
  for (const p of tree.trace.spans) {
    if (p.kind !== 'server' && p.kind !== 'client' && p.kind !== 'internal' && p.kind !== 'unspecified') continue;
    let parentTimedOut: boolean | null = null;
    for (const c of tree.children.get(p.spanId) ?? []) {
      if (isAsyncEdge(p, c)) continue;
      if (c.startMs > p.endMs + skewOf(p, c, r)) {
        recordPost(post, tree, c, c.startMs - p.endMs);
        continue;
      }
      // A SERVER child of a CLIENT span is O2's (timed out) or streaming (did not).
      if (p.kind === 'client' && c.kind === 'server') continue;
      parentTimedOut ??= timedOut(p);
      if (!parentTimedOut) continue;
      const limit = limitFor(p) ?? r.limit ?? dur(p);
      const material = materialOf(limit, r);
      const topOverrun = overrunAfter(p, c, r);
      if (topOverrun <= material) continue;
      const top = { span: c, overrunMs: topOverrun };
      const { overran, late } = judge(p, scopeOf(tree, c, r), material, top);
      out.push({ rule: 'child-outlives-parent', caller: p, callerDurationMs: dur(p), limitMs: limit, top: c, topOverrunMs: topOverrun, overran, lateStarts: late });
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

function refKey(ref: CodeRef, service: string | null): string {
  return `${codeRefKey(ref)}\u001f${service ?? ''}`;
}

/** The method that gave up: its CLIENT span's owner, or the handler of the root / parent that timed out. */
function callerOf(tree: SpanTree, ev: Evidence): { ref: CodeRef; span: Span } | null {
  if (ev.caller.kind === 'client' || isDbSpan(ev.caller)) return owningCodeRef(tree, ev.caller);
  // A root answering with a timeout while its own handler method ran on: the framework gave up, not the handler.
  const h = handlerCodeRef(tree, ev.caller);
  return h !== null && !ev.overran.has(h.span) ? h : null;
}

/**
 * Methods that ran on after the caller gave up: the handler of the span that ran on (O2/O1) and the
 * methods whose own calls ran on. Never the caller's method, nor a method whose call itself timed
 * out (it gave up too — it is a caller, not the work that ran on).
 */
function hitsOf(tree: SpanTree, ev: Evidence, isTimedOutCall: (s: Span) => boolean): Hit[] {
  const byKey = new Map<string, Hit>();
  const late = new Set(ev.lateStarts);
  const caller = callerOf(tree, ev);
  const callerKey = caller === null ? null : refKey(caller.ref, caller.span.service);
  const add = (found: { ref: CodeRef; span: Span } | null, role: Hit['role'], overrunMs: number, lateCount: number): void => {
    if (found === null || refKey(found.ref, found.span.service) === callerKey) return;
    const k = `${refKey(found.ref, found.span.service)}\u001f${role}`;
    const prev = byKey.get(k);
    if (prev === undefined) byKey.set(k, { ref: found.ref, service: found.span.service, role, overrunMs, late: lateCount, ev });
    else byKey.set(k, { ...prev, overrunMs: Math.max(prev.overrunMs, overrunMs), late: role === 'handler' ? Math.max(prev.late, lateCount) : prev.late + lateCount });
  };
  const top = ev.top;
  const own = (d: Span): number => (late.has(d) ? 1 : 0);
  if (top === null) {
    const h = handlerCodeRef(tree, ev.caller);
    const o = h === null ? undefined : ev.overran.get(h.span);
    if (h !== null && o !== undefined && h.span !== ev.caller) add(h, 'handler', o, late.size);
  } else {
    if (isCall(top) && top.kind !== 'server') {
      if (!isTimedOutCall(top)) add(owningCodeRef(tree, top), 'outbound-call', ev.topOverrunMs, own(top));
    } else {
      add(handlerCodeRef(tree, top), 'handler', ev.topOverrunMs, late.size);
    }
  }
  for (const [d, o] of ev.overran) {
    if (d === top) continue;
    if (isCall(d) && d.kind !== 'server') {
      if (!isTimedOutCall(d)) add(owningCodeRef(tree, d), 'outbound-call', o, own(d));
    } else if (d.kind === 'server') {
      add(handlerCodeRef(tree, d), 'handler', o, ev.lateStarts.filter((x) => x.startMs >= d.startMs && x.endMs <= d.endMs + 1).length);
    }
  }
  return [...byKey.values()];
}

interface Acc {
  ref: CodeRef;
  service: string | null;
  role: 'handler' | 'outbound-call';
  perTrace: Map<string, { overrunMs: number; late: number; rule: OrphanRule; limit: number | null; callerDur: number; start: number }>;
  callers: Map<string, { ref: CodeRef; service: string | null; n: number }>;
}

/**
 * Finds, in the given (sampled) traces, the spans that kept running after their caller gave up and
 * attributes them to methods: the server-side handler that ran on and the methods whose outbound
 * CLIENT/DB calls ran on. A finding needs a material overrun (more than max(100 ms, 10 % of the
 * caller's limit), measured so that clock skew between hosts cannot produce it) in at least 2 traces
 * and 10 % of the traces the method appears in.
 */
export function detectCallerTimeouts(traces: readonly Trace[], options: CallerTimeoutOptions = {}): CallerTimeoutReport {
  const r = resolve(options);
  const inferred = inferCallerLimits(traces);
  const limits = new Map<string, InferredLimit>();
  for (const l of inferred) limits.set(`${l.service ?? ''}\u001f${l.kind}\u001f${l.name}`, l);
  const post: PostResponseWork[] = [];
  const acc = new Map<string, Acc>();
  const tracesWith = new Map<string, number>();

  for (const trace of traces) {
    const tree = buildSpanTree(trace);
    const present = new Set<string>();
    for (const s of trace.spans) {
      const ref = codeRefOf(s);
      if (ref !== null) present.add(refKey(ref, s.service));
    }
    for (const k of present) tracesWith.set(k, (tracesWith.get(k) ?? 0) + 1);
    const evidence = evidenceOfTrace(tree, r, limits, post);
    const callers = new Set(evidence.map((e) => e.caller));
    for (const ev of evidence) {
      const caller = callerOf(tree, ev);
      for (const h of hitsOf(tree, ev, (s) => callers.has(s))) {
        const key = `${refKey(h.ref, h.service)}\u001f${h.role}`;
        let a = acc.get(key);
        if (a === undefined) acc.set(key, (a = { ref: h.ref, service: h.service, role: h.role, perTrace: new Map(), callers: new Map() }));
        if (caller !== null) {
          const ck = refKey(caller.ref, caller.span.service);
          const c = a.callers.get(ck);
          if (c === undefined) a.callers.set(ck, { ref: caller.ref, service: caller.span.service, n: 1 });
          else c.n++;
        }
        const prev = a.perTrace.get(trace.traceId);
        const start = ev.top?.startMs ?? ev.caller.startMs;
        if (prev === undefined) {
          a.perTrace.set(trace.traceId, { overrunMs: h.overrunMs, late: h.late, rule: ev.rule, limit: ev.limitMs, callerDur: ev.callerDurationMs, start });
        } else {
          // Several rules may see the same work (a root's child is both O1 and O3): keep the strongest reading.
          const better = RULE_RANK[ev.rule] < RULE_RANK[prev.rule];
          a.perTrace.set(trace.traceId, {
            overrunMs: Math.max(prev.overrunMs, h.overrunMs),
            late: Math.max(prev.late, h.late),
            rule: better ? ev.rule : prev.rule,
            limit: better ? ev.limitMs : prev.limit ?? ev.limitMs,
            callerDur: better ? ev.callerDurationMs : prev.callerDur,
            start: Math.min(prev.start, start),
          });
        }
      }
    }
  }

  const findings: CallerTimeoutFinding[] = [];
  for (const a of acc.values()) {
    const withMethod = Math.max(a.perTrace.size, tracesWith.get(refKey(a.ref, a.service)) ?? 0);
    if (a.perTrace.size < r.minTraces || a.perTrace.size < r.minShare * withMethod) continue;
    findings.push(summarise(a, traces.length, withMethod, r));
  }
  findings.sort((x, y) => y.tracesAffected - x.tracesAffected || y.maxOverrunMs - x.maxOverrunMs);
  return { tracesExamined: traces.length, findings, postResponse: post, inferredLimits: inferred };
}

function summarise(a: Acc, examined: number, withMethod: number, r: Resolved): CallerTimeoutFinding {
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
  const caller = [...a.callers.values()].sort((x, y) => y.n - x.n)[0];
  const finding = {
    key: refKey(a.ref, a.service),
    codeRef: a.ref,
    service: a.service,
    role: a.role,
    tracesAffected: rows.length,
    tracesExamined: examined,
    tracesWithMethod: withMethod,
    medianOverrunMs,
    maxOverrunMs,
    callerLimitMs,
    callerDurationMs,
    lateStarts,
    rules,
    exampleTraceIds,
    severity,
    callerRef: caller?.ref ?? null,
    callerService: caller?.service ?? null,
  };
  return { ...finding, message: callerTimeoutMessage(finding, r.sampled) };
}

/** Limits print as configured: 5 s, not 4.998 s. */
function roundLimit(ms: number): number {
  if (ms >= 1000) return Math.round(ms / 100) * 100;
  return Math.round(ms / 10) * 10;
}

/**
 * "kept running after its caller gave up at 5 s in 37 of 120 sampled traces that ran it (overrun
 * p50 41 s, max 3 min); 2 calls started after the caller had already given up".
 */
export function callerTimeoutMessage(
  f: Pick<CallerTimeoutFinding, 'medianOverrunMs' | 'maxOverrunMs' | 'callerLimitMs' | 'callerDurationMs' | 'tracesAffected' | 'tracesExamined' | 'lateStarts' | 'role'> & { readonly tracesWithMethod?: number },
  sampled = true,
): string {
  const what = f.role === 'outbound-call' ? 'its outbound call kept running' : 'kept running';
  const after = f.callerLimitMs !== null ? `after its caller gave up at ${formatDuration(f.callerLimitMs)}` : `after its caller returned (at ${formatDuration(f.callerDurationMs)})`;
  const of = f.tracesWithMethod ?? f.tracesExamined;
  const traces = `in ${f.tracesAffected} of ${of}${sampled ? ' sampled' : ''} traces${f.tracesWithMethod !== undefined ? ' that ran it' : ''}`;
  const spread = f.tracesAffected > 1 ? `overrun p50 ${formatDuration(f.medianOverrunMs)}, max ${formatDuration(f.maxOverrunMs)}` : `overrun ${formatDuration(f.maxOverrunMs)}`;
  const late = f.lateStarts > 0 ? `; ${f.lateStarts} call${f.lateStarts === 1 ? '' : 's'} started after the caller had already given up` : '';
  return `${what} ${after} ${traces} (${spread})${late}`;
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
