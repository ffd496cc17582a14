// Rebuilds the traces behind the real Tempo 2.7.2 recordings (test/fixtures/tempo-real) as OTLP payloads, time-shifted.
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** test/fixtures/tempo-real, from out/test/tempo-server or test/tempo-server. */
export const RECORDINGS_DIR = path.resolve(__dirname, __dirname.includes(`${path.sep}out${path.sep}`) ? '../../../test/fixtures/tempo-real' : '../fixtures/tempo-real');

export function readRecording(name: string, ext: 'body' | 'headers' | 'status'): string {
  return readFileSync(path.join(RECORDINGS_DIR, `${name}.${ext}`), 'utf8');
}

/** `query_window.txt`: the start/end (unix seconds) every recorded range query used. */
export const RECORDED_WINDOW = { start: 1795308107, end: 1795311767 } as const;

/** The three ingest batches (ingested_traces*.json): trace-id prefix and `sent_at_unix_ns`. */
export const RECORDED_BATCHES = [
  { prefix: '6b02480d', sentNs: 1795311629774476592n, resource: [] as string[] },
  { prefix: '45036b72', sentNs: 1795311675460534195n, resource: [] as string[] },
  { prefix: '00000001', sentNs: 1795311727170981896n, resource: ['test.batch'] },
] as const;

type Json = Record<string, unknown>;

interface SpanTemplate {
  readonly n: number;
  readonly parent?: number;
  readonly name: string;
  readonly kind: string;
  /** Offset of start from the batch's sent_at, ns. */
  readonly startOffsetNs: bigint;
  readonly durationNs: bigint;
  readonly attributes: Json[];
  readonly status: Json;
}

interface TraceTemplate {
  readonly n: number;
  readonly service: string;
  readonly spans: readonly SpanTemplate[];
}

const s = (key: string, v: string): Json => ({ key, value: { stringValue: v } });
const i = (key: string, v: number): Json => ({ key, value: { intValue: String(v) } });

/** Converts one recorded v2 trace body (base64 ids) back into span templates relative to batch 1. */
function fromRecordedBody(name: string, n: number, sentNs: bigint): TraceTemplate {
  const body = JSON.parse(readRecording(name, 'body')) as { trace: { resourceSpans: Json[] } };
  const rs = body.trace.resourceSpans[0] as { resource: { attributes: Json[] }; scopeSpans: { spans: Json[] }[] };
  const service = ((rs.resource.attributes.find((a) => a['key'] === 'service.name') as { value: { stringValue: string } }).value).stringValue;
  const spans: SpanTemplate[] = (rs.scopeSpans[0]?.spans ?? []).map((sp) => {
    const spanNo = Buffer.from(String(sp['spanId']), 'base64').readUInt8(7);
    const parent = sp['parentSpanId'] ? Buffer.from(String(sp['parentSpanId']), 'base64').readUInt8(7) : undefined;
    const start = BigInt(String(sp['startTimeUnixNano']));
    const end = BigInt(String(sp['endTimeUnixNano']));
    return {
      n: spanNo,
      ...(parent !== undefined ? { parent } : {}),
      name: String(sp['name']),
      kind: String(sp['kind']),
      startOffsetNs: start - sentNs,
      durationNs: end - start,
      attributes: sp['attributes'] as Json[],
      status: sp['status'] as Json,
    };
  });
  return { n, service, spans };
}

/**
 * The six traces of each batch (README.md): 1, 2 and 6 straight from the recorded v2 bodies; 3
 * (auth-service), 4 (refreshToken) and 5 (/health) rebuilt from the search, metrics-exemplar and
 * tag recordings (start offsets, durations, statuses and attribute names all match them).
 */
function templates(): TraceTemplate[] {
  const sent = RECORDED_BATCHES[0].sentNs;
  const t1 = fromRecordedBody('trace_v2_child_after_parent', 1, sent);
  const t2 = fromRecordedBody('trace_v2_fast_error', 2, sent);
  const t6 = fromRecordedBody('trace_v2_error_child', 6, sent);
  const t3: TraceTemplate = {
    n: 3,
    service: 'auth-service',
    spans: [
      {
        n: 0x31,
        name: 'POST /login',
        kind: 'SPAN_KIND_SERVER',
        startOffsetNs: 1795311627774476592n - sent,
        durationNs: 1_790_000_000n,
        attributes: [s('code.namespace', 'com.acme.auth.AuthService'), s('code.function', 'authenticate'), s('http.route', '/login'), s('http.method', 'POST'), i('http.status_code', 500)],
        status: { message: 'upstream timeout', code: 'STATUS_CODE_ERROR' },
      },
      {
        n: 0x32,
        parent: 0x31,
        name: 'AuthService.validate',
        kind: 'SPAN_KIND_INTERNAL',
        startOffsetNs: 1795311627784476592n - sent,
        durationNs: 100_000_000n,
        attributes: [s('code.namespace', 'com.acme.auth.AuthService'), s('code.function', 'validate')],
        status: {},
      },
    ],
  };
  const t4: TraceTemplate = {
    n: 4,
    service: 'token-service',
    spans: [
      {
        n: 0x41,
        name: 'POST /token/refresh',
        kind: 'SPAN_KIND_SERVER',
        startOffsetNs: 1795311629524476592n - sent,
        durationNs: 50_000_000n,
        attributes: [s('code.namespace', 'com.acme.token.TokenService'), s('code.function', 'refreshToken'), s('http.route', '/token/refresh'), s('http.method', 'POST'), i('http.status_code', 200)],
        status: { code: 'STATUS_CODE_OK' },
      },
    ],
  };
  const t5: TraceTemplate = {
    n: 5,
    service: 'token-service',
    spans: [
      {
        n: 0x51,
        name: 'GET /health',
        kind: 'SPAN_KIND_SERVER',
        // From search_leading_zero_trace_ids: 1.7 s before the batch was sent, 1.5 s long.
        startOffsetNs: 1795311725470981896n - RECORDED_BATCHES[2].sentNs,
        durationNs: 1_500_000_000n,
        attributes: [s('http.route', '/health'), s('http.method', 'GET'), i('http.status_code', 200)],
        status: {},
      },
    ],
  };
  return [t1, t2, t3, t4, t5, t6];
}

const b64 = (hex: string): string => Buffer.from(hex, 'hex').toString('base64');

/**
 * OTLP payloads (base64 ids, like Tempo's own bodies) for the given batches (0, 1, 2), with every
 * timestamp moved by `shiftNs`. Trace ids are the recorded ones (`6b02480d…0001` etc.).
 */
export function recordedPayloads(batches: readonly number[], shiftNs: bigint): unknown[] {
  const out: unknown[] = [];
  const tpl = templates();
  for (const b of batches) {
    const batch = RECORDED_BATCHES[b];
    if (!batch) throw new Error(`no batch ${b}`);
    for (const t of tpl) {
      const traceHex = `${batch.prefix}${t.n.toString(16).padStart(24, '0')}`;
      const resource = [s('deployment.environment', 'dev'), ...(batch.resource.length ? [s('test.batch', '1')] : []), s('service.name', t.service)];
      out.push({
        resourceSpans: [
          {
            resource: { attributes: resource },
            scopeSpans: [
              {
                scope: { name: 'com.acme.manual', version: '1.0.0' },
                spans: t.spans.map((sp) => {
                  const start = batch.sentNs + sp.startOffsetNs + shiftNs;
                  const o: Json = { traceId: b64(traceHex), spanId: b64(sp.n.toString(16).padStart(16, '0')) };
                  if (sp.parent !== undefined) o['parentSpanId'] = b64(sp.parent.toString(16).padStart(16, '0'));
                  Object.assign(o, {
                    name: sp.name,
                    kind: sp.kind,
                    startTimeUnixNano: start.toString(),
                    endTimeUnixNano: (start + sp.durationNs).toString(),
                    attributes: sp.attributes,
                    status: sp.status,
                  });
                  return o;
                }),
              },
            ],
          },
        ],
      });
    }
  }
  return out;
}
