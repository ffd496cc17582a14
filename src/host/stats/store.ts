// The stats store: the snapshot of per-function figures, their mapping onto the workspace, per-document lookups and change events. Its refresh lifecycle is RefreshLoop (vscode-free), exact percentiles come from PercentileRefiner.
import * as vscode from 'vscode';
import type { CodeLocation, CodeRef, FunctionStats, StatsSnapshot, TimeRange, TimeWindow } from '../../shared/model';
import type { DrillDown, TelemetrySource } from '../../core/source';
import { formatWindowLength, severityOf, type Thresholds } from '../../core/format';
import { functionKey, indexByFile, judge, normalisePath, resolveRanges, type LocatedFunction } from '../../core/surfaces';
import type { Range0 } from '../../core/match';
import type { Logger } from '../log';
import { isReplaced, RefreshLoop } from './refreshLoop';
import { PercentileRefiner } from './refiner';

// ---- ports (adapted in extension.ts to the source, matcher and symbol services) ---------------

/** The slowest and erroring spans of one function (the source's drill-down). */
export type DrillDownResult = DrillDown;

/** What a refresh needs from the telemetry source (the registry's current TelemetrySource). */
export type StoreSource = Pick<TelemetrySource, 'stats' | 'drillDown' | 'capabilities'> & Partial<Pick<TelemetrySource, 'refine'>>;

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

  private readonly loop: RefreshLoop;
  private readonly refiner: PercentileRefiner;
  private intervalTimer: ReturnType<typeof setInterval> | undefined;
  private focused: boolean;
  private disposed = false;
  /** Re-mapping after an index change is itself debounced and cancellable. */
  private remapController: AbortController | null = null;

  constructor(private readonly deps: StoreDeps) {
    this.range = deps.settings().timeRange;
    this.loop = new RefreshLoop({
      run: (signal) => this.run(signal),
      debounceMs: deps.debounceMs ?? 250,
      timeoutMs: deps.refreshTimeoutMs ?? 60_000,
      onBusy: (busy) => this._onDidChangeRefreshing.fire(busy),
      onError: (e) => this.fail(e),
    });
    this.refiner = new PercentileRefiner({
      log: deps.log,
      source: () => deps.source(),
      filter: () => deps.settings().filter,
      openNamespaces: () => this.openApproximateNamespaces(),
      current: () => this.snapshot,
      apply: (snap, exact) => this.applyExact(snap, exact),
    });
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
      refreshing: this.loop.busy,
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
    return this.loop.request();
  }

  /** Refreshes immediately, aborting a refresh in flight. Never rejects: failures become state. */
  refreshNow(): Promise<void> {
    return this.loop.now();
  }

  private async run(signal: AbortSignal): Promise<void> {
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
    if (signal.aborted) return;
    if (!source) {
      const changed = this.status !== 'unconfigured' || this.snapshot !== null;
      this.status = 'unconfigured';
      this.setSnapshot(null, null, []);
      this.error = null;
      if (changed) this._onDidChange.fire();
      return;
    }
    const now = Date.now();
    const window = (this.deps.windowFor ?? defaultWindowFor)(settings.timeRange, now);
    const len = window.endMs - window.startMs;
    const prevWindow: TimeWindow = { startMs: window.startMs - len, endMs: window.startMs };
    const started = Date.now();
    try {
      const current = source.stats({ window, filter: settings.filter }, signal);
      // The previous window only feeds regressions: its failure must not hide the current figures.
      // A source read whole (trace files) has no previous window: it would count the same spans again.
      const previous = !source.capabilities.windowed ? Promise.resolve(null) : source.stats({ window: prevWindow, filter: settings.filter }, signal).catch((e: unknown) => {
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
      if (isReplaced(signal)) return;
      this.fail(signal.aborted ? signal.reason : e);
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
      this.refiner.reset();
    }
    if (snap !== null) this.scheduleRefine();
  }

  // ---- exact quantiles for the open files (PITFALLS 1) ---------------------------------------

  private scheduleRefine(): void {
    if (!this.disposed) this.refiner.schedule();
  }

  /** Namespaces of the open documents whose figures are estimates. */
  private openApproximateNamespaces(): string[] {
    const out: string[] = [];
    for (const doc of vscode.workspace.textDocuments) {
      for (const l of this.entriesForFile(doc) ?? []) {
        const ns = l.stats.codeRef.namespace;
        if (l.stats.quantilesApproximate && ns !== null && !out.includes(ns)) out.push(ns);
      }
    }
    return out;
  }

  /** Exact percentiles (by function key) replace the estimates of the snapshot they were computed for. */
  private applyExact(snap: StatsSnapshot, exact: ReadonlyMap<string, FunctionStats>): void {
    if (this.snapshot !== snap || exact.size === 0) return;
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
    this._onDidChange.fire();
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
    if (this.intervalTimer !== undefined) clearInterval(this.intervalTimer);
    this.loop.dispose();
    this.remapController?.abort();
    this.refiner.dispose();
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

export function toRange(r: Range0): vscode.Range {
  return new vscode.Range(r.startLine, r.startCol, r.endLine, r.endCol);
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
