// Requests made by `tempo-lens hotspots` with trace insights over 10 and 25 functions against the seeded loopback server (target: ≤ 40 for 10).
import { seedTraces } from '../tempo-server/seed';
import { lastHour, runHotspots } from '../scenarios/hotspotsRun';

export async function run(): Promise<void> {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);
  for (const limit of [10, 25]) {
    const r = await runHotspots(seedTraces(now), now, [...lastHour(now), '--format', 'json', '--limit', String(limit)]);
    const searches = r.requests.filter((q) => q.path.endsWith('/api/search')).length;
    const metrics = r.requests.filter((q) => q.path.includes('/api/metrics/')).length;
    const fetches = [...r.traceFetches.values()].reduce((a, b) => a + b, 0);
    const most = Math.max(0, ...r.traceFetches.values());
    console.log(
      `hotspots --limit ${limit} with insights: ${r.requests.length} requests (${metrics} metrics, ${searches} search, ${fetches} trace fetches of ${r.traceFetches.size} traces, each at most ${most}×)${limit === 10 ? ' — bound 40' : ''}`,
    );
  }
}
