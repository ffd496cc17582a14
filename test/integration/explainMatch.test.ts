// Explain Match in a real VS Code: the method under the cursor and a code ref argument, with their reasons.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ExplainMatchResult } from '../../src/features/explainMatch';
import { activate } from './helpers';

const FILE = 'src/main/java/com/example/payments/PaymentService.java';

async function openAt(rel: string, needle: string): Promise<vscode.TextEditor> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the basic fixture workspace is open');
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, rel));
  const editor = await vscode.window.showTextDocument(doc);
  const line = doc.getText().split('\n').findIndex((l) => l.includes(needle));
  assert.ok(line >= 0, `${needle} in ${rel}`);
  editor.selection = new vscode.Selection(line + 1, 4, line + 1, 4);
  return editor;
}

suite('explain match', () => {
  suiteSetup(async () => {
    await activate();
  });

  teardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('method under the cursor: the runtime name that maps to it and why', async () => {
    await openAt(FILE, 'public long quote(String currency, int amount)');
    const r = await vscode.commands.executeCommand<ExplainMatchResult>('tempoLens.explainMatch', { quiet: true });
    assert.equal(r.mode, 'symbol');
    assert.equal(r.symbol?.name, 'PaymentService.quote');
    assert.equal(r.symbol?.line, 14);
    assert.equal(r.symbol?.origin, 'tree-sitter');
    const expected = r.entries.find((e) => e.source === 'expected');
    assert.ok(expected, JSON.stringify(r.entries));
    assert.deepEqual(expected.ref, { namespace: 'com.example.payments.PaymentService', function: 'quote', filePath: null, line: null });
    // Two overloads and no line: the first declared wins, and the reason says so.
    assert.equal(expected.location?.line, 10);
    assert.equal(expected.matchesSymbol, false);
    assert.match(expected.reason, /^com\.example\.payments\.PaymentService\.quote → PaymentService\.quote: Java\/Kotlin naming convention led to src\/main\/java\/com\/example\/payments\/PaymentService\.java, package com\.example\.payments, in PaymentService; 2 overloads share the name/);
  });

  test('observed refs: the one with a line inside this overload matches, the other namespace does not', async () => {
    await openAt(FILE, 'public long quote(String currency, int amount)');
    const observed = [
      { codeRef: { namespace: 'com.example.payments.PaymentService', function: 'quote', filePath: `/app/${FILE}`, line: 15 }, service: 'payments' },
      { codeRef: { namespace: 'com.other.PaymentService', function: 'quote', filePath: null, line: null }, service: 'payments' },
    ];
    const r = await vscode.commands.executeCommand<ExplainMatchResult>('tempoLens.explainMatch', { quiet: true, observed });
    const [hit, miss] = r.entries;
    assert.equal(hit?.matchesSymbol, true);
    assert.match(hit?.reason ?? '', /code\.file\.path resolved to src\/main\/java\/com\/example\/payments\/PaymentService\.java .*of 2 overloads, line 15 picks this one/);
    assert.equal(miss?.location, null);
    assert.match(miss?.reason ?? '', /package com\.example\.payments ≠ com\.other/);
  });

  test('unsaved edits count: a method typed into the open document is explained', async () => {
    const editor = await openAt(FILE, 'public void settle(long paymentId)');
    const last = editor.document.getText().split('\n').lastIndexOf('}');
    await editor.edit((b) => b.insert(new vscode.Position(last, 0), '    public int refund(int cents) {\n        return cents;\n    }\n'));
    // The closing brace of the class moved down; put the cursor in the new method.
    const line = editor.document.getText().split('\n').findIndex((l) => l.includes('public int refund'));
    editor.selection = new vscode.Selection(line + 1, 8, line + 1, 8);
    const r = await vscode.commands.executeCommand<ExplainMatchResult>('tempoLens.explainMatch', { quiet: true });
    assert.equal(r.symbol?.name, 'PaymentService.refund');
    assert.equal(editor.document.isDirty, true, 'the edit is not saved');
    // The workspace index reads the open document too, so a ref to the unsaved method resolves.
    const byRef = await vscode.commands.executeCommand<ExplainMatchResult>('tempoLens.explainMatch', { quiet: true, codeRef: { namespace: 'com.example.payments.PaymentService', function: 'refund', filePath: null, line: null } });
    assert.equal(byRef.entries[0]?.location?.line, line + 1);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  test('a code ref argument: where it lands and why, including an anonymous class', async () => {
    const r = await vscode.commands.executeCommand<ExplainMatchResult>('tempoLens.explainMatch', { quiet: true, codeRef: { namespace: 'com.example.payments.PaymentService$1', function: 'run', filePath: null, line: null } });
    assert.equal(r.mode, 'ref');
    assert.equal(r.entries[0]?.location?.file, FILE);
    assert.equal(r.entries[0]?.location?.line, 21);
    assert.match(r.entries[0]?.reason ?? '', /anonymous class \$1/);
    const none = await vscode.commands.executeCommand<ExplainMatchResult>('tempoLens.explainMatch', { quiet: true, attributes: { 'code.function.name': 'org.springframework.web.servlet.DispatcherServlet.doDispatch' } });
    assert.equal(none.entries[0]?.location, null);
    assert.match(none.entries[0]?.reason ?? '', /framework or runtime library/);
  });
});
