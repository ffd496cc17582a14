// Trace insights in the background: for a source that holds every trace, once per load over all of them; for a remote one, per method of the open files through drill-downs and trace fetches (shared, de-duplicated, bounded).
import * as vscode from 'vscode';
import type { FunctionStats, Insight, Trace } from '../../shared/model';
import type { TelemetrySource } from '../../core/source';
import { functionKey, severityRank, type LocatedFunction } from '../../core/surfaces';
import { insightsFromTraces, sampleInsights, sourceTraceFetch, type FunctionFindings, type InsightTarget } from '../../tempo/insightsSource';
import { TraceSampleCache } from '../../tempo/traceSamples';
import type { Logger } from '../log';
import { errorMessage, type StatsStore } from './store';

// ---- insights from sampled traces (caller-timeout, cache-stampede) ------------------------------

// The orchestration lives in tempo/insightsSource (shared with the CLI); this runner decides what to analyse and when.
export type { FunctionFindings };

export interface InsightRunnerDeps {
  readonly log: Logger;
  /** The configured source (null: not configured). */
  source(): Promise<TelemetrySource | null>;
  /** The `filter` setting (the sampling search honours it). */
  filter(): string;
  /** Methods analysed per refresh (the worst of the open files first). Default 12. */
  readonly maxMethods?: number;
  /** Traces taken per method. Default 10. */
  readonly tracesPerMethod?: number;
  /** Distinct traces per round in all. Default 60. */
  readonly maxTraces?: number;
  /** Traces analysed per load at most when the source holds them all (the detectors run on the extension host). Default 20,000. */
  readonly maxAllTraces?: number;
}

/**
 * Runs the trace detectors in the background. A remote source (`insights: 'sampled'`, Tempo): for
 * the methods of OPEN files only, drill-down search → trace fetch (cached, de-duplicated) →
 * detectors, bounded per refresh and cancelled when the next refresh lands. A source that holds
 * every trace (`insights: 'all'`: files, the receiver): once per load over all of them (bounded),
 * for all methods. Silent on failure (a missing insight is not an error the user must act on).
 */
export class InsightRunner implements vscode.Disposable {
  private readonly _onDidChange = new vscode.EventEmitter<void>();
  readonly onDidChange = this._onDidChange.event;
  private readonly disposables: vscode.Disposable[] = [];
  private findings = new Map<string, FunctionFindings>();
  private analysed = new Set<string>();
  private generation = -1;
  private controller = new AbortController();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  /** A request arrived while a round was running: run again after it. */
  private rerun = false;
  /** Shared by every round and detector: a trace is fetched once while kept (a complete trace does not change). One per source. */
  private traces: { source: TelemetrySource; cache: TraceSampleCache } | undefined;
  /** The last findings came from a source's every trace (replaced wholesale when a sampled source takes over). */
  private fromAll = false;
  /** Settles when the current round of analysis is done (tests wait on it). */
  private idle: Promise<void> = Promise.resolve();

  constructor(private readonly store: StatsStore, private readonly deps: InsightRunnerDeps) {
    this.disposables.push(
      this._onDidChange,
      store.onDidChange(() => this.schedule()),
      vscode.workspace.onDidOpenTextDocument(() => this.schedule()),
      vscode.window.onDidChangeVisibleTextEditors(() => this.schedule()),
    );
  }

  findingsFor(stats: Pick<FunctionStats, 'codeRef' | 'service'>): FunctionFindings | undefined {
    return this.findings.get(functionKey(stats));
  }

  insightsFor(entry: Pick<LocatedFunction, 'stats'>): readonly Insight[] {
    return this.findingsFor(entry.stats)?.insights ?? [];
  }

  /** Resolves when the analysis scheduled so far has finished. */
  async settled(): Promise<void> {
    while (this.timer !== undefined || this.running) {
      await new Promise((r) => setTimeout(r, 50));
      await this.idle;
    }
  }

  private schedule(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.idle = this.run();
    }, 500);
  }

  private async run(): Promise<void> {
    const gen = this.store.state.generation;
    if (gen !== this.generation) {
      this.controller.abort();
      this.controller = new AbortController();
      this.generation = gen;
      this.analysed.clear();
      // Findings stay visible until the new round replaces them: no flicker on every refresh.
    }
    if (this.running) {
      this.rerun = true;
      return;
    }
    this.running = true;
    const signal = this.controller.signal;
    try {
      const source = await this.deps.source();
      if (source === null || signal.aborted) return;
      if (source.capabilities.insights === 'all') {
        this.fromAll = true;
        // null: this load's traces were analysed already (a remap, a document opened): findings stand.
        const all = source.takeTraces?.() ?? null;
        if (all !== null) this.analyseAll(all, source.capabilities.label);
        return;
      }
      if (this.fromAll) {
        // A sampled source took over: what the other one showed does not describe it.
        this.fromAll = false;
        this.findings = new Map();
        this._onDidChange.fire();
      }
      const traces = this.traceCache(source);
      const targets: LocatedFunction[] = [];
      const cts = new vscode.CancellationTokenSource();
      for (const doc of vscode.workspace.textDocuments) {
        if (!this.store.hasEntries(doc)) continue;
        for (const e of await this.store.forDocument(doc, cts.token)) targets.push(e);
      }
      cts.dispose();
      targets.sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || (b.stats.p95Ms ?? 0) - (a.stats.p95Ms ?? 0));
      const max = this.deps.maxMethods ?? 12;
      const chosen: LocatedFunction[] = [];
      for (const t of targets) {
        if (chosen.length >= max) break;
        const key = functionKey(t.stats);
        if (this.analysed.has(key)) continue;
        this.analysed.add(key);
        chosen.push(t);
      }
      const done = chosen.length;
      let fresh: ReadonlyMap<string, FunctionFindings> = new Map();
      if (done > 0 && !signal.aborted) {
        try {
          const perFunction = this.deps.tracesPerMethod ?? 10;
          const maxTraces = this.deps.maxTraces ?? 60;
          const window = this.store.state.window;
          const sampleTraces = source.sampleTraces?.bind(source);
          // One or two searches for all the methods (bursts first); the cached drill-downs stay the fallback.
          const sample = sampleTraces !== undefined && window !== null
            ? { sample: (targets: readonly InsightTarget[], s: AbortSignal) => sampleTraces(targets, { window, filter: this.deps.filter(), maxTraces, perFunction }, s) }
            : {};
          fresh = (await sampleInsights(
            chosen.map((t) => t.stats),
            { drillDown: (ref, service) => this.store.drillDown(ref, service), fetchTrace: (id, s) => traces.get(id, s), ...sample },
            {
              maxFunctions: max,
              tracesPerFunction: perFunction,
              maxTraces,
              concurrency: 3,
              timeoutMs: 120_000,
              onSkip: (t, e) => this.deps.log.debug(`insights for ${t.codeRef.function} skipped: ${errorMessage(e)}`),
            },
            signal,
          )).findings;
        } catch (e) {
          if (!signal.aborted) this.deps.log.debug(`insights not computed: ${errorMessage(e)}`);
        }
      }
      if (!signal.aborted && done > 0) {
        if (this.analysed.size === done) this.findings = new Map(fresh);
        else for (const [k, v] of fresh) this.findings.set(k, v);
        this._onDidChange.fire();
      }
    } finally {
      this.running = false;
      if (this.rerun && !this.controller.signal.aborted) {
        this.rerun = false;
        this.schedule();
      }
    }
  }

  private traceCache(source: TelemetrySource): TraceSampleCache {
    if (this.traces?.source !== source) {
      this.traces = { source, cache: new TraceSampleCache(sourceTraceFetch(source), { onError: (id, e) => this.deps.log.debug(`trace ${id} not fetched: ${errorMessage(e)}`) }) };
    }
    return this.traces.cache;
  }

  /** Every trace of a load at once (bounded), once per load, for every function. */
  private analyseAll(traces: readonly Trace[], label: string): void {
    const max = this.deps.maxAllTraces ?? 20_000;
    if (traces.length > max) this.deps.log.info(`trace insights from the first ${max} of ${traces.length} traces of the ${label}`);
    try {
      const r = insightsFromTraces(traces.length > max ? traces.slice(0, max) : traces);
      this.findings = new Map(r.findings);
      this.deps.log.debug(`trace insights from ${r.tracesExamined} traces of the ${label}: ${r.findings.size} functions`);
    } catch (e) {
      this.findings = new Map();
      this.deps.log.debug(`insights not computed from the ${label}: ${errorMessage(e)}`);
    }
    this._onDidChange.fire();
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.controller.abort();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
