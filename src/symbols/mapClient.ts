// The extension host's (and the CLI's) side of the mapping worker: batched, cancellable locateAll, symbols of a document, index updates.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { NO_HINTS, type CodeRefHints } from '../core/codeRef';
import type { FileSymbols } from '../core/match';
import type { CodeRef } from '../shared/model';
import type { FromWorker, ToWorker, WireLocateItem } from './mapProtocol';
import type { ExplainResult, PathMapping } from './resolver';

/** The worker script: beside the bundle (dist/mapWorker.js) or beside this module when run from tsc output. */
export function workerScript(): string {
  const here = path.join(__dirname, 'mapWorker.js');
  if (existsSync(here)) return here;
  const bundled = path.join(__dirname, '..', '..', '..', 'dist', 'mapWorker.js');
  if (existsSync(bundled)) return bundled;
  throw new Error(`mapping worker not found beside ${__dirname}`);
}

/** References per locate message (each costs the posting thread well under a millisecond). */
const POST_SLICE = 500;

function abortError(): Error {
  const e = new Error('The operation was aborted');
  e.name = 'AbortError';
  return e;
}

interface Pending {
  readonly onMessage: (m: FromWorker) => void;
  readonly reject: (e: Error) => void;
}

export interface LocateRequest {
  readonly ref: CodeRef;
  readonly service: string | null;
  readonly hints?: CodeRefHints;
}

export class MapWorkerClient {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private dead: Error | null = null;
  fileCount = 0;
  /** Longest synchronous step this thread spent on mapping (posting a slice, taking a chunk), in ms: what the host can be blocked by. */
  longestStepMs = 0;

  private constructor(script: string) {
    this.worker = new Worker(script);
    // The worker must not keep a CLI process alive once its work is done.
    this.worker.unref();
    this.worker.on('message', (m: FromWorker) => {
      const t0 = performance.now();
      this.pending.get(m.id)?.onMessage(m);
      this.longestStepMs = Math.max(this.longestStepMs, performance.now() - t0);
    });
    this.worker.on('error', (e) => this.die(e));
    this.worker.on('exit', (code) => this.die(new Error(`mapping worker exited (${code})`)));
  }

  /** False once the worker exited or failed: its owner should start a new one. */
  get alive(): boolean {
    return this.dead === null;
  }

  private die(e: Error): void {
    this.dead ??= e;
    for (const p of [...this.pending.values()]) p.reject(e);
    this.pending.clear();
  }

  private post(msg: ToWorker): void {
    if (this.dead) throw this.dead;
    const t0 = performance.now();
    this.worker.postMessage(msg);
    this.longestStepMs = Math.max(this.longestStepMs, performance.now() - t0);
  }

  /** One request/response exchange; `collect` sees every message for the id and returns a value to finish. */
  private request<T>(make: (id: number) => ToWorker, collect: (m: FromWorker) => { done: true; value: T } | null, signal?: AbortSignal): Promise<T> {
    if (this.dead) return Promise.reject(this.dead);
    if (signal?.aborted) return Promise.reject(abortError());
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        // The worker stops at its next yield; the caller is released now.
        this.worker.postMessage({ type: 'cancel', id } satisfies ToWorker);
        finish();
        reject(abortError());
      };
      const finish = (): void => {
        this.pending.delete(id);
        signal?.removeEventListener('abort', onAbort);
        if (this.pending.size === 0) this.worker.unref();
      };
      this.pending.set(id, {
        onMessage: (m) => {
          if (m.type === 'error') {
            finish();
            reject(m.aborted ? abortError() : new Error(m.message));
            return;
          }
          const r = collect(m);
          if (r) {
            finish();
            resolve(r.value);
          }
        },
        reject: (e) => {
          finish();
          reject(e);
        },
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      // Keep the process alive while a request is outstanding.
      this.worker.ref();
      this.post(make(id));
    });
  }

  private static async open(msg: (id: number) => ToWorker, script?: string): Promise<MapWorkerClient> {
    const c = new MapWorkerClient(script ?? workerScript());
    try {
      c.fileCount = await c.request(msg, (m) => (m.type === 'opened' ? { done: true, value: m.fileCount } : null));
      return c;
    } catch (e) {
      await c.dispose();
      throw e;
    }
  }

  /** A worker indexing a directory (CLI): it walks the tree itself, skipping dependencies and build outputs. */
  static fromDirectory(dir: string, opts: { readonly pathMappings?: readonly PathMapping[]; readonly wasmDir?: string; readonly maxFiles?: number; readonly script?: string } = {}): Promise<MapWorkerClient> {
    return MapWorkerClient.open((id) => ({
      type: 'openDirectory', id, dir, pathMappings: opts.pathMappings ?? [],
      ...(opts.wasmDir !== undefined ? { wasmDir: opts.wasmDir } : {}), ...(opts.maxFiles !== undefined ? { maxFiles: opts.maxFiles } : {}),
    }), opts.script);
  }

  /** A worker indexing a given file list (extension: the workspace's findFiles result). */
  static fromFiles(root: string, files: readonly string[], extra: { readonly goMods: readonly string[]; readonly tsconfigs: readonly string[]; readonly pathMappings: readonly PathMapping[]; readonly script?: string }): Promise<MapWorkerClient> {
    return MapWorkerClient.open((id) => ({ type: 'openFiles', id, root, files, goMods: extra.goMods, tsconfigs: extra.tsconfigs, pathMappings: extra.pathMappings }), extra.script);
  }

  /**
   * Resolves a batch off this thread; results (location and reason; `full` adds candidates and
   * interpretations) arrive in chunks and are assembled here. Rejects with an AbortError as soon as
   * `signal` fires (the worker drops the rest of the batch).
   */
  async locateAll(items: readonly LocateRequest[], signal?: AbortSignal, opts: { readonly full?: boolean } = {}): Promise<ExplainResult[]> {
    const out: ExplainResult[] = [];
    // Posting 10,000 references in one message costs the host ~15 ms of serialisation: send slices.
    for (let from = 0; from < items.length; from += POST_SLICE) {
      const slice = items.slice(from, from + POST_SLICE);
      const wire: WireLocateItem[] = slice.map((i) => ({ ref: i.ref, service: i.service, ...(i.hints && i.hints !== NO_HINTS ? { hints: i.hints } : {}) }));
      const part = new Array<ExplainResult>(slice.length);
      await this.request((id) => ({ type: 'locate', id, items: wire, full: opts.full === true }), (m) => {
        if (m.type === 'located') for (let k = 0; k < m.results.length; k++) part[m.from + k] = m.results[k]!;
        return m.type === 'done' ? { done: true, value: undefined } : null;
      }, signal);
      for (const r of part) out.push(r);
    }
    return out;
  }

  async explain(ref: CodeRef, service: string | null, hints: CodeRefHints = NO_HINTS, signal?: AbortSignal): Promise<ExplainResult> {
    return (await this.locateAll([{ ref, service, hints }], signal, { full: true }))[0]!;
  }

  /** Symbols of a document's current text (extracted in the worker, cached there by version). */
  symbols(rel: string, text: string, version: string, signal?: AbortSignal): Promise<{ file: FileSymbols | null; goImportPath: string | null }> {
    return this.request((id) => ({ type: 'symbols', id, rel, text, version }), (m) => (m.type === 'symbols' ? { done: true, value: { file: m.file, goImportPath: m.goImportPath } } : null), signal);
  }

  goImportPath(rel: string): Promise<string | null> {
    return this.request((id) => ({ type: 'goImportPath', id, rel }), (m) => (m.type === 'goImportPath' ? { done: true, value: m.path } : null));
  }

  filesChanged(added: readonly string[], removed: readonly string[], changed: readonly string[]): void {
    this.post({ type: 'files', added, removed, changed });
  }

  setPathMappings(mappings: readonly PathMapping[]): void {
    this.post({ type: 'pathMappings', mappings });
  }

  setOverlay(rel: string, text: string | null, version: string): void {
    this.post({ type: 'overlay', rel, text, version });
  }

  setExternalSymbols(rel: string, symbols: FileSymbols | null): void {
    this.post({ type: 'external', rel, symbols });
  }

  async dispose(): Promise<void> {
    this.die(new Error('mapping worker disposed'));
    await this.worker.terminate();
  }
}
