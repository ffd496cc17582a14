// Composition root of the extension: builds services, registers features, owns disposables.
import { sep } from 'node:path';
import type * as vscode from 'vscode';
import { registerConnection } from './features/connection';
import { registerStatusBar, type StatusBarView } from './features/statusBar';
import { registerTraceView, type TraceViewExtras } from './features/tracePanel';
import { registerTraceSearch, type TraceSearchExtras } from './features/traceSearch';
import type { ConnectionState } from './host/connection';
import { createServices, type Services } from './host/services';
import { createStatsStore, type StoreSnapshotView } from './host/stats';
import type { HintModel } from './core/surfaces';
import type { CodeRef } from './shared/model';
import { registerCodeActions } from './features/codeActions';
import { registerCodeLens } from './features/codeLens';
import { registerDecorations } from './features/decorations';
import { registerDiagnostics } from './features/diagnostics';
import { registerFunctionTraces } from './features/functionTraces';
import { registerHotspots, type HotspotItemView } from './features/hotspots';
import { registerHover } from './features/hover';
import { registerTimeRange } from './features/timeRange';
import { registerExplainMatch } from './features/explainMatch';
import { registerCheckInstrumentation } from './features/checkInstrumentation';
import { registerLmTools, type LmToolsView } from './features/lmTools';

/** When the extension host evaluated this bundle: the start of the activation figure. */
const moduleLoadedAt = performance.now();
/** Set by the first line of dist/extension.js (esbuild.mjs banner); absent in unbundled runs. */
declare const __tempoLensBundleStart: number | undefined;
const bundleStartedAt = typeof __tempoLensBundleStart === 'number' ? __tempoLensBundleStart : moduleLoadedAt;

/** What `vscode.extensions.getExtension('tempo-lens.tempo-lens').exports` offers (tests, other extensions). */
export interface TempoLensApi {
  readonly activation: {
    /** Time spent inside activate(), ms. */
    readonly activateMs: number;
    /** From bundle evaluation to the end of activate(), ms (includes the host's work in between). */
    readonly sinceModuleLoadMs: number;
    /** Evaluating dist/extension.js, from its first line to the end of its module body, ms. */
    readonly bundleLoadMs: number;
    /** The bundles kept for first use (vendor/*.js, lazy/*.js under dist/) already loaded when activate() returned. */
    readonly lazyLoaded: readonly string[];
  };
  statusBar(): StatusBarView;
  connectionState(): ConnectionState;
  /** The editor surfaces (CodeLens, hover, hints, diagnostics, hot spots) and their stats store. */
  readonly surfaces: SurfacesApi;
  /** The language-model tools and the MCP server definition offered to VS Code. */
  readonly agentTools: LmToolsView;
}

export interface SurfacesApi {
  /** Refreshes now (debounced with other requests) and resolves when the figures are in. */
  refresh(): Promise<void>;
  state(): StoreSnapshotView;
  hotspots(): HotspotItemView[];
  /** Refresh errors notified so far: one per outage, not one per refresh. */
  errorsShown(): readonly string[];
  updateDiagnostics(): Promise<void>;
  /** Resolves when the background trace analysis (insights) scheduled so far is done. */
  insightsSettled(): Promise<void>;
  /** Items of the last "traces of this function" pick list, once loaded. */
  functionTraceItems(): readonly string[];
  /** Inline hints applied now to a visible document (after the debounce), by document URI. */
  hints(uri: string): readonly HintModel[];
}

export function activate(context: vscode.ExtensionContext): TempoLensApi {
  const start = performance.now();
  const services = createServices(context);
  registerConnection(context, services);
  const statusBar = registerStatusBar(context, services);
  // Features: one `register…(context, services)` line each.
  // One workspace index: the store, Explain Match, the trace view's Go to code and the cursor preset share it.
  const { api: surfaces, matching, agentTools } = registerSurfaces(context, services);
  registerTraceView(context, services, { locate: matching.locate });
  registerTraceSearch(context, services, { codeRefAt: matching.codeRefAt });

  const end = performance.now();
  const activation = { activateMs: end - start, sinceModuleLoadMs: end - moduleLoadedAt, bundleLoadMs: moduleLoadedAt - bundleStartedAt, lazyLoaded: lazyLoaded() };
  services.log.info(`activated: bundle evaluated in ${activation.bundleLoadMs.toFixed(1)} ms, activate() ${activation.activateMs.toFixed(1)} ms (${activation.sinceModuleLoadMs.toFixed(1)} ms since the bundle loaded); lazy bundles loaded: ${activation.lazyLoaded.join(', ') || 'none'}`);
  return {
    activation,
    statusBar,
    connectionState: () => services.connection.state,
    surfaces,
    agentTools,
  };
}

/** The bundles kept for first use (dist/vendor/*.js, dist/lazy/*.js) already in the module cache. */
function lazyLoaded(): string[] {
  const dirs = [`${__dirname}${sep}vendor${sep}`, `${__dirname}${sep}lazy${sep}`];
  return Object.keys(require.cache).filter((k) => dirs.some((d) => k.startsWith(d))).map((k) => k.slice(__dirname.length + 1));
}

/** The stats store and every surface reading it. */
function registerSurfaces(context: vscode.ExtensionContext, services: Services): { api: SurfacesApi; matching: Required<TraceViewExtras & TraceSearchExtras>; agentTools: LmToolsView } {
  const { store, insights, index, locator } = createStatsStore(context, services);
  const s = { ...services, store };
  registerCodeLens(context, s);
  registerHover(context, s, insights);
  const decorations = registerDecorations(context, s);
  const diagnostics = registerDiagnostics(context, s, insights);
  registerCodeActions(context, s, insights);
  const hotspots = registerHotspots(context, s);
  const functionTraces = registerFunctionTraces(context, s);
  registerExplainMatch(context, s, { index, observed: () => store.state.snapshot?.functions ?? [] });
  registerCheckInstrumentation(context, s, index);
  const refresh = registerTimeRange(context, s);
  const matching = {
    locate: (ref: CodeRef, service: string | null, signal: AbortSignal) => locator.locate(ref, service, signal),
    codeRefAt: (doc: vscode.TextDocument, pos: vscode.Position, token: vscode.CancellationToken) => locator.codeRefAt(store, doc, pos, token),
  };
  // Coding agents read the same store, drill-downs and trace cache (only where the host has the LM API).
  const agentTools = registerLmTools(context, s, { store, insights, locate: matching.locate });
  const api: SurfacesApi = {
    refresh: () => store.requestRefresh('api'),
    state: () => store.state,
    hotspots: () => hotspots.snapshot(),
    errorsShown: () => refresh.errorsShown,
    updateDiagnostics: () => diagnostics.updateAll(),
    insightsSettled: () => insights.settled(),
    hints: (uri) => decorations.applied.get(uri) ?? [],
    functionTraceItems: () => functionTraces.lastShown(),
  };
  return { api, matching, agentTools };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
