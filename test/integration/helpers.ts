// Helpers shared by the integration suites: the extension's API, settings reset, bounded waits.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TempoLensApi } from '../../src/extension';

export const EXTENSION_ID = 'tempo-lens.tempo-lens';

/** The commands of CONTRACT.md; a suite checks every one is registered and contributed. */
export const CONTRACT_COMMANDS = [
  'tempoLens.configureConnection', 'tempoLens.testConnection', 'tempoLens.searchTraces', 'tempoLens.openTrace',
  'tempoLens.refresh', 'tempoLens.setTimeRange', 'tempoLens.showHotspots', 'tempoLens.showFunctionTraces',
  'tempoLens.explainMatch', 'tempoLens.showLog', 'tempoLens.checkInstrumentation',
] as const;

/** Activates the extension (idempotent) and returns its API. */
export async function activate(): Promise<TempoLensApi> {
  const ext = vscode.extensions.getExtension<TempoLensApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed in the host`);
  return ext.activate();
}

/** Settings that the suites change; reset to their defaults (user scope) after each test. */
const TOUCHED = ['url', 'auth', 'user', 'tenant', 'headers', 'timeRange', 'source'];

export async function resetSettings(): Promise<void> {
  const c = vscode.workspace.getConfiguration('tempoLens');
  for (const key of TOUCHED) {
    if (c.inspect(key)?.globalValue !== undefined) await c.update(key, undefined, vscode.ConfigurationTarget.Global);
  }
}

/**
 * Polls `probe` until it returns true, for state that settles asynchronously (status bar after a
 * background re-check). Bounded: fails with `what` and the last observed value.
 */
export async function waitFor(what: string, probe: () => unknown, observe: () => unknown = probe, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (probe()) return;
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}; last seen: ${JSON.stringify(observe())}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A loopback port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = net.createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}
