// The receiver's OTLP/HTTP endpoint over real loopback HTTP: answers as the Collector's OTLP receiver
// does (200 + ExportTraceServiceResponse, partial success, google.rpc.Status errors, 4xx), its caps,
// port fallback, loopback-only binding and client aborts.
import assert from 'node:assert/strict';
import { request, type IncomingHttpHeaders } from 'node:http';
import { createServer, type Server } from 'node:net';
import { networkInterfaces } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { deflateSync, gzipSync } from 'node:zlib';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { startReceiver, type Receiver } from '../../src/receiver/index';
import { startServer } from '../../src/receiver/server';
import { jsonBody, protoBody, sdkSpans, typicalSpecs } from './otelSpans';
import { bytes, cat, fixed64, hex, len, str } from './protoWriter';

interface Answer { status: number; headers: IncomingHttpHeaders; body: Buffer }

function post(port: number, body: Uint8Array | string, headers: Record<string, string>, opts: { method?: string; path?: string; host?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: opts.host ?? '127.0.0.1', port, method: opts.method ?? 'POST', path: opts.path ?? '/v1/traces', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const JSON_H = { 'Content-Type': 'application/json' };
const PROTO_H = { 'Content-Type': 'application/x-protobuf' };
const ALL = { startMs: 0, endMs: 1e15 };

/** Decodes a google.rpc.Status protobuf answer (code = 1, message = 2) by hand. */
function rpcStatus(b: Buffer): { code: number; message: string } {
  assert.equal(b[0], 0x08);
  const code = b[1] as number;
  assert.equal(b[2], 0x12);
  return { code, message: b.subarray(4, 4 + (b[3] as number)).toString('utf8') };
}

describe('receiver endpoint', () => {
  let rx: Receiver;
  const logs: string[] = [];
  before(async () => {
    rx = await startReceiver({ port: 0, retentionMs: 3_600_000, maxBodyBytes: 64 * 1024, maxDecodedBytes: 1024 * 1024, log: (m) => logs.push(m) });
  });
  after(async () => { await rx.close(); });

  it('listens on 127.0.0.1 and names the endpoint for OTEL_EXPORTER_OTLP_ENDPOINT', () => {
    assert.equal(rx.endpoint, `http://127.0.0.1:${rx.port}`);
    assert.ok(rx.port > 0);
  });

  it('JSON: 200 with an empty ExportTraceServiceResponse, spans stored', async () => {
    const before = rx.store.size;
    const a = await post(rx.port, jsonBody(sdkSpans(typicalSpecs(4), 'json-svc')), JSON_H);
    assert.equal(a.status, 200);
    assert.equal(a.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(a.body.toString()), {});
    assert.equal(rx.store.size, before + 4);
    assert.equal(rx.store.spans(ALL).filter((s) => s.service === 'json-svc').length, 4);
  });

  it('protobuf: 200 with an empty protobuf answer, spans stored', async () => {
    const a = await post(rx.port, protoBody(sdkSpans(typicalSpecs(3), 'proto-svc')), { 'Content-Type': 'application/x-protobuf; charset=binary' });
    assert.equal(a.status, 200);
    assert.equal(a.headers['content-type'], 'application/x-protobuf');
    assert.equal(a.body.length, 0);
    assert.equal(rx.store.spans(ALL).filter((s) => s.service === 'proto-svc').length, 3);
  });

  it('gzip and deflate bodies, JSON and protobuf', async () => {
    const cases: Array<[string, Uint8Array, Record<string, string>]> = [
      ['gz-json', gzipSync(jsonBody(sdkSpans(typicalSpecs(2), 'gz-json'))), { ...JSON_H, 'Content-Encoding': 'gzip' }],
      ['gz-proto', gzipSync(protoBody(sdkSpans(typicalSpecs(2), 'gz-proto'))), { ...PROTO_H, 'Content-Encoding': 'gzip' }],
      ['df-proto', deflateSync(protoBody(sdkSpans(typicalSpecs(2), 'df-proto'))), { ...PROTO_H, 'Content-Encoding': 'deflate' }],
    ];
    for (const [svc, body, headers] of cases) {
      const a = await post(rx.port, body, headers);
      assert.equal(a.status, 200, svc);
      assert.equal(rx.store.spans(ALL).filter((s) => s.service === svc).length, 2, svc);
    }
  });

  it('JSON partial success: invalid ids and times are refused and counted, the rest kept', async () => {
    const good = { traceId: 'aa'.repeat(16), spanId: 'bb'.repeat(8), name: 'good', startTimeUnixNano: '1733462400000000000', endTimeUnixNano: '1733462400001000000' };
    const body = JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'partial' } }] }, scopeSpans: [{ spans: [
      good,
      { ...good, spanId: 'cc'.repeat(8), startTimeUnixNano: '-5' },
      { ...good, spanId: 'dd'.repeat(8), traceId: 'not an id!' },
      { ...good, spanId: '0000000000000000' },
    ] }] }] });
    const a = await post(rx.port, body, JSON_H);
    assert.equal(a.status, 200);
    assert.deepEqual(JSON.parse(a.body.toString()), { partialSuccess: {
      rejectedSpans: 3,
      errorMessage: 'skipped 1 span with an invalid start time; skipped 1 span with an invalid trace id; skipped 1 span with an invalid span id',
    } });
    assert.deepEqual(rx.store.spans(ALL).filter((s) => s.service === 'partial').map((s) => s.name), ['good']);
    assert.ok(logs.some((l) => l.includes('skipped 1 span with an invalid trace id')));
  });

  it('protobuf partial success reads back through the SDK exporter\'s own response decoder', async () => {
    const span = (id: string, trace: string) => len(2, cat(hex(1, trace), hex(2, id), str(5, 'p'), fixed64(7, 1733462400000000000n), fixed64(8, 1733462400000500000n)));
    const body = bytes(len(1, len(2, cat(span('01'.repeat(8), 'ab'.repeat(16)), span('02'.repeat(8), 'ab'.repeat(8)), span('03'.repeat(8), 'ab'.repeat(16))))));
    const a = await post(rx.port, body, PROTO_H);
    assert.equal(a.status, 200);
    const r = ProtobufTraceSerializer.deserializeResponse(new Uint8Array(a.body));
    assert.equal(Number(r.partialSuccess?.rejectedSpans), 1);
    assert.equal(r.partialSuccess?.errorMessage, 'skipped 1 span with an invalid trace id');
    assert.equal(rx.store.trace('ab'.repeat(16))?.spans.length, 2);
  });

  it('400 with a google.rpc.Status in the request\'s encoding for bodies that do not decode', async () => {
    const version = rx.store.version;
    const j = await post(rx.port, '{"resourceSpans": [', JSON_H);
    assert.equal(j.status, 400);
    assert.equal(j.headers['content-type'], 'application/json');
    const js = JSON.parse(j.body.toString()) as { code: number; message: string };
    assert.equal(js.code, 3);
    assert.match(js.message, /^invalid JSON/);
    const arr = await post(rx.port, '[1,2]', JSON_H);
    assert.equal(arr.status, 400);
    assert.match((JSON.parse(arr.body.toString()) as { message: string }).message, /got an array/);
    const p = await post(rx.port, Uint8Array.from([0x0a, 0x64, 1, 2, 3]), PROTO_H);
    assert.equal(p.status, 400);
    assert.equal(p.headers['content-type'], 'application/x-protobuf');
    const ps = rpcStatus(p.body);
    assert.equal(ps.code, 3);
    assert.match(ps.message, /resource_spans: length 100 past the end/);
    const gz = await post(rx.port, 'not gzip at all', { ...JSON_H, 'Content-Encoding': 'gzip' });
    assert.equal(gz.status, 400);
    const br = await post(rx.port, '{}', { ...JSON_H, 'Content-Encoding': 'br' });
    assert.equal(br.status, 400);
    assert.match(br.body.toString(), /unsupported Content-Encoding/);
    assert.equal(rx.store.version, version, 'nothing stored');
  });

  it('404 for other paths, 405 for other methods, 415 for other content types (plain text, as the Collector)', async () => {
    const nf = await post(rx.port, '{}', JSON_H, { path: '/v1/metrics' });
    assert.equal(nf.status, 404);
    const get = await post(rx.port, '', {}, { method: 'GET' });
    assert.equal(get.status, 405);
    assert.equal(get.headers['allow'], 'POST');
    const opt = await post(rx.port, '', { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'POST' }, { method: 'OPTIONS' });
    assert.equal(opt.status, 405);
    assert.equal(opt.headers['access-control-allow-origin'], undefined, 'no CORS: a web page cannot post spans');
    const txt = await post(rx.port, '{}', { 'Content-Type': 'text/plain' });
    assert.equal(txt.status, 415);
    assert.match(txt.body.toString(), /application\/json, application\/x-protobuf/);
    const none = await post(rx.port, '{}', {});
    assert.equal(none.status, 415);
  });

  it('403 for a Host that is not loopback (DNS rebinding)', async () => {
    const a = await post(rx.port, '{}', { ...JSON_H, Host: 'evil.example:4318' });
    assert.equal(a.status, 403);
    const ok = await post(rx.port, '{}', { ...JSON_H, Host: `localhost:${rx.port}` });
    assert.equal(ok.status, 200);
  });

  it('413 before reading a body whose Content-Length is over the cap', async () => {
    const a = await new Promise<Answer>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: rx.port, method: 'POST', path: '/v1/traces', headers: { ...JSON_H, 'Content-Length': String(10 * 1024 * 1024) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => { req.destroy(); resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }); });
      });
      req.on('error', reject);
      req.flushHeaders(); // headers only: the answer must come without the body
    });
    assert.equal(a.status, 413);
    assert.equal(a.headers['connection'], 'close');
    assert.match((JSON.parse(a.body.toString()) as { message: string }).message, /larger than 65536 bytes/);
  });

  it('413 once a chunked body passes the cap, without waiting for its end', async () => {
    const a = await new Promise<Answer>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: rx.port, method: 'POST', path: '/v1/traces', headers: PROTO_H }, (res) => {
        clearInterval(timer);
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => { req.destroy(); resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }); });
      });
      req.on('error', reject);
      let sent = 0;
      const timer = setInterval(() => {
        if (sent > 1024 * 1024) { clearInterval(timer); reject(new Error('no answer after 1 MB')); return; }
        req.write(Buffer.alloc(16 * 1024, 0x0a));
        sent += 16 * 1024;
      }, 2);
    });
    assert.equal(a.status, 413);
    assert.match(rpcStatus(a.body).message, /request body larger than 65536 bytes/);
  });

  it('413 for a gzip bomb: inflation stops at the decompressed cap', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20)); // 64 MB of spaces, ~64 KB on the wire
    assert.ok(bomb.length < 64 * 1024);
    const rss = process.memoryUsage().rss;
    const a = await post(rx.port, bomb, { ...JSON_H, 'Content-Encoding': 'gzip' });
    assert.equal(a.status, 413);
    assert.match((JSON.parse(a.body.toString()) as { message: string }).message, /decompressed body larger than 1048576 bytes/);
    assert.ok(process.memoryUsage().rss - rss < 48 * 1024 * 1024, 'the bomb was not inflated whole');
    // And the endpoint still serves.
    assert.equal((await post(rx.port, '{}', JSON_H)).status, 200);
  });

  it('429 with Retry-After once 4 requests are being read at once; served again when they finish', async () => {
    const held = await Promise.all(Array.from({ length: 4 }, () => new Promise<{ req: ReturnType<typeof request>; answer: Promise<number> }>((resolve) => {
      let settle: (n: number) => void = () => undefined;
      const answer = new Promise<number>((r) => { settle = r; });
      const req = request({ host: '127.0.0.1', port: rx.port, method: 'POST', path: '/v1/traces', headers: JSON_H }, (res) => { res.resume(); res.on('end', () => settle(res.statusCode ?? 0)); });
      req.on('error', () => settle(-1));
      // The first body byte is written so the request is surely being read before the next starts.
      req.write('{', () => setTimeout(() => resolve({ req, answer }), 30));
    })));
    const busy = await post(rx.port, '{}', JSON_H);
    assert.equal(busy.status, 429);
    assert.equal(busy.headers['retry-after'], '1');
    assert.equal((JSON.parse(busy.body.toString()) as { code: number }).code, 8);
    for (const h of held) h.req.end('}');
    assert.deepEqual(await Promise.all(held.map((h) => h.answer)), [200, 200, 200, 200]);
    assert.equal((await post(rx.port, '{}', JSON_H)).status, 200);
  });

  it('a client that goes away mid-body leaves nothing behind and the endpoint serving', async () => {
    const version = rx.store.version;
    for (const headers of [JSON_H, { ...PROTO_H, 'Content-Encoding': 'gzip' }]) {
      await new Promise<void>((resolve) => {
        const req = request({ host: '127.0.0.1', port: rx.port, method: 'POST', path: '/v1/traces', headers: { ...headers, 'Content-Length': '5000' } });
        req.on('error', () => resolve());
        req.write(Buffer.alloc(100, 0x7b), () => setTimeout(() => { req.destroy(); resolve(); }, 20));
      });
    }
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(rx.store.version, version);
    assert.equal((await post(rx.port, '{}', JSON_H)).status, 200);
  });
});

describe('receiver memory cap', () => {
  it('drops the oldest spans at the cap and says so in the log, with the running count', async () => {
    const logs: string[] = [];
    const rx = await startReceiver({ port: 0, retentionMs: 3_600_000, maxBytes: 20_000, log: (m) => logs.push(m) });
    try {
      for (let i = 0; i < 3; i++) assert.equal((await post(rx.port, protoBody(sdkSpans(typicalSpecs(20), `cap${i}`)), PROTO_H)).status, 200);
      const st = rx.store.stats();
      assert.equal(st.received, 60);
      assert.ok(st.evicted > 0 && st.spans + st.evicted === 60, JSON.stringify(st));
      assert.ok(st.bytes <= 20_000);
      // The newest batch is the one kept.
      assert.ok(rx.store.spans(ALL).every((s) => s.service === 'cap2'));
      const drops = logs.filter((l) => /memory cap of 20 KB reached: dropped the \d+ oldest spans \(\d+ so far\)/.test(l));
      assert.ok(drops.length >= 1 && drops.length === logs.length, logs.join('\n'));
      assert.ok(drops[drops.length - 1]?.includes(`(${st.evicted} so far)`), logs.join('\n'));
    } finally {
      await rx.close();
    }
  });
});

describe('receiver port and interface', () => {
  function occupy(port: number): Promise<Server> {
    return new Promise((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen({ port, host: '127.0.0.1' }, () => resolve(s));
    });
  }

  it('takes the next free port when the configured one is in use, and says so', async () => {
    const blocker = await occupy(0);
    const taken = (blocker.address() as { port: number }).port;
    const logs: string[] = [];
    try {
      const rx = await startReceiver({ port: taken, retentionMs: 3_600_000, log: (m) => logs.push(m) });
      try {
        assert.ok(rx.port > taken && rx.port <= taken + 20, `${rx.port} vs ${taken}`);
        assert.equal(rx.endpoint, `http://127.0.0.1:${rx.port}`);
        assert.deepEqual(logs, [`receiver: port ${taken} is taken; listening on ${rx.port}`]);
        assert.equal((await post(rx.port, '{}', JSON_H)).status, 200);
      } finally {
        await rx.close();
      }
      await assert.rejects(startServer({ port: taken, portAttempts: 1, onSpans: () => undefined }), new RegExp(`no free port among ${taken}`));
    } finally {
      blocker.close();
    }
  });

  it('is not reachable on any other interface of the machine', async (t) => {
    const other = Object.values(networkInterfaces()).flat().find((i) => i !== undefined && i.family === 'IPv4' && !i.internal);
    if (other === undefined) { t.skip('no non-loopback IPv4 interface here'); return; }
    const rx = await startReceiver({ port: 0, retentionMs: 3_600_000 });
    try {
      await assert.rejects(post(rx.port, '{}', JSON_H, { host: other.address }), (e: NodeJS.ErrnoException) => e.code === 'ECONNREFUSED');
      assert.equal((await post(rx.port, '{}', JSON_H)).status, 200);
    } finally {
      await rx.close();
    }
  });

  it('close() ends kept-alive connections and frees the port', async () => {
    const rx = await startReceiver({ port: 0, retentionMs: 3_600_000 });
    assert.equal((await post(rx.port, '{}', { ...JSON_H, Connection: 'keep-alive' })).status, 200);
    await rx.close();
    const again = await occupy(rx.port);
    again.close();
  });
});
