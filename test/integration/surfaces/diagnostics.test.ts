// Diagnostics on matched methods: codes, ranges, thresholds, refreshes, closed files, and the "Open slowest trace" quick fix.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activate, waitFor } from '../helpers';
import type { TempoTestServer } from '../../tempo-server/server';
import { fileUri, lineOf, resetSurfaceSettings, startSeededServer, surfaces, TOKEN_SERVICE, type SurfacesApi } from './surfacesData';

function ours(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Tempo Lens');
}

function codes(uri: vscode.Uri): string[] {
  return ours(uri).map((d) => `${String(d.code)}@${d.range.start.line}`).sort();
}

suite('surfaces: diagnostics', () => {
  let server: TempoTestServer;
  let api: SurfacesApi;
  let doc: vscode.TextDocument;
  let expected: string[];

  suiteSetup(async () => {
    api = surfaces(await activate());
    server = await startSeededServer();
    await api.refresh();
    doc = await vscode.workspace.openTextDocument(fileUri(TOKEN_SERVICE));
    await vscode.window.showTextDocument(doc);
    expected = [`errors@${lineOf(doc, 'public void revoke(')}`, `slow@${lineOf(doc, 'public String getToken(')}`];
  });

  suiteTeardown(async () => {
    await resetSurfaceSettings();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await server?.close();
  });

  test('slow and erroring methods get one diagnostic each, on the method name', async () => {
    await waitFor('diagnostics on TokenService.java', () => codes(doc.uri).join() === expected.join(), () => codes(doc.uri));
    const slow = ours(doc.uri).find((d) => d.code === 'slow');
    assert.ok(slow);
    assert.equal(doc.getText(slow.range), 'getToken');
    assert.equal(slow.severity, vscode.DiagnosticSeverity.Warning);
    assert.match(slow.message, /p95 ≈?[\d.]+ s/);
    assert.match(slow.message, /above the 1 s threshold/);
    const errors = ours(doc.uri).find((d) => d.code === 'errors');
    assert.ok(errors);
    assert.match(errors.message, /25% errors \(10 of 40 calls\)/);
    assert.ok(errors.message.length < 1000, 'the hostile message is truncated');
  });

  test('the quick fix "Open slowest trace" is offered on each diagnostic', async () => {
    const slow = ours(doc.uri).find((d) => d.code === 'slow');
    assert.ok(slow);
    const actions = (await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, slow.range, vscode.CodeActionKind.QuickFix.value)) ?? [];
    const open = actions.find((a) => a.title.startsWith('Open slowest trace'));
    assert.ok(open, actions.map((a) => a.title).join(', '));
    assert.ok(open.command?.command === 'tempoLens.openTrace' || open.command?.command === 'tempoLens.showFunctionTraces');
  });

  test('diagnostics follow the thresholds', async () => {
    const c = vscode.workspace.getConfiguration('tempoLens');
    await c.update('thresholds.latencyMs', 60_000, vscode.ConfigurationTarget.Global);
    await waitFor('the slow diagnostic to go', () => codes(doc.uri).join() === expected.filter((e) => !e.startsWith('slow')).join(), () => codes(doc.uri));
    await c.update('thresholds.errorRate', 0.5, vscode.ConfigurationTarget.Global);
    await waitFor('every diagnostic to go', () => codes(doc.uri).length === 0, () => codes(doc.uri));
    await c.update('thresholds.latencyMs', undefined, vscode.ConfigurationTarget.Global);
    await c.update('thresholds.errorRate', undefined, vscode.ConfigurationTarget.Global);
    await waitFor('both diagnostics back', () => codes(doc.uri).join() === expected.join(), () => codes(doc.uri));
  });

  test('diagnostics follow a refresh that no longer sees the method', async () => {
    const c = vscode.workspace.getConfiguration('tempoLens');
    await c.update('filter', 'resource.service.name = "gateway-service"', vscode.ConfigurationTarget.Global);
    await api.refresh();
    await waitFor('diagnostics to clear after the refresh', () => codes(doc.uri).length === 0, () => codes(doc.uri));
    await c.update('filter', undefined, vscode.ConfigurationTarget.Global);
    await api.refresh();
    await waitFor('diagnostics back after the next refresh', () => codes(doc.uri).join() === expected.join(), () => codes(doc.uri));
  });

  test('tempoLens.diagnostics.enabled = false clears them', async () => {
    const c = vscode.workspace.getConfiguration('tempoLens');
    await c.update('diagnostics.enabled', false, vscode.ConfigurationTarget.Global);
    await waitFor('diagnostics off', () => codes(doc.uri).length === 0, () => codes(doc.uri));
    await c.update('diagnostics.enabled', undefined, vscode.ConfigurationTarget.Global);
    await waitFor('diagnostics on', () => codes(doc.uri).join() === expected.join(), () => codes(doc.uri));
  });
});
