// The real-Tempo tier's scenario in the fast tier: both code.* generations, dual-emitting spans and
// a function whose spans carry one generation or the other — every function once, exact counts,
// against the test server as Tempo 2.7 and as 3.0 (the differential suite keeps it honest).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTempoServer } from '../tempo-server/server';
import { statsScenario } from '../scenarios/stats';
import { TempoClient } from '../../src/tempo/client';
import { TempoStatsSource } from '../../src/tempo/statsSource';
import { exactQuantile } from '../../src/core/stats';
import { codeRefKey } from '../../src/core/codeRef';

const settings = (url: string) => ({ url, auth: 'none' as const, user: '', token: undefined, tenant: '', headers: {} });

for (const version of ['2.7.2', '3.0.3']) {
  describe(`stats scenario on the test server as Tempo ${version}`, () => {
    test('every function once, exact calls and errors, p95 within one bucket, 7 requests for 1 h (buildinfo, 5 metrics, 1 coverage probe)', async () => {
      // Spans 40 s old: past Tempo 3's 30 s cutoff, as they are when the real tier asks.
      const scenario = statsScenario(Date.now() - 40_000);
      const server = await startTempoServer({ version });
      const client = new TempoClient(settings(server.url));
      try {
        for (const p of scenario.payloads) server.ingest(p);
        const now = Date.now();
        const snap = await new TempoStatsSource(client).load({ window: { startMs: now - 3_600_000, endMs: now }, filter: '' }, AbortSignal.timeout(20_000));
        assert.equal(snap.origin, 'metrics', snap.notes.join('\n'));
        assert.equal(server.requests.length, 7, server.requests.map((r) => r.path).join('\n'));
        assert.equal(server.requests.filter((r) => r.path === '/api/search').length, 1, 'the coverage probe: no sampled search');
        assert.ok(server.requests.every((r) => r.status === 200));
        assert.equal(snap.functions.length, scenario.functions.length, snap.functions.map((f) => f.key).join('\n'));
        for (const want of scenario.functions) {
          const got = snap.functions.filter((f) => f.service === want.service && codeRefKey(f.codeRef) === codeRefKey(want.codeRef));
          assert.equal(got.length, 1, `${want.codeRef.function} (${want.style}) once`);
          const f = got[0] as (typeof got)[number];
          assert.deepEqual([f.calls, f.errors], [want.calls, want.errors], `${want.codeRef.function} (${want.style})`);
          const p95 = exactQuantile(want.durationsMs, 0.95) as number;
          assert.ok(f.p95Ms !== null && f.p95Ms / p95 <= 2 && p95 / f.p95Ms <= 2, `${want.codeRef.function}: p95 ${f.p95Ms} vs ${p95}`);
        }
        if (version.startsWith('3')) assert.ok(snap.notes.some((n) => /30 s/.test(n)), snap.notes.join('\n'));
      } finally {
        await client.close();
        await server.close();
      }
    });
  });
}
