// Quick-fix input/output types and the text utilities every recipe shares (positions, indentation, line endings, imports, applying edits).
import { formatDuration } from '../format';
import { suggestTimeoutMs } from '../insights/callerTimeout';

/** 0-based, end-exclusive column; a zero-width range is an insertion. */
export interface FixRange {
  readonly startLine: number;
  readonly startCol: number;
  readonly endLine: number;
  readonly endCol: number;
}

/** Files a fix may touch besides the method's own file ('self'); the host resolves them (the build file's module). */
export type FixFile = 'self' | 'application.properties' | 'application.yml' | 'application.yaml';

export interface FixEdit {
  readonly file: FixFile;
  readonly range: FixRange;
  readonly newText: string;
}

export type FixResult =
  | { readonly kind: 'edit'; readonly title: string; readonly edits: readonly FixEdit[] }
  | { readonly kind: 'refused'; readonly title: string; readonly reason: string; readonly docsUrl: string };

/** The method the diagnostic sits on: its name and 0-based lines, annotations/decorators included. */
export interface FixMethod {
  readonly name: string;
  readonly startLine: number;
  readonly endLine: number;
  /** Annotation / decorator texts as written (`@Cacheable("jwks")`); informative — the recipes re-read the file. */
  readonly annotations?: readonly string[];
}

export type BuildFileName =
  | 'pom.xml'
  | 'build.gradle'
  | 'build.gradle.kts'
  | 'application.properties'
  | 'application.yml'
  | 'application.yaml'
  | 'requirements.txt'
  | 'pyproject.toml'
  | 'go.mod'
  | 'package.json'
  /** The .NET project file of the source file's project, whatever its name. */
  | '*.csproj';

export interface FixEvidence {
  /** A timeout below the caller's limit, chosen by the detector (`suggestTimeoutMs`). */
  readonly suggestedTimeoutMs?: number;
  /** The caller's inferred limit, shown in the title. */
  readonly callerLimitMs?: number;
}

export interface FixInput {
  readonly text: string;
  /** VS Code language id: java, kotlin, typescript, typescriptreact, javascript, javascriptreact, python, go, csharp. */
  readonly languageId: string;
  readonly method: FixMethod;
  /** Texts of build/config files of the file's module, when cheap to read. */
  readonly buildFiles?: Readonly<Partial<Record<BuildFileName, string>>>;
  readonly evidence?: FixEvidence;
}

export function refused(title: string, reason: string, docsUrl: string): FixResult {
  return { kind: 'refused', title, reason, docsUrl };
}

// ---- text ------------------------------------------------------------------------------------

/** The file as lines without their terminators, plus the terminator to use for new lines. */
export interface Doc {
  readonly text: string;
  readonly lines: readonly string[];
  readonly eol: string;
  /** Offset of the first character of each line. */
  readonly lineStarts: readonly number[];
}

export function doc(text: string): Doc {
  const eol = /\r\n/.test(text) ? '\r\n' : '\n';
  const raw = text.split('\n');
  const lines = raw.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  const lineStarts: number[] = [];
  let off = 0;
  for (const l of raw) {
    lineStarts.push(off);
    off += l.length + 1;
  }
  return { text, lines, eol, lineStarts };
}

export function offsetOf(d: Doc, line: number, col: number): number {
  return (d.lineStarts[line] ?? d.text.length) + col;
}

export function positionOf(d: Doc, offset: number): { line: number; col: number } {
  let lo = 0;
  let hi = d.lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((d.lineStarts[mid] as number) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo, col: offset - (d.lineStarts[lo] as number) };
}

export function rangeOf(d: Doc, start: number, end: number): FixRange {
  const a = positionOf(d, start);
  const b = positionOf(d, end);
  return { startLine: a.line, startCol: a.col, endLine: b.line, endCol: b.col };
}

export function insertAt(d: Doc, offset: number, newText: string, file: FixFile = 'self'): FixEdit {
  return { file, range: rangeOf(d, offset, offset), newText };
}

export function replaceSpan(d: Doc, start: number, end: number, newText: string, file: FixFile = 'self'): FixEdit {
  return { file, range: rangeOf(d, start, end), newText };
}

/**
 * Offsets of the method's text, annotations included — also when the given range starts at the
 * signature: single-line annotations/decorators (`@…`, C# `[…]`) right above it are taken in.
 */
export function methodSpan(d: Doc, m: FixMethod): { start: number; end: number } {
  let startLine = Math.max(0, Math.min(m.startLine, d.lines.length - 1));
  while (startLine > 0 && /^\s*(@[\w.]+(\s*\(.*\))?|\[\w[\w.]*(\(.*\))?\])\s*$/.test(d.lines[startLine - 1] as string)) startLine--;
  const endLine = Math.max(startLine, Math.min(m.endLine, d.lines.length - 1));
  return { start: offsetOf(d, startLine, 0), end: offsetOf(d, endLine, (d.lines[endLine] as string).length) };
}

export function indentOf(line: string): string {
  return /^[\t ]*/.exec(line)?.[0] ?? '';
}

/** One indentation step as the file writes it: a tab, or the smallest non-zero space indent (2 or 4). */
export function indentUnit(d: Doc): string {
  let tabs = 0;
  let min = Infinity;
  for (const l of d.lines) {
    if (l.trim() === '') continue;
    if (l.startsWith('\t')) tabs++;
    const n = /^ */.exec(l)?.[0].length ?? 0;
    if (n > 0 && n < min) min = n;
  }
  if (tabs > 0 && (min === Infinity || tabs > 3)) return '\t';
  return ' '.repeat(min === Infinity ? 4 : Math.min(min, 8));
}

/**
 * Index of the parenthesis/bracket/brace closing the one at `open`, skipping string and char
 * literals and comments (C-family, Python and Go quoting are close enough for argument lists).
 */
export function matchClose(text: string, open: number): number {
  const pairs: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
  const stack: string[] = [];
  for (let i = open; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '"' || c === "'" || c === '`') {
      const q = c;
      // Triple-quoted strings (Python, Java text blocks).
      if (text.startsWith(q.repeat(3), i)) {
        const endTriple = text.indexOf(q.repeat(3), i + 3);
        if (endTriple < 0) return -1;
        i = endTriple + 2;
        continue;
      }
      for (i++; i < text.length && text[i] !== q; i++) if (text[i] === '\\') i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const endC = text.indexOf('*/', i + 2);
      i = endC < 0 ? text.length : endC + 1;
      continue;
    }
    if (pairs[c] !== undefined) stack.push(pairs[c] as string);
    else if (c === ')' || c === ']' || c === '}') {
      if (stack.pop() !== c) return -1;
      if (stack.length === 0) return i;
    }
  }
  return -1;
}

/** Splits an argument list (without its parentheses) at top-level commas; each part keeps its offsets. */
export function splitArgs(text: string, start: number, end: number): { text: string; start: number; end: number }[] {
  const parts: { text: string; start: number; end: number }[] = [];
  let from = start;
  let depth = 0;
  for (let i = start; i < end; i++) {
    const c = text[i] as string;
    if (c === '"' || c === "'" || c === '`') {
      for (i++; i < end && text[i] !== c; i++) if (text[i] === '\\') i++;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      parts.push({ text: text.slice(from, i), start: from, end: i });
      from = i + 1;
    }
  }
  if (text.slice(from, end).trim() !== '' || parts.length > 0) parts.push({ text: text.slice(from, end), start: from, end });
  return parts.filter((p) => p.text.trim() !== '');
}

/** Applies edits of one file (non-overlapping) to its text. */
export function applyEdits(text: string, edits: readonly FixEdit[]): string {
  const d = doc(text);
  const withOffsets = edits.map((e) => ({ e, start: offsetOf(d, e.range.startLine, e.range.startCol), end: offsetOf(d, e.range.endLine, e.range.endCol) }));
  withOffsets.sort((a, b) => b.start - a.start || b.end - a.end);
  let out = text;
  for (const { e, start, end } of withOffsets) out = out.slice(0, start) + e.newText + out.slice(end);
  return out;
}

// ---- imports ---------------------------------------------------------------------------------

/**
 * Java/Kotlin imports to add (skipping ones already present, directly or by a wildcard), placed in
 * sorted position within the import section, one edit per insertion point.
 */
export function javaImports(d: Doc, wanted: readonly string[]): FixEdit[] {
  const existing: { line: number; name: string }[] = [];
  let packageLine = -1;
  d.lines.forEach((l, i) => {
    const m = /^\s*import\s+(static\s+)?([\w.]+(\.\*)?)\s*;?\s*$/.exec(l);
    if (m !== null) existing.push({ line: i, name: m[2] as string });
    else if (/^\s*package\s+[\w.]+/.test(l)) packageLine = i;
  });
  const have = (name: string): boolean =>
    existing.some((e) => e.name === name || (e.name.endsWith('.*') && e.name.slice(0, -2) === name.slice(0, name.lastIndexOf('.'))));
  const semi = d.lines.some((l) => /^\s*import\s+[\w.]+;/.test(l)) || !d.lines.some((l) => /^\s*import\s/.test(l)) ? ';' : '';
  const missing = [...new Set(wanted)].filter((w) => !have(w)).sort();
  if (missing.length === 0) return [];
  // Insertion points: after an existing import line ('a<n>'), before the first import ('first'),
  // after the package line ('pkg') or at the top ('top').
  const byPoint = new Map<string, string[]>();
  for (const name of missing) {
    let after = -1;
    for (const e of existing) if (e.name < name) after = e.line;
    const point = after >= 0 ? `a${after}` : existing.length > 0 ? 'first' : packageLine >= 0 ? 'pkg' : 'top';
    const list = byPoint.get(point) ?? [];
    list.push(`import ${name}${semi}`);
    byPoint.set(point, list);
  }
  const edits: FixEdit[] = [];
  for (const [point, lines] of byPoint) {
    if (point === 'first') {
      const line = (existing[0] as { line: number }).line;
      edits.push(insertAt(d, offsetOf(d, line, 0), lines.map((l) => l + d.eol).join('')));
    } else if (point === 'pkg') {
      edits.push(insertAt(d, offsetOf(d, packageLine, (d.lines[packageLine] as string).length), d.eol + d.eol + lines.join(d.eol)));
    } else if (point === 'top') {
      edits.push(insertAt(d, 0, lines.map((l) => l + d.eol).join('') + d.eol));
    } else {
      const line = Number(point.slice(1));
      edits.push(insertAt(d, offsetOf(d, line, (d.lines[line] as string).length), lines.map((l) => d.eol + l).join('')));
    }
  }
  return edits;
}

/** `import x` lines for Python, added after the last top-level import (or at the top). */
export function pythonImport(d: Doc, module: string): FixEdit[] {
  if (d.lines.some((l) => new RegExp(`^import\\s+([\\w.]+\\s*,\\s*)*${module.replace('.', '\\.')}\\b`).test(l))) return [];
  let last = -1;
  d.lines.forEach((l, i) => {
    if (/^(import|from)\s+\S+/.test(l)) last = i;
  });
  if (last >= 0) return [insertAt(d, offsetOf(d, last, (d.lines[last] as string).length), `${d.eol}import ${module}`)];
  return [insertAt(d, 0, `import ${module}${d.eol}`)];
}

/** Go imports, added into the import block (std first group, others in a group of their own). */
export function goImports(d: Doc, wanted: readonly string[]): FixEdit[] {
  const text = d.text;
  const block = /^import\s*\(([\s\S]*?)^\)/m.exec(text);
  const single = /^import\s+("[^"]+")\s*$/m.exec(text);
  const present = new Set<string>();
  if (block !== null) for (const m of (block[1] as string).matchAll(/"([^"]+)"/g)) present.add(m[1] as string);
  if (single !== null) present.add((single[1] as string).slice(1, -1));
  const missing = [...new Set(wanted)].filter((w) => !present.has(w)).sort();
  if (missing.length === 0) return [];
  const std = missing.filter((m) => !m.includes('.'));
  const ext = missing.filter((m) => m.includes('.'));
  if (block === null) {
    const all = [...present, ...missing];
    const stdAll = all.filter((m) => !m.includes('.')).sort();
    const extAll = all.filter((m) => m.includes('.')).sort();
    const body = [...stdAll.map((m) => `\t"${m}"`), ...(extAll.length > 0 && stdAll.length > 0 ? [''] : []), ...extAll.map((m) => `\t"${m}"`)].join(d.eol);
    const newBlock = `import (${d.eol}${body}${d.eol})`;
    if (single !== null) return [replaceSpan(d, single.index, single.index + single[0].length, newBlock)];
    const pkg = /^package\s+\w+.*$/m.exec(text);
    const at = pkg === null ? 0 : pkg.index + pkg[0].length;
    return [insertAt(d, at, `${d.eol}${d.eol}${newBlock}`)];
  }
  const bodyStart = block.index + block[0].indexOf('(') + 1;
  const entries = [...(block[1] as string).matchAll(/^[\t ]*(\w+\s+)?"([^"]+)".*$/gm)].map((m) => ({ path: m[2] as string, start: bodyStart + m.index, end: bodyStart + m.index + m[0].length }));
  const edits: FixEdit[] = [];
  const stdEntries = entries.filter((e) => !e.path.includes('.'));
  for (const m of std) {
    const before = stdEntries.filter((e) => e.path < m).pop();
    if (before !== undefined) edits.push(insertAt(d, before.end, `${d.eol}\t"${m}"`));
    else if (stdEntries[0] !== undefined) edits.push(insertAt(d, stdEntries[0].start, `\t"${m}"${d.eol}`));
    else edits.push(insertAt(d, bodyStart, `${d.eol}\t"${m}"`));
  }
  const extEntries = entries.filter((e) => e.path.includes('.'));
  if (ext.length > 0) {
    const lastExt = extEntries[extEntries.length - 1];
    const last = entries[entries.length - 1];
    if (lastExt !== undefined) edits.push(insertAt(d, lastExt.end, ext.map((m) => `${d.eol}\t"${m}"`).join('')));
    else if (last !== undefined) edits.push(insertAt(d, last.end, `${d.eol}${ext.map((m) => `${d.eol}\t"${m}"`).join('')}`));
    else edits.push(insertAt(d, bodyStart, ext.map((m) => `${d.eol}\t"${m}"`).join('')));
  }
  return mergeSameOffset(d, edits);
}

function mergeSameOffset(d: Doc, edits: FixEdit[]): FixEdit[] {
  const by = new Map<number, FixEdit>();
  for (const e of edits) {
    const off = offsetOf(d, e.range.startLine, e.range.startCol);
    const prev = by.get(off);
    by.set(off, prev === undefined ? e : { ...prev, newText: prev.newText + e.newText });
  }
  return [...by.values()];
}

// ---- values ------------------------------------------------------------------------------------

/**
 * Caller limits a quick fix trusts. Limits come from trace data (span durations), so a hostile or
 * broken trace can claim 1e30 ms or a nanosecond; outside these bounds no timeout is written.
 */
export const CALLER_LIMIT_BOUNDS = { minMs: 1, maxMs: 86_400_000 } as const;

export type TimeoutChoice = { readonly ms: number; readonly label: string } | { readonly refused: string };

/**
 * The timeout to write and the title suffix: `(4 s, below the caller's 5 s)`. Always a whole number
 * of milliseconds between 1 ms and 1 day and strictly below the caller's limit, so every language's
 * literal (`4s`, `Duration.ofMillis(1500)`, `1.5`, `1500*time.Millisecond`) is valid and short; a
 * limit outside `CALLER_LIMIT_BOUNDS`, or too small to leave room below it, refuses with the reason.
 */
export function timeoutFromEvidence(e: FixEvidence | undefined, fallbackMs = 3000): TimeoutChoice {
  const limit = e?.callerLimitMs;
  const { minMs, maxMs } = CALLER_LIMIT_BOUNDS;
  if (limit !== undefined && !(Number.isFinite(limit) && limit >= minMs && limit <= maxMs)) {
    return { refused: `The caller's measured limit (${Number.isFinite(limit) ? formatDuration(limit) : String(limit)}) is outside ${formatDuration(minMs)} – ${formatDuration(maxMs)}; the trace data is not trusted for a timeout value.` };
  }
  const suggested = e?.suggestedTimeoutMs;
  let ms = suggested !== undefined && Number.isFinite(suggested) ? Math.floor(suggested) : limit !== undefined ? suggestTimeoutMs(limit) : fallbackMs;
  if (limit !== undefined && ms >= limit) ms = Math.floor(limit * 0.8);
  ms = Math.min(ms, maxMs);
  if (ms < minMs) {
    return { refused: limit !== undefined ? `The caller's limit (${formatDuration(limit)}) leaves no room for a shorter timeout.` : `The suggested timeout (${String(suggested)} ms) is below ${formatDuration(minMs)}.` };
  }
  const label = limit !== undefined ? `${formatDuration(ms)}, below the caller's ${formatDuration(limit)}` : `${formatDuration(ms)}; no caller limit was measured`;
  return { ms, label };
}

/** Java `Duration` expression: `Duration.ofSeconds(4)` for whole seconds, else `Duration.ofMillis(1500)`. */
export function javaDuration(ms: number): string {
  return ms % 1000 === 0 ? `Duration.ofSeconds(${ms / 1000})` : `Duration.ofMillis(${ms})`;
}

/** Spring Boot duration literal for properties: `4s`, `1500ms`. */
export function bootDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** Seconds as a short decimal literal: 4 → `4`, 1500 ms → `1.5`. */
export function seconds(ms: number): string {
  const s = ms / 1000;
  return Number.isInteger(s) ? String(s) : String(Math.round(s * 1000) / 1000);
}
