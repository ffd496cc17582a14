// The same surface suite against the three telemetry sources (Tempo, trace files, the local OTLP receiver) fed the same spans: the same figures, diagnostics, insights, search, trace view and report.
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import * as vscode from 'vscode';
import { activate, waitFor } from '../helpers';
import { startTempoServer, type TempoTestServer } from '../../tempo-server/server';
import { fileUri, lineOf, orphanTraces, resetSurfaceSettings, SLOWEST_GET_TOKEN_TRACE, surfaces, surfaceSpans, TOKEN_SERVICE, type SurfacesApi } from '../surfaces/surfacesData';
import type { TempoLensApi } from '../../../src/extension';

type OtlpBody = { resourceSpans: { scopeSpans: { spans: { startTimeUnixNano: string }[] }[] }[] };

/** The spans every source gets: the surfaces' current hour (no previous hour: files are not clipped to a window) and ten orphaned getToken calls. */
export function sharedPayload(now: number): OtlpBody {
  const surface = surfaceSpans(now) as OtlpBody;
  const from = BigInt(now - 60 * 60_000) * 1_000_000n;
  for (const rs of surface.resourceSpans) for (const ss of rs.scopeSpans) ss.spans = ss.spans.filter((s) => BigInt(s.startTimeUnixNano) >= from);
  const orphans = orphanTraces(now, 10) as OtlpBody;
  return { resourceSpans: [...surface.resourceSpans, ...orphans.resourceSpans] };
}

interface LmHostApi {
  invokeTool?(name: string, options: { input: object; toolInvocationToken: undefined }, token?: vscode.CancellationToken): Thenable<{ readonly content: readonly unknown[] }>;
}

async function invoke(name: string, input: object): Promise<Record<string, unknown>> {
  const lm = (vscode as unknown as { lm?: LmHostApi }).lm;
  assert.ok(lm?.invokeTool, 'vscode.lm.invokeTool exists');
  const r = await lm.invokeTool(name, { input, toolInvocationToken: undefined }, new vscode.CancellationTokenSource().token);
  return JSON.parse(r.content.map((p) => (p as { value?: unknown }).value).join('')) as Record<string, unknown>;
}

async function lensTitle(uri: vscode.Uri, line: number): Promise<string> {
  const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100)) ?? [];
  return lenses.find((l) => l.range.start.line === line)?.command?.title ?? '';
}

/** A port in use by someone else, to show the receiver moving to the next free one. */
function occupyPort(): Promise<{ port: number; close(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      resolve({ port, close: () => new Promise((r) => srv.close(() => r())) });
    });
  });
}

interface SourceUnderTest {
  readonly kind: 'tempo' | 'files' | 'receiver';
  /** Feeds the payload to the source and points the extension at it. */
  setup(api: TempoLensApi, payload: OtlpBody): Promise<void>;
  teardown(): Promise<void>;
}

const tempoSource = (): SourceUnderTest => {
  let server: TempoTestServer | undefined;
  return {
    kind: 'tempo',
    async setup(_api, payload) {
      server = await startTempoServer();
      server.ingest(payload);
      await vscode.workspace.getConfiguration('tempoLens').update('url', server.url, vscode.ConfigurationTarget.Global);
    },
    async teardown() {
      await server?.close();
    },
  };
};

const filesSource = (): SourceUnderTest => {
  const dir = (): vscode.Uri => fileUri('.tempo-lens/sources-it');
  return {
    kind: 'files',
    async setup(_api, payload) {
      await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(dir(), 'spans.json'), Buffer.from(JSON.stringify(payload)));
      const c = vscode.workspace.getConfiguration('tempoLens');
      await c.update('files', '.tempo-lens/sources-it/**/*.json', vscode.ConfigurationTarget.Global);
      await c.update('source', 'files', vscode.ConfigurationTarget.Global);
    },
    async teardown() {
      await vscode.workspace.getConfiguration('tempoLens').update('files', undefined, vscode.ConfigurationTarget.Global);
      await vscode.workspace.fs.delete(dir(), { recursive: true, useTrash: false });
    },
  };
};

const receiverSource = (): SourceUnderTest => {
  let taken: { port: number; close(): Promise<void> } | undefined;
  return {
    kind: 'receiver',
    async setup(api, payload) {
      taken = await occupyPort();
      const c = vscode.workspace.getConfiguration('tempoLens');
      await c.update('receiver.port', taken.port, vscode.ConfigurationTarget.Global);
      await c.update('source', 'receiver', vscode.ConfigurationTarget.Global);
      // The status bar shows where the receiver listens once it is up.
      await waitFor('the receiver in the status bar', () => /receiver :\d+/.test(api.statusBar().text), () => api.statusBar(), 20_000);
      const copied = await vscode.commands.executeCommand<string>('tempoLens.internal.copySourceEndpoint');
      const endpoint = /^OTEL_EXPORTER_OTLP_ENDPOINT=(http:\/\/127\.0\.0\.1:(\d+))$/.exec(copied ?? '');
      assert.ok(endpoint, `copied: ${copied}`);
      assert.notEqual(Number(endpoint[2]), taken.port, 'the configured port was taken: the next free one is used');
      assert.ok(api.statusBar().tooltip.includes(endpoint[1]!), api.statusBar().tooltip);
      const res = await fetch(`${endpoint[1]}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
      assert.equal(res.status, 200, await res.text());
    },
    async teardown() {
      await vscode.workspace.getConfiguration('tempoLens').update('receiver.port', undefined, vscode.ConfigurationTarget.Global);
      await taken?.close();
    },
  };
};

for (const make of [tempoSource, filesSource, receiverSource]) {
  const source = make();
  suite(`same surfaces: ${source.kind}`, () => {
    let ext: TempoLensApi;
    let api: SurfacesApi;
    let doc: vscode.TextDocument;

    suiteSetup(async () => {
      ext = await activate();
      api = surfaces(ext);
      await source.setup(ext, sharedPayload(Date.now()));
      await api.refresh();
      assert.equal(api.state().status, 'ready', JSON.stringify(api.state()));
      doc = await vscode.workspace.openTextDocument(fileUri(TOKEN_SERVICE));
      await vscode.window.showTextDocument(doc);
    });

    suiteTeardown(async () => {
      await resetSurfaceSettings();
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await source.teardown();
      await api.refresh();
    });

    test('CodeLens: the same counts and error rates on every source', async () => {
      const getToken = await lensTitle(doc.uri, lineOf(doc, 'public String getToken('));
      // 60 calls this hour + 10 orphaned ones, 2 failed: 2.9 %.
      assert.match(getToken, /^\$\((warning|error)\) p95 ≈?[\d.]+ s · p50 ≈?[\d.]+ ms · 2\.9% errors · /, getToken);
      const revoke = await lensTitle(doc.uri, lineOf(doc, 'public void revoke('));
      assert.match(revoke, / · 25% errors · /, revoke);
      assert.match(await lensTitle(doc.uri, lineOf(doc, 'getJwks(')), / · no errors · /);
      assert.equal(await lensTitle(doc.uri, lineOf(doc, 'public int size(')), '', 'size() has no spans');
    });

    test('hover: the figures table on the method name', async () => {
      const line = lineOf(doc, 'public String getToken(');
      const col = doc.lineAt(line).text.indexOf('getToken') + 1;
      const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(line, col))) ?? [];
      const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'object' && 'value' in c ? c.value : String(c)))).join('\n');
      assert.match(text, /\b70\b/, 'the call count');
      assert.match(text, /token store timeout/, 'the top error message');
      if (source.kind !== 'tempo') assert.match(text, source.kind === 'files' ? /from trace files/ : /from the local receiver/, 'says where exact figures come from');
    });

    test('diagnostics: slow and erroring methods, and the caller-timeout found in the traces', async () => {
      const codes = (): string[] => vscode.languages.getDiagnostics(doc.uri).filter((d) => d.source === 'Tempo Lens').map((d) => `${String(d.code)}@${d.range.start.line}`).sort();
      const want = [`caller-timeout@${lineOf(doc, 'public String getToken(')}`, `errors@${lineOf(doc, 'public void revoke(')}`, `slow@${lineOf(doc, 'public String getToken(')}`];
      await waitFor('the same diagnostics', () => codes().join() === want.join(), codes, 30_000);
    });

    test('trace search and trace by id through the trace service', async () => {
      const found = await invoke('tempoLens_findTraces', { query: '{ span.code.function = "getToken" && status = error }' });
      assert.equal((found['traces'] as unknown[]).length, 2, JSON.stringify(found).slice(0, 500));
      const t = await invoke('tempoLens_getTrace', { traceId: SLOWEST_GET_TOKEN_TRACE });
      assert.equal(t['found'], true, JSON.stringify(t).slice(0, 300));
      assert.equal((t['spans'] as { durationMs: number }[])[0]?.durationMs, 4000);
      assert.equal(await vscode.commands.executeCommand('tempoLens.openTrace', SLOWEST_GET_TOKEN_TRACE), SLOWEST_GET_TOKEN_TRACE);
    });

    test('Check Instrumentation counts the same spans', async () => {
      const result = await vscode.commands.executeCommand<{ state: string; markdown: string }>('tempoLens.checkInstrumentation');
      assert.equal(result.state, 'ok', result.markdown);
      // token-service: 60 getToken + 30 getJwks + 40 revoke + 10 orphaned getToken, old keys only.
      assert.match(result.markdown, /\| token\\-service \| ██████████ 100% \| 140 \| 140 \| 140 \| 0 \| 0 \|/, result.markdown);
    });
  });
}
