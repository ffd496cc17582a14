// Messages between the extension host (or the CLI) and the mapping worker; plain data only (structured clone).
import type { CodeRefHints } from '../core/codeRef';
import type { FileSymbols } from '../core/match';
import type { CodeRef } from '../shared/model';
import type { ExplainResult, PathMapping } from './resolver';

export interface WireLocateItem {
  readonly ref: CodeRef;
  readonly service: string | null;
  readonly hints?: CodeRefHints;
}

export type ToWorker =
  /** Index an explicit file list (extension: findFiles, files.exclude honoured). */
  | { readonly type: 'openFiles'; readonly id: number; readonly root: string; readonly files: readonly string[]; readonly goMods: readonly string[]; readonly tsconfigs: readonly string[]; readonly pathMappings: readonly PathMapping[]; readonly wasmDir?: string }
  /** Walk a directory (CLI). */
  | { readonly type: 'openDirectory'; readonly id: number; readonly dir: string; readonly pathMappings: readonly PathMapping[]; readonly wasmDir?: string; readonly maxFiles?: number }
  | { readonly type: 'files'; readonly added: readonly string[]; readonly removed: readonly string[]; readonly changed: readonly string[] }
  | { readonly type: 'pathMappings'; readonly mappings: readonly PathMapping[] }
  /** Unsaved editor text for a file (null: the buffer is saved or closed, read the disk again). */
  | { readonly type: 'overlay'; readonly rel: string; readonly text: string | null; readonly version: string }
  /** Symbols a language server gave for a file no extractor reads. */
  | { readonly type: 'external'; readonly rel: string; readonly symbols: FileSymbols | null }
  /** `full`: candidates and interpretations too (explanations); otherwise location and reason only, to keep messages small. */
  | { readonly type: 'locate'; readonly id: number; readonly items: readonly WireLocateItem[]; readonly full: boolean }
  | { readonly type: 'symbols'; readonly id: number; readonly rel: string; readonly text: string; readonly version: string }
  | { readonly type: 'goImportPath'; readonly id: number; readonly rel: string }
  | { readonly type: 'cancel'; readonly id: number };

export type FromWorker =
  | { readonly type: 'opened'; readonly id: number; readonly fileCount: number }
  /** Results `from`…`from + results.length - 1` of a locate request (sent in chunks so no single message is large). */
  | { readonly type: 'located'; readonly id: number; readonly from: number; readonly results: readonly ExplainResult[] }
  | { readonly type: 'done'; readonly id: number }
  | { readonly type: 'symbols'; readonly id: number; readonly file: FileSymbols | null; readonly goImportPath: string | null }
  | { readonly type: 'goImportPath'; readonly id: number; readonly path: string | null }
  | { readonly type: 'error'; readonly id: number; readonly message: string; readonly aborted: boolean };
