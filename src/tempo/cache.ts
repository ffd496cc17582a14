// Query cache: TTL per kind of query, bounded by entries and bytes, in-flight de-duplication, stale-while-revalidate.

import { LRUCache } from 'lru-cache';
import type { BuildInfo, Capabilities, QueryRangeParams, SearchParams, TempoClient, TempoQueries } from './client';
import { normalizeTraceId } from './client';
import type { QueryRangeResponse, SearchResponse, TagsResponse, TagValuesResponse } from '../core/wire';
import { TempoError } from './errors';
import { bodyBytesOf } from './http';

export type QueryKind = 'buildinfo' | 'capabilities' | 'metrics' | 'search' | 'trace' | 'tags' | 'tagValues';

/** How long an answer counts as fresh. Traces are immutable once complete; aggregates move with time. */
export const DEFAULT_TTL_MS: Readonly<Record<QueryKind, number>> = {
  buildinfo: 10 * 60_000,
  capabilities: 10 * 60_000,
  metrics: 30_000,
  search: 30_000,
  trace: 10 * 60_000,
  tags: 5 * 60_000,
  tagValues: 2 * 60_000,
};

/**
 * TTLs of the cache the extension keeps per connection. Statistics queries (metrics, search) are
 * shared while in flight only: every refresh, explicit or timed, asks Tempo (the store already
 * keeps the figures between refreshes, and a refresh must never show answers older than itself),
 * while identical concurrent requests — store, refiner, drill-downs, several windows or features
 * at once — still cost Tempo one request. Traces, tags and build info keep their TTLs.
 */
export const CONNECTION_CACHE_TTL_MS: Readonly<Partial<Record<QueryKind, number>>> = { metrics: 0, search: 0 };

export interface QueryCacheOptions {
  /** Default 1,000 entries. */
  readonly maxEntries?: number;
  /** Default 64 MiB (of response bytes, or estimated size). */
  readonly maxBytes?: number;
  readonly ttlMs?: Partial<Record<QueryKind, number>>;
  /** How long after expiry a stale value may still be served while it is refreshed (default: equal to the TTL). */
  readonly staleMs?: Partial<Record<QueryKind, number>>;
  /** Clock in ms (tests inject one). */
  readonly now?: () => number;
  /** Size of a value in bytes; default: the body size the client recorded, else an estimate. */
  readonly sizeOf?: (value: unknown) => number;
  /** A background refresh failed (the stale value stays). */
  readonly onBackgroundError?: (kind: QueryKind, key: string, error: unknown) => void;
}

export interface CacheGetOptions<T> {
  readonly signal?: AbortSignal;
  /** Serve a stale value at once and refresh it in the background (default true). */
  readonly staleWhileRevalidate?: boolean;
  /** Called when a background refresh for this key stores fresh data. */
  readonly onRefresh?: (value: T) => void;
  /** Skip the cache and fetch (still de-duplicated with a request already in flight of this generation). */
  readonly forceRefresh?: boolean;
  /** Whether a fetched value may be stored (e.g. not a "trace not found" that may appear a second later). */
  readonly shouldStore?: (value: T) => boolean;
}

export interface RefreshEvent {
  readonly kind: QueryKind;
  readonly key: string;
  readonly value: unknown;
}

export interface CacheStats {
  hits: number;
  staleHits: number;
  misses: number;
  joins: number;
  fetches: number;
  discardedLate: number;
}

/** Produces the value; must honour `signal` (aborted when every caller waiting for it has gone). */
export type Fetcher<T> = (signal: AbortSignal) => Promise<T>;

interface Entry {
  readonly value: unknown;
  readonly storedAt: number;
  readonly freshUntil: number;
  readonly expiresAt: number;
  readonly size: number;
}

interface Flight {
  readonly promise: Promise<unknown>;
  readonly controller: AbortController;
  readonly generation: number;
  waiters: number;
  readonly shouldStore: ((value: unknown) => boolean) | undefined;
  /** A background refresh keeps running even with no waiters. */
  background: boolean;
  readonly refreshListeners: Array<(value: unknown) => void>;
}

export class QueryCache {
  readonly #lru: LRUCache<string, Entry>;
  readonly #inflight = new Map<string, Flight>();
  readonly #ttl: Record<QueryKind, number>;
  readonly #stale: Partial<Record<QueryKind, number>>;
  readonly #now: () => number;
  readonly #sizeOf: (value: unknown) => number;
  readonly #onBackgroundError: ((kind: QueryKind, key: string, error: unknown) => void) | undefined;
  readonly #listeners = new Set<(e: RefreshEvent) => void>();
  readonly #generations = new Map<QueryKind, number>();
  #epoch = 0;
  readonly stats: CacheStats = { hits: 0, staleHits: 0, misses: 0, joins: 0, fetches: 0, discardedLate: 0 };

  constructor(options: QueryCacheOptions = {}) {
    const maxBytes = Math.max(1, Math.floor(options.maxBytes ?? 64 * 1024 * 1024));
    this.#lru = new LRUCache<string, Entry>({
      max: Math.max(1, Math.floor(options.maxEntries ?? 1000)),
      maxSize: maxBytes,
      maxEntrySize: maxBytes,
      sizeCalculation: (e) => e.size,
    });
    this.#ttl = { ...DEFAULT_TTL_MS, ...options.ttlMs };
    this.#stale = options.staleMs ?? {};
    this.#now = options.now ?? Date.now;
    this.#sizeOf = options.sizeOf ?? defaultSizeOf;
    this.#onBackgroundError = options.onBackgroundError;
  }

  /**
   * The cached value for (kind, key), or the result of `fetcher`. Concurrent callers for the same
   * key share one fetch; a caller that aborts leaves, and the fetch is aborted only when all left.
   */
  get<T>(kind: QueryKind, key: string, fetcher: Fetcher<T>, options: CacheGetOptions<T> = {}): Promise<T> {
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(abortedError());
    const k = fullKey(kind, key);
    const now = this.#now();
    let entry = options.forceRefresh === true ? undefined : this.#lru.get(k);
    if (entry !== undefined && now >= entry.expiresAt) {
      this.#lru.delete(k);
      entry = undefined;
    }
    if (entry !== undefined && now < entry.freshUntil) {
      this.stats.hits++;
      return Promise.resolve(entry.value as T);
    }
    if (entry !== undefined && options.staleWhileRevalidate !== false) {
      this.stats.staleHits++;
      const flight = this.#flight(kind, k, fetcher as Fetcher<unknown>, true, options.shouldStore as ((v: unknown) => boolean) | undefined);
      if (options.onRefresh !== undefined) flight.refreshListeners.push(options.onRefresh as (v: unknown) => void);
      return Promise.resolve(entry.value as T);
    }
    this.stats.misses++;
    const flight = this.#flight(kind, k, fetcher as Fetcher<unknown>, false, options.shouldStore as ((v: unknown) => boolean) | undefined);
    return this.#join(flight, signal) as Promise<T>;
  }

  /** The cached value without fetching (fresh or stale), or undefined. */
  peek<T>(kind: QueryKind, key: string): { readonly value: T; readonly fresh: boolean } | undefined {
    const e = this.#lru.peek(fullKey(kind, key));
    if (e === undefined) return undefined;
    const now = this.#now();
    if (now >= e.expiresAt) return undefined;
    return { value: e.value as T, fresh: now < e.freshUntil };
  }

  /** Stores a value directly (e.g. a trace fetched outside the cache). */
  set(kind: QueryKind, key: string, value: unknown, size?: number): void {
    this.#store(kind, fullKey(kind, key), value, size);
  }

  /**
   * Drops every entry (or those of one kind) after a connection or window change. Requests already
   * in flight still answer their callers but are not stored, and new callers start new requests.
   */
  invalidate(kind?: QueryKind): void {
    if (kind === undefined) {
      this.#epoch++;
      this.#lru.clear();
      this.#inflight.clear();
      return;
    }
    this.#generations.set(kind, (this.#generations.get(kind) ?? 0) + 1);
    const prefix = `${kind}\u0000`;
    for (const k of [...this.#lru.keys()]) if (k.startsWith(prefix)) this.#lru.delete(k);
    for (const k of [...this.#inflight.keys()]) if (k.startsWith(prefix)) this.#inflight.delete(k);
  }

  /** Fires when a stale-while-revalidate refresh stored fresh data. Returns an unsubscribe function. */
  onDidRefresh(listener: (e: RefreshEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get size(): number {
    return this.#lru.size;
  }

  get bytes(): number {
    return this.#lru.calculatedSize;
  }

  /** Requests currently in flight (for tests and the log). */
  get inflight(): number {
    return this.#inflight.size;
  }

  #generation(kind: QueryKind): number {
    return this.#epoch * 1_000_000 + (this.#generations.get(kind) ?? 0);
  }

  #flight(kind: QueryKind, k: string, fetcher: Fetcher<unknown>, background: boolean, shouldStore: ((v: unknown) => boolean) | undefined): Flight {
    const existing = this.#inflight.get(k);
    if (existing !== undefined) {
      this.stats.joins++;
      if (background) existing.background = true;
      return existing;
    }
    this.stats.fetches++;
    const controller = new AbortController();
    const generation = this.#generation(kind);
    const refreshListeners: Array<(value: unknown) => void> = [];
    let promise: Promise<unknown>;
    try {
      promise = fetcher(controller.signal);
    } catch (e) {
      promise = Promise.reject(e);
    }
    const flight: Flight = { promise, controller, generation, waiters: 0, shouldStore, background, refreshListeners };
    this.#inflight.set(k, flight);
    promise.then(
      (value) => {
        if (this.#inflight.get(k) === flight) this.#inflight.delete(k);
        if (generation !== this.#generation(kind)) {
          this.stats.discardedLate++;
          return;
        }
        if (flight.shouldStore !== undefined && !safeTest(flight.shouldStore, value)) return;
        this.#store(kind, k, value, undefined);
        if (flight.background) {
          const key = k.slice(kind.length + 1);
          for (const l of flight.refreshListeners) safeCall(() => l(value));
          for (const l of this.#listeners) safeCall(() => l({ kind, key, value }));
        }
      },
      (error: unknown) => {
        if (this.#inflight.get(k) === flight) this.#inflight.delete(k);
        if (flight.background && flight.waiters === 0 && !controller.signal.aborted) {
          this.#onBackgroundError?.(kind, k.slice(kind.length + 1), error);
        }
      },
    );
    return flight;
  }

  #join(flight: Flight, signal: AbortSignal | undefined): Promise<unknown> {
    flight.waiters++;
    return new Promise((resolve, reject) => {
      let done = false;
      const leave = (): void => {
        if (done) return;
        done = true;
        flight.waiters--;
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => {
        if (done) return;
        leave();
        reject(abortedError());
        if (flight.waiters === 0 && !flight.background) {
          flight.controller.abort();
          // Let the next caller start afresh instead of joining a request being torn down.
          for (const [k, f] of this.#inflight) if (f === flight) this.#inflight.delete(k);
        }
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      flight.promise.then(
        (v) => {
          if (done) return;
          leave();
          resolve(v);
        },
        (e: unknown) => {
          if (done) return;
          leave();
          reject(e);
        },
      );
    });
  }

  #store(kind: QueryKind, k: string, value: unknown, size: number | undefined): void {
    const ttl = this.#ttl[kind];
    if (!(ttl > 0)) return;
    const now = this.#now();
    const stale = this.#stale[kind] ?? ttl;
    const bytes = Math.max(1, Math.ceil(size ?? this.#sizeOf(value)));
    this.#lru.set(k, { value, storedAt: now, freshUntil: now + ttl, expiresAt: now + ttl + Math.max(0, stale), size: bytes });
  }
}

function fullKey(kind: QueryKind, key: string): string {
  return `${kind}\u0000${key}`;
}

function abortedError(): TempoError {
  return new TempoError('aborted', 'The request to Tempo was cancelled.');
}

function safeTest(f: (v: unknown) => boolean, v: unknown): boolean {
  try {
    return f(v);
  } catch {
    return false;
  }
}

function safeCall(f: () => void): void {
  try {
    f();
  } catch {
    // A listener's failure must not affect other listeners or the cache.
  }
}

/** Body bytes recorded by the client, else a linear estimate (UTF-16 strings, 8-byte numbers, per-object overhead). */
export function defaultSizeOf(value: unknown): number {
  const recorded = bodyBytesOf(value);
  if (recorded !== undefined) return recorded;
  let total = 0;
  const stack: unknown[] = [value];
  let visited = 0;
  while (stack.length > 0) {
    const v = stack.pop();
    if (++visited > 5_000_000) break;
    if (typeof v === 'string') total += 2 * v.length + 16;
    else if (typeof v === 'number' || typeof v === 'boolean') total += 8;
    else if (Array.isArray(v)) {
      total += 16 + 8 * v.length;
      for (const x of v) stack.push(x);
    } else if (typeof v === 'object' && v !== null) {
      const entries = Object.entries(v);
      total += 32;
      for (const [key, x] of entries) {
        total += 2 * key.length + 8;
        stack.push(x);
      }
    } else total += 8;
  }
  return total;
}

/**
 * The client's query calls through a QueryCache: same signatures, keys scoped to the connection
 * (settings hash), so a connection change never serves another server's data. `onRefresh`
 * receives fresher data after a stale value was served. Capabilities are not cached here: the
 * client already keeps them per connection.
 */
export class CachedTempoClient implements TempoQueries {
  constructor(
    readonly client: TempoClient,
    readonly cache: QueryCache,
  ) {}

  #key(...parts: unknown[]): string {
    return `${this.client.connectionKey}|${JSON.stringify(parts)}`;
  }

  get connectionKey(): string {
    return this.client.connectionKey;
  }

  get displayUrl(): string {
    return this.client.displayUrl;
  }

  capabilities(signal?: AbortSignal): Promise<Capabilities> {
    return this.client.capabilities(signal);
  }

  noteMetricsUnavailable(reason: string): void {
    this.client.noteMetricsUnavailable(reason);
  }

  buildInfo(signal?: AbortSignal): Promise<BuildInfo | null> {
    return this.cache.get('buildinfo', this.#key(), (s) => this.client.buildInfo(s), optional({ signal }));
  }

  search(params: SearchParams, signal?: AbortSignal, onRefresh?: (v: SearchResponse) => void): Promise<SearchResponse> {
    const key = this.#key(params.q, params.start, params.end, params.limit, params.spss);
    return this.cache.get('search', key, (s) => this.client.search(params, s), optional({ signal, onRefresh }));
  }

  /** Found traces are kept (immutable once complete); "not found" is not, since ingest lags by a moment. */
  traceById(id: string, opts: { start?: number; end?: number } = {}, signal?: AbortSignal): Promise<unknown | null> {
    const key = this.#key(normalizeTraceId(id), opts.start, opts.end);
    return this.cache.get('trace', key, (s) => this.client.traceById(id, opts, s), { ...optional({ signal }), shouldStore: (v) => v !== null });
  }

  searchTags(scope?: string, signal?: AbortSignal): Promise<TagsResponse> {
    return this.cache.get('tags', this.#key(scope), (s) => this.client.searchTags(scope, s), optional({ signal }));
  }

  tagValues(tag: string, q?: string, signal?: AbortSignal): Promise<TagValuesResponse> {
    return this.cache.get('tagValues', this.#key(tag, q), (s) => this.client.tagValues(tag, q, s), optional({ signal }));
  }

  metricsQueryRange(params: QueryRangeParams, signal?: AbortSignal, onRefresh?: (v: QueryRangeResponse) => void): Promise<QueryRangeResponse> {
    const key = this.#key(params.q, params.start, params.end, params.step);
    return this.cache.get('metrics', key, (s) => this.client.metricsQueryRange(params, s), optional({ signal, onRefresh }));
  }
}

/** Drops undefined members (exactOptionalPropertyTypes). */
function optional<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as { [K in keyof T]: Exclude<T[K], undefined> };
}
