// Span attributes → CodeRef, across both generations of the OpenTelemetry `code.*` conventions.
import type { Attributes, AttrValue, CodeRef } from '../shared/model';

/** Attribute names, old and new generation (semconv ≤1.29 and ≥1.30). */
export const CODE_ATTRS = {
  namespace: 'code.namespace',
  functionOld: 'code.function',
  functionName: 'code.function.name',
  filePath: 'code.file.path',
  filePathOld: 'code.filepath',
  line: 'code.line.number',
  lineOld: 'code.lineno',
} as const;

function str(v: AttrValue | undefined): string | null {
  if (typeof v === 'string') return v.trim() === '' ? null : v;
  if (typeof v === 'number') return String(v);
  return null;
}

function int(v: AttrValue | undefined): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  return Number.isInteger(n) && n > 0 ? n : null;
}

/**
 * Splits a fully-qualified function name into namespace and function using the separator of the
 * runtime that produced it: `::` (PHP, Rust, Ruby), `#` (Ruby instance methods), `:` (Erlang) and
 * `.` (Java, .NET, Go, Python, JS). Go receivers keep their parentheses: `pkg.(*T).Get` → `pkg.(*T)`.
 */
export function splitQualifiedName(fq: string): { namespace: string | null; function: string } {
  const name = fq.replace(/\(.*\)$/s, '').trim() || fq.trim();
  for (const sep of ['::', '#']) {
    const i = name.lastIndexOf(sep);
    if (i > 0 && i + sep.length < name.length) return { namespace: name.slice(0, i), function: name.slice(i + sep.length) };
  }
  // A dot inside Go receiver parentheses or a generic/lambda suffix is not a separator.
  let depth = 0;
  for (let i = name.length - 1; i > 0; i--) {
    const c = name[i];
    if (c === ')' || c === ']' || c === '>') depth++;
    else if (c === '(' || c === '[' || c === '<') depth = Math.max(0, depth - 1);
    else if (c === '.' && depth === 0 && i + 1 < name.length) {
      return { namespace: name.slice(0, i), function: name.slice(i + 1) };
    }
  }
  const colon = name.lastIndexOf(':');
  if (colon > 0 && colon + 1 < name.length) return { namespace: name.slice(0, colon), function: name.slice(colon + 1) };
  return { namespace: null, function: name };
}

/**
 * Reads a CodeRef from span (or log/exemplar) attributes keyed by bare name. Returns null when no
 * function name is present. Rule from the semconv migration: when `code.namespace` is present and
 * `code.function.name` does not start with it, `code.function.name` is the short name (v1.30-era
 * emitters, Python logging).
 */
export function codeRefFromAttributes(attrs: Attributes): CodeRef | null {
  const ns = str(attrs[CODE_ATTRS.namespace]);
  const fnOld = str(attrs[CODE_ATTRS.functionOld]);
  const fnName = str(attrs[CODE_ATTRS.functionName]);
  const filePath = str(attrs[CODE_ATTRS.filePath]) ?? str(attrs[CODE_ATTRS.filePathOld]);
  const line = int(attrs[CODE_ATTRS.line]) ?? int(attrs[CODE_ATTRS.lineOld]);

  let namespace: string | null = ns;
  let fn: string | null = null;
  if (fnName !== null) {
    if (ns !== null && !fnName.startsWith(ns)) {
      fn = fnName;
    } else if (ns !== null && fnName.startsWith(ns) && fnName.length > ns.length) {
      fn = fnName.slice(ns.length).replace(/^(::|[.#:\\])/, '');
    } else {
      const split = splitQualifiedName(fnName);
      namespace = split.namespace;
      fn = split.function;
    }
  } else if (fnOld !== null) {
    fn = fnOld;
  }
  if (fn === null || fn === '') return null;
  return { namespace, function: fn, filePath, line };
}

/**
 * Stable identity of a CodeRef for aggregation. The line is left out: emitters that set it point at
 * the call site or the first line, which may differ between versions of the same method.
 */
export function codeRefKey(ref: CodeRef): string {
  return `${ref.namespace ?? ''}\u001f${ref.function}\u001f${ref.filePath ?? ''}`;
}

/** Human-readable form: `com.acme.TokenService.getToken` or `getToken (src/token.ts:42)`. */
export function formatCodeRef(ref: CodeRef): string {
  const name = ref.namespace ? `${ref.namespace}.${ref.function}` : ref.function;
  if (ref.filePath === null) return name;
  return `${name} (${ref.filePath}${ref.line !== null ? `:${ref.line}` : ''})`;
}
