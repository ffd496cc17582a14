// Pathological inputs sized like the issue-14 table, each run once with its time and a per-input
// bound printed. The bounds are generous (a loaded 2-core CI box, other jobs running): they only
// catch the super-linear cases, which took 7–85 s or did not end before the fixes.
import { codeRefFromAttributes, splitQualifiedName } from '../../src/core/codeRef';
import { parseTraceBody } from '../../src/core/otlp';
import { compileSpanFilter } from '../../src/core/spanFilter';
import { sanitizeForTerminal } from '../../src/core/terminal';
import { checkFilter, spanSet, CODE_PRESENT } from '../../src/core/traceql';
import { isTrace } from '../../src/shared/protocol';
import { SymbolExtractor } from '../../src/symbols/extractor';
import { parseJsonc } from '../../src/symbols/workspaceMatcher';
import { compileWorkspaceGlob } from '../../src/files/workspaceFiles';
import { spanWith } from '../unit/hostileInputs';

interface Case {
  readonly row: string;
  readonly what: string;
  readonly boundMs: number;
  readonly run: () => unknown;
}

function nested(depth: number): unknown {
  let v: unknown = { stringValue: 'x' };
  for (let i = 0; i < depth; i++) v = { arrayValue: { values: [v] } };
  return { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: '1'.padStart(32, '0'), spanId: '1'.padStart(16, '0'), startTimeUnixNano: '1', endTimeUnixNano: '2', attributes: [{ key: 'deep', value: v }] }] }] }] };
}

export async function run(): Promise<void> {
  const extractor = new SymbolExtractor();
  await extractor.prepareAll(['go', 'java']);
  const accepted = compileWorkspaceGlob('*a*b');
  const globstars = compileWorkspaceGlob('**/*a*b/**/*a*b');
  if (!accepted.ok || !globstars.ok) throw new Error('bench globs refused');
  const longPath = `${`${'a'.repeat(200)}/`.repeat(5)}${'a'.repeat(20)}`;
  const cases: Case[] = [
    { row: '2', what: 'filter span.x =~ "(a+)+b" on 29 a’s', boundMs: 500, run: () => compileSpanFilter('span.x =~ "(a+)+b"')(spanWith({ x: 'a'.repeat(29) })) },
    { row: '2', what: 'filter span.x =~ "(a+)+b" on 1 MB of a', boundMs: 2000, run: () => compileSpanFilter('span.x =~ "(a+)+b"')(spanWith({ x: 'a'.repeat(1_000_000) })) },
    { row: '3', what: 'glob *a*a*a*a*a*a*a*a*b (refused)', boundMs: 5, run: () => compileWorkspaceGlob('*a*a*a*a*a*a*a*a*b').ok },
    { row: '3', what: 'accepted glob *a*b on a 255-character name', boundMs: 20, run: () => accepted.glob.match('a'.repeat(255)) },
    { row: '3', what: 'accepted glob **/*a*b/**/*a*b on a 1,020-character path', boundMs: 50, run: () => globstars.glob.match(longPath) },
    { row: '4', what: 'sanitise 1 MB of ESC/OSC/bidi', boundMs: 3000, run: () => sanitizeForTerminal('\u001b]0;x\u0007\u202e'.repeat(170_000)).length },
    { row: '6', what: '10,000 spans, every other one past int64', boundMs: 1000, run: () => parseTraceBody({ resourceSpans: [{ scopeSpans: [{ spans: Array.from({ length: 10_000 }, (_, i) => ({ spanId: String(i), startTimeUnixNano: i % 2 ? '99999999999999999999999' : '1', endTimeUnixNano: '2' })) }] }] }).spans.length },
    { row: '8', what: 'attribute nested 10,000 deep, parsed and guarded', boundMs: 200, run: () => isTrace(parseTraceBody(nested(10_000))) },
    { row: '9', what: '100 KB code.function.name of "("', boundMs: 200, run: () => codeRefFromAttributes({ 'code.function.name': '('.repeat(100_000) }) },
    { row: '9', what: 'splitQualifiedName of 1 MB "a.(" pairs', boundMs: 500, run: () => splitQualifiedName('a.('.repeat(333_333)) },
    { row: '9', what: '400 KB Go file of "func(" (symbol extraction)', boundMs: 500, run: () => extractor.extractSync('pkg/a.go', `package pkg\n${'func('.repeat(80_000)}`) },
    { row: '9', what: '400 KB Java file of "new a() " (deep-class gate + parse)', boundMs: 15000, run: () => extractor.extractSync('A.java', `class A {\n${'new a() '.repeat(50_000)}`) },
    { row: '9', what: '420 KB tsconfig of "/*" (JSONC)', boundMs: 500, run: () => { try { return parseJsonc('/*'.repeat(210_000)); } catch { return null; } } },
    { row: '12', what: 'check + compose a 100 KB filter of nested parentheses', boundMs: 500, run: () => { const c = checkFilter(`${'('.repeat(50_000)}${')'.repeat(50_000)}`); return c.ok ? spanSet(CODE_PRESENT, c.conditions).length : 0; } },
    { row: '12', what: 'check a 1 MB filter of backtick literals', boundMs: 500, run: () => checkFilter('span.x = `(` || '.repeat(66_000) + 'span.y = 1').ok },
  ];
  let over = 0;
  for (const c of cases) {
    const t0 = performance.now();
    c.run();
    const ms = performance.now() - t0;
    const ok = ms <= c.boundMs;
    if (!ok) over++;
    console.log(`  row ${c.row.padEnd(2)} ${c.what.padEnd(58)} ${ms.toFixed(1).padStart(8)} ms  (bound ${c.boundMs} ms)${ok ? '' : '  OVER BOUND'}`);
  }
  if (over > 0) throw new Error(`${over} pathological input(s) over their bound`);
}
