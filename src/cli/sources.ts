// The CLI's one choice of telemetry source (`--source tempo|files`): a TelemetrySource for every subcommand that reads figures.
import * as path from 'node:path';
import type { Connection } from '../core/cliArgs';
import type { TelemetrySource } from '../core/source';
import { FilesSource } from '../files/source';
import { compileWorkspaceGlob } from '../files/workspaceFiles';
import { CachedTempoClient, CONNECTION_CACHE_TTL_MS, QueryCache } from '../tempo/cache';
import { TempoSource } from '../tempo/source';
import { clientFor, oneLine, type CliIo } from './common';

export const DEFAULT_FILES_GLOB = '.tempo-lens/traces/**/*.json';

export interface CliSourceSpec {
  readonly source: 'tempo' | 'files';
  readonly connection: Connection;
  readonly files: string | null;
  /** The folder trace files are relative to. */
  readonly root: string;
  /** An explicit --window: files count only spans inside it. */
  readonly clipToWindow: boolean;
  /** Keep the traces of a load for the detectors (files). */
  readonly keepTraces: boolean;
  /** Cache Tempo's answers for the process's life (the MCP server: a trace asked for twice is fetched once). */
  readonly cached?: boolean;
}

/** A bad --files glob: the caller exits with its usage code. */
export class CliUsageError extends Error {}

/** The source the flags name, and how to release it (the Tempo client's sockets). */
export function openCliSource(spec: CliSourceSpec, io: CliIo): { source: TelemetrySource; close(): Promise<void> } {
  if (spec.source === 'files') {
    const glob = spec.files ?? DEFAULT_FILES_GLOB;
    const check = compileWorkspaceGlob(glob);
    if (!check.ok) throw new CliUsageError(`--files: ${check.error}`);
    return { source: new FilesSource({ root: path.resolve(spec.root), glob, clipToWindow: spec.clipToWindow, keepTraces: spec.keepTraces }), close: async () => undefined };
  }
  const client = clientFor(spec.connection);
  const queries = spec.cached === true ? new CachedTempoClient(client, new QueryCache({ ttlMs: CONNECTION_CACHE_TTL_MS })) : client;
  const now = io.now;
  const source = new TempoSource(queries, {
    onQueryRefused: (query, answer) => io.stderr(`tempo-lens: Tempo refused a query built by tempo-lens (a bug: please report it with this line): ${oneLine(answer)} — query: ${oneLine(query)}\n`),
    ...(now !== undefined ? { now } : {}),
  });
  return { source, close: () => client.close() };
}
