// Lighter activation: lazyRequire loads once (and retries a failed load), and the built extension bundle
// loads none of its first-use bundles at load time while every one it names exists beside it.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { lazyRequire } from '../../src/core/lazy';
import { loadBundle } from './bundleLoad';

const DIST = path.resolve(__dirname, '../../../dist');

test('lazyRequire runs the loader on the first call only, and again after a failed load', () => {
  let calls = 0;
  const get = lazyRequire(() => ({ n: ++calls }));
  assert.equal(calls, 0, 'nothing loads before the first use');
  assert.equal(get().n, 1);
  assert.equal(get(), get());
  assert.equal(calls, 1);

  let attempts = 0;
  const flaky = lazyRequire(() => {
    attempts++;
    if (attempts === 1) throw new Error('not yet');
    return attempts;
  });
  assert.throws(flaky, /not yet/);
  assert.equal(flaky(), 2);
  assert.equal(flaky(), 2);
});

test('dist/extension.js names only first-use bundles that exist, and loading it loads none of them', () => {
  const bundle = path.join(DIST, 'extension.js');
  assert.ok(existsSync(bundle), 'run "npm run build" first (npm run test:unit does)');
  const named = [...new Set([...readFileSync(bundle, 'utf8').matchAll(/require\("\.\/((?:vendor|lazy)\/[\w.-]+\.js)"\)/g)].map((m) => m[1] ?? ''))].sort();
  // The packages esbuild.mjs keeps out (undici, re2js, the TraceQL grammar) and our quick-fix builders.
  for (const f of ['vendor/undici.js', 'vendor/re2js.js', 'vendor/lezerTraceql.js', 'lazy/fixTimeout.js', 'lazy/fixCacheSync.js']) {
    assert.ok(named.includes(f), `dist/extension.js requires ./${f} (got ${named.join(', ')})`);
  }
  for (const f of named) assert.ok(existsSync(path.join(DIST, f)), `dist/${f} is built`);

  const load = loadBundle(bundle);
  assert.deepEqual(load.exports, ['activate', 'deactivate']);
  assert.deepEqual(load.firstUseLoaded, [], 'loading the bundle loaded a first-use bundle');
});
