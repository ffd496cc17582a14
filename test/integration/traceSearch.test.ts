// Search Traces / Open Trace by ID against the Tempo test server, asserted through the trace view's messages.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { describeSearchError, normaliseTraceIdInput, pushHistory, relativeTime, traceqlSyntaxProblem } from '../../src/features/traceSearch';
import type { ExchangedMessage } from '../../src/features/tracePanel';
import { TempoClient } from '../../src/tempo/client';
import { startTempoServer, type TempoTestServer } from '../tempo-server/server';
import { activate, resetSettings } from './helpers';

/** Registered by src/features/tracePanel.ts in extension test/development mode. */
const MESSAGES = 'tempoLens.test.traceViewMessages';
const RECEIVE = 'tempoLens.test.traceViewReceive';
const REVIVE = 'tempoLens.test.traceViewRevive';

type Exchanged = ExchangedMessage;

const TRACE_ID = '0000c0ffee0000000000000000000a17';
const ROOT_SPAN = '00000000000000a1';
const CHILD_SPAN = '00000000000000a2';
const FN = 'traceSearchIntegration';
/** A span whose code.* attributes point into the `basic` fixture workspace (OrderService.findOrder, line 19). */
const CODE_SPAN = '00000000000000a3';

function otlpTrace(nowMs: number): unknown {
  const ns = (ms: number): string => `${BigInt(Math.round(ms)) * 1_000_000n}`;
  const start = nowMs - 5_000;
  const kv = (key: string, v: string): unknown => ({ key, value: { stringValue: v } });
  return {
    resourceSpans: [{
      resource: { attributes: [kv('service.name', 'it-checkout')] },
      scopeSpans: [{
        scope: { name: 'it' },
        spans: [
          { traceId: TRACE_ID, spanId: ROOT_SPAN, name: 'POST /it-checkout', kind: 2, startTimeUnixNano: ns(start), endTimeUnixNano: ns(start + 1200),
            attributes: [kv('http.route', '/it-checkout')], status: { code: 1 } },
          { traceId: TRACE_ID, spanId: CHILD_SPAN, parentSpanId: ROOT_SPAN, name: 'CheckoutService.traceSearchIntegration', kind: 1,
            startTimeUnixNano: ns(start + 100), endTimeUnixNano: ns(start + 1500),
            attributes: [kv('code.namespace', 'com.acme.it.CheckoutService'), kv('code.function', FN)], status: { code: 2, message: 'card declined' } },
          { traceId: TRACE_ID, spanId: CODE_SPAN, parentSpanId: ROOT_SPAN, name: 'OrderService.findOrder', kind: 1,
            startTimeUnixNano: ns(start + 200), endTimeUnixNano: ns(start + 300),
            attributes: [kv('code.namespace', 'com.example.orders.OrderService'), kv('code.function', 'findOrder'),
              kv('code.file.path', '/app/src/main/java/com/example/orders/OrderService.java'), { key: 'code.line.number', value: { intValue: '19' } }] },
        ],
      }],
    }],
  };
}

async function messages(): Promise<Exchanged[]> {
  return (await vscode.commands.executeCommand<Exchanged[]>(MESSAGES)) ?? [];
}

/** Runs a command that ends in a QuickPick and accepts its first item, as a user pressing Enter would. */
async function runAccepting<T>(command: Thenable<T>, timeoutMs = 20_000): Promise<T> {
  let result: { value: T } | undefined;
  let error: unknown;
  const p = Promise.resolve(command).then((v) => { result = { value: v }; }, (e: unknown) => { error = e; result = { value: undefined as T }; });
  const until = Date.now() + timeoutMs;
  while (result === undefined) {
    if (Date.now() > until) assert.fail('the command did not finish: no QuickPick to accept?');
    await new Promise((r) => setTimeout(r, 250));
    if (result === undefined) await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
  }
  await p;
  if (error !== undefined) throw error;
  return result.value;
}

suite('trace search and trace view', () => {
  let tempo: TempoTestServer;

  suiteSetup(async () => {
    await activate();
    tempo = await startTempoServer({ version: '2.7.2' });
    tempo.ingest(otlpTrace(Date.now()));
    await vscode.commands.executeCommand('tempoLens.configureConnection', { url: tempo.url, auth: 'none', test: false });
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await resetSettings();
    await tempo?.close();
  });

  test('Search Traces with a query argument → results list → the trace view receives the trace', async () => {
    tempo.clearRequests();
    const before = (await messages()).length;
    const query = `{ span.code.function = "${FN}" }`;
    const shown = await runAccepting(vscode.commands.executeCommand<string | undefined>('tempoLens.searchTraces', { query }));
    assert.equal(shown, TRACE_ID);

    const search = tempo.requests.find((r) => r.path === '/api/search');
    assert.ok(search, 'no /api/search request');
    assert.equal(search.query['q'], query);
    assert.ok(Number(search.query['start']) > 0 && Number(search.query['end']) > Number(search.query['start']));
    assert.ok(tempo.requests.some((r) => r.path.endsWith(`/traces/${TRACE_ID}`)), 'the trace was not fetched by id');

    let got: Exchanged[] = [];
    const until = Date.now() + 15_000;
    for (;;) {
      got = (await messages()).slice(before);
      if (got.some((m) => m.direction === 'sent' && m.type === 'showTrace') && got.some((m) => m.direction === 'received' && m.type === 'ready')) break;
      if (Date.now() > until) assert.fail(`the trace view did not get the trace; exchanged: ${JSON.stringify(got)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const ready = got.findIndex((m) => m.direction === 'received' && m.type === 'ready');
    const showIdx = got.findIndex((m) => m.direction === 'sent' && m.type === 'showTrace');
    assert.ok(ready < showIdx, 'the host waits for ready before sending the trace');
    const show = got[showIdx];
    assert.ok(show);
    assert.equal(show.traceId, TRACE_ID);
    assert.equal(show.spanCount, 3);
    assert.equal(show.rootName, 'POST /it-checkout');
    assert.equal(show.spanId, CHILD_SPAN, 'the matched span is selected');
  });

  test('interactive Search Traces: Enter on the first entry (history or preset) searches, then opens the trace', async () => {
    tempo.clearRequests();
    // The first entry is the query of the previous test (history) or, once presets load, the
    // "slow spans with code attributes" preset: both match the ingested trace (1.4 s span with code.*).
    const shown = await runAccepting(vscode.commands.executeCommand<string | undefined>('tempoLens.searchTraces'));
    assert.equal(shown, TRACE_ID);
    const search = tempo.requests.find((r) => r.path === '/api/search');
    assert.ok(search, 'no /api/search request');
    assert.ok(search.query['q'] === `{ span.code.function = "${FN}" }` || /duration > 1000ms/.test(search.query['q'] ?? ''), search.query['q']);
  });

  test('Open Trace by ID accepts an id without its leading zeros and reuses the panel', async () => {
    const before = (await messages()).length;
    tempo.clearRequests();
    const shown = await vscode.commands.executeCommand<string | undefined>('tempoLens.openTrace', TRACE_ID.replace(/^0+/, '').toUpperCase());
    assert.equal(shown, TRACE_ID);
    assert.ok(tempo.requests.some((r) => r.path.endsWith(`/traces/${TRACE_ID}`)), 'the id was padded to 32 hex digits');
    const until = Date.now() + 15_000;
    for (;;) {
      const got = (await messages()).slice(before);
      const show = got.find((m) => m.direction === 'sent' && m.type === 'showTrace');
      if (show !== undefined) {
        assert.equal(show.traceId, TRACE_ID);
        break;
      }
      if (Date.now() > until) assert.fail(`no showTrace after openTrace; exchanged: ${JSON.stringify(got)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  test('Go to code from the view opens the method; a span without code attributes explains why not', async () => {
    await vscode.commands.executeCommand('tempoLens.openTrace', TRACE_ID);
    const waitResult = async (before: number): Promise<Exchanged> => {
      const until = Date.now() + 15_000;
      for (;;) {
        const r = (await messages()).slice(before).find((m) => m.direction === 'sent' && m.type === 'goToCodeResult');
        if (r !== undefined) return r;
        if (Date.now() > until) assert.fail('no goToCodeResult');
        await new Promise((res) => setTimeout(res, 100));
      }
    };
    let before = (await messages()).length;
    assert.equal(await vscode.commands.executeCommand(RECEIVE, { type: 'goToCode', traceId: TRACE_ID, spanId: CODE_SPAN }), true);
    const ok = await waitResult(before);
    assert.equal(ok.ok, true, ok.text ?? '');
    assert.equal(ok.spanId, CODE_SPAN);
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor, 'no editor opened');
    assert.match(editor.document.uri.path, /com\/example\/orders\/OrderService\.java$/);
    assert.equal(editor.selection.active.line + 1, 19);

    before = (await messages()).length;
    await vscode.commands.executeCommand(RECEIVE, { type: 'goToCode', traceId: TRACE_ID, spanId: ROOT_SPAN });
    const no = await waitResult(before);
    assert.equal(no.ok, false);
    assert.match(no.text ?? '', /^No match because the span has no code\.function/);

    // A message that fails the guard is dropped, not half-handled.
    before = (await messages()).length;
    await vscode.commands.executeCommand(RECEIVE, { type: 'goToCode', traceId: 'x', spanId: CODE_SPAN });
    await new Promise((res) => setTimeout(res, 200));
    assert.deepEqual((await messages()).slice(before), []);
  });

  test('an invalid query is refused before anything is sent; a bad trace id too', async () => {
    tempo.clearRequests();
    const r = await vscode.commands.executeCommand<string | undefined>('tempoLens.searchTraces', { query: '{ span.code.function = }' });
    assert.equal(r, undefined);
    const bad = await vscode.commands.executeCommand<string | undefined>('tempoLens.openTrace', 'not-a-trace-id');
    assert.equal(bad, undefined);
    const tooLong = await vscode.commands.executeCommand<string | undefined>('tempoLens.openTrace', 'a'.repeat(33));
    assert.equal(tooLong, undefined);
    assert.deepEqual(tempo.requests.filter((q) => q.path === '/api/search' || q.path.includes('/traces/')), []);
  });

  test('a trace id Tempo does not know opens nothing', async () => {
    const before = (await messages()).length;
    const r = await vscode.commands.executeCommand<string | undefined>('tempoLens.openTrace', '0123456789abcdef0123456789abcdef');
    assert.equal(r, undefined);
    const got = (await messages()).slice(before);
    assert.equal(got.filter((m) => m.type === 'showTrace').length, 0);
  });

  test('syntax check: the first error position matches what Tempo reports; empty and unterminated queries', () => {
    // Tempo 2.7.2 answered this query with "parse error at line 1, col 24" (recorded).
    const p = traceqlSyntaxProblem('{ span.code.function = }');
    assert.deepEqual(p && { line: p.line, column: p.column, message: p.message }, { line: 1, column: 24, message: 'unexpected "}"' });
    assert.equal(traceqlSyntaxProblem('{ status = error } | select(span.code.function)'), null);
    assert.equal(traceqlSyntaxProblem('{ duration > 0.5s }'), null);
    assert.equal(traceqlSyntaxProblem('{ duration > .5s }')?.column, 15, 'the grammar rejects .5 (write 0.5)');
    assert.equal(traceqlSyntaxProblem('{ span.foo = "x" ')?.message, 'unexpected end of query');
    assert.deepEqual(traceqlSyntaxProblem('{ status = error }\n&& { span.x = }')?.line, 2);
    assert.equal(traceqlSyntaxProblem('   ')?.message, 'the query is empty');
  });

  test('trace id input, history and relative times', () => {
    assert.deepEqual(normaliseTraceIdInput(' 1000000000000000000000001 '), { ok: true, id: '00000001000000000000000000000001' });
    assert.deepEqual(normaliseTraceIdInput('0x6B02480D000000000000000000000001'), { ok: true, id: '6b02480d000000000000000000000001' });
    assert.equal(normaliseTraceIdInput('a'.repeat(33)).ok, false);
    assert.equal(normaliseTraceIdInput('xyz').ok, false);
    assert.equal(normaliseTraceIdInput('000').ok, false);
    assert.deepEqual(pushHistory(['{ a }', '{  b }', '{ c }'], '{ b }'), ['{ b }', '{ a }', '{ c }']);
    assert.equal(pushHistory(Array.from({ length: 30 }, (_, i) => `{ q${i} }`), '{ new }').length, 20);
    assert.equal(relativeTime(1_000_000 - 90_000, 1_000_000), '2 min ago');
    assert.equal(relativeTime(1_000_000 - 5_000, 1_000_000), '5 s ago');
  });

  test('a TraceQL error from the server is described with its line and column', async () => {
    tempo.inject({ path: '/api/search', status: 400, body: 'invalid TraceQL query: parse error at line 1, col 24: syntax error: unexpected }' });
    const client = new TempoClient({ url: tempo.url, auth: 'none', user: '', token: undefined, tenant: '', headers: {} });
    try {
      await assert.rejects(client.search({ q: '{ span.code.function = "x" }' }), (e: unknown) => {
        assert.equal(describeSearchError(e), 'Tempo rejected the query at line 1, column 24: syntax error: unexpected }');
        return true;
      });
    } finally {
      tempo.clearFaults();
      await client.close();
    }
  });

  test('the trace service serves Open Trace from Tempo; with source = files the trace comes from OTLP files', async () => {
    const first = (await messages()).length;
    assert.equal(await vscode.commands.executeCommand<string | undefined>('tempoLens.openTrace', TRACE_ID), TRACE_ID);
    assert.equal((await messages()).slice(first).find((m) => m.type === 'showTrace')?.spanCount, 3);

    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the basic workspace is open');
    const dir = vscode.Uri.joinPath(folder.uri, '.tempo-lens-it');
    const c = vscode.workspace.getConfiguration('tempoLens');
    try {
      await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(dir, 'trace.json'), Buffer.from(JSON.stringify(otlpTrace(Date.now()))));
      await c.update('files', '.tempo-lens-it/**/*.json', vscode.ConfigurationTarget.Global);
      await c.update('source', 'files', vscode.ConfigurationTarget.Global);
      tempo.clearRequests();
      const before = (await messages()).length;
      const shown = await vscode.commands.executeCommand<string | undefined>('tempoLens.openTrace', TRACE_ID.replace(/^0+/, ''));
      assert.equal(shown, TRACE_ID);
      assert.deepEqual(tempo.requests.filter((q) => q.path.includes('/traces/')), [], 'Tempo was not asked');
      const show = (await messages()).slice(before).find((m) => m.type === 'showTrace');
      assert.equal(show?.spanCount, 3);
      assert.equal(await vscode.commands.executeCommand('tempoLens.openTrace', 'abcdef'), undefined, 'an id absent from the files opens nothing');
    } finally {
      await c.update('files', undefined, vscode.ConfigurationTarget.Global);
      await c.update('source', undefined, vscode.ConfigurationTarget.Global);
      await vscode.workspace.fs.delete(dir, { recursive: true, useTrash: false });
    }
  });

  test('after a reload the serializer brings the panel back with the saved trace, selection and collapsed spans', async () => {
    const before = (await messages()).length;
    tempo.clearRequests();
    const state = { traceId: TRACE_ID, selectedSpanId: CODE_SPAN, collapsed: [ROOT_SPAN] };
    assert.equal(await vscode.commands.executeCommand(REVIVE, state), true);
    const until = Date.now() + 15_000;
    let got: Exchanged[] = [];
    for (;;) {
      got = (await messages()).slice(before);
      if (got.some((m) => m.direction === 'sent' && m.type === 'showTrace')) break;
      if (Date.now() > until) assert.fail(`the revived panel got no trace; exchanged: ${JSON.stringify(got)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // The trace comes back through the trace service (here from the connection's query cache: the
    // earlier tests fetched it, and switching tempoLens.source away and back keeps Tempo's answers).
    const ready = got.findIndex((m) => m.direction === 'received' && m.type === 'ready');
    const show = got.findIndex((m) => m.direction === 'sent' && m.type === 'showTrace');
    assert.ok(ready >= 0 && ready < show, 'ready first, then the trace');
    assert.equal(got[show]?.traceId, TRACE_ID);
    assert.equal(got[show]?.spanCount, 3);
    assert.equal(got[show]?.spanId, CODE_SPAN, 'the saved selection goes back to the webview');
    assert.equal(got[show]?.collapsedCount, 1, 'the saved collapsed spans go back to the webview');

    // A state that is not ours yields an explanation, not an error.
    const before2 = (await messages()).length;
    await vscode.commands.executeCommand(REVIVE, { traceId: '<script>', collapsed: 'x' });
    const until2 = Date.now() + 15_000;
    for (;;) {
      const status = (await messages()).slice(before2).find((m) => m.direction === 'sent' && m.type === 'status');
      if (status !== undefined) {
        assert.match(status.text ?? '', /restored without a trace/);
        break;
      }
      if (Date.now() > until2) assert.fail('no status for a revived panel without state');
      await new Promise((r) => setTimeout(r, 100));
    }
  });
});
