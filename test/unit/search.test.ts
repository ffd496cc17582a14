// Search responses (real Tempo 2.7 recordings and the public spanSets fixture) → summaries, span hits, span walk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseSearchResponse } from '../../src/core/wire';
import { forEachSearchSpan, matchedOf, searchSpanHits, traceSummaries } from '../../src/core/search';

const FIX = path.resolve(__dirname, '../../../test/fixtures/otlp');
const load = (name: string) => parseSearchResponse(JSON.parse(readFileSync(path.join(FIX, name), 'utf8')));

test('leading-zero trace ids are left-padded to 32 hex; span ids stay 16', () => {
  const sums = traceSummaries(load('search_leading_zero_trace_ids.json'));
  assert.ok(sums.length > 0);
  for (const t of sums) {
    assert.match(t.traceId, /^[0-9a-f]{32}$/);
    for (const s of t.spans) assert.match(s.spanId, /^[0-9a-f]{16}$/);
  }
  assert.equal(sums[0]?.traceId, '00000001000000000000000000000005');
  assert.equal(sums[0]?.durationMs, 1500);
  const pub = traceSummaries(load('search-response-spansets.json'));
  assert.equal(pub.length, 50);
  assert.ok(pub.every((t) => t.traceId.length === 32));
});

test('errors recording: status, statusMessage, scope-less code attributes, service stats', () => {
  const hits = searchSpanHits(load('search_traceql_errors.json'));
  assert.ok(hits.length >= 3);
  const auth = hits.find((h) => h.statusMessage === 'upstream timeout');
  assert.equal(auth?.status, 'error');
  assert.equal(auth?.durationMs, 1790);
  assert.equal(auth?.rootServiceName, 'auth-service');
  assert.equal(auth?.rootTraceName, 'POST /login');
  const sums = traceSummaries(load('search_traceql_errors.json'));
  assert.ok(sums.every((t) => t.errorSpans >= 1));
  const codes: string[] = [];
  forEachSearchSpan(load('search_traceql_errors.json'), (f) => codes.push(`${f.namespace}.${f.fn}`));
  assert.ok(codes.includes('com.acme.auth.AuthService.authenticate'));
});

test('matched absent = 0 (at least the spans returned); empty result; spans in two span sets counted once', () => {
  const none = parseSearchResponse(JSON.parse(readFileSync(path.join(FIX, 'search_traceql_no_match.json'), 'utf8')));
  assert.deepEqual(matchedOf(none), { spans: 0, matched: 0 });
  assert.deepEqual(traceSummaries(none), []);
  const resp = parseSearchResponse({
    traces: [{
      traceID: 'abc',
      spanSets: [
        { spans: [{ spanID: '1', durationNanos: '5', attributes: [{ key: 'code.function', value: { stringValue: 'f' } }] }] },
        { spans: [{ spanID: '1', durationNanos: '5' }, { spanID: '2' }], matched: 7 },
      ],
    }],
  });
  assert.deepEqual(matchedOf(resp), { spans: 3, matched: 8 });
  let n = 0;
  forEachSearchSpan(resp, (f) => {
    n++;
    if (f.spanId === '0000000000000002') assert.equal(f.durationMs, 0);
  });
  assert.equal(n, 2);
  const [t] = traceSummaries(resp);
  assert.equal(t?.traceId, '00000000000000000000000000000abc');
  assert.equal(t?.durationMs, 0, 'durationMs absent under 1 ms');
  assert.equal(t?.spans.length, 2);
});

test('new-generation attributes and line numbers are read', () => {
  const resp = parseSearchResponse({
    traces: [{ traceID: 'ff', spanSets: [{ spans: [{ spanID: '00000000000000aa', durationNanos: '2000000', attributes: [
      { key: 'code.function.name', value: { stringValue: 'com.x.A.b' } },
      { key: 'code.file.path', value: { stringValue: '/src/A.java' } },
      { key: 'code.line.number', value: { intValue: '12' } },
      { key: 'service.name', value: { stringValue: 's' } },
      { key: 'status', value: { stringValue: 'ok' } },
    ] }] }] }],
  });
  forEachSearchSpan(resp, (f) => {
    assert.equal(f.fnName, 'com.x.A.b');
    assert.equal(f.filePath, '/src/A.java');
    assert.equal(f.line, 12);
    assert.equal(f.service, 's');
    assert.equal(f.status, 'ok');
    assert.equal(f.durationMs, 2);
  });
});
