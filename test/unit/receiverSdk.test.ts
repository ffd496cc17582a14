// The key test of the receiver: a child process instrumented with the real OpenTelemetry JS SDK
// exports over OTLP/HTTP (JSON and protobuf, gzip on one) to a receiver started here, configured
// only through OTEL_EXPORTER_OTLP_* variables, and every span arrives whole.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startReceiver, type Receiver } from '../../src/receiver/index';
import type { Span } from '../../src/shared/model';

interface ChildReport { traceId: string; parentId: string; childId: string; childTraceId: string; t0: number }

function runChild(endpoint: string, protocol: 'http' | 'proto', processor: 'batch' | 'simple', env: Record<string, string>): Promise<{ report: ChildReport; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [join(__dirname, 'receiverSdkChild.js'), protocol, processor], {
      env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, ...env },
      timeout: 30_000,
    }, (err, stdout, stderr) => {
      if (err) { reject(new Error(`child failed: ${err.message}\n${stderr}`)); return; }
      try {
        resolve({ report: JSON.parse(stdout.trim().split('\n').pop() ?? '') as ChildReport, stderr });
      } catch (e) {
        reject(new Error(`child printed no report: ${String(e)}\nstdout: ${stdout}\nstderr: ${stderr}`));
      }
    });
  });
}

function checkTrace(rx: Receiver, report: ChildReport, service: string, stderr: string): void {
  const t = rx.store.trace(report.traceId);
  assert.ok(t, `trace ${report.traceId} not in the store (child stderr: ${stderr})`);
  assert.equal(t.spans.length, 2, stderr);
  assert.equal(report.childTraceId, report.traceId);
  const parent = t.spans.find((s) => s.spanId === report.parentId) as Span;
  const child = t.spans.find((s) => s.spanId === report.childId) as Span;
  assert.ok(parent && child);
  assert.equal(parent.parentSpanId, null);
  assert.equal(child.parentSpanId, report.parentId);
  assert.equal(parent.name, 'GET /token');
  assert.equal(parent.kind, 'server');
  assert.equal(child.kind, 'internal');
  // Durations to the microsecond: the SDK's ms times survive the int64 nanosecond round trip.
  assert.ok(Math.abs(parent.startMs - report.t0) < 1e-3, `${parent.startMs} vs ${report.t0}`);
  assert.ok(Math.abs(parent.endMs - parent.startMs - 42.5) < 1e-3);
  assert.ok(Math.abs(child.startMs - report.t0 - 1.5) < 1e-3);
  assert.ok(Math.abs(child.endMs - child.startMs - 39.75) < 1e-3);
  assert.equal(child.status, 'error');
  assert.equal(child.statusMessage, 'upstream timed out');
  assert.equal(parent.status, 'error');
  assert.equal(parent.statusMessage, null);
  assert.equal(parent.service, service);
  assert.equal(child.service, service);
  assert.equal(child.resource['deployment.environment'], 'local');
  assert.equal(child.resource['telemetry.sdk.language'], 'nodejs');
  assert.deepEqual(child.scope, { name: 'receiver-test', version: '1.2.3' });
  assert.equal(child.attributes['code.function.name'], 'com.acme.token.TokenService.getToken');
  assert.equal(child.attributes['code.file.path'], '/src/main/java/com/acme/token/TokenService.java');
  assert.equal(child.attributes['code.line.number'], 42);
  assert.equal(child.attributes['code.namespace'], 'com.acme.token.TokenService');
  assert.equal(child.attributes['code.function'], 'getToken');
  assert.equal(child.attributes['retry.ratio'], 0.25);
  assert.equal(child.attributes['cache.hit'], false);
  assert.deepEqual(child.attributes['token.scopes'], ['read', 'write']);
  assert.equal(parent.attributes['http.response.status_code'], 500);
  assert.equal(child.events.length, 1);
  assert.equal(child.events[0]?.name, 'cache miss');
  assert.ok(Math.abs((child.events[0]?.timeMs ?? 0) - report.t0 - 2) < 1e-3);
  assert.deepEqual(child.events[0]?.attributes, { 'cache.key': 'jwks' });
}

describe('receiver with the real OpenTelemetry JS SDK', () => {
  let rx: Receiver;
  const logs: string[] = [];
  before(async () => {
    rx = await startReceiver({ port: 0, retentionMs: 3_600_000, log: (m) => logs.push(m) });
  });
  after(async () => { await rx.close(); });

  it('OTLP/HTTP JSON exporter (SimpleSpanProcessor): every span arrives with ids, parent, durations, attributes, status and service', async () => {
    const { report, stderr } = await runChild(rx.endpoint, 'http', 'simple', { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' });
    checkTrace(rx, report, 'sdk-http', stderr);
  });

  it('OTLP/HTTP protobuf exporter (BatchSpanProcessor, gzip): the same spans arrive', async () => {
    const { report, stderr } = await runChild(rx.endpoint, 'proto', 'batch', { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' });
    checkTrace(rx, report, 'sdk-proto', stderr);
  });

  it('OTLP/HTTP JSON exporter with gzip (BatchSpanProcessor)', async () => {
    const { report, stderr } = await runChild(rx.endpoint, 'http', 'batch', { OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' });
    checkTrace(rx, report, 'sdk-http', stderr);
    assert.deepEqual(logs, [], 'nothing refused, nothing dropped');
    assert.equal(rx.store.stats().spans, 6);
  });
});
