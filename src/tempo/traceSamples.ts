// Trace samples shared by every detector and function, kept between refreshes: an LRU by normalised trace id with in-flight de-duplication. No vscode.
import { LRUCache } from 'lru-cache';
import type { Trace } from '../shared/model';
import { normalizeTraceId } from './client';

export interface TraceSampleCacheOptions {
  /** Spans kept in all (a trace weighs its span count). Default 200,000. */
  readonly maxSpans?: number;
  /**
   * A trace whose last span ended less than this long before it was fetched may still be growing
   * (late spans, a request still running): kept this long only. Older traces are complete and do
   * not change, so they stay until evicted. Default 60 s.
   */
  readonly settleMs?: number;
  readonly now?: () => number;
  /** A fetch failed (the caller gets null; nothing is kept, the next ask retries). */
  readonly onError?: (traceId: string, error: unknown) => void;
}

/** Fetch counters, for tests and the log. */
export interface TraceSampleStats {
  /** Requests made (one per distinct trace id not in the cache). */
  fetches: number;
  /** Asks answered from the cache or by joining a fetch in flight. */
  reused: number;
}

/**
 * Trace by id, fetched at most once while it is kept (whichever detector or function asks) and
 * shared while in flight. `fetch` returning undefined means the source cannot fetch traces.
 */
export class TraceSampleCache {
  readonly stats: TraceSampleStats = { fetches: 0, reused: 0 };
  private readonly lru: LRUCache<string, Trace, AbortSignal>;
  private readonly settleMs: number;
  private readonly now: () => number;

  constructor(private readonly fetchTrace: (traceId: string, signal: AbortSignal) => Promise<Trace | null> | undefined, private readonly options: TraceSampleCacheOptions = {}) {
    this.settleMs = options.settleMs ?? 60_000;
    this.now = options.now ?? Date.now;
    this.lru = new LRUCache<string, Trace, AbortSignal>({
      maxSize: Math.max(1, options.maxSpans ?? 200_000),
      sizeCalculation: (t) => Math.max(1, t.spans.length),
      // Only recent traces get a TTL (set per entry in fetchMethod); complete ones never expire.
      ttlAutopurge: false,
      // The TTL runs on the same clock as the settle check (tests inject one).
      perf: { now: () => this.now() },
      ttlResolution: 0,
      fetchMethod: async (id, _stale, { signal, options: setOptions, context }) => {
        const fetched = this.fetchTrace(id, AbortSignal.any([signal, context]));
        if (fetched === undefined) return undefined;
        this.stats.fetches++;
        const trace = await fetched;
        // Not found (yet): not kept — it may appear a second later.
        if (trace === null) return undefined;
        const lastEnd = trace.spans.reduce((m, s) => Math.max(m, s.endMs), 0);
        if (this.now() - lastEnd < this.settleMs) setOptions.ttl = this.settleMs;
        return trace;
      },
    });
  }

  /** The trace, or null when the source does not have it, cannot fetch traces, or the fetch failed. */
  async get(traceId: string, signal: AbortSignal): Promise<Trace | null> {
    let id: string;
    try {
      id = normalizeTraceId(traceId);
    } catch (e) {
      this.options.onError?.(traceId, e);
      return null;
    }
    // lru-cache's fetch joins a fetch of the same id in flight: concurrent asks cost one request.
    const status: LRUCache.Status<string, Trace, AbortSignal> = {};
    const pending = this.lru.fetch(id, { context: signal, status });
    if (status.fetch === 'hit' || status.fetch === 'inflight') this.stats.reused++;
    try {
      return (await pending) ?? null;
    } catch (e) {
      if (!signal.aborted) this.options.onError?.(id, e);
      return null;
    }
  }

  /** Traces kept now. */
  get size(): number {
    return this.lru.size;
  }
}
