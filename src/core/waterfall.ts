// Span tree → waterfall rows (depth, offsets, service colours, "outlived its caller"); pure, shared with the webview.
import type { Span } from '../shared/model';

/** How a span sits in the tree; fixed once the tree is built. */
export interface WaterfallNode {
  /** Index into the span array the tree was built from. */
  readonly index: number;
  readonly spanId: string;
  /** Node index of the parent in `WaterfallTree.nodes`, -1 for a root. */
  readonly parent: number;
  /** Node indices of the children, ordered by start time. */
  readonly children: readonly number[];
  readonly depth: number;
  /** Start relative to the trace start, ms. */
  readonly offsetMs: number;
  readonly durationMs: number;
  /** Index into `WaterfallTree.services` (first appearance order), for a stable colour. */
  readonly serviceIndex: number;
  readonly error: boolean;
  /** ms by which this span ends after its parent ends (beyond the skew tolerance); 0 when it does not. */
  readonly outlivedParentMs: number;
  /** ms by which this span ends after the root of its tree ends (beyond the tolerance); 0 otherwise. */
  readonly outlivedRootMs: number;
  /** The parent id is set but no span of the trace has it (span lost, or trace still arriving). */
  readonly orphan: boolean;
  /** The parent chain loops back onto this span; it was cut loose and shown as a root. */
  readonly cycle: boolean;
  /** Another span earlier in the input has the same id; children attach to that first one. */
  readonly duplicate: boolean;
}

export interface WaterfallTree {
  /** Nodes in pre-order (depth-first, children by start time). */
  readonly nodes: readonly WaterfallNode[];
  /** Node indices of the roots: true roots first, then orphans/cycles, each group by start time. */
  readonly roots: readonly number[];
  readonly startMs: number;
  readonly endMs: number;
  readonly durationMs: number;
  /** Service names in first-appearance order (pre-order); null service is `''`. */
  readonly services: readonly string[];
  /** spanId → node index (first span with that id). */
  readonly byId: ReadonlyMap<string, number>;
  readonly errorCount: number;
  readonly outlivedCount: number;
}

export interface WaterfallOptions {
  /**
   * A child may appear to end after its parent only because the two hosts' clocks disagree.
   * Differences up to this many ms are not flagged. Default 10 ms.
   */
  readonly skewToleranceMs?: number;
}

export const DEFAULT_SKEW_TOLERANCE_MS = 10;

/** Some SDKs write an all-zero parent id for a root span. */
const ZERO_SPAN_ID = '0000000000000000';

/** One visible line of the waterfall. */
export interface WaterfallRow {
  /** Node index in `WaterfallTree.nodes`. */
  readonly node: number;
  readonly depth: number;
  readonly hasChildren: boolean;
  readonly collapsed: boolean;
}

interface MutableNode {
  index: number;
  spanId: string;
  parent: number;
  children: number[];
  depth: number;
  offsetMs: number;
  durationMs: number;
  serviceIndex: number;
  error: boolean;
  outlivedParentMs: number;
  outlivedRootMs: number;
  orphan: boolean;
  cycle: boolean;
  duplicate: boolean;
}

function byStart(spans: readonly Span[]): (a: number, b: number) => number {
  return (a, b) => {
    const sa = spans[a];
    const sb = spans[b];
    /* c8 ignore next */
    if (sa === undefined || sb === undefined) return a - b;
    return sa.startMs - sb.startMs || sb.endMs - sa.endMs || a - b;
  };
}

/**
 * Builds the span tree. Linear apart from sorting siblings. Robust to what real traces contain:
 * missing parents (orphans become extra roots), parent cycles (cut at the span where the loop is
 * detected), duplicate span ids (the first keeps the id and the children; later ones still show, under their own parent),
 * zero and negative durations (clamped to 0).
 */
export function buildWaterfallTree(spans: readonly Span[], options: WaterfallOptions = {}): WaterfallTree {
  const tolerance = Math.max(0, options.skewToleranceMs ?? DEFAULT_SKEW_TOLERANCE_MS);
  const n = spans.length;
  const firstById = new Map<string, number>();
  const duplicate = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const s = spans[i] as Span;
    if (firstById.has(s.spanId)) duplicate[i] = 1;
    else firstById.set(s.spanId, i);
  }

  // parentOf[i]: span index of the parent, -1 = root, -2 = orphan (parent id unknown).
  const parentOf = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const s = spans[i] as Span;
    const p = s.parentSpanId;
    if (p === null || p === '' || p === ZERO_SPAN_ID || (p.charCodeAt(0) === 48 && /^0+$/.test(p))) parentOf[i] = -1;
    else {
      const pi = firstById.get(p);
      parentOf[i] = pi === undefined || pi === i ? (pi === i ? -3 : -2) : pi;
    }
  }

  // Cut cycles: walk each chain with a colour per walk; a span met twice in one walk closes a loop.
  const walkId = new Int32Array(n).fill(-1);
  const settled = new Uint8Array(n);
  const cycle = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (parentOf[i] === -3) cycle[i] = 1; // its own parent
    if (settled[i]) continue;
    let j = i;
    while (j >= 0 && !settled[j] && walkId[j] !== i) {
      walkId[j] = i;
      j = parentOf[j] as number;
    }
    if (j >= 0 && !settled[j] && walkId[j] === i) {
      // j is on a loop reached from i: cut the loop at j.
      cycle[j] = 1;
      parentOf[j] = -3;
    }
    let k = i;
    while (k >= 0 && !settled[k]) {
      settled[k] = 1;
      k = parentOf[k] as number;
    }
  }

  const childrenOf: number[][] = Array.from({ length: n }, () => []);
  const rootSpans: number[] = [];
  const looseSpans: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = parentOf[i] as number;
    if (p >= 0) (childrenOf[p] as number[]).push(i);
    else if (p === -1) rootSpans.push(i);
    else looseSpans.push(i);
  }
  const cmp = byStart(spans);
  rootSpans.sort(cmp);
  looseSpans.sort(cmp);
  for (const c of childrenOf) if (c.length > 1) c.sort(cmp);

  let startMs = Infinity;
  let endMs = -Infinity;
  for (const s of spans) {
    if (s.startMs < startMs) startMs = s.startMs;
    const e = Math.max(s.startMs, s.endMs);
    if (e > endMs) endMs = e;
  }
  if (n === 0) {
    startMs = 0;
    endMs = 0;
  }

  const serviceIdx = new Map<string, number>();
  const nodes: MutableNode[] = [];
  const nodeOfSpan = new Int32Array(n).fill(-1);
  const roots: number[] = [];
  let errorCount = 0;
  let outlivedCount = 0;
  // Iterative pre-order DFS over parallel typed stacks: a 10k-deep chain must not blow the call stack.
  const stSpan = new Int32Array(n);
  const stParent = new Int32Array(n);
  const stDepth = new Int32Array(n);
  const stRootEnd = new Float64Array(n);
  for (const r of [...rootSpans, ...looseSpans]) {
    let top = 0;
    stSpan[0] = r;
    stParent[0] = -1;
    stDepth[0] = 0;
    stRootEnd[0] = NaN;
    top = 1;
    while (top > 0) {
      top--;
      const si = stSpan[top] as number;
      const parentNode = stParent[top] as number;
      const depth = stDepth[top] as number;
      const rootEnd = stRootEnd[top] as number;
      const s = spans[si] as Span;
      const svc = s.service ?? '';
      let sIdx = serviceIdx.get(svc);
      if (sIdx === undefined) {
        sIdx = serviceIdx.size;
        serviceIdx.set(svc, sIdx);
      }
      const end = Math.max(s.startMs, s.endMs);
      const nodeIndex = nodes.length;
      let outlivedParentMs = 0;
      let outlivedRootMs = 0;
      if (parentNode >= 0) {
        const ps = spans[(nodes[parentNode] as MutableNode).index] as Span;
        const pEnd = Math.max(ps.startMs, ps.endMs);
        if (end - pEnd > tolerance) outlivedParentMs = end - pEnd;
        if (end - rootEnd > tolerance) outlivedRootMs = end - rootEnd;
      }
      const error = s.status === 'error';
      if (error) errorCount++;
      if (outlivedParentMs > 0) outlivedCount++;
      nodes.push({
        index: si,
        spanId: s.spanId,
        parent: parentNode,
        children: [],
        depth,
        offsetMs: s.startMs - startMs,
        durationMs: end - s.startMs,
        serviceIndex: sIdx,
        error,
        outlivedParentMs,
        outlivedRootMs,
        orphan: parentOf[si] === -2,
        cycle: cycle[si] === 1,
        duplicate: duplicate[si] === 1,
      });
      nodeOfSpan[si] = nodeIndex;
      if (parentNode >= 0) (nodes[parentNode] as MutableNode).children.push(nodeIndex);
      else roots.push(nodeIndex);
      const kids = childrenOf[si] as number[];
      const nextRootEnd = parentNode >= 0 ? rootEnd : end;
      // Every span is pushed once, so the stack never holds more than n entries.
      for (let c = kids.length - 1; c >= 0; c--) {
        stSpan[top] = kids[c] as number;
        stParent[top] = nodeIndex;
        stDepth[top] = depth + 1;
        stRootEnd[top] = nextRootEnd;
        top++;
      }
    }
  }

  const byId = new Map<string, number>();
  for (const [id, si] of firstById) byId.set(id, nodeOfSpan[si] as number);
  return {
    nodes,
    roots,
    startMs,
    endMs,
    durationMs: endMs - startMs,
    services: [...serviceIdx.keys()],
    byId,
    errorCount,
    outlivedCount,
  };
}

/** The visible rows: pre-order, skipping the descendants of collapsed nodes (by span id). */
export function visibleRows(tree: WaterfallTree, collapsed: ReadonlySet<string>): WaterfallRow[] {
  const rows: WaterfallRow[] = [];
  const nodes = tree.nodes;
  let i = 0;
  while (i < nodes.length) {
    const nd = nodes[i] as WaterfallNode;
    const isCollapsed = nd.children.length > 0 && collapsed.has(nd.spanId);
    rows.push({ node: i, depth: nd.depth, hasChildren: nd.children.length > 0, collapsed: isCollapsed });
    if (isCollapsed) {
      // Pre-order: the subtree is the contiguous run of deeper nodes that follows.
      let j = i + 1;
      while (j < nodes.length && (nodes[j] as WaterfallNode).depth > nd.depth) j++;
      i = j;
    } else {
      i++;
    }
  }
  return rows;
}

/** Node indices from the root down to `node` (inclusive). */
export function ancestorsOf(tree: WaterfallTree, node: number): number[] {
  const path: number[] = [];
  let k = node;
  let guard = tree.nodes.length;
  while (k >= 0 && guard-- >= 0) {
    path.push(k);
    k = (tree.nodes[k] as WaterfallNode).parent;
  }
  return path.reverse();
}

/** "Nice" tick positions (ms from trace start) for a time axis about `target` ticks wide. */
export function timeTicks(durationMs: number, target = 6): number[] {
  if (!(durationMs > 0) || !Number.isFinite(durationMs)) return [0];
  const raw = durationMs / Math.max(1, target);
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? 10 * pow;
  const ticks: number[] = [];
  for (let t = 0; t <= durationMs + step * 1e-9 && ticks.length < 1000; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

/** Compact duration: `850 µs`, `12.3 ms`, `2.50 s`, `3m 05s`. */
export function formatDurationMs(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  const a = Math.abs(ms);
  const sign = ms < 0 ? '-' : '';
  if (a < 1) return `${sign}${Math.round(a * 1000)} µs`;
  if (a < 10) return `${sign}${a.toFixed(2)} ms`;
  if (a < 1000) return `${sign}${a.toFixed(a < 100 ? 1 : 0)} ms`;
  if (a < 60_000) return `${sign}${(a / 1000).toFixed(2)} s`;
  const m = Math.floor(a / 60_000);
  const s = Math.round((a % 60_000) / 1000);
  return `${sign}${m}m ${String(s).padStart(2, '0')}s`;
}
