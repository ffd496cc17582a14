// Shared shapes of per-language code-reference interpretations (RefKey), language families and file-name hints.
import type { CodeRef } from '../../shared/model';

/** A runtime family id (`jvm`, `python`, …): the `id` of a LanguageSpec in lang/registry.ts. */
export type LangFamily = string;

/** Where a runtime name's source file is expected by language convention. */
export interface FileHint {
  /** Trailing directory components the file's folder must end with ([] = any folder). */
  readonly dirs: readonly string[];
  /** File names without extension ([] = any file in the folder). */
  readonly stems: readonly string[];
  /** Compare stems case- and separator-insensitively (`user-service.ts` ≈ `UserService`). */
  readonly looseStem: boolean;
  readonly exts: readonly string[];
}

/** One interpretation of a runtime code reference in one language family. */
export interface RefKey {
  readonly family: LangFamily;
  /** Package/namespace/module as the language declares it: Java package, C# or PHP namespace, Go import path or package name, Python dotted module. Null = unknown. */
  readonly namespace: string | null;
  /** Enclosing types (and, for Python `<locals>`, functions), outermost first; null = unknown (any). Anonymous classes are their ordinal (`1`). */
  readonly types: readonly string[] | null;
  /** Source function name; null = the innermost type itself is the target (lambda classes). */
  readonly function: string | null;
  /** The function is a constructor (`<init>`, `.ctor`). */
  readonly isConstructor: boolean;
  /** Kotlin: top-level functions live in this JVM class (`FooKt`). */
  readonly fileClass: string | null;
  /** What the runtime name said that the source does not spell (`lambda body in main`), for the reason. */
  readonly note: string | null;
  /** Upper bound of the confidence for this interpretation. */
  readonly confidence: number;
  readonly fileHints: readonly FileHint[];
  /** Namespace belongs to a framework/runtime library (ranked down / not matched in the workspace). */
  readonly thirdParty: boolean;
  /** Only a bare function name is known: a match needs uniqueness in the whole workspace. */
  readonly bare: boolean;
  /**
   * The runtime name is an anonymous function (`<lambda>`, `{closure}`, an anonymous JS callback):
   * the target is the innermost declared function whose range holds the reported line, inside
   * `types` when given. Without a line nothing matches.
   */
  readonly atLine?: boolean;
}

export function baseKey(family: LangFamily, fields: Partial<RefKey> & { function: string | null }): RefKey {
  return {
    family,
    namespace: null,
    types: null,
    isConstructor: false,
    fileClass: null,
    note: null,
    confidence: 0.95,
    fileHints: [],
    thirdParty: false,
    bare: false,
    ...fields,
  };
}

/** Runtime names of anonymous functions, per language (`<lambda>`, `{closure}`, `<anonymous>`). */
export const ANONYMOUS_FUNCTIONS: ReadonlySet<string> = new Set(['<lambda>', '{closure}', '<anonymous>', '<listcomp>', '<genexpr>', '<dictcomp>', '<setcomp>']);

/** `FooBarBaz` → `foo_bar_baz` (Ruby/Python file naming). */
export function snakeCase(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2').toLowerCase();
}

/** Lower-case letters and digits only: how loose stems are compared. */
export function looseName(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export function isIdentifier(s: string): boolean {
  return /^[\p{L}_$][\p{L}\p{N}_$]*$/u.test(s);
}

export function startsWithAny(s: string, prefixes: readonly string[]): boolean {
  return prefixes.some((p) => s === p.replace(/[.\\:/]$/, '') || s.startsWith(p));
}

/** Enclosing types of a declaration as a runtime names them (enclosing functions left out). */
export function declaredTypes(sym: { readonly containers: readonly { readonly kind: string; readonly name: string }[] }): string[] {
  return sym.containers.filter((c) => c.kind !== 'function').map((c) => c.name);
}

/** A reference without file or line (what a runtime reports by name). */
export function nameRef(namespace: string | null, fn: string): CodeRef {
  return { namespace, function: fn, filePath: null, line: null };
}
