// Tempo test server behaviour: ingest, trace by id, limits, auth, tenancy, faults, metrics values, seed data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTempoServer, type TempoServerOptions, type TempoTestServer } from '../tempo-server/server';
import { SEED_CODE_REFS, SEED_FACTS, seedTraces } from '../tempo-server/seed';

const NOW_MS = Date.now();
const NOW_S = Math.floor(NOW_MS / 1000);

type Attr = { key: string; value: Record<string, unknown> };

interface Span {
  spanId: string;
  parentSpanId?: string;
  name: string;
  startMs: number;
  durationMs: number;
  attributes?: Attr[];
  status?: Record<string, unknown>;
  kind?: number;
}

/** One OTLP/HTTP JSON payload (hex ids) for one trace of one service. */
function otlp(traceId: string, service: string, spans: Span[]): unknown {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [
          {
            scope: { name: 'test', version: '1' },
            spans: spans.map((s) => ({
              traceId,
              spanId: s.spanId,
              ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
              name: s.name,
              kind: s.kind ?? 2,
              startTimeUnixNano: String(BigInt(Math.round(s.startMs)) * 1_000_000n),
              endTimeUnixNano: String(BigInt(Math.round(s.startMs)) * 1_000_000n + BigInt(Math.round(s.durationMs * 1e6))),
              attributes: s.attributes ?? [],
              status: s.status ?? {},
            })),
          },
        ],
      },
    ],
  };
}

const tid = (n: number): string => `ab${n.toString(16).padStart(30, '0')}`;
const sid = (n: number): string => n.toString(16).padStart(16, '0');
const codeFn = (fn: string): Attr => ({ key: 'code.function', value: { stringValue: fn } });

async function withServer(opts: TempoServerOptions, fn: (s: TempoTestServer) => Promise<void>): Promise<void> {
  const s = await startTempoServer(opts);
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

const range = `start=${NOW_S - 3600}&end=${NOW_S + 60}`;
const q = (traceql: string): string => `q=${encodeURIComponent(traceql)}`;

interface SearchBody {
  traces: { traceID: string; spanSets: { spans: { spanID: string }[]; matched?: number }[] }[];
}

test('OTLP/HTTP ingest on /v1/traces, then trace by id in v1 and v2 form with Tempo encodings', async () => {
  await withServer({}, async (s) => {
    const body = otlp('000000000000000000000000000000f1', 'svc', [
      { spanId: sid(1), name: 'root', startMs: NOW_MS - 5000, durationMs: 1000, attributes: [{ key: 'n', value: { intValue: 7 } }], status: { code: 1 } },
      { spanId: sid(2), parentSpanId: sid(1), name: 'child', startMs: NOW_MS - 4900, durationMs: 100, kind: 3 },
    ]);
    const post = await fetch(`${s.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(post.status, 200);
    assert.deepEqual(await post.json(), { partialSuccess: {} });

    for (const id of ['000000000000000000000000000000f1', 'f1', 'F1']) {
      const v2 = await fetch(`${s.url}/api/v2/traces/${id}`);
      assert.equal(v2.status, 200);
      const t = (await v2.json()) as { trace: { resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[] } };
      const spans = t.trace.resourceSpans[0]?.scopeSpans[0]?.spans ?? [];
      assert.equal(spans.length, 2);
      assert.equal(spans[0]?.['traceId'], Buffer.from('000000000000000000000000000000f1', 'hex').toString('base64'));
      assert.equal(spans[0]?.['spanId'], 'AAAAAAAAAAE=');
      assert.equal(spans[0]?.['kind'], 'SPAN_KIND_SERVER');
      assert.deepEqual(spans[0]?.['status'], { code: 'STATUS_CODE_OK' });
      assert.deepEqual(spans[0]?.['attributes'], [{ key: 'n', value: { intValue: '7' } }]);
      assert.equal(typeof spans[0]?.['startTimeUnixNano'], 'string');
      assert.equal(spans[1]?.['parentSpanId'], 'AAAAAAAAAAE=');
      assert.equal(spans[1]?.['kind'], 'SPAN_KIND_CLIENT');
      assert.deepEqual(spans[1]?.['status'], {});
    }
    const v1 = (await (await fetch(`${s.url}/api/traces/f1`)).json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(v1), ['batches']);
    const missing = await fetch(`${s.url}/api/traces/f2`);
    assert.equal(missing.status, 404);
    assert.equal(await missing.text(), '');
    assert.deepEqual(await (await fetch(`${s.url}/api/v2/traces/f2`)).json(), { trace: {} });
    const bad = await fetch(`${s.url}/api/v2/traces/12x4`);
    assert.equal(bad.status, 400);
    assert.equal(await bad.text(), "trace IDs can only contain hex characters: invalid character 'x' at position 3");
    // Outside the given start/end the trace is not found.
    const old = await fetch(`${s.url}/api/v2/traces/f1?start=${NOW_S - 7200}&end=${NOW_S - 3600}`);
    assert.deepEqual(await old.json(), { trace: {} });
  });
});

test('search: default limit 20 and spss 3, explicit limit/spss, matched counts all, 400s like Tempo', async () => {
  await withServer({}, async (s) => {
    for (let i = 1; i <= 25; i++) {
      const spans: Span[] = [{ spanId: sid(i * 100), name: 'root', startMs: NOW_MS - 60_000 + i * 100, durationMs: 50, attributes: [codeFn('f')] }];
      for (let c = 1; c <= 4; c++) spans.push({ spanId: sid(i * 100 + c), parentSpanId: sid(i * 100), name: 'c', startMs: NOW_MS - 60_000 + i * 100 + c, durationMs: 5, attributes: [codeFn('f')] });
      s.ingest(otlp(tid(i), 'svc', spans));
    }
    const all = (await (await fetch(`${s.url}/api/search?${q('{ span.code.function = "f" }')}&${range}`)).json()) as SearchBody;
    assert.equal(all.traces.length, 20);
    assert.equal(all.traces[0]?.spanSets[0]?.spans.length, 3);
    assert.equal(all.traces[0]?.spanSets[0]?.matched, 5);
    const limited = (await (await fetch(`${s.url}/api/search?${q('{ span.code.function = "f" }')}&${range}&limit=2&spss=1`)).json()) as SearchBody;
    assert.equal(limited.traces.length, 2);
    assert.equal(limited.traces[0]?.spanSets[0]?.spans.length, 1);
    assert.equal(limited.traces[0]?.spanSets[0]?.matched, 5);
    const wide = (await (await fetch(`${s.url}/api/search?${q('{ span.code.function = "f" }')}&${range}&limit=100&spss=100`)).json()) as SearchBody;
    assert.equal(wide.traces.length, 25);
    assert.equal(wide.traces[0]?.spanSets[0]?.spans.length, 5);

    const spss = await fetch(`${s.url}/api/search?${q('{ }')}&${range}&spss=101`);
    assert.equal(spss.status, 400);
    assert.equal(await spss.text(), 'spans per span set exceeds 100. received 101');
    const order = await fetch(`${s.url}/api/search?${q('{ }')}&start=${NOW_S}&end=${NOW_S - 10}`);
    assert.equal(order.status, 400);
    assert.equal(await order.text(), `http parameter start must be before end. received start=${NOW_S} end=${NOW_S - 10}`);
    const long = await fetch(`${s.url}/api/search?${q('{ }')}&start=${NOW_S - 169 * 3600}&end=${NOW_S}`);
    assert.equal(long.status, 400);
    assert.match(await long.text(), /^range specified by start and end exceeds 168h0m0s\. received start=\d+ end=\d+$/);
  });
});

test('zero values are absent: durationMs of a sub-millisecond trace', async () => {
  await withServer({}, async (s) => {
    s.ingest(otlp(tid(1), 'svc', [{ spanId: sid(1), name: 'tiny', startMs: NOW_MS - 1000, durationMs: 0.5 }]));
    s.ingest(otlp(tid(2), 'svc', [{ spanId: sid(2), name: 'small', startMs: NOW_MS - 1000, durationMs: 2 }]));
    const body = (await (await fetch(`${s.url}/api/search?${q('{ }')}&${range}`)).json()) as { traces: Record<string, unknown>[] };
    const byId = new Map(body.traces.map((t) => [t['traceID'], t]));
    assert.equal('durationMs' in (byId.get(tid(1)) ?? {}), false);
    assert.equal(byId.get(tid(2))?.['durationMs'], 2);
  });
});

test('search without start/end sees only recent traces (ended in the last 15 min)', async () => {
  await withServer({}, async (s) => {
    s.ingest(otlp(tid(1), 'svc', [{ spanId: sid(1), name: 'old', startMs: NOW_MS - 40 * 60_000, durationMs: 10 }]));
    s.ingest(otlp(tid(2), 'svc', [{ spanId: sid(2), name: 'new', startMs: NOW_MS - 60_000, durationMs: 10 }]));
    const recent = (await (await fetch(`${s.url}/api/search?${q('{ }')}`)).json()) as SearchBody;
    assert.deepEqual(recent.traces.map((t) => t.traceID), [tid(2)]);
    const ranged = (await (await fetch(`${s.url}/api/search?${q('{ }')}&${range}`)).json()) as SearchBody;
    assert.deepEqual(ranged.traces.map((t) => t.traceID).sort(), [tid(1), tid(2)]);
  });
});

test('gateway auth: bearer and basic answer 401 text when missing or wrong', async () => {
  await withServer({ auth: { bearer: 's3cret' } }, async (s) => {
    for (const headers of [{}, { authorization: 'Bearer nope' }, { authorization: 'Basic czNjcmV0' }]) {
      const res = await fetch(`${s.url}/api/echo`, { headers });
      assert.equal(res.status, 401);
      assert.equal(await res.text(), 'unauthorized');
      assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
    }
    const ok = await fetch(`${s.url}/api/echo`, { headers: { authorization: 'Bearer s3cret' } });
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), 'echo\n');
    assert.equal(s.requests.at(-1)?.headers['authorization'], 'Bearer s3cret');
  });
  await withServer({ auth: { basic: { user: '12345', password: 'glc_token' } } }, async (s) => {
    const good = `Basic ${Buffer.from('12345:glc_token').toString('base64')}`;
    const wrong = `Basic ${Buffer.from('12345:other').toString('base64')}`;
    assert.equal((await fetch(`${s.url}/api/search?${q('{ }')}`, { headers: { authorization: wrong } })).status, 401);
    assert.equal((await fetch(`${s.url}/api/search?${q('{ }')}`)).status, 401);
    assert.equal((await fetch(`${s.url}/api/search?${q('{ }')}`, { headers: { authorization: good } })).status, 200);
  });
});

test('multitenancy: X-Scope-OrgID required, data per tenant, a|b queries both', async () => {
  await withServer({ multitenant: true }, async (s) => {
    s.ingest(otlp(tid(1), 'svc-a', [{ spanId: sid(1), name: 'a', startMs: NOW_MS - 1000, durationMs: 10 }]), 'team-a');
    s.ingest(otlp(tid(2), 'svc-b', [{ spanId: sid(2), name: 'b', startMs: NOW_MS - 1000, durationMs: 10 }]), 'team-b');
    const none = await fetch(`${s.url}/api/search?${q('{ }')}`);
    assert.equal(none.status, 401);
    assert.equal(await none.text(), 'no org id');
    assert.equal((await fetch(`${s.url}/api/v2/traces/${tid(1)}`)).status, 401);
    // Like Tempo, health endpoints need no tenant.
    assert.equal((await fetch(`${s.url}/api/echo`)).status, 200);
    assert.equal((await fetch(`${s.url}/ready`)).status, 200);
    const ids = async (tenant: string): Promise<string[]> => {
      const body = (await (await fetch(`${s.url}/api/search?${q('{ }')}`, { headers: { 'X-Scope-OrgID': tenant } })).json()) as SearchBody;
      return body.traces.map((t) => t.traceID).sort();
    };
    assert.deepEqual(await ids('team-a'), [tid(1)]);
    assert.deepEqual(await ids('team-b'), [tid(2)]);
    assert.deepEqual(await ids('team-a|team-b'), [tid(1), tid(2)]);
    assert.deepEqual(await ids('team-c'), []);
    const v2 = (await (await fetch(`${s.url}/api/v2/traces/${tid(2)}`, { headers: { 'X-Scope-OrgID': 'team-a' } })).json()) as Record<string, unknown>;
    assert.deepEqual(v2, { trace: {} });
    const post = await fetch(`${s.url}/v1/traces`, {
      method: 'POST',
      headers: { 'X-Scope-OrgID': 'team-c' },
      body: JSON.stringify(otlp(tid(3), 'svc-c', [{ spanId: sid(3), name: 'c', startMs: NOW_MS - 1000, durationMs: 10 }])),
    });
    assert.equal(post.status, 200);
    assert.deepEqual(await ids('team-c'), [tid(3)]);
  });
});

test('buildinfo: version option, and 404 when disabled like a pre-2.3 Tempo', async () => {
  await withServer({ version: '2.4.1' }, async (s) => {
    const b = (await (await fetch(`${s.url}/api/status/buildinfo`)).json()) as Record<string, string>;
    assert.equal(b['version'], '2.4.1');
    assert.deepEqual(Object.keys(b), ['version', 'revision', 'branch', 'buildUser', 'buildDate', 'goVersion']);
  });
  await withServer({ buildinfo: false }, async (s) => {
    assert.equal((await fetch(`${s.url}/api/status/buildinfo`)).status, 404);
    assert.equal((await fetch(`${s.url}/api/echo`)).status, 200);
  });
});

test('faults: status/body/headers, times, path filters, reset, truncate, oversize, latency; request log', async () => {
  await withServer({}, async (s) => {
    s.ingest(otlp(tid(1), 'svc', [{ spanId: sid(1), name: 'a', startMs: NOW_MS - 1000, durationMs: 10 }]));
    s.inject({ path: '/api/search', status: 429, body: 'job queue full', headers: { 'Retry-After': '2' }, times: 2 });
    for (let i = 0; i < 2; i++) {
      const r = await fetch(`${s.url}/api/search?${q('{ }')}`);
      assert.equal(r.status, 429);
      assert.equal(r.headers.get('retry-after'), '2');
      assert.equal(await r.text(), 'job queue full');
    }
    assert.equal((await fetch(`${s.url}/api/search?${q('{ }')}`)).status, 200);

    // A fault only hits matching paths; a RegExp is tested against path + query.
    s.inject({ path: /metrics\/query_range\?.*rate/, status: 500, body: 'boom' });
    assert.equal((await fetch(`${s.url}/api/echo`)).status, 200);
    assert.equal((await fetch(`${s.url}/api/metrics/query_range?${q('{ } | count_over_time()')}`)).status, 200);
    assert.equal((await fetch(`${s.url}/api/metrics/query_range?${q('{ } | rate()')}`)).status, 500);

    s.inject({ path: '/api/echo', reset: true });
    await assert.rejects(fetch(`${s.url}/api/echo`));
    assert.equal(s.requests.at(-1)?.status, 0);

    s.inject({ path: '/api/v2/traces/', truncate: true });
    await assert.rejects(async () => {
      const r = await fetch(`${s.url}/api/v2/traces/${tid(1)}`);
      JSON.parse(await r.text());
    });

    s.inject({ path: '/api/search', oversizeBytes: 3_000_000 });
    const big = await fetch(`${s.url}/api/search?${q('{ }')}`);
    const text = await big.text();
    assert.ok(text.length >= 3_000_000);
    const parsed = JSON.parse(text) as { traces: unknown[] };
    assert.equal(parsed.traces.length, 1);

    s.inject({ path: '/ready', latencyMs: 5000, headers: { 'X-Injected': 'yes' } });
    await assert.rejects(fetch(`${s.url}/ready`, { signal: AbortSignal.timeout(100) }));
    s.inject({ path: '/ready', headers: { 'X-Injected': 'yes' } });
    assert.equal((await fetch(`${s.url}/ready`)).headers.get('x-injected'), 'yes');

    s.inject({ status: 503, body: 'down', times: Infinity });
    assert.equal((await fetch(`${s.url}/ready`)).status, 503);
    s.clearFaults();
    assert.equal((await fetch(`${s.url}/ready`)).status, 200);

    s.clearRequests();
    await fetch(`${s.url}/api/search?q=${encodeURIComponent('{ name = "a b" }')}&limit=5`, { headers: { 'X-Custom': 'v' } });
    assert.equal(s.requests.length, 1);
    const rec = s.requests[0];
    assert.equal(rec?.method, 'GET');
    assert.equal(rec?.path, '/api/search');
    assert.deepEqual(rec?.query, { q: '{ name = "a b" }', limit: '5' });
    assert.equal(rec?.headers['x-custom'], 'v');
    assert.equal(rec?.status, 200);
  });
});

interface RangeBody {
  series: { labels: { key: string; value: Record<string, unknown> }[]; samples: { timestampMs: string; value?: number }[]; promLabels: string }[];
}

test('metrics: rate and count_over_time equal the known data; zero samples carry no value', async () => {
  // Ten spans of `work` in one aligned minute, three of them errors; two spans of `idle`.
  const minute = Math.floor(NOW_MS / 60_000) * 60_000 - 10 * 60_000;
  await withServer({}, async (s) => {
    for (let i = 0; i < 10; i++) {
      s.ingest(otlp(tid(i + 1), 'svc', [{ spanId: sid(i + 1), name: 'w', startMs: minute + i * 1000, durationMs: 100, attributes: [codeFn('work')], status: i < 3 ? { code: 2 } : {} }]));
    }
    s.ingest(otlp(tid(50), 'svc', [{ spanId: sid(50), name: 'i', startMs: minute + 5000, durationMs: 1, attributes: [codeFn('idle')] }]));
    s.ingest(otlp(tid(51), 'svc', [{ spanId: sid(51), name: 'i', startMs: minute + 65_000, durationMs: 1, attributes: [codeFn('idle')] }]));
    const window = `start=${minute / 1000 - 120}&end=${minute / 1000 + 180}&step=60s`;
    const get = async (traceql: string): Promise<RangeBody> => {
      const r = await fetch(`${s.url}/api/metrics/query_range?${q(traceql)}&${window}`);
      assert.equal(r.status, 200, await r.clone().text());
      return (await r.json()) as RangeBody;
    };
    const at = (b: RangeBody, prom: string, ms: number): number | undefined =>
      b.series.find((x) => x.promLabels === prom)?.samples.find((x) => x.timestampMs === String(ms))?.value;

    const count = await get('{ span.code.function != nil } | count_over_time() by (span.code.function)');
    assert.deepEqual(count.series.map((x) => x.promLabels), ['{span.code.function="idle"}', '{span.code.function="work"}']);
    assert.equal(at(count, '{span.code.function="work"}', minute), 10);
    assert.equal(at(count, '{span.code.function="idle"}', minute), 1);
    assert.equal(at(count, '{span.code.function="idle"}', minute + 60_000), 1);
    const workSamples = count.series.find((x) => x.promLabels === '{span.code.function="work"}')?.samples ?? [];
    assert.equal(workSamples.length, 6);
    assert.deepEqual(workSamples.filter((x) => x.timestampMs !== String(minute)).map((x) => Object.keys(x)), Array(5).fill(['timestampMs']));

    const rate = await get('{ span.code.function = "work" && status = error } | rate()');
    assert.deepEqual(rate.series[0]?.labels, [{ key: '__name__', value: { stringValue: 'rate' } }]);
    assert.equal(at(rate, '{__name__="rate"}', minute), 3 / 60);
  });
});

test('metrics: quantiles are log2-bucket estimates in seconds, within a factor of two of the exact value', async () => {
  const base = Math.floor(NOW_MS / 60_000) * 60_000 - 5 * 60_000;
  const durations = [12, 40, 75, 110, 180, 260, 420, 900, 1500, 5000];
  await withServer({}, async (s) => {
    durations.forEach((d, i) => {
      s.ingest(otlp(tid(i + 1), 'svc', [{ spanId: sid(i + 1), name: 'q', startMs: base + i * 500, durationMs: d, attributes: [codeFn('q')] }]));
    });
    const r = await fetch(`${s.url}/api/metrics/query_range?${q('{ span.code.function = "q" } | quantile_over_time(span:duration, .5, .95) by (span.code.function)')}&start=${base / 1000}&end=${base / 1000 + 60}&step=60s`);
    const body = (await r.json()) as RangeBody;
    assert.deepEqual(body.series.map((x) => x.promLabels), ['{p="0.5", span.code.function="q"}', '{p="0.95", span.code.function="q"}']);
    assert.deepEqual(body.series[0]?.labels.at(-1), { key: 'p', value: { doubleValue: 0.5 } });
    const exact = (p: number): number => {
      const sorted = [...durations].sort((a, b) => a - b);
      return (sorted[Math.ceil(p * sorted.length) - 1] ?? 0) / 1000;
    };
    for (const [i, p] of [[0, 0.5], [1, 0.95]] as const) {
      const v = body.series[i]?.samples.find((x) => x.timestampMs === String(base))?.value;
      assert.ok(v !== undefined);
      const ratio = v / exact(p);
      assert.ok(ratio > 0.5 && ratio <= 2, `p${p}: ${v} s vs exact ${exact(p)} s`);
      assert.notEqual(v, exact(p), 'an estimate, not the exact value');
    }
  });
});

test('metrics: histogram_over_time gives per-step counts per log2 bucket (seconds, after the group-by labels)', async () => {
  const base = Math.floor(NOW_MS / 60_000) * 60_000 - 5 * 60_000;
  // 3 ms → 4.194304 ms bucket; 5 ms and 8 ms → 8.388608 ms; 1500 ms → 2147.483648 ms; next minute 3 ms again.
  const spans: [number, number, string][] = [[0, 3, 'h'], [1, 5, 'h'], [2, 8, 'h'], [3, 1500, 'h'], [60, 3, 'h'], [4, 3, 'other']];
  await withServer({}, async (s) => {
    spans.forEach(([sec, d, fn], i) => {
      s.ingest(otlp(tid(i + 1), 'svc', [{ spanId: sid(i + 1), name: fn, startMs: base + sec * 1000, durationMs: d, attributes: [codeFn(fn)] }]));
    });
    const window = `start=${base / 1000}&end=${base / 1000 + 120}&step=60s`;
    const r = await fetch(`${s.url}/api/metrics/query_range?${q('{ span.code.function = "h" } | histogram_over_time(span:duration) by (span.code.function)')}&${window}`);
    assert.equal(r.status, 200, await r.clone().text());
    const body = (await r.json()) as RangeBody;
    const buckets = [0.004194304, 0.008388608, 2.147483648];
    assert.deepEqual(body.series.map((x) => x.labels), buckets.map((b) => [
      { key: 'span.code.function', value: { stringValue: 'h' } },
      { key: '__bucket', value: { doubleValue: b } },
    ]));
    assert.deepEqual(body.series.map((x) => x.promLabels), buckets.map((b) => `{__bucket="${b}", span.code.function="h"}`));
    const at = (i: number, ms: number): number | undefined => body.series[i]?.samples.find((x) => x.timestampMs === String(ms))?.value;
    assert.deepEqual([at(0, base), at(1, base), at(2, base)], [1, 2, 1]);
    assert.deepEqual([at(0, base + 60_000), at(1, base + 60_000), at(2, base + 60_000)], [1, undefined, undefined], 'zero counts carry no value');
    // Exemplars are count placeholders (like rate's): the trace, valued with the bucket's count at that step.
    const ex = (body.series[1] as { exemplars?: { labels: { key: string; value: { stringValue?: string } }[]; value: number }[] }).exemplars ?? [];
    assert.equal(ex.length, 2);
    assert.ok(ex.every((e) => e.value === 2 && e.labels[0]?.key === 'trace:id' && /^ab0*[23]$/.test(e.labels[0].value.stringValue ?? '')), JSON.stringify(ex));

    // Ungrouped: only the bucket label, no __name__.
    const all = (await (await fetch(`${s.url}/api/metrics/query_range?${q('{ } | histogram_over_time(duration)')}&${window}`)).json()) as RangeBody;
    assert.deepEqual(all.series.map((x) => x.labels.map((l) => l.key)), [['__bucket'], ['__bucket'], ['__bucket']]);
    assert.equal(all.series[0]?.samples.find((x) => x.timestampMs === String(base))?.value, 2, 'both 3 ms spans of the first minute');
  });
  await withServer({ histogram: false }, async (s) => {
    const r = await fetch(`${s.url}/api/metrics/query_range?${q('{ } | histogram_over_time(duration)')}&since=1h`);
    assert.equal(r.status, 400);
    assert.equal(await r.text(), 'compiling query: parse error at line 1, col 7: syntax error: unexpected IDENTIFIER');
    assert.equal((await fetch(`${s.url}/api/metrics/query_range?${q('{ } | quantile_over_time(duration, 0.5)')}&since=1h`)).status, 200);
  });
});

test('metrics: default step like Tempo, since/ns/RFC3339 times, range cap, not-a-metrics-query', async () => {
  await withServer({}, async (s) => {
    const query = q('{ } | rate()');
    const samples = async (params: string): Promise<string[]> => {
      const r = await fetch(`${s.url}/api/metrics/query_range?${query}&${params}`);
      assert.equal(r.status, 200, params);
      const b = (await r.json()) as RangeBody;
      return b.series[0]?.samples.map((x) => x.timestampMs) ?? [];
    };
    s.ingest(otlp(tid(1), 'svc', [{ spanId: sid(1), name: 'x', startMs: NOW_MS - 30_000, durationMs: 1 }]));
    // 1 h → 15 s steps (3660 s → 246 samples in the recording; 3600 s aligned → 241 or 242).
    const hour = await samples(`start=${NOW_S - 3600}&end=${NOW_S}`);
    assert.ok(hour.length === 241 || hour.length === 242, String(hour.length));
    assert.equal(Number(hour[1]) - Number(hour[0]), 15_000);
    const ns = await samples(`start=${BigInt(NOW_S - 600) * 1_000_000_000n}&end=${BigInt(NOW_S) * 1_000_000_000n}&step=60`);
    assert.equal(Number(ns[1]) - Number(ns[0]), 60_000);
    const iso = await samples(`start=${new Date((NOW_S - 600) * 1000).toISOString()}&end=${new Date(NOW_S * 1000).toISOString()}&step=1m`);
    assert.deepEqual(iso, ns);
    const since = await samples('since=10m&step=60s');
    assert.ok(since.length === 11 || since.length === 12);

    const long = await fetch(`${s.url}/api/metrics/query_range?${query}&start=${NOW_S - 4 * 3600}&end=${NOW_S}`);
    assert.equal(long.status, 400);
    assert.equal(await long.text(), `range specified by start and end (4h0m0s) exceeds 3h0m0s. received start=${NOW_S - 4 * 3600}000000000 end=${NOW_S}000000000`);
    const notMetrics = await fetch(`${s.url}/api/metrics/query_range?${q('{ }')}`);
    assert.equal(notMetrics.status, 400);
    assert.equal(await notMetrics.text(), 'not a metrics query');
  });
  await withServer({ maxMetricsRangeSeconds: 24 * 3600 }, async (s) => {
    assert.equal((await fetch(`${s.url}/api/metrics/query_range?${q('{ } | rate()')}&start=${NOW_S - 4 * 3600}&end=${NOW_S}`)).status, 200);
  });
});

test('metrics: false behaves like Tempo without local-blocks: recent ranges fail with 500, old ranges still work', async () => {
  await withServer({ metrics: false }, async (s) => {
    const recent = await fetch(`${s.url}/api/metrics/query_range?${q('{ } | rate()')}&since=1h`);
    assert.equal(recent.status, 500);
    assert.match(await recent.text(), /localblocks processor not found/);
    const old = await fetch(`${s.url}/api/metrics/query_range?${q('{ } | rate()')}&start=${NOW_S - 3 * 3600}&end=${NOW_S - 2 * 3600}`);
    assert.equal(old.status, 200);
    // Search is unaffected.
    assert.equal((await fetch(`${s.url}/api/search?${q('{ }')}`)).status, 200);
  });
});

test('tags and tag values: scopes, typed v2 values, q filter, v1 strings', async () => {
  await withServer({}, async (s) => {
    s.ingest(otlp(tid(1), 'svc', [
      { spanId: sid(1), name: 'a', startMs: NOW_MS - 1000, durationMs: 10, attributes: [codeFn('one'), { key: 'code.line.number', value: { intValue: 7 } }], status: { code: 2 } },
      { spanId: sid(2), name: 'b', startMs: NOW_MS - 900, durationMs: 10, attributes: [codeFn('two'), { key: 'http.route', value: { stringValue: '/x' } }] },
    ]));
    const v2 = (await (await fetch(`${s.url}/api/v2/search/tags`)).json()) as { scopes: { name: string; tags: string[] }[] };
    assert.deepEqual(v2.scopes.map((x) => x.name), ['span', 'intrinsic', 'resource']);
    assert.deepEqual(v2.scopes[0]?.tags, ['code.function', 'code.line.number', 'http.route']);
    assert.deepEqual(v2.scopes[2]?.tags, ['service.name']);
    const resOnly = (await (await fetch(`${s.url}/api/v2/search/tags?scope=resource`)).json()) as { scopes: { name: string }[] };
    assert.deepEqual(resOnly.scopes.map((x) => x.name), ['resource']);
    const v1 = (await (await fetch(`${s.url}/api/search/tags`)).json()) as { tagNames: string[] };
    assert.deepEqual(v1.tagNames, ['code.function', 'code.line.number', 'http.route', 'service.name']);
    const ints = (await (await fetch(`${s.url}/api/v2/search/tag/span.code.line.number/values`)).json()) as { tagValues: unknown[] };
    assert.deepEqual(ints.tagValues, [{ type: 'int', value: '7' }]);
    const filtered = (await (await fetch(`${s.url}/api/v2/search/tag/span.code.function/values?${q('{ status = error }')}`)).json()) as { tagValues: unknown[] };
    assert.deepEqual(filtered.tagValues, [{ type: 'string', value: 'one' }]);
    const status = (await (await fetch(`${s.url}/api/v2/search/tag/status/values`)).json()) as { tagValues: unknown[] };
    assert.deepEqual(status.tagValues, [{ type: 'keyword', value: 'error' }, { type: 'keyword', value: 'unset' }]);
    const plain = (await (await fetch(`${s.url}/api/search/tag/code.line.number/values`)).json()) as { tagValues: unknown[] };
    assert.deepEqual(plain.tagValues, ['7']);
    const invalid = await fetch(`${s.url}/api/v2/search/tag/not%20valid/values`);
    assert.equal(invalid.status, 400);
  });
});

test('seed: deterministic, last hour, every code ref present, caller-timeout and stampede incidents', async () => {
  assert.equal(JSON.stringify(seedTraces(NOW_MS)), JSON.stringify(seedTraces(NOW_MS)));
  assert.notEqual(JSON.stringify(seedTraces(NOW_MS)), JSON.stringify(seedTraces(NOW_MS + 1000)));
  await withServer({}, async (s) => {
    for (const p of seedTraces(NOW_MS)) s.ingest(p);
    const search = async (traceql: string): Promise<SearchBody & { traces: { rootServiceName: string; durationMs?: number }[] }> => {
      const r = await fetch(`${s.url}/api/search?${q(traceql)}&start=${NOW_S - 3600}&end=${NOW_S}&limit=1000&spss=100`);
      assert.equal(r.status, 200);
      return (await r.json()) as SearchBody & { traces: { rootServiceName: string; durationMs?: number }[] };
    };
    for (const ref of SEED_CODE_REFS) {
      const cond =
        ref.style === 'new'
          ? `span.code.function.name = ${JSON.stringify(ref.function)} && span.code.file.path = ${JSON.stringify(ref.filePath)} && span.code.line.number = ${ref.line}`
          : `span.code.namespace = ${JSON.stringify(ref.namespace)} && span.code.function = ${JSON.stringify(ref.function)}` +
            (ref.filePath ? ` && span.code.filepath = ${JSON.stringify(ref.filePath)} && span.code.lineno = ${ref.line}` : '');
      const body = await search(`{ ${cond} && resource.service.name = ${JSON.stringify(ref.service)} && resource.telemetry.sdk.language = ${JSON.stringify(ref.language)} }`);
      assert.ok(body.traces.length > 0, `${ref.namespace ?? ''}.${ref.function} has spans`);
    }
    const errors = await search('{ status = error && statusMessage != "" }');
    assert.ok(errors.traces.length >= 5);
    const slow = await search('{ duration > 1s && span.code.function = "getToken" }');
    const fast = await search('{ duration < 100ms && span.code.function = "getToken" }');
    assert.ok(slow.traces.length > 0 && fast.traces.length > slow.traces.length);

    const timeouts = await search(`{ kind = client && resource.service.name = "gateway" && span.http.response.status_code = 504 && duration >= ${SEED_FACTS.gatewayTimeoutSeconds}s && duration < ${SEED_FACTS.gatewayTimeoutSeconds + 1}s }`);
    assert.equal(timeouts.traces.length, SEED_FACTS.gatewayTimeoutTraces);
    const runOn = await search('{ resource.service.name = "token-service" && kind = server && duration > 20s && trace:rootService = "gateway" }');
    assert.equal(runOn.traces.length, SEED_FACTS.gatewayTimeoutTraces);

    const stampede = await search(`{ span.db.statement = ${JSON.stringify(SEED_FACTS.stampedeStatement)} }`);
    assert.equal(stampede.traces.length, SEED_FACTS.stampedeTraces);
    const starts = stampede.traces.map((t) => Number(BigInt((t as unknown as { startTimeUnixNano: string }).startTimeUnixNano) / 1_000_000n));
    assert.ok(Math.max(...starts) - Math.min(...starts) < 1000, 'the burst is concurrent');

    const everything = await search('{ }');
    for (const t of everything.traces as unknown as { startTimeUnixNano: string }[]) {
      const ms = Number(BigInt(t.startTimeUnixNano) / 1_000_000n);
      assert.ok(ms >= NOW_MS - 3600_000 && ms <= NOW_MS, 'within the last hour');
    }
    assert.ok(everything.traces.some((t) => t.traceID.length < 32), 'some ids have leading zeros');
  });
});
