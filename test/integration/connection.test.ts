// Test Connection / Configure Connection against the Tempo-compatible test server, in-process.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TempoLensApi } from '../../src/extension';
import type { ConnectionResult } from '../../src/host/connection';
import { startTempoServer, type TempoTestServer } from '../tempo-server/server';
import { activate, closedPort, resetSettings } from './helpers';

type Preset = { url?: string; auth?: 'none' | 'basic' | 'bearer'; user?: string; token?: string | null; tenant?: string; test?: boolean };

async function configure(preset: Preset): Promise<ConnectionResult | undefined> {
  return vscode.commands.executeCommand<ConnectionResult | undefined>('tempoLens.configureConnection', preset);
}

async function testConnection(): Promise<ConnectionResult> {
  const r = await vscode.commands.executeCommand<ConnectionResult>('tempoLens.testConnection');
  assert.ok(r, 'tempoLens.testConnection returned nothing');
  return r;
}

suite('connection', () => {
  let api: TempoLensApi;
  let tempo: TempoTestServer;
  let secured: TempoTestServer;
  let old: TempoTestServer;

  suiteSetup(async () => {
    api = await activate();
    tempo = await startTempoServer({ version: '2.7.2' });
    secured = await startTempoServer({ version: '2.7.2', auth: { bearer: 'right-token-1234' } });
    old = await startTempoServer({ version: '2.2.0', buildinfo: false });
  });

  suiteTeardown(async () => {
    await resetSettings();
    await Promise.all([tempo?.close(), secured?.close(), old?.close()]);
  });

  teardown(resetSettings);

  test('Test Connection reports the version of the server', async () => {
    await configure({ url: tempo.url, auth: 'none', test: false });
    tempo.clearRequests();
    const r = await testConnection();
    assert.equal(r.ok, true, r.ok ? '' : r.message);
    assert.ok(r.ok);
    assert.equal(r.version, '2.7.2');
    assert.equal(r.via, 'buildinfo');
    assert.match(r.message, /^Connected to Tempo 2\.7\.2 in \d+ ms\. Supports: TraceQL metrics, scoped intrinsics, v2 trace API\./);
    assert.equal(r.capabilities.traceByIdV2, true);
    assert.ok(tempo.requests.some((q) => q.path.startsWith('/api/status/buildinfo')), 'buildinfo was not requested');
    assert.equal(api.connectionState().kind, 'connected');
  });

  test('an old Tempo without buildinfo is reached through /api/echo', async () => {
    await configure({ url: old.url, auth: 'none', test: false });
    const r = await testConnection();
    assert.ok(r.ok, r.ok ? '' : r.message);
    assert.equal(r.via, 'echo');
    assert.equal(r.version, null);
    assert.match(r.message, /version unknown/);
    assert.ok(old.requests.some((q) => q.path.startsWith('/api/echo')), '/api/echo was not requested');
  });

  test('a 401 becomes a clear authentication error that never shows the token', async () => {
    const r = await configure({ url: secured.url, auth: 'bearer', token: 'wrong-token-5678' });
    assert.ok(r && !r.ok, 'a wrong token must fail');
    assert.equal(r.kind, 'auth');
    assert.equal(r.status, 401);
    assert.match(r.message, /rejected the credentials \(401\)/);
    assert.match(r.message, /Check the token/);
    assert.ok(!r.message.includes('wrong-token-5678'), 'the token leaked into the message');
    // The token really went out as a bearer credential.
    const auth = secured.requests.map((q) => q.headers['authorization']).filter(Boolean);
    assert.ok(auth.includes('Bearer wrong-token-5678'), `server saw ${JSON.stringify(auth.length)} authorization headers`);

    const ok = await configure({ url: secured.url, auth: 'bearer', token: 'right-token-1234' });
    assert.ok(ok?.ok, ok && !ok.ok ? ok.message : 'no result');
  });

  test('a stored token belongs to its URL: another URL has none', async () => {
    await configure({ url: secured.url, auth: 'bearer', token: 'right-token-1234', test: false });
    await configure({ url: tempo.url, auth: 'bearer', test: false });
    tempo.clearRequests();
    const r = await testConnection();
    assert.ok(!r.ok);
    assert.equal(r.kind, 'notConfigured');
    assert.match(r.message, /no token is stored for/);
    assert.equal(tempo.requests.length, 0, 'nothing may be sent without a token');
    // Back to the first URL: its token is still there.
    await configure({ url: secured.url, auth: 'bearer', test: false });
    const back = await testConnection();
    assert.ok(back.ok, back.ok ? '' : back.message);
  });

  test('a wrong path (404) and an HTML page are told apart from a dead server', async () => {
    await configure({ url: `${tempo.url}/not-tempo`, auth: 'none', test: false });
    const notFound = await testConnection();
    assert.ok(!notFound.ok);
    assert.ok(notFound.kind === 'notFound' || notFound.kind === 'wrongPath', notFound.kind);
    assert.match(notFound.message, /wrong path\?/);

    await configure({ url: tempo.url, auth: 'none', test: false });
    tempo.inject({ times: Infinity, status: 200, body: '<!doctype html><html><title>Grafana</title></html>', headers: { 'content-type': 'text/html; charset=utf-8' } });
    try {
      const html = await testConnection();
      assert.ok(!html.ok);
      assert.equal(html.kind, 'wrongPath');
      assert.match(html.message, /HTML page/);
    } finally {
      tempo.clearFaults();
    }
  });

  test('a 403 says the token lacks permission', async () => {
    await configure({ url: tempo.url, auth: 'none', test: false });
    tempo.inject({ times: Infinity, status: 403, body: 'forbidden' });
    try {
      const r = await testConnection();
      assert.ok(!r.ok);
      assert.equal(r.kind, 'forbidden');
      assert.match(r.message, /\(403\)/);
    } finally {
      tempo.clearFaults();
    }
  });

  test('invalid extra headers are dropped and reported; valid ones are sent', async () => {
    await configure({ url: tempo.url, auth: 'none', test: false });
    await vscode.workspace.getConfiguration('tempoLens').update('headers', { Authorization: 'Bearer sneaky-1234', 'X-Team': 'checkout' }, vscode.ConfigurationTarget.Global);
    tempo.clearRequests();
    const r = await testConnection();
    assert.ok(r.ok, r.ok ? '' : r.message);
    assert.match(r.message, /Ignored tempoLens\.headers: "Authorization" \(may not set Authorization/);
    assert.ok(tempo.requests.length > 0);
    for (const q of tempo.requests) {
      assert.equal(q.headers['x-team'], 'checkout');
      assert.equal(q.headers['authorization'], undefined, 'a header overrode Authorization');
    }
  });

  test('the guided flow runs through its prompts and ends with a test', async () => {
    // The URL box is pre-filled with the current URL and "No authentication" is the first
    // choice, so accepting each prompt walks the real quick-input UI to the end.
    await vscode.workspace.getConfiguration('tempoLens').update('url', tempo.url, vscode.ConfigurationTarget.Global);
    let settled = false;
    const flow = vscode.commands.executeCommand<ConnectionResult | undefined>('tempoLens.configureConnection')
      .then((r) => { settled = true; return r; });
    for (let i = 0; i < 100 && !settled; i++) {
      await new Promise((r) => setTimeout(r, 100));
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    }
    const r = await flow;
    assert.ok(r, 'the flow was cancelled');
    assert.ok(r.ok, r.ok ? '' : r.message);
    assert.equal(r.version, '2.7.2');
    assert.equal(vscode.workspace.getConfiguration('tempoLens').inspect('auth')?.globalValue, 'none');
  });

  test('a closed port is reported as connection refused', async () => {
    const port = await closedPort();
    await configure({ url: `http://127.0.0.1:${port}`, auth: 'none', test: false });
    const r = await testConnection();
    assert.ok(!r.ok);
    assert.equal(r.kind, 'refused');
    assert.match(r.message, /Connection refused by 127\.0\.0\.1:\d+/);
  });

  test('an unparsable URL is reported as not configured', async () => {
    await vscode.workspace.getConfiguration('tempoLens').update('url', 'tempo:3200/x y', vscode.ConfigurationTarget.Global);
    const r = await testConnection();
    assert.ok(!r.ok);
    assert.equal(r.kind, 'notConfigured');
  });
});
