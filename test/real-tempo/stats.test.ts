// Per-function figures from a real Tempo (2.7, 3.0, …): `tempo-lens hotspots` reports every
// function of the scenario once — both code.* generations, dual-emitting spans counted once —
// with exactly the ingested call and error counts, p95 within one log2 bucket, in ≤ 8 requests.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { exactQuantile } from '../../src/core/stats';
import { assertOnlyCoverageProbe, countingProxy, DEMO_WORKSPACE, log2Bucket, pushedScenario, realTempos, runCli } from './realTempo';

interface HotspotJson {
  readonly window: { readonly start: string; readonly end: string };
  readonly functions: readonly {
    readonly codeRef: { readonly namespace: string | null; readonly function: string; readonly filePath: string | null };
    readonly service: string | null;
    readonly stats: { readonly calls: number; readonly errorRate: number; readonly p50Ms: number | null; readonly p95Ms: number | null; readonly p99Ms: number | null };
    readonly location: { readonly file: string; readonly line: number } | null;
  }[];
}

const scenario = pushedScenario();

async function hotspots(url: string, since: string): Promise<{ report: HotspotJson; requests: readonly string[] }> {
  const proxy = await countingProxy(url);
  try {
    const r = await runCli(['hotspots', '--no-insights', '--url', proxy.url, '--since', since, '--format', 'json', '--limit', '1000', '--workspace', DEMO_WORKSPACE]);
    assert.equal(r.code, 0, `hotspots exited ${r.code}: ${r.stderr}`);
    return { report: JSON.parse(r.stdout) as HotspotJson, requests: [...proxy.requests] };
  } finally {
    await proxy.close();
  }
}

function assertExact(report: HotspotJson, version: string): void {
  const problems: string[] = [];
  const key = (ns: string | null, fn: string, svc: string | null): string => `${svc ?? ''} ${ns ?? ''}.${fn}`;
  const got = new Map<string, HotspotJson['functions'][number][]>();
  // The tier also pushes the doctor scenario, whose services are its own.
  const services = new Set(scenario.functions.map((f) => f.service));
  for (const f of report.functions) {
    if (f.service === null || !services.has(f.service)) continue;
    const k = key(f.codeRef.namespace, f.codeRef.function, f.service);
    got.set(k, [...(got.get(k) ?? []), f]);
  }
  for (const want of scenario.functions) {
    const k = key(want.codeRef.namespace, want.codeRef.function, want.service);
    const rows = got.get(k) ?? [];
    got.delete(k);
    if (rows.length !== 1) {
      problems.push(`${k} (${want.style} keys): reported ${rows.length} times`);
      continue;
    }
    const f = rows[0] as HotspotJson['functions'][number];
    const errors = Math.round(f.stats.errorRate * f.stats.calls);
    if (f.stats.calls !== want.calls) problems.push(`${k} (${want.style}): ${f.stats.calls} calls, ${want.calls} ingested`);
    if (errors !== want.errors) problems.push(`${k} (${want.style}): ${errors} errors, ${want.errors} ingested`);
    const p95 = exactQuantile(want.durationsMs, 0.95) as number;
    if (f.stats.p95Ms === null || Math.abs(log2Bucket(f.stats.p95Ms) - log2Bucket(p95)) > 1) {
      problems.push(`${k}: p95 ${f.stats.p95Ms} ms, exact ${p95} ms: not within one log2 bucket`);
    }
    if (f.codeRef.filePath !== want.codeRef.filePath) problems.push(`${k}: file path ${f.codeRef.filePath}, want ${want.codeRef.filePath}`);
    if (f.location === null || path.normalize(f.location.file) !== path.normalize(want.file)) problems.push(`${k}: located at ${JSON.stringify(f.location)}, want ${want.file}`);
  }
  for (const [k, rows] of got) problems.push(`${k}: reported ${rows.length}× but not in the scenario`);
  assert.deepEqual(problems, [], `Tempo ${version}:\n${problems.join('\n')}`);
}

for (const tempo of realTempos()) {
  describe(`Tempo ${tempo.version}: per-function figures`, () => {
    test('hotspots --no-insights over 1h: every function once, exact calls and errors, p95 within one bucket, ≤ 8 requests', async () => {
      const { report, requests } = await hotspots(tempo.url, '1h');
      assertExact(report, tempo.version);
      assert.ok(requests.length <= 8, `${requests.length} requests:\n${requests.join('\n')}`);
      assertOnlyCoverageProbe(requests);
    });

    test('a 24 h window: the same exact figures (chunked to the server\'s range limit, fixed requests per chunk)', async () => {
      const { report, requests } = await hotspots(tempo.url, '24h');
      assertExact(report, tempo.version);
      const ranges = requests.filter((r) => r.startsWith('/api/metrics/query_range')).map((r) => new URL(r, 'http://x').searchParams);
      const chunks = new Set(ranges.map((p) => p.get('start'))).size;
      // 3 h per chunk on 2.x (its default limit), 24 h on 3.x; the aligned window may need one more.
      const cap = Number(tempo.version.split('.')[0]) >= 3 ? 24 * 3600 : 3 * 3600;
      assert.ok(chunks <= Math.ceil((24 * 3600) / cap) + 1, `${chunks} chunks`);
      assert.equal(ranges.length, 5 * chunks, 'five queries per chunk');
      assert.ok(ranges.every((p) => Number(p.get('end')) - Number(p.get('start')) <= cap), 'every chunk within the range limit');
    });
  });
}
