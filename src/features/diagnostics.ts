// Problems-panel diagnostics (`Tempo Lens`, codes slow/errors/caller-timeout/cache-stampede/n-plus-one) for the methods of open files.
import * as vscode from 'vscode';
import type { Thresholds } from '../core/format';
import { thresholdInsights } from '../core/insights/thresholds';
import { truncate } from '../core/markdown';
import type { Insight } from '../shared/model';
import type { Config } from '../host/config';
import type { DocumentEntry, StatsStore, SurfaceServices } from '../host/stats';

export const DIAGNOSTIC_SOURCE = 'Tempo Lens';
export type DiagnosticCode = Insight['kind'];

const DEBOUNCE_MS = 300;

/** Flattens untrusted text for a plain-text diagnostic message. */
function plain(text: string, max: number): string {
  return truncate(text.replace(/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]+/g, ' ').trim(), max);
}

export interface DiagnosticSpec {
  readonly code: DiagnosticCode;
  readonly message: string;
  readonly entry: DocumentEntry;
}

/** Pure part: which findings a document's entries produce against the thresholds (same wording as the CLI). */
export function findingsFor(entries: readonly DocumentEntry[], thresholds: Thresholds): DiagnosticSpec[] {
  const out: DiagnosticSpec[] = [];
  for (const e of entries) {
    const where = `${e.location.symbol}${e.stats.service ? ` (${e.stats.service})` : ''}`;
    for (const i of thresholdInsights(e.stats, thresholds)) {
      if (i.kind === 'slow' || i.kind === 'errors') out.push({ code: i.kind, entry: e, message: `${plain(where, 120)}: ${plain(i.message, 400)}` });
    }
  }
  return out;
}

/** Findings from trace analysis (caller-timeout, cache-stampede) for an entry, when a detector ran. */
export interface InsightSource {
  insightsFor(entry: DocumentEntry): readonly Insight[];
  readonly onDidChange: vscode.Event<void>;
}

export class DiagnosticsController implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('tempoLens');
  private readonly disposables: vscode.Disposable[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly pending = new Set<vscode.TextDocument>();
  private cts = new vscode.CancellationTokenSource();

  constructor(private readonly store: StatsStore, private readonly config: Config, private readonly insights?: InsightSource) {
    this.disposables.push(
      this.collection,
      store.onDidChange(() => this.scheduleAll()),
      vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length > 0 && this.store.hasEntries(e.document)) this.schedule(e.document);
      }),
      vscode.workspace.onDidCloseTextDocument((d) => {
        this.pending.delete(d);
        this.collection.delete(d.uri);
      }),
      config.onDidChange((e) => {
        if (e.affects('diagnostics.enabled')) this.scheduleAll();
      }),
    );
    if (insights) this.disposables.push(insights.onDidChange(() => this.scheduleAll()));
    this.scheduleAll();
  }

  private scheduleAll(): void {
    for (const d of vscode.workspace.textDocuments) this.pending.add(d);
    // Files that had diagnostics but no longer have figures must be cleared too.
    this.collection.forEach((uri) => {
      if (!vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString())) this.collection.delete(uri);
    });
    this.kick();
  }

  private schedule(document: vscode.TextDocument): void {
    this.pending.add(document);
    this.kick();
  }

  private kick(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, DEBOUNCE_MS);
  }

  /** Recomputes the diagnostics of every open document now. */
  async updateAll(): Promise<void> {
    for (const d of vscode.workspace.textDocuments) this.pending.add(d);
    await this.flush();
  }

  private async flush(): Promise<void> {
    this.cts.cancel();
    this.cts.dispose();
    const cts = new vscode.CancellationTokenSource();
    this.cts = cts;
    const docs = [...this.pending];
    this.pending.clear();
    const enabled = this.config.current.diagnostics.enabled;
    for (const doc of docs) {
      if (!enabled || doc.isClosed || !this.store.hasEntries(doc)) {
        this.collection.delete(doc.uri);
        continue;
      }
      const entries = await this.store.forDocument(doc, cts.token);
      if (cts.token.isCancellationRequested) {
        // Superseded: hand what this flush did not finish to the next one.
        for (const d of docs) this.pending.add(d);
        this.kick();
        return;
      }
      if (doc.isClosed) continue;
      this.collection.set(doc.uri, this.diagnosticsFor(entries));
    }
  }

  private diagnosticsFor(entries: readonly DocumentEntry[]): vscode.Diagnostic[] {
    const out: vscode.Diagnostic[] = [];
    for (const f of findingsFor(entries, this.store.thresholds)) out.push(make(f.entry, f.code, f.message));
    if (this.insights) {
      for (const e of entries) {
        for (const i of this.insights.insightsFor(e)) {
          if (i.kind === 'caller-timeout' || i.kind === 'cache-stampede' || i.kind === 'n-plus-one') out.push(make(e, i.kind, plain(i.message, 400)));
        }
      }
    }
    return out;
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.cts.cancel();
    this.cts.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

function make(entry: DocumentEntry, code: DiagnosticCode, message: string): vscode.Diagnostic {
  const d = new vscode.Diagnostic(entry.nameRange, message, vscode.DiagnosticSeverity.Warning);
  d.source = DIAGNOSTIC_SOURCE;
  d.code = code;
  return d;
}

export function registerDiagnostics(context: vscode.ExtensionContext, services: SurfaceServices, insights?: InsightSource): DiagnosticsController {
  const c = new DiagnosticsController(services.store, services.config, insights);
  context.subscriptions.push(c);
  return c;
}
