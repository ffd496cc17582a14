// The issue-13 scenario (test/scenarios/incidents.ts) through the loopback Tempo and `tempo-lens hotspots`: exactly the expected findings, within the request bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXPECTED_FINDINGS, incidentScenario } from '../scenarios/incidents';
import { runHotspots } from '../scenarios/hotspotsRun';

const NOW = Date.UTC(2026, 5, 1, 9, 30, 0);
const TRACE_KINDS = new Set(['caller-timeout', 'cache-stampede', 'n-plus-one']);

interface SarifResult {
  ruleId: string;
  locations: { logicalLocations: { fullyQualifiedName: string }[] }[];
  properties: { service: string | null; traceIds: string[] };
}

test('scenario payloads: OTLP/JSON a real Tempo accepts — hex ids, string int64 nanos, every span ending ≥ 5 s before now, within the last 5 min', () => {
  const payloads = incidentScenario(NOW) as { resourceSpans: { scopeSpans: { spans: { traceId: string; spanId: string; parentSpanId?: string; startTimeUnixNano: string; endTimeUnixNano: string }[] }[] }[] }[];
  assert.deepEqual(incidentScenario(NOW), payloads, 'deterministic');
  let spans = 0;
  for (const p of payloads) {
    for (const rs of p.resourceSpans) {
      for (const ss of rs.scopeSpans) {
        for (const s of ss.spans) {
          spans++;
          assert.match(s.traceId, /^[0-9a-f]{32}$/);
          assert.match(s.spanId, /^[0-9a-f]{16}$/);
          if (s.parentSpanId !== undefined) assert.match(s.parentSpanId, /^[0-9a-f]{16}$/);
          assert.match(s.startTimeUnixNano, /^\d+$/);
          const end = Number(BigInt(s.endTimeUnixNano) / 1_000_000n);
          const start = Number(BigInt(s.startTimeUnixNano) / 1_000_000n);
          assert.ok(start >= NOW - 300_000 && end <= NOW - 5_000 && end >= start, `${start} ${end}`);
        }
      }
    }
  }
  assert.ok(payloads.length > 100 && spans > 500, `${payloads.length} traces, ${spans} spans`);
});

test('scenario through the loopback Tempo: exactly the expected findings on the expected methods, ≤ 40 requests, each trace fetched once', async () => {
  const args = ['--since', '10m', '--format', 'sarif', '--limit', '10'];
  const r = await runHotspots(incidentScenario(NOW), NOW, args);
  assert.equal(r.code, 0, r.err);
  const results = (JSON.parse(r.out) as { runs: { results: SarifResult[] }[] }).runs[0]!.results;
  const found = results
    .filter((x) => TRACE_KINDS.has(x.ruleId))
    .map((x) => ({ kind: x.ruleId, function: x.locations[0]!.logicalLocations[0]!.fullyQualifiedName, service: x.properties.service }))
    .sort((a, b) => `${a.kind}${a.function}`.localeCompare(`${b.kind}${b.function}`));
  const expected = [...EXPECTED_FINDINGS].sort((a, b) => `${a.kind}${a.function}`.localeCompare(`${b.kind}${b.function}`));
  assert.deepEqual(found, expected, r.err);
  assert.ok(r.requests.length <= 40, `${r.requests.length} requests`);
  assert.ok([...r.traceFetches.values()].every((n) => n === 1), 'no trace fetched twice');
  for (const x of results.filter((y) => TRACE_KINDS.has(y.ruleId))) assert.ok(x.properties.traceIds.length > 0, `${x.ruleId}: example traces`);
});
