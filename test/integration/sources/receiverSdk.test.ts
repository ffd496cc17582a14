// The inner loop: an app instrumented with the real OpenTelemetry JS SDK exports to the editor's receiver, and lenses appear — no Tempo, no refresh command.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activate, waitFor } from '../helpers';
import { fileUri, lineOf, resetSurfaceSettings, surfaces, TOKEN_SERVICE } from '../surfaces/surfacesData';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function runApp(endpoint: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'otelApp.js')], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stderr }));
  });
}

suite('receiver: a live app with the OpenTelemetry JS SDK', () => {
  suiteTeardown(async () => {
    await resetSurfaceSettings();
    await vscode.workspace.getConfiguration('tempoLens').update('receiver.port', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('spans the app exports (protobuf, gzip, batched) become lenses on the method, with exact figures', async () => {
    const ext = await activate();
    const api = surfaces(ext);
    const c = vscode.workspace.getConfiguration('tempoLens');
    const port = await freePort();
    await c.update('receiver.port', port, vscode.ConfigurationTarget.Global);
    await c.update('source', 'receiver', vscode.ConfigurationTarget.Global);
    await waitFor('the receiver in the status bar', () => ext.statusBar().text.includes(`receiver :${port}`), () => ext.statusBar(), 20_000);
    await api.refresh();
    const doc = await vscode.workspace.openTextDocument(fileUri(TOKEN_SERVICE));
    await vscode.window.showTextDocument(doc);
    const line = lineOf(doc, 'public void revoke(');
    const lens = async (): Promise<string> => ((await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri, 100)) ?? []).find((l) => l.range.start.line === line)?.command?.title ?? '';
    assert.equal(await lens(), '', 'nothing received yet');

    const app = await runApp(`http://127.0.0.1:${port}`);
    assert.equal(app.code, 0, app.stderr);
    // No refresh command: the receiver's change event refreshes the figures.
    let title = '';
    for (const until = Date.now() + 20_000; Date.now() < until; await new Promise((r) => setTimeout(r, 200))) {
      title = await lens();
      // The app exports in batches: wait for all 24 calls.
      if (title.includes(' 24/h ')) break;
    }
    // 24 calls of 40–63 ms, 6 failed: exact percentiles (no ≈), 25 % errors.
    assert.match(title, /^\$\((error|warning)\) p95 6[\d.]* ms · p50 5[\d.]* ms · 25% errors · 24\/h · 1h$/, title);
    assert.match(ext.surfaces.state().snapshot?.notes.join(' ') ?? '', /received on http:\/\/127\.0\.0\.1:\d+/);
  });
});
