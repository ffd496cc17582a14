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

/**
 * Where the guards are in a body, as a stack of segments (`traces`, 3, `spanSets`, 0, …). The path
 * string is built only when a check fails: building one per span and attribute cost 10–15 % of
 * the parse time of a large search response.
 */
class Cursor {
  private readonly parts: (string | number)[] = [];
  private depth = 0;

  /** Descends into a field or an index; `up()` returns. */
  down(part: string | number): void {
    this.parts[this.depth++] = part;
  }

  /** Moves to another index (or field) at the current depth. */
  set(part: string | number): void {
    this.parts[this.depth - 1] = part;
  }

  up(): void {
    this.depth--;
  }

  /** `traces[3].spanSets[0].spans` (+ `.leaf`); '' at the top level. */
  path(leaf?: string): string {
    let out = '';
    for (let i = 0; i < this.depth; i++) {
      const p = this.parts[i] as string | number;
      out += typeof p === 'number' ? `[${p}]` : out === '' ? p : `.${p}`;
    }
    if (leaf !== undefined) out += out === '' ? leaf : `.${leaf}`;
    return out;
  }

  fail(leaf: string | undefined, expected: string): never {
    throw new WireFormatError(this.path(leaf), expected);
  }
}

function obj(v: unknown, at: Cursor, leaf?: string): Obj {
  if (!isObj(v)) at.fail(leaf, `an object, got ${describe(v)}`);
  return v;
}

function arr(v: unknown, at: Cursor, leaf?: string): readonly unknown[] {
  if (!Array.isArray(v)) at.fail(leaf, `an array, got ${describe(v)}`);
  return v;
}

function optArr(v: unknown, at: Cursor, leaf?: string): readonly unknown[] | undefined {
  return v === undefined || v === null ? undefined : arr(v, at, leaf);
}

function str(v: unknown, at: Cursor, leaf?: string): string {
  if (typeof v !== 'string') at.fail(leaf, `a string, got ${describe(v)}`);
  return v;
}

function optStr(v: unknown, at: Cursor, leaf: string): void {
  if (v !== undefined && v !== null && typeof v !== 'string') at.fail(leaf, `a string, got ${describe(v)}`);
}

const INT_RE = /^-?\d+$/;

/** 64-bit ints are strings per jsonpb, but hand-edited or other encoders give numbers; accept both. */
function optInt64(v: unknown, at: Cursor, leaf: string): void {
  if (v === undefined || v === null) return;
  if (typeof v === 'number' && Number.isFinite(v)) return;
  if (typeof v === 'string' && INT_RE.test(v)) return;
  at.fail(leaf, `an integer (string or number), got ${describe(v)}`);
}

function optNum(v: unknown, at: Cursor, leaf: string): void {
  if (v !== undefined && v !== null && (typeof v !== 'number' || Number.isNaN(v))) {
    at.fail(leaf, `a number, got ${describe(v)}`);
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return v.length > 40 ? 'a string' : `"${v}"`;
  return typeof v;
}

/** Checks the key/value list in field `field` of the object the cursor is at. */
function keyValues(v: unknown, at: Cursor, field: string): void {
  const list = optArr(v, at, field);
  if (list === undefined) return;
  at.down(field);
  at.down(0);
  for (let i = 0; i < list.length; i++) {
    at.set(i);
    const kv = obj(list[i], at);
    str(kv['key'], at, 'key');
    const value = kv['value'];
    if (value !== undefined && value !== null) obj(value, at, 'value');
  }
  at.up();
  at.up();
}

/** Checks the span set the cursor is at. */
function spanSet(v: unknown, at: Cursor): void {
  const set = obj(v, at);
  const spans = optArr(set['spans'], at, 'spans');
  if (spans !== undefined) {
    at.down('spans');
    at.down(0);
    for (let i = 0; i < spans.length; i++) {
      at.set(i);
      const span = obj(spans[i], at);
      str(span['spanID'], at, 'spanID');
      optStr(span['name'], at, 'name');
      optInt64(span['startTimeUnixNano'], at, 'startTimeUnixNano');
      optInt64(span['durationNanos'], at, 'durationNanos');
      keyValues(span['attributes'], at, 'attributes');
    }
    at.up();
    at.up();
  }
  optNum(set['matched'], at, 'matched');
  keyValues(set['attributes'], at, 'attributes');
}

/** Validates a `/api/search` body. */
export function parseSearchResponse(body: unknown): SearchResponse {
  const at = new Cursor();
  const root = obj(body, at);
  // An empty result may omit `traces` entirely (zero/empty fields are not emitted).
  if (root['traces'] === undefined || root['traces'] === null) {
    return { ...(root as object), traces: [] } as SearchResponse;
  }
  const traces = arr(root['traces'], at, 'traces');
  at.down('traces');
  at.down(0);
  for (let i = 0; i < traces.length; i++) {
    at.set(i);
    const t = obj(traces[i], at);
    str(t['traceID'], at, 'traceID');
    optStr(t['rootServiceName'], at, 'rootServiceName');
    optStr(t['rootTraceName'], at, 'rootTraceName');
    optInt64(t['startTimeUnixNano'], at, 'startTimeUnixNano');
    optNum(t['durationMs'], at, 'durationMs');
    const sets = optArr(t['spanSets'], at, 'spanSets');
    if (sets !== undefined) {
      at.down('spanSets');
      at.down(0);
      for (let j = 0; j < sets.length; j++) {
        at.set(j);
        spanSet(sets[j], at);
      }
      at.up();
      at.up();
    } else if (t['spanSet'] !== undefined && t['spanSet'] !== null) {
      // The deprecated singular copy is only checked when it is the only one we have.
      at.down('spanSet');
      spanSet(t['spanSet'], at);
      at.up();
    }
  }
  at.up();
  at.up();
  if (root['metrics'] !== undefined && root['metrics'] !== null) obj(root['metrics'], at, 'metrics');
  return root as unknown as SearchResponse;
}

/** Validates a `/api/v2/search/tags` body. */
export function parseTagsV2Response(body: unknown): TagsResponse {
  const at = new Cursor();
  const root = obj(body, at);
  const scopes = optArr(root['scopes'], at, 'scopes') ?? [];
  const out: TagScope[] = [];
  at.down('scopes');
  at.down(0);
  for (let i = 0; i < scopes.length; i++) {
    at.set(i);
    const s = obj(scopes[i], at);
    const name = str(s['name'], at, 'name');
    const tags = optArr(s['tags'], at, 'tags') ?? [];
    at.down('tags');
    at.down(0);
    for (let j = 0; j < tags.length; j++) {
      at.set(j);
      str(tags[j], at);
    }
    at.up();
    at.up();
    out.push({ name, tags: tags as readonly string[] });
  }
  return { scopes: out };
}

/** Validates a v1 `/api/search/tags` body (`{tagNames:[…]}`) and returns it as one scope. */
export function parseTagsV1Response(body: unknown, scope = 'unscoped'): TagsResponse {
  const at = new Cursor();
  const root = obj(body, at);
  const names = optArr(root['tagNames'], at, 'tagNames') ?? [];
  at.down('tagNames');
  at.down(0);
  for (let i = 0; i < names.length; i++) {
    at.set(i);
    str(names[i], at);
  }
  return { scopes: [{ name: scope, tags: names as readonly string[] }] };
}

/** Validates a `/api/v2/search/tag/<tag>/values` body; v1 plain strings are accepted as type `string`. */
export function parseTagValuesResponse(body: unknown): TagValuesResponse {
  const at = new Cursor();
  const root = obj(body, at);
  const values = optArr(root['tagValues'], at, 'tagValues') ?? [];
  const out: TagValue[] = [];
  at.down('tagValues');
  at.down(0);
  for (let i = 0; i < values.length; i++) {
    at.set(i);
    const v = values[i];
    if (typeof v === 'string') {
      out.push({ type: 'string', value: v });
      continue;
    }
    const o = obj(v, at);
    out.push({ type: str(o['type'], at, 'type'), value: str(o['value'], at, 'value') });
  }
  return { tagValues: out };
}

/** Validates a `/api/metrics/query_range` body. */
export function parseQueryRangeResponse(body: unknown): QueryRangeResponse {
  const at = new Cursor();
  const root = obj(body, at);
  if (root['series'] === undefined || root['series'] === null) {
    optStr(root['status'], at, 'status');
    return { ...(root as object), series: [] } as QueryRangeResponse;
  }
  const series = arr(root['series'], at, 'series');
  at.down('series');
  at.down(0);
  for (let i = 0; i < series.length; i++) {
    at.set(i);
    const s = obj(series[i], at);
    // Series with no labels/samples are possible on the wire (omitted empties); normalise in place.
    if (s['labels'] === undefined || s['labels'] === null) s['labels'] = [];
    else keyValues(s['labels'], at, 'labels');
    if (s['samples'] === undefined || s['samples'] === null) s['samples'] = [];
    const samples = arr(s['samples'], at, 'samples');
    at.down('samples');
    at.down(0);
    for (let j = 0; j < samples.length; j++) {
      at.set(j);
      const sample = obj(samples[j], at);
      optInt64(sample['timestampMs'], at, 'timestampMs');
      if (sample['timestampMs'] === undefined) at.fail('timestampMs', 'a timestamp');
      optNum(sample['value'], at, 'value');
    }
    at.up();
    at.up();
    const exemplars = optArr(s['exemplars'], at, 'exemplars');
    if (exemplars !== undefined) {
      at.down('exemplars');
      at.down(0);
      for (let j = 0; j < exemplars.length; j++) {
        at.set(j);
        const e = obj(exemplars[j], at);
        keyValues(e['labels'], at, 'labels');
        optNum(e['value'], at, 'value');
        optInt64(e['timestampMs'], at, 'timestampMs');
      }
      at.up();
      at.up();
    }
  }
  at.up();
  at.up();
  optStr(root['status'], at, 'status');
  optStr(root['message'], at, 'message');
  return root as unknown as QueryRangeResponse;
}

/** Validates `/api/status/buildinfo`. */
export function parseBuildInfo(body: unknown): WireBuildInfo {
  const at = new Cursor();
  const root = obj(body, at);
  str(root['version'], at, 'version');
  for (const k of ['revision', 'branch', 'buildUser', 'buildDate', 'goVersion']) optStr(root[k], at, k);
  return root as unknown as WireBuildInfo;
}

/**
 * Validates a trace-by-id body (v2 or v1) down to the resource-span level; the span level is the
 * trace parser's job (core/otlp.ts). Returns the body and whether it holds no spans at all
 * (v2 "not found" is `200 {"trace":{}}`).
 */
export function parseTraceBody(body: unknown): { readonly body: TraceBody; readonly empty: boolean } {
  const at = new Cursor();
  const root = obj(body, at);
  if ('trace' in root) {
    const trace = root['trace'] === null ? {} : obj(root['trace'], at, 'trace');
    at.down('trace');
    const field = trace['resourceSpans'] !== undefined && trace['resourceSpans'] !== null ? 'resourceSpans' : 'batches';
    const rs = optArr(trace[field], at, field);
    if (rs !== undefined) {
      at.down('resourceSpans');
      at.down(0);
      for (let i = 0; i < rs.length; i++) {
        at.set(i);
        obj(rs[i], at);
      }
      at.up();
      at.up();
    }
    at.up();
    optStr(root['status'], at, 'status');
    optStr(root['message'], at, 'message');
    return { body: root as unknown as TraceBodyV2, empty: rs === undefined || rs.length === 0 };
  }
  const field = root['batches'] !== undefined && root['batches'] !== null ? 'batches' : 'resourceSpans';
  const batches = optArr(root[field], at, field);
  if (batches === undefined) {
    // `{}` is what an empty v1 trace marshals to.
    if (Object.keys(root).length === 0) return { body: { batches: [] }, empty: true };
    throw new WireFormatError('', 'a trace body with "trace" (v2) or "batches" (v1)');
  }
  at.down('batches');
  at.down(0);
  for (let i = 0; i < batches.length; i++) {
    at.set(i);
    obj(batches[i], at);
  }
  return { body: root as unknown as TraceBodyV1, empty: batches.length === 0 };
}
