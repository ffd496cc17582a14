// `tempo-lens mcp` against a real Tempo: the MCP SDK's client spawns the built CLI over stdio, lists
// the four tools and gets the scenario's exact figures from `hotspots`, one method's from
// `function_stats`, and a trace from `get_trace`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { DEMO_WORKSPACE, pushedScenario, realTempos, ROOT } from './realTempo';

const scenario = pushedScenario();

interface ToolJson {
  readonly functions?: readonly { codeRef: { namespace: string | null; function: string }; service: string | null; stats: { calls: number | null; errorRate: number } }[];
  readonly [k: string]: unknown;
}

for (const tempo of realTempos()) {
  describe(`Tempo ${tempo.version}: tempo-lens mcp`, () => {
    let client: Client;
    let stderr = '';
    const call = async (name: string, args: Record<string, unknown>): Promise<ToolJson> => {
      const r = (await client.callTool({ name, arguments: args })) as { content: { text: string }[]; isError?: boolean };
      assert.ok(r.isError !== true, `${name}: ${r.content[0]?.text ?? ''}\n${stderr}`);
      return JSON.parse(r.content[0]?.text ?? '{}') as ToolJson;
    };

    before(async () => {
      const transport = new StdioClientTransport({
        command: process.execPath,
        args: [path.join(ROOT, 'dist/cli.js'), 'mcp', '--url', tempo.url, '--workspace', DEMO_WORKSPACE, '--since', '1h', '--no-insights'],
        cwd: ROOT,
        env: { PATH: process.env['PATH'] ?? '' },
        stderr: 'pipe',
      });
      transport.stderr?.on('data', (c: Buffer) => { stderr += c.toString('utf8'); });
      client = new Client({ name: 'tempo-lens-real-tempo', version: '0.0.0' });
      await client.connect(transport);
    });
    after(async () => client?.close());

    test('four tools; hotspots gives every scenario method with its exact calls and errors', async () => {
      assert.deepEqual((await client.listTools()).tools.map((t) => t.name), ['hotspots', 'function_stats', 'find_traces', 'get_trace']);
      const got = await call('hotspots', { limit: 100 });
      for (const want of scenario.functions) {
        const rows = (got.functions ?? []).filter((f) => f.service === want.service && f.codeRef.function === want.codeRef.function && f.codeRef.namespace === want.codeRef.namespace);
        assert.equal(rows.length, 1, `${want.codeRef.function} once`);
        const s = rows[0]?.stats;
        assert.deepEqual([s?.calls, Math.round((s?.errorRate ?? 0) * (s?.calls ?? 0))], [want.calls, want.errors], `${want.codeRef.function} (${want.style} keys)`);
      }
    });

    test('function_stats by file and name, and get_trace of one of its slowest traces', async () => {
      const getToken = scenario.functions.find((f) => f.codeRef.function === 'getToken');
      assert.ok(getToken);
      const stats = await call('function_stats', { file: getToken.file, function: 'getToken' });
      const text = JSON.stringify(stats);
      assert.match(text, new RegExp(`"calls":${getToken.calls}\\b`), text.slice(0, 600));
      const traceId = /"([0-9a-f]{32})"/.exec(text)?.[1];
      assert.ok(traceId, `a slowest trace id in ${text.slice(0, 600)}`);
      const trace = JSON.stringify(await call('get_trace', { traceId }));
      assert.match(trace, /getToken/);
      assert.match(trace, /dataNotice/);
    });
  });
}
