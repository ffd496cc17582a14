// Node-side workspace index for the CLI (and tests): walks a folder once, then resolves code refs to methods on demand.
import { readdir } from 'node:fs/promises';
import { parse as parseJsoncText, printParseErrorCode, type ParseError } from 'jsonc-parser';
import * as path from 'node:path';
import { NO_HINTS, type CodeRefHints } from '../core/codeRef';
import type { LangFamily } from '../core/lang/common';
import { languageById } from '../core/lang/registry';
import type { SourceLanguage } from '../core/match';
import type { CodeLocation, CodeRef } from '../shared/model';
import { SymbolExtractor } from './extractor';
import { DiskAccess } from './diskAccess';
import { readSourceFile } from './safeRead';
import { SKIPPED_DIRS, SymbolResolver, type ExplainResult, type PathMapping } from './resolver';
import { languageOfPath } from './types';

export interface WorkspaceMatcherOptions {
  readonly signal?: AbortSignal;
  readonly pathMappings?: readonly PathMapping[];
  /** Directory with the tree-sitter .wasm files (default: beside the bundle, else node_modules). */
  readonly wasmDir?: string;
  /** Stop indexing after this many source files (default 200,000). */
  readonly maxFiles?: number;
}


/**
 * Parses JSONC (tsconfig.json, .vscode/settings.json) with the parser VS Code itself uses: comments
 * and trailing commas allowed, linear time whatever the text. Throws when the text is not JSONC.
 */
export function parseJsonc(text: string): unknown {
  const errors: ParseError[] = [];
  const value: unknown = parseJsoncText(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0) throw new Error(`not valid JSONC (${printParseErrorCode((errors[0] as ParseError).error)} at offset ${(errors[0] as ParseError).offset})`);
  return value;
}

/** go.mod and tsconfig.json larger than this are not read (they are a few KB). */
const SMALL_FILE_BYTES = 1024 * 1024;

/** One reference to resolve in a batch. */
export interface LocateItem {
  readonly ref: CodeRef;
  readonly service: string | null;
  readonly hints?: CodeRefHints;
}

/** How often a batch yields to the event loop (so a cancel message, or anything else, gets a turn). */
const YIELD_EVERY = 25;

export class WorkspaceMatcher {
  private constructor(readonly root: string, readonly resolver: SymbolResolver, readonly access: DiskAccess) {}

  /** A matcher over an explicit file list (the extension's findFiles result, files.exclude honoured). */
  static async fromFiles(dir: string, files: readonly string[], extra: { readonly goMods?: readonly string[]; readonly tsconfigs?: readonly string[] } & WorkspaceMatcherOptions = {}): Promise<WorkspaceMatcher> {
    const root = path.resolve(dir);
    const extractor = new SymbolExtractor(extra.wasmDir !== undefined ? { wasmDir: extra.wasmDir } : {});
    const access = new DiskAccess(root);
    const resolver = new SymbolResolver({ extractor, access, root: root.split(path.sep).join('/'), pathMappings: extra.pathMappings ?? [] });
    const langs = new Set<SourceLanguage>();
    for (const rel of files.slice(0, extra.maxFiles ?? 200_000)) {
      resolver.addFile(rel);
      const l = languageOfPath(rel);
      if (l !== null) langs.add(l);
    }
    for (const rel of extra.goMods ?? []) {
      const text = (await readSourceFile(root, rel, SMALL_FILE_BYTES)) ?? '';
      const m = /^[ \t]*module[ \t]+(\S+)/m.exec(text);
      if (m) resolver.setGoModule(path.posix.dirname(rel) === '.' ? '' : path.posix.dirname(rel), m[1]!);
    }
    for (const rel of extra.tsconfigs ?? []) await readTsconfig(root, path.posix.dirname(rel) === '.' ? '' : path.posix.dirname(rel), rel, resolver);
    await extractor.prepareAll(langs, extra.signal);
    return new WorkspaceMatcher(root, resolver, access);
  }

  /** Indexes file names under `dir` (skipping dependencies and build outputs) and loads the grammars those files need. */
  static async fromDirectory(dir: string, options: WorkspaceMatcherOptions | AbortSignal = {}): Promise<WorkspaceMatcher> {
    // The CLI passes its AbortSignal directly; options objects carry it as `signal`.
    const opts: WorkspaceMatcherOptions = options instanceof AbortSignal ? { signal: options } : options;
    const root = path.resolve(dir);
    const extractor = new SymbolExtractor(opts.wasmDir !== undefined ? { wasmDir: opts.wasmDir } : {});
    const access = new DiskAccess(root);
    const resolver = new SymbolResolver({ extractor, access, root: root.split(path.sep).join('/'), pathMappings: opts.pathMappings ?? [] });
    const max = opts.maxFiles ?? 200_000;
    const langs = new Set<SourceLanguage>();
    const pending: string[] = [''];
    while (pending.length > 0) {
      opts.signal?.throwIfAborted();
      const rel = pending.pop()!;
      let entries;
      try {
        entries = await readdir(path.join(root, rel), { withFileTypes: true });
      } catch {
        continue;
      }
      for (const e of entries) {
        const child = rel === '' ? e.name : `${rel}/${e.name}`;
        if (e.isDirectory()) {
          if (!SKIPPED_DIRS.has(e.name) && !e.name.startsWith('.')) pending.push(child);
        } else if (e.isFile()) {
          if (e.name === 'go.mod') {
            const text = (await readSourceFile(root, child, SMALL_FILE_BYTES)) ?? '';
            const m = /^[ \t]*module[ \t]+(\S+)/m.exec(text);
            if (m) resolver.setGoModule(rel, m[1]!);
          } else if (/^tsconfig(\.[\w-]+)?\.json$/.test(e.name)) {
            await readTsconfig(root, rel, child, resolver);
          }
          const lang = languageOfPath(e.name);
          if (lang !== null && resolver.size < max) {
            resolver.addFile(child);
            langs.add(lang);
          }
        }
      }
    }
    await extractor.prepareAll(langs, opts.signal);
    return new WorkspaceMatcher(root, resolver, access);
  }

  /** The workspace location of a code reference, or null when nothing fits without guessing. */
  locate(ref: CodeRef, service: string | null, hints: CodeRefHints = NO_HINTS): Promise<CodeLocation | null> {
    return this.resolver.locate(ref, service, hints);
  }

  /** `locate` with the ranked candidates, the interpretations tried and the reason. */
  explain(ref: CodeRef, service: string | null, hints: CodeRefHints = NO_HINTS): Promise<ExplainResult> {
    return this.resolver.explain(ref, service, hints);
  }

  /**
   * Resolves a batch in order, yielding to the event loop every few references and stopping (with
   * an AbortError) as soon as `signal` fires. `onResult` sees each result as it is ready.
   */
  async locateAll(items: readonly LocateItem[], signal?: AbortSignal, onResult?: (index: number, r: ExplainResult) => void): Promise<ExplainResult[]> {
    const out: ExplainResult[] = [];
    for (let i = 0; i < items.length; i++) {
      if (i % YIELD_EVERY === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      signal?.throwIfAborted();
      const it = items[i]!;
      const r = await this.resolver.explain(it.ref, it.service, it.hints ?? NO_HINTS);
      out.push(r);
      onResult?.(i, r);
    }
    return out;
  }

  get fileCount(): number {
    return this.resolver.size;
  }

  /** Languages whose grammars the index needs; exposed for diagnostics. */
  static languagesOf(families: readonly LangFamily[]): SourceLanguage[] {
    return families.flatMap((f) => languageById(f)?.sources.map((s) => s.id) ?? []);
  }
}

async function readTsconfig(root: string, dir: string, file: string, resolver: SymbolResolver): Promise<void> {
  try {
    const json = parseJsonc((await readSourceFile(root, file, SMALL_FILE_BYTES)) ?? '') as { compilerOptions?: { outDir?: unknown; rootDir?: unknown } };
    const co = json.compilerOptions ?? {};
    if (typeof co.outDir !== 'string') return;
    const rootDir = typeof co.rootDir === 'string' ? co.rootDir : 'src';
    const rel = (p: string): string => path.posix.normalize(path.posix.join(dir, p.replace(/\\/g, '/'))).replace(/^\.\/?$/, '');
    resolver.addTsconfig(dir, rel(co.outDir), rel(rootDir));
  } catch {
    // Unreadable tsconfig: emitted paths then resolve by suffix only.
  }
}
