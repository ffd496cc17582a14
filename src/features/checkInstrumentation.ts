// Tempo Lens: Check Instrumentation — why lenses do (not) show, as a read-only Markdown report in the preview; a status-bar hint when nothing is shown.
import * as vscode from 'vscode';
import { NO_HINTS } from '../core/codeRef';
import type { DoctorReport } from '../core/doctor';
import { doctorMarkdown } from '../core/doctorFormat';
import { escapeMarkdown } from '../core/markdown';
import { windowFor } from '../core/timeRange';
import type { StatsStore, SurfaceServices } from '../host/stats';
import type { WorkspaceIndex } from '../host/workspaceIndex';
import { runDoctor, type ExplainFunction } from '../tempo/doctor';

const COMMAND = 'tempoLens.checkInstrumentation';
const SCHEME = 'tempo-lens-report';
const REPORT_URI = vscode.Uri.from({ scheme: SCHEME, path: '/Check Instrumentation.md' });

/** What the command resolves to (tests read it; the user reads the preview). */
export interface CheckInstrumentationResult {
  readonly state: DoctorReport['state'] | 'not-connected' | 'failed';
  readonly uri: string;
  readonly markdown: string;
}

/**
 * Read-only documents of the generated reports: no "save changes?" when the preview closes. Each
 * report has a URI of its own, so an open preview never shows a stale one.
 */
class ReportDocuments implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private count = 0;
  add(text: string): vscode.Uri {
    const uri = REPORT_URI.with({ query: `report=${++this.count}` });
    this.texts.set(uri.toString(), text);
    // Only the last few are kept: older previews were replaced by newer ones.
    for (const k of this.texts.keys()) if (this.texts.size > 5) this.texts.delete(k);
    return uri;
  }
  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '# Tempo Lens: Check Instrumentation\n\nThis report is no longer available: run the command again.\n';
  }
}

/** True when the store loaded but no function landed on a workspace method: no lens anywhere. */
function nothingShown(store: StatsStore): boolean {
  return store.state.status === 'ready' && store.allFunctions().every((f) => f.location === null);
}

export function registerCheckInstrumentation(context: vscode.ExtensionContext, services: SurfaceServices, index: WorkspaceIndex): void {
  const docs = new ReportDocuments();
  const hint = vscode.window.createStatusBarItem('tempoLens.checkInstrumentation', vscode.StatusBarAlignment.Left, 9);
  hint.name = 'Tempo Lens: nothing shown';
  hint.text = '$(question) No lenses?';
  hint.tooltip = 'Tempo Lens loaded no function that maps to this workspace. Click to check the instrumentation.';
  hint.command = COMMAND;
  const updateHint = (): void => {
    const empty = nothingShown(services.store);
    if (empty) hint.show();
    else hint.hide();
  };
  updateHint();
  context.subscriptions.push(
    hint,
    vscode.workspace.registerTextDocumentContentProvider(SCHEME, docs),
    services.store.onDidChange(updateHint),
    vscode.commands.registerCommand(COMMAND, () => check(services, index, docs)),
  );
}

async function check(services: SurfaceServices, index: WorkspaceIndex, docs: ReportDocuments): Promise<CheckInstrumentationResult> {
  const c = services.config.current;
  let source;
  try {
    source = await services.sources.current();
  } catch (e) {
    const markdown = `# Tempo Lens: Check Instrumentation\n\nThe telemetry source could not start: ${escapeMarkdown(e instanceof Error ? e.message : String(e), 2000)}\n`;
    return { state: 'failed', uri: await show(docs, markdown), markdown };
  }
  if (source === null) {
    const markdown = '# Tempo Lens: Check Instrumentation\n\nTempo Lens is not connected: configure the connection (Tempo Lens: Configure Connection) or set `tempoLens.source` to `files` or `receiver`.\n';
    return { state: 'not-connected', uri: await show(docs, markdown), markdown };
  }
  const window = services.store.state.window ?? windowFor(c.timeRange, Date.now());
  const report = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Tempo Lens: checking instrumentation…', cancellable: true },
    async (_p, token) => {
      const ctl = new AbortController();
      const sub = token.onCancellationRequested(() => ctl.abort(new Error('cancelled')));
      try {
        const explain: ExplainFunction = async (ref, service) => index.explain(ref, service, NO_HINTS, token);
        return await runDoctor(source, { window, filter: c.filter }, vscode.workspace.workspaceFolders?.length ? explain : null, ctl.signal);
      } finally {
        sub.dispose();
      }
    },
  ).then(
    (r) => r,
    (e: unknown) => {
      const msg = services.log.redact(e instanceof Error ? e.message : String(e));
      services.log.warn(`Check Instrumentation failed: ${msg}`);
      return msg;
    },
  );
  if (typeof report === 'string') {
    const markdown = `# Tempo Lens: Check Instrumentation\n\nThe check could not run: ${escapeMarkdown(report, 2000)}\n`;
    return { state: 'failed', uri: await show(docs, markdown), markdown };
  }
  const markdown = doctorMarkdown(report, services.sources.label(source));
  return { state: report.state, uri: await show(docs, markdown), markdown };
}

async function show(docs: ReportDocuments, markdown: string): Promise<string> {
  const uri = docs.add(markdown);
  // Opened first, so the document exists before (and behind) the preview.
  await vscode.workspace.openTextDocument(uri);
  try {
    await vscode.commands.executeCommand('markdown.showPreview', uri);
  } catch {
    // The built-in Markdown extension can be disabled: the document itself is still readable.
    await vscode.window.showTextDocument(uri, { preview: true });
  }
  return uri.toString();
}
