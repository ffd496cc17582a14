// Quick fixes against golden before/after files (test/fixtures/fixes/<case>): byte-for-byte, idempotent, refusals with reasons.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { enableCacheSyncFix } from '../../src/core/fixes/cacheSync';
import { applyEdits, matchClose, type BuildFileName, type FixEdit, type FixInput, type FixMethod, type FixResult } from '../../src/core/fixes/fixModel';
import { addTimeoutFix } from '../../src/core/fixes/timeout';

const root = path.resolve(__dirname, '../../..');
const casesDir = path.join(root, 'test/fixtures/fixes');
// UPDATE_GOLDEN=1 writes the after files instead of comparing (review the diff before committing).
const update = process.env['UPDATE_GOLDEN'] === '1';

interface CaseMeta {
  readonly fix: 'timeout' | 'cacheSync';
  readonly method: string;
  readonly language: string;
  readonly ext: string;
  readonly expect: 'edit' | 'refused';
  readonly title?: string;
  readonly reason?: string;
  readonly evidence?: { suggestedTimeoutMs?: number; callerLimitMs?: number };
  readonly buildFiles?: Partial<Record<BuildFileName, string>>;
  readonly startLine?: number;
  readonly endLine?: number;
  /** The sample workspace file this case's `before` copies (kept in sync by the test). */
  readonly source?: string;
  readonly sourceFiles?: Partial<Record<BuildFileName, string>>;
}

/**
 * Finds the method's lines like the symbol provider would: declaration, single-line annotations or
 * decorators above it, body below. Cases with multi-line annotations give their lines in case.json.
 */
function locateMethod(text: string, name: string, language: string): FixMethod {
  const lines = text.split(/\r?\n/);
  const decl =
    language === 'python'
      ? new RegExp(`^\\s*(async\\s+)?def\\s+${name}\\s*\\(`)
      : language === 'go'
        ? new RegExp(`^func\\s*(\\([^)]*\\)\\s*)?${name}\\s*\\(`)
        : new RegExp(`^\\s*(?!return\\b)[\\w<>\\[\\],.?\\s]*?\\b${name}\\s*\\([^;]*$|^\\s*(export\\s+)?(async\\s+)?function\\s+${name}\\s*\\(`);
  const at = lines.findIndex((l) => decl.test(l) && !/^\s*(return|await)\b/.test(l) && !new RegExp(`[.]${name}\\s*\\(`).test(l));
  assert.ok(at >= 0, `method ${name} not found`);
  let start = at;
  while (start > 0 && /^\s*(@|\[)/.test(lines[start - 1] ?? '')) start--;
  let end = at;
  if (language === 'python') {
    const indent = /^\s*/.exec(lines[at] ?? '')?.[0].length ?? 0;
    for (let i = at + 1; i < lines.length; i++) {
      const l = lines[i] as string;
      if (l.trim() === '') continue;
      if ((/^\s*/.exec(l)?.[0].length ?? 0) <= indent) break;
      end = i;
    }
  } else {
    const offsetOfLine = (n: number): number => lines.slice(0, n).reduce((a, l) => a + l.length + 1, 0);
    const from = offsetOfLine(at);
    let open = -1;
    for (let i = from; i < text.length; i++) {
      if (text[i] === '{') {
        open = i;
        break;
      }
      if (text[i] === ';') break;
    }
    if (open >= 0) {
      const close = matchClose(text, open);
      end = text.slice(0, close).split('\n').length - 1;
    }
  }
  return { name, startLine: start, endLine: end };
}

function read(dir: string, file: string): string {
  return readFileSync(path.join(dir, file), 'utf8');
}

function buildInput(dir: string, meta: CaseMeta, text: string, props: Record<string, string>): FixInput {
  const method: FixMethod =
    meta.startLine !== undefined && meta.endLine !== undefined ? { name: meta.method, startLine: meta.startLine, endLine: meta.endLine } : locateMethod(text, meta.method, meta.language);
  const buildFiles: Partial<Record<BuildFileName, string>> = {};
  for (const [kind, file] of Object.entries(meta.buildFiles ?? {})) {
    buildFiles[kind as BuildFileName] = props[kind] ?? read(dir, existsSync(path.join(dir, `before.${file}`)) ? `before.${file}` : file);
  }
  return { text, languageId: meta.language, method, buildFiles, ...(meta.evidence !== undefined ? { evidence: meta.evidence } : {}) };
}

function run(meta: CaseMeta, input: FixInput): FixResult {
  return meta.fix === 'timeout' ? addTimeoutFix(input) : enableCacheSyncFix(input);
}

function applyAll(self: string, props: Record<string, string>, edits: readonly FixEdit[]): { self: string; props: Record<string, string> } {
  const out = { self: applyEdits(self, edits.filter((e) => e.file === 'self')), props: { ...props } };
  for (const file of new Set(edits.map((e) => e.file).filter((f) => f !== 'self'))) {
    const before = props[file];
    assert.ok(before !== undefined, `edit targets ${file}, which was not given`);
    out.props[file] = applyEdits(before, edits.filter((e) => e.file === file));
  }
  return out;
}

const cases = readdirSync(casesDir).filter((c) => existsSync(path.join(casesDir, c, 'case.json')));

test('the golden set covers every family and a refusal per family', () => {
  assert.ok(cases.length >= 30, String(cases.length));
  const metas = cases.map((c) => JSON.parse(read(path.join(casesDir, c), 'case.json')) as CaseMeta);
  for (const fix of ['timeout', 'cacheSync'] as const) {
    for (const lang of ['java', 'python', 'go', 'csharp']) {
      assert.ok(metas.some((m) => m.fix === fix && m.language === lang), `${fix} ${lang}`);
    }
    assert.ok(metas.some((m) => m.fix === fix && m.expect === 'refused'), `${fix} refused`);
  }
});

for (const name of cases) {
  test(`fix golden: ${name}`, () => {
    const dir = path.join(casesDir, name);
    const meta = JSON.parse(read(dir, 'case.json')) as CaseMeta;
    const before = read(dir, `before.${meta.ext}`);
    if (meta.source !== undefined) assert.equal(before, readFileSync(path.join(root, meta.source), 'utf8'), `${name}/before.${meta.ext} is a copy of ${meta.source}`);
    for (const [kind, src] of Object.entries(meta.sourceFiles ?? {})) {
      const file = meta.buildFiles?.[kind as BuildFileName] ?? kind;
      const local = existsSync(path.join(dir, `before.${file}`)) ? `before.${file}` : file;
      assert.equal(read(dir, local), readFileSync(path.join(root, src), 'utf8'), `${name}/${local} is a copy of ${src}`);
    }
    const props: Record<string, string> = {};
    for (const [kind, file] of Object.entries(meta.buildFiles ?? {})) {
      const p = path.join(dir, `before.${file}`);
      if (existsSync(p)) props[kind] = readFileSync(p, 'utf8');
    }
    const result = run(meta, buildInput(dir, meta, before, props));
    if (meta.expect === 'refused') {
      assert.equal(result.kind, 'refused', JSON.stringify(result));
      if (result.kind !== 'refused') return;
      assert.match(result.title, /^(Add timeout|Enable cache sync)/);
      assert.ok(result.reason.length > 20);
      assert.match(result.docsUrl, /^https:\/\//);
      if (meta.reason !== undefined) assert.ok(result.reason.includes(meta.reason), result.reason);
      return;
    }
    assert.equal(result.kind, 'edit', JSON.stringify(result));
    if (result.kind !== 'edit') return;
    assert.match(result.title, meta.fix === 'timeout' ? /^Add timeout \(/ : /^Enable cache sync/);
    if (meta.title !== undefined) assert.equal(result.title, meta.title);
    if (meta.evidence?.callerLimitMs !== undefined && meta.fix === 'timeout') assert.match(result.title, /below the caller's/);
    const applied = applyAll(before, props, result.edits);
    const afterFiles: [string, string][] = [[`after.${meta.ext}`, applied.self], ...Object.entries(applied.props).filter(([k]) => props[k] !== applied.props[k]).map(([k, v]) => [`after.${meta.buildFiles?.[k as BuildFileName] ?? k}`, v] as [string, string])];
    if (update) {
      for (const [file, text] of afterFiles) writeFileSync(path.join(dir, file), text);
    }
    for (const [file, text] of afterFiles) assert.equal(text, read(dir, file), `${name}/${file}`);
    // Idempotence: on the fixed files the fix finds nothing left to do.
    const again = run(meta, buildInput(dir, meta, applied.self, applied.props));
    assert.equal(again.kind, 'refused', `second application: ${JSON.stringify(again)}`);
    if (again.kind === 'refused') assert.match(again.reason, /^Already/);
  });
}

test('line endings are preserved: a CRLF file gets CRLF lines', () => {
  const dir = path.join(casesDir, 'go-singleflight');
  const meta = JSON.parse(read(dir, 'case.json')) as CaseMeta;
  const crlf = read(dir, 'before.go').replace(/\n/g, '\r\n');
  const result = run(meta, buildInput(dir, meta, crlf, {}));
  assert.equal(result.kind, 'edit');
  if (result.kind !== 'edit') return;
  assert.equal(applyEdits(crlf, result.edits), read(dir, 'after.go').replace(/\n/g, '\r\n'));
});

test('a method range that starts at the signature still sees the annotations above it', () => {
  const dir = path.join(casesDir, 'sample-token-jwks');
  const text = read(dir, 'before.java');
  const located = locateMethod(text, 'getJwks', 'java');
  const result = enableCacheSyncFix({ text, languageId: 'java', method: { ...located, startLine: located.startLine + 1 } });
  assert.equal(result.kind, 'edit');
  if (result.kind === 'edit') assert.equal(applyEdits(text, result.edits), read(dir, 'after.java'));
});

test('no evidence: the title says no caller limit was measured and the default is used', () => {
  const dir = path.join(casesDir, 'spring-transactional');
  const text = read(dir, 'before.java');
  const result = addTimeoutFix({ text, languageId: 'java', method: locateMethod(text, 'build', 'java') });
  assert.equal(result.kind, 'edit');
  assert.equal(result.kind === 'edit' ? result.title : '', 'Add timeout (3 s; no caller limit was measured): @Transactional(timeout = 3) — bounds JDBC statements only');
});

test('line endings are preserved: Guava and IMemoryCache rewrites of a CRLF file get CRLF lines', () => {
  for (const [name, ext, method, language] of [
    ['guava-get-check-put-throws', 'java', 'rates', 'java'],
    ['csharp-memorycache-lazy', 'cs', 'GetRatesAsync', 'csharp'],
  ] as const) {
    const dir = path.join(casesDir, name);
    const crlf = read(dir, `before.${ext}`).replace(/\n/g, '\r\n');
    const result = enableCacheSyncFix({ text: crlf, languageId: language, method: locateMethod(crlf, method, language) });
    assert.equal(result.kind, 'edit', name);
    if (result.kind !== 'edit') continue;
    const fixed = applyEdits(crlf, result.edits);
    assert.equal(fixed, read(dir, `after.${ext}`).replace(/\n/g, '\r\n'), name);
    assert.ok(!/[^\r]\n/.test(fixed), `${name}: a bare LF was written`);
  }
});

test('IMemoryCache: a load that uses the caller\'s CancellationToken is refused, pointing to HybridCache', () => {
  const dir = path.join(casesDir, 'csharp-memorycache');
  const text = read(dir, 'before.cs');
  const result = enableCacheSyncFix({ text, languageId: 'csharp', method: locateMethod(text, 'GetRatesAsync', 'csharp') });
  assert.equal(result.kind, 'refused');
  if (result.kind === 'refused') assert.match(result.reason, /CancellationToken `ct`.*HybridCache/);
});

test('Guava: the method does not let ExecutionException out, so get(key, Callable) is refused with the reason', () => {
  const dir = path.join(casesDir, 'guava-get-check-put');
  const text = read(dir, 'before.java');
  const result = enableCacheSyncFix({ text, languageId: 'java', method: locateMethod(text, 'rates', 'java') });
  assert.equal(result.kind, 'refused');
  if (result.kind === 'refused') assert.match(result.reason, /does not declare `throws ExecutionException`/);
});

test('IMemoryCache: a key also used elsewhere in the file is refused (the cached value type would change)', () => {
  const dir = path.join(casesDir, 'csharp-memorycache-lazy');
  const text = `${read(dir, 'before.cs').replace(/\n}\n$/, '')}\n\n    public Rates? Peek(string ccy) => memory.Get<Rates>($"fx:{ccy}");\n}\n`;
  const result = enableCacheSyncFix({ text, languageId: 'csharp', method: locateMethod(text, 'GetRatesAsync', 'csharp') });
  assert.equal(result.kind, 'refused', JSON.stringify(result));
  if (result.kind === 'refused') assert.match(result.reason, /also used elsewhere/);
});

test('HybridCache rewrite of a CRLF file gets CRLF lines; without the package reference it is not offered', () => {
  const dir = path.join(casesDir, 'csharp-hybridcache');
  const crlf = read(dir, 'before.cs').replace(/\n/g, '\r\n');
  const method = locateMethod(crlf, 'GetRatesAsync', 'csharp');
  const csproj = read(dir, 'Acme.Fx.csproj');
  const result = enableCacheSyncFix({ text: crlf, languageId: 'csharp', method, buildFiles: { '*.csproj': csproj } });
  assert.equal(result.kind, 'edit');
  if (result.kind === 'edit') assert.equal(applyEdits(crlf, result.edits), read(dir, 'after.cs').replace(/\n/g, '\r\n'));
  const without = enableCacheSyncFix({ text: crlf, languageId: 'csharp', method, buildFiles: { '*.csproj': csproj.replace(/<PackageReference[^>]*Hybrid[^>]*>/, '') } });
  assert.equal(without.kind, 'refused');
  if (without.kind === 'refused') assert.match(without.reason, /CancellationToken `ct`/);
});
