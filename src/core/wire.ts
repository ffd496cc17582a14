// Types of Tempo's query-API JSON as it is on the wire, and guards that validate untrusted bodies in place.

/*
 * Wire conventions (tempo-api.md §1): 64-bit integers arrive as strings, zero-valued fields are
 * omitted, error bodies are plain text. The guards below check only what consumers rely on,
 * walk each body once, and return the SAME object typed (no copy), so that validating a
 * 50 MB search response costs a fraction of JSON.parse. Optional fields stay optional: absent
 * means zero / empty.
 */

/** A body did not have the shape Tempo documents; `path` says where (e.g. `traces[3].spanSets`). */
export class WireFormatError extends Error {
  override readonly name = 'WireFormatError';
  readonly path: string;
  constructor(path: string, expected: string) {
    super(`unexpected response shape at ${path || 'the top level'}: expected ${expected}`);
    this.path = path;
  }
}

/** OTLP AnyValue as Tempo serialises it (`intValue` is a string). */
export interface WireAnyValue {
  readonly stringValue?: string;
  readonly intValue?: string | number;
  readonly doubleValue?: number | string;
  readonly boolValue?: boolean;
  readonly bytesValue?: string;
  readonly arrayValue?: { readonly values?: readonly WireAnyValue[] };
  readonly kvlistValue?: { readonly values?: readonly WireKeyValue[] };
}

export interface WireKeyValue {
  readonly key: string;
  readonly value?: WireAnyValue;
}

export interface SearchSpan {
  readonly spanID: string;
  readonly name?: string;
  readonly startTimeUnixNano?: string;
  readonly durationNanos?: string;
  readonly attributes?: readonly WireKeyValue[];
}

export interface SearchSpanSet {
  readonly spans?: readonly SearchSpan[];
  /** Total spans matched in this span set (may exceed `spans.length`); absent = 0. */
  readonly matched?: number;
  readonly attributes?: readonly WireKeyValue[];
}

export interface SearchTrace {
  /** Lower-case hex with leading zeros stripped. */
  readonly traceID: string;
  readonly rootServiceName?: string;
  readonly rootTraceName?: string;
  readonly startTimeUnixNano?: string;
  /** Absent for traces shorter than 1 ms. */
  readonly durationMs?: number;
  /** Deprecated duplicate of `spanSets[0]`; read `spanSets`. */
  readonly spanSet?: SearchSpanSet;
  readonly spanSets?: readonly SearchSpanSet[];
  readonly serviceStats?: Readonly<Record<string, { readonly spanCount?: number; readonly errorCount?: number }>>;
}

export interface SearchMetrics {
  readonly inspectedTraces?: number;
  readonly inspectedBytes?: string | number;
  readonly inspectedSpans?: string | number;
  readonly totalBlocks?: number;
  readonly completedJobs?: number;
  readonly totalJobs?: number;
  readonly totalBlockBytes?: string | number;
}

export interface SearchResponse {
  readonly traces: readonly SearchTrace[];
  readonly metrics?: SearchMetrics;
}

export interface TagScope {
  /** `span`, `resource`, `intrinsic`, `event`, `link`, `instrumentation`; `unscoped` for a v1 flat list. */
  readonly name: string;
  readonly tags: readonly string[];
}

/** Tag names grouped by scope (v2 shape; a v1 flat list becomes one scope). */
export interface TagsResponse {
  readonly scopes: readonly TagScope[];
}

export interface TagValue {
  /** `string`, `int`, `float`, `bool`, `duration`, `keyword`. */
  readonly type: string;
  /** Always a string on the wire, whatever the type. */
  readonly value: string;
}

export interface TagValuesResponse {
  readonly tagValues: readonly TagValue[];
}

export interface MetricsSample {
  readonly timestampMs: string;
  /** Absent when the value is 0. */
  readonly value?: number;
}

export interface MetricsExemplar {
  readonly labels?: readonly WireKeyValue[];
  readonly value?: number;
  readonly timestampMs?: string;
}

export interface MetricsSeries {
  readonly labels: readonly WireKeyValue[];
  readonly samples: readonly MetricsSample[];
  readonly exemplars?: readonly MetricsExemplar[];
  /** Present on 2.4–2.8 only; do not rely on it. */
  readonly promLabels?: string;
}

export interface QueryRangeResponse {
  readonly series: readonly MetricsSeries[];
  readonly metrics?: Readonly<Record<string, unknown>>;
  /** `PARTIAL` when Tempo truncated the result (series limit). */
  readonly status?: string;
  readonly message?: string;
}

export interface WireBuildInfo {
  readonly version: string;
  readonly revision?: string;
  readonly branch?: string;
  readonly buildUser?: string;
  readonly buildDate?: string;
  readonly goVersion?: string;
}

/** A trace-by-id body: v2 `{trace:{resourceSpans}}` or v1 `{batches}`. */
export type TraceBody = TraceBodyV2 | TraceBodyV1;
export interface TraceBodyV2 {
  readonly trace: { readonly resourceSpans?: readonly unknown[] };
  readonly status?: string;
  readonly message?: string;
  readonly metrics?: Readonly<Record<string, unknown>>;
}
export interface TraceBodyV1 {
  readonly batches: readonly unknown[];
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function obj(v: unknown, path: string): Obj {
  if (!isObj(v)) throw new WireFormatError(path, `an object, got ${describe(v)}`);
  return v;
}

function arr(v: unknown, path: string): readonly unknown[] {
  if (!Array.isArray(v)) throw new WireFormatError(path, `an array, got ${describe(v)}`);
  return v;
}

function optArr(v: unknown, path: string): readonly unknown[] | undefined {
  return v === undefined || v === null ? undefined : arr(v, path);
}

function str(v: unknown, path: string): string {
  if (typeof v !== 'string') throw new WireFormatError(path, `a string, got ${describe(v)}`);
  return v;
}

function optStr(v: unknown, path: string): void {
  if (v !== undefined && v !== null && typeof v !== 'string') throw new WireFormatError(path, `a string, got ${describe(v)}`);
}

/** 64-bit ints are strings per jsonpb, but hand-edited or other encoders give numbers; accept both. */
function optInt64(v: unknown, path: string): void {
  if (v === undefined || v === null) return;
  if (typeof v === 'number' && Number.isFinite(v)) return;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return;
  throw new WireFormatError(path, `an integer (string or number), got ${describe(v)}`);
}

function optNum(v: unknown, path: string): void {
  if (v !== undefined && v !== null && (typeof v !== 'number' || Number.isNaN(v))) {
    throw new WireFormatError(path, `a number, got ${describe(v)}`);
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return v.length > 40 ? 'a string' : `"${v}"`;
  return typeof v;
}

function keyValues(v: unknown, path: string): void {
  const list = optArr(v, path);
  if (list === undefined) return;
  for (let i = 0; i < list.length; i++) {
    const kv = obj(list[i], `${path}[${i}]`);
    str(kv['key'], `${path}[${i}].key`);
    if (kv['value'] !== undefined && kv['value'] !== null) obj(kv['value'], `${path}[${i}].value`);
  }
}

function spanSet(v: unknown, path: string): void {
  const set = obj(v, path);
  const spans = optArr(set['spans'], `${path}.spans`);
  if (spans !== undefined) {
    for (let i = 0; i < spans.length; i++) {
      const p = `${path}.spans[${i}]`;
      const span = obj(spans[i], p);
      str(span['spanID'], `${p}.spanID`);
      optStr(span['name'], `${p}.name`);
      optInt64(span['startTimeUnixNano'], `${p}.startTimeUnixNano`);
      optInt64(span['durationNanos'], `${p}.durationNanos`);
      keyValues(span['attributes'], `${p}.attributes`);
    }
  }
  optNum(set['matched'], `${path}.matched`);
  keyValues(set['attributes'], `${path}.attributes`);
}

/** Validates a `/api/search` body. */
export function parseSearchResponse(body: unknown): SearchResponse {
  const root = obj(body, '');
  // An empty result may omit `traces` entirely (zero/empty fields are not emitted).
  if (root['traces'] === undefined || root['traces'] === null) {
    return { ...(root as object), traces: [] } as SearchResponse;
  }
  const traces = arr(root['traces'], 'traces');
  for (let i = 0; i < traces.length; i++) {
    const p = `traces[${i}]`;
    const t = obj(traces[i], p);
    str(t['traceID'], `${p}.traceID`);
    optStr(t['rootServiceName'], `${p}.rootServiceName`);
    optStr(t['rootTraceName'], `${p}.rootTraceName`);
    optInt64(t['startTimeUnixNano'], `${p}.startTimeUnixNano`);
    optNum(t['durationMs'], `${p}.durationMs`);
    const sets = optArr(t['spanSets'], `${p}.spanSets`);
    if (sets !== undefined) for (let j = 0; j < sets.length; j++) spanSet(sets[j], `${p}.spanSets[${j}]`);
    // The deprecated singular copy is only checked when it is the only one we have.
    if (sets === undefined && t['spanSet'] !== undefined && t['spanSet'] !== null) spanSet(t['spanSet'], `${p}.spanSet`);
  }
  if (root['metrics'] !== undefined && root['metrics'] !== null) obj(root['metrics'], 'metrics');
  return root as unknown as SearchResponse;
}

/** Validates a `/api/v2/search/tags` body. */
export function parseTagsV2Response(body: unknown): TagsResponse {
  const root = obj(body, '');
  const scopes = optArr(root['scopes'], 'scopes') ?? [];
  const out: TagScope[] = [];
  for (let i = 0; i < scopes.length; i++) {
    const s = obj(scopes[i], `scopes[${i}]`);
    const name = str(s['name'], `scopes[${i}].name`);
    const tags = optArr(s['tags'], `scopes[${i}].tags`) ?? [];
    for (let j = 0; j < tags.length; j++) str(tags[j], `scopes[${i}].tags[${j}]`);
    out.push({ name, tags: tags as readonly string[] });
  }
  return { scopes: out };
}

/** Validates a v1 `/api/search/tags` body (`{tagNames:[…]}`) and returns it as one scope. */
export function parseTagsV1Response(body: unknown, scope = 'unscoped'): TagsResponse {
  const root = obj(body, '');
  const names = optArr(root['tagNames'], 'tagNames') ?? [];
  for (let i = 0; i < names.length; i++) str(names[i], `tagNames[${i}]`);
  return { scopes: [{ name: scope, tags: names as readonly string[] }] };
}

/** Validates a `/api/v2/search/tag/<tag>/values` body; v1 plain strings are accepted as type `string`. */
export function parseTagValuesResponse(body: unknown): TagValuesResponse {
  const root = obj(body, '');
  const values = optArr(root['tagValues'], 'tagValues') ?? [];
  const out: TagValue[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === 'string') {
      out.push({ type: 'string', value: v });
      continue;
    }
    const o = obj(v, `tagValues[${i}]`);
    out.push({ type: str(o['type'], `tagValues[${i}].type`), value: str(o['value'], `tagValues[${i}].value`) });
  }
  return { tagValues: out };
}

/** Validates a `/api/metrics/query_range` body. */
export function parseQueryRangeResponse(body: unknown): QueryRangeResponse {
  const root = obj(body, '');
  if (root['series'] === undefined || root['series'] === null) {
    optStr(root['status'], 'status');
    return { ...(root as object), series: [] } as QueryRangeResponse;
  }
  const series = arr(root['series'], 'series');
  for (let i = 0; i < series.length; i++) {
    const p = `series[${i}]`;
    const s = obj(series[i], p);
    // Series with no labels/samples are possible on the wire (omitted empties); normalise in place.
    if (s['labels'] === undefined || s['labels'] === null) s['labels'] = [];
    else keyValues(s['labels'], `${p}.labels`);
    if (s['samples'] === undefined || s['samples'] === null) s['samples'] = [];
    const samples = arr(s['samples'], `${p}.samples`);
    for (let j = 0; j < samples.length; j++) {
      const q = `${p}.samples[${j}]`;
      const sample = obj(samples[j], q);
      optInt64(sample['timestampMs'], `${q}.timestampMs`);
      if (sample['timestampMs'] === undefined) throw new WireFormatError(`${q}.timestampMs`, 'a timestamp');
      optNum(sample['value'], `${q}.value`);
    }
    const exemplars = optArr(s['exemplars'], `${p}.exemplars`);
    if (exemplars !== undefined) {
      for (let j = 0; j < exemplars.length; j++) {
        const q = `${p}.exemplars[${j}]`;
        const e = obj(exemplars[j], q);
        keyValues(e['labels'], `${q}.labels`);
        optNum(e['value'], `${q}.value`);
        optInt64(e['timestampMs'], `${q}.timestampMs`);
      }
    }
  }
  optStr(root['status'], 'status');
  optStr(root['message'], 'message');
  return root as unknown as QueryRangeResponse;
}

/** Validates `/api/status/buildinfo`. */
export function parseBuildInfo(body: unknown): WireBuildInfo {
  const root = obj(body, '');
  str(root['version'], 'version');
  for (const k of ['revision', 'branch', 'buildUser', 'buildDate', 'goVersion']) optStr(root[k], k);
  return root as unknown as WireBuildInfo;
}

/**
 * Validates a trace-by-id body (v2 or v1) down to the resource-span level; the span level is the
 * trace parser's job (core/otlp.ts). Returns the body and whether it holds no spans at all
 * (v2 "not found" is `200 {"trace":{}}`).
 */
export function parseTraceBody(body: unknown): { readonly body: TraceBody; readonly empty: boolean } {
  const root = obj(body, '');
  if ('trace' in root) {
    const trace = root['trace'] === null ? {} : obj(root['trace'], 'trace');
    const rs = optArr(trace['resourceSpans'], 'trace.resourceSpans') ?? optArr(trace['batches'], 'trace.batches');
    if (rs !== undefined) for (let i = 0; i < rs.length; i++) obj(rs[i], `trace.resourceSpans[${i}]`);
    optStr(root['status'], 'status');
    optStr(root['message'], 'message');
    return { body: root as unknown as TraceBodyV2, empty: rs === undefined || rs.length === 0 };
  }
  const batches = optArr(root['batches'], 'batches') ?? optArr(root['resourceSpans'], 'resourceSpans');
  if (batches === undefined) {
    // `{}` is what an empty v1 trace marshals to.
    if (Object.keys(root).length === 0) return { body: { batches: [] }, empty: true };
    throw new WireFormatError('', 'a trace body with "trace" (v2) or "batches" (v1)');
  }
  for (let i = 0; i < batches.length; i++) obj(batches[i], `batches[${i}]`);
  return { body: root as unknown as TraceBodyV1, empty: batches.length === 0 };
}
