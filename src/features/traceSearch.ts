// Commands Search Traces (TraceQL QuickPick with presets, history, live syntax check) and Open Trace by ID.
import * as vscode from 'vscode';
import type * as LezerTraceql from '@grafana/lezer-traceql';
import { lazyRequire } from '../core/lazy';
import { formatCodeRef } from '../core/codeRef';
import { formatDuration } from '../core/format';
import { windowFor } from '../core/timeRange';
import { CODE_PRESENT, checkFilter, codeRefCondition, durationLiteral, regexEscape, stringLiteral } from '../core/traceql';
import type { Logger } from '../host/log';
import type { Services } from '../host/services';
import { registerTypedCommand, runCommand } from '../host/commands';
import { SourceNotConfigured } from '../host/traceService';
import type { CodeRef, TimeWindow, TraceSummary } from '../shared/model';
import { isTempoError, parseTraceqlError } from '../tempo/errors';

const HISTORY_KEY = 'tempoLens.searchHistory';
const HISTORY_MAX = 20;
const SEARCH_LIMIT = 50;
const SEARCH_SPSS = 10;

/** The symbol under the cursor as a CodeRef, when the workspace index can tell. */
export type CodeRefAtFn = (document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken) => Promise<{ ref: CodeRef; service: string | null } | null>;

export interface TraceSearchExtras {
  readonly codeRefAt?: CodeRefAtFn;
}

/** Arguments for a non-interactive search (hover links, scripts, tests). */
export interface SearchTracesArgs {
  readonly query: string;
  /** Unix ms; default the configured time range ending now. */
  readonly startMs?: number;
  readonly endMs?: number;
}

// ---- pure helpers ------------------------------------------------------------------------------

export interface SyntaxProblem {
  /** 0-based offset into the query. */
  readonly offset: number;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/** The TraceQL grammar (with @lezer/lr, 85 KB) loads with the first syntax check, not at activation. */
const lezerTraceql = lazyRequire(() => require('@grafana/lezer-traceql') as typeof LezerTraceql);

/** First syntax error of a TraceQL query (lezer grammar, as Grafana's editor uses), or null. */
export function traceqlSyntaxProblem(query: string): SyntaxProblem | null {
  if (query.trim() === '') return { offset: 0, line: 1, column: 1, message: 'the query is empty' };
  let at = -1;
  lezerTraceql().parser.parse(query).iterate({
    enter: (n) => {
      if (at >= 0) return false;
      if (n.type.isError) {
        at = n.from;
        return false;
      }
      return undefined;
    },
  });
  if (at < 0) return null;
  const before = query.slice(0, at);
  const line = before.split('\n').length;
  const column = at - before.lastIndexOf('\n');
  const rest = query.slice(at).trimStart();
  const token = /^("[^"]*"?|[\w.]+|\S)/.exec(rest)?.[0];
  const message = token === undefined ? 'unexpected end of query' : `unexpected ${JSON.stringify(token.length > 24 ? `${token.slice(0, 24)}…` : token)}`;
  return { offset: at, line, column, message };
}

/** `8 s ago`, `5 min ago`, `3 h ago`, `2 d ago` (or `in …` for clock skew). */
export function relativeTime(ms: number, now: number): string {
  const d = now - ms;
  const a = Math.abs(d);
  const s = a < 60_000 ? `${Math.max(0, Math.round(a / 1000))} s` : a < 3_600_000 ? `${Math.round(a / 60_000)} min` : a < 86_400_000 ? `${Math.round(a / 3_600_000)} h` : `${Math.round(a / 86_400_000)} d`;
  return d >= 0 ? `${s} ago` : `in ${s}`;
}

/** Trace ids as users paste them: hex with or without leading zeros, up to 32 characters → 32 lower-case hex. */
export function normaliseTraceIdInput(input: string): { ok: true; id: string } | { ok: false; error: string } {
  const t = input.trim().replace(/^0x/i, '');
  if (t === '') return { ok: false, error: 'Enter a trace id (hex, up to 32 characters).' };
  if (!/^[0-9a-fA-F]+$/.test(t)) return { ok: false, error: 'A trace id has only hex digits 0-9 a-f.' };
  if (t.length > 32) return { ok: false, error: `A trace id has at most 32 hex digits (this one has ${t.length}).` };
  if (/^0+$/.test(t)) return { ok: false, error: 'The all-zero trace id is invalid.' };
  return { ok: true, id: t.toLowerCase().padStart(32, '0') };
}

/** Most recent first, de-duplicated (whitespace-insensitive), capped. */
export function pushHistory(history: readonly string[], query: string, max = HISTORY_MAX): string[] {
  const norm = (q: string): string => q.trim().replace(/\s+/g, ' ');
  const key = norm(query);
  return [query.trim(), ...history.filter((h) => norm(h) !== key)].slice(0, max);
}

// ---- presets -----------------------------------------------------------------------------------

interface QueryItem extends vscode.QuickPickItem {
  readonly kind?: vscode.QuickPickItemKind;
  readonly query?: string;
  /** Put the query in the input for editing instead of running it. */
  readonly edit?: boolean;
  readonly run?: boolean;
}

function andFilter(filter: string, ...conds: string[]): string {
  const f = checkFilter(filter);
  const all = [...(f.ok && f.conditions !== '' ? [`(${f.conditions})`] : []), ...conds];
  return `{ ${all.join(' && ')} }`;
}

async function cursorPreset(extras: TraceSearchExtras, filter: string): Promise<QueryItem | null> {
  const editor = vscode.window.activeTextEditor;
  if (editor === undefined) return null;
  const pos = editor.selection.active;
  if (extras.codeRefAt !== undefined) {
    const cts = new vscode.CancellationTokenSource();
    const timer = setTimeout(() => cts.cancel(), 2000);
    try {
      const found = await extras.codeRefAt(editor.document, pos, cts.token);
      if (found !== null) {
        return {
          label: `$(symbol-method) Spans of ${formatCodeRef({ ...found.ref, filePath: null, line: null })}`,
          description: found.service ?? '',
          detail: 'the method under the cursor',
          query: andFilter(filter, codeRefCondition(found.ref, found.service)),
        };
      }
    } catch {
      // Fall back to the word under the cursor.
    } finally {
      clearTimeout(timer);
      cts.dispose();
    }
  }
  const range = editor.document.getWordRangeAtPosition(pos, /[A-Za-z_$][\w$]*/);
  if (range === undefined) return null;
  const word = editor.document.getText(range);
  if (word.length < 2 || word.length > 200) return null;
  const fn = stringLiteral(word);
  const cond = `(span.code.function = ${fn} || span.code.function.name = ${fn} || span.code.function.name =~ ${stringLiteral(`.*(\\.|::|#|:|/)${regexEscape(word)}`)})`;
  return { label: `$(symbol-method) Spans of ${word}`, detail: 'the word under the cursor as span.code.function / code.function.name', query: andFilter(filter, cond) };
}

async function presetItems(services: Services, extras: TraceSearchExtras): Promise<QueryItem[]> {
  const cfg = services.config.current;
  const items: QueryItem[] = [{ label: 'Presets', kind: vscode.QuickPickItemKind.Separator }];
  items.push({
    label: `$(watch) Slow spans with code attributes`,
    description: `> ${formatDuration(cfg.thresholds.latencyMs)}`,
    query: `${andFilter(cfg.filter, CODE_PRESENT, `duration > ${durationLiteral(cfg.thresholds.latencyMs)}`)} | select(span.code.namespace, span.code.function, span.code.function.name)`,
  });
  items.push({ label: '$(error) Errors', query: `${andFilter(cfg.filter, 'status = error')} | select(span.code.namespace, span.code.function, span.code.function.name, statusMessage)` });
  const cursor = await cursorPreset(extras, cfg.filter);
  if (cursor !== null) items.push(cursor);
  items.push({ label: '$(server) By service…', detail: 'edit the service name, then Enter', query: '{ resource.service.name = "" }', edit: true });
  return items;
}

/** One entry per service the source knows (bounded wait; none when it cannot tell). */
async function serviceItems(services: Services, filter: string, token: vscode.CancellationToken): Promise<QueryItem[]> {
  const values = (await services.traces.tagValues('resource.service.name', token)).filter((v) => v !== '').sort().slice(0, 30);
  return values.map((svc) => ({
    label: `$(server) Service: ${svc}`,
    query: andFilter(filter, `resource.service.name = ${stringLiteral(svc)}`),
  }));
}

function historyItems(history: readonly string[]): QueryItem[] {
  if (history.length === 0) return [];
  return [{ label: 'History', kind: vscode.QuickPickItemKind.Separator }, ...history.map((q) => ({ label: `$(history) ${q}`, query: q }))];
}

// ---- search & open -----------------------------------------------------------------------------

/** True when a source is configured; otherwise offers to configure the connection. */
async function ensureSource(services: Services): Promise<boolean> {
  if ((await services.traces.searchKind()) !== undefined) return true;
  const choice = await vscode.window.showWarningMessage('Tempo Lens is not connected to Tempo.', 'Configure Connection');
  if (choice === 'Configure Connection') await runCommand('tempoLens.configureConnection');
  return false;
}

/** A server error as one line, with the TraceQL position when Tempo gave one. */
export function describeSearchError(e: unknown): string {
  if (isTempoError(e)) {
    const pos = e.traceqlPosition ?? (e.body !== undefined ? parseTraceqlError(e.body) : undefined);
    if (pos !== undefined) {
      const detail = 'detail' in pos ? pos.detail : (e.body !== undefined ? (parseTraceqlError(e.body)?.detail ?? '') : '');
      return `Tempo rejected the query at line ${pos.line}, column ${pos.column}${detail !== '' ? `: ${detail}` : ''}`;
    }
    return e.message;
  }
  return e instanceof Error ? e.message : String(e);
}

interface ResultItem extends vscode.QuickPickItem {
  readonly summary: TraceSummary;
}

function resultItems(summaries: readonly TraceSummary[], now: number): ResultItem[] {
  return summaries.map((s) => ({
    summary: s,
    label: `${s.errorSpans > 0 ? '$(error) ' : ''}${s.rootServiceName ?? '<root span not yet received>'}: ${s.rootTraceName ?? ''}`,
    description: `${formatDuration(s.durationMs)} · ${relativeTime(s.startMs, now)}`,
    detail: `${s.matchedSpans} matched span${s.matchedSpans === 1 ? '' : 's'}${s.errorSpans > 0 ? ` · ${s.errorSpans} with errors` : ''} · ${s.traceId}` +
      spanNames(s),
  }));
}

/** Up to three distinct span names; Tempo returns names only when the query mentions `name`. */
function spanNames(s: TraceSummary): string {
  const names = [...new Set(s.spans.flatMap((h) => (h.name !== null && h.name !== '' ? [h.name] : [])))];
  return names.length > 0 ? ` · ${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''}` : '';
}

async function runSearch(services: Services, query: string, window: TimeWindow, token: vscode.CancellationToken | undefined): Promise<TraceSummary[]> {
  return services.traces.search(query, window, { limit: SEARCH_LIMIT, spansPerTrace: SEARCH_SPSS, cancel: token });
}

/** Fetches a trace and shows it in the trace view; returns the trace id shown, or undefined. */
async function openTraceById(services: Services, log: Logger, id: string, opts: { selectSpanId?: string | undefined; window?: TimeWindow }): Promise<string | undefined> {
  if (!(await ensureSource(services))) return undefined;
  const trace = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Tempo Lens: loading trace ${id}`, cancellable: true },
    async (_p, token) => {
      try {
        return await services.traces.load(id, { window: opts.window, cancel: token });
      } catch (e) {
        if (token.isCancellationRequested) return undefined;
        if (e instanceof SourceNotConfigured) {
          void vscode.window.showWarningMessage(`Tempo Lens: ${e.message}`);
          return undefined;
        }
        const msg = describeSearchError(e);
        log.warn(`open trace ${id}: ${msg}`);
        void vscode.window.showErrorMessage(`Tempo Lens: could not load trace ${id}: ${msg}`, 'Show Log').then((c) => {
          if (c === 'Show Log') void runCommand('tempoLens.showLog');
        });
        return undefined;
      }
    },
  );
  if (trace === undefined) return undefined;
  if (trace === null || trace.spans.length === 0) {
    void vscode.window.showWarningMessage(`Tempo Lens: trace ${id} was not found ${await services.traces.whereLooked()}.`);
    return undefined;
  }
  await runCommand('tempoLens.internal.showTrace', trace, { selectSpanId: opts.selectSpanId ?? null });
  return trace.traceId;
}

/** The results list; resolves with the chosen summary (undefined when dismissed). */
function pickResult(query: string, summaries: readonly TraceSummary[]): Promise<TraceSummary | undefined> {
  return new Promise((resolve) => {
    const qp = vscode.window.createQuickPick<ResultItem>();
    qp.title = `Tempo Lens: ${summaries.length}${summaries.length >= SEARCH_LIMIT ? '+' : ''} trace${summaries.length === 1 ? '' : 's'} for ${query.length > 80 ? `${query.slice(0, 80)}…` : query}`;
    qp.placeholder = summaries.length === 0 ? 'No traces matched in the time range' : 'Pick a trace to open it';
    qp.matchOnDescription = true;
    qp.matchOnDetail = true;
    qp.items = resultItems(summaries, Date.now());
    let done = false;
    qp.onDidAccept(() => {
      const pick = qp.selectedItems[0];
      if (pick === undefined) return;
      done = true;
      qp.hide();
      resolve(pick.summary);
    });
    qp.onDidHide(() => {
      qp.dispose();
      if (!done) resolve(undefined);
    });
    qp.show();
  });
}

/** The query input: presets, history, live syntax check; resolves with the summaries of the query run. */
function pickQuery(services: Services, extras: TraceSearchExtras, history: readonly string[]): Promise<{ query: string; summaries: TraceSummary[]; window: TimeWindow } | undefined> {
  return new Promise((resolve) => {
    const qp = vscode.window.createQuickPick<QueryItem>();
    const baseTitle = `Tempo Lens: Search Traces (last ${services.config.current.timeRange})`;
    qp.title = baseTitle;
    qp.placeholder = 'Type TraceQL, e.g. { status = error && span.code.function != nil }, or pick a preset';
    qp.matchOnDescription = true;
    qp.ignoreFocusOut = true;
    let fixed: QueryItem[] = historyItems(history);
    let cts: vscode.CancellationTokenSource | undefined;
    let settled = false;
    const refresh = (): void => {
      const value = qp.value.trim();
      const head: QueryItem[] = [];
      if (value !== '') {
        const problem = traceqlSyntaxProblem(value);
        if (problem === null) {
          qp.title = baseTitle;
          head.push({ label: `$(search) Run: ${value}`, alwaysShow: true, run: true, query: value });
        } else {
          qp.title = `${baseTitle} — syntax error at line ${problem.line}, column ${problem.column}: ${problem.message}`;
          head.push({ label: `$(error) Syntax error at line ${problem.line}, column ${problem.column}`, description: problem.message, detail: `${value.slice(0, problem.offset)}⟨here⟩${value.slice(problem.offset)}`, alwaysShow: true });
        }
      } else {
        qp.title = baseTitle;
      }
      qp.items = [...head, ...fixed];
    };
    const run = async (query: string): Promise<void> => {
      const problem = traceqlSyntaxProblem(query);
      if (problem !== null) {
        qp.value = query;
        refresh();
        return;
      }
      cts?.cancel();
      cts = new vscode.CancellationTokenSource();
      const mine = cts;
      qp.busy = true;
      qp.enabled = false;
      qp.title = `${baseTitle} — searching…`;
      const window = windowFor(services.config.current.timeRange, Date.now());
      try {
        const summaries = await runSearch(services, query, window, mine.token);
        if (mine.token.isCancellationRequested) return;
        settled = true;
        qp.hide();
        resolve({ query, summaries, window });
      } catch (e) {
        if (mine.token.isCancellationRequested) return;
        const msg = describeSearchError(e);
        qp.value = query;
        refresh();
        qp.title = `${baseTitle} — ${msg}`;
        void vscode.window.showErrorMessage(`Tempo Lens: search failed: ${msg}`);
      } finally {
        qp.busy = false;
        qp.enabled = true;
      }
    };
    qp.onDidChangeValue(() => refresh());
    qp.onDidAccept(() => {
      const item = qp.selectedItems[0];
      if (item?.edit === true && item.query !== undefined) {
        qp.value = item.query;
        refresh();
        return;
      }
      const query = item?.query ?? qp.value.trim();
      if (query === '') return;
      void run(query);
    });
    qp.onDidHide(() => {
      cts?.cancel();
      qp.dispose();
      if (!settled) resolve(undefined);
    });
    refresh();
    qp.show();
    const lookups = new vscode.CancellationTokenSource();
    qp.onDidHide(() => lookups.cancel());
    void Promise.all([presetItems(services, extras), serviceItems(services, services.config.current.filter, lookups.token)]).then(([presets, svcs]) => {
      fixed = [...presets, ...svcs, ...historyItems(history)];
      if (!settled) refresh();
    });
  });
}

async function searchTraces(context: vscode.ExtensionContext, services: Services, extras: TraceSearchExtras, log: Logger, arg: unknown): Promise<string | undefined> {
  if (!(await ensureSource(services))) return undefined;
  const history = context.globalState.get<unknown>(HISTORY_KEY);
  const past = Array.isArray(history) ? history.filter((h): h is string => typeof h === 'string') : [];

  let outcome: { query: string; summaries: TraceSummary[]; window: TimeWindow } | undefined;
  const given = typeof arg === 'string' ? { query: arg } : typeof arg === 'object' && arg !== null && typeof (arg as SearchTracesArgs).query === 'string' ? (arg as SearchTracesArgs) : undefined;
  if (given !== undefined) {
    const problem = traceqlSyntaxProblem(given.query);
    if (problem !== null) {
      void vscode.window.showErrorMessage(`Tempo Lens: the query has a syntax error at line ${problem.line}, column ${problem.column}: ${problem.message}`);
      return undefined;
    }
    const def = windowFor(services.config.current.timeRange, Date.now());
    const window = { startMs: given.startMs ?? def.startMs, endMs: given.endMs ?? def.endMs };
    try {
      const summaries = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Tempo Lens: searching traces', cancellable: true },
        (_p, token) => runSearch(services, given.query, window, token),
      );
      outcome = { query: given.query, summaries, window };
    } catch (e) {
      const msg = describeSearchError(e);
      log.warn(`search ${given.query}: ${msg}`);
      void vscode.window.showErrorMessage(`Tempo Lens: search failed: ${msg}`);
      return undefined;
    }
  } else {
    outcome = await pickQuery(services, extras, past);
  }
  if (outcome === undefined) return undefined;
  await context.globalState.update(HISTORY_KEY, pushHistory(past, outcome.query));
  log.info(`search: ${outcome.summaries.length} trace(s) for ${outcome.query}`);
  const chosen = await pickResult(outcome.query, outcome.summaries);
  if (chosen === undefined) return undefined;
  const firstHit = chosen.spans[0]?.spanId;
  return openTraceById(services, log, chosen.traceId, { selectSpanId: firstHit, window: { startMs: chosen.startMs, endMs: chosen.startMs + chosen.durationMs } });
}

async function openTrace(services: Services, log: Logger, arg: unknown, opts: unknown): Promise<string | undefined> {
  let raw = typeof arg === 'string' ? arg : undefined;
  if (raw === undefined) {
    raw = await vscode.window.showInputBox({
      title: 'Tempo Lens: Open Trace by ID',
      prompt: 'Trace id (hex, with or without leading zeros)',
      placeHolder: '6b02480d000000000000000000000001',
      ignoreFocusOut: true,
      validateInput: (v) => {
        const r = normaliseTraceIdInput(v);
        return r.ok ? null : r.error;
      },
    });
    if (raw === undefined) return undefined;
  }
  const id = normaliseTraceIdInput(raw);
  if (!id.ok) {
    void vscode.window.showErrorMessage(`Tempo Lens: "${raw.slice(0, 64)}" is not a trace id. ${id.error}`);
    return undefined;
  }
  const o = typeof opts === 'object' && opts !== null ? (opts as Record<string, unknown>) : {};
  const sel = typeof opts === 'string' ? opts : o['selectSpanId'];
  return openTraceById(services, log, id.id, { selectSpanId: typeof sel === 'string' && /^[0-9a-f]{16}$/.test(sel) ? sel : undefined });
}

export function registerTraceSearch(context: vscode.ExtensionContext, services: Services, extras: TraceSearchExtras = {}): void {
  const log = services.log.child('traceSearch');
  context.subscriptions.push(
    vscode.commands.registerCommand('tempoLens.searchTraces', (arg?: unknown) => searchTraces(context, services, extras, log, arg)),
    registerTypedCommand('tempoLens.openTrace', (arg?: unknown, opts?: unknown) => openTrace(services, log, arg, opts)),
  );
}
