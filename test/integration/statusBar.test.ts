// The status-bar item follows the connection: connected (version · window), unreachable, not configured.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TempoLensApi } from '../../src/extension';
import type { ConnectionResult } from '../../src/host/connection';
import { startTempoServer, type TempoTestServer } from '../tempo-server/server';
import { activate, closedPort, resetSettings, waitFor } from './helpers';

suite('status bar', () => {
  let api: TempoLensApi;
  let tempo: TempoTestServer;
  const text = () => api.statusBar().text;

  suiteSetup(async () => {
    api = await activate();
    tempo = await startTempoServer({ version: '2.7.2' });
  });

  suiteTeardown(async () => {
    await resetSettings();
    await tempo?.close();
  });

  teardown(resetSettings);

  test('connected: version and time window; click tests again', async () => {
    await vscode.commands.executeCommand('tempoLens.configureConnection', { url: tempo.url, auth: 'none' });
    await waitFor('the connected state', () => text() === '$(pulse) Tempo 2.7.2 · 1h', text);
    const view = api.statusBar();
    assert.equal(view.command, 'tempoLens.testConnection');
    assert.equal(view.warning, false);
    assert.match(view.tooltip, /Connected to Tempo 2\.7\.2/);

    await vscode.workspace.getConfiguration('tempoLens').update('timeRange', '15m', vscode.ConfigurationTarget.Global);
    await waitFor('the new time window', () => text() === '$(pulse) Tempo 2.7.2 · 15m', text);
  });

  test('unreachable: warning colour and the reason in the tooltip', async () => {
    const port = await closedPort();
    await vscode.commands.executeCommand('tempoLens.configureConnection', { url: `http://127.0.0.1:${port}`, auth: 'none' });
    await waitFor('the unreachable state', () => text() === '$(debug-disconnect) Tempo unreachable', text);
    const view = api.statusBar();
    assert.equal(view.warning, true);
    assert.match(view.tooltip, /Connection refused/);
  });

  test('not configured: bearer auth without a token; click configures', async () => {
    await vscode.commands.executeCommand('tempoLens.configureConnection', { url: tempo.url, auth: 'bearer', token: null });
    await waitFor('the not-configured state', () => text() === '$(plug) Tempo: not configured', text);
    assert.equal(api.statusBar().command, 'tempoLens.configureConnection');
  });

  test('a settings change alone re-checks the connection', async () => {
    const port = await closedPort();
    await vscode.commands.executeCommand('tempoLens.configureConnection', { url: `http://127.0.0.1:${port}`, auth: 'none' });
    await waitFor('the unreachable state', () => text().includes('unreachable'), text);
    // No command: the background re-check after the change must bring the item back.
    await vscode.workspace.getConfiguration('tempoLens').update('url', tempo.url, vscode.ConfigurationTarget.Global);
    await waitFor('the connected state after a settings change', () => text().startsWith('$(pulse) Tempo 2.7.2'), text);
  });

  test('nothing at the default URL reads as not configured, not as an outage', async function () {
    await resetSettings();
    const r = await vscode.commands.executeCommand<ConnectionResult>('tempoLens.testConnection');
    // Someone may run a Tempo (or `npm run tempo:dev`) on localhost:3200 on this machine.
    if (r.ok) this.skip();
    assert.equal(r.url, 'http://localhost:3200');
    await waitFor('the not-configured state', () => text() === '$(plug) Tempo: not configured', text);
    assert.match(api.statusBar().tooltip, /nothing answers at the default http:\/\/localhost:3200/);
  });
});
