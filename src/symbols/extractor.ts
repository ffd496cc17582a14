// Symbol extraction front door: picks tree-sitter or the Kotlin scanner, loads grammars on first use, caches by (uri, version or content hash).
import { LRUCache } from 'lru-cache';
import type { FileSymbols, SourceLanguage } from '../core/match';
import { extractSymbols, grammarFor } from './extract';
import { sourceById } from '../core/lang/registry';
import { scanKotlin } from './kotlin';
import { TreeSitterRuntime } from './treeSitter';
import { languageOfPath } from './types';

/** FNV-1a over UTF-16 code units: cheap enough to run on every request, good enough as a cache key. */
export function contentHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return `${(h >>> 0).toString(36)}:${text.length}`;
}

/** Extractors for languages without a grammar that loads in the runtime, by the name a SourceSpec gives as `scanner`. */
const SCANNERS: Readonly<Record<string, (path: string, text: string) => FileSymbols>> = {
  kotlin: scanKotlin,
};

function scannerOf(language: SourceLanguage): ((path: string, text: string) => FileSymbols) | null {
  const name = sourceById(language)?.source.scanner;
  return name !== undefined ? SCANNERS[name] ?? null : null;
}

export interface ExtractorOptions {
  /** Directory with tree-sitter.wasm and the grammars; default: dist/wasm beside the bundle, else node_modules. */
  readonly wasmDir?: string;
  /** Files kept in the cache (default 2,000). */
  readonly maxEntries?: number;
}

export class SymbolExtractor {
  private readonly cache: LRUCache<string, FileSymbols>;
  private runtime: TreeSitterRuntime | null = null;
  private readonly wasmDir: string | undefined;
  hits = 0;
  misses = 0;

  constructor(opts: ExtractorOptions = {}) {
    this.wasmDir = opts.wasmDir;
    this.cache = new LRUCache({ max: opts.maxEntries ?? 2000 });
  }

  private rt(): TreeSitterRuntime {
    this.runtime ??= TreeSitterRuntime.get(this.wasmDir);
    return this.runtime;
  }

  /** True when `language` can be extracted here (tree-sitter grammar or own scanner). */
  static supports(language: SourceLanguage): boolean {
    return language !== 'other';
  }

  /** Loads the grammar a file needs (once per language); resolves false for languages without one. */
  async prepare(language: SourceLanguage, path = '', signal?: AbortSignal): Promise<boolean> {
    if (scannerOf(language)) return true;
    const spec = grammarFor(language, path);
    if (!spec) return false;
    signal?.throwIfAborted();
    await this.rt().language(spec.grammar);
    return true;
  }

  /** Loads every grammar for a set of languages (each per-extension variant too); used before synchronous lookups. */
  async prepareAll(languages: Iterable<SourceLanguage>, signal?: AbortSignal): Promise<void> {
    for (const l of languages) {
      const src = sourceById(l)?.source;
      if (!src) continue;
      for (const ext of src.extensions) await this.prepare(l, `x.${ext}`, signal);
    }
  }

  /** Whether the grammar for this path is loaded (synchronous extraction possible). */
  ready(path: string): boolean {
    const language = languageOfPath(path);
    if (language === null) return false;
    if (scannerOf(language)) return true;
    const spec = grammarFor(language, path);
    return spec !== null && this.rt().loadedLanguage(spec.grammar) !== null;
  }

  /**
   * Synchronous extraction; null when the language has no extractor or its grammar is not loaded
   * yet (call `prepare` first). `version` (a document version or mtime) skips hashing the text.
   */
  extractSync(path: string, text: string, version?: string | number): FileSymbols | null {
    const language = languageOfPath(path);
    if (language === null) return null;
    const key = `${path}\u0000${version ?? contentHash(text)}`;
    const hit = this.cache.get(key);
    if (hit) {
      this.hits++;
      return hit;
    }
    let result: FileSymbols | null;
    const scan = scannerOf(language);
    if (scan) result = scan(path, text);
    else {
      if (!this.ready(path)) return null;
      result = extractSymbols(this.rt(), language, path, text);
    }
    if (result) {
      this.misses++;
      this.cache.set(key, result);
    }
    return result;
  }

  /** The cached result for (path, version) without reading the file; undefined on a miss. */
  peek(path: string, version: string | number): FileSymbols | undefined {
    const hit = this.cache.get(`${path}\u0000${version}`);
    if (hit) this.hits++;
    return hit;
  }

  async extract(path: string, text: string, version?: string | number, signal?: AbortSignal): Promise<FileSymbols | null> {
    const language = languageOfPath(path);
    if (language === null) return null;
    await this.prepare(language, path, signal);
    signal?.throwIfAborted();
    return this.extractSync(path, text, version);
  }

  /** Drops cached results of one file (deleted or renamed). */
  forget(path: string): void {
    for (const k of this.cache.keys()) if (k.startsWith(`${path}\u0000`)) this.cache.delete(k);
  }
}
