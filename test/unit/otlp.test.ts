// parseTraceBody on real Tempo 2.7 recordings, the public fixtures, legacy shapes and hostile input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { anyValue, groupByTrace, nanosToMs, normalizeId, parseTraceBody, spanKindOf, spanStatusOf } from '../../src/core/otlp';

const FIX = path.resolve(__dirname, '../../../test/fixtures/otlp');
const load = (name: string): unknown => JSON.parse(readFileSync(path.join(FIX, name), 'utf8'));

test('v1 {batches} recording: base64 ids → hex, enum names, ms times, resource service', () => {
  const t = parseTraceBody(load('trace_v1_child_after_parent.json'));
  assert.equal(t.traceId, '6b02480d000000000000000000000001');
  assert.equal(t.partial, false);
  assert.equal(t.spans.length, 2);
  const [root, child] = t.spans;
  assert.equal(root?.spanId, '0000000000000011');
  assert.equal(root?.parentSpanId, null);
  assert.equal(child?.parentSpanId, root?.spanId);
  assert.equal(root?.kind, 'server');
  assert.equal(root?.service, 'token-service');
  assert.equal(root?.attributes['code.function'], 'getToken');
  assert.equal(root?.attributes['http.status_code'] ?? 200, 200);
  assert.equal(root?.status, 'ok');
  assert.ok(Math.abs((root!.endMs - root!.startMs) - 2500) < 1e-6);
  assert.ok(child!.endMs > root!.endMs, 'the recorded child ends after its parent');
});

test('v2 {trace} recordings equal v1 for the same trace; error status and message', () => {
  const v1 = parseTraceBody(load('trace_v1_child_after_parent.json'));
  const v2 = parseTraceBody(load('trace_v2_child_after_parent.json'));
  assert.deepEqual(v2.spans.map((s) => [s.spanId, s.name, s.startMs, s.endMs]), v1.spans.map((s) => [s.spanId, s.name, s.startMs, s.endMs]));
  const err = parseTraceBody(load('trace_v2_error_child.json'));
  const sign = err.spans.find((s) => s.name === 'KeyVault.sign');
  assert.equal(sign?.status, 'error');
  assert.equal(sign?.statusMessage, 'HSM busy');
  assert.equal(sign?.kind, 'client');
  const lz = parseTraceBody(load('trace_v2_stripped_leading_zero_id.json'));
  assert.equal(lz.traceId.length, 32);
  assert.ok(lz.traceId.startsWith('0'));
});

test('v2 not-found body is an empty trace; a PARTIAL v2 body says so', () => {
  const nf = parseTraceBody(load('trace_v2_notfound.json'));
  assert.equal(nf.spans.length, 0);
  assert.equal(nf.traceId, '');
  const body = load('trace_v2_error_child.json') as Record<string, unknown>;
  const partial = parseTraceBody({ ...body, status: 'PARTIAL', message: 'Trace exceeds maximum size of 100 bytes, a partial trace is returned' });
  assert.equal(partial.partial, true);
  assert.match(partial.message ?? '', /exceeds maximum size/);
  assert.equal(partial.spans.length, 2);
});

test('public fixtures: Java-agent v1 body and the vulture resourceSpans trace', () => {
  const v1 = parseTraceBody(load('trace-by-id-v1-batches.json'));
  assert.ok(v1.spans.length > 0);
  for (const s of v1.spans) {
    assert.match(s.traceId, /^[0-9a-f]{32}$/);
    assert.match(s.spanId, /^[0-9a-f]{16}$/);
    assert.ok(s.endMs >= s.startMs);
  }
  const arr = v1.spans.flatMap((s) => [...Object.values(s.attributes), ...Object.values(s.resource)]).find((v) => Array.isArray(v));
  assert.ok(arr !== undefined, 'arrayValue decoded to an array');
  const vulture = parseTraceBody(load('trace-otlp-resourcespans.json'));
  assert.ok(vulture.spans.length > 0);
  assert.ok(vulture.spans.some((s) => s.events.length > 0 || s.links.length > 0 || Object.keys(s.attributes).length > 0));
});

test('hex ids, legacy instrumentationLibrarySpans, numeric enums, snake_case keys', () => {
  const t = parseTraceBody({
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
      instrumentationLibrarySpans: [{
        instrumentationLibrary: { name: 'lib', version: '' },
        spans: [
          { traceId: 'ABCDEF0123456789ABCDEF0123456789', spanId: '0123456789ABCDEF', name: 'a', kind: 3, startTimeUnixNano: 1700000000000000000, endTimeUnixNano: '1700000000250000000', status: { code: 2, message: 'boom' } },
          { trace_id: 'abcdef0123456789abcdef0123456789', span_id: '1', parent_span_id: '0123456789abcdef', name: 'b', kind: 'SPAN_KIND_CONSUMER', start_time_unix_nano: '1700000000000000000', end_time_unix_nano: '1700000000000500000', status: {} },
        ],
      }],
    }],
  });
  assert.equal(t.traceId, 'abcdef0123456789abcdef0123456789');
  assert.equal(t.spans[0]?.spanId, '0123456789abcdef');
  assert.equal(t.spans[0]?.kind, 'client');
  assert.equal(t.spans[0]?.status, 'error');
  assert.equal(t.spans[0]?.statusMessage, 'boom');
  assert.equal(t.spans[0]?.scope?.name, 'lib');
  assert.equal(t.spans[0]?.scope?.version, null);
  assert.ok(Math.abs(t.spans[0]!.endMs - t.spans[0]!.startMs - 250) < 1e-3);
  assert.equal(t.spans[1]?.spanId, '0000000000000001');
  assert.equal(t.spans[1]?.parentSpanId, '0123456789abcdef');
  assert.equal(t.spans[1]?.kind, 'consumer');
  assert.equal(t.spans[1]?.status, 'unset');
  assert.ok(Math.abs(t.spans[1]!.endMs - t.spans[1]!.startMs - 0.5) < 1e-9, 'sub-millisecond precision kept');
});

test('nanosecond times: strings (exact ms), numbers, decimals, junk', () => {
  assert.equal(nanosToMs('1795311627074476592'), 1795311627074.476592);
  assert.equal(nanosToMs('1500000000.5'), 1500.0000005);
  assert.equal(nanosToMs(2_000_000), 2);
  assert.equal(nanosToMs('abc'), 0);
  assert.equal(nanosToMs(undefined), 0);
});

test('ids: base64 and hex, padded; undecodable → empty', () => {
  assert.equal(normalizeId('awJIDQAAAAAAAAAAAAAAAQ==', 32), '6b02480d000000000000000000000001');
  assert.equal(normalizeId('AAAAAAAAABE=', 16), '0000000000000011');
  assert.equal(normalizeId('1000000000000000000000001', 32), '00000001000000000000000000000001');
  assert.equal(normalizeId('', 16), '');
  assert.equal(normalizeId('!!!', 16), '');
  assert.equal(normalizeId(42, 16), '');
});

test('AnyValue: int strings become numbers only when safe; enums by name and number', () => {
  assert.equal(anyValue({ intValue: '42' }), 42);
  assert.equal(anyValue({ intValue: '9223372036854775807' }), '9223372036854775807');
  assert.equal(anyValue({ doubleValue: 1.5 }), 1.5);
  assert.equal(anyValue({ boolValue: false }), false);
  assert.deepEqual(anyValue({ arrayValue: { values: [{ stringValue: 'a' }, { intValue: 1 }] } }), ['a', 1]);
  assert.deepEqual({ ...(anyValue({ kvlistValue: { values: [{ key: 'k', value: { stringValue: 'v' } }] } }) as object) }, { k: 'v' });
  assert.equal(anyValue({}), null);
  assert.equal(spanKindOf('SPAN_KIND_INTERNAL'), 'internal');
  assert.equal(spanKindOf(99), 'unspecified');
  assert.equal(spanStatusOf('STATUS_CODE_OK'), 'ok');
  assert.equal(spanStatusOf(2), 'error');
});

test('non-trace bodies throw a clear error', () => {
  assert.throws(() => parseTraceBody({ traces: [] }), /not a trace: .*"traces"/);
  assert.throws(() => parseTraceBody([1, 2]), /not a trace: .*array/);
  assert.throws(() => parseTraceBody(null), /not a trace/);
  assert.throws(() => parseTraceBody('{"batches":[]}'), /not a trace/);
  assert.throws(() => parseTraceBody({ trace: 'x' }), /not a trace/);
});

test('hostile input: __proto__ keys stay data, deep nesting is bounded, junk entries are skipped', () => {
  let deep: unknown = { stringValue: 'bottom' };
  for (let i = 0; i < 10_000; i++) deep = { kvlistValue: { values: [{ key: 'k', value: deep }] } };
  const t = parseTraceBody({
    batches: [null, 5, { scopeSpans: [null, { spans: [7, null, {
      traceId: 'AQ==', spanId: 'Ag==', name: 42, kind: {}, status: 'x',
      attributes: [{ key: '__proto__', value: { stringValue: 'polluted' } }, { key: 'deep', value: deep }, { nokey: 1 }, null],
    }] }] }],
  });
  assert.equal(t.spans.length, 1);
  const s = t.spans[0]!;
  assert.equal(s.name, '');
  assert.equal(s.kind, 'unspecified');
  assert.equal(s.status, 'unset');
  assert.equal(Object.getOwnPropertyDescriptor(s.attributes, '__proto__')?.value, 'polluted');
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
  assert.equal(s.traceId, '00000000000000000000000000000001');
});

test('a 20,000-span trace parses, spans keep their resource, and groupByTrace splits multi-trace files', () => {
  const spans = Array.from({ length: 20_000 }, (_, i) => ({
    traceId: i % 2 === 0 ? 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' : 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',
    spanId: i.toString(16).padStart(16, '0'),
    parentSpanId: i > 1 ? (i - 2).toString(16).padStart(16, '0') : '',
    name: `op${i % 50}`,
    kind: 'SPAN_KIND_INTERNAL',
    startTimeUnixNano: String(1_700_000_000_000_000_000n + BigInt(i) * 1000n),
    endTimeUnixNano: String(1_700_000_000_000_000_000n + BigInt(i) * 1000n + 500n),
    attributes: [{ key: 'code.function', value: { stringValue: `f${i % 100}` } }, { key: 'n', value: { intValue: String(i) } }],
    events: i % 100 === 0 ? [{ timeUnixNano: '1700000000000000000', name: 'exception', attributes: [{ key: 'exception.message', value: { stringValue: 'x' } }] }] : [],
  }));
  const t = parseTraceBody({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'big' } }] }, scopeSpans: [{ spans }] }] });
  assert.equal(t.spans.length, 20_000);
  assert.equal(t.spans[19_999]?.attributes['n'], 19_999);
  assert.equal(t.spans[0]?.events.length, 1);
  assert.ok(t.spans.every((s) => s.service === 'big'));
  assert.equal(t.spans[0]?.resource, t.spans[1]?.resource, 'resource attributes are shared, not copied');
  const traces = groupByTrace(t.spans);
  assert.deepEqual(traces.map((x) => x.spans.length), [10_000, 10_000]);
});
