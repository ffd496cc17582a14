// Inline hints, gutter icons and overview-ruler marks on matched methods, in visible editors only.
import * as vscode from 'vscode';
import { hintModels, type HintLevel, type HintModel } from '../core/surfaces';
import type { Config } from '../host/config';
import type { StatsStore, SurfaceServices } from '../host/stats';

const DEBOUNCE_MS = 150;

type Level = HintLevel;

export class DecorationController implements vscode.Disposable {
  private readonly types: Record<Level, vscode.TextEditorDecorationType>;
  private readonly disposables: vscode.Disposable[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private cts: vscode.CancellationTokenSource | undefined;
  /** Editors we decorated, so that switching off clears them. */
  private readonly decorated = new Set<vscode.TextEditor>();
  /** What each decorated document shows now, by URI (read by the integration tests). */
  readonly applied = new Map<string, readonly HintModel[]>();

  constructor(private readonly store: StatsStore, private readonly config: Config, extensionUri: vscode.Uri) {
    // Created once: a decoration type per severity, reused for every editor and update.
    const make = (level: Level): vscode.TextEditorDecorationType =>
      vscode.window.createTextEditorDecorationType({
        gutterIconPath: vscode.Uri.joinPath(extensionUri, 'media', `gutter-${level}.svg`),
        gutterIconSize: '70%',
        overviewRulerColor: new vscode.ThemeColor(`tempoLens.severity.${level}`),
        overviewRulerLane: vscode.OverviewRulerLane.Right,
        isWholeLine: false,
        rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
        after: {
          color: new vscode.ThemeColor(level === 'info' ? 'tempoLens.hint.foreground' : `tempoLens.hint.${level}Foreground`),
          margin: '0 0 0 2em',
          fontStyle: 'italic',
        },
      });
    this.types = { info: make('info'), warning: make('warning'), error: make('error') };
    this.disposables.push(
      this.types.info,
      this.types.warning,
      this.types.error,
      store.onDidChange(() => this.schedule()),
      vscode.window.onDidChangeVisibleTextEditors(() => this.schedule()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length > 0 && vscode.window.visibleTextEditors.some((ed) => ed.document === e.document)) this.schedule();
      }),
      config.onDidChange((e) => {
        if (e.affects('inlineHints.enabled')) this.schedule();
      }),
    );
    this.schedule();
  }

  private schedule(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.update();
    }, DEBOUNCE_MS);
  }

  /** Applies decorations to every visible editor now (tests and the debounced path). */
  async update(): Promise<void> {
    this.cts?.cancel();
    const cts = new vscode.CancellationTokenSource();
    this.cts = cts;
    const enabled = this.config.current.inlineHints.enabled;
    const editors = vscode.window.visibleTextEditors;
    for (const ed of [...this.decorated]) {
      if (!editors.includes(ed) || !enabled) {
        this.clear(ed);
      }
    }
    if (!enabled) return;
    for (const editor of editors) {
      if (!this.store.hasEntries(editor.document)) {
        if (this.decorated.has(editor)) this.clear(editor);
        continue;
      }
      const entries = await this.store.forDocument(editor.document, cts.token);
      if (cts.token.isCancellationRequested) return;
      this.apply(editor, hintModels(entries.map((e) => ({ entry: e, nameRange: e.range0 }))));
    }
    cts.dispose();
    if (this.cts === cts) this.cts = undefined;
  }

  private apply(editor: vscode.TextEditor, decos: readonly HintModel[]): void {
    const sets: Record<Level, vscode.DecorationOptions[]> = { info: [], warning: [], error: [] };
    for (const d of decos) {
      if (d.line >= editor.document.lineCount) continue;
      const end = editor.document.lineAt(d.line).range.end;
      sets[d.level].push({ range: new vscode.Range(end, end), renderOptions: { after: { contentText: d.text } } });
    }
    for (const level of ['info', 'warning', 'error'] as const) editor.setDecorations(this.types[level], sets[level]);
    this.decorated.add(editor);
    this.applied.set(editor.document.uri.toString(), decos);
  }

  private clear(editor: vscode.TextEditor): void {
    for (const level of ['info', 'warning', 'error'] as const) editor.setDecorations(this.types[level], []);
    this.decorated.delete(editor);
    if (![...this.decorated].some((e) => e.document === editor.document)) this.applied.delete(editor.document.uri.toString());
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.cts?.cancel();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

export function registerDecorations(context: vscode.ExtensionContext, services: SurfaceServices): DecorationController {
  const c = new DecorationController(services.store, services.config, context.extensionUri);
  context.subscriptions.push(c);
  return c;
}
