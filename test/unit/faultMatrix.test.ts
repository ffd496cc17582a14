// Fault matrix: the Tempo client against a loopback server that misbehaves on purpose. Every fault
// ends in a clear message (asserted) within its time bound; none hangs, none crashes the caller.
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import { test } from 'node:test';
import { main } from '../../src/cli';
import { TempoClient } from '../../src/tempo/client';
import { isTempoError, type TempoErrorKind } from '../../src/tempo/errors';
import { rawServer } from './hostileInputs';

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const TIMEOUT_MS = 1500;

interface Fault {
  readonly name: string;
  readonly handler: http.RequestListener | null;
  readonly kind: TempoErrorKind;
  /** What the person reads: it must say what happened. */
  readonly message: RegExp;
  readonly boundMs: number;
}

const JSON_TYPE = { 'Content-Type': 'application/json' };

const FAULTS: readonly Fault[] = [
  { name: 'down (connection refused)', handler: null, kind: 'refused', message: /refused the connection/, boundMs: 3000 },
  { name: 'slow headers', handler: () => { /* never answers */ }, kind: 'timeout', message: /did not answer \/api\/search within 1\.5 s/, boundMs: TIMEOUT_MS + 2000 },
  {
    name: 'slow body',
    handler: (_req, res) => { res.writeHead(200, JSON_TYPE); res.write('{"traces": ['); },
    kind: 'timeout', message: /did not answer \/api\/search within 1\.5 s/, boundMs: TIMEOUT_MS + 2000,
  },
  {
    name: '429 with a long Retry-After',
    handler: (_req, res) => { res.writeHead(429, { 'Retry-After': '120', 'Content-Type': 'text/plain' }); res.end('rate limited'); },
    kind: 'rateLimited', message: /Tempo is rate limiting requests \(429/, boundMs: 2000,
  },
  {
    name: '503 then still 503 (retries give up)',
    handler: (_req, res) => { res.writeHead(503, { 'Content-Type': 'text/plain' }); res.end('ingester unavailable'); },
    kind: 'server', message: /answered 503 Service Unavailable for \/api\/search: ingester unavailable/, boundMs: TIMEOUT_MS + 2000,
  },
  {
    name: '500 with a text body',
    handler: (_req, res) => { res.writeHead(500, { 'Content-Type': 'text/plain' }); res.end('internal error: boom'); },
    kind: 'server', message: /answered 500 Internal Server Error for \/api\/search: internal error: boom/, boundMs: 2000,
  },
  {
    name: 'truncated body (connection cut mid-JSON)',
    handler: (_req, res) => { res.writeHead(200, { ...JSON_TYPE, 'Content-Length': '1000' }); res.write('{"traces": [{"traceID"', () => res.socket?.destroy()); },
    kind: 'network', message: /was cut off while reading the answer to \/api\/search/, boundMs: TIMEOUT_MS + 2000,
  },
  {
    name: 'malformed JSON',
    handler: (_req, res) => { res.writeHead(200, JSON_TYPE); res.end('{"traces": [}'); },
    kind: 'malformed', message: /answer to \/api\/search is not valid JSON/, boundMs: 2000,
  },
  {
    name: 'huge body (past the size cap)',
    handler: (_req, res) => {
      res.writeHead(200, JSON_TYPE);
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = (): void => { while (!res.destroyed && res.write(chunk)); if (!res.destroyed) res.once('drain', pump); };
      pump();
    },
    kind: 'tooLarge', message: /answer to \/api\/search is over the 1 MiB limit: narrow the time range/, boundMs: TIMEOUT_MS + 2000,
  },
  {
    name: 'redirect to another host',
    handler: (_req, res) => { res.writeHead(302, { Location: 'http://evil.example:8080/login' }); res.end(); },
    kind: 'wrongPath', message: /redirects .*evil\.example|set tempoLens\.url/, boundMs: 2000,
  },
  {
    name: 'HTML login page',
    handler: (_req, res) => { res.writeHead(200, { 'Content-Type': 'text/html' }); res.end('<!DOCTYPE html><html><body><form action="/login">Sign in</form></body></html>'); },
    kind: 'wrongPath', message: /answered with a web page instead of Tempo's API/, boundMs: 2000,
  },
];

for (const f of FAULTS) {
  test(`fault matrix: ${f.name} → ${f.kind} with a clear message`, async () => {
    const srv = f.handler === null ? null : await rawServer(f.handler);
    const url = srv?.url ?? `http://127.0.0.1:${await closedPort()}`;
    const client = new TempoClient(
      { url, auth: 'none', user: '', token: '', tenant: '', headers: {} },
      { timeoutMs: TIMEOUT_MS, connectTimeoutMs: 1000, maxBodyBytes: 1024 * 1024, retries: 1, backoffBaseMs: 50, maxRetryAfterMs: 1000 },
    );
    const t0 = performance.now();
    try {
      await assert.rejects(client.search({ q: '{}', limit: 5 }), (e: unknown) => {
        assert.ok(isTempoError(e), String(e));
        assert.equal(e.kind, f.kind, e.message);
        assert.match(e.message, f.message);
        return true;
      });
      const ms = performance.now() - t0;
      assert.ok(ms < f.boundMs, `${f.name} took ${ms.toFixed(0)} ms (bound ${f.boundMs} ms)`);
    } finally {
      await client.close();
      await srv?.close();
    }
  });
}

test('fault matrix through the CLI: each fault exits 3 with one line on stderr naming the problem', async () => {
  for (const f of FAULTS.filter((x) => x.boundMs <= 2000 && x.handler !== null)) {
    const srv = await rawServer(f.handler as http.RequestListener);
    try {
      let err = '';
      const code = await main(['search', '{}', '--url', srv.url], { stdout: () => {}, stderr: (t) => { err += t; }, env: {} });
      assert.equal(code, 3, `${f.name}: ${err}`);
      assert.match(err, /^tempo-lens: .+\n$/, f.name);
      assert.match(err, f.message, f.name);
    } finally {
      await srv.close();
    }
  }
});
