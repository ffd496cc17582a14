// Composition root of the headless CLI (`tempo-lens`): wires argument parsing, the stats sources, the matcher and the formatters.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Attributes, FunctionStats } from './shared/model';
import { parseCliArgs, type CliCommand, type DoctorCommand, type HotspotsCommand } from './core/cliArgs';
import { INSIGHT_SAMPLING, clientFor, oneLine, openMatcher, windowOf, type CliIo } from './cli/common';
import { doctorJson } from './core/doctor';
import { doctorTable } from './core/doctorFormat';
import { combineInsights, hotspotsJson, hotspotsSarif, hotspotsTable, searchJson, searchTable, traceJson, traceTree, type HotspotRow } from './core/cliFormat';
import { codeRefFromAttributes, codeRefHintsFromAttributes, NO_HINTS } from './core/codeRef';
import { thresholdInsights } from './core/insights/thresholds';
import { parseTraceBody, SkipCounter } from './core/otlp';
import { traceSummaries } from './core/search';
import { sanitizeForTerminal } from './core/terminal';
import { compareByErrors, compareHotspots, functionKey } from './core/stats';
import type { LocateRequest } from './symbols/mapClient';
import { TempoConfigError, isTempoError } from './tempo/errors';
import { sourceInsights, uncountedFunctions, type InsightsResult } from './tempo/insightsSource';
import { runDoctor, type ExplainFunction } from './tempo/doctor';
import { CliUsageError, openCliSource, type CliSourceSpec } from './cli/sources';

export const TOOL_VERSION = '0.1.0';

export type { CliIo };

export const EXIT = { ok: 0, findings: 1, usage: 2, tempo: 3 } as const;

export { INSIGHT_SAMPLING };

class CliFailure extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

async function hotspots(cmd: HotspotsCommand, io: CliIo, signal: AbortSignal): Promise<number> {
  const now = (io.now ?? Date.now)();
  const window = windowOf(cmd.window, now);
  const cwd = io.cwd ?? process.cwd();
  const opened = openSource({ ...cmd, root: path.resolve(cwd, cmd.workspace ?? '.'), clipToWindow: 'window' in cmd.window, keepTraces: cmd.insights }, io);
  const { source } = opened;
  try {
    const [loaded, matcher] = await Promise.all([source.stats({ window, filter: cmd.filter }, signal), openMatcher(cmd.workspace, io, signal)]);
    const thresholds = { latencyMs: cmd.latencyMs, errorRate: cmd.errorRate };
    const sorted = [...loaded.functions].sort(cmd.sort === 'errors' ? compareByErrors : compareHotspots);
    const notes = [...loaded.notes];
    let traceInsights: InsightsResult | null = null;
    if (cmd.insights) {
      // Only the listed functions are sampled (a remote source): one search and a bounded number of trace fetches.
      const targets = sorted.slice(0, Math.min(cmd.limit, INSIGHT_SAMPLING.maxFunctions)).filter((f) => f.calls > 0);
      let skipped = 0;
      const r = await sourceInsights(source, targets, { window: loaded.window, filter: cmd.filter }, { ...INSIGHT_SAMPLING, onSkip: () => { skipped++; } }, signal);
      traceInsights = r;
      if (source.capabilities.insights === 'sampled') {
        notes.push(
          `caller-timeout / cache-stampede / n-plus-one insights from ${r.tracesExamined} sampled trace${r.tracesExamined === 1 ? '' : 's'} of ${r.analysed} function${r.analysed === 1 ? '' : 's'}` +
            `${skipped > 0 ? ` (${skipped} skipped: their traces could not be read)` : ''}${r.timedOut ? `; sampling stopped after ${INSIGHT_SAMPLING.timeoutMs / 1000} s` : ''} (--no-insights skips this).`,
        );
      }
    }
    const snapshot = { ...loaded, notes };
    // A finding on a method the figures did not count is still a finding: listed after the counted ones, without figures.
    const listed = [...sorted, ...(traceInsights === null ? [] : uncountedFunctions(traceInsights.findings, sorted, loaded.window))];
    const located = matcher !== null ? await matcher.locateAll(listed.map((f) => ({ ref: f.codeRef, service: f.service })), signal).finally(() => matcher.dispose()) : null;
    const all: HotspotRow[] = listed.map((stats: FunctionStats, i) => ({
      stats,
      location: located?.[i]?.location ?? null,
      insights: combineInsights(thresholdInsights(stats, thresholds), traceInsights?.findings.get(functionKey(stats.codeRef, stats.service))?.insights ?? []),
    }));
    const shown = all.slice(0, cmd.limit);
    if (cmd.format === 'json') {
      io.stdout(`${JSON.stringify(hotspotsJson(snapshot.window, shown), null, 2)}\n`);
      for (const n of snapshot.notes) io.stderr(`tempo-lens: note: ${n}\n`);
    } else if (cmd.format === 'sarif') {
      // CI reads SARIF: every finding, not only the first --limit rows.
      io.stdout(`${JSON.stringify(hotspotsSarif(all.filter((r) => r.insights.length > 0), TOOL_VERSION), null, 2)}\n`);
      for (const n of snapshot.notes) io.stderr(`tempo-lens: note: ${n}\n`);
    } else {
      io.stdout(hotspotsTable(snapshot, shown, all.length));
    }
    const failing = all.filter((r) => r.insights.some((i) => cmd.failOn.includes(i.kind)));
    if (failing.length > 0) {
      io.stderr(`tempo-lens: ${failing.length} function${failing.length === 1 ? '' : 's'} over --fail-on ${cmd.failOn.join(',')} thresholds\n`);
      return EXIT.findings;
    }
    return EXIT.ok;
  } finally {
    await opened.close();
  }
}

/** The source the flags name; a bad --files glob is a usage error. */
function openSource(spec: CliSourceSpec, io: CliIo): ReturnType<typeof openCliSource> {
  try {
    return openCliSource(spec, io);
  } catch (e) {
    if (e instanceof CliUsageError) throw new CliFailure(EXIT.usage, e.message);
    throw e;
  }
}

/** `doctor`: why lenses do (not) show — per-service census, matcher verdicts, advice. */
async function doctor(cmd: DoctorCommand, io: CliIo, signal: AbortSignal): Promise<number> {
  const now = (io.now ?? Date.now)();
  const window = windowOf(cmd.window, now);
  const cwd = io.cwd ?? process.cwd();
  const opened = openSource({ ...cmd, root: path.resolve(cwd, cmd.workspace), clipToWindow: 'window' in cmd.window, keepTraces: false }, io);
  const { source } = opened;
  let matcher: Awaited<ReturnType<typeof openMatcher>> = null;
  try {
    matcher = await openMatcher(cmd.workspace, io, signal);
    const m = matcher;
    const explain: ExplainFunction | null = m === null ? null : (ref, service, s) => m.explain(ref, service, NO_HINTS, s);
    const report = await runDoctor(source, { window, filter: cmd.filter }, explain, signal);
    if (cmd.format === 'json') {
      io.stdout(`${JSON.stringify(doctorJson(report), null, 2)}\n`);
      io.stderr(`tempo-lens: ${oneLine(report.summary)}\n`);
      for (const a of report.advice) io.stderr(`tempo-lens: advice: ${oneLine(a)}\n`);
      for (const n of report.notes) io.stderr(`tempo-lens: note: ${oneLine(n)}\n`);
    } else {
      io.stdout(doctorTable(report));
    }
    return report.state === 'metrics-unavailable' ? EXIT.tempo : EXIT.ok;
  } finally {
    await matcher?.dispose();
    await opened.close();
  }
}

async function run(cmd: CliCommand, io: CliIo, signal: AbortSignal): Promise<number> {
  switch (cmd.command) {
    case 'doctor':
      return doctor(cmd, io, signal);
    case 'hotspots':
      return hotspots(cmd, io, signal);
    case 'search': {
      const client = clientFor(cmd.connection);
      try {
        const w = windowOf(cmd.window, (io.now ?? Date.now)());
        const resp = await client.search({ q: cmd.query, start: Math.floor(w.startMs / 1000), end: Math.ceil(w.endMs / 1000), limit: cmd.limit, spss: 10 }, signal);
        const skips = new SkipCounter();
        const traces = traceSummaries(resp, skips);
        io.stdout(cmd.format === 'json' ? `${JSON.stringify(searchJson(traces), null, 2)}\n` : searchTable(traces));
        for (const n of skips.notes()) io.stderr(`tempo-lens: note: ${n}\n`);
        return EXIT.ok;
      } finally {
        await client.close();
      }
    }
    case 'trace': {
      const client = clientFor(cmd.connection);
      try {
        const body = await client.traceById(cmd.traceId, {}, signal);
        if (body === null) throw new CliFailure(EXIT.tempo, `trace ${cmd.traceId} was not found in Tempo at ${client.displayUrl}`);
        const skips = new SkipCounter();
        const trace = parseTraceBody(body, skips);
        io.stdout(cmd.format === 'json' ? `${JSON.stringify(traceJson(trace), null, 2)}\n` : traceTree(trace));
        for (const n of skips.notes()) io.stderr(`tempo-lens: note: ${n}\n`);
        return EXIT.ok;
      } finally {
        await client.close();
      }
    }
    case 'mcp': {
      // Loaded on demand: the MCP SDK (with zod and ajv) adds ~35 ms of module load to every other subcommand otherwise.
      const { runMcpServer } = await import('./cli/mcp');
      return runMcpServer(cmd, io, signal, TOOL_VERSION);
    }
    case 'match': {
      const text = cmd.input !== null
        ? await fs.readFile(path.resolve(io.cwd ?? process.cwd(), cmd.input), 'utf8').catch((e: NodeJS.ErrnoException) => {
          throw new CliFailure(EXIT.usage, `cannot read --input ${cmd.input ?? ''}: ${e.code ?? e.message}`);
        })
        : await (io.readStdin ?? readStdin)();
      const matcher = await openMatcher(cmd.workspace, io, signal, true).catch((e: unknown) => {
        if (signal.aborted) throw e;
        throw new CliFailure(EXIT.usage, `cannot index --workspace ${cmd.workspace}: ${e instanceof Error ? e.message : String(e)}`);
      });
      try {
        let lineNo = 0;
        const rows: { input: unknown; item: number | null }[] = [];
        const items: LocateRequest[] = [];
        for (const line of text.split(/\r?\n/)) {
          lineNo++;
          if (line.trim() === '') continue;
          let input: unknown;
          try {
            input = JSON.parse(line);
          } catch {
            throw new CliFailure(EXIT.usage, `--input line ${lineNo} is not JSON`);
          }
          if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new CliFailure(EXIT.usage, `--input line ${lineNo} is not a JSON object of span attributes`);
          const attrs = input as Attributes;
          const ref = codeRefFromAttributes(attrs);
          const svc = attrs['service.name'];
          // Hints (SDK language, parameter types, code.stacktrace frames) let the matcher pick between overloads and see through lambdas.
          if (ref !== null && matcher !== null) items.push({ ref, service: typeof svc === 'string' ? svc : null, hints: codeRefHintsFromAttributes(attrs) });
          rows.push({ input, item: ref !== null && matcher !== null ? items.length - 1 : null });
        }
        const located = matcher !== null && items.length > 0 ? await matcher.locateAll(items, signal) : [];
        for (const r of rows) io.stdout(`${JSON.stringify({ input: r.input, location: r.item !== null ? located[r.item]?.location ?? null : null })}\n`);
        return EXIT.ok;
      } finally {
        await matcher?.dispose();
      }
    }
  }
}

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (c: Buffer) => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

/** Runs the CLI; resolves to the exit code. Never throws. */
export async function main(argv: readonly string[], rawIo: CliIo): Promise<number> {
  // Every byte the CLI prints goes through one sanitiser: error bodies, trace ids, span names and
  // file names come from servers and files, and must not drive the terminal.
  const io: CliIo = { ...rawIo, stdout: (t) => rawIo.stdout(sanitizeForTerminal(t)), stderr: (t) => rawIo.stderr(sanitizeForTerminal(t)) };
  const parsed = parseCliArgs(argv, io.env);
  if (!parsed.ok) {
    if (parsed.help) {
      io.stdout(`${parsed.text}\n`);
      return EXIT.ok;
    }
    io.stderr(`tempo-lens: ${parsed.error} (see tempo-lens --help)\n`);
    return EXIT.usage;
  }
  const ctl = new AbortController();
  const outer = io.signal;
  const onAbort = (): void => ctl.abort(outer?.reason);
  outer?.addEventListener('abort', onAbort, { once: true });
  try {
    return await run(parsed.command, io, ctl.signal);
  } catch (e) {
    if (e instanceof CliFailure) {
      io.stderr(`tempo-lens: ${oneLine(e.message)}\n`);
      return e.code;
    }
    if (e instanceof TempoConfigError) {
      io.stderr(`tempo-lens: ${oneLine(e.message)}\n`);
      return EXIT.usage;
    }
    if (isTempoError(e)) {
      // A query Tempo could not parse is the user's input to fix; everything else is Tempo's side.
      const usage = e.kind === 'badRequest' && (e.traceqlPosition !== undefined || /tempoLens\.filter is not valid/.test(e.message));
      io.stderr(`tempo-lens: ${oneLine(e.message)}\n`);
      return usage ? EXIT.usage : EXIT.tempo;
    }
    const msg = e instanceof Error ? e.message : String(e);
    if (/filter is not valid/.test(msg)) {
      io.stderr(`tempo-lens: ${oneLine(msg)}\n`);
      return EXIT.usage;
    }
    io.stderr(`tempo-lens: unexpected failure: ${oneLine(msg)}\n`);
    return EXIT.tempo;
  } finally {
    outer?.removeEventListener('abort', onAbort);
  }
}

if (require.main === module) {
  const ctl = new AbortController();
  process.once('SIGINT', () => ctl.abort(new Error('interrupted')));
  void main(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
    signal: ctl.signal,
  }).then((code) => {
    process.exitCode = code;
  });
}
