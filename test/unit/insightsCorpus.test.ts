// The insights precision corpus: every normal-traffic set gives no finding; every positive gives exactly its finding on its method.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DETECTORS, findingsOf, NEGATIVES, POSITIVES } from '../corpus/insightsCorpus';

test('the corpus has ≥ 30 negatives and ≥ 10 positives per detector', () => {
  assert.ok(NEGATIVES.length >= 30, String(NEGATIVES.length));
  for (const kind of DETECTORS) {
    const n = POSITIVES.filter((c) => c.expected.some((e) => e.kind === kind)).length;
    assert.ok(n >= 10, `${kind}: ${n} positives`);
  }
});

for (const c of NEGATIVES) {
  test(`negative: ${c.name}`, () => {
    assert.deepEqual(findingsOf(c.traces()), []);
  });
}

for (const c of POSITIVES) {
  test(`positive: ${c.name}`, () => {
    assert.deepEqual(findingsOf(c.traces()), [...c.expected]);
  });
}
