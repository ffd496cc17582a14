// Exact percentiles for the files in front of the user (PITFALLS 1): metrics quantiles are log2-bucket estimates; one search per open namespace reads span durations and replaces p50/p95/p99 with exact values. No vscode.
import type { FunctionStats, StatsSnapshot } from '../../shared/model';
import type { TelemetrySource } from '../../core/source';
import { functionKey } from '../../core/stats';
import { regexEscape, stringLiteral } from '../../core/traceql';
import type { Logger } from '../log';

export interface RefinerDeps {
  readonly log: Logger;
  /** The current source; refinement runs only when it offers `refine`. */
  source(): Promise<Pick<TelemetrySource, 'refine'> | null>;
  /** The `filter` setting. */
  filter(): string;
  /** Namespaces of the open documents whose figures are estimates, in order of interest. */
  openNamespaces(): readonly string[];
  /** The snapshot shown now. */
  current(): StatsSnapshot | null;
  /** Exact figures by function key for `snap` (ignored by the store when it has moved on). */
  apply(snap: StatsSnapshot, exact: ReadonlyMap<string, FunctionStats>): void;
  /** Namespaces refined per round. Default 5. */
  readonly perRound?: number;
  /** Quiet time before a round. Default 300 ms. */
  readonly delayMs?: number;
}

/** The TraceQL conditions selecting the spans of one namespace in both code.* generations. */
export function namespaceCondition(ns: string): string {
  return `(span.code.namespace = ${stringLiteral(ns)} || span.code.function.name =~ ${stringLiteral(`${regexEscape(ns)}(\\.|::|#|:|/).*`)})`;
}

export class PercentileRefiner {
  /** Namespaces refined (or being refined) for the current snapshot. */
  private readonly refined = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private controller: AbortController | null = null;
  private disposed = false;

  constructor(private readonly deps: RefinerDeps) {}

  /** A new snapshot: what was refined no longer applies. */
  reset(): void {
    this.refined.clear();
    this.controller?.abort();
  }

  schedule(): void {
    if (this.disposed) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.round();
    }, this.deps.delayMs ?? 300);
  }

  /** One bounded round; more open namespaces than one round takes schedule the next. */
  private async round(): Promise<void> {
    const snap = this.deps.current();
    if (!snap) return;
    const wanted = this.deps.openNamespaces().filter((ns) => !this.refined.has(ns));
    if (wanted.length === 0) return;
    const batch = wanted.slice(0, this.deps.perRound ?? 5);
    for (const ns of batch) this.refined.add(ns);
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    const timer = setTimeout(() => controller.abort(new Error('refinement timed out')), 30_000);
    try {
      const source = await this.deps.source();
      if (!source?.refine || controller.signal.aborted) return;
      const exact = new Map<string, FunctionStats>();
      const filter = this.deps.filter();
      for (const ns of batch) {
        const cond = namespaceCondition(ns);
        const r = await source.refine({ window: snap.window, filter: filter.trim() === '' ? cond : `(${filter}) && ${cond}` }, controller.signal);
        if (controller.signal.aborted) return;
        for (const f of r.functions) if (f.p95Ms !== null) exact.set(functionKey(f.codeRef, f.service), f);
      }
      if (controller.signal.aborted) return;
      this.deps.apply(snap, exact);
      this.deps.log.debug(`exact percentiles for ${exact.size} functions of ${batch.join(', ')}`);
    } catch (e) {
      // Estimates stay (marked ≈); a failed refinement is retried with the next snapshot.
      if (!controller.signal.aborted) this.deps.log.debug(`percentiles not refined: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      clearTimeout(timer);
      if (this.controller === controller) this.controller = null;
      if (!controller.signal.aborted && wanted.length > batch.length) this.schedule();
    }
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.controller?.abort();
  }
}
