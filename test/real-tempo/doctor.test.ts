// Check Instrumentation against real Tempos (2.7, 3.0, …): `tempo-lens doctor --format json` over
// the doctor mix gives the exact per-service counts (old keys only, new keys only, both — from
// TraceQL metrics, `= nil` never used), the SDKs, the workspace matches and the advice for each.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { doctorProblems, type DoctorJson } from '../scenarios/doctor';
import { assertOnlyCoverageProbe, countingProxy, DEMO_WORKSPACE, pushedDoctorScenario, realTempos, runCli } from './realTempo';

const mix = pushedDoctorScenario();

for (const tempo of realTempos()) {
  describe(`Tempo ${tempo.version}: Check Instrumentation (tempo-lens doctor)`, () => {
    test('doctor --format json: exact counts, SDK, matches and advice for every service of the mix, from TraceQL metrics', async () => {
      const proxy = await countingProxy(tempo.url);
      try {
        const r = await runCli(['doctor', '--url', proxy.url, '--since', '1h', '--workspace', DEMO_WORKSPACE, '--format', 'json']);
        assert.equal(r.code, 0, `doctor exited ${r.code}: ${r.stderr}`);
        const report = JSON.parse(r.stdout) as DoctorJson;
        assert.deepEqual(Object.keys(report), ['window', 'services']);
        const problems = doctorProblems(report, mix.services);
        assert.deepEqual(problems, [], `Tempo ${tempo.version}:\n${problems.join('\n')}\n${r.stderr}`);
        const ranges = proxy.requests.filter((q) => q.startsWith('/api/metrics/query_range'));
        // One chunk for 1 h: the statistics' five queries and the census' four.
        assert.equal(ranges.length, 9, proxy.requests.join('\n'));
        assertOnlyCoverageProbe(proxy.requests);
      } finally {
        await proxy.close();
      }
    });

    test('a filter that leaves only a service without code attributes: "none carries code attributes" with the Java agent advice', async () => {
      const r = await runCli(['doctor', '--url', tempo.url, '--since', '1h', '--workspace', DEMO_WORKSPACE, '--filter', 'resource.service.name = "doc-http"']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /none carries code attributes/);
      assert.match(r.stdout, /doc-http .*0% with code/);
      assert.match(r.stdout, /OTEL_INSTRUMENTATION_COMMON_EXPERIMENTAL_CONTROLLER_TELEMETRY_ENABLED=true/);
    });
  });
}
