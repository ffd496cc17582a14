// Files read from a workspace folder because a setting named them: a glob confined to the folder,
// regular files only, bounded in size, opened so that a FIFO or a device can never block the host.
import { constants, promises as fs, type Dirent } from 'node:fs';
import * as path from 'node:path';
import picomatch from 'picomatch';
import { unsafeRelativePath } from '../core/workspacePath';

/** Bounds that keep a hostile glob cheap to match (picomatch compiles to a backtracking RegExp). */
export const GLOB_LIMITS = {
  /** Characters in the glob. */
  maxLength: 256,
  /** Single `*` wildcards in one path segment: cost grows as (name length)^(stars − 1). */
  maxStarsPerSegment: 2,
  /** `**` segments in the whole glob. */
  maxGlobstars: 2,
  /** Workspace-relative paths longer than this are never matched. */
  maxPathLength: 1024,
} as const;

const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn']);

// Not defined on Windows, where FIFOs cannot sit in a folder anyway.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0);

export interface WorkspaceGlob {
  /** The folder (relative, `/`-separated, '' = the root) where walking starts. */
  readonly base: string;
  /** Tests a workspace-relative path with `/` separators. */
  match(rel: string): boolean;
}

export type GlobResult = { readonly ok: true; readonly glob: WorkspaceGlob } | { readonly ok: false; readonly error: string };

/**
 * Compiles the `files` setting (or `--files`). Refused, with the reason: absolute paths, `..`
 * segments, control characters, extglobs and globs past `GLOB_LIMITS` (each of which could make
 * one file name cost seconds to match). `\` is read as a path separator, so a Windows-style glob
 * means the same on every platform.
 */
export function compileWorkspaceGlob(raw: string): GlobResult {
  const glob = raw.trim().replace(/\\/g, '/').replace(/^(\.\/)+/, '');
  const bad = (why: string): GlobResult => ({ ok: false, error: `files glob ${JSON.stringify(raw.slice(0, 80))} ${why}` });
  if (glob.length > GLOB_LIMITS.maxLength) return bad(`is longer than ${GLOB_LIMITS.maxLength} characters`);
  const unsafe = unsafeRelativePath(glob);
  if (unsafe !== null) return bad(unsafe);
  const segments = glob.split('/');
  if (segments.filter((s) => s === '**').length > GLOB_LIMITS.maxGlobstars) return bad(`has more than ${GLOB_LIMITS.maxGlobstars} '**' segments`);
  for (const seg of segments) {
    if (seg === '**') continue;
    const stars = seg.split('*').length - 1;
    if (stars > GLOB_LIMITS.maxStarsPerSegment) return bad(`has more than ${GLOB_LIMITS.maxStarsPerSegment} '*' in the segment ${JSON.stringify(seg)}`);
  }
  const scan = picomatch.scan(glob);
  const opts = { dot: true, noextglob: true, nonegate: true, windows: false } as const;
  let test: (rel: string) => boolean;
  try {
    test = picomatch(glob, opts);
  } catch (e) {
    return bad(`is not a valid glob (${(e as Error).message})`);
  }
  // A plain file name walks its own folder; `.` is the root.
  const base = scan.isGlob ? scan.base : path.posix.dirname(glob);
  return {
    ok: true,
    glob: {
      base: base === '.' ? '' : base,
      match: (rel) => rel.length <= GLOB_LIMITS.maxPathLength && test(rel),
    },
  };
}

/** True when `real` is `realRoot` or inside it. */
function isInside(realRoot: string, real: string): boolean {
  return real === realRoot || real.startsWith(realRoot.endsWith(path.sep) ? realRoot : realRoot + path.sep);
}

/**
 * Regular files under `root` whose relative path matches `glob`, sorted, at most `maxFiles`.
 * Symlinks are not followed (a link can point anywhere), dependency folders are skipped, and the
 * starting folder must really lie inside the root.
 */
export async function listWorkspaceFiles(root: string, glob: WorkspaceGlob, maxFiles: number, signal: AbortSignal): Promise<string[]> {
  const found: string[] = [];
  let realRoot: string;
  let realBase: string;
  try {
    realRoot = await fs.realpath(root);
    realBase = await fs.realpath(path.join(root, glob.base));
  } catch {
    return found;
  }
  if (!isInside(realRoot, realBase)) return found;
  const pending: string[] = [glob.base];
  while (pending.length > 0 && found.length < maxFiles) {
    if (signal.aborted) break;
    const dir = pending.pop() as string;
    let entries: Dirent[];
    try {
      entries = await fs.readdir(path.join(root, dir), { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const rel = dir === '' ? e.name : `${dir}/${e.name}`;
      // Dirent types come from lstat semantics: a symlink, FIFO, socket or device is neither.
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) pending.push(rel);
      } else if (e.isFile() && glob.match(rel)) {
        found.push(path.join(root, rel));
        if (found.length >= maxFiles) break;
      }
    }
  }
  return found.sort();
}

/** `reason` completes "<file>: …" (e.g. `skipped, not a regular file`, `cannot be read (ENOENT)`). */
export type ReadResult = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly reason: string };

/**
 * Reads a file named by a setting or found by a glob: only a regular file (no symlink, FIFO or
 * device) of at most `maxBytes`. It is opened non-blocking and checked on the open descriptor, so
 * a FIFO swapped in after the walk cannot hang the reader, and a file growing while it is read
 * (or `/dev/zero`) stops at the cap.
 */
export async function readRegularFile(file: string, maxBytes: number, signal?: AbortSignal): Promise<ReadResult> {
  let fh: fs.FileHandle;
  try {
    fh = await fs.open(file, OPEN_FLAGS);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { ok: false, reason: code === 'ELOOP' ? 'skipped, a symbolic link' : `cannot be read (${code ?? (e as Error).message})` };
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) return { ok: false, reason: 'skipped, not a regular file' };
    if (st.size > maxBytes) return { ok: false, reason: `skipped, ${formatMiB(st.size)} is over the ${formatMiB(maxBytes)} limit` };
    const buf = Buffer.alloc(Math.min(st.size, maxBytes) + 1);
    let off = 0;
    while (off < buf.length) {
      if (signal?.aborted) return { ok: false, reason: 'cancelled' };
      const { bytesRead } = await fh.read(buf, off, buf.length - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    if (off > maxBytes) return { ok: false, reason: `skipped, it grew past the ${formatMiB(maxBytes)} limit while being read` };
    return { ok: true, text: buf.toString('utf8', 0, off) };
  } catch (e) {
    return { ok: false, reason: `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
  } finally {
    await fh.close();
  }
}

function formatMiB(bytes: number): string {
  return bytes >= 1048576 ? `${Math.round(bytes / 1048576)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}
