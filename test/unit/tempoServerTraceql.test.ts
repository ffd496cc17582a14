// TraceQL subset of the Tempo test server: which spans each query matches, and Tempo-form 400s for the rest.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTempoServer, type TempoTestServer } from '../tempo-server/server';

const NOW_MS = Date.now();
const START_S = Math.floor(NOW_MS / 1000) - 600;
const END_S = Math.floor(NOW_MS / 1000) + 60;

type Attr = { key: string; value: Record<string, unknown> };
const str = (key: string, v: string): Attr => ({ key, value: { stringValue: v } });
const int = (key: string, v: number): Attr => ({ key, value: { intValue: v } });

interface SpanSpec {
  id: string;
  parent?: string;
  name: string;
  kind: number;
  offsetMs: number;
  durationMs: number;
  attributes: Attr[];
  status?: { code: number; message?: string };
}

function payload(traceId: string, resource: Attr[], spans: SpanSpec[]): unknown {
  const base = BigInt(NOW_MS - 120_000) * 1_000_000n;
  return {
    resourceSpans: [
      {
        resource: { attributes: resource },
        scopeSpans: [
          {
            scope: { name: 'test' },
            spans: spans.map((s) => ({
              traceId,
              spanId: s.id.padStart(16, '0'),
              ...(s.parent ? { parentSpanId: s.parent.padStart(16, '0') } : {}),
              name: s.name,
              kind: s.kind,
              startTimeUnixNano: (base + BigInt(s.offsetMs) * 1_000_000n).toString(),
              endTimeUnixNano: (base + BigInt(s.offsetMs + s.durationMs) * 1_000_000n).toString(),
              attributes: s.attributes,
              status: s.status ?? {},
            })),
          },
        ],
      },
    ],
  };
}

let server: TempoTestServer;

before(async () => {
  // 3.0 evaluates `= nil`; 2.x refuses it (tested below).
  server = await startTempoServer({ version: '3.0.3' });
  // Trace A: hex id with leading zeros, three spans.
  server.ingest(
    payload('0000000000000000000000000000000a', [str('service.name', 'svc-a'), str('deployment.environment', 'prod')], [
      {
        id: 'a1',
        name: 'GET /a',
        kind: 2,
        offsetMs: 0,
        durationMs: 1200,
        attributes: [
          str('http.route', '/a'),
          str('code.function', 'handle'),
          str('code.namespace', 'com.x.A'),
          int('http.status_code', 200),
          { key: 'ratio', value: { doubleValue: 0.5 } },
          { key: 'flag', value: { boolValue: true } },
        ],
        status: { code: 1 },
      },
      {
        id: 'a2',
        parent: 'a1',
        name: 'SELECT',
        kind: 3,
        offsetMs: 100,
        durationMs: 300,
        attributes: [str('db.system', 'postgresql'), str('code.function.name', 'com.x.Repo.find'), int('code.line.number', 42)],
        status: { code: 2, message: 'boom' },
      },
      { id: 'a3', parent: 'a1', name: 'compute', kind: 1, offsetMs: 500, durationMs: 5, attributes: [str('code.function', 'compute'), str('q', 'say "hi" \\o/')] },
    ]),
  );
  // Trace B: base64 ids, like a Tempo body.
  const b64 = (hex: string): string => Buffer.from(hex, 'hex').toString('base64');
  const b = payload('5eed000000000000000000000000000b', [str('service.name', 'svc-b')], [
    { id: 'b1', name: 'POST /b', kind: 2, offsetMs: 1000, durationMs: 50, attributes: [int('http.status_code', 400), str('code.function', 'post')], status: { code: 2, message: 'bad request' } },
    {
      id: 'b2',
      parent: 'b1',
      name: 'consume',
      kind: 5,
      offsetMs: 1020,
      durationMs: 2000,
      attributes: [str('messaging.system', 'kafka'), { key: 'tags', value: { arrayValue: { values: [{ stringValue: 'a' }, { stringValue: 'b' }] } } }],
      status: { code: 1 },
    },
  ]) as { resourceSpans: { scopeSpans: { spans: Record<string, string>[] }[] }[] };
  for (const sp of b.resourceSpans[0]?.scopeSpans[0]?.spans ?? []) {
    sp['traceId'] = b64(sp['traceId'] ?? '');
    sp['spanId'] = b64(sp['spanId'] ?? '');
    if (sp['parentSpanId']) sp['parentSpanId'] = b64(sp['parentSpanId']);
  }
  server.ingest(b);
  // Trace C: its root never arrived.
  server.ingest(
    payload('5eed000000000000000000000000000c', [str('service.name', 'svc-c')], [
      { id: 'c1', parent: 'ff', name: 'orphan', kind: 3, offsetMs: 2000, durationMs: 10, attributes: [str('code.function', 'orphan')] },
    ]),
  );
});

after(async () => {
  await server.close();
});

interface SearchBody {
  traces: {
    traceID: string;
    rootServiceName: string;
    rootTraceName?: string;
    spanSets: { spans: { spanID: string; name?: string; attributes?: Attr[] }[]; matched?: number }[];
  }[];
}

async function searchRaw(q: string): Promise<Response> {
  return fetch(`${server.url}/api/search?q=${encodeURIComponent(q)}&start=${START_S}&end=${END_S}&limit=100&spss=100`);
}

async function matchedSpanIds(q: string): Promise<string[]> {
  const res = await searchRaw(q);
  const body = await res.text();
  assert.equal(res.status, 200, `${q} → ${res.status} ${body}`);
  const parsed = JSON.parse(body) as SearchBody;
  return parsed.traces.flatMap((t) => t.spanSets.flatMap((s) => s.spans.map((sp) => sp.spanID.replace(/^0+/, '')))).sort();
}

const TABLE: readonly (readonly [string, readonly string[]])[] = [
  ['{ span.code.function != nil }', ['a1', 'a3', 'b1', 'c1']],
  ['{ .code.function = "handle" }', ['a1']],
  ['{ resource.service.name = "svc-b" }', ['b1', 'b2']],
  ['{ .service.name = "svc-a" && status = error }', ['a2']],
  ['{ duration > 1s }', ['a1', 'b2']],
  ['{ span:duration >= 300ms && span:duration < 1.2s }', ['a2']],
  ['{ duration < 6000us }', ['a3']],
  ['{ status = error }', ['a2', 'b1']],
  ['{ span:status != ok }', ['a2', 'a3', 'b1', 'c1']],
  ['{ status = unset }', ['a3', 'c1']],
  ['{ name = "GET /a" }', ['a1']],
  ['{ span:name =~ "GET.*" }', ['a1']],
  ['{ name =~ "GET" }', []],
  ['{ name !~ "(GET|POST) .*" }', ['a2', 'a3', 'b2', 'c1']],
  ['{ kind = server }', ['a1', 'b1']],
  ['{ span:kind = client }', ['a2', 'c1']],
  ['{ kind = consumer || kind = internal }', ['a3', 'b2']],
  ['{ statusMessage = "boom" }', ['a2']],
  ['{ span:statusMessage =~ "bad.*" }', ['b1']],
  ['{ rootServiceName = "svc-a" }', ['a1', 'a2', 'a3']],
  ['{ trace:rootService = "svc-b" }', ['b1', 'b2']],
  ['{ rootName = "POST /b" }', ['b1', 'b2']],
  ['{ trace:rootName = "POST /b" && kind = consumer }', ['b2']],
  ['{ traceDuration > 1.5s }', ['b1', 'b2']],
  ['{ trace:duration < 1s }', ['c1']],
  ['{ span.http.status_code >= 400 }', ['b1']],
  ['{ span.http.status_code = 200 }', ['a1']],
  ['{ span.http.status_code > -1 && span.http.status_code < 300 }', ['a1']],
  ['{ span.ratio > 0.25 }', ['a1']],
  ['{ span.ratio <= 0.5 && span.ratio >= 0.5 }', ['a1']],
  ['{ span.flag = true }', ['a1']],
  ['{ span.flag != false }', ['a1']],
  ['{ span.code.line.number = 42 && span.code.function.name = "com.x.Repo.find" }', ['a2']],
  ['{ span.code.function.name =~ "com\\\\.x\\\\..*" }', ['a2']],
  ['{ (kind = server || kind = consumer) && resource.service.name = "svc-b" }', ['b1', 'b2']],
  ['{ !(status = error) && kind = client }', ['c1']],
  ['{ kind = server } && { status = error }', ['a1', 'a2', 'b1']],
  ['{ kind = server } || { name = "orphan" }', ['a1', 'b1', 'c1']],
  ['({ kind = server } && { status = error }) || { name = "orphan" }', ['a1', 'a2', 'b1', 'c1']],
  ['{ span.messaging.system = "kafka" } && { name = "nope" }', []],
  ['{ span.tags = "b" }', ['b2']],
  ['{ span.tags != "z" }', ['b2']],
  ['{ .code.function =~ "h.*|p.*" } with (most_recent=true)', ['a1', 'b1']],
  ['{ span.http.route = `/a` }', ['a1']],
  ['{ span.q = "say \\"hi\\" \\\\o/" }', ['a3']],
  ['{ span.http.route = "/a" && resource.http.route = "/a" }', []],
  ['{ resource.deployment.environment = "prod" && span.db.system != nil }', ['a2']],
  ['{ }', ['a1', 'a2', 'a3', 'b1', 'b2', 'c1']],
  ['{ span.code.function = "handle" } | select(span.code.namespace, resource.deployment.environment)', ['a1']],
];

test('TraceQL subset: each query matches exactly the expected spans', async () => {
  const failures: string[] = [];
  for (const [q, want] of TABLE) {
    const got = await matchedSpanIds(q);
    if (JSON.stringify(got) !== JSON.stringify([...want].sort())) failures.push(`${q}: got [${got.join(', ')}], want [${want.join(', ')}]`);
  }
  assert.deepEqual(failures, []);
});

test('Tempo 2.x refuses "= nil" in search and metrics with its own words; 3.0 evaluates it', async () => {
  const old = await startTempoServer({ version: '2.7.2' });
  try {
    const q = encodeURIComponent('{ span.db.system = nil }');
    const search = await fetch(`${old.url}/api/search?q=${q}&start=${START_S}&end=${END_S}`);
    assert.deepEqual([search.status, await search.text()], [400, 'invalid TraceQL query: {.a = nil} not yet supported']);
    const metrics = await fetch(`${old.url}/api/metrics/query_range?q=${encodeURIComponent('{ span.db.system = nil } | count_over_time()')}&start=${START_S}&end=${END_S}`);
    assert.deepEqual([metrics.status, (await metrics.text()).trim()], [400, 'compiling query: {.a = nil} not yet supported']);
    // `!= nil` and a "= nil" inside a string are not the refused form.
    assert.equal((await fetch(`${old.url}/api/search?q=${encodeURIComponent('{ span.db.system != nil && name != "= nil" }')}&start=${START_S}&end=${END_S}`)).status, 200);
  } finally {
    await old.close();
  }
  assert.deepEqual(await matchedSpanIds('{ span.db.system = nil }'), ['a1', 'a3', 'b1', 'b2', 'c1']);
});

test('search returns only referenced attributes, keyed without scope, and name only when touched', async () => {
  const res = await searchRaw('{ span.code.function = "handle" && status = ok } | select(span.code.namespace, resource.deployment.environment, span.ratio)');
  const body = (await res.json()) as SearchBody;
  const span = body.traces[0]?.spanSets[0]?.spans[0];
  assert.ok(span);
  assert.equal(span.name, undefined);
  assert.deepEqual(
    (span.attributes ?? []).map((a) => [a.key, a.value]),
    [
      ['code.function', { stringValue: 'handle' }],
      ['status', { stringValue: 'ok' }],
      ['code.namespace', { stringValue: 'com.x.A' }],
      ['deployment.environment', { stringValue: 'prod' }],
      ['ratio', { doubleValue: 0.5 }],
    ],
  );
  const named = (await (await searchRaw('{ name = "SELECT" } | select(span.code.line.number, kind)')).json()) as SearchBody;
  const s2 = named.traces[0]?.spanSets[0]?.spans[0];
  assert.equal(s2?.name, 'SELECT');
  assert.deepEqual(s2?.attributes, [
    { key: 'code.line.number', value: { intValue: '42' } },
    { key: 'kind', value: { stringValue: 'client' } },
  ]);
});

test('search trace ids lose leading zeros; a trace without root says so', async () => {
  const body = (await (await searchRaw('{ name = "compute" || name = "orphan" }')).json()) as SearchBody;
  const ids = body.traces.map((t) => t.traceID).sort();
  assert.deepEqual(ids, ['5eed000000000000000000000000000c', 'a']);
  const orphan = body.traces.find((t) => t.traceID.endsWith('c'));
  assert.equal(orphan?.rootServiceName, '<root span not yet received>');
  assert.equal(orphan && 'rootTraceName' in orphan, false);
});

const UNSUPPORTED: readonly (readonly [string, RegExp])[] = [
  ['{ span.code.function = }', /^invalid TraceQL query: parse error at line 1, col 24: syntax error: unexpected }$/],
  ['{ .a = 1 ', /^invalid TraceQL query: parse error at line 1, col 10: syntax error: unexpected \$end$/],
  ['{\n  .a = }', /^invalid TraceQL query: parse error at line 2, col 8: syntax error: unexpected }$/],
  ['{ a = 1 }', /^invalid TraceQL query: parse error at line 1, col 3: syntax error: unexpected a$/],
  ['{ span.a = 1 } >> { span.b = 2 }', /^invalid TraceQL query: parse error at line 1, col 16: syntax error: unexpected >>/],
  ['{ span.a + 1 > 2 }', /^invalid TraceQL query: parse error at line 1, col 10: syntax error: unexpected \+/],
  ['{ span.a = 1 } | count() > 2', /^invalid TraceQL query: parse error at line 1, col 18: syntax error: /],
  ['{ event.name = "x" }', /^invalid TraceQL query: parse error at line 1, col 3: syntax error: /],
  ['{ span.a = 1 } | by(span.b)', /^invalid TraceQL query: parse error at line 1, col 18: syntax error: /],
  ['{ span.a = 1 } | rate()', /^invalid TraceQL query: /],
];

test('queries outside the subset get a plain-text 400 in Tempo form', async () => {
  for (const [q, re] of UNSUPPORTED) {
    const res = await searchRaw(q);
    const body = await res.text();
    assert.equal(res.status, 400, `${q} → ${res.status} ${body}`);
    assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.match(body, re, q);
  }
});
