// Receiver costs per span: decoding an export request (OTLP JSON vs our protobuf decoder, both into Spans),
// inserting into the span store, and the heap a stored span holds (against the store's own estimate).
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { decodeExportTraceRequest } from '../../src/core/otlpProto';
import { startReceiver } from '../../src/receiver/index';
import { ingestRequest } from '../../src/receiver/ingest';
import { SpanStore } from '../../src/receiver/spanStore';
import type { Span } from '../../src/shared/model';
import { jsonBody, protoBody, sdkSpans, typicalSpecs } from '../unit/otelSpans';
import { best } from './timing';

setFlagsFromString('--expose-gc');
const rawGc = runInNewContext('gc') as () => void;
const gc = (): void => { for (let i = 0; i < 4; i++) rawGc(); };

const BATCH = 512;
const BATCHES = 40;

function heapPerSpan(bodies: readonly Uint8Array[], decode: (b: Uint8Array) => Span[]): { heap: number; estimate: number } {
  gc();
  const h0 = process.memoryUsage().heapUsed;
  const store = new SpanStore({ maxBytes: 1e12 });
  for (const b of bodies) store.add(decode(b));
  gc();
  const heap = (process.memoryUsage().heapUsed - h0) / store.size;
  const estimate = store.stats().bytes / store.size;
  if (store.size !== bodies.length * BATCH) throw new Error('spans lost');
  return { heap, estimate };
}

function post(port: number, body: Uint8Array, type: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/traces', headers: { 'Content-Type': type }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Whole export requests over loopback HTTP, one after another, as one exporter sends them. */
async function roundTrip(bodies: readonly Uint8Array[], type: string): Promise<number> {
  const rx = await startReceiver({ port: 0, retentionMs: 3_600_000, maxBytes: 1e12 });
  try {
    for (let i = 0; i < 3; i++) await post(rx.port, bodies[i] as Uint8Array, type);
    const t0 = performance.now();
    for (const b of bodies) if ((await post(rx.port, b, type)) !== 200) throw new Error('export refused');
    return (performance.now() - t0) / (bodies.length * BATCH);
  } finally {
    await rx.close();
  }
}

export async function run(): Promise<void> {
  // One batch as a BatchSpanProcessor sends it (512 spans), with distinct ids per batch.
  const bodiesJson: Uint8Array[] = [];
  const bodiesProto: Uint8Array[] = [];
  for (let i = 0; i < BATCHES; i++) {
    const spans = sdkSpans(typicalSpecs(BATCH));
    bodiesJson.push(jsonBody(spans));
    bodiesProto.push(protoBody(spans));
  }
  const json = bodiesJson[0] as Uint8Array;
  const proto = bodiesProto[0] as Uint8Array;
  const fromJson = (b: Uint8Array): Span[] => ingestRequest(JSON.parse(Buffer.from(b.buffer, b.byteOffset, b.length).toString('utf8'))).spans;
  const fromProto = (b: Uint8Array): Span[] => ingestRequest(decodeExportTraceRequest(b)).spans;
  for (let i = 0; i < 20; i++) { fromJson(json); fromProto(proto); }
  const runs = 30;
  const us = (ms: number): string => `${((ms * 1000) / BATCH).toFixed(2)} µs/span`;
  const jsonMs = best(runs, () => { fromJson(json); });
  const protoMs = best(runs, () => { fromProto(proto); });
  const protoOnlyMs = best(runs, () => { decodeExportTraceRequest(proto); });
  console.log(`request of ${BATCH} typical spans: JSON ${(json.length / BATCH).toFixed(0)} B/span, protobuf ${(proto.length / BATCH).toFixed(0)} B/span on the wire`);
  console.log(`decode into Spans: JSON ${us(jsonMs)}, protobuf ${us(protoMs)} (wire decode alone ${us(protoOnlyMs)}); protobuf/JSON ${(protoMs / jsonMs).toFixed(2)}×`);

  const decoded = bodiesProto.map(fromProto);
  let store = new SpanStore();
  const insertMs = best(5, () => {
    store = new SpanStore({ maxBytes: 1e12 });
    for (const b of decoded) store.add(b);
  });
  const capped = best(5, () => {
    store = new SpanStore({ maxBytes: 2 * 1024 * 1024 });
    for (const b of decoded) store.add(b);
  });
  const n = BATCH * BATCHES;
  console.log(`store insert: ${((insertMs * 1000) / n).toFixed(2)} µs/span (${n} spans in batches of ${BATCH}); at a 2 MB cap, evicting as it goes: ${((capped * 1000) / n).toFixed(2)} µs/span`);
  const readMs = best(5, () => { store.traces({ startMs: 0, endMs: 1e15 }); });
  console.log(`traces(window) over ${store.size} held spans: ${readMs.toFixed(2)} ms`);

  const httpJson = await roundTrip(bodiesJson, 'application/json');
  const httpProto = await roundTrip(bodiesProto, 'application/x-protobuf');
  console.log(`over loopback HTTP, request to answer (decode + store included): JSON ${(httpJson * 1000).toFixed(2)} µs/span, protobuf ${(httpProto * 1000).toFixed(2)} µs/span`);

  decoded.length = 0;
  const mj = heapPerSpan(bodiesJson, fromJson);
  const mp = heapPerSpan(bodiesProto, fromProto);
  console.log(`heap per stored span: from JSON ${mj.heap.toFixed(0)} B, from protobuf ${mp.heap.toFixed(0)} B; the store's estimate ${mp.estimate.toFixed(0)} B (estimate/heap ${(mp.estimate / mp.heap).toFixed(2)}); a 64 MB cap holds ≈ ${Math.round((64 * 1024 * 1024) / mp.estimate / 1000)}k such spans`);
}
