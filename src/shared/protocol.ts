// Typed messages between the trace-view host and its webview, their guards and the HTML shell. Imports nothing.
import { MAX_ATTRIBUTE_DEPTH, type AttrValue, type Attributes, type Span, type Trace } from './model';

/** The webview panel's view type; also the `onWebviewPanel:` activation event suffix. */
export const TRACE_VIEW_TYPE = 'tempoLens.trace';

/** What the host lets the webview offer; decided by the host, never by trace data. */
export interface TraceViewOptions {
  /** "Open in Grafana" is shown only when a Grafana URL and data source are configured. */
  readonly grafana: boolean;
  /** Span to select once the trace is shown (e.g. the span a CodeLens pointed at). */
  readonly selectSpanId: string | null;
}

/** State the webview persists with `setState`, handed back to the serializer after a reload. */
export interface TraceViewState {
  readonly traceId: string;
  readonly selectedSpanId: string | null;
  readonly collapsed: readonly string[];
}

// ---- host → webview --------------------------------------------------------------------------

export interface ShowTraceMessage {
  readonly type: 'showTrace';
  readonly trace: Trace;
  readonly options: TraceViewOptions;
  /** Restored UI state (collapsed spans, selection) when the panel is revived. */
  readonly state: TraceViewState | null;
}

/** Shown in place of a trace: loading, not found, fetch failed. */
export interface StatusMessage {
  readonly type: 'status';
  readonly kind: 'loading' | 'error' | 'info';
  readonly text: string;
}

/** Outcome of a "Go to code" request: either the location opened or why nothing matched. */
export interface GoToCodeResultMessage {
  readonly type: 'goToCodeResult';
  readonly spanId: string;
  readonly ok: boolean;
  readonly text: string;
}

export type HostMessage = ShowTraceMessage | StatusMessage | GoToCodeResultMessage;

// ---- webview → host --------------------------------------------------------------------------

/** Sent once the script has installed its listener; the host posts nothing before it. */
export interface ReadyMessage {
  readonly type: 'ready';
}

export interface SelectSpanMessage {
  readonly type: 'selectSpan';
  readonly traceId: string;
  readonly spanId: string;
}

/** The host looks the span up in ITS copy of the trace; attributes are not taken from the webview. */
export interface GoToCodeMessage {
  readonly type: 'goToCode';
  readonly traceId: string;
  readonly spanId: string;
}

export interface OpenInGrafanaMessage {
  readonly type: 'openInGrafana';
  readonly traceId: string;
  readonly spanId: string | null;
}

/** Follow a span link to another trace. */
export interface OpenLinkedTraceMessage {
  readonly type: 'openLinkedTrace';
  readonly traceId: string;
  readonly spanId: string | null;
}

export type WebviewMessage = ReadyMessage | SelectSpanMessage | GoToCodeMessage | OpenInGrafanaMessage | OpenLinkedTraceMessage;

// ---- guards ----------------------------------------------------------------------------------

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;

export function isTraceId(v: unknown): v is string {
  return typeof v === 'string' && HEX32.test(v);
}

export function isSpanId(v: unknown): v is string {
  return typeof v === 'string' && HEX16.test(v);
}

function isStrOrNull(v: unknown): v is string | null {
  return v === null || typeof v === 'string';
}

function isFiniteNum(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function isAttrValue(v: unknown, depth: number): v is AttrValue {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return true;
  // The same bound as the OTLP parser: whatever it produced is accepted here.
  if (depth >= MAX_ATTRIBUTE_DEPTH) return false;
  if (Array.isArray(v)) return v.every((x) => isAttrValue(x, depth + 1));
  if (isObj(v)) return Object.values(v).every((x) => isAttrValue(x, depth + 1));
  return false;
}

function isAttributes(v: unknown): v is Attributes {
  return isObj(v) && Object.values(v).every((x) => isAttrValue(x, 0));
}

const KINDS = new Set(['unspecified', 'internal', 'server', 'client', 'producer', 'consumer']);
const STATUSES = new Set(['unset', 'ok', 'error']);

export function isSpan(v: unknown): v is Span {
  if (!isObj(v)) return false;
  const scope = v['scope'];
  return (
    typeof v['traceId'] === 'string' &&
    typeof v['spanId'] === 'string' &&
    isStrOrNull(v['parentSpanId']) &&
    typeof v['name'] === 'string' &&
    typeof v['kind'] === 'string' && KINDS.has(v['kind']) &&
    isFiniteNum(v['startMs']) &&
    isFiniteNum(v['endMs']) &&
    typeof v['status'] === 'string' && STATUSES.has(v['status']) &&
    isStrOrNull(v['statusMessage']) &&
    isAttributes(v['attributes']) &&
    isAttributes(v['resource']) &&
    isStrOrNull(v['service']) &&
    (scope === null || (isObj(scope) && typeof scope['name'] === 'string' && isStrOrNull(scope['version']))) &&
    Array.isArray(v['events']) &&
    v['events'].every((e: unknown) => isObj(e) && typeof e['name'] === 'string' && isFiniteNum(e['timeMs']) && isAttributes(e['attributes'])) &&
    Array.isArray(v['links']) &&
    v['links'].every((l: unknown) => isObj(l) && typeof l['traceId'] === 'string' && typeof l['spanId'] === 'string' && isAttributes(l['attributes']))
  );
}

export function isTrace(v: unknown): v is Trace {
  return (
    isObj(v) &&
    typeof v['traceId'] === 'string' &&
    Array.isArray(v['spans']) &&
    v['spans'].every(isSpan) &&
    typeof v['partial'] === 'boolean' &&
    isStrOrNull(v['message'])
  );
}

export function isTraceViewState(v: unknown): v is TraceViewState {
  return (
    isObj(v) &&
    isTraceId(v['traceId']) &&
    (v['selectedSpanId'] === null || typeof v['selectedSpanId'] === 'string') &&
    Array.isArray(v['collapsed']) &&
    v['collapsed'].every((x: unknown) => typeof x === 'string')
  );
}

function isOptions(v: unknown): v is TraceViewOptions {
  return isObj(v) && typeof v['grafana'] === 'boolean' && isStrOrNull(v['selectSpanId']);
}

export function isHostMessage(v: unknown): v is HostMessage {
  if (!isObj(v)) return false;
  switch (v['type']) {
    case 'showTrace':
      return isTrace(v['trace']) && isOptions(v['options']) && (v['state'] === null || isTraceViewState(v['state']));
    case 'status':
      return (v['kind'] === 'loading' || v['kind'] === 'error' || v['kind'] === 'info') && typeof v['text'] === 'string';
    case 'goToCodeResult':
      return typeof v['spanId'] === 'string' && typeof v['ok'] === 'boolean' && typeof v['text'] === 'string';
    default:
      return false;
  }
}

export function isWebviewMessage(v: unknown): v is WebviewMessage {
  if (!isObj(v)) return false;
  switch (v['type']) {
    case 'ready':
      return true;
    case 'selectSpan':
    case 'goToCode':
      return isTraceId(v['traceId']) && isSpanId(v['spanId']);
    case 'openInGrafana':
    case 'openLinkedTrace':
      return isTraceId(v['traceId']) && (v['spanId'] === null || isSpanId(v['spanId']));
    default:
      return false;
  }
}

// ---- HTML shell ------------------------------------------------------------------------------

/** What the HTML shell needs; every value is produced by the host, none comes from a trace. */
export interface WebviewShell {
  /** `webview.cspSource`. */
  readonly cspSource: string;
  /** Fresh random nonce per render (base64/alnum only). */
  readonly nonce: string;
  /** `webview.asWebviewUri(dist/webview.js)`. */
  readonly scriptUri: string;
}

/** The Content-Security-Policy of the trace view: nothing but our nonce'd script and styles. */
export function traceViewCsp(s: WebviewShell): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${s.nonce}'`,
    `style-src ${s.cspSource} 'nonce-${s.nonce}'`,
    `img-src ${s.cspSource} data:`,
    `font-src ${s.cspSource}`,
  ].join('; ');
}

/**
 * The static HTML of the trace view. No trace data is templated here: the script asks for it with
 * `ready`. Values are checked rather than escaped so that a bad one fails loudly.
 */
export function traceViewHtml(s: WebviewShell): string {
  if (!/^[A-Za-z0-9+/=]{16,}$/.test(s.nonce)) throw new Error('traceViewHtml: bad nonce');
  if (/["<>\s]/.test(s.scriptUri) || /["<>;]/.test(s.cspSource)) throw new Error('traceViewHtml: bad URI');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${traceViewCsp(s)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Trace</title>
</head>
<body>
<div id="app"></div>
<script nonce="${s.nonce}" src="${s.scriptUri}"></script>
</body>
</html>`;
}
