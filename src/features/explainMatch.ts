// `Tempo Lens: Explain Match`: which code refs land on the method under the cursor and why, or where a given code ref lands and why.
import * as vscode from 'vscode';
import { codeRefFromAttributes, codeRefHintsFromAttributes, formatCodeRef, NO_HINTS, type CodeRefHints } from '../core/codeRef';
import { displaySymbol, expectedRefFor, type RankedCandidate, type SymbolInfo } from '../core/match';
import type { Attributes, CodeLocation, CodeRef } from '../shared/model';
import type { Services } from '../host/services';
import { WorkspaceIndex } from '../host/workspaceIndex';

/** A code reference seen in telemetry (the stats store feeds these), with its service. */
export interface ObservedRef {
  readonly codeRef: CodeRef;
  readonly service: string | null;
}

export interface ExplainMatchEntry {
  /** `argument`: passed to the command; `observed`: seen in telemetry; `expected`: what a runtime would report for this method. */
  readonly source: 'argument' | 'observed' | 'expected';
  readonly ref: CodeRef;
  readonly service: string | null;
  readonly location: CodeLocation | null;
  /** Symbol mode: whether this ref lands on the method under the cursor; null in ref mode. */
  readonly matchesSymbol: boolean | null;
  readonly reason: string;
  readonly candidates: readonly RankedCandidate[];
}

export interface ExplainMatchResult {
  readonly mode: 'symbol' | 'ref';
  /** The method under the cursor (symbol mode). */
  readonly symbol: { readonly file: string; readonly line: number; readonly name: string; readonly origin: string } | null;
  readonly entries: readonly ExplainMatchEntry[];
  /** Markdown shown to the user (trace data escaped). */
  readonly markdown: string;
  /** Set when there was nothing to explain (no editor, no symbol, no index). */
  readonly message: string | null;
}

export interface ExplainMatchOptions {
  /** The index to use (shared with other features); created and owned here when absent. */
  readonly index?: WorkspaceIndex;
  /** Code refs observed in telemetry (the stats store's functions). */
  readonly observed?: () => readonly ObservedRef[];
}

/** Arguments the command accepts (tests, other commands, links in hovers). */
type Arg =
  | undefined
  | string
  | vscode.Uri
  | { readonly codeRef?: CodeRef; readonly service?: string | null; readonly attributes?: Attributes; readonly observed?: readonly ObservedRef[]; readonly quiet?: boolean }
  | CodeRef
  | Attributes;

function escapeMd(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => `\\${c}`);
}

function isCodeRef(v: unknown): v is CodeRef {
  return typeof v === 'object' && v !== null && typeof (v as { function?: unknown }).function === 'string' && 'namespace' in v;
}

function innermost(symbols: readonly SymbolInfo[], line: number): SymbolInfo | null {
  const inside = symbols.filter((s) => s.fullRange.startLine <= line && line <= s.fullRange.endLine);
  const size = (s: SymbolInfo): number => s.fullRange.endLine - s.fullRange.startLine;
  const fns = inside.filter((s) => s.kind !== 'type').sort((a, b) => size(a) - size(b));
  if (fns.length > 0) return fns[0]!;
  return inside.sort((a, b) => size(a) - size(b))[0] ?? null;
}

export function registerExplainMatch(context: vscode.ExtensionContext, services: Services, opts: ExplainMatchOptions = {}): WorkspaceIndex {
  const index = opts.index ?? new WorkspaceIndex({ log: services.log.child('match'), pathMappings: () => services.config.current.pathMappings });
  if (!opts.index) context.subscriptions.push(index);
  context.subscriptions.push(
    services.config.onDidChange((e) => {
      if (e.affects('pathMappings')) index.updatePathMappings();
    }),
    vscode.commands.registerCommand('tempoLens.explainMatch', (arg?: Arg) => explainMatch(index, arg, opts.observed)),
  );
  return index;
}

async function explainRef(index: WorkspaceIndex, ref: CodeRef, service: string | null, hints: CodeRefHints, source: ExplainMatchEntry['source']): Promise<ExplainMatchEntry> {
  const cts = new vscode.CancellationTokenSource();
  const timer = setTimeout(() => cts.cancel(), 30_000);
  try {
    const r = await index.explain(ref, service, hints, cts.token);
    if (!r) return { source, ref, service, location: null, matchesSymbol: null, reason: 'No workspace folder on disk is open, so nothing can be matched.', candidates: [] };
    return { source, ref, service, location: r.location, matchesSymbol: null, reason: r.location?.reason ?? r.reason, candidates: r.candidates };
  } finally {
    clearTimeout(timer);
    cts.dispose();
  }
}

async function explainMatch(index: WorkspaceIndex, arg: Arg, observed: (() => readonly ObservedRef[]) | undefined): Promise<ExplainMatchResult> {
  const quiet = typeof arg === 'object' && arg !== null && !(arg instanceof vscode.Uri) && (arg as { quiet?: unknown }).quiet === true;
  const result = await compute(index, arg, observed);
  if (!quiet) present(result);
  return result;
}

async function compute(index: WorkspaceIndex, arg: Arg, observed: (() => readonly ObservedRef[]) | undefined): Promise<ExplainMatchResult> {
  // Ref mode: a code ref, attribute map or qualified name was passed.
  let ref: CodeRef | null = null;
  let service: string | null = null;
  let hints: CodeRefHints = NO_HINTS;
  if (typeof arg === 'string') ref = codeRefFromAttributes({ 'code.function.name': arg });
  else if (isCodeRef(arg)) ref = arg;
  else if (typeof arg === 'object' && arg !== null && !(arg instanceof vscode.Uri)) {
    const o = arg as { codeRef?: unknown; service?: unknown; attributes?: unknown };
    if (isCodeRef(o.codeRef)) ref = o.codeRef;
    else if (typeof o.attributes === 'object' && o.attributes !== null) {
      ref = codeRefFromAttributes(o.attributes as Attributes);
      hints = codeRefHintsFromAttributes(o.attributes as Attributes);
    } else if (Object.keys(arg).some((k) => k.startsWith('code.'))) {
      ref = codeRefFromAttributes(arg as Attributes);
      hints = codeRefHintsFromAttributes(arg as Attributes);
    }
    if (typeof o.service === 'string') service = o.service;
  }
  if (ref !== null) {
    const entry = await explainRef(index, ref, service, hints, 'argument');
    const md = `**${escapeMd(formatCodeRef(ref))}**\n\n${escapeMd(entry.reason)}`;
    return { mode: 'ref', symbol: null, entries: [entry], markdown: md, message: null };
  }

  // Symbol mode: the method under the cursor.
  const editor = vscode.window.activeTextEditor;
  if (!editor) return empty('Open a source file and put the cursor in a method to explain its match.');
  const doc = editor.document;
  const cts = new vscode.CancellationTokenSource();
  const timer = setTimeout(() => cts.cancel(), 30_000);
  let symbols;
  try {
    symbols = await index.symbolsOf(doc, cts.token);
  } finally {
    clearTimeout(timer);
    cts.dispose();
  }
  if (!symbols) return empty(`No symbols for ${doc.languageId} files: no bundled grammar and no language server provided document symbols.`);
  const sym = innermost(symbols.file.symbols, editor.selection.active.line);
  if (!sym) return empty('The cursor is not inside a function, method or type.');
  const origin = symbols.file.origin === 'language-server' ? 'language server (vscode.executeDocumentSymbolProvider)' : symbols.file.origin === 'scanner' ? 'Kotlin declaration scanner' : 'tree-sitter';
  const symLine = sym.nameRange.startLine + 1;
  const passed = typeof arg === 'object' && arg !== null && !(arg instanceof vscode.Uri) ? (arg as { observed?: readonly ObservedRef[] }).observed : undefined;
  const seen = [...(passed ?? []), ...(observed?.() ?? [])];
  const entries: ExplainMatchEntry[] = [];
  const keyOf = (r: CodeRef, s: string | null): string => `${formatCodeRef(r)}\u0000${s ?? ''}`;
  const done = new Set<string>();
  for (const o of seen) {
    // Only refs that could be about this method: same function name (after normalisation the matcher decides).
    if (!o.codeRef.function.includes(sym.name) && !(o.codeRef.namespace ?? '').includes(sym.name)) continue;
    const k = keyOf(o.codeRef, o.service);
    if (done.has(k)) continue;
    done.add(k);
    const e = await explainRef(index, o.codeRef, o.service, NO_HINTS, 'observed');
    entries.push({ ...e, matchesSymbol: e.location !== null && e.location.file === symbols.rel && e.location.line === symLine });
  }
  const expected = expectedRefFor(sym, { path: symbols.rel, jvmName: symbols.file.jvmName, goImportPath: symbols.goImportPath });
  if (expected && !done.has(keyOf(expected, null))) {
    const e = await explainRef(index, expected, null, NO_HINTS, 'expected');
    entries.push({ ...e, matchesSymbol: e.location !== null && e.location.file === symbols.rel && e.location.line === symLine });
  }
  const name = displaySymbol(sym);
  const lines = [`**${escapeMd(name)}** (${escapeMd(symbols.rel)}:${symLine}, symbols from ${escapeMd(origin)})`, ''];
  const matching = entries.filter((e) => e.source === 'observed' && e.matchesSymbol);
  if (seen.length > 0) lines.push(matching.length > 0 ? `${matching.length} observed code reference(s) land here:` : 'No observed code reference lands here.', '');
  for (const e of entries) {
    const tag = e.source === 'expected' ? 'A span reporting' : e.matchesSymbol ? '✓' : '✗';
    lines.push(`- ${tag} \`${escapeMd(formatCodeRef(e.ref))}\`${e.service ? ` (${escapeMd(e.service)})` : ''}: ${escapeMd(e.reason)}`);
  }
  return { mode: 'symbol', symbol: { file: symbols.rel, line: symLine, name, origin }, entries, markdown: lines.join('\n'), message: null };
}

function empty(message: string): ExplainMatchResult {
  return { mode: 'symbol', symbol: null, entries: [], markdown: escapeMd(message), message };
}

/** QuickPick of the entries (not awaited: the command returns its result at once); picking one opens its location. */
function present(result: ExplainMatchResult): void {
  if (result.message !== null) {
    void vscode.window.showInformationMessage(`Tempo Lens: ${result.message}`);
    return;
  }
  type Item = vscode.QuickPickItem & { location: CodeLocation | null };
  const items: Item[] = [];
  for (const e of result.entries) {
    items.push({
      label: `${e.matchesSymbol === false ? '$(close)' : e.location ? '$(check)' : '$(circle-slash)'} ${formatCodeRef(e.ref)}`,
      description: e.location ? `${e.location.file}:${e.location.line} · confidence ${e.location.confidence}` : 'no match',
      detail: e.reason,
      location: e.location,
    });
    for (const c of e.candidates.filter((q) => !q.accepted).slice(0, 5)) {
      items.push({ label: `    $(debug-stackframe-dot) ${c.symbol}`, description: `${c.file}:${c.line}`, detail: `rejected: ${c.why}`, location: { file: c.file, line: c.line, symbol: c.symbol, confidence: 0, reason: c.why } });
    }
  }
  const qp = vscode.window.createQuickPick<Item>();
  qp.title = result.symbol ? `Explain Match: ${result.symbol.name}` : 'Explain Match';
  qp.matchOnDetail = true;
  qp.items = items;
  qp.onDidAccept(() => {
    const loc = qp.selectedItems[0]?.location;
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (loc && folder) {
      const uri = vscode.Uri.joinPath(folder.uri, loc.file);
      void vscode.window.showTextDocument(uri, { selection: new vscode.Range(loc.line - 1, 0, loc.line - 1, 0) });
    }
    qp.hide();
  });
  qp.onDidHide(() => qp.dispose());
  qp.show();
}
