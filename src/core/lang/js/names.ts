// JS/TS names → interpretations: `Class.method` (V8 frames, NestJS span names), plain functions; files by loose class-name stems.
import type { CodeRef } from '../../../shared/model';
import { baseKey, isIdentifier, type RefKey } from '../common';

export function jsKeys(ref: CodeRef): RefKey[] {
  if (ref.namespace === null) return [];
  const fn = ref.function.trim().replace(/^async /, '').replace(/^(get|set) /, '');
  if (fn === '<anonymous>') return [];
  // V8 names a static method's receiver `Function` and a module-level function's `Object`: the
  // class is unknown, so only the file from the frame (and its line) can place the name.
  if (ref.namespace === 'Object' || ref.namespace === 'Function' || ref.namespace.startsWith('Object.')) {
    if (ref.filePath === null || !isIdentifier(fn)) return [];
    return [baseKey('js', { namespace: null, types: null, function: fn, confidence: 0.85, note: `receiver ${ref.namespace}: class not named` })];
  }
  const types = ref.namespace.split('.').filter((s) => s !== '');
  if (!types.every((t) => isIdentifier(t)) || !isIdentifier(fn)) return [];
  const top = types[0]!;
  const stems = [top];
  // NestJS convention: UsersController → users.controller.ts.
  const m = /^(.+?)(Controller|Service|Module|Resolver|Gateway|Repository|Guard|Interceptor)$/.exec(top);
  if (m) stems.push(`${m[1]}.${m[2]}`, `${m[1]}s.${m[2]}`);
  return [baseKey('js', {
    namespace: null, types, function: fn, confidence: 0.9,
    fileHints: [{ dirs: [], stems, looseStem: true, exts: ['ts', 'tsx', 'mts', 'js', 'mjs', 'cjs', 'jsx'] }],
  })];
}
