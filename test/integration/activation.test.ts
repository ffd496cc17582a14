// The extension activates in a real VS Code host and contributes and registers every command.
import * as assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TempoLensApi } from '../../src/extension';
import { CONTRACT_COMMANDS, EXTENSION_ID } from './helpers';

/**
 * The extension host's own "load code" time for this extension (read, compile and evaluate the
 * bundle, as the Running Extensions view shows it), from its performance marks: a VS Code internal
 * (`globalThis.MonacoPerformanceMarks`, Date.now() resolution), so null when a host lacks it.
 */
function hostCodeLoadingMs(): number | null {
  const marks = (globalThis as { MonacoPerformanceMarks?: { getMarks(): { name: string; startTime: number }[] } }).MonacoPerformanceMarks?.getMarks() ?? [];
  const at = (what: string): number | undefined => marks.find((m) => m.name === `code/extHost/${what}/${EXTENSION_ID}`)?.startTime;
  const will = at('willLoadExtensionCode');
  const did = at('didLoadExtensionCode');
  return will !== undefined && did !== undefined ? did - will : null;
}

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
    const a = api.activation;
    const loadMs = hostCodeLoadingMs();
    console.log(`activation: host's code loading (read + compile + evaluate) ${loadMs === null ? 'n/a' : `${loadMs} ms`}, bundle evaluated ${a.bundleLoadMs.toFixed(1)} ms, activate() body ${a.activateMs.toFixed(1)} ms, bundle load → activated ${a.sinceModuleLoadMs.toFixed(1)} ms, ext.activate() awaited ${waited.toFixed(1)} ms${wasActive ? ' (already active via onStartupFinished)' : ''}`);
    // The activation bench (test/bench/activation.bench.ts) prints the last host figures.
    writeFileSync(path.resolve(__dirname, '../activation-host.json'), `${JSON.stringify({ at: new Date().toISOString(), host: `${vscode.env.appName} ${vscode.version}, Node ${process.version}`, bundleBytes: statSync(path.join(ext.extensionPath, 'dist/extension.js')).size, hostCodeLoadingMs: loadMs, bundleLoadMs: a.bundleLoadMs, activateMs: a.activateMs, lazyLoaded: a.lazyLoaded })}\n`);
  });

  test('activation loads none of the bundles kept for first use (undici, re2js, the TraceQL grammar, the quick-fix builders)', async () => {
    const api = await vscode.extensions.getExtension<TempoLensApi>(EXTENSION_ID)?.activate();
    assert.ok(api);
    // Taken from require.cache when activate() returned (a request made later may load undici by now).
    assert.deepEqual(api.activation.lazyLoaded, [], 'dist/vendor and dist/lazy bundles loaded during activation');
    assert.ok(api.activation.bundleLoadMs > 0, 'the bundle banner (esbuild.mjs) marks the start of the figure');
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
