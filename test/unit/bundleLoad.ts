// Loads a built extension bundle in a fresh Node process with a stand-in `vscode` module: what its module body costs and loads (shared by the unit test and the activation bench).
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');

/**
 * Run in the child: the stand-in exports every top-level name of @types/vscode, each member a no-op,
 * enough for module bodies (`class X extends vscode.TreeItem`); activate() needs the real host.
 */
const LOADER = `
const Module = require('node:module');
const fs = require('node:fs');
const { dirname, join, sep } = require('node:path');
const [bundle, dts] = process.argv.slice(1);
const anything = () => new Proxy(function () {}, { get: (t, k) => (k === 'prototype' ? t.prototype : k === Symbol.toPrimitive ? () => '' : anything()), construct: () => anything(), apply: () => anything() });
const fake = {};
for (const m of fs.readFileSync(dts, 'utf8').matchAll(/^\\s+export (?:class|enum|namespace|function|const|let) (\\w+)/gm)) fake[m[1]] = anything();
const load = Module._load;
Module._load = function (request, ...rest) { return request === 'vscode' ? fake : load.call(this, request, ...rest); };
const t0 = performance.now();
const ext = require(bundle);
const ms = performance.now() - t0;
const dirs = ['vendor', 'lazy'].map((d) => join(dirname(bundle), d) + sep);
const firstUseLoaded = Object.keys(require.cache).filter((k) => dirs.some((d) => k.startsWith(d)));
process.stdout.write(JSON.stringify({ ms, firstUseLoaded, exports: Object.keys(ext) }));
`;

export interface BundleLoad {
  /** `require` of the bundle: read, compile and evaluate, ms. */
  readonly ms: number;
  /** Files under the bundle's vendor/ and lazy/ folders that loading it loaded (should be none). */
  readonly firstUseLoaded: readonly string[];
  readonly exports: readonly string[];
}

export function loadBundle(bundle: string): BundleLoad {
  const dts = path.join(ROOT, 'node_modules/@types/vscode/index.d.ts');
  const r = spawnSync(process.execPath, ['-e', LOADER, bundle, dts], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`loading ${bundle} failed: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout) as BundleLoad;
}
