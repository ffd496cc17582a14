// Findings land on the method whose code the fix changes; the caller that gave up and the caller of the cached method get a "related" line only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectCacheStampedes } from '../../src/core/insights/cacheStampede';
import { detectCallerTimeouts } from '../../src/core/insights/callerTimeout';
import { functionKey } from '../../src/core/stats';
import type { CodeRef, Trace } from '../../src/shared/model';
import { FindingsCollector } from '../../src/tempo/insightsSource';
import { code, trace } from './insightsTraces';

const TOKEN = 'com.acme.token.TokenService';
const ref = (namespace: string, fn: string): CodeRef => ({ namespace, function: fn, filePath: null, line: null });

/** GET /token → getToken → (on a miss) getJwks → SELECT: every trace of the sample is a miss, as in a sample of slow traces. */
function missTraces(n: number): Trace[] {
  return Array.from({ length: n }, (_, i) =>
    trace(`miss${i}`, [
      { id: 'srv', name: 'GET /token', kind: 'server', start: i * 30, end: i * 30 + 2100, attrs: { 'http.route': '/token' } },
      { id: 'tok', parent: 'srv', name: 'TokenService.getToken', start: i * 30 + 1, end: i * 30 + 2090, attrs: code(TOKEN, 'getToken') },
      { id: 'jw', parent: 'tok', name: 'TokenService.getJwks', start: i * 30 + 2, end: i * 30 + 2050, attrs: code(TOKEN, 'getJwks') },
      { id: 'db', parent: 'jw', name: 'SELECT signing_keys', kind: 'client', start: i * 30 + 3, end: i * 30 + 2040, attrs: { 'db.system': 'postgresql', 'db.statement': 'SELECT kid, jwk FROM signing_keys' } },
    ]),
  );
}

test('stampede: on the cached getJwks, not on getToken, its caller — even when every sampled trace is a miss', () => {
  const report = detectCacheStampedes(missTraces(8));
  assert.deepEqual(report.findings.map((f) => [f.codeRef.function, f.callerRef?.function]), [['getJwks', 'getToken']]);
  const c = new FindingsCollector();
  c.analyse(missTraces(8));
  assert.equal(c.findings.get(functionKey(ref(TOKEN, 'getJwks'), 'token-service'))?.cacheStampede?.codeRef.function, 'getJwks');
  const caller = c.findings.get(functionKey(ref(TOKEN, 'getToken'), 'token-service'));
  assert.ok(caller);
  assert.deepEqual(caller.insights, [], 'no finding, hence no diagnostic');
  assert.match(caller.related ?? '', /^related: cache-stampede in com\.acme\.token\.TokenService\.getJwks \(token-service\), called from here$/);
});

test('stampede: a loader method span with no DB span below is the owner itself (a code-only fingerprint)', () => {
  const traces = Array.from({ length: 8 }, (_, i) =>
    trace(`ld${i}`, [
      { id: 'srv', name: 'GET /token', kind: 'server', start: i * 20, end: i * 20 + 1500, attrs: code(TOKEN, 'getToken') },
      { id: 'jw', parent: 'srv', name: 'JwksLoader.load', start: i * 20 + 1, end: i * 20 + 1400, attrs: code('com.acme.token.JwksLoader', 'load') },
    ]),
  );
  assert.deepEqual(detectCacheStampedes(traces).findings.map((f) => f.codeRef.function), ['load']);
});

/** Gateway (504 at 5 s) → its client call `refresh` times out → token-service refreshToken runs 20 s → findToken's SELECT runs on. */
function timeoutTraces(n: number, serverMs = 20_000): Trace[] {
  return Array.from({ length: n }, (_, i) =>
    trace(`to${i}`, [
      { id: 'gw', name: 'GET /api/session', kind: 'server', start: 0, end: 5004, status: 'error', message: 'upstream request timeout', service: 'gateway', instance: 'gw-1', attrs: { 'http.response.status_code': 504 } },
      { id: 'k', parent: 'gw', name: 'POST', kind: 'client', start: 1, end: 5001, status: 'error', message: 'java.net.http.HttpTimeoutException: request timed out', service: 'gateway', instance: 'gw-1', attrs: code('com.acme.gateway.TokenClient', 'refresh', { 'http.request.method': 'POST', 'url.full': 'http://token-service/token/refresh' }) },
      { id: 's', parent: 'k', name: 'POST /token/refresh', kind: 'server', start: 3, end: 3 + serverMs, attrs: code(TOKEN, 'refreshToken'), instance: 'tok-1' },
      { id: 'db', parent: 's', name: 'SELECT tokens', kind: 'client', start: 5, end: serverMs - 10, attrs: code('com.acme.token.TokenRepository', 'findToken', { 'db.system': 'postgresql', 'db.statement': 'SELECT * FROM tokens FOR UPDATE' }), instance: 'tok-1' },
    ], 1_800_000_000_000 + i * 60_000),
  );
}

test('caller-timeout: on the token-service methods that ran on, never on the gateway method whose call timed out', () => {
  const report = detectCallerTimeouts(timeoutTraces(3));
  assert.deepEqual(report.findings.map((f) => `${f.codeRef.function}/${f.role}`).sort(), ['findToken/outbound-call', 'refreshToken/handler']);
  assert.ok(report.findings.every((f) => f.callerRef?.function === 'refresh' && f.callerService === 'gateway'));
  const c = new FindingsCollector();
  c.analyse(timeoutTraces(3));
  const gw = c.findings.get(functionKey(ref('com.acme.gateway.TokenClient', 'refresh'), 'gateway'));
  assert.ok(gw);
  assert.deepEqual(gw.insights, []);
  assert.match(gw.related ?? '', /^related: caller-timeout on com\.acme\.token\.TokenService\.refreshToken \(token-service\): it ran on after this method gave up; caller-timeout on com\.acme\.token\.TokenRepository\.findToken/);
});

test('caller-timeout: the gateway span ending 1–2 ms after the gateway request (clock resolution) is no finding', () => {
  // The server side ends before the timeout: nothing ran on; only the gateway's own spans are 1–2 ms apart.
  const traces = timeoutTraces(6, 4000).map((t) => ({ ...t, spans: t.spans.map((s) => (s.name === 'POST' ? { ...s, endMs: s.endMs + 5 } : s)) }));
  assert.deepEqual(detectCallerTimeouts(traces).findings, []);
});
