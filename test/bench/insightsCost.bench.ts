// Requests made by `tempo-lens hotspots` with trace insights over 10 and 25 functions against the loopback server (seed data and the issue-13 scenario, also with its late spans hidden from ranged searches as real Tempo does for minutes; target: ≤ 40 for 10).
import { incidentScenario } from '../scenarios/incidents';
import { seedTraces } from '../tempo-server/seed';
import { lastHour, runHotspots } from '../scenarios/hotspotsRun';

export async function run(): Promise<void> {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);
  const runs = [
    { name: 'seed', limit: 10, payloads: seedTraces(now) },
    { name: 'seed', limit: 25, payloads: seedTraces(now) },
    { name: 'incidents scenario', limit: 10, payloads: incidentScenario(now) },
    { name: 'incidents scenario, late spans hidden from ranged searches', limit: 10, payloads: incidentScenario(now), server: { rangedSearchHidesLateSeconds: 120 } },
    { name: 'the same, figures from the search fallback (no metrics)', limit: 10, payloads: incidentScenario(now), server: { rangedSearchHidesLateSeconds: 120, metrics: false } },
    { name: 'the same, metrics dropping spans that arrived > 30 s late (Tempo 2.x), caught by the coverage probe', limit: 10, payloads: incidentScenario(now), server: { rangedSearchHidesLateSeconds: 120, metricsDropLateSeconds: 30 } },
  ];
  for (const { name, limit, payloads, server } of runs) {
    const r = await runHotspots(payloads, now, [...lastHour(now), '--format', 'json', '--limit', String(limit)], server ?? {});
    const searches = r.requests.filter((q) => q.path.endsWith('/api/search')).length;
    const metrics = r.requests.filter((q) => q.path.includes('/api/metrics/')).length;
    const fetches = [...r.traceFetches.values()].reduce((a, b) => a + b, 0);
    const most = Math.max(0, ...r.traceFetches.values());
    console.log(
      `${name}: hotspots --limit ${limit} with insights: ${r.requests.length} requests (${metrics} metrics, ${searches} search, ${fetches} trace fetches of ${r.traceFetches.size} traces, each at most ${most}×)${limit === 10 ? ' — bound 40' : ''}`,
    );
  }
}
