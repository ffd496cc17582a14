// Small builders of labelled trace sets for the insights precision corpus: requests across services, cached loaders, loops, with readable knobs.
import type { Attributes, Trace } from '../../src/shared/model';
import { code, trace, type SpanSpec } from '../unit/insightsTraces';

export { code };

/** A clock for one trace set: every trace starts `gapMs` after the previous one. */
export function starts(n: number, gapMs: number, from = 0): number[] {
  return Array.from({ length: n }, (_, i) => from + i * gapMs);
}

const db = (sql: string, extra: Attributes = {}): Attributes => ({ 'db.system': 'postgresql', 'db.statement': sql, ...extra });
const http = (method: string, url: string, extra: Attributes = {}): Attributes => ({ 'http.request.method': method, 'url.full': url, ...extra });
export { db, http };

export interface CallOptions {
  /** Caller's outbound call: how long it waited, and whether it ended in a timeout. */
  readonly clientMs: number;
  readonly timeout?: 'message' | '504' | 'grpc-deadline' | 'none' | 'error-no-signature';
  /** Server side: its duration and when it started after the client (ms). */
  readonly serverMs: number;
  readonly serverDelayMs?: number;
  /** Shift of the server host's clock (positive: ahead). */
  readonly skewMs?: number;
  /** Both sides on one instance (one clock). */
  readonly sameInstance?: boolean;
  /** Code of the server handler, and of the DB call it makes (null: no code on the DB span). */
  readonly handler?: readonly [string, string];
  readonly dbMs?: number;
  readonly dbCode?: readonly [string, string] | null;
  /** The caller's client method (code on the CLIENT span). */
  readonly callerCode?: readonly [string, string];
  readonly callerService?: string;
  readonly serverService?: string;
  /** The caller's request (edge SERVER) ends this long before its own CLIENT call does (clock resolution, teardown order). */
  readonly clientEndsAfterEdgeMs?: number;
  /** OK client that ended at the response headers (streaming). */
  readonly streaming?: boolean;
}

/** gateway SERVER → gateway CLIENT (the caller) → SERVER in another service → handler-owned DB call. */
export function call(key: string, at: number, o: CallOptions): Trace {
  const callerSvc = o.callerService ?? 'gateway';
  const serverSvc = o.serverService ?? 'orders';
  const inst = (svc: string): { instance?: string } => (o.sameInstance === true ? { instance: 'node-1' } : { instance: `${svc}-1` });
  const skew = o.skewMs ?? 0;
  const timeout = o.timeout ?? 'none';
  const timedOut = timeout !== 'none';
  const clientStatus = timedOut ? ('error' as const) : ('unset' as const);
  const message = timeout === 'message' ? 'java.net.SocketTimeoutException: Read timed out' : timeout === 'grpc-deadline' ? 'DEADLINE_EXCEEDED: deadline exceeded after 0.999s' : timeout === 'error-no-signature' ? 'connection reset' : undefined;
  const sStart = (o.serverDelayMs ?? 2) + skew;
  const handler = o.handler ?? ['com.acme.orders.OrderService', 'placeOrder'];
  const specs: SpanSpec[] = [
    { id: 'edge', name: 'POST /api/orders', kind: 'server', start: 0, end: o.clientEndsAfterEdgeMs !== undefined ? 1 + o.clientMs - o.clientEndsAfterEdgeMs : o.clientMs + 3, service: callerSvc, ...inst(callerSvc), status: clientStatus, attrs: { 'http.response.status_code': timeout === 'error-no-signature' ? 502 : timedOut ? 504 : 200 } },
    {
      id: 'k', parent: 'edge', name: 'POST', kind: 'client', start: 1, end: 1 + o.clientMs, service: callerSvc, ...inst(callerSvc), status: clientStatus,
      ...(message !== undefined ? { message } : {}),
      attrs: { ...(o.callerCode !== undefined ? code(o.callerCode[0], o.callerCode[1]) : {}), ...http('POST', `http://${serverSvc}/orders`), ...(timeout === '504' ? { 'http.response.status_code': 504 } : {}) },
    },
    { id: 's', parent: 'k', name: 'POST /orders', kind: 'server', start: sStart, end: sStart + o.serverMs, service: serverSvc, ...inst(serverSvc), attrs: code(handler[0], handler[1], { 'http.route': '/orders' }) },
  ];
  if (o.dbMs !== undefined) {
    specs.push({ id: 'db', parent: 's', name: 'SELECT orders', kind: 'client', start: sStart + 1, end: sStart + 1 + o.dbMs, service: serverSvc, ...inst(serverSvc), attrs: db('SELECT * FROM orders WHERE id = ?', o.dbCode ? code(o.dbCode[0], o.dbCode[1]) : {}) });
  }
  return trace(key, specs, T(at));
}

const BASE = 1_800_000_000_000;
/** Epoch ms of an offset in the corpus' timeline. */
export function T(offsetMs: number): number {
  return BASE + offsetMs;
}

/** Healthy calls: the caller waits, the server answers in `serverMs`. */
export function healthy(prefix: string, n: number, opts: Partial<CallOptions> = {}, gapMs = 5_000): Trace[] {
  return starts(n, gapMs).map((t, i) => call(`${prefix}${i}`, t, { clientMs: (opts.serverMs ?? 40) + 6, serverMs: 40, dbMs: 20, ...opts }));
}

export interface CachedOptions {
  /** Requests per burst (cache misses at expiry), bursts, and the interval between bursts. */
  readonly misses: number;
  readonly bursts?: number;
  readonly everyMs?: number;
  /** Spread of the misses' starts within a burst. */
  readonly spreadMs?: number;
  readonly loadMs?: number;
  /** Hit requests between bursts. */
  readonly hits?: number;
  /** What the miss runs: a DB statement, an HTTP fetch, or only a loader method span. */
  readonly load?: 'db' | 'http' | 'http-template' | 'loader' | 'db-new-keys';
  /** The cached method sits below the entry handler (`getToken` → `getJwks`) rather than being the handler. */
  readonly layout?: 'handler-is-cached' | 'below-handler' | 'controller-service-repository';
  /** Only one execution loads; the others wait on it (single flight: `sync = true`). */
  readonly singleFlight?: boolean;
  /** Every miss uses its own key (a hot set, not one key). */
  readonly distinctKeys?: boolean;
  readonly service?: string;
}

/** The cached method and its caller, per layout. */
export const CACHED = { ns: 'com.acme.keys.KeyService', fn: 'getJwks', callerNs: 'com.acme.keys.TokenService', callerFn: 'getToken', repoNs: 'com.acme.keys.KeyRepository', repoFn: 'loadKeys' } as const;

/** Requests to a cached loader: hits (no load) between bursts of concurrent misses, each running the load. */
export function cached(prefix: string, o: CachedOptions): Trace[] {
  const out: Trace[] = [];
  const bursts = o.bursts ?? 1;
  const every = o.everyMs ?? 600_000;
  const loadMs = o.loadMs ?? 900;
  const spread = o.spreadMs ?? 300;
  const layout = o.layout ?? 'handler-is-cached';
  const svc = o.service ?? 'keys';
  const hits = o.hits ?? 20;
  const one = (key: string, at: number, miss: boolean, k: number, waitMs: number): Trace => {
    const dur = miss ? loadMs + 10 : waitMs;
    const specs: SpanSpec[] = [];
    let cachedParent: string;
    if (layout === 'handler-is-cached') {
      specs.push({ id: 'srv', name: 'GET /jwks', kind: 'server', start: 0, end: dur + 4, service: svc, attrs: code(CACHED.ns, CACHED.fn, { 'http.route': '/jwks' }) });
      cachedParent = 'srv';
    } else {
      specs.push({ id: 'srv', name: 'GET /token', kind: 'server', start: 0, end: dur + 8, service: svc, attrs: { 'http.route': '/token' } });
      specs.push({ id: 'tok', parent: 'srv', name: 'TokenService.getToken', start: 1, end: dur + 6, service: svc, attrs: code(CACHED.callerNs, CACHED.callerFn) });
      // The @Cacheable method's body (its span) runs only on a miss.
      if (miss) specs.push({ id: 'jw', parent: 'tok', name: 'KeyService.getJwks', start: 2, end: dur + 4, service: svc, attrs: code(CACHED.ns, CACHED.fn) });
      cachedParent = 'jw';
    }
    if (miss) {
      let parent = cachedParent;
      if (layout === 'controller-service-repository') {
        specs.push({ id: 'repo', parent: cachedParent, name: 'KeyRepository.loadKeys', start: 3, end: loadMs + 4, service: svc, attrs: code(CACHED.repoNs, CACHED.repoFn) });
        parent = 'repo';
      }
      const keyLit = o.distinctKeys === true ? `'k${k}'` : "'jwks'";
      const attrs =
        o.load === 'http' ? http('GET', 'https://idp.example.com/.well-known/jwks.json', { 'server.address': 'idp.example.com' })
        : o.load === 'http-template' ? http('GET', `https://idp.example.com/keys/${o.distinctKeys === true ? k : 1}`, { 'url.template': '/keys/{id}' })
        : o.load === 'db-new-keys' ? { 'db.system.name': 'postgresql', 'db.query.text': `SELECT kid, jwk FROM signing_keys WHERE set_id = ${keyLit}` }
        : db(`SELECT kid, jwk FROM signing_keys WHERE set_id = ${keyLit}`);
      if (o.load === 'loader') specs.push({ id: 'ld', parent, name: 'JwksLoader.fetch', start: 4, end: loadMs + 3, service: svc, attrs: code('com.acme.keys.JwksLoader', 'fetch') });
      else specs.push({ id: 'load', parent, name: 'load', kind: 'client', start: 4, end: loadMs + 3, service: svc, attrs });
    }
    return trace(key, specs, T(at));
  };
  let n = 0;
  for (let b = 0; b < bursts; b++) {
    const t0 = 60_000 + b * every;
    for (let i = 0; i < o.misses; i++) {
      const at = t0 + Math.round((i * spread) / Math.max(1, o.misses - 1));
      // Single flight: the first loads, the rest wait for it (no load of their own).
      const loads = o.singleFlight !== true || i === 0;
      out.push(one(`${prefix}m${b}-${i}`, at, loads, n++, loadMs - (at - t0)));
    }
    for (let h = 0; h < hits; h++) out.push(one(`${prefix}h${b}-${h}`, t0 + 5_000 + h * Math.floor((every - 10_000) / Math.max(1, hits)), false, n++, 3));
  }
  return out;
}

export interface LoopOptions {
  /** Repetitions of the same call under one parent. */
  readonly count: number;
  /** Each call's duration and the gap between calls (negative: overlap). */
  readonly callMs?: number;
  readonly gapMs?: number;
  /** Calls at once (1 = one after another; > 1 = parallel fan-out). */
  readonly parallel?: number;
  readonly kind?: 'db' | 'db-new-keys' | 'http-template' | 'http-path' | 'http-same-url' | 'db-same-literal' | 'distinct-statements';
  /** The method that issues the calls; the DB spans may carry their own (repository) code attributes. */
  readonly issuer?: readonly [string, string];
  readonly callCode?: readonly [string, string];
  /** Traces in the set, and how many of them run the loop (the others call it once). */
  readonly traces?: number;
  readonly looping?: number;
  /** Each call inside its own per-item method span (a repository `findById` per item). */
  readonly wrapper?: readonly [string, string];
  /** Spread the calls over this many parents (an internal span each) below the issuer. */
  readonly parents?: number;
  readonly service?: string;
}

export const ISSUER = ['com.acme.orders.OrderController', 'listOrders'] as const;

/** One request whose handler method issues the same call `count` times (a loop), sequentially or in parallel batches. */
export function loop(prefix: string, o: LoopOptions): Trace[] {
  const traces = o.traces ?? 6;
  const looping = o.looping ?? traces;
  const callMs = o.callMs ?? 4;
  const gap = o.gapMs ?? 1;
  const parallel = Math.max(1, o.parallel ?? 1);
  const issuer = o.issuer ?? ISSUER;
  const svc = o.service ?? 'orders';
  const out: Trace[] = [];
  for (let t = 0; t < traces; t++) {
    const count = t < looping ? o.count : 1;
    const rounds = Math.ceil(count / parallel);
    const total = rounds * (callMs + gap) + 10;
    const parents = Math.max(1, o.parents ?? 1);
    const specs: SpanSpec[] = [
      { id: 'srv', name: 'GET /orders', kind: 'server', start: 0, end: total + 4, service: svc, attrs: { 'http.route': '/orders' } },
      { id: 'h', parent: 'srv', name: 'OrderController.listOrders', start: 1, end: total + 2, service: svc, attrs: code(issuer[0], issuer[1]) },
    ];
    for (let p = 0; p < parents && parents > 1; p++) specs.push({ id: `p${p}`, parent: 'h', name: `batch ${p}`, start: 2, end: total + 1, service: svc });
    for (let i = 0; i < count; i++) {
      const round = Math.floor(i / parallel);
      const start = 3 + round * (callMs + gap);
      const kind = o.kind ?? 'db';
      const attrs: Attributes =
        kind === 'db' ? db(`SELECT * FROM order_items WHERE order_id = ${1000 + i}`)
        : kind === 'db-new-keys' ? { 'db.system.name': 'mysql', 'db.query.text': 'SELECT * FROM order_items WHERE order_id = ?' }
        : kind === 'db-same-literal' ? db('SELECT * FROM order_items WHERE order_id = 7')
        : kind === 'distinct-statements' ? db(`SELECT * FROM t${i} WHERE id = ?`)
        : kind === 'http-template' ? http('GET', `http://catalog/items/${i}`, { 'url.template': '/items/{id}' })
        : kind === 'http-path' ? http('GET', `http://catalog/items/${5000 + i}?lang=en`, { 'server.address': 'catalog' })
        : http('GET', 'http://events/poll?topic=orders', { 'server.address': 'events' });
      let parent = parents > 1 ? `p${i % parents}` : 'h';
      if (o.wrapper !== undefined) {
        specs.push({ id: `w${i}`, parent, name: `${o.wrapper[1]}`, start: start - 0.2, end: start + callMs + 0.2, service: svc, attrs: code(o.wrapper[0], o.wrapper[1]) });
        parent = `w${i}`;
      }
      specs.push({ id: `c${i}`, parent, name: kind.startsWith('http') ? 'GET' : 'SELECT order_items', kind: 'client', start, end: start + callMs, service: svc, attrs: { ...attrs, ...(o.callCode ? code(o.callCode[0], o.callCode[1]) : {}) } });
    }
    out.push(trace(`${prefix}${t}`, specs, T(t * 7_000)));
  }
  return out;
}
