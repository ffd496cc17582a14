// Where a method's range starts: at its first annotation/decorator/attribute, so the lens sits above `@Cacheable` and friends.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SymbolExtractor } from '../../src/symbols/extractor';

const SAMPLES: readonly { readonly file: string; readonly text: string; readonly method: string }[] = [
  { file: 'A.java', method: 'rates', text: 'class A {\n  // note\n  @Cacheable(cacheNames = "fx")\n  @Transactional\n  public Rates rates(String ccy) {\n    return null;\n  }\n}\n' },
  { file: 'A.kt', method: 'rates', text: 'class A {\n  // note\n  @Cacheable("fx")\n  @WithSpan\n  fun rates(ccy: String): Rates {\n    return TODO()\n  }\n}\n' },
  { file: 'A.cs', method: 'Rates', text: 'class A\n{\n  // note\n  [HttpGet("/fx")]\n  [Authorize]\n  public Rates Rates(string ccy)\n  {\n    return null;\n  }\n}\n' },
  { file: 'a.py', method: 'rates', text: 'class A:\n    # note\n    @cached(ttl=60)\n    @traced\n    def rates(self, ccy):\n        return None\n' },
  { file: 'a.ts', method: 'rates', text: 'class A {\n  // note\n  @Get(":ccy")\n  @UseGuards(X)\n  rates(ccy: string): Rates {\n    return null;\n  }\n}\n' },
  { file: 'a.php', method: 'rates', text: '<?php\nclass A\n{\n    // note\n    #[Route("/fx")]\n    #[Cache]\n    public function rates(string $ccy)\n    {\n        return null;\n    }\n}\n' },
];

test('Java, Kotlin, C#, Python, TypeScript and PHP methods start at their first annotation (comments above stay outside)', async () => {
  const ex = new SymbolExtractor();
  for (const s of SAMPLES) {
    const file = await ex.extract(s.file, s.text);
    const sym = file?.symbols.find((x) => x.name === s.method);
    assert.ok(sym, `${s.file}: ${s.method} extracted`);
    const lines = s.text.split('\n');
    const firstAnnotation = lines.findIndex((l) => /^\s*(@|#\[|\[)/.test(l));
    assert.equal(sym.fullRange.startLine, firstAnnotation, `${s.file}: range starts on "${lines[sym.fullRange.startLine]?.trim()}"`);
    assert.ok(sym.nameRange.startLine > sym.fullRange.startLine, `${s.file}: the name is below its annotations`);
    // Both annotations are read (PHP groups consecutive `#[…]` lines into one attribute list).
    const second = lines.slice(firstAnnotation + 1).find((l) => /^\s*(@|#\[|\[)/.test(l))!.trim().replace(/^[@#[]+/, '').replace(/[(\]].*$/, '');
    assert.ok(sym.annotations.join(' ').includes(second), `${s.file}: ${second} in ${sym.annotations.join(' ')}`);
  }
});
