// The OTLP protobuf decoder: the same SDK spans read through protobuf and through JSON give the same
// Spans; hand-built messages cover what the SDK never sends; malformed and random bytes only ever
// throw an Error naming the field.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import fc from 'fast-check';
import { collectSpans, SkipCounter } from '../../src/core/otlp';
import { decodeExportTraceRequest, encodeExportTraceResponse, encodeRpcStatus, MAX_ANY_DEPTH } from '../../src/core/otlpProto';
import type { Span } from '../../src/shared/model';
import { jsonBody, protoBody, sdkSpans, typicalSpecs, type SpanSpec } from './otelSpans';
import { bytes, cat, double, fixed32, fixed64, hex, len, str, tag, varint, vint } from './protoWriter';

function viaJson(body: Uint8Array): Span[] {
  const out: Span[] = [];
  collectSpans((JSON.parse(Buffer.from(body).toString('utf8')) as { resourceSpans: unknown[] }).resourceSpans, out);
  return out;
}

function viaProto(body: Uint8Array, skips?: SkipCounter): Span[] {
  const out: Span[] = [];
  collectSpans(decodeExportTraceRequest(body).resourceSpans, out, skips);
  return out;
}

/** The decoder's Error messages start with the message or field they are about. */
const FIELD_ERROR = /^[A-Z][A-Za-z]*(\.[A-Za-z_]+)*( tag)?: /;

describe('OTLP protobuf decoder vs the JSON path', () => {
  it('SDK spans serialized as protobuf and as JSON by the SDK decode to the same Spans', () => {
    const spans = sdkSpans([
      ...typicalSpecs(30),
      {
        name: 'edge values', kind: SpanKind.CONSUMER, status: 2, message: 'ünïcödé ✓ message', durationMs: 0.000_5, events: 3, child: true,
        attributes: { big: 2 ** 40 + 3, neg: -12345, negBig: -(2 ** 50), dbl: -1.5e-7, t: true, f: false, empty: '', uni: 'žluťoučký kůň 🐎', strs: ['a', 'b'], nums: [1, 2.5, -3], bools: [true, false] },
      },
    ]);
    const fromJson = viaJson(jsonBody(spans));
    const fromProto = viaProto(protoBody(spans));
    assert.equal(fromProto.length, 31);
    assert.deepEqual(fromProto, fromJson);
    // Not vacuous: the ids, parents, kinds and nanosecond times really came through.
    const last = fromProto[30] as Span;
    assert.equal(last.parentSpanId, (fromProto[29] as Span).spanId);
    assert.equal(last.kind, 'consumer');
    assert.equal(last.statusMessage, 'ünïcödé ✓ message');
    assert.equal(last.attributes['negBig'], -(2 ** 50));
    assert.match(last.traceId, /^[0-9a-f]{32}$/);
    assert.ok(fromProto.some((s) => s.links.length > 0));
  });

  it('property: any SDK attribute set and timing decodes the same through protobuf and JSON', () => {
    const scalar = fc.oneof(
      fc.string({ maxLength: 20, unit: 'grapheme' }),
      fc.boolean(),
      fc.integer({ min: -(2 ** 31), max: 2 ** 31 }),
      fc.maxSafeInteger(),
      // Integral doubles past 2^53: the SDK's JSON writes a bare (already rounded) number where the
      // protobuf int64 is exact, so the two paths rightly differ there; -0 JSON writes as 0.
      fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0) && (!Number.isInteger(d) || Number.isSafeInteger(d))),
    );
    const attr = fc.oneof(scalar, fc.array(fc.string({ maxLength: 5 }), { maxLength: 4 }), fc.array(fc.integer(), { maxLength: 4 }));
    const spec: fc.Arbitrary<SpanSpec> = fc.record({
      name: fc.string({ maxLength: 30 }),
      kind: fc.constantFrom(SpanKind.INTERNAL, SpanKind.SERVER, SpanKind.CLIENT, SpanKind.PRODUCER, SpanKind.CONSUMER),
      attributes: fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }).filter((k) => k !== '__proto__'), attr, { maxKeys: 6 }),
      status: fc.constantFrom(0 as const, 1 as const, 2 as const),
      message: fc.string({ maxLength: 30 }),
      durationMs: fc.double({ min: 0, max: 1e7, noNaN: true }),
      events: fc.integer({ min: 0, max: 2 }),
      child: fc.boolean(),
    });
    fc.assert(fc.property(fc.array(spec, { minLength: 1, maxLength: 8 }), (specs) => {
      const spans = sdkSpans(specs);
      assert.deepEqual(viaProto(protoBody(spans)), viaJson(jsonBody(spans)));
    }), { numRuns: 150 });
  });
});

describe('OTLP protobuf decoder, hand-built messages', () => {
  const traceId = '0af7651916cd43dd8448eb211c80319c';
  const spanId = 'b7ad6b7169203331';
  const anyStr = (s: string) => str(1, s);
  const kv = (key: string, value: number[]) => cat(str(1, key), len(2, value));

  it('reads every AnyValue kind, int64 extremes, fixed64 times, the deprecated instrumentation_library_spans and skips unknown fields', () => {
    const span = cat(
      hex(1, traceId), hex(2, spanId), str(3, 'rojo=1'), hex(4, '0000000000000001'), str(5, 'op'), vint(6, 3),
      fixed64(7, 1733462400123456789n), fixed64(8, 1733462400124456789n),
      len(9, kv('s', anyStr('x'))),
      len(9, kv('b', vint(2, 1))),
      len(9, kv('i', vint(3, -1))),
      len(9, kv('max', vint(3, 2n ** 63n - 1n))),
      len(9, kv('min', vint(3, -(2n ** 63n)))),
      len(9, kv('p53', vint(3, 2n ** 53n))),
      len(9, kv('d', double(4, 2.5))),
      len(9, kv('arr', len(5, cat(len(1, anyStr('a')), len(1, vint(3, 7)))))),
      len(9, kv('kv', len(6, len(1, kv('inner', vint(2, 0)))))),
      len(9, kv('bytes', len(7, [0xde, 0xad, 0xbe, 0xef, 0x01]))),
      len(9, kv('empty', [])),
      // Unknown fields of every wire type, in Span and in AnyValue.
      vint(99, 5), fixed64(98, 1n), fixed32(97, 1), len(96, [1, 2, 3]),
      len(15, cat(vint(1, 2), str(2, 'bad'), vint(3, 2))),
      fixed32(16, 0x301),
      len(11, cat(fixed64(1, 1733462400123956789n), str(2, 'ev'), len(3, kv('k', anyStr('v'))))),
      len(13, cat(hex(1, traceId), hex(2, '00000000000000aa'), len(4, kv('l', vint(3, 1))), fixed32(6, 1))),
    );
    const body = bytes(len(1, cat(
      len(1, len(1, kv('service.name', anyStr('legacy')))),
      // Field 1000: InstrumentationLibrarySpans, laid out as ScopeSpans.
      len(1000, cat(len(1, cat(str(1, 'lib'), str(2, '9'))), len(2, span))),
      vint(4242, 1),
    )));
    const viaP = viaProto(body);
    const json = { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'legacy' } }] }, instrumentationLibrarySpans: [{ instrumentationLibrary: { name: 'lib', version: '9' }, spans: [{
      traceId, spanId, parentSpanId: '0000000000000001', name: 'op', kind: 3, startTimeUnixNano: '1733462400123456789', endTimeUnixNano: '1733462400124456789',
      attributes: [
        { key: 's', value: { stringValue: 'x' } }, { key: 'b', value: { boolValue: true } }, { key: 'i', value: { intValue: '-1' } },
        { key: 'max', value: { intValue: '9223372036854775807' } }, { key: 'min', value: { intValue: '-9223372036854775808' } },
        { key: 'p53', value: { intValue: '9007199254740992' } }, { key: 'd', value: { doubleValue: 2.5 } },
        { key: 'arr', value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: '7' }] } } },
        { key: 'kv', value: { kvlistValue: { values: [{ key: 'inner', value: { boolValue: false } }] } } },
        { key: 'bytes', value: { bytesValue: '3q2+7wE=' } }, { key: 'empty', value: {} },
      ],
      status: { code: 2, message: 'bad' },
      events: [{ timeUnixNano: '1733462400123956789', name: 'ev', attributes: [{ key: 'k', value: { stringValue: 'v' } }] }],
      links: [{ traceId, spanId: '00000000000000aa', attributes: [{ key: 'l', value: { intValue: 1 } }] }],
    }] }] }] };
    const viaJ: Span[] = [];
    collectSpans(json.resourceSpans, viaJ);
    assert.deepEqual(viaP, viaJ);
    const s = viaP[0] as Span;
    assert.equal(s.attributes['max'], '9223372036854775807');
    assert.equal(s.attributes['min'], '-9223372036854775808');
    assert.equal(s.attributes['i'], -1);
    assert.equal(s.endMs - s.startMs, 1);
    assert.equal(s.startMs, 1733462400123.456789);
    assert.equal(s.service, 'legacy');
  });

  it('decodes int64 varints exactly across the whole range', () => {
    fc.assert(fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (v) => {
      const body = bytes(len(1, len(2, len(2, cat(hex(1, traceId), hex(2, spanId), len(9, kv('v', vint(3, v))))))));
      const attr = ((decodeExportTraceRequest(body).resourceSpans[0] as any).scopeSpans[0].spans[0].attributes[0].value.intValue) as number | string;
      assert.equal(BigInt(attr), v);
      assert.equal(typeof attr, v >= -(2n ** 53n) + 1n && v <= 2n ** 53n - 1n ? 'number' : 'string');
    }), { numRuns: 500 });
  });

  it('ids of the wrong length decode as absent (the receiver refuses such spans)', () => {
    const body = bytes(len(1, len(2, len(2, cat(hex(1, 'abcd'), hex(2, spanId), hex(4, 'ff')))))) ;
    const spans = viaProto(body);
    assert.equal(spans[0]?.traceId, '');
    assert.equal(spans[0]?.parentSpanId, null);
    assert.equal(spans[0]?.spanId, spanId);
  });

  const cases: Array<[string, number[], RegExp]> = [
    ['truncated varint', cat(len(1, len(2, len(2, cat(tag(6, 0), [0x80]))))), /^Span\.kind: truncated varint/],
    ['varint over 10 bytes', cat(tag(1, 2), [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), /varint longer than 10 bytes/],
    ['length past the end', cat(tag(1, 2), varint(100), [1, 2, 3]), /^ExportTraceServiceRequest\.resource_spans: length 100 past the end/],
    ['wrong wire type', cat(len(1, len(2, len(2, vint(5, 1))))), /^Span\.name: wire type 0, expected 2$/],
    ['fixed64 cut short', cat(len(1, len(2, len(2, cat(tag(7, 1), [1, 2, 3]))))), /^Span\.start_time_unix_nano: truncated/],
    ['group wire type', cat(len(1, len(2, len(2, tag(50, 3))))), /^Span: unsupported wire type 3/],
    ['field number 0', [0x02, 0x00], /^ExportTraceServiceRequest: invalid field number 0/],
  ];
  for (const [what, body, message] of cases) {
    it(`refuses ${what} with an Error naming the field`, () => {
      assert.throws(() => decodeExportTraceRequest(Uint8Array.from(body)), (e: unknown) => e instanceof Error && message.test(e.message));
    });
  }

  it('refuses AnyValue nested past the cap without deep recursion, even 5000 levels deep', () => {
    let v: number[] = anyStr('leaf');
    for (let i = 0; i < 5000; i++) v = len(5, len(1, v));
    const body = bytes(len(1, len(2, len(2, cat(hex(1, traceId), hex(2, spanId), len(9, kv('deep', v)))))));
    assert.throws(() => decodeExportTraceRequest(body), new RegExp(`AnyValue: nested deeper than ${MAX_ANY_DEPTH}`));
    // At the cap it is accepted (and the JSON path then cuts it to null past MAX_ATTRIBUTE_DEPTH, as for JSON).
    let ok: number[] = anyStr('leaf');
    for (let i = 0; i < MAX_ANY_DEPTH; i++) ok = len(5, len(1, ok));
    assert.equal(viaProto(bytes(len(1, len(2, len(2, cat(hex(1, traceId), hex(2, spanId), len(9, kv('deep', ok)))))))).length, 1);
  });
});

describe('OTLP protobuf decoder, hostile bytes', () => {
  const valid = protoBody(sdkSpans(typicalSpecs(5)));

  function decodesOrNamesTheField(body: Uint8Array): void {
    try {
      const r = decodeExportTraceRequest(body);
      collectSpans(r.resourceSpans, [], new SkipCounter());
    } catch (e) {
      assert.ok(e instanceof Error && e.constructor === Error, `threw ${String(e)}`);
      assert.match(e.message, FIELD_ERROR);
    }
  }

  it('random bytes: returns or throws a plain Error naming a field, never anything else', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (b) => decodesOrNamesTheField(b)), { numRuns: 3000 });
  });

  it('a real request with bytes flipped, cut or inserted: the same', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
      fc.nat(valid.length),
      (flips, cut) => {
        const b = valid.slice(0, Math.max(1, cut));
        for (const [at, v] of flips) if (at < b.length) b[at] = v;
        decodesOrNamesTheField(b);
      },
    ), { numRuns: 3000 });
  });
});

describe('OTLP protobuf answers', () => {
  it('ExportTraceServiceResponse with partial success reads back through the SDK exporter\'s own decoder', () => {
    const r = ProtobufTraceSerializer.deserializeResponse(encodeExportTraceResponse(3, 'skipped 3 spans with an invalid start time'));
    assert.equal(Number(r.partialSuccess?.rejectedSpans), 3);
    assert.equal(r.partialSuccess?.errorMessage, 'skipped 3 spans with an invalid start time');
    assert.equal(encodeExportTraceResponse(0, '').length, 0);
    assert.equal(ProtobufTraceSerializer.deserializeResponse(encodeExportTraceResponse(0, '')).partialSuccess, undefined);
  });

  it('google.rpc.Status is {code = 1, message = 2}', () => {
    assert.deepEqual([...encodeRpcStatus(3, 'bad')], [0x08, 3, 0x12, 3, 0x62, 0x61, 0x64]);
  });
});
