// The demo workspace and the demo data stay in step: every code location the seed emits is a real method of test/fixtures/workspaces/demo, found by the extension's own matcher.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { codeRefFromAttributes, codeRefHintsFromAttributes, codeRefKey } from '../../src/core/codeRef';
import { parseTraceBody } from '../../src/core/otlp';
import type { CodeRef, Span } from '../../src/shared/model';
import { WorkspaceMatcher } from '../../src/symbols/workspaceMatcher';
import { SEED_CODE_REFS, seedTraces } from '../tempo-server/seed';

const ROOT = path.resolve(__dirname, '../../..');
const WORKSPACE = path.join(ROOT, 'test/fixtures/workspaces/demo');

/** The seed's spans with code attributes, one per distinct code ref (as the extension would read them). */
function seededRefs(): { ref: CodeRef; span: Span }[] {
  const byKey = new Map<string, { ref: CodeRef; span: Span }>();
  for (const payload of seedTraces(Date.UTC(2026, 0, 1))) {
    for (const span of parseTraceBody(payload).spans) {
      const ref = codeRefFromAttributes(span.attributes);
      if (ref !== null && !byKey.has(codeRefKey(ref))) byKey.set(codeRefKey(ref), { ref, span });
    }
  }
  return [...byKey.values()];
}

describe('demo workspace ↔ seeded traces', () => {
  let matcher: WorkspaceMatcher;
  before(async () => {
    matcher = await WorkspaceMatcher.fromDirectory(WORKSPACE);
  });

  test('the seed emits exactly the code refs SEED_CODE_REFS lists', () => {
    const seen = seededRefs().map(({ ref }) => `${ref.namespace ?? ''}|${ref.function}`).sort();
    const listed = SEED_CODE_REFS.map((r) => {
      // New-convention refs carry the qualified name in code.function.name and no namespace.
      const ref = codeRefFromAttributes(r.style === 'new'
        ? { 'code.function.name': r.namespace !== null ? `${r.namespace}.${r.function}` : r.function }
        : { 'code.namespace': r.namespace ?? '', 'code.function': r.function });
      return `${ref?.namespace ?? ''}|${ref?.function ?? ''}`;
    }).sort();
    assert.deepEqual(seen, listed);
  });

  for (const seed of SEED_CODE_REFS) {
    const name = `${seed.namespace !== null ? `${seed.namespace}.` : ''}${seed.function}`;
    test(`${name} (${seed.service}) is a method of the demo workspace${seed.filePath !== null ? `, ${seed.filePath}:${seed.line} included` : ''}`, async () => {
      const hit = seededRefs().find(({ span }) => span.service === seed.service && (span.attributes['code.function'] === seed.function || span.attributes['code.function.name'] === seed.function));
      assert.ok(hit, `the seed has a ${seed.service} span for ${name}`);
      const loc = await matcher.locate(hit.ref, hit.span.service, codeRefHintsFromAttributes(hit.span.attributes, hit.span.resource));
      assert.ok(loc, `${name} maps to a workspace method`);
      assert.ok(loc.confidence >= 0.9, `confident match (${loc.confidence}): ${loc.reason}`);
      assert.ok(loc.symbol.endsWith(seed.function.split('.').pop() ?? ''), `symbol ${loc.symbol} is ${seed.function}`);
      const text = readFileSync(path.join(WORKSPACE, loc.file), 'utf8').split('\n');
      const short = seed.function.split('.').pop() ?? seed.function;
      assert.match(text[loc.line - 1] ?? '', new RegExp(`\\b${short}\\s*\\(`), `${loc.file}:${loc.line} declares ${short}`);
      if (seed.namespace !== null && seed.language === 'java') {
        // Java: the file follows the package and class (com.acme.token.TokenService → …/com/acme/token/TokenService.java).
        assert.ok(loc.file.endsWith(`${seed.namespace.replace(/\./g, '/')}.java`), `${loc.file} is the file of ${seed.namespace}`);
      }
      if (seed.filePath !== null && seed.line !== null) {
        // Container path → workspace file by suffix; the reported line lies inside the method (decorators included).
        const tail = seed.filePath.split('/').slice(-2).join('/');
        assert.ok(loc.file.endsWith(tail), `${loc.file} ends with ${tail}`);
        assert.ok(seed.line <= loc.line + 1 && seed.line >= loc.line - 2, `line ${seed.line} is at ${name} (declared at ${loc.line})`);
      }
    });
  }
});
