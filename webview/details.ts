// The details pane of the selected span: attributes, events/exceptions, links, and its actions. Text only.
import type { AttrValue, Attributes, Span, SpanEvent } from '../src/shared/model';
import { formatDurationMs, type WaterfallNode, type WaterfallTree } from '../src/core/waterfall';

export interface DetailsCallbacks {
  goToCode(span: Span): void;
  openInGrafana(span: Span): void;
  openLinkedTrace(traceId: string, spanId: string | null): void;
}

const CODE_FUNCTION_KEYS = ['code.function.name', 'code.function'];

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls !== undefined && cls !== '') e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Attribute values as one line of text; never markup. */
export function attrText(v: AttrValue | undefined): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

function button(label: string, onClick: () => void, secondary = false): HTMLElement {
  const b = document.createElement('vscode-button');
  b.textContent = label;
  if (secondary) b.setAttribute('secondary', '');
  b.addEventListener('click', onClick);
  return b;
}

function section(heading: string, open: boolean, body: Node): HTMLElement {
  const c = document.createElement('vscode-collapsible');
  // `heading` is a property of the component: assigned as data, rendered by Lit as text.
  c.setAttribute('heading', heading);
  if (open) c.setAttribute('open', '');
  const inner = el('div', 'section-body');
  inner.append(body);
  c.append(inner);
  return c;
}

function attrTable(attrs: Attributes): HTMLElement {
  const keys = Object.keys(attrs).sort();
  if (keys.length === 0) return el('p', 'muted', 'none');
  const table = el('table', 'kv');
  const tbody = el('tbody');
  for (const k of keys) {
    const tr = el('tr');
    tr.append(el('th', '', k), el('td', '', attrText(attrs[k])));
    tbody.append(tr);
  }
  table.append(tbody);
  return table;
}

function eventBlock(ev: SpanEvent, traceStartMs: number): HTMLElement {
  const box = el('div', ev.name === 'exception' ? 'event exception' : 'event');
  const head = el('div', 'event-head');
  head.append(el('span', 'event-time', `+${formatDurationMs(ev.timeMs - traceStartMs)}`), el('span', 'event-name', ev.name));
  box.append(head);
  if (ev.name === 'exception') {
    const type = attrText(ev.attributes['exception.type']);
    const message = attrText(ev.attributes['exception.message']);
    if (type !== '' || message !== '') box.append(el('div', 'exception-message', [type, message].filter((s) => s !== '').join(': ')));
    const stack = attrText(ev.attributes['exception.stacktrace']);
    if (stack !== '') box.append(el('pre', 'stack', stack));
    const rest: Attributes = {};
    for (const [k, v] of Object.entries(ev.attributes)) if (!['exception.type', 'exception.message', 'exception.stacktrace'].includes(k)) rest[k] = v;
    if (Object.keys(rest).length > 0) box.append(attrTable(rest));
  } else if (Object.keys(ev.attributes).length > 0) {
    box.append(attrTable(ev.attributes));
  }
  return box;
}

export function hasCodeAttributes(span: Span): boolean {
  return CODE_FUNCTION_KEYS.some((k) => {
    const v = span.attributes[k];
    return typeof v === 'string' && v.trim() !== '';
  });
}

export class DetailsView {
  readonly element: HTMLDivElement;
  private span: Span | null = null;
  private resultLine: HTMLParagraphElement | null = null;

  constructor(private readonly cb: DetailsCallbacks, private readonly grafana: () => boolean) {
    this.element = el('div', 'details');
    this.element.tabIndex = -1;
    this.element.append(el('p', 'muted', 'Select a span to see its attributes, events and links.'));
  }

  get current(): Span | null {
    return this.span;
  }

  clear(text: string): void {
    this.span = null;
    this.resultLine = null;
    this.element.replaceChildren(el('p', 'muted', text));
  }

  show(span: Span, node: WaterfallNode, tree: WaterfallTree, parent: Span | null): void {
    this.span = span;
    const root = this.element;
    root.replaceChildren();
    const title = el('h2', 'details-title', span.name);
    root.append(title);

    const facts = el('table', 'kv facts');
    const fb = el('tbody');
    const fact = (k: string, v: string, cls = ''): void => {
      const tr = el('tr');
      tr.append(el('th', '', k), el('td', cls, v));
      fb.append(tr);
    };
    fact('Service', span.service ?? '(none)');
    fact('Kind', span.kind);
    fact('Status', span.statusMessage !== null && span.statusMessage !== '' ? `${span.status}: ${span.statusMessage}` : span.status, span.status === 'error' ? 'error-text' : '');
    fact('Duration', formatDurationMs(node.durationMs));
    fact('Start', `+${formatDurationMs(node.offsetMs)}`);
    fact('Span ID', span.spanId);
    if (span.parentSpanId !== null) fact('Parent', parent !== null ? `${parent.name} (${span.parentSpanId})` : `${span.parentSpanId} (not in this trace)`);
    if (span.scope !== null) fact('Scope', span.scope.version !== null ? `${span.scope.name} ${span.scope.version}` : span.scope.name);
    facts.append(fb);
    root.append(facts);

    const notes: string[] = [];
    if (node.outlivedParentMs > 0) notes.push(`Ended ${formatDurationMs(node.outlivedParentMs)} after its caller had already returned — the caller likely timed out or did not wait for it.`);
    else if (node.outlivedRootMs > 0) notes.push(`Ended ${formatDurationMs(node.outlivedRootMs)} after the trace's root span.`);
    if (node.orphan) notes.push('Its parent span is not in this trace (lost, dropped, or still arriving).');
    if (node.cycle) notes.push('Its parent chain loops back to it; shown as a root.');
    if (node.duplicate) notes.push('Another span in this trace has the same span id.');
    for (const n of notes) root.append(el('p', 'note', n));

    const actions = el('div', 'actions');
    if (hasCodeAttributes(span)) actions.append(button('Go to code', () => this.cb.goToCode(span)));
    if (this.grafana()) actions.append(button('Open in Grafana', () => this.cb.openInGrafana(span), true));
    if (actions.childElementCount > 0) root.append(actions);
    this.resultLine = el('p', 'code-result');
    this.resultLine.setAttribute('role', 'status');
    root.append(this.resultLine);

    root.append(section(`Span attributes (${Object.keys(span.attributes).length})`, true, attrTable(span.attributes)));
    root.append(section(`Resource attributes (${Object.keys(span.resource).length})`, false, attrTable(span.resource)));
    if (span.events.length > 0) {
      const list = el('div', 'events');
      for (const ev of span.events) list.append(eventBlock(ev, tree.startMs));
      const hasException = span.events.some((e) => e.name === 'exception');
      root.append(section(`Events (${span.events.length})`, hasException, list));
    }
    if (span.links.length > 0) {
      const list = el('div', 'links');
      for (const l of span.links) {
        const row = el('div', 'link');
        row.append(el('code', '', `${l.traceId} / ${l.spanId}`));
        row.append(button('Open trace', () => this.cb.openLinkedTrace(l.traceId, l.spanId), true));
        if (Object.keys(l.attributes).length > 0) row.append(attrTable(l.attributes));
        list.append(row);
      }
      root.append(section(`Links (${span.links.length})`, true, list));
    }
  }

  /** Shows the host's answer to "Go to code" for the span it was asked for. */
  showCodeResult(spanId: string, ok: boolean, text: string): void {
    if (this.span === null || this.span.spanId !== spanId || this.resultLine === null) return;
    this.resultLine.textContent = text;
    this.resultLine.className = ok ? 'code-result ok' : 'code-result fail';
  }

  focus(): void {
    this.element.focus();
  }
}
