// The insights precision corpus: labelled trace sets of normal traffic (no finding allowed) and of each anti-pattern (exactly the expected finding on the expected method).
import type { InsightKind, Trace } from '../../src/shared/model';
import { FindingsCollector } from '../../src/tempo/insightsSource';
import { CACHED, cached, call, code, healthy, ISSUER, loop, starts, T, type CallOptions } from './builders';
import { trace } from '../unit/insightsTraces';

export type DetectorKind = Extract<InsightKind, 'caller-timeout' | 'cache-stampede' | 'n-plus-one'>;
export const DETECTORS: readonly DetectorKind[] = ['caller-timeout', 'cache-stampede', 'n-plus-one'];

export interface ExpectedFinding {
  readonly kind: DetectorKind;
  /** `Namespace.function` of the method the finding must be on. */
  readonly method: string;
}

export interface CorpusCase {
  readonly name: string;
  /** Negatives expect nothing. */
  readonly expected: readonly ExpectedFinding[];
  readonly traces: () => Trace[];
}

const ORDERS = 'com.acme.orders.OrderService';
const LIST = `${ISSUER[0]}.${ISSUER[1]}`;
const neg = (name: string, traces: () => Trace[]): CorpusCase => ({ name, expected: [], traces });
const pos = (name: string, kind: DetectorKind, method: string, traces: () => Trace[]): CorpusCase => ({ name, expected: [{ kind, method }], traces });

/** n healthy calls plus `bad` calls built with `o` (spread among them). */
function mixed(prefix: string, n: number, bad: number, o: CallOptions): Trace[] {
  return [...healthy(prefix, n), ...starts(bad, 61_000, 2_500).map((t, i) => call(`${prefix}x${i}`, t, o))];
}

const TIMEOUT_5S = { clientMs: 5000, timeout: '504', dbMs: 20 } as const;

export const NEGATIVES: readonly CorpusCase[] = [
  neg('healthy request/response traffic', () => healthy('ok', 30)),
  neg('slow requests the caller waited for in full', () => healthy('slow', 12, { serverMs: 4000, clientMs: 4010, dbMs: 3900 })),
  neg('HTTP retries: each attempt timed out at 1 s, the server stopped within 50 ms (cancellation propagated)', () =>
    mixed('retry', 10, 6, { clientMs: 1000, timeout: 'message', serverMs: 1045, dbMs: 20 })),
  neg('DB call retried 3 times in a row (below any loop threshold)', () => loop('dbretry', { count: 3, kind: 'db-same-literal', callMs: 200 })),
  neg('fire-and-forget async work: an internal task outlives its parent, nobody timed out', () =>
    starts(10, 4000).map((t, i) => call(`ff${i}`, t, { clientMs: 60, serverMs: 50, dbMs: 3000 }))),
  neg('fire-and-forget outbound notification outliving the handler (the caller did not time out)', () =>
    starts(10, 4000).map((t, i) => call(`ffn${i}`, t, { clientMs: 30, serverMs: 25, dbMs: 2000, dbCode: ['com.acme.orders.Notifier', 'notifyAsync'] }))),
  neg('batch job: a long root span with many distinct statements, no caller', () => loop('batch', { count: 40, kind: 'distinct-statements', callMs: 200, traces: 3 })),
  neg('batch job with long children (minutes), no timeout anywhere', () => healthy('batchlong', 4, { serverMs: 300_000, clientMs: 300_010, dbMs: 299_000 }, 400_000)),
  neg('long polling: the server answers just before the 30 s client timeout', () => healthy('lp', 8, { serverMs: 29_900, clientMs: 29_905, dbMs: 10 }, 31_000)),
  neg('long-polling loop: the same poll URL repeated, each waiting (identical requests, not per-item calls)', () => loop('lpl', { count: 12, kind: 'http-same-url', callMs: 25_000, traces: 3 })),
  neg('streaming response: the OK client ended at the headers, the server streamed on for a minute', () =>
    starts(8, 70_000).map((t, i) => call(`sse${i}`, t, { clientMs: 40, serverMs: 60_000, streaming: true }))),
  neg('gRPC server stream outliving an OK client span', () => starts(6, 70_000).map((t, i) => call(`grpcs${i}`, t, { clientMs: 15, serverMs: 20_000, dbMs: 100 }))),
  neg('clock skew: server host 80 ms ahead, 500 ms timeouts, the server really stopped 40 ms late', () =>
    mixed('skewa', 10, 6, { clientMs: 500, timeout: 'message', serverMs: 530, serverDelayMs: 10, skewMs: 80 })),
  neg('clock skew: server host 120 ms behind, timeouts, nothing ran on', () => mixed('skewb', 10, 6, { clientMs: 2000, timeout: 'message', serverMs: 1990, skewMs: -120 })),
  neg('clock skew on healthy traffic: children appear to end 40 ms after their caller', () => healthy('skewc', 20, { skewMs: 45, serverMs: 40, clientMs: 46 })),
  neg('the gateway method that did time out: its spans end 1–2 ms after its own request (clock resolution)', () =>
    mixed('gwres', 10, 6, { ...TIMEOUT_5S, serverMs: 4980, callerCode: ['com.acme.gateway.OrdersClient', 'post'], clientEndsAfterEdgeMs: 1.19, sameInstance: true })),
  neg('a small overrun after a 5 s timeout (30 ms; not material)', () => mixed('small', 10, 6, { ...TIMEOUT_5S, serverMs: 5030, sameInstance: true })),
  neg('a material overrun in a single trace of 40 (below 2 traces / 10 %)', () => mixed('single', 39, 1, { ...TIMEOUT_5S, serverMs: 20_000 })),
  neg('timeouts where the server had already finished (the response was lost)', () => mixed('lost', 10, 6, { ...TIMEOUT_5S, serverMs: 900 })),
  neg('errors without a timeout signature (at varied durations) while the server ran on', () => [
    ...healthy('err', 10),
    ...[700, 1900, 2600, 3100, 4400, 5200].map((ms, i) => call(`errx${i}`, 2_500 + i * 61_000, { clientMs: ms, timeout: 'error-no-signature', serverMs: ms + 800, dbMs: 20 })),
  ]),
  neg('cache warming up once: 3 concurrent misses at start-up, then hits', () => cached('warm', { misses: 3, hits: 30 })),
  neg('cache with single flight (sync = true): one load per expiry, the others wait for it', () => cached('sync', { misses: 20, bursts: 3, singleFlight: true })),
  neg('hot-set reload: 12 concurrent loads of 12 different keys', () => cached('hotset', { misses: 12, distinctKeys: true, load: 'http-template' })),
  neg('misses spread out: 10 loads seconds apart, never overlapping', () => cached('spread', { misses: 10, spreadMs: 30_000, loadMs: 500 })),
  neg('a call that runs on every request: a traffic spike, not a cache', () => [
    ...starts(40, 3000).map((t, i) => cached(`spk${i}-`, { misses: 1, hits: 0 }).map((x) => shift(x, t))).flat(),
    ...cached('spkb', { misses: 12, hits: 0 }).map((x) => shift(x, 200_000)),
  ]),
  neg('steady overlapping load at the baseline rate', () => cached('steady', { misses: 150, spreadMs: 60_000, loadMs: 2000, hits: 0 })),
  neg('parallel fan-out: 12 identical item fetches at once under one parent', () => loop('fan', { count: 12, parallel: 12, kind: 'http-template', callMs: 40 })),
  neg('parallel fan-out of DB reads in batches of 5', () => loop('fandb', { count: 20, parallel: 5, kind: 'db', callMs: 30 })),
  neg('a short loop: 5 identical queries one after another', () => loop('short', { count: 5, kind: 'db' })),
  neg('12 different statements one after another under one parent', () => loop('distinct', { count: 12, kind: 'distinct-statements' })),
  neg('12 identical queries split over 4 parents (3 each)', () => loop('split', { count: 12, kind: 'db', parents: 4 })),
  neg('a loop in a single trace of 30 (below 2 traces / 10 %)', () => loop('oneloop', { count: 15, kind: 'db', traces: 30, looping: 1 })),
  neg('messaging: a consumer runs long after its producer, whose request timed out', () =>
    starts(8, 5000).map((t, i) =>
      trace(`msg${i}`, [
        { id: 'api', name: 'POST /orders', kind: 'server', start: 0, end: 1000, status: 'error', message: 'request timed out', service: 'orders', attrs: code(ORDERS, 'create', { 'http.response.status_code': 504 }) },
        { id: 'p', parent: 'api', name: 'orders publish', kind: 'producer', start: 5, end: 15, service: 'orders', attrs: { 'messaging.system': 'kafka' } },
        { id: 'c', parent: 'p', name: 'orders process', kind: 'consumer', start: 40, end: 9000, service: 'billing', attrs: code('com.acme.billing.OrderListener', 'onOrder', { 'messaging.system': 'kafka' }) },
      ], T(t)),
    )),
  neg('sub-millisecond loop of 12 identical cache reads (costs nothing)', () => loop('tiny', { count: 12, kind: 'db', callMs: 0.05, gapMs: 0.01 })),
];

export const POSITIVES: readonly CorpusCase[] = [
  // caller-timeout: the server-side handler that ran on after its caller timed out.
  pos('5 s gateway timeout (504), the handler ran on 15 s, 6 of 16 traces', 'caller-timeout', `${ORDERS}.placeOrder`, () => mixed('ct1', 10, 6, { ...TIMEOUT_5S, serverMs: 20_000 })),
  pos('1 s client timeout by message, 600 ms overrun', 'caller-timeout', `${ORDERS}.placeOrder`, () => mixed('ct2', 12, 4, { clientMs: 1000, timeout: 'message', serverMs: 1600, dbMs: 10 })),
  pos('gRPC deadline exceeded, the server ran on 3 s', 'caller-timeout', `${ORDERS}.placeOrder`, () => mixed('ct3', 8, 3, { clientMs: 1000, timeout: 'grpc-deadline', serverMs: 4000 })),
  pos('30 s timeout, handler ran on for minutes', 'caller-timeout', `${ORDERS}.placeOrder`, () => mixed('ct4', 10, 2, { clientMs: 30_000, timeout: 'message', serverMs: 200_000 })),
  pos('timeout on one instance (one clock): 150 ms over a 1 s limit', 'caller-timeout', `${ORDERS}.placeOrder`, () =>
    mixed('ct5', 10, 5, { clientMs: 1000, timeout: 'message', serverMs: 1150, sameInstance: true })),
  pos('server clock 200 ms behind hides nothing: 2 s overrun still found', 'caller-timeout', `${ORDERS}.placeOrder`, () =>
    mixed('ct6', 10, 4, { ...TIMEOUT_5S, serverMs: 7000, skewMs: -200 })),
  pos('server clock 300 ms ahead: a 3 s overrun, measured by durations', 'caller-timeout', `${ORDERS}.placeOrder`, () =>
    mixed('ct7', 10, 4, { ...TIMEOUT_5S, serverMs: 8000, skewMs: 300 })),
  pos('another service and handler (payments.charge), 2 s timeout', 'caller-timeout', 'com.acme.pay.PaymentService.charge', () =>
    mixed('ct8', 10, 3, { clientMs: 2000, timeout: 'message', serverMs: 9000, handler: ['com.acme.pay.PaymentService', 'charge'], serverService: 'payments' })),
  pos('every trace a timeout (an outage)', 'caller-timeout', `${ORDERS}.placeOrder`, () => starts(8, 9000).map((t, i) => call(`ct9${i}`, t, { ...TIMEOUT_5S, serverMs: 12_000 }))),
  pos('the gateway client method that timed out is not blamed; the handler is', 'caller-timeout', `${ORDERS}.placeOrder`, () =>
    mixed('ct10', 10, 4, { ...TIMEOUT_5S, serverMs: 25_000, callerCode: ['com.acme.gateway.OrdersClient', 'post'] })),

  // cache-stampede: the cached loader (getJwks), never its caller (getToken) nor the repository below.
  pos('DB reload by 20 concurrent misses, every 10 min, 3 bursts', 'cache-stampede', `${CACHED.ns}.${CACHED.fn}`, () => cached('cs1', { misses: 20, bursts: 3 })),
  pos('HTTP key fetch (url.full) by 8 concurrent misses', 'cache-stampede', `${CACHED.ns}.${CACHED.fn}`, () => cached('cs2', { misses: 8, load: 'http' })),
  pos('HTTP fetch by url.template, same key', 'cache-stampede', `${CACHED.ns}.${CACHED.fn}`, () => cached('cs3', { misses: 10, load: 'http-template' })),
  pos('new semantic conventions (db.query.text, db.system.name)', 'cache-stampede', `${CACHED.ns}.${CACHED.fn}`, () => cached('cs4', { misses: 12, load: 'db-new-keys' })),
  pos('cached method below the handler: not on getToken, its caller', 'cache-stampede', `${CACHED.ns}.${CACHED.fn}`, () => cached('cs5', { misses: 15, layout: 'below-handler' })),
  pos('caller of the cached method in a sample of misses only', 'cache-stampede', `${CACHED.ns}.${CACHED.fn}`, () => cached('cs6', { misses: 15, layout: 'below-handler', hits: 0 })),
  pos('repository below the cached method: not on the repository', 'cache-stampede', `${CACHED.ns}.${CACHED.fn}`, () => cached('cs7', { misses: 12, layout: 'controller-service-repository' })),
  pos('a loader method span (no DB/HTTP below) inside the cached getJwks: on getJwks', 'cache-stampede', `${CACHED.ns}.${CACHED.fn}`, () => cached('cs8', { misses: 10, load: 'loader', layout: 'below-handler' })),
  pos('a loader method span that runs only on a miss of the handler: the loader itself', 'cache-stampede', 'com.acme.keys.JwksLoader.fetch', () => cached('cs11', { misses: 10, load: 'loader' })),
  pos('exactly 5 concurrent misses (the floor)', 'cache-stampede', `${CACHED.ns}.${CACHED.fn}`, () => cached('cs9', { misses: 5, spreadMs: 100 })),
  pos('a long stampede: 40 misses over 2 s of 3 s loads', 'cache-stampede', `${CACHED.ns}.${CACHED.fn}`, () => cached('cs10', { misses: 40, spreadMs: 2000, loadMs: 3000 })),

  // n-plus-one: the method issuing the repeated calls one after another.
  pos('12 identical SELECTs one after another (item ids as literals)', 'n-plus-one', LIST, () => loop('np1', { count: 12 })),
  pos('50 quick SELECTs (2 ms each)', 'n-plus-one', LIST, () => loop('np2', { count: 50, callMs: 2 })),
  pos('HTTP item fetches by url.template', 'n-plus-one', LIST, () => loop('np3', { count: 15, kind: 'http-template', callMs: 8 })),
  pos('HTTP item fetches by method + normalised path (no template)', 'n-plus-one', LIST, () => loop('np4', { count: 20, kind: 'http-path', callMs: 5 })),
  pos('parameterised statement, new keys (db.query.text with ?)', 'n-plus-one', LIST, () => loop('np5', { count: 10, kind: 'db-new-keys', callMs: 3 })),
  pos('calls overlapping by 0.3 ms (clock resolution) still count as one after another', 'n-plus-one', LIST, () => loop('np6', { count: 12, callMs: 5, gapMs: -0.3 })),
  pos('DB spans carrying the repository\'s code attributes: on the issuing method, not the repository', 'n-plus-one', LIST, () =>
    loop('np7', { count: 14, callCode: ['com.acme.orders.ItemRepository', 'findByOrder'] })),
  pos('a per-item repository method span around each SELECT', 'n-plus-one', LIST, () => loop('np8', { count: 16, wrapper: ['com.acme.orders.ItemRepository', 'findById'] })),
  pos('another service and method (invoice rendering)', 'n-plus-one', 'com.acme.billing.InvoiceService.render', () =>
    loop('np9', { count: 25, issuer: ['com.acme.billing.InvoiceService', 'render'], service: 'billing', callMs: 6 })),
  pos('the loop in 3 of 20 traces (enough: ≥ 2 and ≥ 10 %)', 'n-plus-one', LIST, () => loop('np10', { count: 18, traces: 20, looping: 3 })),
];

function shift(t: Trace, ms: number): Trace {
  return { ...t, spans: t.spans.map((s) => ({ ...s, startMs: s.startMs + ms, endMs: s.endMs + ms })) };
}

export const CORPUS: readonly CorpusCase[] = [...NEGATIVES, ...POSITIVES];

/** What the insights runner reports for a case: kind and `Namespace.function` of every finding. */
export function findingsOf(traces: readonly Trace[]): ExpectedFinding[] {
  const c = new FindingsCollector();
  c.analyse(traces);
  const out: ExpectedFinding[] = [];
  for (const f of c.findings.values()) {
    for (const i of f.insights) {
      const found = i.kind === 'caller-timeout' ? f.callerTimeout : i.kind === 'cache-stampede' ? f.cacheStampede : i.kind === 'n-plus-one' ? f.nPlusOne : null;
      const ref = found?.codeRef;
      if (ref === undefined) continue;
      out.push({ kind: i.kind as DetectorKind, method: ref.namespace !== null ? `${ref.namespace}.${ref.function}` : ref.function });
    }
  }
  return out.sort((a, b) => `${a.kind}${a.method}`.localeCompare(`${b.kind}${b.method}`));
}

export interface DetectorScore {
  readonly kind: DetectorKind;
  readonly truePositives: number;
  readonly falsePositives: number;
  readonly falseNegatives: number;
  readonly precision: number;
  readonly recall: number;
}

/** Precision and recall per detector over the corpus (a finding counts once per case, kind and method). */
export function scoreCorpus(cases: readonly CorpusCase[] = CORPUS): DetectorScore[] {
  const tally = new Map<DetectorKind, { tp: number; fp: number; fn: number }>(DETECTORS.map((k) => [k, { tp: 0, fp: 0, fn: 0 }]));
  for (const c of cases) {
    const got = findingsOf(c.traces());
    const key = (f: ExpectedFinding): string => `${f.kind}\u001f${f.method}`;
    const want = new Set(c.expected.map(key));
    const have = new Set(got.map(key));
    for (const f of got) tally.get(f.kind)![want.has(key(f)) ? 'tp' : 'fp']++;
    for (const f of c.expected) if (!have.has(key(f))) tally.get(f.kind)!.fn++;
  }
  return DETECTORS.map((kind) => {
    const t = tally.get(kind)!;
    return { kind, truePositives: t.tp, falsePositives: t.fp, falseNegatives: t.fn, precision: t.tp + t.fp === 0 ? 1 : t.tp / (t.tp + t.fp), recall: t.tp + t.fn === 0 ? 1 : t.tp / (t.tp + t.fn) };
  });
}

export { ISSUER };
