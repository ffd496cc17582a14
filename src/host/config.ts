// Typed `tempoLens.*` settings: one read into a typed object, change events filtered and keyed,
// and the workspace-trust rule for connection settings.
import * as vscode from 'vscode';
import { RESTRICTED_KEYS, scopedValue, validateHeaders, type InvalidHeader } from './connectionRules';
import { Disposable } from './lifecycle';

export type SourceKind = 'tempo' | 'files' | 'receiver';
/** How long the local receiver keeps spans (`tempoLens.receiver.retention`). */
export type Retention = '15m' | '30m' | '1h' | '2h' | '6h' | '12h' | '24h';
export const RETENTIONS: readonly Retention[] = ['15m', '30m', '1h', '2h', '6h', '12h', '24h'];
export type AuthKind = 'none' | 'basic' | 'bearer';
export type TimeRange = '15m' | '1h' | '6h' | '24h' | '7d';

export interface PathMapping {
  readonly from: string;
  readonly to: string;
}

export interface TempoLensConfig {
  readonly source: SourceKind;
  readonly url: string;
  readonly auth: AuthKind;
  readonly user: string;
  readonly tenant: string;
  /** Valid extra headers only; the rejected ones are in `invalidHeaders`. */
  readonly headers: Readonly<Record<string, string>>;
  readonly invalidHeaders: readonly InvalidHeader[];
  readonly grafanaUrl: string;
  readonly grafanaDatasourceUid: string;
  readonly files: string;
  /** The local OTLP receiver (`source: receiver`): preferred port (the next free one when taken) and retention. */
  readonly receiver: { readonly port: number; readonly retention: Retention };
  readonly timeRange: TimeRange;
  readonly filter: string;
  readonly thresholds: { readonly latencyMs: number; readonly errorRate: number };
  readonly refreshIntervalSeconds: number;
  readonly pathMappings: readonly PathMapping[];
  readonly codeLens: { readonly enabled: boolean };
  readonly inlineHints: { readonly enabled: boolean };
  readonly diagnostics: { readonly enabled: boolean };
  /** VS Code's own `http.proxy` / `http.proxyStrictSSL`, passed to the client. */
  readonly http: { readonly proxy: string; readonly proxyStrictSSL: boolean };
  /** Whether the restricted settings above include workspace values (trusted workspace). */
  readonly trusted: boolean;
}

/**
 * Every setting key, relative to `tempoLens.` (plus the two `http.*` keys the client uses).
 * Adding a setting: contribute it in package.json, add its key here, read it in `readConfig()`
 * and add a row to the README table.
 */
export const CONFIG_KEYS = [
  'source', 'url', 'auth', 'user', 'tenant', 'headers', 'grafanaUrl', 'grafanaDatasourceUid', 'files',
  'receiver.port', 'receiver.retention', 'timeRange', 'filter', 'thresholds.latencyMs', 'thresholds.errorRate', 'refreshIntervalSeconds',
  'pathMappings', 'codeLens.enabled', 'inlineHints.enabled', 'diagnostics.enabled',
  'http.proxy', 'http.proxyStrictSSL',
] as const;
export type ConfigKey = (typeof CONFIG_KEYS)[number];

/** Settings that decide where the token goes. */
export const CONNECTION_KEYS: readonly ConfigKey[] = ['url', 'auth', 'user', 'tenant', 'headers'];

/** Settings honoured from user/remote scope only while untrusted (connection, what is read, run or matched). */
export const RESTRICTED_CONFIG_KEYS: readonly ConfigKey[] = RESTRICTED_KEYS;

export interface ConfigChange {
  readonly keys: ReadonlySet<ConfigKey>;
  readonly config: TempoLensConfig;
  affects(...keys: ConfigKey[]): boolean;
  /** True when any of url/auth/user/tenant/headers or the proxy changed. */
  readonly affectsConnection: boolean;
}

const SECTION = 'tempoLens';

function fullKey(key: ConfigKey): string {
  return key.startsWith('http.') ? key : `${SECTION}.${key}`;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], fallback: T): T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}

function str(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : fallback;
}

function num(value: unknown, fallback: number, min: number, max = Number.POSITIVE_INFINITY): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max ? value : fallback;
}

function bool(value: unknown, fallback: boolean): boolean {
  return typeof value === 'boolean' ? value : fallback;
}

function pathMappings(value: unknown): PathMapping[] {
  if (!Array.isArray(value)) return [];
  const out: PathMapping[] = [];
  for (const item of value as unknown[]) {
    if (item && typeof item === 'object') {
      const { from, to } = item as { from?: unknown; to?: unknown };
      if (typeof from === 'string' && typeof to === 'string' && from) out.push({ from, to });
    }
  }
  return out;
}

/** Reads the settings now. `trusted` defaults to the workspace's trust state. */
export function readConfig(trusted: boolean = vscode.workspace.isTrusted): TempoLensConfig {
  const c = vscode.workspace.getConfiguration(SECTION);
  const http = vscode.workspace.getConfiguration('http');
  // Restricted settings go through inspect(): when untrusted, workspace and folder values are
  // ignored even though get() would return them.
  const conn = <T>(key: (typeof RESTRICTED_KEYS)[number], fallback: T): T => scopedValue(c.inspect<T>(key), trusted, fallback);
  const headers = validateHeaders(conn<unknown>('headers', {}));
  return {
    source: oneOf(conn<unknown>('source', 'tempo'), ['tempo', 'files', 'receiver'], 'tempo'),
    url: str(conn<unknown>('url', 'http://localhost:3200')).trim(),
    auth: oneOf(conn<unknown>('auth', 'none'), ['none', 'basic', 'bearer'], 'none'),
    user: str(conn<unknown>('user', '')).trim(),
    tenant: str(conn<unknown>('tenant', '')).trim(),
    headers: headers.headers,
    invalidHeaders: headers.invalid,
    grafanaUrl: str(conn<unknown>('grafanaUrl', '')).trim(),
    grafanaDatasourceUid: str(conn<unknown>('grafanaDatasourceUid', '')).trim(),
    files: str(conn<unknown>('files', '.tempo-lens/traces/**/*.json'), '.tempo-lens/traces/**/*.json'),
    receiver: {
      port: Math.round(num(c.get('receiver.port'), 4318, 1, 65535)),
      retention: oneOf(c.get('receiver.retention'), RETENTIONS, '1h'),
    },
    timeRange: oneOf(c.get('timeRange'), ['15m', '1h', '6h', '24h', '7d'], '1h'),
    filter: str(conn<unknown>('filter', '')).trim(),
    thresholds: {
      latencyMs: num(c.get('thresholds.latencyMs'), 1000, 0),
      errorRate: num(c.get('thresholds.errorRate'), 0.05, 0, 1),
    },
    refreshIntervalSeconds: num(c.get('refreshIntervalSeconds'), 60, 0),
    pathMappings: pathMappings(conn<unknown>('pathMappings', [])),
    codeLens: { enabled: bool(c.get('codeLens.enabled'), true) },
    inlineHints: { enabled: bool(c.get('inlineHints.enabled'), true) },
    diagnostics: { enabled: bool(c.get('diagnostics.enabled'), true) },
    http: { proxy: str(http.get('proxy')).trim(), proxyStrictSSL: bool(http.get('proxyStrictSSL'), true) },
    trusted,
  };
}

/** The live configuration: `current` is always up to date; `onDidChange` says which keys moved. */
export class Config extends Disposable {
  private _current: TempoLensConfig;
  private readonly _onDidChange = this._register(new vscode.EventEmitter<ConfigChange>());
  readonly onDidChange: vscode.Event<ConfigChange> = this._onDidChange.event;

  constructor() {
    super();
    this._current = readConfig();
    this._register(vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration(SECTION) && !e.affectsConfiguration('http.proxy') && !e.affectsConfiguration('http.proxyStrictSSL')) return;
      this.reload(CONFIG_KEYS.filter((k) => e.affectsConfiguration(fullKey(k))));
    }));
    // Granting trust makes workspace values of the restricted settings count: re-read them.
    this._register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.reload(RESTRICTED_CONFIG_KEYS)));
  }

  get current(): TempoLensConfig {
    return this._current;
  }

  /** Writes a setting to the user (global) scope — connection settings always go there. */
  async update(key: ConfigKey, value: unknown): Promise<void> {
    if (key.startsWith('http.')) throw new Error(`${key} is not a Tempo Lens setting`);
    await vscode.workspace.getConfiguration(SECTION).update(key, value, vscode.ConfigurationTarget.Global);
    // The change event normally arrives before update() settles; re-read anyway so callers see it.
    this.reload([key]);
  }

  private reload(candidates: readonly ConfigKey[]): void {
    const before = this._current;
    const after = readConfig();
    this._current = after;
    // Report keys whose effective value changed (a workspace edit ignored by the trust rule, or
    // one that only repeats the default, is not a change).
    const keys = new Set<ConfigKey>(candidates.filter((k) => !sameValue(valueOf(before, k), valueOf(after, k))));
    if (before.trusted !== after.trusted) for (const k of RESTRICTED_CONFIG_KEYS) keys.add(k);
    if (keys.size === 0) return;
    const affects = (...ks: ConfigKey[]) => ks.some((k) => keys.has(k));
    this._onDidChange.fire({
      keys,
      config: after,
      affects,
      affectsConnection: affects(...CONNECTION_KEYS, 'http.proxy', 'http.proxyStrictSSL'),
    });
  }
}

function valueOf(config: TempoLensConfig, key: ConfigKey): unknown {
  let v: unknown = config;
  for (const part of key.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
  return key === 'headers' ? { h: config.headers, i: config.invalidHeaders } : v;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
