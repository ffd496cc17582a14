// Language-model tools (Copilot agent mode and other chat participants) over the editor's own stores, and the CLI's MCP server offered to VS Code's MCP client.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CodeLocation, CodeRef, Trace, TraceSummary } from '../shared/model';
import { AGENT_TOOLS, DEFAULT_RESULT_CAP_BYTES, resultText, type AgentToolKey, type FunctionDetail, type ToolFunction } from '../core/agentTools';
import { runAgentTool, untilAborted, type AgentFigures, type AgentPort, type TraceSearchRequest } from '../core/agentRun';
import { combineInsights } from '../core/cliFormat';
import { thresholdInsights } from '../core/insights/thresholds';
import { windowFor } from '../core/timeRange';
import type { Services } from '../host/services';
import { boundedSignal } from '../host/traceService';
import type { InsightRunner, StatsStore } from '../host/stats';
import { redactUrlText } from '../tempo/client';

const MCP_PROVIDER_ID = 'tempoLens.mcp';
const CALL_TIMEOUT_MS = 60_000;

// ---- the parts of the LM / MCP API used here (VS Code 1.95+ / 1.101+; @types/vscode 1.90 lacks them) ----

interface LmToolInvocationOptions { readonly input: unknown }
interface LmPreparedInvocation {
  readonly invocationMessage?: string;
  readonly confirmationMessages?: { readonly title: string; readonly message: string | vscode.MarkdownString };
}
interface LmTool {
  invoke(options: LmToolInvocationOptions, token: vscode.CancellationToken): Promise<unknown>;
  prepareInvocation?(options: LmToolInvocationOptions, token: vscode.CancellationToken): LmPreparedInvocation;
}
interface McpServerDefinitionProvider {
  readonly onDidChangeMcpServerDefinitions?: vscode.Event<void>;
  provideMcpServerDefinitions(token: vscode.CancellationToken): unknown[];
  resolveMcpServerDefinition?(server: unknown, token: vscode.CancellationToken): Promise<unknown>;
}
interface LmApi {
  readonly lm?: {
    registerTool?(name: string, tool: LmTool): vscode.Disposable;
    registerMcpServerDefinitionProvider?(id: string, provider: McpServerDefinitionProvider): vscode.Disposable;
  };
  readonly LanguageModelToolResult?: new (content: unknown[]) => unknown;
  readonly LanguageModelTextPart?: new (value: string) => unknown;
  readonly McpStdioServerDefinition?: new (label: string, command: string, args?: string[], env?: Record<string, string | number | null>, version?: string) => { env: Record<string, string | number | null> };
}

export interface LmToolsDeps {
  readonly store: StatsStore;
  readonly insights: InsightRunner;
  locate(ref: CodeRef, service: string | null, signal: AbortSignal): Promise<{ location: CodeLocation | null }>;
}

export interface LmToolsView {
  /** Names of the tools registered with `vscode.lm` (empty where the host has no LM tools API). */
  readonly registered: readonly string[];
  /** The MCP server definitions offered to VS Code now (empty where the host has no MCP provider API). */
  mcpDefinitions(): readonly unknown[];
}

/** The tools' data port on the editor: the store's snapshot, its cached drill-downs, the connection's cached client. */
export function editorAgentPort(services: Services, deps: LmToolsDeps): AgentPort {
  const { store, insights } = deps;
  const windowNow = (): AgentFigures['window'] => store.state.window ?? windowFor(store.state.range, Date.now());
  return {
    capBytes: DEFAULT_RESULT_CAP_BYTES,
    filter: services.config.current.filter,
    async figures(signal) {
      let st = store.state;
      if (st.status === 'unconfigured') throw new Error('Tempo Lens is not connected: run "Tempo Lens: Configure Connection", or set tempoLens.source to "files" or "receiver".');
      // Figures the editor shows are reused as they are; only a store that has none yet refreshes.
      if (st.snapshot === null) {
        await untilAborted(store.requestRefresh('language-model tool'), signal);
        st = store.state;
      }
      if (st.snapshot === null) throw new Error(`no figures yet${st.error !== null ? `: ${st.error.message}` : ''}`);
      const t = store.thresholds;
      const functions: ToolFunction[] = store.allFunctions().map((l) => ({
        stats: l.stats,
        previous: l.previous,
        changes: l.changes,
        location: l.location,
        insights: combineInsights(thresholdInsights(l.stats, t), insights.insightsFor(l)),
      }));
      const notes = [...st.snapshot.notes];
      if (services.sources.peek()?.capabilities.insights === 'sampled') notes.push('caller-timeout / cache-stampede insights are analysed for the methods of the files open in the editor.');
      return { functions, window: st.snapshot.window, origin: st.snapshot.origin, notes };
    },
    async drillDown(f, signal): Promise<FunctionDetail | null> {
      return untilAborted(store.drillDown(f.stats.codeRef, f.stats.service), signal);
    },
    async searchTraces(req: TraceSearchRequest, signal) {
      const window = windowNow();
      if (req.method !== null && (await services.traces.searchKind()) === 'subset') {
        // A local source: the method's slowest and failing spans are exact and complete, better than a subset search.
        const d = await untilAborted(store.drillDown(req.method.ref, req.method.service), signal);
        const byTrace = new Map<string, TraceSummary>();
        for (const h of [...d.slowest, ...d.errors]) {
          const prev = byTrace.get(h.traceId);
          byTrace.set(h.traceId, {
            traceId: h.traceId, rootServiceName: h.rootServiceName, rootTraceName: h.rootTraceName, startMs: h.startMs, durationMs: Math.max(prev?.durationMs ?? 0, h.durationMs),
            matchedSpans: (prev?.matchedSpans ?? 0) + 1, errorSpans: (prev?.errorSpans ?? 0) + (h.status === 'error' ? 1 : 0), spans: [...(prev?.spans ?? []), h],
          });
        }
        return { traces: [...byTrace.values()], window, notes: ['The method\'s slowest and failing spans; durations are the spans\'.'] };
      }
      const traces = await services.traces.search(req.query, window, { limit: req.limit, spansPerTrace: 10, cancel: signal });
      return { traces, window, notes: [] };
    },
    async trace(traceId, signal): Promise<Trace | null> {
      return services.traces.load(traceId, { cancel: signal });
    },
    async locate(refs, signal) {
      const out = new Map<string, CodeLocation | null>();
      for (const r of refs) {
        if (signal.aborted) break;
        out.set(r.key, (await deps.locate(r.ref, r.service, signal).catch(() => ({ location: null }))).location);
      }
      return out;
    },
  };
}

/** What the confirmation says before a tool goes to the network. */
function prepare(key: AgentToolKey, input: unknown, services: Services): LmPreparedInvocation {
  const i = typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {};
  const source = services.sources.peek();
  const files = source !== undefined && !source.capabilities.remote;
  const where = source !== undefined && files ? `the ${services.sources.label(source)}` : 'Tempo';
  switch (key) {
    case 'hotspots':
      return { invocationMessage: 'Reading the hot spots of the workspace from Tempo Lens' };
    case 'functionStats':
      return { invocationMessage: `Reading Tempo Lens figures of ${typeof i['function'] === 'string' ? i['function'] : typeof i['file'] === 'string' ? `${i['file']}${typeof i['line'] === 'number' ? `:${i['line']}` : ''}` : 'a method'}` };
    case 'findTraces': {
      const what = typeof i['query'] === 'string' ? `TraceQL \`${i['query'].slice(0, 200)}\`` : 'the traces of a method';
      return {
        invocationMessage: `Searching ${where} for ${what}`,
        ...(files ? {} : { confirmationMessages: { title: 'Search traces in Tempo?', message: new vscode.MarkdownString(`Tempo Lens will search ${redactUrlText(services.config.current.url)} for ${what}.`) } }),
      };
    }
    case 'getTrace': {
      const id = typeof i['traceId'] === 'string' ? i['traceId'].slice(0, 32) : '?';
      return {
        invocationMessage: `Fetching trace ${id} from ${where}`,
        ...(files ? {} : { confirmationMessages: { title: 'Fetch a trace from Tempo?', message: new vscode.MarkdownString(`Tempo Lens will fetch trace \`${id}\` from ${redactUrlText(services.config.current.url)}.`) } }),
      };
    }
  }
}

/**
 * Registers the four tools where the host has `vscode.lm.registerTool`, and the MCP server
 * definition where it has `lm.registerMcpServerDefinitionProvider`; elsewhere (VS Code < 1.95)
 * nothing, silently: `engines` stays ^1.90.
 */
export function registerLmTools(context: vscode.ExtensionContext, services: Services, deps: LmToolsDeps): LmToolsView {
  const api = vscode as unknown as LmApi;
  const log = services.log.child('lmTools');
  const registered: string[] = [];
  const ToolResult = api.LanguageModelToolResult;
  const TextPart = api.LanguageModelTextPart;
  if (api.lm?.registerTool !== undefined && ToolResult !== undefined && TextPart !== undefined) {
    const port = (): AgentPort => editorAgentPort(services, deps);
    for (const spec of AGENT_TOOLS) {
      const tool: LmTool = {
        prepareInvocation: (options) => prepare(spec.key, options.input, services),
        invoke: async (options, token) => {
          const sig = boundedSignal(token, CALL_TIMEOUT_MS);
          try {
            const r = await runAgentTool(spec.key, options.input, port(), sig.signal);
            if (r.isError) log.info(`${spec.lmName}: ${resultText(r.value)}`);
            return new ToolResult([new TextPart(resultText(r.value))]);
          } finally {
            sig.dispose();
          }
        },
      };
      context.subscriptions.push(api.lm.registerTool(spec.lmName, tool));
      registered.push(spec.lmName);
    }
    log.info(`registered ${registered.length} language-model tools`);
  }
  const mcp = registerMcpProvider(context, services, api);
  return { registered, mcpDefinitions: () => mcp?.provideMcpServerDefinitions(new vscode.CancellationTokenSource().token) ?? [] };
}

function registerMcpProvider(context: vscode.ExtensionContext, services: Services, api: LmApi): McpServerDefinitionProvider | null {
  const Def = api.McpStdioServerDefinition;
  if (api.lm?.registerMcpServerDefinitionProvider === undefined || Def === undefined) return null;
  const changed = new vscode.EventEmitter<void>();
  context.subscriptions.push(
    changed,
    services.config.onDidChange(() => changed.fire()),
    vscode.workspace.onDidChangeWorkspaceFolders(() => changed.fire()),
  );
  const cli = path.join(context.extensionPath, 'dist', 'cli.js');
  const provider: McpServerDefinitionProvider = {
    onDidChangeMcpServerDefinitions: changed.event,
    provideMcpServerDefinitions: () => {
      const c = services.config.current;
      const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
      const sourceArgs = services.sources.cliArgs();
      // A source the CLI cannot read (the in-editor receiver): the LM tools above serve it instead.
      if (sourceArgs === null) return [];
      const args = [cli, 'mcp', ...sourceArgs, '--since', c.timeRange];
      if (folder !== undefined) args.push('--workspace', folder.uri.fsPath);
      if (c.filter !== '') args.push('--filter', c.filter);
      args.push('--latency-ms', String(c.thresholds.latencyMs), '--error-rate', String(c.thresholds.errorRate));
      // The extension host's own runtime runs the CLI: no `node` on PATH needed.
      return [new Def('Tempo Lens', process.execPath, args, { ELECTRON_RUN_AS_NODE: '1' }, '0.1.0')];
    },
    // The token goes in only when VS Code is about to start the server, never into a cached definition.
    resolveMcpServerDefinition: async (server) => {
      const c = services.config.current;
      if (c.auth === 'none' || services.sources.cliArgs()?.includes('--url') !== true) return server;
      const token = await services.tokens.get(c.url, c.user);
      if (token === undefined) return server;
      const def = server as { env: Record<string, string | number | null> };
      def.env = { ...def.env, TEMPO_LENS_TOKEN: token, TEMPO_LENS_AUTH: c.auth, ...(c.auth === 'basic' ? { TEMPO_LENS_USER: c.user } : {}) };
      return def;
    },
  };
  context.subscriptions.push(api.lm.registerMcpServerDefinitionProvider(MCP_PROVIDER_ID, provider));
  return provider;
}
