// The connection to Tempo as the features see it: settings + token → client (through one query
// cache per connection), a tested state with change events, and Test Connection results worded for a person.
import * as vscode from 'vscode';
import { CachedTempoClient, CONNECTION_CACHE_TTL_MS, QueryCache } from '../tempo/cache';
import type { Capabilities } from '../tempo/capabilities';
import { TempoClient, type ConnectionReport, type ConnectionSettings, type TempoQueries } from '../tempo/client';
import { TempoConfigError, isTempoError, type TempoErrorKind } from '../tempo/errors';
import type { Config, TempoLensConfig } from './config';
import { looksLikeGrafanaWithoutProxy } from './connectionRules';
import { Disposable } from './lifecycle';
import type { Log, Logger } from './log';
import type { TokenStore } from './secrets';

export type FailureKind = TempoErrorKind | 'config' | 'notConfigured';

export interface ConnectionSuccess {
  readonly ok: true;
  readonly url: string;
  readonly version: string | null;
  readonly latencyMs: number;
  readonly via: 'buildinfo' | 'echo';
  readonly capabilities: Capabilities;
  /** `Connected to Tempo 2.7.2 in 12 ms` (+ notes on capabilities). */
  readonly message: string;
}

export interface ConnectionFailure {
  readonly ok: false;
  readonly url: string;
  readonly kind: FailureKind;
  readonly status: number | undefined;
  /** One or two sentences saying what failed and what to do. Never holds the token. */
  readonly message: string;
}

export type ConnectionResult = ConnectionSuccess | ConnectionFailure;

export type ConnectionState =
  | { readonly kind: 'notConfigured'; readonly reason: string }
  | { readonly kind: 'checking' }
  | { readonly kind: 'connected'; readonly result: ConnectionSuccess }
  | { readonly kind: 'unreachable'; readonly result: ConnectionFailure };

/** Settings complete enough to talk to Tempo, or why not. */
export type ResolvedSettings =
  | { readonly ok: true; readonly settings: ConnectionSettings }
  | { readonly ok: false; readonly reason: string };

const TEST_TIMEOUT_MS = 10_000;
const AUTO_TEST_DELAY_MS = 300;

export class Connection extends Disposable {
  private _state: ConnectionState = { kind: 'checking' };
  private readonly _onDidChangeState = this._register(new vscode.EventEmitter<ConnectionState>());
  readonly onDidChangeState: vscode.Event<ConnectionState> = this._onDidChangeState.event;
  private readonly _onDidChangeSettings = this._register(new vscode.EventEmitter<void>());
  /** Fires when the connection settings or the token changed: cached data is for the old server. */
  readonly onDidChangeSettings: vscode.Event<void> = this._onDidChangeSettings.event;

  private readonly log: Logger;
  /** Only the newest test may set the state; older ones are aborted. */
  private seq = 0;
  private inflight: AbortController | undefined;
  private autoTimer: ReturnType<typeof setTimeout> | undefined;
  /** The shared client of the current settings, and the query cache in front of it. */
  private cachedClient: { key: string; client: TempoClient; cache: QueryCache; queries: CachedTempoClient } | undefined;

  /** Set by the source registry: whether the configured source talks to Tempo (background tests run only then). */
  inUse: () => boolean = () => true;

  constructor(private readonly config: Config, private readonly tokens: TokenStore, private readonly rootLog: Log) {
    super();
    this.log = rootLog.child('connection');
    // A new window or filter needs no invalidation: statistics are not kept between refreshes, and
    // traces and tag names do not depend on either.
    this._register(config.onDidChange((e) => { if (e.affectsConnection) this.settingsChanged(); }));
    this._register(tokens.onDidChange(() => this.settingsChanged()));
    this._register({ dispose: () => {
      if (this.autoTimer) clearTimeout(this.autoTimer);
      this.inflight?.abort();
      void this.cachedClient?.client.close();
    } });
  }

  get state(): ConnectionState {
    return this._state;
  }

  /** Settings + token + VS Code's proxy settings, or the reason they are incomplete. */
  async resolveSettings(): Promise<ResolvedSettings> {
    const c = this.config.current;
    const why = incompleteReason(c);
    if (why) return { ok: false, reason: why };
    const token = c.auth === 'none' ? undefined : await this.tokens.get(c.url, c.user);
    if (c.auth !== 'none' && !token) {
      return { ok: false, reason: `auth is "${c.auth}" but no token is stored for ${c.url}${c.auth === 'basic' ? ` (user ${c.user})` : ''}: run "Tempo Lens: Configure Connection"` };
    }
    return { ok: true, settings: toConnectionSettings(c, token) };
  }

  /**
   * The query calls for the current settings, shared until they change (the previous client is
   * closed and its cache dropped). Answers go through one QueryCache per connection: identical
   * concurrent requests share one HTTP request, and traces/tags are kept for their TTL (the
   * extension must not stampede Tempo); statistics are never served from an earlier refresh
   * (CONNECTION_CACHE_TTL_MS). Undefined when the connection is not configured; throws
   * TempoConfigError for invalid settings. Test Connection never goes through this cache.
   */
  async client(): Promise<TempoQueries | undefined> {
    const resolved = await this.resolveSettings();
    if (!resolved.ok) return undefined;
    const key = JSON.stringify(resolved.settings);
    if (this.cachedClient?.key !== key) {
      const old = this.cachedClient;
      const client = this.newClient(resolved.settings);
      const log = this.rootLog.child('cache');
      const cache = new QueryCache({
        ttlMs: CONNECTION_CACHE_TTL_MS,
        onBackgroundError: (kind, _key, e) => log.debug(`background refresh of a ${kind} query failed: ${e instanceof Error ? e.message : String(e)}`),
      });
      this.cachedClient = { key, client, cache, queries: new CachedTempoClient(client, cache) };
      old?.cache.invalidate();
      void old?.client.close();
    }
    return this.cachedClient.queries;
  }

  /** Forgets every cached answer of this connection. Requests in flight finish but are not stored. */
  invalidateCache(): void {
    this.cachedClient?.cache.invalidate();
  }

  /** Tests the connection now, updates the state and returns the result (never throws). */
  async test(token?: vscode.CancellationToken): Promise<ConnectionResult> {
    if (this.autoTimer) { clearTimeout(this.autoTimer); this.autoTimer = undefined; }
    this.inflight?.abort();
    const controller = new AbortController();
    this.inflight = controller;
    const mine = ++this.seq;
    const cancel = token?.onCancellationRequested(() => controller.abort());
    const url = this.config.current.url;
    try {
      const resolved = await this.resolveSettings();
      if (!resolved.ok) {
        this.setState(mine, { kind: 'notConfigured', reason: resolved.reason });
        return { ok: false, url, kind: 'notConfigured', status: undefined, message: `Tempo Lens is not configured: ${resolved.reason}.` };
      }
      // A re-check keeps showing the last known result until the new one is in (no flicker).
      if (this._state.kind !== 'connected' && this._state.kind !== 'unreachable') this.setState(mine, { kind: 'checking' });
      let client: TempoClient | undefined;
      let result: ConnectionResult;
      try {
        client = this.newClient(resolved.settings, TEST_TIMEOUT_MS);
        const report = await client.testConnection(controller.signal);
        result = success(url, report);
        this.log.info(`${result.message} (${url}, via ${report.via})`);
      } catch (e) {
        result = failure(url, this.config.current, e, this.rootLog);
        this.log.warn(`test of ${url} failed (${result.kind}${result.status ? ` ${result.status}` : ''}): ${result.message}`);
        if (!isTempoError(e) && !(e instanceof TempoConfigError)) this.log.error(e instanceof Error ? e : String(e));
      } finally {
        void client?.close();
      }
      const invalid = this.config.current.invalidHeaders;
      if (invalid.length) {
        const note = ` Ignored tempoLens.headers: ${invalid.map((h) => `"${h.name}" (${h.reason})`).join(', ')}.`;
        this.log.warn(note.trim());
        result = { ...result, message: result.message + note };
      }
      if (result.ok) this.setState(mine, { kind: 'connected', result });
      else if (result.kind !== 'aborted' && isUnconfiguredDefault(result.kind)) {
        // Nobody chose this URL: nothing at the default localhost:3200 means "not set up yet",
        // not an outage worth a warning colour.
        this.setState(mine, { kind: 'notConfigured', reason: `nothing answers at the default ${url}` });
      } else if (result.kind !== 'aborted') this.setState(mine, { kind: 'unreachable', result });
      return result;
    } finally {
      cancel?.dispose();
      if (this.inflight === controller) this.inflight = undefined;
    }
  }

  /** Schedules a quiet background test (after settings changes and at start-up). */
  scheduleTest(delayMs = AUTO_TEST_DELAY_MS): void {
    if (this.isDisposed) return;
    if (this.autoTimer) clearTimeout(this.autoTimer);
    this.autoTimer = setTimeout(() => {
      this.autoTimer = undefined;
      if (!this.inUse()) return;
      // Never abort a test someone is waiting for (the command); re-check once it is done.
      if (this.inflight) { this.scheduleTest(AUTO_TEST_DELAY_MS); return; }
      void this.test();
    }, delayMs);
  }

  private settingsChanged(): void {
    // Answers of the old settings (another server, token or tenant) must never be served again.
    this.invalidateCache();
    this._onDidChangeSettings.fire();
    this.scheduleTest();
  }

  /** `timeoutMs` bounds each call; the shared client keeps the client's default (30 s). */
  private newClient(settings: ConnectionSettings, timeoutMs?: number): TempoClient {
    const log = this.rootLog.child('client');
    return new TempoClient(settings, {
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      log: (level, msg) => log[level](msg),
    });
  }

  private setState(seq: number, state: ConnectionState): void {
    if (seq !== this.seq || this.isDisposed) return;
    this._state = state;
    this._onDidChangeState.fire(state);
  }
}

function isUnreachable(kind: FailureKind): boolean {
  return kind === 'refused' || kind === 'dns' || kind === 'timeout';
}

/**
 * True when a failure only means "not set up yet": nothing answers at the default URL that the
 * user never chose. Such failures are shown as "not configured", never as an outage.
 */
export function isUnconfiguredDefault(kind: string): boolean {
  return isUnreachable(kind as FailureKind) && !urlIsSet();
}

/** True when `tempoLens.url` has a value in any scope (not only the default). */
function urlIsSet(): boolean {
  const i = vscode.workspace.getConfiguration('tempoLens').inspect('url');
  return [i?.globalValue, i?.workspaceValue, i?.workspaceFolderValue].some((v) => v !== undefined);
}

/** Why the settings cannot be used yet, or undefined when they can. */
export function incompleteReason(c: TempoLensConfig): string | undefined {
  if (!c.url) return 'tempoLens.url is empty';
  let u: URL;
  try { u = new URL(c.url); } catch { return `tempoLens.url "${c.url}" is not a URL`; }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `tempoLens.url must start with http:// or https:// (got ${u.protocol})`;
  if (u.username || u.password) return 'tempoLens.url must not contain a user or password: use tempoLens.auth and Configure Connection';
  if (c.auth === 'basic' && !c.user) return 'auth is "basic" but tempoLens.user is empty (Grafana Cloud: the numeric user id)';
  return undefined;
}

export function toConnectionSettings(c: TempoLensConfig, token: string | undefined): ConnectionSettings {
  return {
    url: c.url,
    auth: c.auth,
    user: c.user,
    token,
    tenant: c.tenant,
    headers: c.headers,
    ...(c.http.proxy ? { proxy: c.http.proxy } : {}),
    strictSSL: c.http.proxyStrictSSL,
  };
}

function success(url: string, report: ConnectionReport): ConnectionSuccess {
  const caps = report.capabilities;
  const what = report.version ? `Tempo ${report.version}` : 'Tempo (version unknown: no /api/status/buildinfo)';
  const can = [
    caps.traceqlMetrics === true ? 'TraceQL metrics' : caps.traceqlMetrics === 'unknown' ? 'TraceQL metrics unverified' : undefined,
    caps.scopedIntrinsics ? 'scoped intrinsics' : undefined,
    caps.traceByIdV2 ? 'v2 trace API' : undefined,
    caps.mostRecentHint ? 'most_recent search' : undefined,
  ].filter((x): x is string => x !== undefined);
  const notes = (can.length ? ` Supports: ${can.join(', ')}.` : '') + (caps.notes.length ? ` ${caps.notes.join(' ')}` : '');
  return {
    ok: true,
    url,
    version: report.version,
    latencyMs: Math.round(report.latencyMs),
    via: report.via,
    capabilities: caps,
    message: `Connected to ${what} in ${Math.round(report.latencyMs)} ms.${notes}`,
  };
}

function hostOf(url: string): string {
  try { return new URL(url).host; } catch { return url; }
}

function failure(url: string, c: TempoLensConfig, e: unknown, log: Log): ConnectionFailure {
  const host = hostOf(url);
  const detail = log.redact(e instanceof Error ? e.message : String(e));
  const base = { ok: false as const, url, status: isTempoError(e) ? e.status : undefined };
  if (e instanceof TempoConfigError) return { ...base, kind: 'config', message: `Invalid setting ${e.setting}: ${detail}` };
  if (!isTempoError(e)) return { ...base, kind: 'network', message: `Could not reach ${host}: ${detail}` };
  const status = e.status;
  const say = (message: string): ConnectionFailure => ({ ...base, kind: e.kind, message });
  switch (e.kind) {
    case 'dns':
      return say(`Cannot resolve ${host} (DNS lookup failed). Check the host name in tempoLens.url.`);
    case 'refused':
      return say(`Connection refused by ${host}. Is Tempo running and listening on that port?`);
    case 'tls':
      return say(`TLS error talking to ${host}: ${detail}. Check the URL scheme and the server certificate (a private CA needs to be trusted by VS Code; http.proxyStrictSSL turns checking off).`);
    case 'timeout':
      return say(`${host} did not answer within ${TEST_TIMEOUT_MS / 1000} s. Check the URL, VPN and http.proxy.`);
    case 'auth':
      return say(`Tempo at ${host} rejected the credentials (401). ${c.auth === 'none'
        ? 'It requires authentication: choose basic or bearer auth and enter a token in Configure Connection.'
        : c.auth === 'basic'
          ? 'Check the user (Grafana Cloud: the numeric user id) and the access-policy token.'
          : 'Check the token (Grafana proxy: a service-account token).'}`);
    case 'forbidden':
      return say(`Access denied by ${host} (403): the token lacks permission to read traces (Grafana Cloud: an access-policy token with the traces:read scope; Grafana proxy: a service account allowed to query the data source).`);
    case 'notFound':
    case 'wrongPath': {
      const what = status === 404 ? 'answered 404' : 'answered with an HTML page, not the Tempo API';
      const hint = looksLikeGrafanaWithoutProxy(url)
        ? ` This looks like a Grafana URL: use ${originOf(url)}/api/datasources/proxy/uid/<uid> of the Tempo data source, with bearer auth and a service-account token.`
        : ' Check the path in tempoLens.url (Grafana Cloud URLs end in /tempo; a Grafana data-source proxy URL ends in /api/datasources/proxy/uid/<uid>).';
      return say(`${url} ${what}: wrong path?${hint}`);
    }
    case 'rateLimited':
      return say(`${host} is rate-limiting requests (429)${e.retryAfterSeconds ? `; retry after ${e.retryAfterSeconds} s` : ''}.`);
    case 'server':
      return say(`Tempo at ${host} answered with a server error (${status ?? '5xx'}): ${detail}`);
    case 'aborted':
      return say('The connection test was cancelled.');
    default:
      return say(`Connection to ${host} failed (${e.kind}): ${detail}`);
  }
}

function originOf(url: string): string {
  try { return new URL(url).origin; } catch { return url; }
}
