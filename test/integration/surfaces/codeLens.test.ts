// CodeLens above matched methods, through vscode.executeCodeLensProvider against the seeded test server.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activate } from '../helpers';
import type { TempoTestServer } from '../../tempo-server/server';
import { fileUri, lineOf, resetSurfaceSettings, startSeededServer, surfaces, TOKEN_SERVICE, type SurfacesApi } from './surfacesData';

async function lensesOf(uri: vscode.Uri): Promise<vscode.CodeLens[]> {
  return (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100)) ?? [];
}

suite('surfaces: CodeLens', () => {
  let server: TempoTestServer;
  let api: SurfacesApi;
  let doc: vscode.TextDocument;

  suiteSetup(async () => {
    api = surfaces(await activate());
    server = await startSeededServer();
    await api.refresh();
    assert.equal(api.state().status, 'ready', JSON.stringify(api.state()));
    doc = await vscode.workspace.openTextDocument(fileUri(TOKEN_SERVICE));
  });

  suiteTeardown(async () => {
    await resetSurfaceSettings();
    await server?.close();
  });

  test('a lens with the figures, the window and the regression sits on the slow method', async () => {
    const lenses = await lensesOf(doc.uri);
    const line = lineOf(doc, 'public String getToken(');
    const lens = lenses.find((l) => l.range.start.line === line);
    assert.ok(lens?.command, `a lens on line ${line + 1}; got ${JSON.stringify(lenses.map((l) => [l.range.start.line, l.command?.title]))}`);
    const title = lens.command.title;
    assert.match(title, /^\$\((warning|error)\) p95 ≈?[\d.]+ s · p50 ≈?[\d.]+ ms · 3\.3% errors · [\d.]+\/(s|min|h) · 1h/, title);
    assert.match(title, / · p95 ▲ [\d.]+× vs previous 1h$/, title);
    assert.equal(lens.command.command, 'tempoLens.showFunctionTraces');
    const [ref, service] = lens.command.arguments ?? [];
    assert.equal((ref as { function: string }).function, 'getToken');
    assert.equal((ref as { namespace: string }).namespace, 'com.acme.tokens.TokenService');
    assert.equal(service, 'token-service');
  });

  test('healthy methods get a plain lens, methods without spans get none', async () => {
    const lenses = await lensesOf(doc.uri);
    const jwks = lenses.find((l) => l.range.start.line === lineOf(doc, 'getJwks('));
    assert.ok(jwks?.command);
    assert.match(jwks.command.title, /^p95 ≈?[\d.]+ ms · p50 ≈?[\d.]+ ms · no errors · [\d.]+\/(s|min|h) · 1h$/);
    assert.equal(lenses.find((l) => l.range.start.line === lineOf(doc, 'public int size(')), undefined, 'size() has no spans');
    assert.equal(lenses.find((l) => l.range.start.line === lineOf(doc, 'public TokenService(')), undefined, 'the constructor has no spans');
    assert.equal(lenses.length, 3, lenses.map((l) => l.command?.title).join('\n'));
  });

  test('the open file\'s estimated percentiles are replaced by exact ones from span durations', async () => {
    const line = lineOf(doc, 'public String getToken(');
    let title = '';
    for (const until = Date.now() + 15_000; Date.now() < until; await new Promise((r) => setTimeout(r, 100))) {
      title = (await lensesOf(doc.uri)).find((l) => l.range.start.line === line)?.command?.title ?? '';
      if (/^\$\(warning\) p95 [\d.]+ s · p50 [\d.]+ ms · /.test(title)) break;
    }
    assert.match(title, /^\$\(warning\) p95 [\d.]+ s · p50 [\d.]+ ms · /, 'exact figures, no ≈');
    // Counts and the regression stay on the complete metrics.
    assert.match(title, /3\.3% errors/);
    assert.match(title, / · p95 ▲ [\d.]+× vs previous 1h$/);
    assert.ok(server.requests.some((r) => r.path.startsWith('/api/search') && /code\.namespace = \"com\.acme\.tokens\.TokenService\"/.test(r.query['q'] ?? '')), 'one search for the namespace');
  });

  test('tempoLens.codeLens.enabled = false removes every lens', async () => {
    const c = vscode.workspace.getConfiguration('tempoLens');
    await c.update('codeLens.enabled', false, vscode.ConfigurationTarget.Global);
    try {
      assert.equal((await lensesOf(doc.uri)).length, 0);
    } finally {
      await c.update('codeLens.enabled', undefined, vscode.ConfigurationTarget.Global);
    }
    assert.equal((await lensesOf(doc.uri)).length, 3);
  });
});
