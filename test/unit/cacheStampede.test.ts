// Cache-stampede detector on synthetic traces (code-attributes.md §5b).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cacheStampedeInsight, cacheStampedeMessage, detectCacheStampedes, normaliseStatement, statementLabel } from '../../src/core/insights/cacheStampede';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { collectSpans, groupByTrace } from '../../src/core/otlp';
import type { Span, Trace } from '../../src/shared/model';
import { code, trace, type SpanSpec } from './insightsTraces';

const root = path.resolve(__dirname, '../../..');
const SQL = 'SELECT rate, updated_at FROM fx_rates WHERE ccy = ?';

/** One request: GET /rates → RatesService.rates (the cached method) → optional DB load. */
function request(key: string, start: number, opts: { load?: { dur: number; sql?: string }; wait?: number } = {}): Trace {
  const dur = opts.load?.dur ?? opts.wait ?? 5;
  const specs: SpanSpec[] = [
    { id: 'srv', name: 'GET /rates', kind: 'server', start, end: start + dur + 4 },
    { id: 'ctl', parent: 'srv', name: 'RatesController.get', start: start + 1, end: start + dur + 3, attrs: code('com.acme.fx.RatesController', 'get') },
    { id: 'svc', parent: 'ctl', name: 'RatesService.rates', start: start + 2, end: start + dur + 2, attrs: code('com.acme.fx.RatesService', 'rates') },
  ];
  if (opts.load !== undefined) {
    specs.push({
      id: 'db',
      parent: 'svc',
      name: 'SELECT fx.fx_rates',
      kind: 'client',
      start: start + 2,
      end: start + 2 + opts.load.dur,
      attrs: { 'db.system': 'postgresql', 'db.namespace': 'fx', 'db.query.text': opts.load.sql ?? SQL },
    });
  }
  return trace(key, specs);
}

/** A cache-hit request between bursts (no DB child). */
function hit(key: string, start: number): Trace {
  return request(key, start);
}

test('§5b-1: 20 traces within 300 ms each run the same 800 ms SELECT, every 60 s ± 1 s → periodic stampede, TTL ≈ 60 s, 19 redundant', () => {
  const traces: Trace[] = [];
  const burstStarts = [0, 60_800, 119_400, 180_500, 240_000];
  burstStarts.forEach((b, n) => {
    for (let i = 0; i < 20; i++) traces.push(request(`b${n}-${i}`, b + i * 15, { load: { dur: 800 } }));
    for (let i = 0; i < 10; i++) traces.push(hit(`h${n}-${i}`, b + 5000 + i * 4000));
  });
  const report = detectCacheStampedes(traces);
  assert.equal(report.findings.length, 1, report.findings.map((f) => f.message).join('\n'));
  const f = report.findings[0]!;
  assert.equal(f.kind, 'stampede');
  assert.equal(f.severity, 'high');
  assert.equal(f.codeRef.namespace, 'com.acme.fx.RatesService');
  assert.equal(f.codeRef.function, 'rates');
  assert.equal(f.label, 'SELECT … FROM fx_rates');
  assert.equal(f.bursts, 5);
  assert.equal(f.maxExecutions, 20);
  assert.equal(f.redundantPerBurst, 19);
  assert.ok(f.periodMs !== null && Math.abs(f.periodMs - 60_000) <= 1000, String(f.periodMs));
  assert.equal(f.peakConcurrency, 20);
  assert.equal(f.windowMs, 1600);
  assert.equal(f.message, '20 concurrent executions of SELECT … FROM fx_rates within 285 ms (20 at once), ~every 1 min, in 5 bursts of 20, 20, 20, 20 and 20 calls among 150 traces; the cache expires and every request reloads it');
  assert.equal(cacheStampedeInsight(f).kind, 'cache-stampede');
  assert.equal(f.exampleTraceIds.length, 5);
});

test('§5b-2: 20 executions ≥ 3 s apart over 60 s, never overlapping → no finding', () => {
  const traces = Array.from({ length: 20 }, (_, i) => request(`s${i}`, i * 3100, { load: { dur: 800 } }));
  assert.deepEqual(detectCacheStampedes(traces).findings, []);
});

test('§5b-3: overlapping executions with 20 different keys → hot-set reload, low severity', () => {
  const traces = Array.from({ length: 20 }, (_, i) => request(`k${i}`, i * 10, { load: { dur: 800, sql: `SELECT rate FROM fx_rates WHERE ccy = 'C${i}'` } }));
  const report = detectCacheStampedes(traces);
  assert.equal(report.findings.length, 1);
  const f = report.findings[0]!;
  assert.equal(f.kind, 'hot-set-reload');
  assert.equal(f.severity, 'low');
  assert.equal(f.redundantPerBurst, 0);
  assert.match(f.message, /for 20 different keys.*single-flight per key would not help/);
});

test('§5b-4: one DB execution per burst while 19 sibling traces wait in the cached method → no finding', () => {
  const traces: Trace[] = [];
  for (const b of [0, 60_000, 120_000]) {
    traces.push(request(`load${b}`, b, { load: { dur: 800 } }));
    for (let i = 1; i < 20; i++) traces.push(request(`wait${b}-${i}`, b + i * 15, { wait: 800 - i * 15 }));
  }
  assert.deepEqual(detectCacheStampedes(traces).findings, []);
});

test('steady overlapping load at the baseline rate is not a burst (≥ 10× baseline required)', () => {
  // 5 per second for 10 min, each 800 ms: always ~4 concurrent, never above the baseline.
  const traces = Array.from({ length: 3000 }, (_, i) => request(`steady${i}`, i * 200, { load: { dur: 800 } }));
  assert.deepEqual(detectCacheStampedes(traces).findings, []);
});

test('HTTP key fetches are fingerprinted by method + url.template and attributed to the calling method', () => {
  const traces = Array.from({ length: 8 }, (_, i) =>
    trace(`jw${i}`, [
      { id: 'srv', name: 'GET /token', kind: 'server', start: i * 20, end: i * 20 + 900 },
      { id: 'svc', parent: 'srv', name: 'JwksProvider.keys', start: i * 20 + 1, end: i * 20 + 890, attrs: code('com.acme.auth.JwksProvider', 'keys') },
      { id: 'http', parent: 'svc', name: 'GET', kind: 'client', start: i * 20 + 2, end: i * 20 + 880, attrs: { 'http.request.method': 'GET', 'url.full': 'https://idp.example.com/.well-known/jwks.json', 'server.address': 'idp.example.com' } },
    ]),
  );
  const [f] = detectCacheStampedes(traces).findings;
  assert.ok(f);
  assert.equal(f.label, 'GET /.well-known/jwks.json');
  assert.equal(f.codeRef.function, 'keys');
  assert.equal(f.periodMs, null);
  assert.equal(f.redundantPerBurst, 7);
  assert.match(f.message, /^8 concurrent executions of GET \/\.well-known\/jwks\.json within 140 ms \(8 at once\), in 1 burst among 8 traces; concurrent cache misses each reload it$/);
});

test('statement normalisation strips literals and folds IN lists', () => {
  const n = normaliseStatement("select *  from jwks where kid = 'abc' and n in (1, 2, 3) limit 10");
  assert.equal(n.text, 'select * from jwks where kid = ? and n in (?) limit ?');
  assert.deepEqual(n.literals, ["'abc'", '1', '2', '3', '10']);
  assert.equal(statementLabel(n.text), 'SELECT … FROM jwks');
  assert.equal(statementLabel('UPDATE tokens SET x = ?'), 'UPDATE tokens …');
});

test('message with the numbers of the incident', () => {
  assert.equal(
    cacheStampedeMessage({ kind: 'stampede', maxExecutions: 12, label: 'SELECT … FROM jwks', burstSpreadMs: 300, peakConcurrency: 12, periodMs: 86_400_000, bursts: 3 }),
    '12 concurrent executions of SELECT … FROM jwks within 300 ms (12 at once), ~every 24 h, in 3 bursts; the cache expires and every request reloads it',
  );
});

test('sample workspace spring-token: the 24 h JWKS expiry stampede is attributed to the @Cacheable TokenService.getJwks', () => {
  const body = JSON.parse(readFileSync(path.join(root, 'test/fixtures/workspaces/spring-token/.tempo-lens/traces/jwks-stampede.json'), 'utf8')) as { resourceSpans: unknown[] };
  const spans: Span[] = [];
  collectSpans(body.resourceSpans, spans);
  const report = detectCacheStampedes(groupByTrace(spans));
  assert.equal(report.findings.length, 1, report.findings.map((f) => f.message).join('\n'));
  const f = report.findings[0]!;
  // getJwks runs only on a miss (its body is behind the cache), while its caller TokenController.jwks
  // also runs on every hit: that boundary names the method owning the cache, not the repository below.
  assert.equal(f.codeRef.namespace, 'com.acme.token.TokenService');
  assert.equal(f.codeRef.function, 'getJwks');
  assert.equal(f.callerRef?.function, 'jwks');
  assert.equal(f.service, 'token-service');
  assert.equal(f.bursts, 3);
  assert.equal(f.maxExecutions, 12);
  assert.ok(f.periodMs !== null && Math.abs(f.periodMs - 86_400_000) < 10_000);
  assert.equal(f.redundantPerBurst, 11);
  assert.match(f.message, /^12 concurrent executions of SELECT … FROM jwks within \d+ ms \(12 at once\), ~every 24 h, in 3 bursts of 12, 12 and 12 calls among 105 traces; the cache expires and every request reloads it$/);
});
