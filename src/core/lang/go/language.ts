// Go: `import/path.(*T).Method`, closures `.funcN`, method values; both directions side by side.
import type { LanguageSpec } from '../spec';
import { nameRef, declaredTypes } from '../common';
import { splitParams } from '../params';
import { goKeys, looksGo } from './names';

const GO_QUERY = `
(package_clause (package_identifier) @pkg)
(function_declaration name: (identifier) @name parameters: (_) @params) @fn
(method_declaration receiver: (_) @recv name: (field_identifier) @name parameters: (_) @params) @method
(type_spec name: (type_identifier) @name) @type
`;

function dirSegments(path: string): string[] {
  const segs = path.split('/');
  segs.pop();
  return segs;
}

function endsWith(list: readonly string[], tail: readonly string[]): boolean {
  if (tail.length > list.length) return false;
  const off = list.length - tail.length;
  return tail.every((t, i) => list[off + i] === t);
}

/** Grouped names share the type that follows (`a, b string`); a list of bare types is a list of types. */
function goParams(text: string): string[] {
  const parts = splitParams(text);
  const out: string[] = [];
  let pendingNames = 0;
  for (const p of parts) {
    const sp = p.indexOf(' ');
    if (sp < 0 && !p.startsWith('...')) {
      pendingNames++;
      continue;
    }
    const type = sp < 0 ? p : p.slice(sp + 1).trim();
    for (let k = 0; k <= pendingNames; k++) out.push(type);
    pendingNames = 0;
  }
  if (pendingNames > 0) return out.length === 0 ? parts : [...out, ...parts.slice(parts.length - pendingNames)];
  return out;
}

export const go: LanguageSpec = {
  id: 'go',
  label: 'Go',
  runtimeNames: ['go', 'golang'],
  sources: [{ id: 'go', extensions: ['go'], grammar: { wasm: 'go' }, query: GO_QUERY, maxDepth: 3, deepGate: null, params: goParams }],
  claims: looksGo,
  claimOrder: 50,
  bareTypeNamespace: false,
  forward: goKeys,
  reverse(sym, file) {
    if (sym.kind === 'type') return null;
    const types = declaredTypes(sym);
    const pkg = file.goImportPath ?? sym.namespace ?? '';
    return nameRef(types.length > 0 ? `${pkg}.${types[0]}` : pkg, sym.name);
  },
  namespaceFits(want, file, sym) {
    if (want.includes('/')) {
      if (file.goImportPath !== null) {
        return file.goImportPath === want
          ? { ok: true, why: `import path ${want}`, penalty: 0 }
          : { ok: false, why: `import path ${file.goImportPath} ≠ ${want}`, penalty: 0 };
      }
      const dirs = dirSegments(file.path);
      const wantSegs = want.split('/');
      const n = Math.min(dirs.length, wantSegs.length);
      const ok = n > 0 && endsWith(wantSegs, dirs.slice(dirs.length - n)) || endsWith(dirs, wantSegs.slice(-Math.min(2, wantSegs.length)));
      return ok ? { ok: true, why: `folder ${dirs.join('/')} ends the import path ${want}`, penalty: 0.03 } : { ok: false, why: `folder ${dirs.join('/') || '.'} is not ${want}`, penalty: 0 };
    }
    return sym.namespace === want ? { ok: true, why: `package ${want}`, penalty: 0.02 } : { ok: false, why: `package ${sym.namespace ?? '?'} ≠ ${want}`, penalty: 0 };
  },
};
