// Against a real Tempo (the real-Tempo tier starts it and sets TEMPO_REAL_URL): the CodeLens of
// every scenario function in the demo workspace shows the ingested error rate, whichever
// generation of code.* keys its spans carry (old, new, both on one span, or mixed).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { formatPercent } from '../../../src/core/format';
import { statsScenario } from '../../scenarios/stats';
import { activate } from '../helpers';
import { resetSurfaceSettings, surfaces } from '../surfaces/surfacesData';

const url = process.env['TEMPO_REAL_URL'] ?? '';
const version = process.env['TEMPO_REAL_VERSION'] ?? '?';
const scenario = statsScenario(Number(process.env['TEMPO_SCENARIO_NOW_MS']));

suite(`real Tempo ${version}: CodeLens figures`, () => {
  suiteSetup(async () => {
    assert.ok(url, 'TEMPO_REAL_URL is set by test/real-tempo/run.mjs');
    const api = surfaces(await activate());
    const c = vscode.workspace.getConfiguration('tempoLens');
    await c.update('source', 'tempo', vscode.ConfigurationTarget.Global);
    await c.update('timeRange', '1h', vscode.ConfigurationTarget.Global);
    await c.update('url', url, vscode.ConfigurationTarget.Global);
    await api.refresh();
    assert.equal(api.state().status, 'ready', JSON.stringify(api.state()));
  });

  suiteTeardown(resetSurfaceSettings);

  for (const fn of scenario.functions) {
    test(`${fn.service} ${fn.codeRef.namespace}.${fn.codeRef.function} (${fn.style} keys): ${fn.errors}/${fn.calls} errors`, async () => {
      const folder = vscode.workspace.workspaceFolders?.[0];
      assert.ok(folder);
      const uri = vscode.Uri.joinPath(folder.uri, ...fn.file.split('/'));
      await vscode.workspace.openTextDocument(uri);
      const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100)) ?? [];
      const mine = lenses.filter((l) => {
        const [ref, service] = l.command?.arguments ?? [];
        return (ref as { function?: string } | undefined)?.function === fn.codeRef.function && service === fn.service;
      });
      assert.equal(mine.length, 1, `one lens for ${fn.codeRef.function}; got ${JSON.stringify(lenses.map((l) => l.command?.title))}`);
      const title = mine[0]?.command?.title ?? '';
      const errors = fn.errors === 0 ? 'no errors' : `${formatPercent(fn.errors / fn.calls)} errors`;
      assert.ok(title.includes(` · ${errors} · `), `"${errors}" in "${title}"`);
      assert.match(title, /p95 ≈?[\d.]+ (ms|s)/, title);
    });
  }
});
