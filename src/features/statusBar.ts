// The status-bar item: connection state and time window; click tests or configures.
import * as vscode from 'vscode';
import type { ConnectionState } from '../host/connection';
import type { Services } from '../host/services';

/** Copies what the source offers to copy (the receiver's OTEL_EXPORTER_OTLP_ENDPOINT line). */
const COPY_COMMAND = 'tempoLens.internal.copySourceEndpoint';

/** What tests and other code may read back; the item itself stays private. */
export interface StatusBarView {
  readonly text: string;
  readonly tooltip: string;
  readonly command: string | undefined;
  readonly warning: boolean;
}

export function registerStatusBar(context: vscode.ExtensionContext, services: Services): () => StatusBarView {
  const { connection, config } = services;
  const item = vscode.window.createStatusBarItem('tempoLens.status', vscode.StatusBarAlignment.Left, 10);
  item.name = 'Tempo Lens';
  context.subscriptions.push(item);

  const render = () => {
    const view = viewOf(connection.state, config.current.timeRange, services.sources.peek()?.describe?.() ?? null, services.sources.peek()?.capabilities.remote ?? true);
    item.text = view.text;
    item.tooltip = view.tooltip;
    item.command = view.command;
    item.backgroundColor = view.warning ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    item.show();
  };
  context.subscriptions.push(
    connection.onDidChangeState(render),
    config.onDidChange((e) => { if (e.affects('timeRange')) render(); }),
    services.sources.onDidChange(() => void services.sources.current().then(render, render)),
    vscode.commands.registerCommand(COPY_COMMAND, async () => {
      const copy = services.sources.peek()?.describe?.().copy;
      if (copy === undefined) return undefined;
      await vscode.env.clipboard.writeText(copy);
      void vscode.window.showInformationMessage(`Tempo Lens: copied ${copy}`);
      return copy;
    }),
  );
  // A local source starts with the store's first refresh; show it once it is up.
  void services.sources.current().then(render, render);
  render();
  return () => ({
    text: item.text,
    tooltip: typeof item.tooltip === 'string' ? item.tooltip : item.tooltip?.value ?? '',
    command: typeof item.command === 'string' ? item.command : item.command?.command,
    warning: item.backgroundColor !== undefined,
  });
}

/**
 * The item for a source: a local source describes itself (the receiver's endpoint, copied on click)
 * or is the trace files; Tempo shows the connection state.
 */
export function viewOf(state: ConnectionState, timeRange: string, described: { readonly text: string; readonly tooltip: string; readonly copy?: string } | null, remote: boolean): StatusBarView {
  if (described !== null) {
    return { text: `${described.text} · ${timeRange}`, tooltip: described.tooltip, command: described.copy !== undefined ? COPY_COMMAND : 'tempoLens.refresh', warning: false };
  }
  if (!remote) {
    return { text: `$(file-code) Tempo Lens: files · ${timeRange}`, tooltip: 'Telemetry comes from OTLP JSON files (tempoLens.source = files).', command: 'tempoLens.refresh', warning: false };
  }
  switch (state.kind) {
    case 'checking':
      return { text: '$(sync~spin) Tempo', tooltip: 'Tempo Lens: testing the connection…', command: 'tempoLens.showLog', warning: false };
    case 'connected': {
      const r = state.result;
      const tip = [`Tempo Lens: ${r.message}`, r.url, `Window: last ${timeRange}`, '', 'Click to test the connection again.'];
      return { text: `$(pulse) Tempo ${r.version ?? '?'} · ${timeRange}`, tooltip: tip.join('\n'), command: 'tempoLens.testConnection', warning: false };
    }
    case 'unreachable':
      return { text: '$(debug-disconnect) Tempo unreachable', tooltip: `Tempo Lens: ${state.result.message}\n\nClick to test the connection again.`, command: 'tempoLens.testConnection', warning: true };
    case 'notConfigured':
      return { text: '$(plug) Tempo: not configured', tooltip: `Tempo Lens: ${state.reason}.\n\nClick to configure the connection.`, command: 'tempoLens.configureConnection', warning: false };
  }
}
