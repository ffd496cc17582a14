// Entry point of the trace-view webview: handshake, typed messages, layout and persisted UI state.
import { scriptNonce } from './nonce';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import '@vscode-elements/elements/dist/vscode-split-layout/index.js';
import css from './styles.css';
import type { Span, Trace } from '../src/shared/model';
import {
  isHostMessage,
  isTraceViewState,
  type HostMessage,
  type TraceViewOptions,
  type TraceViewState,
  type WebviewMessage,
} from '../src/shared/protocol';
import { formatDurationMs, type WaterfallTree } from '../src/core/waterfall';
import { WaterfallView, SERVICE_COLOURS } from './waterfall';
import { DetailsView } from './details';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: TraceViewState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls !== undefined) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function injectStyles(): void {
  const style = document.createElement('style');
  if (scriptNonce !== '') style.nonce = scriptNonce;
  style.textContent = css;
  document.head.append(style);
}

let trace: Trace | null = null;
let tree: WaterfallTree | null = null;
let options: TraceViewOptions = { grafana: false, selectSpanId: null };

function post(msg: WebviewMessage): void {
  vscode.postMessage(msg);
}

function saveState(): void {
  if (trace === null) return;
  vscode.setState({
    traceId: trace.traceId,
    selectedSpanId: waterfall.selectedSpan?.spanId ?? null,
    collapsed: [...waterfall.collapsedIds],
  });
}

const details = new DetailsView(
  {
    goToCode: (span) => {
      details.showCodeResult(span.spanId, true, 'Looking for the code…');
      post({ type: 'goToCode', traceId: span.traceId, spanId: span.spanId });
    },
    openInGrafana: (span) => post({ type: 'openInGrafana', traceId: span.traceId, spanId: span.spanId }),
    openLinkedTrace: (traceId, spanId) => post({ type: 'openLinkedTrace', traceId, spanId }),
  },
  () => options.grafana,
);

const waterfall = new WaterfallView({
  onSelect: (span, node) => {
    if (tree === null || trace === null) return;
    const parentNode = tree.nodes[node.parent];
    details.show(span, node, tree, parentNode !== undefined ? (trace.spans[parentNode.index] ?? null) : null);
    saveState();
    post({ type: 'selectSpan', traceId: span.traceId, spanId: span.spanId });
  },
  onActivate: () => details.focus(),
  onCollapsedChange: () => saveState(),
});

// ---- layout ----------------------------------------------------------------------------------
const app = document.getElementById('app') ?? document.body.appendChild(el('div'));
const header = el('header', 'toolbar');
const titleEl = el('div', 'title');
const titleName = el('span', 'title-name', 'Trace');
const titleMeta = el('span', 'title-meta');
titleEl.append(titleName, titleMeta);
const legend = el('div', 'legend');
const buttons = el('div', 'buttons');
const expandAll = document.createElement('vscode-button');
expandAll.textContent = 'Expand all';
expandAll.setAttribute('secondary', '');
expandAll.addEventListener('click', () => waterfall.setAllCollapsed(false));
const collapseAll = document.createElement('vscode-button');
collapseAll.textContent = 'Collapse all';
collapseAll.setAttribute('secondary', '');
collapseAll.addEventListener('click', () => waterfall.setAllCollapsed(true));
const grafanaButton = document.createElement('vscode-button');
grafanaButton.textContent = 'Open in Grafana';
grafanaButton.hidden = true;
grafanaButton.addEventListener('click', () => {
  if (trace !== null) post({ type: 'openInGrafana', traceId: trace.traceId, spanId: null });
});
buttons.append(expandAll, collapseAll, grafanaButton);
header.append(titleEl, buttons);
const banner = el('div', 'banner');
banner.hidden = true;
const statusEl = el('div', 'status');
statusEl.setAttribute('role', 'status');
statusEl.textContent = 'Waiting for the trace…';

const split = document.createElement('vscode-split-layout');
split.setAttribute('initial-handle-position', '62%');
split.setAttribute('min-start', '240px');
split.setAttribute('min-end', '200px');
let splitPlaced = false;
split.classList.add('split');
const start = el('div', 'pane pane-start');
start.slot = 'start';
const end = el('div', 'pane pane-end');
end.slot = 'end';
start.append(waterfall.element);
end.append(details.element);
split.append(start, end);
split.hidden = true;
app.append(header, legend, banner, statusEl, split);

function showStatus(kind: 'loading' | 'error' | 'info', text: string): void {
  statusEl.hidden = false;
  statusEl.className = `status ${kind}`;
  statusEl.textContent = text;
  if (kind === 'error' && trace === null) split.hidden = true;
}

function rootSpan(t: Trace, wt: WaterfallTree): Span | null {
  const first = wt.roots[0];
  const nd = first === undefined ? undefined : wt.nodes[first];
  return nd === undefined ? null : (t.spans[nd.index] ?? null);
}

function showTrace(t: Trace, opts: TraceViewOptions, state: TraceViewState | null): void {
  performance.mark('tl:showTrace:start');
  trace = t;
  options = opts;
  // A webview re-created after being hidden gets state null: its own saved state still applies.
  const saved = vscode.getState();
  const candidate = state ?? (isTraceViewState(saved) ? saved : null);
  const restored = candidate !== null && candidate.traceId === t.traceId ? candidate : null;
  tree = waterfall.setTrace(t, restored?.collapsed ?? []);
  const root = rootSpan(t, tree);
  titleName.textContent = root === null ? 'Empty trace' : `${root.service ?? '(no service)'}: ${root.name}`;
  titleMeta.textContent = ` ${t.traceId} · ${formatDurationMs(tree.durationMs)} · ${t.spans.length} spans · ${tree.services.length} services` +
    (tree.errorCount > 0 ? ` · ${tree.errorCount} errors` : '') +
    (tree.outlivedCount > 0 ? ` · ${tree.outlivedCount} outlived their caller` : '');
  document.title = `Trace ${t.traceId}`;
  legend.replaceChildren();
  tree.services.forEach((svc, i) => {
    const item = el('span', 'legend-item');
    item.append(el('span', `wf-dot svc-${i % SERVICE_COLOURS}`), el('span', '', svc === '' ? '(no service)' : svc));
    legend.append(item);
  });
  grafanaButton.hidden = !opts.grafana;
  const notes: string[] = [];
  if (t.partial) notes.push(`Partial trace: ${t.message ?? 'Tempo returned only part of it.'}`);
  const orphans = tree.nodes.filter((n) => n.orphan).length;
  if (orphans > 0) notes.push(`${orphans} span(s) reference a parent that is not in the trace.`);
  banner.textContent = notes.join(' ');
  banner.hidden = notes.length === 0;
  statusEl.hidden = true;
  split.hidden = false;
  if (!splitPlaced) {
    // The split measures itself in px: place the handle once it is laid out, not while hidden.
    splitPlaced = true;
    split.handlePosition = '62%';
  }
  details.clear(t.spans.length === 0 ? 'This trace has no spans.' : 'Select a span to see its attributes, events and links.');
  const want = opts.selectSpanId ?? restored?.selectedSpanId ?? null;
  if (want !== null) waterfall.selectSpanId(want, true);
  saveState();
  requestAnimationFrame(() => {
    performance.mark('tl:showTrace:painted');
    document.body.dataset['traceId'] = t.traceId;
  });
}

function onHostMessage(msg: HostMessage): void {
  switch (msg.type) {
    case 'showTrace':
      showTrace(msg.trace, msg.options, msg.state);
      break;
    case 'status':
      showStatus(msg.kind, msg.text);
      break;
    case 'goToCodeResult':
      details.showCodeResult(msg.spanId, msg.ok, msg.text);
      break;
  }
}

window.addEventListener('message', (e: MessageEvent<unknown>) => {
  if (isHostMessage(e.data)) onHostMessage(e.data);
});

injectStyles();
const saved = vscode.getState();
if (isTraceViewState(saved)) statusEl.textContent = `Loading trace ${saved.traceId}…`;
post({ type: 'ready' });
