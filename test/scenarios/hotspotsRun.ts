// Runs `tempo-lens hotspots` in-process against a loopback test server holding the given OTLP payloads, and reports what it cost in requests.
import { main } from '../../src/cli';
import { startTempoServer, type Fault, type RecordedRequest, type TempoServerOptions } from '../tempo-server/server';

export interface HotspotsRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  readonly requests: readonly RecordedRequest[];
  /** Trace-by-id requests per trace id (a trace fetched twice shows 2). */
  readonly traceFetches: ReadonlyMap<string, number>;
}

const TRACE_PATH = /\/api\/(?:v2\/)?traces\/([0-9a-fA-F]+)/;

export async function runHotspots(payloads: readonly unknown[], nowMs: number, args: readonly string[], serverOptions: Omit<TempoServerOptions, 'now'> = {}, faults: readonly Fault[] = []): Promise<HotspotsRun> {
  const server = await startTempoServer({ now: () => nowMs, ...serverOptions });
  try {
    for (const p of payloads) server.ingest(p);
    server.clearRequests();
    for (const f of faults) server.inject(f);
    let out = '';
    let err = '';
    const code = await main(['hotspots', '--url', server.url, ...args], { stdout: (t) => { out += t; }, stderr: (t) => { err += t; }, env: {}, now: () => nowMs });
    const traceFetches = new Map<string, number>();
    for (const r of server.requests) {
      const m = TRACE_PATH.exec(r.path);
      if (m !== null) {
        const id = (m[1] as string).toLowerCase().padStart(32, '0');
        traceFetches.set(id, (traceFetches.get(id) ?? 0) + 1);
      }
    }
    return { code, out, err, requests: [...server.requests], traceFetches };
  } finally {
    await server.close();
  }
}

/** `--start`/`--end` of the hour before `nowMs`. */
export function lastHour(nowMs: number): string[] {
  return ['--start', new Date(nowMs - 3_600_000).toISOString(), '--end', new Date(nowMs).toISOString()];
}
