// Issue 14: one test per hostile input of the adversarial review, each reproducing the attack.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { main } from '../../src/cli';
import { compileSpanFilter } from '../../src/core/spanFilter';
import { RESTRICTED_KEYS } from '../../src/host/connectionRules';
import type { Span } from '../../src/shared/model';
import { readSourceFileSync } from '../../src/symbols/safeRead';
import { FileStatsSource } from '../../src/tempo/files';
import { compileWorkspaceGlob } from '../../src/tempo/workspaceFiles';

const ROOT = path.resolve(__dirname, '../../..');

test('row 1: every setting that decides what is read, run or matched is restricted in untrusted workspaces', () => {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    capabilities: { untrustedWorkspaces: { restrictedConfigurations: string[] } };
  };
  const declared = pkg.capabilities.untrustedWorkspaces.restrictedConfigurations;
  for (const key of ['source', 'files', 'filter', 'pathMappings', 'grafanaUrl', 'grafanaDatasourceUid', 'url', 'auth', 'user', 'tenant', 'headers']) {
    assert.ok(declared.includes(`tempoLens.${key}`), `tempoLens.${key} is not in restrictedConfigurations`);
    assert.ok((RESTRICTED_KEYS as readonly string[]).includes(key), `config.ts does not read ${key} through the trust rule`);
  }
  // One list: package.json and the config module agree exactly.
  assert.deepEqual([...declared].sort(), RESTRICTED_KEYS.map((k) => `tempoLens.${k}`).sort());
});

/** A span carrying `attrs`, for the filter tests. */
function spanWith(attrs: Span['attributes']): Span {
  return {
    traceId: '0'.repeat(31) + '1', spanId: '0'.repeat(15) + '1', parentSpanId: null, name: 'op', kind: 'internal',
    startMs: 0, endMs: 1, status: 'unset', statusMessage: null, attributes: attrs, resource: {}, service: 's', scope: null, events: [], links: [],
  };
}

test('row 2: =~ in the files filter runs in linear time with RE2 semantics (fully anchored, no Perl-only syntax)', () => {
  // A backtracking engine needs 2^n steps here; before the fix 29 characters took 9.6 s.
  const evil = compileSpanFilter('span.x =~ "(a+)+b"');
  assert.equal(evil(spanWith({ x: 'a'.repeat(100_000) })), false);
  assert.equal(evil(spanWith({ x: `${'a'.repeat(1000)}b` })), true);
  assert.equal(compileSpanFilter('span.x !~ "(a|aa)*c"')(spanWith({ x: 'a'.repeat(100_000) })), true);
  // Anchored like Tempo: a partial match is no match.
  assert.equal(compileSpanFilter('span.x =~ "b"')(spanWith({ x: 'abc' })), false);
  // RE2 refuses look-arounds and back-references; JS RegExp would have run them.
  assert.throws(() => compileSpanFilter('span.x =~ "(?=a)a"'), /invalid regular expression/);
  assert.throws(() => compileSpanFilter('span.x =~ "(a)\\\\1"'), /invalid regular expression/);
});

function tempDir(name: string): string {
  return mkdtempSync(path.join(tmpdir(), `tempo-lens-${name}-`));
}

const TRACE = JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] }, scopeSpans: [{ spans: [
  { traceId: '0'.repeat(31) + '1', spanId: '0'.repeat(15) + '1', name: 'op', startTimeUnixNano: '1767268800000000000', endTimeUnixNano: '1767268800010000000',
    attributes: [{ key: 'code.function', value: { stringValue: 'outsideFn' } }, { key: 'code.namespace', value: { stringValue: 'evil' } }] },
] }] }] });
const signal = (): AbortSignal => new AbortController().signal;

test('row 3: a glob with many stars is refused before it can match, not run for minutes on one file name', async () => {
  const root = tempDir('glob');
  writeFileSync(path.join(root, `${'a'.repeat(60)}.json`), TRACE);
  // Before the fix: the hand-written glob → RegExp took 85 s on this one file name.
  await assert.rejects(new FileStatsSource({ root, glob: '*a*a*a*a*a*a*a*a*b' }).listFiles(signal()), /tempoLens\.files is not valid: .*more than 2 '\*'/);
  const r = compileWorkspaceGlob('{*a*a*a*b,x}');
  assert.equal(r.ok, false, 'stars inside braces count too');
  assert.equal(compileWorkspaceGlob('**/a/**/b/**/c').ok, false, 'three globstars');
  assert.equal(compileWorkspaceGlob('+(a|b)*.json').ok, true, 'extglob syntax is read literally, not compiled');
});

test('row 5: the files glob never leaves the workspace and reads regular files only (no FIFO, no device, no symlink)', async () => {
  const base = tempDir('ws');
  const root = path.join(base, 'ws');
  mkdirSync(path.join(root, 'traces'), { recursive: true });
  mkdirSync(path.join(base, 'outside'), { recursive: true });
  writeFileSync(path.join(base, 'outside', 'secret.json'), TRACE);
  writeFileSync(path.join(root, 'traces', 'ok.json'), TRACE);
  for (const glob of ['../outside/**/*.json', path.join(base, 'outside', '*.json'), path.join(base, 'outside', 'secret.json'), 'traces/../../outside/*.json', '..\\outside\\*.json']) {
    await assert.rejects(new FileStatsSource({ root, glob }).load({ window: { startMs: 0, endMs: 1 }, filter: '' }, signal()), /tempoLens\.files is not valid/, glob);
  }
  // A FIFO (before the fix: read forever), a link to /dev/zero (before: 623 MB), a link to a file outside.
  execFileSync('mkfifo', [path.join(root, 'traces', 'pipe.json')]);
  symlinkSync('/dev/zero', path.join(root, 'traces', 'zero.json'));
  symlinkSync(path.join(base, 'outside', 'secret.json'), path.join(root, 'traces', 'link.json'));
  // A symlinked folder leading outside.
  symlinkSync(path.join(base, 'outside'), path.join(root, 'linked'));
  const src = new FileStatsSource({ root, glob: '**/*.json' });
  assert.deepEqual(await src.listFiles(signal()), [path.join(root, 'traces', 'ok.json')]);
  const viaLink = new FileStatsSource({ root, glob: 'linked/*.json' });
  assert.deepEqual(await viaLink.listFiles(signal()), []);
  // Explicit paths (tests, the CLI) get the same regular-file check when read.
  const snap = await new FileStatsSource({ root, paths: ['/dev/zero', 'traces/pipe.json', 'traces/ok.json'] }).load({ window: { startMs: 0, endMs: 1 }, filter: '' }, signal());
  assert.equal(snap.functions.length, 1);
  assert.ok(snap.notes.some((n) => /zero.*not a regular file/.test(n)), snap.notes.join('\n'));
  assert.ok(snap.notes.some((n) => /pipe\.json.*not a regular file/.test(n)), snap.notes.join('\n'));
});

test('row 7: code.filepath with ../ never reads outside the workspace, and a FIFO never blocks match', async () => {
  const base = tempDir('match');
  const root = path.join(base, 'ws');
  mkdirSync(path.join(root, 'src'), { recursive: true });
  mkdirSync(path.join(base, 'outside', 'dist'), { recursive: true });
  writeFileSync(path.join(root, 'src', 'app.ts'), 'export function handler() { return 1; }\n');
  writeFileSync(path.join(base, 'outside', 'dist', 'secret.js'), 'export function handler() {}\n//# sourceMappingURL=secret.js.map\n');
  execFileSync('mkfifo', [path.join(base, 'outside', 'dist', 'pipe.js')]);
  execFileSync('mkfifo', [path.join(root, 'src', 'pipe.js')]);
  assert.equal(readSourceFileSync(root, '../outside/dist/secret.js'), null);
  assert.equal(readSourceFileSync(root, path.join(base, 'outside', 'dist', 'secret.js')), null);
  assert.equal(readSourceFileSync(root, 'src/pipe.js'), null, 'a FIFO inside the workspace is not opened for reading');
  assert.match(readSourceFileSync(root, 'src/app.ts') ?? '', /handler/);
  symlinkSync(path.join(base, 'outside'), path.join(root, 'out'));
  assert.equal(readSourceFileSync(root, 'out/dist/secret.js'), null, 'a symlinked folder does not lead outside');
  // End to end through the CLI: before the fix, this line hung `match` on the FIFO outside the workspace.
  const lines = ['../outside/dist/pipe.js', '../outside/dist/secret.js', 'src/pipe.js', '../../../../../../dev/zero.js']
    .map((p) => JSON.stringify({ 'code.filepath': p, 'code.function': 'handler', 'telemetry.sdk.language': 'nodejs' })).join('\n');
  let out = '';
  let err = '';
  const code = await main(['match', '--workspace', root], { stdout: (t) => { out += t; }, stderr: (t) => { err += t; }, env: {}, cwd: base, readStdin: async () => lines });
  assert.equal(code, 0, err);
  for (const line of out.trim().split('\n')) {
    const loc = (JSON.parse(line) as { location: { file: string } | null }).location;
    if (loc !== null) assert.ok(!loc.file.startsWith('..') && !path.isAbsolute(loc.file), loc.file);
  }
});
