// The languages the mapper knows, and everything derived from them: extensions, globs, grammars, runtime-name lookups.
// Adding a language: a folder beside this file exporting a LanguageSpec, and one line in LANGUAGES.
import type { LanguageSpec, SourceSpec } from './spec';
import { dotnet } from './dotnet/language';
import { go } from './go/language';
import { js } from './js/language';
import { jvm } from './jvm/language';
import { php } from './php/language';
import { python } from './python/language';
import { ruby } from './ruby/language';

/** Every runtime family; the order is the order interpretations are tried when nothing says which runtime it was. */
export const LANGUAGES: readonly LanguageSpec[] = [
  jvm,
  dotnet,
  python,
  go,
  js,
  ruby,
  php,
];

const BY_ID = new Map(LANGUAGES.map((l) => [l.id, l]));
const BY_EXT = new Map<string, { readonly lang: LanguageSpec; readonly source: SourceSpec }>();
const BY_SOURCE = new Map<string, { readonly lang: LanguageSpec; readonly source: SourceSpec }>();
const OTHER_EXT = new Map<string, LanguageSpec>();
const BY_RUNTIME = new Map<string, LanguageSpec>();
for (const lang of LANGUAGES) {
  for (const source of lang.sources) {
    BY_SOURCE.set(source.id, { lang, source });
    for (const ext of source.extensions) BY_EXT.set(ext, { lang, source });
  }
  for (const ext of lang.otherExtensions ?? []) OTHER_EXT.set(ext, lang);
  for (const n of lang.runtimeNames) BY_RUNTIME.set(n, lang);
}

export function languageById(id: string): LanguageSpec | null {
  return BY_ID.get(id) ?? null;
}

function extOf(path: string): string {
  const slash = path.lastIndexOf('/');
  const dot = path.lastIndexOf('.');
  return dot > slash ? path.slice(dot + 1).toLowerCase() : '';
}

/** Source language and family of a file by extension; null when no extractor reads it. */
export function sourceForPath(path: string): { readonly lang: LanguageSpec; readonly source: SourceSpec } | null {
  return BY_EXT.get(extOf(path)) ?? null;
}

/** Family of a file by extension, including extensions no extractor reads (`.groovy`). */
export function familyForPath(path: string): LanguageSpec | null {
  const ext = extOf(path);
  return BY_EXT.get(ext)?.lang ?? OTHER_EXT.get(ext) ?? null;
}

export function sourceById(id: string): { readonly lang: LanguageSpec; readonly source: SourceSpec } | null {
  return BY_SOURCE.get(id) ?? null;
}

/** Family of a `telemetry.sdk.language` / `process.runtime.name` value. */
export function familyForRuntimeName(name: string): LanguageSpec | null {
  return BY_RUNTIME.get(name.toLowerCase()) ?? null;
}

/** Every source extension (for file watchers and searches). */
export function sourceExtensions(): string[] {
  return [...BY_EXT.keys()];
}

/** `**\/*.{java,kt,…}`: the workspace files the index reads. */
export function sourceGlob(): string {
  return `**/*.{${sourceExtensions().join(',')}}`;
}

/** Grammar (`tree-sitter-<wasm>.wasm` base name) for a file, null when the language has none (scanner). */
export function grammarForPath(path: string): string | null {
  const hit = sourceForPath(path);
  if (!hit || hit.source.grammar === null) return null;
  return hit.source.grammar.byExtension?.[extOf(path)] ?? hit.source.grammar.wasm;
}

/** Every .wasm file the extension ships: the runtime plus each grammar, derived from the specs (esbuild copies these). */
export function wasmFiles(): string[] {
  const out = new Set<string>(['tree-sitter.wasm']);
  for (const lang of LANGUAGES) {
    for (const s of lang.sources) {
      if (s.grammar === null) continue;
      out.add(`tree-sitter-${s.grammar.wasm}.wasm`);
      for (const g of Object.values(s.grammar.byExtension ?? {})) out.add(`tree-sitter-${g}.wasm`);
    }
  }
  return [...out];
}
