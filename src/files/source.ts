// OTLP trace files behind the telemetry-source port: exact figures, every trace for the detectors, a TraceQL-subset search and trace by id over the files.
import * as path from 'node:path';
import type { CodeRef, Span, StatsSnapshot, TimeWindow, Trace, TraceSummary } from '../shared/model';
import type { CensusResult, SeenFunction } from '../core/doctor';
import { groupByTrace } from '../core/otlp';
import type { DrillDown, SearchRequest, SourceCapabilities, StatsRequest, TelemetrySource } from '../core/source';
import { searchTraces } from '../core/spanCorpus';
import { FilesCensus } from './census';
import { FileStatsSource, spansFromText } from './files';
import { readRegularFile } from './workspaceFiles';

/** A trace file bigger than this is not read for a trace or a search (the stats load reports it). */
const MAX_TRACE_FILE_BYTES = 64 * 1024 * 1024;


export interface FilesSourceOptions {
  /** The workspace folder the glob is relative to. */
  readonly root: string;
  /** The `files` setting. */
  readonly glob: string;
  /** Count only spans inside the requested window (the CLI's explicit --window); default: the files' own time span. */
  readonly clipToWindow?: boolean;
  /** Keep each load's traces for the detectors (`takeTraces`). Default true. */
  readonly keepTraces?: boolean;
}

export class FilesSource implements TelemetrySource {
  readonly capabilities: SourceCapabilities;
  private readonly files: FileStatsSource;

  constructor(private readonly opts: FilesSourceOptions) {
    this.capabilities = { kind: 'files', label: 'trace files', remote: false, windowed: opts.clipToWindow === true, exact: true, search: 'subset', insights: 'all' };
    this.files = new FileStatsSource({ root: opts.root, glob: opts.glob, keepTraces: opts.keepTraces ?? true, clipToWindow: opts.clipToWindow === true });
  }

  stats(req: StatsRequest, signal: AbortSignal): Promise<StatsSnapshot> {
    return this.files.load(req, signal);
  }

  drillDown(ref: CodeRef, service: string | null, window: TimeWindow, signal: AbortSignal): Promise<DrillDown> {
    return this.files.drillDown(ref, service, window, signal);
  }

  takeTraces(): readonly Trace[] | null {
    return this.files.takeTraces();
  }

  /** Spans of the files that may hold `mention` (a cheap text pre-check), or of every file. Unreadable or malformed files hold none here: the stats load reports them. */
  private async readSpans(signal: AbortSignal, mention?: (text: string) => boolean): Promise<Span[]> {
    const out: Span[] = [];
    for (const f of await this.files.listFiles(signal)) {
      signal.throwIfAborted();
      const read = await readRegularFile(path.resolve(this.opts.root, f), MAX_TRACE_FILE_BYTES, signal);
      if (!read.ok || (mention !== undefined && !mention(read.text))) continue;
      try {
        for (const s of spansFromText(read.text)) out.push(s);
      } catch {
        // Not a trace file: nothing to find in it.
      }
    }
    return out;
  }

  async trace(traceId: string, _window: TimeWindow | undefined, signal: AbortSignal): Promise<Trace | null> {
    // Hex ids are safe regex text; files may spell them in upper case or without leading zeros, or in base64.
    const hexId = new RegExp(traceId.replace(/^0+/, ''), 'i');
    const mention = (text: string): boolean => hexId.test(text) || /"trace_?id"\s*:\s*"[A-Za-z0-9+/]{22}==/i.test(text);
    const spans = (await this.readSpans(signal, mention)).filter((s) => s.traceId === traceId);
    return spans.length === 0 ? null : { traceId, spans, partial: false, message: null };
  }

  async search(req: SearchRequest, signal: AbortSignal): Promise<TraceSummary[]> {
    // Exported files cover their own time span (as the figures do), not the last hour: no window.
    return searchTraces(groupByTrace(await this.readSpans(signal)), { ...req, window: { startMs: -Infinity, endMs: Infinity } });
  }

  async tagValues(tag: string, signal: AbortSignal): Promise<string[]> {
    if (tag !== 'resource.service.name') return [];
    const names = new Set<string>();
    for (const s of await this.readSpans(signal)) if (s.service !== null) names.add(s.service);
    return [...names];
  }

  census(req: StatsRequest, signal: AbortSignal): Promise<CensusResult & { readonly functions: readonly SeenFunction[] }> {
    return new FilesCensus({ root: this.opts.root, glob: this.opts.glob, clipToWindow: this.opts.clipToWindow === true }).census(req, signal);
  }
}
