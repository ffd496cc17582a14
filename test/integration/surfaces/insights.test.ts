// Trace insights reach the editor: a caller that gave up at 5 s while getToken ran on → `caller-timeout` diagnostic and its quick fixes.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activate, waitFor } from '../helpers';
import { startTempoServer, type TempoTestServer } from '../../tempo-server/server';
import { fileUri, lineOf, orphanTraces, resetSurfaceSettings, surfaces, TOKEN_SERVICE, type SurfacesApi } from './surfacesData';

suite('surfaces: trace insights', () => {
  let server: TempoTestServer;
  let api: SurfacesApi;

  suiteSetup(async () => {
    api = surfaces(await activate());
    server = await startTempoServer();
    server.ingest(orphanTraces(Date.now(), 10));
    await vscode.workspace.getConfiguration('tempoLens').update('url', server.url, vscode.ConfigurationTarget.Global);
    await api.refresh();
  });

  suiteTeardown(async () => {
    await resetSurfaceSettings();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await server?.close();
  });

  test('an open file gets a caller-timeout diagnostic from sampled traces, with its quick fixes', async () => {
    const doc = await vscode.workspace.openTextDocument(fileUri(TOKEN_SERVICE));
    await vscode.window.showTextDocument(doc);
    const line = lineOf(doc, 'public String getToken(');
    const find = () => vscode.languages.getDiagnostics(doc.uri).find((d) => d.source === 'Tempo Lens' && d.code === 'caller-timeout');
    await waitFor('a caller-timeout diagnostic', () => find() !== undefined, () => vscode.languages.getDiagnostics(doc.uri).map((d) => `${String(d.code)}: ${d.message}`), 20_000);
    const diag = find();
    assert.ok(diag);
    assert.equal(diag.range.start.line, line);
    assert.equal(doc.getText(diag.range), 'getToken');
    assert.match(diag.message, /caller/i);
    assert.match(diag.message, /\d+ of \d+/);
    const requests = server.requests.map((r) => r.path);
    assert.ok(requests.some((p) => p.startsWith('/api/v2/traces/') || p.startsWith('/api/traces/')), 'traces were fetched for the detectors');

    // The hover carries the finding's evidence too (traces affected of sampled, overrun p50/max).
    const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, diag.range.start.translate(0, 1))) ?? [];
    const hoverText = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(hoverText, /\*\*Trace insights\*\*/, hoverText);
    assert.match(hoverText, /`caller-timeout` .*caller gave up .* in \d+ of \d+ sampled traces .*overrun p50 .*, max /);

    const actions = (await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, diag.range, vscode.CodeActionKind.QuickFix.value)) ?? [];
    const titles = actions.map((a) => a.title);
    assert.ok(titles.some((t) => t.startsWith('Add timeout')), titles.join(' | '));
    const open = actions.find((a) => a.title === 'Open slowest trace');
    assert.ok(open?.command);
    assert.equal(open.command.command, 'tempoLens.openTrace');
    assert.match(String(open.command.arguments?.[0]), /^0*beef00[0-9a-f]{2}$/, 'the trace that shows the orphan');
  });
});
