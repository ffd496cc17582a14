// Mocha loader the extension host calls (extensionTestsPath): finds the suites, prints one
// pre-formatted line per test and a final `N passed, N failed`. Used unchanged by
// test/vscode-host/run.mjs (VS Code server + chromium) and runDesktop.mjs (@vscode/test-electron).
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

/** Suite files: top level only for '.', else everything under that subfolder. */
function suiteFiles(dir: string, suites: string): string[] {
  const out: string[] = [];
  const walk = (d: string, deep: boolean) => {
    for (const name of fs.readdirSync(d).sort()) {
      const p = path.join(d, name);
      if (fs.statSync(p).isDirectory()) { if (deep) walk(p, true); } else if (name.endsWith('.test.js')) out.push(p);
    }
  };
  if (suites === '.') walk(dir, false);
  else walk(path.join(dir, suites), true);
  return out;
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const e = err as Error & { actual?: unknown; expected?: unknown; showDiff?: boolean };
    const diff = e.showDiff !== false && ('actual' in e || 'expected' in e)
      ? `\n      expected: ${JSON.stringify(e.expected)}\n      actual:   ${JSON.stringify(e.actual)}` : '';
    return `${e.stack ?? e.message}${diff}`;
  }
  return String(err);
}

/**
 * The host forwards console arguments unformatted and one call per line reads best in the
 * runner's log, so the reporter builds each line as a single string.
 */
class LineReporter {
  constructor(runner: Mocha.Runner) {
    const { EVENT_SUITE_BEGIN, EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING, EVENT_RUN_END } = Mocha.Runner.constants;
    const failures: { title: string; err: unknown }[] = [];
    let passed = 0;
    let pending = 0;
    const indent = (t: Mocha.Runnable | Mocha.Suite) => '  '.repeat(Math.max(0, depth(t)));
    runner.on(EVENT_SUITE_BEGIN, (suite: Mocha.Suite) => { if (suite.title) console.log(`${indent(suite)}${suite.title}`); });
    runner.on(EVENT_TEST_PASS, (test: Mocha.Test) => {
      passed++;
      console.log(`${indent(test)}✔ ${test.title} (${test.duration ?? 0} ms)`);
    });
    runner.on(EVENT_TEST_PENDING, (test: Mocha.Test) => { pending++; console.log(`${indent(test)}- ${test.title} (pending)`); });
    runner.on(EVENT_TEST_FAIL, (test: Mocha.Test, err: unknown) => {
      failures.push({ title: test.fullTitle(), err });
      console.log(`${indent(test)}✘ ${failures.length}) ${test.title}`);
    });
    runner.once(EVENT_RUN_END, () => {
      failures.forEach((f, i) => console.error(`\n${i + 1}) ${f.title}\n   ${errorText(f.err).split('\n').join('\n   ')}`));
      if (pending) console.log(`${pending} pending`);
      // The runner sums these lines across windows; keep the exact shape.
      console.log(`${passed} passed, ${failures.length} failed`);
    });
  }
}

function depth(t: Mocha.Runnable | Mocha.Suite): number {
  let d = 0;
  for (let p = t.parent; p && !p.root; p = p.parent) d++;
  return d;
}

export function run(): Promise<void> {
  const suites = process.env['TEMPO_LENS_SUITES'] || '.';
  const grep = process.env['TEMPO_LENS_GREP'];
  const mocha = new Mocha({
    ui: 'tdd',
    color: false,
    timeout: 30_000,
    reporter: LineReporter as unknown as typeof Mocha.reporters.Base,
    ...(grep ? { grep } : {}),
  });
  const files = suiteFiles(__dirname, suites);
  for (const f of files) mocha.addFile(f);
  return new Promise((resolve, reject) => {
    if (files.length === 0) { reject(new Error(`no *.test.js suites for "${suites}" under ${__dirname}`)); return; }
    try {
      mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} test(s) failed`)) : resolve()));
    } catch (e) {
      reject(e instanceof Error ? e : new Error(String(e)));
    }
  });
}
