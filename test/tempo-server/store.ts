// Trace storage of the Tempo test server: OTLP JSON ingest (hex or base64 ids) and Tempo's trace-by-id JSON encoding.

/** OTLP AnyValue as Tempo serialises it (intValue as string, bytes as base64). */
export type AnyValue =
  | { stringValue: string }
  | { intValue: string }
  | { doubleValue: number }
  | { boolValue: boolean }
  | { bytesValue: string }
  | { arrayValue: { values?: AnyValue[] } }
  | { kvlistValue: { values?: KeyValue[] } }
  | Record<string, never>;

export interface KeyValue {
  key: string;
  value: AnyValue;
}

export interface StoredResource {
  readonly attributes: readonly KeyValue[];
  readonly droppedAttributesCount: number;
}

export interface StoredScope {
  readonly name: string;
  readonly version: string;
  readonly attributes: readonly KeyValue[];
}

export interface StoredEvent {
  readonly timeNs: bigint;
  readonly name: string;
  readonly attributes: readonly KeyValue[];
}

export interface StoredLink {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceState: string;
  readonly attributes: readonly KeyValue[];
}

export interface StoredSpan {
  /** 32 lower-case hex. */
  readonly traceId: string;
  /** 16 lower-case hex. */
  readonly spanId: string;
  /** 16 lower-case hex, '' for a root. */
  readonly parentSpanId: string;
  readonly traceState: string;
  readonly name: string;
  /** OTLP enum number 0..5. */
  readonly kind: number;
  readonly startNs: bigint;
  readonly endNs: bigint;
  readonly attributes: readonly KeyValue[];
  readonly events: readonly StoredEvent[];
  readonly links: readonly StoredLink[];
  /** 0 unset, 1 ok, 2 error. */
  readonly statusCode: number;
  readonly statusMessage: string;
  readonly resource: StoredResource;
  readonly scope: StoredScope;
}

export interface StoredTrace {
  readonly traceId: string;
  readonly spans: StoredSpan[];
}

/** A per-tenant trace store; traces keep ingest order, spans keep batch order. */
export class TraceStore {
  readonly traces = new Map<string, StoredTrace>();

  add(span: StoredSpan): void {
    let t = this.traces.get(span.traceId);
    if (!t) {
      t = { traceId: span.traceId, spans: [] };
      this.traces.set(span.traceId, t);
    }
    t.spans.push(span);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

/** Decodes an OTLP id: hex (OTLP/HTTP JSON) or base64 (Tempo bodies, protobuf-JSON). */
export function decodeId(v: unknown, bytes: number): string {
  const s = str(v).trim();
  if (s === '') return '';
  // Base64 of 8 or 16 bytes always carries '=' padding, so an all-hex string is hex.
  if (/^[0-9a-fA-F]+$/.test(s) && s.length <= bytes * 2) return s.toLowerCase().padStart(bytes * 2, '0');
  const buf = Buffer.from(s, 'base64');
  if (buf.length === 0 || buf.length > bytes) throw new Error(`bad id ${s}`);
  return buf.toString('hex').padStart(bytes * 2, '0');
}

export function hexToBase64(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64');
}

function toBigInt(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return BigInt(Math.round(v));
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return BigInt(v.trim());
  return 0n;
}

export function normalizeValue(v: unknown): AnyValue {
  if (!isRecord(v)) return {};
  if (typeof v['stringValue'] === 'string') return { stringValue: v['stringValue'] };
  if (v['intValue'] !== undefined && v['intValue'] !== null) return { intValue: toBigInt(v['intValue']).toString() };
  if (v['doubleValue'] !== undefined && v['doubleValue'] !== null) return { doubleValue: Number(v['doubleValue']) };
  if (typeof v['boolValue'] === 'boolean') return { boolValue: v['boolValue'] };
  if (typeof v['bytesValue'] === 'string') return { bytesValue: v['bytesValue'] };
  if (isRecord(v['arrayValue'])) {
    const values = asArray(v['arrayValue']['values']).map(normalizeValue);
    return { arrayValue: values.length ? { values } : {} };
  }
  if (isRecord(v['kvlistValue'])) {
    const values = normalizeAttributes(v['kvlistValue']['values']);
    return { kvlistValue: values.length ? { values } : {} };
  }
  return {};
}

export function normalizeAttributes(v: unknown): KeyValue[] {
  return asArray(v)
    .filter(isRecord)
    .map((kv) => ({ key: str(kv['key']), value: normalizeValue(kv['value']) }));
}

const KIND_NAMES = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'];
const STATUS_NAMES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

function enumValue(v: unknown, names: readonly string[]): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const i = names.indexOf(v);
    if (i >= 0) return i;
    if (/^\d+$/.test(v)) return Number(v);
  }
  return 0;
}

/** Parses an OTLP JSON payload (`resourceSpans`, or Tempo's `batches` / `{trace:{resourceSpans}}`) into spans. */
export function parseOtlp(payload: unknown): StoredSpan[] {
  let root: unknown = payload;
  if (isRecord(root) && isRecord(root['trace'])) root = root['trace'];
  if (!isRecord(root)) throw new Error('OTLP payload must be an object');
  const rss = asArray(root['resourceSpans'] ?? root['batches']);
  const out: StoredSpan[] = [];
  for (const rs of rss.filter(isRecord)) {
    const res = isRecord(rs['resource']) ? rs['resource'] : {};
    const resource: StoredResource = {
      attributes: normalizeAttributes(res['attributes']),
      droppedAttributesCount: Number(res['droppedAttributesCount'] ?? 0),
    };
    const scopeSpans = asArray(rs['scopeSpans'] ?? rs['instrumentationLibrarySpans']);
    for (const ss of scopeSpans.filter(isRecord)) {
      const sc = isRecord(ss['scope']) ? ss['scope'] : isRecord(ss['instrumentationLibrary']) ? ss['instrumentationLibrary'] : {};
      const scope: StoredScope = { name: str(sc['name']), version: str(sc['version']), attributes: normalizeAttributes(sc['attributes']) };
      for (const sp of asArray(ss['spans']).filter(isRecord)) {
        const status = isRecord(sp['status']) ? sp['status'] : {};
        out.push({
          traceId: decodeId(sp['traceId'], 16),
          spanId: decodeId(sp['spanId'], 8),
          parentSpanId: decodeId(sp['parentSpanId'], 8),
          traceState: str(sp['traceState']),
          name: str(sp['name']),
          kind: enumValue(sp['kind'], KIND_NAMES),
          startNs: toBigInt(sp['startTimeUnixNano']),
          endNs: toBigInt(sp['endTimeUnixNano']),
          attributes: normalizeAttributes(sp['attributes']),
          events: asArray(sp['events'])
            .filter(isRecord)
            .map((e) => ({ timeNs: toBigInt(e['timeUnixNano']), name: str(e['name']), attributes: normalizeAttributes(e['attributes']) })),
          links: asArray(sp['links'])
            .filter(isRecord)
            .map((l) => ({
              traceId: decodeId(l['traceId'], 16),
              spanId: decodeId(l['spanId'], 8),
              traceState: str(l['traceState']),
              attributes: normalizeAttributes(l['attributes']),
            })),
          statusCode: enumValue(status['code'], STATUS_NAMES),
          statusMessage: str(status['message']),
          resource,
          scope,
        });
      }
    }
  }
  for (const s of out) {
    if (!/^[0-9a-f]{32}$/.test(s.traceId) || /^0+$/.test(s.traceId)) throw new Error('invalid traceId');
    if (!/^[0-9a-f]{16}$/.test(s.spanId)) throw new Error('invalid spanId');
  }
  return out;
}

function spanJson(s: StoredSpan): Record<string, unknown> {
  const o: Record<string, unknown> = { traceId: hexToBase64(s.traceId), spanId: hexToBase64(s.spanId) };
  if (s.traceState) o['traceState'] = s.traceState;
  if (s.parentSpanId && !/^0+$/.test(s.parentSpanId)) o['parentSpanId'] = hexToBase64(s.parentSpanId);
  if (s.name) o['name'] = s.name;
  if (s.kind) o['kind'] = KIND_NAMES[s.kind] ?? String(s.kind);
  if (s.startNs) o['startTimeUnixNano'] = s.startNs.toString();
  if (s.endNs) o['endTimeUnixNano'] = s.endNs.toString();
  if (s.attributes.length) o['attributes'] = s.attributes;
  if (s.events.length) {
    o['events'] = s.events.map((e) => {
      const ev: Record<string, unknown> = {};
      if (e.timeNs) ev['timeUnixNano'] = e.timeNs.toString();
      if (e.name) ev['name'] = e.name;
      if (e.attributes.length) ev['attributes'] = e.attributes;
      return ev;
    });
  }
  if (s.links.length) {
    o['links'] = s.links.map((l) => {
      const lk: Record<string, unknown> = { traceId: hexToBase64(l.traceId), spanId: hexToBase64(l.spanId) };
      if (l.traceState) lk['traceState'] = l.traceState;
      if (l.attributes.length) lk['attributes'] = l.attributes;
      return lk;
    });
  }
  const status: Record<string, unknown> = {};
  if (s.statusMessage) status['message'] = s.statusMessage;
  if (s.statusCode) status['code'] = STATUS_NAMES[s.statusCode] ?? String(s.statusCode);
  o['status'] = status;
  return o;
}

/** Groups spans back into resourceSpans/scopeSpans the way they were ingested (shared resource/scope objects). */
export function resourceSpansJson(spans: readonly StoredSpan[]): Record<string, unknown>[] {
  const out: { resource: StoredResource; scopes: { scope: StoredScope; spans: StoredSpan[] }[] }[] = [];
  for (const s of spans) {
    let r = out.find((x) => x.resource === s.resource);
    if (!r) {
      r = { resource: s.resource, scopes: [] };
      out.push(r);
    }
    let sc = r.scopes.find((x) => x.scope === s.scope);
    if (!sc) {
      sc = { scope: s.scope, spans: [] };
      r.scopes.push(sc);
    }
    sc.spans.push(s);
  }
  return out.map((r) => {
    const resource: Record<string, unknown> = {};
    if (r.resource.attributes.length) resource['attributes'] = r.resource.attributes;
    if (r.resource.droppedAttributesCount) resource['droppedAttributesCount'] = r.resource.droppedAttributesCount;
    return {
      resource,
      scopeSpans: r.scopes.map((sc) => {
        const scope: Record<string, unknown> = {};
        if (sc.scope.name) scope['name'] = sc.scope.name;
        if (sc.scope.version) scope['version'] = sc.scope.version;
        if (sc.scope.attributes.length) scope['attributes'] = sc.scope.attributes;
        return { scope, spans: sc.spans.map(spanJson) };
      }),
    };
  });
}

export function traceBounds(t: StoredTrace): { startNs: bigint; endNs: bigint } {
  let startNs = -1n;
  let endNs = 0n;
  for (const s of t.spans) {
    if (startNs < 0n || s.startNs < startNs) startNs = s.startNs;
    if (s.endNs > endNs) endNs = s.endNs;
  }
  return { startNs: startNs < 0n ? 0n : startNs, endNs };
}

export function serviceOf(s: StoredSpan): string {
  const kv = s.resource.attributes.find((a) => a.key === 'service.name');
  return kv && 'stringValue' in kv.value ? kv.value.stringValue : '';
}
