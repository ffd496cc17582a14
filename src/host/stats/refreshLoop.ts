// The refresh lifecycle without VS Code: requests debounced into one run, a newer run supersedes (aborts) the one in flight, each run bounded by a timeout, disposal aborts everything. Tested under node:test.

/** Why a run's signal was aborted: a newer run, the timeout, or disposal. */
export type AbortCause = 'superseded' | 'timeout' | 'disposed';

/** The abort reason a run sees; `kind` is `timeout` for the time bound (a failure), otherwise the run was replaced. */
export class RefreshAbort extends Error {
  constructor(readonly why: AbortCause, message: string) {
    super(message);
    this.name = 'AbortError';
  }

  get kind(): string {
    return this.why === 'timeout' ? 'timeout' : 'aborted';
  }
}

export interface RefreshLoopOptions {
  /** One refresh. Resolves when its outcome is recorded; a rejection is logged, never rethrown. */
  run(signal: AbortSignal): Promise<void>;
  /** Quiet time after the last request before the run starts. */
  readonly debounceMs: number;
  /** Bound of one run; its signal aborts with a `RefreshAbort('timeout')` when it passes. */
  readonly timeoutMs: number;
  /** Busy changes: true when a request is pending or a run is in flight, false when idle again. */
  onBusy?(busy: boolean): void;
  onError?(error: unknown): void;
}

export class RefreshLoop {
  private inflight: { controller: AbortController; promise: Promise<void> } | null = null;
  private debounceTimer: ReturnType<typeof setTimeout> | undefined;
  private waiters: (() => void)[] = [];
  private disposed = false;
  private wasBusy = false;

  constructor(private readonly opts: RefreshLoopOptions) {}

  /** A request is waiting for its debounce, or a run is in flight. */
  get busy(): boolean {
    return this.inflight !== null || this.debounceTimer !== undefined;
  }

  private busyChanged(): void {
    const busy = this.busy;
    if (busy === this.wasBusy) return;
    this.wasBusy = busy;
    this.opts.onBusy?.(busy);
  }

  /**
   * Asks for a run after the debounce; several requests within it make one run. Settles when that
   * run has finished (or was superseded by a later one that finished). Never rejects.
   */
  request(): Promise<void> {
    if (this.disposed) return Promise.resolve();
    if (this.debounceTimer !== undefined) clearTimeout(this.debounceTimer);
    const done = new Promise<void>((resolve) => this.waiters.push(resolve));
    this.debounceTimer = setTimeout(() => {
      this.debounceTimer = undefined;
      const waiters = this.waiters.splice(0);
      void this.now().finally(() => waiters.forEach((w) => w()));
    }, this.opts.debounceMs);
    this.busyChanged();
    return done;
  }

  /** Runs now, aborting the run in flight. Settles with the newest run. Never rejects. */
  now(): Promise<void> {
    if (this.disposed) return Promise.resolve();
    this.inflight?.controller.abort(new RefreshAbort('superseded', 'superseded by a newer refresh'));
    const controller = new AbortController();
    const promise: Promise<void> = this.execute(controller)
      .finally(() => {
        if (this.inflight?.controller === controller) this.inflight = null;
        this.busyChanged();
      })
      // A superseded run settles with the one that replaced it, so callers see fresh results.
      .then(() => (this.inflight !== null && this.inflight.controller !== controller ? this.inflight.promise : undefined));
    this.inflight = { controller, promise };
    this.busyChanged();
    return promise;
  }

  private async execute(controller: AbortController): Promise<void> {
    const ms = this.opts.timeoutMs;
    const timer = setTimeout(() => controller.abort(new RefreshAbort('timeout', `refresh timed out after ${Math.round(ms / 1000)} s`)), ms);
    try {
      await this.opts.run(controller.signal);
    } catch (e) {
      this.opts.onError?.(e);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Aborts the run in flight and drops pending requests (their promises settle). */
  dispose(): void {
    this.disposed = true;
    if (this.debounceTimer !== undefined) clearTimeout(this.debounceTimer);
    this.debounceTimer = undefined;
    this.waiters.splice(0).forEach((w) => w());
    this.inflight?.controller.abort(new RefreshAbort('disposed', 'disposed'));
  }
}

/** True when a run was stopped because it was replaced or disposed (not a failure to report). */
export function isReplaced(signal: AbortSignal): boolean {
  return signal.aborted && !(signal.reason instanceof RefreshAbort && signal.reason.why === 'timeout');
}
