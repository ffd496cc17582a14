// Asynchronous file access for the resolver: fs.promises reads, cached mtime:size versions, and in-memory overlays for unsaved editor buffers.
import { lstat } from 'node:fs/promises';
import * as path from 'node:path';
import { unsafeRelativePath } from '../core/workspacePath';
import type { SourceAccess } from './resolver';
import { readSourceFile } from './safeRead';

export class DiskAccess implements SourceAccess {
  private readonly versions = new Map<string, string | undefined>();
  private readonly overlays = new Map<string, { readonly text: string; readonly version: string }>();

  constructor(private readonly root: string) {}

  /** An editor buffer with unsaved edits stands in for the file on disk until it is cleared (`text` null). */
  setOverlay(rel: string, text: string | null, version: string): void {
    if (text === null) this.overlays.delete(rel);
    else this.overlays.set(rel, { text, version });
  }

  async read(rel: string): Promise<string | null> {
    const o = this.overlays.get(rel);
    if (o) return o.text;
    // Paths come from telemetry (code.filepath, source maps): inside the root, regular files only, non-blocking.
    return readSourceFile(this.root, rel);
  }

  async version(rel: string): Promise<string | number | undefined> {
    const o = this.overlays.get(rel);
    if (o) return o.version;
    // Cached until the file is reported changed (watcher → forget): a batch of references stats each file once.
    if (this.versions.has(rel)) return this.versions.get(rel);
    let v: string | undefined;
    if (unsafeRelativePath(rel) === null) {
      try {
        const st = await lstat(path.join(this.root, rel));
        v = st.isFile() ? `${st.mtimeMs}:${st.size}` : undefined;
      } catch {
        v = undefined;
      }
    }
    this.versions.set(rel, v);
    return v;
  }

  forget(rel: string): void {
    this.versions.delete(rel);
  }
}
