// Query evaluation of the Tempo test server: TraceQL matching, search/tags/tag-values bodies and TraceQL metrics series.
import {
  compareValues,
  fieldsOfSpanset,
  formatGoDuration,
  type Cond,
  type Field,
  type KindValue,
  type MetricsOp,
  type Operand,
  type Query,
  type SpansetExpr,
  type StatusValue,
  type Val,
} from './traceql';
import { serviceOf, traceBounds, type AnyValue, type KeyValue, type StoredSpan, type StoredTrace } from './store';

const KIND_VALUES: readonly KindValue[] = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const STATUS_VALUES: readonly StatusValue[] = ['unset', 'ok', 'error'];

/** Per-trace facts that trace-level intrinsics need. */
export interface TraceCtx {
  readonly trace: StoredTrace;
  readonly root: StoredSpan | null;
  readonly startNs: bigint;
  readonly endNs: bigint;
}

export function traceCtx(trace: StoredTrace): TraceCtx {
  const root = trace.spans.find((s) => s.parentSpanId === '' || /^0+$/.test(s.parentSpanId)) ?? null;
  const { startNs, endNs } = traceBounds(trace);
  return { trace, root, startNs, endNs };
}

export function anyToVal(v: AnyValue | undefined): Val {
  if (!v) return { t: 'nil' };
  if ('stringValue' in v) return { t: 'str', v: v.stringValue };
  if ('intValue' in v) return { t: 'int', v: Number(v.intValue) };
  if ('doubleValue' in v) return { t: 'float', v: v.doubleValue };
  if ('boolValue' in v) return { t: 'bool', v: v.boolValue };
  if ('arrayValue' in v) return { t: 'arr', v: (v.arrayValue.values ?? []).map(anyToVal) };
  return { t: 'nil' };
}

function findAttr(list: readonly KeyValue[], name: string): AnyValue | undefined {
  return list.find((kv) => kv.key === name)?.value;
}

/** The raw OTLP value of an attribute field (span before resource for unscoped `.x`). */
export function attrValue(field: Field, span: StoredSpan): AnyValue | undefined {
  if (field.type !== 'attr') return undefined;
  if (field.scope === 'span') return findAttr(span.attributes, field.name);
  if (field.scope === 'resource') return findAttr(span.resource.attributes, field.name);
  return findAttr(span.attributes, field.name) ?? findAttr(span.resource.attributes, field.name);
}

function durationNs(span: StoredSpan): number {
  return Number(span.endNs - span.startNs);
}

export function fieldValue(field: Field, span: StoredSpan, ctx: TraceCtx): Val {
  if (field.type === 'attr') return anyToVal(attrValue(field, span));
  switch (field.intrinsic) {
    case 'duration':
      return { t: 'dur', v: durationNs(span) };
    case 'name':
      return { t: 'str', v: span.name };
    case 'status':
      return { t: 'status', v: STATUS_VALUES[span.statusCode] ?? 'unset' };
    case 'kind':
      return { t: 'kind', v: KIND_VALUES[span.kind] ?? 'unspecified' };
    case 'statusMessage':
      return { t: 'str', v: span.statusMessage };
    case 'rootServiceName':
      return ctx.root ? { t: 'str', v: serviceOf(ctx.root) } : { t: 'nil' };
    case 'rootName':
      return ctx.root ? { t: 'str', v: ctx.root.name } : { t: 'nil' };
    case 'traceDuration':
      return { t: 'dur', v: Number(ctx.endNs - ctx.startNs) };
    case 'traceId':
      return { t: 'str', v: span.traceId };
    case 'spanId':
      return { t: 'str', v: span.spanId };
  }
}

function operandValue(o: Operand, span: StoredSpan, ctx: TraceCtx): Val {
  return o.type === 'static' ? o.value : fieldValue(o.field, span, ctx);
}

export function evalCond(cond: Cond | null, span: StoredSpan, ctx: TraceCtx): boolean {
  if (!cond) return true;
  switch (cond.type) {
    case 'and':
      return evalCond(cond.left, span, ctx) && evalCond(cond.right, span, ctx);
    case 'or':
      return evalCond(cond.left, span, ctx) || evalCond(cond.right, span, ctx);
    case 'not':
      return !evalCond(cond.inner, span, ctx);
    case 'cmp':
      return compareValues(cond.op, operandValue(cond.left, span, ctx), operandValue(cond.right, span, ctx));
    case 'truthy': {
      const v = operandValue(cond.operand, span, ctx);
      return v.t === 'bool' && v.v;
    }
  }
}

/** Spans of one trace matched by a spanset expression (`{A} && {B}` needs both sides non-empty). */
export function matchSpans(expr: SpansetExpr, ctx: TraceCtx): StoredSpan[] {
  if (expr.type === 'filter') return ctx.trace.spans.filter((s) => evalCond(expr.cond, s, ctx));
  const left = matchSpans(expr.left, ctx);
  const right = matchSpans(expr.right, ctx);
  if (expr.type === 'and' && (left.length === 0 || right.length === 0)) return [];
  const seen = new Set(left);
  return [...left, ...right.filter((s) => !seen.has(s))];
}

/** Tempo strips leading zeros from hex trace ids in search and exemplars. */
export function stripTraceId(hex: string): string {
  return hex.replace(/^0+(?=.)/, '');
}

export function overlaps(ctx: TraceCtx, startNs: bigint, endNs: bigint): boolean {
  return ctx.startNs <= endNs && ctx.endNs >= startNs;
}

function fieldKey(f: Field): string {
  return f.type === 'attr' ? `${f.scope}:${f.name}` : `intrinsic:${f.intrinsic}`;
}

function dedupeFields(fields: readonly Field[]): Field[] {
  const seen = new Set<string>();
  return fields.filter((f) => {
    const k = fieldKey(f);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Attribute entry as search returns it: bare key, intrinsics as strings, nil skipped. */
function searchAttribute(f: Field, span: StoredSpan): KeyValue | null {
  if (f.type === 'attr') {
    const v = attrValue(f, span);
    return v && Object.keys(v).length ? { key: f.name, value: v } : null;
  }
  switch (f.intrinsic) {
    case 'status':
      return { key: 'status', value: { stringValue: STATUS_VALUES[span.statusCode] ?? 'unset' } };
    case 'kind':
      return { key: 'kind', value: { stringValue: KIND_VALUES[span.kind] ?? 'unspecified' } };
    case 'statusMessage':
      return span.statusMessage ? { key: 'statusMessage', value: { stringValue: span.statusMessage } } : null;
    default:
      return null;
  }
}

export interface SearchOptions {
  readonly limit: number;
  readonly spss: number;
}

/** Builds one `traces[]` entry (key order as Tempo 2.7 marshals it). */
function searchTrace(ctx: TraceCtx, matched: StoredSpan[], fields: readonly Field[], withName: boolean, spss: number): Record<string, unknown> {
  const sorted = [...matched].sort((a, b) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : 0));
  const spans = sorted.slice(0, spss).map((s) => {
    const o: Record<string, unknown> = { spanID: s.spanId };
    if (withName && s.name) o['name'] = s.name;
    o['startTimeUnixNano'] = s.startNs.toString();
    o['durationNanos'] = (s.endNs - s.startNs).toString();
    const attrs = fields.map((f) => searchAttribute(f, s)).filter((a): a is KeyValue => a !== null);
    if (attrs.length) o['attributes'] = attrs;
    return o;
  });
  const spanSet: Record<string, unknown> = { spans };
  if (matched.length) spanSet['matched'] = matched.length;
  const t: Record<string, unknown> = { traceID: stripTraceId(ctx.trace.traceId) };
  t['rootServiceName'] = ctx.root ? serviceOf(ctx.root) || '<root span not yet received>' : '<root span not yet received>';
  if (ctx.root?.name) t['rootTraceName'] = ctx.root.name;
  t['startTimeUnixNano'] = ctx.startNs.toString();
  const durationMs = Number((ctx.endNs - ctx.startNs) / 1_000_000n);
  if (durationMs) t['durationMs'] = durationMs;
  t['spanSet'] = spanSet;
  t['spanSets'] = [spanSet];
  const stats: Record<string, { spanCount: number; errorCount?: number }> = {};
  for (const s of ctx.trace.spans) {
    const svc = serviceOf(s);
    const st = (stats[svc] ??= { spanCount: 0 });
    st.spanCount++;
    if (s.statusCode === 2) st.errorCount = (st.errorCount ?? 0) + 1;
  }
  t['serviceStats'] = stats;
  return t;
}

/** Rough byte size of traces, for the `inspectedBytes` counters. */
export function inspectedBytes(traces: readonly StoredTrace[]): number {
  let n = 0;
  for (const t of traces) for (const s of t.spans) n += 120 + s.name.length + s.attributes.length * 40;
  return n;
}

/**
 * Search body. Results are the newest traces first (Tempo returns "first N found", which is
 * not deterministic; most-recent-first is what `with (most_recent=true)` gives on 2.8+).
 */
export function search(traces: readonly StoredTrace[], query: Query, opts: SearchOptions, jobs: number): Record<string, unknown> {
  const referenced = dedupeFields([...fieldsOfSpanset(query.spanset), ...query.select]);
  const withName = referenced.some((f) => f.type === 'intrinsic' && f.intrinsic === 'name');
  const hits: { ctx: TraceCtx; matched: StoredSpan[] }[] = [];
  for (const t of traces) {
    const ctx = traceCtx(t);
    const matched = matchSpans(query.spanset, ctx);
    if (matched.length) hits.push({ ctx, matched });
  }
  hits.sort((a, b) => (a.ctx.startNs > b.ctx.startNs ? -1 : a.ctx.startNs < b.ctx.startNs ? 1 : 0));
  const out = hits.slice(0, opts.limit).map((h) => searchTrace(h.ctx, h.matched, referenced, withName, opts.spss));
  return { traces: out, metrics: searchMetrics(inspectedBytes(traces), jobs) };
}

export function searchMetrics(bytes: number, jobs: number): Record<string, unknown> {
  const m: Record<string, unknown> = {};
  if (bytes) m['inspectedBytes'] = String(bytes);
  m['completedJobs'] = jobs;
  m['totalJobs'] = jobs;
  return m;
}

function tagMetrics(traces: readonly StoredTrace[]): Record<string, unknown> {
  const bytes = inspectedBytes(traces);
  return bytes ? { inspectedBytes: String(bytes) } : {};
}

/** Intrinsic tag names exactly as Tempo 2.7 lists them. */
export const INTRINSIC_TAGS: readonly string[] = [
  'duration',
  'event:name',
  'event:timeSinceStart',
  'instrumentation:name',
  'instrumentation:version',
  'kind',
  'name',
  'rootName',
  'rootServiceName',
  'span:duration',
  'span:kind',
  'span:name',
  'span:status',
  'span:statusMessage',
  'status',
  'statusMessage',
  'trace:duration',
  'trace:rootName',
  'trace:rootService',
  'traceDuration',
];

function tagNames(traces: readonly StoredTrace[]): { span: string[]; resource: string[] } {
  const span = new Set<string>();
  const resource = new Set<string>();
  for (const t of traces) {
    for (const s of t.spans) {
      for (const a of s.attributes) span.add(a.key);
      for (const a of s.resource.attributes) resource.add(a.key);
    }
  }
  return { span: [...span].sort(), resource: [...resource].sort() };
}

export function searchTagsV2(traces: readonly StoredTrace[], scope: string | null): Record<string, unknown> {
  const names = tagNames(traces);
  const scopes: Record<string, unknown>[] = [];
  const want = (s: string): boolean => scope === null || scope === '' || scope === s;
  if (want('span') && names.span.length) scopes.push({ name: 'span', tags: names.span });
  if (want('intrinsic')) scopes.push({ name: 'intrinsic', tags: INTRINSIC_TAGS });
  if (want('resource') && names.resource.length) scopes.push({ name: 'resource', tags: names.resource });
  return { scopes, metrics: tagMetrics(traces) };
}

export function searchTagsV1(traces: readonly StoredTrace[], scope: string | null): Record<string, unknown> {
  const names = tagNames(traces);
  let list: string[];
  if (scope === 'span') list = names.span;
  else if (scope === 'resource') list = names.resource;
  else if (scope === 'intrinsic') list = [...INTRINSIC_TAGS];
  else list = [...new Set([...names.span, ...names.resource])].sort();
  return { tagNames: list, metrics: tagMetrics(traces) };
}

function anyToString(v: AnyValue): string | null {
  if ('stringValue' in v) return v.stringValue;
  if ('intValue' in v) return v.intValue;
  if ('doubleValue' in v) return String(v.doubleValue);
  if ('boolValue' in v) return String(v.boolValue);
  return null;
}

export function tagValuesV1(traces: readonly StoredTrace[], tag: string): Record<string, unknown> {
  const values = new Set<string>();
  for (const t of traces) {
    for (const s of t.spans) {
      for (const kv of [...s.attributes, ...s.resource.attributes]) {
        if (kv.key !== tag) continue;
        const v = anyToString(kv.value);
        if (v !== null) values.add(v);
      }
    }
  }
  return { tagValues: [...values].sort(), metrics: tagMetrics(traces) };
}

function typedValue(v: Val): { type: string; value: string } | null {
  switch (v.t) {
    case 'str':
      return { type: 'string', value: v.v };
    case 'int':
      return { type: 'int', value: String(v.v) };
    case 'float':
      return { type: 'float', value: String(v.v) };
    case 'bool':
      return { type: 'bool', value: String(v.v) };
    case 'status':
    case 'kind':
      return { type: 'keyword', value: v.v };
    case 'dur':
      return { type: 'duration', value: formatGoDuration(v.v) };
    default:
      return null;
  }
}

/** v2 tag values of a TraceQL identifier, optionally restricted to spans matching one `{ … }` filter. */
export function tagValuesV2(traces: readonly StoredTrace[], field: Field, filter: Cond | null): Record<string, unknown> {
  const out = new Map<string, { type: string; value: string }>();
  const durationLike = field.type === 'intrinsic' && (field.intrinsic === 'duration' || field.intrinsic === 'traceDuration');
  if (!durationLike) {
    for (const t of traces) {
      const ctx = traceCtx(t);
      for (const s of t.spans) {
        if (!evalCond(filter, s, ctx)) continue;
        const v = fieldValue(field, s, ctx);
        const vals = v.t === 'arr' ? v.v : [v];
        for (const one of vals) {
          const tv = typedValue(one);
          if (tv && !(field.type === 'intrinsic' && field.intrinsic === 'statusMessage' && tv.value === '')) {
            out.set(`${tv.type}\u0000${tv.value}`, tv);
          }
        }
      }
    }
  }
  const tagValues = [...out.values()].sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  return { tagValues, metrics: tagMetrics(traces) };
}

// ---- TraceQL metrics ----

export interface RangeParams {
  /** Nanoseconds. */
  readonly startNs: bigint;
  readonly endNs: bigint;
  readonly stepNs: bigint;
  /** Spans starting at or after this are not counted (Tempo 3's query_end_cutoff); default endNs. */
  readonly countedEndNs?: bigint;
}

/** Tempo's `DefaultQueryRangeStep`: ~240 points, floored to 5 s (or 1 s) multiples, at least 1 s. */
export function defaultStepNs(startNs: bigint, endNs: bigint): bigint {
  const baseline = (endNs - startNs) / 240n;
  let interval = (baseline / 5_000_000_000n) * 5_000_000_000n;
  if (interval < 5_000_000_000n) interval = (baseline / 1_000_000_000n) * 1_000_000_000n;
  return interval < 1_000_000_000n ? 1_000_000_000n : interval;
}

export function alignRange(p: RangeParams): { start: bigint; end: bigint; count: number } {
  const start = p.startNs - (p.startNs % p.stepNs);
  const mod = p.endNs % p.stepNs;
  const end = mod === 0n ? p.endNs : p.endNs + (p.stepNs - mod);
  return { start, end, count: Number((end - start) / p.stepNs) + 1 };
}

/**
 * Tempo's `Log2Quantile`: find the power-of-two bucket holding the ceil(p·n)-th sample and
 * interpolate exponentially from the previous non-empty bucket's bound (or half the bound).
 */
export function log2Quantile(p: number, buckets: ReadonlyMap<number, number>): number {
  const sorted = [...buckets.entries()].sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((n, [, c]) => n + c, 0);
  if (total === 0 || !(p >= 0 && p <= 1)) return 0;
  const maxSamples = Math.max(1, Math.ceil(p * total));
  let seen = 0;
  let idx = sorted.length - 1;
  for (let i = 0; i < sorted.length; i++) {
    const count = sorted[i]?.[1] ?? 0;
    if (seen + count >= maxSamples) {
      idx = i;
      break;
    }
    seen += count;
  }
  const [bound, count] = sorted[idx] ?? [1, 1];
  const interp = (maxSamples - seen) / count;
  const max = Math.log2(bound);
  const prev = sorted[idx - 1];
  const min = prev ? Math.log2(prev[0]) : max - 1;
  return Math.pow(2, min + (max - min) * interp);
}

/** Upper power-of-two bound of a nanosecond duration (Tempo's `Log2Bucketize`). */
export function log2Bucket(ns: number): number {
  return ns <= 0 ? 0 : Math.pow(2, Math.ceil(Math.log2(ns)));
}

function labelValue(v: Val): AnyValue | null {
  switch (v.t) {
    case 'str':
      return { stringValue: v.v };
    case 'int':
      return { intValue: String(v.v) };
    case 'float':
      return { doubleValue: v.v };
    case 'bool':
      return { boolValue: v.v };
    case 'status':
    case 'kind':
      return { stringValue: v.v };
    case 'dur':
      return { stringValue: formatGoDuration(v.v) };
    default:
      return null;
  }
}

/** Go's `strconv.FormatFloat(f, 'g', -1, 64)`: shortest digits, exponent form below 1e-4 and from 1e6. */
export function goFloatString(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (!Number.isFinite(f)) return f > 0 ? '+Inf' : '-Inf';
  if (f === 0) return '0';
  const [mant, expStr] = f.toExponential().split('e') as [string, string];
  const exp = Number(expStr);
  if (exp < -4 || exp >= 6) return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(f);
}

function promValue(v: AnyValue): string {
  if ('stringValue' in v) return v.stringValue;
  if ('intValue' in v) return v.intValue;
  if ('doubleValue' in v) return goFloatString(v.doubleValue);
  if ('boolValue' in v) return String(v.boolValue);
  return '';
}

function promLabels(labels: readonly KeyValue[]): string {
  const parts = [...labels]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((l) => `${l.key}=${JSON.stringify(promValue(l.value))}`);
  return `{${parts.join(', ')}}`;
}

interface SeriesAcc {
  readonly labels: KeyValue[];
  readonly counts: number[];
  readonly buckets: Map<number, number>[];
  readonly exemplars: { span: StoredSpan; ctx: TraceCtx; interval: number }[];
}

const MAX_EXEMPLARS_PER_SERIES = 4;

/** Evaluates a metrics query over the traces. `instant` gives Tempo 2.7's value-less instant series. */
export function queryRange(traces: readonly StoredTrace[], query: Query, metrics: MetricsOp, p: RangeParams): Record<string, unknown> {
  const { start, count } = alignRange(p);
  const series = new Map<string, SeriesAcc>();
  for (const t of traces) {
    const ctx = traceCtx(t);
    for (const span of matchSpans(query.spanset, ctx)) {
      if (span.startNs < start || (p.countedEndNs !== undefined && span.startNs >= p.countedEndNs)) continue;
      const interval = Number((span.startNs - start) / p.stepNs);
      if (interval >= count) continue;
      const labels: KeyValue[] = [];
      for (const f of metrics.by) {
        const lv = labelValue(fieldValue(f, span, ctx));
        // Intrinsics are labelled by their bare name (`by (span:status)` → `status`), as Tempo does.
        if (lv) labels.push({ key: f.type === 'intrinsic' ? f.intrinsic : f.text, value: lv });
      }
      if (metrics.fn === 'histogram_over_time') {
        // Tempo's bucketizeDuration: spans under 2 ns have no bucket; the bucket label comes after
        // the group-by labels, so neither the all-nil `nil` label nor `__name__` is ever added.
        const d = Number(span.endNs - span.startNs);
        if (d < 2) continue;
        labels.push({ key: '__bucket', value: { doubleValue: log2Bucket(d) / 1e9 } });
      } else {
        if (metrics.by.length && labels.length === 0 && metrics.by[0]) labels.push({ key: metrics.by[0].text, value: { stringValue: 'nil' } });
        if (!metrics.by.length) labels.push({ key: '__name__', value: { stringValue: metrics.fn } });
      }
      const key = JSON.stringify(labels);
      let acc = series.get(key);
      if (!acc) {
        acc = { labels, counts: new Array<number>(count).fill(0), buckets: Array.from({ length: count }, () => new Map()), exemplars: [] };
        series.set(key, acc);
      }
      acc.counts[interval] = (acc.counts[interval] ?? 0) + 1;
      const b = log2Bucket(Number(span.endNs - span.startNs));
      const bm = acc.buckets[interval];
      if (bm) bm.set(b, (bm.get(b) ?? 0) + 1);
      if (acc.exemplars.length < MAX_EXEMPLARS_PER_SERIES) acc.exemplars.push({ span, ctx, interval });
    }
  }
  const stepSeconds = Number(p.stepNs) / 1e9;
  const referenced = dedupeFields([...fieldsOfSpanset(query.spanset), ...metrics.by]);
  const out: { prom: string; body: Record<string, unknown> }[] = [];
  const timestamps = Array.from({ length: count }, (_, i) => ((start + BigInt(i) * p.stepNs) / 1_000_000n).toString());
  const emit = (labels: KeyValue[], value: (i: number) => number, exemplarValue: (e: SeriesAcc['exemplars'][number]) => number, acc: SeriesAcc): void => {
    const samples = timestamps.map((ts, i) => {
      const v = value(i);
      return v && Number.isFinite(v) ? { timestampMs: ts, value: v } : { timestampMs: ts };
    });
    const prom = promLabels(labels);
    const body: Record<string, unknown> = { labels, samples, promLabels: prom };
    // Count-like series (rate, count, histogram buckets) get Tempo's NaN placeholder exemplars,
    // valued at the end with the series' sample of their step (as the rate recordings show).
    if (acc.exemplars.length) {
      body['exemplars'] = acc.exemplars.map((e) => {
        const el: KeyValue[] = [{ key: 'trace:id', value: { stringValue: stripTraceId(e.span.traceId) } }];
        for (const f of referenced) {
          const lv = labelValue(fieldValue(f, e.span, e.ctx));
          if (lv && !(f.type === 'intrinsic' && f.intrinsic === 'duration')) el.push({ key: f.text, value: lv });
        }
        if (metrics.fn === 'quantile_over_time') {
          el.push({ key: 'duration', value: { stringValue: formatGoDuration(Number(e.span.endNs - e.span.startNs)) } });
        }
        return { labels: el, value: exemplarValue(e), timestampMs: (e.span.startNs / 1_000_000n).toString() };
      });
    }
    out.push({ prom, body });
  };
  for (const acc of series.values()) {
    if (metrics.fn === 'quantile_over_time') {
      for (const q of metrics.quantiles) {
        const labels = [...acc.labels.filter((l) => l.key !== '__name__'), { key: 'p', value: { doubleValue: q } }];
        emit(
          labels,
          (i) => {
            const bm = acc.buckets[i];
            return bm && bm.size ? log2Quantile(q, bm) / 1e9 : 0;
          },
          (e) => Number(e.span.endNs - e.span.startNs) / 1e9,
          acc,
        );
      }
    } else {
      const value = (i: number): number => {
        const c = acc.counts[i] ?? 0;
        return metrics.fn === 'rate' ? c / stepSeconds : c;
      };
      emit(acc.labels, value, (e) => value(e.interval), acc);
    }
  }
  out.sort((a, b) => (a.prom < b.prom ? -1 : a.prom > b.prom ? 1 : 0));
  return { series: out.map((o) => o.body), metrics: { completedJobs: 1 } };
}

/** Tempo 2.7's instant query: the series of the whole range, and — as recorded — no `value`. */
export function queryInstant(traces: readonly StoredTrace[], query: Query, metrics: MetricsOp, startNs: bigint, endNs: bigint): Record<string, unknown> {
  const stepNs = endNs - startNs > 0n ? endNs - startNs : 1n;
  const range = queryRange(traces, query, metrics, { startNs, endNs, stepNs });
  const series = (range['series'] as Record<string, unknown>[]).map((s) => ({ labels: s['labels'], promLabels: s['promLabels'] }));
  return { series, metrics: { completedJobs: 1 } };
}
