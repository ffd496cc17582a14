// Issue 14: one test per hostile input of the adversarial review, each reproducing the attack.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as http from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { main } from '../../src/cli';
import { compileSpanFilter } from '../../src/core/spanFilter';
import { sanitizeForTerminal } from '../../src/core/terminal';
import { CODE_PRESENT, checkFilter, metricsQueries, spanSet } from '../../src/core/traceql';
import { RESTRICTED_KEYS, validateHeaders } from '../../src/host/connectionRules';
import { TempoClient } from '../../src/tempo/client';
import { fixCases, guardHolds, rawServer, ROOT, spanWith } from './hostileInputs';
import { codeRefFromAttributes, splitQualifiedName } from '../../src/core/codeRef';
import { parseTraceBody } from '../../src/core/otlp';
import { addTimeoutFix } from '../../src/core/fixes/timeout';
import { isTrace } from '../../src/shared/protocol';
import { readSourceFile, readSourceFileSync } from '../../src/symbols/safeRead';
import { parseJsonc } from '../../src/symbols/workspaceMatcher';
import { FileStatsSource } from '../../src/files/files';
import { compileWorkspaceGlob } from '../../src/files/workspaceFiles';


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
  const viaCli = await runCli(['hotspots', '--source', 'files', '--files', '../outside/*.json', '--workspace', root, '--since', '1h'], base);
  assert.equal(viaCli.code, 2, viaCli.err);
  assert.match(viaCli.err, /--files: files glob "\.\.\/outside\/\*\.json" leaves the workspace/);
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
  // The asynchronous reader (the resolver's DiskAccess) follows the same rule.
  assert.equal(await readSourceFile(root, '../outside/dist/secret.js'), null);
  assert.equal(await readSourceFile(root, '../outside/dist/pipe.js'), null);
  assert.equal(await readSourceFile(root, 'src/pipe.js'), null, 'a FIFO is not awaited forever');
  assert.match((await readSourceFile(root, 'src/app.ts')) ?? '', /handler/);
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

async function runCli(argv: readonly string[], cwd = process.cwd()): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; }, env: {}, cwd, now: () => Date.UTC(2026, 0, 1, 12) });
  return { code, out, err };
}

// ESC (CSI, OSC 0 title, OSC 8 hyperlink), BEL, CR, C1 CSI/OSC, bidi override and isolate.
const HOSTILE = '\u001b[2J\u001b]0;pwned\u0007\u001b]8;;http://evil/\u001b\\link\r\u009b31m\u009d0;x\u009c\u202ecod.exe\u2066\u061c';
// eslint-disable-next-line no-control-regex
const RAW_UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

test('row 4: no ESC/OSC/C1/bidi from servers or files reaches the terminal, in any format or stream', async () => {
  const search = { traces: [{ traceID: `abc${HOSTILE}`, rootServiceName: `svc${HOSTILE}`, rootTraceName: `GET ${HOSTILE}`, startTimeUnixNano: '1767268800000000000', durationMs: 5 }] };
  const srv = await rawServer((req, res) => {
    if (req.url?.startsWith('/api/search')) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(search));
    } else {
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(`internal error ${HOSTILE}`);
    }
  });
  try {
    const runs = [
      await runCli(['search', '{}', '--url', srv.url, '--format', 'table']),
      await runCli(['search', '{}', '--url', srv.url, '--format', 'json']),
      await runCli(['trace', '0123456789abcdef0123456789abcdef', '--url', srv.url]),
    ];
    for (const r of runs) {
      assert.doesNotMatch(r.out, RAW_UNSAFE, r.out);
      assert.doesNotMatch(r.err, RAW_UNSAFE, r.err);
    }
    assert.match(runs[2]!.err, /internal error \\u001b\[2J/, 'the error body is shown, escaped');
    // JSON stays valid and decodes to the original values.
    const json = JSON.parse(runs[1]!.out) as { traces: { rootServiceName: string }[] };
    assert.equal(json.traces[0]!.rootServiceName, `svc${HOSTILE}`);
  } finally {
    await srv.close();
  }
  // A file name and a JSON parse snippet in the notes of the files source.
  const root = tempDir('names');
  mkdirSync(path.join(root, 't'));
  writeFileSync(path.join(root, 't', `x\u001b]0;pwned\u0007\u202e.json`), `{"resourceSpans": [${HOSTILE}`);
  for (const format of ['table', 'json', 'sarif']) {
    const r = await runCli(['hotspots', '--source', 'files', '--files', 't/*.json', '--workspace', root, '--since', '1h', '--format', format], root);
    assert.doesNotMatch(r.out, RAW_UNSAFE, r.out);
    assert.doesNotMatch(r.err, RAW_UNSAFE, r.err);
    assert.match(r.out + r.err, /x\\u001b\]0;pwned/, 'the file is named, escaped');
  }
  assert.equal(sanitizeForTerminal('a\tb\nc'), 'a\tb\nc', 'tab and line feed stay');
});

const BAD_TIME = '99999999999999999999999';

test('row 6: a span or trace with a time beyond int64 is skipped and counted, never fatal', async () => {
  const span = (id: string, start: string) => ({ traceId: '0'.repeat(31) + '1', spanId: id, name: `op${id}`, startTimeUnixNano: start, endTimeUnixNano: '1767268800010000000',
    attributes: [{ key: 'code.function', value: { stringValue: 'f' } }, { key: 'code.namespace', value: { stringValue: 'ns' } }] });
  const body = { batches: [{ resource: { attributes: [] }, scopeSpans: [{ spans: [span('0000000000000001', '1767268800000000000'), span('0000000000000002', BAD_TIME), span('0000000000000003', '-5')] }] }] };
  const search = { traces: [
    { traceID: '1', rootServiceName: 'a', rootTraceName: 'x', startTimeUnixNano: BAD_TIME, durationMs: 1 },
    { traceID: '2', rootServiceName: 'b', rootTraceName: 'y', startTimeUnixNano: '1767268800000000000', durationMs: 1 },
  ] };
  const srv = await rawServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(req.url?.startsWith('/api/search') ? search : body));
  });
  try {
    for (const format of ['tree', 'json']) {
      const t = await runCli(['trace', '0'.repeat(31) + '1', '--url', srv.url, '--format', format]);
      assert.equal(t.code, 0, t.err);
      assert.match(t.out, /op0000000000000001/);
      assert.match(t.err, /note: skipped 2 spans with an invalid start time/);
    }
    const s = await runCli(['search', '{}', '--url', srv.url]);
    assert.equal(s.code, 0, s.err);
    assert.match(s.out, /\bb\b/);
    assert.match(s.err, /note: skipped 1 trace with an invalid start time/);
  } finally {
    await srv.close();
  }
  const root = tempDir('badtime');
  writeFileSync(path.join(root, 'a.json'), JSON.stringify(body));
  const h = await runCli(['hotspots', '--source', 'files', '--files', '*.json', '--workspace', root, '--since', '1h', '--format', 'json'], root);
  assert.equal(h.code, 0, h.err);
  assert.equal((JSON.parse(h.out) as { functions: { stats: { calls: number } }[] }).functions[0]?.stats.calls, 1);
  assert.match(h.err, /Skipped 2 spans with an invalid start time in the trace files/);
});

test('row 8: whatever nesting the OTLP parser accepts, the trace-view message guard accepts too', () => {
  for (const depth of [1, 8, 9, 10, 15, 16, 17, 40, 5000]) {
    let value: unknown = { stringValue: 'leaf' };
    for (let i = 0; i < depth; i++) value = i % 2 === 0 ? { arrayValue: { values: [value] } } : { kvlistValue: { values: [{ key: 'k', value }] } };
    const body = { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: '0'.repeat(31) + '1', spanId: '0'.repeat(15) + '1', name: 'n', startTimeUnixNano: '1', endTimeUnixNano: '2',
      attributes: [{ key: 'deep', value }], events: [{ name: 'e', timeUnixNano: '1', attributes: [{ key: 'deep', value }] }] }] }] }] };
    const trace = parseTraceBody(body);
    assert.equal(trace.spans.length, 1);
    assert.ok(isTrace(trace), `a trace with an attribute nested ${depth} deep was refused by the guard`);
  }
});

/**
 * Runs `fn` and fails when it takes longer than `boundMs`. Not a speed target (those are in
 * test/bench): the bound is 100× the measured cost and only catches the quadratic cases, which
 * took 7–12 s on these inputs before the fix.
 */
function within<T>(what: string, boundMs: number, fn: () => T): T {
  const t0 = performance.now();
  const r = fn();
  const ms = performance.now() - t0;
  assert.ok(ms < boundMs, `${what} took ${ms.toFixed(0)} ms (bound ${boundMs} ms)`);
  return r;
}

async function withinAsync<T>(what: string, boundMs: number, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const r = await fn();
  const ms = performance.now() - t0;
  assert.ok(ms < boundMs, `${what} took ${ms.toFixed(0)} ms (bound ${boundMs} ms)`);
  return r;
}

test('row 9: table-sized inputs that were quadratic (100 KB of "(", 400 KB Go of "func(", 420 KB tsconfig of "/*") run in linear time', async () => {
  const parens = '('.repeat(100_000);
  within('splitQualifiedName', 2000, () => splitQualifiedName(parens));
  assert.equal(within('codeRefFromAttributes', 2000, () => codeRefFromAttributes({ 'code.function.name': parens }))?.function, parens);
  assert.deepEqual(splitQualifiedName('com.acme.Svc.handle(int, String)'), { namespace: 'com.acme.Svc', function: 'handle' });
  assert.throws(() => within('parseJsonc', 2000, () => parseJsonc('/*'.repeat(210_000))), /not valid JSONC/);
  assert.deepEqual(parseJsonc('{ // c\n "a": [1, 2,], /* x */ "b": "/*" , }'), { a: [1, 2], b: '/*' });
  // End to end: a workspace with the hostile Go file and tsconfig, matched by the CLI.
  const root = tempDir('quad');
  mkdirSync(path.join(root, 'pkg'));
  writeFileSync(path.join(root, 'pkg', 'a.go'), `package pkg\n${'func('.repeat(80_000)}`);
  writeFileSync(path.join(root, 'pkg', 'b.go'), 'package pkg\n\nfunc Handle() {}\n');
  writeFileSync(path.join(root, 'tsconfig.json'), '/*'.repeat(210_000));
  const input = [parens, 'pkg.Handle'].map((fn) => JSON.stringify({ 'code.function.name': fn, 'telemetry.sdk.language': 'go' })).join('\n');
  let out = '';
  const code = await withinAsync('match', 8000, () => main(['match', '--workspace', root], { stdout: (t) => { out += t; }, stderr: () => {}, env: {}, cwd: root, readStdin: async () => input }));
  assert.equal(code, 0);
  assert.match(out.trim().split('\n')[1] ?? '', /"file":"pkg\/b\.go"/);
});

/** Every number literal a fix inserts must be plain (no exponent, NaN or Infinity). */
const BAD_LITERAL = /\d[eE][+-]?\d|NaN|Infinity/;

test('row 10: caller limits from trace data outside 1 ms – 1 day refuse the fix; inside, every language gets a valid literal', () => {
  const cases = fixCases();
  assert.ok(cases.length >= 8, `only ${cases.length} fix cases edit`);
  for (const c of cases) {
    for (const evidence of [{ callerLimitMs: 1e30, suggestedTimeoutMs: 8e26 }, { callerLimitMs: 0.0005 }, { callerLimitMs: Number.NaN }, { callerLimitMs: -5 }, { callerLimitMs: 1 }]) {
      const r = c.fix({ ...c.input, evidence });
      if (c.fix === addTimeoutFix) assert.equal(r.kind, 'refused', `${c.name} ${JSON.stringify(evidence)}: ${r.title}`);
      if (r.kind === 'refused') assert.match(r.reason, /caller's (measured )?limit/, r.reason);
      // Cache-sync recipes that write no timeout may still apply; what they write must be clean.
      else for (const e of r.edits) assert.doesNotMatch(e.newText, BAD_LITERAL, `${c.name}: ${e.newText}`);
    }
    for (const evidence of [{ callerLimitMs: 86_400_000 }, { callerLimitMs: 2 }, { callerLimitMs: 1234.5678 }, { callerLimitMs: 7, suggestedTimeoutMs: 9e20 }, { suggestedTimeoutMs: 1e30 }]) {
      const r = c.fix({ ...c.input, evidence });
      if (r.kind !== 'edit') continue;
      assert.doesNotMatch(r.title, /<1 µs|e\+|NaN|Infinity/, `${c.name}: ${r.title}`);
      for (const e of r.edits) assert.doesNotMatch(e.newText, BAD_LITERAL, `${c.name} ${JSON.stringify(evidence)}: ${e.newText}`);
    }
  }
});

test('row 11: hop-by-hop headers, control characters and non-Latin-1 values are refused at validation, and the rest still reach the server', async () => {
  const hostile = {
    TE: 'trailers', Upgrade: 'websocket', 'Keep-Alive': 'timeout=5', Connection: 'close', Trailer: 'x', 'Transfer-Encoding': 'chunked', Host: 'evil', 'Content-Length': '5',
    'Proxy-Connection': 'keep-alive', 'Proxy-Authorization': 'Basic x', Expect: '100-continue',
    'X-Esc': 'a\u001b[31m', 'X-Bell': 'a\u0007', 'X-Del': 'a\u007f', 'X-Euro': '€', 'X-Emoji': '😀', 'X (space)': 'v', 'X:colon': 'v',
    'X-Ok': 'team-a', 'X-Latin1': 'café\tau lait',
  };
  const r = validateHeaders(hostile);
  assert.deepEqual(r.headers, { 'X-Ok': 'team-a', 'X-Latin1': 'café\tau lait' });
  assert.equal(r.invalid.length, Object.keys(hostile).length - 2);
  for (const i of r.invalid) assert.match(i.reason, /hop-by-hop|Authorization|control character|Latin-1|header name/, `${i.name}: ${i.reason}`);
  assert.match(r.invalid.find((i) => i.name === 'TE')?.reason ?? '', /hop-by-hop/);
  assert.match(r.invalid.find((i) => i.name === 'X-Euro')?.reason ?? '', /outside Latin-1/);
  // What passes validation is sendable: before the fix, TE passed and every request then failed with a "network" error.
  let seen: http.IncomingHttpHeaders = {};
  const srv = await rawServer((req, res) => {
    seen = req.headers;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end('{"traces":[]}');
  });
  try {
    const client = new TempoClient({ url: srv.url, auth: 'none', user: '', token: '', tenant: '', headers: r.headers }, { timeoutMs: 5000 });
    await client.search({ q: '{}', limit: 1 });
    await client.close();
    assert.equal(seen['x-ok'], 'team-a');
    assert.equal(seen['te'], undefined);
  } finally {
    await srv.close();
  }
});

test('row 12: a filter cannot escape the code-attribute guard with || behind a backtick or quote holding a parenthesis', () => {
  const attacks = [
    '(span.x = `(`) || (span.y = "z")',
    '(span.x = "(") || (span.y = "z")',
    '(span.x = "\\"(") || (span.y = "z")',
    '(span.x = `\\`) || (span.y = `)`)',
    '(span.a = 1) || (span.b = 2)',
    'span.a = 1 || span.b = 2',
  ];
  for (const filter of attacks) {
    const check = checkFilter(filter);
    if (!check.ok) continue;
    const q = spanSet(CODE_PRESENT, check.conditions);
    assert.ok(guardHolds(q, CODE_PRESENT), `the guard escaped: ${q}`);
    // Every metrics query keeps its own code-attribute guard (the first part of its span set).
    for (const m of metricsQueries({ filter: check.conditions, scopedIntrinsics: false })) {
      const set = m.q.slice(0, m.q.indexOf('} |') + 1);
      const guard = m.generation === 'new' ? 'span.code.function.name != nil' : 'span.code.function != nil';
      assert.ok(guardHolds(set, guard), `metrics query escaped: ${m.q}`);
    }
  }
  for (const bad of ['span.x = `(', 'span.x = "(', '(span.x = 1', 'span.x = 1)', 'span.x = 1) || (span.y = 2', '} || { true', 'a = 1 | count()']) {
    assert.equal(checkFilter(bad).ok, false, bad);
  }
});
