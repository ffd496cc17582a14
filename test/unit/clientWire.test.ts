// Wire guards on real Tempo 2.7 recordings, capabilities, trace-id normalisation, proxy and Retry-After rules.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import {
  parseBuildInfo,
  parseQueryRangeResponse,
  parseSearchResponse,
  parseTagsV1Response,
  parseTagsV2Response,
  parseTagValuesResponse,
  parseTraceBody,
  WireFormatError,
} from '../../src/core/wire';
import { capabilitiesFromVersion, parseVersion, withMetricsUnavailable } from '../../src/tempo/capabilities';
import { connectionKey, isGrafanaProxyPath, normalizeTraceId, redactUrlText, type ConnectionSettings } from '../../src/tempo/client';
import { parseTraceqlError, TempoError } from '../../src/tempo/errors';
import { backoffDelayMs, noProxyMatches, parseRetryAfter, proxyFor } from '../../src/tempo/http';

const FIX = path.resolve(__dirname, '../../../test/fixtures/tempo-real');
const json = (name: string): unknown => JSON.parse(readFileSync(path.join(FIX, `${name}.body`), 'utf8'));
const text = (name: string): string => readFileSync(path.join(FIX, `${name}.body`), 'utf8');

test('search recordings validate and keep their content', () => {
  const r = parseSearchResponse(json('search_traceql_start_end'));
  assert.ok(r.traces.length > 0);
  for (const t of r.traces) {
    assert.match(t.traceID, /^[0-9a-f]{1,32}$/);
    assert.ok(Array.isArray(t.spanSets));
  }
  const span = r.traces[0]?.spanSets?.[0]?.spans?.[0];
  assert.ok(span !== undefined);
  assert.equal(typeof span.durationNanos, 'string');
  const keys = new Set(r.traces.flatMap((t) => (t.spanSets ?? []).flatMap((s) => (s.spans ?? []).flatMap((sp) => (sp.attributes ?? []).map((a) => a.key)))));
  assert.ok(keys.has('code.function'), 'select() attributes come back without scope');
  const errors = parseSearchResponse(json('search_traceql_errors'));
  assert.ok(errors.traces.length > 0);
  assert.deepEqual(parseSearchResponse(json('search_traceql_no_match')).traces, []);
  const lz = parseSearchResponse(json('search_leading_zero_trace_ids'));
  assert.ok(lz.traces.some((t) => t.traceID.length < 32), 'leading zeros are stripped on the wire');
  const one = parseSearchResponse(json('search_traceql_limit1_spss1'));
  assert.equal(one.traces.length, 1);
});

test('search with omitted traces (empty result) becomes an empty list', () => {
  assert.deepEqual(parseSearchResponse({ metrics: {} }).traces, []);
});

test('search guard rejects wrong shapes with a path', () => {
  assert.throws(() => parseSearchResponse([]), WireFormatError);
  assert.throws(() => parseSearchResponse({ traces: {} }), /traces: expected an array/);
  assert.throws(() => parseSearchResponse({ traces: [{ spanSets: [] }] }), /traces\[0\]\.traceID/);
  assert.throws(() => parseSearchResponse({ traces: [{ traceID: 'a', spanSets: [{ spans: [{ spanID: 'b', durationNanos: 'x12' }] }] }] }), /durationNanos/);
  assert.throws(() => parseSearchResponse({ traces: [{ traceID: 'a', spanSets: [{ spans: [{ spanID: 'b', attributes: [{ value: {} }] }] }] }] }), /attributes\[0\]\.key/);
  // numbers where jsonpb would send strings are tolerated (anonymised fixtures, other encoders)
  assert.doesNotThrow(() => parseSearchResponse({ traces: [{ traceID: 'a', startTimeUnixNano: 17, spanSets: [{ spans: [{ spanID: 'b', durationNanos: 5 }] }] }] }));
});

test('guard errors name the exact place (paths are built only on failure)', () => {
  const where = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      if (e instanceof WireFormatError) return e.path;
      throw e;
    }
    return 'no error';
  };
  const span = (extra: object) => ({ spanID: 'b', ...extra });
  const search = (spans: unknown[], extra: object = {}) => ({ traces: [{ traceID: 'a', spanSets: [{ spans: [] }] }, { traceID: 'c', spanSets: [{ spans: [span({})] }, { spans }], ...extra }] });
  assert.equal(where(() => parseSearchResponse(search([span({}), span({ attributes: [{ key: 'k' }, { key: 3 }] })]))), 'traces[1].spanSets[1].spans[1].attributes[1].key');
  assert.equal(where(() => parseSearchResponse(search([span({ attributes: [{ key: 'k', value: 'x' }] })]))), 'traces[1].spanSets[1].spans[0].attributes[0].value');
  assert.equal(where(() => parseSearchResponse(search([5]))), 'traces[1].spanSets[1].spans[0]');
  assert.equal(where(() => parseSearchResponse(search([], { spanSets: undefined, spanSet: { spans: [{}] } }))), 'traces[1].spanSet.spans[0].spanID');
  assert.equal(where(() => parseSearchResponse({ traces: [{ traceID: 'a', spanSets: [{ matched: 'x' }] }] })), 'traces[0].spanSets[0].matched');
  assert.equal(where(() => parseSearchResponse({ traces: [], metrics: 1 })), 'metrics');
  assert.equal(where(() => parseSearchResponse(null)), '');
  const series = (extra: object) => ({ series: [{ labels: [], samples: [] }, { labels: [{ key: 'a', value: {} }], samples: [{ timestampMs: '1' }], ...extra }] });
  assert.equal(where(() => parseQueryRangeResponse(series({ samples: [{ timestampMs: '1' }, { value: 2 }] }))), 'series[1].samples[1].timestampMs');
  assert.equal(where(() => parseQueryRangeResponse(series({ labels: [{ key: 'a', value: {} }, {}] }))), 'series[1].labels[1].key');
  assert.equal(where(() => parseQueryRangeResponse(series({ exemplars: [{}, { labels: [{ key: 'trace:id', value: 7 }] }] }))), 'series[1].exemplars[1].labels[0].value');
  assert.equal(where(() => parseQueryRangeResponse({ series: [], status: 3 })), 'status');
  assert.equal(where(() => parseTraceBody({ trace: { resourceSpans: [{}, 'x'] } })), 'trace.resourceSpans[1]');
  assert.equal(where(() => parseTraceBody({ batches: [{}, {}, null] })), 'batches[2]');
  assert.equal(where(() => parseTagsV2Response({ scopes: [{ name: 'span', tags: ['a', 1] }] })), 'scopes[0].tags[1]');
  assert.equal(where(() => parseTagValuesResponse({ tagValues: ['a', { type: 'string' }] })), 'tagValues[1].value');
  assert.equal(where(() => parseTagsV1Response({ tagNames: ['a', 'b', false] })), 'tagNames[2]');
});

test('tags and tag values recordings', () => {
  const v2 = parseTagsV2Response(json('search_tags_v2'));
  const span = v2.scopes.find((s) => s.name === 'span');
  assert.ok(span?.tags.includes('code.function'));
  assert.ok(v2.scopes.some((s) => s.name === 'intrinsic' && s.tags.includes('span:duration')));
  const scoped = parseTagsV2Response(json('search_tags_v2_scope_span'));
  assert.deepEqual(
    scoped.scopes.map((s) => s.name),
    ['span'],
  );
  const v1 = parseTagsV1Response(json('search_tags_v1'), 'unscoped');
  assert.equal(v1.scopes[0]?.name, 'unscoped');
  assert.ok(v1.scopes[0]?.tags.includes('service.name'));
  const values = parseTagValuesResponse(json('tag_values_v2_span.code.function'));
  assert.ok(values.tagValues.some((v) => v.type === 'string' && v.value === 'getToken'));
  const filtered = parseTagValuesResponse(json('tag_values_v2_span.code.function_filtered'));
  assert.ok(filtered.tagValues.length <= values.tagValues.length);
  const plain = parseTagValuesResponse(json('tag_values_v1_code.function'));
  assert.ok(plain.tagValues.every((v) => v.type === 'string'));
  assert.throws(() => parseTagValuesResponse({ tagValues: [{ type: 'string' }] }), /tagValues\[0\]\.value/);
  assert.throws(() => parseTagsV2Response({ scopes: [{ name: 'span', tags: [1] }] }), /scopes\[0\]\.tags\[0\]/);
});

test('metrics recordings: zero samples have no value, quantiles carry p', () => {
  const rate = parseQueryRangeResponse(json('metrics_rate'));
  assert.ok(rate.series.length > 0);
  const samples = rate.series.flatMap((s) => s.samples);
  assert.ok(samples.some((s) => s.value === undefined), 'zero-valued samples omit value');
  assert.ok(samples.every((s) => typeof s.timestampMs === 'string'));
  const q = parseQueryRangeResponse(json('metrics_quantile_over_time'));
  assert.ok(q.series.some((s) => s.labels.some((l) => l.key === 'p')));
  parseQueryRangeResponse(json('metrics_rate_errors'));
  parseQueryRangeResponse(json('metrics_rate_no_step'));
  assert.deepEqual(parseQueryRangeResponse({ metrics: {} }).series, []);
  assert.deepEqual(parseQueryRangeResponse({ series: [{}] }).series[0]?.samples, []);
  assert.throws(() => parseQueryRangeResponse({ series: [{ labels: [], samples: [{ value: 1 }] }] }), /samples\[0\]\.timestampMs/);
  assert.throws(() => parseQueryRangeResponse({ series: [{ labels: [], samples: [{ timestampMs: '1', value: 'x' }] }] }), /value/);
});

test('buildinfo and trace bodies', () => {
  assert.equal(parseBuildInfo(json('buildinfo')).version, '2.7.2');
  assert.throws(() => parseBuildInfo({ revision: 'x' }), /version/);
  const v2 = parseTraceBody(json('trace_v2_child_after_parent'));
  assert.equal(v2.empty, false);
  assert.ok('trace' in v2.body);
  const v1 = parseTraceBody(json('trace_v1_child_after_parent'));
  assert.equal(v1.empty, false);
  assert.ok('batches' in v1.body);
  assert.equal(parseTraceBody(json('trace_v2_notfound')).empty, true);
  assert.equal(parseTraceBody({}).empty, true);
  assert.equal(parseTraceBody(json('trace_v2_stripped_leading_zero_id')).empty, false);
  assert.throws(() => parseTraceBody({ trace: { resourceSpans: {} } }), /trace\.resourceSpans/);
  assert.throws(() => parseTraceBody({ foo: 1 }), WireFormatError);
  assert.throws(() => parseTraceBody('x'), WireFormatError);
});

test('capabilities by version', () => {
  const c27 = capabilitiesFromVersion('2.7.2');
  assert.deepEqual([c27.traceqlMetrics, c27.scopedIntrinsics, c27.traceByIdV2, c27.mostRecentHint], [true, true, true, false]);
  const c23 = capabilitiesFromVersion('v2.3.1');
  assert.deepEqual([c23.traceqlMetrics, c23.scopedIntrinsics, c23.traceByIdV2, c23.mostRecentHint], [false, false, false, false]);
  assert.ok(c23.notes.length >= 3);
  const c24 = capabilitiesFromVersion('2.4.0');
  assert.deepEqual([c24.traceqlMetrics, c24.scopedIntrinsics], [true, false]);
  const c25 = capabilitiesFromVersion('2.5.0');
  assert.deepEqual([c25.scopedIntrinsics, c25.traceByIdV2], [true, false]);
  const c28 = capabilitiesFromVersion('2.8.0-rc.1');
  assert.equal(c28.mostRecentHint, true);
  const c3 = capabilitiesFromVersion('3.0.3');
  assert.deepEqual([c3.traceqlMetrics, c3.scopedIntrinsics, c3.traceByIdV2, c3.mostRecentHint], [true, true, true, true]);
  const none = capabilitiesFromVersion(null);
  assert.deepEqual([none.version, none.traceqlMetrics, none.traceByIdV2], [null, 'unknown', false]);
  const dev = capabilitiesFromVersion('main-ad33aa8');
  assert.equal(dev.traceqlMetrics, 'unknown');
  assert.equal(dev.traceByIdV2, true);
  assert.deepEqual(parseVersion('2.10.1'), [2, 10, 1]);
  const off = withMetricsUnavailable(c27, 'metrics generator not configured');
  assert.equal(off.traceqlMetrics, false);
  assert.ok(off.notes.some((n) => n.includes('metrics generator not configured')));
});

test('trace ids: leading zeros padded, non-hex refused before sending', () => {
  assert.equal(normalizeTraceId('1000000000000000000000001'), '00000001000000000000000000000001');
  assert.equal(normalizeTraceId(' 6B02480D000000000000000000000001 '), '6b02480d000000000000000000000001');
  assert.equal(normalizeTraceId('abc'), '00000000000000000000000000000abc');
  for (const bad of ['not-a-trace-id', '', '0x12', 'g'.repeat(8), '1'.repeat(33)]) {
    assert.throws(
      () => normalizeTraceId(bad),
      (e: unknown) => e instanceof TempoError && e.kind === 'badRequest' && /is not a trace id/.test(e.message),
    );
  }
});

test('TraceQL error position is parsed from the recorded 400 bodies', () => {
  assert.deepEqual(parseTraceqlError(text('error_search_malformed_traceql')), { line: 1, column: 24, detail: 'syntax error: unexpected }' });
  assert.deepEqual(parseTraceqlError(text('error_metrics_malformed_traceql')), { line: 1, column: 39, detail: 'syntax error: unexpected by, expecting )' });
  assert.equal(parseTraceqlError(text('error_metrics_not_a_metrics_query')), undefined);
});

test('proxy selection honours explicit setting, scheme, NO_PROXY', () => {
  const https = new URL('https://tempo.example.com/tempo');
  const http = new URL('http://tempo.internal:3200');
  assert.equal(proxyFor(https, 'http://proxy:3128', {}), 'http://proxy:3128');
  assert.equal(proxyFor(https, undefined, { HTTPS_PROXY: 'http://p:1' }), 'http://p:1');
  assert.equal(proxyFor(http, undefined, { HTTPS_PROXY: 'http://p:1' }), undefined);
  assert.equal(proxyFor(http, undefined, { http_proxy: 'http://p:2' }), 'http://p:2');
  assert.equal(proxyFor(https, undefined, { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'example.com' }), undefined);
  assert.equal(proxyFor(https, undefined, { HTTPS_PROXY: 'http://p:1', no_proxy: '.example.com' }), undefined);
  assert.equal(proxyFor(https, undefined, { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'other.com,foo' }), 'http://p:1');
  assert.equal(proxyFor(http, undefined, { HTTP_PROXY: 'http://p:1', NO_PROXY: '*' }), undefined);
  assert.equal(noProxyMatches(http, 'tempo.internal:3200'), true);
  assert.equal(noProxyMatches(http, 'tempo.internal:9999'), false);
  assert.equal(noProxyMatches(new URL('http://127.0.0.1:3200'), 'localhost,127.0.0.1'), true);
  assert.equal(noProxyMatches(new URL('http://notexample.com'), 'example.com'), false);
});

test('Retry-After parsing and full-jitter backoff bounds', () => {
  assert.equal(parseRetryAfter('3'), 3);
  assert.equal(parseRetryAfter(undefined), undefined);
  assert.equal(parseRetryAfter('soon'), undefined);
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now), 5);
  assert.equal(parseRetryAfter('Wed, 31 Dec 2025 00:00:05 GMT', now), 0);
  assert.equal(backoffDelayMs(0, 100, 1000, () => 0.999), 99);
  assert.equal(backoffDelayMs(5, 100, 1000, () => 0.5), 500);
  assert.equal(backoffDelayMs(3, 100, 1000, () => 0), 0);
});

test('connection key, Grafana proxy detection, URL redaction', () => {
  const base: ConnectionSettings = { url: 'http://a:3200', auth: 'bearer', user: '', token: 'secret-token', tenant: '', headers: {} };
  const k = connectionKey(base);
  assert.equal(k, connectionKey({ ...base }));
  assert.notEqual(k, connectionKey({ ...base, tenant: 't' }));
  assert.notEqual(k, connectionKey({ ...base, token: 'other' }));
  assert.ok(!k.includes('secret'));
  assert.equal(isGrafanaProxyPath('/api/datasources/proxy/uid/abc123'), true);
  assert.equal(isGrafanaProxyPath('/grafana/api/datasources/proxy/uid/abc123'), true);
  assert.equal(isGrafanaProxyPath('/tempo'), false);
  assert.equal(isGrafanaProxyPath('/api/datasources/proxy/7'), true);
  assert.equal(isGrafanaProxyPath('/api/datasources/uid/abc/resources'), true);
  assert.equal(isGrafanaProxyPath('/api/datasources'), false);
  assert.equal(redactUrlText('see http://user:pw@host:1/x'), 'see http://host:1/x');
});
