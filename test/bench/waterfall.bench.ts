// Waterfall model cost: tree build and visible-row flattening per span, for 10k and 100k spans; plus the host⇄webview guard.
import { best } from './timing';
import { buildWaterfallTree, visibleRows } from '../../src/core/waterfall';
import { isHostMessage } from '../../src/shared/protocol';
import { bigTrace } from '../browser/traceFixtures';

export async function run(): Promise<void> {
  for (const n of [10_000, 100_000]) {
    const trace = bigTrace(n);
    const runs = n > 50_000 ? 3 : 10;
    // Warm up the JIT on this shape once.
    buildWaterfallTree(trace.spans);
    let tree = buildWaterfallTree(trace.spans);
    const buildMs = best(runs, () => { tree = buildWaterfallTree(trace.spans); });
    const rowsMs = best(runs, () => { visibleRows(tree, new Set()); });
    const collapsed = new Set(tree.nodes.filter((nd) => nd.depth === 2 && nd.children.length > 0).map((nd) => nd.spanId));
    let visible = 0;
    const rowsCollapsedMs = best(runs, () => { visible = visibleRows(tree, collapsed).length; });
    const msg = { type: 'showTrace', trace, options: { grafana: false, selectSpanId: null }, state: null };
    const guardMs = best(runs, () => { if (!isHostMessage(msg)) throw new Error('guard rejected a valid trace'); });
    const us = (ms: number): string => `${((ms * 1000) / n).toFixed(2)} µs/span`;
    console.log(`${n} spans: build tree ${buildMs.toFixed(1)} ms (${us(buildMs)}), rows ${rowsMs.toFixed(1)} ms (${us(rowsMs)}), ` +
      `rows with ${collapsed.size} collapsed → ${visible} visible ${rowsCollapsedMs.toFixed(1)} ms, message guard ${guardMs.toFixed(1)} ms (${us(guardMs)})`);
  }
}
