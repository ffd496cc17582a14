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
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM_ARGS, CHROMIUM_PATH, ensureHost, freePort, HOST_DIR, hostVersion, loadPlaywright, ROOT, SERVER_NODE, startVsCodeServer, workbenchUrl } from './host.mjs';
import { discoverRuns } from './runs.mjs';

const TESTS = join(ROOT, 'out/test/integration');
const TIMEOUT_MS = Number(process.env.TEST_TIMEOUT_MS || 300_000);
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

/** Process groups of running VS Code servers, killed on Ctrl-C. */
const liveServers = new Set();

/** Workbench noise that says nothing about the tests. */
const NOISE = /^Resolving connection token|^Resolved connection token|^Creating a socket|^\[reconnection-grace-time\]|^Updating additional builtin|^\[AgentHost|^\[AccountPolicyGate\]|open-vsx\.org|^\[Service Worker\]|^\[ChatModelSelection\]|authentication provider 'github'|^Started local extension host|^Extension host \(|^\[LocalProcess|^Started initializing default profile|^Completed initializing default profile|^\[Extension Host\] Debugger attached|^Creation of workbench contribution/;

/** Opens one window, runs its suites, returns { passed, failed, ok }. */
async function runWindow(chromium, run, opts, hostInfo) {
  const workspace = join(ROOT, 'test/fixtures/workspaces', run.workspace);
  if (!existsSync(workspace)) throw new Error(`no fixture workspace ${workspace}`);
  const tmp = mkdtempSync(join(tmpdir(), 'tempo-lens-host-'));
  const env = { ...process.env, TEMPO_LENS_SUITES: run.suites, ...(opts.grep ? { TEMPO_LENS_GREP: opts.grep } : {}) };
  let server;
  let browser;
  let timer;
  const counts = { passed: 0, failed: 0, sawSummary: false };
  try {
    // --enable-smoke-test-driver: without it the workbench ignores the extensionDevelopmentPath /
    // extensionTestsPath payload. Test output reaches the workbench log only at --log info.
    server = await startVsCodeServer({
      port: await freePort(), dataDir: tmp, trust: run.trust, env, extraArgs: ['--enable-smoke-test-driver'],
      onOutput: VERBOSE ? (d) => process.stdout.write(`[server] ${d}`) : undefined,
    });
    liveServers.add(server.pid);
    const url = workbenchUrl({ port: server.port, folder: workspace, extensionDevelopmentPath: ROOT, extensionTestsPath: TESTS });

    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, timeout: 60_000, args: CHROMIUM_ARGS });
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
    if (server) {
      await server.stop(300);
      liveServers.delete(server.pid);
    }
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
  const product = hostVersion();
  const codeServer = JSON.parse(readFileSync(join(HOST_DIR, 'host/node_modules/code-server/package.json'), 'utf8'));
  const nodeVersion = spawnSync(SERVER_NODE, ['--version'], { encoding: 'utf8' }).stdout.trim();
  console.log(`VS Code host: VS Code ${product.version} (commit ${product.commit.slice(0, 10)}; server + web workbench from npm code-server ${codeServer.version}), extension host Node ${nodeVersion}`);
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

main().catch((e) => { console.error(e?.hostSetup ? e.message : (e?.stack || e)); process.exit(1); });
