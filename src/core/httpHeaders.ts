// The one rule for header names and values that come from settings (tempoLens.headers, tenant, token).

/** RFC 7230/9110 token characters: what a header field name may contain. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/**
 * Headers the HTTP client owns: credentials (`auth`/`tenant` set those), framing, and the hop-by-hop
 * headers of RFC 7230 §6.1, which undici refuses at request time with an error that reads like a
 * network failure. `Proxy-*` headers belong to the proxy connection.
 */
const CLIENT_OWNED = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'te', 'trailer', 'upgrade', 'expect']);
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex
const NOT_LATIN1 = /[^\u0000-\u00ff]/;

/** Why `name` may not be set from settings (a phrase to follow the name), or null. */
export function headerNameProblem(name: string): string | null {
  if (!TOKEN.test(name)) return 'is not a valid HTTP header name (RFC 7230 token characters only)';
  const lower = name.toLowerCase();
  if (lower === 'authorization' || lower === 'proxy-authorization') return 'may not set Authorization: use tempoLens.auth and the stored token';
  if (CLIENT_OWNED.has(lower) || lower.startsWith('proxy-')) return 'may not set a hop-by-hop or framing header (the client sets it itself)';
  return null;
}

/** Why `value` cannot be sent in a header, or null: controls (CR, LF, NUL, ESC…) and characters outside Latin-1. */
export function headerValueProblem(value: string): string | null {
  if (CONTROL.test(value)) return 'contains a control character (a line break, NUL, ESC…)';
  if (NOT_LATIN1.test(value)) return 'contains a character outside Latin-1, which HTTP headers cannot carry';
  return null;
}
