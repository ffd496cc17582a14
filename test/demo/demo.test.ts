// The demo end to end: `npm run demo` typed as the README says (so npm's environment is part of
// what is tested), in its own process group as in a terminal, its URL in headless chromium, CodeLenses on TokenService.java, README screenshots, Ctrl-C stops everything.
import { after, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

const ROOT = path.resolve(__dirname, '../../..');
const SHOTS = path.join(ROOT, 'media/screenshots');
/** First start may install the VS Code host (setup.sh, a few minutes on a cold cache). */
const START_TIMEOUT_MS = 600_000;
const LENS_TIMEOUT_MS = 120_000;

interface HostModule {
  readonly CHROMIUM_PATH: string;
  readonly CHROMIUM_ARGS: readonly string[];
}

// tsc turns import() into require() under CommonJS, which cannot load an ES module on Node 20.
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;
const loadHost = async (): Promise<HostModule> => (await importEsm(pathToFileURL(path.join(ROOT, 'test/vscode-host/host.mjs')).href)) as HostModule;

interface RunningDemo {
  readonly child: ChildProcess;
  readonly url: string;
  readonly vscodePort: number;
  readonly tempoUrl: string | null;
  output(): string;
  /** How npm ended: an exit code, or the signal it re-raised after passing Ctrl-C on. */
  readonly exited: Promise<number | NodeJS.Signals | null>;
}

/**
 * Starts the demo the way a user does — `npm run demo` from the checkout, in a process group of its
 * own as a terminal would — and waits for the URL it prints.
 */
async function startDemo(args: readonly string[], state: string): Promise<RunningDemo> {
  const child = spawn('npm', ['run', 'demo', '--', '--no-build', '--state', state, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const m = /^(http:\/\/127\.0\.0\.1:(\d+)\/\?folder=\S+)$/m.exec(out);
    if (m?.[1] !== undefined && m[2] !== undefined) {
      const tempo = /Tempo test server \(Tempo [\d.]+ API\): (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      return { child, url: m[1], vscodePort: Number(m[2]), tempoUrl: tempo?.[1] ?? null, output: () => out, exited };
    }
    if (child.exitCode !== null) throw new Error(`the demo exited (${child.exitCode}) before printing a URL:\n${out}`);
    if (Date.now() > deadline) {
      ctrlC(child);
      throw new Error(`no demo URL after ${START_TIMEOUT_MS} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Ctrl-C in a terminal: SIGINT to the whole foreground process group (npm and the demo under it). */
function ctrlC(child: ChildProcess, signal: NodeJS.Signals = 'SIGINT'): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch { /* already gone */ }
}

/**
 * Ctrl-C, as in a terminal; resolves with how npm ended. npm passes the SIGINT on to the demo and,
 * once the demo has exited, ends itself by the same signal (a shell shows `^C` and status 130).
 */
async function stopDemo(demo: RunningDemo): Promise<number | NodeJS.Signals | null> {
  if (demo.child.exitCode !== null) return demo.child.exitCode;
  ctrlC(demo.child);
  const timer = setTimeout(() => ctrlC(demo.child, 'SIGKILL'), 20_000);
  const code = await demo.exited;
  clearTimeout(timer);
  return code;
}

/** Ctrl-C stopped the demo itself (it said so) and npm ended without an error of its own. */
function assertStoppedCleanly(demo: RunningDemo, ended: number | NodeJS.Signals | null): void {
  const out = demo.output();
  assert.ok(ended === 0 || ended === 'SIGINT' || ended === 130, `npm run demo ended with ${String(ended)}:\n${out.slice(-2000)}`);
  assert.match(out, /demo: SIGINT, stopping/, out.slice(-2000));
  assert.doesNotMatch(out, /npm (ERR|error)|demo: the VS Code server stopped/, out.slice(-2000));
}

const accepts = (port: number): Promise<boolean> => new Promise((resolve) => {
  const s = connect({ host: '127.0.0.1', port });
  s.once('connect', () => { s.destroy(); resolve(true); });
  s.once('error', () => resolve(false));
});

async function openBrowser(): Promise<Browser> {
  const host = await loadHost();
  return chromium.launch({ executablePath: host.CHROMIUM_PATH, headless: true, timeout: 60_000, args: [...host.CHROMIUM_ARGS] });
}

/** Loads the workbench and waits until the extension reports itself in the status bar. */
async function openWorkbench(browser: Browser, url: string, statusText: RegExp): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  await page.goto(url, { timeout: 60_000 });
  await page.locator('.monaco-workbench').waitFor({ timeout: 120_000 });
  await page.locator('.statusbar-item', { hasText: statusText }).first().waitFor({ timeout: LENS_TIMEOUT_MS });
  return page;
}

/** Quick Open (Ctrl+P) → the file. */
async function openFile(page: Page, name: string, pathHint: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  // A workbench still starting can take the focus back and close Quick Open right after it
  // opened (the input stays in the DOM, hidden): ask again until it is visible.
  for (let attempt = 1; ; attempt++) {
    await page.locator('.monaco-workbench').click({ position: { x: 700, y: 400 } }).catch(() => {});
    await page.keyboard.press('Control+P');
    try {
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      break;
    } catch (e) {
      if (attempt === 3) throw e;
      await page.keyboard.press('Escape');
    }
  }
  await input.fill(name);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: pathHint }).first().waitFor({ timeout: 60_000 });
  await page.keyboard.press('Enter');
  await page.locator('.tab.active', { hasText: name }).waitFor({ timeout: 30_000 });
}

/** F1 → a command by its palette title. */
async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 30_000 });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 30_000 });
  await page.keyboard.press('Enter');
}

/** The trace view is open: maximise it and select the span that outlived its caller. */
async function openedTrace(page: Page): Promise<void> {
  await page.locator('iframe.webview.ready').first().waitFor({ state: 'attached', timeout: 30_000 });
  await page.keyboard.press('Control+K');
  await page.keyboard.press('Control+M'); // maximise the trace view's editor group
  // The token-service span that ran on after the gateway gave up: select it for the details pane.
  const view = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  await view.getByText(/POST \/token\/refresh/).first().click({ timeout: 15_000 }).catch(() => {});
  await page.waitForTimeout(1500);
}

/** Ctrl+J toggles the panel: press it only when the panel shows. */
async function closePanel(page: Page): Promise<void> {
  if (await page.locator('.part.panel').isVisible()) await page.keyboard.press('Control+J');
}

async function lensTexts(page: Page, pattern: RegExp): Promise<string[]> {
  // 'attached': Monaco keeps lenses of lines scrolled out of view in the DOM, hidden.
  await page.locator('.codelens-decoration', { hasText: pattern }).first().waitFor({ state: 'attached', timeout: LENS_TIMEOUT_MS });
  return page.locator('.codelens-decoration').allTextContents();
}

/** A screenshot for the README; surfaces that do not show up are skipped and said so. */
async function optionalShot(t: TestContext, what: string, file: string, page: Page, show: () => Promise<void>): Promise<void> {
  try {
    await show();
    await page.waitForTimeout(800); // let animations (hover fade-in, panel slide) settle
    await page.screenshot({ path: path.join(SHOTS, file) });
    t.diagnostic(`screenshot: media/screenshots/${file}`);
  } catch (e) {
    t.diagnostic(`${what}: skipped (${(e as Error).message.split('\n')[0]})`);
  }
}

describe('npm run demo', () => {
  const states: string[] = [];
  const running: RunningDemo[] = [];
  let browser: Browser | undefined;

  after(async () => {
    await browser?.close().catch(() => {});
    for (const d of running) await stopDemo(d);
    for (const s of states) rmSync(s, { recursive: true, force: true });
  });

  const fresh = (): string => {
    const s = mkdtempSync(path.join(tmpdir(), 'tempo-lens-demo-'));
    states.push(s);
    return s;
  };

  test('seeded Tempo: CodeLenses on TokenService.java in the browser, then Ctrl-C stops the VS Code and Tempo servers', { timeout: START_TIMEOUT_MS + 300_000 }, async (t) => {
    assert.ok(existsSync(path.join(ROOT, 'dist/extension.js')), 'dist/extension.js is missing: run "npm run build" first');
    const demo = await startDemo([], fresh());
    running.push(demo);
    assert.ok(demo.tempoUrl, `the demo names its Tempo server:\n${demo.output()}`);
    const buildinfo = await fetch(`${demo.tempoUrl}/api/status/buildinfo`);
    assert.equal(buildinfo.status, 200);

    browser = await openBrowser();
    const page = await openWorkbench(browser, demo.url, /Tempo 2\.7\.2/);
    await openFile(page, 'TokenService.java', 'token-service');
    const lenses = await lensTexts(page, /p95/);
    t.diagnostic(`lenses: ${lenses.map((l) => l.trim()).join(' | ')}`);
    // getToken, getJwks and refreshToken all have seeded spans in the last hour.
    assert.ok(lenses.filter((l) => /p95 .*·.*1h/.test(l)).length >= 3, `three methods with figures, got ${JSON.stringify(lenses)}`);
    mkdirSync(SHOTS, { recursive: true });
    // getToken, getJwks and refreshToken in one view.
    await page.locator('.monaco-editor .view-lines').first().hover();
    await page.mouse.wheel(0, 320);
    await page.waitForTimeout(500);
    await page.screenshot({ path: path.join(SHOTS, 'codelens.png') });
    t.diagnostic('screenshot: media/screenshots/codelens.png');

    await optionalShot(t, 'hover', 'hover.png', page, async () => {
      await page.locator('.view-line span span', { hasText: /^getJwks$/ }).first().hover();
      await page.locator('.monaco-hover .hover-contents', { hasText: /p95|p50/ }).first().waitFor({ state: 'visible', timeout: 20_000 });
    });
    await page.mouse.move(5, 400);
    await optionalShot(t, 'problems panel', 'problems.png', page, async () => {
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+Shift+M');
      // The anti-pattern findings come from a background analysis of the slowest traces, after the lenses.
      await page.locator('.markers-panel .monaco-list-row', { hasText: /cache-stampede/ }).first().waitFor({ timeout: 60_000 });
    });
    await closePanel(page); // the editor needs the room
    await optionalShot(t, 'quick fix', 'quickfix.png', page, async () => {
      await page.keyboard.press('Escape');
      await page.locator('.view-line span span', { hasText: /^getJwks$/ }).first().click();
      const fix = page.locator('.action-widget', { hasText: /Enable cache sync/ }).first();
      for (let attempt = 0; ; attempt++) {
        await page.keyboard.press('Control+.');
        try {
          await fix.waitFor({ state: 'visible', timeout: 5_000 });
          break;
        } catch (e) {
          if (attempt >= 5) throw e;
          await page.keyboard.press('Escape');
        }
      }
    });
    await page.keyboard.press('Escape');
    await optionalShot(t, 'hot spots view', 'hotspots.png', page, async () => {
      await runCommand(page, 'Tempo Lens: Show Hot Spots');
      await page.locator('.monaco-list-row', { hasText: /TokenService|getJwks|refreshToken/ }).first().waitFor({ timeout: 30_000 });
    });
    const gatewayErrors = '{ resource.service.name = "gateway" && status = error }';
    const resultRow = page.locator('.quick-input-list .monaco-list-row', { hasText: 'gateway: GET /api/session' }).first();
    await optionalShot(t, 'trace search', 'search.png', page, async () => {
      await runCommand(page, 'Tempo Lens: Search Traces');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ timeout: 10_000 });
      await input.fill(gatewayErrors);
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Run:' }).first().waitFor({ timeout: 10_000 });
      await page.keyboard.press('Enter');
      await resultRow.waitFor({ timeout: 30_000 });
    });
    await optionalShot(t, 'trace view', 'trace-panel.png', page, async () => {
      if (await resultRow.isVisible()) {
        // Open the first search result (the newest gateway timeout).
        await page.keyboard.press('Enter');
        await page.locator('.tab', { hasText: /Trace/ }).first().waitFor({ timeout: 30_000 });
        await page.keyboard.press('Escape');
      }
      // Room for the waterfall: close the panel (Problems) and the side bar.
      await closePanel(page);
      await page.keyboard.press('Control+B');
      if (await page.locator('.tab', { hasText: /Trace/ }).count() > 0) return openedTrace(page);
      // A caller-timeout trace of the seed: the gateway gave up at 5 s, the token service ran on.
      const res = await fetch(`${demo.tempoUrl}/api/search?q=${encodeURIComponent('{ resource.service.name = "gateway" && status = error }')}&limit=1&start=${Math.floor(Date.now() / 1000) - 3600}&end=${Math.floor(Date.now() / 1000)}`);
      const body = (await res.json()) as { traces?: { traceID: string }[] };
      const id = body.traces?.[0]?.traceID;
      if (id === undefined) throw new Error('no gateway error trace in the seed');
      await runCommand(page, 'Tempo Lens: Open Trace by ID');
      const box = page.locator('.quick-input-widget input');
      await box.waitFor({ timeout: 10_000 });
      await box.fill(id);
      await page.keyboard.press('Enter');
      await page.locator('.tab', { hasText: /Trace/ }).first().waitFor({ timeout: 30_000 });
      await openedTrace(page);
    });
    await page.close();

    assertStoppedCleanly(demo, await stopDemo(demo));
    assert.equal(await accepts(demo.vscodePort), false, 'the VS Code server is stopped');
    assert.equal(await accepts(Number(new URL(demo.tempoUrl).port)), false, 'the Tempo test server is stopped');
  });

  test('--source files: CodeLenses from the workspace OTLP JSON files, no Tempo server', { timeout: START_TIMEOUT_MS + 300_000 }, async (t) => {
    const state = fresh();
    const demo = await startDemo(['--source', 'files'], state);
    running.push(demo);
    assert.equal(demo.tempoUrl, null, 'no Tempo server in files mode');
    const settings = JSON.parse(readFileSync(path.join(state, 'workspace/.vscode/settings.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(settings['tempoLens.source'], 'files');
    assert.equal(settings['tempoLens.url'], undefined);
    assert.ok(existsSync(path.join(state, 'workspace/.tempo-lens/traces/token-service.json')));

    browser ??= await openBrowser();
    const page = await openWorkbench(browser, demo.url, /Tempo Lens: files/);
    await openFile(page, 'cartService.ts', 'checkout-web');
    const lenses = await lensTexts(page, /p95/);
    t.diagnostic(`lenses: ${lenses.map((l) => l.trim()).join(' | ')}`);
    assert.ok(lenses.some((l) => /p95/.test(l)), `CartService.checkout has figures, got ${JSON.stringify(lenses)}`);
    await page.close();

    assertStoppedCleanly(demo, await stopDemo(demo));
    assert.equal(await accepts(demo.vscodePort), false, 'the VS Code server is stopped');
  });
});
