// `tempoLens.showFunctionTraces`: QuickPick of a function's slowest and erroring traces → trace view.
import * as vscode from 'vscode';
import { formatCodeRef } from '../core/codeRef';
import { formatDuration, formatWindowLength } from '../core/format';
import { truncate } from '../core/markdown';
import { runCommand } from '../host/commands';
import type { StatsStore, SurfaceServices } from '../host/stats';
import type { CodeRef, SpanHit } from '../shared/model';

interface TraceItem extends vscode.QuickPickItem {
  readonly traceId?: string;
}

/** Accepts a CodeRef (the contract's argument), optionally followed by a service name. */
export function parseFunctionArgs(arg: unknown, service: unknown): { ref: CodeRef; service: string | null } | null {
  if (!arg || typeof arg !== 'object') return null;
  // A hot-spots tree node (inline action) carries the function's figures.
  const node = arg as { type?: unknown; fn?: { stats?: { codeRef?: unknown; service?: unknown } } };
  if (node.type === 'function' && node.fn?.stats?.codeRef) return parseFunctionArgs(node.fn.stats.codeRef, node.fn.stats.service);
  const a = arg as Record<string, unknown>;
  const fn = a['function'];
  if (typeof fn !== 'string' || fn === '') return null;
  const opt = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
  const line = typeof a['line'] === 'number' && Number.isInteger(a['line']) ? (a['line'] as number) : null;
  const ref: CodeRef = { namespace: opt(a['namespace']), function: fn, filePath: opt(a['filePath']), line };
  const svc = opt(service) ?? opt(a['service']);
  return { ref, service: svc };
}

function clean(text: string, max: number): string {
  return truncate(text.replace(/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]+/g, ' ').trim(), max);
}

/** Pure part: QuickPick items for the drill-down, slowest first then errors, traces de-duplicated per section. */
export function traceItems(result: { slowest: readonly SpanHit[]; errors: readonly SpanHit[] }): TraceItem[] {
  const items: TraceItem[] = [];
  const section = (label: string, hits: readonly SpanHit[], icon: string): void => {
    const seen = new Set<string>();
    const unique = hits.filter((h) => (seen.has(h.traceId) ? false : (seen.add(h.traceId), true)));
    if (unique.length === 0) return;
    items.push({ label, kind: vscode.QuickPickItemKind.Separator });
    for (const h of unique.slice(0, 20)) {
      const when = new Date(h.startMs).toLocaleString();
      const root = [h.rootServiceName, h.rootTraceName].filter((x): x is string => !!x).join(' ');
      items.push({
        label: `$(${icon}) ${formatDuration(h.durationMs)}  ${clean(h.name ?? root ?? '', 80)}`,
        description: h.traceId.slice(0, 16),
        detail: [when, root ? `root: ${clean(root, 80)}` : '', h.status === 'error' && h.statusMessage ? clean(h.statusMessage, 160) : ''].filter(Boolean).join(' · '),
        traceId: h.traceId,
      });
    }
  };
  section('Slowest', result.slowest, 'clock');
  section('Errors', result.errors, 'error');
  return items;
}

/** From the command palette: choose among the functions of the current figures, worst first. */
async function pickFunction(store: StatsStore): Promise<{ ref: CodeRef; service: string | null } | null> {
  const fns = [...store.allFunctions()].sort((a, b) => (b.stats.p95Ms ?? 0) - (a.stats.p95Ms ?? 0));
  if (fns.length === 0) return null;
  const pick = await vscode.window.showQuickPick(
    fns.slice(0, 500).map((f) => ({
      label: clean(f.location?.symbol ?? formatCodeRef({ ...f.stats.codeRef, filePath: null }), 120),
      description: [f.stats.service, f.stats.p95Ms !== null ? `p95 ${formatDuration(f.stats.p95Ms)}` : null, f.location ? `${f.location.file}:${f.location.line}` : 'not in this workspace'].filter((x): x is string => !!x).map((x) => clean(x, 80)).join(' · '),
      fn: f,
    })),
    { title: 'Tempo Lens: Show Traces of Function', placeHolder: `Functions with spans in the last ${store.state.windowLabel}`, matchOnDescription: true },
  );
  return pick ? { ref: pick.fn.stats.codeRef, service: pick.fn.stats.service } : null;
}

/** Labels of the items last shown (separators included), for the integration tests. */
let lastShown: readonly string[] = [];

export async function showFunctionTraces(store: StatsStore, arg: unknown, service: unknown): Promise<string | undefined> {
  lastShown = [];
  const parsed = parseFunctionArgs(arg, service) ?? (arg === undefined ? await pickFunction(store) : null);
  if (!parsed) {
    if (arg !== undefined || store.allFunctions().length === 0) {
      void vscode.window.showWarningMessage('Tempo Lens: show traces needs a function with spans in the current window (run it from a CodeLens, hover or hot spot).');
    }
    return undefined;
  }
  const cts = new vscode.CancellationTokenSource();
  const qp = vscode.window.createQuickPick<TraceItem>();
  qp.title = `Traces of ${clean(formatCodeRef(parsed.ref), 100)}${parsed.service ? ` — ${clean(parsed.service, 60)}` : ''}`;
  qp.placeholder = `Slowest and erroring traces, last ${store.state.windowLabel}`;
  qp.matchOnDescription = true;
  qp.matchOnDetail = true;
  qp.busy = true;
  qp.show();
  const picked = new Promise<string | undefined>((resolve) => {
    qp.onDidAccept(() => {
      const id = qp.selectedItems[0]?.traceId;
      if (id !== undefined) {
        resolve(id);
        qp.hide();
      }
    });
    qp.onDidHide(() => {
      cts.cancel();
      resolve(undefined);
    });
  });
  store.drillDown(parsed.ref, parsed.service, cts.token).then(
    (result) => {
      if (cts.token.isCancellationRequested) return;
      const items = traceItems(result);
      qp.items = items.length > 0 ? items : [{ label: `No traces of this function in the last ${formatWindowLength(store.state.window ?? { startMs: 0, endMs: 0 })}` }];
      qp.busy = false;
      const first = qp.items.find((i) => i.traceId !== undefined);
      if (first) qp.activeItems = [first];
      lastShown = qp.items.map((i) => i.label);
    },
    (e: unknown) => {
      if (cts.token.isCancellationRequested) return;
      qp.busy = false;
      qp.items = [{ label: '$(error) Could not load traces', detail: clean(e instanceof Error ? e.message : String(e), 200) }];
      lastShown = qp.items.map((i) => i.label);
    },
  );
  const id = await picked;
  qp.dispose();
  cts.dispose();
  // The trace view loads on its own; the pick is done once the user chose.
  if (id !== undefined) {
    runCommand('tempoLens.openTrace', id).then(undefined, (e: unknown) => {
      void vscode.window.showErrorMessage(`Tempo Lens: could not open trace ${id}: ${e instanceof Error ? e.message : String(e)}`);
    });
  }
  return id;
}

export function registerFunctionTraces(context: vscode.ExtensionContext, services: SurfaceServices): { lastShown(): readonly string[] } {
  context.subscriptions.push(vscode.commands.registerCommand('tempoLens.showFunctionTraces', (arg: unknown, service: unknown) => showFunctionTraces(services.store, arg, service)));
  return { lastShown: () => lastShown };
}
