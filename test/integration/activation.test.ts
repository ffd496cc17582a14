// The extension activates in a real VS Code host and contributes and registers every command.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TempoLensApi } from '../../src/extension';
import { CONTRACT_COMMANDS, EXTENSION_ID } from './helpers';

suite('activation', () => {
  test('the extension activates in the VS Code host', async () => {
    console.log(`host: ${vscode.env.appName} ${vscode.version} (${vscode.env.appHost}, ui ${vscode.env.uiKind === vscode.UIKind.Web ? 'web' : 'desktop'}), extension host Node ${process.version}`);
    const ext = vscode.extensions.getExtension<TempoLensApi>(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not loaded`);
    const wasActive = ext.isActive;
    const t0 = performance.now();
    const api = await ext.activate();
    const waited = performance.now() - t0;
    assert.equal(ext.isActive, true);
    assert.equal(typeof api.activation.activateMs, 'number');
    assert.equal(typeof api.statusBar, 'function');
    // Figures for the report, not assertions (timing belongs in benchmarks).
    console.log(`activation: activate() body ${api.activation.activateMs.toFixed(1)} ms, bundle load → activated ${api.activation.sinceModuleLoadMs.toFixed(1)} ms, ext.activate() awaited ${waited.toFixed(1)} ms${wasActive ? ' (already active via onStartupFinished)' : ''}`);
  });

  test('every CONTRACT.md command is registered and contributed', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    await ext?.activate();
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = CONTRACT_COMMANDS.filter((c) => !registered.has(c));
    assert.deepEqual(missing, [], 'commands not registered');
    const contributed = (ext?.packageJSON as { contributes: { commands: { command: string; category: string }[] } }).contributes.commands;
    for (const id of CONTRACT_COMMANDS) {
      const entry = contributed.find((c) => c.command === id);
      assert.ok(entry, `${id} is not contributed in package.json`);
      assert.equal(entry.category, 'Tempo Lens', `${id} category`);
    }
  });
});
