// The windows the integration tier opens, shared by run.mjs (VS Code server + chromium) and
// runDesktop.mjs (@vscode/test-electron): which suites run in which fixture workspace.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `suites` is a folder under out/test/integration ('.' = its top-level files only).
 * `trust: true` leaves workspace trust on, so the workspace opens untrusted (Restricted Mode).
 * Subfolders not listed here run with the fixture workspace of the same name, trust disabled.
 */
export const RUNS = [
  { name: 'basic', suites: '.', workspace: 'basic', trust: false },
  { name: 'untrusted', suites: 'untrusted', workspace: 'untrusted', trust: true },
  // The same surface suite against each telemetry source (Tempo, files, the local receiver), in the surfaces workspace.
  { name: 'sources', suites: 'sources', workspace: 'surfaces', trust: false },
  // Against a real Tempo the real-Tempo tier started (test/real-tempo/run.mjs): only with its URL.
  { name: 'real-tempo', suites: 'real-tempo', workspace: 'demo', trust: false, onlyWith: 'TEMPO_REAL_URL' },
];

/** User settings of every test window: quiet, offline, no trust prompt. */
export { BASE_USER_SETTINGS as USER_SETTINGS } from './host.mjs';

/** True when a folder holds a compiled suite (a folder of helpers only is no window). */
function hasSuites(dir) {
  return readdirSync(dir).some((n) => n.endsWith('.test.js') || (statSync(join(dir, n)).isDirectory() && hasSuites(join(dir, n))));
}

/** RUNS plus one window per other suite folder found in `testsDir` (out/test/integration). */
export function discoverRuns(testsDir, env = process.env) {
  const runs = RUNS.filter((r) => !r.onlyWith || env[r.onlyWith]);
  if (existsSync(testsDir)) {
    for (const name of readdirSync(testsDir)) {
      const dir = join(testsDir, name);
      if (!statSync(dir).isDirectory() || RUNS.some((r) => r.suites === name) || !hasSuites(dir)) continue;
      runs.push({ name, suites: name, workspace: name, trust: false });
    }
  }
  return runs;
}
