// The local OTLP receiver behind the telemetry-source port: exact figures, drill-downs, the TraceQL-subset search and trace by id over the spans it holds.
import type { CensusResult, SeenFunction } from '../core/doctor';
import { SpanCensus } from '../core/doctor';
import type { DrillDown, SearchRequest, SourceCapabilities, StatsRequest, Subscription, TelemetrySource } from '../core/source';
import { drillDownOf, requestPredicate, searchTraces, statsOfSpans } from '../core/spanCorpus';
import type { SpanAggregator } from '../core/stats';
import type { CodeRef, StatsSnapshot, TimeWindow, Trace, TraceSummary } from '../shared/model';
import { startReceiver, type Receiver, type ReceiverOptions } from './index';

/** New spans are announced at most this often: an app exporting every second must not refresh the editor every second. */
const CHANGE_THROTTLE_MS = 2000;

const CAPABILITIES: SourceCapabilities = { kind: 'receiver', label: 'local receiver', remote: false, windowed: true, exact: true, search: 'subset', insights: 'all' };

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('cancelled');
}

export class ReceiverSource implements TelemetrySource {
  readonly capabilities = CAPABILITIES;
  private last: { agg: SpanAggregator; window: TimeWindow; version: number } | null = null;
  private lastTraces: Trace[] | null = null;
  /** End of the window whose traces are pending: the previous window's load (earlier end, same refresh) does not replace them. */
  private lastTracesEnd = -Infinity;
  private readonly listeners = new Set<() => void>();
  private throttle: ReturnType<typeof setTimeout> | undefined;
  private changedSince = false;
  private readonly storeSub: Subscription;

  private constructor(readonly receiver: Receiver) {
    this.storeSub = receiver.store.onDidChange(() => this.announce());
  }

  /** Starts the endpoint (the configured port or the next free one) and wraps its store. */
  static async start(options: ReceiverOptions): Promise<ReceiverSource> {
    return new ReceiverSource(await startReceiver(options));
  }

  async stats(req: StatsRequest, signal: AbortSignal): Promise<StatsSnapshot> {
    throwIfAborted(signal);
    const store = this.receiver.store;
    const { snapshot, aggregator, spansRead } = statsOfSpans(store.spans(req.window), req, 'receiver', 'received spans');
    this.last = { agg: aggregator, window: req.window, version: store.version };
    // The detectors get the whole traces that had a counted span, once per refresh (the current window's).
    if (req.window.endMs >= this.lastTracesEnd) {
      const { pred } = requestPredicate(req, 'received spans');
      this.lastTraces = store.traces(req.window).filter((t) => t.spans.some((s) => s.startMs >= req.window.startMs && s.startMs < req.window.endMs && (pred === null || pred(s))));
      this.lastTracesEnd = req.window.endMs;
    }
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
      text: `$(radio-tower) Tempo Lens: receiver :${this.receiver.port}`,
      tooltip: `Local OTLP receiver on ${endpoint} (loopback only; ${st.spans} span${st.spans === 1 ? '' : 's'} held)\nPoint your app at it: OTEL_EXPORTER_OTLP_ENDPOINT=${endpoint}\nClick to copy that line.`,
      copy: `OTEL_EXPORTER_OTLP_ENDPOINT=${endpoint}`,
    };
  }

  private announce(): void {
    if (this.throttle !== undefined) {
      this.changedSince = true;
      return;
    }
    for (const l of this.listeners) l();
    this.throttle = setTimeout(() => {
      this.throttle = undefined;
      if (this.changedSince) {
        this.changedSince = false;
        this.announce();
      }
    }, CHANGE_THROTTLE_MS);
  }

  /** New spans arrived (at most one call per 2 s while an app keeps exporting). */
  onDidChange(listener: () => void): Subscription {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  dispose(): Promise<void> {
    if (this.throttle !== undefined) clearTimeout(this.throttle);
    this.listeners.clear();
    this.storeSub.dispose();
    this.last = null;
    this.lastTraces = null;
    return this.receiver.close();
  }
}

export { DEFAULT_RETENTION_MS, parseRetention } from './spanStore';
