// `tempo-lens match` picks overloads by the span's parameter-type hints (real files, the CLI entry point).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { main } from '../../src/cli';

test('match: code.function.parameter.types selects the overload; without it the first one, with less confidence', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tl-cli-overloads-'));
  try {
    mkdirSync(path.join(dir, 'src/main/java/com/a'), { recursive: true });
    writeFileSync(path.join(dir, 'src/main/java/com/a/S.java'), [
      'package com.a;',
      'public class S {',
      '  public String get(String id) { return id; }',
      '  public String get(String id, int n) { return id + n; }',
      '}',
    ].join('\n'));
    const lines = [
      { 'code.namespace': 'com.a.S', 'code.function': 'get', 'code.function.parameter.types': 'String|int' },
      { 'code.namespace': 'com.a.S', 'code.function': 'get', 'code.function.parameter.types': 'String' },
      { 'code.namespace': 'com.a.S', 'code.function': 'get' },
    ];
    let out = '';
    let err = '';
    const code = await main(['match', '--workspace', dir], {
      stdout: (t) => { out += t; },
      stderr: (t) => { err += t; },
      env: {},
      readStdin: async () => lines.map((l) => JSON.stringify(l)).join('\n'),
    });
    assert.equal(code, 0, err);
    const got = out.trim().split('\n').map((l) => JSON.parse(l) as { location: { line: number; confidence: number } | null });
    assert.deepEqual(got.map((g) => g.location?.line), [4, 3, 3]);
    assert.ok(got[0]!.location!.confidence > got[2]!.location!.confidence, 'a hint-picked overload is more certain than the first-declared guess');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
