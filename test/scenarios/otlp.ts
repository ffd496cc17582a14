// Builds OTLP/HTTP JSON payloads (ExportTraceServiceRequest) from small span trees, in the form a
// real Tempo accepts: hex ids, int64 nanoseconds as strings, one resource per service.

export type AttrMap = Readonly<Record<string, string | number | boolean>>;

export interface SpanSpec {
  readonly service: string;
  readonly name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  readonly kind: 1 | 2 | 3 | 4 | 5;
  /** Epoch milliseconds, fractions allowed. */
  readonly startMs: number;
  readonly durationMs: number;
  readonly attributes?: AttrMap;
  /** Status ERROR with this message. */
  readonly error?: string;
  readonly children?: readonly SpanSpec[];
}

export interface Resource {
  readonly attributes: AttrMap;
  readonly scope: { readonly name: string; readonly version?: string };
}

export function otlpAttributes(o: AttrMap): { key: string; value: Record<string, unknown> }[] {
  return Object.entries(o).map(([key, v]) => ({
    key,
    value: typeof v === 'string' ? { stringValue: v } : typeof v === 'boolean' ? { boolValue: v } : Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v },
  }));
}

const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');

/** Nanoseconds since the epoch as a decimal string, from fractional milliseconds (µs precision). */
export function nanos(ms: number): string {
  return (BigInt(Math.round(ms * 1000)) * 1000n).toString();
}

/** A 32-hex trace id; every fourth one starts with zeros (search strips them, PITFALLS 6). */
export function traceIdFor(prefix: number, n: number): string {
  return n % 4 === 0 ? hex(n, 32) : `${hex(prefix, 8)}${hex(n, 24)}`;
}

/** One trace as one payload: spans grouped by their service's resource. */
export function tracePayload(traceId: string, root: SpanSpec, resources: Readonly<Record<string, Resource>>, nextSpanId: () => number): unknown {
  const byService = new Map<string, unknown[]>();
  const walk = (s: SpanSpec, parent: string | null): void => {
    const spanId = hex(nextSpanId(), 16);
    const span: Record<string, unknown> = {
      traceId,
      spanId,
      name: s.name,
      kind: s.kind,
      startTimeUnixNano: nanos(s.startMs),
      endTimeUnixNano: nanos(s.startMs + s.durationMs),
      attributes: otlpAttributes(s.attributes ?? {}),
      status: s.error !== undefined ? { code: 2, message: s.error } : {},
    };
    if (parent !== null) span['parentSpanId'] = parent;
    const list = byService.get(s.service) ?? [];
    list.push(span);
    byService.set(s.service, list);
    for (const c of s.children ?? []) walk(c, spanId);
  };
  walk(root, null);
  return {
    resourceSpans: [...byService.entries()].map(([service, spans]) => {
      const r = resources[service];
      return {
        resource: { attributes: otlpAttributes(r?.attributes ?? { 'service.name': service }) },
        scopeSpans: [{ scope: r?.scope ?? { name: 'manual' }, spans }],
      };
    }),
  };
}

/** Number of spans in OTLP payloads. */
export function countSpans(payloads: readonly unknown[]): number {
  let n = 0;
  for (const p of payloads as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] }[]) {
    for (const rs of p.resourceSpans) for (const ss of rs.scopeSpans) n += ss.spans.length;
  }
  return n;
}

/** mulberry32: small, fast, deterministic. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
