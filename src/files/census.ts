// Check Instrumentation over trace files: every span is read, so the counts are exact without metrics.
import type { Span } from '../shared/model';
import { SpanCensus, type CensusResult, type CensusSource, type SeenFunction } from '../core/doctor';
import type { StatsRequest } from '../core/source';
import { FileStatsSource, type FileStatsSourceOptions } from './files';

export class FilesCensus implements CensusSource {
  constructor(private readonly opts: Omit<FileStatsSourceOptions, 'onSpan'>) {}

  async census(req: StatsRequest, signal: AbortSignal): Promise<CensusResult & { functions: readonly SeenFunction[] }> {
    const counts = new SpanCensus();
    const source = new FileStatsSource({ ...this.opts, onSpan: (s: Span) => counts.add(s) });
    const snap = await source.load(req, signal);
    return { window: snap.window, services: counts.result(), functions: snap.functions.map((f) => ({ codeRef: f.codeRef, service: f.service })), notes: snap.notes, metricsUnavailable: null };
  }
}

