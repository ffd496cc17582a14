// Kotlin declaration scanner (no bundled grammar): package, @file:JvmName, classes/objects/companions, `fun`s with ranges and parameters.
import { supertypesOf } from '../core/lang/supers';
import type { FileSymbols, Range0, SymbolContainer, SymbolInfo } from '../core/match';

/** Blanks comments and string/char literals (keeping newlines and offsets) so braces and keywords inside them are ignored. */
function blankLiterals(src: string): string {
  const out = src.split('');
  let i = 0;
  const n = src.length;
  const blank = (from: number, to: number): void => {
    for (let k = from; k < to && k < n; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  while (i < n) {
    const c = src[i];
    if (c === '/' && src[i + 1] === '/') {
      const e = src.indexOf('\n', i);
      const end = e < 0 ? n : e;
      blank(i, end);
      i = end;
    } else if (c === '/' && src[i + 1] === '*') {
      const e = src.indexOf('*/', i + 2);
      const end = e < 0 ? n : e + 2;
      blank(i, end);
      i = end;
    } else if (c === '"' && src.startsWith('"""', i)) {
      const e = src.indexOf('"""', i + 3);
      const end = e < 0 ? n : e + 3;
      blank(i + 1, end - 1);
      i = end;
    } else if (c === '"' || c === '\'') {
      let k = i + 1;
      while (k < n && src[k] !== c && src[k] !== '\n') k += src[k] === '\\' ? 2 : 1;
      blank(i + 1, k);
      i = k + 1;
    } else i++;
  }
  return out.join('');
}

function lineStarts(src: string): number[] {
  const starts = [0];
  for (let i = 0; i < src.length; i++) if (src.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function pos(starts: readonly number[], offset: number): { line: number; col: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo, col: offset - starts[lo]! };
}

/** Offsets of the top-level comma-separated parts of text[from, to) (literals already blanked). */
function splitTopLevel(text: string, from: number, to: number): [number, number][] {
  const parts: [number, number][] = [];
  let depth = 0;
  let start = from;
  for (let i = from; i < to; i++) {
    const ch = text[i];
    if (ch === '(' || ch === '<' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === '>' || ch === ']' || ch === '}') depth--;
    else if (ch === ',' && depth === 0) {
      parts.push([start, i]);
      start = i + 1;
    }
  }
  parts.push([start, to]);
  return parts;
}

interface Frame {
  readonly depth: number;
  readonly container: SymbolContainer;
  readonly symbolIndex: number | null;
}

interface Pending {
  readonly container: SymbolContainer;
  readonly symbolIndex: number | null;
}

const TOKEN = /\bpackage\s+([\w.]+)|\bcompanion\s+object(?:\s+(\w+))?|\b(?:class|interface|object)\s+(\w+)|\bfun\s+(?:<[^>{}()]*>\s*)?(?:[\w.<>?, ]+?\.)?(\w+|`[^`]+`)\s*\(|[{}()=;]/g;

export function scanKotlin(path: string, src: string): FileSymbols {
  const text = blankLiterals(src);
  const starts = lineStarts(src);
  const jvm = /@file\s*:\s*JvmName\(\s*"([^"]+)"\s*\)/.exec(src);
  const base = (path.split('/').pop() ?? path).replace(/\.kts?$/, '');
  const jvmName = jvm?.[1] ?? `${base.charAt(0).toUpperCase()}${base.slice(1)}Kt`;
  let pkg: string | null = null;
  const symbols: SymbolInfo[] = [];
  const ends = new Map<number, number>();
  const stack: Frame[] = [];
  let pending: Pending | null = null;
  let depth = 0;
  let paren = 0;

  const range = (from: number, to: number): Range0 => {
    const a = pos(starts, from);
    const b = pos(starts, to);
    return { startLine: a.line, startCol: a.col, endLine: b.line, endCol: b.col };
  };
  const annotationsBefore = (offset: number): { texts: string[]; start: number } => {
    // Annotations on the lines just above (and before the keyword on the same line).
    const texts: string[] = [];
    let start = offset;
    const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
    const sameLine = src.slice(lineStart, offset);
    for (const m of sameLine.matchAll(/@[\w.]+(?:\([^)]*\))?/g)) texts.push(m[0]);
    if (texts.length > 0) start = lineStart;
    let ls = lineStart;
    while (ls > 0) {
      const prevStart = text.lastIndexOf('\n', ls - 2) + 1;
      const line = src.slice(prevStart, ls - 1).trim();
      if (!line.startsWith('@') || line.startsWith('@file:')) break;
      texts.unshift(line);
      start = prevStart + (src.slice(prevStart, ls - 1).length - src.slice(prevStart, ls - 1).trimStart().length);
      ls = prevStart;
    }
    return { texts, start };
  };
  const modifiersBefore = (offset: number): number => {
    const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
    const prefix = text.slice(lineStart, offset);
    const m = /^\s*/.exec(prefix);
    return lineStart + (m ? m[0].length : 0);
  };

  const re = new RegExp(TOKEN.source, 'g');
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const tok = m[0];
    const at = m.index;
    if (m[1] !== undefined) {
      pkg = m[1];
    } else if (tok.startsWith('companion')) {
      const nameAt = m[2] !== undefined ? at + tok.lastIndexOf(m[2]) : at;
      symbols.push({
        name: m[2] ?? 'Companion', kind: 'type', containers: stack.map((f) => f.container), namespace: pkg,
        nameRange: range(nameAt, nameAt + (m[2] ?? 'companion object').length), fullRange: range(modifiersBefore(at), at + tok.length),
        params: [], annotations: [], language: 'kotlin', isStatic: false, arity: 0,
      });
      pending = { container: { kind: 'companion', name: m[2] ?? 'Companion' }, symbolIndex: symbols.length - 1 };
    } else if (m[3] !== undefined) {
      const name = m[3];
      const nameAt = at + tok.lastIndexOf(name);
      const ann = annotationsBefore(modifiersBefore(at));
      const supers = supertypesOf('kotlin', classHeader(text, nameAt + name.length), '');
      symbols.push({
        name, kind: 'type', containers: stack.map((f) => f.container), namespace: pkg,
        nameRange: range(nameAt, nameAt + name.length), fullRange: range(Math.min(ann.start, modifiersBefore(at)), nameAt + name.length),
        params: [], annotations: ann.texts, language: 'kotlin', isStatic: false, arity: 0,
        ...(supers.length > 0 ? { supers } : {}),
      });
      pending = { container: { kind: 'type', name }, symbolIndex: symbols.length - 1 };
      paren = 0;
    } else if (m[4] !== undefined) {
      const name = m[4].replace(/`/g, '');
      const nameAt = at + tok.lastIndexOf(m[4]);
      // Parameters: up to the matching parenthesis.
      const open = at + tok.length - 1;
      let k = open + 1;
      let d = 1;
      while (k < text.length && d > 0) {
        const ch = text[k];
        if (ch === '(') d++;
        else if (ch === ')') d--;
        k++;
      }
      // Resume after the parameter list so `=` defaults and lambdas inside it are not read as a body.
      re.lastIndex = k;
      const params = splitTopLevel(text, open + 1, k - 1).map(([from, to]) => src.slice(from, to).trim()).filter((p) => p).map((p) => {
        const noAnn = p.replace(/@[\w.]+(\([^)]*\))?\s*/g, '');
        const colon = noAnn.indexOf(':');
        const type = colon >= 0 ? noAnn.slice(colon + 1).split('=')[0]!.trim() : noAnn.trim();
        return noAnn.trimStart().startsWith('vararg') ? `vararg ${type}` : type;
      });
      const ann = annotationsBefore(modifiersBefore(at));
      const parent = stack.length > 0 ? stack[stack.length - 1]!.container : null;
      const inType = parent !== null && parent.kind !== 'function';
      const modLine = text.slice(modifiersBefore(at), at);
      symbols.push({
        name, kind: inType ? 'method' : 'function', containers: stack.map((f) => f.container), namespace: pkg,
        nameRange: range(nameAt, nameAt + m[4].length), fullRange: range(Math.min(ann.start, modifiersBefore(at)), k),
        params, annotations: ann.texts, language: 'kotlin', isStatic: parent?.kind === 'companion' || /\bstatic\b/.test(modLine), arity: 0,
      });
      pending = { container: { kind: 'function', name }, symbolIndex: symbols.length - 1 };
      ends.set(symbols.length - 1, k);
      paren = 0;
    } else if (tok === '(') {
      paren++;
    } else if (tok === ')') {
      paren = Math.max(0, paren - 1);
    } else if (tok === '{') {
      depth++;
      if (pending && paren === 0) {
        stack.push({ depth, container: pending.container, symbolIndex: pending.symbolIndex });
        pending = null;
      }
    } else if (tok === '}') {
      const top = stack[stack.length - 1];
      if (top && top.depth === depth) {
        stack.pop();
        if (top.symbolIndex !== null) ends.set(top.symbolIndex, at + 1);
      }
      depth = Math.max(0, depth - 1);
    } else if ((tok === '=' || tok === ';') && paren === 0 && pending?.container.kind === 'function') {
      // Expression body: the declaration ends at the end of its line.
      const idx = pending.symbolIndex;
      const eol = text.indexOf('\n', at);
      if (idx !== null) ends.set(idx, eol < 0 ? text.length : eol);
      pending = null;
    }
  }
  for (const [idx, end] of ends) {
    const s = symbols[idx];
    if (!s) continue;
    const e = pos(starts, end);
    symbols[idx] = { ...s, fullRange: { ...s.fullRange, endLine: e.line, endCol: e.col } };
  }
  return { language: 'kotlin', jvmName, symbols, origin: 'scanner' };
}

/** A class header after its name: up to the body's `{`, or the end of the line when the declaration has no body. */
function classHeader(text: string, from: number): string {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '<') depth++;
    else if (c === ')' || c === '>') depth--;
    else if (c === '{' && depth <= 0) return text.slice(from, i);
    else if (c === '\n' && depth <= 0 && !/^\s*[:,]/.test(text.slice(i + 1, i + 80)) && !/[:,]\s*$/.test(text.slice(from, i))) return text.slice(from, i);
  }
  return text.slice(from);
}
