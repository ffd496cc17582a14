// The local OTLP receiver behind the telemetry-source port: exact figures, drill-downs, the TraceQL-subset search and trace by id over the spans it holds.
import type { CensusResult, SeenFunction } from '../core/doctor';
import { SpanCensus } from '../core/doctor';
import type { DrillDown, SearchRequest, SourceCapabilities, StatsRequest, Subscription, TelemetrySource } from '../core/source';
import { drillDownOf, requestPredicate, searchTraces, statsOfSpans } from '../core/spanCorpus';
import type { SpanAggregator } from '../core/stats';
import type { CodeRef, StatsSnapshot, TimeWindow, Trace, TraceSummary } from '../shared/model';
import { startReceiver, type Receiver, type ReceiverOptions } from './index';

const CAPABILITIES: SourceCapabilities = { kind: 'receiver', label: 'local receiver', remote: false, exact: true, search: 'subset', insights: 'all' };

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('cancelled');
}

export class ReceiverSource implements TelemetrySource {
  readonly capabilities = CAPABILITIES;
  private last: { agg: SpanAggregator; window: TimeWindow; version: number } | null = null;
  private lastTraces: Trace[] | null = null;

  private constructor(readonly receiver: Receiver) {}

  /** Starts the endpoint (the configured port or the next free one) and wraps its store. */
  static async start(options: ReceiverOptions): Promise<ReceiverSource> {
    return new ReceiverSource(await startReceiver(options));
  }

  async stats(req: StatsRequest, signal: AbortSignal): Promise<StatsSnapshot> {
    throwIfAborted(signal);
    const store = this.receiver.store;
    const { snapshot, aggregator, spansRead } = statsOfSpans(store.spans(req.window), req, 'receiver', 'received spans');
    this.last = { agg: aggregator, window: req.window, version: store.version };
    // The detectors get the whole traces that had a counted span, once.
    const { pred } = requestPredicate(req, 'received spans');
    this.lastTraces = store.traces(req.window).filter((t) => t.spans.some((s) => s.startMs >= req.window.startMs && s.startMs < req.window.endMs && (pred === null || pred(s))));
    const st = store.stats();
    const notes = [
      `Figures from ${spansRead} span${spansRead === 1 ? '' : 's'} received on ${this.receiver.endpoint} (${aggregator.spans} with code attributes); percentiles are exact.`,
      ...snapshot.notes,
    ];
    if (st.received === 0) notes.push(`Nothing received yet: point your app at it with OTEL_EXPORTER_OTLP_ENDPOINT=${this.receiver.endpoint}.`);
    if (st.evicted > 0) notes.push(`The memory cap dropped the ${st.evicted} oldest spans received.`);
    return { ...snapshot, notes };
  }

  async drillDown(ref: CodeRef, service: string | null, window: TimeWindow, signal: AbortSignal): Promise<DrillDown> {
    throwIfAborted(signal);
    const store = this.receiver.store;
    const last = this.last;
    if (last !== null && last.version === store.version && last.window.startMs === window.startMs && last.window.endMs === window.endMs) {
      return drillDownOf(last.agg, ref, service);
    }
    const { aggregator } = statsOfSpans(store.spans(window), { window, filter: '' }, 'receiver', 'received spans');
    return drillDownOf(aggregator, ref, service);
  }

  takeTraces(): readonly Trace[] | null {
    const t = this.lastTraces;
    this.lastTraces = null;
    return t;
  }

  async trace(traceId: string, _window: TimeWindow | undefined, signal: AbortSignal): Promise<Trace | null> {
    throwIfAborted(signal);
    return this.receiver.store.trace(traceId);
  }

  async search(req: SearchRequest, signal: AbortSignal): Promise<TraceSummary[]> {
    throwIfAborted(signal);
    return searchTraces(this.receiver.store.traces(req.window), req);
  }

  async tagValues(tag: string, signal: AbortSignal): Promise<string[]> {
    throwIfAborted(signal);
    if (tag !== 'resource.service.name') return [];
    const names = new Set<string>();
    for (const s of this.receiver.store.spans({ startMs: -Infinity, endMs: Infinity })) if (s.service !== null) names.add(s.service);
    return [...names].sort();
  }

  async census(req: StatsRequest, signal: AbortSignal): Promise<CensusResult & { readonly functions: readonly SeenFunction[] }> {
    throwIfAborted(signal);
    const spans = this.receiver.store.spans(req.window).filter((s) => s.startMs >= req.window.startMs && s.startMs < req.window.endMs);
    const { pred } = requestPredicate(req, 'received spans');
    const counts = new SpanCensus();
    for (const s of spans) if (pred === null || pred(s)) counts.add(s);
    const { snapshot } = statsOfSpans(spans, req, 'receiver', 'received spans');
    return {
      window: req.window,
      services: counts.result(),
      functions: snapshot.functions.map((f) => ({ codeRef: f.codeRef, service: f.service })),
      notes: snapshot.notes,
      metricsUnavailable: null,
    };
  }

  describe(): { readonly text: string; readonly tooltip: string; readonly copy: string } {
    const st = this.receiver.store.stats();
    const endpoint = this.receiver.endpoint;
    return {
      text: `OTLP :${this.receiver.port}`,
      tooltip: `Local OTLP receiver on ${endpoint} (${st.spans} span${st.spans === 1 ? '' : 's'} held)\nClick to copy OTEL_EXPORTER_OTLP_ENDPOINT=${endpoint}`,
      copy: `OTEL_EXPORTER_OTLP_ENDPOINT=${endpoint}`,
    };
  }

  onDidChange(listener: () => void): Subscription {
    return this.receiver.store.onDidChange(() => listener());
  }

  dispose(): Promise<void> {
    this.last = null;
    this.lastTraces = null;
    return this.receiver.close();
  }
}
