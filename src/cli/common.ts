// Pieces every CLI subcommand shares: the process I/O port, the Tempo client from the connection flags, the window, the workspace matcher.
import * as path from 'node:path';
import type { TimeWindow } from '../shared/model';
import type { Connection, WindowSpec } from '../core/cliArgs';
import { MapWorkerClient } from '../symbols/mapClient';
import { parseJsonc } from '../symbols/workspaceMatcher';
import { TempoClient } from '../tempo/client';
import { readRegularFile } from '../files/workspaceFiles';

/**
 * Bounds of the trace sampling behind the trace insights (`hotspots`, `mcp`; --source tempo): one
 * search for all listed functions, then at most `maxTraces` trace fetches, each trace fetched once.
 */
export const INSIGHT_SAMPLING = { maxFunctions: 25, maxTraces: 24, perFunction: 6, concurrency: 4, timeoutMs: 60_000 } as const;

/** Where the CLI writes and what it knows about its environment (a process, or a test). */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly readStdin?: () => Promise<string>;
  readonly now?: () => number;
  readonly cwd?: string;
  readonly signal?: AbortSignal;
}

/** A settings file larger than this is not a settings file. */
const SETTINGS_MAX_BYTES = 1024 * 1024;

/** `tempoLens.pathMappings` from the workspace's .vscode/settings.json (JSONC), when present. */
async function pathMappingsOf(dir: string): Promise<{ from: string; to: string }[]> {
  // A regular file only, bounded, opened non-blocking (a FIFO named settings.json must not hang the CLI).
  const read = await readRegularFile(path.join(dir, '.vscode', 'settings.json'), SETTINGS_MAX_BYTES);
  if (!read.ok) return [];
  try {
    const value = (parseJsonc(read.text) as Record<string, unknown>)['tempoLens.pathMappings'];
    if (!Array.isArray(value)) return [];
    return value.filter((m): m is { from: string; to: string } =>
      typeof m === 'object' && m !== null && typeof (m as { from?: unknown }).from === 'string' && typeof (m as { to?: unknown }).to === 'string');
  } catch {
    return [];
  }
}

export async function openMatcher(dir: string | null, io: CliIo, signal: AbortSignal, required = false): Promise<MapWorkerClient | null> {
  if (dir === null) return null;
  if (!required) {
    // For hot spots the location is a bonus: a workspace that cannot be indexed must not cost the report.
    try {
      return await openMatcher(dir, io, signal, true);
    } catch (e) {
      if (signal.aborted) throw e;
      io.stderr(`tempo-lens: note: cannot map functions to ${dir}: ${oneLine(e instanceof Error ? e.message : String(e))}; location is null.\n`);
      return null;
    }
  }
  const root = path.resolve(io.cwd ?? process.cwd(), dir);
  const pathMappings = await pathMappingsOf(root);
  // The same mapping worker as the extension's: indexing and resolution off the main thread, batched.
  const client = await MapWorkerClient.fromDirectory(root, { pathMappings });
  if (signal.aborted) {
    await client.dispose();
    signal.throwIfAborted();
  }
  return client;
}

export function clientFor(c: Connection): TempoClient {
  return new TempoClient({ url: c.url, auth: c.auth, user: c.user, token: c.token, tenant: c.tenant, headers: {} }, { timeoutMs: 60_000 });
}

export function windowOf(spec: WindowSpec, now: number): TimeWindow {
  if ('window' in spec) return spec.window;
  const endMs = Math.ceil(now / 1000) * 1000;
  return { startMs: endMs - spec.sinceMs, endMs };
}


export function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
