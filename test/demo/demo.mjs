#!/usr/bin/env node
// `npm run demo`: this build of the extension, installed into a real VS Code (the VS Code server
// and its web workbench, opened in your browser), on a sample workspace fed by the Tempo-compatible
// test server seeded with both incidents — or, with `--source files`, by OTLP JSON files in the
// workspace and no server at all. Everything listens on 127.0.0.1; Ctrl-C stops everything it started.
//
// usage: npm run demo [-- --source tempo|files] [--port N] [--tempo-port N] [--state DIR] [--no-build]
//   --source      tempo (default): seeded Tempo test server; files: .tempo-lens/traces/*.json only
//   --port        VS Code server port (default: a free one)
//   --tempo-port  Tempo test server port (default: a free one)
//   --state       where the demo keeps its user data, extensions and workspace copy
//                 (default ~/.cache/tempo-lens-vscode-host/demo; the user data persists between runs)
//   --no-build    skip `node esbuild.mjs` (dist/ must be current)
// env: TEMPO_LENS_HOST_DIR, TEMPO_LENS_SKIP_SETUP=1, VERBOSE=1 (server output) — see test/vscode-host.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ensureHost, freePort, HOST_DIR, hostVersion, ROOT, startVsCodeServer, workbenchUrl } from '../vscode-host/host.mjs';

const FIXTURE = join(ROOT, 'test/fixtures/workspaces/demo');
const VERBOSE = !!process.env.VERBOSE;

function parseArgs(argv) {
  const out = { source: 'tempo', port: 0, tempoPort: 0, state: join(HOST_DIR, 'demo'), build: true };
  const value = (i, name) => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) usage(`${name} needs a value`);
    return v;
  };
  const port = (v, name) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 65535) usage(`${name} must be a port number, got ${v}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--source') { out.source = value(i++, a); if (out.source !== 'tempo' && out.source !== 'files') usage('--source is tempo or files'); }
    else if (a === '--port') out.port = port(value(i++, a), a);
    else if (a === '--tempo-port') out.tempoPort = port(value(i++, a), a);
    else if (a === '--state') out.state = value(i++, a);
    else if (a === '--no-build') out.build = false;
    else if (a === '--help' || a === '-h') usage();
    else usage(`unknown argument ${a}`);
  }
  return out;
}

function usage(problem) {
  if (problem) console.error(`demo: ${problem}`);
  console.error('usage: npm run demo [-- --source tempo|files] [--port N] [--tempo-port N] [--state DIR] [--no-build]');
  process.exit(problem ? 2 : 0);
}

function run(cmd, args, what) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status ?? r.signal})`);
}

/**
 * The Tempo test server and its seed are TypeScript under test/tempo-server; bundling them with
 * esbuild (packages stay external) takes a fraction of a second and does not depend on the whole
 * test tree type-checking.
 */
async function loadTempoServer() {
  const esbuild = await import('esbuild');
  const outfile = join(ROOT, 'out/demo/tempoServer.cjs');
  await esbuild.build({
    stdin: {
      contents: "export { startTempoServer } from './test/tempo-server/server';\nexport { seedTraces } from './test/tempo-server/seed';\n",
      resolveDir: ROOT, loader: 'ts', sourcefile: 'demo-tempo-server.ts',
    },
    bundle: true, platform: 'node', format: 'cjs', target: 'node20', packages: 'external', outfile, logLevel: 'warning',
  });
  return createRequire(import.meta.url)(outfile);
}

/** A fresh copy of the sample workspace, so quick fixes and generated files never touch the repository. */
function prepareWorkspace(dir) {
  rmSync(dir, { recursive: true, force: true });
  cpSync(FIXTURE, dir, { recursive: true, filter: (src) => !/[\\/](\.vscode|\.tempo-lens)$/.test(src) });
  mkdirSync(join(dir, '.vscode'), { recursive: true });
}

/**
 * Installs this build into the demo's extensions folder the way `--install-extension` lays a VSIX
 * out (the files the VSIX holds, copied: no symlink an "Uninstall" could follow into the repo).
 * Removing extensions.json makes the server rescan the folder, so the fresh copy is picked up.
 */
function installExtension(extensionsDir) {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const id = `${manifest.publisher}.${manifest.name}`.toLowerCase();
  mkdirSync(extensionsDir, { recursive: true });
  for (const name of readdirSync(extensionsDir)) {
    if (name.toLowerCase().startsWith(`${id}-`)) rmSync(join(extensionsDir, name), { recursive: true, force: true });
  }
  rmSync(join(extensionsDir, 'extensions.json'), { force: true });
  const dir = join(extensionsDir, `${id}-${manifest.version}`);
  mkdirSync(dir);
  for (const f of ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE']) if (existsSync(join(ROOT, f))) cpSync(join(ROOT, f), join(dir, f));
  cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
  cpSync(join(ROOT, 'media'), join(dir, 'media'), { recursive: true, filter: (src) => !/[\\/]screenshots$/.test(src) });
  return `${id}@${manifest.version}`;
}

/** The seed as OTLP JSON lines, one file per root service (what a collector's file exporter writes). */
function writeTraceFiles(dir, payloads) {
  const out = join(dir, '.tempo-lens/traces');
  mkdirSync(out, { recursive: true });
  const byService = new Map();
  for (const p of payloads) {
    const attrs = p.resourceSpans?.[0]?.resource?.attributes ?? [];
    const service = attrs.find((a) => a.key === 'service.name')?.value?.stringValue ?? 'unknown';
    byService.set(service, [...(byService.get(service) ?? []), JSON.stringify(p)]);
  }
  for (const [service, lines] of byService) writeFileSync(join(out, `${service}.json`), `${lines.join('\n')}\n`);
  return [...byService.keys()].map((s) => `.tempo-lens/traces/${s}.json`);
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const started = [];
  let stopping = false;
  const stopAll = async () => {
    if (stopping) return;
    stopping = true;
    for (const s of started.reverse()) await s.stop().catch(() => {});
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      console.log(`\ndemo: ${sig}, stopping`);
      void stopAll().then(() => process.exit(0));
    });
  }

  try {
    if (opts.build) run(process.execPath, ['esbuild.mjs'], 'npm run build');
    if (!existsSync(join(ROOT, 'dist/extension.js'))) throw new Error('dist/extension.js is missing: run "npm run build"');
    ensureHost();
    const { version } = hostVersion();
    const { startTempoServer, seedTraces } = await loadTempoServer();

    const workspace = join(opts.state, 'workspace');
    prepareWorkspace(workspace);
    const payloads = seedTraces(Date.now());
    const settings = { 'tempoLens.source': opts.source, 'tempoLens.timeRange': '1h' };
    let sourceLine;
    if (opts.source === 'tempo') {
      const tempo = await startTempoServer({ port: opts.tempoPort });
      started.push({ stop: () => tempo.close() });
      for (const p of payloads) tempo.ingest(p);
      settings['tempoLens.url'] = tempo.url;
      sourceLine = `Tempo test server (Tempo 2.7.2 API): ${tempo.url} — ${payloads.length} seeded traces over the last hour`;
    } else {
      const files = writeTraceFiles(workspace, payloads);
      settings['tempoLens.files'] = '.tempo-lens/traces/**/*.json';
      sourceLine = `no server: ${payloads.length} traces in ${files.join(', ')} (tempoLens.source = files)`;
    }
    writeFileSync(join(workspace, '.vscode/settings.json'), `${JSON.stringify(settings, null, 2)}\n`);

    const installed = installExtension(join(opts.state, 'extensions'));
    const port = opts.port || await freePort();
    const vscode = await startVsCodeServer({
      port,
      dataDir: opts.state,
      // The workspace README says what to look at; the demo opens it first.
      userSettings: { 'workbench.startupEditor': 'readme', 'workbench.secondarySideBar.defaultVisibility': 'hidden', 'workbench.colorTheme': 'Default Dark Modern', 'editor.stickyScroll.enabled': false },
      onOutput: VERBOSE ? (d) => process.stdout.write(`[vscode] ${d}`) : undefined,
    });
    started.push(vscode);
    void vscode.exited.then(({ code, signal }) => {
      if (stopping) return;
      console.error(`demo: the VS Code server stopped (${code ?? signal}):\n${vscode.output().slice(-2000)}`);
      void stopAll().then(() => process.exit(1));
    });

    const url = workbenchUrl({ port, folder: workspace });
    console.log(`
Tempo Lens demo — VS Code ${version} (server + web workbench) with ${installed} built from ${ROOT}
  workspace: ${workspace} (a fresh copy of test/fixtures/workspaces/demo)
  source:    ${sourceLine}

Open this URL in a browser (Chrome, Chromium, Edge or Firefox):

${url}

Then open token-service/src/main/java/com/acme/token/TokenService.java (Ctrl+P) and look above getJwks().
Ctrl-C stops everything.`);
    await new Promise(() => {}); // until a signal
  } catch (e) {
    console.error(`demo: ${e?.message ?? e}`);
    await stopAll();
    process.exit(1);
  }
}

void main();
