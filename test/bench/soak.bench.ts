// Soak: 1,000 refresh cycles of what a refresh runs outside VS Code (the files source kept per
// settings key as the store keeps it, the trace detectors, the workspace matcher, the table and the
// terminal sanitiser) while the filter, the glob and the path mappings change. Prints heap growth
// after GC and the counts that must stay flat; fails when the heap grows more than 5 MB.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { combineInsights, hotspotsTable, type HotspotRow } from '../../src/core/cliFormat';
import { thresholdInsights } from '../../src/core/insights/thresholds';
import { functionKey } from '../../src/core/stats';
import { sanitizeForTerminal } from '../../src/core/terminal';
import { WorkspaceMatcher } from '../../src/symbols/workspaceMatcher';
import { FileStatsSource } from '../../src/files/files';
import { insightsFromTraces } from '../../src/tempo/insightsSource';

const CYCLES = 1000;
const MAX_GROWTH_MB = 5;

function hex(n: number, len: number): string {
  return n.toString(16).padStart(len, '0');
}

/** A workspace with 20 trace files (40 spans each) in two folders and one source file per function. */
function workspace(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'tempo-lens-soak-'));
  for (const dir of ['a', 'b']) mkdirSync(path.join(root, 'traces', dir), { recursive: true });
  mkdirSync(path.join(root, 'src'), { recursive: true });
  for (let f = 0; f < 8; f++) writeFileSync(path.join(root, 'src', `svc${f}.py`), `def handle${f}(x):\n    return x\n`);
  const base = Date.UTC(2026, 0, 1) * 1e6;
  for (let file = 0; file < 20; file++) {
    const spans = Array.from({ length: 40 }, (_, i) => ({
      traceId: hex(file * 10 + Math.floor(i / 4) + 1, 32), spanId: hex(file * 100 + i + 1, 16), name: `op${i % 8}`,
      startTimeUnixNano: String(base + (file * 40 + i) * 1_000_000_000), endTimeUnixNano: String(base + (file * 40 + i) * 1_000_000_000 + (i % 8 + 1) * 50_000_000),
      status: { code: i % 13 === 0 ? 2 : 0 },
      attributes: [{ key: 'code.function', value: { stringValue: `handle${i % 8}` } }, { key: 'code.namespace', value: { stringValue: `svc${i % 8}` } }, { key: 'code.filepath', value: { stringValue: `/app/svc${i % 8}.py` } }],
    }));
    const body = { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: `svc-${file % 3}` } }] }, scopeSpans: [{ spans }] }] };
    writeFileSync(path.join(root, 'traces', file % 2 ? 'a' : 'b', `t${file}.json`), JSON.stringify(body));
  }
  return root;
}

export async function run(): Promise<void> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const root = workspace();
  const filters = ['', 'span.code.function =~ "handle[0-3]"', 'resource.service.name = "svc-1" || duration > 200ms', 'span.code.function !~ "(a+)+b"'];
  const globs = ['traces/**/*.json', 'traces/a/*.json', 'traces/{a,b}/t1*.json'];
  const mappings = [[{ from: '/app', to: 'src' }], [{ from: '/app/', to: 'src/' }]];
  const matchers = await Promise.all(mappings.map((m) => WorkspaceMatcher.fromDirectory(root, { pathMappings: m })));
  let source = null as { key: string; source: FileStatsSource } | null;
  let sourcesCreated = 0;
  let out = 0;
  const heap: number[] = [];
  const resources: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < CYCLES; i++) {
    const filter = filters[i % filters.length] as string;
    const glob = globs[Math.floor(i / 7) % globs.length] as string;
    const matcher = matchers[Math.floor(i / 11) % matchers.length] as WorkspaceMatcher;
    const key = `${root}\u0000${glob}`;
    if (source?.key !== key) {
      source = { key, source: new FileStatsSource({ root, glob, keepTraces: true }) };
      sourcesCreated++;
    }
    const snap = await source.source.load({ window: { startMs: 0, endMs: 1 }, filter }, new AbortController().signal);
    const traces = source.source.takeTraces() ?? [];
    const found = insightsFromTraces(traces);
    const rows: HotspotRow[] = await Promise.all(snap.functions.map(async (stats) => ({
      stats,
      location: await matcher.locate(stats.codeRef, stats.service),
      insights: combineInsights(thresholdInsights(stats, { latencyMs: 200, errorRate: 0.05 }), found.findings.get(functionKey(stats.codeRef, stats.service))?.insights ?? []),
    })));
    out += sanitizeForTerminal(hotspotsTable(snap, rows, rows.length)).length;
    if (i === 49 || (i + 1) % 250 === 0) {
      gc();
      heap.push(process.memoryUsage().heapUsed);
      resources.push(process.getActiveResourcesInfo().length);
    }
  }
  const ms = performance.now() - t0;
  const mb = (b: number): string => (b / 1048576).toFixed(2);
  const growth = (heap[heap.length - 1] as number) - (heap[0] as number);
  console.log(`  ${CYCLES} refresh cycles in ${(ms / 1000).toFixed(1)} s (${(ms / CYCLES).toFixed(2)} ms per cycle), ${out} characters rendered`);
  console.log(`  heap after GC at cycles 50, 250, 500, 750, 1000: ${heap.map(mb).join(', ')} MB → growth ${mb(growth)} MB (bound ${MAX_GROWTH_MB} MB)`);
  console.log(`  active handles/timers at the same points: ${resources.join(', ')}`);
  console.log(`  files sources created: ${sourcesCreated} (one per glob change), indexed files per matcher: ${matchers.map((m) => m.fileCount).join(', ')}`);
  if (growth > MAX_GROWTH_MB * 1048576) throw new Error(`heap grew ${mb(growth)} MB over ${CYCLES} cycles`);
  if (new Set(resources).size > 1) throw new Error(`active handles changed: ${resources.join(', ')}`);
}
