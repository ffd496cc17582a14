#!/usr/bin/env node
// Runs the same integration suites in desktop VS Code through @vscode/test-electron (downloads
// VS Code; for machines with access to update.code.visualstudio.com — not used by CI here).
// usage: node test/vscode-host/runDesktop.mjs [--grep PATTERN] [--version stable|insiders|1.90.0]
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';
import { discoverRuns, USER_SETTINGS } from './runs.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TESTS = join(ROOT, 'out/test/integration');
const args = process.argv.slice(2);
const opt = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const grep = opt('--grep');
const version = opt('--version') ?? 'stable';

if (!existsSync(join(TESTS, 'index.js')) || !existsSync(join(ROOT, 'dist/extension.js'))) {
  console.error('runDesktop.mjs: run "npm run build && npm run compile:tests" first');
  process.exit(2);
}

const runs = discoverRuns(TESTS);

let failed = false;
for (const run of runs) {
  const userData = mkdtempSync(join(tmpdir(), 'tempo-lens-desktop-'));
  mkdirSync(join(userData, 'User'), { recursive: true });
  writeFileSync(join(userData, 'User/settings.json'), JSON.stringify(USER_SETTINGS));
  try {
    await runTests({
      version,
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: TESTS,
      extensionTestsEnv: { TEMPO_LENS_SUITES: run.suites, ...(grep ? { TEMPO_LENS_GREP: grep } : {}) },
      launchArgs: [join(ROOT, 'test/fixtures/workspaces', run.workspace), '--disable-extensions',
        ...(run.trust ? [] : ['--disable-workspace-trust']), '--skip-welcome', '--skip-release-notes', '--user-data-dir', userData],
    });
  } catch (e) {
    console.error(`window "${run.name}" failed: ${e?.message ?? e}`);
    failed = true;
  } finally {
    rmSync(userData, { recursive: true, force: true });
  }
}
process.exit(failed ? 1 : 0);
