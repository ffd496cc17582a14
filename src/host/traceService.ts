// One trace service for the search, the trace view, the hover links and the agent tools: trace by id, search and tag values from the configured source, with the caller's cancellation and a time bound.
import type * as vscode from 'vscode';
import type { TimeWindow, Trace, TraceSummary } from '../shared/model';
import type { TelemetrySource } from '../core/source';
import type { SourceRegistry } from './sources';

const TRACE_TIMEOUT_MS = 30_000;
const SEARCH_TIMEOUT_MS = 30_000;

/** Cancellation from VS Code (a token) or from code (a signal). */
export type Cancellation = vscode.CancellationToken | AbortSignal | undefined;

/** The configured source is not set up (no connection, no folder): the caller offers to configure it. */
export class SourceNotConfigured extends Error {
  constructor() {
    super('Tempo Lens has no telemetry source: run "Tempo Lens: Configure Connection", or set tempoLens.source to "files" or "receiver".');
    this.name = 'SourceNotConfigured';
  }
}

/** A signal that aborts on the caller's cancellation or after `timeoutMs`. */
export function boundedSignal(cancel: Cancellation, timeoutMs: number): { signal: AbortSignal; dispose(): void } {
  const c = new AbortController();
  const timer = setTimeout(() => c.abort(new Error(`timed out after ${timeoutMs / 1000} s`)), timeoutMs);
  let unsubscribe = (): void => undefined;
  if (cancel instanceof AbortSignal) {
    const onAbort = (): void => c.abort(cancel.reason);
    if (cancel.aborted) onAbort();
    else cancel.addEventListener('abort', onAbort, { once: true });
    unsubscribe = () => cancel.removeEventListener('abort', onAbort);
  } else if (cancel !== undefined) {
    if (cancel.isCancellationRequested) c.abort(new Error('cancelled'));
    const sub = cancel.onCancellationRequested(() => c.abort(new Error('cancelled')));
    unsubscribe = () => sub.dispose();
  }
  return { signal: c.signal, dispose: () => { clearTimeout(timer); unsubscribe(); } };
}

export class TraceService {
  constructor(private readonly sources: SourceRegistry) {}

  private async source(): Promise<TelemetrySource> {
    const s = await this.sources.current();
    if (s === null) throw new SourceNotConfigured();
    return s;
  }

  /** What the current source can search: full TraceQL, a subset, or nothing. Null when not configured. */
  async searchKind(): Promise<TelemetrySource['capabilities']['search'] | undefined> {
    const s = await this.sources.current().catch(() => null);
    return s === null ? undefined : s.capabilities.search;
  }

  /** Where a missing trace was looked for, for the "not found" message. */
  async whereLooked(): Promise<string> {
    const s = await this.sources.current().catch(() => null);
    if (s === null) return 'in the configured source';
    return s.capabilities.kind === 'tempo' ? "(it may be outside Tempo's retention, or not ingested yet)" : `in the ${this.sources.label(s)}`;
  }

  /** A trace by id; null when the source does not have it. Throws SourceNotConfigured, or the source's error. */
  async load(traceId: string, opts: { readonly window?: TimeWindow | undefined; readonly cancel?: Cancellation } = {}): Promise<Trace | null> {
    const source = await this.source();
    const b = boundedSignal(opts.cancel, TRACE_TIMEOUT_MS);
    try {
      return await source.trace(traceId, opts.window, b.signal);
    } finally {
      b.dispose();
    }
  }

  /** Traces matching a query, most recent first. */
  async search(query: string, window: TimeWindow, opts: { readonly limit: number; readonly spansPerTrace: number; readonly cancel?: Cancellation }): Promise<TraceSummary[]> {
    const source = await this.source();
    if (!source.search) throw new Error(`The ${source.capabilities.label} source has no trace search.`);
    const b = boundedSignal(opts.cancel, SEARCH_TIMEOUT_MS);
    try {
      return await source.search({ query, window, limit: opts.limit, spansPerTrace: opts.spansPerTrace }, b.signal);
    } finally {
      b.dispose();
    }
  }

  /** Values of a tag (search presets); empty when the source cannot tell or fails. */
  async tagValues(tag: string, cancel: Cancellation, timeoutMs = 3000): Promise<string[]> {
    const b = boundedSignal(cancel, timeoutMs);
    try {
      const source = await this.source();
      return (await source.tagValues?.(tag, b.signal)) ?? [];
    } catch {
      return [];
    } finally {
      b.dispose();
    }
  }
}
