// Symbol shapes produced by the extractors; the structural types live in core/match.ts so the pure matcher can rank them.
import type { FileSymbols, SourceLanguage, SymbolInfo } from '../core/match';

/** One function/method/constructor/type declaration in a source file (0-based ranges). */
export type CodeSymbol = SymbolInfo;

/** Every symbol of one file plus the file-level facts the matcher needs (package, Kotlin JvmName). */
export type ExtractedFile = FileSymbols;

export type { SourceLanguage };

/** Source languages by file extension; null when no extractor (tree-sitter or scanner) covers it. */
export function languageOfPath(path: string): SourceLanguage | null {
  const dot = path.lastIndexOf('.');
  if (dot < 0) return null;
  switch (path.slice(dot + 1).toLowerCase()) {
    case 'java': return 'java';
    case 'kt': case 'kts': return 'kotlin';
    case 'py': case 'pyi': return 'python';
    case 'cs': return 'csharp';
    case 'go': return 'go';
    case 'js': case 'mjs': case 'cjs': case 'jsx': return 'javascript';
    case 'ts': case 'mts': case 'cts': return 'typescript';
    case 'tsx': return 'typescript';
    case 'rb': return 'ruby';
    case 'php': return 'php';
    default: return null;
  }
}
