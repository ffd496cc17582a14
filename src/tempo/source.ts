// Tempo behind the telemetry-source port: TraceQL metrics for the figures, search for refinement, drill-downs and the trace search, trace by id.
import type { CodeRef, StatsSnapshot, TimeWindow, Trace, TraceSummary } from '../shared/model';
import type { CensusResult, SeenFunction } from '../core/doctor';
import { parseTraceBody, SkipCounter } from '../core/otlp';
import { traceSummaries } from '../core/search';
import type { DrillDown, SearchRequest, SourceCapabilities, StatsRequest, TelemetrySource } from '../core/source';
import type { TempoQueries } from './client';
import { TempoCensus } from './doctor';
import { searchSampler } from './insightsSource';
import type { SampleTarget } from '../core/insights/sampling';
import { TempoStatsSource } from './statsSource';

export interface TempoSourceOptions {
  /** Tempo refused a query Tempo Lens built (a bug of ours): the caller logs it with the query. */
  readonly onQueryRefused?: (query: string, answer: string) => void;
  /** Spans with impossible times were left out of a trace; the caller logs why. */
  readonly onSkipped?: (traceId: string, note: string) => void;
  /** The clock (tests, the CLI's --now): decides the 3.x metrics cutoff and whether a window is recent. */
  readonly now?: () => number;
}

const CAPABILITIES: SourceCapabilities = { kind: 'tempo', label: 'Tempo', remote: true, windowed: true, exact: false, search: 'traceql', insights: 'sampled' };

export class TempoSource implements TelemetrySource {
  readonly capabilities = CAPABILITIES;
  /** Keeps what it learns (metrics range caps, refusals) across refreshes. */
  private readonly metrics: TempoStatsSource;
  /** Search only: exact span durations for a few namespaces ("one search per namespace", two slices of up to 500 traces). */
  private readonly searchStats: TempoStatsSource;

  constructor(readonly client: TempoQueries, private readonly opts: TempoSourceOptions = {}) {
    const refused = { ...(opts.onQueryRefused !== undefined ? { onQueryRefused: opts.onQueryRefused } : {}), ...(opts.now !== undefined ? { now: opts.now } : {}) };
    this.metrics = new TempoStatsSource(client, refused);
    this.searchStats = new TempoStatsSource(client, { mode: 'search', searchSlices: 2, ...refused });
  }

  stats(req: StatsRequest, signal: AbortSignal): Promise<StatsSnapshot> {
    return this.metrics.load(req, signal);
  }

  refine(req: StatsRequest, signal: AbortSignal): Promise<StatsSnapshot> {
    return this.searchStats.load(req, signal);
  }

  drillDown(ref: CodeRef, service: string | null, window: TimeWindow, signal: AbortSignal): Promise<DrillDown> {
    return this.metrics.drillDown(ref, service, window, signal);
  }

  async trace(traceId: string, window: TimeWindow | undefined, signal: AbortSignal): Promise<Trace | null> {
    const range = window !== undefined ? { start: window.startMs / 1000 - 60, end: window.endMs / 1000 + 60 } : {};
    let body = await this.client.traceById(traceId, range, signal);
    // A time hint that misses the trace hides it: retry without one.
    if (body === null && window !== undefined) body = await this.client.traceById(traceId, {}, signal);
    if (body === null) return null;
    const skips = new SkipCounter();
    const trace = parseTraceBody(body, skips);
    for (const n of skips.notes()) this.opts.onSkipped?.(traceId, n);
    return trace;
  }

  async search(req: SearchRequest, signal: AbortSignal): Promise<TraceSummary[]> {
    const resp = await this.client.search({ q: req.query, start: req.window.startMs / 1000, end: req.window.endMs / 1000, limit: req.limit, spss: req.spansPerTrace }, signal);
    return traceSummaries(resp).sort((a, b) => b.startMs - a.startMs);
  }

  async tagValues(tag: string, signal: AbortSignal): Promise<string[]> {
    return (await this.client.tagValues(tag, undefined, signal)).tagValues.map((v) => v.value);
  }

  sampleTraces(targets: readonly SampleTarget[], req: StatsRequest & { readonly maxTraces: number; readonly perFunction: number }, signal: AbortSignal): Promise<readonly string[]> {
    return searchSampler(this.client, req.window, req.filter, { maxTraces: req.maxTraces, perFunction: req.perFunction, now: this.opts.now ?? Date.now })(targets, signal);
  }

  census(req: StatsRequest, signal: AbortSignal): Promise<CensusResult & { readonly functions: readonly SeenFunction[] }> {
    return new TempoCensus(this.client, this.metrics, this.opts.now !== undefined ? { now: this.opts.now } : {}).census(req, signal);
  }
}
