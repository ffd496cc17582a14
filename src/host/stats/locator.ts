// Matching and symbols for the store through the shared VS Code workspace index (the mapping worker); re-maps when the index or the path mappings change.
import * as vscode from 'vscode';
import type { CodeLocation, CodeRef } from '../../shared/model';
import { displaySymbol, expectedRefFor, type Range0, type SymbolInfo } from '../../core/match';
import { NO_HINTS } from '../../core/codeRef';
import type { WorkspaceIndex } from '../workspaceIndex';
import type { Services } from '../services';
import { toRange, type DocumentEntry, type StatsStore, type StoreLocator, type StoreSymbol, type StoreSymbols } from './store';

function toStoreSymbol(s: SymbolInfo): StoreSymbol {
  // displaySymbol is how the matcher spells CodeLocation.symbol: pairing is by equal strings.
  return { name: s.name, qualifiedName: displaySymbol(s), nameRange: toRange(s.nameRange), fullRange: toRange(s.fullRange) };
}

/**
 * Matching and symbols through the shared VS Code workspace index (open documents from memory,
 * files.exclude honoured). Source files created, deleted or changed on disk (the index's change
 * event), or new path mappings, re-map the current figures (debounced) without refetching them.
 */
export class IndexLocator implements StoreLocator, StoreSymbols, vscode.Disposable {
  private readonly _onDidChange = new vscode.EventEmitter<void>();
  readonly onDidChange = this._onDidChange.event;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly index: WorkspaceIndex, services: Services) {
    this.disposables.push(
      this._onDidChange,
      index.onDidChange(() => this.changed()),
      services.config.onDidChange((e) => {
        if (!e.affects('pathMappings')) return;
        index.updatePathMappings();
        this.changed();
      }),
    );
  }

  private changed(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this._onDidChange.fire();
    }, 2000);
  }

  async locate(ref: CodeRef, service: string | null, signal: AbortSignal): Promise<{ location: CodeLocation | null; reason: string }> {
    const cts = new vscode.CancellationTokenSource();
    const onAbort = (): void => cts.cancel();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const r = await this.index.explain(ref, service, NO_HINTS, cts.token);
      if (!r) return { location: null, reason: signal.aborted ? 'cancelled' : 'no local workspace folder is indexed' };
      return { location: r.location, reason: r.location?.reason ?? r.reason };
    } finally {
      signal.removeEventListener('abort', onAbort);
      cts.dispose();
    }
  }

  async locateAll(refs: readonly { readonly ref: CodeRef; readonly service: string | null }[], signal: AbortSignal): Promise<{ location: CodeLocation | null; reason: string }[]> {
    const r = await this.index.locateAll(refs, signal);
    if (!r) return refs.map(() => ({ location: null, reason: 'no local workspace folder is indexed' }));
    return r.map((x) => ({ location: x.location, reason: x.location?.reason ?? x.reason }));
  }

  async symbolsOf(document: vscode.TextDocument, token: vscode.CancellationToken): Promise<readonly StoreSymbol[]> {
    const r = await this.index.symbolsOf(document, token);
    if (!r || token.isCancellationRequested) return [];
    return r.file.symbols.filter((s) => s.kind !== 'type').map(toStoreSymbol);
  }

  /**
   * The method under the cursor as a code reference: the observed one (with its service) when the
   * store mapped figures onto it, else the reference a runtime would report for it.
   */
  async codeRefAt(store: StatsStore, document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<{ ref: CodeRef; service: string | null } | null> {
    const entries = await store.forDocument(document, token);
    if (token.isCancellationRequested) return null;
    const line = position.line;
    const size = (r: Range0): number => r.endLine - r.startLine;
    let best: DocumentEntry | null = null;
    for (const e of entries) {
      const r = e.fullRange0 ?? e.range0;
      if (r.startLine <= line && line <= r.endLine && (best === null || size(r) < size(best.fullRange0 ?? best.range0))) best = e;
    }
    if (best !== null) return { ref: best.stats.codeRef, service: best.stats.service };
    const symbols = await this.index.symbolsOf(document, token);
    if (!symbols || token.isCancellationRequested) return null;
    let sym: SymbolInfo | null = null;
    for (const s of symbols.file.symbols) {
      if (s.kind === 'type' || s.fullRange.startLine > line || line > s.fullRange.endLine) continue;
      if (sym === null || size(s.fullRange) < size(sym.fullRange)) sym = s;
    }
    if (sym === null) return null;
    const ref = expectedRefFor(sym, { path: symbols.rel, jvmName: symbols.file.jvmName, goImportPath: symbols.goImportPath });
    return ref !== null ? { ref, service: null } : null;
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

