// The telemetry-source port: what every surface needs from wherever spans come from (Tempo, OTLP files, the local receiver). No vscode, no I/O.
import type { CodeRef, SpanHit, StatsSnapshot, TimeWindow, Trace, TraceSummary } from '../shared/model';
import type { CensusResult, SeenFunction } from './doctor';
import type { SampleTarget } from './insights/sampling';

/** One stats load: the window, the `filter` setting (TraceQL conditions), optionally some services only. */
export interface StatsRequest {
  readonly window: TimeWindow;
  /** TraceQL span-set conditions without braces, or '' (the `tempoLens.filter` setting). */
  readonly filter: string;
  /** Only these services (`resource.service.name`); undefined or empty: all. */
  readonly services?: readonly string[] | undefined;
}

/** The slowest and the most recent erroring spans of one function. */
export interface DrillDown {
  /** Slowest first. */
  readonly slowest: readonly SpanHit[];
  /** Most recent first. */
  readonly errors: readonly SpanHit[];
}

/** A trace search: a TraceQL query over a window. */
export interface SearchRequest {
  readonly query: string;
  readonly window: TimeWindow;
  /** Traces returned at most. */
  readonly limit: number;
  /** Matching spans listed per trace at most. */
  readonly spansPerTrace: number;
}

export interface SourceCapabilities {
  /** Registry id (`tempo`, `files`, `receiver`); for logs and labels, never for branching outside the registry. */
  readonly kind: string;
  /** Short text for the status bar and messages (`Tempo`, `trace files`, `local receiver`). */
  readonly label: string;
  /** Queries leave the machine (a server); local sources (files, the receiver) need no confirmation before agent tools read them. */
  readonly remote: boolean;
  /**
   * Figures cover the requested window. False for trace files read whole (their own time span):
   * a "previous window" would be the same spans, so there are no regressions to compute.
   */
  readonly windowed: boolean;
  /** Figures are exact over every span the source holds: no percentile refinement is needed. */
  readonly exact: boolean;
  /**
   * Trace search: `traceql` = the server runs full TraceQL; `subset` = span-set conditions only
   * (`{ a = "x" && duration > 1s }`, see core/spanFilter), evaluated locally; null = none.
   */
  readonly search: 'traceql' | 'subset' | null;
  /**
   * Where trace insights come from: `sampled` = drill-down searches and trace fetches per method
   * (the source is remote and large); `all` = every trace the source holds, analysed once per load.
   */
  readonly insights: 'sampled' | 'all';
}

/** A listener subscription, as `vscode.Disposable` (structurally) without depending on vscode. */
export interface Subscription {
  dispose(): void;
}

export interface TelemetrySource {
  readonly capabilities: SourceCapabilities;
  /** Per-function statistics for a window. */
  stats(req: StatsRequest, signal: AbortSignal): Promise<StatsSnapshot>;
  /** The slowest and erroring spans of one function in a window. */
  drillDown(ref: CodeRef, service: string | null, window: TimeWindow, signal: AbortSignal): Promise<DrillDown>;
  /** One trace, parsed; null when the source does not have it. `window` is a hint only. */
  trace(traceId: string, window: TimeWindow | undefined, signal: AbortSignal): Promise<Trace | null>;
  /** Traces matching a query, most recent first; present when `capabilities.search` is not null. */
  search?(req: SearchRequest, signal: AbortSignal): Promise<TraceSummary[]>;
  /** Values of a tag (e.g. `resource.service.name`), for search presets; absent when unknown. */
  tagValues?(tag: string, signal: AbortSignal): Promise<string[]>;
  /**
   * Exact percentiles over span durations for some functions when `stats` gives estimates (the
   * conditions select them). Absent for exact sources.
   */
  refine?(req: StatsRequest, signal: AbortSignal): Promise<StatsSnapshot>;
  /**
   * For `insights: 'sampled'`: trace ids worth analysing for some functions, within a budget (one or
   * two searches for all of them, the densest bursts of overlapping calls first). Absent: the
   * detectors sample one drill-down per function.
   */
  sampleTraces?(targets: readonly SampleTarget[], req: StatsRequest & { readonly maxTraces: number; readonly perFunction: number }, signal: AbortSignal): Promise<readonly string[]>;
  /**
   * For `insights: 'all'`: the traces of the last `stats` load not handed over yet, once (the
   * source drops its reference); null when there is nothing new.
   */
  takeTraces?(): readonly Trace[] | null;
  /** Per-service instrumentation counts and the functions seen (Check Instrumentation). */
  census(req: StatsRequest, signal: AbortSignal): Promise<CensusResult & { readonly functions: readonly SeenFunction[] }>;
  /** Status-bar text when the source has something to show (the receiver's endpoint); absent: the label. */
  describe?(): { readonly text: string; readonly tooltip: string; readonly copy?: string };
  /** For sources that receive spans (push): fires when new spans arrived. */
  onDidChange?(listener: () => void): Subscription;
  /** Releases what the source holds (sockets, servers, memory). */
  dispose?(): void | Promise<void>;
}
