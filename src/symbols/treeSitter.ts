// Loads the tree-sitter WASM runtime and grammars (lazily, once per language) from dist/wasm or node_modules.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type * as TS from '@vscode/tree-sitter-wasm';

/** A grammar's wasm base name (`tree-sitter-<id>.wasm`), as a LanguageSpec names it. */
export type GrammarId = string;

export type TreeSitterModule = typeof TS;

function loadModule(): TreeSitterModule {
  // Required at run time (not imported) so the bundle keeps one copy and tests load the package as is.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@vscode/tree-sitter-wasm') as TreeSitterModule;
}

/**
 * Where the .wasm files are: `dist/wasm` beside the bundle, or the package in node_modules for
 * unbundled runs (tests under out/). Returns the first directory holding tree-sitter.wasm.
 */
export function defaultWasmDirs(): string[] {
  const dirs = [path.join(__dirname, 'wasm')];
  try {
    dirs.push(path.join(path.dirname(require.resolve('@vscode/tree-sitter-wasm/package.json')), 'wasm'));
  } catch {
    // Bundled without node_modules: dist/wasm is the only place.
  }
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    dirs.push(path.join(dir, 'node_modules', '@vscode', 'tree-sitter-wasm', 'wasm'));
    dirs.push(path.join(dir, 'dist', 'wasm'));
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return dirs;
}

export function resolveWasmDir(explicit?: string): string {
  if (explicit !== undefined) {
    if (!existsSync(path.join(explicit, 'tree-sitter.wasm'))) throw new Error(`tree-sitter.wasm not found in ${explicit}`);
    return explicit;
  }
  for (const d of defaultWasmDirs()) if (existsSync(path.join(d, 'tree-sitter.wasm'))) return d;
  throw new Error('tree-sitter WASM files not found (looked beside the bundle in wasm/ and in node_modules/@vscode/tree-sitter-wasm/wasm)');
}

/** One runtime per wasm directory; grammars load on first use and are kept for the process. */
export class TreeSitterRuntime {
  private static readonly instances = new Map<string, TreeSitterRuntime>();
  private readonly languages = new Map<GrammarId, Promise<TS.Language>>();
  private readonly loaded = new Map<GrammarId, TS.Language>();
  private readonly parsers = new Map<GrammarId, TS.Parser>();
  private readonly queries = new Map<string, TS.Query>();
  private initPromise: Promise<void> | null = null;
  readonly ts: TreeSitterModule;

  private constructor(readonly wasmDir: string) {
    this.ts = loadModule();
  }

  static get(wasmDir?: string): TreeSitterRuntime {
    const dir = resolveWasmDir(wasmDir);
    let rt = TreeSitterRuntime.instances.get(dir);
    if (!rt) {
      rt = new TreeSitterRuntime(dir);
      TreeSitterRuntime.instances.set(dir, rt);
    }
    return rt;
  }

  private init(): Promise<void> {
    this.initPromise ??= this.ts.Parser.init({ locateFile: (file: string) => path.join(this.wasmDir, file) });
    return this.initPromise;
  }

  /** Loads a grammar once; concurrent callers share the same promise. */
  language(id: GrammarId): Promise<TS.Language> {
    let p = this.languages.get(id);
    if (!p) {
      p = this.init()
        .then(() => this.ts.Language.load(path.join(this.wasmDir, `tree-sitter-${id}.wasm`)))
        .then((lang) => {
          this.loaded.set(id, lang);
          return lang;
        });
      p.catch(() => this.languages.delete(id));
      this.languages.set(id, p);
    }
    return p;
  }

  /** The grammar if already loaded (synchronous callers such as `WorkspaceMatcher.locate`). */
  loadedLanguage(id: GrammarId): TS.Language | null {
    return this.loaded.get(id) ?? null;
  }

  parser(id: GrammarId): TS.Parser | null {
    const lang = this.loaded.get(id);
    if (!lang) return null;
    let p = this.parsers.get(id);
    if (!p) {
      p = new this.ts.Parser();
      p.setLanguage(lang);
      this.parsers.set(id, p);
    }
    return p;
  }

  /** Compiled queries are cached per grammar and source text. */
  query(id: GrammarId, source: string): TS.Query | null {
    const lang = this.loaded.get(id);
    if (!lang) return null;
    const key = `${id}\u0000${source}`;
    let q = this.queries.get(key);
    if (!q) {
      q = new this.ts.Query(lang, source);
      this.queries.set(key, q);
    }
    return q;
  }
}
