// A Tempo outage mid-session: one error notification per episode, figures kept, recovery on the next refresh.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TempoTestServer } from '../../tempo-server/server';
import { fileUri, TOKEN_SERVICE, type SurfacesApi, useSeededSurfaces } from './surfacesData';

suite('surfaces: Tempo outage', () => {
  let server: TempoTestServer;
  let api: SurfacesApi;

  useSeededSurfaces((a, srv) => { api = a; server = srv; });
  suiteSetup(() => {
    assert.equal(api.state().status, 'ready');
  });

  test('an outage shows one error, keeps the figures and recovers on the next refresh', async () => {
    const shownBefore = api.errorsShown().length;
    const uri = (await vscode.workspace.openTextDocument(fileUri(TOKEN_SERVICE))).uri;
    const lensesBefore = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
    assert.ok(lensesBefore.length > 0);

    server.inject({ status: 500, body: 'internal error: too many outstanding requests', times: Infinity });
    await api.refresh();
    assert.equal(api.state().status, 'error');
    assert.equal(api.errorsShown().length, shownBefore + 1, 'one notification');
    await api.refresh();
    await api.refresh();
    assert.equal(api.state().status, 'error');
    assert.equal(api.errorsShown().length, shownBefore + 1, 'not one per refresh');
    const lensesDuring = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
    assert.equal(lensesDuring.length, lensesBefore.length, 'the last figures stay, with their window');
    assert.ok(lensesDuring.every((l) => l.command?.title.endsWith(' · stale')), 'and say they are stale');

    server.clearFaults();
    await api.refresh();
    assert.equal(api.state().status, 'ready');
    assert.equal(api.state().error, null);
    const lensesAfter = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
    assert.ok(lensesAfter.length > 0 && lensesAfter.every((l) => !l.command?.title.includes('stale')), 'fresh again');

    server.inject({ reset: true, times: Infinity });
    await api.refresh();
    assert.equal(api.state().status, 'error');
    assert.equal(api.errorsShown().length, shownBefore + 2, 'a new outage is a new episode');
    server.clearFaults();
    await api.refresh();
    assert.equal(api.state().status, 'ready');
  });
});
