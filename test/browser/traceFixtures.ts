// Trace builders for the waterfall tests: single spans, large synthetic traces and hostile content.
import type { Attributes, Span, Trace } from '../../src/shared/model';

export const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

export function spanId(n: number): string {
  return n.toString(16).padStart(16, '0');
}

export interface SpanSpec {
  id: number | string;
  parent?: number | string | null;
  name?: string;
  start: number;
  end: number;
  service?: string | null;
  status?: Span['status'];
  statusMessage?: string | null;
  attributes?: Attributes;
  resource?: Attributes;
  events?: Span['events'];
  links?: Span['links'];
}

export function span(s: SpanSpec): Span {
  const id = typeof s.id === 'number' ? spanId(s.id) : s.id;
  const parent = s.parent === undefined || s.parent === null ? null : typeof s.parent === 'number' ? spanId(s.parent) : s.parent;
  const service = s.service === undefined ? 'svc-a' : s.service;
  return {
    traceId: TRACE_ID,
    spanId: id,
    parentSpanId: parent,
    name: s.name ?? `span-${id}`,
    kind: 'internal',
    startMs: s.start,
    endMs: s.end,
    status: s.status ?? 'unset',
    statusMessage: s.statusMessage ?? null,
    attributes: s.attributes ?? {},
    resource: s.resource ?? (service === null ? {} : { 'service.name': service }),
    service,
    scope: null,
    events: s.events ?? [],
    links: s.links ?? [],
  };
}

export function trace(spans: Span[]): Trace {
  return { traceId: TRACE_ID, spans, partial: false, message: null };
}

/**
 * A deterministic `n`-span trace shaped like a busy request: a root, a few services, fan-out of
 * up to 8 children per span, some errors and some children that outlive their parent.
 */
export function bigTrace(n: number, seed = 42): Trace {
  let x = seed >>> 0;
  const rnd = (): number => {
    x = (x * 1664525 + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
  const services = ['frontend', 'token-service', 'auth-service', 'postgres', 'redis', 'billing', 'search', 'mailer', 'audit', 'gateway'];
  const t0 = 1_795_311_627_000;
  const spans: Span[] = [span({ id: 1, name: 'GET /checkout', start: t0, end: t0 + 5000, service: 'frontend', attributes: { 'http.route': '/checkout' } })];
  const kids = new Map<number, number>();
  for (let i = 2; i <= n; i++) {
    // Attach to a recent span so the tree is both deep and wide.
    let p = Math.max(1, i - 1 - Math.floor(rnd() * Math.min(i - 1, 200)));
    while ((kids.get(p) ?? 0) >= 8 && p > 1) p--;
    kids.set(p, (kids.get(p) ?? 0) + 1);
    const ps = spans[p - 1] as Span;
    const dur = ps.endMs - ps.startMs;
    const start = ps.startMs + rnd() * dur * 0.8;
    const outlive = rnd() < 0.01;
    const end = outlive ? ps.endMs + 50 + rnd() * 200 : start + (0.3 + 0.7 * rnd()) * (ps.endMs - start);
    const svc = services[Math.floor(rnd() * services.length)] as string;
    const err = rnd() < 0.02;
    spans.push(span({
      id: i,
      parent: p,
      name: `${svc}.op${i % 97}`,
      start,
      end,
      service: svc,
      status: err ? 'error' : 'ok',
      statusMessage: err ? 'boom' : null,
      attributes: { 'code.namespace': `com.acme.${svc.replace('-', '')}.Handler`, 'code.function': `op${i % 97}`, 'i': i },
    }));
  }
  return trace(spans);
}

/** Markup, script and event-handler payloads in every string a trace can carry. */
export const PAYLOADS = [
  '<img src=x onerror="window.__pwned=1">',
  '<script>window.__pwned=1</script>',
  '"><svg onload="window.__pwned=1">',
  "javascript:window.__pwned=1",
  '<iframe srcdoc="<script>parent.__pwned=1</script>"></iframe>',
  '{{constructor.constructor("window.__pwned=1")()}}',
] as const;

export function hostileTrace(): Trace {
  const p = (i: number): string => PAYLOADS[i % PAYLOADS.length] as string;
  const attrs: Attributes = {};
  PAYLOADS.forEach((v, i) => {
    attrs[`${v}-key${i}`] = v;
  });
  attrs['code.function'] = p(0);
  attrs['code.namespace'] = p(1);
  attrs['nested'] = { [p(2)]: [p(3), { x: p(4) }] };
  const t0 = 1_795_311_627_000;
  return trace([
    span({
      id: 1,
      name: p(0),
      start: t0,
      end: t0 + 100,
      service: p(1),
      status: 'error',
      statusMessage: p(2),
      attributes: attrs,
      resource: { 'service.name': p(1), [p(3)]: p(4) },
      events: [
        { name: 'exception', timeMs: t0 + 50, attributes: { 'exception.type': p(0), 'exception.message': p(1), 'exception.stacktrace': `${p(2)}\n  at ${p(5)}` } },
        { name: p(4), timeMs: t0 + 60, attributes: { [p(0)]: p(1) } },
      ],
      links: [{ traceId: TRACE_ID, spanId: spanId(9), attributes: { [p(2)]: p(3) } }],
    }),
    span({ id: 2, parent: 1, name: p(1), start: t0 + 10, end: t0 + 130, service: p(2), attributes: { [p(5)]: p(0) } }),
    span({ id: 3, parent: 999, name: p(3), start: t0 + 20, end: t0 + 40, service: p(4) }),
  ]);
}

/**
 * A realistic small trace for the README screenshot: a gateway call into token-service whose
 * repository query outlives the request, a failing key-vault call with a Java stack trace, and a
 * cache lookup — three services, code attributes on the methods.
 */
export function demoTrace(): Trace {
  const t0 = 1_795_311_627_000;
  const code = (ns: string, fn: string, line: number): Attributes => ({
    'code.namespace': ns,
    'code.function': fn,
    'code.filepath': `src/main/java/${ns.replace(/\./g, '/')}.java`,
    'code.lineno': line,
  });
  const gw = { 'service.name': 'gateway', 'service.version': '4.2.0', 'deployment.environment': 'prod', 'k8s.pod.name': 'gateway-7d9c6-xk2lp' };
  const tok = { 'service.name': 'token-service', 'service.version': '1.18.3', 'deployment.environment': 'prod', 'telemetry.sdk.language': 'java' };
  const pg = { 'service.name': 'postgres', 'db.system': 'postgresql' };
  return trace([
    span({ id: 1, name: 'POST /api/checkout', start: t0, end: t0 + 2650, service: 'gateway', resource: gw,
      attributes: { 'http.request.method': 'POST', 'http.route': '/api/checkout', 'http.response.status_code': 504 }, status: 'error', statusMessage: 'upstream timeout' }),
    span({ id: 2, parent: 1, name: 'TokenClient.refresh', start: t0 + 12, end: t0 + 2512, service: 'gateway', resource: gw,
      attributes: { ...code('com.acme.gateway.TokenClient', 'refresh', 57), 'rpc.system': 'http', 'http.client.timeout_ms': 2500 }, status: 'error', statusMessage: 'timeout after 2500 ms',
      events: [{ name: 'exception', timeMs: t0 + 2511, attributes: {
        'exception.type': 'java.net.http.HttpTimeoutException',
        'exception.message': 'request timed out',
        'exception.stacktrace': 'java.net.http.HttpTimeoutException: request timed out\n\tat java.net.http/jdk.internal.net.http.HttpClientImpl.send(HttpClientImpl.java:951)\n\tat com.acme.gateway.TokenClient.refresh(TokenClient.java:57)\n\tat com.acme.gateway.CheckoutController.checkout(CheckoutController.java:33)',
      } }] }),
    span({ id: 3, parent: 2, name: 'GET /token', start: t0 + 30, end: t0 + 3130, service: 'token-service', resource: tok,
      attributes: { ...code('com.acme.token.TokenService', 'getToken', 88), 'http.route': '/token' } }),
    span({ id: 4, parent: 3, name: 'TokenCache.get', start: t0 + 34, end: t0 + 36.4, service: 'token-service', resource: tok,
      attributes: { ...code('com.acme.token.TokenCache', 'get', 21), 'cache.hit': false } }),
    span({ id: 5, parent: 3, name: 'TokenRepository.findToken', start: t0 + 40, end: t0 + 2890, service: 'token-service', resource: tok,
      attributes: { ...code('com.acme.token.TokenRepository', 'findToken', 42), 'db.system': 'postgresql' } }),
    span({ id: 6, parent: 5, name: 'SELECT tokens', start: t0 + 45, end: t0 + 2880, service: 'postgres', resource: pg,
      attributes: { 'db.statement': 'SELECT * FROM tokens WHERE subject = $1 FOR UPDATE', 'db.operation': 'SELECT' } }),
    span({ id: 7, parent: 3, name: 'KeyVault.sign', start: t0 + 2895, end: t0 + 3120, service: 'token-service', resource: tok,
      attributes: code('com.acme.crypto.KeyVault', 'sign', 112), status: 'error', statusMessage: 'HSM busy',
      events: [{ name: 'exception', timeMs: t0 + 3119, attributes: {
        'exception.type': 'com.acme.crypto.HsmBusyException',
        'exception.message': 'HSM busy: 32 pending operations',
        'exception.stacktrace': 'com.acme.crypto.HsmBusyException: HSM busy: 32 pending operations\n\tat com.acme.crypto.KeyVault.sign(KeyVault.java:112)\n\tat com.acme.token.TokenService.getToken(TokenService.java:97)\n\tat com.acme.token.TokenController.token(TokenController.java:28)',
      } }] }),
    span({ id: 8, parent: 1, name: 'AuditLog.write', start: t0 + 2520, end: t0 + 2640, service: 'gateway', resource: gw,
      attributes: code('com.acme.gateway.AuditLog', 'write', 19),
      links: [{ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', attributes: { 'link.kind': 'follows-from' } }] }),
  ]);
}
