// Unit tests of the span tree → waterfall rows logic (src/core/waterfall.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ancestorsOf, buildWaterfallTree, formatDurationMs, timeTicks, visibleRows, type WaterfallTree } from '../../src/core/waterfall';
import { parseTraceBody } from '../../src/core/otlp';
import { bigTrace, span, spanId } from '../browser/traceFixtures';

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/tempo-real');

function names(tree: WaterfallTree, spans: readonly { name: string }[]): string[] {
  return tree.nodes.map((n) => `${'  '.repeat(n.depth)}${(spans[n.index] as { name: string }).name}`);
}

test('orders the tree depth-first with children by start time, and offsets from the trace start', () => {
  const spans = [
    span({ id: 3, parent: 1, name: 'b', start: 1020, end: 1030 }),
    span({ id: 1, name: 'root', start: 1000, end: 1100 }),
    span({ id: 2, parent: 1, name: 'a', start: 1010, end: 1050 }),
    span({ id: 4, parent: 2, name: 'a1', start: 1011, end: 1012 }),
  ];
  const tree = buildWaterfallTree(spans);
  assert.deepEqual(names(tree, spans), ['root', '  a', '    a1', '  b']);
  assert.deepEqual(tree.nodes.map((n) => n.offsetMs), [0, 10, 11, 20]);
  assert.deepEqual(tree.nodes.map((n) => n.durationMs), [100, 40, 1, 10]);
  assert.equal(tree.startMs, 1000);
  assert.equal(tree.endMs, 1100);
  assert.equal(tree.durationMs, 100);
  assert.deepEqual(tree.roots, [0]);
  assert.deepEqual((tree.nodes[0] as { children: readonly number[] }).children, [1, 3]);
  assert.equal(tree.byId.get(spanId(4)), 2);
  assert.deepEqual(ancestorsOf(tree, 2), [0, 1, 2]);
});

test('collapsed spans hide their whole subtree and only it', () => {
  const spans = [
    span({ id: 1, name: 'root', start: 0, end: 100 }),
    span({ id: 2, parent: 1, name: 'a', start: 1, end: 50 }),
    span({ id: 3, parent: 2, name: 'a1', start: 2, end: 10 }),
    span({ id: 4, parent: 3, name: 'a11', start: 3, end: 4 }),
    span({ id: 5, parent: 1, name: 'b', start: 60, end: 70 }),
  ];
  const tree = buildWaterfallTree(spans);
  assert.equal(visibleRows(tree, new Set()).length, 5);
  const rows = visibleRows(tree, new Set([spanId(2)]));
  assert.deepEqual(rows.map((r) => (spans[(tree.nodes[r.node] as { index: number }).index] as { name: string }).name), ['root', 'a', 'b']);
  assert.deepEqual(rows.map((r) => r.collapsed), [false, true, false]);
  assert.deepEqual(rows.map((r) => r.hasChildren), [true, true, false]);
  // Collapsing a leaf changes nothing.
  assert.equal(visibleRows(tree, new Set([spanId(5)])).length, 5);
  assert.equal(visibleRows(tree, new Set([spanId(1)])).length, 1);
});

test('flags children that end after their parent or the root beyond the skew tolerance', () => {
  const spans = [
    span({ id: 1, name: 'root', start: 0, end: 1000 }),
    span({ id: 2, parent: 1, name: 'within tolerance', start: 100, end: 1008 }),
    span({ id: 3, parent: 1, name: 'caller', start: 100, end: 500 }),
    span({ id: 4, parent: 3, name: 'outlived caller only', start: 200, end: 900 }),
    span({ id: 5, parent: 3, name: 'outlived caller and root', start: 200, end: 1400 }),
  ];
  const tree = buildWaterfallTree(spans);
  const by = (name: string) => tree.nodes.find((n) => (spans[n.index] as { name: string }).name === name);
  assert.equal(by('within tolerance')?.outlivedParentMs, 0);
  assert.equal(by('caller')?.outlivedParentMs, 0);
  assert.equal(by('outlived caller only')?.outlivedParentMs, 400);
  assert.equal(by('outlived caller only')?.outlivedRootMs, 0);
  assert.equal(by('outlived caller and root')?.outlivedParentMs, 900);
  assert.equal(by('outlived caller and root')?.outlivedRootMs, 400);
  assert.equal(tree.outlivedCount, 2);
  // A tolerance of 0 flags the 8 ms skew too; a large tolerance hides the 400 ms one.
  assert.equal(buildWaterfallTree(spans, { skewToleranceMs: 0 }).outlivedCount, 3);
  assert.equal(buildWaterfallTree(spans, { skewToleranceMs: 500 }).outlivedCount, 1);
});

test('real Tempo recording: the repository child that ends 400 ms after GET /token is flagged', () => {
  const body: unknown = JSON.parse(readFileSync(path.join(FIXTURES, 'trace_v2_child_after_parent.body'), 'utf8'));
  const t = parseTraceBody(body);
  const tree = buildWaterfallTree(t.spans);
  assert.deepEqual(names(tree, t.spans), ['GET /token', '  TokenRepository.findToken']);
  const child = tree.nodes[1];
  assert.ok(child !== undefined);
  assert.ok(Math.abs(child.outlivedParentMs - 400) < 0.01, `outlived by ${child.outlivedParentMs}`);
  assert.deepEqual(tree.services, ['token-service']);
  assert.equal(tree.errorCount, 0);

  const errBody: unknown = JSON.parse(readFileSync(path.join(FIXTURES, 'trace_v2_error_child.body'), 'utf8'));
  const et = parseTraceBody(errBody);
  const etree = buildWaterfallTree(et.spans);
  assert.equal(etree.errorCount, 1);
  assert.equal(etree.nodes[1]?.error, true);
  assert.ok(Math.abs((etree.nodes[1]?.outlivedParentMs ?? 0) - 400) < 0.01, "recorded: KeyVault.sign ends 400 ms after GET /token");
});

test('orphans (missing parent) become extra roots after the true roots, flagged', () => {
  const spans = [
    span({ id: 10, parent: 99, name: 'orphan early', start: 0, end: 5 }),
    span({ id: 1, name: 'root', start: 10, end: 100 }),
    span({ id: 2, parent: 1, name: 'child', start: 20, end: 30 }),
    span({ id: 11, parent: 10, name: 'orphan child', start: 1, end: 2 }),
  ];
  const tree = buildWaterfallTree(spans);
  assert.deepEqual(names(tree, spans), ['root', '  child', 'orphan early', '  orphan child']);
  assert.deepEqual(tree.nodes.map((n) => n.orphan), [false, false, true, false]);
  assert.equal(tree.roots.length, 2);
  assert.equal(tree.startMs, 0);
});

test('parent cycles and self-parents are cut, every span appears exactly once', () => {
  const spans = [
    span({ id: 1, name: 'root', start: 0, end: 100 }),
    span({ id: 2, parent: 3, name: 'loop a', start: 10, end: 20 }),
    span({ id: 3, parent: 4, name: 'loop b', start: 11, end: 20 }),
    span({ id: 4, parent: 2, name: 'loop c', start: 12, end: 20 }),
    span({ id: 5, parent: 5, name: 'self', start: 13, end: 14 }),
    span({ id: 6, parent: 2, name: 'hangs off loop', start: 15, end: 16 }),
  ];
  const tree = buildWaterfallTree(spans);
  assert.equal(tree.nodes.length, spans.length);
  assert.deepEqual(new Set(tree.nodes.map((n) => n.index)).size, spans.length);
  assert.equal(tree.nodes.filter((n) => n.cycle).length, 2, 'one cut per loop (the 3-cycle and the self-parent)');
  assert.equal((tree.nodes[0] as { depth: number }).depth, 0);
  for (const r of tree.roots) assert.equal((tree.nodes[r] as { parent: number }).parent, -1);
  assert.equal(visibleRows(tree, new Set()).length, spans.length);
});

test('duplicate span ids: children attach to the first, both spans are shown', () => {
  const spans = [
    span({ id: 1, name: 'root', start: 0, end: 100 }),
    span({ id: 2, parent: 1, name: 'first', start: 10, end: 20 }),
    span({ id: 2, parent: 1, name: 'dup', start: 30, end: 40 }),
    span({ id: 3, parent: 2, name: 'kid', start: 11, end: 12 }),
  ];
  const tree = buildWaterfallTree(spans);
  assert.deepEqual(names(tree, spans), ['root', '  first', '    kid', '  dup']);
  assert.deepEqual(tree.nodes.map((n) => n.duplicate), [false, false, false, true]);
  assert.equal(tree.byId.get(spanId(2)), 1);
});

test('services get colour indices in first-appearance order; null service is ""', () => {
  const spans = [
    span({ id: 1, name: 'root', start: 0, end: 100, service: 'gw' }),
    span({ id: 2, parent: 1, start: 1, end: 2, service: 'db' }),
    span({ id: 3, parent: 1, start: 3, end: 4, service: 'gw' }),
    span({ id: 4, parent: 1, start: 5, end: 6, service: null }),
  ];
  const tree = buildWaterfallTree(spans);
  assert.deepEqual(tree.services, ['gw', 'db', '']);
  assert.deepEqual(tree.nodes.map((n) => n.serviceIndex), [0, 1, 0, 2]);
});

test('empty trace, negative durations and a 10 000-deep chain', () => {
  const empty = buildWaterfallTree([]);
  assert.equal(empty.nodes.length, 0);
  assert.equal(empty.durationMs, 0);
  assert.deepEqual(visibleRows(empty, new Set()), []);

  const neg = buildWaterfallTree([span({ id: 1, start: 10, end: 5 })]);
  assert.equal(neg.nodes[0]?.durationMs, 0);

  const chain = Array.from({ length: 10_000 }, (_, i) => span({ id: i + 1, parent: i === 0 ? null : i, start: i, end: 20_000 - i }));
  const tree = buildWaterfallTree(chain);
  assert.equal(tree.nodes.length, 10_000);
  assert.equal(tree.nodes[9_999]?.depth, 9_999);
  assert.equal(visibleRows(tree, new Set([spanId(2)])).length, 2);
});

test('10 000-span synthetic trace: every span once, parents before children, rows consistent', () => {
  const t = bigTrace(10_000);
  const tree = buildWaterfallTree(t.spans);
  assert.equal(tree.nodes.length, 10_000);
  assert.equal(tree.roots.length, 1);
  tree.nodes.forEach((n, i) => {
    if (n.parent >= 0) {
      assert.ok(n.parent < i, 'pre-order: parent first');
      assert.equal(n.depth, (tree.nodes[n.parent] as { depth: number }).depth + 1);
    }
  });
  assert.ok(tree.outlivedCount > 0);
  assert.ok(tree.errorCount > 0);
  const collapsedAll = new Set(tree.nodes.filter((n) => n.children.length > 0 && n.parent >= 0).map((n) => n.spanId));
  assert.equal(visibleRows(tree, collapsedAll).length, 1 + (tree.nodes[0]?.children.length ?? 0));
});

test('time axis ticks are round numbers covering the duration; durations format compactly', () => {
  assert.deepEqual(timeTicks(2500, 5), [0, 500, 1000, 1500, 2000, 2500]);
  assert.deepEqual(timeTicks(0), [0]);
  const t = timeTicks(12_345, 6);
  assert.ok(t.length >= 4 && t.length <= 8);
  assert.ok((t[t.length - 1] as number) <= 12_345);
  assert.equal(formatDurationMs(0.25), '250 µs');
  assert.equal(formatDurationMs(2.5), '2.50 ms');
  assert.equal(formatDurationMs(42.25), '42.3 ms');
  assert.equal(formatDurationMs(2500), '2.50 s');
  assert.equal(formatDurationMs(185_000), '3m 05s');
});
