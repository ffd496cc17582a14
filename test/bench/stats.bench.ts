// Benchmarks of the statistics path: search parse+aggregate vs JSON.parse, requests/time per refresh, heap for 10k functions.
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startTempoServer } from '../tempo-server/server';
import { TempoClient } from '../../src/tempo/client';
import { TempoStatsSource } from '../../src/tempo/statsSource';
import { parseSearchResponse, parseQueryRangeResponse, type QueryRangeResponse } from '../../src/core/wire';
import { forEachSearchSpan } from '../../src/core/search';
import { MetricsAccumulator, SpanAggregator } from '../../src/core/stats';
import type { StatsSnapshot } from '../../src/shared/model';
import { parseTraceBody } from '../../src/core/otlp';

setFlagsFromString('--expose-gc');
const rawGc = runInNewContext('gc') as () => void;
/** Several passes: one major GC can leave garbage from the previous cycle (weak callbacks, external memory). */
const gc = (): void => { for (let i = 0; i < 4; i++) rawGc(); };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/** A search response like the fallback's select() produces, about `targetBytes` long. */
export function searchResponseText(targetBytes: number, functions: number): string {
  const parts: string[] = [];
  let size = 0;
  let t = 0;
  const base = 1_767_268_800_000_000_000n;
  while (size < targetBytes) {
    const spans: string[] = [];
    for (let s = 0; s < 20; s++) {
      const f = (t * 20 + s) % functions;
      const start = (base + BigInt(t) * 1_000_000_000n + BigInt(s) * 1000n).toString();
      spans.push(JSON.stringify({
        spanID: (t * 20 + s).toString(16).padStart(16, '0'),
        startTimeUnixNano: start,
        durationNanos: String(1_000_000 + ((t * 7919 + s * 104729) % 900_000_000)),
        attributes: [
          { key: 'code.namespace', value: { stringValue: `com.acme.service${f % 40}.Component${f % 300}` } },
          { key: 'code.function', value: { stringValue: `method${f}` } },
          { key: 'service.name', value: { stringValue: `service-${f % 40}` } },
          { key: 'status', value: { stringValue: s % 17 === 0 ? 'error' : 'unset' } },
          ...(s % 17 === 0 ? [{ key: 'statusMessage', value: { stringValue: 'upstream timeout' } }] : []),
        ],
      }));
    }
    const set = `{"spans":[${spans.join(',')}],"matched":${20 + (t % 3)}}`;
    const trace = `{"traceID":"${(t + 1).toString(16)}","rootServiceName":"gateway","rootTraceName":"GET /api","startTimeUnixNano":"${(base + BigInt(t) * 1_000_000_000n).toString()}","durationMs":${100 + (t % 900)},"spanSet":${set},"spanSets":[${set}]}`;
    parts.push(trace);
    size += trace.length + 1;
    t++;
  }
  return `{"traces":[${parts.join(',')}],"metrics":{"inspectedTraces":${t},"inspectedBytes":"${size}"}}`;
}

function benchSearchParse(): void {
  const text = searchResponseText(50 * 1024 * 1024, 5000);
  const mb = text.length / 1048576;
  const bare: number[] = [];
  const full: number[] = [];
  let functions = 0;
  for (let i = 0; i < 6; i++) {
    gc();
    let t0 = performance.now();
    JSON.parse(text);
    bare.push(performance.now() - t0);
    gc();
    t0 = performance.now();
    const resp = parseSearchResponse(JSON.parse(text));
    // As TempoStatsSource does it: traces an earlier slice delivered are skipped at trace level.
    const agg = new SpanAggregator(false, 5);
    const seen = new Set<string>();
    forEachSearchSpan(resp, (f) => agg.add(f), (id) => {
      if (seen.has(id)) return true;
      seen.add(id);
      return false;
    });
    const fns = agg.finish({ window: { startMs: 1_767_268_800_000, endMs: 1_767_268_800_000 + 3_600_000 }, origin: 'search', stepMs: 60_000, sampled: true });
    full.push(performance.now() - t0);
    functions = fns.length;
  }
  // The machine is shared: each run measures both back to back, and the ratio is taken per run.
  const ratios = full.slice(1).map((f, i) => f / (bare[i + 1] as number));
  console.log(
    `search response ${mb.toFixed(1)} MB, ${functions} functions: JSON.parse ${median(bare.slice(1)).toFixed(0)} ms; ` +
    `parse + validate + aggregate ${median(full.slice(1)).toFixed(0)} ms → ${median(ratios).toFixed(2)}× median of ${ratios.length} paired runs ` +
    `(${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}; target ≤ 1.5×)`,
  );
}

function otlpFor(n: number, now: number): unknown {
  const spans = [];
  for (let i = 0; i < n; i++) {
    const start = BigInt(now - 120_000 - (i % 3000) * 1000) * 1_000_000n;
    spans.push({
      traceId: `be4c${(i + 1).toString(16).padStart(28, '0')}`,
      spanId: (i + 1).toString(16).padStart(16, '0'),
      name: 'op',
      kind: 1,
      startTimeUnixNano: start.toString(),
      endTimeUnixNano: (start + BigInt(1 + (i % 500)) * 1_000_000n).toString(),
      attributes: [{ key: 'code.namespace', value: { stringValue: `com.acme.C${i % 100}` } }, { key: 'code.function', value: { stringValue: `m${i}` } }],
      status: i % 11 === 0 ? { code: 2, message: 'x' } : {},
    });
  }
  return { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] }, scopeSpans: [{ spans }] }] };
}

async function benchRefresh(): Promise<void> {
  for (const n of [10, 1000, 10_000]) {
    const server = await startTempoServer();
    const client = new TempoClient({ url: server.url, auth: 'none', user: '', token: undefined, tenant: '', headers: {} });
    try {
      const now = Date.now();
      server.ingest(otlpFor(n, now));
      const window = { startMs: now - 3_600_000, endMs: now };
      await client.capabilities();
      for (const mode of ['metrics', 'search'] as const) {
        const src = new TempoStatsSource(client, { mode });
        await src.load({ window, filter: '' }, new AbortController().signal); // warm (learns histogram support)
        const before = server.requests.length;
        const t0 = performance.now();
        const snap = await src.load({ window, filter: '' }, new AbortController().signal);
        const ms = performance.now() - t0;
        console.log(`refresh ${mode.padEnd(7)} ${String(n).padStart(6)} functions: ${server.requests.length - before} requests, ${ms.toFixed(0)} ms (test server on loopback), ${snap.functions.length} functions in the snapshot`);
      }
    } finally {
      await client.close();
      await server.close();
    }
  }
}

/** Synthetic query_range bodies for n functions over 1 h at 60 s steps: counts, errors, log2 histograms. */
function metricsBodies(n: number, startMs: number): { count: QueryRangeResponse; errors: QueryRangeResponse; histogram: QueryRangeResponse } {
  const steps = 60;
  const lbl = (i: number) => [
    { key: 'resource.service.name', value: { stringValue: `service-${i % 40}` } },
    { key: 'span.code.namespace', value: { stringValue: `com.acme.service${i % 40}.Component${i % 300}` } },
    { key: 'span.code.function', value: { stringValue: `method${i}` } },
  ];
  const samples = (f: (s: number) => number) => Array.from({ length: steps + 1 }, (_, s) => {
    const v = f(s);
    return v === 0 ? { timestampMs: String(startMs + s * 60_000) } : { timestampMs: String(startMs + s * 60_000), value: v };
  });
  const count = { series: Array.from({ length: n }, (_, i) => ({ labels: lbl(i), samples: samples((s) => (s === steps ? 0 : 1 + ((i + s) % 5))) })) };
  const errors = { series: Array.from({ length: Math.floor(n / 10) }, (_, j) => ({ labels: lbl(j * 10), samples: samples((s) => (s % 7 === 0 ? 1 : 0)) })) };
  const histogram = {
    series: Array.from({ length: n * 3 }, (_, k) => {
      const i = Math.floor(k / 3);
      const b = [0.016777216, 0.134217728, 1.073741824][k % 3] as number;
      return { labels: [...lbl(i), { key: '__bucket', value: { doubleValue: b } }], samples: samples((s) => (s === steps ? 0 : k % 3 === 2 ? (s % 10 === 0 ? 1 : 0) : 1 + ((i + s) % 3))) };
    }),
  };
  // Round-trip through JSON and the wire guards, as the client would deliver them.
  return {
    count: parseQueryRangeResponse(JSON.parse(JSON.stringify(count))),
    errors: parseQueryRangeResponse(JSON.parse(JSON.stringify(errors))),
    histogram: parseQueryRangeResponse(JSON.parse(JSON.stringify(histogram))),
  };
}

function benchHeap(): void {
  const startMs = 1_767_268_800_000;
  const window = { startMs, endMs: startMs + 3_600_000 };
  gc();
  const before = process.memoryUsage().heapUsed;
  let bodies: ReturnType<typeof metricsBodies> | null = metricsBodies(10_000, startMs);
  const t0 = performance.now();
  let acc: MetricsAccumulator | null = new MetricsAccumulator(window, 60_000);
  acc.add('count', bodies.count);
  acc.add('errors', bodies.errors);
  acc.add('histogram', bodies.histogram);
  let snapshot: StatsSnapshot | null = { window, origin: 'metrics', functions: acc.finish(), notes: [] };
  const ms = performance.now() - t0;
  // What stays in memory is the snapshot; the responses and the accumulator are garbage.
  acc = null;
  bodies = null;
  gc();
  const after = process.memoryUsage().heapUsed;
  const count = snapshot.functions.length;
  // The snapshot's own retained size: heap with it minus heap once it is dropped (other garbage
  // of the run — parser caches, feedback — stays in both measurements).
  snapshot = null;
  gc();
  const dropped = process.memoryUsage().heapUsed;
  console.log(`metrics aggregation of 10,000 functions × 60 steps (3 bodies, 50k series): ${ms.toFixed(0)} ms`);
  console.log(`heap retained by the ${count}-function snapshot (30-point latency series included): ${((after - dropped) / 1048576).toFixed(1)} MB (target ≤ 30 MB); heap growth over the whole run ${((after - before) / 1048576).toFixed(1)} MB`);
}

function benchTraceParse(): void {
  for (const n of [10_000, 100_000]) {
    const spans = Array.from({ length: n }, (_, i) => ({
      traceId: 'awJIDQAAAAAAAAAAAAAAAQ==',
      spanId: Buffer.from(i.toString(16).padStart(16, '0'), 'hex').toString('base64'),
      parentSpanId: i === 0 ? '' : Buffer.from(Math.floor((i - 1) / 4).toString(16).padStart(16, '0'), 'hex').toString('base64'),
      name: `op${i % 100}`,
      kind: 'SPAN_KIND_INTERNAL',
      startTimeUnixNano: String(1_767_268_800_000_000_000n + BigInt(i) * 1000n),
      endTimeUnixNano: String(1_767_268_800_000_000_000n + BigInt(i) * 1000n + 5000n),
      attributes: [
        { key: 'code.namespace', value: { stringValue: `com.acme.C${i % 50}` } },
        { key: 'code.function', value: { stringValue: `m${i % 500}` } },
        { key: 'db.rows', value: { intValue: String(i) } },
      ],
      status: i % 97 === 0 ? { code: 'STATUS_CODE_ERROR', message: 'boom' } : {},
    }));
    const text = JSON.stringify({ batches: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 's' } }] }, scopeSpans: [{ spans }] }] });
    const bare: number[] = [];
    const full: number[] = [];
    for (let i = 0; i < 4; i++) {
      let t0 = performance.now();
      JSON.parse(text);
      bare.push(performance.now() - t0);
      t0 = performance.now();
      parseTraceBody(JSON.parse(text));
      full.push(performance.now() - t0);
    }
    const b = Math.min(...bare);
    const f = Math.min(...full);
    console.log(`trace by id, ${n} spans (${(text.length / 1048576).toFixed(1)} MB, base64 ids): JSON.parse ${b.toFixed(0)} ms, + parseTraceBody ${f.toFixed(0)} ms (${((f - b) * 1000 / n).toFixed(2)} µs/span)`);
  }
}

export async function run(): Promise<void> {
  if (process.env['STATS_BENCH'] === undefined || process.env['STATS_BENCH'] === 'trace') benchTraceParse();
  const only = process.env['STATS_BENCH'];
  if (only === undefined || only === 'search') benchSearchParse();
  if (only === undefined || only === 'heap') benchHeap();
  if (only === undefined || only === 'refresh') await benchRefresh();
}
