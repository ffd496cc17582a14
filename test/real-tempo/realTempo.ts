// What the real-Tempo suites share: the Tempos the tier started, the scenario it pushed, a
// request-counting loopback proxy, and the built CLI.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { doctorScenario, type DoctorScenario } from '../scenarios/doctor';
import { statsScenario, type StatsScenario } from '../scenarios/stats';

export interface RealTempo {
  readonly version: string;
  readonly url: string;
}

export const ROOT = path.resolve(__dirname, '../../..');
export const DEMO_WORKSPACE = path.join(ROOT, 'test/fixtures/workspaces/demo');

/** The Tempos of this run (TEMPO_REAL, set by test/real-tempo/run.mjs); empty outside the tier. */
export function realTempos(): readonly RealTempo[] {
  const raw = process.env['TEMPO_REAL'];
  return raw ? (JSON.parse(raw) as RealTempo[]) : [];
}

function scenarioNow(): number {
  const now = Number(process.env['TEMPO_SCENARIO_NOW_MS']);
  if (!Number.isFinite(now)) throw new Error('TEMPO_SCENARIO_NOW_MS is not set: run this suite through test/real-tempo/run.mjs');
  return now;
}

/** The scenario the tier pushed (regenerated from its timestamp: same `nowMs`, same payloads). */
export function pushedScenario(): StatsScenario {
  return statsScenario(scenarioNow());
}

/** The instrumentation-check scenario the tier pushed beside it (services of its own). */
export function pushedDoctorScenario(): DoctorScenario {
  return doctorScenario(scenarioNow());
}

/** Every payload the tier pushed (what a test server must hold to agree with the real Tempo). */
export function pushedPayloads(): readonly unknown[] {
  return [...pushedScenario().payloads, ...pushedDoctorScenario().payloads];
}

export interface CountingProxy {
  readonly url: string;
  /** Paths (with query) of the requests forwarded so far. */
  readonly requests: string[];
  close(): Promise<void>;
}

/** A loopback proxy in front of `target` that counts what a client sends (the request bounds). */
export async function countingProxy(target: string): Promise<CountingProxy> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && !['host', 'connection'].includes(k)) headers[k] = v;
    fetch(`${target}${req.url ?? ''}`, { method: req.method ?? 'GET', headers })
      .then(async (r) => {
        const body = Buffer.from(await r.arrayBuffer());
        res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'text/plain' });
        res.end(body);
      })
      .catch((e: unknown) => {
        res.writeHead(502);
        res.end(String(e));
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Runs the built CLI (dist/cli.js); resolves with its exit code and output. */
export function runCli(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'dist/cli.js'), ...args], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** log2 bucket index of a duration (Tempo's histogram buckets are powers of two nanoseconds). */
export function log2Bucket(ms: number): number {
  return Math.ceil(Math.log2(ms * 1e6));
}

/** The metrics answered: the only search is the coverage probe (nothing left uncounted), no sampled search. */
export function assertOnlyCoverageProbe(requests: readonly string[]): void {
  const searches = requests.filter((r) => r.startsWith('/api/search'));
  assert.equal(searches.length, 1, `one coverage probe, no sampled search:\n${requests.join('\n')}`);
  assert.ok(new URL(searches[0] as string, 'http://x').searchParams.get('q')?.includes('!(') === true, searches[0]);
}
