// Window math: presets, steps that divide the server's cap, chunking, and learning the cap from Tempo's 400 text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  alignWindow, maxRangeFromError, parseGoDuration, parseSince, parseTimestamp, rangeMs, sliceWindow, splitWindow, stepFor, TIME_RANGES, windowFor,
} from '../../src/core/timeRange';

const FIX = path.resolve(__dirname, '../../../test/fixtures/otlp');

test('each preset window ends at the next whole second and has a step dividing 3 h and 24 h', () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0, 400);
  for (const r of TIME_RANGES) {
    const w = windowFor(r, now);
    assert.equal(w.endMs, Date.UTC(2026, 0, 1, 12, 0, 1));
    assert.equal(w.endMs - w.startMs, rangeMs(r));
    const step = stepFor(w);
    assert.equal((3 * 3_600_000) % step, 0, r);
    assert.equal((24 * 3_600_000) % step, 0, r);
    const points = rangeMs(r) / step;
    assert.ok(points >= 30 && points <= 120, `${r}: ${points} points`);
  }
});

test('splitWindow: chunks ≤ cap, contiguous, on step boundaries', () => {
  const step = 30 * 60_000;
  const w = alignWindow({ startMs: Date.UTC(2026, 0, 1, 0, 7), endMs: Date.UTC(2026, 0, 2, 0, 7) }, step);
  assert.equal(w.startMs % step, 0);
  assert.equal(w.endMs % step, 0);
  const chunks = splitWindow(w, 3 * 3_600_000, step);
  assert.equal(chunks.length, 9);
  assert.equal(chunks[0]?.startMs, w.startMs);
  assert.equal(chunks[chunks.length - 1]?.endMs, w.endMs);
  for (let i = 0; i < chunks.length; i++) {
    const c = chunks[i]!;
    assert.ok(c.endMs - c.startMs <= 3 * 3_600_000);
    assert.equal(c.startMs % step, 0);
    if (i > 0) assert.equal(c.startMs, chunks[i - 1]!.endMs);
  }
  assert.equal(splitWindow(w, 48 * 3_600_000, step).length, 1);
  assert.equal(splitWindow({ startMs: 0, endMs: 7 * 86_400_000 }, 3 * 3_600_000, 3 * 3_600_000).length, 56);
});

test('sliceWindow spreads whole-second slices over the window', () => {
  const s = sliceWindow({ startMs: 1_000_000, endMs: 4_601_000 }, 4);
  assert.equal(s.length, 4);
  assert.equal(s[0]?.startMs, 1_000_000);
  assert.equal(s[3]?.endMs, 4_601_000);
  for (const x of s) assert.equal(x.startMs % 1000, 0);
  assert.equal(sliceWindow({ startMs: 0, endMs: 3000 }, 10).length, 1);
});

test('the metrics cap is read from Tempo 400 bodies (recorded, 2.x wording and the test server)', () => {
  const recorded = readFileSync(path.join(FIX, 'error_metrics_range_too_long.txt'), 'utf8');
  assert.equal(maxRangeFromError(recorded), 24 * 3_600_000);
  assert.equal(maxRangeFromError('metrics query time range exceeds the maximum allowed duration of 3h0m0s'), 3 * 3_600_000);
  assert.equal(maxRangeFromError('range specified by start and end (24h0m0s) exceeds 1h30m0s. received start=1 end=2'), 90 * 60_000);
  assert.equal(maxRangeFromError('invalid TraceQL query: parse error at line 1, col 3'), null);
  assert.equal(maxRangeFromError('spans per span set exceeds 100. received 200'), null);
});

test('durations and timestamps for the CLI', () => {
  assert.equal(parseGoDuration('3h0m0s'), 3 * 3_600_000);
  assert.equal(parseGoDuration('1.5s'), 1500);
  assert.equal(parseGoDuration('250us'), 0.25);
  assert.equal(parseGoDuration('abc'), null);
  assert.equal(parseSince('7d'), 7 * 86_400_000);
  assert.equal(parseSince('90m'), 5_400_000);
  assert.equal(parseSince('0s'), null);
  assert.equal(parseTimestamp('2026-01-01T00:00:00Z'), Date.UTC(2026, 0, 1));
  assert.equal(parseTimestamp('1767225600'), Date.UTC(2026, 0, 1));
  assert.equal(parseTimestamp('yesterday'), null);
});
