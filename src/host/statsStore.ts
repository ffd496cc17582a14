// The stats store: refresh lifecycle (debounce, focus-paced timer, cancellation), the stats→code mapping, per-document lookups.
import * as vscode from 'vscode';
import type { CodeLocation, CodeRef, FunctionStats, Insight, SpanHit, StatsSnapshot, TimeRange, TimeWindow, Trace } from '../shared/model';
import { regexEscape, stringLiteral } from '../core/traceql';
import { formatWindowLength, severityOf, type Thresholds } from '../core/format';
import { functionKey, indexByFile, judge, normalisePath, resolveRanges, severityRank, type LocatedFunction } from '../core/surfaces';
import { displaySymbol, expectedRefFor, type Range0, type SymbolInfo } from '../core/match';
import { windowFor } from '../core/timeRange';
import { NO_HINTS } from '../core/codeRef';
import { WorkspaceIndex } from './workspaceIndex';
import { FileStatsSource } from '../tempo/files';
import { TempoStatsSource } from '../tempo/statsSource';
import { clientTraceFetch, insightsFromTraces, sampleInsights, type FunctionFindings, type InsightTraceFetch } from '../tempo/insightsSource';
import { TraceSampleCache } from '../tempo/traceSamples';
import type { TempoQueries } from '../tempo/client';
import type { Services } from './services';
import type { Logger } from './log';

// ---- ports (adapted in extension.ts to the source, matcher and symbol services) ---------------

export interface DrillDownResult {
  readonly slowest: readonly SpanHit[];
  readonly errors: readonly SpanHit[];
}

/** What a refresh needs from the telemetry source (TempoStatsSource / FileStatsSource). */
export interface StoreSource {
  load(req: { readonly window: TimeWindow; readonly filter: string; readonly services?: readonly string[] }, signal: AbortSignal): Promise<StatsSnapshot>;
  drillDown(ref: CodeRef, service: string | null, window: TimeWindow, signal: AbortSignal): Promise<DrillDownResult>;
}

/** CodeRef → workspace location, with the reason when it did not land. */
export interface StoreLocator {
  locate(ref: CodeRef, service: string | null, signal: AbortSignal): Promise<{ location: CodeLocation | null; reason: string }>;
  /** A whole refresh's references in one batch (off the extension host's thread); absent → `locate` one by one. */
  locateAll?(refs: readonly { readonly ref: CodeRef; readonly service: string | null }[], signal: AbortSignal): Promise<{ location: CodeLocation | null; reason: string }[]>;
  /** Fires when the workspace index changed (files added/removed): mappings must be recomputed. */
  readonly onDidChange?: vscode.Event<void>;
}

/** A method-like symbol of a document; ranges are 0-based like VS Code's. */
export interface StoreSymbol {
  /** Bare name (`getToken`). */
  readonly name: string;
  /** Qualified name as CodeLocation.symbol spells it (`TokenService.getToken`). */
  readonly qualifiedName: string;
  readonly nameRange: vscode.Range;
  readonly fullRange: vscode.Range;
}

export interface StoreSymbols {
  /** Symbols of a document, cached by the provider per document version. */
  symbolsOf(document: vscode.TextDocument, token: vscode.CancellationToken): Promise<readonly StoreSymbol[]>;
}

export interface StoreSettings {
  readonly timeRange: TimeRange;
  readonly filter: string;
  readonly refreshIntervalSeconds: number;
  readonly thresholds: Thresholds;
}

export interface StoreDeps {
  readonly log: Logger;
  settings(): StoreSettings;
  /** The current source; null when the connection is not configured (nothing is fetched). */
  source(): Promise<StoreSource | null>;
  readonly locator: StoreLocator;
  readonly symbols: StoreSymbols;
  /** TimeRange → window ending now; defaults to a window ending at `now`. */
  windowFor?(range: TimeRange, now: number): TimeWindow;
  /** Exact-percentile source for the open files (search over span durations); absent: estimates stay. */
  refiner?(): Promise<Pick<StoreSource, 'load'> | null>;
  /** Bounds one refresh (both windows); default 60 s. */
  readonly refreshTimeoutMs?: number;
  /** Debounce of requested refreshes; default 250 ms. */
  readonly debounceMs?: number;
}

export type { LocatedFunction };

// ---- state ---------------------------------------------------------------------------------

export interface StoreError {
  readonly message: string;
  /** TempoError.kind when the source threw one (`network`, `auth`, `timeout`, …), else `unknown`. */
  readonly kind: string;
  readonly at: number;
  /** Increments when the store goes from healthy to failing: one notification per episode. */
  readonly episode: number;
}

export type StoreStatus = 'idle' | 'unconfigured' | 'ready' | 'error';

/** A located function resolved against the current text of a document. */
export interface DocumentEntry extends LocatedFunction {
  readonly location: CodeLocation;
  /** Range of the method name in the document as it is now. */
  readonly nameRange: vscode.Range;
  /** The same range in the pure layer's shape (for core/surfaces models). */
  readonly range0: Range0;
  /** The whole declaration (annotations included) when a symbol was found; null when paired by line only. */
  readonly fullRange0: Range0 | null;
}

export interface StoreSnapshotView {
  readonly status: StoreStatus;
  readonly refreshing: boolean;
  readonly range: TimeRange;
  /** Window of the figures shown (the last successful refresh), null before the first one. */
  readonly window: TimeWindow | null;
  readonly windowLabel: string;
  readonly snapshot: StatsSnapshot | null;
  readonly error: StoreError | null;
  /** Increments on every successful refresh. */
  readonly generation: number;
  readonly lastRefreshAt: number | null;
}

export function defaultWindowFor(range: TimeRange, now: number): TimeWindow {
  const len = { '15m': 15 * 60_000, '1h': 3_600_000, '6h': 6 * 3_600_000, '24h': 24 * 3_600_000, '7d': 7 * 24 * 3_600_000 }[range];
  // Aligning the end to 10 s keeps consecutive refreshes cache-friendly without hiding fresh data.
  const end = Math.floor(now / 10_000) * 10_000;
  return { startMs: end - len, endMs: end };
}

function errorKind(e: unknown): string {
  if (e && typeof e === 'object' && 'kind' in e && typeof (e as { kind: unknown }).kind === 'string') return (e as { kind: string }).kind;
  if (e instanceof Error && e.name === 'AbortError') return 'aborted';
  return 'unknown';
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class StatsStore implements vscode.Disposable {
  private readonly _onDidChange = new vscode.EventEmitter<void>();
  /** Fires once per refresh outcome (figures, error, or cleared), and when mappings are recomputed. */
  readonly onDidChange = this._onDidChange.event;
  private readonly _onDidChangeRefreshing = new vscode.EventEmitter<boolean>();
  /** Fires when a refresh starts or ends (progress UI). */
  readonly onDidChangeRefreshing = this._onDidChangeRefreshing.event;

  private readonly disposables: vscode.Disposable[] = [];
  private status: StoreStatus = 'idle';
  private snapshot: StatsSnapshot | null = null;
  private previous: StatsSnapshot | null = null;
  private error: StoreError | null = null;
  private episode = 0;
  private generation = 0;
  private lastRefreshAt: number | null = null;
  private range: TimeRange;

  private functions: readonly LocatedFunction[] = [];
  private byFile: ReadonlyMap<string, readonly LocatedFunction[]> = new Map();
  private byKey: ReadonlyMap<string, LocatedFunction> = new Map();
  /** Bumps whenever the located functions change (refresh, remap, thresholds, refined quantiles). */
  private revision = 0;
  /** Per-document resolution, keyed by uri; reused while version and revision are unchanged. */
  private readonly docCache = new Map<string, { version: number; revision: number; entries: readonly DocumentEntry[] }>();
  private readonly drillCache = new Map<string, Promise<DrillDownResult>>();

  private inflight: { controller: AbortController; promise: Promise<void> } | null = null;
  private debounceTimer: ReturnType<typeof setTimeout> | undefined;
  private debounceWaiters: (() => void)[] = [];
  private intervalTimer: ReturnType<typeof setInterval> | undefined;
  private focused: boolean;
  private disposed = false;
  /** Re-mapping after an index change is itself debounced and cancellable. */
  private remapController: AbortController | null = null;

  constructor(private readonly deps: StoreDeps) {
    this.range = deps.settings().timeRange;
    this.focused = vscode.window.state.focused;
    this.disposables.push(
      this._onDidChange,
      this._onDidChangeRefreshing,
      vscode.window.onDidChangeWindowState((s) => this.onWindowState(s.focused)),
      vscode.workspace.onDidCloseTextDocument((d) => this.docCache.delete(d.uri.toString())),
      vscode.workspace.onDidOpenTextDocument((d) => {
        if (this.hasEntries(d)) this.scheduleRefine();
      }),
    );
    if (deps.locator.onDidChange) this.disposables.push(deps.locator.onDidChange(() => void this.remap()));
    this.schedule();
  }

  // ---- reading -----------------------------------------------------------------------------

  get state(): StoreSnapshotView {
    const window = this.snapshot?.window ?? null;
    return {
      status: this.status,
      refreshing: this.inflight !== null || this.debounceTimer !== undefined,
      range: this.range,
      window,
      windowLabel: window ? formatWindowLength(window) : this.range,
      snapshot: this.snapshot,
      error: this.error,
      generation: this.generation,
      lastRefreshAt: this.lastRefreshAt,
    };
  }

  get thresholds(): Thresholds {
    return this.deps.settings().thresholds;
  }

  /** Every function of the snapshot with its mapping (matched or not). */
  allFunctions(): readonly LocatedFunction[] {
    return this.functions;
  }

  byFunctionKey(ref: CodeRef, service: string | null): LocatedFunction | undefined {
    return this.byKey.get(functionKey({ codeRef: ref, service }));
  }

  /** Files (workspace-relative) that have at least one matched function. */
  matchedFiles(): readonly string[] {
    return [...this.byFile.keys()];
  }

  /** Cheap check used before any symbol work: does this document have figures at all? */
  hasEntries(document: vscode.TextDocument): boolean {
    return this.entriesForFile(document) !== undefined;
  }

  private entriesForFile(document: vscode.TextDocument): readonly LocatedFunction[] | undefined {
    if (this.byFile.size === 0 || document.uri.scheme !== 'file') return undefined;
    const rel = normalisePath(vscode.workspace.asRelativePath(document.uri, false));
    return this.byFile.get(rel);
  }

  /**
   * The matched functions of a document with their name ranges in its current text: no network,
   * one (cached) symbol extraction and a hash lookup per method.
   */
  async forDocument(document: vscode.TextDocument, token: vscode.CancellationToken): Promise<readonly DocumentEntry[]> {
    const located = this.entriesForFile(document);
    if (!located || located.length === 0) return [];
    const key = document.uri.toString();
    const cached = this.docCache.get(key);
    const revision = this.revision;
    if (cached && cached.version === document.version && cached.revision === revision) return cached.entries;
    const symbols = await this.deps.symbols.symbolsOf(document, token);
    if (token.isCancellationRequested) return [];
    // The figures changed while the symbols were extracted: pair the new ones (symbols are cached).
    if (revision !== this.revision) return this.forDocument(document, token);
    const entries = resolveEntries(located, symbols, document);
    this.docCache.set(key, { version: document.version, revision, entries });
    return entries;
  }

  /** The slowest and erroring spans of one function in the current window; cached per refresh. */
  drillDown(ref: CodeRef, service: string | null, token?: vscode.CancellationToken): Promise<DrillDownResult> {
    const window = this.snapshot?.window ?? (this.deps.windowFor ?? defaultWindowFor)(this.range, Date.now());
    const key = `${this.generation}\u001d${functionKey({ codeRef: ref, service })}`;
    let p = this.drillCache.get(key);
    if (!p) {
      p = (async () => {
        const source = await this.deps.source();
        if (!source) throw new Error('Tempo Lens is not connected: configure the connection first.');
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(new Error('drill-down timed out after 30 s')), 30_000);
        try {
          return await source.drillDown(ref, service, window, controller.signal);
        } finally {
          clearTimeout(timer);
        }
      })();
      // A failed drill-down is not cached: the next click retries.
      p.catch(() => this.drillCache.delete(key));
      if (this.drillCache.size > 64) this.drillCache.delete(this.drillCache.keys().next().value as string);
      this.drillCache.set(key, p);
    }
    if (!token) return p;
    const shared = p;
    // The shared promise is not aborted by one caller's cancellation; the caller just stops waiting.
    return new Promise((resolve, reject) => {
      const sub = token.onCancellationRequested(() => { sub.dispose(); reject(new vscode.CancellationError()); });
      shared.then((v) => { sub.dispose(); resolve(v); }, (e: unknown) => { sub.dispose(); reject(e); });
    });
  }

  // ---- refreshing ----------------------------------------------------------------------------

  /**
   * Asks for a refresh after the debounce delay; several requests within it make one refresh.
   * The returned promise settles when that refresh has finished (or was superseded by a later one
   * that finished).
   */
  requestRefresh(reason: string): Promise<void> {
    if (this.disposed) return Promise.resolve();
    this.deps.log.debug(`refresh requested (${reason})`);
    if (this.debounceTimer !== undefined) clearTimeout(this.debounceTimer);
    const wasRefreshing = this.state.refreshing;
    const done = new Promise<void>((resolve) => this.debounceWaiters.push(resolve));
    this.debounceTimer = setTimeout(() => {
      this.debounceTimer = undefined;
      const waiters = this.debounceWaiters.splice(0);
      void this.refreshNow().finally(() => waiters.forEach((w) => w()));
    }, this.deps.debounceMs ?? 250);
    if (!wasRefreshing) this._onDidChangeRefreshing.fire(true);
    return done;
  }

  /** Refreshes immediately, aborting a refresh in flight. Never rejects: failures become state. */
  refreshNow(): Promise<void> {
    if (this.disposed) return Promise.resolve();
    this.inflight?.controller.abort(new Error('superseded by a newer refresh'));
    const controller = new AbortController();
    const promise: Promise<void> = this.run(controller)
      .finally(() => {
        if (this.inflight?.controller === controller) {
          this.inflight = null;
          if (this.debounceTimer === undefined) this._onDidChangeRefreshing.fire(false);
        }
      })
      // A superseded refresh settles with the one that replaced it, so callers see fresh figures.
      .then(() => (this.inflight !== null && this.inflight.controller !== controller ? this.inflight.promise : undefined));
    const wasRefreshing = this.inflight !== null;
    this.inflight = { controller, promise };
    if (!wasRefreshing) this._onDidChangeRefreshing.fire(true);
    return promise;
  }

  private async run(controller: AbortController): Promise<void> {
    const settings = this.deps.settings();
    this.range = settings.timeRange;
    let source: StoreSource | null;
    try {
      source = await this.deps.source();
    } catch (e) {
      source = null;
      this.fail(e);
      return;
    }
    if (controller.signal.aborted) return;
    if (!source) {
      const changed = this.status !== 'unconfigured' || this.snapshot !== null;
      this.status = 'unconfigured';
      this.setSnapshot(null, null, []);
      this.error = null;
      if (changed) this._onDidChange.fire();
      return;
    }
    const signal = controller.signal;
    const timeoutMs = this.deps.refreshTimeoutMs ?? 60_000;
    const timer = setTimeout(() => controller.abort(Object.assign(new Error(`refresh timed out after ${Math.round(timeoutMs / 1000)} s`), { kind: 'timeout' })), timeoutMs);
    const now = Date.now();
    const window = (this.deps.windowFor ?? defaultWindowFor)(settings.timeRange, now);
    const len = window.endMs - window.startMs;
    const prevWindow: TimeWindow = { startMs: window.startMs - len, endMs: window.startMs };
    const started = Date.now();
    try {
      const current = source.load({ window, filter: settings.filter }, signal);
      // The previous window only feeds regressions: its failure must not hide the current figures.
      const previous = source.load({ window: prevWindow, filter: settings.filter }, signal).catch((e: unknown) => {
        if (!signal.aborted) this.deps.log.warn(`previous window not loaded: ${errorMessage(e)}`);
        return null;
      });
      const [snap, prev] = await Promise.all([current, previous]);
      if (signal.aborted) return;
      const located = await this.locateAll(snap, prev, settings.thresholds, signal);
      if (signal.aborted) return;
      this.setSnapshot(snap, prev, located);
      this.status = 'ready';
      if (this.error) this.deps.log.info('refresh recovered');
      this.error = null;
      this.generation++;
      this.lastRefreshAt = Date.now();
      this.deps.log.info(
        `refreshed ${formatWindowLength(window)}: ${snap.functions.length} functions, ` +
          `${located.filter((l) => l.location).length} matched, origin ${snap.origin}, ${Date.now() - started} ms` +
          (snap.notes.length ? `; notes: ${snap.notes.join(' | ')}` : ''),
      );
      this._onDidChange.fire();
    } catch (e) {
      if (signal.aborted && errorKind(signal.reason) !== 'timeout') return; // superseded or disposed
      this.fail(signal.aborted ? signal.reason : e);
    } finally {
      clearTimeout(timer);
    }
  }

  private fail(cause: unknown): void {
    if (this.error === null) this.episode++;
    this.error = { message: errorMessage(cause), kind: errorKind(cause), at: Date.now(), episode: this.episode };
    this.status = 'error';
    this.deps.log.error(`refresh failed (${this.error.kind}): ${this.error.message}`);
    // Figures from the last good refresh stay visible (they carry their own window).
    this._onDidChange.fire();
  }

  private async locateAll(snap: StatsSnapshot, prev: StatsSnapshot | null, thresholds: Thresholds, signal: AbortSignal): Promise<LocatedFunction[]> {
    // Matching once per refresh; every document open later is a hash lookup.
    const located = new Map<string, { location: CodeLocation | null; reason: string }>();
    const batch = this.deps.locator.locateAll;
    if (batch) {
      const wanted = snap.functions.filter((f) => f.calls > 0);
      try {
        const results = await batch.call(this.deps.locator, wanted.map((f) => ({ ref: f.codeRef, service: f.service })), signal);
        wanted.forEach((f, i) => located.set(functionKey(f), results[i] ?? { location: null, reason: 'not matched' }));
      } catch (e) {
        if (signal.aborted) return [];
        for (const f of wanted) located.set(functionKey(f), { location: null, reason: `matching failed: ${errorMessage(e)}` });
      }
    }
    for (const stats of batch ? [] : snap.functions) {
      if (stats.calls <= 0) continue;
      if (signal.aborted) return [];
      try {
        located.set(functionKey(stats), await this.deps.locator.locate(stats.codeRef, stats.service, signal));
      } catch (e) {
        if (signal.aborted) return [];
        located.set(functionKey(stats), { location: null, reason: `matching failed: ${errorMessage(e)}` });
      }
    }
    return judge(snap.functions, prev?.functions ?? null, thresholds, (f) => located.get(functionKey(f)) ?? { location: null, reason: 'not matched' });
  }

  /** Recomputes mappings only (workspace index changed); figures stay. */
  private async remap(): Promise<void> {
    if (!this.snapshot) return;
    this.remapController?.abort();
    const controller = new AbortController();
    this.remapController = controller;
    const located = await this.locateAll(this.snapshot, this.previous, this.thresholds, controller.signal);
    if (controller.signal.aborted) return;
    this.setSnapshot(this.snapshot, this.previous, located);
    this.generation++;
    this._onDidChange.fire();
  }

  /** Thresholds changed: severities only, no refetch. */
  rejudge(): void {
    const t = this.thresholds;
    this.setSnapshot(this.snapshot, this.previous, this.functions.map((f) => ({ ...f, severity: severityOf(f.stats, t) })), false);
    this._onDidChange.fire();
  }

  private setSnapshot(snap: StatsSnapshot | null, prev: StatsSnapshot | null, located: readonly LocatedFunction[], newData = true): void {
    this.snapshot = snap;
    this.previous = prev;
    this.functions = located;
    const index = indexByFile(located);
    this.byFile = index.byFile;
    this.byKey = index.byKey;
    this.revision++;
    this.docCache.clear();
    if (newData) {
      this.drillCache.clear();
      this.refinedNamespaces.clear();
      this.refineController?.abort();
    }
    if (snap !== null) this.scheduleRefine();
  }

  // ---- exact quantiles for the open files (PITFALLS 1) ---------------------------------------

  /** Namespaces refined (or being refined) for the current snapshot. */
  private readonly refinedNamespaces = new Set<string>();
  private refineTimer: ReturnType<typeof setTimeout> | undefined;
  private refineController: AbortController | null = null;

  private scheduleRefine(): void {
    if (!this.deps.refiner || this.disposed) return;
    if (this.refineTimer !== undefined) clearTimeout(this.refineTimer);
    this.refineTimer = setTimeout(() => {
      this.refineTimer = undefined;
      void this.refine();
    }, 300);
  }

  /**
   * Metrics quantiles are log2-bucket estimates. For the files in front of the user, one search per
   * namespace reads span durations and replaces p50/p95/p99 with exact values over what it read
   * (counts, rates and regressions stay on the complete metrics). Bounded: 5 namespaces a round.
   */
  private async refine(): Promise<void> {
    const snap = this.snapshot;
    const refiner = this.deps.refiner;
    if (!snap || !refiner) return;
    const wanted: string[] = [];
    for (const doc of vscode.workspace.textDocuments) {
      for (const l of this.entriesForFile(doc) ?? []) {
        const ns = l.stats.codeRef.namespace;
        if (l.stats.quantilesApproximate && ns !== null && !this.refinedNamespaces.has(ns) && !wanted.includes(ns)) wanted.push(ns);
      }
    }
    if (wanted.length === 0) return;
    const batch = wanted.slice(0, 5);
    for (const ns of batch) this.refinedNamespaces.add(ns);
    this.refineController?.abort();
    const controller = new AbortController();
    this.refineController = controller;
    const timer = setTimeout(() => controller.abort(new Error('refinement timed out')), 30_000);
    try {
      const source = await refiner();
      if (!source || controller.signal.aborted) return;
      const exact = new Map<string, FunctionStats>();
      const filter = this.deps.settings().filter;
      for (const ns of batch) {
        const cond = `(span.code.namespace = ${stringLiteral(ns)} || span.code.function.name =~ ${stringLiteral(`${regexEscape(ns)}(\\.|::|#|:|/).*`)})`;
        const r = await source.load({ window: snap.window, filter: filter.trim() === '' ? cond : `(${filter}) && ${cond}` }, controller.signal);
        if (controller.signal.aborted) return;
        for (const f of r.functions) if (f.p95Ms !== null) exact.set(functionKey(f), f);
      }
      if (controller.signal.aborted || this.snapshot !== snap || exact.size === 0) return;
      const t = this.thresholds;
      const merged = this.functions.map((l) => {
        const x = exact.get(functionKey(l.stats));
        if (!x || !l.stats.quantilesApproximate) return l;
        const stats: FunctionStats = {
          ...l.stats,
          p50Ms: x.p50Ms,
          p95Ms: x.p95Ms,
          p99Ms: x.p99Ms,
          quantilesApproximate: false,
          // Exact over the spans read; say how many when the search did not read them all.
          sample: x.sample ?? null,
        };
        return { ...l, stats, severity: severityOf(stats, t), quantilesFrom: { spans: x.calls, sampled: x.sample !== null } };
      });
      this.setSnapshot(snap, this.previous, merged, false);
      this.deps.log.debug(`exact percentiles for ${exact.size} functions of ${batch.join(', ')}`);
      this._onDidChange.fire();
    } catch (e) {
      // Estimates stay (marked ≈); a failed refinement is retried with the next snapshot.
      if (!controller.signal.aborted) this.deps.log.debug(`percentiles not refined: ${errorMessage(e)}`);
    } finally {
      clearTimeout(timer);
      if (this.refineController === controller) this.refineController = null;
      // More open namespaces than one round takes: continue.
      if (!controller.signal.aborted && wanted.length > batch.length) this.scheduleRefine();
    }
  }

  // ---- pacing --------------------------------------------------------------------------------

  /** Settings changed: re-pace the timer; the caller decides whether a refresh is needed. */
  schedule(): void {
    if (this.intervalTimer !== undefined) clearInterval(this.intervalTimer);
    this.intervalTimer = undefined;
    const seconds = this.deps.settings().refreshIntervalSeconds;
    if (this.disposed || !this.focused || !(seconds > 0)) return;
    const ms = Math.max(10, seconds) * 1000;
    this.intervalTimer = setInterval(() => {
      // A slow Tempo must not be starved by ticks that abort the refresh they are waiting for.
      if (!this.state.refreshing) void this.requestRefresh('interval');
    }, ms);
  }

  private onWindowState(focused: boolean): void {
    if (focused === this.focused) return;
    this.focused = focused;
    this.schedule();
    if (!focused) return;
    const seconds = this.deps.settings().refreshIntervalSeconds;
    // Catch up once when the window comes back after the data went stale.
    if (seconds > 0 && this.lastRefreshAt !== null && Date.now() - this.lastRefreshAt >= seconds * 1000) {
      void this.requestRefresh('window focused');
    }
  }

  dispose(): void {
    this.disposed = true;
    if (this.debounceTimer !== undefined) clearTimeout(this.debounceTimer);
    if (this.intervalTimer !== undefined) clearInterval(this.intervalTimer);
    this.debounceWaiters.splice(0).forEach((w) => w());
    this.inflight?.controller.abort(new Error('disposed'));
    this.remapController?.abort();
    this.refineController?.abort();
    if (this.refineTimer !== undefined) clearTimeout(this.refineTimer);
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/** Pairs located functions with the symbols of a document (core/surfaces) and converts to VS Code ranges. */
export function resolveEntries(located: readonly LocatedFunction[], symbols: readonly StoreSymbol[], document: Pick<vscode.TextDocument, 'lineCount' | 'lineAt'>): DocumentEntry[] {
  const pure = symbols.map((s) => ({ name: s.name, qualifiedName: s.qualifiedName, nameRange: fromRange(s.nameRange), fullRange: fromRange(s.fullRange) }));
  return resolveRanges(located, pure, (line) => (line >= 0 && line < document.lineCount ? document.lineAt(line).text : undefined)).map(({ entry, nameRange, fullRange }) => ({
    ...entry,
    nameRange: toRange(nameRange),
    range0: nameRange,
    fullRange0: fullRange,
  }));
}

function fromRange(r: vscode.Range): Range0 {
  return { startLine: r.start.line, startCol: r.start.character, endLine: r.end.line, endCol: r.end.character };
}

// ---- composition: ports from the services ----------------------------------------------------

/** The store's source port, plus the files source in use (the insight runner reads its traces). */
export interface SourceProvider {
  (): Promise<StoreSource | null>;
  /** The FileStatsSource of the current settings when `source` is files, else null. */
  filesSource(): FileStatsSource | null;
}

/**
 * Cached per client / per files setting, so that what a source learns (metrics caps) survives refreshes.
 * The files source keeps the traces of each load for the trace detectors; the runner takes them
 * (once per load) so they are not held beyond one analysis.
 */
export function sourceFromServices(services: Services): SourceProvider {
  const tempoSources = new WeakMap<TempoQueries, TempoStatsSource>();
  let files: { key: string; source: FileStatsSource } | undefined;
  const filesKey = (): string | null => {
    const c = services.config.current;
    const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    return c.source === 'files' && root !== undefined ? `${root}\u0000${c.files}` : null;
  };
  const provider = async (): Promise<StoreSource | null> => {
    const c = services.config.current;
    if (c.source === 'files') {
      const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
      const key = filesKey();
      if (root === undefined || key === null) return null;
      if (files?.key !== key) files = { key, source: new FileStatsSource({ root, glob: c.files, keepTraces: true }) };
      return files.source;
    }
    const client = await services.connection.client();
    if (!client) return null;
    let source = tempoSources.get(client);
    if (!source) {
      source = new TempoStatsSource(client, { onQueryRefused: queryRefusedLogger(services) });
      tempoSources.set(client, source);
    }
    return source;
  };
  return Object.assign(provider, {
    filesSource: (): FileStatsSource | null => {
      const key = filesKey();
      return key !== null && files?.key === key ? files.source : null;
    },
  });
}

/** Tempo refused a query Tempo Lens built: a bug of ours, logged with the query so it can be reported. */
function queryRefusedLogger(services: Services): (query: string, answer: string) => void {
  return (query, answer) => services.log.error(`Tempo refused a query built by Tempo Lens (a Tempo Lens bug; please report it with this line): ${answer.trim()} — query: ${query}`);
}

/** A search-only stats source on the current client: exact span durations for the open files' namespaces. */
export function refinerFromServices(services: Services): () => Promise<Pick<StoreSource, 'load'> | null> {
  const sources = new WeakMap<TempoQueries, TempoStatsSource>();
  return async () => {
    if (services.config.current.source !== 'tempo') return null;
    const client = await services.connection.client();
    if (!client) return null;
    let source = sources.get(client);
    if (!source) {
      // Two slices of up to 500 traces: "one search per namespace", spread over the window.
      source = new TempoStatsSource(client, { mode: 'search', searchSlices: 2, onQueryRefused: queryRefusedLogger(services) });
      sources.set(client, source);
    }
    return source;
  };
}

function toRange(r: Range0): vscode.Range {
  return new vscode.Range(r.startLine, r.startCol, r.endLine, r.endCol);
}

function toStoreSymbol(s: SymbolInfo): StoreSymbol {
  // displaySymbol is how the matcher spells CodeLocation.symbol: pairing is by equal strings.
  return { name: s.name, qualifiedName: displaySymbol(s), nameRange: toRange(s.nameRange), fullRange: toRange(s.fullRange) };
}

/**
 * Matching and symbols through the shared VS Code workspace index (open documents from memory,
 * files.exclude honoured). Source files created, deleted or changed on disk (the index's change
 * event), or new path mappings, re-map the current figures (debounced) without refetching them.
 */
export class IndexLocator implements StoreLocator, StoreSymbols, vscode.Disposable {
  private readonly _onDidChange = new vscode.EventEmitter<void>();
  readonly onDidChange = this._onDidChange.event;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly index: WorkspaceIndex, services: Services) {
    this.disposables.push(
      this._onDidChange,
      index.onDidChange(() => this.changed()),
      services.config.onDidChange((e) => {
        if (!e.affects('pathMappings')) return;
        index.updatePathMappings();
        this.changed();
      }),
    );
  }

  private changed(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this._onDidChange.fire();
    }, 2000);
  }

  async locate(ref: CodeRef, service: string | null, signal: AbortSignal): Promise<{ location: CodeLocation | null; reason: string }> {
    const cts = new vscode.CancellationTokenSource();
    const onAbort = (): void => cts.cancel();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const r = await this.index.explain(ref, service, NO_HINTS, cts.token);
      if (!r) return { location: null, reason: signal.aborted ? 'cancelled' : 'no local workspace folder is indexed' };
      return { location: r.location, reason: r.location?.reason ?? r.reason };
    } finally {
      signal.removeEventListener('abort', onAbort);
      cts.dispose();
    }
  }

  async locateAll(refs: readonly { readonly ref: CodeRef; readonly service: string | null }[], signal: AbortSignal): Promise<{ location: CodeLocation | null; reason: string }[]> {
    const r = await this.index.locateAll(refs, signal);
    if (!r) return refs.map(() => ({ location: null, reason: 'no local workspace folder is indexed' }));
    return r.map((x) => ({ location: x.location, reason: x.location?.reason ?? x.reason }));
  }

  async symbolsOf(document: vscode.TextDocument, token: vscode.CancellationToken): Promise<readonly StoreSymbol[]> {
    const r = await this.index.symbolsOf(document, token);
    if (!r || token.isCancellationRequested) return [];
    return r.file.symbols.filter((s) => s.kind !== 'type').map(toStoreSymbol);
  }

  /**
   * The method under the cursor as a code reference: the observed one (with its service) when the
   * store mapped figures onto it, else the reference a runtime would report for it.
   */
  async codeRefAt(store: StatsStore, document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<{ ref: CodeRef; service: string | null } | null> {
    const entries = await store.forDocument(document, token);
    if (token.isCancellationRequested) return null;
    const line = position.line;
    const size = (r: Range0): number => r.endLine - r.startLine;
    let best: DocumentEntry | null = null;
    for (const e of entries) {
      const r = e.fullRange0 ?? e.range0;
      if (r.startLine <= line && line <= r.endLine && (best === null || size(r) < size(best.fullRange0 ?? best.range0))) best = e;
    }
    if (best !== null) return { ref: best.stats.codeRef, service: best.stats.service };
    const symbols = await this.index.symbolsOf(document, token);
    if (!symbols || token.isCancellationRequested) return null;
    let sym: SymbolInfo | null = null;
    for (const s of symbols.file.symbols) {
      if (s.kind === 'type' || s.fullRange.startLine > line || line > s.fullRange.endLine) continue;
      if (sym === null || size(s.fullRange) < size(sym.fullRange)) sym = s;
    }
    if (sym === null) return null;
    const ref = expectedRefFor(sym, { path: symbols.rel, jvmName: symbols.file.jvmName, goImportPath: symbols.goImportPath });
    return ref !== null ? { ref, service: null } : null;
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/** Builds the store and its ports from the services; everything is tied to the context. */
export function createStatsStore(context: vscode.ExtensionContext, services: Services): { store: StatsStore; insights: InsightRunner; index: WorkspaceIndex; locator: IndexLocator } {
  const index = new WorkspaceIndex({ log: services.log.child('index'), pathMappings: () => services.config.current.pathMappings });
  const locator = new IndexLocator(index, services);
  const source = sourceFromServices(services);
  const store = new StatsStore({
    log: services.log.child('stats'),
    settings: () => {
      const c = services.config.current;
      return { timeRange: c.timeRange, filter: c.filter, refreshIntervalSeconds: c.refreshIntervalSeconds, thresholds: c.thresholds };
    },
    source,
    locator,
    symbols: locator,
    windowFor: (range, now) => windowFor(range, now),
    refiner: refinerFromServices(services),
  });
  const insights = new InsightRunner(store, {
    log: services.log.child('insights'),
    fetchTrace: traceFetcher(services),
    fileTraces: () => (services.config.current.source === 'files' ? source.filesSource()?.takeTraces() ?? null : undefined),
  });
  context.subscriptions.push(insights, store, locator, index);
  return { store, insights, index, locator };
}

// ---- insights from sampled traces (caller-timeout, cache-stampede) ------------------------------

// The orchestration lives in tempo/insightsSource (shared with the CLI); this runner decides what to analyse and when.
export type { FunctionFindings };

export interface InsightRunnerDeps {
  readonly log: Logger;
  /** A trace by id, parsed; null when Tempo does not have it. Undefined: trace fetching unavailable (files source). */
  fetchTrace(traceId: string, signal: AbortSignal): ReturnType<InsightTraceFetch> | undefined;
  /** Methods analysed per refresh (the worst of the open files first). Default 12. */
  readonly maxMethods?: number;
  /** Traces taken per method. Default 10. */
  readonly tracesPerMethod?: number;
  /** Distinct traces per round in all. Default 60. */
  readonly maxTraces?: number;
  /**
   * When the source is trace files: the traces of its last load not analysed yet (null once they
   * were handed over); undefined when the source is Tempo (traces are sampled per method instead).
   */
  fileTraces?(): readonly Trace[] | null | undefined;
  /** Traces of the files analysed per load at most (the detectors run on the extension host). Default 20,000. */
  readonly maxFileTraces?: number;
}

/**
 * Runs the trace detectors in the background. Tempo: for the methods of OPEN files only, drill-down
 * search → trace fetch (cached, de-duplicated) → detectors, bounded per refresh and cancelled when
 * the next refresh lands. Trace files: once per load over every trace read (bounded), for all
 * methods. Silent on failure (a missing insight is not an error the user must act on).
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
  /** Shared by every round and detector: a trace is fetched once while kept (a complete trace does not change). */
  private readonly traces: TraceSampleCache;
  /** The last findings came from trace files (replaced wholesale when the source goes back to Tempo). */
  private fromFiles = false;
  /** Settles when the current round of analysis is done (tests wait on it). */
  private idle: Promise<void> = Promise.resolve();

  constructor(private readonly store: StatsStore, private readonly deps: InsightRunnerDeps) {
    this.traces = new TraceSampleCache((id, signal) => deps.fetchTrace(id, signal), { onError: (id, e) => deps.log.debug(`trace ${id} not fetched: ${errorMessage(e)}`) });
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
      const files = this.deps.fileTraces?.();
      if (files !== undefined) {
        this.fromFiles = true;
        // null: this load's traces were analysed already (a remap, a document opened): findings stand.
        if (files !== null) this.analyseFiles(files);
        return;
      }
      if (this.fromFiles) {
        // Back on Tempo: what the files showed does not describe it.
        this.fromFiles = false;
        this.findings = new Map();
        this._onDidChange.fire();
      }
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
          fresh = (await sampleInsights(
            chosen.map((t) => t.stats),
            { drillDown: (ref, service) => this.store.drillDown(ref, service), fetchTrace: (id, s) => this.traces.get(id, s) },
            {
              maxFunctions: max,
              tracesPerFunction: this.deps.tracesPerMethod ?? 10,
              maxTraces: this.deps.maxTraces ?? 60,
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

  /** Trace files: every trace of the load at once (bounded), once per load, for every function. */
  private analyseFiles(traces: readonly Trace[]): void {
    const max = this.deps.maxFileTraces ?? 20_000;
    if (traces.length > max) this.deps.log.info(`trace insights from the first ${max} of ${traces.length} traces of the files`);
    try {
      const r = insightsFromTraces(traces.length > max ? traces.slice(0, max) : traces);
      this.findings = new Map(r.findings);
      this.deps.log.debug(`trace insights from ${r.tracesExamined} traces of the files: ${r.findings.size} functions`);
    } catch (e) {
      this.findings = new Map();
      this.deps.log.debug(`insights not computed from the files: ${errorMessage(e)}`);
    }
    this._onDidChange.fire();
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.controller.abort();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/** Trace fetching through the connection's client, bounded to 15 s per trace. */
export function traceFetcher(services: Services): InsightRunnerDeps['fetchTrace'] {
  return (traceId, signal) => {
    if (services.config.current.source !== 'tempo') return undefined;
    return (async () => {
      const client = await services.connection.client();
      if (!client) return null;
      return clientTraceFetch(client, 15_000)(traceId, signal);
    })();
  };
}

// ---- what features receive -----------------------------------------------------------------

/** What every surface feature receives (built by the composition root from the services). */
export interface SurfaceServices extends Services {
  readonly store: StatsStore;
}
