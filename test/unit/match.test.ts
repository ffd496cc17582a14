// Pure ranking (core/match) on synthetic symbols, plus the Node workspace matcher's path features.
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { refKeys } from '../../src/core/codeRef';
import { rankMatches, type CandidateFile, type SymbolInfo } from '../../src/core/match';
import type { CodeRef } from '../../src/shared/model';
import { sourceMapLine } from '../../src/symbols/resolver';
import { WorkspaceMatcher } from '../../src/symbols/workspaceMatcher';

function sym(name: string, containers: string[], line: number, extra: Partial<SymbolInfo> = {}): SymbolInfo {
  return {
    name, kind: 'method', containers: containers.map((c) => ({ kind: 'type' as const, name: c })), namespace: 'com.acme',
    nameRange: { startLine: line, startCol: 4, endLine: line, endCol: 4 + name.length },
    fullRange: { startLine: line, startCol: 0, endLine: line + 3, endCol: 1 },
    params: [], annotations: [], language: 'java', isStatic: false, arity: 0, ...extra,
  };
}

function file(p: string, symbols: SymbolInfo[], via: CandidateFile['via'] = 'convention'): CandidateFile {
  return { path: p, symbols: { language: 'java', jvmName: null, symbols, origin: 'tree-sitter' }, via, pathComponents: via === 'path' ? 3 : 0, goImportPath: null, mappedLine: null };
}

const hints = { paramTypes: null, service: null, exhaustive: false };
const r = (namespace: string | null, fn: string, line: number | null = null, filePath: string | null = null): CodeRef => ({ namespace, function: fn, filePath, line });

test('exact package + type + method → high confidence, 1-based name line, one-sentence reason', () => {
  const ref = r('com.acme.Foo', 'bar');
  const out = rankMatches({ ref, keys: refKeys(ref), files: [file('src/com/acme/Foo.java', [sym('bar', ['Foo'], 9)])], hints });
  assert.equal(out.location?.line, 10);
  assert.equal(out.location?.symbol, 'Foo.bar');
  assert.ok((out.location?.confidence ?? 0) >= 0.9);
  assert.match(out.reason, /^com\.acme\.Foo\.bar → Foo\.bar: .*\.$/);
});

test('namespace contradicting every candidate → no match with the objection named', () => {
  const ref = r('com.other.Foo', 'bar');
  const out = rankMatches({ ref, keys: refKeys(ref), files: [file('src/com/acme/Foo.java', [sym('bar', ['Foo'], 1)])], hints });
  assert.equal(out.location, null);
  assert.match(out.reason, /package com\.acme ≠ com\.other/);
  assert.equal(out.candidates[0]?.accepted, false);
});

test('overloads: line decides, then parameter types, else first with lower confidence', () => {
  const files = [file('F.java', [sym('get', ['Foo'], 2, { params: ['String'] }), sym('get', ['Foo'], 10, { params: ['String', 'int'] })], 'path')];
  const byLine = r('com.acme.Foo', 'get', 12, 'F.java');
  assert.equal(rankMatches({ ref: byLine, keys: refKeys(byLine), files, hints }).location?.line, 11);
  const plain = r('com.acme.Foo', 'get');
  const conv = [file('F.java', files[0]!.symbols.symbols as SymbolInfo[])];
  assert.equal(rankMatches({ ref: plain, keys: refKeys(plain), files: conv, hints: { ...hints, paramTypes: ['String', 'Int32'] } }).location?.line, 11);
  const first = rankMatches({ ref: plain, keys: refKeys(plain), files: conv, hints });
  assert.equal(first.location?.line, 3);
  assert.ok((first.location?.confidence ?? 1) <= 0.75);
  assert.match(first.reason, /2 overloads/);
});

test('bare names: unique only when the search was exhaustive, and then with low confidence', () => {
  const ref = r(null, 'bar');
  const one = [file('A.java', [sym('bar', ['A'], 1)], 'scan')];
  assert.equal(rankMatches({ ref, keys: refKeys(ref), files: one, hints }).location, null);
  const ok = rankMatches({ ref, keys: refKeys(ref), files: one, hints: { ...hints, exhaustive: true } });
  assert.equal(ok.location?.confidence, 0.5);
  assert.match(ok.reason, /unique in the workspace/);
  const two = [...one, file('B.java', [sym('bar', ['B'], 1)], 'scan')];
  assert.equal(rankMatches({ ref, keys: refKeys(ref), files: two, hints: { ...hints, exhaustive: true } }).location, null);
});

test('same symbol in two files: service folder decides, otherwise no guess', () => {
  const ref = r('com.acme.Foo', 'bar');
  const files = [file('services/api/Foo.java', [sym('bar', ['Foo'], 1)]), file('services/worker/Foo.java', [sym('bar', ['Foo'], 1)])];
  assert.equal(rankMatches({ ref, keys: refKeys(ref), files, hints }).location, null);
  assert.equal(rankMatches({ ref, keys: refKeys(ref), files, hints: { ...hints, service: 'worker' } }).location?.file, 'services/worker/Foo.java');
});

test('deterministic: file order does not change the outcome', () => {
  const ref = r('com.acme.Foo', 'bar');
  const a = file('a/Foo.java', [sym('bar', ['Foo'], 1)]);
  const b = file('b/Foo.java', [sym('bar', ['Foo'], 1, { namespace: 'com.other' })]);
  assert.deepEqual(rankMatches({ ref, keys: refKeys(ref), files: [a, b], hints }), rankMatches({ ref, keys: refKeys(ref), files: [b, a], hints }));
});

test('source map VLQ: generated line → original line', () => {
  // gen line 1 → src 0 line 0; line 2 empty; line 3 → line 5 (delta +5 = "K").
  assert.deepEqual(sourceMapLine('AAAA;;AAKA', 3), { source: 0, line: 6 });
  assert.equal(sourceMapLine('AAAA;;AAKA', 2), null);
});

test('workspace matcher: container prefix learned per service, path mappings, no match for unknown files', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tl-match-'));
  try {
    mkdirSync(path.join(dir, 'svc/src/app'), { recursive: true });
    mkdirSync(path.join(dir, 'node_modules/x'), { recursive: true });
    writeFileSync(path.join(dir, 'svc/src/app/users.py'), 'def load(uid):\n    return uid\n');
    writeFileSync(path.join(dir, 'svc/src/app/orders.py'), 'def load(oid):\n    return oid\n');
    writeFileSync(path.join(dir, 'node_modules/x/users.py'), 'def load(u):\n    pass\n');
    const m = await WorkspaceMatcher.fromDirectory(dir, { pathMappings: [{ from: '/opt/code/', to: 'svc/' }] });
    assert.equal(m.fileCount, 2, 'node_modules skipped');
    const first = await m.locate(r(null, 'load', 2, '/app/src/app/users.py'), 'users-api');
    assert.equal(first?.file, 'svc/src/app/users.py');
    assert.deepEqual(m.resolver.learnedPrefixes().get('users-api'), { remote: '/app/', local: 'svc' });
    const learned = await m.explain(r(null, 'load', 1, '/app/src/app/orders.py'), 'users-api');
    assert.match(learned.reason, /learned prefix \/app\/ for users-api/);
    const mapped = await m.explain(r(null, 'load', 1, '/opt/code/src/app/orders.py'), null);
    assert.match(mapped.reason, /path mapping \/opt\/code\//);
    assert.equal(await m.locate(r(null, 'load', 1, '/elsewhere/unknown.py'), null), null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
