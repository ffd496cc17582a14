// Activation cost: bytes of JavaScript the extension host loads at activation vs on first use, and the
// time to load the bundle, for the lazy layout (esbuild.mjs `vendor`) against everything inline.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadBundle } from '../unit/bundleLoad';

const ROOT = path.resolve(__dirname, '../../..');
/** Where the host tier's activation test leaves the figures of its last run (test/integration/activation.test.ts). */
export const HOST_FIGURES = path.join(ROOT, 'out/test/activation-host.json');
const RUNS = 9;

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KB`;

/** Builds the production bundles into `dir` (the layout `npm run package` ships). */
function build(dir: string, eager: boolean): void {
  const r = spawnSync(process.execPath, ['esbuild.mjs', '--production', `--outdir=${dir}`, ...(eager ? ['--eager'] : [])], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`esbuild.mjs failed: ${r.stderr}`);
}

function loadTimes(bundle: string): { best: number; median: number; vendor: readonly string[] } {
  const times: number[] = [];
  let vendor: readonly string[] = [];
  for (let i = 0; i < RUNS; i++) {
    const out = loadBundle(bundle);
    times.push(out.ms);
    vendor = out.firstUseLoaded;
  }
  times.sort((a, b) => a - b);
  return { best: times[0] ?? NaN, median: times[Math.floor(times.length / 2)] ?? NaN, vendor };
}

/** Plain `require` of a lazily loaded bundle in a fresh process: what its first use costs. */
function firstUseMs(file: string): number {
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const r = spawnSync(process.execPath, ['-e', 'const t0 = performance.now(); require(process.argv[1]); process.stdout.write(String(performance.now() - t0));', file], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`loading ${file} failed: ${r.stderr.slice(-2000)}`);
    best = Math.min(best, Number(r.stdout));
  }
  return best;
}

export function run(): void {
  const tmp = mkdtempSync(path.join(tmpdir(), 'tempo-lens-activation-'));
  try {
    const lazy = path.join(tmp, 'after');
    const eager = path.join(tmp, 'before');
    build(lazy, false);
    build(eager, true);
    const size = (f: string): number => statSync(f).size;
    const firstUse = ['vendor', 'lazy'].flatMap((d) => readdirSync(path.join(lazy, d)).filter((f) => f.endsWith('.js')).sort().map((f) => `${d}/${f}`));
    const firstUseBytes = firstUse.reduce((n, f) => n + size(path.join(lazy, f)), 0);

    console.log('production bundles (minified):');
    console.log(`  loaded at activation: dist/extension.js ${kb(size(path.join(lazy, 'extension.js')))} (everything inline: ${kb(size(path.join(eager, 'extension.js')))}; goal ≤ 400 KB)`);
    console.log(`  loaded on first use:  ${kb(firstUseBytes)} —`);
    for (const f of firstUse) console.log(`    dist/${f} ${kb(size(path.join(lazy, f)))}, ${firstUseMs(path.join(lazy, f)).toFixed(1)} ms to load`);
    console.log(`  other bundles:        mapWorker.js ${kb(size(path.join(lazy, 'mapWorker.js')))} (worker thread, tree-sitter), webview.js ${kb(size(path.join(lazy, 'webview.js')))} (trace view), cli.js ${kb(size(path.join(lazy, 'cli.js')))} (was ${kb(size(path.join(eager, 'cli.js')))})`);

    const l = loadTimes(path.join(lazy, 'extension.js'));
    const e = loadTimes(path.join(eager, 'extension.js'));
    console.log(`bundle load (require in a fresh Node ${process.version}, stand-in vscode module, best/median of ${RUNS}):`);
    console.log(`  lazy layout   ${l.best.toFixed(1)} / ${l.median.toFixed(1)} ms; lazily loaded bundles loaded: ${l.vendor.length === 0 ? 'none' : l.vendor.map((v) => path.basename(v)).join(', ')}`);
    console.log(`  all inline    ${e.best.toFixed(1)} / ${e.median.toFixed(1)} ms → the lazy layout loads in ${(l.median / e.median).toFixed(2)}× the time`);
    if (l.vendor.length > 0) throw new Error(`loading dist/extension.js loaded ${l.vendor.join(', ')}: they must load on first use only`);

    if (existsSync(HOST_FIGURES)) {
      const h = JSON.parse(readFileSync(HOST_FIGURES, 'utf8')) as { at: string; host: string; bundleBytes: number; hostCodeLoadingMs: number | null; bundleLoadMs: number; activateMs: number; lazyLoaded: string[] };
      console.log(`in the VS Code host (${h.host}, last host-tier run ${h.at}, the ${kb(h.bundleBytes)} bundle of that build):`);
      console.log(`  bundle body evaluated ${h.bundleLoadMs.toFixed(1)} ms + activate() ${h.activateMs.toFixed(1)} ms = ${(h.bundleLoadMs + h.activateMs).toFixed(1)} ms (goal ≤ 30 ms); first-use bundles loaded by then: ${h.lazyLoaded.join(', ') || 'none'}`);
      if (h.hostCodeLoadingMs !== null) console.log(`  the host's own code loading (read + compile + evaluate, 1 ms resolution) ${h.hostCodeLoadingMs} ms + activate() = ${(h.hostCodeLoadingMs + h.activateMs).toFixed(1)} ms`);
    } else {
      console.log('in the VS Code host: no figures yet (the host tier writes them: npm run test:integration -- --run basic)');
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
