// The instrumentation-check scenario (`tempo-lens doctor`): six services of its own (distinct from
// the stats scenario's) — no code attributes (Java agent, Python), old keys only, new keys only,
// dual-emitting with one function the workspace lacks, and container paths (/app/src/…) that end
// like files of test/fixtures/workspaces/demo/checkout-web. Exact expected counts per service.
// Spans end within the last ~25 s of `nowMs` (the metrics-generator drops older ones, PITFALLS 10).
import type { ServiceCounts } from '../../src/core/doctor';
import { countSpans, traceIdFor, tracePayload, type AttrMap, type Resource, type SpanSpec } from './otlp';

const AGENT = { 'telemetry.distro.name': 'opentelemetry-java-instrumentation', 'telemetry.distro.version': '2.10.0' };

const RESOURCES: Record<string, Resource> = {
  'doc-http': { attributes: { 'service.name': 'doc-http', 'telemetry.sdk.language': 'java', 'telemetry.sdk.name': 'opentelemetry', 'telemetry.sdk.version': '1.44.1', ...AGENT }, scope: { name: 'io.opentelemetry.tomcat-10.0', version: '2.10.0-alpha' } },
  'doc-old': { attributes: { 'service.name': 'doc-old', 'telemetry.sdk.language': 'java', 'telemetry.sdk.name': 'opentelemetry', 'telemetry.sdk.version': '1.44.1', ...AGENT }, scope: { name: 'io.opentelemetry.spring-webmvc-6.0', version: '2.10.0-alpha' } },
  'doc-new': { attributes: { 'service.name': 'doc-new', 'telemetry.sdk.language': 'java', 'telemetry.sdk.name': 'opentelemetry', 'telemetry.sdk.version': '1.51.0' }, scope: { name: 'io.opentelemetry.methods', version: '2.19.0-alpha' } },
  'doc-dual': { attributes: { 'service.name': 'doc-dual', 'telemetry.sdk.language': 'java', 'telemetry.sdk.name': 'opentelemetry', 'telemetry.sdk.version': '1.51.0' }, scope: { name: 'io.opentelemetry.methods', version: '2.19.0-alpha' } },
  'doc-container': { attributes: { 'service.name': 'doc-container', 'telemetry.sdk.language': 'nodejs', 'telemetry.sdk.name': 'opentelemetry', 'telemetry.sdk.version': '1.30.0' }, scope: { name: 'checkout', version: '1.0.0' } },
  'doc-python': { attributes: { 'service.name': 'doc-python', 'telemetry.sdk.language': 'python', 'telemetry.sdk.name': 'opentelemetry', 'telemetry.sdk.version': '1.29.0' }, scope: { name: 'opentelemetry.instrumentation.flask', version: '0.50b0' } },
};

/** The expected counts of one service (the JSON's `sdk` has no `distro`). */
export interface ExpectedService extends Omit<ServiceCounts, 'sdk'> {
  readonly sdk: { readonly language: string; readonly name: string; readonly version: string };
  readonly matched: number;
  readonly unmatched: number;
  /** A fragment every run must find in one of the service's advice lines. */
  readonly advice: readonly string[];
}

export interface DoctorScenario {
  readonly nowMs: number;
  readonly payloads: readonly unknown[];
  readonly spans: number;
  readonly oldKeySpans: number;
  readonly newKeySpans: number;
  readonly services: readonly ExpectedService[];
}

const old = (ns: string, fn: string): AttrMap => ({ 'code.namespace': ns, 'code.function': fn });
const neu = (ns: string, fn: string, file?: string, line?: number): AttrMap => ({
  'code.function.name': `${ns}.${fn}`, ...(file !== undefined ? { 'code.file.path': file } : {}), ...(line !== undefined ? { 'code.line.number': line } : {}),
});

/** The scenario ending at `nowMs` (same `nowMs` → same payloads). */
export function doctorScenario(nowMs: number): DoctorScenario {
  let spanNo = 0;
  let traceNo = 0;
  const payloads: unknown[] = [];
  const add = (root: SpanSpec): void => {
    payloads.push(tracePayload(traceIdFor(0xd0c7, ++traceNo), root, RESOURCES, () => ++spanNo));
  };
  // Deterministic spread over [now − 24 s, now − 4 s].
  const at = (i: number): number => nowMs - 24_000 + ((i * 1237) % 20_000);
  const leaf = (service: string, name: string, i: number, attributes: AttrMap, kind: SpanSpec['kind'] = 1): SpanSpec =>
    ({ service, name, kind, startMs: at(i), durationMs: 5 + (i % 7), attributes });

  // doc-http: Java agent 2.10, controller telemetry off: server spans and JDBC only (10 + 10).
  for (let i = 0; i < 10; i++) {
    add({ ...leaf('doc-http', 'GET /orders', i, { 'http.route': '/orders' }, 2), durationMs: 30, children: [leaf('doc-http', 'SELECT orders', i + 1, { 'db.system': 'postgresql' }, 3)] });
  }
  // doc-old: old keys only (agent default) — TokenController.token (maps), 8 spans.
  for (let i = 0; i < 8; i++) add(leaf('doc-old', 'TokenController.token', i + 20, old('com.acme.token.TokenController', 'token')));
  // doc-new: new keys only — SessionController.session (maps), 6 spans, under 4 server spans without code.
  for (let i = 0; i < 6; i++) {
    const child = leaf('doc-new', 'SessionController.session', i + 40, neu('com.acme.gateway.SessionController', 'session'));
    add(i < 4 ? { ...leaf('doc-new', 'POST /session', i + 40, { 'http.route': '/session' }, 2), durationMs: 40, children: [child] } : child);
  }
  // doc-dual: code/dup — TokenController.jwks (maps, 5 spans) and AuditLog.record (not in the workspace, 2 spans).
  for (let i = 0; i < 5; i++) add(leaf('doc-dual', 'TokenController.jwks', i + 60, { ...old('com.acme.token.TokenController', 'jwks'), ...neu('com.acme.token.TokenController', 'jwks') }));
  for (let i = 0; i < 2; i++) add(leaf('doc-dual', 'AuditLog.record', i + 70, { ...old('com.acme.audit.AuditLog', 'record'), ...neu('com.acme.audit.AuditLog', 'record') }));
  // doc-container: paths from the image (/app/src/…); the workspace has them under checkout-web/src/…; 7 spans.
  for (let i = 0; i < 4; i++) add(leaf('doc-container', 'CartService.checkout', i + 80, neu('CartService', 'checkout', '/app/src/cart/cartService.ts', 42)));
  for (let i = 0; i < 3; i++) add(leaf('doc-container', 'PriceCalculator.total', i + 90, neu('PriceCalculator', 'total', '/app/src/cart/priceCalculator.ts', 17)));
  // doc-python: Flask server spans, no code attributes (Python never sets them on spans), 3 spans.
  for (let i = 0; i < 3; i++) add(leaf('doc-python', 'GET /invoices', i + 100, { 'http.route': '/invoices' }, 2));

  const sdk = (s: string): ExpectedService['sdk'] => {
    const a = (RESOURCES[s] as Resource).attributes;
    return { language: a['telemetry.sdk.language'] as string, name: a['telemetry.sdk.name'] as string, version: a['telemetry.sdk.version'] as string };
  };
  const services: ExpectedService[] = [
    { service: 'doc-http', spans: 20, withCode: 0, oldKeys: 0, newKeys: 0, bothKeys: 0, sdk: sdk('doc-http'), matched: 0, unmatched: 0, advice: ['OTEL_INSTRUMENTATION_COMMON_EXPERIMENTAL_CONTROLLER_TELEMETRY_ENABLED=true', 'OTEL_INSTRUMENTATION_METHODS_INCLUDE='] },
    { service: 'doc-old', spans: 8, withCode: 8, oldKeys: 8, newKeys: 0, bothKeys: 0, sdk: sdk('doc-old'), matched: 1, unmatched: 0, advice: ['OTEL_SEMCONV_STABILITY_OPT_IN=code/dup', '2.18.0'] },
    { service: 'doc-new', spans: 10, withCode: 6, oldKeys: 0, newKeys: 6, bothKeys: 0, sdk: sdk('doc-new'), matched: 1, unmatched: 0, advice: ['OTEL_SEMCONV_STABILITY_OPT_IN=code/dup'] },
    { service: 'doc-dual', spans: 7, withCode: 7, oldKeys: 0, newKeys: 0, bothKeys: 7, sdk: sdk('doc-dual'), matched: 1, unmatched: 1, advice: ['AuditLog'] },
    { service: 'doc-container', spans: 7, withCode: 7, oldKeys: 0, newKeys: 7, bothKeys: 0, sdk: sdk('doc-container'), matched: 2, unmatched: 0, advice: ['"tempoLens.pathMappings": [{ "from": "/app", "to": "checkout-web" }]'] },
    { service: 'doc-python', spans: 3, withCode: 0, oldKeys: 0, newKeys: 0, bothKeys: 0, sdk: sdk('doc-python'), matched: 0, unmatched: 0, advice: ['def traced(fn):'] },
  ];
  return {
    nowMs,
    payloads,
    spans: countSpans(payloads),
    oldKeySpans: 8 + 7,
    newKeySpans: 6 + 7 + 7,
    services,
  };
}

/** The JSON of `tempo-lens doctor --format json` (CONTRACT.md). */
export interface DoctorJson {
  readonly window: { readonly start: string; readonly end: string };
  readonly services: readonly (Omit<ExpectedService, 'advice'> & { readonly advice: readonly string[] })[];
}

/** What differs from the expected services (exact counts, SDK, matches, advice, exactly the contract's keys); empty when all is right. */
export function doctorProblems(report: DoctorJson, expected: readonly ExpectedService[]): string[] {
  const problems: string[] = [];
  const got = new Map(report.services.map((s) => [s.service, s]));
  for (const want of expected) {
    const s = got.get(want.service);
    if (s === undefined) {
      problems.push(`${want.service}: missing`);
      continue;
    }
    for (const k of ['spans', 'withCode', 'oldKeys', 'newKeys', 'bothKeys', 'matched', 'unmatched'] as const) {
      if (s[k] !== want[k]) problems.push(`${want.service}: ${k} ${s[k]}, want ${want[k]}`);
    }
    if (JSON.stringify(s.sdk) !== JSON.stringify(want.sdk)) problems.push(`${want.service}: sdk ${JSON.stringify(s.sdk)}, want ${JSON.stringify(want.sdk)}`);
    for (const a of want.advice) if (!s.advice.some((x) => x.includes(a))) problems.push(`${want.service}: no advice containing ${a}: ${JSON.stringify(s.advice)}`);
    const keys = Object.keys(s).join(',');
    if (keys !== 'service,spans,withCode,oldKeys,newKeys,bothKeys,sdk,matched,unmatched,advice') problems.push(`${want.service}: keys ${keys}`);
  }
  return problems;
}
