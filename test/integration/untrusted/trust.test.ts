// In an untrusted workspace, connection settings and the settings that decide what is read, run or
// matched come from user settings only (CONTRACT.md, README "Security").
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ConnectionResult } from '../../../src/host/connection';
import { startTempoServer, type TempoTestServer } from '../../tempo-server/server';
import { activate, resetSettings } from '../helpers';

suite('untrusted workspace', () => {
  let tempo: TempoTestServer;

  suiteSetup(async () => {
    await activate();
    tempo = await startTempoServer({ version: '2.7.2' });
  });

  suiteTeardown(async () => {
    await resetSettings();
    await tempo?.close();
  });

  test('the workspace really is untrusted and its settings file is loaded', () => {
    assert.equal(vscode.workspace.isTrusted, false);
    // timeRange is not a connection setting, so the workspace value shows: the file was read.
    assert.equal(vscode.workspace.getConfiguration('tempoLens').get('timeRange'), '6h');
    // VS Code hides the restrictedConfigurations of package.json as well; Tempo Lens does not
    // rely on it (src/host/config.ts reads connection settings through inspect()).
    assert.equal(vscode.workspace.getConfiguration('tempoLens').inspect('url')?.workspaceValue, undefined);
  });

  test('a refresh queries the user-scope Tempo, not the workspace files source, without the workspace filter', async () => {
    const api = await activate();
    await vscode.workspace.getConfiguration('tempoLens').update('url', tempo.url, vscode.ConfigurationTarget.Global);
    tempo.clearRequests();
    await api.surfaces.refresh();
    const st = api.surfaces.state();
    assert.notEqual(st.snapshot?.origin, 'files', 'the workspace switched the source to files');
    const queries = tempo.requests.map((q) => q.query['q'] ?? '').filter((q) => q !== '');
    assert.ok(queries.length > 0, 'the user-scope server was not asked for figures');
    for (const q of queries) assert.ok(!q.includes('attacker'), `the workspace filter reached a query: ${q}`);
  });

  test('Test Connection goes to the user-scope URL, without workspace auth or headers', async () => {
    await vscode.workspace.getConfiguration('tempoLens').update('url', tempo.url, vscode.ConfigurationTarget.Global);
    tempo.clearRequests();
    const r = await vscode.commands.executeCommand<ConnectionResult>('tempoLens.testConnection');
    assert.equal(r.url, tempo.url);
    assert.ok(r.ok, r.ok ? '' : r.message);
    assert.ok(tempo.requests.length > 0, 'the user-scope server was not asked');
    for (const q of tempo.requests) {
      assert.equal(q.headers['x-attacker'], undefined, 'a workspace header was sent');
      assert.equal(q.headers['authorization'], undefined, 'workspace auth was applied');
    }
  });
});
