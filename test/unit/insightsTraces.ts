// Builders of synthetic traces for the detector tests (readable offsets in ms from a fixed epoch).
import type { Attributes, Span, SpanKind, SpanStatus, Trace } from '../../src/shared/model';

export const T0 = 1_800_000_000_000;

export interface SpanSpec {
  readonly id: string;
  readonly parent?: string;
  readonly name?: string;
  readonly kind?: SpanKind;
  /** ms after T0 */
  readonly start: number;
  readonly end: number;
  readonly status?: SpanStatus;
  readonly message?: string;
  readonly attrs?: Attributes;
  readonly service?: string;
  readonly instance?: string;
  readonly links?: number;
}

const resources = new Map<string, Attributes>();

function resourceFor(service: string, instance: string | undefined): Attributes {
  const k = `${service}|${instance ?? ''}`;
  let r = resources.get(k);
  if (r === undefined) {
    r = { 'service.name': service, ...(instance !== undefined ? { 'service.instance.id': instance } : {}) };
    resources.set(k, r);
  }
  return r;
}

function hex(s: string, len: number): string {
  let h = '';
  for (const ch of s) h += ch.charCodeAt(0).toString(16).padStart(2, '0');
  return h.slice(-len).padStart(len, '0');
}

export function trace(traceKey: string, specs: readonly SpanSpec[], t0 = T0): Trace {
  const traceId = hex(traceKey, 32);
  const spans: Span[] = specs.map((s) => {
    const service = s.service ?? 'token-service';
    return {
      traceId,
      spanId: hex(s.id, 16),
      parentSpanId: s.parent !== undefined ? hex(s.parent, 16) : null,
      name: s.name ?? s.id,
      kind: s.kind ?? 'internal',
      startMs: t0 + s.start,
      endMs: t0 + s.end,
      status: s.status ?? 'unset',
      statusMessage: s.message ?? null,
      attributes: s.attrs ?? {},
      resource: resourceFor(service, s.instance),
      service,
      scope: null,
      events: [],
      links: Array.from({ length: s.links ?? 0 }, (_, i) => ({ traceId: hex(`link${i}`, 32), spanId: hex(`l${i}`, 16), attributes: {} })),
    };
  });
  return { traceId, spans, partial: false, message: null };
}

export function code(namespace: string, fn: string, extra: Attributes = {}): Attributes {
  return { 'code.namespace': namespace, 'code.function': fn, ...extra };
}
