// Browser tier: the BUILT dist/webview.js in headless Debian chromium under the real CSP and HTML shell.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { parseTraceBody } from '../../src/core/otlp';
import { traceViewHtml, type HostMessage, type WebviewMessage } from '../../src/shared/protocol';
import type { Trace } from '../../src/shared/model';
import { bigTrace, demoTrace, hostileTrace, PAYLOADS, spanId } from './traceFixtures';

const ROOT = path.resolve(__dirname, '../../..');
const BUNDLE = path.join(ROOT, 'dist/webview.js');
const FIXTURES = path.join(ROOT, 'test/fixtures/tempo-real');
const SHOTS = path.join(ROOT, 'media/screenshots');
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

/** A few Dark Modern theme variables, as VS Code sets them on <html>, so screenshots look like the editor. */
const THEME: Record<string, string> = {
  '--vscode-font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif',
  '--vscode-font-size': '13px',
  '--vscode-editor-font-family': '"Droid Sans Mono", monospace',
  '--vscode-foreground': '#cccccc',
  '--vscode-descriptionForeground': '#9d9d9d',
  '--vscode-editor-background': '#1f1f1f',
  '--vscode-panel-border': '#2b2b2b',
  '--vscode-list-activeSelectionBackground': '#04395e',
  '--vscode-list-hoverBackground': '#2a2d2e',
  '--vscode-errorForeground': '#f85149',
  '--vscode-editorWarning-foreground': '#cca700',
  '--vscode-focusBorder': '#0078d4',
  '--vscode-button-background': '#0078d4',
  '--vscode-button-foreground': '#ffffff',
  '--vscode-charts-blue': '#3794ff',
  '--vscode-charts-green': '#89d185',
  '--vscode-charts-purple': '#b180d7',
  '--vscode-charts-orange': '#d18616',
  '--vscode-charts-yellow': '#cca700',
};

/**
 * The page-side globals the callbacks below touch. The test project compiles without the DOM lib
 * (it is Node code), so page callbacks reach the browser through `globalThis as unknown as Win`.
 */
interface El {
  classList: { contains(c: string): boolean };
  setAttribute(k: string, v: string): void;
}
interface Win {
  __posted: WebviewMessage[];
  __state: unknown;
  __pwned?: number;
  __cspViolations: string[];
  __big?: HostMessage;
  acquireVsCodeApi?: () => unknown;
  postMessage(m: unknown, targetOrigin: string): void;
  requestAnimationFrame(cb: () => void): number;
  document: {
    body: { dataset: Record<string, string | undefined>; innerText: string };
    documentElement: { style: { setProperty(k: string, v: string): void } };
    scripts: { length: number };
    activeElement: El | null;
    querySelectorAll(sel: string): { length: number; forEach(cb: (e: El) => void): void };
    addEventListener(type: string, cb: (e: { violatedDirective: string; blockedURI: string }) => void): void;
  };
}

function readTrace(name: string): Trace {
  return parseTraceBody(JSON.parse(readFileSync(path.join(FIXTURES, `${name}.body`), 'utf8')) as unknown);
}

function show(trace: Trace, grafana = true): HostMessage {
  return { type: 'showTrace', trace, options: { grafana, selectSpanId: null }, state: null };
}

let server: Server;
let origin = '';
let browser: Browser;
/** Pages are served with the extension's real HTML shell (CSP + nonce) unless `?csp=off`. */
const nonces: string[] = [];

before(async () => {
  assert.ok(existsSync(BUNDLE), `${BUNDLE} is missing: run "npm run build" first`);
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/dist/webview.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(readFileSync(BUNDLE));
      return;
    }
    if (url.pathname === '/index.html') {
      const nonce = randomBytes(18).toString('base64');
      nonces.push(nonce);
      let html = traceViewHtml({ cspSource: origin, nonce, scriptUri: `${origin}/dist/webview.js` });
      if (url.searchParams.get('csp') === 'off') html = html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
});

after(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

async function openPage(opts: { csp?: boolean; width?: number; height?: number } = {}): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: opts.width ?? 1280, height: opts.height ?? 720 } });
  await page.addInitScript((theme: Record<string, string>) => {
    const window = globalThis as unknown as Win;
    const document = window.document;
    window.__posted = [];
    window.__state = undefined;
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
    window.acquireVsCodeApi = () => ({
      postMessage: (m: WebviewMessage) => window.__posted.push(m),
      getState: () => window.__state,
      setState: (s: unknown) => { window.__state = s; },
    });
    document.addEventListener('DOMContentLoaded', () => {
      for (const [k, v] of Object.entries(theme)) document.documentElement.style.setProperty(k, v);
    });
  }, THEME);
  await page.goto(`${origin}/index.html${opts.csp === false ? '?csp=off' : ''}`);
  await page.waitForFunction(() => (globalThis as unknown as Win).__posted.some((m) => m.type === 'ready'));
  return page;
}

async function post(page: Page, msg: HostMessage): Promise<void> {
  await page.evaluate((json) => (globalThis as unknown as Win).postMessage(JSON.parse(json), '*'), JSON.stringify(msg));
}

async function showAndWait(page: Page, trace: Trace, grafana = true): Promise<void> {
  await post(page, show(trace, grafana));
  await page.waitForFunction((id) => (globalThis as unknown as Win).document.body.dataset['traceId'] === id, trace.traceId);
}

const posted = async (page: Page): Promise<WebviewMessage[]> =>
  JSON.parse(await page.evaluate(() => JSON.stringify((globalThis as unknown as Win).__posted))) as WebviewMessage[];

describe('trace view in chromium', () => {
  test('sends ready first and nothing else before data arrives; shows a waiting status', async () => {
    const page = await openPage();
    assert.deepEqual(await posted(page), [{ type: 'ready' }]);
    assert.match(await page.locator('.status').innerText(), /Waiting for the trace/);
    assert.deepEqual(await page.evaluate(() => (globalThis as unknown as Win).__cspViolations), []);
    await page.close();
  });

  test('real Tempo recording: rows, outlived flag, click → selectSpan, Go to code → goToCode, result shown', async () => {
    const page = await openPage();
    const trace = readTrace('trace_v2_child_after_parent');
    await showAndWait(page, trace);
    const rows = page.locator('.wf-row:not([hidden])');
    assert.equal(await rows.count(), 2);
    assert.deepEqual(await page.locator('.wf-row:not([hidden]) .wf-label').allTextContents(), ['GET /token', 'TokenRepository.findToken']);
    assert.deepEqual(await page.locator('.wf-row:not([hidden]) .wf-svc').allTextContents(), ['token-service', 'token-service']);
    const child = page.locator(`.wf-row[data-span-id="${spanId(0x12)}"]`);
    assert.match((await child.getAttribute('class')) ?? '', /\boutlived\b/);
    assert.equal(await page.locator('.wf-row.outlived').count(), 1);
    assert.equal(await page.locator('.wf-tick').count() >= 3, true);
    assert.match(await page.locator('.title-meta').innerText(), /2 spans .* 1 outlived their caller/);

    await child.click();
    const afterClick = await posted(page);
    assert.deepEqual(afterClick.at(-1), { type: 'selectSpan', traceId: trace.traceId, spanId: spanId(0x12) });
    assert.equal(await page.locator('.details-title').innerText(), 'TokenRepository.findToken');
    assert.match(await page.locator('.details .note').innerText(), /Ended 400 ms after its caller/);
    assert.match(await page.locator('.details table.kv').first().innerText(), /token-service/);

    await page.locator('.details vscode-button', { hasText: 'Go to code' }).click();
    assert.deepEqual((await posted(page)).at(-1), { type: 'goToCode', traceId: trace.traceId, spanId: spanId(0x12) });
    await post(page, { type: 'goToCodeResult', spanId: spanId(0x12), ok: false, text: 'No match because no workspace file declares TokenRepository.' });
    await page.waitForSelector('.code-result.fail');
    assert.match(await page.locator('.code-result').innerText(), /No match because/);

    await page.locator('.details vscode-button', { hasText: 'Open in Grafana' }).click();
    assert.deepEqual((await posted(page)).at(-1), { type: 'openInGrafana', traceId: trace.traceId, spanId: spanId(0x12) });

    // State for the serializer is kept with setState.
    const state = await page.evaluate(() => (globalThis as unknown as Win).__state);
    assert.deepEqual(state, { traceId: trace.traceId, selectedSpanId: spanId(0x12), collapsed: [] });
    assert.deepEqual(await page.evaluate(() => (globalThis as unknown as Win).__cspViolations), [], 'the real CSP blocks nothing the view needs');

    await page.close();
  });

  test('README screenshot: a three-service trace, errors, a span that outlived its caller, an exception', async () => {
    const page = await openPage({ width: 1400, height: 640 });
    const trace = demoTrace();
    await showAndWait(page, trace);
    assert.equal(await page.locator('.wf-row.error').count(), 3);
    // token-service keeps working on GET /token after the gateway client timed out: it outlives its caller.
    assert.equal(await page.locator(`.wf-row.outlived[data-span-id="${spanId(3)}"]`).count(), 1);
    await page.locator(`.wf-row[data-span-id="${spanId(7)}"]`).click();
    assert.match(await page.locator('pre.stack').innerText(), /HsmBusyException: HSM busy[\s\S]*KeyVault\.java:112/);
    assert.match(await page.locator('.exception-message').innerText(), /^com\.acme\.crypto\.HsmBusyException: HSM busy/);
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, 'trace-view.png') });
    await page.close();
  });

  test('keyboard: up/down move the selection, left collapses / goes to parent, right expands, Enter focuses details', async () => {
    const page = await openPage();
    const trace = readTrace('trace_v2_error_child');
    await showAndWait(page, trace);
    await page.locator('.wf-scroll').focus();
    await page.keyboard.press('ArrowDown');
    assert.deepEqual((await posted(page)).at(-1), { type: 'selectSpan', traceId: trace.traceId, spanId: spanId(0x61) });
    await page.keyboard.press('ArrowDown');
    assert.deepEqual((await posted(page)).at(-1), { type: 'selectSpan', traceId: trace.traceId, spanId: spanId(0x62) });
    assert.match((await page.locator('.wf-row.selected').getAttribute('class')) ?? '', /\berror\b/);
    assert.match(await page.locator('.details').innerText(), /HSM busy/);
    await page.keyboard.press('ArrowLeft'); // leaf → parent
    assert.deepEqual((await posted(page)).at(-1), { type: 'selectSpan', traceId: trace.traceId, spanId: spanId(0x61) });
    await page.keyboard.press('ArrowLeft'); // collapse
    assert.equal(await page.locator('.wf-row:not([hidden])').count(), 1);
    assert.equal(await page.locator('.wf-row.selected').getAttribute('aria-expanded'), 'false');
    assert.deepEqual(((await page.evaluate(() => (globalThis as unknown as Win).__state)) as { collapsed: string[] }).collapsed, [spanId(0x61)]);
    await page.keyboard.press('ArrowRight'); // expand
    assert.equal(await page.locator('.wf-row:not([hidden])').count(), 2);
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => (globalThis as unknown as Win).document.activeElement?.classList.contains('details')), true);
    await page.close();
  });

  test('restored state re-applies collapsed spans and selection; selectSpanId option selects a span', async () => {
    const page = await openPage();
    const trace = readTrace('trace_v2_child_after_parent');
    await post(page, { type: 'showTrace', trace, options: { grafana: false, selectSpanId: null }, state: { traceId: trace.traceId, selectedSpanId: spanId(0x11), collapsed: [spanId(0x11)] } });
    await page.waitForFunction((id) => (globalThis as unknown as Win).document.body.dataset['traceId'] === id, trace.traceId);
    assert.equal(await page.locator('.wf-row:not([hidden])').count(), 1);
    assert.equal(await page.locator('.details-title').innerText(), 'GET /token');
    assert.equal(await page.locator('vscode-button:visible', { hasText: 'Open in Grafana' }).count(), 0, 'no Grafana button when not configured');

    const other = readTrace('trace_v2_error_child');
    await post(page, { type: 'showTrace', trace: other, options: { grafana: false, selectSpanId: spanId(0x62) }, state: null });
    await page.waitForFunction((id) => (globalThis as unknown as Win).document.body.dataset['traceId'] === id, other.traceId);
    assert.equal(await page.locator('.details-title').innerText(), 'KeyVault.sign');
    await page.close();
  });

  test('malformed host messages are ignored; status messages are shown as text', async () => {
    const page = await openPage();
    await page.evaluate(() => {
      (globalThis as unknown as Win).postMessage({ type: 'showTrace', trace: { traceId: 'x', spans: [{ spanId: 1 }] } }, '*');
      (globalThis as unknown as Win).postMessage({ type: 'nope' }, '*');
      (globalThis as unknown as Win).postMessage('<img src=x onerror="window.__pwned=1">', '*');
    });
    await post(page, { type: 'status', kind: 'error', text: '<b>Trace not found</b>' });
    await page.waitForSelector('.status.error');
    assert.equal(await page.locator('.status').innerText(), '<b>Trace not found</b>');
    assert.equal(await page.locator('.status b').count(), 0);
    assert.equal(await page.evaluate(() => (globalThis as unknown as Win).__pwned), undefined);
    await page.close();
  });

  for (const csp of [true, false]) {
    test(`hostile trace renders as text and executes nothing (${csp ? 'with' : 'WITHOUT'} the CSP)`, async () => {
      const page = await openPage({ csp });
      const dialogs: string[] = [];
      page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
      const before = await page.evaluate(() => ({ scripts: (globalThis as unknown as Win).document.scripts.length, all: (globalThis as unknown as Win).document.querySelectorAll('img,svg,iframe,object,embed,a').length }));
      const trace = hostileTrace();
      await showAndWait(page, trace);
      // Open every section, select each span, view the events and links.
      for (const id of [spanId(1), spanId(2), spanId(3)]) {
        await page.locator(`.wf-row[data-span-id="${id}"]`).click();
        await page.evaluate(() => (globalThis as unknown as Win).document.querySelectorAll('vscode-collapsible').forEach((c) => c.setAttribute('open', '')));
      }
      await page.locator(`.wf-row[data-span-id="${spanId(1)}"]`).click();
      await page.evaluate(() => (globalThis as unknown as Win).document.querySelectorAll('vscode-collapsible').forEach((c) => c.setAttribute('open', '')));
      await page.waitForTimeout(100);
      const after = await page.evaluate(() => ({
        pwned: (globalThis as unknown as Win).__pwned,
        scripts: (globalThis as unknown as Win).document.scripts.length,
        all: (globalThis as unknown as Win).document.querySelectorAll('img,svg,iframe,object,embed,a').length,
        text: (globalThis as unknown as Win).document.body.innerText,
      }));
      assert.equal(after.pwned, undefined);
      assert.equal(after.scripts, before.scripts);
      assert.equal(after.all, before.all);
      assert.deepEqual(dialogs, []);
      for (const p of PAYLOADS.slice(0, 3)) assert.ok(after.text.includes(p), `payload shown literally: ${p}`);
      assert.ok(after.text.includes('window.__pwned=1'));
      assert.equal(await page.locator('.wf-row.orphan').count(), 1);
      await page.close();
    });
  }

  test('10 000-span trace: virtualised DOM, scrolls to the last span, first paint reported', async () => {
    const page = await openPage({ height: 900 });
    const trace = bigTrace(10_000);
    const msg = show(trace);
    await page.evaluate((json) => { (globalThis as unknown as Win).__big = JSON.parse(json) as HostMessage; }, JSON.stringify(msg));
    const ms = await page.evaluate(async (id) => {
      const t0 = performance.now();
      (globalThis as unknown as Win).postMessage((globalThis as unknown as Win).__big, '*');
      await new Promise<void>((resolve) => {
        const tick = (): void => {
          if ((globalThis as unknown as Win).document.body.dataset['traceId'] === id) resolve();
          else (globalThis as unknown as Win).requestAnimationFrame(tick);
        };
        tick();
      });
      return performance.now() - t0;
    }, trace.traceId);
    console.log(`# first paint of a 10 000-span trace: ${ms.toFixed(0)} ms (target ≤ 1000 ms)`);
    const inDom = await page.locator('.wf-row').count();
    assert.ok(inDom > 10 && inDom < 200, `only the visible rows are in the DOM (${inDom})`);
    mkdirSync(SHOTS, { recursive: true });
    await page.locator('.wf-row:not([hidden])').nth(6).click();
    await page.screenshot({ path: path.join(SHOTS, 'trace-view-10k.png') });

    await page.locator('.wf-scroll').focus();
    await page.keyboard.press('End');
    const last = (await posted(page)).at(-1);
    assert.equal(last?.type, 'selectSpan');
    const lastId = last?.type === 'selectSpan' ? last.spanId : '';
    await page.waitForSelector(`.wf-row[data-span-id="${lastId}"]:not([hidden])`);
    assert.ok((await page.locator('.wf-row').count()) < 200);

    await page.locator('vscode-button', { hasText: 'Collapse all' }).click();
    // The view re-renders on the next animation frame: wait for it before counting (bounded).
    await page.waitForFunction(() => {
      const n = (globalThis as unknown as Win).document.querySelectorAll('.wf-row:not([hidden])').length;
      return n > 0 && n < 200;
    }, undefined, { timeout: 5000 }).catch(() => undefined);
    const visible = await page.locator('.wf-row:not([hidden])').count();
    assert.ok(visible >= 1 && visible <= 9, `root + its children after collapse all (${visible})`);
    await page.close();
  });
});
