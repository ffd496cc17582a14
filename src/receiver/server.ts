// The OTLP/HTTP trace endpoint on 127.0.0.1: POST /v1/traces in JSON or protobuf (gzip, deflate), answered as the Collector's OTLP receiver answers.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGunzip, createInflate, type Gunzip, type Inflate } from 'node:zlib';
import { decodeExportTraceRequest, encodeExportTraceResponse, encodeRpcStatus } from '../core/otlpProto';
import { ingestRequest, type Ingested } from './ingest';

export const TRACES_PATH = '/v1/traces';
const JSON_TYPE = 'application/json';
const PROTO_TYPE = 'application/x-protobuf';
/** Bytes on the wire per request (the Collector's default max_request_body_size is 20 MiB). */
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;
/** Bytes after decompression: a gzip bomb stops here. */
export const DEFAULT_MAX_DECODED_BYTES = 64 * 1024 * 1024;
/** Ports tried from the configured one upwards when it is taken. */
export const DEFAULT_PORT_ATTEMPTS = 20;
/**
 * Requests read at once; more get 429 + Retry-After (OTLP: retryable, the exporter backs off).
 * Bounds what buffered bodies can hold to this many times the caps.
 */
export const DEFAULT_MAX_CONCURRENT = 4;

/** gRPC status codes used in the google.rpc.Status error bodies. */
const INVALID_ARGUMENT = 3;
const RESOURCE_EXHAUSTED = 8;

export interface ReceiverServerOptions {
  /** The configured port; 0 lets the system choose (tests). */
  readonly port: number;
  /** Called with the spans of each accepted request. Runs before the answer is sent. */
  readonly onSpans: (ingested: Ingested) => void;
  readonly maxBodyBytes?: number;
  readonly maxDecodedBytes?: number;
  readonly portAttempts?: number;
  readonly maxConcurrent?: number;
  readonly log?: (message: string) => void;
}

export interface ReceiverServer {
  /** The port it listens on (the configured one, or the next free one). */
  readonly port: number;
  close(): Promise<void>;
}

type Encoding = 'json' | 'proto';

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * A Host header naming loopback: a web page that rebinds its own domain to 127.0.0.1 sends its
 * domain here, and is refused (browsers cannot send JSON or protobuf cross-origin without a
 * preflight, which this server never answers with CORS headers).
 */
function isLoopbackHost(host: string | undefined): boolean {
  if (host === undefined) return true; // HTTP/1.0 clients; the socket is loopback anyway
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!;
  return name === '127.0.0.1' || name === 'localhost' || name === '[::1]';
}

function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
  res.end(text);
}

/** An error answer as `google.rpc.Status` in the request's encoding (OTLP/HTTP "Failures"). */
function sendStatus(res: ServerResponse, enc: Encoding, status: number, message: string, close: boolean): void {
  const code = status === 413 || status === 429 ? RESOURCE_EXHAUSTED : INVALID_ARGUMENT;
  const headers: Record<string, string> = close ? { Connection: 'close' } : {};
  if (status === 429) headers['Retry-After'] = '1';
  if (enc === 'json') {
    res.writeHead(status, { 'Content-Type': JSON_TYPE, ...headers });
    res.end(JSON.stringify({ code, message }));
  } else {
    res.writeHead(status, { 'Content-Type': PROTO_TYPE, ...headers });
    res.end(encodeRpcStatus(code, message));
  }
}

/** 200 with an `ExportTraceServiceResponse`; `partialSuccess` only when spans were refused. */
function sendSuccess(res: ServerResponse, enc: Encoding, rejected: number, message: string): void {
  if (enc === 'json') {
    const body = rejected > 0 ? { partialSuccess: { rejectedSpans: rejected, errorMessage: message } } : {};
    res.writeHead(200, { 'Content-Type': JSON_TYPE });
    res.end(JSON.stringify(body));
  } else {
    res.writeHead(200, { 'Content-Type': PROTO_TYPE });
    res.end(rejected > 0 ? encodeExportTraceResponse(rejected, message) : new Uint8Array(0));
  }
}

/**
 * Reads the body, decompressing as it goes, and stops at either cap (→ 413) without holding more
 * than the cap. Resolves null when the client went away first (nothing to answer).
 */
function readBody(req: IncomingMessage, encoding: string, maxBody: number, maxDecoded: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let wire = 0;
    let decoded = 0;
    let settled = false;
    let inflater: Gunzip | Inflate | null = null;
    if (encoding === 'gzip' || encoding === 'x-gzip') inflater = createGunzip();
    else if (encoding === 'deflate') inflater = createInflate();

    const finish = (err: Error | null, value: Buffer | null): void => {
      if (settled) return;
      settled = true;
      req.removeListener('data', onData);
      inflater?.removeAllListeners('data');
      inflater?.destroy();
      if (err !== null) reject(err);
      else resolve(value);
    };
    const onDecoded = (c: Buffer): void => {
      decoded += c.length;
      if (decoded > maxDecoded) finish(new HttpError(413, `decompressed body larger than ${maxDecoded} bytes`), null);
      else chunks.push(c);
    };
    const onData = (c: Buffer): void => {
      wire += c.length;
      if (wire > maxBody) { finish(new HttpError(413, `request body larger than ${maxBody} bytes`), null); return; }
      if (inflater === null) { onDecoded(c); return; }
      if (!inflater.write(c)) {
        req.pause();
        inflater.once('drain', () => { if (!settled) req.resume(); });
      }
    };
    req.on('data', onData);
    req.on('error', () => finish(null, null));
    req.on('close', () => { if (!req.complete) finish(null, null); });
    if (inflater === null) {
      req.on('end', () => finish(null, Buffer.concat(chunks, decoded)));
    } else {
      const inf = inflater;
      inf.on('data', onDecoded);
      inf.on('error', (e) => finish(new HttpError(400, `${encoding}: ${e.message}`), null));
      inf.on('end', () => finish(null, Buffer.concat(chunks, decoded)));
      req.on('end', () => { if (!settled) inf.end(); });
    }
  });
}

function decode(body: Buffer, enc: Encoding): unknown {
  if (enc === 'proto') return decodeExportTraceRequest(new Uint8Array(body.buffer, body.byteOffset, body.length));
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new Error(`invalid JSON: ${(e as Error).message}`);
  }
}

interface Limits {
  readonly onSpans: (ingested: Ingested) => void;
  readonly maxBodyBytes: number;
  readonly maxDecodedBytes: number;
  readonly maxConcurrent: number;
  /** Requests being read or decoded now. */
  active: number;
}

async function handle(req: IncomingMessage, res: ServerResponse, o: Limits): Promise<void> {
  if (!isLoopbackHost(req.headers.host)) { sendText(res, 403, '403 forbidden: Host is not loopback'); return; }
  const path = (req.url ?? '/').split('?')[0];
  // The Collector's mux answers unknown paths, wrong methods and media types in plain text.
  if (path !== TRACES_PATH) { sendText(res, 404, '404 page not found'); return; }
  if (req.method !== 'POST') { sendText(res, 405, '405 method not allowed, supported: [POST]', { Allow: 'POST' }); return; }
  const type = mediaType(req.headers['content-type']);
  const enc: Encoding | null = type === JSON_TYPE ? 'json' : type === PROTO_TYPE ? 'proto' : null;
  if (enc === null) { sendText(res, 415, `415 unsupported media type, supported: [${JSON_TYPE}, ${PROTO_TYPE}]`); return; }
  const encoding = (req.headers['content-encoding'] ?? '').trim().toLowerCase();
  if (!['', 'identity', 'gzip', 'x-gzip', 'deflate'].includes(encoding)) {
    sendStatus(res, enc, 400, `unsupported Content-Encoding "${encoding}", supported: gzip, deflate`, false);
    return;
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > o.maxBodyBytes) {
    // Refused before reading: the connection closes rather than draining what is still coming.
    sendStatus(res, enc, 413, `request body of ${declared} bytes is larger than ${o.maxBodyBytes} bytes`, true);
    return;
  }
  if (o.active >= o.maxConcurrent) {
    sendStatus(res, enc, 429, `${o.active} export requests are being read; retry`, true);
    return;
  }
  o.active++;
  try {
    let body: Buffer | null;
    try {
      body = await readBody(req, encoding, o.maxBodyBytes, o.maxDecodedBytes);
    } catch (e) {
      const status = e instanceof HttpError ? e.status : 400;
      sendStatus(res, enc, status, (e as Error).message, status === 413);
      return;
    }
    if (body === null) return; // client went away
    let ingested: Ingested;
    try {
      ingested = ingestRequest(decode(body, enc));
    } catch (e) {
      sendStatus(res, enc, 400, (e as Error).message, false);
      return;
    }
    o.onSpans(ingested);
    sendSuccess(res, enc, ingested.rejected, ingested.message);
  } finally {
    o.active--;
  }
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => { server.removeListener('listening', onListening); reject(e); };
    const onListening = (): void => { server.removeListener('error', onError); resolve((server.address() as AddressInfo).port); };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ port, host: '127.0.0.1', exclusive: true });
  });
}

/**
 * Starts the endpoint on 127.0.0.1 (never another interface), on `port` or, when it is taken, the
 * next free one of `portAttempts`; the result says which. Rejects when none is free.
 */
export async function startServer(options: ReceiverServerOptions): Promise<ReceiverServer> {
  const o: Limits = {
    onSpans: options.onSpans,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    maxDecodedBytes: options.maxDecodedBytes ?? DEFAULT_MAX_DECODED_BYTES,
    maxConcurrent: options.maxConcurrent ?? DEFAULT_MAX_CONCURRENT,
    active: 0,
  };
  const portAttempts = options.portAttempts ?? DEFAULT_PORT_ATTEMPTS;
  const log = options.log ?? ((): void => undefined);
  const server = createServer((req, res) => {
    handle(req, res, o).catch((e: unknown) => {
      // A bug of ours (onSpans threw): answer 500 rather than leave the exporter waiting.
      log(`receiver: request failed: ${e instanceof Error ? e.message : String(e)}`);
      if (!res.headersSent) sendText(res, 500, '500 internal error');
      else res.destroy();
    });
  });
  // Bounded waits: a stalled client cannot hold a request open for long.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  let port = -1;
  let lastError: Error | null = null;
  const attempts = options.port === 0 ? 1 : Math.max(1, portAttempts);
  for (let i = 0; i < attempts && port < 0; i++) {
    const want = options.port === 0 ? 0 : options.port + i;
    if (want > 65535) break;
    try {
      port = await listen(server, want);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EADDRINUSE' && code !== 'EACCES') throw e;
      lastError = e as Error;
    }
  }
  if (port < 0) throw new Error(`no free port among ${options.port}…${options.port + attempts - 1} on 127.0.0.1${lastError ? ` (${lastError.message})` : ''}`);
  if (options.port !== 0 && port !== options.port) log(`receiver: port ${options.port} is taken; listening on ${port}`);
  return {
    port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
