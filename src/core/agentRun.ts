// Runs one coding-agent tool call against a data port: the same dispatch for the CLI's MCP server and the editor's LM tools.
import type { CodeLocation, CodeRef, StatsOrigin, TimeWindow, Trace, TraceSummary } from '../shared/model';
import {
  checkToolInput, findFunctions, findTracesResult, functionStatsResult, getTraceResult, hotspotsResult, toolError, traceCodeRefs,
  type AgentToolKey, type FunctionDetail, type FunctionQuery, type ToolFunction,
} from './agentTools';
import { splitQualifiedName } from './codeRef';
import { compareByErrors, compareHotspots } from './stats';
import { functionSpansQuery } from './traceql';

export interface AgentFigures {
  readonly functions: readonly ToolFunction[];
  readonly window: TimeWindow;
  readonly origin: StatsOrigin | null;
  readonly notes: readonly string[];
}

/** A method to search for: by its code reference, or a TraceQL query (Tempo). */
export interface TraceSearchRequest {
  /** TraceQL; for a method, the span-set that matches its spans. */
  readonly query: string;
  /** Set when the search is for one method (sources without TraceQL match spans by code reference). */
  readonly method: { readonly ref: CodeRef; readonly service: string | null } | null;
  readonly limit: number;
}

/** What a host (the CLI, the extension) gives the tools; every call takes the caller's signal. */
export interface AgentPort {
  /** The current figures (the editor's store snapshot, or the CLI's cached load). */
  figures(signal: AbortSignal): Promise<AgentFigures>;
  /** Slowest and failing spans of one method; null when the source cannot drill down. */
  drillDown(f: ToolFunction, signal: AbortSignal): Promise<FunctionDetail | null>;
  searchTraces(req: TraceSearchRequest, signal: AbortSignal): Promise<{ readonly traces: readonly TraceSummary[]; readonly window: TimeWindow; readonly notes: readonly string[] }>;
  trace(traceId: string, signal: AbortSignal): Promise<Trace | null>;
  /** Workspace locations of code references, keyed by `locationKey`. */
  locate(refs: readonly { readonly ref: CodeRef; readonly service: string | null; readonly key: string }[], signal: AbortSignal): Promise<ReadonlyMap<string, CodeLocation | null>>;
  readonly capBytes?: number;
  /** The `filter` setting (TraceQL span-set conditions), ANDed into method searches. */
  readonly filter?: string;
}

export interface AgentCallResult {
  /** The JSON result (the tools return it as text). */
  readonly value: unknown;
  /** The call failed (bad arguments, source unreachable): `value` is `{ tool, error }`. */
  readonly isError: boolean;
}

/** A code reference from a method name the user typed, for searching spans of a method without current figures. */
function refFromQuery(q: FunctionQuery): CodeRef | null {
  if (q.function === undefined) return null;
  if (q.namespace !== undefined) return { namespace: q.namespace, function: q.function, filePath: null, line: null };
  const s = splitQualifiedName(q.function);
  return { namespace: s.namespace, function: s.function, filePath: null, line: null };
}

/** Validates the arguments and runs one tool; failures become `{ tool, error }` results, never throws (except on abort). */
export async function runAgentTool(key: AgentToolKey, args: unknown, port: AgentPort, signal: AbortSignal): Promise<AgentCallResult> {
  const capOpt = port.capBytes !== undefined ? { capBytes: port.capBytes } : {};
  try {
    switch (key) {
      case 'hotspots': {
        const input = checkToolInput('hotspots', args);
        if (!input.ok) return { value: toolError(key, input.error), isError: true };
        const fig = await port.figures(signal);
        const sorted = [...fig.functions].sort((a, b) => (input.value.sort === 'errors' ? compareByErrors(a.stats, b.stats) : compareHotspots(a.stats, b.stats)));
        return { value: hotspotsResult(sorted, input.value, { window: fig.window, origin: fig.origin, notes: fig.notes, ...capOpt }), isError: false };
      }
      case 'functionStats': {
        const input = checkToolInput('functionStats', args);
        if (!input.ok) return { value: toolError(key, input.error), isError: true };
        const fig = await port.figures(signal);
        const matches = findFunctions(fig.functions, input.value);
        const only = matches.length === 1 ? matches[0] : undefined;
        const detail = only !== undefined ? await port.drillDown(only, signal) : null;
        return { value: functionStatsResult(matches, input.value, detail, { window: fig.window, origin: fig.origin, notes: fig.notes, ...capOpt }), isError: false };
      }
      case 'findTraces': {
        const input = checkToolInput('findTraces', args);
        if (!input.ok) return { value: toolError(key, input.error), isError: true };
        const q = input.value;
        let req: TraceSearchRequest;
        if (q.query !== undefined) req = { query: q.query, method: null, limit: q.limit };
        else {
          const fig = await port.figures(signal);
          const matches = findFunctions(fig.functions, q);
          const ref = matches.length === 1 ? (matches[0] as ToolFunction).stats.codeRef : refFromQuery(q);
          const service = matches.length === 1 ? (matches[0] as ToolFunction).stats.service : q.service ?? null;
          if (ref === null || (matches.length > 1 && q.function === undefined)) {
            return { value: toolError(key, matches.length > 1 ? `${matches.length} methods are in that file: give line or function` : 'no method with figures at that file and line; give the function name'), isError: true };
          }
          // Search returns only selected attributes (PITFALLS 5): name and status make the spans readable.
          req = { query: `${functionSpansQuery(ref, service, port.filter)} | select(name, status, statusMessage)`, method: { ref, service }, limit: q.limit };
        }
        const found = await port.searchTraces(req, signal);
        return { value: findTracesResult(found.traces, req.query, { window: found.window, notes: found.notes, limit: q.limit, ...capOpt }), isError: false };
      }
      case 'getTrace': {
        const input = checkToolInput('getTrace', args);
        if (!input.ok) return { value: toolError(key, input.error), isError: true };
        const trace = await port.trace(input.value.traceId, signal);
        const locations = trace === null ? new Map<string, CodeLocation | null>() : await port.locate(traceCodeRefs(trace), signal);
        return { value: getTraceResult(trace, input.value.traceId, locations, capOpt), isError: false };
      }
    }
  } catch (e) {
    if (signal.aborted) throw e;
    return { value: toolError(key, e instanceof Error ? e.message : String(e)), isError: true };
  }
}

/** Waits for `p`, or rejects when `signal` aborts first; shared work (a load other callers wait on) keeps going. */
export function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
