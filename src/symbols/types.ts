// Symbol shapes produced by the extractors; the structural types live in core/match.ts so the pure matcher can rank them.
import { sourceForPath } from '../core/lang/registry';
import type { FileSymbols, SourceLanguage, SymbolInfo } from '../core/match';

/** One function/method/constructor/type declaration in a source file (0-based ranges). */
export type CodeSymbol = SymbolInfo;

/** Every symbol of one file plus the file-level facts the matcher needs (package, Kotlin JvmName). */
export type ExtractedFile = FileSymbols;

export type { SourceLanguage };

/** Source languages by file extension (lang/registry.ts); null when no extractor (tree-sitter or scanner) covers it. */
export function languageOfPath(path: string): SourceLanguage | null {
  return sourceForPath(path)?.source.id ?? null;
}
