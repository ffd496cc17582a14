// OTLP JSON (resourceSpans, Tempo v1 batches, v2 {trace}) → Trace: ids to hex, enums, AnyValue decoding.
import { MAX_ATTRIBUTE_DEPTH, type Attributes, type AttrValue, type Span, type SpanEvent, type SpanKind, type SpanLink, type SpanStatus, type Trace } from '../shared/model';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function list(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}

// ---- ids -------------------------------------------------------------------------------------

const HEX = '0123456789abcdef';
const B64 = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;
// base64url, as some exporters write it.
B64['-'.charCodeAt(0)] = 62;
B64['_'.charCodeAt(0)] = 63;

function isHex(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) return false;
  }
  return true;
}

const HEX_CODES = Array.from(HEX, (c) => c.charCodeAt(0));
/** Scratch for hex character codes (ids are ≤ 16 bytes; longer input is rejected by the caller). */
const hexScratch: number[] = [];

function base64ToHex(s: string): string | null {
  let n = 0;
  let buf = 0;
  let bits = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 61) break; // '='
    const v = c < 128 ? (B64[c] as number) : -1;
    if (v < 0) return null;
    buf = ((buf << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      const byte = (buf >> bits) & 0xff;
      if (n >= 64) return null;
      hexScratch[n++] = HEX_CODES[byte >> 4] as number;
      hexScratch[n++] = HEX_CODES[byte & 15] as number;
    }
  }
  hexScratch.length = n;
  return String.fromCharCode.apply(null, hexScratch);
}

// The spans of one trace repeat its trace id: remember the last conversion per id length.
let lastRaw32 = '';
let lastHex32 = '';

/**
 * Normalises a trace or span id from any encoding Tempo or an exporter uses to `hexLen` lower-case
 * hex characters: hex (search, OTLP/JSON spec; leading zeros may be stripped) or base64 (Tempo's
 * trace-by-id, since `bytes` are marshalled as base64). Returns '' for an absent/undecodable id.
 */
export function normalizeId(raw: unknown, hexLen: 32 | 16): string {
  if (typeof raw !== 'string' || raw === '') return '';
  if (hexLen === 32) {
    if (raw === lastRaw32) return lastHex32;
    const hex = convertId(raw, 32);
    lastRaw32 = raw;
    lastHex32 = hex;
    return hex;
  }
  return convertId(raw, hexLen);
}

function convertId(raw: string, hexLen: 32 | 16): string {
  // Base64 of 16/8 bytes is 24/12 chars ending in '='; a hex id is ≤ 32/16 chars of [0-9a-f].
  if (!raw.endsWith('=') && raw.length <= hexLen && isHex(raw)) {
    const lower = raw.toLowerCase();
    return lower.length === hexLen ? lower : lower.padStart(hexLen, '0');
  }
  const hex = base64ToHex(raw);
  if (hex === null || hex.length === 0 || hex.length > hexLen) return '';
  return hex.length === hexLen ? hex : hex.padStart(hexLen, '0');
}

/** A search trace id (leading zeros stripped) → 32 hex characters. */
export function padTraceId(id: string): string {
  const lower = id.toLowerCase();
  return lower.length >= 32 ? lower : lower.padStart(32, '0');
}

// ---- enums -----------------------------------------------------------------------------------

const KINDS: readonly SpanKind[] = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];

export function spanKindOf(v: unknown): SpanKind {
  if (typeof v === 'number') return KINDS[v] ?? 'unspecified';
  if (typeof v === 'string') {
    const k = v.toLowerCase().replace(/^span_kind_/, '');
    if ((KINDS as readonly string[]).includes(k)) return k as SpanKind;
    if (/^\d$/.test(k)) return KINDS[Number(k)] ?? 'unspecified';
  }
  return 'unspecified';
}

const STATUSES: readonly SpanStatus[] = ['unset', 'ok', 'error'];

export function spanStatusOf(v: unknown): SpanStatus {
  if (typeof v === 'number') return STATUSES[v] ?? 'unset';
  if (typeof v === 'string') {
    const s = v.toLowerCase().replace(/^status_code_/, '');
    if (s === 'ok' || s === 'error' || s === 'unset') return s;
    if (/^\d$/.test(s)) return STATUSES[Number(s)] ?? 'unset';
  }
  return 'unset';
}

// ---- values ----------------------------------------------------------------------------------


/** Decodes an OTLP AnyValue; `intValue` strings become numbers when they fit exactly. */
export function anyValue(v: unknown, depth = 0): AttrValue {
  if (!isObj(v)) return null;
  const s = v['stringValue'];
  if (typeof s === 'string') return s;
  const i = v['intValue'];
  if (i !== undefined) return intValue(i);
  const d = v['doubleValue'];
  if (typeof d === 'number') return d;
  if (typeof d === 'string') {
    const n = Number(d);
    return Number.isNaN(n) && d !== 'NaN' ? d : n;
  }
  const b = v['boolValue'];
  if (typeof b === 'boolean') return b;
  if (depth >= MAX_ATTRIBUTE_DEPTH) return null;
  const a = v['arrayValue'];
  if (isObj(a)) return list(a['values']).map((x) => anyValue(x, depth + 1));
  const kv = v['kvlistValue'];
  if (isObj(kv)) return keyValues(kv['values'], depth + 1);
  const bytes = v['bytesValue'];
  if (typeof bytes === 'string') return bytes;
  return null;
}

function intValue(i: unknown): AttrValue {
  if (typeof i === 'number') return i;
  if (typeof i === 'string') {
    const n = Number(i);
    return Number.isSafeInteger(n) && /^-?\d+$/.test(i) ? n : i;
  }
  return null;
}

/**
 * `[{key, value}]` → a record. A plain object (fast properties; null-prototype objects are
 * dictionaries in V8 and cost 2× to build), with `__proto__` defined as plain data so a hostile
 * key can never replace the prototype.
 */
export function keyValues(v: unknown, depth = 0): Attributes {
  const out: Record<string, AttrValue> = {};
  const arr = list(v);
  for (let k = 0; k < arr.length; k++) {
    const kv = arr[k];
    if (!isObj(kv)) continue;
    const key = kv['key'];
    if (typeof key !== 'string') continue;
    const value = anyValue(kv['value'], depth);
    if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    else out[key] = value;
  }
  return out;
}

// ---- time ------------------------------------------------------------------------------------

/** Unix nanoseconds (string per jsonpb, or number) → epoch ms, keeping sub-ms precision. */
export function nanosToMs(v: unknown): number {
  if (typeof v === 'number') return Number.isFinite(v) ? v / 1e6 : 0;
  if (typeof v !== 'string' || v === '') return 0;
  if (v.length > 6 && v.indexOf('.') < 0 && v.indexOf('e') < 0 && v.indexOf('E') < 0 && v.charCodeAt(0) !== 45) {
    // Split so the milliseconds stay exact (a 19-digit nanosecond count is beyond 2^53).
    const ms = Number(v.slice(0, -6)) + Number(v.slice(-6)) / 1e6;
    if (Number.isFinite(ms)) return ms;
  }
  const n = Number(v);
  return Number.isFinite(n) ? n / 1e6 : 0;
}

/** The largest int64 in milliseconds: OTLP times are (s)fixed64 nanoseconds, anything past it is not a time. */
const MAX_TIME_MS = 9_223_372_036_854.775;

/** True when `ms` (from `nanosToMs`) is a time a Date can hold and an int64 nanosecond count can express. */
export function isValidTimeMs(ms: number): boolean {
  return Number.isFinite(ms) && ms >= 0 && ms <= MAX_TIME_MS;
}

/**
 * What a parse skipped instead of failing: one bad span must not cost the trace, the file or the
 * command. `notes()` words the counts for the user ("skipped 1 span with an invalid start time").
 */
export class SkipCounter {
  private readonly counts = new Map<string, { one: string; many: string; n: number }>();

  skip(one: string, many: string): void {
    const c = this.counts.get(one);
    if (c === undefined) this.counts.set(one, { one, many, n: 1 });
    else c.n++;
  }

  get total(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c.n;
    return n;
  }

  notes(): string[] {
    return [...this.counts.values()].map((c) => `skipped ${c.n} ${c.n === 1 ? c.one : c.many}`);
  }
}

// ---- spans -----------------------------------------------------------------------------------

const EMPTY_EVENTS: readonly SpanEvent[] = Object.freeze([]);
const EMPTY_LINKS: readonly SpanLink[] = Object.freeze([]);

function pick(o: Obj, camel: string, snake: string): unknown {
  const v = o[camel];
  return v !== undefined ? v : o[snake];
}

function parseSpan(s: Obj, resource: Attributes, service: string | null, scope: Span['scope'], skips: SkipCounter | undefined): Span | null {
  const startMs = nanosToMs(pick(s, 'startTimeUnixNano', 'start_time_unix_nano'));
  if (!isValidTimeMs(startMs)) {
    skips?.skip('span with an invalid start time', 'spans with an invalid start time');
    return null;
  }
  const endMs = nanosToMs(pick(s, 'endTimeUnixNano', 'end_time_unix_nano'));
  if (!isValidTimeMs(endMs)) {
    skips?.skip('span with an invalid end time', 'spans with an invalid end time');
    return null;
  }
  const status = isObj(s['status']) ? s['status'] : null;
  const rawEvents = list(s['events']);
  const rawLinks = list(s['links']);
  const parent = normalizeId(pick(s, 'parentSpanId', 'parent_span_id'), 16);
  const name = s['name'];
  const msg = status !== null ? status['message'] : undefined;
  return {
    traceId: normalizeId(pick(s, 'traceId', 'trace_id'), 32),
    spanId: normalizeId(pick(s, 'spanId', 'span_id'), 16),
    parentSpanId: parent === '' || parent === '0000000000000000' ? null : parent,
    name: typeof name === 'string' ? name : '',
    kind: spanKindOf(s['kind']),
    startMs,
    endMs,
    status: status !== null ? spanStatusOf(status['code']) : 'unset',
    statusMessage: typeof msg === 'string' && msg !== '' ? msg : null,
    attributes: keyValues(s['attributes']),
    resource,
    service,
    scope,
    events: rawEvents.length === 0 ? EMPTY_EVENTS : rawEvents.filter(isObj).map((e) => ({
      name: typeof e['name'] === 'string' ? e['name'] : '',
      timeMs: eventTime(nanosToMs(pick(e, 'timeUnixNano', 'time_unix_nano')), startMs),
      attributes: keyValues(e['attributes']),
    })),
    links: rawLinks.length === 0 ? EMPTY_LINKS : rawLinks.filter(isObj).map((l) => ({
      traceId: normalizeId(pick(l, 'traceId', 'trace_id'), 32),
      spanId: normalizeId(pick(l, 'spanId', 'span_id'), 16),
      attributes: keyValues(l['attributes']),
    })),
  };
}

/** An event time that is not a time is shown at the start of its span rather than dropping the span. */
function eventTime(ms: number, spanStartMs: number): number {
  return isValidTimeMs(ms) ? ms : spanStartMs;
}

/**
 * Appends the spans of a list of ResourceSpans (`scopeSpans` or legacy `instrumentationLibrarySpans`).
 * A span whose start or end is not a valid time is skipped and counted in `skips`.
 */
export function collectSpans(resourceSpans: readonly unknown[], out: Span[], skips?: SkipCounter): void {
  for (let r = 0; r < resourceSpans.length; r++) {
    const rs = resourceSpans[r];
    if (!isObj(rs)) continue;
    const res = isObj(rs['resource']) ? rs['resource'] : null;
    const resource = res !== null ? keyValues(res['attributes']) : {};
    const svc = resource['service.name'];
    const service = typeof svc === 'string' && svc !== '' ? svc : null;
    const scopes = rs['scopeSpans'] ?? rs['scope_spans'] ?? rs['instrumentationLibrarySpans'] ?? rs['instrumentation_library_spans'];
    const scopeList = list(scopes);
    for (let i = 0; i < scopeList.length; i++) {
      const ss = scopeList[i];
      if (!isObj(ss)) continue;
      const sc = ss['scope'] ?? ss['instrumentationLibrary'] ?? ss['instrumentation_library'];
      let scope: Span['scope'] = null;
      if (isObj(sc) && typeof sc['name'] === 'string') {
        scope = { name: sc['name'], version: typeof sc['version'] === 'string' && sc['version'] !== '' ? sc['version'] : null };
      }
      const spans = list(ss['spans']);
      for (let j = 0; j < spans.length; j++) {
        const s = spans[j];
        if (!isObj(s)) continue;
        const span = parseSpan(s, resource, service, scope, skips);
        if (span !== null) out.push(span);
      }
    }
  }
}

/** Where the ResourceSpans list of a body is, or null when the body is not a trace body. */
function locate(body: unknown): { resourceSpans: readonly unknown[]; partial: boolean; message: string | null } | null {
  if (!isObj(body)) return null;
  if ('trace' in body) {
    const t = body['trace'];
    if (t !== null && t !== undefined && !isObj(t)) return null;
    const inner = isObj(t) ? t : {};
    const rs = inner['resourceSpans'] ?? inner['resource_spans'] ?? inner['batches'];
    if (rs !== undefined && !Array.isArray(rs)) return null;
    const status = body['status'];
    const message = body['message'];
    return {
      resourceSpans: list(rs),
      partial: typeof status === 'string' && status.toUpperCase() === 'PARTIAL',
      message: typeof message === 'string' && message !== '' ? message : null,
    };
  }
  const rs = body['resourceSpans'] ?? body['resource_spans'] ?? body['batches'];
  if (Array.isArray(rs)) return { resourceSpans: rs, partial: false, message: null };
  return null;
}

/** True when the value looks like a trace body parseTraceBody accepts. */
export function isTraceBody(body: unknown): boolean {
  return locate(body) !== null;
}

/**
 * Parses a trace body: OTLP `{resourceSpans}`, Tempo v1 `{batches}` (also legacy
 * `instrumentationLibrarySpans`), or v2 `{trace:{resourceSpans}, status?, message?}`.
 * An empty v2 body (`{"trace":{}}`, Tempo's "not found") yields a trace with no spans and id ''.
 * Throws an Error naming what was found when the value is not a trace body at all; spans with
 * invalid times are skipped (and counted in `skips`), never fatal.
 */
export function parseTraceBody(body: unknown, skips?: SkipCounter): Trace {
  const where = locate(body);
  if (where === null) {
    const what = isObj(body) ? `an object with keys ${Object.keys(body).slice(0, 5).map((k) => JSON.stringify(k)).join(', ') || '(none)'}` : Array.isArray(body) ? 'an array' : body === null ? 'null' : typeof body;
    throw new Error(`not a trace: expected OTLP JSON with "resourceSpans", Tempo "batches" or {"trace": …}, got ${what}`);
  }
  const spans: Span[] = [];
  collectSpans(where.resourceSpans, spans, skips);
  let traceId = '';
  for (let i = 0; i < spans.length && traceId === ''; i++) traceId = (spans[i] as Span).traceId;
  return { traceId, spans, partial: where.partial, message: where.message };
}

/** Splits spans from a multi-trace file (collector file exporter, Grafana export) into traces. */
export function groupByTrace(spans: readonly Span[]): Trace[] {
  const byId = new Map<string, Span[]>();
  for (const s of spans) {
    const list = byId.get(s.traceId);
    if (list === undefined) byId.set(s.traceId, [s]);
    else list.push(s);
  }
  return [...byId].map(([traceId, ss]) => ({ traceId, spans: ss, partial: false, message: null }));
}
