// The editor stays responsive while a refresh hangs on a server that does not answer (issue 14,
// fault matrix): commands and the store's state still answer at once.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { startTempoServer, type TempoTestServer } from '../../tempo-server/server';
import { activate, resetSettings } from '../helpers';

suite('responsive while a refresh hangs', () => {
  let tempo: TempoTestServer;

  suiteSetup(async () => {
    tempo = await startTempoServer({ version: '2.7.2' });
  });

  suiteTeardown(async () => {
    tempo?.clearFaults();
    await resetSettings();
    await tempo?.close();
  });

  test('a command answers within 1 s while every Tempo request hangs', async () => {
    const api = await activate();
    await vscode.workspace.getConfiguration('tempoLens').update('url', tempo.url, vscode.ConfigurationTarget.Global);
    // Every request waits 30 s before answering: the refresh below hangs.
    tempo.inject({ latencyMs: 30_000, times: Infinity });
    tempo.clearRequests();
    const refresh = api.surfaces.refresh();
    refresh.catch(() => undefined);
    const deadline = Date.now() + 5000;
    while (tempo.requests.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(tempo.requests.length > 0, 'the refresh never reached the server');
    const t0 = Date.now();
    await vscode.commands.executeCommand('tempoLens.showLog');
    const state = api.surfaces.state();
    const ms = Date.now() - t0;
    assert.ok(state.refreshing, 'the refresh was expected to be still hanging');
    assert.ok(ms < 1000, `a command took ${ms} ms while a refresh hung`);
    tempo.clearFaults();
  });
});
