// N+1 detector: the finding's evidence (count, statement or route, time it costs) and where it lands.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectNPlusOne, nPlusOneInsight } from '../../src/core/insights/nPlusOne';
import { loop } from '../corpus/builders';

test('a loop of 12 SELECTs: one finding on the issuing method with the count, the normalised statement and the time it costs', () => {
  const report = detectNPlusOne(loop('m', { count: 12, callMs: 5, traces: 8, looping: 6 }));
  assert.equal(report.findings.length, 1);
  const f = report.findings[0]!;
  assert.equal(`${f.codeRef.namespace}.${f.codeRef.function}`, 'com.acme.orders.OrderController.listOrders');
  assert.equal(f.service, 'orders');
  assert.equal(f.callKind, 'db');
  assert.equal(f.statement, 'SELECT * FROM order_items WHERE order_id = ?');
  assert.equal(f.medianCount, 12);
  assert.equal(f.medianTotalMs, 60);
  assert.equal(f.tracesAffected, 6);
  assert.equal(f.tracesWithMethod, 8);
  assert.equal(f.message, '12 calls of `SELECT * FROM order_items WHERE order_id = ?` one after another, costing 60 ms per request, in 6 of 8 sampled traces that ran it — fetch them in one query (a join or IN list)');
  assert.deepEqual(nPlusOneInsight(f), { kind: 'n-plus-one', message: f.message, traceIds: f.exampleTraceIds });
});

test('HTTP: the route in the message; N is configurable; 9 calls are below the default 10', () => {
  const traces = loop('h', { count: 9, kind: 'http-template', callMs: 10 });
  assert.deepEqual(detectNPlusOne(traces).findings, []);
  const f = detectNPlusOne(traces, { minRepeats: 5 }).findings[0];
  assert.ok(f);
  assert.equal(f.statement, 'GET /items/{id}');
  assert.match(f.message, /^9 calls of `GET \/items\/\{id\}` one after another, costing 90 ms per request, .* — fetch them in one batch request$/);
});
