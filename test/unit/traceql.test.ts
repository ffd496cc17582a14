// Query builders and escaping: every built query must parse with Grafana's TraceQL grammar.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parser } from '@grafana/lezer-traceql';
import {
  attribute, checkFilter, codeRefCondition, codeSpansProbeQuery, PROBE_MAX_NAMED, drillDownQuery, durationLiteral, groupByCount, MAX_GROUP_BY, MAX_GROUP_BY_BUCKETED, metricsQueries, numberLiteral,
  regexEscape, spanSet, statsSearchQuery, stringLiteral,
} from '../../src/core/traceql';

function parseErrors(q: string): number[] {
  const errs: number[] = [];
  parser.parse(q).iterate({ enter: (n) => { if (n.type.isError) errs.push(n.from); } });
  return errs;
}

test('string literals escape quotes, backslashes and control characters', () => {
  assert.equal(stringLiteral('a"b\\c'), '"a\\"b\\\\c"');
  assert.equal(stringLiteral('line\nnext\ttab'), '"line\\nnext\\ttab"');
  assert.equal(stringLiteral('\u0001'), '"\\u0001"');
  assert.equal(stringLiteral('ünïcødé'), '"ünïcødé"');
});

test('attribute names with odd characters are quoted', () => {
  assert.equal(attribute('span', 'code.function'), 'span.code.function');
  assert.equal(attribute('resource', 'service.name'), 'resource.service.name');
  assert.equal(attribute('span', 'a b'), 'span."a b"');
  assert.equal(attribute('span', 'x"y'), 'span."x\\"y"');
  assert.deepEqual(parseErrors(`{ ${attribute('span', 'a b')} = "1" }`), []);
});

test('numbers never start with a dot; durations are integral units', () => {
  assert.equal(numberLiteral(0.5), '0.5');
  assert.equal(numberLiteral(0.95), '0.95');
  assert.equal(numberLiteral(-0.25), '-0.25');
  assert.equal(numberLiteral(3), '3');
  assert.equal(durationLiteral(1500), '1500ms');
  assert.equal(durationLiteral(0.25), '250us');
  assert.equal(durationLiteral(0.0000031), '3ns');
});

test('the filter must be span-set conditions', () => {
  assert.deepEqual(checkFilter(''), { ok: true, conditions: '' });
  assert.deepEqual(checkFilter(' resource.service.name = "a" '), { ok: true, conditions: 'resource.service.name = "a"' });
  assert.equal(checkFilter('span.x = "}" || span.y = "|"').ok, true, 'braces and pipes inside strings are fine');
  assert.equal(checkFilter('{ span.x = 1 }').ok, false);
  assert.equal(checkFilter('span.x = 1 } | rate() by (span.y) { ').ok, false);
  assert.equal(checkFilter('span.x = 1 | select(span.y)').ok, false);
  assert.equal(checkFilter('(span.x = 1').ok, false);
  assert.equal(checkFilter('span.x = 1)').ok, false);
  assert.equal(checkFilter('span.x = "open').ok, false);
  assert.equal(checkFilter('&& span.x = 1').ok, false);
  const bad = checkFilter('{ span.x = 1 }');
  assert.ok(!bad.ok && /braces/.test(bad.error));
});

test('spanSet parenthesises || parts so a filter cannot escape the code condition', () => {
  const q = spanSet('(a != nil || b != nil)', 'x = 1 || y = 2');
  assert.equal(q, '{ (a != nil || b != nil) && (x = 1 || y = 2) }');
  assert.equal(spanSet('(a = 1) || (b = 2)', 'c = 3'), '{ ((a = 1) || (b = 2)) && c = 3 }');
});

test('metrics queries: five per chunk, both attribute generations, within Tempo\'s group-by limits, all parse', () => {
  for (const scoped of [true, false]) {
    for (const durations of ['histogram', 'quantiles'] as const) {
      const qs = metricsQueries({ filter: 'resource.service.name = "cart" || span.x = "y"', services: ['a', 'b"c'], scopedIntrinsics: scoped }, durations);
      assert.deepEqual(qs.map((q) => `${q.generation}:${q.kind}`), ['new:calls', `new:${durations}`, 'old:count', 'old:errors', `old:${durations}`]);
      for (const { kind, generation, q } of qs) {
        assert.deepEqual(parseErrors(q), [], q);
        const bucketed = kind === 'histogram' || kind === 'quantiles';
        // PITFALLS 12: the limit real Tempo 2.7 and 3.0 enforce.
        assert.ok(groupByCount(q) <= (bucketed ? MAX_GROUP_BY_BUCKETED : MAX_GROUP_BY), `${groupByCount(q)} group-bys in ${q}`);
        assert.ok(groupByCount(q) >= 4, q);
        assert.match(q, generation === 'new' ? /\{ span\.code\.function\.name != nil && / : /\{ span\.code\.function != nil && /);
        assert.match(q, /by \(resource\.service\.name, /);
        // The old keys' series name code.function.name, so dual-emitting spans can be dropped there.
        if (generation === 'old') assert.match(q, /span\.code\.function\.name/);
        if (kind === 'calls') assert.match(q, scoped ? /, span:status\)$/ : /, status\)$/);
        if (kind === 'errors') assert.match(q, scoped ? /span:status = error/ : /[^:]status = error/);
        if (kind === 'histogram') assert.match(q, scoped ? /histogram_over_time\(span:duration\)/ : /histogram_over_time\(duration\)/);
        if (kind === 'quantiles') assert.match(q, /, 0\.5, 0\.95, 0\.99\)/);
        assert.ok(!/[\s(,=<>]\.\d/.test(q), `no bare .5 in ${q}`);
        assert.ok(!/[^!]= nil/.test(q), `Tempo 2.x compiles no "= nil": ${q}`);
      }
    }
  }
});

test('search and drill-down queries parse, select the code attributes, and escape the code reference', () => {
  const s = statsSearchQuery({ filter: '', scopedIntrinsics: true });
  assert.deepEqual(parseErrors(s), [], s);
  assert.match(s, /select\(span\.code\.namespace, .*resource\.service\.name, span:status, span:statusMessage\)/);
  const ref = { namespace: 'com.acme.Foo$Inner', function: 'get"Token', filePath: '/app/x.ts', line: 3 };
  for (const opts of [{ minDurationMs: 250.5 }, { errorsOnly: true }, {}]) {
    const q = drillDownQuery(ref, 'svc "x"', { scopedIntrinsics: false, filter: 'span.a = 1', ...opts });
    assert.deepEqual(parseErrors(q), [], q);
  }
  const cond = codeRefCondition(ref, null);
  assert.match(cond, /span\.code\.function = "get\\"Token"/);
  assert.match(cond, /span\.code\.function\.name =~ "com\\\\\.acme\\\\\.Foo\\\\\$Inner\(/);
  assert.equal(regexEscape('a.b(c)'), 'a\\.b\\(c\\)');
  assert.match(drillDownQuery(ref, null, { scopedIntrinsics: true, filter: '', minDurationMs: 1000 }), /span:duration >= 1000ms/);
});

test('the metrics coverage probe: counted functions excluded with !(…), past the cap their services, null when those are too many; every form parses', () => {
  const opts = { filter: 'span.tier = "web"', services: ['a', 'b'], scopedIntrinsics: true };
  const ref = (fn: string) => ({ codeRef: { namespace: 'com.acme.Svc', function: fn, filePath: 'Svc.java', line: 3 }, service: 'a' });
  const none = codeSpansProbeQuery(opts) as string;
  assert.match(none, /^\{ \(span\.code\.function != nil \|\| span\.code\.function\.name != nil\) && span\.tier = "web" && \(resource\.service\.name = "a" \|\| resource\.service\.name = "b"\) \} \| select\(/);
  const two = codeSpansProbeQuery(opts, [ref('get'), ref('put')]) as string;
  assert.equal(two.split('!(').length - 1, 2);
  assert.match(two, /!\(\(\(span\.code\.namespace = "com\.acme\.Svc" && span\.code\.function = "get"\)/);
  assert.doesNotMatch(two.split(' | select')[0] as string, /code\.file/, 'a counted function is excluded whatever file its spans name');
  const many = codeSpansProbeQuery(opts, Array.from({ length: PROBE_MAX_NAMED + 1 }, (_, i) => ({ ...ref(`f${i}`), service: i % 2 === 0 ? 'a' : 'b' }))) as string;
  assert.doesNotMatch(many, /!\(/);
  assert.match(many, /resource\.service\.name != "a" && resource\.service\.name != "b"/);
  assert.equal(codeSpansProbeQuery(opts, Array.from({ length: PROBE_MAX_NAMED + 1 }, (_, i) => ({ ...ref('x'), service: `s${i}` }))), null);
  for (const q of [none, two, many]) assert.deepEqual(parseErrors(q), [], q);
});
