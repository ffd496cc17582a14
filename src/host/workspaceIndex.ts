// VS Code workspace index: source files from findFiles (files.exclude honoured), kept current by a watcher (with a change event); extraction and matching run in the mapping worker, unsaved buffers are sent to it.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { NO_HINTS, type CodeRefHints } from '../core/codeRef';
import { sourceGlob } from '../core/lang/registry';
import type { ContainerKind, FileSymbols, Range0, SourceLanguage, SymbolContainer, SymbolInfo } from '../core/match';
import type { CodeRef } from '../shared/model';
import { MapWorkerClient, type LocateRequest } from '../symbols/mapClient';
import { SKIPPED_DIRS, type ExplainResult, type PathMapping } from '../symbols/resolver';
import { languageOfPath } from '../symbols/types';
import type { Logger } from './log';

const SOURCE_GLOB = sourceGlob();
/** Upper bound of indexed files; a larger workspace is indexed partially (and says so in the log). */
const MAX_FILES = 200_000;
/** The index is built once; a findFiles that takes longer than this gives up (bounded like every async path). */
const BUILD_TIMEOUT_MS = 60_000;

export interface WorkspaceIndexOptions {
  readonly log: Logger;
  readonly pathMappings: () => readonly PathMapping[];
}

/** Source files (workspace-relative, `/`) that appeared, disappeared or changed on disk since the last event. */
export interface IndexChange {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly string[];
  /** The workspace folders changed: the whole index is rebuilt on next use. */
  readonly reset: boolean;
}

/** Watcher events arrive in bursts (a branch switch, a build): one event per quiet period. */
const CHANGE_BATCH_MS = 300;

/** The symbols of one document, with where they came from (tree-sitter, Kotlin scanner or a language server). */
export interface DocumentSymbols {
  readonly rel: string;
  readonly file: FileSymbols;
  readonly goImportPath: string | null;
}

function skipped(rel: string): boolean {
  return rel.split('/').some((seg, i, all) => i < all.length - 1 && (SKIPPED_DIRS.has(seg) || seg.startsWith('.')));
}

/** The version key of a document's text (the same text → the same key, so the worker's cache answers). */
function docVersion(d: vscode.TextDocument): string {
  return d.isDirty ? `doc:${d.version}` : `doc:${d.version}:saved`;
}

const KIND_MAP: Partial<Record<vscode.SymbolKind, ContainerKind>> = {
  [vscode.SymbolKind.Class]: 'type', [vscode.SymbolKind.Interface]: 'type', [vscode.SymbolKind.Struct]: 'type',
  [vscode.SymbolKind.Enum]: 'type', [vscode.SymbolKind.Module]: 'module', [vscode.SymbolKind.Namespace]: 'module',
  [vscode.SymbolKind.Package]: 'module', [vscode.SymbolKind.Object]: 'type',
};

function range0(r: vscode.Range): Range0 {
  return { startLine: r.start.line, startCol: r.start.character, endLine: r.end.line, endCol: r.end.character };
}

/** DocumentSymbol tree → matcher symbols (for languages without an extractor). */
export function fromDocumentSymbols(symbols: readonly vscode.DocumentSymbol[], language: SourceLanguage): SymbolInfo[] {
  const out: SymbolInfo[] = [];
  const walk = (list: readonly vscode.DocumentSymbol[], containers: SymbolContainer[]): void => {
    for (const s of list) {
      const ck = KIND_MAP[s.kind];
      const isFn = s.kind === vscode.SymbolKind.Function || s.kind === vscode.SymbolKind.Method || s.kind === vscode.SymbolKind.Constructor;
      const name = s.name.replace(/\(.*$/s, '').trim();
      if (isFn || ck) {
        out.push({
          name, kind: ck ? 'type' : s.kind === vscode.SymbolKind.Constructor ? 'constructor' : containers.length > 0 ? 'method' : 'function',
          containers: [...containers], namespace: null, nameRange: range0(s.selectionRange), fullRange: range0(s.range),
          params: [], annotations: [], language, isStatic: false, arity: 0,
        });
      }
      walk(s.children, ck ? [...containers, { kind: ck, name }] : isFn ? [...containers, { kind: 'function', name }] : containers);
    }
  };
  walk(symbols, []);
  return out;
}

export class WorkspaceIndex implements vscode.Disposable {
  private client: MapWorkerClient | null = null;
  private building: Promise<MapWorkerClient | null> | null = null;
  /** Documents edited since their text was last sent to the worker (sent before the next lookup). */
  private readonly edited = new Set<vscode.TextDocument>();
  /** Last symbols per document, by version: the surfaces ask often, the worker is asked once per version. */
  private readonly docSymbols = new Map<string, { readonly version: string; readonly value: Promise<DocumentSymbols | null> }>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly controller = new AbortController();
  private readonly _onDidChange = new vscode.EventEmitter<IndexChange>();
  /**
   * Fires (batched) when indexed source files are added, removed or changed on disk, or the
   * workspace folders change: matches computed before may now land elsewhere. Unsaved edits do
   * not fire it (they are read from memory on the next lookup).
   */
  readonly onDidChange = this._onDidChange.event;
  private pending = { added: new Set<string>(), removed: new Set<string>(), changed: new Set<string>(), reset: false };
  private batchTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly opts: WorkspaceIndexOptions) {
    const watcher = vscode.workspace.createFileSystemWatcher(SOURCE_GLOB);
    this.disposables.push(
      watcher,
      this._onDidChange,
      watcher.onDidCreate((u) => this.withRel(u, (c, rel) => {
        if (skipped(rel)) return;
        c.filesChanged([rel], [], []);
        this.note('added', rel);
      })),
      watcher.onDidDelete((u) => this.withRel(u, (c, rel) => {
        c.filesChanged([], [rel], []);
        this.note('removed', rel);
      })),
      watcher.onDidChange((u) => this.withRel(u, (c, rel) => {
        c.filesChanged([], [], [rel]);
        this.note('changed', rel);
      })),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document.uri.scheme === 'file') this.edited.add(e.document);
      }),
      vscode.workspace.onDidSaveTextDocument((d) => this.edited.add(d)),
      vscode.workspace.onDidCloseTextDocument((d) => this.edited.add(d)),
      vscode.workspace.onDidChangeWorkspaceFolders(() => {
        this.reset();
        this.pending.reset = true;
        this.schedule();
      }),
    );
  }

  private note(kind: 'added' | 'removed' | 'changed', rel: string): void {
    this.pending[kind].add(rel);
    this.schedule();
  }

  private schedule(): void {
    if (this.batchTimer !== undefined) clearTimeout(this.batchTimer);
    this.batchTimer = setTimeout(() => {
      this.batchTimer = undefined;
      const p = this.pending;
      this.pending = { added: new Set(), removed: new Set(), changed: new Set(), reset: false };
      this._onDidChange.fire({ added: [...p.added], removed: [...p.removed], changed: [...p.changed], reset: p.reset });
    }, CHANGE_BATCH_MS);
  }

  /** Absolute root of the indexed folder (the first workspace folder on disk), or null. */
  get root(): string | null {
    const f = vscode.workspace.workspaceFolders?.find((w) => w.uri.scheme === 'file');
    return f ? f.uri.fsPath : null;
  }

  private withRel(uri: vscode.Uri, fn: (c: MapWorkerClient, rel: string) => void): void {
    const root = this.root;
    if (!this.client || !root || uri.scheme !== 'file') return;
    const rel = path.relative(root, uri.fsPath).split(path.sep).join('/');
    if (rel.startsWith('..') || path.isAbsolute(rel)) return;
    fn(this.client, rel);
  }

  private reset(): void {
    const old = this.client;
    this.client = null;
    this.building = null;
    this.docSymbols.clear();
    void old?.dispose();
  }

  /** Unsaved buffers replace the disk text in the worker; saved or closed ones go back to the disk. */
  private flushEdits(c: MapWorkerClient): void {
    for (const d of this.edited) {
      const rel = this.relative(d.uri);
      if (rel === null) continue;
      c.setOverlay(rel, d.isDirty && !d.isClosed ? d.getText() : null, docVersion(d));
    }
    this.edited.clear();
  }

  /** Workspace-relative path with `/`, or null when outside the indexed folder. */
  relative(uri: vscode.Uri): string | null {
    const root = this.root;
    if (!root || uri.scheme !== 'file') return null;
    const rel = path.relative(root, uri.fsPath).split(path.sep).join('/');
    return rel.startsWith('..') || path.isAbsolute(rel) ? null : rel;
  }

  /** Builds the file index once (findFiles honours files.exclude) and starts the worker on it; later calls share the result. */
  ready(token?: vscode.CancellationToken): Promise<MapWorkerClient | null> {
    // A worker that crashed (out of memory, a grammar fault) is replaced on the next lookup.
    if (this.client !== null && !this.client.alive) {
      this.opts.log.warn('mapping worker stopped; starting a new one');
      this.reset();
    }
    this.building ??= this.build().catch((e: unknown) => {
      this.opts.log.warn(`workspace index failed: ${e instanceof Error ? e.message : String(e)}`);
      this.building = null;
      return null;
    });
    if (!token) return this.building;
    return Promise.race([
      this.building,
      new Promise<null>((resolve) => token.onCancellationRequested(() => resolve(null))),
    ]);
  }

  private async build(): Promise<MapWorkerClient | null> {
    const root = this.root;
    if (!root) return null;
    const started = Date.now();
    const cts = new vscode.CancellationTokenSource();
    const timer = setTimeout(() => cts.cancel(), BUILD_TIMEOUT_MS);
    try {
      // `exclude` undefined: the files.exclude setting applies; dependency/build folders are dropped below.
      const [sources, goMods, tsconfigs] = await Promise.all([
        vscode.workspace.findFiles(SOURCE_GLOB, undefined, MAX_FILES, cts.token),
        vscode.workspace.findFiles('**/go.mod', undefined, 1000, cts.token),
        vscode.workspace.findFiles('**/tsconfig*.json', undefined, 1000, cts.token),
      ]);
      const rels = (list: readonly vscode.Uri[]): string[] => list.map((u) => this.relative(u)).filter((r): r is string => r !== null && !skipped(r));
      const client = await MapWorkerClient.fromFiles(root, rels(sources), { goMods: rels(goMods), tsconfigs: rels(tsconfigs), pathMappings: this.opts.pathMappings() });
      if (this.controller.signal.aborted) {
        await client.dispose();
        return null;
      }
      this.client = client;
      this.opts.log.info(`workspace index: ${client.fileCount} source files in ${Date.now() - started} ms (mapping runs in a worker thread)`);
      return client;
    } finally {
      clearTimeout(timer);
      cts.dispose();
    }
  }

  /** Applies new `tempoLens.pathMappings`. */
  updatePathMappings(): void {
    this.client?.setPathMappings(this.opts.pathMappings());
  }

  /**
   * Symbols of a document from its in-memory text: tree-sitter/Kotlin scanner (in the worker) when
   * the language has one, else the language server's document symbols
   * (`vscode.executeDocumentSymbolProvider`).
   */
  async symbolsOf(document: vscode.TextDocument, token?: vscode.CancellationToken): Promise<DocumentSymbols | null> {
    const client = await this.ready(token);
    const rel = this.relative(document.uri) ?? document.uri.fsPath.split(path.sep).join('/');
    const lang = languageOfPath(rel);
    if (lang !== null) {
      if (!client) return null;
      const version = docVersion(document);
      const hit = this.docSymbols.get(rel);
      if (hit && hit.version === version) return hit.value;
      const value = client.symbols(rel, document.getText(), version).then(({ file, goImportPath }) => (file ? { rel, file, goImportPath } : null));
      this.docSymbols.set(rel, { version, value });
      value.catch(() => this.docSymbols.delete(rel));
      return value;
    }
    const ls = await vscode.commands.executeCommand<vscode.DocumentSymbol[] | undefined>('vscode.executeDocumentSymbolProvider', document.uri);
    if (!ls || ls.length === 0 || !('children' in ls[0]!)) return null;
    const file: FileSymbols = { language: 'other', jvmName: null, symbols: fromDocumentSymbols(ls, 'other'), origin: 'language-server' };
    client?.setExternalSymbols(rel, file);
    return { rel, file, goImportPath: null };
  }

  /** Where a code reference lands, with candidates and the reason. */
  async explain(ref: CodeRef, service: string | null, hints: CodeRefHints = NO_HINTS, token?: vscode.CancellationToken): Promise<ExplainResult | null> {
    const client = await this.ready(token);
    if (!client) return null;
    await this.prefetchLanguageServerSymbols(ref);
    this.flushEdits(client);
    const ctl = new AbortController();
    const sub = token?.onCancellationRequested(() => ctl.abort());
    try {
      return await this.fileFallback(ref, await client.explain(ref, service, hints, ctl.signal));
    } finally {
      sub?.dispose();
    }
  }

  /** A batch of references resolved in the worker (one round trip, results in chunks); rejects with AbortError when `signal` fires. */
  async locateAll(items: readonly LocateRequest[], signal: AbortSignal): Promise<ExplainResult[] | null> {
    const client = await this.ready();
    if (!client) return null;
    signal.throwIfAborted();
    this.flushEdits(client);
    return client.locateAll(items, signal);
  }

  /** For a `code.file.path` in a language without an extractor, ask the language server once. */
  private async prefetchLanguageServerSymbols(ref: CodeRef): Promise<void> {
    if (ref.filePath === null || languageOfPath(ref.filePath) !== null) return;
    const uri = await this.uniqueFileFor(ref.filePath);
    if (uri) await this.symbolsOf(await vscode.workspace.openTextDocument(uri));
  }

  /** The one workspace file whose trailing path components match `filePath` (longest suffix first); null when none or several. */
  private async uniqueFileFor(filePath: string): Promise<vscode.Uri | null> {
    if (this.root === null) return null;
    const comps = filePath.replace(/\\/g, '/').split('/').filter((c) => c !== '' && c !== '.');
    for (let k = Math.min(comps.length, 6); k >= 1; k--) {
      const found = await vscode.workspace.findFiles(`**/${comps.slice(comps.length - k).join('/')}`, undefined, 2);
      if (found.length === 1) return this.relative(found[0]!) !== null ? found[0]! : null;
      if (found.length > 1) return null;
    }
    return null;
  }

  /**
   * "Go to code" for a language with neither an extractor nor a language server: the file named by
   * `code.file.path` (when it is a workspace file) at `code.line.number`, said to be a plain file
   * position rather than a matched method.
   */
  private async fileFallback(ref: CodeRef, r: ExplainResult): Promise<ExplainResult> {
    if (r.location !== null || ref.filePath === null || languageOfPath(ref.filePath) !== null) return r;
    const uri = await this.uniqueFileFor(ref.filePath);
    const rel = uri ? this.relative(uri) : null;
    if (rel === null) return r;
    const reason = `${ref.filePath} is ${rel} in this workspace; no symbol extractor or language server knows its language, so this is the reported line ${ref.line ?? 1}, not a matched method.`;
    return { ...r, location: { file: rel, line: ref.line ?? 1, symbol: ref.function, confidence: 0.5, reason }, reason };
  }

  dispose(): void {
    if (this.batchTimer !== undefined) clearTimeout(this.batchTimer);
    this.controller.abort();
    this.reset();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
