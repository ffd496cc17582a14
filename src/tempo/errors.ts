// Typed errors of the Tempo client: one kind per failure a person must act on differently.

export type TempoErrorKind =
  | 'dns'
  | 'refused'
  | 'tls'
  | 'timeout'
  | 'auth'
  | 'forbidden'
  | 'notFound'
  | 'wrongPath'
  | 'badRequest'
  | 'rateLimited'
  | 'server'
  | 'malformed'
  | 'tooLarge'
  | 'aborted'
  | 'network';

export interface TempoErrorOptions {
  readonly status?: number | undefined;
  readonly body?: string | undefined;
  readonly traceqlPosition?: { line: number; column: number } | undefined;
  readonly cause?: unknown;
  /** Seconds the server asked us to wait (429/503), when it said so. */
  readonly retryAfterSeconds?: number | undefined;
}

/** A failed Tempo call. `message` is one sentence for a person; `body` is the server's text (never our token). */
export class TempoError extends Error {
  override readonly name = 'TempoError';
  readonly kind: TempoErrorKind;
  readonly status: number | undefined;
  readonly body: string | undefined;
  readonly traceqlPosition: { line: number; column: number } | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(kind: TempoErrorKind, message: string, options: TempoErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.status = options.status;
    this.body = options.body;
    this.traceqlPosition = options.traceqlPosition;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  /** True for failures where trying again later may help (used by callers deciding to keep stale data). */
  get transient(): boolean {
    return (
      this.kind === 'timeout' ||
      this.kind === 'rateLimited' ||
      this.kind === 'server' ||
      this.kind === 'network' ||
      this.kind === 'refused' ||
      this.kind === 'dns'
    );
  }
}

/** Invalid connection settings (bad URL, forbidden header…): thrown before anything is sent. */
export class TempoConfigError extends Error {
  override readonly name = 'TempoConfigError';
  /** The setting at fault, e.g. `tempoLens.headers`. */
  readonly setting: string;
  constructor(setting: string, message: string) {
    super(message);
    this.setting = setting;
  }
}

export function isTempoError(e: unknown): e is TempoError {
  return e instanceof TempoError;
}

/** `parse error at line 1, col 24: syntax error: unexpected }` → position + the text after it. */
export function parseTraceqlError(body: string): { line: number; column: number; detail: string } | undefined {
  const m = /line (\d+), col(?:umn)? (\d+):?\s*(.*)$/s.exec(body);
  if (m === null) return undefined;
  return { line: Number(m[1]), column: Number(m[2]), detail: (m[3] ?? '').trim() };
}
