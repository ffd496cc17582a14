// Check Instrumentation from the editor: the empty Hot Spots view links to it, and the report opens
// as a read-only Markdown preview that names the case (no data; code attributes that map).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID } from '../helpers';
import { type SurfacesApi, useSeededSurfaces } from './surfacesData';

interface CheckResult {
  readonly state: string;
  readonly uri: string;
  readonly markdown: string;
}

/** The command links of the Hot Spots welcome content shown when the store is ready but empty. */
function readyWelcomeCommands(): string[] {
  const pkg = vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON as { contributes: { viewsWelcome: { view: string; contents: string; when?: string }[] } };
  const entry = pkg.contributes.viewsWelcome.find((w) => w.view === 'tempoLens.hotspots' && w.when === 'tempoLens.state == ready');
  assert.ok(entry, 'a welcome entry for the loaded-but-empty Hot Spots view');
  return [...entry.contents.matchAll(/\(command:([\w.]+)\)/g)].map((m) => m[1] as string);
}

suite('surfaces: Check Instrumentation', () => {
  let api: SurfacesApi;

  useSeededSurfaces((a) => { api = a; }, { closeEditors: true });

  test('an empty Hot Spots view links to the report, which says there is no data in the window', async () => {
    await vscode.workspace.getConfiguration('tempoLens').update('filter', 'resource.service.name = "nobody-sends-this"', vscode.ConfigurationTarget.Global);
    try {
      await api.refresh();
      assert.equal(api.state().status, 'ready');
      assert.deepEqual(api.hotspots(), [], 'an empty tree: the welcome content is what the view shows');
      const commands = readyWelcomeCommands();
      assert.ok(commands.includes('tempoLens.checkInstrumentation'), JSON.stringify(commands));
      const result = await vscode.commands.executeCommand<CheckResult>('tempoLens.checkInstrumentation');
      assert.equal(result.state, 'no-data', result.markdown);
      assert.match(result.markdown, /No spans matching the filter resource\\\.service\\\.name/);
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === result.uri);
      assert.ok(doc, 'the report document is open (behind the preview)');
      assert.equal(doc.getText(), result.markdown);
      assert.equal(doc.isDirty, false, 'read-only: nothing to save');
    } finally {
      await vscode.workspace.getConfiguration('tempoLens').update('filter', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  test('with figures: per-service counts, the mapped functions and the unmatched one with its reason', async () => {
    await api.refresh();
    const result = await vscode.commands.executeCommand<CheckResult>('tempoLens.checkInstrumentation');
    assert.equal(result.state, 'ok', result.markdown);
    // token-service: 60 getToken + 30 getJwks + 40 revoke spans in the last hour, old keys only.
    assert.match(result.markdown, /\| token\\-service \| ██████████ 100% \| 130 \| 130 \| 130 \| 0 \| 0 \|/);
    assert.match(result.markdown, /OTEL\\_SEMCONV\\_STABILITY\\_OPT\\_IN\\=code\/dup/);
    assert.match(result.markdown, /billing\\-service[^\n]*\| 0 \| 1 \|/, 'OldBilling.charge does not map');
    assert.ok(!result.markdown.includes('<img'), 'no HTML from span data');
  });
});
