// Deterministic demo/test data set for the Tempo test server: OTLP JSON payloads spread over the last hour.
import { prng } from '../scenarios/otlp';

/** A code location the seed emits, in CodeRef shape plus the service and attribute style used. */
export interface SeedCodeRef {
  readonly service: string;
  readonly language: 'java' | 'nodejs' | 'python';
  /** Which semantic-convention keys carry it: old (`code.namespace`+`code.function`) or new (`code.function.name`). */
  readonly style: 'old' | 'new';
  readonly namespace: string | null;
  readonly function: string;
  readonly filePath: string | null;
  readonly line: number | null;
}

const TOKEN_NS = 'com.acme.token.TokenService';
const REPO_NS = 'com.acme.token.TokenRepository';
const CLIENT_NS = 'com.acme.gateway.TokenClient';

export const SEED_CODE_REFS: readonly SeedCodeRef[] = [
  { service: 'token-service', language: 'java', style: 'old', namespace: TOKEN_NS, function: 'getToken', filePath: null, line: null },
  { service: 'token-service', language: 'java', style: 'old', namespace: TOKEN_NS, function: 'getJwks', filePath: null, line: null },
  { service: 'token-service', language: 'java', style: 'old', namespace: TOKEN_NS, function: 'refreshToken', filePath: null, line: null },
  { service: 'token-service', language: 'java', style: 'old', namespace: REPO_NS, function: 'findToken', filePath: null, line: null },
  { service: 'token-service', language: 'java', style: 'old', namespace: REPO_NS, function: 'loadSigningKeys', filePath: null, line: null },
  { service: 'gateway', language: 'java', style: 'old', namespace: CLIENT_NS, function: 'refresh', filePath: null, line: null },
  { service: 'checkout-web', language: 'nodejs', style: 'new', namespace: null, function: 'CartService.checkout', filePath: '/app/src/cart/cartService.ts', line: 42 },
  { service: 'checkout-web', language: 'nodejs', style: 'new', namespace: null, function: 'PriceCalculator.total', filePath: '/app/src/cart/priceCalculator.ts', line: 17 },
  { service: 'billing-worker', language: 'python', style: 'old', namespace: 'billing.invoices', function: 'generate_invoice', filePath: '/srv/billing/invoices.py', line: 57 },
  { service: 'billing-worker', language: 'python', style: 'old', namespace: 'billing.payments', function: 'charge_card', filePath: '/srv/billing/payments.py', line: 23 },
];

/** Facts about the seeded incidents, so tests can assert without re-deriving them. */
export const SEED_FACTS = {
  /** Gateway client timeout, seconds; the token-service side keeps running for 20–40 s. */
  gatewayTimeoutSeconds: 5,
  gatewayTimeoutTraces: 6,
  /** Concurrent getJwks traces in the cache-stampede burst, each running the same SELECT. */
  stampedeTraces: 24,
  stampedeStatement: 'SELECT kid, jwk FROM signing_keys WHERE active = true',
} as const;

type Attr = { key: string; value: Record<string, unknown> };

function attrs(o: Record<string, string | number | boolean>): Attr[] {
  return Object.entries(o).map(([key, v]) => ({
    key,
    value: typeof v === 'string' ? { stringValue: v } : typeof v === 'boolean' ? { boolValue: v } : Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v },
  }));
}

interface SpanSpec {
  service: string;
  name: string;
  kind: number;
  startMs: number;
  durationMs: number;
  attributes: Record<string, string | number | boolean>;
  error?: string;
  ok?: boolean;
  children?: SpanSpec[];
}

const RESOURCES: Record<string, Record<string, string>> = {
  'token-service': { 'service.name': 'token-service', 'telemetry.sdk.language': 'java', 'deployment.environment': 'demo', 'service.version': '1.4.2' },
  gateway: { 'service.name': 'gateway', 'telemetry.sdk.language': 'java', 'deployment.environment': 'demo', 'service.version': '3.0.1' },
  'checkout-web': { 'service.name': 'checkout-web', 'telemetry.sdk.language': 'nodejs', 'deployment.environment': 'demo', 'service.version': '0.9.0' },
  'billing-worker': { 'service.name': 'billing-worker', 'telemetry.sdk.language': 'python', 'deployment.environment': 'demo', 'service.version': '2.1.0' },
};

const SCOPES: Record<string, { name: string; version: string }> = {
  'token-service': { name: 'io.opentelemetry.spring-webmvc-6.0', version: '2.11.0-alpha' },
  gateway: { name: 'io.opentelemetry.java-http-client', version: '2.11.0-alpha' },
  'checkout-web': { name: '@opentelemetry/instrumentation-http', version: '0.57.0' },
  'billing-worker': { name: 'opentelemetry.instrumentation.celery', version: '0.50b0' },
};

const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');

/** Turns a span tree into one OTLP payload (spans grouped per service resource). */
function buildTrace(traceNo: number, root: SpanSpec, nextSpanId: () => number): unknown {
  // Every fifth id has leading zeros, so clients meet Tempo's stripped search ids.
  const traceId = traceNo % 5 === 0 ? hex(traceNo, 32) : `5eed${hex(traceNo, 28)}`;
  const byService = new Map<string, unknown[]>();
  const walk = (s: SpanSpec, parent: string): void => {
    const spanId = hex(nextSpanId(), 16);
    const startNs = BigInt(Math.round(s.startMs * 1000)) * 1000n;
    const endNs = startNs + BigInt(Math.round(s.durationMs * 1000)) * 1000n;
    const span: Record<string, unknown> = {
      traceId,
      spanId,
      name: s.name,
      kind: s.kind,
      startTimeUnixNano: startNs.toString(),
      endTimeUnixNano: endNs.toString(),
      attributes: attrs(s.attributes),
      status: s.error ? { code: 2, message: s.error } : s.ok ? { code: 1 } : {},
    };
    if (parent) span['parentSpanId'] = parent;
    const list = byService.get(s.service) ?? [];
    list.push(span);
    byService.set(s.service, list);
    for (const c of s.children ?? []) walk(c, spanId);
  };
  walk(root, '');
  return {
    resourceSpans: [...byService.entries()].map(([service, spans]) => ({
      resource: { attributes: attrs(RESOURCES[service] ?? { 'service.name': service }) },
      scopeSpans: [{ scope: SCOPES[service] ?? { name: 'manual' }, spans }],
    })),
  };
}

const SERVER = 2;
const CLIENT = 3;
const INTERNAL = 1;

const java = (ns: string, fn: string): Record<string, string> => ({ 'code.namespace': ns, 'code.function': fn });

/**
 * A realistic, deterministic data set ending at `nowMs`: steady token-service, checkout-web and
 * billing-worker traffic over the last hour, a gateway caller-timeout incident (~20 min ago) and
 * a JWKS cache stampede (~35 min ago). Same `nowMs` → same payloads.
 */
export function seedTraces(nowMs: number): unknown[] {
  const rnd = prng(0x7e3904);
  let spanCounter = 0;
  const nextSpanId = (): number => ++spanCounter;
  const out: unknown[] = [];
  let traceNo = 0;
  const add = (root: SpanSpec): void => {
    out.push(buildTrace(++traceNo, root, nextSpanId));
  };
  const between = (lo: number, hi: number): number => lo + (hi - lo) * rnd();
  const hourAgo = nowMs - 3600_000;

  // Steady token-service traffic: one request every ~40 s, mostly fast, some slow, some errors.
  for (let t = hourAgo + 5_000; t < nowMs - 10_000; t += between(25_000, 55_000)) {
    const slow = rnd() < 0.12;
    const fail = rnd() < 0.08;
    const dbMs = slow ? between(900, 2600) : between(4, 30);
    const total = dbMs + between(8, 60);
    add({
      service: 'token-service',
      name: 'GET /token',
      kind: SERVER,
      startMs: t,
      durationMs: total,
      attributes: { ...java(TOKEN_NS, 'getToken'), 'http.request.method': 'GET', 'http.route': '/token', 'http.response.status_code': fail ? 500 : 200 },
      ...(fail ? { error: 'token expired' } : { ok: true }),
      children: [
        {
          service: 'token-service',
          name: 'SELECT tokens',
          kind: CLIENT,
          startMs: t + between(1, 5),
          durationMs: dbMs,
          attributes: { ...java(REPO_NS, 'findToken'), 'db.system': 'postgresql', 'db.statement': 'SELECT * FROM tokens WHERE subject = ?' },
        },
      ],
    });
  }

  // Refresh + JWKS background calls.
  for (let t = hourAgo + 20_000; t < nowMs - 10_000; t += between(90_000, 150_000)) {
    add({
      service: 'token-service',
      name: 'POST /token/refresh',
      kind: SERVER,
      startMs: t,
      durationMs: between(30, 400),
      attributes: { ...java(TOKEN_NS, 'refreshToken'), 'http.request.method': 'POST', 'http.route': '/token/refresh', 'http.response.status_code': 200 },
      ok: true,
    });
    const jwksAt = t + between(10_000, 40_000);
    add({
      service: 'token-service',
      name: 'GET /.well-known/jwks.json',
      kind: SERVER,
      startMs: jwksAt,
      durationMs: between(2, 12),
      attributes: { ...java(TOKEN_NS, 'getJwks'), 'http.request.method': 'GET', 'http.route': '/.well-known/jwks.json', 'cache.hit': true },
      ok: true,
    });
  }

  // JWKS cache stampede: the cache expired, 24 concurrent requests all run the same SELECT.
  const stampedeAt = nowMs - 35 * 60_000;
  for (let i = 0; i < SEED_FACTS.stampedeTraces; i++) {
    const start = stampedeAt + between(0, 400);
    const db = between(1800, 3200);
    add({
      service: 'token-service',
      name: 'GET /.well-known/jwks.json',
      kind: SERVER,
      startMs: start,
      durationMs: db + between(5, 40),
      attributes: { ...java(TOKEN_NS, 'getJwks'), 'http.request.method': 'GET', 'http.route': '/.well-known/jwks.json', 'cache.hit': false },
      ok: true,
      children: [
        {
          service: 'token-service',
          name: 'SELECT signing_keys',
          kind: CLIENT,
          startMs: start + between(1, 4),
          durationMs: db,
          attributes: { ...java(REPO_NS, 'loadSigningKeys'), 'db.system': 'postgresql', 'db.statement': SEED_FACTS.stampedeStatement },
        },
      ],
    });
  }

  // Caller-timeout incident: gateway gives up after 5 s (504), token-service runs on for 20–40 s.
  const incidentAt = nowMs - 20 * 60_000;
  for (let i = 0; i < SEED_FACTS.gatewayTimeoutTraces; i++) {
    const start = incidentAt + i * between(20_000, 40_000);
    const timeoutMs = SEED_FACTS.gatewayTimeoutSeconds * 1000;
    const serverMs = between(20_000, 40_000);
    add({
      service: 'gateway',
      name: 'GET /api/session',
      kind: SERVER,
      startMs: start,
      durationMs: timeoutMs + between(2, 10),
      attributes: { 'http.request.method': 'GET', 'http.route': '/api/session', 'http.response.status_code': 504 },
      error: 'upstream request timeout',
      children: [
        {
          service: 'gateway',
          name: 'POST',
          kind: CLIENT,
          startMs: start + 1,
          durationMs: timeoutMs,
          attributes: {
            ...java(CLIENT_NS, 'refresh'),
            'http.request.method': 'POST',
            'url.full': 'http://token-service:8080/token/refresh',
            'server.address': 'token-service',
            'http.response.status_code': 504,
          },
          error: 'java.net.http.HttpTimeoutException: request timed out',
          children: [
            {
              service: 'token-service',
              name: 'POST /token/refresh',
              kind: SERVER,
              startMs: start + 3,
              durationMs: serverMs,
              attributes: { ...java(TOKEN_NS, 'refreshToken'), 'http.request.method': 'POST', 'http.route': '/token/refresh', 'http.response.status_code': 200 },
              ok: true,
              children: [
                {
                  service: 'token-service',
                  name: 'SELECT tokens',
                  kind: CLIENT,
                  startMs: start + 5,
                  durationMs: serverMs - between(5, 50),
                  attributes: { ...java(REPO_NS, 'findToken'), 'db.system': 'postgresql', 'db.statement': 'SELECT * FROM tokens WHERE subject = ? FOR UPDATE' },
                },
              ],
            },
          ],
        },
      ],
    });
  }

  // TypeScript checkout service, new semconv keys.
  for (let t = hourAgo + 12_000; t < nowMs - 5_000; t += between(45_000, 80_000)) {
    const fail = rnd() < 0.1;
    const calc = between(1, 20) + (rnd() < 0.15 ? between(600, 1500) : 0);
    add({
      service: 'checkout-web',
      name: 'POST /cart/checkout',
      kind: SERVER,
      startMs: t,
      durationMs: calc + between(20, 120),
      attributes: {
        'code.function.name': 'CartService.checkout',
        'code.file.path': '/app/src/cart/cartService.ts',
        'code.line.number': 42,
        'http.request.method': 'POST',
        'http.route': '/cart/checkout',
        'http.response.status_code': fail ? 502 : 200,
      },
      ...(fail ? { error: 'payment declined' } : {}),
      children: [
        {
          service: 'checkout-web',
          name: 'PriceCalculator.total',
          kind: INTERNAL,
          startMs: t + 2,
          durationMs: calc,
          attributes: { 'code.function.name': 'PriceCalculator.total', 'code.file.path': '/app/src/cart/priceCalculator.ts', 'code.line.number': 17 },
        },
      ],
    });
  }

  // Python billing worker, old semconv keys with file path and line.
  for (let t = hourAgo + 30_000; t < nowMs - 5_000; t += between(60_000, 120_000)) {
    const slow = rnd() < 0.2;
    const fail = rnd() < 0.1;
    const charge = slow ? between(1500, 4000) : between(80, 300);
    add({
      service: 'billing-worker',
      name: 'run/generate_invoice',
      kind: INTERNAL,
      startMs: t,
      durationMs: charge + between(30, 200),
      attributes: { 'code.namespace': 'billing.invoices', 'code.function': 'generate_invoice', 'code.filepath': '/srv/billing/invoices.py', 'code.lineno': 57 },
      ...(fail ? { error: 'CardDeclinedError: insufficient funds' } : { ok: true }),
      children: [
        {
          service: 'billing-worker',
          name: 'charge_card',
          kind: CLIENT,
          startMs: t + 10,
          durationMs: charge,
          attributes: { 'code.namespace': 'billing.payments', 'code.function': 'charge_card', 'code.filepath': '/srv/billing/payments.py', 'code.lineno': 23, 'server.address': 'api.stripe.example' },
          ...(fail ? { error: 'CardDeclinedError: insufficient funds' } : {}),
        },
      ],
    });
  }
  return out;
}
