#!/usr/bin/env node
// Runs every compiled benchmark (out/test/bench/*.bench.js) in turn: each exports `run()` that
// prints its own figures. `npm run bench` builds first. Optional args filter by file name.
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DIR = join(ROOT, 'out/test/bench');
const filters = process.argv.slice(2);
const require = createRequire(import.meta.url);

if (!existsSync(DIR)) {
  console.error('bench: out/test/bench is missing: run "npm run compile:tests" first (npm run bench does)');
  process.exit(2);
}
const files = readdirSync(DIR).filter((f) => f.endsWith('.bench.js') && (!filters.length || filters.some((x) => f.includes(x)))).sort();
if (!files.length) { console.log('bench: no benchmarks found'); process.exit(0); }

let failed = 0;
for (const f of files) {
  const name = f.replace(/\.bench\.js$/, '');
  console.log(`\n=== ${name}`);
  const t0 = performance.now();
  try {
    const mod = require(join(DIR, f));
    if (typeof mod.run !== 'function') throw new Error(`${f} does not export run()`);
    await mod.run();
    console.log(`--- ${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } catch (e) {
    failed++;
    console.error(`--- ${name} FAILED: ${e?.stack ?? e}`);
  }
}
console.log(`\nbench: ${files.length - failed} of ${files.length} benchmarks ran`);
process.exit(failed ? 1 : 0);
