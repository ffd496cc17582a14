// The language-model tools, invoked through vscode.lm.invokeTool in the real host: results from the editor's store and caches.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TempoTestServer } from '../../tempo-server/server';
import { activate } from '../helpers';
import { HOSTILE_MESSAGE, SLOWEST_GET_TOKEN_TRACE, TOKEN_SERVICE, type SurfacesApi, useSeededSurfaces } from './surfacesData';

const TOOL_NAMES = ['tempoLens_hotspots', 'tempoLens_functionStats', 'tempoLens_findTraces', 'tempoLens_getTrace'];

/** The parts of the LM API the suite uses (the typings the project builds against are 1.90's). */
interface LmHostApi {
  readonly tools?: readonly { readonly name: string; readonly inputSchema?: unknown; readonly tags: readonly string[] }[];
  invokeTool?(name: string, options: { input: object; toolInvocationToken: undefined }, token?: vscode.CancellationToken): Thenable<{ readonly content: readonly unknown[] }>;
}

const lm = (vscode as unknown as { lm?: LmHostApi }).lm;

async function invoke(name: string, input: object): Promise<Record<string, unknown>> {
  assert.ok(lm?.invokeTool, 'vscode.lm.invokeTool exists');
  const r = await lm.invokeTool(name, { input, toolInvocationToken: undefined }, new vscode.CancellationTokenSource().token);
  const text = r.content.map((p) => (p as { value?: unknown }).value).filter((v): v is string => typeof v === 'string').join('');
  assert.ok(text.length > 0, `a text part from ${name}`);
  assert.ok(Buffer.byteLength(text, 'utf8') <= 32 * 1024, `${name} result under the 32 KB cap`);
  return JSON.parse(text) as Record<string, unknown>;
}

suite('surfaces: language-model tools (vscode.lm)', () => {
  let api: SurfacesApi;
  let server: TempoTestServer;

  useSeededSurfaces((a, s) => { api = a; server = s; }, { closeEditors: true });

  test('the four tools are registered with the host, with their input schemas', () => {
    assert.ok(lm?.tools, `vscode.lm.tools exists in VS Code ${vscode.version}`);
    const ours = lm.tools.filter((t) => t.name.startsWith('tempoLens_'));
    assert.deepEqual(ours.map((t) => t.name).sort(), [...TOOL_NAMES].sort());
    for (const t of ours) assert.equal((t.inputSchema as { type?: string } | undefined)?.type, 'object', t.name);
  });

  test('tempoLens_hotspots: the store\'s figures and locations, without a second set of requests', async () => {
    assert.equal(api.state().status, 'ready');
    const before = server.requests.length;
    const r = await invoke('tempoLens_hotspots', { limit: 10 });
    // Background work of earlier suites (exact percentiles, insights of open files) may search; a reload would query metrics.
    const during = server.requests.slice(before).map((q) => q.path);
    assert.deepEqual(during.filter((p) => p.startsWith('/api/metrics')), [], `fresh figures are served from the store (requests: ${during.join(', ')})`);
    assert.match(r['dataNotice'] as string, /not instructions/);
    const fns = r['functions'] as { codeRef: { function: string }; stats: { calls: number; errorRate: number }; location: { file: string; line: number } | null; insights: { kind: string }[] }[];
    const revoke = fns.find((f) => f.codeRef.function === 'revoke');
    assert.equal(revoke?.stats.calls, 40);
    assert.equal(revoke?.stats.errorRate, 0.25);
    assert.equal(revoke?.location?.file, TOKEN_SERVICE);
    assert.ok(revoke?.insights.some((i) => i.kind === 'errors'));
    const getToken = fns.find((f) => f.codeRef.function === 'getToken');
    assert.equal(getToken?.stats.calls, 60);
    assert.deepEqual(getToken?.location && [getToken.location.file, getToken.location.line], [TOKEN_SERVICE, 16]);
  });

  test('tempoLens_functionStats by file + line: figures, the regression against the previous hour, the slowest trace', async () => {
    const r = await invoke('tempoLens_functionStats', { file: TOKEN_SERVICE, line: 18 });
    const f = r['function'] as { codeRef: { function: string }; stats: { calls: number; errors: number }; previousWindow: { calls: number } | null; regression: { metric: string; direction: string }[]; slowestTraceIds: string[] } | null;
    assert.ok(f, JSON.stringify(r));
    assert.equal(f.codeRef.function, 'getToken');
    assert.equal(f.stats.calls, 60);
    assert.equal(f.stats.errors, 2);
    assert.equal(f.previousWindow?.calls, 60);
    assert.ok(f.regression.some((c) => c.metric === 'p95' && c.direction === 'up'), JSON.stringify(f.regression));
    assert.equal(f.slowestTraceIds[0], SLOWEST_GET_TOKEN_TRACE);
    const bad = await invoke('tempoLens_functionStats', { line: 3 });
    assert.match(bad['error'] as string, /file \(\+ line\) or by function name/);
  });

  test('tempoLens_findTraces by method and tempoLens_getTrace through the trace cache', async () => {
    // Search is "first N found" (newest first), not slowest: by method, every trace holds a getToken span …
    const found = await invoke('tempoLens_findTraces', { function: 'TokenService.getToken', limit: 5 });
    const traces = found['traces'] as { traceId: string; spans: { name: string }[] }[];
    assert.equal(traces.length, 5);
    for (const tr of traces) assert.ok(tr.spans.some((s) => s.name === 'TokenService.getToken'), JSON.stringify(tr));
    assert.match(found['query'] as string, /span\.code\.function = "getToken"/);
    // … and TraceQL finds the 4 s one.
    const slow = await invoke('tempoLens_findTraces', { query: '{ span.code.function = "getToken" && duration > 3s }' });
    assert.deepEqual((slow['traces'] as { traceId: string }[]).map((x) => x.traceId), [SLOWEST_GET_TOKEN_TRACE]);
    const t = await invoke('tempoLens_getTrace', { traceId: SLOWEST_GET_TOKEN_TRACE });
    assert.equal(t['found'], true);
    const spans = t['spans'] as { durationMs: number; location: { file: string } | null }[];
    assert.equal(spans[0]?.durationMs, 4000);
    assert.equal(spans[0]?.location?.file, TOKEN_SERVICE);
    const fetches = server.requests.filter((q) => q.path.includes(SLOWEST_GET_TOKEN_TRACE)).length;
    await invoke('tempoLens_getTrace', { traceId: SLOWEST_GET_TOKEN_TRACE });
    assert.equal(server.requests.filter((q) => q.path.includes(SLOWEST_GET_TOKEN_TRACE)).length, fetches, 'the second fetch comes from the connection\'s cache');
  });

  test('span text is quoted data: hostile status messages arrive cleaned and cut, under the data notice', async () => {
    const r = await invoke('tempoLens_functionStats', { function: 'TokenService.revoke' });
    const f = r['function'] as { errorSpans: { statusMessage: string | null }[] };
    const msg = f.errorSpans[0]?.statusMessage ?? '';
    assert.ok(msg.startsWith(HOSTILE_MESSAGE.slice(0, 40)), msg.slice(0, 80));
    assert.ok([...msg].length <= 300);
    assert.match(r['dataNotice'] as string, /telemetry data/);
  });

  test('the CLI\'s MCP server is offered to VS Code where the host has the provider API, with the current settings and no token', async () => {
    const ext = (await activate()) as unknown as { agentTools: { mcpDefinitions(): readonly { label: string; command: string; args: readonly string[]; env: Record<string, unknown> }[] } };
    const hasApi = typeof (vscode as unknown as { lm?: { registerMcpServerDefinitionProvider?: unknown } }).lm?.registerMcpServerDefinitionProvider === 'function';
    const defs = ext.agentTools.mcpDefinitions();
    assert.equal(defs.length, hasApi ? 1 : 0, `VS Code ${vscode.version}: provider API ${hasApi ? 'present' : 'absent'}`);
    if (!hasApi) return;
    const d = defs[0]!;
    assert.equal(d.label, 'Tempo Lens');
    const args = [...d.args];
    assert.match(args[0] ?? '', /dist[\\/]cli\.js$/);
    assert.equal(args[1], 'mcp');
    assert.equal(args[args.indexOf('--url') + 1], server.url);
    assert.equal(args[args.indexOf('--workspace') + 1], vscode.workspace.workspaceFolders?.[0]?.uri.fsPath);
    assert.ok(!('TEMPO_LENS_TOKEN' in d.env), 'the token is added only when VS Code resolves the server to start it');
  });
});
