// Spans for the `surfaces` fixture workspace: OTLP JSON with current timestamps, deterministic ids and durations.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TempoLensApi } from '../../../src/extension';
import { activate } from '../helpers';
import { startTempoServer, type TempoTestServer } from '../../tempo-server/server';

export const HOSTILE_MESSAGE = `[click me](command:workbench.action.terminal.new) <img src=x onerror=alert(1)> **bold** $(zap) ${'A'.repeat(10 * 1024)}`;
export const SLOWEST_GET_TOKEN_TRACE = '00000000000000000000000000a0b0c1';

interface SpanSpec {
  service: string;
  namespace: string;
  fn: string;
  startMs: number;
  durationMs: number;
  error?: string;
  traceId?: string;
  name?: string;
}

let seq = 1;
const hex = (n: number, len: number): string => n.toString(16).padStart(len, '0');

function otlp(spans: readonly SpanSpec[]): unknown {
  const byService = new Map<string, SpanSpec[]>();
  for (const s of spans) byService.set(s.service, [...(byService.get(s.service) ?? []), s]);
  return {
    resourceSpans: [...byService].map(([service, list]) => ({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
      scopeSpans: [{
        scope: { name: 'io.opentelemetry.spring-webmvc-6.0' },
        spans: list.map((s) => {
          const n = seq++;
          const start = BigInt(Math.round(s.startMs)) * 1_000_000n;
          const end = start + BigInt(Math.round(s.durationMs * 1_000_000));
          return {
            traceId: s.traceId ?? hex(n, 32),
            spanId: hex(n, 16),
            name: s.name ?? `${s.namespace.split('.').pop() ?? ''}.${s.fn}`,
            kind: 1,
            startTimeUnixNano: start.toString(),
            endTimeUnixNano: end.toString(),
            attributes: [
              { key: 'code.namespace', value: { stringValue: s.namespace } },
              { key: 'code.function', value: { stringValue: s.fn } },
            ],
            status: s.error !== undefined ? { code: 2, message: s.error } : { code: 0 },
          };
        }),
      }],
    })),
  };
}

/** Deterministic [0, 1) sequence. */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
}

/**
 * Current hour: getToken slow (p95 ≈ 2 s, 2/60 errors), getJwks fast, revoke erroring (10/40, hostile
 * message), gateway forward, and one function found in no file. Previous hour: getToken fast (p95 ≈ 0.3 s).
 */
export function surfaceSpans(now = Date.now()): unknown {
  const r = rng(42);
  const spans: SpanSpec[] = [];
  const TS = 'com.acme.tokens.TokenService';
  // Spans end well inside the window and away from "now" (the metrics generator drops late ones).
  const inCurrent = (i: number, n: number) => now - 55 * 60_000 + (i / n) * 50 * 60_000;
  const inPrevious = (i: number, n: number) => now - 115 * 60_000 + (i / n) * 50 * 60_000;
  for (let i = 0; i < 60; i++) {
    const slow = i % 10 === 0;
    spans.push({
      service: 'token-service', namespace: TS, fn: 'getToken', startMs: inCurrent(i, 60),
      durationMs: slow ? (i === 0 ? 4000 : 1800 + r() * 400) : 100 + r() * 100,
      ...(i === 5 || i === 25 ? { error: 'token store timeout' } : {}),
      ...(i === 0 ? { traceId: SLOWEST_GET_TOKEN_TRACE } : {}),
    });
    spans.push({ service: 'token-service', namespace: TS, fn: 'getToken', startMs: inPrevious(i, 60), durationMs: 100 + r() * (i % 10 === 0 ? 250 : 100) });
  }
  for (let i = 0; i < 30; i++) spans.push({ service: 'token-service', namespace: TS, fn: 'getJwks', startMs: inCurrent(i, 30), durationMs: 5 + r() * 10 });
  for (let i = 0; i < 40; i++) {
    spans.push({
      service: 'token-service', namespace: TS, fn: 'revoke', startMs: inCurrent(i, 40), durationMs: 20 + r() * 30,
      ...(i % 4 === 0 ? { error: HOSTILE_MESSAGE, name: `revoke ${HOSTILE_MESSAGE.slice(0, 120)}` } : {}),
    });
  }
  for (let i = 0; i < 30; i++) spans.push({ service: 'gateway-service', namespace: 'com.acme.gateway.GatewayController', fn: 'forward', startMs: inCurrent(i, 30), durationMs: 50 + r() * 50 });
  for (let i = 0; i < 25; i++) spans.push({ service: 'billing-service', namespace: 'com.acme.legacy.OldBilling', fn: 'charge', startMs: inCurrent(i, 25), durationMs: 300 + r() * 300 });
  return otlp(spans);
}

const attr = (key: string, v: string | number) => ({ key, value: typeof v === 'number' ? { intValue: String(v) } : { stringValue: v } });
const nanos = (ms: number) => (BigInt(Math.round(ms)) * 1_000_000n).toString();

/** Gateway (5 s limit) → client call timed out → token-service getToken runs 30 s. */
export function orphanTraces(now: number, count: number): unknown {
  const gateway: unknown[] = [];
  const token: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const traceId = hex(0xbeef0000 + i, 32);
    const t0 = now - 50 * 60_000 + i * 4 * 60_000;
    const root = hex(0x1000 + i * 3, 16);
    const client = hex(0x1001 + i * 3, 16);
    const server = hex(0x1002 + i * 3, 16);
    gateway.push(
      { traceId, spanId: root, name: 'GET /token', kind: 2, startTimeUnixNano: nanos(t0), endTimeUnixNano: nanos(t0 + 5000),
        attributes: [attr('code.namespace', 'com.acme.gateway.GatewayController'), attr('code.function', 'forward'), attr('http.request.method', 'GET'), attr('http.response.status_code', 504)],
        status: { code: 2, message: 'upstream timed out after 5s' } },
      { traceId, spanId: client, parentSpanId: root, name: 'GET', kind: 3, startTimeUnixNano: nanos(t0 + 2), endTimeUnixNano: nanos(t0 + 4999),
        attributes: [attr('http.request.method', 'GET'), attr('url.full', 'http://token-service/token'), attr('server.address', 'token-service')],
        status: { code: 2, message: 'java.net.SocketTimeoutException: Read timed out' } },
    );
    token.push({ traceId, spanId: server, parentSpanId: client, name: 'TokenService.getToken', kind: 2, startTimeUnixNano: nanos(t0 + 10), endTimeUnixNano: nanos(t0 + 30_000),
      attributes: [attr('code.namespace', 'com.acme.tokens.TokenService'), attr('code.function', 'getToken')], status: { code: 0 } });
  }
  const rs = (service: string, spans: unknown[]) => ({ resource: { attributes: [attr('service.name', service)] }, scopeSpans: [{ scope: { name: 'io.opentelemetry.spring-webmvc-6.0' }, spans }] });
  return { resourceSpans: [rs('gateway-service', gateway), rs('token-service', token)] };
}

export interface SurfacesApi {
  refresh(): Promise<void>;
  state(): { status: string; error: { message: string; episode: number } | null; windowLabel: string; generation: number };
  hotspots(): { label: string; description: string; children: { label: string; description: string; children: unknown[] }[] }[];
  errorsShown(): readonly string[];
  updateDiagnostics(): Promise<void>;
  hints(uri: string): readonly { level: string; line: number; text: string }[];
  functionTraceItems(): readonly string[];
}

export function surfaces(api: TempoLensApi): SurfacesApi {
  const s = (api as unknown as { surfaces?: SurfacesApi }).surfaces;
  assert.ok(s, 'the extension API exposes `surfaces`');
  return s;
}

/** Starts the test server with the surface spans and points the extension at it. */
export async function startSeededServer(): Promise<TempoTestServer> {
  const server = await startTempoServer();
  server.ingest(surfaceSpans());
  await vscode.workspace.getConfiguration('tempoLens').update('url', server.url, vscode.ConfigurationTarget.Global);
  return server;
}

export function fileUri(rel: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'a workspace folder is open');
  return vscode.Uri.joinPath(folder.uri, ...rel.split('/'));
}

export const TOKEN_SERVICE = 'src/main/java/com/acme/tokens/TokenService.java';
export const GATEWAY = 'src/main/java/com/acme/gateway/GatewayController.java';

/** 0-based line of the first line containing `text` in a document. */
export function lineOf(doc: vscode.TextDocument, text: string): number {
  for (let i = 0; i < doc.lineCount; i++) if (doc.lineAt(i).text.includes(text)) return i;
  assert.fail(`"${text}" not found in ${doc.uri.path}`);
}

/** Settings the surface suites change, reset after each suite. */
export async function resetSurfaceSettings(): Promise<void> {
  const c = vscode.workspace.getConfiguration('tempoLens');
  for (const key of ['url', 'timeRange', 'filter', 'thresholds.latencyMs', 'thresholds.errorRate', 'codeLens.enabled', 'inlineHints.enabled', 'diagnostics.enabled', 'grafanaUrl', 'grafanaDatasourceUid', 'source']) {
    if (c.inspect(key)?.globalValue !== undefined) await c.update(key, undefined, vscode.ConfigurationTarget.Global);
  }
}

/**
 * Suite fixture shared by the surfaces suites: a seeded test server, the surfaces API after a first
 * refresh, and on teardown the settings reset, editors optionally closed and the server stopped.
 */
export function useSeededSurfaces(bind: (api: SurfacesApi, server: TempoTestServer) => void, opts: { closeEditors?: boolean } = {}): void {
  let server: TempoTestServer | undefined;
  suiteSetup(async () => {
    const api = surfaces(await activate());
    server = await startSeededServer();
    bind(api, server);
    await api.refresh();
  });
  suiteTeardown(async () => {
    server?.clearFaults();
    await resetSurfaceSettings();
    if (opts.closeEditors) await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await server?.close();
  });
}
