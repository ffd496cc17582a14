// The receiver behind the telemetry-source port: spans exported over OTLP/HTTP become exact figures,
// drill-downs, search results, traces by id, census counts and change events.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ReceiverSource } from '../../src/receiver/source';
import { protoBody, sdkSpans, typicalSpecs } from './otelSpans';

function post(port: number, body: Uint8Array): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/traces', headers: { 'Content-Type': 'application/x-protobuf' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

// otelSpans records its spans from 2024-12-06T05:20:00Z on, 3.5 ms apart.
const WINDOW = { startMs: Date.UTC(2024, 11, 6, 5, 0), endMs: Date.UTC(2024, 11, 6, 6, 0) };
const signal = new AbortController().signal;

describe('ReceiverSource', () => {
  let source: ReceiverSource;
  const changes: number[] = [];
  before(async () => {
    source = await ReceiverSource.start({ port: 0, retentionMs: 3_600_000 });
    source.onDidChange(() => changes.push(source.receiver.store.version));
    assert.equal(await post(source.receiver.port, protoBody(sdkSpans(typicalSpecs(70), 'orders'))), 200);
  });
  after(async () => { await source.dispose(); });

  it('fires its change event when spans arrive', () => {
    assert.deepEqual(changes, [1]);
  });

  it('stats: exact figures per function over the window, origin receiver', async () => {
    const snap = await source.stats({ window: WINDOW, filter: '' }, signal);
    assert.equal(snap.origin, 'receiver');
    assert.equal(snap.functions.length, 7);
    assert.equal(snap.functions.reduce((n, f) => n + f.calls, 0), 70);
    const place0 = snap.functions.find((f) => f.codeRef.function === 'place0');
    assert.ok(place0);
    assert.equal(place0.calls, 10);
    assert.equal(place0.quantilesApproximate, false);
    assert.equal(place0.service, 'orders');
    // typicalSpecs: i % 11 === 0 errors; place0 is i % 7 === 0 → i = 0 and 77 (out of range): one error.
    assert.equal(place0.errors, 1);
    assert.match(snap.notes[0] ?? '', /^Figures from 70 spans received on http:\/\/127\.0\.0\.1:\d+ \(70 with code attributes\); percentiles are exact\.$/);
    const empty = await source.stats({ window: { startMs: 0, endMs: 1000 }, filter: '' }, signal);
    assert.equal(empty.functions.length, 0);
    const filtered = await source.stats({ window: WINDOW, filter: 'status = error' }, signal);
    assert.equal(filtered.functions.reduce((n, f) => n + f.calls, 0), 7);
  });

  it('takeTraces hands the traces of the last load over once', async () => {
    await source.stats({ window: WINDOW, filter: '' }, signal);
    const traces = source.takeTraces();
    assert.ok(traces && traces.length > 0);
    assert.equal(traces.reduce((n, t) => n + t.spans.length, 0), 70);
    assert.equal(source.takeTraces(), null);
  });

  it('drillDown: the slowest and erroring spans of one function', async () => {
    const snap = await source.stats({ window: WINDOW, filter: '' }, signal);
    const f = snap.functions.find((x) => x.codeRef.function === 'place0');
    assert.ok(f);
    const d = await source.drillDown(f.codeRef, f.service, WINDOW, signal);
    assert.ok(d.slowest.length > 0);
    assert.ok(d.slowest.every((h, i) => i === 0 || (d.slowest[i - 1]?.durationMs ?? 0) >= h.durationMs));
    assert.equal(d.errors.length, 1);
  });

  it('search (TraceQL subset), trace by id, tag values', async () => {
    const found = await source.search({ query: '{ status = error }', window: WINDOW, limit: 20, spansPerTrace: 3 }, signal);
    assert.equal(found.reduce((n, t) => n + t.errorSpans, 0), 7);
    const first = found[0];
    assert.ok(first);
    const t = await source.trace(first.traceId, undefined, signal);
    assert.equal(t?.traceId, first.traceId);
    assert.ok((t?.spans.length ?? 0) >= first.matchedSpans);
    assert.equal(await source.trace('f'.repeat(32), undefined, signal), null);
    assert.deepEqual(await source.tagValues('resource.service.name', signal), ['orders']);
  });

  it('census counts spans with code attributes per service', async () => {
    const c = await source.census({ window: WINDOW, filter: '' }, signal);
    assert.equal(c.services.length, 1);
    assert.equal(c.services[0]?.spans, 70);
    assert.equal(c.services[0]?.newKeys, 70);
    assert.equal(c.services[0]?.sdk.language, 'nodejs');
    assert.equal(c.functions.length, 7);
  });

  it('describes itself with the endpoint to copy', () => {
    const d = source.describe();
    assert.equal(d.copy, `OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:${source.receiver.port}`);
    assert.match(d.tooltip, /70 spans held/);
  });
});
