// The "Hot spots" tree in the Tempo Lens activity-bar container: slowest / most erroring functions by service, unmatched ones apart.
import * as vscode from 'vscode';
import { formatCodeRef } from '../core/codeRef';
import { formatPercent, formatQuantile, formatRate, formatWindowLength, type Severity } from '../core/format';
import type { LocatedFunction, StatsStore, SurfaceServices } from '../host/stats';

export const HOTSPOTS_VIEW = 'tempoLens.hotspots';
/** Functions listed per service: the worst ones, not the whole snapshot. */
const PER_SERVICE = 25;
const UNMATCHED_MAX = 100;

export type HotspotNode =
  | { readonly type: 'service'; readonly service: string; readonly functions: readonly LocatedFunction[]; readonly worst: Severity }
  | { readonly type: 'unmatched'; readonly functions: readonly LocatedFunction[] }
  | { readonly type: 'function'; readonly fn: LocatedFunction }
  | { readonly type: 'message'; readonly text: string; readonly tooltip?: string };

/** Plain description of a tree item, exposed to tests through the extension's test API. */
export interface HotspotItemView {
  readonly label: string;
  readonly description: string;
  readonly children: readonly HotspotItemView[];
}

function rank(s: Severity): number {
  return s === 'error' ? 3 : s === 'warning' ? 2 : s === 'info' ? 1 : 0;
}

/** Worst first: severity, then p95, then error rate, then calls. */
export function compareHotspots(a: LocatedFunction, b: LocatedFunction): number {
  return (
    rank(b.severity) - rank(a.severity) ||
    (b.stats.p95Ms ?? -1) - (a.stats.p95Ms ?? -1) ||
    b.stats.errorRate - a.stats.errorRate ||
    b.stats.calls - a.stats.calls
  );
}

/** Pure part: the root nodes for a list of located functions. */
export function hotspotRoots(functions: readonly LocatedFunction[]): HotspotNode[] {
  const byService = new Map<string, LocatedFunction[]>();
  const unmatched: LocatedFunction[] = [];
  for (const f of functions) {
    if (!f.location) {
      unmatched.push(f);
      continue;
    }
    const key = f.stats.service ?? '(no service)';
    const list = byService.get(key);
    if (list) list.push(f);
    else byService.set(key, [f]);
  }
  const services = [...byService.entries()].map(([service, list]) => {
    const sorted = [...list].sort(compareHotspots);
    return { type: 'service' as const, service, functions: sorted, worst: sorted[0]?.severity ?? 'none' };
  });
  services.sort((a, b) => rank(b.worst) - rank(a.worst) || compareHotspots(a.functions[0] as LocatedFunction, b.functions[0] as LocatedFunction) || a.service.localeCompare(b.service));
  const roots: HotspotNode[] = services;
  if (unmatched.length > 0) roots.push({ type: 'unmatched', functions: [...unmatched].sort(compareHotspots) });
  return roots;
}

function figures(f: LocatedFunction): string {
  const s = f.stats;
  const parts: string[] = [];
  if (s.p95Ms !== null) parts.push(`p95 ${formatQuantile(s.p95Ms, s.quantilesApproximate)}`);
  if (s.errors > 0) parts.push(`${formatPercent(s.errorRate)} errors`);
  parts.push(formatRate(s.ratePerSec));
  return parts.join(' · ');
}

function nameOf(f: LocatedFunction): string {
  if (f.location) return f.location.symbol;
  const r = f.stats.codeRef;
  return r.namespace ? `${r.namespace}.${r.function}` : r.function;
}

export class HotspotsProvider implements vscode.TreeDataProvider<HotspotNode> {
  private readonly _onDidChange = new vscode.EventEmitter<HotspotNode | undefined>();
  readonly onDidChangeTreeData = this._onDidChange.event;

  constructor(private readonly store: StatsStore) {}

  refresh(): void {
    this._onDidChange.fire(undefined);
  }

  getChildren(node?: HotspotNode): HotspotNode[] {
    // No functions: an empty tree, so the welcome view speaks (unconfigured, failing, or loaded but
    // empty — that one links to Check Instrumentation).
    if (!node) return hotspotRoots(this.store.allFunctions());
    if (node.type === 'service') return node.functions.slice(0, PER_SERVICE).map((fn) => ({ type: 'function', fn }));
    if (node.type === 'unmatched') return node.functions.slice(0, UNMATCHED_MAX).map((fn) => ({ type: 'function', fn }));
    return [];
  }

  getTreeItem(node: HotspotNode): vscode.TreeItem {
    switch (node.type) {
      case 'service': {
        const item = new vscode.TreeItem(node.service, vscode.TreeItemCollapsibleState.Expanded);
        item.description = `${node.functions.length} function${node.functions.length === 1 ? '' : 's'}`;
        item.iconPath = new vscode.ThemeIcon('server-process');
        item.contextValue = 'service';
        return item;
      }
      case 'unmatched': {
        const item = new vscode.TreeItem('Not found in this workspace', vscode.TreeItemCollapsibleState.Collapsed);
        item.description = String(node.functions.length);
        item.tooltip = 'Functions with spans in Tempo that no workspace method matched; each says why.';
        item.iconPath = new vscode.ThemeIcon('question');
        item.contextValue = 'unmatched';
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        if (node.tooltip !== undefined) item.tooltip = node.tooltip;
        item.iconPath = new vscode.ThemeIcon('info');
        return item;
      }
      case 'function': {
        const f = node.fn;
        const item = new vscode.TreeItem(nameOf(f), vscode.TreeItemCollapsibleState.None);
        const window = formatWindowLength(f.stats.window);
        item.description = f.location ? `${figures(f)} · ${window}` : `${figures(f)} · ${f.reason}`;
        const tip = new vscode.MarkdownString();
        tip.appendText(`${formatCodeRef(f.stats.codeRef)}${f.stats.service ? ` — ${f.stats.service}` : ''}\n\n`);
        tip.appendText(`${figures(f)} (last ${window})\n\n`);
        tip.appendText(f.location ? `Matched ${f.location.file}:${f.location.line}: ${f.reason}` : `Not matched: ${f.reason}`);
        item.tooltip = tip;
        item.iconPath = new vscode.ThemeIcon(
          f.severity === 'error' ? 'error' : f.severity === 'warning' ? 'warning' : 'symbol-method',
          f.severity === 'error' ? new vscode.ThemeColor('tempoLens.severity.error') : f.severity === 'warning' ? new vscode.ThemeColor('tempoLens.severity.warning') : undefined,
        );
        item.contextValue = f.location ? 'function' : 'unmatchedFunction';
        const uri = f.location ? resolveWorkspaceFile(f.location.file) : undefined;
        if (f.location && uri) {
          const line = Math.max(0, f.location.line - 1);
          item.resourceUri = uri;
          item.command = { title: 'Reveal method', command: 'vscode.open', arguments: [uri, { selection: new vscode.Range(line, 0, line, 0), preview: true }] };
        } else {
          item.command = { title: 'Show traces', command: 'tempoLens.showFunctionTraces', arguments: [f.stats.codeRef, f.stats.service] };
        }
        return item;
      }
    }
  }

  /** Flattened view of the tree for tests and the CLI-like summaries. */
  snapshot(): HotspotItemView[] {
    const view = (n: HotspotNode): HotspotItemView => {
      const item = this.getTreeItem(n);
      const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
      return { label, description: typeof item.description === 'string' ? item.description : '', children: this.getChildren(n).map(view) };
    };
    return this.getChildren().map(view);
  }

  dispose(): void {
    this._onDidChange.dispose();
  }
}

/** Workspace-relative path → file URI in the (first) workspace folder that has it. */
function resolveWorkspaceFile(rel: string): vscode.Uri | undefined {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) return undefined;
  if (folders.length > 1) {
    // asRelativePath() in multi-root workspaces prefixes the folder name.
    const [head, ...rest] = rel.split('/');
    const f = folders.find((w) => w.name === head);
    if (f && rest.length > 0) return vscode.Uri.joinPath(f.uri, ...rest);
  }
  return vscode.Uri.joinPath((folders[0] as vscode.WorkspaceFolder).uri, ...rel.split('/'));
}

export function registerHotspots(context: vscode.ExtensionContext, services: SurfaceServices): HotspotsProvider {
  const provider = new HotspotsProvider(services.store);
  const view = vscode.window.createTreeView(HOTSPOTS_VIEW, { treeDataProvider: provider, showCollapseAll: true });
  const updateMessage = (): void => {
    const st = services.store.state;
    view.message = st.window ? `Last ${st.windowLabel}${st.status === 'error' ? ' (refresh failed — showing the previous figures)' : ''}` : '';
    void vscode.commands.executeCommand('setContext', 'tempoLens.state', st.status);
  };
  updateMessage();
  context.subscriptions.push(
    provider,
    view,
    services.store.onDidChange(() => {
      provider.refresh();
      updateMessage();
    }),
    vscode.commands.registerCommand('tempoLens.showHotspots', async () => {
      await vscode.commands.executeCommand(`${HOTSPOTS_VIEW}.focus`);
    }),
  );
  return provider;
}
