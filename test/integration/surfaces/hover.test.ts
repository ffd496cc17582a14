// Hover on matched method names: the figures table, trusted links only, and hostile span data rendered inert.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activate } from '../helpers';
import type { TempoTestServer } from '../../tempo-server/server';
import { fileUri, lineOf, resetSurfaceSettings, SLOWEST_GET_TOKEN_TRACE, startSeededServer, surfaces, TOKEN_SERVICE } from './surfacesData';

async function hoverText(doc: vscode.TextDocument, line: number, word: string): Promise<{ text: string; md: vscode.MarkdownString[] }> {
  const col = doc.lineAt(line).text.indexOf(word) + 1;
  const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(line, col))) ?? [];
  const md: vscode.MarkdownString[] = [];
  for (const h of hovers) for (const c of h.contents) if (c instanceof vscode.MarkdownString || (typeof c === 'object' && 'value' in c)) md.push(c as vscode.MarkdownString);
  return { text: md.map((m) => m.value).join('\n'), md };
}

suite('surfaces: hover', () => {
  let server: TempoTestServer;
  let doc: vscode.TextDocument;

  suiteSetup(async () => {
    const api = surfaces(await activate());
    server = await startSeededServer();
    const c = vscode.workspace.getConfiguration('tempoLens');
    await c.update('grafanaUrl', 'https://grafana.example.com', vscode.ConfigurationTarget.Global);
    await c.update('grafanaDatasourceUid', 'tempo-uid', vscode.ConfigurationTarget.Global);
    await api.refresh();
    doc = await vscode.workspace.openTextDocument(fileUri(TOKEN_SERVICE));
  });

  suiteTeardown(async () => {
    await resetSurfaceSettings();
    await server?.close();
  });

  test('the method name shows the figures table, trend, reason and links', async () => {
    const { text } = await hoverText(doc, lineOf(doc, 'public String getToken('), 'getToken');
    assert.match(text, /\| p50 \| p95 \| p99 \| errors \| calls \| rate \|/);
    assert.match(text, /\| 2 \(3\.3%\) \| 60 \|/, text);
    assert.match(text, /p95 trend: [▁▂▃▄▅▆▇█·]+/);
    assert.match(text, /p95 ▲ [\d.]+× vs previous 1h/);
    assert.match(text, /token store timeout/);
    assert.match(text, /\*Matched:\*/);
    const open = /command:tempoLens\.openTrace\?([^\s)"]+)/.exec(text);
    assert.ok(open, 'an "Open slowest trace" link');
    const [id] = JSON.parse(decodeURIComponent(open[1] ?? '')) as string[];
    assert.equal(id, SLOWEST_GET_TOKEN_TRACE, 'the link opens the slowest trace of the window');
    assert.ok(text.includes('command:tempoLens.showFunctionTraces?'));
    assert.ok(text.includes('command:tempoLens.searchTraces?'));
    assert.ok(text.includes('command:tempoLens.explainMatch?'), 'the match reason links to Explain Match');
    assert.match(text, /\(https:\/\/grafana\.example\.com\/explore\?schemaVersion=1&panes=[^\s)]+\)/);
    const pane = decodeURIComponent(/panes=([^\s)]+)\)/.exec(text)?.[1] ?? '');
    assert.match(pane, /"uid":"tempo-uid"/);
    assert.match(pane, /span\.code\.function = \\"getToken\\"/);
  });

  test('hovering elsewhere shows nothing from Tempo Lens', async () => {
    const { text } = await hoverText(doc, lineOf(doc, 'public int size('), 'size');
    assert.ok(!text.includes('Tempo Lens'));
  });

  test('a hostile status message (command link, HTML, 10 KB) renders inert', async () => {
    const { text, md } = await hoverText(doc, lineOf(doc, 'public void revoke('), 'revoke');
    assert.ok(text.includes('Top errors'), text.slice(0, 500));
    assert.ok(!text.includes('](command:workbench'), 'no foreign command link');
    assert.ok(!text.includes('command:workbench'), 'the scheme is broken up (escaped colon)');
    assert.ok(!text.includes('<img'), 'no raw HTML');
    assert.ok(!text.includes('**bold**'), 'no emphasis from span data');
    assert.ok(!text.includes('$(zap)'), 'no theme icon from span data');
    assert.ok(!text.includes('A'.repeat(300)), 'the 10 KB message is truncated');
    assert.ok(text.length < 6000, `bounded size, got ${text.length}`);
    for (const m of md) {
      const trusted = m.isTrusted;
      assert.ok(typeof trusted === 'object' && trusted !== null, 'trust is limited to a command list');
      assert.ok(trusted.enabledCommands.every((c) => c.startsWith('tempoLens.')), JSON.stringify(trusted));
      assert.ok(!m.supportHtml);
    }
  });
});
