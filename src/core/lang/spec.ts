// What one language contributes to mapping: runtime names ⇄ source declarations, files, grammar and queries.
import type { CodeRef } from '../../shared/model';
import type { CandidateFile, SymbolInfo } from '../match';
import type { RefKey } from './common';

/** How one source language of a runtime family is read (a family may have several: Java + Kotlin, JS + TS). */
export interface SourceSpec {
  /** Source language id (`java`, `kotlin`, `typescript`); the `language` of its symbols. */
  readonly id: string;
  /** File extensions without the dot, lower case. */
  readonly extensions: readonly string[];
  /**
   * The tree-sitter grammar shipped in `dist/wasm` (name without `tree-sitter-` and `.wasm`), per
   * extension when they differ (`tsx`); null when the language has no grammar that loads in the
   * runtime and a scanner reads it instead (`scanner`).
   */
  readonly grammar: { readonly wasm: string; readonly byExtension?: Readonly<Record<string, string>> } | null;
  /** The extractor to use when `grammar` is null (a name the symbols layer knows). */
  readonly scanner?: string;
  /** Tree-sitter query: captures @name, @params, @deco, @mods, @mod, @static, @tparams, @recv, @body, @outer and a definition capture (type, module, method, ctor, fn, smethod, anon, ns, fsns, pkg). */
  readonly query?: string;
  /** Query start-depth bound (declarations sit near the root) unless `deepGate` matches the text… */
  readonly maxDepth?: number;
  readonly deepGate?: RegExp | null;
  /** …or a bound computed from the text (Python: indentation is structure). */
  readonly depthOf?: (text: string) => number;
  /** Parameter types as written, from a parameter list's text (`(String a, int b)` → [String, int]). */
  readonly params: (text: string) => string[];
}

export interface NamespaceVerdict {
  readonly ok: boolean;
  readonly why: string;
  readonly penalty: number;
}

/**
 * One runtime family. The forward rule (runtime name → interpretations) and the reverse rule
 * (declaration → the name a runtime reports for it) live in the same module of each language so
 * they change together; test/unit/languages.test.ts checks that reverse ∘ forward lands on the
 * declaration for every symbol of every fixture.
 */
export interface LanguageSpec {
  /** Family id, the `family` of its RefKeys (`jvm`, `python`, `dotnet`, `go`, `js`, `ruby`, `php`). */
  readonly id: string;
  /** How users know it (`Java/Kotlin`). */
  readonly label: string;
  /** `telemetry.sdk.language` / `process.runtime.name` values (lower case). */
  readonly runtimeNames: readonly string[];
  readonly sources: readonly SourceSpec[];
  /** Extensions of this family that no extractor reads but that still say the language (`groovy`). */
  readonly otherExtensions?: readonly string[];
  /**
   * Recognises a reference as this family's from its spelling alone; tested in `claimOrder` order
   * (lower first); `claimAlso` lists families that spell names the same way.
   */
  readonly claims?: (ref: CodeRef) => boolean;
  readonly claimOrder?: number;
  readonly claimAlso?: readonly string[];
  /** False when a bare capitalised name (`UserService`) cannot be a namespace of this family (Go). */
  readonly bareTypeNamespace?: boolean;
  /** Runtime name → source interpretations. */
  readonly forward: (ref: CodeRef) => RefKey[];
  /** Declaration → the reference its runtime reports; null when the runtime has no name for it. */
  readonly reverse: (sym: SymbolInfo, file: { readonly path: string; readonly jvmName: string | null; readonly goImportPath?: string | null }) => CodeRef | null;
  /** Whether the declared namespace of a candidate fits the one the runtime named (absent: any). */
  readonly namespaceFits?: (want: string, file: CandidateFile, sym: SymbolInfo) => NamespaceVerdict;
  /** Declared packages/namespaces must be named by the runtime; when one is not, a match costs this much confidence. */
  readonly missingNamespacePenalty?: number;
  /** Runtime names spell enclosing functions (Python `f.<locals>.g`); others skip them. */
  readonly namesEnclosingFunctions?: boolean;
  /** Separator between containers in displayed symbols (`::` Ruby), default `.`. */
  readonly displaySeparator?: string;
}
