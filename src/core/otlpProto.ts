// OTLP protobuf (ExportTraceServiceRequest, trace v1) → the OTLP JSON object shape, so one parser (otlp.ts collectSpans) reads both.
//
// A hand-written wire-format reader, not a generated one: the extension ships no protobuf runtime,
// and the receiver only ever needs this one message. Everything is bounded: a malformed body throws
// an Error naming the field (truncated varint, length past the end, wrong wire type, AnyValue nested
// deeper than MAX_ANY_DEPTH), unknown fields are skipped, and nothing recurses except AnyValue.

/** AnyValue nesting the decoder accepts (the JSON parser keeps MAX_ATTRIBUTE_DEPTH of it, cutting the rest to null). */
export const MAX_ANY_DEPTH = 64;

type Json = Record<string, unknown>;

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

const HEX_CODE = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
/** Char codes of one short string or id (≤ 32), reused: decoding allocates only the result. */
const scratch: number[] = [];

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

const utf8 = new TextDecoder('utf-8');

/** A cursor over one message's bytes [pos, end). */
class Reader {
  pos: number;

  constructor(readonly buf: Uint8Array, start: number, readonly end: number) {
    this.pos = start;
  }

  /** A varint as a number (exact up to 2^53; tags, lengths, enums and counts never need more). */
  varint(field: string): number {
    const buf = this.buf;
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Error(`${field}: truncated varint`);
      const b = buf[this.pos++] as number;
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    throw new Error(`${field}: varint longer than 10 bytes`);
  }

  /** A varint as two's-complement int64: a number when it is a safe integer, else its decimal string. */
  int64(field: string): number | string {
    const buf = this.buf;
    let lo = 0;
    let hi = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Error(`${field}: truncated varint`);
      const b = buf[this.pos++] as number;
      if (shift < 28) lo |= (b & 0x7f) << shift;
      else if (shift === 28) { lo |= (b & 0x0f) << 28; hi |= (b & 0x7f) >> 4; }
      else hi |= (b & 0x7f) << (shift - 32);
      shift += 7;
      if (b < 0x80) return int64Of(lo >>> 0, hi >>> 0);
    }
    throw new Error(`${field}: varint longer than 10 bytes`);
  }

  /** Length of a length-delimited field, checked against the bytes left. */
  length(field: string): number {
    const n = this.varint(field);
    if (n > this.end - this.pos) throw new Error(`${field}: length ${n} past the end of the message`);
    return n;
  }

  need(n: number, field: string): void {
    if (n > this.end - this.pos) throw new Error(`${field}: truncated (needs ${n} bytes)`);
  }

  /** fixed64 nanoseconds → the decimal string jsonpb writes (exact: split so no step exceeds 2^53). */
  fixed64String(field: string): string {
    this.need(8, field);
    const buf = this.buf;
    const p = this.pos;
    const lo = ((buf[p] as number) | ((buf[p + 1] as number) << 8) | ((buf[p + 2] as number) << 16) | ((buf[p + 3] as number) << 24)) >>> 0;
    const hi = ((buf[p + 4] as number) | ((buf[p + 5] as number) << 8) | ((buf[p + 6] as number) << 16) | ((buf[p + 7] as number) << 24)) >>> 0;
    this.pos = p + 8;
    return uint64String(lo, hi);
  }

  double(field: string): number {
    this.need(8, field);
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).getFloat64(0, true);
    this.pos += 8;
    return v;
  }

  fixed32(field: string): number {
    this.need(4, field);
    const buf = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return ((buf[p] as number) | ((buf[p + 1] as number) << 8) | ((buf[p + 2] as number) << 16) | ((buf[p + 3] as number) << 24)) >>> 0;
  }

  string(field: string): string {
    const n = this.length(field);
    const start = this.pos;
    this.pos += n;
    return decodeUtf8(this.buf, start, start + n);
  }

  /**
   * Bytes as lower-case hex (OTLP JSON writes ids in hex, not base64), or '' when there are not
   * exactly `bytes` of them: a collector refuses such ids (where the JSON parser would pad short hex),
   * and the receiver skips and counts spans without valid ids. Built in one call from char codes: concatenation would leave a chain of
   * cons strings on the heap for every stored id.
   */
  hexId(bytes: number, field: string): string {
    const n = this.length(field);
    const start = this.pos;
    this.pos += n;
    if (n !== bytes) return '';
    const buf = this.buf;
    for (let i = 0; i < n; i++) {
      const b = buf[start + i] as number;
      scratch[2 * i] = HEX_CODE[b >> 4] as number;
      scratch[2 * i + 1] = HEX_CODE[b & 15] as number;
    }
    scratch.length = 2 * n;
    return String.fromCharCode.apply(null, scratch);
  }

  base64(field: string): string {
    const n = this.length(field);
    const s = toBase64(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  /** A sub-reader over the next length-delimited field. */
  sub(field: string): Reader {
    const n = this.length(field);
    const r = new Reader(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return r;
  }

  skip(wire: number, field: string): void {
    switch (wire) {
      case WIRE_VARINT: this.varint(field); return;
      case WIRE_I64: this.need(8, field); this.pos += 8; return;
      case WIRE_LEN: { const n = this.length(field); this.pos += n; return; }
      case WIRE_I32: this.need(4, field); this.pos += 4; return;
      default: throw new Error(`${field}: unsupported wire type ${wire}`);
    }
  }

  /** Next tag as [field number, wire type]; throws on field number 0. */
  tag(msg: string): number {
    const t = this.varint(`${msg} tag`);
    if (t < 8) throw new Error(`${msg}: invalid field number 0`);
    return t;
  }
}

function expect(wire: number, want: number, field: string): void {
  if (wire !== want) throw new Error(`${field}: wire type ${wire}, expected ${want}`);
}

/** Short ASCII strings (attribute keys, names) are decoded by hand: TextDecoder's per-call cost dominates them. */
function decodeUtf8(buf: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n <= 32) {
    for (let i = 0; i < n; i++) {
      const c = buf[start + i] as number;
      if (c >= 0x80) return utf8.decode(buf.subarray(start, end));
      scratch[i] = c;
    }
    scratch.length = n;
    return String.fromCharCode.apply(null, scratch);
  }
  return utf8.decode(buf.subarray(start, end));
}

function toBase64(buf: Uint8Array, start: number, end: number): string {
  let s = '';
  let i = start;
  for (; i + 2 < end; i += 3) {
    const n = ((buf[i] as number) << 16) | ((buf[i + 1] as number) << 8) | (buf[i + 2] as number);
    s += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!;
  }
  if (end - i === 1) {
    const n = (buf[i] as number) << 16;
    s += B64[n >> 18]! + B64[(n >> 12) & 63]! + '==';
  } else if (end - i === 2) {
    const n = ((buf[i] as number) << 16) | ((buf[i + 1] as number) << 8);
    s += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + '=';
  }
  return s;
}

const TWO32 = 4294967296;

/** Unsigned 64-bit (lo, hi) → decimal, exactly: hi·2^32 = hi·4294·10^6 + hi·967296, each product below 2^53. */
function uint64String(lo: number, hi: number): string {
  if (hi < 0x200000) return String(hi * TWO32 + lo);
  const low = hi * 967296 + lo;
  const millions = hi * 4294 + Math.floor(low / 1e6);
  const rest = low % 1e6;
  return `${millions}${String(rest).padStart(6, '0')}`;
}

function int64Of(lo: number, hi: number): number | string {
  if (hi < 0x200000) return hi * TWO32 + lo; // non-negative and below 2^53
  if (hi >= 0xffe00000) {
    // Negative, magnitude below 2^53: two's complement back.
    const v = -((~hi >>> 0) * TWO32 + ((~lo >>> 0) + 1));
    if (Number.isSafeInteger(v)) return v;
  }
  if (hi >= 0x80000000) {
    // Negative past 2^53: magnitude = 2^64 − value, written with the unsigned formula.
    const nlo = (~lo + 1) >>> 0;
    const nhi = (~hi + (nlo === 0 ? 1 : 0)) >>> 0;
    return `-${uint64String(nlo, nhi)}`;
  }
  return uint64String(lo, hi);
}

// ---- messages ------------------------------------------------------------------------------

function anyValue(r: Reader, depth: number): Json {
  if (depth > MAX_ANY_DEPTH) throw new Error(`AnyValue: nested deeper than ${MAX_ANY_DEPTH}`);
  let out: Json = {};
  while (r.pos < r.end) {
    const t = r.tag('AnyValue');
    const wire = t & 7;
    switch (t >>> 3) {
      case 1: expect(wire, WIRE_LEN, 'AnyValue.string_value'); out = { stringValue: r.string('AnyValue.string_value') }; break;
      case 2: expect(wire, WIRE_VARINT, 'AnyValue.bool_value'); out = { boolValue: r.varint('AnyValue.bool_value') !== 0 }; break;
      case 3: expect(wire, WIRE_VARINT, 'AnyValue.int_value'); out = { intValue: r.int64('AnyValue.int_value') }; break;
      case 4: expect(wire, WIRE_I64, 'AnyValue.double_value'); out = { doubleValue: r.double('AnyValue.double_value') }; break;
      case 5: expect(wire, WIRE_LEN, 'AnyValue.array_value'); out = { arrayValue: { values: valueList(r.sub('AnyValue.array_value'), depth) } }; break;
      case 6: expect(wire, WIRE_LEN, 'AnyValue.kvlist_value'); out = { kvlistValue: { values: kvList(r.sub('AnyValue.kvlist_value'), depth) } }; break;
      case 7: expect(wire, WIRE_LEN, 'AnyValue.bytes_value'); out = { bytesValue: r.base64('AnyValue.bytes_value') }; break;
      default: r.skip(wire, 'AnyValue');
    }
  }
  return out;
}

/** ArrayValue { repeated AnyValue values = 1 }. */
function valueList(r: Reader, depth: number): Json[] {
  const out: Json[] = [];
  while (r.pos < r.end) {
    const t = r.tag('ArrayValue');
    if (t >>> 3 === 1) {
      expect(t & 7, WIRE_LEN, 'ArrayValue.values');
      out.push(anyValue(r.sub('ArrayValue.values'), depth + 1));
    } else r.skip(t & 7, 'ArrayValue');
  }
  return out;
}

/** KeyValueList { repeated KeyValue values = 1 }. */
function kvList(r: Reader, depth: number): Json[] {
  const out: Json[] = [];
  while (r.pos < r.end) {
    const t = r.tag('KeyValueList');
    if (t >>> 3 === 1) {
      expect(t & 7, WIRE_LEN, 'KeyValueList.values');
      out.push(keyValue(r.sub('KeyValueList.values'), depth + 1));
    } else r.skip(t & 7, 'KeyValueList');
  }
  return out;
}

/** KeyValue { string key = 1; AnyValue value = 2 }. */
function keyValue(r: Reader, depth: number): Json {
  let key = '';
  let value: Json = {};
  while (r.pos < r.end) {
    const t = r.tag('KeyValue');
    const wire = t & 7;
    switch (t >>> 3) {
      case 1: expect(wire, WIRE_LEN, 'KeyValue.key'); key = r.string('KeyValue.key'); break;
      case 2: expect(wire, WIRE_LEN, 'KeyValue.value'); value = anyValue(r.sub('KeyValue.value'), depth); break;
      default: r.skip(wire, 'KeyValue');
    }
  }
  return { key, value };
}

function attribute(r: Reader, out: Json[], field: string): void {
  out.push(keyValue(r.sub(field), 0));
}

/** Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2 }. */
function resource(r: Reader): Json {
  const attributes: Json[] = [];
  let dropped = 0;
  while (r.pos < r.end) {
    const t = r.tag('Resource');
    const wire = t & 7;
    switch (t >>> 3) {
      case 1: expect(wire, WIRE_LEN, 'Resource.attributes'); attribute(r, attributes, 'Resource.attributes'); break;
      case 2: expect(wire, WIRE_VARINT, 'Resource.dropped_attributes_count'); dropped = r.varint('Resource.dropped_attributes_count'); break;
      default: r.skip(wire, 'Resource');
    }
  }
  return { attributes, droppedAttributesCount: dropped };
}

/** InstrumentationScope { name = 1; version = 2; attributes = 3; dropped_attributes_count = 4 }. */
function scope(r: Reader): Json {
  let name = '';
  let version = '';
  const attributes: Json[] = [];
  while (r.pos < r.end) {
    const t = r.tag('InstrumentationScope');
    const wire = t & 7;
    switch (t >>> 3) {
      case 1: expect(wire, WIRE_LEN, 'InstrumentationScope.name'); name = r.string('InstrumentationScope.name'); break;
      case 2: expect(wire, WIRE_LEN, 'InstrumentationScope.version'); version = r.string('InstrumentationScope.version'); break;
      case 3: expect(wire, WIRE_LEN, 'InstrumentationScope.attributes'); attribute(r, attributes, 'InstrumentationScope.attributes'); break;
      default: r.skip(wire, 'InstrumentationScope');
    }
  }
  return { name, version, attributes };
}

/** Status { string message = 2; StatusCode code = 3 } (field 1 is the deprecated code). */
function status(r: Reader): Json {
  let message = '';
  let code = 0;
  while (r.pos < r.end) {
    const t = r.tag('Status');
    const wire = t & 7;
    switch (t >>> 3) {
      case 2: expect(wire, WIRE_LEN, 'Status.message'); message = r.string('Status.message'); break;
      case 3: expect(wire, WIRE_VARINT, 'Status.code'); code = r.varint('Status.code'); break;
      default: r.skip(wire, 'Status');
    }
  }
  return { code, message };
}

/** Span.Event { fixed64 time_unix_nano = 1; name = 2; attributes = 3; dropped_attributes_count = 4 }. */
function event(r: Reader): Json {
  let time = '0';
  let name = '';
  const attributes: Json[] = [];
  while (r.pos < r.end) {
    const t = r.tag('Span.Event');
    const wire = t & 7;
    switch (t >>> 3) {
      case 1: expect(wire, WIRE_I64, 'Span.Event.time_unix_nano'); time = r.fixed64String('Span.Event.time_unix_nano'); break;
      case 2: expect(wire, WIRE_LEN, 'Span.Event.name'); name = r.string('Span.Event.name'); break;
      case 3: expect(wire, WIRE_LEN, 'Span.Event.attributes'); attribute(r, attributes, 'Span.Event.attributes'); break;
      default: r.skip(wire, 'Span.Event');
    }
  }
  return { timeUnixNano: time, name, attributes };
}

/** Span.Link { trace_id = 1; span_id = 2; trace_state = 3; attributes = 4; dropped = 5; fixed32 flags = 6 }. */
function link(r: Reader): Json {
  let traceId = '';
  let spanId = '';
  let traceState = '';
  let flags = 0;
  const attributes: Json[] = [];
  while (r.pos < r.end) {
    const t = r.tag('Span.Link');
    const wire = t & 7;
    switch (t >>> 3) {
      case 1: expect(wire, WIRE_LEN, 'Span.Link.trace_id'); traceId = r.hexId(16, 'Span.Link.trace_id'); break;
      case 2: expect(wire, WIRE_LEN, 'Span.Link.span_id'); spanId = r.hexId(8, 'Span.Link.span_id'); break;
      case 3: expect(wire, WIRE_LEN, 'Span.Link.trace_state'); traceState = r.string('Span.Link.trace_state'); break;
      case 4: expect(wire, WIRE_LEN, 'Span.Link.attributes'); attribute(r, attributes, 'Span.Link.attributes'); break;
      case 6: expect(wire, WIRE_I32, 'Span.Link.flags'); flags = r.fixed32('Span.Link.flags'); break;
      default: r.skip(wire, 'Span.Link');
    }
  }
  return { traceId, spanId, traceState, attributes, flags };
}

function span(r: Reader): Json {
  let traceId = '';
  let spanId = '';
  let parentSpanId = '';
  let traceState = '';
  let flags = 0;
  let name = '';
  let kind = 0;
  let start = '0';
  let end = '0';
  const attributes: Json[] = [];
  const events: Json[] = [];
  const links: Json[] = [];
  let st: Json | undefined;
  let droppedAttributes = 0;
  let droppedEvents = 0;
  let droppedLinks = 0;
  while (r.pos < r.end) {
    const t = r.tag('Span');
    const wire = t & 7;
    switch (t >>> 3) {
      case 1: expect(wire, WIRE_LEN, 'Span.trace_id'); traceId = r.hexId(16, 'Span.trace_id'); break;
      case 2: expect(wire, WIRE_LEN, 'Span.span_id'); spanId = r.hexId(8, 'Span.span_id'); break;
      case 3: expect(wire, WIRE_LEN, 'Span.trace_state'); traceState = r.string('Span.trace_state'); break;
      case 4: expect(wire, WIRE_LEN, 'Span.parent_span_id'); parentSpanId = r.hexId(8, 'Span.parent_span_id'); break;
      case 5: expect(wire, WIRE_LEN, 'Span.name'); name = r.string('Span.name'); break;
      case 6: expect(wire, WIRE_VARINT, 'Span.kind'); kind = r.varint('Span.kind'); break;
      case 7: expect(wire, WIRE_I64, 'Span.start_time_unix_nano'); start = r.fixed64String('Span.start_time_unix_nano'); break;
      case 8: expect(wire, WIRE_I64, 'Span.end_time_unix_nano'); end = r.fixed64String('Span.end_time_unix_nano'); break;
      case 9: expect(wire, WIRE_LEN, 'Span.attributes'); attribute(r, attributes, 'Span.attributes'); break;
      case 10: expect(wire, WIRE_VARINT, 'Span.dropped_attributes_count'); droppedAttributes = r.varint('Span.dropped_attributes_count'); break;
      case 11: expect(wire, WIRE_LEN, 'Span.events'); events.push(event(r.sub('Span.events'))); break;
      case 12: expect(wire, WIRE_VARINT, 'Span.dropped_events_count'); droppedEvents = r.varint('Span.dropped_events_count'); break;
      case 13: expect(wire, WIRE_LEN, 'Span.links'); links.push(link(r.sub('Span.links'))); break;
      case 14: expect(wire, WIRE_VARINT, 'Span.dropped_links_count'); droppedLinks = r.varint('Span.dropped_links_count'); break;
      case 15: expect(wire, WIRE_LEN, 'Span.status'); st = status(r.sub('Span.status')); break;
      case 16: expect(wire, WIRE_I32, 'Span.flags'); flags = r.fixed32('Span.flags'); break;
      default: r.skip(wire, 'Span');
    }
  }
  const out: Json = {
    traceId, spanId, traceState, parentSpanId, flags, name, kind,
    startTimeUnixNano: start, endTimeUnixNano: end,
    attributes, droppedAttributesCount: droppedAttributes,
    events, droppedEventsCount: droppedEvents,
    links, droppedLinksCount: droppedLinks,
  };
  if (st !== undefined) out['status'] = st;
  return out;
}

/** ScopeSpans { scope = 1; spans = 2; schema_url = 3 } — also the deprecated InstrumentationLibrarySpans, same numbers. */
function scopeSpans(r: Reader): Json {
  let sc: Json | undefined;
  const spans: Json[] = [];
  let schemaUrl = '';
  while (r.pos < r.end) {
    const t = r.tag('ScopeSpans');
    const wire = t & 7;
    switch (t >>> 3) {
      case 1: expect(wire, WIRE_LEN, 'ScopeSpans.scope'); sc = scope(r.sub('ScopeSpans.scope')); break;
      case 2: expect(wire, WIRE_LEN, 'ScopeSpans.spans'); spans.push(span(r.sub('ScopeSpans.spans'))); break;
      case 3: expect(wire, WIRE_LEN, 'ScopeSpans.schema_url'); schemaUrl = r.string('ScopeSpans.schema_url'); break;
      default: r.skip(wire, 'ScopeSpans');
    }
  }
  const out: Json = { spans, schemaUrl };
  if (sc !== undefined) out['scope'] = sc;
  return out;
}

/** ResourceSpans { resource = 1; scope_spans = 2; schema_url = 3; instrumentation_library_spans = 1000 (deprecated) }. */
function resourceSpans(r: Reader): Json {
  let res: Json | undefined;
  const scopes: Json[] = [];
  let schemaUrl = '';
  while (r.pos < r.end) {
    const t = r.tag('ResourceSpans');
    const wire = t & 7;
    switch (t >>> 3) {
      case 1: expect(wire, WIRE_LEN, 'ResourceSpans.resource'); res = resource(r.sub('ResourceSpans.resource')); break;
      case 2: expect(wire, WIRE_LEN, 'ResourceSpans.scope_spans'); scopes.push(scopeSpans(r.sub('ResourceSpans.scope_spans'))); break;
      case 3: expect(wire, WIRE_LEN, 'ResourceSpans.schema_url'); schemaUrl = r.string('ResourceSpans.schema_url'); break;
      case 1000: expect(wire, WIRE_LEN, 'ResourceSpans.instrumentation_library_spans'); scopes.push(scopeSpans(r.sub('ResourceSpans.instrumentation_library_spans'))); break;
      default: r.skip(wire, 'ResourceSpans');
    }
  }
  const out: Json = { scopeSpans: scopes, schemaUrl };
  if (res !== undefined) out['resource'] = res;
  return out;
}

/**
 * Decodes an `ExportTraceServiceRequest` (also a `TracesData`: same field 1) into
 * `{ resourceSpans: [...] }` in the OTLP JSON mapping — hex ids, int64 as numbers when safe and
 * decimal strings otherwise, fixed64 times as decimal strings, bytes as base64, enums as numbers.
 * Throws an Error naming the field on malformed input.
 */
export function decodeExportTraceRequest(bytes: Uint8Array): { resourceSpans: Json[] } {
  const r = new Reader(bytes, 0, bytes.length);
  const out: Json[] = [];
  while (r.pos < r.end) {
    const t = r.tag('ExportTraceServiceRequest');
    if (t >>> 3 === 1) {
      expect(t & 7, WIRE_LEN, 'ExportTraceServiceRequest.resource_spans');
      out.push(resourceSpans(r.sub('ExportTraceServiceRequest.resource_spans')));
    } else r.skip(t & 7, 'ExportTraceServiceRequest');
  }
  return { resourceSpans: out };
}

// ---- encoding the answers ------------------------------------------------------------------

const utf8Out = new TextEncoder();

function pushVarint(out: number[], v: number): void {
  let n = v;
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
}

function pushString(out: number[], field: number, s: string): void {
  if (s === '') return;
  const b = utf8Out.encode(s);
  pushVarint(out, (field << 3) | WIRE_LEN);
  pushVarint(out, b.length);
  for (let i = 0; i < b.length; i++) out.push(b[i] as number);
}

/**
 * `ExportTraceServiceResponse { ExportTracePartialSuccess partial_success = 1 }` with
 * `{ int64 rejected_spans = 1; string error_message = 2 }`; no partial success → the empty message.
 */
export function encodeExportTraceResponse(rejectedSpans: number, errorMessage: string): Uint8Array {
  if (rejectedSpans <= 0 && errorMessage === '') return new Uint8Array(0);
  const inner: number[] = [];
  if (rejectedSpans > 0) {
    pushVarint(inner, (1 << 3) | WIRE_VARINT);
    pushVarint(inner, rejectedSpans);
  }
  pushString(inner, 2, errorMessage);
  const out: number[] = [];
  pushVarint(out, (1 << 3) | WIRE_LEN);
  pushVarint(out, inner.length);
  for (const b of inner) out.push(b);
  return Uint8Array.from(out);
}

/** `google.rpc.Status { int32 code = 1; string message = 2 }` (no details). */
export function encodeRpcStatus(code: number, message: string): Uint8Array {
  const out: number[] = [];
  if (code !== 0) {
    pushVarint(out, (1 << 3) | WIRE_VARINT);
    pushVarint(out, code);
  }
  pushString(out, 2, message);
  return Uint8Array.from(out);
}
