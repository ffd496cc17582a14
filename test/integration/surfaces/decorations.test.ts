// Inline hints and gutter marks: on the signature line of matched methods in visible editors, coloured by severity, switchable.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { waitFor } from '../helpers';
import { fileUri, GATEWAY, lineOf, TOKEN_SERVICE, type SurfacesApi, useSeededSurfaces } from './surfacesData';

suite('surfaces: inline hints', () => {
  let api: SurfacesApi;

  useSeededSurfaces((a) => { api = a; }, { closeEditors: true });

  test('a visible editor gets one hint per matched method, by severity', async () => {
    const doc = await vscode.workspace.openTextDocument(fileUri(TOKEN_SERVICE));
    await vscode.window.showTextDocument(doc);
    const uri = doc.uri.toString();
    await waitFor('hints in TokenService.java', () => api.hints(uri).length === 3, () => api.hints(uri));
    const byLine = new Map(api.hints(uri).map((h) => [h.line, h]));
    const getToken = byLine.get(lineOf(doc, 'public String getToken('));
    assert.equal(getToken?.level, 'warning');
    assert.match(getToken?.text ?? '', /^p95 ≈?[\d.]+ s · 3\.3% err · ▲[\d.]+× · 1h$/);
    assert.equal(byLine.get(lineOf(doc, 'public void revoke('))?.level, 'error');
    assert.equal(byLine.get(lineOf(doc, 'getJwks('))?.level, 'info');
  });

  test('hidden editors are not decorated; hints follow the setting', async () => {
    const token = await vscode.workspace.openTextDocument(fileUri(TOKEN_SERVICE));
    const gateway = await vscode.workspace.openTextDocument(fileUri(GATEWAY));
    await vscode.window.showTextDocument(gateway);
    await waitFor('hints move to the visible editor', () => api.hints(gateway.uri.toString()).length === 1 && api.hints(token.uri.toString()).length === 0,
      () => [api.hints(gateway.uri.toString()), api.hints(token.uri.toString())]);
    const c = vscode.workspace.getConfiguration('tempoLens');
    await c.update('inlineHints.enabled', false, vscode.ConfigurationTarget.Global);
    await waitFor('hints off', () => api.hints(gateway.uri.toString()).length === 0, () => api.hints(gateway.uri.toString()));
    await c.update('inlineHints.enabled', undefined, vscode.ConfigurationTarget.Global);
    await waitFor('hints back', () => api.hints(gateway.uri.toString()).length === 1, () => api.hints(gateway.uri.toString()));
  });
});
