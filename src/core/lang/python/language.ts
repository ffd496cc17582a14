// Python: dotted modules, qualnames with `<locals>`, bare logging funcNames; both directions side by side.
import type { LanguageSpec } from '../spec';
import { nameRef } from '../common';
import { noDefault, splitParams } from '../params';
import { pythonKeys } from './names';

const PYTHON_QUERY = `
(class_definition name: (identifier) @name) @type
(function_definition name: (identifier) @name parameters: (_) @params) @fn
(decorated_definition definition: (class_definition name: (identifier) @name) @type) @outer
(decorated_definition definition: (function_definition name: (identifier) @name parameters: (_) @params) @fn) @outer
(decorated_definition (decorator) @deco) @decoOwner
`;

const PY_DECL_LINE = /^([ \t]*)(?:@|(?:async[ \t]+)?(?:def|class)\b)/;

/**
 * How deep a Python declaration can sit, from indentation (no guessing): a statement nested in L
 * blocks is at most 1 + 3L deep (block + clause + decorated_definition per level), and L is at
 * most the number of distinct indentation widths below its own (every enclosing block header is
 * indented less, and continuation lines or strings only add widths).
 */
function pythonDepth(text: string): number {
  const widths = new Set<number>();
  const declWidths: number[] = [];
  let from = 0;
  while (from <= text.length) {
    let nl = text.indexOf('\n', from);
    if (nl < 0) nl = text.length;
    let w = 0;
    let i = from;
    for (; i < nl; i++) {
      const c = text.charCodeAt(i);
      if (c === 32) w++;
      else if (c === 9) w = (w + 8) & ~7;
      else break;
    }
    if (i < nl && text.charCodeAt(i) !== 13) {
      widths.add(w);
      const c = text[i];
      if (c === '@' || c === 'd' || c === 'c' || c === 'a') {
        PY_DECL_LINE.lastIndex = 0;
        if (PY_DECL_LINE.test(text.slice(from, Math.min(nl, i + 12)))) declWidths.push(w);
      }
    }
    from = nl + 1;
  }
  let level = 0;
  const sorted = [...widths].sort((a, b) => a - b);
  for (const w of declWidths) {
    let below = 0;
    while (below < sorted.length && sorted[below]! < w) below++;
    if (below > level) level = below;
  }
  // +2: error recovery can wrap a statement in an ERROR node or two.
  return 1 + 3 * level + 2;
}

/** `src/app/users/service.py` → [src, app, users, service]; `pkg/__init__.py` → [pkg]. */
export function pythonModulePath(path: string): string[] {
  const segs = path.replace(/\.pyi?$/, '').split('/');
  if (segs[segs.length - 1] === '__init__') segs.pop();
  return segs;
}

function endsWith(list: readonly string[], tail: readonly string[]): boolean {
  if (tail.length > list.length) return false;
  const off = list.length - tail.length;
  return tail.every((t, i) => list[off + i] === t);
}

export const python: LanguageSpec = {
  id: 'python',
  label: 'Python',
  runtimeNames: ['python', 'cpython', 'pypy'],
  sources: [{
    id: 'python', extensions: ['py', 'pyi'], grammar: { wasm: 'python' }, query: PYTHON_QUERY, maxDepth: 8, deepGate: null, depthOf: pythonDepth,
    params: (text) => splitParams(text).filter((p) => p !== '*' && p !== '/').map((p) => {
      const d = noDefault(p);
      const colon = d.indexOf(':');
      return colon >= 0 ? d.slice(colon + 1).trim() : d;
    }),
  }],
  forward: pythonKeys,
  reverse(sym, file) {
    if (sym.kind === 'type') return null;
    const mod = pythonModulePath(file.path).filter((s) => s !== 'src');
    const qual = sym.containers.flatMap((c) => (c.kind === 'function' ? [c.name, '<locals>'] : [c.name]));
    return nameRef([...mod, ...qual].join('.'), sym.name);
  },
  namespaceFits(want, file) {
    const mod = pythonModulePath(file.path);
    return endsWith(mod, want.split('.'))
      ? { ok: true, why: `module ${want}`, penalty: 0 }
      : { ok: false, why: `module ${mod.join('.')} ≠ ${want}`, penalty: 0 };
  },
  namesEnclosingFunctions: true,
};
