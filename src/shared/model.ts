// The telemetry model shared by the extension host, the CLI and the webview. Imports nothing.

/** An OTLP attribute value, decoded from AnyValue (intValue strings become numbers when safe). */
export type AttrValue = string | number | boolean | null | AttrValue[] | { [key: string]: AttrValue };

/**
 * Containers (arrays, key-value lists) nest at most this deep in an AttrValue: the OTLP parser cuts
 * deeper values to null and the message guards accept exactly what it produces, so a trace the
 * parser read is never refused by the trace view. The bound keeps hostile bodies off the stack.
 */
export const MAX_ATTRIBUTE_DEPTH = 16;

/** Attributes keyed by their bare name (`code.function`, `service.name`). */
export type Attributes = Record<string, AttrValue>;

export type SpanKind = 'unspecified' | 'internal' | 'server' | 'client' | 'producer' | 'consumer';
export type SpanStatus = 'unset' | 'ok' | 'error';

export interface SpanEvent {
  readonly name: string;
  /** Epoch milliseconds (fractional; sub-microsecond precision is not kept). */
  readonly timeMs: number;
  readonly attributes: Attributes;
}

export interface SpanLink {
  /** 32 lower-case hex characters. */
  readonly traceId: string;
  /** 16 lower-case hex characters. */
  readonly spanId: string;
  readonly attributes: Attributes;
}

export interface Span {
  /** 32 lower-case hex characters, whatever encoding the source used. */
  readonly traceId: string;
  /** 16 lower-case hex characters. */
  readonly spanId: string;
  readonly parentSpanId: string | null;
  readonly name: string;
  readonly kind: SpanKind;
  /** Epoch milliseconds, fractional. */
  readonly startMs: number;
  readonly endMs: number;
  readonly status: SpanStatus;
  readonly statusMessage: string | null;
  readonly attributes: Attributes;
  /** Resource attributes (shared object between the spans of one resource). */
  readonly resource: Attributes;
  /** `service.name` of the resource, when present. */
  readonly service: string | null;
  readonly scope: { readonly name: string; readonly version: string | null } | null;
  readonly events: readonly SpanEvent[];
  readonly links: readonly SpanLink[];
}

export interface Trace {
  /** 32 lower-case hex characters. */
  readonly traceId: string;
  readonly spans: readonly Span[];
  /** Tempo returned a partial trace (over its size limit); `message` says why. */
  readonly partial: boolean;
  readonly message: string | null;
}

/**
 * A normalised code location from span attributes, in the shape CONTRACT.md prints.
 * `namespace` is the enclosing type/module/package as the runtime names it (`com.acme.Foo$Inner`),
 * `function` the bare function name (`getToken`).
 */
export interface CodeRef {
  readonly namespace: string | null;
  readonly function: string;
  readonly filePath: string | null;
  readonly line: number | null;
}

/** Time window of every figure, epoch milliseconds. */
export interface TimeWindow {
  readonly startMs: number;
  readonly endMs: number;
}

export type TimeRange = '15m' | '1h' | '6h' | '24h' | '7d';

/** One point of a latency/throughput series (for sparklines). */
export interface SeriesPoint {
  /** Epoch milliseconds at the start of the step. */
  readonly t: number;
  /** Value, or null when the step had no data. */
  readonly v: number | null;
}

/** How the figures of a FunctionStats were obtained — shown to the user, never hidden. */
export type StatsOrigin =
  /** TraceQL metrics: quantiles are estimates from log2 buckets (PITFALLS 1). */
  | 'metrics'
  /** Search fallback: exact span durations from a sample of the window. */
  | 'search'
  /** Offline OTLP files: exact over the files read. */
  | 'files'
  /** The local OTLP receiver: exact over the spans it holds. */
  | 'receiver';

export interface FunctionStats {
  /** Stable key: `codeRefKey(codeRef)` + service. */
  readonly key: string;
  readonly codeRef: CodeRef;
  readonly service: string | null;
  readonly origin: StatsOrigin;
  readonly window: TimeWindow;
  readonly calls: number;
  /** Calls per second over the window. */
  readonly ratePerSec: number;
  readonly errors: number;
  /** errors / calls, 0..1; 0 when calls is 0. */
  readonly errorRate: number;
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly p99Ms: number | null;
  /** True when the quantiles are estimates (metrics buckets) rather than exact span durations. */
  readonly quantilesApproximate: boolean;
  /** When the figures come from a sample: spans seen vs spans matched. Null when complete. */
  readonly sample: { readonly spans: number; readonly matched: number | null } | null;
  /** p95 latency per step, for the sparkline. */
  readonly latencySeries: readonly SeriesPoint[];
  /** Top status messages with counts, most frequent first. */
  readonly topErrors: readonly { readonly message: string; readonly count: number }[];
  /** A few trace ids seen for this function (slowest first where known). */
  readonly exampleTraceIds: readonly string[];
}

export interface StatsSnapshot {
  readonly window: TimeWindow;
  readonly origin: StatsOrigin;
  readonly functions: readonly FunctionStats[];
  /** Notes for the user (fallbacks taken, truncation, sampling). */
  readonly notes: readonly string[];
}

/** Where a CodeRef landed in the workspace. */
export interface CodeLocation {
  /** Workspace-relative path with forward slashes. */
  readonly file: string;
  /** 1-based line of the symbol's name. */
  readonly line: number;
  /** Qualified symbol name as shown to users (`TokenService.getToken`). */
  readonly symbol: string;
  /** 0..1 */
  readonly confidence: number;
  /** One sentence explaining the match. */
  readonly reason: string;
}

export type InsightKind = 'slow' | 'errors' | 'caller-timeout' | 'cache-stampede' | 'n-plus-one';

export interface Insight {
  readonly kind: InsightKind;
  readonly message: string;
  readonly traceIds: readonly string[];
}

/** A span found by a drill-down search (slowest / erroring spans of one function). */
export interface SpanHit {
  readonly traceId: string;
  readonly spanId: string;
  readonly name: string | null;
  readonly startMs: number;
  readonly durationMs: number;
  readonly status: SpanStatus;
  readonly statusMessage: string | null;
  readonly service: string | null;
  readonly rootServiceName: string | null;
  readonly rootTraceName: string | null;
}

/** One trace of a search result list. */
export interface TraceSummary {
  readonly traceId: string;
  readonly rootServiceName: string | null;
  readonly rootTraceName: string | null;
  readonly startMs: number;
  readonly durationMs: number;
  readonly matchedSpans: number;
  readonly errorSpans: number;
  readonly spans: readonly SpanHit[];
}
