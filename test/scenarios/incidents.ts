// A reusable scenario for the trace insights: both PRODUCT.md incidents, an N+1 loop and normal traffic (with the noise cases of issue 13), as OTLP/JSON payloads a real Tempo accepts.
import { prng } from './otlp';

/** What the insights must report on this scenario — nothing else. */
export interface ExpectedFinding {
  readonly kind: 'caller-timeout' | 'cache-stampede' | 'n-plus-one';
  /** `code.namespace` + `.` + `code.function` of the method the finding is on. */
  readonly function: string;
  readonly service: string;
}

const TOKEN = 'com.acme.token.TokenService';
const TOKEN_REPO = 'com.acme.token.TokenRepository';
const KEY_REPO = 'com.acme.token.KeyRepository';
const GW_CLIENT = 'com.acme.gateway.TokenClient';
const ORDERS = 'com.acme.orders.OrderService';
const CATALOG = 'com.acme.orders.CatalogClient';
const AUDIT = 'com.acme.orders.AuditService';

export const EXPECTED_FINDINGS: readonly ExpectedFinding[] = [
  // Incident 1: the gateway gave up after 5 s; the token service's handler and its DB call ran on.
  { kind: 'caller-timeout', function: `${TOKEN}.refreshToken`, service: 'token-service' },
  { kind: 'caller-timeout', function: `${TOKEN_REPO}.findToken`, service: 'token-service' },
  // Incident 2: the JWKS cache expired and 24 concurrent misses each reloaded the keys.
  { kind: 'cache-stampede', function: `${TOKEN}.getJwks`, service: 'token-service' },
  // An N+1 loop: one SELECT per order item.
  { kind: 'n-plus-one', function: `${ORDERS}.listOrders`, service: 'orders' },
];

/** Facts for assertions (counts of the incident traces). */
export const SCENARIO_FACTS = { gatewayTimeoutMs: 5000, timeoutTraces: 6, stampedeMisses: 24, loopTraces: 8, loopCalls: 15 } as const;

type Value = { stringValue: string } | { intValue: string } | { boolValue: boolean } | { doubleValue: number };
type Attr = { key: string; value: Value };

function attrs(o: Readonly<Record<string, string | number | boolean>>): Attr[] {
  return Object.entries(o).map(([key, v]) => ({
    key,
    value: typeof v === 'string' ? { stringValue: v } : typeof v === 'boolean' ? { boolValue: v } : Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v },
  }));
}

const KIND = { internal: 1, server: 2, client: 3 } as const;

interface SpanSpec {
  readonly service: string;
  /** Distinct host/pod (service.instance.id); defaults to `<service>-0`. */
  readonly instance?: string;
  readonly name: string;
  readonly kind: keyof typeof KIND;
  /** ms from the trace's start. */
  readonly start: number;
  readonly end: number;
  readonly attributes?: Readonly<Record<string, string | number | boolean>>;
  readonly error?: string;
  readonly children?: readonly SpanSpec[];
}

const java = (ns: string, fn: string): Record<string, string> => ({ 'code.namespace': ns, 'code.function': fn });

const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');

/** µs-exact int64 nanoseconds as a decimal string (OTLP/JSON). */
function nanos(ms: number): string {
  return (BigInt(Math.round(ms * 1000)) * 1000n).toString();
}

/**
 * The scenario's payloads (one OTLP/JSON `ExportTraceServiceRequest` per trace, spans grouped by
 * service resource), spread over the 5 minutes before `nowMs`, every span ending ≥ 5 s before it.
 * Hex ids, string int64 nanos, numeric enums: what Tempo's OTLP/HTTP JSON receiver accepts.
 * Same `nowMs` → same payloads.
 */
export function incidentScenario(nowMs: number): unknown[] {
  const rnd = prng(0x13);
  const between = (lo: number, hi: number): number => lo + (hi - lo) * rnd();
  const out: unknown[] = [];
  let traceNo = 0;
  let spanNo = 0;
  const latest = nowMs - 5_000;
  const add = (at: number, root: SpanSpec): void => {
    traceNo++;
    // A run-unique prefix keeps ids apart from other data on a shared Tempo; some ids keep leading zeros (Tempo strips them in search).
    const traceId = traceNo % 7 === 0 ? hex(traceNo, 32) : `13a5${hex(Math.floor(nowMs / 1000) % 0xffffffff, 8)}${hex(traceNo, 20)}`;
    const byService = new Map<string, { instance: string; spans: unknown[] }>();
    const walk = (s: SpanSpec, parent: string | null): void => {
      const spanId = hex(0x13000000 + ++spanNo, 16);
      if (at + s.end > latest) throw new Error(`scenario span ${s.name} would end after now − 5 s`);
      const span: Record<string, unknown> = {
        traceId,
        spanId,
        name: s.name,
        kind: KIND[s.kind],
        startTimeUnixNano: nanos(at + s.start),
        endTimeUnixNano: nanos(at + s.end),
        attributes: attrs(s.attributes ?? {}),
        status: s.error !== undefined ? { code: 2, message: s.error } : {},
      };
      if (parent !== null) span['parentSpanId'] = parent;
      const instance = s.instance ?? `${s.service}-0`;
      const key = `${s.service}\u001f${instance}`;
      const group = byService.get(key) ?? { instance, spans: [] };
      group.spans.push(span);
      byService.set(key, group);
      for (const c of s.children ?? []) walk(c, spanId);
    };
    walk(root, null);
    out.push({
      resourceSpans: [...byService.entries()].map(([key, g]) => ({
        resource: { attributes: attrs({ 'service.name': key.split('\u001f')[0] as string, 'service.instance.id': g.instance, 'telemetry.sdk.language': 'java', 'deployment.environment': 'scenario' }) },
        scopeSpans: [{ scope: { name: 'io.opentelemetry.scenario', version: '1.0.0' }, spans: g.spans }],
      })),
    });
  };
  const t0 = nowMs - 300_000;

  // ---- token service, normal traffic: GET /token every ~3 s, served from the JWKS cache (getJwks' body does not run on a hit).
  for (let t = t0 + 12_000; t < nowMs - 40_000; t += between(2_500, 3_500)) {
    const d = between(4, 14);
    add(t, tokenRequest(d, null));
  }
  // The cache warming up once, at start-up: one load.
  add(t0 + 2_000, tokenRequest(900, { loadMs: 880 }));

  // ---- incident 2: the JWKS cache expires, 24 concurrent requests each reload the keys.
  const stampedeAt = t0 + 150_000;
  for (let i = 0; i < SCENARIO_FACTS.stampedeMisses; i++) {
    const start = stampedeAt + between(0, 300);
    const load = between(1_500, 2_500);
    if (i === 5) {
      // Noise: this one came through the gateway, whose 2 s client timeout fired 3.77 ms before the token service answered.
      const total = 2_000 + 3.77 - 2;
      add(start, {
        service: 'gateway', name: 'GET /api/token', kind: 'server', start: 0, end: 2_002, error: 'upstream request timeout', attributes: { 'http.request.method': 'GET', 'http.route': '/api/token', 'http.response.status_code': 504 },
        children: [{
          service: 'gateway', name: 'GET', kind: 'client', start: 1, end: 2_001, error: 'java.net.http.HttpTimeoutException: request timed out',
          attributes: { ...java(GW_CLIENT, 'token'), 'http.request.method': 'GET', 'url.full': 'http://token-service:8080/token', 'server.address': 'token-service', 'http.response.status_code': 504 },
          children: [tokenRequest(total, { loadMs: total - 30 }, 3)],
        }],
      });
      continue;
    }
    add(start, tokenRequest(load + 25, { loadMs: load }));
  }

  // ---- refresh: normal calls through the gateway (OK) …
  for (let t = t0 + 8_000; t < nowMs - 30_000; t += between(18_000, 24_000)) add(t, refreshRequest(between(30, 200), null));
  // … and incident 1: the gateway gives up after 5 s (504), the token service runs on for 12–25 s holding a row lock.
  for (let i = 0; i < SCENARIO_FACTS.timeoutTraces; i++) {
    add(t0 + 170_000 + i * 15_000 + between(0, 2_000), refreshRequest(between(12_000, 25_000), SCENARIO_FACTS.gatewayTimeoutMs));
  }

  // ---- orders: GET /orders lists a customer's orders; 8 requests load the items one SELECT per order (N+1).
  let loops = 0;
  for (let t = t0 + 5_000, k = 0; t < nowMs - 20_000; t += between(7_000, 9_000), k++) {
    const looping = k % 4 === 1 && loops < SCENARIO_FACTS.loopTraces;
    if (looping) loops++;
    const calls: SpanSpec[] = [];
    let c = 3;
    const n = looping ? SCENARIO_FACTS.loopCalls : 1;
    for (let i = 0; i < n; i++) {
      const d = between(6, 14);
      calls.push({ service: 'orders', name: 'SELECT shop.order_items', kind: 'client', start: c, end: c + d, attributes: { 'db.system': 'postgresql', 'db.name': 'shop', 'db.statement': `SELECT id, sku, qty FROM order_items WHERE order_id = ${4000 + k * 20 + i}` } });
      c += d + between(0.3, 1.5);
    }
    const first: SpanSpec = { service: 'orders', name: 'SELECT shop.orders', kind: 'client', start: 1, end: 2.5, attributes: { 'db.system': 'postgresql', 'db.name': 'shop', 'db.statement': 'SELECT id FROM orders WHERE customer_id = ?' } };
    add(t, {
      service: 'orders', name: 'GET /orders', kind: 'server', start: 0, end: c + 3, attributes: { 'http.request.method': 'GET', 'http.route': '/orders', 'http.response.status_code': 200 },
      children: [{ service: 'orders', name: 'OrderService.listOrders', kind: 'internal', start: 0.5, end: c + 2, attributes: java(ORDERS, 'listOrders'), children: [first, ...calls] }],
    });
  }

  // ---- orders, normal: the summary page fans out 10 catalog lookups in parallel (not N+1) …
  for (let t = t0 + 9_000; t < nowMs - 20_000; t += between(14_000, 18_000)) {
    const items: SpanSpec[] = Array.from({ length: 10 }, (_, i) => {
      const s = 2 + between(0, 1);
      return { service: 'orders', name: 'GET', kind: 'client', start: s, end: s + between(20, 40), attributes: { ...java(CATALOG, 'getItem'), 'http.request.method': 'GET', 'url.full': `http://catalog:8080/items/${900 + i}`, 'url.template': '/items/{id}', 'server.address': 'catalog' } };
    });
    add(t, {
      service: 'orders', name: 'GET /orders/summary', kind: 'server', start: 0, end: 48, attributes: { 'http.request.method': 'GET', 'http.route': '/orders/summary', 'http.response.status_code': 200 },
      children: [
        { service: 'orders', name: 'OrderService.summary', kind: 'internal', start: 1, end: 46, attributes: java(ORDERS, 'summary'), children: items },
        // … and records an audit entry fire-and-forget: it outlives the request, nobody waits for it or gives up on it.
        { service: 'orders', name: 'AuditService.record', kind: 'internal', start: 44, end: 44 + between(300, 700), attributes: java(AUDIT, 'record') },
      ],
    });
  }
  return out;
}

/** GET /token → getToken → (on a miss) getJwks → the keys' SELECT (the agent also puts the repository method on the DB span). */
function tokenRequest(totalMs: number, miss: { loadMs: number } | null, offset = 0): SpanSpec {
  return shifted(tokenRequestAt0(totalMs, miss), offset);
}

function shifted(s: SpanSpec, ms: number): SpanSpec {
  return ms === 0 ? s : { ...s, start: s.start + ms, end: s.end + ms, ...(s.children ? { children: s.children.map((c) => shifted(c, ms)) } : {}) };
}

function tokenRequestAt0(totalMs: number, miss: { loadMs: number } | null): SpanSpec {
  const inner: SpanSpec[] = miss === null ? [] : [{
    service: 'token-service', name: 'TokenService.getJwks', kind: 'internal', start: 2, end: 4 + miss.loadMs, attributes: java(TOKEN, 'getJwks'),
    children: [{ service: 'token-service', name: 'SELECT auth.signing_keys', kind: 'client', start: 3, end: 3 + miss.loadMs, attributes: { ...java(KEY_REPO, 'loadSigningKeys'), 'db.system': 'postgresql', 'db.name': 'auth', 'db.statement': 'SELECT kid, jwk FROM signing_keys WHERE active = true' } }],
  }];
  return {
    service: 'token-service', name: 'GET /token', kind: 'server', start: 0, end: Math.max(totalMs, miss === null ? 0 : miss.loadMs + 8), attributes: { 'http.request.method': 'GET', 'http.route': '/token', 'http.response.status_code': 200 },
    children: [{ service: 'token-service', name: 'TokenService.getToken', kind: 'internal', start: 1, end: Math.max(totalMs, miss === null ? 0 : miss.loadMs + 8) - 1, attributes: java(TOKEN, 'getToken'), children: inner }],
  };
}

/** gateway POST /api/session → its client call (TokenClient.refresh) → token-service POST /token/refresh → findToken's SELECT … FOR UPDATE. */
function refreshRequest(serverMs: number, gatewayTimeoutMs: number | null): SpanSpec {
  const timedOut = gatewayTimeoutMs !== null;
  const clientEnd = timedOut ? 1 + gatewayTimeoutMs : serverMs + 6;
  return {
    service: 'gateway', name: 'POST /api/session', kind: 'server', start: 0,
    // Noise: the gateway's request span ends 1.19 ms before its own client span (teardown order / clock resolution).
    end: timedOut ? clientEnd - 1.19 : clientEnd + 2,
    attributes: { 'http.request.method': 'POST', 'http.route': '/api/session', 'http.response.status_code': timedOut ? 504 : 200 },
    ...(timedOut ? { error: 'upstream request timeout' } : {}),
    children: [{
      service: 'gateway', name: 'POST', kind: 'client', start: 1, end: clientEnd,
      attributes: { ...java(GW_CLIENT, 'refresh'), 'http.request.method': 'POST', 'url.full': 'http://token-service:8080/token/refresh', 'server.address': 'token-service', 'http.response.status_code': timedOut ? 504 : 200 },
      ...(timedOut ? { error: 'java.net.http.HttpTimeoutException: request timed out' } : {}),
      children: [{
        service: 'token-service', name: 'POST /token/refresh', kind: 'server', start: 3, end: 3 + serverMs, attributes: { ...java(TOKEN, 'refreshToken'), 'http.request.method': 'POST', 'http.route': '/token/refresh', 'http.response.status_code': 200 },
        children: [{ service: 'token-service', name: 'SELECT auth.tokens', kind: 'client', start: 5, end: 3 + serverMs - 4, attributes: { ...java(TOKEN_REPO, 'findToken'), 'db.system': 'postgresql', 'db.name': 'auth', 'db.statement': 'SELECT * FROM tokens WHERE subject = ? FOR UPDATE' } }],
      }],
    }],
  };
}
