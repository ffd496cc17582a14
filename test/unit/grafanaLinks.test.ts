// Unit tests of the Grafana Explore links (src/core/grafanaLinks.ts) and the trace-view protocol guards/HTML (src/shared/protocol.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { grafanaExploreUrl, grafanaLinkProblem } from '../../src/core/grafanaLinks';
import { isHostMessage, isWebviewMessage, traceViewCsp, traceViewHtml } from '../../src/shared/protocol';
import { hostileTrace, spanId, TRACE_ID } from '../browser/traceFixtures';

const CFG = { grafanaUrl: 'https://grafana.example.com/', datasourceUid: 'tempo-uid' };

function panesOf(url: string): Record<string, unknown> {
  const u = new URL(url);
  assert.equal(u.pathname, '/explore');
  assert.equal(u.searchParams.get('schemaVersion'), '1');
  return JSON.parse(u.searchParams.get('panes') ?? 'null') as Record<string, unknown>;
}

test('Explore URL runs the trace id on the configured data source, span selected, time pinned', () => {
  const url = grafanaExploreUrl(CFG, { traceId: '6B02480D000000000000000000000001', spanId: spanId(0x12), startMs: 1_795_311_627_074, endMs: 1_795_311_629_974 });
  assert.ok(url !== null);
  assert.ok(url.startsWith('https://grafana.example.com/explore?'));
  const pane = panesOf(url)['tl'] as Record<string, unknown>;
  assert.equal(pane['datasource'], 'tempo-uid');
  assert.deepEqual(pane['queries'], [{ refId: 'A', datasource: { type: 'tempo', uid: 'tempo-uid' }, queryType: 'traceql', query: '6b02480d000000000000000000000001' }]);
  assert.deepEqual(pane['range'], { from: String(1_795_311_567_074), to: String(1_795_311_689_974) });
  assert.deepEqual(pane['panelsState'], { trace: { spanId: '0000000000000012' } });
});

test('Explore URL without a time range uses the last hour; a bad span id is dropped; orgId is kept', () => {
  const url = grafanaExploreUrl({ ...CFG, orgId: 3 }, { traceId: 'abc', spanId: '<script>' });
  assert.ok(url !== null);
  const pane = panesOf(url)['tl'] as Record<string, unknown>;
  assert.deepEqual(pane['range'], { from: 'now-1h', to: 'now' });
  assert.equal(pane['panelsState'], undefined);
  assert.equal(new URL(url).searchParams.get('orgId'), '3');
});

test('no link without a Grafana URL or data source, or for a bad trace id; the problem is worded', () => {
  assert.equal(grafanaExploreUrl({ grafanaUrl: '', datasourceUid: 'x' }, { traceId: 'ab' }), null);
  assert.match(grafanaLinkProblem({ grafanaUrl: '', datasourceUid: 'x' }) ?? '', /tempoLens\.grafanaUrl/);
  assert.match(grafanaLinkProblem({ grafanaUrl: 'javascript:alert(1)', datasourceUid: 'x' }) ?? '', /http\(s\)/);
  assert.match(grafanaLinkProblem({ grafanaUrl: 'https://g', datasourceUid: ' ' }) ?? '', /grafanaDatasourceUid/);
  assert.equal(grafanaLinkProblem(CFG), null);
  assert.equal(grafanaExploreUrl(CFG, { traceId: 'zz' }), null);
});

test('webview → host guard: only well-formed messages with hex ids pass', () => {
  assert.equal(isWebviewMessage({ type: 'ready' }), true);
  assert.equal(isWebviewMessage({ type: 'goToCode', traceId: TRACE_ID, spanId: spanId(1) }), true);
  assert.equal(isWebviewMessage({ type: 'goToCode', traceId: TRACE_ID, spanId: 'nothex!!nothex!!' }), false);
  assert.equal(isWebviewMessage({ type: 'openInGrafana', traceId: TRACE_ID, spanId: null }), true);
  assert.equal(isWebviewMessage({ type: 'openLinkedTrace', traceId: 'short', spanId: null }), false);
  assert.equal(isWebviewMessage({ type: 'eval', code: '1' }), false);
  assert.equal(isWebviewMessage(null), false);
  assert.equal(isWebviewMessage('ready'), false);
});

test('host → webview guard accepts a real trace (hostile strings included) and rejects malformed ones', () => {
  const trace = hostileTrace();
  assert.equal(isHostMessage({ type: 'showTrace', trace, options: { grafana: true, selectSpanId: null }, state: null }), true);
  const bad = { ...trace, spans: [{ ...trace.spans[0], startMs: 'soon' }] };
  assert.equal(isHostMessage({ type: 'showTrace', trace: bad, options: { grafana: true, selectSpanId: null }, state: null }), false);
  assert.equal(isHostMessage({ type: 'showTrace', trace, options: { grafana: 'yes', selectSpanId: null }, state: null }), false);
  assert.equal(isHostMessage({ type: 'status', kind: 'error', text: 'x' }), true);
  assert.equal(isHostMessage({ type: 'status', kind: 'html', text: 'x' }), false);
});

test('HTML shell: strict CSP with the nonce, one nonce-d script, no data; refuses bad inputs', () => {
  const shell = { cspSource: 'https://file+.vscode-resource.vscode-cdn.net', nonce: 'AbCdEfGhIjKlMnOpQrSt0123', scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.js' };
  const csp = traceViewCsp(shell);
  assert.equal(csp, "default-src 'none'; script-src 'nonce-AbCdEfGhIjKlMnOpQrSt0123'; style-src https://file+.vscode-resource.vscode-cdn.net 'nonce-AbCdEfGhIjKlMnOpQrSt0123'; img-src https://file+.vscode-resource.vscode-cdn.net data:; font-src https://file+.vscode-resource.vscode-cdn.net");
  const html = traceViewHtml(shell);
  assert.ok(html.includes(`content="${csp}"`));
  assert.equal(html.match(/<script/g)?.length, 1);
  assert.ok(html.includes(`<script nonce="${shell.nonce}" src="${shell.scriptUri}"></script>`));
  assert.throws(() => traceViewHtml({ ...shell, nonce: 'x"><script>' }));
  assert.throws(() => traceViewHtml({ ...shell, scriptUri: 'a" onload="x' }));
});
