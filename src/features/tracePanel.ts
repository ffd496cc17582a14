// The trace view's webview host: one panel, CSP + nonce, typed messages with a ready handshake, Go to code, Grafana links, serializer.
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { codeRefFromAttributes, formatCodeRef } from '../core/codeRef';
import { grafanaExploreUrl, grafanaLinkProblem, type GrafanaLinkConfig } from '../core/grafanaLinks';
import { registerTypedCommand, runCommand } from '../host/commands';
import type { Logger } from '../host/log';
import type { Services } from '../host/services';
import type { CodeLocation, CodeRef, Span, Trace } from '../shared/model';
import {
  TRACE_VIEW_TYPE,
  isSpanId,
  isTrace,
  isTraceViewState,
  isWebviewMessage,
  traceViewHtml,
  type HostMessage,
  type TraceViewState,
  type WebviewMessage,
} from '../shared/protocol';

/** Test/development mode only: the messages the trace panel exchanged, for integration tests. */
export const TRACE_VIEW_MESSAGES_COMMAND = 'tempoLens.test.traceViewMessages';
/** Test/development mode only: hands a message to the open panel as if its webview had posted it. */
export const TRACE_VIEW_RECEIVE_COMMAND = 'tempoLens.test.traceViewReceive';
/** Test/development mode only: runs the serializer's revive on a fresh panel with the given saved state. */
export const TRACE_VIEW_REVIVE_COMMAND = 'tempoLens.test.traceViewRevive';

const LOCATE_TIMEOUT_MS = 15_000;
const LOAD_TIMEOUT_MS = 30_000;
const MAX_EXCHANGES = 200;

/** CodeRef → workspace location (the matcher); either shape is accepted so this stays decoupled from the index. */
export type LocateFn = (
  ref: CodeRef,
  service: string | null,
  signal: AbortSignal,
) => Promise<CodeLocation | null | { readonly location: CodeLocation | null; readonly reason: string }>;

export interface TraceViewExtras {
  /** The workspace matcher. Without it, Go to code falls back to `code.file.path` + line. */
  readonly locate?: LocateFn;
}

interface TraceViewDeps {
  readonly extensionUri: vscode.Uri;
  readonly log: Logger;
  grafana(): GrafanaLinkConfig;
  locate: LocateFn | undefined;
  /** Fetches and parses a trace by id (used when the panel is revived after a reload). */
  loadTrace(traceId: string, signal: AbortSignal): Promise<Trace | null>;
}

/** One message as recorded for tests: `showTrace` is summarised (a 10k-span trace is not kept twice). */
export interface ExchangedMessage {
  readonly direction: 'sent' | 'received';
  readonly type: string;
  readonly traceId: string | null;
  readonly spanId: string | null;
  readonly spanCount: number | null;
  readonly rootName: string | null;
  readonly text: string | null;
  readonly ok: boolean | null;
  /** showTrace: collapsed spans restored from saved state (null when none was sent). */
  readonly collapsedCount: number | null;
}

export interface ShowTraceOptions {
  readonly selectSpanId?: string | null;
  readonly viewColumn?: vscode.ViewColumn;
  readonly preserveFocus?: boolean;
}

function nonce(): string {
  return randomBytes(18).toString('base64');
}

function rootOf(trace: Trace): Span | null {
  const ids = new Set(trace.spans.map((s) => s.spanId));
  let best: Span | null = null;
  for (const s of trace.spans) {
    const isRoot = s.parentSpanId === null || !ids.has(s.spanId) || !ids.has(s.parentSpanId);
    if (isRoot && (best === null || (best.parentSpanId !== null && s.parentSpanId === null) || s.startMs < best.startMs)) best = s;
  }
  return best;
}

function summarise(direction: 'sent' | 'received', m: HostMessage | WebviewMessage): ExchangedMessage {
  const base = { direction, type: m.type, traceId: null, spanId: null, spanCount: null, rootName: null, text: null, ok: null, collapsedCount: null };
  switch (m.type) {
    case 'showTrace':
      return {
        ...base,
        traceId: m.trace.traceId,
        spanId: m.options.selectSpanId ?? m.state?.selectedSpanId ?? null,
        spanCount: m.trace.spans.length,
        rootName: rootOf(m.trace)?.name ?? null,
        collapsedCount: m.state?.collapsed.length ?? null,
      };
    case 'status':
      return { ...base, text: m.text };
    case 'goToCodeResult':
      return { ...base, spanId: m.spanId, text: m.text, ok: m.ok };
    case 'ready':
      return base;
    case 'selectSpan':
    case 'goToCode':
      return { ...base, traceId: m.traceId, spanId: m.spanId };
    case 'openInGrafana':
    case 'openLinkedTrace':
      return { ...base, traceId: m.traceId, spanId: m.spanId };
  }
}

function withTimeout(ms: number): { signal: AbortSignal; dispose(): void } {
  const c = new AbortController();
  const t = setTimeout(() => c.abort(new Error(`timed out after ${ms} ms`)), ms);
  return { signal: c.signal, dispose: () => clearTimeout(t) };
}

export class TracePanel {
  private static current: TracePanel | undefined;
  /** Every message in and out, newest last (bounded); read by the test-mode command. */
  static readonly exchanges: ExchangedMessage[] = [];

  private trace: Trace | null = null;
  private selectSpanId: string | null = null;
  private restoreState: TraceViewState | null = null;
  private ready = false;
  private disposed = false;
  private pendingStatus: HostMessage | null = null;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly inflight = new Set<AbortController>();

  private constructor(private readonly panel: vscode.WebviewPanel, private readonly deps: TraceViewDeps) {
    const dist = vscode.Uri.joinPath(deps.extensionUri, 'dist');
    panel.webview.options = {
      enableScripts: true,
      enableCommandUris: false,
      localResourceRoots: [dist, vscode.Uri.joinPath(deps.extensionUri, 'media')],
    };
    panel.webview.html = traceViewHtml({
      cspSource: panel.webview.cspSource,
      nonce: nonce(),
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
    });
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  /** Shows `trace` in the trace view, reusing the open panel (revealed) or creating one. */
  static show(trace: Trace, deps: TraceViewDeps, opts: ShowTraceOptions = {}): TracePanel {
    let p = TracePanel.current;
    if (p === undefined) {
      const panel = vscode.window.createWebviewPanel(
        TRACE_VIEW_TYPE,
        'Trace',
        { viewColumn: opts.viewColumn ?? vscode.ViewColumn.Beside, preserveFocus: opts.preserveFocus ?? false },
        { enableScripts: true, enableFindWidget: true, retainContextWhenHidden: false },
      );
      p = new TracePanel(panel, deps);
      TracePanel.current = p;
    } else {
      p.panel.reveal(opts.viewColumn ?? p.panel.viewColumn, opts.preserveFocus ?? false);
    }
    p.setTrace(trace, opts.selectSpanId ?? null, null);
    return p;
  }

  /** The serializer's entry: the panel comes back after a reload with the webview's saved state. */
  static async revive(panel: vscode.WebviewPanel, state: unknown, deps: TraceViewDeps): Promise<void> {
    TracePanel.current?.panel.dispose();
    const p = new TracePanel(panel, deps);
    TracePanel.current = p;
    if (!isTraceViewState(state)) {
      p.postStatus('info', 'This trace view was restored without a trace. Run "Tempo Lens: Search Traces" or "Open Trace by ID".');
      return;
    }
    p.postStatus('loading', `Loading trace ${state.traceId}…`);
    const ctl = new AbortController();
    p.inflight.add(ctl);
    const timer = withTimeout(LOAD_TIMEOUT_MS);
    const onTimeout = (): void => ctl.abort(timer.signal.reason);
    timer.signal.addEventListener('abort', onTimeout);
    try {
      const trace = await deps.loadTrace(state.traceId, ctl.signal);
      if (ctl.signal.aborted) return;
      if (trace === null) p.postStatus('error', `Trace ${state.traceId} was not found (it may have aged out of Tempo's retention).`);
      else p.setTrace(trace, null, state);
    } catch (e) {
      if (!ctl.signal.aborted || timer.signal.aborted) {
        const msg = e instanceof Error ? e.message : String(e);
        deps.log.warn(`trace view: could not reload trace ${state.traceId}: ${msg}`);
        p.postStatus('error', `Could not load trace ${state.traceId}: ${msg}`);
      }
    } finally {
      timer.dispose();
      p.inflight.delete(ctl);
    }
  }

  get traceId(): string | null {
    return this.trace?.traceId ?? null;
  }

  private setTrace(trace: Trace, selectSpanId: string | null, state: TraceViewState | null): void {
    this.trace = trace;
    this.selectSpanId = selectSpanId !== null && isSpanId(selectSpanId) ? selectSpanId : null;
    this.restoreState = state;
    const root = rootOf(trace);
    this.panel.title = root !== null ? `Trace: ${root.name}`.slice(0, 60) : `Trace ${trace.traceId.slice(0, 8)}`;
    if (this.ready) this.sendTrace();
  }

  private sendTrace(): void {
    if (this.trace === null) return;
    const g = this.deps.grafana();
    this.post({
      type: 'showTrace',
      trace: this.trace,
      options: { grafana: grafanaLinkProblem(g) === null, selectSpanId: this.selectSpanId },
      state: this.restoreState,
    });
    // A later ready (webview re-created when hidden) restores from the webview's own state.
    this.restoreState = null;
  }

  private postStatus(kind: 'loading' | 'error' | 'info', text: string): void {
    const m: HostMessage = { type: 'status', kind, text };
    if (this.ready) this.post(m);
    else this.pendingStatus = m;
  }

  private post(m: HostMessage): void {
    // Answers to slow requests (Go to code, reload) may arrive after the panel closed.
    if (this.disposed) return;
    TracePanel.record(summarise('sent', m));
    void this.panel.webview.postMessage(m);
  }

  private static record(e: ExchangedMessage): void {
    TracePanel.exchanges.push(e);
    if (TracePanel.exchanges.length > MAX_EXCHANGES) TracePanel.exchanges.splice(0, TracePanel.exchanges.length - MAX_EXCHANGES);
  }

  private onMessage(m: unknown): void {
    if (!isWebviewMessage(m)) {
      this.deps.log.warn(`trace view: ignored a malformed message from the webview`);
      return;
    }
    TracePanel.record(summarise('received', m));
    switch (m.type) {
      case 'ready':
        this.ready = true;
        if (this.trace !== null) this.sendTrace();
        else if (this.pendingStatus !== null) this.post(this.pendingStatus);
        this.pendingStatus = null;
        break;
      case 'selectSpan':
        break;
      case 'goToCode':
        void this.goToCode(m.traceId, m.spanId);
        break;
      case 'openInGrafana':
        void this.openInGrafana(m.traceId, m.spanId);
        break;
      case 'openLinkedTrace':
        void runCommand('tempoLens.openTrace', m.traceId, m.spanId === null ? undefined : { selectSpanId: m.spanId });
        break;
    }
  }

  private async goToCode(traceId: string, spanId: string): Promise<void> {
    const reply = (ok: boolean, text: string): void => this.post({ type: 'goToCodeResult', spanId, ok, text });
    // Attributes come from the host's copy of the trace, never from the webview.
    const span = this.trace !== null && this.trace.traceId === traceId ? this.trace.spans.find((s) => s.spanId === spanId) : undefined;
    if (span === undefined) return reply(false, 'No match because this span is no longer in the trace shown.');
    const ref = codeRefFromAttributes(span.attributes);
    if (ref === null) return reply(false, 'No match because the span has no code.function / code.function.name attribute.');
    const ctl = new AbortController();
    this.inflight.add(ctl);
    const timer = withTimeout(LOCATE_TIMEOUT_MS);
    timer.signal.addEventListener('abort', () => ctl.abort(timer.signal.reason));
    try {
      const { location, reason } = await this.locate(ref, span.service, ctl.signal);
      if (ctl.signal.aborted) return reply(false, timer.signal.aborted ? `No match because the search for ${formatCodeRef(ref)} timed out.` : 'Cancelled.');
      if (location === null) return reply(false, `No match because ${reason.replace(/^no match(?: because)?:?\s*/i, '')}`);
      const opened = await openLocation(location);
      if (opened === null) return reply(false, `No match because ${location.file} is not in an open workspace folder.`);
      reply(true, `Opened ${location.file}:${location.line} (${location.symbol}) — ${reason}`);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this.deps.log.warn(`trace view: go to code for ${formatCodeRef(ref)} failed: ${msg}`);
      reply(false, `No match because the lookup failed: ${msg}`);
    } finally {
      timer.dispose();
      this.inflight.delete(ctl);
    }
  }

  private async locate(ref: CodeRef, service: string | null, signal: AbortSignal): Promise<{ location: CodeLocation | null; reason: string }> {
    if (this.deps.locate !== undefined) {
      const r = await this.deps.locate(ref, service, signal);
      if (r === null) return { location: null, reason: `no workspace symbol matches ${formatCodeRef(ref)}.` };
      if ('reason' in r && 'location' in r) return { location: r.location, reason: r.reason };
      return { location: r as CodeLocation, reason: (r as CodeLocation).reason };
    }
    return locateByFilePath(ref, signal);
  }

  private async openInGrafana(traceId: string, spanId: string | null): Promise<void> {
    const cfg = this.deps.grafana();
    const trace = this.trace !== null && this.trace.traceId === traceId ? this.trace : null;
    let startMs: number | undefined;
    let endMs: number | undefined;
    for (const s of trace?.spans ?? []) {
      startMs = startMs === undefined ? s.startMs : Math.min(startMs, s.startMs);
      endMs = endMs === undefined ? s.endMs : Math.max(endMs, s.endMs);
    }
    const url = grafanaExploreUrl(cfg, { traceId, spanId, ...(startMs !== undefined && endMs !== undefined ? { startMs, endMs } : {}) });
    if (url === null) {
      const problem = grafanaLinkProblem(cfg) ?? 'The trace id is not valid.';
      const choice = await vscode.window.showWarningMessage(`Tempo Lens: ${problem}`, 'Open Settings');
      if (choice === 'Open Settings') await vscode.commands.executeCommand('workbench.action.openSettings', 'tempoLens.grafana');
      return;
    }
    await vscode.env.openExternal(vscode.Uri.parse(url, true));
  }

  private dispose(): void {
    this.disposed = true;
    if (TracePanel.current === this) TracePanel.current = undefined;
    for (const c of this.inflight) c.abort();
    this.inflight.clear();
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  /** Feeds `m` through the same guard and handler as a webview message; false without a panel. */
  static receiveForTest(m: unknown): boolean {
    const p = TracePanel.current;
    if (p === undefined) return false;
    p.onMessage(m);
    return true;
  }

  static disposeCurrent(): void {
    TracePanel.current?.panel.dispose();
  }
}

/** Workspace-relative file → an open editor at the 1-based line; null when no folder has the file. */
async function openLocation(loc: CodeLocation): Promise<vscode.TextEditor | null> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  for (const f of folders) {
    const uri = vscode.Uri.joinPath(f.uri, ...loc.file.split('/').filter((p) => p !== '' && p !== '..'));
    try {
      await vscode.workspace.fs.stat(uri);
    } catch {
      continue;
    }
    const line = Math.max(0, loc.line - 1);
    const pos = new vscode.Position(line, 0);
    return vscode.window.showTextDocument(uri, { selection: new vscode.Range(pos, pos), viewColumn: vscode.ViewColumn.One, preview: true });
  }
  return null;
}

/** Without the workspace index: find the file named by `code.file.path` (longest matching path suffix). */
async function locateByFilePath(ref: CodeRef, signal: AbortSignal): Promise<{ location: CodeLocation | null; reason: string }> {
  if (ref.filePath === null) {
    return { location: null, reason: `the workspace index is not available and the span has no code.file.path to look for ${formatCodeRef(ref)}.` };
  }
  const parts = ref.filePath.replace(/\\/g, '/').split('/').filter((p) => p !== '');
  const base = parts[parts.length - 1];
  if (base === undefined || /[*?{}[\]]/.test(base)) return { location: null, reason: `code.file.path "${ref.filePath}" has no usable file name.` };
  const cts = new vscode.CancellationTokenSource();
  const onAbort = (): void => cts.cancel();
  signal.addEventListener('abort', onAbort);
  try {
    const found = await vscode.workspace.findFiles(`**/${base}`, '**/node_modules/**', 50, cts.token);
    let best: { uri: vscode.Uri; score: number } | null = null;
    for (const uri of found) {
      const rel = vscode.workspace.asRelativePath(uri, false).split('/');
      let score = 0;
      while (score < rel.length && score < parts.length && rel[rel.length - 1 - score] === parts[parts.length - 1 - score]) score++;
      if (best === null || score > best.score) best = { uri, score };
    }
    if (best === null) return { location: null, reason: `no file named ${base} is in the workspace (check tempoLens.pathMappings).` };
    const file = vscode.workspace.asRelativePath(best.uri, false);
    return {
      location: { file, line: ref.line ?? 1, symbol: ref.function, confidence: 0.5, reason: `matched code.file.path by its last ${best.score} path segment(s)` },
      reason: `matched code.file.path by its last ${best.score} path segment(s)`,
    };
  } finally {
    signal.removeEventListener('abort', onAbort);
    cts.dispose();
  }
}

/**
 * Registers the trace view: the serializer (panel survives reload), the internal show command other
 * features use, and in extension-test mode the message log command.
 */
export function registerTraceView(context: vscode.ExtensionContext, services: Services, extras: TraceViewExtras = {}): void {
  const log = services.log.child('traceView');
  const deps: TraceViewDeps = {
    extensionUri: context.extensionUri,
    log,
    grafana: () => ({ grafanaUrl: services.config.current.grafanaUrl, datasourceUid: services.config.current.grafanaDatasourceUid }),
    locate: extras.locate,
    // The shared trace service: the configured source, with this panel's cancellation.
    loadTrace: (traceId, signal) => services.traces.load(traceId, { cancel: signal }),
  };
  const serializer: vscode.WebviewPanelSerializer<unknown> = {
    deserializeWebviewPanel: (panel, state: unknown) => TracePanel.revive(panel, state, deps),
  };
  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(TRACE_VIEW_TYPE, serializer),
    registerTypedCommand('tempoLens.internal.showTrace', (trace, opts) => {
      // Typed for callers in this extension; checked anyway, since any extension can run a command.
      if (!isTrace(trace as unknown)) throw new Error('tempoLens.internal.showTrace: the first argument is not a Trace');
      const sel = (opts as Partial<typeof opts> | undefined)?.selectSpanId;
      TracePanel.show(trace, deps, { selectSpanId: typeof sel === 'string' ? sel : null });
      return trace.traceId;
    }),
    { dispose: () => TracePanel.disposeCurrent() },
  );
  if (context.extensionMode !== vscode.ExtensionMode.Production) {
    context.subscriptions.push(
      vscode.commands.registerCommand(TRACE_VIEW_MESSAGES_COMMAND, () => TracePanel.exchanges.map((e) => ({ ...e }))),
      vscode.commands.registerCommand(TRACE_VIEW_RECEIVE_COMMAND, (m: unknown) => TracePanel.receiveForTest(m)),
      vscode.commands.registerCommand(TRACE_VIEW_REVIVE_COMMAND, async (state: unknown) => {
        // What VS Code does after a reload: a bare panel of our view type, then deserializeWebviewPanel.
        const panel = vscode.window.createWebviewPanel(TRACE_VIEW_TYPE, 'Trace', vscode.ViewColumn.Beside, { enableScripts: true });
        await serializer.deserializeWebviewPanel(panel, state);
        return true;
      }),
    );
  }
}
