// The per-function statistics scenario: 10 functions in 4 services emitting both generations of
// `code.*` keys — old only, new only, both on one span (`code/dup`), and one function whose spans
// carry old keys on some spans and new keys on others — with errors and slow tails, plus spans
// without code attributes. Exact expected figures for every function.
// All spans end within the last ~25 s of `nowMs`: Tempo's metrics-generator drops spans that end
// more than 30 s before ingestion (PITFALLS 10), so the payloads must be pushed right away.
import type { CodeRef } from '../../src/shared/model';
import { countSpans, prng, traceIdFor, tracePayload, type AttrMap, type Resource, type SpanSpec } from './otlp';

type Style = 'old' | 'new' | 'dual' | 'mixed';

export interface ExpectedFunction {
  readonly service: string;
  readonly codeRef: CodeRef;
  readonly style: Style;
  readonly calls: number;
  readonly errors: number;
  /** Every span's duration, ms, ascending. */
  readonly durationsMs: readonly number[];
  /** Workspace method it maps to in test/fixtures/workspaces/demo (relative path, 1-based line is looked up by tests). */
  readonly file: string;
}

const RESOURCES: Record<string, Resource> = {
  'token-service': { attributes: { 'service.name': 'token-service', 'telemetry.sdk.language': 'java', 'telemetry.sdk.name': 'opentelemetry', 'telemetry.sdk.version': '1.44.1' }, scope: { name: 'io.opentelemetry.spring-webmvc-6.0', version: '2.11.0-alpha' } },
  gateway: { attributes: { 'service.name': 'gateway', 'telemetry.sdk.language': 'java', 'telemetry.sdk.name': 'opentelemetry', 'telemetry.sdk.version': '1.44.1' }, scope: { name: 'io.opentelemetry.java-http-client', version: '2.11.0-alpha' } },
  'checkout-web': { attributes: { 'service.name': 'checkout-web', 'telemetry.sdk.language': 'nodejs', 'telemetry.sdk.name': 'opentelemetry', 'telemetry.sdk.version': '1.30.0' }, scope: { name: 'checkout-web', version: '0.9.0' } },
  'billing-worker': { attributes: { 'service.name': 'billing-worker', 'telemetry.sdk.language': 'python', 'telemetry.sdk.name': 'opentelemetry', 'telemetry.sdk.version': '1.29.0' }, scope: { name: 'billing.tracing', version: '2.1.0' } },
};

interface FnDef {
  readonly service: string;
  readonly namespace: string | null;
  readonly function: string;
  readonly filePath: string | null;
  readonly line: number | null;
  readonly style: Style;
  readonly file: string;
  readonly language: 'java' | 'nodejs' | 'python';
}

const TS = 'com.acme.token.TokenService';
const TR = 'com.acme.token.TokenRepository';

const FNS = {
  getToken: { service: 'token-service', namespace: TS, function: 'getToken', filePath: null, line: null, style: 'mixed', language: 'java', file: 'token-service/src/main/java/com/acme/token/TokenService.java' },
  findToken: { service: 'token-service', namespace: TR, function: 'findToken', filePath: null, line: null, style: 'dual', language: 'java', file: 'token-service/src/main/java/com/acme/token/TokenRepository.java' },
  getJwks: { service: 'token-service', namespace: TS, function: 'getJwks', filePath: null, line: null, style: 'new', language: 'java', file: 'token-service/src/main/java/com/acme/token/TokenService.java' },
  loadSigningKeys: { service: 'token-service', namespace: TR, function: 'loadSigningKeys', filePath: null, line: null, style: 'dual', language: 'java', file: 'token-service/src/main/java/com/acme/token/TokenRepository.java' },
  refreshToken: { service: 'token-service', namespace: TS, function: 'refreshToken', filePath: null, line: null, style: 'old', language: 'java', file: 'token-service/src/main/java/com/acme/token/TokenService.java' },
  refresh: { service: 'gateway', namespace: 'com.acme.gateway.TokenClient', function: 'refresh', filePath: null, line: null, style: 'old', language: 'java', file: 'gateway/src/main/java/com/acme/gateway/TokenClient.java' },
  checkout: { service: 'checkout-web', namespace: 'CartService', function: 'checkout', filePath: '/app/src/cart/cartService.ts', line: 42, style: 'new', language: 'nodejs', file: 'checkout-web/src/cart/cartService.ts' },
  total: { service: 'checkout-web', namespace: 'PriceCalculator', function: 'total', filePath: '/app/src/cart/priceCalculator.ts', line: 17, style: 'dual', language: 'nodejs', file: 'checkout-web/src/cart/priceCalculator.ts' },
  generateInvoice: { service: 'billing-worker', namespace: 'billing.invoices', function: 'generate_invoice', filePath: '/srv/billing/invoices.py', line: 57, style: 'old', language: 'python', file: 'billing-worker/billing/invoices.py' },
  chargeCard: { service: 'billing-worker', namespace: 'billing.payments', function: 'charge_card', filePath: '/srv/billing/payments.py', line: 23, style: 'new', language: 'python', file: 'billing-worker/billing/payments.py' },
} as const satisfies Record<string, FnDef>;

/** The code attributes one span of `fn` carries; `mixed` alternates old and new by `i`. */
function codeAttrs(fn: FnDef, i: number): AttrMap {
  const old: Record<string, string | number> = { 'code.function': fn.function };
  if (fn.namespace !== null) old['code.namespace'] = fn.namespace;
  if (fn.filePath !== null) old['code.filepath'] = fn.filePath;
  if (fn.line !== null) old['code.lineno'] = fn.line;
  const fq = fn.namespace === null ? fn.function : `${fn.namespace}.${fn.function}`;
  const neu: Record<string, string | number> = { 'code.function.name': fq };
  if (fn.filePath !== null) neu['code.file.path'] = fn.filePath;
  if (fn.line !== null) neu['code.line.number'] = fn.line;
  switch (fn.style) {
    case 'old': return old;
    case 'new': return neu;
    case 'dual': return { ...old, ...neu };
    case 'mixed': return i % 2 === 0 ? old : neu;
  }
}

export interface StatsScenario {
  readonly nowMs: number;
  readonly payloads: readonly unknown[];
  readonly spans: number;
  /** Spans that carry code attributes (what per-function figures count). */
  readonly codeSpans: number;
  /** Spans with the old keys (`code.function`), and with the new (`code.function.name`); dual ones in both. */
  readonly oldKeySpans: number;
  readonly newKeySpans: number;
  readonly functions: readonly ExpectedFunction[];
  /** Earliest span start and latest span end, epoch ms. */
  readonly startMs: number;
  readonly endMs: number;
}

/** The scenario ending at `nowMs` (same `nowMs` → same payloads). */
export function statsScenario(nowMs: number): StatsScenario {
  const rnd = prng(0x57a75);
  const between = (lo: number, hi: number): number => Math.round((lo + (hi - lo) * rnd()) * 1000) / 1000;
  let spanNo = 0;
  let traceNo = 0;
  const payloads: unknown[] = [];
  const seen = new Map<FnDef, { calls: number; errors: number; durations: number[] }>();
  const record = (fn: FnDef, durationMs: number, error: boolean): void => {
    const s = seen.get(fn) ?? { calls: 0, errors: 0, durations: [] };
    s.calls++;
    if (error) s.errors++;
    s.durations.push(durationMs);
    seen.set(fn, s);
  };
  // Every trace starts in [now − 24 s, now − 4 s] and lasts under 2.6 s.
  let minStart = Infinity;
  let maxEnd = -Infinity;
  const addTrace = (root: SpanSpec): void => {
    const walk = (s: SpanSpec): void => {
      minStart = Math.min(minStart, s.startMs);
      maxEnd = Math.max(maxEnd, s.startMs + s.durationMs);
      s.children?.forEach(walk);
    };
    walk(root);
    payloads.push(tracePayload(traceIdFor(0x5ca7, ++traceNo), root, RESOURCES, () => ++spanNo));
  };
  const startAt = (): number => nowMs - 24_000 + between(0, 20_000);
  const span = (fn: FnDef, i: number, at: number, durationMs: number, error: string | null, kind: SpanSpec['kind'], name: string, extra: AttrMap = {}, children: SpanSpec[] = []): SpanSpec => {
    record(fn, durationMs, error !== null);
    return { service: fn.service, name, kind, startMs: at, durationMs, attributes: { ...codeAttrs(fn, i), ...extra }, ...(error !== null ? { error } : {}), children };
  };

  // token-service: GET /token → findToken (SELECT); 12 of 58 fail; a slow tail in the database.
  for (let i = 0; i < 58; i++) {
    const at = startAt();
    const db = i % 10 === 3 ? between(900, 1800) : between(3, 25);
    const total = db + between(5, 40);
    addTrace(span(FNS.getToken, i, at, total, i % 5 === 1 ? 'token expired' : null, 2, 'GET /token', { 'http.route': '/token' }, [
      span(FNS.findToken, i, at + 1, db, null, 3, 'SELECT tokens', { 'db.system': 'postgresql', 'db.query.text': 'SELECT * FROM tokens WHERE subject = ?' }),
    ]));
  }
  // token-service: GET /.well-known/jwks.json (new keys) → loadSigningKeys (dual).
  for (let i = 0; i < 24; i++) {
    const at = startAt();
    const db = i < 3 ? between(1200, 2400) : between(20, 60);
    addTrace(span(FNS.getJwks, i, at, db + between(2, 10), null, 2, 'GET /.well-known/jwks.json', { 'http.route': '/.well-known/jwks.json' }, [
      span(FNS.loadSigningKeys, i, at + 1, db, null, 3, 'SELECT signing_keys', { 'db.system': 'postgresql' }),
    ]));
  }
  // token-service: POST /token/refresh (old keys), 3 of 15 fail.
  for (let i = 0; i < 15; i++) addTrace(span(FNS.refreshToken, i, startAt(), between(30, 400), i % 5 === 2 ? 'refresh token revoked' : null, 2, 'POST /token/refresh'));
  // gateway: TokenClient.refresh (old keys) → a token-service server span without code attributes; 4 of 20 time out.
  for (let i = 0; i < 20; i++) {
    const at = startAt();
    const timeout = i % 5 === 4;
    const d = timeout ? 2000 : between(40, 300);
    addTrace(span(FNS.refresh, i, at, d, timeout ? 'java.net.http.HttpTimeoutException: request timed out' : null, 3, 'POST', { 'http.request.method': 'POST' }, [
      { service: 'token-service', name: 'POST /token/refresh', kind: 2, startMs: at + 2, durationMs: d - 4, attributes: { 'http.route': '/token/refresh' } },
    ]));
  }
  // checkout-web: POST /cart/checkout (no code attributes) → CartService.checkout (new) → PriceCalculator.total (dual).
  for (let i = 0; i < 40; i++) {
    const at = startAt();
    const price = i % 8 === 0 ? between(400, 900) : between(2, 12);
    const checkout = price + between(10, 80);
    addTrace({
      service: 'checkout-web', name: 'POST /cart/checkout', kind: 2, startMs: at, durationMs: checkout + 2, attributes: { 'http.route': '/cart/checkout' },
      children: [span(FNS.checkout, i, at + 1, checkout, i % 20 === 7 ? 'payment declined' : null, 1, 'CartService.checkout', {}, [
        span(FNS.total, i, at + 2, price, null, 1, 'PriceCalculator.total'),
      ])],
    });
  }
  // billing-worker: generate_invoice (old keys, 1 of 12 fails), charge_card (new keys, 3 of 12 fail).
  for (let i = 0; i < 12; i++) addTrace(span(FNS.generateInvoice, i, startAt(), between(150, 2500), i === 5 ? 'PDF renderer crashed' : null, 1, 'generate_invoice'));
  for (let i = 0; i < 12; i++) addTrace(span(FNS.chargeCard, i, startAt(), between(80, 700), i % 4 === 1 ? 'card declined' : null, 1, 'charge_card'));

  const functions: ExpectedFunction[] = [...seen.entries()].map(([fn, s]) => ({
    service: fn.service,
    codeRef: { namespace: fn.namespace, function: fn.function, filePath: fn.filePath, line: fn.line },
    style: fn.style,
    calls: s.calls,
    errors: s.errors,
    durationsMs: [...s.durations].sort((a, b) => a - b),
    file: fn.file,
  }));
  const spans = countSpans(payloads);
  const sum = (pick: (f: ExpectedFunction) => number): number => functions.reduce((n, f) => n + pick(f), 0);
  // `mixed` alternates old, new, old, … from the first span.
  const half = (f: ExpectedFunction, first: boolean): number => (first ? Math.ceil(f.calls / 2) : Math.floor(f.calls / 2));
  return {
    nowMs, payloads, spans, functions, startMs: minStart, endMs: maxEnd,
    codeSpans: sum((f) => f.calls),
    oldKeySpans: sum((f) => (f.style === 'old' || f.style === 'dual' ? f.calls : f.style === 'mixed' ? half(f, true) : 0)),
    newKeySpans: sum((f) => (f.style === 'new' || f.style === 'dual' ? f.calls : f.style === 'mixed' ? half(f, false) : 0)),
  };
}
