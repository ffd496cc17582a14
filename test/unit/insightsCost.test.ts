// Bounded cost of trace insights: `hotspots` over 10 functions stays within 40 requests and fetches every trace once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seedTraces } from '../tempo-server/seed';
import { lastHour, runHotspots } from '../scenarios/hotspotsRun';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

test('hotspots with insights over 10 functions: ≤ 40 requests in all, the sampling search (ranged and unranged), each trace fetched once; both incidents found', async () => {
  const r = await runHotspots(seedTraces(NOW), NOW, [...lastHour(NOW), '--format', 'json', '--limit', '10']);
  assert.equal(r.code, 0, r.err);
  const fns = (JSON.parse(r.out) as { functions: { codeRef: { function: string }; insights: { kind: string }[] }[] }).functions;
  assert.equal(fns.length, 10);
  assert.ok(r.requests.length <= 40, `${r.requests.length} requests: ${r.requests.map((q) => q.path).join(' ')}`);
  assert.ok([...r.traceFetches.values()].every((n) => n === 1), 'no trace fetched twice');
  assert.ok(r.traceFetches.size > 5, 'traces were sampled');
  const kinds = (fn: string): string[] => fns.find((f) => f.codeRef.function === fn)?.insights.map((i) => i.kind) ?? [];
  assert.ok(kinds('refreshToken').includes('caller-timeout'));
  assert.ok(kinds('getJwks').includes('cache-stampede'));
  assert.ok(!kinds('getToken').includes('cache-stampede'));
});
