// Caller-timeout detector on synthetic traces (code-attributes.md §5a) and on the real Tempo recordings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  callerTimeoutInsight,
  callerTimeoutMessage,
  detectCallerTimeouts,
  inferCallerLimits,
  skewMs,
  suggestTimeoutMs,
  type CallerTimeoutFinding,
} from '../../src/core/insights/callerTimeout';
import { detectCacheStampedes } from '../../src/core/insights/cacheStampede';
import { collectSpans, groupByTrace, parseTraceBody } from '../../src/core/otlp';
import type { Span } from '../../src/shared/model';
import { code, trace, type SpanSpec } from './insightsTraces';

const root = path.resolve(__dirname, '../../..');

function gatewayTrace(key: string, serverEnd: number, opts: { instance?: boolean; dbStarts?: number[]; status?: number } = {}) {
  const inst = opts.instance === true ? { instance: 'pod-1' } : {};
  const specs: SpanSpec[] = [
    { id: 'edge', name: 'GET /api/token', kind: 'server', start: 0, end: 5000, status: 'error', service: 'gateway', attrs: { 'http.response.status_code': opts.status ?? 504 }, ...inst },
    { id: 'k', parent: 'edge', name: 'GET', kind: 'client', start: 0, end: 5000, status: 'error', service: 'gateway', ...inst },
    { id: 's', parent: 'k', name: 'GET /token', kind: 'server', start: 10, end: serverEnd, service: 'token-service', ...inst },
    { id: 'h', parent: 's', name: 'TokenService.getToken', start: 20, end: serverEnd - 10, attrs: code('com.acme.token.TokenService', 'getToken'), ...inst },
  ];
  (opts.dbStarts ?? []).forEach((st, i) => {
    specs.push({ id: `db${i}`, parent: 'h', name: 'SELECT tokens', kind: 'client', start: st, end: Math.min(serverEnd - 20, st + 120_000), attrs: { 'db.system': 'postgresql' }, ...inst });
  });
  return trace(key, specs);
}

function find(findings: readonly CallerTimeoutFinding[], fn: string, role: CallerTimeoutFinding['role']): CallerTimeoutFinding | undefined {
  return findings.find((f) => f.codeRef.function === fn && f.role === role);
}

test('§5a-1: gateway CLIENT 5 s 504, server runs to 185 s, DB calls start at 30 s and 60 s → O2 high, 2 late starts, tail ≈ 180 s', () => {
  // One trace: the significance floor (≥ 2 traces) is lowered to look at the mechanics alone.
  const report = detectCallerTimeouts([gatewayTrace('t1', 185_000, { dbStarts: [30_000, 60_000] })], { minTraces: 1 });
  const h = find(report.findings, 'getToken', 'handler');
  assert.ok(h, 'handler finding');
  assert.equal(h.rules[0], 'client-timeout');
  assert.equal(h.lateStarts, 2);
  assert.equal(h.severity, 'high');
  assert.equal(h.callerLimitMs, 5000);
  assert.ok(Math.abs(h.maxOverrunMs - 180_000) < 100, `tail ${h.maxOverrunMs}`);
  assert.equal(h.tracesAffected, 1);
  assert.equal(h.tracesExamined, 1);
  assert.match(h.message, /^kept running after its caller gave up at 5 s in 1 of 1 sampled traces that ran it \(overrun 3 min\); 2 calls started after the caller had already given up$/);
  assert.equal(detectCallerTimeouts([gatewayTrace('t1', 185_000, { dbStarts: [30_000, 60_000] })]).findings.length, 0, 'one trace is below the default floor of 2');
  // The gateway's own call gave up: it is the caller, related at most, never a finding.
  assert.equal(h.callerRef, null, 'the gateway CLIENT span carries no code here');
  // The DB calls made by getToken are the outbound calls that need the timeout.
  const call = find(report.findings, 'getToken', 'outbound-call');
  assert.ok(call);
  assert.equal(callerTimeoutInsight(h).kind, 'caller-timeout');
  assert.deepEqual(callerTimeoutInsight(h).traceIds, [report.findings[0]?.exampleTraceIds[0]]);
});

test('§5a-2: server ends at 4.9 s (before the caller gave up) → no finding', () => {
  const report = detectCallerTimeouts([gatewayTrace('t2', 4900)], { minTraces: 1 });
  assert.deepEqual(report.findings, []);
});

test('§5a-3: server on another host ends 5.03 s → 30 ms is no material overrun of a 5 s limit → no finding', () => {
  const report = detectCallerTimeouts([gatewayTrace('t3', 5030)], { minTraces: 1 });
  assert.deepEqual(report.findings, []);
});

test('§5a-4: PRODUCER parent 10 ms, CONSUMER child ends at 2 s → excluded (async), not even post-response work', () => {
  const t = trace('t4', [
    { id: 'api', name: 'POST /orders', kind: 'server', start: 0, end: 12, attrs: code('com.acme.Orders', 'create') },
    { id: 'p', parent: 'api', name: 'orders publish', kind: 'producer', start: 1, end: 11 },
    { id: 'c', parent: 'p', name: 'orders process', kind: 'consumer', start: 5, end: 2000, attrs: code('com.acme.OrderListener', 'onOrder') },
  ]);
  const report = detectCallerTimeouts([t]);
  assert.deepEqual(report.findings, []);
  assert.deepEqual(report.postResponse, []);
});

test('§5a-5: no gateway span, root SERVER ends at 5.0 s (T inferred = 5 s from its error durations), child CLIENT ends at 40 s → O3', () => {
  const traces = [4998, 5001, 5003, 5000].map((d, i) =>
    trace(`t5-${i}`, [
      { id: 'r', name: 'GET /token', kind: 'server', start: 0, end: d, status: 'error' },
      { id: 'h', parent: 'r', name: 'TokenController.token', start: 1, end: i === 0 ? 40_010 : d - 1, attrs: code('com.acme.token.TokenController', 'token') },
      { id: 'c', parent: 'h', name: 'GET', kind: 'client', start: 2, end: i === 0 ? 40_000 : d - 2, attrs: { 'http.request.method': 'GET', 'server.address': 'idp' } },
    ]),
  );
  const limits = inferCallerLimits(traces);
  assert.equal(limits.length, 1);
  assert.equal(limits[0]?.limitMs, 5000.5);
  const report = detectCallerTimeouts(traces, { minTraces: 1 });
  // The root span answered with the timeout while its handler method ran on: the handler is found, and its CLIENT call.
  const h = find(report.findings, 'token', 'handler');
  assert.ok(h);
  assert.ok(find(report.findings, 'token', 'outbound-call'), 'the CLIENT call that ran on is attributed to the method that made it');
  assert.equal(h.rules[0], 'root-overrun');
  assert.equal(h.tracesAffected, 1);
  assert.equal(h.tracesExamined, 4);
  assert.equal(h.callerLimitMs, 5000);
  assert.ok(h.maxOverrunMs > 34_000 && h.maxOverrunMs < 36_000, String(h.maxOverrunMs));
  assert.match(h.message, /after its caller gave up at 5 s in 1 of 4 sampled traces/);
});

test('clock skew: 1 ms on one instance, max(50 ms, 1 %) across instances; durations bound the overrun whatever the clocks say', () => {
  const a = trace('sk', [
    { id: 'p', kind: 'client', start: 0, end: 10_000, instance: 'i1' },
    { id: 'c', parent: 'p', kind: 'server', start: 1, end: 10, instance: 'i1' },
    { id: 'd', parent: 'p', kind: 'server', start: 1, end: 10, instance: 'i2' },
  ]).spans;
  assert.equal(skewMs(a[0]!, a[1]!), 1);
  assert.equal(skewMs(a[0]!, a[2]!), 100);
  // A 500 ms client timeout; the server really ran 10–540 ms (40 ms over: not material), but its
  // host's clock is 80 ms ahead, so its timestamps say 90–620 ms: 120 ms after the give-up.
  const skewed = (key: string, instance: boolean) =>
    trace(key, [
      { id: 'k', name: 'GET', kind: 'client', start: 0, end: 500, status: 'error', message: 'Read timed out', service: 'web', ...(instance ? { instance: 'pod-1' } : {}) },
      { id: 's', parent: 'k', name: 'GET /q', kind: 'server', start: 90, end: 620, service: 'api', attrs: code('com.acme.Api', 'query'), ...(instance ? { instance: 'pod-1' } : {}) },
    ]);
  assert.deepEqual(detectCallerTimeouts([skewed('x1', false), skewed('x2', false)]).findings, [], 'across hosts: 120 − 50 ms allowance, or 530 − 500 ms by durations: under 100 ms');
  const one = find(detectCallerTimeouts([skewed('y1', true), skewed('y2', true)]).findings, 'query', 'handler');
  assert.ok(one, 'on one clock 120 ms is 120 ms');
  assert.equal(one.maxOverrunMs, 120);
  // Across hosts a long overrun is still found, measured by the durations (no clock comparison).
  const far = find(detectCallerTimeouts([gatewayTrace('sk1', 6030), gatewayTrace('sk2', 6030)]).findings, 'getToken', 'handler');
  assert.ok(far);
  assert.ok(far.maxOverrunMs >= 1000 && far.maxOverrunMs <= 1030, String(far.maxOverrunMs));
});

test('a CLIENT timeout is recognised from its status message, and from durations clustered at an inferred limit', () => {
  const byMessage = trace('m1', [
    { id: 'k', name: 'POST', kind: 'client', start: 0, end: 3000, status: 'error', message: 'Read timed out', service: 'web' },
    { id: 's', parent: 'k', name: 'POST /pay', kind: 'server', start: 5, end: 9000, service: 'pay', attrs: code('com.acme.Pay', 'charge') },
  ]);
  assert.ok(find(detectCallerTimeouts([byMessage], { minTraces: 1 }).findings, 'charge', 'handler'));

  const clustered = [2990, 3000, 3010, 3005].map((d, i) =>
    trace(`c${i}`, [
      { id: 'k', name: 'POST', kind: 'client', start: 0, end: d, status: 'error', message: 'boom', service: 'web' },
      { id: 's', parent: 'k', name: 'POST /pay', kind: 'server', start: 5, end: 9000, service: 'pay', attrs: code('com.acme.Pay', 'charge') },
    ]),
  );
  const f = find(detectCallerTimeouts(clustered).findings, 'charge', 'handler');
  assert.ok(f);
  assert.equal(f.tracesAffected, 4);
  assert.equal(f.callerLimitMs, 3000);
  // A lone error without a timeout signature is not a timeout.
  const lone = trace('lone', [
    { id: 'k', name: 'POST', kind: 'client', start: 0, end: 3000, status: 'error', message: 'boom', service: 'web' },
    { id: 's', parent: 'k', name: 'POST /pay', kind: 'server', start: 5, end: 9000, service: 'pay', attrs: code('com.acme.Pay', 'charge') },
  ]);
  assert.equal(find(detectCallerTimeouts([lone], { minTraces: 1 }).findings, 'charge', 'handler'), undefined);
});

test('streaming: an OK CLIENT span that ended at the headers while its SERVER child streamed on is not an orphan', () => {
  const t = trace('sse', [
    { id: 'k', name: 'GET', kind: 'client', start: 0, end: 50, service: 'web' },
    { id: 's', parent: 'k', name: 'GET /events', kind: 'server', start: 5, end: 60_000, service: 'events', attrs: code('com.acme.Events', 'stream') },
  ]);
  assert.deepEqual(detectCallerTimeouts([t]).findings, []);
});

test('messaging attributes on the child exclude the edge', () => {
  const t = trace('msg', [
    { id: 'a', name: 'handle', kind: 'server', start: 0, end: 100, attrs: code('com.acme.A', 'handle') },
    { id: 'b', parent: 'a', name: 'send', kind: 'client', start: 10, end: 9000, attrs: { 'messaging.system': 'kafka' } },
  ]);
  assert.deepEqual(detectCallerTimeouts([t]).findings, []);
});

test('work that starts after its parent ended is post-response work, reported separately', () => {
  const t = trace('post', [
    { id: 'a', name: 'GET /x', kind: 'server', start: 0, end: 100, attrs: code('com.acme.A', 'get') },
    { id: 'b', parent: 'a', name: 'AuditLog.write', start: 400, end: 900, attrs: code('com.acme.AuditLog', 'write') },
  ]);
  const report = detectCallerTimeouts([t]);
  assert.deepEqual(report.findings, []);
  assert.equal(report.postResponse.length, 1);
  assert.equal(report.postResponse[0]?.codeRef?.function, 'write');
  assert.equal(report.postResponse[0]?.startedAfterMs, 300);
});

test('links-only roots are not roots of the request: their own children are judged, not the root overrun', () => {
  const t = trace('links', [
    { id: 'a', name: 'GET /x', kind: 'server', start: 0, end: 100, attrs: code('com.acme.A', 'get') },
    { id: 'b', name: 'batch', kind: 'internal', start: 50, end: 9000, links: 1, attrs: code('com.acme.Batch', 'run') },
  ]);
  assert.deepEqual(detectCallerTimeouts([t]).findings, []);
});

test('real recordings: a child ending 400 ms after a parent that did not time out is no caller-timeout (fire-and-forget, async tails)', () => {
  // Neither parent timed out (no timeout status, message, code or inferred limit): nobody gave up,
  // so a tail is the caller not waiting — what fire-and-forget work looks like — not an orphan.
  for (const name of ['trace_v2_child_after_parent', 'trace_v2_error_child']) {
    const body: unknown = JSON.parse(readFileSync(path.join(root, `test/fixtures/tempo-real/${name}.body`), 'utf8'));
    const recorded = parseTraceBody(body);
    assert.deepEqual(detectCallerTimeouts([recorded, recorded], { minTraces: 1 }).findings, [], name);
    // The same trace with the parent giving up (a timeout message on it) is one.
    const parent = recorded.spans.find((s) => s.parentSpanId === null);
    assert.ok(parent);
    const gaveUp = { ...recorded, spans: recorded.spans.map((s) => (s === parent ? { ...s, status: 'error' as const, statusMessage: 'deadline exceeded' } : s)) };
    const f = detectCallerTimeouts([gaveUp], { minTraces: 1 }).findings;
    // 400 ms by the timestamps, less the 50 ms skew allowance across instances: at least 350 ms.
    assert.ok(f.length > 0 && f.every((x) => x.role === 'outbound-call' && x.maxOverrunMs >= 349 && x.maxOverrunMs <= 400), JSON.stringify(f.map((x) => [x.codeRef.function, x.role, x.maxOverrunMs])));
  }
});

test('message and suggested timeout', () => {
  const msg = callerTimeoutMessage({ medianOverrunMs: 41_000, maxOverrunMs: 180_000, callerLimitMs: 5000, callerDurationMs: 5000, tracesAffected: 37, tracesExamined: 120, lateStarts: 0, role: 'handler' });
  assert.equal(msg, 'kept running after its caller gave up at 5 s in 37 of 120 sampled traces (overrun p50 41 s, max 3 min)');
  assert.equal(
    callerTimeoutMessage({ medianOverrunMs: 900, maxOverrunMs: 900, callerLimitMs: 5000, callerDurationMs: 5000, tracesAffected: 1, tracesExamined: 40, tracesWithMethod: 8, lateStarts: 1, role: 'outbound-call' }, false),
    'its outbound call kept running after its caller gave up at 5 s in 1 of 8 traces that ran it (overrun 900 ms); 1 call started after the caller had already given up',
  );
  assert.equal(suggestTimeoutMs(5000), 4000);
  assert.equal(suggestTimeoutMs(3000), 2000);
  assert.equal(suggestTimeoutMs(1000), 800);
  assert.equal(suggestTimeoutMs(60_000), 48_000);
});

test('sample workspace spring-token: the 5 s gateway incident lands on GatewayClient.fetchToken and the token-service handlers', () => {
  const body = JSON.parse(readFileSync(path.join(root, 'test/fixtures/workspaces/spring-token/.tempo-lens/traces/caller-timeout.json'), 'utf8')) as { resourceSpans: unknown[] };
  const spans: Span[] = [];
  collectSpans(body.resourceSpans, spans);
  const traces = groupByTrace(spans);
  assert.equal(traces.length, 40);
  const report = detectCallerTimeouts(traces);
  const fetch = find(report.findings, 'fetchToken', 'outbound-call');
  assert.ok(fetch);
  assert.equal(fetch.codeRef.namespace, 'com.acme.gateway.GatewayClient');
  assert.equal(fetch.service, 'api-gateway');
  assert.equal(fetch.tracesAffected, 12);
  assert.equal(fetch.tracesExamined, 40);
  assert.equal(fetch.callerLimitMs, 5000);
  assert.equal(fetch.rules[0], 'client-timeout');
  assert.match(fetch.message, /^its outbound call kept running after its caller gave up at 5 s in 12 of 40 sampled traces that ran it \(overrun p50 \d+(\.\d)? s, max \d+(\.\d)? s\)$/);
  const handler = find(report.findings, 'token', 'handler');
  assert.ok(handler);
  assert.equal(handler.lateStarts, 12, 'the UPDATE after the lock wait starts after the edge gave up, in every incident trace');
  assert.equal(handler.severity, 'high');
  assert.ok(find(report.findings, 'findToken', 'outbound-call'));
  // The 28 healthy traces contribute nothing: every finding is about the same 12 traces.
  for (const f of report.findings) assert.equal(f.tracesAffected, 12);
  assert.equal(report.inferredLimits.find((l) => l.service === 'edge-proxy')?.limitMs !== undefined, true);
});

test('untrusted parent cycles (a span its own grandparent) end the walks instead of spinning', () => {
  const t = trace('cycle', [
    { id: 'a', parent: 'b', name: 'a', kind: 'server', start: 0, end: 100, attrs: code('com.acme.A', 'a') },
    { id: 'b', parent: 'a', name: 'b', kind: 'internal', start: 10, end: 9000 },
    { id: 'c', parent: 'c', name: 'c', kind: 'client', start: 10, end: 9000, attrs: { 'db.system': 'h2' } },
  ]);
  const report = detectCallerTimeouts([t]);
  assert.ok(Array.isArray(report.findings));
  assert.ok(Array.isArray(detectCacheStampedes([t, t, t, t, t]).findings));
});
