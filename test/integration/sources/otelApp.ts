// A small "local app" instrumented with the real OpenTelemetry JS SDK (protobuf exporter, batch processor), configured only by
// OTEL_EXPORTER_OTLP_* variables as a developer's service would be: 24 calls of TokenService.revoke, 40–63 ms each, every 4th failing.
import { SpanStatusCode } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

async function main(): Promise<void> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'token-service', 'telemetry.sdk.language': 'java' }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter(), { scheduledDelayMillis: 200 })],
  });
  const tracer = provider.getTracer('otel-app');
  const t0 = Date.now() - 60_000;
  for (let i = 0; i < 24; i++) {
    const start = t0 + i * 1000;
    // The newer code attributes only (semconv 1.30+): fully qualified function name and file path.
    const span = tracer.startSpan('TokenService.revoke', {
      startTime: start,
      attributes: { 'code.function.name': 'com.acme.tokens.TokenService.revoke', 'code.file.path': '/app/src/main/java/com/acme/tokens/TokenService.java' },
    });
    if (i % 4 === 0) span.setStatus({ code: SpanStatusCode.ERROR, message: 'revocation list locked' });
    span.end(start + 40 + i);
    // A live process: spans leave in several batches.
    if (i % 8 === 7) await new Promise((r) => setTimeout(r, 250));
  }
  await provider.forceFlush();
  await provider.shutdown();
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
