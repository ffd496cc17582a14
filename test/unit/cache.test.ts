// QueryCache: in-flight de-duplication, partial/total abort, TTL per kind, byte bound, stale-while-revalidate, invalidation.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { defaultSizeOf, QueryCache, type Fetcher } from '../../src/tempo/cache';
import { TempoError } from '../../src/tempo/errors';
import { recordBodyBytes } from '../../src/tempo/http';

/** A fetcher whose calls are counted and whose results the test releases by hand. */
function controlled<T>(): {
  fetcher: Fetcher<T>;
  calls: number;
  signals: AbortSignal[];
  resolve(i: number, v: T): void;
  reject(i: number, e: unknown): void;
} {
  const pending: Array<{ resolve(v: T): void; reject(e: unknown): void }> = [];
  const self = {
    calls: 0,
    signals: [] as AbortSignal[],
    fetcher: (signal: AbortSignal): Promise<T> => {
      self.calls++;
      self.signals.push(signal);
      return new Promise<T>((resolve, reject) => {
        pending.push({ resolve, reject });
        signal.addEventListener('abort', () => reject(new TempoError('aborted', 'fetch aborted')), { once: true });
      });
    },
    resolve: (i: number, v: T): void => pending[i]?.resolve(v),
    reject: (i: number, e: unknown): void => pending[i]?.reject(e),
  };
  return self;
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('two concurrent callers share one request', async () => {
  const cache = new QueryCache();
  const f = controlled<string>();
  const a = cache.get('search', 'k', f.fetcher);
  const b = cache.get('search', 'k', f.fetcher);
  assert.equal(f.calls, 1);
  assert.equal(cache.inflight, 1);
  f.resolve(0, 'v');
  assert.deepEqual(await Promise.all([a, b]), ['v', 'v']);
  assert.equal(await cache.get('search', 'k', f.fetcher), 'v');
  assert.equal(f.calls, 1, 'fresh value served from cache');
  assert.equal(cache.stats.joins, 1);
  assert.equal(cache.stats.hits, 1);
  // different kind or key → different request
  void cache.get('metrics', 'k', f.fetcher);
  void cache.get('search', 'k2', f.fetcher);
  assert.equal(f.calls, 3);
});

test('one caller aborting leaves the shared request running for the other; all aborting cancels it', async () => {
  const cache = new QueryCache();
  const f = controlled<string>();
  const c1 = new AbortController();
  const c2 = new AbortController();
  const a = cache.get('search', 'k', f.fetcher, { signal: c1.signal });
  const b = cache.get('search', 'k', f.fetcher, { signal: c2.signal });
  c1.abort();
  await assert.rejects(a, (e: unknown) => e instanceof TempoError && e.kind === 'aborted');
  assert.equal(f.signals[0]?.aborted, false, 'the other caller still waits');
  f.resolve(0, 'v');
  assert.equal(await b, 'v');
  assert.equal(cache.peek<string>('search', 'k')?.value, 'v', 'result stored for later callers');

  const g = controlled<string>();
  const d1 = new AbortController();
  const d2 = new AbortController();
  const x = cache.get('search', 'other', g.fetcher, { signal: d1.signal });
  const y = cache.get('search', 'other', g.fetcher, { signal: d2.signal });
  d1.abort();
  d2.abort();
  await assert.rejects(x);
  await assert.rejects(y);
  assert.equal(g.signals[0]?.aborted, true, 'nobody waits: the request is cancelled');
  assert.equal(cache.inflight, 0);
  const z = cache.get('search', 'other', g.fetcher);
  assert.equal(g.calls, 2, 'a new caller starts a new request');
  g.resolve(1, 'fresh');
  assert.equal(await z, 'fresh');
});

test('failures are shared by waiters and not cached', async () => {
  const cache = new QueryCache();
  const f = controlled<string>();
  const a = cache.get('search', 'k', f.fetcher);
  const b = cache.get('search', 'k', f.fetcher);
  f.reject(0, new TempoError('server', 'boom'));
  await assert.rejects(a, /boom/);
  await assert.rejects(b, /boom/);
  const c = cache.get('search', 'k', f.fetcher);
  assert.equal(f.calls, 2);
  f.resolve(1, 'ok');
  assert.equal(await c, 'ok');
  const sync = cache.get('search', 'sync', () => {
    throw new Error('sync throw');
  });
  await assert.rejects(sync, /sync throw/);
});

test('TTL per kind: metrics expire before traces', async () => {
  let now = 1_000_000;
  const cache = new QueryCache({ now: () => now, ttlMs: { metrics: 30_000, trace: 600_000 }, staleMs: { metrics: 0, trace: 0 } });
  let n = 0;
  const fetch = async (): Promise<number> => ++n;
  assert.equal(await cache.get('metrics', 'm', fetch), 1);
  assert.equal(await cache.get('trace', 't', fetch), 2);
  now += 29_999;
  assert.equal(await cache.get('metrics', 'm', fetch), 1);
  now += 1;
  assert.equal(await cache.get('metrics', 'm', fetch), 3, 'metrics expired at 30 s');
  now += 500_000;
  assert.equal(await cache.get('trace', 't', fetch), 2, 'trace still fresh');
  now += 100_000;
  assert.equal(await cache.get('trace', 't', fetch), 4);
});

test('bounded by bytes and by entries (LRU eviction)', async () => {
  const cache = new QueryCache({ maxBytes: 1000, maxEntries: 100 });
  for (let i = 0; i < 5; i++) {
    const v = { i };
    recordBodyBytes(v, 300);
    await cache.get('trace', `t${i}`, async () => v);
  }
  assert.equal(cache.size, 3);
  assert.ok(cache.bytes <= 1000);
  assert.equal(cache.peek('trace', 't0'), undefined, 'oldest evicted');
  assert.ok(cache.peek('trace', 't4') !== undefined);
  const huge = { big: true };
  recordBodyBytes(huge, 5000);
  assert.equal(await cache.get('trace', 'huge', async () => huge), huge, 'too big to store, still returned');
  assert.equal(cache.peek('trace', 'huge'), undefined);

  const few = new QueryCache({ maxEntries: 2 });
  await few.get('search', 'a', async () => 'a');
  await few.get('search', 'b', async () => 'b');
  await few.get('search', 'a', async () => 'x'); // touch a
  await few.get('search', 'c', async () => 'c');
  assert.equal(few.size, 2);
  assert.equal(few.peek('search', 'b'), undefined, 'least recently used evicted');
  assert.equal(few.peek<string>('search', 'a')?.value, 'a');
});

test('size estimate without recorded body bytes grows with content', () => {
  const small = defaultSizeOf({ a: 'x' });
  const large = defaultSizeOf({ a: 'x'.repeat(10_000), list: [1, 2, 3] });
  assert.ok(large > small + 19_000);
  const v = { traces: [] };
  recordBodyBytes(v, 12345);
  assert.equal(defaultSizeOf(v), 12345);
});

test('stale-while-revalidate: stale served at once, one background refresh, event on fresh data', async () => {
  let now = 0;
  const cache = new QueryCache({ now: () => now, ttlMs: { search: 1000 }, staleMs: { search: 5000 } });
  const events: unknown[] = [];
  const off = cache.onDidRefresh((e) => events.push([e.kind, e.key, e.value]));
  const f = controlled<string>();
  const first = cache.get('search', 'q', f.fetcher);
  f.resolve(0, 'v1');
  assert.equal(await first, 'v1');
  now = 1500;
  const refreshed: string[] = [];
  assert.equal(await cache.get('search', 'q', f.fetcher, { onRefresh: (v) => refreshed.push(v) }), 'v1', 'stale value at once');
  assert.equal(await cache.get('search', 'q', f.fetcher), 'v1');
  assert.equal(f.calls, 2, 'one background refresh for two stale reads');
  assert.equal(cache.peek('search', 'q')?.fresh, false);
  f.resolve(1, 'v2');
  await tick();
  assert.deepEqual(refreshed, ['v2']);
  assert.deepEqual(events, [['search', 'q', 'v2']]);
  assert.equal(cache.peek('search', 'q')?.fresh, true);
  assert.equal(await cache.get('search', 'q', f.fetcher), 'v2');
  off();
  // Past the stale window the value is gone: callers wait for a fresh fetch.
  now = 1500 + 1000 + 5000;
  const waited = cache.get('search', 'q', f.fetcher);
  assert.equal(f.calls, 3);
  f.resolve(2, 'v3');
  assert.equal(await waited, 'v3');
  assert.equal(events.length, 1, 'unsubscribed listener not called');
  // staleWhileRevalidate: false waits for fresh data
  now += 1500;
  const strict = cache.get('search', 'q', f.fetcher, { staleWhileRevalidate: false });
  assert.equal(f.calls, 4);
  f.resolve(3, 'v4');
  assert.equal(await strict, 'v4');
});

test('a failed background refresh keeps the stale value and reports the error', async () => {
  let now = 0;
  const errors: unknown[] = [];
  const cache = new QueryCache({ now: () => now, ttlMs: { metrics: 10 }, onBackgroundError: (_k, key, e) => errors.push([key, (e as Error).message]) });
  await cache.get('metrics', 'm', async () => 'old');
  now = 15;
  assert.equal(await cache.get('metrics', 'm', async () => Promise.reject(new Error('down'))), 'old');
  await tick();
  assert.deepEqual(errors, [['m', 'down']]);
  assert.equal(cache.peek<string>('metrics', 'm')?.value, 'old');
});

test('invalidate: entries dropped, late responses of the old generation not stored', async () => {
  const cache = new QueryCache();
  await cache.get('search', 'a', async () => 'a');
  await cache.get('trace', 't', async () => 't');
  const f = controlled<string>();
  const late = cache.get('search', 'k', f.fetcher);
  cache.invalidate();
  assert.equal(cache.size, 0);
  const g = controlled<string>();
  const fresh = cache.get('search', 'k', g.fetcher);
  assert.equal(g.calls, 1, 'after invalidation a new request starts (no joining the old one)');
  f.resolve(0, 'old-window');
  assert.equal(await late, 'old-window', 'the old caller still gets its answer');
  assert.equal(cache.peek('search', 'k'), undefined, 'but it is not stored');
  assert.equal(cache.stats.discardedLate, 1);
  g.resolve(0, 'new-window');
  assert.equal(await fresh, 'new-window');
  assert.equal(cache.peek<string>('search', 'k')?.value, 'new-window');

  // per kind
  await cache.get('trace', 't', async () => 't');
  cache.invalidate('search');
  assert.equal(cache.peek('search', 'k'), undefined);
  assert.equal(cache.peek<string>('trace', 't')?.value, 't');
});

test('forceRefresh bypasses a fresh value', async () => {
  const cache = new QueryCache();
  let n = 0;
  await cache.get('tags', 'x', async () => ++n);
  assert.equal(await cache.get('tags', 'x', async () => ++n, { forceRefresh: true }), 2);
  assert.equal(await cache.get('tags', 'x', async () => ++n), 2);
});

test('already-aborted signal rejects without fetching', async () => {
  const cache = new QueryCache();
  const c = new AbortController();
  c.abort();
  let calls = 0;
  await assert.rejects(
    cache.get('search', 'k', async () => ++calls, { signal: c.signal }),
    (e: unknown) => e instanceof TempoError && e.kind === 'aborted',
  );
  assert.equal(calls, 0);
});

test('shouldStore keeps a value out of the cache but still returns it', async () => {
  const cache = new QueryCache();
  let n = 0;
  const fetch = async (): Promise<number | null> => (++n < 2 ? null : n);
  assert.equal(await cache.get('trace', 't', fetch, { shouldStore: (v) => v !== null }), null);
  assert.equal(cache.peek('trace', 't'), undefined);
  assert.equal(await cache.get('trace', 't', fetch, { shouldStore: (v) => v !== null }), 2);
  assert.equal(await cache.get('trace', 't', fetch), 2);
  assert.equal(n, 2);
});
