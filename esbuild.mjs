// Bundles the entry points: the extension (node/cjs, vscode external), the mapping worker it starts
// (node/cjs), the CLI (node/cjs, runnable as `tempo-lens`), the webview (browser/iife), and the heavy
// packages the extension and the CLI load on first use (dist/vendor/*.js, see `vendor` below).
import * as esbuild from 'esbuild';
import { cpSync, existsSync, mkdirSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
// For the activation bench (test/bench/activation.bench.ts): build elsewhere, and optionally with
// every package inline (the layout before the lazy split) to compare against.
const outdir = process.argv.find((a) => a.startsWith('--outdir='))?.slice('--outdir='.length) ?? 'dist';
const eager = process.argv.includes('--eager');

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
  mkdirSync(`${outdir}/wasm`, { recursive: true });
  for (const f of await wasmFiles()) {
    if (!existsSync(`${from}/${f}`)) throw new Error(`esbuild: ${f} (named by a LanguageSpec) is not in ${from}`);
    cpSync(`${from}/${f}`, `${outdir}/wasm/${f}`);
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

/**
 * Packages kept out of the extension bundle so activation does not evaluate them (measured with
 * `node test/bench/run.mjs activation`): each becomes its own bundle dist/vendor/<name>.js, and a
 * literal `require('<package>')` behind `lazyRequire` (src/core/lazy.ts) is redirected there.
 * Each package lives in exactly one bundle, so its module state (undici's pools) is never duplicated.
 * tree-sitter is absent on purpose: only the mapping worker (its own bundle) loads it.
 */
const vendor = {
  undici: 'undici', // 400 KB: the first Tempo request
  re2js: 're2js', // 150 KB: the first `=~` in a files-source filter
  lezerTraceql: '@grafana/lezer-traceql', // 85 KB with @lezer/*: the first TraceQL syntax check
};

/** Redirects vendored packages to dist/vendor/; a value `import` of one (eager) fails the build. */
const lazyVendor = {
  name: 'lazy-vendor',
  setup(b) {
    for (const [name, pkg] of Object.entries(vendor)) {
      const filter = new RegExp(`^${pkg.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`);
      b.onResolve({ filter }, (args) => {
        if (args.kind !== 'require-call') {
          return { errors: [{ text: `${pkg} is loaded lazily: use lazyRequire(() => require('${pkg}')) from src/core/lazy.ts and \`import type\` for its types` }] };
        }
        return { path: `./vendor/${name}.js`, external: true };
      });
    }
  },
};

const lazyPlugins = eager ? [] : [lazyVendor];

const builds = [
  { ...node, entryPoints: ['src/extension.ts'], outfile: `${outdir}/extension.js`, external: ['vscode'], plugins: lazyPlugins,
    // The start of the activation figure (src/extension.ts reads it): before any bundled module runs.
    banner: { js: '"use strict";var __tempoLensBundleStart = performance.now();' } },
  { ...node, entryPoints: ['src/symbols/mapWorker.ts'], outfile: `${outdir}/mapWorker.js` },
  { ...node, entryPoints: ['src/cli.ts'], outfile: `${outdir}/cli.js`, banner: { js: '#!/usr/bin/env node' }, plugins: lazyPlugins },
  ...Object.entries(eager ? {} : vendor).map(([name, pkg]) => ({
    ...node,
    stdin: { contents: `module.exports = require(${JSON.stringify(pkg)});`, resolveDir: '.', loader: 'js' },
    outfile: `${outdir}/vendor/${name}.js`,
  })),
  { ...common, entryPoints: ['webview/main.ts'], outfile: `${outdir}/webview.js`, platform: 'browser', format: 'iife', target: 'es2022', loader: { '.css': 'text' } },
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
