// Quick fixes on Tempo Lens diagnostics, bound by diagnostic.code: "Open slowest trace", and the insight fixes (Add timeout, Enable cache sync) as WorkspaceEdits.
import * as vscode from 'vscode';
import type * as CacheSyncFix from '../core/fixes/cacheSync';
import type { BuildFileName, FixEvidence, FixFile, FixInput, FixResult } from '../core/fixes/fixModel';
import type * as TimeoutFix from '../core/fixes/timeout';
import { lazyRequire } from '../core/lazy';
import { suggestTimeoutMs } from '../core/insights/callerTimeout';
import type { DocumentEntry, FunctionFindings, StatsStore, SurfaceServices } from '../host/stats';
import type { FunctionStats } from '../shared/model';

const SOURCE = 'Tempo Lens';
const CODES = new Set(['slow', 'errors', 'caller-timeout', 'cache-stampede', 'n-plus-one']);
const TRACE_ID = /^[0-9a-f]{1,32}$/i;
/** Build and configuration files bigger than this are not read for a quick fix. */
const MAX_BUILD_FILE_BYTES = 512 * 1024;
/** The fix builders (45 KB) load with the first insight fix, not at activation (esbuild.mjs `seams`). */
const timeoutFix = lazyRequire(() => require('../core/fixes/timeout') as typeof TimeoutFix);
const cacheSyncFix = lazyRequire(() => require('../core/fixes/cacheSync') as typeof CacheSyncFix);

/** Where the trace detectors' evidence comes from (the insight runner). */
export interface FindingsSource {
  findingsFor(stats: Pick<FunctionStats, 'codeRef' | 'service'>): FunctionFindings | undefined;
}

function codeOf(d: vscode.Diagnostic): string | null {
  const c = typeof d.code === 'object' && d.code !== null ? d.code.value : d.code;
  return typeof c === 'string' ? c : typeof c === 'number' ? String(c) : null;
}

/** Files the recipes may read, relative to the module root (the folder with the build file). */
const BUILD_FILES: readonly (readonly [BuildFileName, string])[] = [
  ['pom.xml', 'pom.xml'],
  ['build.gradle', 'build.gradle'],
  ['build.gradle.kts', 'build.gradle.kts'],
  ['application.properties', 'src/main/resources/application.properties'],
  ['application.yml', 'src/main/resources/application.yml'],
  ['application.yaml', 'src/main/resources/application.yaml'],
  ['requirements.txt', 'requirements.txt'],
  ['pyproject.toml', 'pyproject.toml'],
  ['go.mod', 'go.mod'],
  ['package.json', 'package.json'],
];
const MODULE_MARKERS = ['pom.xml', 'build.gradle', 'build.gradle.kts', 'go.mod', 'package.json', 'pyproject.toml', 'requirements.txt'];

async function readSmall(uri: vscode.Uri): Promise<string | undefined> {
  try {
    const stat = await vscode.workspace.fs.stat(uri);
    if (stat.type !== vscode.FileType.File || stat.size > MAX_BUILD_FILE_BYTES) return undefined;
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    return open ? open.getText() : new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch {
    return undefined;
  }
}

/** The nearest ancestor folder (inside the workspace folder) holding a build file, and its build/config files. */
async function moduleFiles(document: vscode.TextDocument, token: vscode.CancellationToken): Promise<{ texts: Partial<Record<BuildFileName, string>>; uris: Map<string, vscode.Uri> }> {
  const texts: Partial<Record<BuildFileName, string>> = {};
  const uris = new Map<string, vscode.Uri>();
  const folder = vscode.workspace.getWorkspaceFolder(document.uri);
  if (!folder) return { texts, uris };
  let dir = vscode.Uri.joinPath(document.uri, '..');
  let root: vscode.Uri | undefined;
  let csproj: vscode.Uri | undefined;
  for (let guard = 0; guard < 32 && dir.path.startsWith(folder.uri.path); guard++) {
    // .NET projects are named after themselves (Acme.Fx.csproj): look the folder up instead.
    csproj = await csprojIn(dir);
    if (csproj) {
      root = dir;
      break;
    }
    for (const marker of MODULE_MARKERS) {
      if ((await readSmall(vscode.Uri.joinPath(dir, marker))) !== undefined) {
        root = dir;
        break;
      }
    }
    if (root || token.isCancellationRequested || dir.path === folder.uri.path) break;
    dir = vscode.Uri.joinPath(dir, '..');
  }
  root ??= folder.uri;
  for (const [name, rel] of BUILD_FILES) {
    const uri = vscode.Uri.joinPath(root, ...rel.split('/'));
    const text = await readSmall(uri);
    if (token.isCancellationRequested) break;
    if (text !== undefined) {
      texts[name] = text;
      uris.set(name, uri);
    }
  }
  const csprojText = csproj && (await readSmall(csproj));
  if (csproj && csprojText !== undefined) {
    texts['*.csproj'] = csprojText;
    uris.set('*.csproj', csproj);
  }
  return { texts, uris };
}

async function csprojIn(dir: vscode.Uri): Promise<vscode.Uri | undefined> {
  try {
    const entry = (await vscode.workspace.fs.readDirectory(dir)).find(([name, type]) => type === vscode.FileType.File && name.endsWith('.csproj'));
    return entry ? vscode.Uri.joinPath(dir, entry[0]) : undefined;
  } catch {
    return undefined;
  }
}

/** The fix recipes' answer for one insight diagnostic, or null when the method's declaration is unknown. */
export async function fixFor(document: vscode.TextDocument, entry: DocumentEntry, code: 'caller-timeout' | 'cache-stampede', findings: FunctionFindings | undefined, token: vscode.CancellationToken): Promise<{ result: FixResult; uris: Map<string, vscode.Uri> } | null> {
  const full = entry.fullRange0;
  if (!full) return null;
  const { texts, uris } = await moduleFiles(document, token);
  const limit = findings?.callerTimeout?.callerLimitMs ?? null;
  const evidence: FixEvidence = limit !== null ? { callerLimitMs: limit, suggestedTimeoutMs: suggestTimeoutMs(limit) } : {};
  const input: FixInput = {
    text: document.getText(),
    languageId: document.languageId,
    method: { name: entry.stats.codeRef.function, startLine: full.startLine, endLine: full.endLine },
    buildFiles: texts,
    evidence,
  };
  const result = code === 'caller-timeout' ? timeoutFix().addTimeoutFix(input) : cacheSyncFix().enableCacheSyncFix(input);
  return { result, uris };
}

/** Turns a recipe's edits into a WorkspaceEdit; edits to configuration files go to the files that were read. */
export function workspaceEditOf(document: vscode.TextDocument, result: Extract<FixResult, { kind: 'edit' }>, uris: ReadonlyMap<string, vscode.Uri>): vscode.WorkspaceEdit | null {
  const edit = new vscode.WorkspaceEdit();
  for (const e of result.edits) {
    const target = e.file === 'self' ? document.uri : uris.get(e.file satisfies FixFile);
    if (!target) return null;
    edit.replace(target, new vscode.Range(e.range.startLine, e.range.startCol, e.range.endLine, e.range.endCol), e.newText);
  }
  return edit;
}

export class TempoCodeActionProvider implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(private readonly store: StatsStore, private readonly findings?: FindingsSource) {}

  async provideCodeActions(document: vscode.TextDocument, _range: vscode.Range | vscode.Selection, context: vscode.CodeActionContext, token: vscode.CancellationToken): Promise<vscode.CodeAction[]> {
    const ours = context.diagnostics.filter((d) => d.source === SOURCE && CODES.has(codeOf(d) ?? ''));
    if (ours.length === 0 || !this.store.hasEntries(document)) return [];
    const entries = await this.store.forDocument(document, token);
    if (token.isCancellationRequested) return [];
    const actions: vscode.CodeAction[] = [];
    const seen = new Set<string>();
    for (const diag of ours) {
      const code = codeOf(diag) as string;
      const entry = entries.find((e) => e.nameRange.isEqual(diag.range)) ?? entries.find((e) => e.nameRange.intersection(diag.range) !== undefined);
      if (!entry) continue;
      if (code === 'caller-timeout' || code === 'cache-stampede') {
        const fix = await fixFor(document, entry, code, this.findings?.findingsFor(entry.stats), token);
        if (token.isCancellationRequested) return [];
        if (fix) actions.push(...this.fixActions(document, diag, fix.result, fix.uris));
      }
      // An N+1 finding's fix is reading its trace: its own "Open slowest trace", on the trace that shows the loop.
      if (code === 'n-plus-one') {
        actions.push(openSlowest(entry, diag, this.findings?.findingsFor(entry.stats)));
        continue;
      }
      // One "Open slowest trace" per method, whatever number of diagnostics it carries.
      const key = `${entry.stats.key}:${entry.nameRange.start.line}`;
      if (seen.has(key)) continue;
      seen.add(key);
      actions.push(openSlowest(entry, diag, this.findings?.findingsFor(entry.stats)));
    }
    return actions;
  }

  private fixActions(document: vscode.TextDocument, diag: vscode.Diagnostic, result: FixResult, uris: ReadonlyMap<string, vscode.Uri>): vscode.CodeAction[] {
    if (result.kind === 'edit') {
      const edit = workspaceEditOf(document, result, uris);
      if (!edit) return [];
      const a = new vscode.CodeAction(result.title, vscode.CodeActionKind.QuickFix);
      a.diagnostics = [diag];
      a.isPreferred = true;
      a.edit = edit;
      return [a];
    }
    // No safe edit: say why and point at the documentation instead of guessing.
    const a = new vscode.CodeAction(`${result.title} — not applied: ${result.reason} (open documentation)`, vscode.CodeActionKind.QuickFix);
    a.diagnostics = [diag];
    if (/^https:\/\//.test(result.docsUrl)) a.command = { title: 'Open documentation', command: 'vscode.open', arguments: [vscode.Uri.parse(result.docsUrl)] };
    return [a];
  }
}

function openSlowest(entry: DocumentEntry, diag: vscode.Diagnostic, findings: FunctionFindings | undefined): vscode.CodeAction {
  const a = new vscode.CodeAction('Open slowest trace', vscode.CodeActionKind.QuickFix);
  a.diagnostics = [diag];
  const code = codeOf(diag);
  // For an insight, the trace that shows it beats the slowest one.
  const evidence =
    code === 'caller-timeout' ? findings?.callerTimeout?.exampleTraceIds
    : code === 'cache-stampede' ? findings?.cacheStampede?.exampleTraceIds
    : code === 'n-plus-one' ? findings?.nPlusOne?.exampleTraceIds
    : undefined;
  const id = [...(evidence ?? []), ...entry.stats.exampleTraceIds].find((t) => TRACE_ID.test(t));
  a.command =
    id !== undefined
      ? { title: 'Open slowest trace', command: 'tempoLens.openTrace', arguments: [id.toLowerCase()] }
      : { title: 'Open slowest trace', command: 'tempoLens.showFunctionTraces', arguments: [entry.stats.codeRef, entry.stats.service] };
  return a;
}

export function registerCodeActions(context: vscode.ExtensionContext, services: SurfaceServices, findings?: FindingsSource): void {
  context.subscriptions.push(
    vscode.languages.registerCodeActionsProvider({ scheme: 'file' }, new TempoCodeActionProvider(services.store, findings), {
      providedCodeActionKinds: TempoCodeActionProvider.kinds,
    }),
  );
}
