// Child process of receiverSdk.test.ts: a tiny "app" instrumented with the real OpenTelemetry JS SDK,
// exporting to the endpoint in OTEL_EXPORTER_OTLP_ENDPOINT exactly as a user's app would.
// argv[2]: 'http' (OTLP JSON exporter) or 'proto' (OTLP protobuf exporter); argv[3]: 'batch' or 'simple'.
// Prints the ids and times it produced as one JSON line, for the test to compare with what arrived.
import { diag, DiagConsoleLogger, DiagLogLevel, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';

async function main(): Promise<void> {
  // Export failures and partial-success answers are logged by the SDK at WARN/ERROR: the test shows stderr when it fails.
  diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.WARN);
  const protocol = process.argv[2];
  const exporter: SpanExporter = protocol === 'proto' ? new ProtoExporter() : new JsonExporter();
  const processor = process.argv[3] === 'batch' ? new BatchSpanProcessor(exporter) : new SimpleSpanProcessor(exporter);
  const provider = new BasicTracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ 'service.name': `sdk-${protocol}`, 'deployment.environment': 'local' })),
    spanProcessors: [processor],
  });
  const tracer = provider.getTracer('receiver-test', '1.2.3');
  // Explicit times (ms) so the test can check durations to the microsecond.
  const t0 = Date.now() - 1000;
  const parent = tracer.startSpan('GET /token', {
    kind: SpanKind.SERVER,
    startTime: t0,
    attributes: { 'http.request.method': 'GET', 'http.response.status_code': 500 },
  });
  const child = tracer.startSpan('TokenService.getToken', {
    kind: SpanKind.INTERNAL,
    startTime: t0 + 1.5,
    attributes: {
      'code.function.name': 'com.acme.token.TokenService.getToken',
      'code.file.path': '/src/main/java/com/acme/token/TokenService.java',
      'code.line.number': 42,
      'code.namespace': 'com.acme.token.TokenService',
      'code.function': 'getToken',
      'retry.ratio': 0.25,
      'cache.hit': false,
      'token.scopes': ['read', 'write'],
    },
  }, trace.setSpan(ROOT_CONTEXT, parent));
  child.addEvent('cache miss', { 'cache.key': 'jwks' }, t0 + 2);
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream timed out' });
  child.end(t0 + 41.25);
  parent.setStatus({ code: SpanStatusCode.ERROR });
  parent.end(t0 + 42.5);
  await provider.forceFlush();
  await provider.shutdown();
  const p = parent.spanContext();
  const c = child.spanContext();
  process.stdout.write(`${JSON.stringify({ traceId: p.traceId, parentId: p.spanId, childId: c.spanId, childTraceId: c.traceId, t0 })}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
