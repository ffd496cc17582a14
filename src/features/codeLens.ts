// CodeLens above matched methods: controller (registration, enablement, refresh events) and provider (titles from the store).
import * as vscode from 'vscode';
import { lensModels } from '../core/surfaces';
import type { Config } from '../host/config';
import type { DocumentEntry, StatsStore, SurfaceServices } from '../host/stats';

export const SHOW_FUNCTION_TRACES = 'tempoLens.showFunctionTraces';

/** Lens ranges, titles and arguments from resolved entries (titles from core/surfaces). */
export function lensesFor(entries: readonly DocumentEntry[], store: Pick<StatsStore, 'thresholds' | 'state'>): vscode.CodeLens[] {
  const models = lensModels(entries.map((e) => ({ entry: e, nameRange: e.range0 })), store.thresholds);
  // After a failed refresh the last figures stay, marked as such (they still name their window).
  const error = store.state.error;
  const stale = error !== null ? ` · stale` : '';
  const why = error !== null ? `\nThe last refresh failed (${error.message.slice(0, 200)}); these figures are from the previous one.` : '';
  return models.map((m, i) => {
    const e = entries[i] as DocumentEntry;
    // Above the first annotation/decorator/attribute, where the editor's own lenses sit (not between `@Cacheable` and the signature).
    const top = e.fullRange0 !== null && e.fullRange0.startLine < e.nameRange.start.line
      ? new vscode.Range(e.fullRange0.startLine, e.fullRange0.startCol, e.fullRange0.startLine, e.fullRange0.startCol)
      : e.nameRange;
    return new vscode.CodeLens(top, { title: m.title + stale, tooltip: m.tooltip + why, command: SHOW_FUNCTION_TRACES, arguments: [e.stats.codeRef, e.stats.service] });
  });
}

export class TempoCodeLensProvider implements vscode.CodeLensProvider {
  private readonly _onDidChange = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this._onDidChange.event;

  constructor(private readonly store: StatsStore) {}

  refresh(): void {
    this._onDidChange.fire();
  }

  async provideCodeLenses(document: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
    if (!this.store.hasEntries(document)) return [];
    const entries = await this.store.forDocument(document, token);
    if (token.isCancellationRequested) return [];
    return lensesFor(entries, this.store);
  }

  dispose(): void {
    this._onDidChange.dispose();
  }
}

/** Registers the provider while `tempoLens.codeLens.enabled` is on and re-queries lenses on store changes. */
export class CodeLensController implements vscode.Disposable {
  private registration: vscode.Disposable | undefined;
  private provider: TempoCodeLensProvider | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly store: StatsStore, private readonly config: Config) {
    this.disposables.push(
      config.onDidChange((e) => {
        if (e.affects('codeLens.enabled')) this.apply();
      }),
      store.onDidChange(() => this.provider?.refresh()),
    );
    this.apply();
  }

  private apply(): void {
    const enabled = this.config.current.codeLens.enabled;
    if (enabled && !this.registration) {
      this.provider = new TempoCodeLensProvider(this.store);
      this.registration = vscode.Disposable.from(vscode.languages.registerCodeLensProvider({ scheme: 'file' }, this.provider), this.provider);
    } else if (!enabled && this.registration) {
      this.registration.dispose();
      this.registration = undefined;
      this.provider = undefined;
    }
  }

  dispose(): void {
    this.registration?.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

export function registerCodeLens(context: vscode.ExtensionContext, services: SurfaceServices): void {
  context.subscriptions.push(new CodeLensController(services.store, services.config));
}
