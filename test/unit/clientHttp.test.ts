// TempoClient over real loopback HTTP against scripted servers: auth, errors, retries, abort, caps, resets, proxies.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as net from 'node:net';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { after, test } from 'node:test';
import { clearCapabilityCache, TempoClient, type ConnectionSettings, type TempoClientOptions } from '../../src/tempo/client';
import { TempoConfigError } from '../../src/tempo/errors';
import { rejectsKind } from './tempoErrorAssert';
import { sharedDispatcherCount } from '../../src/tempo/http';

const FIX = path.resolve(__dirname, '../../../test/fixtures/tempo-real');
const body = (name: string): string => readFileSync(path.join(FIX, `${name}.body`), 'utf8');

interface Recorded {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly atMs: number;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void;

interface Scripted {
  readonly url: string;
  readonly requests: Recorded[];
  close(): Promise<void>;
}

const servers: Scripted[] = [];
const clients: TempoClient[] = [];
after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all(servers.map((s) => s.close()));
});

async function serve(handler: Handler): Promise<Scripted> {
  const requests: Recorded[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, atMs: Date.now() });
    handler(req, res, requests.length);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const s: Scripted = {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        for (const sock of sockets) sock.destroy();
        server.close(() => r());
      }),
  };
  servers.push(s);
  return s;
}

function send(res: http.ServerResponse, status: number, text: string, type = 'application/json', extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text), ...extra });
  res.end(text);
}

/** A Tempo 2.7 stand-in answering from the real recordings. */
function recordedTempo(opts: { v2?: boolean; buildinfo?: boolean } = {}): Handler {
  return (req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const p = u.pathname;
    if (p === '/api/echo') return send(res, 200, 'echo\n', 'text/plain; charset=utf-8');
    if (p === '/api/status/buildinfo') return opts.buildinfo === false ? send(res, 404, '404 page not found\n', 'text/plain') : send(res, 200, body('buildinfo'));
    if (p === '/api/search') return send(res, 200, body('search_traceql_start_end'));
    if (p === '/api/v2/search/tags') return send(res, 200, body('search_tags_v2'));
    if (p === '/api/search/tags') return send(res, 200, body('search_tags_v1'));
    if (p.startsWith('/api/v2/search/tag/')) return send(res, 200, body('tag_values_v2_span.code.function'));
    if (p === '/api/metrics/query_range') return send(res, 200, body('metrics_rate'));
    const v2 = /^\/api\/v2\/traces\/([^/]+)$/.exec(p);
    if (v2 !== null) {
      if (opts.v2 === false) return send(res, 404, '404 page not found\n', 'text/plain');
      return v2[1] === '6b02480d000000000000000000000001' ? send(res, 200, body('trace_v2_child_after_parent')) : send(res, 200, '{"trace":{}}');
    }
    const v1 = /^\/api\/traces\/([^/]+)$/.exec(p);
    if (v1 !== null) {
      return v1[1] === '6b02480d000000000000000000000001' ? send(res, 200, body('trace_v1_child_after_parent')) : send(res, 404, '', 'text/plain');
    }
    return send(res, 404, '404 page not found\n', 'text/plain');
  };
}

function settings(url: string, extra: Partial<ConnectionSettings> = {}): ConnectionSettings {
  return { url, auth: 'none', user: '', token: undefined, tenant: '', headers: {}, ...extra };
}

function client(s: ConnectionSettings, opts: TempoClientOptions = {}): TempoClient {
  const c = new TempoClient(s, { backoffBaseMs: 20, backoffMaxMs: 50, ...opts });
  clients.push(c);
  return c;
}


test('every endpoint: paths, query parameters, validated bodies', async () => {
  clearCapabilityCache();
  const s = await serve(recordedTempo());
  const c = client(settings(s.url));
  const info = await c.buildInfo();
  assert.deepEqual(info, { version: '2.7.2', revision: 'b33945a', branch: 'v2.7.2', goVersion: 'go1.23.5' });
  await c.echo();
  const found = await c.search({ q: '{ span.code.function != nil && duration > 1s }', start: 1795308107.9, end: 1795311767, limit: 20, spss: 50 });
  assert.ok(found.traces.length > 0);
  const tags = await c.searchTags('span');
  assert.ok(tags.scopes.some((x) => x.name === 'span'));
  const values = await c.tagValues('span.code.function', '{ span.code.namespace = "a" }');
  assert.ok(values.tagValues.length > 0);
  const series = await c.metricsQueryRange({ q: '{ } | rate()', start: 1, end: 2, step: 60 });
  assert.ok(series.series.length > 0);
  const urls = s.requests.map((r) => new URL(r.url, 'http://x'));
  const search = urls.find((u) => u.pathname === '/api/search');
  assert.equal(search?.searchParams.get('q'), '{ span.code.function != nil && duration > 1s }');
  assert.equal(search?.searchParams.get('start'), '1795308107');
  assert.equal(search?.searchParams.get('spss'), '50');
  assert.equal(urls.find((u) => u.pathname === '/api/v2/search/tags')?.searchParams.get('scope'), 'span');
  assert.equal(urls.find((u) => u.pathname.startsWith('/api/v2/search/tag/'))?.pathname, '/api/v2/search/tag/span.code.function/values');
  assert.equal(urls.find((u) => u.pathname === '/api/metrics/query_range')?.searchParams.get('step'), '60s');
  assert.ok(s.requests.every((r) => r.headers['authorization'] === undefined && r.headers['x-scope-orgid'] === undefined));
  assert.equal(c.requestCount, s.requests.length);
});

test('testConnection reports version, capabilities, latency; capabilities are cached per connection', async () => {
  clearCapabilityCache();
  const s = await serve(recordedTempo());
  const c = client(settings(s.url));
  const report = await c.testConnection();
  assert.equal(report.version, '2.7.2');
  assert.equal(report.via, 'buildinfo');
  assert.equal(report.capabilities.traceqlMetrics, true);
  assert.ok(report.latencyMs >= 0);
  const before = s.requests.length;
  const other = client(settings(s.url));
  const [a, b] = await Promise.all([other.capabilities(), other.capabilities()]);
  assert.equal(a, b);
  assert.equal(s.requests.length, before, 'same settings → cached capabilities, no request');
  other.noteMetricsUnavailable('metrics generator not configured');
  assert.equal((await c.capabilities()).traceqlMetrics, false);
});

test('without buildinfo: echo probe, v1 traces, unknown metrics', async () => {
  clearCapabilityCache();
  const s = await serve(recordedTempo({ buildinfo: false, v2: false }));
  const c = client(settings(s.url));
  const report = await c.testConnection();
  assert.equal(report.version, null);
  assert.equal(report.via, 'echo');
  assert.equal(report.capabilities.traceqlMetrics, 'unknown');
  assert.equal(await c.buildInfo(), null);
  const t = await c.traceById('6b02480d000000000000000000000001');
  assert.ok(t !== null && typeof t === 'object' && 'batches' in t);
  assert.ok(!s.requests.some((r) => r.url.startsWith('/api/v2/traces')), 'old server: straight to v1');
});

test('trace by id: v2, not-found as null, v2 404 → v1 fallback once, leading zeros padded', async () => {
  clearCapabilityCache();
  const s = await serve(recordedTempo());
  const c = client(settings(s.url));
  const t = await c.traceById('6B02480D000000000000000000000001');
  assert.ok(t !== null && typeof t === 'object' && 'trace' in t);
  assert.equal(await c.traceById('1'), null);
  assert.equal(s.requests.at(-1)?.url, '/api/v2/traces/00000000000000000000000000000001');
  await c.traceById('6b02480d000000000000000000000001', { start: 10, end: 20.5 });
  assert.equal(s.requests.at(-1)?.url, '/api/v2/traces/6b02480d000000000000000000000001?start=10&end=20');
  await rejectsKind(c.traceById('not-a-trace-id'), 'badRequest', /not a trace id/);
  assert.equal(s.requests.length, 3, 'invalid ids are never sent');

  clearCapabilityCache();
  const old = await serve(recordedTempo({ v2: false }));
  const c1 = client(settings(old.url));
  const body1 = await c1.traceById('6b02480d000000000000000000000001');
  assert.ok(body1 !== null && typeof body1 === 'object' && 'batches' in body1);
  assert.deepEqual(
    old.requests.map((r) => r.url),
    ['/api/v2/traces/6b02480d000000000000000000000001', '/api/traces/6b02480d000000000000000000000001'],
  );
  assert.equal(await c1.traceById('abc'), null);
  assert.equal(old.requests.at(-1)?.url, '/api/traces/00000000000000000000000000000abc');
  assert.equal(old.requests.length, 3, 'v2 is not tried again after a 404');
});

test('auth: basic and bearer headers, tenant, extra headers', async () => {
  const s = await serve(recordedTempo());
  await client(settings(s.url, { auth: 'basic', user: '123456', token: 'glc_tok' })).echo();
  assert.equal(s.requests.at(-1)?.headers['authorization'], `Basic ${Buffer.from('123456:glc_tok').toString('base64')}`);
  await client(settings(s.url, { auth: 'bearer', token: 'glsa_tok', tenant: 'team-a|team-b', headers: { 'X-Extra': 'v 1' } })).echo();
  const last = s.requests.at(-1);
  assert.equal(last?.headers['authorization'], 'Bearer glsa_tok');
  assert.equal(last?.headers['x-scope-orgid'], 'team-a|team-b');
  assert.equal(last?.headers['x-extra'], 'v 1');
});

test('bad settings are refused before anything is sent', () => {
  const u = 'http://127.0.0.1:1';
  const cases: Array<[Partial<ConnectionSettings>, RegExp]> = [
    [{ headers: { Authorization: 'Bearer x' } }, /may not set Authorization/],
    [{ headers: { 'proxy-authorization': 'x' } }, /may not set/],
    [{ headers: { 'X-A': 'a\r\nInjected: 1' } }, /line break/],
    [{ headers: { 'bad name': 'x' } }, /not a valid HTTP header name/],
    [{ tenant: 'a\nb' }, /tenant/],
    [{ auth: 'basic', user: 'a:b', token: 't' }, /user/],
    [{ url: 'ftp://x' }, /http:\/\/ or https:\/\//],
    [{ url: 'not a url' }, /not a URL/],
    [{ url: 'http://user:pw@host:3200' }, /not in the URL/],
    [{ tenant: 't', headers: { 'X-Scope-OrgID': 'u' } }, /X-Scope-OrgID/],
  ];
  for (const [extra, re] of cases) {
    assert.throws(
      () => new TempoClient(settings(u, extra)),
      (e: unknown) => e instanceof TempoConfigError && re.test(e.message) && !e.message.includes('pw'),
    );
  }
});

test('401/403/404/HTML/400/429/500/504 map to kinds with readable messages', async () => {
  const token = 'super-secret-token-123';
  const s = await serve((req, res) => {
    const p = new URL(req.url ?? '/', 'http://x').pathname;
    if (p === '/s401/api/echo') return send(res, 401, `unauthorized, you sent Bearer ${token}`, 'text/plain');
    if (p === '/org/api/echo') return send(res, 401, 'no org id\n', 'text/plain');
    if (p === '/s403/api/echo') return send(res, 403, 'forbidden', 'text/plain');
    if (p === '/s404/api/echo') return send(res, 404, '404 page not found\n', 'text/plain');
    if (p === '/html/api/search') return send(res, 200, '<!DOCTYPE html><html><title>Grafana</title></html>', 'text/html; charset=UTF-8');
    if (p === '/html404/api/echo') return send(res, 404, '<html><body>Not found</body></html>', 'text/html');
    if (p === '/s400/api/search') return send(res, 400, body('error_search_malformed_traceql'), 'text/plain; charset=utf-8');
    if (p === '/s400m/api/metrics/query_range') return send(res, 400, body('error_metrics_range_too_long'), 'text/plain; charset=utf-8');
    if (p === '/s429/api/echo') return send(res, 429, 'job queue full', 'text/plain');
    if (p === '/s500/api/echo') return send(res, 500, 'cannot guarantee complete results', 'text/plain');
    if (p === '/s504/api/echo') return send(res, 504, 'context deadline exceeded', 'text/plain');
    if (p.startsWith('/s422/api/v2/traces/')) return send(res, 404, '404 page not found\n', 'text/plain');
    if (p === '/s422/api/traces/00000000000000000000000000000001') return send(res, 422, 'trace exceeds max size', 'text/plain');
    if (p === '/grafana/api/search') return send(res, 200, '[{"id":1,"title":"dash"}]');
    if (p === '/redirect/api/echo') return send(res, 302, '<a href="/login">Found</a>', 'text/html', { location: 'https://grafana.example.com/login' });
    return send(res, 500, 'unexpected', 'text/plain');
  });
  const opts = { retries: 0 };
  const e401 = await rejectsKind(client(settings(`${s.url}/s401`, { auth: 'bearer', token }), opts).echo(), 'auth', /401 Unauthorized: check the token \(Tempo Lens: Configure Connection\)/);
  assert.equal(e401.status, 401);
  assert.ok(!e401.message.includes(token) && !(e401.body ?? '').includes(token), 'token never echoed back');
  assert.ok(!JSON.stringify(e401).includes(token));
  await rejectsKind(client(settings(`${s.url}/s401`, { auth: 'basic', user: 'u', token: undefined }), opts).echo(), 'auth', /no token is stored/);
  await rejectsKind(client(settings(`${s.url}/org`), opts).echo(), 'auth', /tempoLens\.tenant/);
  await rejectsKind(client(settings(`${s.url}/s403`, { auth: 'bearer', token }), opts).echo(), 'forbidden', /403 Forbidden/);
  await rejectsKind(client(settings(`${s.url}/s404`), opts).echo(), 'wrongPath', /has no \/api\/echo/);
  await rejectsKind(client(settings(`${s.url}/html`), opts).search({ q: '{}' }), 'wrongPath', /web page instead of Tempo's API/);
  await rejectsKind(client(settings(`${s.url}/html404`), opts).echo(), 'wrongPath', /datasources\/proxy\/uid/);
  const e400 = await rejectsKind(client(settings(`${s.url}/s400`), opts).search({ q: '{ span.code.function = }' }), 'badRequest');
  assert.equal(e400.message, 'Tempo rejected the TraceQL query at line 1, col 24: syntax error: unexpected }');
  assert.deepEqual(e400.traceqlPosition, { line: 1, column: 24 });
  assert.equal(e400.body, body('error_search_malformed_traceql').trim());
  const e400m = await rejectsKind(client(settings(`${s.url}/s400m`), opts).metricsQueryRange({ q: 'x', start: 1, end: 2 }), 'badRequest', /exceeds 24h0m0s/);
  assert.equal(e400m.traceqlPosition, undefined);
  await rejectsKind(client(settings(`${s.url}/s429`), opts).echo(), 'rateLimited', /rate limiting.*job queue full/);
  const e500 = await rejectsKind(client(settings(`${s.url}/s500`), opts).echo(), 'server', /500 Internal Server Error.*cannot guarantee/);
  assert.equal(e500.status, 500);
  await rejectsKind(client(settings(`${s.url}/s504`), opts).echo(), 'server', /timed out.*504/);
  await rejectsKind(client(settings(`${s.url}/s422`), opts).traceById('1'), 'tooLarge', /too large/);
  await rejectsKind(client(settings(`${s.url}/grafana`), opts).search({ q: '{}' }), 'malformed', /Grafana's own search API/);
  await rejectsKind(client(settings(`${s.url}/redirect`), opts).echo(), 'wrongPath', /redirects \/api\/echo to https:\/\/grafana\.example\.com\/login \(302\)/);
});

test('malformed JSON, wrong shape, truncated and oversized bodies', async () => {
  const big = JSON.stringify({ traces: [], pad: 'x'.repeat(200_000) });
  const s = await serve((req, res) => {
    const p = new URL(req.url ?? '/', 'http://x').pathname;
    if (p === '/bad/api/search') return send(res, 200, '{"traces":[{"traceID":');
    if (p === '/shape/api/search') return send(res, 200, '{"traces":[{"traceID":7}]}');
    if (p === '/trunc/api/search') {
      // Promise more than we send, then drop the connection.
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '5000' });
      res.write('{"traces":[');
      setTimeout(() => res.socket?.destroy(), 20);
      return;
    }
    if (p === '/big/api/search') return send(res, 200, big);
    if (p === '/bigchunked/api/search') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(big.slice(0, 100_000));
      res.end(big.slice(100_000));
      return;
    }
    return send(res, 404, '', 'text/plain');
  });
  await rejectsKind(client(settings(`${s.url}/bad`)).search({ q: '{}' }), 'malformed', /not valid JSON/);
  await rejectsKind(client(settings(`${s.url}/shape`)).search({ q: '{}' }), 'malformed', /traces\[0\]\.traceID/);
  await rejectsKind(client(settings(`${s.url}/trunc`)).search({ q: '{}' }), 'network', /cut off/);
  await rejectsKind(client(settings(`${s.url}/big`), { maxBodyBytes: 100_000 }).search({ q: '{}' }), 'tooLarge', /over the 97\.7 KiB limit/);
  await rejectsKind(client(settings(`${s.url}/bigchunked`), { maxBodyBytes: 100_000 }).search({ q: '{}' }), 'tooLarge', /limit/);
  const ok = await client(settings(`${s.url}/big`)).search({ q: '{}' });
  assert.deepEqual(ok.traces, []);
});

test('retries 503 with Retry-After (seconds and HTTP date) and honours the wait', async () => {
  const s = await serve((_req, res, n) => {
    if (n === 1) return send(res, 503, 'busy', 'text/plain', { 'retry-after': '1' });
    if (n === 2) return send(res, 429, 'job queue full', 'text/plain', { 'retry-after': new Date(Date.now() + 2000).toUTCString() });
    return send(res, 200, 'echo\n', 'text/plain');
  });
  const c = client(settings(s.url), { retries: 3 });
  await c.echo();
  assert.equal(s.requests.length, 3);
  assert.equal(c.requestCount, 3);
  const [a, b, d] = s.requests.map((r) => r.atMs) as [number, number, number];
  assert.ok(b - a >= 1000, `second request ${b - a} ms after the first, Retry-After said 1 s`);
  // An HTTP date has 1 s resolution: the wait is at least 1 s.
  assert.ok(d - b >= 1000, `third request ${d - b} ms after the second`);
});

test('no retry on 4xx other than 429; retries exhausted surface the last error; long Retry-After not waited', async () => {
  const s = await serve((req, res) => {
    const p = new URL(req.url ?? '/', 'http://x').pathname;
    if (p === '/s400/api/echo') return send(res, 400, 'bad', 'text/plain');
    if (p === '/s502/api/echo') return send(res, 502, 'bad gateway', 'text/plain');
    if (p === '/long/api/echo') return send(res, 429, 'slow down', 'text/plain', { 'retry-after': '3600' });
    return send(res, 404, '', 'text/plain');
  });
  const c400 = client(settings(`${s.url}/s400`), { retries: 3 });
  await rejectsKind(c400.echo(), 'badRequest');
  assert.equal(c400.requestCount, 1);
  const c502 = client(settings(`${s.url}/s502`), { retries: 2 });
  await rejectsKind(c502.echo(), 'server', /502 Bad Gateway/);
  assert.equal(c502.requestCount, 3);
  const cLong = client(settings(`${s.url}/long`), { retries: 2, maxRetryAfterMs: 5000 });
  const e = await rejectsKind(cLong.echo(), 'rateLimited');
  assert.equal(e.retryAfterSeconds, 3600);
  assert.equal(cLong.requestCount, 1);
});

test('connection reset before any byte is retried; refused and DNS map to kinds', async () => {
  const s = await serve((req, res, n) => {
    if (n === 1) {
      req.socket.destroy();
      return;
    }
    send(res, 200, 'echo\n', 'text/plain');
  });
  const c = client(settings(s.url), { retries: 2 });
  await c.echo();
  assert.equal(s.requests.length, 2);
  const noRetry = await serve((req) => req.socket.destroy());
  await rejectsKind(client(settings(noRetry.url), { retries: 0 }).echo(), 'network', /reset|failed/);

  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const freePort = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  await rejectsKind(client(settings(`http://127.0.0.1:${freePort}`)).echo(), 'refused', new RegExp(`Tempo at http://127.0.0.1:${freePort} refused the connection`));
  await rejectsKind(client(settings('http://tempo-lens-test.invalid:3200')).echo(), 'dns', /could not be resolved/);
});

test('abort mid-request stops promptly with kind aborted; the deadline gives kind timeout', async () => {
  const s = await serve((req, res) => {
    const p = new URL(req.url ?? '/', 'http://x').pathname;
    const t = setTimeout(() => send(res, 200, 'echo\n', 'text/plain'), 10_000);
    res.on('close', () => clearTimeout(t));
    if (p === '/body/api/search') {
      clearTimeout(t);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"traces":[');
      // never finishes
    }
  });
  const c = client(settings(s.url));
  const ctl = new AbortController();
  const p = c.echo(ctl.signal);
  setTimeout(() => ctl.abort(), 50);
  await rejectsKind(p, 'aborted', /cancelled/);
  const ctl2 = new AbortController();
  const p2 = client(settings(`${s.url}/body`)).search({ q: '{}' }, ctl2.signal);
  setTimeout(() => ctl2.abort(), 100);
  await rejectsKind(p2, 'aborted');
  const pre = new AbortController();
  pre.abort();
  const before = s.requests.length;
  await rejectsKind(c.echo(pre.signal), 'aborted');
  assert.equal(s.requests.length, before, 'an already-aborted signal sends nothing');
  await rejectsKind(client(settings(s.url), { timeoutMs: 150 }).echo(), 'timeout', /did not answer \/api\/echo within 150 ms/);
});

test('abort during a Retry-After wait cancels the wait', async () => {
  const s = await serve((_req, res) => send(res, 503, 'busy', 'text/plain', { 'retry-after': '10' }));
  const c = client(settings(s.url), { retries: 3 });
  const ctl = new AbortController();
  const p = c.echo(ctl.signal);
  setTimeout(() => ctl.abort(), 100);
  await rejectsKind(p, 'aborted');
  assert.equal(s.requests.length, 1);
});

test('path prefix and Grafana data-source proxy: paths joined, tag names double-encoded', async () => {
  const tempo = await serve(recordedTempo());
  // A tiny Grafana-like proxy: strips the data-source prefix, decodes the path once, forwards.
  const prefix = '/api/datasources/proxy/uid/tempo-uid';
  const seen: string[] = [];
  const proxy = await serve((req, res) => {
    const raw = req.url ?? '/';
    seen.push(raw);
    if (!raw.startsWith(prefix)) return send(res, 404, '<html>grafana</html>', 'text/html');
    const rest = raw.slice(prefix.length);
    const q = rest.indexOf('?');
    const forwardedPath = decodeURIComponent(q < 0 ? rest : rest.slice(0, q)) + (q < 0 ? '' : rest.slice(q));
    const up = http.request(`${tempo.url}${forwardedPath}`, { headers: { 'x-scope-orgid': 'from-grafana' } }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.end();
  });
  const c = client(settings(`${proxy.url}${prefix}/`, { auth: 'bearer', token: 'glsa_x' }));
  await c.tagValues('span.http route/a');
  assert.equal(seen.at(-1), `${prefix}/api/v2/search/tag/span.http%2520route%252Fa/values`);
  assert.equal(tempo.requests.at(-1)?.url, '/api/v2/search/tag/span.http%20route%2Fa/values', 'Tempo sees single encoding');
  await c.search({ q: '{}', limit: 5 });
  assert.equal(tempo.requests.at(-1)?.url, '/api/search?q=%7B%7D&limit=5');
  const direct = client(settings(`${tempo.url}/`));
  await direct.tagValues('span.http route/a');
  assert.equal(tempo.requests.at(-1)?.url, '/api/v2/search/tag/span.http%20route%2Fa/values');
  const wrong = client(settings(`${proxy.url}/grafana-root`), { retries: 0 });
  await rejectsKind(wrong.echo(), 'wrongPath');
});

test('HTTP proxy from settings and from HTTP_PROXY env; NO_PROXY bypasses it', async () => {
  const tempo = await serve(recordedTempo());
  const proxied: string[] = [];
  const proxyServer = http.createServer((_req, res) => send(res, 502, 'proxy: plain requests not supported', 'text/plain'));
  proxyServer.on('connect', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    proxied.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const up = net.connect(Number(port), host ?? '127.0.0.1', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
  });
  const sockets = new Set<net.Socket>();
  proxyServer.on('connection', (sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
  });
  await new Promise<void>((r) => proxyServer.listen(0, '127.0.0.1', r));
  const proxyUrl = `http://127.0.0.1:${(proxyServer.address() as AddressInfo).port}`;
  try {
    const viaSetting = client(settings(tempo.url, { proxy: proxyUrl }));
    await viaSetting.echo();
    assert.equal(proxied.length, 1);
    assert.equal(proxied[0], new URL(tempo.url).host);
    await viaSetting.close();
    const viaEnv = client(settings(tempo.url), { env: { HTTP_PROXY: proxyUrl } });
    await viaEnv.echo();
    assert.equal(proxied.length, 2);
    await viaEnv.close();
    const bypass = client(settings(tempo.url), { env: { HTTP_PROXY: proxyUrl, NO_PROXY: '127.0.0.1' } });
    await bypass.echo();
    assert.equal(proxied.length, 2, 'NO_PROXY host goes direct');
  } finally {
    for (const sock of sockets) sock.destroy();
    await new Promise<void>((r) => proxyServer.close(() => r()));
  }
});

test('one keep-alive pool per origin shared by clients; released on the last close', async () => {
  const s = await serve(recordedTempo());
  const ports = new Set<number>();
  const s2 = await serve((req, res) => {
    ports.add(req.socket.remotePort ?? 0);
    send(res, 200, 'echo\n', 'text/plain');
  });
  const before = sharedDispatcherCount();
  const a = new TempoClient(settings(s2.url));
  const b = new TempoClient(settings(s2.url, { tenant: 'other' }));
  for (let i = 0; i < 5; i++) {
    await a.echo();
    await b.echo();
  }
  assert.equal(sharedDispatcherCount(), before + 1, 'same origin + TLS options → one dispatcher');
  assert.ok(ports.size < 10, `10 sequential calls reuse keep-alive connections (${ports.size} used)`);
  await a.close();
  assert.equal(sharedDispatcherCount(), before + 1);
  await b.close();
  assert.equal(sharedDispatcherCount(), before);
  await rejectsKind(a.echo(), 'aborted', /closed/);
  void s;
});

test('TLS: untrusted certificate → kind tls; custom CA trusts it; strictSSL false accepts it', async () => {
  const tlsDir = path.resolve(__dirname, '../../../test/fixtures/tls');
  const cert = readFileSync(path.join(tlsDir, 'localhost-test.cert.pem'), 'utf8');
  const key = readFileSync(path.join(tlsDir, 'localhost-test.key.pem'), 'utf8');
  const server = https.createServer({ cert, key }, (_req, res) => send(res, 200, 'echo\n', 'text/plain'));
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    await rejectsKind(client(settings(url), { retries: 0 }).echo(), 'tls', /TLS connection to Tempo at https:\/\/127\.0\.0\.1:\d+ failed \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\)/);
    await client(settings(url, { ca: cert })).echo();
    await client(settings(url, { strictSSL: false })).echo();
    // Plain HTTP to a TLS port and TLS to a plain port are both reported, not hung.
    const plain = await serve((_req, res) => send(res, 200, 'echo\n', 'text/plain'));
    await rejectsKind(client(settings(plain.url.replace('http:', 'https:')), { retries: 0 }).echo(), 'tls');
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('gzip answers are decoded; the size cap applies to decoded bytes; corrupt gzip is malformed', async () => {
  const searchBody = body('search_traceql_start_end');
  const bomb = zlib.gzipSync(JSON.stringify({ traces: [], pad: ' '.repeat(5_000_000) }));
  const s = await serve((req, res) => {
    const p = new URL(req.url ?? '/', 'http://x').pathname;
    const gz = (buf: Buffer): void => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': buf.length });
      res.end(buf);
    };
    if (!/\bgzip\b/.test(String(req.headers['accept-encoding']))) return send(res, 500, 'client did not ask for gzip', 'text/plain');
    if (p === '/ok/api/search') return gz(zlib.gzipSync(searchBody));
    if (p === '/bomb/api/search') return gz(bomb);
    if (p === '/corrupt/api/search') return gz(Buffer.from('this is not gzip at all'));
    if (p === '/err/api/search') {
      const b = zlib.gzipSync(body('error_search_malformed_traceql'));
      res.writeHead(400, { 'content-type': 'text/plain', 'content-encoding': 'gzip', 'content-length': b.length });
      return res.end(b);
    }
    return send(res, 404, '', 'text/plain');
  });
  const ok = await client(settings(`${s.url}/ok`)).search({ q: '{}' });
  assert.equal(JSON.stringify(ok), JSON.stringify(JSON.parse(searchBody)));
  assert.ok(bomb.length < 100_000);
  await rejectsKind(client(settings(`${s.url}/bomb`), { maxBodyBytes: 1_000_000 }).search({ q: '{}' }), 'tooLarge');
  await rejectsKind(client(settings(`${s.url}/corrupt`)).search({ q: '{}' }), 'malformed', /could not be decompressed/);
  const e = await rejectsKind(client(settings(`${s.url}/err`)).search({ q: '{' }), 'badRequest', /line 1, col 24/);
  assert.equal(e.body, body('error_search_malformed_traceql').trim());
});
