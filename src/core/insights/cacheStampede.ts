// Cache stampedes: bursts of the same expensive child (DB statement, HTTP fetch, loader method) run concurrently by many traces, attributed to the method owning the cache.
import type { CodeRef, Insight, Span, Trace } from '../../shared/model';
import { codeRefKey, formatCodeRef } from '../codeRef';
import { formatDuration } from '../format';
import { buildSpanTree, codeRefOf, isDbSpan, isHttpClientSpan, median, owningCodeRef, parentOf, str, type SpanTree } from './spanTree';

export interface CacheStampedeOptions {
  /** A burst needs at least this many executions … Default 5. */
  readonly minExecutions?: number;
  /** … from at least this many distinct traces. Default 5. */
  readonly minTraces?: number;
  /** … of which at least this many ran at the same time (no single-flight). Default 5. */
  readonly minConcurrent?: number;
  /** … and at least this multiple of the fingerprint's baseline rate per window. Default 10. */
  readonly baselineFactor?: number;
  /** How far back the baseline looks. Default 30 min. */
  readonly baselineLookbackMs?: number;
  /** Burst times recur "periodically" when the coefficient of variation of their intervals is below this. Default 0.15. */
  readonly periodicCv?: number;
  readonly maxExamples?: number;
}

export interface CacheStampedeFinding {
  /** `codeRefKey(codeRef)` + service of the cache owner. */
  readonly key: string;
  /**
   * The method that owns the cache: the highest code-carrying ancestor of the expensive child that
   * runs only when the child runs (a `@Cacheable` method's body runs only on a miss), else the
   * nearest code-carrying ancestor (the common parent).
   */
  readonly codeRef: CodeRef;
  /** The method calling the owner on every request (where a hand-written get-check-put cache would live), when known. */
  readonly callerRef: CodeRef | null;
  readonly service: string | null;
  /** `stampede` = many loads of the same key(s); `hot-set-reload` = many different keys at once (single-flight would not help). */
  readonly kind: 'stampede' | 'hot-set-reload';
  readonly severity: 'high' | 'medium' | 'low';
  readonly fingerprint: string;
  /** Short, human label of the expensive child: `SELECT … FROM jwks`, `GET /keys`, `KeyLoader.load`. */
  readonly label: string;
  readonly bursts: number;
  /** Executions in the largest burst. */
  readonly maxExecutions: number;
  /** Most executions running at the same instant in the largest burst. */
  readonly peakConcurrency: number;
  /** First-to-last start of the largest burst. */
  readonly burstSpreadMs: number;
  /** The burst window W = max(1 s, 2·median duration). */
  readonly windowMs: number;
  /** Median interval between bursts when they recur steadily (≈ the cache TTL), else null. */
  readonly periodMs: number | null;
  /** Executions minus distinct keys, per burst (median). Keys unknown count as one. */
  readonly redundantPerBurst: number;
  /** Σ duration − max duration per burst (median): time spent reloading what one load would have given. */
  readonly wastedMsPerBurst: number;
  readonly baselinePerWindow: number;
  readonly burstStartsMs: readonly number[];
  /** Executions per burst, largest first. */
  readonly burstSizes: readonly number[];
  /** Traces the detector saw (the sample). */
  readonly tracesExamined: number;
  readonly exampleTraceIds: readonly string[];
  readonly message: string;
}

export interface CacheStampedeReport {
  readonly tracesExamined: number;
  readonly findings: readonly CacheStampedeFinding[];
}

interface Execution {
  readonly traceId: string;
  readonly start: number;
  readonly end: number;
  readonly key: string | null;
  /** The span and its trace, to walk up to the cache owner — only for executions inside bursts. */
  readonly span: Span;
  readonly tree: SpanTree;
}

interface Owner {
  readonly ref: CodeRef;
  readonly service: string | null;
  readonly key: string;
}

interface Fingerprint {
  readonly id: string;
  readonly label: string;
  readonly execs: Execution[];
  /**
   * A code-only fingerprint (loader method) is dropped when any execution has DB/HTTP work below it:
   * those children are fingerprinted themselves, and the executions without them are callers
   * waiting on a load that is already single-flighted (§5b test 4).
   */
  notALeaf: boolean;
}

const SQL_STRING = /'(?:[^']|'')*'/g;
const SQL_NUMBER = /(?<![\w$.])-?\d+(?:\.\d+)?(?![\w$])/g;

/**
 * SQL with literals replaced by `?`, whitespace collapsed and `IN (?, ?, …)` folded, plus the literals
 * themselves (the cache key, when the statement was not parameterised).
 */
export function normaliseStatement(sql: string): { text: string; literals: string[] } {
  const literals: string[] = [];
  let text = sql.replace(SQL_STRING, (m) => {
    literals.push(m);
    return '?';
  });
  text = text.replace(SQL_NUMBER, (m) => {
    literals.push(m);
    return '?';
  });
  text = text.replace(/\s+/g, ' ').trim();
  text = text.replace(/\b(IN)\s*\(\s*\?(?:\s*,\s*\?)*\s*\)/gi, (_m, kw: string) => `${kw} (?)`);
  return { text, literals };
}

/** `SELECT … FROM jwks`, `UPDATE tokens …`; otherwise the first 60 characters. */
export function statementLabel(normalised: string): string {
  const sel = /^\s*select\b[\s\S]*?\bfrom\s+([\w.$"`[\]]+)/i.exec(normalised);
  if (sel !== null) return `SELECT … FROM ${sel[1]}`;
  const m = /^\s*(insert\s+into|update|delete\s+from)\s+([\w.$"`[\]]+)/i.exec(normalised);
  if (m !== null) return `${(m[1] as string).toUpperCase()} ${m[2]} …`;
  return normalised.length > 60 ? `${normalised.slice(0, 59)}…` : normalised;
}

function normalisePath(path: string): string {
  return path
    .split('?')[0]!
    .split('/')
    .map((seg) => (/^\d+$/.test(seg) || /^[0-9a-f]{8,}(-[0-9a-f]{4,})*$/i.test(seg) ? '{id}' : seg))
    .join('/');
}

function urlParts(s: Span): { host: string | null; path: string | null; full: string | null } {
  const full = str(s.attributes['url.full']) ?? str(s.attributes['http.url']);
  let host = str(s.attributes['server.address']) ?? str(s.attributes['net.peer.name']);
  let path = str(s.attributes['url.path']) ?? str(s.attributes['http.target']);
  if (full !== null) {
    const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]+)([^?#]*)/i.exec(full);
    if (m !== null) {
      host ??= (m[1] as string).replace(/:\d+$/, '');
      path ??= m[2] || '/';
    }
  }
  return { host, path, full };
}

/**
 * Fingerprint, label and key of a call: DB = system + namespace + normalised statement; HTTP =
 * method + route (`url.template`, `http.route`, else host + normalised path); a code-carrying
 * INTERNAL span = its method. The key tells requests of the same fingerprint apart (literals, URL).
 * Null when the span is no call we can name.
 */
export function callFingerprint(s: Span): { id: string; label: string; key: string | null } | null {
  return fingerprintOf(s);
}

function fingerprintOf(s: Span): { id: string; label: string; key: string | null } | null {
  const svc = s.service ?? '';
  if (isDbSpan(s)) {
    const a = s.attributes;
    const raw = str(a['db.query.text']) ?? str(a['db.statement']);
    const summary = str(a['db.query.summary']);
    const system = str(a['db.system.name']) ?? str(a['db.system']) ?? '';
    const ns = str(a['db.namespace']) ?? str(a['db.name']) ?? '';
    let text: string;
    let key: string | null = null;
    if (raw !== null) {
      const n = normaliseStatement(raw);
      text = n.text;
      if (n.literals.length > 0) key = n.literals.join('\u001f');
    } else {
      text = summary ?? s.name;
    }
    const params = Object.keys(a)
      .filter((k) => k.startsWith('db.query.parameter.'))
      .sort()
      .map((k) => `${k}=${str(a[k]) ?? ''}`);
    if (params.length > 0) key = params.join('\u001f');
    return { id: `db\u001f${svc}\u001f${system}\u001f${ns}\u001f${text}`, label: raw !== null ? statementLabel(text) : text, key };
  }
  if (isHttpClientSpan(s)) {
    const method = str(s.attributes['http.request.method']) ?? str(s.attributes['http.method']) ?? 'GET';
    const template = str(s.attributes['url.template']) ?? str(s.attributes['http.route']);
    const { host, path, full } = urlParts(s);
    const route = template ?? `${host ?? ''}${normalisePath(path ?? '/')}`;
    return { id: `http\u001f${svc}\u001f${method}\u001f${route}`, label: `${method} ${template ?? normalisePath(path ?? '/')}`, key: full ?? path };
  }
  if (s.kind === 'internal' || s.kind === 'unspecified') {
    const ref = codeRefOf(s);
    if (ref === null) return null;
    return { id: `code\u001f${svc}\u001f${codeRefKey(ref)}`, label: ref.namespace !== null ? `${shortName(ref.namespace)}.${ref.function}` : ref.function, key: null };
  }
  return null;
}

function shortName(ns: string): string {
  const i = Math.max(ns.lastIndexOf('.'), ns.lastIndexOf('/'), ns.lastIndexOf('\\'));
  return i >= 0 ? ns.slice(i + 1) : ns;
}

/** Spans of the tree with DB/HTTP work somewhere below them (computed once per trace). */
function withExpensiveDescendants(tree: SpanTree): Set<string> {
  const marked = new Set<string>();
  for (const s of tree.trace.spans) {
    if (!isDbSpan(s) && !isHttpClientSpan(s)) continue;
    let p = s.parentSpanId === null ? undefined : tree.byId.get(s.parentSpanId);
    for (let guard = 0; p !== undefined && !marked.has(p.spanId) && guard < 100_000; guard++) {
      marked.add(p.spanId);
      p = p.parentSpanId === null ? undefined : tree.byId.get(p.parentSpanId);
    }
  }
  return marked;
}

function peakConcurrency(execs: readonly Execution[]): number {
  const events: [number, number][] = [];
  for (const e of execs) {
    events.push([e.start, 1], [e.end, -1]);
  }
  // Ends sort before starts at the same instant: back-to-back is not overlap.
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let cur = 0;
  let peak = 0;
  for (const [, d] of events) {
    cur += d;
    peak = Math.max(peak, cur);
  }
  return peak;
}

interface Burst {
  readonly execs: readonly Execution[];
  readonly start: number;
  readonly peak: number;
  readonly baselinePerWindow: number;
}

/** First index whose start is ≥ t (execs sorted by start). */
function lowerBound(execs: readonly Execution[], t: number): number {
  let lo = 0;
  let hi = execs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((execs[mid] as Execution).start < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Executions per window over [from, to), or 0 when less than one window was observed. */
function ratePerWindow(execs: readonly Execution[], from: number, to: number, windowMs: number): number {
  if (to - from < windowMs) return 0;
  return ((lowerBound(execs, to) - lowerBound(execs, from)) * windowMs) / (to - from);
}

function findBursts(execs: readonly Execution[], windowMs: number, dataStart: number, dataEnd: number, o: Required<CacheStampedeOptions>): Burst[] {
  const bursts: Burst[] = [];
  const n = execs.length;
  let i = 0;
  let j = 0;
  while (i < n) {
    const t0 = (execs[i] as Execution).start;
    if (j < i) j = i;
    while (j < n && (execs[j] as Execution).start - t0 <= windowMs) j++;
    const count = j - i;
    if (count < o.minExecutions) {
      i++;
      continue;
    }
    // Baseline: the fingerprint's rate per window over the lookback before the cluster — and after
    // it, so that a sample starting in the middle of steady load is not "a burst over nothing".
    // Cheap checks first: dense steady load fails here without sorting anything.
    const before = ratePerWindow(execs, Math.max(dataStart, t0 - o.baselineLookbackMs), t0, windowMs);
    const afterFrom = t0 + windowMs;
    const after = ratePerWindow(execs, afterFrom, Math.min(dataEnd, afterFrom + o.baselineLookbackMs), windowMs);
    const baselinePerWindow = Math.max(before, after);
    if (count < o.baselineFactor * baselinePerWindow) {
      i++;
      continue;
    }
    const cluster = execs.slice(i, j);
    if (new Set(cluster.map((e) => e.traceId)).size < o.minTraces) {
      i++;
      continue;
    }
    const peak = peakConcurrency(cluster);
    if (peak < o.minConcurrent) {
      i++;
      continue;
    }
    // A long stampede (a pool drained for minutes) is one burst: extend while the next window is as dense.
    let end = j;
    for (;;) {
      const last = (execs[end - 1] as Execution).start;
      let k = end;
      while (k < n && (execs[k] as Execution).start - last <= windowMs) k++;
      const next = execs.slice(end, k);
      if (next.length < o.minExecutions || peakConcurrency(next) < o.minConcurrent) break;
      end = k;
    }
    const all = execs.slice(i, end);
    bursts.push({ execs: all, start: t0, peak: end === j ? peak : Math.max(peak, peakConcurrency(all)), baselinePerWindow });
    i = end;
  }
  return bursts;
}

/**
 * A child that runs in most traces outside the bursts is not behind a cache at all: its "burst" is
 * a traffic spike. Behind a cache it is rare between expiries (hits skip it).
 */
function runsOnMostRequests(f: Fingerprint, bursts: readonly Burst[], traceCount: number): boolean {
  const inBurst = new Set<string>();
  for (const b of bursts) for (const e of b.execs) inBurst.add(e.traceId);
  const outside = traceCount - inBurst.size;
  if (outside < 10) return false;
  const withF = new Set<string>();
  for (const e of f.execs) if (!inBurst.has(e.traceId)) withF.add(e.traceId);
  return withF.size >= 0.5 * outside;
}

function cv(values: readonly number[]): number {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  if (mean <= 0) return Infinity;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  return Math.sqrt(variance) / mean;
}

/**
 * Finds stampedes in the given traces: for every expensive child fingerprint, bursts of ≥ 5
 * executions from ≥ 5 traces within W = max(1 s, 2·median duration), ≥ 5 of them at once, ≥ 10×
 * the baseline; recurring at a steady interval → the cache TTL.
 */
export function detectCacheStampedes(traces: readonly Trace[], options: CacheStampedeOptions = {}): CacheStampedeReport {
  const o: Required<CacheStampedeOptions> = {
    minExecutions: options.minExecutions ?? 5,
    minTraces: options.minTraces ?? 5,
    minConcurrent: options.minConcurrent ?? 5,
    baselineFactor: options.baselineFactor ?? 10,
    baselineLookbackMs: options.baselineLookbackMs ?? 30 * 60_000,
    periodicCv: options.periodicCv ?? 0.15,
    maxExamples: options.maxExamples ?? 5,
  };
  const prints = new Map<string, Fingerprint>();
  let dataStart = Infinity;
  let dataEnd = -Infinity;
  const refTraces = new Map<string, Set<string>>();
  for (const trace of traces) {
    const tree = buildSpanTree(trace);
    let expensiveAbove: Set<string> | null = null;
    for (const s of trace.spans) {
      const ref = codeRefOf(s);
      if (ref !== null) {
        const k = ownerKey(ref, s.service);
        let set = refTraces.get(k);
        if (set === undefined) refTraces.set(k, (set = new Set()));
        set.add(trace.traceId);
      }
      if (s.startMs < dataStart) dataStart = s.startMs;
      if (s.startMs > dataEnd) dataEnd = s.startMs;
      const fp = fingerprintOf(s);
      if (fp === null) continue;
      let f = prints.get(fp.id);
      if (f === undefined) prints.set(fp.id, (f = { id: fp.id, label: fp.label, execs: [], notALeaf: false }));
      if (fp.id.startsWith('code\u001f') && !f.notALeaf) {
        expensiveAbove ??= withExpensiveDescendants(tree);
        if (expensiveAbove.has(s.spanId)) f.notALeaf = true;
      }
      f.execs.push({ traceId: trace.traceId, start: s.startMs, end: s.endMs, key: fp.key, span: s, tree });
    }
  }

  const traceCount = traces.length;
  const findings: CacheStampedeFinding[] = [];
  for (const f of prints.values()) {
    if (f.execs.length < o.minExecutions || f.notALeaf) continue;
    f.execs.sort((a, b) => a.start - b.start);
    const windowMs = Math.max(1000, 2 * median(f.execs.map((e) => e.end - e.start)));
    const bursts = findBursts(f.execs, windowMs, dataStart, dataEnd, o);
    if (bursts.length === 0 || runsOnMostRequests(f, bursts, traceCount)) continue;
    const finding = summarise(f, bursts, windowMs, o, traceCount, refTraces);
    if (finding !== null) findings.push(finding);
  }
  const rank = { high: 0, medium: 1, low: 2 } as const;
  findings.sort((a, b) => rank[a.severity] - rank[b.severity] || b.maxExecutions - a.maxExecutions);
  return { tracesExamined: traces.length, findings };
}

function ownerKey(ref: CodeRef, service: string | null): string {
  return `${codeRefKey(ref)}\u001f${service ?? ''}`;
}

/** A request's entry method: the code of a SERVER/CONSUMER span, or the code span right below one (its handler). */
function isEntryMethod(tree: SpanTree, span: Span): boolean {
  if (span.kind === 'server' || span.kind === 'consumer') return true;
  const p = parentOf(tree, span);
  return p !== undefined && (p.kind === 'server' || p.kind === 'consumer') && p.service === span.service && codeRefOf(p) === null;
}

/**
 * The method whose fix applies, and the method above it. Start at the method issuing the expensive
 * call (its nearest code-carrying ancestor; for a code-only fingerprint, the loader method itself)
 * and climb while both the method and its caller run only in traces that ran the call (the miss
 * path: a `@Cacheable` method's body — and the repository below it — runs only on a miss). The
 * climb never reaches a request's entry method: a sample biased to slow traces makes the caller
 * of the cached method look like the miss path too, and the fix does not go there.
 */
function ownerOf(tree: SpanTree, s: Span, isCodeFingerprint: boolean, fTraces: ReadonlySet<string>, refTraces: ReadonlyMap<string, ReadonlySet<string>>): { owner: Owner; caller: Owner | null } | null {
  const chain: { owner: Owner; span: Span }[] = [];
  const own = isCodeFingerprint ? codeRefOf(s) : null;
  let cur = own !== null ? { ref: own, span: s } : owningCodeRef(tree, s, false);
  for (let guard = 0; cur !== null && chain.length < 8 && guard < 64; guard++) {
    const key = ownerKey(cur.ref, cur.span.service);
    // The same method one frame up (a proxy span, recursion) is not a different caller.
    if (chain.at(-1)?.owner.key !== key) chain.push({ owner: { ref: cur.ref, service: cur.span.service, key }, span: cur.span });
    cur = owningCodeRef(tree, cur.span, false);
  }
  const onlyWithF = (o: Owner): boolean => {
    const set = refTraces.get(o.key);
    if (set === undefined) return false;
    for (const t of set) if (!fTraces.has(t)) return false;
    return true;
  };
  if (chain.length === 0) return null;
  let i = 0;
  while (i + 1 < chain.length) {
    const a = chain[i]!;
    const p = chain[i + 1]!;
    if (!onlyWithF(a.owner) || !onlyWithF(p.owner) || isEntryMethod(tree, p.span)) break;
    i++;
  }
  return { owner: chain[i]!.owner, caller: chain[i + 1]?.owner ?? null };
}

function summarise(f: Fingerprint, bursts: readonly Burst[], windowMs: number, o: Required<CacheStampedeOptions>, tracesExamined: number, refTraces: ReadonlyMap<string, ReadonlySet<string>>): CacheStampedeFinding | null {
  const isCode = f.id.startsWith('code\u001f');
  const fTraces = new Set(f.execs.map((e) => e.traceId));
  const owners = new Map<string, { owner: Owner; caller: Owner | null; n: number }>();
  for (const b of bursts) {
    for (const e of b.execs) {
      const found = ownerOf(e.tree, e.span, isCode, fTraces, refTraces);
      if (found === null) continue;
      const cur = owners.get(found.owner.key);
      if (cur === undefined) owners.set(found.owner.key, { ...found, n: 1 });
      else cur.n++;
    }
  }
  const best = [...owners.values()].sort((a, b) => b.n - a.n)[0];
  if (best === undefined) return null;
  const owner = { ref: best.owner.ref, service: best.owner.service };

  const perBurst = bursts.map((b) => {
    const known = b.execs.filter((e) => e.key !== null);
    const keys = known.length >= 0.8 * b.execs.length ? new Set(known.map((e) => e.key)).size : 1;
    const durs = b.execs.map((e) => e.end - e.start);
    return {
      redundant: b.execs.length - keys,
      distinctKeys: keys,
      wasted: durs.reduce((x, y) => x + y, 0) - Math.max(...durs),
    };
  });
  const hotSet = perBurst.every((p) => p.distinctKeys >= 0.5 * (p.redundant + p.distinctKeys) && p.distinctKeys > 1);
  const starts = bursts.map((b) => b.start);
  let periodMs: number | null = null;
  if (starts.length >= 3) {
    const gaps = starts.slice(1).map((t, k) => t - (starts[k] as number));
    if (cv(gaps) < o.periodicCv) periodMs = median(gaps);
  }
  const largest = [...bursts].sort((a, b) => b.execs.length - a.execs.length)[0] as Burst;
  const spread = (largest.execs[largest.execs.length - 1] as Execution).start - largest.start;
  const examples = [...new Set(largest.execs.map((e) => e.traceId))].slice(0, o.maxExamples);
  const kind: CacheStampedeFinding['kind'] = hotSet ? 'hot-set-reload' : 'stampede';
  const severity: CacheStampedeFinding['severity'] = hotSet ? 'low' : periodMs !== null || bursts.length >= 2 || largest.execs.length >= 10 ? 'high' : 'medium';
  const base = {
    key: `${codeRefKey(owner.ref)}\u001f${owner.service ?? ''}`,
    codeRef: owner.ref,
    callerRef: best.caller?.ref ?? null,
    service: owner.service,
    kind,
    severity,
    fingerprint: f.id,
    label: f.label,
    bursts: bursts.length,
    maxExecutions: largest.execs.length,
    peakConcurrency: largest.peak,
    burstSpreadMs: spread,
    windowMs,
    periodMs,
    redundantPerBurst: median(perBurst.map((p) => p.redundant)),
    wastedMsPerBurst: median(perBurst.map((p) => p.wasted)),
    baselinePerWindow: Math.max(...bursts.map((b) => b.baselinePerWindow)),
    burstStartsMs: starts,
    burstSizes: bursts.map((b) => b.execs.length).sort((x, y) => y - x),
    tracesExamined,
    exampleTraceIds: examples,
  };
  return { ...base, message: cacheStampedeMessage(base, distinctOf(perBurst)) };
}

function distinctOf(perBurst: readonly { distinctKeys: number }[]): number {
  return Math.max(...perBurst.map((p) => p.distinctKeys));
}

/**
 * "12 concurrent executions of SELECT … FROM jwks within 300 ms (9 at once), ~every 24 h, in 3
 * bursts of 12, 10 and 9 calls among 40 traces; the cache expires and every request reloads it".
 */
export function cacheStampedeMessage(
  f: Pick<CacheStampedeFinding, 'kind' | 'maxExecutions' | 'label' | 'burstSpreadMs' | 'peakConcurrency' | 'periodMs' | 'bursts'> & { readonly burstSizes?: readonly number[]; readonly tracesExamined?: number },
  distinctKeys = 1,
): string {
  const within = `within ${formatDuration(Math.max(1, f.burstSpreadMs))}`;
  const head = `${f.maxExecutions} concurrent executions of ${f.label} ${within} (${f.peakConcurrency} at once)`;
  const when = f.periodMs !== null ? `, ~every ${formatDuration(f.periodMs)}` : '';
  const sizes = f.burstSizes !== undefined && f.bursts > 1 ? ` of ${listSizes(f.burstSizes)} calls` : '';
  const seen = f.tracesExamined !== undefined ? ` among ${f.tracesExamined} traces` : '';
  const bursts = `, in ${f.bursts} burst${f.bursts === 1 ? '' : 's'}${sizes}${seen}`;
  if (f.kind === 'hot-set-reload') {
    return `${head} for ${distinctKeys} different keys${when}${bursts}: a hot-set reload — single-flight per key would not help`;
  }
  const why = f.periodMs !== null ? 'the cache expires and every request reloads it' : 'concurrent cache misses each reload it';
  return `${head}${when}${bursts}; ${why}`;
}

function listSizes(sizes: readonly number[]): string {
  const shown = sizes.slice(0, 5).map(String);
  if (sizes.length > 5) return `${shown.join(', ')}, …`;
  return shown.length > 1 ? `${shown.slice(0, -1).join(', ')} and ${shown.at(-1) ?? ''}` : (shown[0] ?? '');
}

export function cacheStampedeInsight(f: CacheStampedeFinding): Insight {
  return { kind: 'cache-stampede', message: f.message, traceIds: f.exampleTraceIds };
}

/** For hovers: the owner and the child in one line. */
export function describeStampedeTarget(f: CacheStampedeFinding): string {
  return `${formatCodeRef(f.codeRef)} → ${f.label}`;
}
