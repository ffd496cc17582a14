// `code.stacktrace` (JVM, .NET, Python, Node, Go, Ruby, PHP formats) → frames as code references, innermost first.
import type { CodeRef } from '../shared/model';
import { splitQualifiedName } from './qualifiedName';

export type FrameFormat = 'jvm' | 'dotnet' | 'python' | 'node' | 'go' | 'ruby' | 'php';

/** One stack frame as a code reference; `function` may be a placeholder (`<anonymous>`) when only file + line are known. */
export interface StackFrame extends CodeRef {
  readonly format: FrameFormat;
}

/** Paths that point into dependencies rather than the user's code (code-attributes §3.1 rule 4). */
export const THIRD_PARTY_PATH = /(^|\/)(vendor|node_modules|site-packages|dist-packages|\.m2|pkg\/mod|gems|GOROOT)\/|^\/usr\/(lib|local\/lib)\/(python|go|ruby)|^\/usr\/local\/go\/src\/|^node:|<frozen |^\[internal/;

/** Placeholder function name of a frame that names no function the source declares (anonymous callback, module top level). */
export const ANONYMOUS = '<anonymous>';

const MAX_FRAMES = 200;

const JVM = /^\s*at\s+(?:[\w.$-]+(?:@[\w.-]+)?\/+)*([\w.$<>/-]+)\.([\w$<>-]+)\(([^)]*)\)/;
const DOTNET = /^\s*at\s+(.+?)\((.*?)\)(?:\s+in\s+(.+?):line\s+(\d+))?\s*$/;
const PYTHON = /^\s*File\s+"([^"]+)",\s+line\s+(\d+)(?:,\s+in\s+(.+?))?\s*$/;
const NODE_NAMED = /^\s*at\s+(?:async\s+)?(?:new\s+)?(.+?)(?:\s+\[as\s+[^\]]+\])?\s+\((.+?):(\d+)(?::\d+)?\)\s*$/;
const NODE_BARE = /^\s*at\s+(?:async\s+)?(.+?):(\d+)(?::\d+)?\s*$/;
const GO_LOC = /^\t(\S+\.go):(\d+)(?:\s+\+0x[0-9a-f]+)?\s*$/;
const GO_FN = /^([\w./~-]+(?:\.\(\*?[\w[\].]+\))?(?:\.[\w[\].-]+)+)\((?:.*)\)\s*$/;
const RUBY = /^\s*(?:from\s+)?(.+?):(\d+):in\s+[`'](.+)'\s*$/;
const PHP = /^#(\d+)\s+(?:\[internal function\]|\{main\}|(.+?)\((\d+)\))(?::\s+(.+?)\(.*\))?\s*$/;

function detect(lines: readonly string[]): FrameFormat | null {
  for (const l of lines) {
    if (PHP.test(l)) return 'php';
    if (PYTHON.test(l)) return 'python';
    if (/^\s*at\s+.+\)\s+in\s+.+:line\s+\d+\s*$/.test(l) || /^\s*at\s+[\w.`+<>]+\.[\w<>|]+\([\w.`[\]<>, &]*\)\s*$/.test(l) && /\(\w/.test(l) && !/\.(java|kt|scala|groovy):/.test(l)) return 'dotnet';
    if (JVM.test(l) && /\((?:[\w$-]+\.(?:java|kt|kts|scala|groovy|clj)(?::\d+)?|Native Method|Unknown Source|<generated>|SourceFile(?::\d+)?)\)/.test(l)) return 'jvm';
    if (GO_LOC.test(l) || /^goroutine \d+ \[/.test(l)) return 'go';
    if (NODE_NAMED.test(l) || NODE_BARE.test(l)) return 'node';
    if (RUBY.test(l)) return 'ruby';
  }
  return null;
}

function frame(format: FrameFormat, fq: string | null, filePath: string | null, line: number | null): StackFrame {
  if (fq === null || fq === '') return { format, namespace: null, function: ANONYMOUS, filePath, line };
  const { namespace, function: fn } = splitQualifiedName(fq);
  return { format, namespace, function: fn, filePath, line };
}

function num(s: string | undefined): number | null {
  const n = s !== undefined ? Number(s) : NaN;
  return Number.isInteger(n) && n > 0 ? n : null;
}

/** `block (2 levels) in index` → `index`; `Exportable#export` stays qualified; `<main>` → anonymous. */
function rubyLabel(label: string): string | null {
  const l = label.replace(/^(?:block(?: \(\d+ levels\))?|rescue|ensure) in /, '');
  return l.startsWith('<') ? null : l;
}

function parseLines(format: FrameFormat, lines: readonly string[]): StackFrame[] {
  const out: StackFrame[] = [];
  switch (format) {
    case 'jvm':
      for (const l of lines) {
        const m = JVM.exec(l);
        if (!m) continue;
        const loc = /^(.+?):(\d+)$/.exec(m[3]!);
        const file = loc ? loc[1]! : /\.\w+$/.test(m[3]!) ? m[3]! : null;
        out.push(frame('jvm', `${m[1]!}.${m[2]!}`, file, loc ? num(loc[2]) : null));
      }
      return out;
    case 'dotnet':
      for (const l of lines) {
        const m = DOTNET.exec(l);
        if (!m) continue;
        out.push(frame('dotnet', m[1]!.trim(), m[3] ?? null, num(m[4])));
      }
      return out;
    case 'python':
      // Tracebacks and format_stack() list the innermost call last.
      for (const l of lines) {
        const m = PYTHON.exec(l);
        if (!m) continue;
        const fn = m[3]?.trim() ?? null;
        out.push(frame('python', fn === null || fn.startsWith('<') && fn !== '<lambda>' ? null : fn, m[1]!, num(m[2])));
      }
      return out.reverse();
    case 'node':
      for (const l of lines) {
        const named = NODE_NAMED.exec(l);
        if (named) {
          const name = named[1]!.replace(/^Object\.<anonymous>$/, '').replace(/^<anonymous>$/, '');
          out.push(frame('node', name === '' ? null : name, named[2]!.replace(/^file:\/\//, ''), num(named[3])));
          continue;
        }
        const bare = NODE_BARE.exec(l);
        if (bare) out.push(frame('node', null, bare[1]!.replace(/^file:\/\//, ''), num(bare[2])));
      }
      return out;
    case 'go':
      for (let i = 0; i < lines.length; i++) {
        const fn = GO_FN.exec(lines[i]!.trim());
        const loc = i + 1 < lines.length ? GO_LOC.exec(lines[i + 1]!) : null;
        if (fn && loc) {
          out.push(frame('go', fn[1]!, loc[1]!, num(loc[2])));
          i++;
        }
      }
      return out;
    case 'ruby':
      for (const l of lines) {
        const m = RUBY.exec(l);
        if (m) out.push(frame('ruby', rubyLabel(m[3]!), m[1]!, num(m[2])));
      }
      return out;
    case 'php': {
      // `#k file(line): f()` says that code at file:line called f: the code there belongs to the function called by frame k+1.
      const rows: { file: string | null; line: number | null; called: string | null }[] = [];
      for (const l of lines) {
        const m = PHP.exec(l.trim());
        if (m) rows.push({ file: m[2] ?? null, line: num(m[3]), called: m[4]?.replace('->', '::') ?? null });
      }
      for (let k = 0; k < rows.length; k++) {
        const r = rows[k]!;
        if (r.file === null) continue;
        const caller = rows[k + 1]?.called ?? null;
        out.push(frame('php', caller !== null && !caller.includes('{closure') ? caller : null, r.file, r.line));
      }
      return out;
    }
  }
}

/** Parses a stack trace in any of the supported runtime formats; [] when the text is none of them. Innermost frame first. */
export function parseStackTrace(text: string): StackFrame[] {
  const lines = text.split(/\r?\n/).slice(0, MAX_FRAMES * 3);
  const format = detect(lines);
  if (format === null) return [];
  const frames = parseLines(format, lines);
  // PHP traces start with the location of the throw/capture in the message line (`... in /path/x.php:12`).
  if (format === 'php') {
    const head = /\bin\s+(\S+\.php):(\d+)\s*$/.exec(lines[0] ?? '');
    const first = /^#0\s+.+?:\s+(.+?)\(/.exec(lines.find((l) => l.trim().startsWith('#0')) ?? '');
    if (head) frames.unshift(frame('php', first && !first[1]!.includes('{closure') ? first[1]!.replace('->', '::') : null, head[1]!, num(head[2])));
  }
  return frames.slice(0, MAX_FRAMES);
}

/** True when a frame obviously points into a dependency (by path); namespaces are judged by the language rules. */
export function isDependencyFrame(f: StackFrame): boolean {
  return f.filePath !== null && THIRD_PARTY_PATH.test(f.filePath.replace(/\\/g, '/'));
}
