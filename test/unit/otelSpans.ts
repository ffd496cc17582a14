// Real OpenTelemetry JS SDK spans for the receiver tests and bench, and the SDK's own OTLP
// serializers (the ones its HTTP exporters send) to turn them into JSON and protobuf bodies.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';

export interface SpanSpec {
  readonly name: string;
  readonly kind: SpanKind;
  readonly attributes: Attributes;
  readonly status: 0 | 1 | 2;
  readonly message: string;
  readonly durationMs: number;
  readonly events: number;
  /** Make this span a child of the previous one. */
  readonly child: boolean;
}

/** Records the given spans with the real SDK (one service, one scope) and returns what an exporter would receive. */
export function sdkSpans(specs: readonly SpanSpec[], service = 'orders'): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ 'service.name': service })),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('bench-scope', '0.1.0');
  const t0 = 1_733_462_400_000.125;
  let previous: ReturnType<typeof tracer.startSpan> | null = null;
  let i = 0;
  for (const s of specs) {
    const start = t0 + i++ * 3.5;
    const ctx = s.child && previous !== null ? trace.setSpan(ROOT_CONTEXT, previous) : ROOT_CONTEXT;
    const span = tracer.startSpan(s.name, { kind: s.kind, startTime: start, attributes: s.attributes, links: previous !== null && i % 3 === 0 ? [{ context: previous.spanContext(), attributes: { 'link.i': i } }] : [] }, ctx);
    for (let e = 0; e < s.events; e++) span.addEvent(`event ${e}`, { 'event.n': e }, start + e);
    if (s.status !== 0) span.setStatus(s.status === SpanStatusCode.ERROR ? { code: SpanStatusCode.ERROR, message: s.message } : { code: SpanStatusCode.OK });
    span.end(start + s.durationMs);
    previous = span;
  }
  return memory.getFinishedSpans();
}

/** A typical instrumented method span: code.* attributes, an HTTP attribute or two. */
export function typicalSpecs(n: number): SpanSpec[] {
  const out: SpanSpec[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      name: `OrderService.place${i % 7}`,
      kind: i % 5 === 0 ? SpanKind.SERVER : SpanKind.INTERNAL,
      attributes: {
        'code.function.name': `com.acme.orders.OrderService.place${i % 7}`,
        'code.file.path': 'src/main/java/com/acme/orders/OrderService.java',
        'code.line.number': 40 + (i % 7),
        'http.response.status_code': 200,
        'db.system': 'postgresql',
      },
      status: i % 11 === 0 ? 2 : 0,
      message: 'boom',
      durationMs: 1 + (i % 13) * 0.7,
      events: i % 10 === 0 ? 1 : 0,
      child: i % 5 !== 0,
    });
  }
  return out;
}

export function jsonBody(spans: ReadableSpan[]): Uint8Array {
  return JsonTraceSerializer.serializeRequest(spans) as Uint8Array;
}

export function protoBody(spans: ReadableSpan[]): Uint8Array {
  return ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array;
}
