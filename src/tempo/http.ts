// The HTTP layer under the Tempo client: shared keep-alive dispatchers, proxy choice, capped body reads, error mapping.

import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type * as Undici from 'undici';
import type { Dispatcher } from 'undici';
import { lazyRequire } from '../core/lazy';

/** undici is 400 KB: loaded with the first request, not at activation (see esbuild.mjs). */
const undici = lazyRequire(() => require('undici') as typeof Undici);

/** Where and how to connect; equal targets share one dispatcher (one keep-alive pool per origin). */
export interface HttpTarget {
  readonly origin: string;
  readonly proxy: string | undefined;
  readonly ca: string | undefined;
  readonly rejectUnauthorized: boolean;
  readonly connectTimeoutMs: number;
}

interface SharedDispatcher {
  readonly dispatcher: Dispatcher;
  refs: number;
}

const dispatchers = new Map<string, SharedDispatcher>();

function targetKey(t: HttpTarget): string {
  const ca = t.ca === undefined ? '' : createHash('sha256').update(t.ca).digest('hex').slice(0, 16);
  return [t.origin, t.proxy ?? '', t.rejectUnauthorized ? 'strict' : 'lax', ca, String(t.connectTimeoutMs)].join('|');
}

export interface DispatcherLease {
  readonly dispatcher: Dispatcher;
  release(): Promise<void>;
}

/** Takes a reference on the shared dispatcher for `target`, creating it on first use. */
export function acquireDispatcher(target: HttpTarget): DispatcherLease {
  const key = targetKey(target);
  let shared = dispatchers.get(key);
  if (shared === undefined) {
    shared = { dispatcher: createDispatcher(target), refs: 0 };
    dispatchers.set(key, shared);
  }
  shared.refs++;
  const entry = shared;
  let released = false;
  return {
    dispatcher: entry.dispatcher,
    async release(): Promise<void> {
      if (released) return;
      released = true;
      entry.refs--;
      if (entry.refs > 0) return;
      if (dispatchers.get(key) === entry) dispatchers.delete(key);
      // destroy() rather than close(): close() waits for idle keep-alive sockets to time out.
      await entry.dispatcher.destroy().catch(() => undefined);
    },
  };
}

/** Number of live shared dispatchers (for tests). */
export function sharedDispatcherCount(): number {
  return dispatchers.size;
}

function createDispatcher(t: HttpTarget): Dispatcher {
  const tls = {
    rejectUnauthorized: t.rejectUnauthorized,
    ...(t.ca === undefined ? {} : { ca: t.ca }),
  };
  const common = {
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 120_000,
    // Per-request header/body timeouts are passed with each request.
    headersTimeout: 0,
    bodyTimeout: 0,
  };
  if (t.proxy !== undefined) {
    return new (undici().ProxyAgent)({
      uri: t.proxy,
      requestTls: { ...tls, timeout: t.connectTimeoutMs },
      // A TLS proxy is judged by the same trust settings (VS Code's http.proxyStrictSSL covers both).
      proxyTls: { ...tls, timeout: t.connectTimeoutMs },
      connect: { timeout: t.connectTimeoutMs },
      ...common,
    });
  }
  return new (undici().Pool)(t.origin, {
    connections: 8,
    connect: { ...tls, timeout: t.connectTimeoutMs },
    ...common,
  });
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The proxy URL for requests to `target`: the explicit setting wins, else HTTPS_PROXY / HTTP_PROXY
 * (either case) by scheme, unless NO_PROXY matches the host (curl semantics: `*`, suffixes,
 * `.suffix`, optional `:port`).
 */
export function proxyFor(target: URL, explicit: string | undefined, env: Env = process.env): string | undefined {
  if (explicit !== undefined && explicit.trim() !== '') return explicit.trim();
  const pick = (...names: string[]): string | undefined => {
    for (const n of names) {
      const v = env[n];
      if (v !== undefined && v.trim() !== '') return v.trim();
    }
    return undefined;
  };
  const proxy = target.protocol === 'https:' ? pick('HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy') : pick('HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy');
  if (proxy === undefined) return undefined;
  if (noProxyMatches(target, pick('NO_PROXY', 'no_proxy') ?? '')) return undefined;
  return proxy;
}

export function noProxyMatches(target: URL, noProxy: string): boolean {
  const host = target.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  for (const raw of noProxy.split(/[\s,]+/)) {
    let entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    let entryPort: string | undefined;
    const m = /^(.*):(\d+)$/.exec(entry);
    if (m !== null && !entry.endsWith(']') && (m[1] ?? '').split(':').length === 1) {
      entry = m[1] ?? '';
      entryPort = m[2];
    }
    entry = entry.replace(/^\[|\]$/g, '');
    if (entryPort !== undefined && entryPort !== port) continue;
    if (entry.startsWith('*.')) entry = entry.slice(1);
    if (entry.startsWith('.')) {
      if (host.endsWith(entry) || host === entry.slice(1)) return true;
    } else if (host === entry || host.endsWith(`.${entry}`)) {
      return true;
    }
  }
  return false;
}

/** Seconds to wait from a Retry-After header value (delta-seconds or HTTP-date); undefined when absent/invalid. */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined) return undefined;
  const t = v.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t);
  const date = Date.parse(t);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, (date - nowMs) / 1000);
}

/** Full-jitter exponential backoff (AWS architecture blog): uniform in [0, min(cap, base·2^attempt)]. */
export function backoffDelayMs(attempt: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** attempt));
}

/** Rejects with `signal.reason` as soon as the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Error codes of the network stack (Node, undici, OpenSSL), walking `cause` chains. */
export function errorCodes(e: unknown): string[] {
  const codes: string[] = [];
  let cur: unknown = e;
  for (let depth = 0; depth < 6 && typeof cur === 'object' && cur !== null; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    const errors = (cur as { errors?: unknown }).errors;
    // AggregateError from happy-eyeballs connects: ECONNREFUSED on every address.
    if (Array.isArray(errors)) for (const inner of errors) codes.push(...errorCodes(inner));
    cur = (cur as { cause?: unknown }).cause;
  }
  return codes;
}

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_UNTRUSTED',
  'CERT_REVOKED',
  'EPROTO',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

export type NetworkFailure = 'dns' | 'refused' | 'tls' | 'timeout' | 'reset' | 'network';

/** Classifies an error thrown by undici before or while reading a response. */
export function classifyNetworkError(e: unknown): { failure: NetworkFailure; code: string | undefined } {
  const codes = errorCodes(e);
  const has = (c: string): boolean => codes.includes(c);
  const first = codes[0];
  if (has('ENOTFOUND') || has('EAI_AGAIN') || has('EAI_NONAME') || has('EAI_FAIL')) return { failure: 'dns', code: first };
  if (has('ECONNREFUSED')) return { failure: 'refused', code: 'ECONNREFUSED' };
  if (codes.some((c) => TLS_CODES.has(c) || c.startsWith('ERR_SSL_') || c.startsWith('ERR_TLS_'))) return { failure: 'tls', code: codes.find((c) => TLS_CODES.has(c) || c.startsWith('ERR_')) };
  if (has('UND_ERR_CONNECT_TIMEOUT') || has('UND_ERR_HEADERS_TIMEOUT') || has('UND_ERR_BODY_TIMEOUT') || has('ETIMEDOUT')) return { failure: 'timeout', code: first };
  if (has('ECONNRESET') || has('EPIPE') || has('UND_ERR_SOCKET') || has('UND_ERR_CLOSED') || has('ECONNABORTED')) return { failure: 'reset', code: first };
  return { failure: 'network', code: first };
}

/** Reads a response body, stopping at `maxBytes` (the rest is discarded and the socket dropped). */
export function readCapped(body: Readable, maxBytes: number): Promise<{ readonly bytes: Buffer; readonly truncatedAtCap: boolean }> {
  // Event-based rather than `for await`: the async iterator costs tens of µs per small response.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let settled = false;
    const finish = (overCap: boolean): void => {
      if (settled) return;
      settled = true;
      body.off('data', onData);
      body.off('end', onEnd);
      const bytes = chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks, total);
      resolve({ bytes, truncatedAtCap: overCap });
    };
    const onData = (chunk: Buffer | Uint8Array | string): void => {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      if (total + buf.length > maxBytes) {
        chunks.push(buf.subarray(0, maxBytes - total));
        total = maxBytes;
        finish(true);
        body.destroy(new CapReached());
        return;
      }
      chunks.push(buf);
      total += buf.length;
    };
    const onEnd = (): void => finish(false);
    body.on('data', onData);
    body.once('end', onEnd);
    body.on('error', (e: unknown) => {
      if (settled) return;
      settled = true;
      reject(e);
    });
  });
}

class CapReached extends Error {
  override readonly name = 'CapReached';
}

/** Byte length of the body each parsed response came from, so caches can size entries without re-walking them. */
const bodyBytes = new WeakMap<object, number>();

export function recordBodyBytes(value: unknown, bytes: number): void {
  if (typeof value === 'object' && value !== null) bodyBytes.set(value, bytes);
}

export function bodyBytesOf(value: unknown): number | undefined {
  return typeof value === 'object' && value !== null ? bodyBytes.get(value) : undefined;
}

export function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}
