// Offline telemetry (tempoLens.source = files): figures from OTLP JSON files in the workspace, exact and labelled as such.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activate } from '../helpers';
import { fileUri, GATEWAY, lineOf, resetSurfaceSettings, surfaces, type SurfacesApi } from './surfacesData';

suite('surfaces: trace files', () => {
  let api: SurfacesApi;

  suiteSetup(async () => {
    api = surfaces(await activate());
    await vscode.workspace.getConfiguration('tempoLens').update('source', 'files', vscode.ConfigurationTarget.Global);
    await api.refresh();
  });

  suiteTeardown(async () => {
    await resetSurfaceSettings();
    await api.refresh();
  });

  test('a lens with exact figures from the workspace trace files', async () => {
    assert.equal(api.state().status, 'ready', JSON.stringify(api.state()));
    const doc = await vscode.workspace.openTextDocument(fileUri(GATEWAY));
    const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri)) ?? [];
    const lens = lenses.find((l) => l.range.start.line === lineOf(doc, 'public String forward('));
    assert.ok(lens?.command, JSON.stringify(lenses.map((l) => l.command?.title)));
    // 20 spans of 40–135 ms, 4 failed: exact percentiles (no ≈), 20% errors.
    assert.match(lens.command.title, /^\$\(error\) p95 1[23]\d ms · p50 8\d ms · 20% errors · /, lens.command.title);
    const col = doc.lineAt(lineOf(doc, 'public String forward(')).text.indexOf('forward') + 1;
    const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(lineOf(doc, 'public String forward('), col))) ?? [];
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'object' && 'value' in c ? c.value : String(c)))).join('\n');
    assert.match(text, /from trace files/);
    assert.match(text, /upstream refused/);
  });
});
