// Clicking a lens: the slowest and erroring traces of the method in a pick list; accepting one opens it.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { waitFor } from '../helpers';
import { SLOWEST_GET_TOKEN_TRACE, type SurfacesApi, useSeededSurfaces } from './surfacesData';

suite('surfaces: traces of a function', () => {
  let api: SurfacesApi;

  useSeededSurfaces((a) => { api = a; }, { closeEditors: true });

  test('the pick list shows slowest then erroring traces and opens the one accepted', async () => {
    const ref = { namespace: 'com.acme.tokens.TokenService', function: 'getToken', filePath: null, line: null };
    const picked = vscode.commands.executeCommand<string | undefined>('tempoLens.showFunctionTraces', ref, 'token-service');
    await waitFor('the pick list to load', () => api.functionTraceItems().length > 0, () => api.functionTraceItems(), 15_000);
    const items = api.functionTraceItems();
    assert.equal(items[0], 'Slowest');
    assert.match(items[1] ?? '', /^\$\(clock\) 4 s /, items.join(' | '));
    assert.ok(items.includes('Errors'), items.join(' | '));
    assert.ok(items.some((i) => i.startsWith('$(error) ')), items.join(' | '));
    // The workbench accepts only once the pick list has focus; ask for it and retry, bounded.
    let id: string | undefined = 'no pick after 10 s';
    for (let attempt = 0; attempt < 20; attempt++) {
      await vscode.commands.executeCommand('workbench.action.focusQuickOpen').then(undefined, () => undefined);
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      const r = await Promise.race([picked, new Promise<'pending'>((res) => setTimeout(() => res('pending'), 500))]);
      if (r !== 'pending') {
        id = r;
        break;
      }
    }
    assert.equal(id, SLOWEST_GET_TOKEN_TRACE);
  });

  test('a call with a malformed argument warns instead of failing', async () => {
    assert.equal(await vscode.commands.executeCommand('tempoLens.showFunctionTraces', { nope: 1 }), undefined);
  });
});
