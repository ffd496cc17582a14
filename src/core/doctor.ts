// "Why don't I see any lenses?": per-service instrumentation counts → verdicts and advice for that SDK (pure).
import type { Attributes, CodeRef, TimeWindow } from '../shared/model';
import { servicesCondition, spanSet } from './traceql';
import type { QueryRangeResponse } from './wire';
import type { StatsRequest } from './source';

/** The SDK of a service, from its resource attributes; `distro` is `telemetry.distro.name` (the auto-instrumentation agent). */
export interface SdkInfo {
  readonly language: string | null;
  readonly name: string | null;
  readonly version: string | null;
  readonly distro: string | null;
}

/**
 * Exact span counts of one service. `oldKeys`, `newKeys` and `bothKeys` are disjoint (old
 * `code.function` only, new `code.function.name` only, both on one span) and add up to `withCode`.
 */
export interface ServiceCounts {
  readonly service: string;
  readonly spans: number;
  readonly withCode: number;
  readonly oldKeys: number;
  readonly newKeys: number;
  readonly bothKeys: number;
  readonly sdk: SdkInfo;
}

/** One function seen in the telemetry and what the workspace matcher made of it. */
export interface FunctionVerdict {
  readonly service: string | null;
  readonly codeRef: CodeRef;
  /** Null when no workspace was checked. */
  readonly matched: boolean | null;
  /** The matcher's explanation when it did not match. */
  readonly reason: string | null;
  /**
   * A workspace file whose path ends like `codeRef.filePath` (the match, or the best candidate),
   * and whether a configured path mapping already led there.
   */
  readonly workspaceFile: string | null;
  readonly mappedByConfig: boolean;
}

/** A function the source saw (for the workspace matcher). */
export interface SeenFunction {
  readonly codeRef: CodeRef;
  readonly service: string | null;
}

/** Counts plus the functions seen: what every source gives the report (Tempo, files, the receiver). */
export interface CensusSource {
  census(req: StatsRequest, signal: AbortSignal): Promise<CensusResult & { readonly functions: readonly SeenFunction[] }>;
}

/** What every source (Tempo, files, a receiver) hands to the report. */
export interface CensusResult {
  readonly window: TimeWindow;
  readonly services: readonly ServiceCounts[];
  /** Why exact counts could not be had (TraceQL metrics off, refused, unreachable), else null. */
  readonly metricsUnavailable: string | null;
  readonly notes: readonly string[];
}

export type DoctorState = 'metrics-unavailable' | 'no-data' | 'no-code' | 'no-match' | 'ok';
export type ServiceState = 'no-code' | 'no-match' | 'partial' | 'ok' | 'not-checked';

export interface ServiceReport extends ServiceCounts {
  readonly matched: number;
  readonly unmatched: number;
  readonly state: ServiceState;
  /** Most frequent reasons the matcher gave for the unmatched functions, with their counts. */
  readonly reasons: readonly { readonly reason: string; readonly count: number }[];
  readonly advice: readonly string[];
}

export interface DoctorReport {
  readonly window: TimeWindow;
  readonly state: DoctorState;
  /** One sentence saying which of the four cases this is (or that lenses should show). */
  readonly summary: string;
  /** Advice that is not about one service (empty window, metrics off). */
  readonly advice: readonly string[];
  readonly services: readonly ServiceReport[];
  readonly notes: readonly string[];
  readonly workspaceChecked: boolean;
}

// ---- counting ----------------------------------------------------------------------------------

/**
 * Disjoint key generations from three overlapping counts (TraceQL 2.x has no `= nil`):
 * old-or-both, new-or-both and any. Negative results (counts from different instants) clamp to 0.
 */
export function splitKeys(oldOrBoth: number, newOrBoth: number, any: number): Pick<ServiceCounts, 'withCode' | 'oldKeys' | 'newKeys' | 'bothKeys'> {
  const both = Math.max(0, oldOrBoth + newOrBoth - any);
  return { withCode: any, oldKeys: Math.max(0, any - newOrBoth), newKeys: Math.max(0, any - oldOrBoth), bothKeys: both };
}

const NO_SDK: SdkInfo = { language: null, name: null, version: null, distro: null };

const strAttr = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null);

function sdkOf(resource: Attributes): SdkInfo {
  return {
    language: strAttr(resource['telemetry.sdk.language']),
    name: strAttr(resource['telemetry.sdk.name']),
    version: strAttr(resource['telemetry.sdk.version']),
    distro: strAttr(resource['telemetry.distro.name']),
  };
}

const sdkKey = (s: SdkInfo): string => `${s.language ?? ''}\u0000${s.name ?? ''}\u0000${s.version ?? ''}\u0000${s.distro ?? ''}`;

/** Per service: span totals and the SDK seen on most of its spans (instances may differ). */
class ServiceTally {
  spans = 0;
  old = 0;
  neu = 0;
  any = 0;
  private readonly sdks = new Map<string, { sdk: SdkInfo; spans: number }>();
  addSdk(sdk: SdkInfo, spans: number): void {
    const k = sdkKey(sdk);
    const e = this.sdks.get(k);
    if (e) e.spans += spans;
    else this.sdks.set(k, { sdk, spans });
  }
  sdk(): SdkInfo {
    let best: { sdk: SdkInfo; spans: number } | null = null;
    for (const e of this.sdks.values()) if (best === null || e.spans > best.spans) best = e;
    return best?.sdk ?? NO_SDK;
  }
}

function finishTallies(tallies: ReadonlyMap<string, ServiceTally>): ServiceCounts[] {
  const out: ServiceCounts[] = [];
  for (const [service, t] of tallies) {
    if (t.spans === 0 && t.any === 0) continue;
    out.push({ service, spans: Math.max(t.spans, t.any), ...splitKeys(t.old, t.neu, t.any), sdk: t.sdk() });
  }
  return out.sort((a, b) => b.spans - a.spans || a.service.localeCompare(b.service));
}

/** Counts from spans read one by one (trace files, an OTLP receiver): exact by construction. */
export class SpanCensus {
  private readonly tallies = new Map<string, ServiceTally>();

  add(span: { readonly service: string | null; readonly resource: Attributes; readonly attributes: Attributes }): void {
    const service = span.service ?? '(no service.name)';
    let t = this.tallies.get(service);
    if (!t) this.tallies.set(service, (t = new ServiceTally()));
    t.spans++;
    t.addSdk(sdkOf(span.resource), 1);
    const hasOld = strAttr(span.attributes['code.function']) !== null;
    const hasNew = strAttr(span.attributes['code.function.name']) !== null;
    if (hasOld) t.old++;
    if (hasNew) t.neu++;
    if (hasOld || hasNew) t.any++;
  }

  result(): ServiceCounts[] {
    return finishTallies(this.tallies);
  }
}

/** The four metrics queries of the census (per chunk of the window), in `countsFromMetrics` order. */
export const CENSUS_GROUP_BY = [
  'resource.service.name',
  'resource.telemetry.sdk.language',
  'resource.telemetry.sdk.name',
  'resource.telemetry.sdk.version',
  'resource.telemetry.distro.name',
] as const;

/**
 * The census queries: every span by service and SDK (five group-bys, Tempo's limit), and spans with
 * old-or-both, new-or-both and any `code.*` keys by service (`= nil` is refused by Tempo 2.x, so
 * the disjoint counts come from `splitKeys`). Four requests per chunk whatever the data.
 */
export function censusQueries(filter: string, services?: readonly string[]): { readonly [K in keyof CensusAnswers]: string } {
  const svc = servicesCondition(services);
  const count = (cond: string | null, by: readonly string[]): string => `${spanSet(cond, filter, svc)} | count_over_time() by (${by.join(', ')})`;
  return {
    all: count(null, CENSUS_GROUP_BY),
    old: count('span.code.function != nil', ['resource.service.name']),
    new: count('span.code.function.name != nil', ['resource.service.name']),
    any: count('span.code.function != nil || span.code.function.name != nil', ['resource.service.name']),
  };
}

export interface CensusAnswers {
  /** `{ cond } | count_over_time() by (CENSUS_GROUP_BY)` answers, one per chunk. */
  readonly all: readonly QueryRangeResponse[];
  /** `… by (resource.service.name)` for old-or-both, new-or-both and any code keys. */
  readonly old: readonly QueryRangeResponse[];
  readonly new: readonly QueryRangeResponse[];
  readonly any: readonly QueryRangeResponse[];
}

const labelKey = (key: string): string => key.replace(/^(span|resource)\./, '').replace(/^\./, '');

function labelsOf(series: QueryRangeResponse['series'][number]): Map<string, string> {
  const m = new Map<string, string>();
  for (const l of series.labels) {
    const v = l.value;
    const s = v?.stringValue ?? (v?.intValue !== undefined ? String(v.intValue) : v?.doubleValue !== undefined ? String(v.doubleValue) : undefined);
    // Tempo labels an absent group-by value with the string "nil".
    if (s !== undefined && s !== 'nil' && s !== '') m.set(labelKey(l.key), s);
  }
  return m;
}

/**
 * Sum of every series' samples, keyed by its labels. A step on a chunk boundary can come back in
 * both chunks: one value per series and timestamp (the larger) is kept.
 */
function sumSeries(answers: readonly QueryRangeResponse[]): { labels: Map<string, string>; total: number }[] {
  const bySeries = new Map<string, { labels: Map<string, string>; steps: Map<string, number> }>();
  for (const resp of answers) {
    for (const s of resp.series) {
      const labels = labelsOf(s);
      const key = [...labels.entries()].sort().map(([k, v]) => `${k}\u001f${v}`).join('\u001e');
      let e = bySeries.get(key);
      if (!e) bySeries.set(key, (e = { labels, steps: new Map() }));
      for (const p of s.samples) {
        // Zero-valued samples have no `value` key.
        const v = typeof p.value === 'number' && Number.isFinite(p.value) ? p.value : 0;
        e.steps.set(p.timestampMs, Math.max(e.steps.get(p.timestampMs) ?? 0, v));
      }
    }
  }
  return [...bySeries.values()].map((e) => {
    let total = 0;
    for (const v of e.steps.values()) total += v;
    return { labels: e.labels, total: Math.round(total) };
  });
}

/** Per-service counts from the census's TraceQL-metrics answers (exact: counts, not samples). */
export function countsFromMetrics(a: CensusAnswers): ServiceCounts[] {
  const tallies = new Map<string, ServiceTally>();
  const tally = (service: string | undefined): ServiceTally => {
    const name = service ?? '(no service.name)';
    let t = tallies.get(name);
    if (!t) tallies.set(name, (t = new ServiceTally()));
    return t;
  };
  for (const s of sumSeries(a.all)) {
    if (s.total === 0) continue;
    const t = tally(s.labels.get('service.name'));
    t.spans += s.total;
    t.addSdk({
      language: s.labels.get('telemetry.sdk.language') ?? null,
      name: s.labels.get('telemetry.sdk.name') ?? null,
      version: s.labels.get('telemetry.sdk.version') ?? null,
      distro: s.labels.get('telemetry.distro.name') ?? null,
    }, s.total);
  }
  for (const s of sumSeries(a.old)) tally(s.labels.get('service.name')).old += s.total;
  for (const s of sumSeries(a.new)) tally(s.labels.get('service.name')).neu += s.total;
  for (const s of sumSeries(a.any)) tally(s.labels.get('service.name')).any += s.total;
  return finishTallies(tallies);
}

// ---- advice ------------------------------------------------------------------------------------

/** `major.minor` of a version string, or null. */
function versionOf(v: string | null): [number, number] | null {
  const m = v === null ? null : /^\s*v?(\d+)\.(\d+)/.exec(v);
  return m === null ? null : [Number(m[1]), Number(m[2])];
}

const isJava = (sdk: SdkInfo): boolean => sdk.language === 'java' || /java/i.test(sdk.distro ?? '');
const isJavaAgent = (sdk: SdkInfo): boolean => /java-instrumentation|javaagent/i.test(sdk.distro ?? '');

const PYTHON_SNIPPET = [
  'import functools, inspect',
  'from opentelemetry import trace',
  '',
  'def traced(fn):',
  '    tracer = trace.get_tracer(fn.__module__)',
  '    attrs = {"code.function.name": f"{fn.__module__}.{fn.__qualname__}",',
  '             "code.file.path": inspect.getsourcefile(fn) or "",',
  '             "code.line.number": fn.__code__.co_firstlineno}',
  '    @functools.wraps(fn)',
  '    def wrapper(*args, **kwargs):',
  '        with tracer.start_as_current_span(fn.__qualname__, attributes=attrs):',
  '            return fn(*args, **kwargs)',
  '    return wrapper',
].join('\n');

const NODE_SNIPPET = [
  "import { trace } from '@opentelemetry/api';",
  "const tracer = trace.getTracer('app');",
  '// traced(OrderService, "placeOrder", __filename): wraps the method in a span with code.* set',
  'function traced(cls, method, file) {',
  '  const fn = cls.prototype[method];',
  '  cls.prototype[method] = function (...args) {',
  '    return tracer.startActiveSpan(`${cls.name}.${method}`, { attributes: {',
  "      'code.function.name': `${cls.name}.${method}`, 'code.file.path': file } }, (span) => {",
  '      try { const r = fn.apply(this, args); if (r && typeof r.then === \'function\') return r.finally(() => span.end()); span.end(); return r; }',
  '      catch (e) { span.end(); throw e; }',
  '    });',
  '  };',
  '}',
].join('\n');

/** What to change so that a service's spans carry `code.*` at all. */
function noCodeAdvice(c: ServiceCounts): string[] {
  const sdk = c.sdk;
  if (isJava(sdk)) {
    const agent = isJavaAgent(sdk) ? `the Java agent (${sdk.distro ?? 'opentelemetry-java-instrumentation'})` : 'the Java agent';
    return [
      `${c.service}: none of its ${c.spans} spans carry code.* attributes. HTTP server spans never do; with ${agent} 2.x the Spring MVC / JAX-RS controller spans that do are off by default: set OTEL_INSTRUMENTATION_COMMON_EXPERIMENTAL_CONTROLLER_TELEMETRY_ENABLED=true (agent ≥ 2.11 puts code.* on them).`,
      `${c.service}: to trace other methods, list them: OTEL_INSTRUMENTATION_METHODS_INCLUDE=com.example.OrderService[placeOrder,cancel];com.example.Repo[find] (or annotate them with @WithSpan).`,
    ];
  }
  if (sdk.language === 'python') {
    return [`${c.service}: none of its ${c.spans} spans carry code.* attributes: Python instrumentations (Django, Flask, FastAPI, requests…) never set them on spans. Wrap the functions you want to see in a decorator that does:\n${PYTHON_SNIPPET}`];
  }
  if (sdk.language === 'nodejs' || sdk.language === 'webjs') {
    return [`${c.service}: none of its ${c.spans} spans carry code.* attributes: Node instrumentations (HTTP, Express, NestJS…) never set them on spans. Wrap the methods you want to see in a helper that does:\n${NODE_SNIPPET}`];
  }
  const lang = sdk.language ?? 'unknown';
  return [`${c.service}: none of its ${c.spans} spans carry code.* attributes, and the ${lang} instrumentations do not add them: set code.function.name (fully qualified, e.g. com.example.OrderService.placeOrder) and code.file.path on the spans you create.`];
}

/** One generation of keys only: which SDKs emit which, and the switch for both. */
function generationAdvice(c: ServiceCounts): string[] {
  if (c.bothKeys > 0 || c.withCode === 0) return [];
  const v = versionOf(c.sdk.version);
  if (c.oldKeys > 0 && c.newKeys === 0) {
    const java = isJava(c.sdk)
      ? ` Java agent 2.x emits the old keys by default (the new ones since 2.18.0 on opt-in; agent 3.0 drops the old ones):${v !== null && v[0] === 2 && v[1] < 18 ? ' upgrade the agent to ≥ 2.18.0 and' : ''} set OTEL_SEMCONV_STABILITY_OPT_IN=code/dup to emit both.`
      : ' Instrumentations older than semantic conventions 1.30 (e.g. Ruby contrib) emit the old keys; where the SDK supports it, set OTEL_SEMCONV_STABILITY_OPT_IN=code/dup to emit both.';
    return [`${c.service}: only the old keys (code.namespace + code.function) on ${c.oldKeys} spans. Tempo Lens reads them, but tools that follow the stable conventions read code.function.name.${java}`];
  }
  if (c.newKeys > 0 && c.oldKeys === 0) {
    const java = isJava(c.sdk)
      ? ' This is the Java agent with OTEL_SEMCONV_STABILITY_OPT_IN=code (or agent 3.x);'
      : ' Emitters following semantic conventions ≥ 1.30 (PHP contrib, Python logging) write the new keys only;';
    return [`${c.service}: only the new key (code.function.name) on ${c.newKeys} spans.${java} dashboards and tools that still read code.function / code.namespace see nothing: set OTEL_SEMCONV_STABILITY_OPT_IN=code/dup to emit both while they catch up.`];
  }
  return [];
}

/**
 * A `tempoLens.pathMappings` entry from span paths that end like workspace files: the span path
 * minus the shared suffix → the workspace path minus it. The most frequent pair wins.
 */
export function suggestPathMapping(pairs: readonly { readonly spanPath: string; readonly workspaceFile: string }[]): { from: string; to: string } | null {
  const counts = new Map<string, { from: string; to: string; n: number }>();
  for (const p of pairs) {
    const span = p.spanPath.replace(/\\/g, '/').split('/');
    const ws = p.workspaceFile.replace(/\\/g, '/').split('/');
    let n = 0;
    while (n < span.length && n < ws.length && span[span.length - 1 - n] === ws[ws.length - 1 - n]) n++;
    // Two matching components (a directory and the file name) before a prefix is believed.
    if (n < 2 || n === span.length) continue;
    const from = span.slice(0, span.length - n).join('/') || '/';
    const to = ws.slice(0, ws.length - n).join('/') || '.';
    if (from === to) continue;
    const k = `${from}\u0000${to}`;
    const e = counts.get(k);
    if (e) e.n++;
    else counts.set(k, { from, to, n: 1 });
  }
  let best: { from: string; to: string; n: number } | null = null;
  for (const e of counts.values()) if (best === null || e.n > best.n) best = e;
  return best === null ? null : { from: best.from, to: best.to };
}

function topReasons(fns: readonly FunctionVerdict[], max = 3): { reason: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const f of fns) if (f.matched === false) counts.set(f.reason ?? 'no method fits', (counts.get(f.reason ?? 'no method fits') ?? 0) + 1);
  return [...counts.entries()].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)).slice(0, max);
}

function serviceReport(c: ServiceCounts, fns: readonly FunctionVerdict[], workspaceChecked: boolean): ServiceReport {
  const matched = fns.filter((f) => f.matched === true).length;
  const unmatched = fns.filter((f) => f.matched === false).length;
  const reasons = topReasons(fns);
  const advice: string[] = [];
  if (c.withCode === 0) advice.push(...noCodeAdvice(c));
  advice.push(...generationAdvice(c));
  // Paths from a container or build machine: the prefix to map, when spans' paths end like workspace files.
  const unmapped = fns.filter((f) => f.codeRef.filePath !== null && f.workspaceFile !== null && !f.mappedByConfig);
  const mapping = suggestPathMapping(unmapped.map((f) => ({ spanPath: f.codeRef.filePath as string, workspaceFile: f.workspaceFile as string })));
  if (mapping !== null) {
    const why = unmatched > 0 ? `${unmatched} of its functions do not map` : 'its spans\' file paths only match workspace files by their ending';
    advice.push(`${c.service}: ${why}; spans report paths under ${mapping.from}, the workspace has them under ${mapping.to === '.' ? 'its root' : mapping.to}: add to settings "tempoLens.pathMappings": [{ "from": ${JSON.stringify(mapping.from)}, "to": ${JSON.stringify(mapping.to)} }]`);
  }
  if (unmatched > 0) {
    advice.push(`${c.service}: ${unmatched} function${unmatched === 1 ? '' : 's'} seen in spans do${unmatched === 1 ? 'es' : ''} not map to a workspace method; top reason${reasons.length === 1 ? '' : 's'}: ${reasons.map((r) => `${r.reason}${r.count > 1 ? ` (×${r.count})` : ''}`).join(' | ')}`);
  }
  const state: ServiceState = c.withCode === 0 ? 'no-code' : !workspaceChecked ? 'not-checked' : matched === 0 && unmatched > 0 ? 'no-match' : unmatched > 0 ? 'partial' : 'ok';
  return { ...c, matched, unmatched, state, reasons, advice };
}

const when = (w: TimeWindow): string => `${new Date(w.startMs).toISOString()} – ${new Date(w.endMs).toISOString()}`;

/** The report: per service counts, matches and advice; overall, which of the four cases this is. */
export function buildDoctorReport(census: CensusResult, functions: readonly FunctionVerdict[], opts: { readonly workspaceChecked: boolean; readonly filter: string }): DoctorReport {
  const byService = new Map<string, FunctionVerdict[]>();
  for (const f of functions) {
    const k = f.service ?? '(no service.name)';
    const list = byService.get(k);
    if (list) list.push(f);
    else byService.set(k, [f]);
  }
  const services = census.services.map((c) => serviceReport(c, byService.get(c.service) ?? [], opts.workspaceChecked));
  const advice: string[] = [];
  let state: DoctorState;
  let summary: string;
  const filterNote = opts.filter.trim() !== '' ? ` matching the filter ${opts.filter.trim()}` : '';
  if (census.metricsUnavailable !== null) {
    state = 'metrics-unavailable';
    summary = `Exact counts need TraceQL metrics, which are unavailable: ${census.metricsUnavailable}`;
    advice.push('Enable TraceQL metrics on Tempo (2.4+): metrics_generator: { processor: { local_blocks: { filter_server_spans: false, flush_to_storage: true } } } and overrides: { defaults: { metrics_generator: { processors: [local-blocks] } } }.');
  } else if (services.length === 0) {
    state = 'no-data';
    summary = `No spans${filterNote} in the window ${when(census.window)}.`;
    advice.push(`Nothing reached this source in the window${filterNote}: widen it (--since 24h, or Tempo Lens: Set Time Range)${filterNote !== '' ? ', loosen the filter (tempoLens.filter)' : ''}, and check that the services export to it (OTEL_EXPORTER_OTLP_ENDPOINT).`);
  } else if (services.every((s) => s.withCode === 0)) {
    state = 'no-code';
    summary = `${services.length} service${services.length === 1 ? '' : 's'} sent spans, but none carries code attributes (code.function / code.function.name): there is nothing to map to methods.`;
  } else if (opts.workspaceChecked && services.every((s) => s.matched === 0)) {
    state = 'no-match';
    summary = 'Spans carry code attributes, but none of their functions maps to a method of this workspace.';
  } else {
    state = 'ok';
    const m = services.reduce((n, s) => n + s.matched, 0);
    summary = opts.workspaceChecked
      ? `${m} function${m === 1 ? '' : 's'} map to workspace methods: lenses should show on them.`
      : 'Spans carry code attributes (no workspace was checked for matches).';
  }
  return { window: census.window, state, summary, advice, services, notes: census.notes, workspaceChecked: opts.workspaceChecked };
}

// ---- output ------------------------------------------------------------------------------------

/** `tempo-lens doctor --format json` (CONTRACT.md). */
export function doctorJson(r: DoctorReport): unknown {
  return {
    window: { start: new Date(r.window.startMs).toISOString(), end: new Date(r.window.endMs).toISOString() },
    services: r.services.map((s) => ({
      service: s.service,
      spans: s.spans,
      withCode: s.withCode,
      oldKeys: s.oldKeys,
      newKeys: s.newKeys,
      bothKeys: s.bothKeys,
      sdk: { language: s.sdk.language, name: s.sdk.name, version: s.sdk.version },
      matched: s.matched,
      unmatched: s.unmatched,
      advice: [...s.advice],
    })),
  };
}

export const sdkLabel = (sdk: SdkInfo): string =>
  [sdk.language, sdk.name, sdk.version].filter((x) => x !== null).join(' ') + (sdk.distro !== null ? ` (${sdk.distro})` : '') || 'unknown SDK';
