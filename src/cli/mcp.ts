// `tempo-lens mcp`: the agent tools as an MCP server on stdio, over the CLI's sources, matcher and insight detectors.
import * as path from 'node:path';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { CodeLocation, CodeRef, Trace, TraceSummary } from '../shared/model';
import type { McpCommand } from '../core/cliArgs';
import { AGENT_TOOLS, DATA_NOTICE, resultText, type FunctionDetail, type ToolFunction } from '../core/agentTools';
import { runAgentTool, untilAborted, type AgentFigures, type AgentPort, type TraceSearchRequest } from '../core/agentRun';
import { combineInsights } from '../core/cliFormat';
import { thresholdInsights } from '../core/insights/thresholds';
import { compareHotspots, functionKey } from '../core/stats';
import { judge } from '../core/surfaces';
import type { MapWorkerClient } from '../symbols/mapClient';
import type { TelemetrySource } from '../core/source';
import { sourceInsights, uncountedFunctions, type FunctionFindings } from '../tempo/insightsSource';
import { INSIGHT_SAMPLING, oneLine, openMatcher, type CliIo } from './common';
import { openCliSource } from './sources';

/** Figures younger than this are served again (the editor's default refresh interval): no second set of requests. */
export const MCP_FIGURES_TTL_MS = 60_000;

/** The CLI side of the tools: one source, one matcher, figures cached for a minute, traces cached by the query cache. */
export class CliAgentPort implements AgentPort {
  readonly capBytes: number;
  readonly filter: string;
  private readonly source: TelemetrySource;
  private readonly closeSource: () => Promise<void>;
  private matcher: Promise<MapWorkerClient | null> | null = null;
  private cached: { at: number; figures: Promise<AgentFigures> } | null = null;

  constructor(private readonly cmd: McpCommand, private readonly io: CliIo, private readonly signal: AbortSignal) {
    this.capBytes = cmd.maxBytes;
    this.filter = cmd.filter;
    // Tempo answers are cached as in the editor: a trace asked for twice is fetched once.
    const opened = openCliSource({ ...cmd, root: path.resolve(io.cwd ?? process.cwd(), cmd.workspace ?? '.'), clipToWindow: false, keepTraces: true, cached: true }, io);
    this.source = opened.source;
    this.closeSource = opened.close;
  }

  private now(): number {
    return (this.io.now ?? Date.now)();
  }

  private workspace(): Promise<MapWorkerClient | null> {
    // Indexed once, on first use, for the server's life; abort only with the server.
    this.matcher ??= openMatcher(this.cmd.workspace, this.io, this.signal);
    return this.matcher;
  }

  figures(signal: AbortSignal): Promise<AgentFigures> {
    const now = this.now();
    if (this.cached !== null && now - this.cached.at < MCP_FIGURES_TTL_MS) return this.cached.figures;
    const figures = this.load(now, this.signal);
    this.cached = { at: now, figures };
    // A failed load is not kept: the next call tries again.
    figures.catch(() => {
      if (this.cached?.figures === figures) this.cached = null;
    });
    return untilAborted(figures, signal);
  }

  private async load(now: number, signal: AbortSignal): Promise<AgentFigures> {
    const endMs = Math.ceil(now / 1000) * 1000;
    const window = { startMs: endMs - this.cmd.sinceMs, endMs };
    const prevWindow = { startMs: window.startMs - this.cmd.sinceMs, endMs: window.startMs };
    const req = { window, filter: this.cmd.filter };
    // Files hold no "previous window" of their own: regressions need a source with windows.
    const previous = this.source.capabilities.windowed
      ? this.source.stats({ window: prevWindow, filter: this.cmd.filter }, signal).catch((e: unknown) => {
        if (signal.aborted) throw e;
        this.io.stderr(`tempo-lens: note: previous window not loaded (no regressions): ${oneLine(e instanceof Error ? e.message : String(e))}\n`);
        return null;
      })
      : Promise.resolve(null);
    const [snap, prev, matcher] = await Promise.all([this.source.stats(req, signal), previous, this.workspace()]);
    const thresholds = { latencyMs: this.cmd.latencyMs, errorRate: this.cmd.errorRate };
    // One batch to the mapping worker for every function.
    const outcomes = matcher === null ? [] : await matcher.locateAll(snap.functions.map((f) => ({ ref: f.codeRef, service: f.service })), signal);
    const byFunction = new Map(snap.functions.map((f, i) => [f, outcomes[i]]));
    const located = judge(snap.functions, prev?.functions ?? null, thresholds, (f) => {
      const outcome = byFunction.get(f);
      return { location: outcome?.location ?? null, reason: outcome?.reason ?? 'not found in the workspace' };
    });
    const notes = [...snap.notes];
    let findings = new Map<string, FunctionFindings>();
    if (this.cmd.insights) {
      const targets = located.map((l) => l.stats).sort(compareHotspots).slice(0, INSIGHT_SAMPLING.maxFunctions);
      const result = await sourceInsights(this.source, targets, { window: snap.window, filter: this.cmd.filter }, INSIGHT_SAMPLING, signal);
      findings = new Map(result.findings);
      if (this.source.capabilities.insights === 'sampled') {
        notes.push(`caller-timeout / cache-stampede / n-plus-one insights from ${result.tracesExamined} sampled traces of ${result.analysed} methods${result.timedOut ? ' (sampling stopped at its time bound)' : ''}.`);
      }
    }
    const functions: ToolFunction[] = located.map((l) => ({
      stats: l.stats,
      previous: l.previous,
      changes: l.changes,
      location: l.location,
      insights: combineInsights(thresholdInsights(l.stats, thresholds), findings.get(functionKey(l.stats.codeRef, l.stats.service))?.insights ?? []),
    }));
    // A finding on a method the figures did not count is still a finding: listed after the counted ones, without figures.
    const uncounted = uncountedFunctions(findings, snap.functions, snap.window);
    const where = matcher === null || uncounted.length === 0 ? [] : await matcher.locateAll(uncounted.map((f) => ({ ref: f.codeRef, service: f.service })), signal);
    uncounted.forEach((stats, i) => functions.push({ stats, previous: null, changes: [], location: where[i]?.location ?? null, insights: findings.get(stats.key)?.insights ?? [] }));
    return { functions, window: snap.window, origin: snap.origin, notes };
  }

  async drillDown(f: ToolFunction, signal: AbortSignal): Promise<FunctionDetail | null> {
    const fig = await this.figures(signal);
    return this.source.drillDown(f.stats.codeRef, f.stats.service, fig.window, signal);
  }

  async searchTraces(req: TraceSearchRequest, signal: AbortSignal): Promise<{ traces: TraceSummary[]; window: AgentFigures['window']; notes: string[] }> {
    const endMs = Math.ceil(this.now() / 1000) * 1000;
    const window = { startMs: endMs - this.cmd.sinceMs, endMs };
    // Tempo runs the TraceQL; trace files evaluate the span-set subset the tools' queries use.
    const traces = await this.source.search?.({ query: req.query, window, limit: req.limit, spansPerTrace: 10 }, signal);
    if (traces === undefined) throw new Error(`The ${this.source.capabilities.label} source has no trace search.`);
    return { traces, window, notes: [] };
  }

  async trace(traceId: string, signal: AbortSignal): Promise<Trace | null> {
    return this.source.trace(traceId, undefined, signal);
  }

  async locate(refs: readonly { ref: CodeRef; service: string | null; key: string }[], signal: AbortSignal): Promise<ReadonlyMap<string, CodeLocation | null>> {
    const matcher = await this.workspace();
    const outcomes = matcher === null ? [] : await matcher.locateAll(refs.map((r) => ({ ref: r.ref, service: r.service })), signal);
    return new Map(refs.map((r, i) => [r.key, outcomes[i]?.location ?? null]));
  }

  async close(): Promise<void> {
    await this.closeSource();
    await (await this.matcher?.catch(() => null))?.dispose();
  }
}

/** Serves the tools on stdin/stdout until stdin closes (the client went away) or `signal` aborts; resolves to the exit code. */
export async function runMcpServer(cmd: McpCommand, io: CliIo, signal: AbortSignal, version: string, stdio: { stdin: NodeJS.ReadableStream; stdout: NodeJS.WritableStream } = { stdin: process.stdin, stdout: process.stdout }): Promise<number> {
  const port = new CliAgentPort(cmd, io, signal);
  const server = new Server(
    { name: 'tempo-lens', version },
    {
      capabilities: { tools: {} },
      instructions: `Production evidence from Grafana Tempo traces for the methods of this workspace. ${DATA_NOTICE}`,
    },
  );
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: AGENT_TOOLS.map((t) => ({
      name: t.mcpName,
      title: t.title,
      description: t.description,
      inputSchema: t.inputSchema as { type: 'object'; properties: Record<string, object> },
      annotations: { title: t.title, readOnlyHint: true, openWorldHint: true },
    })),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const spec = AGENT_TOOLS.find((t) => t.mcpName === request.params.name);
    if (spec === undefined) return { content: [{ type: 'text' as const, text: JSON.stringify({ error: `unknown tool; the tools are ${AGENT_TOOLS.map((t) => t.mcpName).join(', ')}` }) }], isError: true };
    const result = await runAgentTool(spec.key, request.params.arguments, port, AbortSignal.any([extra.signal, signal]));
    return { content: [{ type: 'text' as const, text: resultText(result.value) }], isError: result.isError };
  });
  const transport = new StdioServerTransport(stdio.stdin as NodeJS.ReadStream & typeof process.stdin, stdio.stdout as NodeJS.WriteStream & typeof process.stdout);
  const closed = new Promise<void>((resolve) => {
    const done = (): void => resolve();
    stdio.stdin.once('end', done);
    stdio.stdin.once('close', done);
    signal.addEventListener('abort', done, { once: true });
    transport.onclose = done;
  });
  await server.connect(transport);
  io.stderr(`tempo-lens: MCP server ready on stdio (${cmd.source === 'files' ? `trace files ${cmd.files ?? '.tempo-lens/traces/**/*.json'}` : 'Tempo'}; tools ${AGENT_TOOLS.map((t) => t.mcpName).join(', ')})\n`);
  await closed;
  await server.close().catch(() => undefined);
  await port.close();
  return 0;
}
