// The receiver's span store: spans in arrival order, kept for a retention window under a memory cap, indexed by trace id.
import type { Subscription } from '../core/source';
import type { AttrValue, Attributes, Span, TimeWindow, Trace } from '../shared/model';

/** Retention values the setting accepts (CONTRACT: "15m"…"24h"). */
export const MIN_RETENTION_MS = 15 * 60_000;
export const MAX_RETENTION_MS = 24 * 3_600_000;
export const DEFAULT_RETENTION_MS = 3_600_000;
/** Default memory cap: the estimate of what the stored spans hold on the heap. */
export const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

/**
 * `"15m"`, `"1h"`, `"90m"`, `"24h"` → milliseconds, clamped to 15 min … 24 h; null when the text is
 * not a duration (the caller falls back to the default and says so).
 */
export function parseRetention(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$/i.exec(text);
  if (m === null) return null;
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] as string).toLowerCase() as 's' | 'm' | 'h' | 'd'];
  const ms = Number(m[1]) * unit;
  if (!Number.isFinite(ms)) return null;
  return Math.min(MAX_RETENTION_MS, Math.max(MIN_RETENTION_MS, ms));
}

/**
 * Bytes a span holds, roughly: object headers and fields plus a string header and a byte per
 * character (V8 keeps ASCII one byte a character), calibrated against the heap in
 * test/bench/receiver.bench.ts and kept above it. The resource is shared by the spans of a batch,
 * so each span is charged its share (`resourceShares`).
 */
const SPAN_OVERHEAD = 260;
const ATTRIBUTE_OVERHEAD = 32;
const EVENT_OVERHEAD = 120;
const str = (s: string): number => 16 + s.length;

function valueBytes(v: AttrValue, budget: number): number {
  if (typeof v === 'string') return str(v);
  if (v === null || typeof v !== 'object') return 16;
  if (budget <= 0) return 64;
  let n = 32;
  if (Array.isArray(v)) for (const x of v) n += 8 + valueBytes(x, budget - 1);
  else for (const k in v) n += ATTRIBUTE_OVERHEAD + str(k) + valueBytes(v[k] as AttrValue, budget - 1);
  return n;
}

export function attributesBytes(a: Attributes): number {
  let n = 64;
  for (const k in a) n += ATTRIBUTE_OVERHEAD + str(k) + valueBytes(a[k] as AttrValue, 8);
  return n;
}

/** Estimated bytes of one span, without its (shared) resource. */
export function spanBytes(s: Span): number {
  let n = SPAN_OVERHEAD + str(s.name) + (s.statusMessage === null ? 0 : str(s.statusMessage)) + attributesBytes(s.attributes);
  for (const e of s.events) n += EVENT_OVERHEAD + str(e.name) + attributesBytes(e.attributes);
  for (const l of s.links) n += EVENT_OVERHEAD + attributesBytes(l.attributes);
  return n;
}

interface Entry {
  readonly span: Span;
  readonly at: number;
  readonly bytes: number;
}

/** The spans of one trace in arrival order; `head` skips the ones already dropped (compacted lazily). */
interface TraceEntry {
  spans: Span[];
  head: number;
  /** Span ids held: an exporter that timed out resends its batch, which must not count twice. */
  readonly ids: Set<string>;
}

export interface SpanStoreOptions {
  readonly retentionMs?: number;
  readonly maxBytes?: number;
  /** Clock in epoch ms (tests). */
  readonly now?: () => number;
}

/** What one `add` did: spans kept, spans already held (resent), and spans dropped to make room (oldest first) or expired. */
export interface AddResult {
  readonly added: number;
  readonly duplicates: number;
  readonly evicted: number;
  readonly expired: number;
}

export interface SpanStoreStats {
  readonly spans: number;
  readonly traces: number;
  readonly bytes: number;
  /** Totals since the store was made. */
  readonly received: number;
  readonly evicted: number;
  readonly expired: number;
}

/**
 * Spans in arrival order. Retention counts from arrival (an app replaying old spans still sees
 * them), so expiry and the memory cap both drop from the head of one queue: no timer, no sort.
 * Sweeps run on insert and on read.
 */
export class SpanStore {
  readonly retentionMs: number;
  readonly maxBytes: number;
  private readonly now: () => number;
  private queue: Entry[] = [];
  private head = 0;
  private readonly byTrace = new Map<string, TraceEntry>();
  private bytesHeld = 0;
  private received = 0;
  private evictedTotal = 0;
  private expiredTotal = 0;
  private versionNo = 0;
  private readonly listeners = new Set<(version: number) => void>();

  constructor(options: SpanStoreOptions = {}) {
    this.retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    this.now = options.now ?? Date.now;
  }

  /** Bumped by every change (a batch added, spans expired or dropped): a cheap cache key for readers. */
  get version(): number {
    return this.versionNo;
  }

  get size(): number {
    return this.queue.length - this.head;
  }

  /** Called after each batch that added spans, with the new version. */
  onDidChange(listener: (version: number) => void): Subscription {
    this.listeners.add(listener);
    return { dispose: () => { this.listeners.delete(listener); } };
  }

  /**
   * Adds a batch (one export request). Spans without a trace or span id are the caller's to
   * refuse (it counts them for the partial-success answer); a span already held (same trace and
   * span id: a resent batch) is not added again. Over the cap, the oldest spans go first —
   * possibly some of this batch when the batch alone is larger than the cap.
   */
  add(spans: readonly Span[]): AddResult {
    const at = this.now();
    const expired = this.expire(at);
    if (spans.length === 0) return { added: 0, duplicates: 0, evicted: 0, expired };
    const shares = resourceShares(spans);
    let fresh = 0;
    for (const span of spans) {
      let t = this.byTrace.get(span.traceId);
      if (t === undefined) {
        t = { spans: [], head: 0, ids: new Set() };
        this.byTrace.set(span.traceId, t);
      } else if (t.ids.has(span.spanId)) continue;
      t.spans.push(span);
      t.ids.add(span.spanId);
      const bytes = spanBytes(span) + (shares.get(span.resource) ?? 0);
      this.queue.push({ span, at, bytes });
      this.bytesHeld += bytes;
      fresh++;
    }
    const duplicates = spans.length - fresh;
    if (fresh === 0) return { added: 0, duplicates, evicted: 0, expired };
    this.received += fresh;
    let evicted = 0;
    while (this.bytesHeld > this.maxBytes && this.size > 0) {
      this.dropHead();
      evicted++;
    }
    this.evictedTotal += evicted;
    this.compact();
    this.versionNo++;
    for (const l of [...this.listeners]) l(this.versionNo);
    return { added: fresh - Math.min(evicted, fresh), duplicates, evicted, expired };
  }

  /** Spans whose time overlaps the window (start before its end, end at or after its start). */
  spans(window: TimeWindow): Span[] {
    this.sweep();
    const out: Span[] = [];
    for (let i = this.head; i < this.queue.length; i++) {
      const s = (this.queue[i] as Entry).span;
      if (s.startMs < window.endMs && s.endMs >= window.startMs) out.push(s);
    }
    return out;
  }

  /** Whole traces (every stored span) that have at least one span in the window, in arrival order of their first span. */
  traces(window: TimeWindow): Trace[] {
    this.sweep();
    const out: Trace[] = [];
    for (const [traceId, t] of this.byTrace) {
      const spans = t.head === 0 ? t.spans : t.spans.slice(t.head);
      if (spans.some((s) => s.startMs < window.endMs && s.endMs >= window.startMs)) {
        out.push({ traceId, spans: t.head === 0 ? spans.slice() : spans, partial: false, message: null });
      }
    }
    return out;
  }

  /** One trace by its 32-hex id (any case, leading zeros optional), or null when none of its spans is held. */
  trace(traceId: string): Trace | null {
    this.sweep();
    const id = traceId.toLowerCase().padStart(32, '0');
    const t = this.byTrace.get(id);
    if (t === undefined) return null;
    return { traceId: id, spans: t.spans.slice(t.head), partial: false, message: null };
  }

  stats(): SpanStoreStats {
    return {
      spans: this.size,
      traces: this.byTrace.size,
      bytes: this.bytesHeld,
      received: this.received,
      evicted: this.evictedTotal,
      expired: this.expiredTotal,
    };
  }

  clear(): void {
    if (this.size === 0) return;
    this.queue = [];
    this.head = 0;
    this.byTrace.clear();
    this.bytesHeld = 0;
    this.versionNo++;
  }

  /** Drops what outlived the retention; returns how many. */
  sweep(): number {
    const n = this.expire(this.now());
    this.compact();
    return n;
  }

  private expire(now: number): number {
    const cutoff = now - this.retentionMs;
    let n = 0;
    while (this.head < this.queue.length && (this.queue[this.head] as Entry).at <= cutoff) {
      this.dropHead();
      n++;
    }
    if (n > 0) {
      this.expiredTotal += n;
      this.versionNo++;
    }
    return n;
  }

  private dropHead(): void {
    const e = this.queue[this.head] as Entry;
    this.head++;
    this.bytesHeld -= e.bytes;
    const t = this.byTrace.get(e.span.traceId);
    if (t === undefined) return;
    // The queue and each trace's list share the arrival order, so the dropped span heads its trace.
    t.head++;
    t.ids.delete(e.span.spanId);
    if (t.head >= t.spans.length) this.byTrace.delete(e.span.traceId);
    else if (t.head > 64 && t.head * 2 > t.spans.length) {
      t.spans = t.spans.slice(t.head);
      t.head = 0;
    }
  }

  /** Reclaims the dropped head of the queue once it is the larger part (amortised O(1) per span). */
  private compact(): void {
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}

/** Each distinct resource object of a batch, with its byte estimate divided among the spans sharing it. */
function resourceShares(spans: readonly Span[]): Map<Attributes, number> {
  const counts = new Map<Attributes, number>();
  for (const s of spans) counts.set(s.resource, (counts.get(s.resource) ?? 0) + 1);
  const shares = new Map<Attributes, number>();
  for (const [r, n] of counts) shares.set(r, attributesBytes(r) / n);
  return shares;
}
