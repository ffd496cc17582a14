// The receiver's span store: retention from arrival, the memory cap dropping the oldest first (and
// counting), whole-trace lookup, window queries and change events.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRetention, spanBytes, SpanStore } from '../../src/receiver/spanStore';
import type { Span } from '../../src/shared/model';

const RESOURCE = { 'service.name': 'orders' };

function span(trace: number, id: number, startMs = 1_000, durationMs = 10, parent: number | null = null): Span {
  return {
    traceId: trace.toString(16).padStart(32, '0'),
    spanId: id.toString(16).padStart(16, '0'),
    parentSpanId: parent === null ? null : parent.toString(16).padStart(16, '0'),
    name: `op${id}`,
    kind: 'internal',
    startMs,
    endMs: startMs + durationMs,
    status: 'unset',
    statusMessage: null,
    attributes: { 'code.function.name': 'com.acme.Orders.place', 'code.line.number': 12 },
    resource: RESOURCE,
    service: 'orders',
    scope: null,
    events: [],
    links: [],
  };
}

function clock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => { t += ms; } };
}

describe('parseRetention', () => {
  it('reads 15m…24h and clamps outside it; refuses what is not a duration', () => {
    assert.equal(parseRetention('15m'), 15 * 60_000);
    assert.equal(parseRetention('1h'), 3_600_000);
    assert.equal(parseRetention('90m'), 90 * 60_000);
    assert.equal(parseRetention('24h'), 24 * 3_600_000);
    assert.equal(parseRetention('1m'), 15 * 60_000);
    assert.equal(parseRetention('7d'), 24 * 3_600_000);
    assert.equal(parseRetention('soon'), null);
    assert.equal(parseRetention(''), null);
  });
});

describe('SpanStore', () => {
  it('keeps spans for the retention window counted from arrival, sweeping on read and on insert', () => {
    const c = clock();
    const store = new SpanStore({ retentionMs: 60_000, now: c.now });
    store.add([span(1, 1), span(1, 2)]);
    c.advance(30_000);
    store.add([span(2, 3)]);
    const all = { startMs: 0, endMs: 1e15 };
    assert.equal(store.spans(all).length, 3);
    c.advance(30_000); // the first batch is now exactly 60 s old
    assert.deepEqual(store.spans(all).map((s) => s.spanId), [span(2, 3).spanId]);
    assert.equal(store.trace(span(1, 1).traceId), null);
    assert.equal(store.stats().expired, 2);
    c.advance(30_001);
    assert.equal(store.add([span(3, 4)]).expired, 1, 'expiry runs on insert too');
    assert.deepEqual(store.stats(), { ...store.stats(), spans: 1, traces: 1, received: 4, expired: 3, evicted: 0 });
  });

  it('caps memory: drops the oldest spans first, counts them, and keeps the byte total exact', () => {
    const one = spanBytes(span(1, 1)) + 0;
    const store = new SpanStore({ maxBytes: one * 10 + one / 2 + 200 });
    for (let i = 0; i < 25; i++) store.add([span(100 + (i % 3), i + 1)]);
    const kept = store.spans({ startMs: 0, endMs: 1e15 });
    // The resource share of a one-span batch is charged to that span, so ~10 fit; the newest are the ones kept.
    assert.ok(kept.length >= 8 && kept.length <= 10, `${kept.length}`);
    assert.deepEqual(kept.map((s) => parseInt(s.spanId, 16)), Array.from({ length: kept.length }, (_, k) => 25 - kept.length + 1 + k));
    assert.equal(store.stats().evicted, 25 - kept.length);
    assert.ok(store.stats().bytes <= store.maxBytes);
    // Each trace lists only its surviving spans.
    const t = store.trace(span(100, 0).traceId);
    assert.ok(t);
    assert.ok(t.spans.every((s) => kept.includes(s)));
    assert.deepEqual(t.spans.map((s) => s.spanId), kept.filter((s) => s.traceId === t.traceId).map((s) => s.spanId));
  });

  it('reports the drops of the batch that caused them, including a batch larger than the cap', () => {
    const store = new SpanStore({ maxBytes: spanBytes(span(1, 1)) * 4 });
    const r = store.add(Array.from({ length: 10 }, (_, i) => span(1, i + 1)));
    assert.ok(r.evicted >= 6, `${r.evicted}`);
    assert.equal(r.added, 10 - r.evicted);
    assert.equal(store.size, 10 - r.evicted);
    assert.equal(store.trace(span(1, 1).traceId)?.spans[0]?.spanId, span(1, 10 - store.size + 1).spanId);
  });

  it('keeps up over long runs: the queue compacts and traces that lost every span disappear', () => {
    const store = new SpanStore({ maxBytes: spanBytes(span(1, 1)) * 50 + 10_000 });
    for (let i = 0; i < 5_000; i++) store.add([span(i >> 2, i + 1), span(i >> 2, 100_000 + i)]);
    assert.ok(store.size <= 60);
    assert.ok(store.stats().traces <= 20, `${store.stats().traces} traces`);
    assert.equal(store.stats().received, 10_000);
    assert.equal(store.stats().evicted + store.size, 10_000);
  });

  it('finds whole traces by id (any case, leading zeros optional) and by window', () => {
    const store = new SpanStore();
    store.add([span(0xabc, 1, 1_000, 5), span(0xabc, 2, 1_002, 1, 1)]);
    store.add([span(0xdef, 3, 5_000, 5), span(0xabc, 4, 9_000, 5, 1)]);
    const t = store.trace('ABC');
    assert.equal(t?.traceId, span(0xabc, 1).traceId);
    assert.deepEqual(t?.spans.map((s) => s.name), ['op1', 'op2', 'op4']);
    assert.equal(store.trace('0'.repeat(31) + '1'), null);
    // A window that touches one span of a trace brings the whole trace.
    const w = store.traces({ startMs: 8_000, endMs: 10_000 });
    assert.deepEqual(w.map((x) => [x.traceId.slice(-3), x.spans.length]), [['abc', 3]]);
    assert.deepEqual(store.spans({ startMs: 4_000, endMs: 5_001 }).map((s) => s.name), ['op3']);
    // Overlap, not containment: a span running across the window start counts.
    assert.deepEqual(store.spans({ startMs: 1_003.5, endMs: 1_004 }).map((s) => s.name), ['op1']);
  });

  it('a resent batch (same trace and span ids) is not stored twice; a dropped span may come back', () => {
    const store = new SpanStore({ maxBytes: spanBytes(span(1, 1)) * 3 + 500 });
    assert.deepEqual(store.add([span(1, 1), span(1, 2)]), { added: 2, duplicates: 0, evicted: 0, expired: 0 });
    const version = store.version;
    assert.deepEqual(store.add([span(1, 1), span(1, 2)]), { added: 0, duplicates: 2, evicted: 0, expired: 0 });
    assert.equal(store.version, version, 'nothing changed');
    assert.equal(store.add([span(1, 2), span(1, 3)]).duplicates, 1);
    assert.deepEqual(store.trace(span(1, 1).traceId)?.spans.map((s) => s.name), ['op1', 'op2', 'op3']);
    // Over the cap span 1 goes; sent again later it is new again.
    assert.equal(store.add([span(1, 4)]).evicted, 1);
    assert.equal(store.add([span(1, 1)]).duplicates, 0);
    assert.equal(store.stats().received, 5);
  });

  it('fires onDidChange after each batch with the new version; dispose stops it', () => {
    const store = new SpanStore();
    const seen: number[] = [];
    const sub = store.onDidChange((v) => seen.push(v));
    store.add([span(1, 1)]);
    store.add([]);
    store.add([span(1, 2)]);
    sub.dispose();
    store.add([span(1, 3)]);
    assert.deepEqual(seen, [1, 2]);
    assert.equal(store.version, 3);
  });
});
