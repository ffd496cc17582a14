// The language registry: forward and reverse naming rules agree on every fixture symbol, and the build lists derive from the specs.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { refKeys } from '../../src/core/codeRef';
import { LANGUAGES, sourceForPath, sourceGlob, wasmFiles } from '../../src/core/lang/registry';
import { expectedRefFor, symbolFits, type CandidateFile } from '../../src/core/match';
import { SymbolExtractor } from '../../src/symbols/extractor';
import { SKIPPED_DIRS } from '../../src/symbols/resolver';

const CORPUS = path.resolve(__dirname, '../../../test/fixtures/corpus');

function sources(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(dir, rel)).sort()) {
    const r = rel === '' ? name : `${rel}/${name}`;
    if (statSync(path.join(dir, r)).isDirectory()) {
      if (!SKIPPED_DIRS.has(name) && !name.startsWith('.')) out.push(...sources(dir, r));
    } else if (sourceForPath(r) !== null) out.push(r);
  }
  return out;
}

test('reverse then forward lands on the same declaration, for every method of every corpus project', async () => {
  const extractor = new SymbolExtractor();
  let checked = 0;
  const drift: string[] = [];
  const perLanguage = new Map<string, number>();
  for (const project of readdirSync(CORPUS).filter((d) => statSync(path.join(CORPUS, d)).isDirectory())) {
    const root = path.join(CORPUS, project);
    // Go import paths come from go.mod, as the resolver computes them.
    const goMod = /^\s*module\s+(\S+)/m.exec((() => { try { return readFileSync(path.join(root, 'go.mod'), 'utf8'); } catch { return ''; } })())?.[1] ?? null;
    for (const rel of sources(root)) {
      const file = await extractor.extract(rel, readFileSync(path.join(root, rel), 'utf8'));
      if (!file) continue;
      const goImportPath = file.language === 'go' && goMod !== null ? `${goMod}/${path.posix.dirname(rel)}` : null;
      const cand: CandidateFile = { path: rel, symbols: file, via: 'convention', pathComponents: 0, goImportPath, mappedLine: null };
      for (const sym of file.symbols) {
        if (sym.kind === 'type') continue;
        const ref = expectedRefFor(sym, { path: rel, jvmName: file.jvmName, goImportPath });
        if (ref === null) continue;
        // Local functions/closures are reported under their enclosing function, not by their own name.
        if (sym.containers.some((c) => c.kind === 'function') && !['python'].includes(file.language)) continue;
        checked++;
        perLanguage.set(file.language, (perLanguage.get(file.language) ?? 0) + 1);
        const keys = refKeys(ref);
        if (!keys.some((k) => symbolFits(k, cand, sym))) drift.push(`${project}/${rel}: ${sym.name} → ${ref.namespace ?? ''} ${ref.function}`);
      }
    }
  }
  assert.deepEqual(drift, []);
  // Every language of the registry with an extractor took part.
  for (const lang of LANGUAGES) for (const s of lang.sources) assert.ok((perLanguage.get(s.id) ?? 0) > 0 || s.id === 'javascript', `no ${s.id} symbol checked`);
  assert.ok(checked > 150, `${checked} symbols checked`);
});

test('the source glob and the WASM list are derived from the specs', () => {
  const glob = sourceGlob();
  for (const lang of LANGUAGES) for (const s of lang.sources) for (const e of s.extensions) assert.ok(glob.includes(e), `${e} missing from ${glob}`);
  const wasm = wasmFiles();
  assert.ok(wasm.includes('tree-sitter.wasm'));
  assert.ok(wasm.includes('tree-sitter-tsx.wasm'), 'per-extension grammars are shipped too');
  assert.ok(!wasm.some((w) => w.includes('kotlin')), 'Kotlin is read by the scanner, no grammar shipped');
  assert.equal(new Set(wasm).size, wasm.length);
});
