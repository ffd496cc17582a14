// The mapping worker: same answers as the in-process matcher, batched and cancellable, unsaved buffers honoured, symbols extracted off-thread.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { codeRefFromAttributes, codeRefHintsFromAttributes } from '../../src/core/codeRef';
import type { Attributes } from '../../src/shared/model';
import { MapWorkerClient } from '../../src/symbols/mapClient';
import { WorkspaceMatcher } from '../../src/symbols/workspaceMatcher';

const PROJECT = path.resolve(__dirname, '../../../test/fixtures/corpus/java-spring');

function cases(): { attrs: Attributes }[] {
  return readFileSync(path.join(PROJECT, 'cases.jsonl'), 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as { attrs: Attributes });
}

test('locateAll in the worker answers exactly like the in-process matcher (stack traces and hints included)', async () => {
  const items = cases().flatMap((c) => {
    const ref = codeRefFromAttributes(c.attrs);
    return ref ? [{ ref, service: null, hints: codeRefHintsFromAttributes(c.attrs) }] : [];
  });
  const local = await WorkspaceMatcher.fromDirectory(PROJECT);
  const client = await MapWorkerClient.fromDirectory(PROJECT);
  try {
    const [a, b] = await Promise.all([local.locateAll(items), client.locateAll(items)]);
    assert.equal(b.length, items.length);
    assert.ok(a.filter((r) => r.location !== null).length > 40);
    assert.deepEqual(b.map((r) => r.location), a.map((r) => r.location));
    // Batches are sliced for posting; order survives.
    const many = Array.from({ length: 1200 }, (_, i) => items[i % items.length]!);
    const c = await client.locateAll(many);
    assert.deepEqual(c.map((r) => r.location?.line ?? null), many.map((_, i) => a[i % items.length]!.location?.line ?? null));
  } finally {
    await client.dispose();
  }
});

test('an aborted batch rejects with AbortError at once, and the worker keeps serving', async () => {
  const client = await MapWorkerClient.fromDirectory(PROJECT);
  try {
    const ref = { namespace: 'com.acme.token.TokenService', function: 'getToken', filePath: null, line: null };
    const big = Array.from({ length: 20_000 }, () => ({ ref, service: null }));
    const ctl = new AbortController();
    const pending = client.locateAll(big, ctl.signal);
    setTimeout(() => ctl.abort(), 5);
    const started = Date.now();
    await assert.rejects(pending, (e: Error) => e.name === 'AbortError');
    assert.ok(Date.now() - started < 2000, 'released promptly');
    const after = await client.locateAll([{ ref, service: null }]);
    assert.match(after[0]?.location?.file ?? '', /TokenService\.java$/);
  } finally {
    await client.dispose();
  }
});

test('unsaved editor text (overlay) is what the worker matches and extracts', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tl-overlay-'));
  cpSync(PROJECT, dir, { recursive: true });
  const client = await MapWorkerClient.fromDirectory(dir);
  try {
    const rel = 'src/main/java/com/acme/util/Strings.java';
    const ref = { namespace: 'com.acme.util.Strings', function: 'shout', filePath: null, line: null };
    assert.equal((await client.explain(ref, null)).location, null, 'not on disk');
    const text = readFileSync(path.join(dir, rel), 'utf8').replace('public final class Strings {', 'public final class Strings {\n    public static String shout(String s) {\n        return s;\n    }\n');
    client.setOverlay(rel, text, 'doc:2');
    const hit = await client.explain(ref, null);
    assert.equal(hit.location?.file, rel);
    assert.equal(hit.location?.line, 4);
    const syms = await client.symbols(rel, text, 'doc:2');
    assert.ok(syms.file?.symbols.some((s) => s.name === 'shout'));
    client.setOverlay(rel, null, 'doc:3');
    assert.equal((await client.explain(ref, null)).location, null, 'saved/closed: the disk text again');
  } finally {
    await client.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
