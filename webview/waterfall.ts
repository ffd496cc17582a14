// The virtualised waterfall: time axis, span rows (only the visible ones in the DOM), selection and keyboard.
import type { Span, Trace } from '../src/shared/model';
import {
  buildWaterfallTree,
  formatDurationMs,
  timeTicks,
  visibleRows,
  type WaterfallNode,
  type WaterfallRow,
  type WaterfallTree,
} from '../src/core/waterfall';

export const ROW_HEIGHT = 22;
const OVERSCAN = 8;
/** Number of service colour classes in styles.css (`svc-0` … `svc-7`). */
export const SERVICE_COLOURS = 8;

export interface WaterfallCallbacks {
  /** A span became the selection (click or keyboard). */
  onSelect(span: Span, node: WaterfallNode): void;
  /** Enter on the selected span: move to its details. */
  onActivate(span: Span, node: WaterfallNode): void;
  /** Collapsed set changed (persisted by the caller). */
  onCollapsedChange(collapsed: ReadonlySet<string>): void;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls !== undefined) e.className = cls;
  return e;
}

interface RowElements {
  readonly root: HTMLDivElement;
  readonly twisty: HTMLSpanElement;
  readonly dot: HTMLSpanElement;
  readonly mark: HTMLSpanElement;
  readonly name: HTMLSpanElement;
  readonly svc: HTMLSpanElement;
  readonly bar: HTMLDivElement;
  readonly overrun: HTMLDivElement;
  readonly dur: HTMLSpanElement;
  /** Visible-row index currently shown, -1 when parked. */
  rowIndex: number;
}

export class WaterfallView {
  readonly element: HTMLDivElement;
  private readonly axis: HTMLDivElement;
  private readonly scroller: HTMLDivElement;
  private readonly spacer: HTMLDivElement;
  private readonly pool: RowElements[] = [];
  private trace: Trace | null = null;
  private tree: WaterfallTree | null = null;
  private rows: WaterfallRow[] = [];
  private collapsed = new Set<string>();
  private selectedNode = -1;
  private frame = 0;

  constructor(private readonly cb: WaterfallCallbacks) {
    this.element = el('div', 'wf');
    const head = el('div', 'wf-head');
    const nameHead = el('div', 'wf-name-head');
    nameHead.textContent = 'Span';
    this.axis = el('div', 'wf-axis');
    head.append(nameHead, this.axis);
    this.scroller = el('div', 'wf-scroll');
    this.scroller.tabIndex = 0;
    this.scroller.setAttribute('role', 'tree');
    this.scroller.setAttribute('aria-label', 'Spans');
    this.spacer = el('div', 'wf-spacer');
    this.scroller.append(this.spacer);
    this.element.append(head, this.scroller);

    this.scroller.addEventListener('scroll', () => this.schedule());
    this.scroller.addEventListener('click', (e) => this.onClick(e));
    this.scroller.addEventListener('keydown', (e) => this.onKey(e));
    new ResizeObserver(() => this.schedule()).observe(this.scroller);
  }

  get spanTree(): WaterfallTree | null {
    return this.tree;
  }

  get collapsedIds(): ReadonlySet<string> {
    return this.collapsed;
  }

  get selectedSpan(): Span | null {
    const nd = this.tree?.nodes[this.selectedNode];
    return nd === undefined || this.trace === null ? null : (this.trace.spans[nd.index] ?? null);
  }

  setTrace(trace: Trace, collapsed: readonly string[]): WaterfallTree {
    this.trace = trace;
    this.tree = buildWaterfallTree(trace.spans);
    this.collapsed = new Set(collapsed.filter((id) => this.tree?.byId.has(id)));
    this.selectedNode = -1;
    this.renderAxis();
    this.refreshRows();
    this.scroller.scrollTop = 0;
    this.renderNow();
    return this.tree;
  }

  /** Selects a span by id, expanding its ancestors and scrolling it into view. */
  selectSpanId(spanId: string, notify: boolean): boolean {
    const node = this.tree?.byId.get(spanId);
    if (node === undefined || this.tree === null) return false;
    let changed = false;
    for (let p = (this.tree.nodes[node] as WaterfallNode).parent; p >= 0; p = (this.tree.nodes[p] as WaterfallNode).parent) {
      changed = this.collapsed.delete((this.tree.nodes[p] as WaterfallNode).spanId) || changed;
    }
    if (changed) {
      this.refreshRows();
      this.cb.onCollapsedChange(this.collapsed);
    }
    this.select(node, notify);
    return true;
  }

  setAllCollapsed(collapse: boolean): void {
    if (this.tree === null) return;
    this.collapsed = new Set(collapse ? this.tree.nodes.filter((n) => n.children.length > 0 && n.parent >= 0).map((n) => n.spanId) : []);
    this.refreshRows();
    if (this.selectedNode >= 0 && this.rowOf(this.selectedNode) < 0) this.selectedNode = -1;
    this.cb.onCollapsedChange(this.collapsed);
    this.renderNow();
  }

  focus(): void {
    this.scroller.focus();
  }

  private refreshRows(): void {
    this.rows = this.tree === null ? [] : visibleRows(this.tree, this.collapsed);
    this.spacer.style.height = `${this.rows.length * ROW_HEIGHT}px`;
  }

  private renderAxis(): void {
    this.axis.replaceChildren();
    const tree = this.tree;
    if (tree === null) return;
    const total = tree.durationMs;
    for (const t of timeTicks(total, 6)) {
      const tick = el('span', 'wf-tick');
      const at = total > 0 ? (t / total) * 100 : 0;
      tick.style.left = `${at}%`;
      // Labels near the right edge hang to the left of their line so they are not clipped.
      if (at > 90) tick.classList.add('end');
      tick.textContent = t === 0 ? '0' : formatDurationMs(t);
      this.axis.append(tick);
    }
  }

  private schedule(): void {
    if (this.frame !== 0) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.renderNow();
    });
  }

  private rowElements(): RowElements {
    const root = el('div', 'wf-row');
    root.setAttribute('role', 'treeitem');
    const nameCell = el('div', 'wf-name');
    const twisty = el('span', 'wf-twisty');
    const dot = el('span', 'wf-dot');
    const mark = el('span', 'wf-mark');
    const svc = el('span', 'wf-svc');
    const name = el('span', 'wf-label');
    nameCell.append(twisty, dot, mark, svc, name);
    const barCell = el('div', 'wf-barcell');
    const bar = el('div', 'wf-bar');
    const overrun = el('div', 'wf-overrun');
    const dur = el('span', 'wf-dur');
    barCell.append(bar, overrun, dur);
    root.append(nameCell, barCell);
    return { root, twisty, dot, mark, name, svc, bar, overrun, dur, rowIndex: -1 };
  }

  /** Puts the rows of the current viewport (plus overscan) into pooled elements; nothing else is in the DOM. */
  private renderNow(): void {
    const tree = this.tree;
    const trace = this.trace;
    if (tree === null || trace === null) return;
    const height = this.scroller.clientHeight || 600;
    const first = Math.max(0, Math.floor(this.scroller.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(this.rows.length, Math.ceil((this.scroller.scrollTop + height) / ROW_HEIGHT) + OVERSCAN);
    const needed = last - first;
    while (this.pool.length < needed) {
      const r = this.rowElements();
      r.root.id = `wf-row-${this.pool.length}`;
      this.pool.push(r);
      this.spacer.append(r.root);
    }
    const total = tree.durationMs > 0 ? tree.durationMs : 1;
    let activeId = '';
    for (let k = 0; k < this.pool.length; k++) {
      const r = this.pool[k] as RowElements;
      const ri = first + k;
      const row = ri < last ? this.rows[ri] : undefined;
      if (row === undefined) {
        r.root.hidden = true;
        r.rowIndex = -1;
        continue;
      }
      r.root.hidden = false;
      r.rowIndex = ri;
      const nd = tree.nodes[row.node] as WaterfallNode;
      const span = trace.spans[nd.index] as Span;
      r.root.style.top = `${ri * ROW_HEIGHT}px`;
      r.root.dataset['spanId'] = nd.spanId;
      r.root.dataset['row'] = String(ri);
      r.root.setAttribute('aria-level', String(nd.depth + 1));
      r.root.setAttribute('aria-selected', String(row.node === this.selectedNode));
      if (row.node === this.selectedNode) activeId = r.root.id;
      if (row.hasChildren) r.root.setAttribute('aria-expanded', String(!row.collapsed));
      else r.root.removeAttribute('aria-expanded');
      r.root.className =
        'wf-row' +
        (row.node === this.selectedNode ? ' selected' : '') +
        (nd.error ? ' error' : '') +
        (nd.outlivedParentMs > 0 ? ' outlived' : '') +
        (nd.orphan || nd.cycle ? ' orphan' : '');
      (r.twisty.parentElement as HTMLElement).style.paddingLeft = `${4 + Math.min(nd.depth, 60) * 12}px`;
      r.twisty.textContent = row.hasChildren ? (row.collapsed ? '▸' : '▾') : '';
      r.dot.className = `wf-dot svc-${nd.serviceIndex % SERVICE_COLOURS}`;
      r.mark.textContent = nd.error ? '!' : nd.outlivedParentMs > 0 ? '»' : '';
      r.mark.title = nd.error ? 'Error' : nd.outlivedParentMs > 0 ? `Ended ${formatDurationMs(nd.outlivedParentMs)} after its caller` : '';
      r.svc.textContent = span.service ?? '';
      r.name.textContent = span.name;
      r.root.title = `${span.service ?? '(no service)'} · ${span.name} · ${formatDurationMs(nd.durationMs)}`;
      const left = (nd.offsetMs / total) * 100;
      const width = (nd.durationMs / total) * 100;
      r.bar.style.left = `${left}%`;
      r.bar.style.width = `${width}%`;
      r.bar.className = `wf-bar svc-${nd.serviceIndex % SERVICE_COLOURS}`;
      if (nd.outlivedParentMs > 0) {
        r.overrun.hidden = false;
        r.overrun.style.left = `${left + width - (nd.outlivedParentMs / total) * 100}%`;
        r.overrun.style.width = `${(nd.outlivedParentMs / total) * 100}%`;
      } else {
        r.overrun.hidden = true;
      }
      r.dur.textContent = formatDurationMs(nd.durationMs);
      // Keep the label inside the cell: after the bar, else inside its right end, else before it.
      if (left + width <= 80) {
        r.dur.className = 'wf-dur';
        r.dur.style.right = '';
        r.dur.style.left = `${left + width + 0.5}%`;
      } else if (width >= 12) {
        r.dur.className = 'wf-dur inside';
        r.dur.style.left = '';
        r.dur.style.right = `${Math.max(0, 100 - left - width) + 0.5}%`;
      } else {
        r.dur.className = 'wf-dur';
        r.dur.style.left = '';
        r.dur.style.right = `${100 - left + 0.5}%`;
      }
    }
    // Focus stays on the tree; screen readers follow the selected row through aria-activedescendant.
    if (activeId !== '') this.scroller.setAttribute('aria-activedescendant', activeId);
    else this.scroller.removeAttribute('aria-activedescendant');
    document.body.dataset['renderedRows'] = String(needed);
  }

  private rowOf(node: number): number {
    // Rows are pre-order like nodes: binary search by node index.
    let lo = 0;
    let hi = this.rows.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = (this.rows[mid] as WaterfallRow).node;
      if (v === node) return mid;
      if (v < node) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  private select(node: number, notify: boolean): void {
    const tree = this.tree;
    const trace = this.trace;
    if (tree === null || trace === null) return;
    const nd = tree.nodes[node];
    if (nd === undefined) return;
    this.selectedNode = node;
    const ri = this.rowOf(node);
    if (ri >= 0) {
      const top = ri * ROW_HEIGHT;
      const h = this.scroller.clientHeight;
      if (top < this.scroller.scrollTop) this.scroller.scrollTop = top;
      else if (top + ROW_HEIGHT > this.scroller.scrollTop + h) this.scroller.scrollTop = top + ROW_HEIGHT - h;
    }
    this.renderNow();
    if (notify) this.cb.onSelect(trace.spans[nd.index] as Span, nd);
  }

  private toggle(node: number): void {
    const nd = this.tree?.nodes[node];
    if (nd === undefined || nd.children.length === 0) return;
    if (!this.collapsed.delete(nd.spanId)) this.collapsed.add(nd.spanId);
    this.refreshRows();
    this.cb.onCollapsedChange(this.collapsed);
    this.renderNow();
  }

  private onClick(e: MouseEvent): void {
    const target = e.target instanceof Element ? e.target : null;
    const rowEl = target?.closest('.wf-row');
    if (!(rowEl instanceof HTMLElement)) return;
    const ri = Number(rowEl.dataset['row']);
    const row = this.rows[ri];
    if (row === undefined) return;
    if (target?.classList.contains('wf-twisty') === true) {
      this.toggle(row.node);
      return;
    }
    this.select(row.node, true);
    this.scroller.focus({ preventScroll: true });
  }

  private onKey(e: KeyboardEvent): void {
    const tree = this.tree;
    if (tree === null || this.rows.length === 0) return;
    const ri = this.selectedNode >= 0 ? this.rowOf(this.selectedNode) : -1;
    const page = Math.max(1, Math.floor(this.scroller.clientHeight / ROW_HEIGHT) - 1);
    const go = (r: number): void => this.select((this.rows[Math.max(0, Math.min(this.rows.length - 1, r))] as WaterfallRow).node, true);
    const row = ri >= 0 ? this.rows[ri] : undefined;
    switch (e.key) {
      case 'ArrowDown':
        go(ri + 1);
        break;
      case 'ArrowUp':
        go(ri < 0 ? 0 : ri - 1);
        break;
      case 'PageDown':
        go(ri + page);
        break;
      case 'PageUp':
        go(ri - page);
        break;
      case 'Home':
        go(0);
        break;
      case 'End':
        go(this.rows.length - 1);
        break;
      case 'ArrowLeft':
        if (row === undefined) return;
        if (row.hasChildren && !row.collapsed) this.toggle(row.node);
        else {
          const parent = (tree.nodes[row.node] as WaterfallNode).parent;
          if (parent >= 0) this.select(parent, true);
        }
        break;
      case 'ArrowRight':
        if (row === undefined) return;
        if (row.hasChildren && row.collapsed) this.toggle(row.node);
        else if (row.hasChildren) go(ri + 1);
        break;
      case ' ':
        if (row === undefined) return;
        this.toggle(row.node);
        break;
      case 'Enter':
        if (row === undefined) return;
        this.cb.onActivate(this.trace?.spans[(tree.nodes[row.node] as WaterfallNode).index] as Span, tree.nodes[row.node] as WaterfallNode);
        break;
      default:
        return;
    }
    e.preventDefault();
  }
}
