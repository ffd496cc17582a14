// Command-line parsing for `tempo-lens` (hotspots | search | trace | match | mcp | doctor), pure: argv + env in, a command or a usage error out.
import type { InsightKind, TimeWindow } from '../shared/model';
import { parseSince, parseTimestamp } from './timeRange';

export const USAGE = `Usage:
  tempo-lens hotspots [--url U] [--source tempo|files] [--files GLOB] [--workspace DIR]
                      [--since 1h | --start T --end T] [--filter TRACEQL] [--tenant ID]
                      [--format table|json|sarif] [--limit N] [--fail-on slow,errors,...]
                      [--latency-ms N] [--error-rate R] [--sort p95|errors] [--no-insights]
  tempo-lens search   'TRACEQL' [--url U] [--since 1h | --start T --end T] [--limit N] [--format table|json] [--tenant ID]
  tempo-lens trace    TRACE_ID [--url U] [--format tree|json] [--tenant ID]
  tempo-lens match    --workspace DIR [--input FILE]
  tempo-lens mcp      [--url U] [--source tempo|files] [--files GLOB] [--workspace DIR] [--since 1h]
                      [--filter TRACEQL] [--tenant ID] [--latency-ms N] [--error-rate R] [--no-insights] [--max-bytes N]
                      MCP server on stdio for coding agents: tools hotspots, function_stats, find_traces, get_trace
  tempo-lens doctor   [--url U] [--source tempo|files] [--files GLOB] [--workspace DIR]
                      [--since 1h | --start T --end T] [--filter TRACEQL] [--tenant ID] [--format table|json]

doctor ("why don't I see any lenses?") counts, per service, the spans with code attributes (old
keys, new keys, both; exact, from TraceQL metrics), how many of their functions map to methods of
--workspace (default: the current folder), and what to change for that SDK.

hotspots also reports caller-timeout, cache-stampede and n-plus-one insights found in traces: with
--source files from every trace in the files, with --source tempo from a bounded sample of the
listed functions' slowest and erroring traces (--no-insights skips that sampling).

Auth from the environment: TEMPO_LENS_TOKEN, TEMPO_LENS_USER (basic auth when set, else bearer),
TEMPO_LENS_AUTH=none|basic|bearer to choose explicitly. TEMPO_LENS_URL sets the default --url.
Exit codes: 0 ok, 1 findings matched --fail-on, 2 usage error, 3 Tempo unreachable / auth / server error.`;

export const FAIL_ON_KINDS: readonly InsightKind[] = ['slow', 'errors', 'caller-timeout', 'cache-stampede', 'n-plus-one'];

export interface Connection {
  readonly url: string;
  readonly tenant: string;
  readonly auth: 'none' | 'basic' | 'bearer';
  readonly user: string;
  readonly token: string | undefined;
}

/** Either a window ending now (`sinceMs`) or explicit bounds. */
export type WindowSpec = { readonly sinceMs: number } | { readonly window: TimeWindow };

export interface HotspotsCommand {
  readonly command: 'hotspots';
  readonly connection: Connection;
  readonly source: 'tempo' | 'files';
  readonly files: string | null;
  readonly workspace: string | null;
  readonly window: WindowSpec;
  readonly filter: string;
  readonly format: 'table' | 'json' | 'sarif';
  readonly limit: number;
  readonly failOn: readonly InsightKind[];
  readonly latencyMs: number;
  readonly errorRate: number;
  readonly sort: 'p95' | 'errors';
  /** Run the trace detectors (caller-timeout, cache-stampede, n-plus-one); `--no-insights` turns them off. */
  readonly insights: boolean;
}

export interface SearchCommand {
  readonly command: 'search';
  readonly connection: Connection;
  readonly query: string;
  readonly window: WindowSpec;
  readonly limit: number;
  readonly format: 'table' | 'json';
}

export interface TraceCommand {
  readonly command: 'trace';
  readonly connection: Connection;
  readonly traceId: string;
  readonly format: 'tree' | 'json';
}

export interface MatchCommand {
  readonly command: 'match';
  readonly workspace: string;
  readonly input: string | null;
}

/** `mcp`: the agent tools as an MCP server on stdio, over figures that end "now" at each refresh. */
export interface McpCommand {
  readonly command: 'mcp';
  readonly connection: Connection;
  readonly source: 'tempo' | 'files';
  readonly files: string | null;
  readonly workspace: string | null;
  readonly sinceMs: number;
  readonly filter: string;
  readonly latencyMs: number;
  readonly errorRate: number;
  readonly insights: boolean;
  /** Size cap of one tool result (UTF-8 bytes of its JSON). */
  readonly maxBytes: number;
}

export interface DoctorCommand {
  readonly command: 'doctor';
  readonly connection: Connection;
  readonly source: 'tempo' | 'files';
  readonly files: string | null;
  readonly workspace: string;
  readonly window: WindowSpec;
  readonly filter: string;
  readonly format: 'table' | 'json';
}

export type CliCommand = HotspotsCommand | SearchCommand | TraceCommand | MatchCommand | McpCommand | DoctorCommand;

export type ParseResult =
  | { readonly ok: true; readonly command: CliCommand }
  | { readonly ok: false; readonly help: true; readonly text: string }
  | { readonly ok: false; readonly help: false; readonly error: string };

const FLAGS: Record<CliCommand['command'], readonly string[]> = {
  hotspots: ['url', 'source', 'files', 'workspace', 'since', 'start', 'end', 'filter', 'tenant', 'format', 'limit', 'fail-on', 'latency-ms', 'error-rate', 'sort', 'no-insights'],
  search: ['url', 'since', 'start', 'end', 'limit', 'format', 'tenant'],
  trace: ['url', 'format', 'tenant'],
  match: ['workspace', 'input'],
  mcp: ['url', 'source', 'files', 'workspace', 'since', 'filter', 'tenant', 'latency-ms', 'error-rate', 'no-insights', 'max-bytes'],
  doctor: ['url', 'source', 'files', 'workspace', 'since', 'start', 'end', 'filter', 'tenant', 'format'],
};

/** Flags that take no value (present = true). */
const SWITCHES: ReadonlySet<string> = new Set(['no-insights']);

class UsageError extends Error {}

/** Where the figures come from: the connection (Tempo), `--source` and `--files` (trace files). */
function sourceFrom(flags: Map<string, string>, env: Readonly<Record<string, string | undefined>>): { connection: Connection; source: 'tempo' | 'files'; files: string | null } {
  return { connection: connectionFrom(flags, env), source: choice(flags, 'source', ['tempo', 'files'] as const, 'tempo'), files: flags.get('files') ?? null };
}

function connectionFrom(flags: Map<string, string>, env: Readonly<Record<string, string | undefined>>): Connection {
  const token = env['TEMPO_LENS_TOKEN'] !== undefined && env['TEMPO_LENS_TOKEN'] !== '' ? env['TEMPO_LENS_TOKEN'] : undefined;
  const user = env['TEMPO_LENS_USER'] ?? '';
  const explicit = (env['TEMPO_LENS_AUTH'] ?? '').trim().toLowerCase();
  let auth: Connection['auth'];
  if (explicit !== '') {
    if (explicit !== 'none' && explicit !== 'basic' && explicit !== 'bearer') throw new UsageError(`TEMPO_LENS_AUTH must be none, basic or bearer (got "${explicit}")`);
    auth = explicit;
  } else auth = user !== '' ? 'basic' : token !== undefined ? 'bearer' : 'none';
  if (auth === 'basic' && user === '') throw new UsageError('basic auth needs TEMPO_LENS_USER');
  const url = flags.get('url') ?? env['TEMPO_LENS_URL'] ?? 'http://localhost:3200';
  return { url, tenant: flags.get('tenant') ?? '', auth, user, token };
}

function intFlag(flags: Map<string, string>, name: string, def: number, min: number): number {
  const raw = flags.get(name);
  if (raw === undefined) return def;
  if (!/^\d+$/.test(raw) || Number(raw) < min) throw new UsageError(`--${name} must be a whole number ≥ ${min} (got "${raw}")`);
  return Number(raw);
}

function numFlag(flags: Map<string, string>, name: string, def: number, min: number, max: number): number {
  const raw = flags.get(name);
  if (raw === undefined) return def;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number between ${min} and ${max} (got "${raw}")`);
  return n;
}

function choice<T extends string>(flags: Map<string, string>, name: string, options: readonly T[], def: T): T {
  const raw = flags.get(name);
  if (raw === undefined) return def;
  if (!(options as readonly string[]).includes(raw)) throw new UsageError(`--${name} must be one of ${options.join(', ')} (got "${raw}")`);
  return raw as T;
}

function windowFrom(flags: Map<string, string>): WindowSpec {
  const since = flags.get('since');
  const start = flags.get('start');
  const end = flags.get('end');
  if (since !== undefined && (start !== undefined || end !== undefined)) throw new UsageError('use either --since or --start/--end, not both');
  if (start !== undefined || end !== undefined) {
    if (start === undefined || end === undefined) throw new UsageError('--start and --end go together');
    const s = parseTimestamp(start);
    const e = parseTimestamp(end);
    if (s === null) throw new UsageError(`--start: "${start}" is not a time (use RFC 3339 like 2026-01-02T03:04:05Z, or unix seconds)`);
    if (e === null) throw new UsageError(`--end: "${end}" is not a time (use RFC 3339 like 2026-01-02T03:04:05Z, or unix seconds)`);
    if (e <= s) throw new UsageError('--end must be after --start');
    return { window: { startMs: s, endMs: e } };
  }
  const ms = parseSince(since ?? '1h');
  if (ms === null) throw new UsageError(`--since: "${since ?? ''}" is not a duration (e.g. 15m, 1h, 24h, 7d)`);
  return { sinceMs: ms };
}

/** Parses `argv` (without `node` and the script). */
export function parseCliArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ParseResult {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') return { ok: false, help: true, text: USAGE };
  const cmd = argv[0] as string;
  if (!(cmd in FLAGS)) return { ok: false, help: false, error: `unknown command "${cmd}" (expected hotspots, search, trace, match, mcp or doctor)` };
  const command = cmd as CliCommand['command'];
  const allowed = FLAGS[command];
  const flags = new Map<string, string>();
  const positional: string[] = [];
  try {
    for (let i = 1; i < argv.length; i++) {
      const a = argv[i] as string;
      if (a === '--help' || a === '-h') return { ok: false, help: true, text: USAGE };
      if (a === '--') { positional.push(...argv.slice(i + 1)); break; }
      if (a.startsWith('--')) {
        const eq = a.indexOf('=');
        const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
        if (!allowed.includes(name)) throw new UsageError(`unknown option --${name} for ${command}`);
        let value: string;
        if (SWITCHES.has(name)) {
          if (eq >= 0) throw new UsageError(`--${name} takes no value`);
          value = 'true';
        } else if (eq >= 0) value = a.slice(eq + 1);
        else {
          const next = argv[i + 1];
          if (next === undefined || (next.startsWith('--') && next.length > 2)) throw new UsageError(`--${name} needs a value`);
          value = next;
          i++;
        }
        if (flags.has(name)) throw new UsageError(`--${name} given twice`);
        flags.set(name, value);
      } else positional.push(a);
    }
    switch (command) {
      case 'hotspots': {
        if (positional.length > 0) throw new UsageError(`unexpected argument "${positional[0] as string}"`);
        const failOn = (flags.get('fail-on') ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
        for (const k of failOn) if (!(FAIL_ON_KINDS as readonly string[]).includes(k)) throw new UsageError(`--fail-on: unknown kind "${k}" (use ${FAIL_ON_KINDS.join(', ')})`);
        return {
          ok: true,
          command: {
            command,
            ...sourceFrom(flags, env),
            workspace: flags.get('workspace') ?? null,
            window: windowFrom(flags),
            filter: flags.get('filter') ?? '',
            format: choice(flags, 'format', ['table', 'json', 'sarif'] as const, 'table'),
            limit: intFlag(flags, 'limit', 20, 1),
            failOn: failOn as InsightKind[],
            latencyMs: numFlag(flags, 'latency-ms', 1000, 0, 1e9),
            errorRate: numFlag(flags, 'error-rate', 0.05, 0, 1),
            sort: choice(flags, 'sort', ['p95', 'errors'] as const, 'p95'),
            insights: !flags.has('no-insights'),
          },
        };
      }
      case 'search': {
        if (positional.length !== 1) throw new UsageError(positional.length === 0 ? 'search needs a TraceQL query, e.g. tempo-lens search \'{ status = error }\'' : `unexpected argument "${positional[1] as string}"`);
        return {
          ok: true,
          command: {
            command,
            connection: connectionFrom(flags, env),
            query: positional[0] as string,
            window: windowFrom(flags),
            limit: intFlag(flags, 'limit', 20, 1),
            format: choice(flags, 'format', ['table', 'json'] as const, 'table'),
          },
        };
      }
      case 'trace': {
        if (positional.length !== 1) throw new UsageError(positional.length === 0 ? 'trace needs a trace id' : `unexpected argument "${positional[1] as string}"`);
        const id = (positional[0] as string).trim();
        if (!/^[0-9a-fA-F]{1,32}$/.test(id)) throw new UsageError(`"${id}" is not a trace id (1–32 hex characters)`);
        return { ok: true, command: { command, connection: connectionFrom(flags, env), traceId: id.toLowerCase(), format: choice(flags, 'format', ['tree', 'json'] as const, 'tree') } };
      }
      case 'doctor': {
        if (positional.length > 0) throw new UsageError(`unexpected argument "${positional[0] as string}"`);
        return {
          ok: true,
          command: {
            command,
            ...sourceFrom(flags, env),
            workspace: flags.get('workspace') ?? '.',
            window: windowFrom(flags),
            filter: flags.get('filter') ?? '',
            format: choice(flags, 'format', ['table', 'json'] as const, 'table'),
          },
        };
      }
      case 'match': {
        if (positional.length > 0) throw new UsageError(`unexpected argument "${positional[0] as string}"`);
        const workspace = flags.get('workspace');
        if (workspace === undefined) throw new UsageError('match needs --workspace DIR');
        return { ok: true, command: { command, workspace, input: flags.get('input') ?? null } };
      }
      case 'mcp': {
        if (positional.length > 0) throw new UsageError(`unexpected argument "${positional[0] as string}"`);
        const since = flags.get('since') ?? '1h';
        const sinceMs = parseSince(since);
        if (sinceMs === null) throw new UsageError(`--since: "${since}" is not a duration (e.g. 15m, 1h, 24h, 7d)`);
        return {
          ok: true,
          command: {
            command,
            ...sourceFrom(flags, env),
            workspace: flags.get('workspace') ?? null,
            sinceMs,
            filter: flags.get('filter') ?? '',
            latencyMs: numFlag(flags, 'latency-ms', 1000, 0, 1e9),
            errorRate: numFlag(flags, 'error-rate', 0.05, 0, 1),
            insights: !flags.has('no-insights'),
            maxBytes: intFlag(flags, 'max-bytes', 32 * 1024, 2048),
          },
        };
      }
    }
  } catch (e) {
    if (e instanceof UsageError) return { ok: false, help: false, error: e.message };
    throw e;
  }
}
