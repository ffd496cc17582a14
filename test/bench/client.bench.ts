// Client throughput: keep-alive vs new connection per request, overhead over bare undici, validation cost on a large search body.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { TempoClient, type ConnectionSettings } from '../../src/tempo/client';
import { startTempoServer } from '../tempo-server/server';

function settings(url: string): ConnectionSettings {
  return { url, auth: 'bearer', user: '', token: 'bench-token', tenant: 'bench', headers: {} };
}

async function timeIt(n: number, f: (i: number) => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await f(i);
  return performance.now() - t0;
}

function syntheticSearch(traces: number): string {
  const list = [];
  for (let i = 0; i < traces; i++) {
    const spans = [];
    for (let j = 0; j < 10; j++) {
      spans.push({
        spanID: (i * 10 + j).toString(16).padStart(16, '0'),
        name: `GET /api/${j}`,
        startTimeUnixNano: String(1795308107000000000n + BigInt(i * 1000 + j)),
        durationNanos: String(1_000_000 + j * 1000),
        attributes: [
          { key: 'code.function', value: { stringValue: `fn${j}` } },
          { key: 'code.namespace', value: { stringValue: `com.acme.Service${i % 50}` } },
          { key: 'service.name', value: { stringValue: 'token-service' } },
          { key: 'status', value: { stringValue: j === 3 ? 'error' : 'ok' } },
        ],
      });
    }
    const set = { spans, matched: 10 };
    list.push({ traceID: i.toString(16), rootServiceName: 'token-service', rootTraceName: 'GET /', startTimeUnixNano: '1795308107000000000', durationMs: 12, spanSet: set, spanSets: [set] });
  }
  return JSON.stringify({ traces: list, metrics: { inspectedTraces: traces, inspectedBytes: '123' } });
}

export async function run(): Promise<void> {
  const tempo = await startTempoServer();
  try {
    // Rounds alternate between the variants so that load from other processes hits them alike; medians are reported.
    const N = 300;
    const M = 60;
    const ROUNDS = 5;
    const keep = new TempoClient(settings(tempo.url));
    const pool = new Pool(tempo.url);
    const bare = async (): Promise<void> => {
      const r = await pool.request({ path: '/api/echo', method: 'GET', headers: { authorization: 'Bearer bench-token', 'x-scope-orgid': 'bench', accept: 'application/json' } });
      await r.body.text();
    };
    await timeIt(100, () => keep.echo()); // warm-up
    await timeIt(100, bare);
    const keepRuns: number[] = [];
    const bareRuns: number[] = [];
    const freshRuns: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      keepRuns.push((await timeIt(N, () => keep.echo())) / N);
      bareRuns.push((await timeIt(N, bare)) / N);
      freshRuns.push(
        (await timeIt(M, async () => {
          const c = new TempoClient(settings(tempo.url));
          await c.echo();
          await c.close();
        })) / M,
      );
    }
    await keep.close();
    await pool.close();
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
    const perKeep = median(keepRuns);
    const perFresh = median(freshRuns);
    const perBare = median(bareRuns);

    const conc = new TempoClient(settings(tempo.url));
    const C = 8;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: C }, () => timeIt((N * 2) / C, () => conc.echo())));
    const concMs = performance.now() - t0;
    await conc.close();

    console.log(`keep-alive sequential:  ${(1000 / perKeep).toFixed(0)} req/s, ${(perKeep * 1000).toFixed(0)} µs/request`);
    console.log(`new connection each:    ${(1000 / perFresh).toFixed(0)} req/s, ${(perFresh * 1000).toFixed(0)} µs/request`);
    console.log(`new-connection / keep-alive cost ratio: ${(perFresh / perKeep).toFixed(2)}×`);
    console.log(`bare undici Pool:       ${(perBare * 1000).toFixed(0)} µs/request → client overhead ${((perKeep - perBare) * 1000).toFixed(0)} µs/request (${(perKeep / perBare).toFixed(2)}×)`);
    console.log(`keep-alive, ${C} concurrent: ${(((N * 2) / concMs) * 1000).toFixed(0)} req/s`);
  } finally {
    await tempo.close();
  }

  // Validation cost: client.search (read + JSON.parse + guard) vs bare undici read + JSON.parse of the same bytes.
  const body = syntheticSearch(2_500);
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const c = new TempoClient({ url, auth: 'none', user: '', token: undefined, tenant: '', headers: {} });
    const pool = new Pool(url);
    const R = 5;
    await c.search({ q: '{}' });
    const clientMs = await timeIt(R, () => c.search({ q: '{}' }));
    const rawMs = await timeIt(R, async () => {
      const r = await pool.request({ path: '/api/search?q=%7B%7D', method: 'GET' });
      JSON.parse(await r.body.text());
    });
    console.log(
      `search body ${(Buffer.byteLength(body) / 1e6).toFixed(1)} MB: client.search ${(clientMs / R).toFixed(0)} ms vs undici+JSON.parse ${(rawMs / R).toFixed(0)} ms (${(clientMs / rawMs).toFixed(2)}×)`,
    );
    await c.close();
    await pool.close();
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
}
