// Time range and refresh: `tempoLens.setTimeRange`, `tempoLens.refresh`, refresh triggers, window progress, refresh errors shown once.
import * as vscode from 'vscode';
import { TIME_RANGES } from '../core/timeRange';
import { ENABLE_METRICS_HINT } from '../tempo/statsSource';
import type { Config } from '../host/config';
import { isUnconfiguredDefault } from '../host/connection';
import type { StatsStore, SurfaceServices } from '../host/stats';
import type { TimeRange } from '../shared/model';

const LABELS: Record<TimeRange, string> = {
  '15m': 'Last 15 minutes',
  '1h': 'Last hour',
  '6h': 'Last 6 hours',
  '24h': 'Last 24 hours',
  '7d': 'Last 7 days',
};

/** Writes the range where it is currently defined, so a workspace value is not silently shadowing a user write. */
async function writeTimeRange(range: TimeRange): Promise<void> {
  const c = vscode.workspace.getConfiguration('tempoLens');
  const i = c.inspect<string>('timeRange');
  const target =
    i?.workspaceFolderValue !== undefined
      ? vscode.ConfigurationTarget.WorkspaceFolder
      : i?.workspaceValue !== undefined
        ? vscode.ConfigurationTarget.Workspace
        : vscode.ConfigurationTarget.Global;
  await c.update('timeRange', range, target);
}

export interface RefreshUi {
  /** Error notifications shown so far (one per failure episode); read by the integration tests. */
  readonly errorsShown: readonly string[];
}

export function registerTimeRange(context: vscode.ExtensionContext, services: SurfaceServices): RefreshUi {
  const { store, config, log } = services;
  const errorsShown: string[] = [];
  context.subscriptions.push(
    vscode.commands.registerCommand('tempoLens.setTimeRange', async (arg?: unknown) => {
      let range: TimeRange | undefined = typeof arg === 'string' && (TIME_RANGES as readonly string[]).includes(arg) ? (arg as TimeRange) : undefined;
      if (range === undefined) {
        const current = config.current.timeRange;
        const pick = await vscode.window.showQuickPick(
          TIME_RANGES.map((r) => ({ label: LABELS[r], description: r === current ? `${r} · current` : r, range: r, picked: r === current })),
          { title: 'Tempo Lens: Time Range', placeHolder: 'Window for every figure (CodeLens, hovers, diagnostics, hot spots)' },
        );
        range = pick?.range;
      }
      if (range === undefined) return;
      await writeTimeRange(range);
      // The config listener below refreshes; nothing else to do here.
    }),
    // Progress for every refresh (command, timer, settings) comes from showRefreshProgress below.
    vscode.commands.registerCommand('tempoLens.refresh', () => store.requestRefresh('command')),
    bindStoreToConfig(store, config),
    services.connection.onDidChangeSettings(() => void store.requestRefresh('connection settings or token changed')),
    services.sources.onDidChange(() => void store.requestRefresh('telemetry source changed or received spans')),
    showRefreshProgress(store),
    store.onDidChange(() => {
      const err = store.state.error;
      if (!err || err.episode <= shownEpisode) return;
      shownEpisode = err.episode;
      // The status bar already says "not configured"; a toast about the default URL would contradict it.
      if (isUnconfiguredDefault(err.kind)) return;
      errorsShown.push(err.message);
      void notifyRefreshError(err.message, err.kind, log);
    }),
  );
  let shownEpisode = 0;
  // Notes the user can act on (enable TraceQL metrics, narrow a truncated query): once per session each.
  const notesShown = new Set<string>();
  context.subscriptions.push(
    store.onDidChange(() => {
      for (const note of store.state.snapshot?.notes ?? []) {
        const kind = note.includes(ENABLE_METRICS_HINT) ? 'metrics' : /truncated/i.test(note) ? 'truncated' : null;
        if (kind === null || notesShown.has(kind)) continue;
        notesShown.add(kind);
        void vscode.window.showInformationMessage(`Tempo Lens: ${note.slice(0, 600)}`, 'Show Log').then((c) => {
          if (c === 'Show Log') void vscode.commands.executeCommand('tempoLens.showLog');
        });
      }
    }),
  );
  void store.requestRefresh('activation');
  return { errorsShown };
}

/** Every refresh shows window progress (the status bar area) while it runs. */
function showRefreshProgress(store: StatsStore): vscode.Disposable {
  let resolve: (() => void) | undefined;
  const sub = store.onDidChangeRefreshing((busy) => {
    if (busy && !resolve) {
      void vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Tempo Lens' }, (p) => {
        p.report({ message: `refreshing ${store.state.range}` });
        return new Promise<void>((r) => (resolve = r));
      });
    } else if (!busy && resolve) {
      resolve();
      resolve = undefined;
    }
  });
  return new vscode.Disposable(() => {
    sub.dispose();
    resolve?.();
  });
}

/** Which settings changes refetch, re-pace or only re-judge. */
export function bindStoreToConfig(store: StatsStore, config: Config): vscode.Disposable {
  return config.onDidChange((e) => {
    if (e.affects('refreshIntervalSeconds')) store.schedule();
    // Source settings (source, files, receiver.*) refresh through the source registry's change event.
    if (e.affectsConnection || e.affects('timeRange', 'filter', 'pathMappings')) {
      void store.requestRefresh(`settings: ${[...e.keys].join(', ')}`);
    } else if (e.affects('thresholds.latencyMs', 'thresholds.errorRate')) {
      store.rejudge();
    }
  });
}

async function notifyRefreshError(message: string, kind: string, log: { error(m: string): void }): Promise<void> {
  const configure = 'Configure Connection';
  const showLog = 'Show Log';
  const actions = ['auth', 'forbidden', 'dns', 'refused', 'tls', 'notFound', 'wrongPath', 'config'].includes(kind) ? [configure, showLog] : [showLog, configure];
  const choice = await vscode.window.showErrorMessage(`Tempo Lens could not refresh: ${message.slice(0, 300)}`, ...actions);
  try {
    if (choice === configure) await vscode.commands.executeCommand('tempoLens.configureConnection');
    else if (choice === showLog) await vscode.commands.executeCommand('tempoLens.showLog');
  } catch (e) {
    log.error(`action "${choice ?? ''}" failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}
