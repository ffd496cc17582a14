// Span attributes → CodeRef, across both generations of the OpenTelemetry `code.*` conventions.
import type { Attributes, AttrValue, CodeRef } from '../shared/model';
import { ANONYMOUS_FUNCTIONS, baseKey, isIdentifier, type LangFamily, type RefKey } from './lang/common';
import { familyForPath, familyForRuntimeName, languageById, LANGUAGES } from './lang/registry';
import { splitQualifiedName } from './qualifiedName';
import { isDependencyFrame, parseStackTrace, type StackFrame } from './stacktrace';

export { splitQualifiedName };

/** Attribute names, old and new generation (semconv ≤1.29 and ≥1.30). */
export const CODE_ATTRS = {
  namespace: 'code.namespace',
  functionOld: 'code.function',
  functionName: 'code.function.name',
  filePath: 'code.file.path',
  filePathOld: 'code.filepath',
  line: 'code.line.number',
  lineOld: 'code.lineno',
  stacktrace: 'code.stacktrace',
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
 * Reads a CodeRef from span (or log/exemplar) attributes keyed by bare name. Returns null when no
 * function name is present. Rule from the semconv migration: when `code.namespace` is present and
 * `code.function.name` does not start with it, `code.function.name` is the short name (v1.30-era
 * emitters, Python logging).
 */
export function codeRefFromAttributes(attrs: Attributes): CodeRef | null {
  const ns = str(attrs[CODE_ATTRS.namespace]);
  const fnOld = str(attrs[CODE_ATTRS.functionOld]);
  let fnName = str(attrs[CODE_ATTRS.functionName]);
  let filePath = str(attrs[CODE_ATTRS.filePath]) ?? str(attrs[CODE_ATTRS.filePathOld]);
  let line = int(attrs[CODE_ATTRS.line]) ?? int(attrs[CODE_ATTRS.lineOld]);
  // PHP 8.4 names closures after where they are: `{closure:App\Foo::bar():12}` or `{closure:/app/x.php:12}`.
  const closure = fnName !== null ? /^\{closure:(.+?)(?:\(\))?:(\d+)\}$/.exec(fnName) : null;
  if (closure) {
    if (/\.php$/i.test(closure[1]!)) {
      fnName = '{closure}';
      filePath ??= closure[1]!;
      line ??= Number(closure[2]);
    } else fnName = closure[1]!;
  }
  if (fnName === null && fnOld === null) {
    // Only a stack trace: the innermost frame outside dependencies stands for the span.
    const stack = str(attrs[CODE_ATTRS.stacktrace]);
    const f = stack !== null ? parseStackTrace(stack).find((fr) => !isDependencyFrame(fr) && !frameIsFramework(fr)) : undefined;
    return f ? { namespace: f.namespace, function: f.function, filePath: f.filePath, line: f.line } : null;
  }

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

/** Extra facts from the span that narrow a match but are not part of the aggregation key. */
export interface CodeRefHints {
  /** Language family from `telemetry.sdk.language` / `process.runtime.name`, when known. */
  readonly language: LangFamily | null;
  /** Parameter types (`code.function.parameter.types` = `Int32|String`), when an emitter sets them. */
  readonly paramTypes: readonly string[] | null;
  /** Frames of `code.stacktrace`, innermost first; the first one inside the workspace locates the span. */
  readonly frames?: readonly StackFrame[];
}

export const NO_HINTS: CodeRefHints = { language: null, paramTypes: null };

/** A frame whose namespace belongs to a framework/runtime library by every interpretation (cheap pre-filter). */
export function frameIsFramework(f: StackFrame): boolean {
  if (f.namespace === null) return false;
  const keys = refKeys(f, { language: FRAME_FAMILY[f.format], paramTypes: null });
  return keys.length > 0 && keys.every((k) => k.thirdParty);
}

const FRAME_FAMILY: Readonly<Record<StackFrame['format'], LangFamily>> = {
  jvm: 'jvm', dotnet: 'dotnet', python: 'python', node: 'js', go: 'go', ruby: 'ruby', php: 'php',
};

/** The language family a frame format belongs to. */
export function frameFamily(f: StackFrame): LangFamily {
  return FRAME_FAMILY[f.format];
}

/** Maps `telemetry.sdk.language` / `process.runtime.name` values to a language family. */
export function languageFamily(value: string | null): LangFamily | null {
  return familyForRuntimeName(value ?? '')?.id ?? null;
}

/** Reads the hints from span attributes (and resource attributes when given separately). */
export function codeRefHintsFromAttributes(attrs: Attributes, resource?: Attributes): CodeRefHints {
  const lang = str(attrs['telemetry.sdk.language']) ?? str(resource?.['telemetry.sdk.language']) ??
    str(attrs['process.runtime.name']) ?? str(resource?.['process.runtime.name']);
  const params = str(attrs['code.function.parameter.types']);
  const stack = str(attrs[CODE_ATTRS.stacktrace]);
  const frames = stack !== null ? parseStackTrace(stack) : [];
  return {
    language: languageFamily(lang),
    paramTypes: params !== null ? params.split(/[|,]/).map((p) => p.trim()).filter((p) => p !== '') : null,
    ...(frames.length > 0 ? { frames } : {}),
  };
}

/** Which language families may have produced this reference, most plausible first. */
export function plausibleFamilies(ref: CodeRef, hints: CodeRefHints = NO_HINTS): LangFamily[] {
  if (hints.language) return [hints.language];
  const byPath = ref.filePath !== null ? familyForPath(ref.filePath) : null;
  if (byPath) return [byPath.id];
  // A spelling only one runtime uses (`\\`, `::`, `+`/`` `1 ``, `$`, `(*T)`) decides, in the specs' claim order.
  const claimers = LANGUAGES.filter((l) => l.claims !== undefined).sort((a, b) => (a.claimOrder ?? 100) - (b.claimOrder ?? 100));
  for (const l of claimers) if (l.claims!(ref)) return [l.id, ...(l.claimAlso ?? [])];
  const ns = ref.namespace ?? '';
  if (ns !== '' && /^[A-Z]\w*$/.test(ns)) return LANGUAGES.filter((l) => l.bareTypeNamespace !== false).map((l) => l.id);
  return LANGUAGES.map((l) => l.id);
}

/**
 * Every interpretation of a reference as source coordinates, per plausible language, in the order
 * the matcher should trust them. A reference with only a bare function name (and no file) yields
 * `bare` keys: the matcher accepts them only when the name is unique in the workspace.
 */
export function refKeys(ref: CodeRef, hints: CodeRefHints = NO_HINTS): RefKey[] {
  const families = plausibleFamilies(ref, hints);
  if (ref.namespace === null) {
    const fn = ref.function.trim();
    if (ANONYMOUS_FUNCTIONS.has(fn)) {
      // An anonymous function is only as good as its file and line: the declared function around that line.
      if (ref.filePath === null || ref.line === null) return [];
      return families.map((f) => baseKey(f, { function: null, atLine: true, confidence: 0.85, note: `${fn} at line ${ref.line}: the enclosing function` }));
    }
    if (!isIdentifier(fn.replace(/[?!]$/, ''))) return [];
    return families.map((f) => baseKey(f, { function: fn, bare: ref.filePath === null, confidence: ref.filePath === null ? 0.5 : 0.95 }));
  }
  return families.flatMap((f) => languageById(f)?.forward(ref) ?? []);
}
