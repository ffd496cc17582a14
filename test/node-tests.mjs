#!/usr/bin/env node
// Runs the compiled node:test files under the given folders of out/test (e.g. `unit browser`)
// with the spec reporter. Node 20's `--test` takes no glob patterns, so the files are listed here.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dirs = process.argv.slice(2);
if (!dirs.length) { console.error('usage: node test/node-tests.mjs <folder under out/test>...'); process.exit(2); }

const walk = (d) => readdirSync(d).sort().flatMap((n) => {
  const p = join(d, n);
  return statSync(p).isDirectory() ? walk(p) : n.endsWith('.test.js') ? [p] : [];
});
const files = dirs.flatMap((d) => {
  const dir = join(ROOT, 'out/test', d);
  if (!existsSync(dir)) { console.error(`node-tests: ${relative(ROOT, dir)} is missing: run "npm run compile:tests" first`); process.exit(2); }
  return walk(dir);
});
if (!files.length) { console.log(`node-tests: no *.test.js under out/test/{${dirs.join(',')}}`); process.exit(0); }
const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files.map((f) => relative(ROOT, f))], { cwd: ROOT, stdio: 'inherit' });
process.exit(r.status ?? 1);
