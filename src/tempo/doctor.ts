// Check Instrumentation, vscode-free (the Tempo census and the report's orchestration): per-service counts from a source (Tempo metrics, trace files, …), the functions it saw, the matcher's verdicts.
import type { CodeLocation, CodeRef } from '../shared/model';
import type { StatsRequest } from '../core/source';
import {
  buildDoctorReport, censusQueries, countsFromMetrics,
  type CensusAnswers, type CensusResult, type CensusSource, type DoctorReport, type FunctionVerdict, type SeenFunction,
} from '../core/doctor';
import { alignWindow, defaultMetricsCapMs, metricsChunks, metricsWindowFor, stepFor } from '../core/timeRange';
import { checkFilter } from '../core/traceql';
import type { QueryRangeResponse } from '../core/wire';
import { isTempoError, TempoError } from './errors';
import type { StatsClient, TempoStatsSource } from './statsSource';

/** What the matcher said about one function (WorkspaceMatcher.explain in the CLI, the workspace index in the editor). */
export interface MatchExplanation {
  readonly location: CodeLocation | null;
  readonly candidates: readonly { readonly file: string }[];
  readonly reason: string;
}

export type ExplainFunction = (ref: CodeRef, service: string | null, signal: AbortSignal) => Promise<MatchExplanation | null>;

/** Metrics failures that mean "no exact counts here" rather than "Tempo is unreachable / refuses us". */
const METRICS_UNAVAILABLE_KINDS = ['badRequest', 'notFound', 'wrongPath', 'server', 'malformed', 'tooLarge', 'timeout'];

/** Tempo: four TraceQL-metrics queries per chunk (same window, step and chunks as the statistics) plus the statistics' function list. */
export class TempoCensus implements CensusSource {
  constructor(
    private readonly client: StatsClient,
    private readonly stats: TempoStatsSource,
    private readonly opts: { readonly now?: () => number } = {},
  ) {}

  async census(req: StatsRequest, signal: AbortSignal): Promise<CensusResult & { functions: readonly SeenFunction[] }> {
    const check = checkFilter(req.filter);
    if (!check.ok) throw new TempoError('badRequest', `tempoLens.filter is not valid: ${check.error}`);
    const caps = await this.client.capabilities(signal);
    // The statistics' own queries give the functions (and learn the server's range cap).
    const snap = await this.stats.load(req, signal);
    const functions = snap.functions.map((f) => ({ codeRef: f.codeRef, service: f.service }));
    const notes = snap.origin === 'metrics' ? [] : [...snap.notes];
    if (caps.traceqlMetrics === false) {
      return { window: req.window, services: [], functions, notes, metricsUnavailable: `Tempo ${caps.version ?? ''} cannot run TraceQL metrics (2.4+ can).`.replace('  ', ' ') };
    }
    const now = (this.opts.now ?? Date.now)();
    const window = metricsWindowFor(req.window, caps.version, now);
    const step = stepFor(window);
    const aligned = alignWindow(window, step);
    const chunks = metricsChunks(aligned, this.stats.metricsRangeCapMs ?? defaultMetricsCapMs(caps.version), step, caps.version);
    const queries = censusQueries(check.conditions, req.services);
    const answers: { [K in keyof CensusAnswers]: QueryRangeResponse[] } = { all: [], old: [], new: [], any: [] };
    const stepArg = `${Math.round(step / 1000)}s`;
    try {
      for (const c of chunks) {
        const params = { start: c.startMs / 1000, end: c.endMs / 1000, step: stepArg };
        const keys = Object.keys(queries) as (keyof CensusAnswers)[];
        const resps = await Promise.all(keys.map((k) => this.client.metricsQueryRange({ ...params, q: queries[k] }, signal)));
        keys.forEach((k, i) => answers[k].push(resps[i] as QueryRangeResponse));
      }
    } catch (e) {
      if (signal.aborted || !isTempoError(e) || !METRICS_UNAVAILABLE_KINDS.includes(e.kind)) throw e;
      // A filter Tempo cannot parse is the user's to fix, not a missing feature.
      if (e.traceqlPosition !== undefined && check.conditions !== '') throw e;
      return { window: aligned, services: [], functions, notes, metricsUnavailable: (e.body ?? e.message).replace(/\s+/g, ' ').trim().slice(0, 300) };
    }
    if (answers.all.some((a) => a.status === 'PARTIAL')) notes.push('Tempo truncated a census answer (series limit): counts may be low; narrow the filter.');
    const services = countsFromMetrics(answers);
    if (services.length === 0 && functions.length > 0) {
      // Search found spans the metrics do not count (PITFALLS 2: local-blocks off, or filtering server spans).
      return { window: aligned, services, functions, notes, metricsUnavailable: 'TraceQL metrics count none of the spans that search finds in this window.' };
    }
    return { window: aligned, services, functions, notes, metricsUnavailable: null };
  }
}

/** A path-mapping suggestion is only worth making when the path was found by its ending, not by a configured mapping. */
const FOUND_BY_ENDING = /by (path suffix|file name|learned prefix)/;

async function verdicts(functions: readonly SeenFunction[], explain: ExplainFunction, signal: AbortSignal): Promise<FunctionVerdict[]> {
  const out: FunctionVerdict[] = [];
  for (const f of functions) {
    signal.throwIfAborted();
    const r = await explain(f.codeRef, f.service, signal);
    if (r === null) {
      out.push({ ...f, matched: null, reason: null, workspaceFile: null, mappedByConfig: false });
      continue;
    }
    const loc = r.location;
    out.push({
      ...f,
      matched: loc !== null,
      reason: loc === null ? r.reason : null,
      workspaceFile: loc?.file ?? r.candidates[0]?.file ?? null,
      mappedByConfig: loc !== null && !FOUND_BY_ENDING.test(loc.reason),
    });
  }
  return out;
}

/** The whole check: census, matcher verdicts, report. `explain` null: no workspace to check against. */
export async function runDoctor(
  source: CensusSource,
  req: StatsRequest,
  explain: ExplainFunction | null,
  signal: AbortSignal,
): Promise<DoctorReport> {
  const census = await source.census(req, signal);
  const fns = explain === null ? [] : await verdicts(census.functions, explain, signal);
  return buildDoctorReport(census, fns, { workspaceChecked: explain !== null, filter: req.filter });
}


export type { CensusSource, SeenFunction };
