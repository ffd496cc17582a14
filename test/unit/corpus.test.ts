// Labelled corpus: span attribute maps → expected file+line (or none) across eight small projects; reports precision and recall.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { codeRefFromAttributes, codeRefHintsFromAttributes } from '../../src/core/codeRef';
import type { Attributes } from '../../src/shared/model';
import type { SymbolInfo } from '../../src/core/match';
import { SymbolExtractor } from '../../src/symbols/extractor';
import { SKIPPED_DIRS } from '../../src/symbols/resolver';
import { WorkspaceMatcher } from '../../src/symbols/workspaceMatcher';

/** Every symbol of a project (what a naive name matcher would search). */
async function allSymbols(dir: string, extractor: SymbolExtractor): Promise<SymbolInfo[]> {
  const out: SymbolInfo[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const name of readdirSync(d).sort()) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) {
        if (!SKIPPED_DIRS.has(name) && !name.startsWith('.')) await walk(p);
      } else {
        const f = await extractor.extract(path.relative(dir, p), readFileSync(p, 'utf8'));
        if (f) out.push(...f.symbols);
      }
    }
  };
  await walk(dir);
  return out;
}

/** The matcher competitors ship: same function name, and the class name when one is given; first hit wins. */
function naive(symbols: readonly SymbolInfo[], ns: string | null, fn: string): SymbolInfo | null {
  const cls = ns?.split(/[.$:+\\#/]/).filter((x) => x !== '').pop() ?? null;
  return symbols.find((s) => s.name === fn && (cls === null || s.containers.some((c) => c.name === cls))) ?? null;
}

const CORPUS = path.resolve(__dirname, '../../../test/fixtures/corpus');

interface Case {
  readonly attrs: Attributes;
  readonly service: string | null;
  readonly expect: { readonly file: string; readonly line: number } | null;
  readonly why: string;
}

function projects(): string[] {
  return readdirSync(CORPUS).filter((d) => statSync(path.join(CORPUS, d)).isDirectory()).sort();
}

test('corpus: precision ≥ 0.995 and recall ≥ 0.97 over every project', async () => {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  let total = 0;
  let nulls = 0;
  const misses: string[] = [];
  let naiveWrongOnNull = 0;
  const extractor = new SymbolExtractor();
  for (const project of projects()) {
    const symbols = await allSymbols(path.join(CORPUS, project), extractor);
    const cases = readFileSync(path.join(CORPUS, project, 'cases.jsonl'), 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Case);
    const matcher = await WorkspaceMatcher.fromDirectory(path.join(CORPUS, project));
    for (const c of cases) {
      total++;
      const ref = codeRefFromAttributes(c.attrs);
      if (c.expect === null) {
        nulls++;
        if (ref && naive(symbols, ref.namespace, ref.function) !== null) naiveWrongOnNull++;
      }
      const got = ref ? await matcher.explain(ref, c.service, codeRefHintsFromAttributes(c.attrs)) : null;
      const loc = got?.location ?? null;
      const ok = c.expect === null ? loc === null : loc !== null && loc.file === c.expect.file && loc.line === c.expect.line;
      if (c.expect === null) {
        if (loc === null) tn++;
        else fp++;
      } else if (ok) tp++;
      else if (loc === null) fn++;
      else {
        fp++;
        fn++;
      }
      if (!ok) {
        misses.push(`${project}: ${JSON.stringify(c.attrs)} (${c.why}) expected ${c.expect ? `${c.expect.file}:${c.expect.line}` : 'null'}, got ${loc ? `${loc.file}:${loc.line}` : 'null'} — ${got?.reason ?? 'no ref'}`);
      }
    }
  }
  const precision = tp / Math.max(1, tp + fp);
  const recall = tp / Math.max(1, tp + fn);
  console.log(`corpus: ${total} cases (${nulls} expected null) — TP ${tp}, FP ${fp}, FN ${fn}, TN ${tn}; precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)}`);
  console.log(`corpus: a naive name matcher returns a (wrong) location for ${naiveWrongOnNull} of the ${nulls} expected-null cases`);
  for (const m of misses) console.log(`  miss: ${m}`);
  assert.ok(total >= 300, `corpus has ${total} cases`);
  assert.ok(nulls >= 100, `corpus has ${nulls} expected-null cases`);
  assert.ok(naiveWrongOnNull >= 30, `only ${naiveWrongOnNull} expected-null cases would fool a naive matcher`);
  assert.ok(precision >= 0.995, `precision ${precision.toFixed(3)}`);
  assert.ok(recall >= 0.97, `recall ${recall.toFixed(3)}`);
});
