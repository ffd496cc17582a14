// Parent/child index of one trace and the span predicates the detectors share (async edges, DB/HTTP kinds, code owners).
import type { AttrValue, CodeRef, Span, Trace } from '../../shared/model';
import { codeRefFromAttributes } from '../codeRef';

export interface SpanTree {
  readonly trace: Trace;
  readonly byId: ReadonlyMap<string, Span>;
  readonly children: ReadonlyMap<string, readonly Span[]>;
  /** Spans without a parent in this trace (true roots first, then spans whose parent is missing). */
  readonly roots: readonly Span[];
}

export function buildSpanTree(trace: Trace): SpanTree {
  const byId = new Map<string, Span>();
  for (const s of trace.spans) byId.set(s.spanId, s);
  const children = new Map<string, Span[]>();
  const roots: Span[] = [];
  const missingParent: Span[] = [];
  for (const s of trace.spans) {
    if (s.parentSpanId === null) {
      roots.push(s);
      continue;
    }
    if (!byId.has(s.parentSpanId)) {
      missingParent.push(s);
      continue;
    }
    let list = children.get(s.parentSpanId);
    if (list === undefined) children.set(s.parentSpanId, (list = []));
    list.push(s);
  }
  const byStart = (a: Span, b: Span): number => a.startMs - b.startMs;
  roots.sort(byStart);
  missingParent.sort(byStart);
  return { trace, byId, children, roots: [...roots, ...missingParent] };
}

export function hasAttrPrefix(attrs: Readonly<Record<string, AttrValue>>, prefix: string): boolean {
  for (const k in attrs) if (k.startsWith(prefix)) return true;
  return false;
}

/**
 * Edges that are not request/response: a PRODUCER parent, a CONSUMER child, or messaging on either
 * side. The child legitimately runs after its parent there; it is not orphaned work.
 */
export function isAsyncEdge(parent: Span, child: Span): boolean {
  if (parent.kind === 'producer' || child.kind === 'consumer') return true;
  return hasAttrPrefix(child.attributes, 'messaging.') || hasAttrPrefix(parent.attributes, 'messaging.');
}

/** A span with no parent that only points at other work through links (follows-from). */
export function isLinksOnlyRoot(span: Span): boolean {
  return span.parentSpanId === null && span.links.length > 0;
}

export function isDbSpan(span: Span): boolean {
  const a = span.attributes;
  return a['db.system'] !== undefined || a['db.system.name'] !== undefined || a['db.query.text'] !== undefined || a['db.statement'] !== undefined;
}

export function isHttpClientSpan(span: Span): boolean {
  if (span.kind !== 'client') return false;
  const a = span.attributes;
  return a['http.request.method'] !== undefined || a['http.method'] !== undefined || a['url.full'] !== undefined || a['http.url'] !== undefined;
}

export function str(v: AttrValue | undefined): string | null {
  if (typeof v === 'string') return v === '' ? null : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

export function num(v: AttrValue | undefined): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  return null;
}

const refMemo = new WeakMap<Span, CodeRef | null>();

/** `codeRefFromAttributes`, memoised per span object (the detectors ask many times). */
export function codeRefOf(span: Span): CodeRef | null {
  let r = refMemo.get(span);
  if (r === undefined) {
    r = codeRefFromAttributes(span.attributes);
    refMemo.set(span, r);
  }
  return r;
}

const ownerMemo = new WeakMap<Span, { ref: CodeRef; span: Span } | null>();

/** The span's own code ref, or the nearest ancestor's (the method that made the call). */
export function owningCodeRef(tree: SpanTree, span: Span, includeSelf = true): { ref: CodeRef; span: Span } | null {
  const start = includeSelf ? span : parentOf(tree, span);
  if (start === undefined) return null;
  // Walk up to a memoised or code-carrying span, then memoise the whole path (each span is resolved once).
  const path: Span[] = [];
  const seen = new Set<Span>();
  let cur: Span | undefined = start;
  let found: { ref: CodeRef; span: Span } | null = null;
  // Trace data is untrusted: a parent cycle ends the walk instead of spinning.
  for (; cur !== undefined && !seen.has(cur); ) {
    const memo = ownerMemo.get(cur);
    if (memo !== undefined) {
      found = memo;
      break;
    }
    seen.add(cur);
    path.push(cur);
    const ref = codeRefOf(cur);
    if (ref !== null) {
      found = { ref, span: cur };
      break;
    }
    cur = parentOf(tree, cur);
  }
  for (const p of path) ownerMemo.set(p, found);
  return found;
}

/** The span's own code ref, or the nearest descendant's (a SERVER span whose handler is an INTERNAL child). */
export function handlerCodeRef(tree: SpanTree, span: Span): { ref: CodeRef; span: Span } | null {
  const own = codeRefOf(span);
  if (own !== null) return { ref: own, span };
  // Breadth first: the shallowest code-carrying descendant in the same service is the handler.
  let level: readonly Span[] = tree.children.get(span.spanId) ?? [];
  for (let depth = 0; level.length > 0 && depth < 64; depth++) {
    const sorted = [...level].sort((a, b) => a.startMs - b.startMs);
    for (const c of sorted) {
      if (c.service !== span.service) continue;
      const ref = codeRefOf(c);
      if (ref !== null) return { ref, span: c };
    }
    const next: Span[] = [];
    for (const c of sorted) if (c.service === span.service) next.push(...(tree.children.get(c.spanId) ?? []));
    level = next;
  }
  return null;
}

export function parentOf(tree: SpanTree, span: Span): Span | undefined {
  return span.parentSpanId === null ? undefined : tree.byId.get(span.parentSpanId);
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function instanceOf(span: Span): string | null {
  return str(span.resource['service.instance.id']);
}
