// Tempo 2.7-compatible HTTP test server: query API, OTLP ingest, gateway auth, multi-tenancy, fault injection.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { parseOtlp, resourceSpansJson, TraceStore, traceBounds, type StoredTrace } from './store';
import { parseGoDuration, parseIdentifier, parseTraceQL, formatGoDuration, TraceQLError, type Query } from './traceql';
import {
  defaultStepNs,
  queryInstant,
  queryRange,
  search,
  searchTagsV1,
  searchTagsV2,
  tagValuesV1,
  tagValuesV2,
  traceCtx,
  overlaps,
} from './engine';

export interface TempoServerOptions {
  /** buildinfo version, default '2.7.2'. */
  version?: string;
  /** Default 0 (random). */
  port?: number;
  /** A gateway in front of Tempo: 401 when the credentials are missing or wrong. */
  auth?: { bearer?: string; basic?: { user: string; password: string } };
  /** Require X-Scope-OrgID (401 'no org id'); data kept per tenant; `a|b` queries several. */
  multitenant?: boolean;
  /** Default true; false behaves like a Tempo without the metrics-generator local-blocks processor. */
  metrics?: boolean;
  /**
   * Default true. false refuses `histogram_over_time` the way a Tempo before 2.5 does (a 400 TraceQL
   * syntax error at the function name), to exercise clients' quantile fallback.
   */
  histogram?: boolean;
  /** Default 3 h like Tempo 2.7, 24 h from version 3 (`query_frontend.metrics.max_duration`). */
  maxMetricsRangeSeconds?: number;
  /** Default true; false → 404 like a pre-2.3 Tempo. */
  buildinfo?: boolean;
  /**
   * Search and tags without start/end only see "recent" data, like Tempo reading only the
   * ingesters: traces that ended within this many seconds. Default 900 (15 min).
   */
  recentWindowSeconds?: number;
  /**
   * Spans pushed late, as real Tempo treats them for minutes after the push: a search with
   * start/end leaves out a trace that started more than this many seconds before it was ingested;
   * a search without start/end still finds it. Measured on 2.7.2 and 3.0.3 with a scenario pushed
   * 5–300 s late: a ranged search split in time shards skips those whose range no block overlaps,
   * and blocks of late spans carry time ranges near their ingestion. Default: off.
   */
  rangedSearchHidesLateSeconds?: number;
  /**
   * TraceQL metrics leave out a span ingested more than this many seconds after it ended, like
   * Tempo 2.x's metrics-generator (`metrics_ingestion_time_range_slack`, 30 s by default; the
   * spans are counted in tempo_metrics_generator_spans_discarded_total). Search still finds them.
   * Default: off (seeded data stays countable).
   */
  metricsDropLateSeconds?: number;
  /** Wall clock in epoch ms (default Date.now); lets tests pin "now" for `since` and recent-only search. */
  now?: () => number;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  /** Decoded query parameters (last value wins). */
  readonly query: Readonly<Record<string, string>>;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string>>;
  /** Response status; 0 when the connection was reset or the client went away first. */
  status: number;
}

export interface Fault {
  /** Substring of, or RegExp tested against, the path + query string. Default: every request. */
  path?: string | RegExp;
  /** How many matching requests this fault applies to. Default 1; Infinity for all. */
  times?: number;
  /** Delay before anything happens (the normal answer or the fault below). */
  latencyMs?: number;
  /** Answer with this status (and `body`, plain text) instead of the real handler. */
  status?: number;
  body?: string;
  /** Extra response headers, e.g. { 'Retry-After': '2' }. */
  headers?: Record<string, string>;
  /** Send the headers and half of the real body, then cut the connection. */
  truncate?: boolean;
  /** Destroy the socket without answering. */
  reset?: boolean;
  /** Answer with the real JSON body padded to at least this many bytes (still valid JSON, chunked). */
  oversizeBytes?: number;
}

export interface TempoTestServer {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  /** OTLP JSON {resourceSpans:[…]} (hex or base64 ids); `tenant` only matters with `multitenant`. */
  ingest(otlp: unknown, tenant?: string): void;
  /** Every request, in order. */
  readonly requests: RecordedRequest[];
  clearRequests(): void;
  inject(fault: Fault): void;
  clearFaults(): void;
  close(): Promise<void>;
}

const SINGLE_TENANT = 'single-tenant';
const TEXT = 'text/plain; charset=utf-8';
const JSON_TYPE = 'application/json';
/** Tempo's `query_frontend.search.max_duration` default. */
const MAX_SEARCH_RANGE_SECONDS = 168 * 3600;
/** Recent data is served by the metrics-generator, older by queriers from blocks (2.6–2.10 default). */
const QUERY_BACKEND_AFTER_SECONDS = 30 * 60;

interface Reply {
  status: number;
  body: string;
  contentType: string | null;
  headers?: Record<string, string>;
}

function text(status: number, body: string): Reply {
  return { status, body, contentType: TEXT };
}

function json(body: unknown, status = 200): Reply {
  return { status, body: JSON.stringify(body), contentType: JSON_TYPE };
}

/** Plain-text errors carry Go's http.Error trailing newline only where the recordings show it (echo/ready). */
function badRequest(message: string): Reply {
  return text(400, message);
}

class HttpError extends Error {
  constructor(readonly reply: Reply) {
    super(reply.body);
  }
}

function parseUint(v: string | undefined, name: string): number | null {
  if (v === undefined || v === '') return null;
  if (!/^\d+$/.test(v)) throw new HttpError(badRequest(`invalid ${name}: strconv.ParseUint: parsing ${JSON.stringify(v)}: invalid syntax`));
  return Number(v);
}

/** Metrics `start`/`end`: unix seconds, unix nanoseconds (> 10 digits), fractional seconds or RFC3339. */
function parseMetricsTime(v: string, name: string): bigint {
  if (/^\d+$/.test(v)) return v.length > 10 ? BigInt(v) : BigInt(v) * 1_000_000_000n;
  if (/^\d+\.\d+$/.test(v)) return BigInt(Math.round(Number(v) * 1e9));
  const ms = Date.parse(v);
  if (/^\d{4}-\d{2}-\d{2}T/.test(v) && Number.isFinite(ms)) return BigInt(ms) * 1_000_000n;
  throw new HttpError(badRequest(`could not parse '${name}' parameter: ${JSON.stringify(v)} is not a valid time`));
}

function parseStep(v: string): bigint {
  if (/^\d+(\.\d+)?$/.test(v)) return BigInt(Math.round(Number(v) * 1e9));
  const ns = parseGoDuration(v) ?? parsePromDuration(v);
  if (ns === null || ns <= 0) throw new HttpError(badRequest(`could not parse 'step' parameter: ${JSON.stringify(v)}`));
  return BigInt(Math.round(ns));
}

/** Prometheus durations add d/w/y to Go's units. */
function parsePromDuration(v: string): number | null {
  const m = /^(\d+)(d|w|y)$/.exec(v);
  if (!m) return null;
  const unit = m[2] === 'd' ? 86400e9 : m[2] === 'w' ? 7 * 86400e9 : 365 * 86400e9;
  return Number(m[1]) * unit;
}

function traceIdFromPath(raw: string): string {
  const id = decodeURIComponent(raw);
  for (let i = 0; i < id.length; i++) {
    if (!/[0-9a-fA-F]/.test(id[i] ?? '')) {
      throw new HttpError(badRequest(`trace IDs can only contain hex characters: invalid character '${id[i]}' at position ${i + 1}`));
    }
  }
  if (id.length === 0 || id.length > 32) throw new HttpError(badRequest(`trace ids can't be over 128 bits`));
  return id.toLowerCase().padStart(32, '0');
}

export async function startTempoServer(opts: TempoServerOptions = {}): Promise<TempoTestServer> {
  const version = opts.version ?? '2.7.2';
  const major = Number(version.split('.')[0]) || 2;
  const maxMetricsRange = opts.maxMetricsRangeSeconds ?? (major >= 3 ? 24 * 3600 : 3 * 3600);
  const metricsEnabled = opts.metrics ?? true;
  const histogramEnabled = opts.histogram ?? true;
  const recentWindowNs = BigInt(Math.round((opts.recentWindowSeconds ?? 900) * 1e9));
  const stores = new Map<string, TraceStore>();
  const requests: RecordedRequest[] = [];
  let faults: { fault: Fault; left: number }[] = [];
  const sockets = new Set<Socket>();

  const storeFor = (tenant: string): TraceStore => {
    let s = stores.get(tenant);
    if (!s) {
      s = new TraceStore();
      stores.set(tenant, s);
    }
    return s;
  };

  /** Trace id → when its first span was ingested (ns), for `rangedSearchHidesLateSeconds`. */
  const ingestedAt = new Map<string, bigint>();
  /** Spans metrics leave out (`metricsDropLateSeconds`), by trace id → span ids. */
  const droppedFromMetrics = new Map<string, Set<string>>();
  const ingest = (otlp: unknown, tenant?: string): void => {
    const spans = parseOtlp(otlp);
    const store = storeFor(opts.multitenant ? (tenant ?? SINGLE_TENANT) : SINGLE_TENANT);
    const slack = opts.metricsDropLateSeconds;
    for (const s of spans) {
      store.add(s);
      if (!ingestedAt.has(s.traceId)) ingestedAt.set(s.traceId, nowNs());
      if (slack !== undefined && s.endNs < nowNs() - BigInt(Math.round(slack * 1e9))) {
        const ids = droppedFromMetrics.get(s.traceId) ?? new Set<string>();
        droppedFromMetrics.set(s.traceId, ids.add(s.spanId));
      }
    }
  };
  /** What TraceQL metrics see of a trace. */
  const countable = (t: StoredTrace): StoredTrace => {
    const dropped = droppedFromMetrics.get(t.traceId);
    return dropped === undefined ? t : { traceId: t.traceId, spans: t.spans.filter((s) => !dropped.has(s.spanId)) };
  };

  /** Traces visible to the request's tenants; the same id in two tenants is merged like Tempo's combiner. */
  const tracesFor = (tenants: readonly string[]): StoredTrace[] => {
    if (tenants.length === 1) return [...(stores.get(tenants[0] ?? '')?.traces.values() ?? [])];
    const merged = new Map<string, StoredTrace>();
    for (const tenant of tenants) {
      for (const t of stores.get(tenant)?.traces.values() ?? []) {
        const m = merged.get(t.traceId);
        if (m) merged.set(t.traceId, { traceId: t.traceId, spans: [...m.spans, ...t.spans] });
        else merged.set(t.traceId, t);
      }
    }
    return [...merged.values()];
  };

  const clock = opts.now ?? Date.now;
  const nowNs = (): bigint => BigInt(Math.round(clock())) * 1_000_000n;

  /** Search/tags window: explicit start/end (seconds), else only recent traces. */
  const windowed = (traces: StoredTrace[], startS: number | null, endS: number | null): StoredTrace[] => {
    if (startS !== null && endS !== null && (startS !== 0 || endS !== 0)) {
      const s = BigInt(startS) * 1_000_000_000n;
      const e = BigInt(endS) * 1_000_000_000n;
      const late = opts.rangedSearchHidesLateSeconds;
      const hidden = (t: StoredTrace): boolean => late !== undefined && traceBounds(t).startNs < (ingestedAt.get(t.traceId) ?? 0n) - BigInt(Math.round(late * 1e9));
      return traces.filter((t) => overlaps(traceCtx(t), s, e) && !hidden(t));
    }
    const since = nowNs() - recentWindowNs;
    return traces.filter((t) => traceBounds(t).endNs >= since);
  };

  const tenantsOf = (req: http.IncomingMessage, required: boolean): string[] => {
    if (!opts.multitenant) return [SINGLE_TENANT];
    const raw = req.headers['x-scope-orgid'];
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (!value || !value.trim()) {
      if (required) throw new HttpError(text(401, 'no org id'));
      return [SINGLE_TENANT];
    }
    return [...new Set(value.split('|').map((t) => t.trim()).filter(Boolean))].sort();
  };

  const authorized = (req: http.IncomingMessage): boolean => {
    const auth = opts.auth;
    if (!auth || (!auth.bearer && !auth.basic)) return true;
    const header = req.headers.authorization ?? '';
    if (auth.bearer && header === `Bearer ${auth.bearer}`) return true;
    if (auth.basic) {
      const expected = `Basic ${Buffer.from(`${auth.basic.user}:${auth.basic.password}`).toString('base64')}`;
      if (header === expected) return true;
    }
    return false;
  };

  const searchParams = (q: URLSearchParams): { start: number | null; end: number | null } => {
    const start = parseUint(q.get('start') ?? undefined, 'start');
    const end = parseUint(q.get('end') ?? undefined, 'end');
    if (start !== null && end !== null && (start !== 0 || end !== 0)) {
      if (end <= start) throw new HttpError(badRequest(`http parameter start must be before end. received start=${start} end=${end}`));
      if (end - start > MAX_SEARCH_RANGE_SECONDS) {
        throw new HttpError(badRequest(`range specified by start and end exceeds 168h0m0s. received start=${start} end=${end}`));
      }
    }
    return { start, end };
  };

  const parseSearchQuery = (q: string | null, prefix: string): Query => {
    const nilRefusal = refusesNilEquality(q ?? '');
    if (nilRefusal !== null) throw new HttpError(badRequest(`${prefix}${nilRefusal}`));
    try {
      return parseTraceQL(q && q.trim() ? q : '{}');
    } catch (err) {
      if (err instanceof TraceQLError) throw new HttpError(badRequest(`${prefix}${err.message}`));
      throw err;
    }
  };

  /** Tempo 2.x compiles no `= nil` (3.0 does): measured on both real builds. */
  const refusesNilEquality = (query: string): string | null =>
    major < 3 && /(^|[^!=<>~])=\s*nil\b/.test(query.replace(/"(?:[^"\\]|\\.)*"/g, '""')) ? '{.a = nil} not yet supported' : null;

  const handleSearch = (req: http.IncomingMessage, q: URLSearchParams): Reply => {
    const tenants = tenantsOf(req, true);
    if (q.get('q') && q.get('tags')) return badRequest(`invalid request: can't specify tags and q in the same query`);
    const { start, end } = searchParams(q);
    const limit = parseUint(q.get('limit') ?? undefined, 'limit') ?? 20;
    if (limit === 0) return badRequest('invalid limit: must be a positive number');
    const spss = parseUint(q.get('spss') ?? undefined, 'spss') ?? 3;
    if (spss > 100) return badRequest(`spans per span set exceeds 100. received ${spss}`);
    const query = parseSearchQuery(q.get('q'), 'invalid TraceQL query: ');
    if (query.metrics) return badRequest('invalid TraceQL query: metrics queries are not supported by search');
    const traces = windowed(tracesFor(tenants), start, end);
    const ranged = start !== null && end !== null;
    return json(search(traces, query, { limit, spss: spss === 0 ? Number.MAX_SAFE_INTEGER : spss }, ranged ? 3 : 1));
  };

  const handleTraceById = (req: http.IncomingMessage, rawId: string, q: URLSearchParams, v2: boolean): Reply => {
    const tenants = tenantsOf(req, true);
    const id = traceIdFromPath(rawId);
    const start = parseUint(q.get('start') ?? undefined, 'start');
    const end = parseUint(q.get('end') ?? undefined, 'end');
    let trace = tracesFor(tenants).find((t) => t.traceId === id);
    if (trace && start !== null && end !== null && (start !== 0 || end !== 0)) {
      if (!overlaps(traceCtx(trace), BigInt(start) * 1_000_000_000n, BigInt(end) * 1_000_000_000n)) trace = undefined;
    }
    // 3.0 adds an empty `metrics` object to the v2 answer for an unknown id (measured).
    if (!trace) return v2 ? json(major >= 3 ? { trace: {}, metrics: {} } : { trace: {} }) : { status: 404, body: '', contentType: null };
    const resourceSpans = resourceSpansJson(trace.spans);
    // Tempo 2.7.2 sends no `metrics` key in v2 bodies (recorded); v1 renames resourceSpans to batches.
    return v2 ? json({ trace: { resourceSpans } }) : json({ batches: resourceSpans });
  };

  const tagWindow = (req: http.IncomingMessage, q: URLSearchParams): StoredTrace[] => {
    const tenants = tenantsOf(req, true);
    const { start, end } = searchParams(q);
    return windowed(tracesFor(tenants), start, end);
  };

  const handleMetrics = (req: http.IncomingMessage, q: URLSearchParams, instant: boolean): Reply => {
    const tenants = tenantsOf(req, true);
    const raw = q.get('q') ?? q.get('query') ?? '';
    let query: Query;
    try {
      query = parseTraceQL(raw);
    } catch (err) {
      if (err instanceof TraceQLError) return badRequest(`compiling query: ${err.message}`);
      throw err;
    }
    if (!query.metrics) return badRequest('not a metrics query');
    const nilRefusal = refusesNilEquality(raw);
    if (nilRefusal !== null) return badRequest(`compiling query: ${nilRefusal}`);
    // Tempo's group-by limit, the same in 2.7 and 3.0 (PITFALLS 12): one slot is kept for the bucket.
    const bucketed = query.metrics.fn === 'histogram_over_time' || query.metrics.fn === 'quantile_over_time';
    if (query.metrics.by.length > (bucketed ? 4 : 5)) return badRequest(`compiling query: metrics group by ${query.metrics.by.length} values not yet supported`);
    if (query.metrics.fn === 'histogram_over_time' && !histogramEnabled) {
      const at = raw.indexOf('histogram_over_time');
      const before = raw.slice(0, Math.max(0, at));
      const line = before.split('\n').length;
      const col = before.length - before.lastIndexOf('\n');
      return badRequest(`compiling query: parse error at line ${line}, col ${col}: syntax error: unexpected IDENTIFIER`);
    }
    const now = nowNs();
    const sinceRaw = q.get('since');
    const sinceNs = sinceRaw ? parseGoDuration(sinceRaw) ?? parsePromDuration(sinceRaw) : 3600e9;
    if (sinceNs === null) return badRequest(`could not parse 'since' parameter: ${JSON.stringify(sinceRaw)}`);
    const endRaw = q.get('end');
    const startRaw = q.get('start');
    const endNs = endRaw ? parseMetricsTime(endRaw, 'end') : now;
    const startNs = startRaw ? parseMetricsTime(startRaw, 'start') : endNs - BigInt(Math.round(sinceNs));
    if (endNs <= startNs) return badRequest('end must be greater than start');
    const rangeNs = endNs - startNs;
    const stepRaw = q.get('step');
    const stepNs = stepRaw ? parseStep(stepRaw) : defaultStepNs(startNs, endNs);
    // Tempo 3 checks range + one step against the limit (a range of exactly 24 h is refused);
    // 2.x checks the range alone. Both measured on the real builds.
    if (rangeNs + (major >= 3 ? stepNs : 0n) > BigInt(maxMetricsRange) * 1_000_000_000n) {
      return badRequest(major >= 3
        ? `metrics query time range exceeds the maximum allowed duration of ${formatGoDuration(maxMetricsRange * 1e9)}`
        : `range specified by start and end (${formatGoDuration(Number(rangeNs))}) exceeds ${formatGoDuration(maxMetricsRange * 1e9)}. received start=${startNs} end=${endNs}`);
    }
    // Tempo 3's query_end_cutoff: the newest 30 s are left out of every metrics answer.
    const countedEndNs = major >= 3 && endNs > now - 30_000_000_000n ? now - 30_000_000_000n : endNs;
    if (!metricsEnabled && endNs > now - BigInt(QUERY_BACKEND_AFTER_SECONDS) * 1_000_000_000n) {
      // Real Tempo 2.x without the local-blocks processor fails the recent part of every metrics
      // query: the querier asks the metrics-generators and gets this gRPC error back (grafana/tempo
      // #3064 shows the same text for the summary API; #4299 shows `empty ring` when no generator
      // runs at all). Ranges that end before query_backend_after (30 min) are computed from blocks
      // and still work, as they do on a real Tempo.
      return text(
        500,
        'error querying generators in Querier.queryRangeRecent: failed to get response from generators: failed to execute f() for 127.0.0.1:9095: rpc error: code = Unknown desc = localblocks processor not found',
      );
    }
    const traces = tracesFor(tenants).map(countable).filter((t) => t.spans.length > 0 && overlaps(traceCtx(t), startNs, countedEndNs + 1n));
    if (instant) return json(queryInstant(traces, query, query.metrics, startNs, countedEndNs));
    if (rangeNs / stepNs > 10_000n) {
      return badRequest(`step of ${formatGoDuration(Number(stepNs))} is too small, minimum step for given range is ${formatGoDuration(Number(rangeNs / 10_000n))}`);
    }
    return json(queryRange(traces, query, query.metrics, { startNs, endNs, stepNs, countedEndNs }));
  };

  const readBody = (req: http.IncomingMessage): Promise<string> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });

  const route = async (req: http.IncomingMessage, path: string, q: URLSearchParams): Promise<Reply> => {
    const method = req.method ?? 'GET';
    if (path === '/v1/traces' || path === '/otlp/v1/traces') {
      if (method !== 'POST') return text(405, 'method not allowed');
      const tenants = tenantsOf(req, true);
      const body = await readBody(req);
      try {
        ingest(JSON.parse(body), tenants[0]);
      } catch (err) {
        return text(400, err instanceof Error ? err.message : 'bad request');
      }
      // What Tempo's OTLP/HTTP receiver answered in the recordings (ingested_traces*.json).
      return json({ partialSuccess: {} });
    }
    if (method !== 'GET' && method !== 'HEAD') return text(405, 'method not allowed');
    if (path === '/api/echo') return { status: 200, body: 'echo\n', contentType: TEXT, headers: { 'X-Content-Type-Options': 'nosniff' } };
    if (path === '/ready') return { status: 200, body: 'ready\n', contentType: TEXT, headers: { 'X-Content-Type-Options': 'nosniff' } };
    if (path === '/api/status/buildinfo') {
      if (opts.buildinfo === false) return text(404, '404 page not found\n');
      return json({ version, revision: 'b33945a', branch: `v${version}`, buildUser: '', buildDate: '', goVersion: 'go1.23.5' });
    }
    if (path === '/api/search') return handleSearch(req, q);
    let m = /^\/api\/(v2\/)?traces\/([^/]+)$/.exec(path);
    if (m) return handleTraceById(req, m[2] ?? '', q, m[1] !== undefined);
    if (path === '/api/v2/search/tags') return json(searchTagsV2(tagWindow(req, q), q.get('scope')));
    if (path === '/api/search/tags') return json(searchTagsV1(tagWindow(req, q), q.get('scope')));
    m = /^\/api\/v2\/search\/tag\/([^/]+)\/values$/.exec(path);
    if (m) {
      const tag = decodeURIComponent(m[1] ?? '');
      const traces = tagWindow(req, q);
      const field = parseIdentifier(tag);
      if (!field) return badRequest(`please provide a valid tagName: ${tag}`);
      let filter = null;
      const fq = q.get('q');
      if (fq) {
        try {
          const parsed = parseTraceQL(fq);
          // Tempo honours a single `{ … }` and silently ignores anything it cannot use.
          if (parsed.spanset.type === 'filter') filter = parsed.spanset.cond;
        } catch {
          filter = null;
        }
      }
      return json(tagValuesV2(traces, field, filter));
    }
    m = /^\/api\/search\/tag\/([^/]+)\/values$/.exec(path);
    if (m) return json(tagValuesV1(tagWindow(req, q), decodeURIComponent(m[1] ?? '')));
    if (path === '/api/metrics/query_range') return handleMetrics(req, q, false);
    if (path === '/api/metrics/query') return handleMetrics(req, q, true);
    return text(404, '404 page not found\n');
  };

  const takeFault = (target: string): Fault | null => {
    for (const entry of faults) {
      if (entry.left <= 0) continue;
      const p = entry.fault.path;
      const hit = p === undefined || (typeof p === 'string' ? target.includes(p) : p.test(target));
      if (!hit) continue;
      entry.left--;
      faults = faults.filter((f) => f.left > 0);
      return entry.fault;
    }
    return null;
  };

  const send = (res: http.ServerResponse, record: RecordedRequest, reply: Reply, fault: Fault | null): void => {
    const headers: Record<string, string> = { ...(reply.headers ?? {}), ...(fault?.headers ?? {}) };
    if (reply.contentType) headers['Content-Type'] = reply.contentType;
    record.status = reply.status;
    if (fault?.oversizeBytes !== undefined && reply.contentType === JSON_TYPE) {
      sendOversized(res, reply, headers, fault.oversizeBytes);
      return;
    }
    const body = Buffer.from(reply.body, 'utf8');
    if (fault?.truncate) {
      res.writeHead(reply.status, { ...headers, 'Content-Length': String(body.length) });
      res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.socket?.destroy());
      return;
    }
    res.writeHead(reply.status, { ...headers, 'Content-Length': String(body.length) });
    res.end(body);
  };

  /** Streams `{…real body…, "padding":"xxxx…"}` in chunks, stopping if the client goes away. */
  const sendOversized = (res: http.ServerResponse, reply: Reply, headers: Record<string, string>, bytes: number): void => {
    const head = reply.body.trim().endsWith('}') ? `${reply.body.trim().slice(0, -1)},"padding":"` : '{"padding":"';
    res.writeHead(reply.status, headers);
    res.write(head);
    let left = bytes;
    const chunk = 'x'.repeat(64 * 1024);
    const pump = (): void => {
      while (left > 0 && !res.destroyed) {
        const piece = left >= chunk.length ? chunk : chunk.slice(0, left);
        left -= piece.length;
        if (!res.write(piece)) {
          res.once('drain', pump);
          return;
        }
      }
      if (!res.destroyed) res.end('"}');
    };
    pump();
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = v;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
    const record: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query, headers, status: 0 };
    requests.push(record);
    const fault = takeFault(`${url.pathname}${url.search}`);
    const run = async (): Promise<void> => {
      if (fault?.reset) {
        req.socket.destroy();
        return;
      }
      let reply: Reply;
      if (fault?.status !== undefined) reply = text(fault.status, fault.body ?? '');
      else if (!authorized(req)) reply = { ...text(401, 'unauthorized'), headers: opts.auth?.basic ? { 'WWW-Authenticate': 'Basic realm="tempo"' } : {} };
      else {
        try {
          reply = await route(req, url.pathname, url.searchParams);
        } catch (err) {
          if (err instanceof HttpError) reply = err.reply;
          else reply = text(500, err instanceof Error ? err.message : 'internal error');
        }
      }
      if (req.method === 'HEAD') reply = { ...reply, body: '' };
      send(res, record, reply, fault);
    };
    const latency = fault?.latencyMs ?? 0;
    if (latency > 0) {
      const timer = setTimeout(() => void run(), latency);
      res.on('close', () => clearTimeout(timer));
    } else void run();
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    ingest,
    requests,
    clearRequests: () => {
      requests.length = 0;
    },
    inject: (fault: Fault) => {
      faults.push({ fault, left: fault.times ?? 1 });
    },
    clearFaults: () => {
      faults = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
