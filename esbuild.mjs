// Bundles the entry points: the extension (node/cjs, vscode external), the mapping worker it starts
// (node/cjs), the CLI (node/cjs, runnable as `tempo-lens`) and the webview (browser/iife).
import * as esbuild from 'esbuild';
import { cpSync, existsSync, mkdirSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/**
 * Grammars the symbol extractor loads at run time, shipped beside the bundles in dist/wasm: derived
 * from the language registry (src/core/lang/registry.ts, pure data + functions), compiled here once.
 */
async function wasmFiles() {
  const out = await esbuild.build({ entryPoints: ['src/core/lang/registry.ts'], bundle: true, write: false, format: 'esm', platform: 'neutral', logLevel: 'warning' });
  const mod = await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`);
  return mod.wasmFiles();
}

async function copyWasm() {
  const from = 'node_modules/@vscode/tree-sitter-wasm/wasm';
  mkdirSync('dist/wasm', { recursive: true });
  for (const f of await wasmFiles()) {
    if (!existsSync(`${from}/${f}`)) throw new Error(`esbuild: ${f} (named by a LanguageSpec) is not in ${from}`);
    cpSync(`${from}/${f}`, `dist/wasm/${f}`);
  }
}

const common = {
  bundle: true,
  minify: production,
  sourcemap: production ? false : 'linked',
  sourcesContent: false,
  logLevel: 'warning',
  legalComments: 'none',
};

// jsonc-parser's `main` is a UMD build whose inner require('./impl/…') calls esbuild cannot follow;
// its ESM build (`module`) bundles cleanly.
const node = { ...common, platform: 'node', format: 'cjs', target: 'node20', mainFields: ['module', 'main'] };

const builds = [
  { ...node, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  { ...node, entryPoints: ['src/symbols/mapWorker.ts'], outfile: 'dist/mapWorker.js' },
  { ...node, entryPoints: ['src/cli.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  { ...common, entryPoints: ['webview/main.ts'], outfile: 'dist/webview.js', platform: 'browser', format: 'iife', target: 'es2022', loader: { '.css': 'text' } },
];

await copyWasm();
if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
  console.log('esbuild: watching');
} else {
  const t0 = Date.now();
  await Promise.all(builds.map((b) => esbuild.build(b)));
  console.log(`esbuild: built ${builds.length} bundles${production ? ' (production)' : ''} in ${Date.now() - t0} ms`);
}
