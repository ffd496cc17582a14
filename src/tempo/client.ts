// The Tempo HTTP client: endpoints, auth, tenant, timeouts, abort, size cap, retries, capabilities per connection.

import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { pipeline, type Readable, type Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Dispatcher } from 'undici';
import {
  parseBuildInfo,
  parseQueryRangeResponse,
  parseSearchResponse,
  parseTagsV1Response,
  parseTagsV2Response,
  parseTagValuesResponse,
  parseTraceBody,
  WireFormatError,
  type QueryRangeResponse,
  type SearchResponse,
  type TagsResponse,
  type TagValuesResponse,
} from '../core/wire';
import { headerNameProblem, headerValueProblem } from '../core/httpHeaders';
import { tempoLexerSafe } from '../core/traceql';
import { capabilitiesFromVersion, withMetricsUnavailable, type Capabilities } from './capabilities';
import { parseTraceqlError, TempoConfigError, TempoError, type TempoErrorKind } from './errors';
import {
  acquireDispatcher,
  backoffDelayMs,
  classifyNetworkError,
  headerValue,
  parseRetryAfter,
  proxyFor,
  readCapped,
  recordBodyBytes,
  sleep,
  type DispatcherLease,
} from './http';

export type { Capabilities } from './capabilities';
export type { QueryRangeResponse, SearchResponse, TagsResponse, TagValuesResponse } from '../core/wire';

export interface ConnectionSettings {
  readonly url: string;
  readonly auth: 'none' | 'basic' | 'bearer';
  readonly user: string;
  readonly token: string | undefined;
  readonly tenant: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly proxy?: string;
  readonly strictSSL?: boolean;
  readonly ca?: string;
}

export interface BuildInfo {
  readonly version: string;
  readonly revision?: string;
  readonly branch?: string;
  readonly goVersion?: string;
}

export interface ConnectionReport {
  readonly version: string | null;
  readonly latencyMs: number;
  readonly capabilities: Capabilities;
  readonly via: 'buildinfo' | 'echo';
}

export interface SearchParams {
  readonly q: string;
  /** Unix seconds. */
  readonly start?: number;
  readonly end?: number;
  readonly limit?: number;
  readonly spss?: number;
}

export interface QueryRangeParams {
  readonly q: string;
  /** Unix seconds. */
  readonly start: number;
  readonly end: number;
  /** A duration (`60s`) or a number of seconds. */
  readonly step?: string | number;
}

/**
 * The read calls the statistics and the features make. Implemented by TempoClient and by
 * CachedTempoClient (src/tempo/cache.ts), so callers do not care whether answers are cached.
 */
export interface TempoQueries {
  /** Hash of the connection settings (cache keys, per-connection knowledge). */
  readonly connectionKey: string;
  /** The base URL without credentials, for messages. */
  readonly displayUrl: string;
  capabilities(signal?: AbortSignal): Promise<Capabilities>;
  /** Records that the server said TraceQL metrics cannot run. */
  noteMetricsUnavailable(reason: string): void;
  search(params: SearchParams, signal?: AbortSignal): Promise<SearchResponse>;
  /** The raw, validated trace body, or null when Tempo has no such trace. */
  traceById(id: string, opts?: { start?: number; end?: number }, signal?: AbortSignal): Promise<unknown | null>;
  searchTags(scope?: string, signal?: AbortSignal): Promise<TagsResponse>;
  tagValues(tag: string, q?: string, signal?: AbortSignal): Promise<TagValuesResponse>;
  metricsQueryRange(params: QueryRangeParams, signal?: AbortSignal): Promise<QueryRangeResponse>;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface TempoClientOptions {
  /** Deadline for one call, retries and backoff included (default 60 s, above Tempo's own 30 s query timeouts so its 504 text reaches the user). */
  readonly timeoutMs?: number;
  readonly connectTimeoutMs?: number;
  /** Response-size cap (default 64 MiB). */
  readonly maxBodyBytes?: number;
  /** Extra attempts for idempotent calls on 429/502/503/504 and early connection resets (default 2). */
  readonly retries?: number;
  /** First backoff step (default 250 ms) and the backoff ceiling (default 5 s). */
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  /** Longest Retry-After we are willing to wait (default 20 s); longer → fail with the server's advice. */
  readonly maxRetryAfterMs?: number;
  readonly log?: (level: LogLevel, msg: string) => void;
  /** Environment for HTTP(S)_PROXY / NO_PROXY (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const DEFAULTS = {
  timeoutMs: 60_000,
  connectTimeoutMs: 10_000,
  maxBodyBytes: 64 * 1024 * 1024,
  retries: 2,
  backoffBaseMs: 250,
  backoffMaxMs: 5_000,
  maxRetryAfterMs: 20_000,
} as const;

const RETRY_STATUSES = new Set([429, 502, 503, 504]);
/** Server texts meaning "no metrics-generator to answer recent metrics" (tempo-api.md §6, grafana/tempo #3064, #4299). */
const METRICS_MISSING_RE = /localblocks processor not found|local-blocks processor not found|metrics generator(s)? (is |are )?not configured|error querying generators|empty ring/i;
const ERROR_BODY_CAP = 64 * 1024;

/** Per-connection knowledge shared by all clients with the same settings. */
interface ConnectionState {
  caps: Capabilities | undefined;
  pending: Promise<Capabilities> | undefined;
  v2Missing: boolean;
  metricsUnavailable: string | undefined;
}
const connections = new Map<string, ConnectionState>();

/** Forgets cached capabilities (tests; a "reconnect" action). */
export function clearCapabilityCache(): void {
  connections.clear();
}

/** Stable hash of everything that decides where requests go and as whom (the token is hashed, never kept). */
export function connectionKey(s: ConnectionSettings): string {
  const headers = Object.keys(s.headers)
    .sort()
    .map((k) => [k.toLowerCase(), s.headers[k]]);
  const material = JSON.stringify([s.url, s.auth, s.user, s.token ?? null, s.tenant, headers, s.proxy ?? null, s.strictSSL ?? true, s.ca ?? null]);
  return createHash('sha256').update(material).digest('hex').slice(0, 32);
}

/** `00ab…`, `AB…`, stripped leading zeros → 32 lower-case hex; anything else is refused before sending. */
export function normalizeTraceId(id: string): string {
  const t = id.trim().toLowerCase();
  if (!/^[0-9a-f]{1,32}$/.test(t)) {
    const reason = t.length === 0 ? 'it is empty' : t.length > 32 ? `it has ${t.length} characters (at most 32)` : 'it may contain only hex digits 0-9 a-f';
    throw new TempoError('badRequest', `"${id.length > 40 ? `${id.slice(0, 40)}…` : id}" is not a trace id: ${reason}.`);
  }
  return t.padStart(32, '0');
}

/** True when the base URL goes through Grafana's data-source proxy, which decodes the path once more. */
export function isGrafanaProxyPath(pathname: string): boolean {
  // `/api/datasources/proxy/uid/<uid>`, the deprecated `/proxy/<id>`, and Azure's `/uid/<uid>/resources`.
  return /\/api\/datasources\/(proxy\/(uid\/)?[^/]+|uid\/[^/]+\/resources)(\/|$)/.test(pathname);
}

interface GetOptions {
  /** Statuses handed back to the caller instead of becoming errors (e.g. 404 for "not found"). */
  readonly passStatuses?: readonly number[];
}

interface GetResult {
  readonly status: number;
  readonly body: Buffer;
  readonly contentType: string;
  readonly path: string;
}

class AbortMarker {
  constructor(readonly why: 'user' | 'timeout' | 'closed') {}
}

export class TempoClient implements TempoQueries {
  readonly #settings: ConnectionSettings;
  readonly #options: Required<Omit<TempoClientOptions, 'log' | 'env'>>;
  readonly #log: (level: LogLevel, msg: string) => void;
  readonly #origin: string;
  readonly #prefix: string;
  readonly #display: string;
  readonly #hostname: string;
  readonly #grafanaProxy: boolean;
  readonly #headers: Record<string, string>;
  readonly #secrets: readonly string[];
  readonly #key: string;
  readonly #proxy: string | undefined;
  #lease: DispatcherLease | undefined;
  #requests = 0;
  #closed = false;
  readonly #closing = new AbortController();

  constructor(settings: ConnectionSettings, options: TempoClientOptions = {}) {
    this.#settings = settings;
    this.#options = {
      timeoutMs: positive(options.timeoutMs, DEFAULTS.timeoutMs),
      connectTimeoutMs: positive(options.connectTimeoutMs, DEFAULTS.connectTimeoutMs),
      maxBodyBytes: positive(options.maxBodyBytes, DEFAULTS.maxBodyBytes),
      retries: Math.max(0, Math.floor(options.retries ?? DEFAULTS.retries)),
      backoffBaseMs: positive(options.backoffBaseMs, DEFAULTS.backoffBaseMs),
      backoffMaxMs: positive(options.backoffMaxMs, DEFAULTS.backoffMaxMs),
      maxRetryAfterMs: Math.max(0, options.maxRetryAfterMs ?? DEFAULTS.maxRetryAfterMs),
    };
    this.#log = options.log ?? (() => undefined);

    let url: URL;
    try {
      url = new URL(settings.url.trim());
    } catch {
      throw new TempoConfigError('tempoLens.url', `"${redactUrlText(settings.url)}" is not a URL: use e.g. http://localhost:3200.`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TempoConfigError('tempoLens.url', `Tempo URL must start with http:// or https:// (got ${url.protocol}).`);
    }
    if (url.username !== '' || url.password !== '') {
      throw new TempoConfigError('tempoLens.url', 'Put credentials in Tempo Lens: Configure Connection (auth, user, token), not in the URL.');
    }
    if (url.search !== '' || url.hash !== '') {
      throw new TempoConfigError('tempoLens.url', 'The Tempo URL must not contain a query string or fragment.');
    }
    this.#origin = url.origin;
    this.#hostname = url.hostname;
    this.#prefix = url.pathname.replace(/\/+$/, '');
    this.#display = `${url.origin}${this.#prefix}`;
    this.#grafanaProxy = isGrafanaProxyPath(this.#prefix);

    // gzip: Tempo's frontend compresses when asked, and large search answers shrink ~10× over a WAN.
    const headers: Record<string, string> = { accept: 'application/json', 'accept-encoding': 'gzip' };
    const secrets: string[] = [];
    for (const [name, value] of Object.entries(settings.headers)) {
      // The same rule as the settings validation (core/httpHeaders), for callers that skip it.
      const nameProblem = headerNameProblem(name);
      if (nameProblem !== null) throw new TempoConfigError('tempoLens.headers', `tempoLens.headers: "${name}" ${nameProblem}.`);
      const valueProblem = typeof value === 'string' ? headerValueProblem(value) : 'is not a string';
      if (valueProblem !== null) throw new TempoConfigError('tempoLens.headers', `Header "${name}" has a value that ${valueProblem}.`);
      const lower = name.toLowerCase();
      if (lower === 'x-scope-orgid' && settings.tenant !== '') {
        throw new TempoConfigError('tempoLens.headers', 'X-Scope-OrgID is set both in tempoLens.headers and tempoLens.tenant: keep only tempoLens.tenant.');
      }
      headers[lower] = value;
    }
    const tenantProblem = headerValueProblem(settings.tenant);
    if (tenantProblem !== null) throw new TempoConfigError('tempoLens.tenant', `The tenant ${tenantProblem}.`);
    if (settings.tenant.trim() !== '') headers['x-scope-orgid'] = settings.tenant.trim();

    const token = settings.token;
    if (token !== undefined && headerValueProblem(token) !== null) throw new TempoConfigError('tempoLens.token', `The stored token ${headerValueProblem(token) ?? ''}: set it again with Tempo Lens: Configure Connection.`);
    if (settings.auth === 'basic') {
      if (settings.user.includes(':') || /[\r\n\0]/.test(settings.user)) {
        throw new TempoConfigError('tempoLens.user', 'The basic-auth user may not contain ":" or line breaks.');
      }
      if (token !== undefined && token !== '') {
        const cred = Buffer.from(`${settings.user}:${token}`, 'utf8').toString('base64');
        headers['authorization'] = `Basic ${cred}`;
        secrets.push(cred);
      }
    } else if (settings.auth === 'bearer') {
      if (token !== undefined && token !== '') headers['authorization'] = `Bearer ${token}`;
    } else if (settings.auth !== 'none') {
      throw new TempoConfigError('tempoLens.auth', `Unknown auth mode "${String(settings.auth)}": use none, basic or bearer.`);
    }
    if (token !== undefined && token.length >= 4) secrets.push(token);
    this.#headers = headers;
    this.#secrets = secrets;
    this.#key = connectionKey(settings);

    const proxy = proxyFor(url, settings.proxy, options.env ?? process.env);
    if (proxy !== undefined) {
      try {
        const p = new URL(proxy);
        if (p.protocol !== 'http:' && p.protocol !== 'https:') throw new Error('scheme');
      } catch {
        throw new TempoConfigError('http.proxy', `Proxy "${redactUrlText(proxy)}" is not an http(s) URL.`);
      }
    }
    this.#proxy = proxy;
  }

  /** Requests actually sent on the wire (retries included). */
  get requestCount(): number {
    return this.#requests;
  }

  /** Hash of the connection settings: equal settings share capabilities (and should share caches). */
  get connectionKey(): string {
    return this.#key;
  }

  /** The base URL without credentials, for messages. */
  get displayUrl(): string {
    return this.#display;
  }

  async testConnection(signal?: AbortSignal): Promise<ConnectionReport> {
    const state = this.#state();
    let t0 = performance.now();
    const info = await this.buildInfo(signal);
    let latencyMs = performance.now() - t0;
    let via: 'buildinfo' | 'echo' = 'buildinfo';
    if (info === null) {
      t0 = performance.now();
      await this.echo(signal);
      latencyMs = performance.now() - t0;
      via = 'echo';
    }
    const caps = this.#applyKnowledge(capabilitiesFromVersion(info?.version ?? null), state);
    state.caps = caps;
    return { version: info?.version ?? null, latencyMs: Math.round(latencyMs * 10) / 10, capabilities: caps, via };
  }

  /** Build info, or null when the server has no buildinfo endpoint (Tempo before 2.3). */
  async buildInfo(signal?: AbortSignal): Promise<BuildInfo | null> {
    const res = await this.#get('/api/status/buildinfo', {}, signal, { passStatuses: [404] });
    if (res.status === 404) {
      this.#throwIfWrongPath(res);
      return null;
    }
    const wire = this.#parse(res, parseBuildInfo);
    return {
      version: wire.version,
      ...(wire.revision ? { revision: wire.revision } : {}),
      ...(wire.branch ? { branch: wire.branch } : {}),
      ...(wire.goVersion ? { goVersion: wire.goVersion } : {}),
    };
  }

  async echo(signal?: AbortSignal): Promise<void> {
    const res = await this.#get('/api/echo', {}, signal);
    this.#throwIfWrongPath(res);
  }

  /** Capabilities of this connection, fetched once and shared by every client with the same settings. */
  async capabilities(signal?: AbortSignal): Promise<Capabilities> {
    const state = this.#state();
    if (state.caps !== undefined) return state.caps;
    if (state.pending === undefined) {
      // Detached from the first caller's signal: another caller may still want the answer.
      const pending = this.testConnection(this.#closing.signal).then((r) => r.capabilities);
      state.pending = pending;
      pending.then(
        () => {
          if (state.pending === pending) state.pending = undefined;
        },
        () => {
          if (state.pending === pending) state.pending = undefined;
        },
      );
    }
    return raceAbort(state.pending, signal);
  }

  /** Records that the server said TraceQL metrics cannot run (e.g. "metrics generator not configured"). */
  noteMetricsUnavailable(reason: string): void {
    const state = this.#state();
    state.metricsUnavailable = reason;
    if (state.caps !== undefined) state.caps = withMetricsUnavailable(state.caps, reason);
    this.#log('info', `TraceQL metrics marked unavailable for ${this.#display}: ${reason}`);
  }

  async search(params: SearchParams, signal?: AbortSignal): Promise<SearchResponse> {
    const res = await this.#get(
      '/api/search',
      { q: params.q, start: seconds(params.start), end: seconds(params.end), limit: count(params.limit), spss: count(params.spss) },
      signal,
    );
    return this.#parse(res, parseSearchResponse);
  }

  /**
   * The raw, validated trace body (v2 `{trace:…}` or v1 `{batches:…}`), or null when Tempo has no
   * such trace. v2 first; v1 when the server is known to be older or answers 404 on v2.
   */
  async traceById(id: string, opts: { start?: number; end?: number } = {}, signal?: AbortSignal): Promise<unknown | null> {
    const hex = normalizeTraceId(id);
    const query = { start: seconds(opts.start), end: seconds(opts.end) };
    const state = this.#state();
    if (!state.v2Missing && state.caps?.traceByIdV2 !== false) {
      const res = await this.#get(`/api/v2/traces/${hex}`, query, signal, { passStatuses: [404] });
      if (res.status !== 404) {
        const parsed = this.#parse(res, parseTraceBody);
        return parsed.empty ? null : parsed.body;
      }
      this.#throwIfWrongPath(res);
      state.v2Missing = true;
      this.#log('info', `${this.#display} has no /api/v2/traces (Tempo < 2.6): using /api/traces`);
    }
    const res = await this.#get(`/api/traces/${hex}`, query, signal, { passStatuses: [404] });
    if (res.status === 404) {
      const text = res.body.toString('utf8').trim();
      if (text !== '' && !/trace.*not found/i.test(text)) {
        throw new TempoError('wrongPath', `${this.#display} has no /api/traces endpoint: check tempoLens.url.`, { status: 404, body: this.#clean(text) });
      }
      return null;
    }
    if (res.body.length === 0) return null;
    const parsed = this.#parse(res, parseTraceBody);
    return parsed.empty ? null : parsed.body;
  }

  /** Tag names by scope (v2), or one `unscoped` group from the v1 endpoint on servers without v2. */
  async searchTags(scope?: string, signal?: AbortSignal): Promise<TagsResponse> {
    const res = await this.#get('/api/v2/search/tags', { scope }, signal, { passStatuses: [404] });
    if (res.status !== 404) return this.#parse(res, parseTagsV2Response);
    this.#throwIfWrongPath(res);
    const v1 = await this.#get('/api/search/tags', { scope }, signal);
    return this.#parse(v1, (b) => parseTagsV1Response(b, scope ?? 'unscoped'));
  }

  /** Typed values of a TraceQL identifier (`span.code.function`, `resource.service.name`), optionally filtered by `q`. */
  async tagValues(tag: string, q?: string, signal?: AbortSignal): Promise<TagValuesResponse> {
    if (tag.trim() === '') throw new TempoError('badRequest', 'A tag name is required to list its values.');
    const once = encodeURIComponent(tag);
    // Grafana's proxy decodes the path once before forwarding (tempo-api.md §5).
    const segment = this.#grafanaProxy ? encodeURIComponent(once) : once;
    const res = await this.#get(`/api/v2/search/tag/${segment}/values`, { q: q === undefined || q.trim() === '' ? undefined : q }, signal);
    return this.#parse(res, parseTagValuesResponse);
  }

  async metricsQueryRange(params: QueryRangeParams, signal?: AbortSignal): Promise<QueryRangeResponse> {
    const step = params.step === undefined ? undefined : typeof params.step === 'number' ? `${params.step}s` : params.step;
    try {
      const res = await this.#get('/api/metrics/query_range', { q: params.q, start: seconds(params.start), end: seconds(params.end), step }, signal);
      return this.#parse(res, parseQueryRangeResponse);
    } catch (e) {
      if (e instanceof TempoError && e.kind === 'server' && e.body !== undefined && METRICS_MISSING_RE.test(e.body)) {
        // A Tempo without the metrics-generator local-blocks processor fails every recent metrics query.
        this.noteMetricsUnavailable('the metrics-generator local-blocks processor is not configured on this Tempo');
        throw new TempoError(
          'server',
          `TraceQL metrics are not available on Tempo at ${this.#display}: the metrics-generator local-blocks processor is not configured (statistics fall back to sampled searches).`,
          { status: e.status, body: e.body, cause: e },
        );
      }
      throw e;
    }
  }

  /** Releases the shared connection pool (closed when its last client closes) and cancels calls in flight. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing.abort(new AbortMarker('closed'));
    const lease = this.#lease;
    this.#lease = undefined;
    if (lease !== undefined) await lease.release();
  }

  #state(): ConnectionState {
    let s = connections.get(this.#key);
    if (s === undefined) {
      s = { caps: undefined, pending: undefined, v2Missing: false, metricsUnavailable: undefined };
      connections.set(this.#key, s);
    }
    return s;
  }

  #applyKnowledge(caps: Capabilities, state: ConnectionState): Capabilities {
    let out = caps;
    if (state.metricsUnavailable !== undefined) out = withMetricsUnavailable(out, state.metricsUnavailable);
    if (state.v2Missing && out.traceByIdV2) out = { ...out, traceByIdV2: false };
    return out;
  }

  #dispatcher(): Dispatcher {
    if (this.#lease === undefined) {
      this.#lease = acquireDispatcher({
        origin: this.#origin,
        proxy: this.#proxy,
        ca: this.#settings.ca,
        rejectUnauthorized: this.#settings.strictSSL ?? true,
        connectTimeoutMs: this.#options.connectTimeoutMs,
      });
    }
    return this.#lease.dispatcher;
  }

  /** One idempotent GET with deadline, abort, retries and size cap; non-2xx become TempoErrors unless passed. */
  async #get(apiPath: string, query: Record<string, string | undefined>, signal: AbortSignal | undefined, opts: GetOptions = {}): Promise<GetResult> {
    if (this.#closed) throw new TempoError('aborted', 'The Tempo client was closed.');
    if (signal?.aborted) throw new TempoError('aborted', 'The request to Tempo was cancelled.');
    const qs = new URLSearchParams();
    // Every TraceQL query laid out so Tempo's lexer reads it whole (queries over 1 KiB; core/traceql.ts).
    for (const [k, v] of Object.entries(query)) if (v !== undefined) qs.set(k, k === 'q' ? tempoLexerSafe(v) : v);
    const search = qs.toString();
    const path = `${this.#prefix}${apiPath}${search === '' ? '' : `?${search}`}`;
    const { timeoutMs, retries, backoffBaseMs, backoffMaxMs, maxRetryAfterMs, maxBodyBytes } = this.#options;

    const ctl = new AbortController();
    const deadline = Date.now() + timeoutMs;
    const timer = setTimeout(() => ctl.abort(new AbortMarker('timeout')), timeoutMs);
    const onUser = (): void => ctl.abort(new AbortMarker('user'));
    const onClose = (): void => ctl.abort(new AbortMarker('closed'));
    signal?.addEventListener('abort', onUser, { once: true });
    this.#closing.signal.addEventListener('abort', onClose, { once: true });
    const dispatcher = this.#dispatcher();

    try {
      for (let attempt = 0; ; attempt++) {
        const t0 = performance.now();
        let res: Dispatcher.ResponseData;
        try {
          this.#requests++;
          res = await dispatcher.request({
            origin: this.#origin,
            path,
            method: 'GET',
            headers: this.#headers,
            signal: ctl.signal,
            headersTimeout: timeoutMs,
            bodyTimeout: timeoutMs,
          });
        } catch (e) {
          if (ctl.signal.aborted) throw this.#abortError(ctl.signal, apiPath, e);
          const c = classifyNetworkError(e);
          // A reset before any byte of the answer is safe to repeat for a GET (e.g. a stale keep-alive socket).
          if (c.failure === 'reset' && attempt < retries) {
            const delay = backoffDelayMs(attempt, backoffBaseMs, backoffMaxMs);
            if (Date.now() + delay < deadline) {
              this.#log('info', `GET ${apiPath}: connection reset (${c.code ?? 'no code'}), retry ${attempt + 1}/${retries} in ${delay} ms`);
              await sleep(delay, ctl.signal);
              continue;
            }
          }
          throw this.#networkError(c.failure, c.code, e);
        }

        const status = res.statusCode;
        if (RETRY_STATUSES.has(status) && attempt < retries) {
          const retryAfter = parseRetryAfter(res.headers['retry-after']);
          const delay = retryAfter !== undefined ? Math.ceil(retryAfter * 1000) : backoffDelayMs(attempt, backoffBaseMs, backoffMaxMs);
          const fits = (retryAfter === undefined || delay <= maxRetryAfterMs) && Date.now() + delay < deadline;
          if (fits) {
            await res.body.dump().catch(() => undefined);
            this.#log('info', `GET ${apiPath} → ${status}, retry ${attempt + 1}/${retries} in ${delay} ms${retryAfter !== undefined ? ' (Retry-After)' : ''}`);
            await sleep(delay, ctl.signal);
            continue;
          }
        }

        const ok = (status >= 200 && status < 300) || (opts.passStatuses?.includes(status) ?? false);
        const cap = ok ? maxBodyBytes : ERROR_BODY_CAP;
        const contentType = headerValue(res.headers, 'content-type') ?? '';
        const declared = Number(headerValue(res.headers, 'content-length') ?? NaN);
        if (ok && declared > maxBodyBytes) {
          res.body.on('error', () => undefined);
          res.body.destroy();
          throw this.#tooLarge(apiPath, declared);
        }
        let bytes: Buffer;
        try {
          const read = await readCapped(decoded(res.body, headerValue(res.headers, 'content-encoding')), cap);
          if (read.truncatedAtCap && ok) throw this.#tooLarge(apiPath, undefined);
          bytes = read.bytes;
        } catch (e) {
          if (e instanceof TempoError) throw e;
          if (ctl.signal.aborted) throw this.#abortError(ctl.signal, apiPath, e);
          const c = classifyNetworkError(e);
          if (c.failure === 'timeout') throw this.#networkError('timeout', c.code, e);
          if (c.code?.startsWith('Z_') === true) {
            throw new TempoError('malformed', `Tempo's answer to ${apiPath} could not be decompressed (${c.code}).`, { status, cause: strip(e) });
          }
          throw new TempoError('network', `The connection to Tempo at ${this.#display} was cut off while reading the answer to ${apiPath} (${c.code ?? 'incomplete body'}).`, { cause: e, status });
        }
        this.#log('debug', `GET ${path} → ${status} in ${Math.round(performance.now() - t0)} ms (${bytes.length} B)`);
        if (!ok) throw this.#statusError(status, bytes, contentType, apiPath, res.headers);
        return { status, body: bytes, contentType, path: apiPath };
      }
    } catch (e) {
      // A backoff sleep rejects with the marker itself.
      if (e instanceof AbortMarker || (ctl.signal.aborted && !(e instanceof TempoError))) throw this.#abortError(ctl.signal, apiPath, e);
      throw e;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onUser);
      this.#closing.signal.removeEventListener('abort', onClose);
    }
  }

  #abortError(signal: AbortSignal, apiPath: string, cause: unknown): TempoError {
    const why = signal.reason instanceof AbortMarker ? signal.reason.why : 'user';
    if (why === 'timeout') {
      return new TempoError('timeout', `Tempo at ${this.#display} did not answer ${apiPath} within ${fmtSeconds(this.#options.timeoutMs)}.`, { cause: strip(cause) });
    }
    if (why === 'closed') return new TempoError('aborted', 'The Tempo client was closed while the request was running.');
    return new TempoError('aborted', `The request to Tempo (${apiPath}) was cancelled.`);
  }

  #networkError(failure: ReturnType<typeof classifyNetworkError>['failure'], code: string | undefined, cause: unknown): TempoError {
    const c = strip(cause);
    const via = this.#proxy !== undefined ? ` (through proxy ${redactUrlText(this.#proxy)})` : '';
    switch (failure) {
      case 'dns':
        return new TempoError('dns', `The Tempo host "${this.#hostname}" could not be resolved (${code ?? 'DNS error'}): check tempoLens.url${via}.`, { cause: c });
      case 'refused':
        return new TempoError('refused', `Tempo at ${this.#display} refused the connection${via}.`, { cause: c });
      case 'tls':
        return new TempoError(
          'tls',
          `The TLS connection to Tempo at ${this.#display} failed (${code ?? 'TLS error'}): if the server uses a private CA, configure it (http.proxyStrictSSL / CA settings).`,
          { cause: c },
        );
      case 'timeout':
        return new TempoError('timeout', `Tempo at ${this.#display} did not answer in time (${code ?? 'timeout'})${via}.`, { cause: c });
      case 'reset':
        return new TempoError('network', `The connection to Tempo at ${this.#display} was reset (${code ?? 'socket closed'})${via}.`, { cause: c });
      default:
        return new TempoError('network', `The request to Tempo at ${this.#display} failed (${code ?? 'network error'})${via}.`, { cause: c });
    }
  }

  #tooLarge(apiPath: string, declared: number | undefined): TempoError {
    const cap = fmtBytes(this.#options.maxBodyBytes);
    // A chunked answer declares no size: say only that it passed the cap.
    const size = declared === undefined ? `over the ${cap} limit` : `${fmtBytes(declared)}, over the ${cap} limit`;
    return new TempoError('tooLarge', `Tempo's answer to ${apiPath} is ${size}: narrow the time range or lower the result limit.`);
  }

  #statusError(status: number, bytes: Buffer, contentType: string, apiPath: string, headers: Record<string, string | string[] | undefined>): TempoError {
    const raw = bytes.toString('utf8');
    const html = looksLikeHtml(raw, contentType);
    const body = html ? undefined : this.#clean(raw);
    const detail = body === undefined || body === '' ? '' : `: ${oneLine(body)}`;
    const base = { status, body };
    let kind: TempoErrorKind;
    let message: string;
    if (html && (status === 404 || status === 200 || status === 401 || status === 403)) {
      return this.#wrongPathError(status, apiPath, true);
    }
    switch (true) {
      case status >= 300 && status < 400: {
        // undici does not follow redirects: a redirect means the URL is not the API root (http→https, a login page…).
        const location = headerValue(headers, 'location');
        const where = location === undefined ? '' : ` to ${redactUrlText(location).slice(0, 200)}`;
        return new TempoError('wrongPath', `${this.#display} redirects ${apiPath}${where} (${status}): set tempoLens.url to the Tempo API base URL itself.`, { status, body });
      }
      case status === 400: {
        const pos = body === undefined ? undefined : parseTraceqlError(body);
        if (pos !== undefined && /traceql|parse error|syntax error/i.test(body ?? '')) {
          return new TempoError('badRequest', `Tempo rejected the TraceQL query at line ${pos.line}, col ${pos.column}: ${oneLine(pos.detail)}`, {
            ...base,
            traceqlPosition: { line: pos.line, column: pos.column },
          });
        }
        kind = 'badRequest';
        message = `Tempo rejected the request to ${apiPath}${detail || ' (400 Bad Request)'}`;
        break;
      }
      case status === 401:
        kind = 'auth';
        if (/no org id/i.test(body ?? '')) {
          message = `Tempo at ${this.#display} is multi-tenant and needs a tenant: set tempoLens.tenant (sent as X-Scope-OrgID).`;
        } else if (this.#settings.auth === 'none' || this.#settings.token === undefined || this.#settings.token === '') {
          message = `Tempo answered 401 Unauthorized: ${this.#settings.auth === 'none' ? 'it needs credentials — set auth and a token' : 'no token is stored'} (Tempo Lens: Configure Connection).`;
        } else {
          message = 'Tempo answered 401 Unauthorized: check the token (Tempo Lens: Configure Connection).';
        }
        break;
      case status === 403:
        kind = 'forbidden';
        message = `Tempo answered 403 Forbidden: the credentials were accepted but may not read traces${detail ? ` (${oneLine(body ?? '')})` : ''} — Grafana Cloud tokens need the traces:read scope; a Grafana service account needs query access to the data source.`;
        break;
      case status === 404 || status === 405:
        if (apiPath.startsWith('/api/')) return this.#wrongPathError(status, apiPath, false, body);
        kind = 'notFound';
        message = `Tempo answered ${status} for ${apiPath}${detail}`;
        break;
      case status === 413 || status === 422:
        kind = 'tooLarge';
        message = `Tempo refused to return ${apiPath}: the result is too large${detail}`;
        break;
      case status === 429:
        kind = 'rateLimited';
        message = `Tempo is rate limiting requests (429${body ? ` ${oneLine(body)}` : ''}): try again shortly or lower the refresh rate.`;
        break;
      case status === 504:
        kind = 'server';
        message = `Tempo timed out answering ${apiPath} (504${body ? ` ${oneLine(body)}` : ''}): narrow the time range or the query.`;
        break;
      case status >= 500:
        kind = 'server';
        message = `Tempo answered ${status} ${reasonPhrase(status)} for ${apiPath}${detail}`;
        break;
      default:
        kind = 'badRequest';
        message = `Tempo answered ${status} ${reasonPhrase(status)} for ${apiPath}${detail}`;
    }
    const retryAfter = parseRetryAfter(headers['retry-after']);
    return new TempoError(kind, message, { ...base, retryAfterSeconds: retryAfter });
  }

  #wrongPathError(status: number, apiPath: string, html: boolean, body?: string): TempoError {
    const hint = this.#grafanaProxy
      ? 'check the data-source uid in the URL (…/api/datasources/proxy/uid/<uid>)'
      : 'use the Tempo URL (e.g. http://tempo:3200, Grafana Cloud …/tempo) or a Grafana data-source proxy URL (…/api/datasources/proxy/uid/<uid>)';
    const what = html ? 'answered with a web page instead of Tempo\'s API' : `has no ${apiPath} (${status})`;
    return new TempoError('wrongPath', `${this.#display} ${what}: ${hint}.`, { status, body });
  }

  #throwIfWrongPath(res: GetResult): void {
    const text = res.body.toString('utf8');
    if (looksLikeHtml(text, res.contentType)) throw this.#wrongPathError(res.status, res.path, true);
  }

  #parse<T>(res: GetResult, guard: (body: unknown) => T): T {
    const text = res.body.toString('utf8');
    if (looksLikeHtml(text, res.contentType)) throw this.#wrongPathError(res.status, res.path, true);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      const snippet = oneLine(this.#clean(text) ?? '').slice(0, 80);
      throw new TempoError('malformed', `Tempo's answer to ${res.path} is not valid JSON${snippet ? ` ("${snippet}${text.length > 80 ? '…' : ''}")` : ' (empty body)'}.`, {
        status: res.status,
        cause: e,
      });
    }
    try {
      const value = guard(json);
      recordBodyBytes(value, res.body.length);
      return value;
    } catch (e) {
      if (e instanceof WireFormatError) {
        const grafana = Array.isArray(json) && res.path === '/api/search' ? ' — this looks like Grafana\'s own search API: use a data-source proxy URL (…/api/datasources/proxy/uid/<uid>)' : '';
        throw new TempoError('malformed', `Tempo's answer to ${res.path} has an unexpected shape (${e.message})${grafana}.`, { status: res.status, cause: e });
      }
      throw e;
    }
  }

  /** Server text for messages: trimmed, bounded, and with anything resembling our credentials removed. */
  #clean(text: string): string | undefined {
    let t = text.trim();
    if (t === '') return undefined;
    for (const s of this.#secrets) t = t.split(s).join('***');
    t = t.replace(/(authorization\s*[:=]\s*)(basic|bearer)\s+\S+/gi, '$1$2 ***');
    return t.length > 2000 ? `${t.slice(0, 2000)}…` : t;
  }
}

/** The body stream, decompressed when the server used a content encoding (the size cap applies to decoded bytes). */
function decoded(body: Readable, encoding: string | undefined): Readable {
  const enc = encoding?.trim().toLowerCase();
  let decoder: Transform | undefined;
  if (enc === 'gzip' || enc === 'x-gzip') decoder = createGunzip();
  else if (enc === 'deflate') decoder = createInflate();
  else if (enc === 'br') decoder = createBrotliDecompress();
  if (decoder === undefined) return body;
  // pipeline() forwards errors and aborts both ways: a destroyed body fails the decoder and vice versa.
  pipeline(body, decoder, () => undefined);
  return decoder;
}

function positive(v: number | undefined, fallback: number): number {
  return v !== undefined && Number.isFinite(v) && v > 0 ? v : fallback;
}

function seconds(v: number | undefined): string | undefined {
  return v === undefined || !Number.isFinite(v) ? undefined : String(Math.floor(v));
}

function count(v: number | undefined): string | undefined {
  return v === undefined || !Number.isFinite(v) ? undefined : String(Math.max(0, Math.floor(v)));
}

function looksLikeHtml(text: string, contentType: string): boolean {
  if (/text\/html/i.test(contentType)) return true;
  const head = text.slice(0, 200).trimStart().toLowerCase();
  return head.startsWith('<!doctype html') || head.startsWith('<html');
}

function oneLine(s: string): string {
  return s.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

function fmtSeconds(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

function fmtBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(n % (1024 * 1024) === 0 ? 0 : 1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(n % 1024 === 0 ? 0 : 1)} KiB`;
  return `${n} bytes`;
}

/** `http://user:pw@host/x` → `http://host/x` (for text we echo back). */
export function redactUrlText(s: string): string {
  return s.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1');
}

/** The network error without undici's request options (which hold our headers) attached. */
function strip(e: unknown): unknown {
  if (e instanceof AbortMarker) return undefined;
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    const out = new Error(redactUrlText(e.message));
    out.name = e.name;
    if (typeof code === 'string') (out as Error & { code?: string }).code = code;
    return out;
  }
  return undefined;
}

function reasonPhrase(status: number): string {
  const phrases: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    405: 'Method Not Allowed',
    408: 'Request Timeout',
    409: 'Conflict',
    410: 'Gone',
    413: 'Payload Too Large',
    422: 'Unprocessable Entity',
    429: 'Too Many Requests',
    499: 'Client Closed Request',
    500: 'Internal Server Error',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
    504: 'Gateway Timeout',
  };
  return phrases[status] ?? '';
}

function raceAbort<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return p;
  if (signal.aborted) return Promise.reject(new TempoError('aborted', 'The request to Tempo was cancelled.'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new TempoError('aborted', 'The request to Tempo was cancelled.'));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
