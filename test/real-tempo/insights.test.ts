// Trace insights against a real Tempo: the scenario of test/scenarios/incidents.ts (both
// incidents of PRODUCT.md, an N+1 loop, and normal traffic with the noise cases of issue 13) gives
// exactly the expected findings on the expected methods, within 40 requests, each trace fetched once.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EXPECTED_FINDINGS } from '../scenarios/incidents';
import { countingProxy, runCli, type RealTempo } from './realTempo';

const TRACE_KINDS = new Set(['caller-timeout', 'cache-stampede', 'n-plus-one']);
const tempos = JSON.parse(process.env['TEMPO_INCIDENTS'] ?? '[]') as RealTempo[];

interface SarifResult {
  ruleId: string;
  locations: { logicalLocations: { fullyQualifiedName: string }[] }[];
  properties: { service: string | null; traceIds: string[] };
}

const key = (f: { kind: string; function: string }): string => `${f.kind} ${f.function}`;

for (const tempo of tempos) {
  describe(`Tempo ${tempo.version}: trace insights`, () => {
    // The scenario is pushed at once with spans up to 5 min old: for minutes after, real Tempo leaves
    // such late spans out of ranged searches (the getJwks stampede came and went from run to run),
    // and 3.0 counts only part of them in metrics. The sampler's unranged twin search and the
    // findings on methods the figures did not count keep this exact in every run.
    test('hotspots finds exactly the expected findings, ≤ 40 requests, no trace fetched twice', async () => {
      const proxy = await countingProxy(tempo.url);
      try {
        const r = await runCli(['hotspots', '--url', proxy.url, '--since', '10m', '--format', 'sarif', '--limit', '10']);
        assert.equal(r.code, 0, r.stderr);
        const results = (JSON.parse(r.stdout) as { runs: { results: SarifResult[] }[] }).runs[0]?.results ?? [];
        const found = results
          .filter((x) => TRACE_KINDS.has(x.ruleId))
          .map((x) => ({ kind: x.ruleId, function: x.locations[0]?.logicalLocations[0]?.fullyQualifiedName ?? '', service: x.properties.service }))
          .sort((a, b) => key(a).localeCompare(key(b)));
        assert.deepEqual(found, [...EXPECTED_FINDINGS].sort((a, b) => key(a).localeCompare(key(b))), r.stderr);
        assert.ok(proxy.requests.length <= 40, `${proxy.requests.length} requests:\n${proxy.requests.join('\n')}`);
        const fetches = proxy.requests.map((p) => /\/api\/(?:v2\/)?traces\/([0-9a-fA-F]+)/.exec(p)?.[1]?.toLowerCase().padStart(32, '0')).filter((x): x is string => x !== undefined);
        assert.equal(new Set(fetches).size, fetches.length, 'no trace fetched twice');
      } finally {
        await proxy.close();
      }
    });
  });
}
