// Go runtime names → interpretations: `import/path.(*T).Method`, value receivers, `.funcN` closures, `-fm`, `[...]` generics.
import type { CodeRef } from '../../../shared/model';
import { baseKey, type RefKey } from '../common';

const STDLIB = new Set(['net', 'runtime', 'fmt', 'os', 'io', 'sync', 'database', 'encoding', 'context', 'time', 'syscall', 'crypto',
  'bufio', 'bytes', 'strings', 'strconv', 'reflect', 'sort', 'errors', 'log', 'math', 'path', 'regexp', 'testing', 'unicode', 'html',
  'text', 'mime', 'compress', 'archive', 'hash', 'container', 'expvar', 'flag', 'plugin', 'embed', 'slices', 'maps', 'iter']);

export function looksGo(ref: CodeRef): boolean {
  const s = `${ref.namespace ?? ''}.${ref.function}`;
  return /\(\*?[\w[\].]+\)\./.test(s) || /\.func\d+(\.\d+)*$|-fm$|\.gowrap\d+$/.test(s) || /\/[\w.-]+\.[\w(]/.test(s) || /\.go$/.test(ref.filePath ?? '');
}

function splitRest(rest: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of rest) {
    if (ch === '(' || ch === '[') depth++;
    else if (ch === ')' || ch === ']') depth--;
    if (ch === '.' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

export function goKeys(ref: CodeRef): RefKey[] {
  const full = ref.namespace !== null ? `${ref.namespace}.${ref.function}` : ref.function;
  const slash = full.lastIndexOf('/');
  const dot = full.indexOf('.', slash + 1);
  if (dot <= 0) return [];
  const pkg = full.slice(0, dot);
  let rest = full.slice(dot + 1);
  const notes: string[] = [];
  let confidence = 0.95;
  if (rest.endsWith('-fm')) {
    rest = rest.slice(0, -3);
    notes.push('method value');
  }
  const segs = splitRest(rest).filter((s) => s !== '');
  let closure = false;
  while (segs.length > 1 && /^(func\d+|\d+|gowrap\d+)$/.test(segs[segs.length - 1]!)) {
    segs.pop();
    closure = true;
  }
  if (closure) {
    notes.push('closure inside the function');
    confidence = 0.85;
  }
  if (segs.length === 0 || segs.length > 2) return [];
  let types: string[] = [];
  let fn = segs[segs.length - 1]!;
  if (segs.length === 2) {
    const recv = segs[0]!.replace(/^\(\*?/, '').replace(/\)$/, '').replace(/\[.*\]$/, '');
    types = [recv];
  }
  fn = fn.replace(/\[.*\]$/, '');
  if (!/^[\p{L}_][\p{L}\p{N}_]*$/u.test(fn) || !/^[\p{L}_][\p{L}\p{N}_]*$/u.test(types[0] ?? 'x')) return [];
  const pkgSegs = pkg.split('/');
  const thirdParty = (!pkg.includes('.') && STDLIB.has(pkgSegs[0]!) && (pkgSegs.length > 1 || STDLIB.has(pkg))) ||
    /^(google\.golang\.org|golang\.org\/x|go\.opentelemetry\.io|gopkg\.in)\//.test(pkg) || pkg.startsWith('github.com/gin-gonic/') || pkg.startsWith('github.com/labstack/');
  return [baseKey('go', {
    namespace: pkg, types, function: fn, note: notes.length > 0 ? notes.join('; ') : null, confidence, thirdParty,
    fileHints: [{ dirs: pkg === 'main' ? [] : pkgSegs.slice(-1), stems: [], looseStem: false, exts: ['go'] }],
  })];
}
