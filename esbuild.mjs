// Bundles the entry points: the extension (node/cjs, vscode external), the mapping worker it starts
// (node/cjs), the CLI (node/cjs, runnable as `tempo-lens`), the webview (browser/iife), and the heavy
// packages and pure modules the extension loads on first use (dist/vendor/*.js, dist/lazy/*.js: see
// `vendor` and `seams` below).
import * as esbuild from 'esbuild';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
// For the activation bench (test/bench/activation.bench.ts): build elsewhere, and optionally in the
// layout before the lazy split (every package inline, no one-vscode) to compare against.
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

/**
 * Our own modules split off the same way, into dist/lazy/<name>.js, reached by
 * `lazyRequire(() => require('<relative path>'))`. Only modules that hold no state and no class the
 * main bundle tests with `instanceof`: code shared with them is copied into their bundle, so module
 * state there would be a second copy. Pure functions only, or a self-contained surface.
 */
const seams = {
  fixTimeout: 'src/core/fixes/timeout.ts', // quick fix "add a client timeout" (with the shared fix model)
  fixCacheSync: 'src/core/fixes/cacheSync.ts', // quick fix "enable @Cacheable(sync = true)"
  receiver: 'src/receiver/source.ts', // the local OTLP receiver (server, protobuf decoder, span store), when tempoLens.source is receiver
};
const seamNames = new Map(Object.entries(seams).map(([name, file]) => [resolve(file), name]));

/**
 * Redirects vendored packages (and, with `ownSeams`, our seams) to their own bundles, `root` being
 * the path from the output file's folder to dist/. A value `import` of one would load it eagerly:
 * that fails the build.
 */
function lazyBundles(root, ownSeams) {
  return {
    name: 'lazy-bundles',
    setup(b) {
      const eagerly = (what) => ({ errors: [{ text: `${what} is loaded lazily: reach it through lazyRequire(() => require('…')) from src/core/lazy.ts, with \`import type\` for its types (esbuild.mjs)` }] });
      for (const [name, pkg] of Object.entries(vendor)) {
        const filter = new RegExp(`^${pkg.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`);
        b.onResolve({ filter }, (args) => (args.kind === 'require-call' ? { path: `${root}/vendor/${name}.js`, external: true } : eagerly(pkg)));
      }
      if (!ownSeams) return;
      b.onResolve({ filter: /^\./ }, (args) => {
        const file = resolve(args.resolveDir, args.path);
        const name = seamNames.get(file) ?? seamNames.get(`${file}.ts`);
        if (name === undefined) return undefined;
        return args.kind === 'require-call' ? { path: `${root}/lazy/${name}.js`, external: true } : eagerly(seams[name]);
      });
    },
  };
}

/**
 * One `vscode` import for the whole bundle. esbuild wraps every module's `import * as vscode` of an
 * external in its own __toESM copy of the API object (evanw/esbuild#475): 21 copies of ~400
 * properties at each start-up. Our modules import this one re-exporting module instead.
 */
const oneVscode = {
  name: 'one-vscode',
  setup(b) {
    b.onResolve({ filter: /^vscode$/ }, (args) => (args.namespace === 'one-vscode' ? { path: 'vscode', external: true } : { path: 'vscode', namespace: 'one-vscode' }));
    b.onLoad({ filter: /.*/, namespace: 'one-vscode' }, () => ({ contents: "export * from 'vscode';", loader: 'js' }));
  },
};

const cliPlugins = eager ? [] : [lazyBundles('.', false)];
const extensionPlugins = eager ? [] : [oneVscode, lazyBundles('.', true)];

const builds = [
  { ...node, entryPoints: ['src/extension.ts'], outfile: `${outdir}/extension.js`, external: ['vscode'], plugins: extensionPlugins,
    // The start of the activation figure (src/extension.ts reads it): before any bundled module runs.
    banner: { js: '"use strict";var __tempoLensBundleStart = performance.now();' } },
  { ...node, entryPoints: ['src/symbols/mapWorker.ts'], outfile: `${outdir}/mapWorker.js` },
  { ...node, entryPoints: ['src/cli.ts'], outfile: `${outdir}/cli.js`, banner: { js: '#!/usr/bin/env node' }, plugins: cliPlugins },
  ...Object.entries(eager ? {} : vendor).map(([name, pkg]) => ({
    ...node,
    stdin: { contents: `module.exports = require(${JSON.stringify(pkg)});`, resolveDir: '.', loader: 'js' },
    outfile: `${outdir}/vendor/${name}.js`,
  })),
  ...Object.entries(eager ? {} : seams).map(([name, file]) => ({
    ...node,
    entryPoints: [file],
    outfile: `${outdir}/lazy/${name}.js`,
    external: ['vscode'],
    plugins: [lazyBundles('..', false)],
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
