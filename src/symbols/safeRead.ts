// Synchronous reads of workspace source files for the matcher: inside the folder, regular files only, bounded.
import { closeSync, constants, fstatSync, lstatSync, openSync, promises as fsp, readSync, realpathSync } from 'node:fs';
import * as path from 'node:path';
import { unsafeRelativePath } from '../core/workspacePath';

/** Source files larger than this are not read for matching (generated bundles, data files). */
export const MAX_SOURCE_BYTES = 4 * 1024 * 1024;

// Not defined on Windows, where FIFOs cannot sit in a folder anyway.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0);

const realRoots = new Map<string, string>();

function realRootOf(root: string): string | null {
  let real = realRoots.get(root);
  if (real === undefined) {
    try {
      real = realpathSync(root);
    } catch {
      return null;
    }
    // A handful of workspace roots per process; the bound only guards against misuse.
    if (realRoots.size > 64) realRoots.clear();
    realRoots.set(root, real);
  }
  return real;
}

/** True when `abs`'s folder really lies inside `realRoot`: a symlinked folder must not lead the read outside. */
function insideRoot(realRoot: string, abs: string): boolean {
  let dir: string;
  try {
    dir = realpathSync(path.dirname(abs));
  } catch {
    return false;
  }
  return dir === realRoot || dir.startsWith(realRoot.endsWith(path.sep) ? realRoot : realRoot + path.sep);
}

/**
 * Reads a workspace-relative source file, or returns null. The path comes from telemetry
 * (`code.filepath`, source maps), so it is checked first: relative, no `..`, its folder really
 * inside the root. Only a regular file (not a symlink, FIFO or device) of at most `maxBytes` is
 * read, and it is opened non-blocking so a FIFO swapped in after the check cannot hang the
 * extension host.
 */
export function readSourceFileSync(root: string, rel: string, maxBytes = MAX_SOURCE_BYTES): string | null {
  const abs = checkedPath(root, rel);
  if (abs === null) return null;
  let fd: number;
  try {
    if (!lstatSync(abs).isFile()) return null;
    fd = openSync(abs, OPEN_FLAGS);
  } catch {
    return null;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > maxBytes) return null;
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.toString('utf8', 0, off);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** The absolute path of `rel` when it may be read (relative, no `..`, its folder really inside `root`), else null. */
function checkedPath(root: string, rel: string): string | null {
  if (unsafeRelativePath(rel) !== null) return null;
  const abs = path.join(root, rel);
  const realRoot = realRootOf(root);
  return realRoot !== null && insideRoot(realRoot, abs) ? abs : null;
}

/**
 * `readSourceFileSync` for asynchronous callers (the resolver's `DiskAccess` on fs.promises): the
 * same path rule, size cap and non-blocking open, so a FIFO can neither hang the read nor pin a
 * libuv thread.
 */
export async function readSourceFile(root: string, rel: string, maxBytes = MAX_SOURCE_BYTES): Promise<string | null> {
  const abs = checkedPath(root, rel);
  if (abs === null) return null;
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(abs, OPEN_FLAGS);
  } catch {
    return null;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile() || st.size > maxBytes) return null;
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < buf.length) {
      const { bytesRead } = await fh.read(buf, off, buf.length - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    return buf.toString('utf8', 0, off);
  } catch {
    return null;
  } finally {
    await fh.close();
  }
}

/** A cheap version stamp (mtime + size) of a workspace-relative file, under the same path rule. */
export function sourceVersionSync(root: string, rel: string): string | undefined {
  if (unsafeRelativePath(rel) !== null) return undefined;
  try {
    const st = lstatSync(path.join(root, rel));
    return st.isFile() ? `${st.mtimeMs}:${st.size}` : undefined;
  } catch {
    return undefined;
  }
}
