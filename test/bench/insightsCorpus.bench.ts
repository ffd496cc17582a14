// Precision and recall of each trace detector over the labelled corpus (test/corpus), and the cost per trace set.
import { performance } from 'node:perf_hooks';
import { CORPUS, NEGATIVES, POSITIVES, scoreCorpus } from '../corpus/insightsCorpus';

export function run(): void {
  const t0 = performance.now();
  const scores = scoreCorpus();
  const ms = performance.now() - t0;
  console.log(`corpus: ${NEGATIVES.length} negative and ${POSITIVES.length} positive trace sets (${CORPUS.length} in all), ${(ms / CORPUS.length).toFixed(2)} ms per set`);
  for (const s of scores) {
    console.log(
      `${s.kind.padEnd(15)} precision ${(s.precision * 100).toFixed(1)}%  recall ${(s.recall * 100).toFixed(1)}%  (TP ${s.truePositives}, FP ${s.falsePositives}, FN ${s.falseNegatives})`,
    );
  }
}
