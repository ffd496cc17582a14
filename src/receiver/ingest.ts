// One export request (OTLP JSON value or decoded protobuf) → the spans the receiver keeps, and what it refused.
import { collectSpans, SkipCounter } from '../core/otlp';
import type { Span } from '../shared/model';

export interface Ingested {
  readonly spans: Span[];
  /** Spans refused (invalid ids or times): the `rejectedSpans` of the partial-success answer. */
  readonly rejected: number;
  /** Why, worded for the exporter's log ("skipped 2 spans with an invalid trace id"); '' when none. */
  readonly message: string;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/**
 * Reads an `ExportTraceServiceRequest` in the OTLP JSON shape (the protobuf decoder emits the same).
 * Throws an Error when the value is not such a request (→ 400); spans with invalid ids or times are
 * skipped and counted (→ 200 with partial success), as a collector does.
 */
export function ingestRequest(body: unknown): Ingested {
  if (!isObj(body)) throw new Error(`expected an ExportTraceServiceRequest object, got ${Array.isArray(body) ? 'an array' : body === null ? 'null' : typeof body}`);
  const rs = body['resourceSpans'] ?? body['resource_spans'];
  if (rs !== undefined && rs !== null && !Array.isArray(rs)) throw new Error('resourceSpans: expected an array');
  const skips = new SkipCounter();
  const all: Span[] = [];
  collectSpans(Array.isArray(rs) ? rs : [], all, skips);
  const spans: Span[] = [];
  for (const s of all) {
    // normalizeId gives '' for an id it cannot read; all-zero ids are invalid in OTLP.
    if (s.traceId === '' || s.traceId === ZERO_TRACE) skips.skip('span with an invalid trace id', 'spans with an invalid trace id');
    else if (s.spanId === '' || s.spanId === ZERO_SPAN) skips.skip('span with an invalid span id', 'spans with an invalid span id');
    else spans.push(s);
  }
  return { spans, rejected: skips.total, message: skips.notes().join('; ') };
}
