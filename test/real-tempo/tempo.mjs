// Starts and stops a real Grafana Tempo (a binary from TEMPO_BIN) on free loopback ports with this
// project's own config for its major version, pushes OTLP/HTTP JSON into it, and waits until its
// TraceQL metrics count what was pushed. Used by the real-Tempo tier (run.mjs) and `npm run tempo:real`.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Binaries named by TEMPO_BIN (one path, or several separated by ':'), in order. */
export function tempoBinaries(env = process.env) {
  return (env.TEMPO_BIN ?? '').split(':').map((s) => s.trim()).filter((s) => s !== '');
}

/** `2.7.2` from `tempo -version` ("tempo, version 2.7.2 (branch: …)"). */
export function tempoVersion(bin) {
  const r = spawnSync(bin, ['-version'], { encoding: 'utf8', timeout: 20_000 });
  const m = /version\s+v?(\d+\.\d+\.\d+)/.exec(`${r.stdout}${r.stderr}`);
  if (r.error || !m) throw new Error(`TEMPO_BIN entry ${bin} is not a runnable Tempo (${r.error?.message ?? `-version printed: ${(r.stdout + r.stderr).trim().slice(0, 200)}`})`);
  return m[1];
}

const freePort = () => new Promise((res, rej) => {
  const s = createServer().once('error', rej).listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => res(port));
  });
});

/**
 * Starts one Tempo; resolves once `/ready` answers 200.
 * Returns { version, major, url, otlpUrl, pid, stop(), logTail() }.
 */
export async function startTempo(bin, { readyTimeoutMs = 90_000 } = {}) {
  const version = tempoVersion(bin);
  const major = Number(version.split('.')[0]);
  const template = join(HERE, major >= 3 ? 'tempo-3.x.yaml.tmpl' : 'tempo-2.x.yaml.tmpl');
  const data = mkdtempSync(join(tmpdir(), `tempo-lens-tempo-${version}-`));
  const ports = { HTTP: await freePort(), GRPC: await freePort(), OTLP: await freePort(), OTLPG: await freePort(), ML: await freePort() };
  let config = readFileSync(template, 'utf8').replaceAll('@DATA@', data);
  for (const [k, v] of Object.entries(ports)) config = config.replaceAll(`@${k}@`, String(v));
  const configPath = join(data, 'tempo.yaml');
  writeFileSync(configPath, config);
  const child = spawn(bin, [`-config.file=${configPath}`], { cwd: data, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let log = '';
  const onData = (d) => { log = (log + d).slice(-16_000); };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise((r) => child.once('exit', (code, signal) => r(code ?? signal)));
  const url = `http://127.0.0.1:${ports.HTTP}`;
  const tempo = {
    version, major, url, otlpUrl: `http://127.0.0.1:${ports.OTLP}`, pid: child.pid,
    logTail: () => log.slice(-4000),
    async stop() {
      try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ }
      const done = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
      if (!done) try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
      rmSync(data, { recursive: true, force: true });
    },
  };
  for (const t0 = Date.now(); ;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const tail = log.slice(-3000);
      await tempo.stop();
      throw new Error(`Tempo ${version} exited during start-up (${child.exitCode ?? child.signalCode}):\n${tail}`);
    }
    try {
      if ((await fetch(`${url}/ready`)).status === 200) break;
    } catch { /* not listening yet */ }
    if (Date.now() - t0 > readyTimeoutMs) {
      const tail = log.slice(-3000);
      await tempo.stop();
      throw new Error(`Tempo ${version} was not ready after ${readyTimeoutMs} ms:\n${tail}`);
    }
    await sleep(250);
  }
  return tempo;
}

/** POSTs OTLP/HTTP JSON payloads (ExportTraceServiceRequest objects) to Tempo's receiver. */
export async function pushOtlp(tempo, payloads) {
  for (const p of payloads) {
    const r = await fetch(`${tempo.otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(p) });
    if (r.status !== 200) throw new Error(`Tempo ${tempo.version} refused OTLP: ${r.status} ${(await r.text()).slice(0, 300)}`);
  }
}

/** Sum of every value of a query_range answer (`count_over_time` series). */
function sumSeries(body) {
  let total = 0;
  for (const s of body.series ?? []) for (const v of s.samples ?? []) total += Number(v.value ?? 0);
  return total;
}

/**
 * Waits until Tempo's TraceQL metrics give every count in `expect` ({ query → spans }), asked as
 * the product asks (the last hour, 60 s steps). Search and trace-by-id are ready long before
 * (PITFALLS 10, 13); on 3.0 a query with small steps sees fresh spans tens of seconds before one
 * with 60 s steps does, so only the product's shape tells when its figures are complete.
 * Resolves with the seconds it took; rejects with the last counts after `timeoutMs`.
 */
export async function waitForMetrics(tempo, { expect, timeoutMs = 180_000 }) {
  const t0 = Date.now();
  const last = new Map();
  let lastError = '';
  for (;;) {
    const endS = Math.ceil(Date.now() / 60_000) * 60;
    await Promise.all(Object.keys(expect).map(async (q) => {
      try {
        const r = await fetch(`${tempo.url}/api/metrics/query_range?${new URLSearchParams({ q, start: String(endS - 3600), end: String(endS), step: '60s' })}`);
        const text = await r.text();
        if (r.status === 200) last.set(q, sumSeries(JSON.parse(text)));
        else lastError = `${r.status} ${text.slice(0, 200)}`;
      } catch (e) {
        lastError = String(e);
      }
    }));
    if (Object.entries(expect).every(([q, n]) => last.get(q) === n)) return (Date.now() - t0) / 1000;
    if (Date.now() - t0 > timeoutMs) {
      const seen = Object.entries(expect).map(([q, n]) => `${q}: ${last.get(q) ?? '?'} of ${n}`).join('; ');
      throw new Error(`Tempo ${tempo.version}: TraceQL metrics did not count everything after ${timeoutMs / 1000} s (${seen})${lastError ? `; last error: ${lastError}` : ''}`);
    }
    await sleep(2000);
  }
}
