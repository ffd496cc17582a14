// Pure connection rules used by the host adapters: log redaction, header validation, the
// SecretStorage key of a token and the trust-scoped choice of a setting value. No vscode import,
// so unit tests run them in plain Node.
import { headerNameProblem, headerValueProblem } from '../core/httpHeaders';

const REDACTED = '[redacted]';

/**
 * Patterns of credentials that may appear in log text: Authorization header values (in header,
 * JSON or `key=value` form), Bearer/Basic credentials, Grafana service-account (`glsa_`) and
 * Grafana Cloud (`glc_`) tokens, and passwords in URL user-info.
 */
const PATTERNS: readonly [RegExp, string][] = [
  [/((?:proxy-)?authorization["']?\s*[:=]\s*["']?)[^"'\r\n,}]+/gi, `$1${REDACTED}`],
  // A credential after Bearer/Basic, told apart from prose ("basic authentication") by holding a
  // digit or symbol, or upper case after its first character (base64 of `user:password`).
  [/\b([Bb]earer|[Bb]asic|BEARER|BASIC)\s+(?=[A-Za-z0-9._~+/=-]*[0-9._~+/=-]|.[A-Za-z0-9._~+/=-]*[A-Z])[A-Za-z0-9._~+/=-]{6,}/g, `$1 ${REDACTED}`],
  [/\bglsa_[A-Za-z0-9_+/=-]+/g, REDACTED],
  [/\bglc_[A-Za-z0-9_+/=-]+/g, REDACTED],
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:)[^@\s/]+@/gi, `$1${REDACTED}@`],
];

/** Replaces credentials and every known secret (at least 4 characters long) in `text`. */
export function redact(text: string, secrets: Iterable<string> = []): string {
  let out = text;
  for (const secret of secrets) {
    // Very short secrets would blank out ordinary words; such tokens are rejected earlier anyway.
    if (secret.length >= 4) out = out.split(secret).join(REDACTED);
  }
  for (const [re, by] of PATTERNS) out = out.replace(re, by);
  return out;
}

export interface InvalidHeader {
  readonly name: string;
  readonly reason: string;
}

export interface ValidatedHeaders {
  readonly headers: Readonly<Record<string, string>>;
  readonly invalid: readonly InvalidHeader[];
}

/**
 * Validates `tempoLens.headers`. A header is dropped (and reported with the reason) when its name
 * is not a token, it would override Authorization, a framing or hop-by-hop header or a `Proxy-*`
 * header, or its value is not a string, holds a control character (header injection) or a
 * character outside Latin-1 (which HTTP/1.1 cannot carry).
 */
export function validateHeaders(raw: unknown): ValidatedHeaders {
  const headers: Record<string, string> = {};
  const invalid: InvalidHeader[] = [];
  if (raw === undefined || raw === null) return { headers, invalid };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return { headers, invalid: [{ name: '(headers)', reason: 'must be an object of header name → string value' }] };
  }
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    const nameProblem = headerNameProblem(name);
    const valueProblem = typeof value === 'string' ? headerValueProblem(value) : 'must be a string';
    if (nameProblem !== null) invalid.push({ name, reason: nameProblem });
    else if (valueProblem !== null) invalid.push({ name, reason: `its value ${valueProblem}` });
    else headers[name] = value as string;
  }
  return { headers, invalid };
}

/**
 * The SecretStorage key of the token for one connection. The key binds the token to the
 * normalised origin + path of the URL and to the user, so pointing `tempoLens.url` at another
 * host (by hand or by a settings file) finds no token there instead of sending the old one to a
 * new server. Query and fragment are ignored; scheme and host are case-insensitive; default ports
 * and trailing slashes are dropped. An unparsable URL keys on its trimmed text.
 */
export function secretKeyFor(url: string, user: string): string {
  return `tempoLens.token:${normaliseUrl(url)}|${user.trim()}`;
}

export function normaliseUrl(url: string): string {
  const trimmed = url.trim();
  let u: URL;
  try { u = new URL(trimmed); } catch { return trimmed.replace(/\/+$/, ''); }
  const path = u.pathname.replace(/\/+$/, '');
  // URL already lower-cases scheme and host and drops default ports.
  return `${u.protocol}//${u.host}${path}`;
}

/**
 * Settings (relative to `tempoLens.`) read from user/remote scope only while the workspace is
 * untrusted: the connection (where the token goes) and everything that decides what is read
 * (`source`, `files`, `pathMappings`), which regular expressions run (`filter`) and where links
 * point (`grafanaUrl`, `grafanaDatasourceUid`). package.json lists the same keys under
 * `capabilities.untrustedWorkspaces.restrictedConfigurations` (a unit test keeps them equal).
 */
export const RESTRICTED_KEYS = [
  'source', 'url', 'auth', 'user', 'tenant', 'headers', 'grafanaUrl', 'grafanaDatasourceUid', 'files', 'filter', 'pathMappings',
] as const;

/** The part of `WorkspaceConfiguration.inspect()` the trust rule looks at. */
export interface ScopedValues<T> {
  readonly defaultValue?: T | undefined;
  readonly globalValue?: T | undefined;
  readonly workspaceValue?: T | undefined;
  readonly workspaceFolderValue?: T | undefined;
}

/**
 * The effective value of a setting. When the workspace is untrusted only user/remote (global)
 * settings and the default count: a cloned repository's `.vscode/settings.json` must never decide
 * where the token goes.
 */
export function scopedValue<T>(values: ScopedValues<T> | undefined, trusted: boolean, fallback: T): T {
  if (!values) return fallback;
  if (trusted) {
    if (values.workspaceFolderValue !== undefined) return values.workspaceFolderValue;
    if (values.workspaceValue !== undefined) return values.workspaceValue;
  }
  if (values.globalValue !== undefined) return values.globalValue;
  if (values.defaultValue !== undefined) return values.defaultValue;
  return fallback;
}

/** True when a URL looks like Grafana itself rather than Tempo or a data-source proxy path. */
export function looksLikeGrafanaWithoutProxy(url: string): boolean {
  let u: URL;
  try { u = new URL(url); } catch { return false; }
  if (/\/api\/datasources\/proxy\//.test(u.pathname)) return false;
  return /grafana/i.test(u.host) && !/^tempo-/i.test(u.host);
}
