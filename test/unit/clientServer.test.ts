// TempoClient against the Tempo-compatible test server: seeded data, auth modes, tenants, versions and injected faults.
import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { clearCapabilityCache, TempoClient, type ConnectionSettings, type TempoClientOptions } from '../../src/tempo/client';
import { CachedTempoClient, QueryCache } from '../../src/tempo/cache';
import { rejectsKind } from './tempoErrorAssert';
import { startTempoServer, type TempoTestServer } from '../tempo-server/server';
import { seedTraces } from '../tempo-server/seed';

let tempo: TempoTestServer;
const started: TempoTestServer[] = [];
const clients: TempoClient[] = [];
const nowS = (): number => Math.floor(Date.now() / 1000);

before(async () => {
  tempo = await startTempoServer();
  started.push(tempo);
  for (const t of seedTraces(Date.now())) tempo.ingest(t);
});

after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all(started.map((s) => s.close()));
});

function settings(url: string, extra: Partial<ConnectionSettings> = {}): ConnectionSettings {
  return { url, auth: 'none', user: '', token: undefined, tenant: '', headers: {}, ...extra };
}

function client(s: ConnectionSettings, opts: TempoClientOptions = {}): TempoClient {
  const c = new TempoClient(s, { backoffBaseMs: 10, backoffMaxMs: 40, ...opts });
  clients.push(c);
  return c;
}

async function server(opts: Parameters<typeof startTempoServer>[0]): Promise<TempoTestServer> {
  const s = await startTempoServer(opts);
  started.push(s);
  return s;
}


/** A trace whose id has leading zero bytes, so Tempo's search strips them. */
function leadingZeroTrace(): unknown {
  const start = BigInt(Date.now() - 60_000) * 1_000_000n;
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'lz-service' } }] },
        scopeSpans: [
          {
            scope: { name: 'test' },
            spans: [
              {
                traceId: '00000000000000000000000000abcdef',
                spanId: '00000000000000a1',
                name: 'GET /lz',
                kind: 2,
                startTimeUnixNano: String(start),
                endTimeUnixNano: String(start + 2_000_000_000n),
                attributes: [
                  { key: 'code.namespace', value: { stringValue: 'com.acme.Lz' } },
                  { key: 'code.function', value: { stringValue: 'zero' } },
                ],
                status: {},
              },
            ],
          },
        ],
      },
    ],
  };
}

test('every endpoint against seeded data', async () => {
  clearCapabilityCache();
  tempo.ingest(leadingZeroTrace());
  const c = client(settings(tempo.url));
  const report = await c.testConnection();
  assert.equal(report.version, '2.7.2');
  assert.equal(report.capabilities.traceByIdV2, true);
  const end = nowS() + 60;
  const start = end - 2 * 3600;
  const found = await c.search({ q: '{ span.code.function != nil } | select(span.code.function, span.code.namespace)', start, end, limit: 50, spss: 10 });
  assert.ok(found.traces.length > 0);
  const first = found.traces[0];
  assert.ok(first !== undefined);
  const body = await c.traceById(first.traceID, { start, end });
  assert.ok(body !== null && typeof body === 'object' && 'trace' in body);

  const lz = await c.search({ q: '{ resource.service.name = "lz-service" }', start, end });
  assert.equal(lz.traces[0]?.traceID, 'abcdef', 'search strips leading zeros');
  const lzBody = await c.traceById('abcdef');
  assert.ok(lzBody !== null, 'the stripped id finds the trace');
  assert.equal(tempo.requests.at(-1)?.path, '/api/v2/traces/00000000000000000000000000abcdef');
  assert.equal(await c.traceById('123456789abcdef'), null);

  const tags = await c.searchTags(undefined);
  assert.ok(tags.scopes.some((s) => s.name === 'span' && s.tags.includes('code.function')));
  const spanTags = await c.searchTags('span');
  assert.ok(spanTags.scopes.every((s) => s.name === 'span'));
  const services = await c.tagValues('resource.service.name');
  assert.ok(services.tagValues.some((v) => v.value === 'token-service'));
  const fns = await c.tagValues('span.code.function', '{ span.code.namespace = "com.acme.token.TokenService" }');
  assert.ok(fns.tagValues.some((v) => v.value === 'getToken'));
  assert.ok(!fns.tagValues.some((v) => v.value === 'generate_invoice'), 'the q filter reaches the server');

  const mEnd = nowS();
  const rate = await c.metricsQueryRange({ q: '{ span.code.function != nil } | rate() by (resource.service.name)', start: mEnd - 3600, end: mEnd, step: '60s' });
  assert.ok(rate.series.length > 0);
  assert.ok(rate.series.every((s) => s.labels.some((l) => l.key === 'resource.service.name')));
});

test('auth modes against a gateway: none → 401, bearer, basic, wrong token', async () => {
  const gw = await server({ auth: { bearer: 'glsa_good', basic: { user: '123456', password: 'glc_good' } } });
  await rejectsKind(client(settings(gw.url)).echo(), 'auth', /401 Unauthorized: it needs credentials/);
  await client(settings(gw.url, { auth: 'bearer', token: 'glsa_good' })).echo();
  await client(settings(gw.url, { auth: 'basic', user: '123456', token: 'glc_good' })).echo();
  const wrong = await rejectsKind(client(settings(gw.url, { auth: 'bearer', token: 'glsa_bad' })).echo(), 'auth', /check the token/);
  assert.ok(!wrong.message.includes('glsa_bad'));
  assert.equal(gw.requests.at(-1)?.headers['authorization'], 'Bearer glsa_bad');
  const forbidden = await server({});
  forbidden.inject({ status: 403, body: 'access policy lacks traces:read' });
  await rejectsKind(client(settings(forbidden.url)).echo(), 'forbidden', /traces:read/);
});

test('multi-tenant: missing tenant → clear message, tenant header selects data', async () => {
  const mt = await server({ multitenant: true });
  mt.ingest(leadingZeroTrace(), 'team-a');
  await rejectsKind(client(settings(mt.url)).search({ q: '{}' }), 'auth', /needs a tenant: set tempoLens\.tenant/);
  const a = await client(settings(mt.url, { tenant: 'team-a' })).search({ q: '{}' });
  assert.equal(a.traces.length, 1);
  assert.equal(mt.requests.at(-1)?.headers['x-scope-orgid'], 'team-a');
  const b = await client(settings(mt.url, { tenant: 'team-b' })).search({ q: '{}' });
  assert.equal(b.traces.length, 0);
});

test('TraceQL 400 from the server: verbatim body, line and column', async () => {
  const e = await rejectsKind(client(settings(tempo.url)).search({ q: '{ span.code.function = }' }), 'badRequest');
  assert.match(e.message, /^Tempo rejected the TraceQL query at line 1, col \d+: syntax error/);
  assert.ok(e.traceqlPosition !== undefined && e.traceqlPosition.line === 1);
  assert.match(e.body ?? '', /^invalid TraceQL query: parse error at line 1/);
  const m = await rejectsKind(client(settings(tempo.url)).metricsQueryRange({ q: '{ } | rate() by (', start: nowS() - 60, end: nowS() }), 'badRequest');
  assert.ok(m.traceqlPosition !== undefined);
  const range = await rejectsKind(client(settings(tempo.url)).metricsQueryRange({ q: '{ } | rate()', start: nowS() - 86400, end: nowS() }), 'badRequest', /exceeds 3h0m0s/);
  assert.equal(range.traceqlPosition, undefined);
});

test('injected faults: 429 + Retry-After retried, 500/504, truncate, reset, oversize', async () => {
  const c = client(settings(tempo.url), { retries: 2 });
  tempo.clearRequests();
  tempo.inject({ path: '/api/echo', status: 429, body: 'job queue full', headers: { 'Retry-After': '1' } });
  await c.echo();
  assert.deepEqual(
    tempo.requests.map((r) => r.status),
    [429, 200],
  );

  tempo.clearRequests();
  tempo.inject({ path: '/api/echo', status: 503, times: Infinity });
  await rejectsKind(c.echo(), 'server', /503/);
  assert.equal(tempo.requests.length, 3, 'initial attempt + 2 retries');
  tempo.clearFaults();

  tempo.clearRequests();
  tempo.inject({ path: '/api/echo', status: 500, body: 'cannot guarantee complete results', times: Infinity });
  await rejectsKind(c.echo(), 'server', /500 Internal Server Error.*cannot guarantee/);
  assert.equal(tempo.requests.length, 1, '500 is not retried');
  tempo.clearFaults();

  tempo.inject({ path: '/api/echo', status: 504, body: 'context deadline exceeded', times: Infinity });
  await rejectsKind(c.echo(), 'server', /timed out/);
  tempo.clearFaults();

  tempo.inject({ path: '/api/search', truncate: true });
  await rejectsKind(c.search({ q: '{}', start: nowS() - 3600, end: nowS() }), 'network', /cut off/);

  tempo.clearRequests();
  tempo.inject({ path: '/api/echo', reset: true });
  await c.echo();
  assert.deepEqual(
    tempo.requests.map((r) => r.status),
    [0, 200],
    'reset before any byte → retried once',
  );

  const small = client(settings(tempo.url), { maxBodyBytes: 256 * 1024 });
  tempo.inject({ path: '/api/search', oversizeBytes: 4 * 1024 * 1024 });
  await rejectsKind(small.search({ q: '{}', start: nowS() - 3600, end: nowS() }), 'tooLarge', /over the 256 KiB limit/);
  // the connection pool is still usable afterwards
  await small.echo();
});

test('abort mid-request (server latency) stops promptly with kind aborted', async () => {
  const c = client(settings(tempo.url));
  tempo.inject({ path: '/api/search', latencyMs: 30_000 });
  const ctl = new AbortController();
  const p = c.search({ q: '{}' }, ctl.signal);
  setTimeout(() => ctl.abort(), 50);
  await rejectsKind(p, 'aborted');
  tempo.clearFaults();
  tempo.inject({ path: '/api/echo', latencyMs: 30_000 });
  await rejectsKind(client(settings(tempo.url), { timeoutMs: 200 }).echo(), 'timeout');
  tempo.clearFaults();
});

test('version 2.5: capabilities say v1 traces; lookups go straight to /api/traces', async () => {
  clearCapabilityCache();
  const old = await server({ version: '2.5.0' });
  old.ingest(leadingZeroTrace());
  const c = client(settings(old.url));
  const caps = await c.capabilities();
  assert.deepEqual([caps.traceqlMetrics, caps.scopedIntrinsics, caps.traceByIdV2, caps.mostRecentHint], [true, true, false, false]);
  const body = await c.traceById('abcdef');
  assert.ok(body !== null && typeof body === 'object' && 'batches' in body);
  assert.equal(await c.traceById('1'), null, 'v1 404 → null');
  assert.ok(old.requests.every((r) => !r.path.startsWith('/api/v2/traces')));
});

test('pre-2.3 (no buildinfo): echo probe', async () => {
  clearCapabilityCache();
  const old = await server({ buildinfo: false });
  const report = await client(settings(old.url)).testConnection();
  assert.equal(report.via, 'echo');
  assert.equal(report.version, null);
  assert.deepEqual(
    old.requests.map((r) => r.path),
    ['/api/status/buildinfo', '/api/echo'],
  );
});

test('no metrics generator: the client says so and records it in capabilities', async () => {
  clearCapabilityCache();
  const noMetrics = await server({ metrics: false });
  const c = client(settings(noMetrics.url));
  assert.equal((await c.capabilities()).traceqlMetrics, true);
  await rejectsKind(c.metricsQueryRange({ q: '{ } | rate()', start: nowS() - 600, end: nowS() }), 'server', /local-blocks processor is not configured/);
  const caps = await c.capabilities();
  assert.equal(caps.traceqlMetrics, false);
  assert.ok(caps.notes.some((n) => /local-blocks/.test(n)));
});

test('behind a Grafana-style data-source proxy: prefix kept, tag names double-encoded', async () => {
  const prefix = '/api/datasources/proxy/uid/P214B5B846CF3925F';
  const seen: string[] = [];
  const proxy = http.createServer((req, res) => {
    const raw = req.url ?? '/';
    seen.push(raw);
    if (req.headers['authorization'] !== 'Bearer glsa_sa' || !raw.startsWith(prefix)) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{"message":"Unauthorized"}');
      return;
    }
    const rest = raw.slice(prefix.length);
    const q = rest.indexOf('?');
    const forwarded = decodeURIComponent(q < 0 ? rest : rest.slice(0, q)) + (q < 0 ? '' : rest.slice(q));
    const up = http.request(`${tempo.url}${forwarded}`, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    up.end();
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}${prefix}`;
    const c = client(settings(url, { auth: 'bearer', token: 'glsa_sa' }));
    const values = await c.tagValues('resource.service.name');
    assert.ok(values.tagValues.some((v) => v.value === 'token-service'));
    // A quoted attribute name with a space and a slash survives both decodings.
    await c.tagValues('span."a b/c"');
    assert.equal(seen.at(-1), `${prefix}/api/v2/search/tag/span.%2522a%2520b%252Fc%2522/values`);
    assert.equal(tempo.requests.at(-1)?.path, '/api/v2/search/tag/span.%22a%20b%2Fc%22/values');
    const found = await c.search({ q: '{ span.code.function != nil }', start: nowS() - 3600, end: nowS() + 60 });
    assert.ok(found.traces.length > 0);
    await rejectsKind(client(settings(url, { auth: 'bearer', token: 'wrong' })).echo(), 'auth');
  } finally {
    await new Promise<void>((r) => proxy.close(() => r()));
  }
});

test('cache in front of the client: concurrent identical searches send one request', async () => {
  const c = client(settings(tempo.url));
  const cache = new QueryCache();
  const end = nowS() + 60;
  const params = { q: '{ span.code.function != nil }', start: end - 3600, end };
  const key = JSON.stringify(params);
  const before = c.requestCount;
  tempo.inject({ path: '/api/search', latencyMs: 100 });
  const results = await Promise.all(Array.from({ length: 5 }, () => cache.get('search', key, (signal) => c.search(params, signal))));
  assert.equal(c.requestCount - before, 1);
  assert.ok(results.every((r) => r === results[0]));
  assert.ok(cache.bytes > 100, 'sized by the response body bytes');
});

test('CachedTempoClient: traces cached, not-found not cached, keys scoped per connection', async () => {
  tempo.ingest(leadingZeroTrace());
  const cache = new QueryCache();
  const a = new CachedTempoClient(client(settings(tempo.url)), cache);
  const b = new CachedTempoClient(client(settings(tempo.url, { tenant: 'x' })), cache);
  const [t1, t2] = await Promise.all([a.traceById('abcdef'), a.traceById('00000000000000000000000000ABCDEF')]);
  assert.ok(t1 !== null && t1 === t2);
  assert.equal(a.client.requestCount, 1, 'same normalised id → one request');
  assert.equal(await a.traceById('abcdef'), t1);
  assert.equal(a.client.requestCount, 1);
  await b.traceById('abcdef');
  assert.equal(b.client.requestCount, 1, 'another connection does not see the first one\'s entries');
  assert.equal(await a.traceById('fedcba'), null);
  assert.equal(await a.traceById('fedcba'), null);
  assert.equal(a.client.requestCount, 3, 'not-found is asked again');
  const tags1 = await a.searchTags('span');
  assert.equal(await a.searchTags('span'), tags1);
  const v = await a.tagValues('resource.service.name');
  assert.equal(await a.tagValues('resource.service.name'), v);
  assert.notEqual(await a.tagValues('span.code.function'), v);
  const info = await a.buildInfo();
  assert.equal(info?.version, '2.7.2');
  const before = a.client.requestCount;
  const end = nowS();
  const params = { q: '{ } | rate()', start: end - 600, end, step: '60s' };
  const m = await a.metricsQueryRange(params);
  assert.equal(await a.metricsQueryRange(params), m);
  assert.equal(a.client.requestCount, before + 1);
});
