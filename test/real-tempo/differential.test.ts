// Differential conformance: every query shape the product sends goes to the real Tempo and to the
// Tempo-compatible test server holding the same spans; both must give the same outcome — status
// and error text on refusal, series labels and exact counts on success (durations within one
// histogram bucket), the same spans from search, drill-down, tags and trace by id. This keeps the
// fast tier honest: where Tempo refuses, the test server refuses too.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTraceBody } from '../../src/core/otlp';
import { samplingQuery } from '../../src/core/insights/sampling';
import { codeSpansProbeQuery, drillDownQuery, metricsQueries, statsSearchQuery, tempoLexerSafe, type StatsQueryOptions } from '../../src/core/traceql';
import { startTempoServer, type TempoTestServer } from '../tempo-server/server';
import { pushedPayloads, pushedScenario, realTempos } from './realTempo';

const scenario = pushedScenario();

interface Answer {
  readonly status: number;
  readonly text: string;
}

async function get(base: string, path: string, params: Record<string, string>): Promise<Answer> {
  const qs = new URLSearchParams(params).toString();
  const r = await fetch(`${base}${path}${qs ? `?${qs}` : ''}`);
  return { status: r.status, text: await r.text() };
}

type Sample = { timestampMs: string; value?: number };
type Series = { labels: { key: string; value: Record<string, unknown> }[]; samples: Sample[] };

/** labels (without the bucket) → total count; and the same per bucket, for histograms. */
function seriesTotals(text: string): { totals: Map<string, number>; buckets: Map<string, Map<number, number>> } {
  const body = JSON.parse(text) as { series?: Series[] };
  const totals = new Map<string, number>();
  const buckets = new Map<string, Map<number, number>>();
  for (const s of body.series ?? []) {
    let bucket: number | null = null;
    const labels: string[] = [];
    for (const l of s.labels) {
      const v = Object.values(l.value)[0];
      if (l.key === '__bucket') bucket = Number(v);
      else labels.push(`${l.key}=${String(v)}`);
    }
    const key = labels.sort().join(',');
    const total = s.samples.reduce((n, x) => n + (x.value ?? 0), 0);
    if (total === 0) continue; // an all-zero series says nothing; Tempo keeps some, the test server none
    totals.set(key, (totals.get(key) ?? 0) + total);
    if (bucket !== null) {
      const m = buckets.get(key) ?? new Map<number, number>();
      m.set(bucket, (m.get(bucket) ?? 0) + total);
      buckets.set(key, m);
    }
  }
  return { totals, buckets };
}

/** The count-weighted 95th percentile bucket (seconds) of one histogram series. */
function p95Bucket(m: ReadonlyMap<number, number>): number {
  const sorted = [...m.entries()].sort((a, b) => a[0] - b[0]);
  const n = sorted.reduce((s, [, c]) => s + c, 0);
  let seen = 0;
  for (const [b, c] of sorted) {
    seen += c;
    if (seen >= Math.ceil(0.95 * n)) return b;
  }
  return sorted.at(-1)?.[0] ?? 0;
}

function sameMetrics(real: Answer, fake: Answer, what: string): void {
  assert.equal(fake.status, real.status, `${what}: status (real: ${real.text.slice(0, 200)}; test server: ${fake.text.slice(0, 200)})`);
  if (real.status !== 200) {
    assert.equal(fake.text.trim(), real.text.trim(), `${what}: error text`);
    return;
  }
  const r = seriesTotals(real.text);
  const f = seriesTotals(fake.text);
  assert.deepEqual([...f.totals].sort(), [...r.totals].sort(), `${what}: series and exact counts`);
  for (const [key, rb] of r.buckets) {
    const fb = f.buckets.get(key);
    assert.ok(fb, `${what}: histogram series ${key}`);
    const ratio = p95Bucket(fb) / p95Bucket(rb);
    assert.ok(ratio >= 0.5 && ratio <= 2, `${what}: ${key} p95 bucket ${p95Bucket(fb)} vs real ${p95Bucket(rb)} (within one bucket)`);
  }
}

/** trace id → span ids (lowercase hex) of a search answer. */
function searchSpans(text: string): Map<string, string[]> {
  const body = JSON.parse(text) as { traces?: { traceID: string; spanSets?: { spans: { spanID: string }[] }[]; spanSet?: { spans: { spanID: string }[] } }[] };
  const out = new Map<string, string[]>();
  for (const t of body.traces ?? []) {
    const sets = t.spanSets ?? (t.spanSet ? [t.spanSet] : []);
    const ids = sets.flatMap((s) => s.spans.map((sp) => sp.spanID.padStart(16, '0'))).sort();
    out.set(t.traceID.padStart(32, '0'), ids);
  }
  return out;
}

for (const tempo of realTempos()) {
  describe(`Tempo ${tempo.version} and the test server agree`, () => {
    let fake: TempoTestServer;
    const nowS = Math.floor(Date.now() / 1000);
    const window = { end: String(Math.ceil(nowS / 60) * 60), start: String(Math.ceil(nowS / 60) * 60 - 3600), step: '60s' };
    const search = { start: String(nowS - 3600), end: String(nowS + 60) };

    before(async () => {
      fake = await startTempoServer({ version: tempo.version });
      for (const p of pushedPayloads()) fake.ingest(p);
    });
    after(async () => fake.close());

    /** As the product's client sends it: the query laid out for Tempo's lexer. */
    const both = async (path: string, params: Record<string, string>): Promise<[Answer, Answer]> => {
      const sent = params['q'] !== undefined ? { ...params, q: tempoLexerSafe(params['q']) } : params;
      return Promise.all([get(tempo.url, path, sent), get(fake.url, path, sent)]);
    };

    const opts: StatsQueryOptions[] = [
      { filter: '', scopedIntrinsics: true },
      { filter: 'resource.service.name = "token-service" || resource.service.name = "checkout-web"', services: ['token-service', 'checkout-web', 'gateway'], scopedIntrinsics: true },
    ];
    for (const [i, o] of opts.entries()) {
      for (const durations of ['histogram', 'quantiles'] as const) {
        test(`the product's metrics queries (${durations}, options ${i + 1}): same series, exact counts`, async () => {
          for (const m of metricsQueries(o, durations)) {
            const [real, test] = await both('/api/metrics/query_range', { q: m.q, ...window });
            if (m.kind === 'quantiles') {
              assert.equal(test.status, real.status, m.q);
              assert.deepEqual([...seriesTotals(test.text).totals.keys()].sort(), [...seriesTotals(real.text).totals.keys()].sort(), `${m.q}: series`);
            } else sameMetrics(real, test, m.q);
          }
        });
      }
    }

    test('refusals: too many group-bys, "= nil" (2.x), ranges over the limit, not a metrics query — same status and text', async () => {
      const major = Number(tempo.version.split('.')[0]);
      const six = '{ span.code.function != nil } | count_over_time() by (resource.service.name, span.code.namespace, span.code.function, span.code.function.name, span.code.file.path, span.code.filepath)';
      const fiveHist = '{ span.code.function != nil } | histogram_over_time(span:duration) by (resource.service.name, span.code.namespace, span.code.function, span.code.function.name, span.code.filepath)';
      const cases: [string, Record<string, string>][] = [
        [six, window],
        [fiveHist, window],
        // 2.x refuses "= nil". 3.0 evaluates it, but only over spans that have some attribute
        // outside Tempo's dedicated columns (measured: 76 of 136 spans without the key), so the
        // product never sends it and the test server does not imitate that.
        ...(major < 3 ? [['{ span.code.function.name = nil } | count_over_time()', window] as [string, Record<string, string>]] : []),
        ['{ } | count_over_time()', { start: String(nowS - 25 * 3600), end: String(nowS), step: '60s' }],
        ['{ } | count_over_time()', { start: String(nowS - 24 * 3600), end: String(nowS), step: '60s' }],
        ['{ } | count_over_time()', { start: String(nowS - 3 * 3600 - 1), end: String(nowS), step: '60s' }],
      ];
      for (const [q, params] of cases) sameMetrics(...(await both('/api/metrics/query_range', { q, ...params })), `${q} ${JSON.stringify(params)}`);
      const [real, test] = await both('/api/metrics/query_range', { q: '{ span.code.function != nil }', ...window });
      assert.equal(test.status, real.status, `not a metrics query: ${real.text}`);
    });

    test('the search fallback and the code-spans probe: the same spans', async () => {
      for (const q of [statsSearchQuery(opts[0] as StatsQueryOptions), statsSearchQuery(opts[1] as StatsQueryOptions)]) {
        const [real, test] = await both('/api/search', { q, ...search, limit: '500', spss: '100' });
        assert.equal(test.status, real.status, q);
        assert.deepEqual(searchSpans(test.text), searchSpans(real.text), q);
      }
      // A small limit and spss: the same number of traces, at most spss spans per set.
      const [real, test] = await both('/api/search', { q: statsSearchQuery(opts[0] as StatsQueryOptions), ...search, limit: '5', spss: '2' });
      const r = searchSpans(real.text);
      const t = searchSpans(test.text);
      assert.equal(t.size, r.size);
      for (const ids of [...r.values(), ...t.values()]) assert.ok(ids.length <= 2);
    });

    test('the metrics coverage probe (counted functions excluded with !(…), or past 40 their services): the same spans', async () => {
      const fns = scenario.functions.map((fn) => ({ codeRef: fn.codeRef, service: fn.service }));
      const half = fns.filter((_, i) => i % 2 === 0);
      const manyOfOneService = Array.from({ length: 41 }, () => fns.find((f) => f.service === 'token-service') ?? fns[0]!);
      const cases = [[], half, fns, manyOfOneService].map((counted) => codeSpansProbeQuery(opts[0] as StatsQueryOptions, counted));
      for (const q of cases) {
        assert.ok(q !== null);
        const [real, test] = await both('/api/search', { q, ...search, limit: '500', spss: '100' });
        assert.equal(test.status, real.status, `${q}: real ${real.text.slice(0, 200)}`);
        assert.deepEqual(searchSpans(test.text), searchSpans(real.text), q);
      }
      // Not vacuous: nothing excluded finds spans, and excluding half of the functions finds fewer spans.
      const spanCount = (text: string): number => [...searchSpans(text).values()].reduce((n, ids) => n + ids.length, 0);
      const sizes = await Promise.all(cases.slice(0, 2).map(async (q) => spanCount((await get(tempo.url, '/api/search', { q: q as string, ...search, limit: '500', spss: '100' })).text)));
      assert.ok((sizes[0] ?? 0) > (sizes[1] ?? 0) && (sizes[1] ?? 0) > 0, `spans: ${sizes.join(' > ')}`);
    });

    test("long queries: real Tempo's lexer loses its place near every 1024th byte exactly where the test server says; laid out by tempoLexerSafe, none is refused", async () => {
      let seed = 20261206;
      const next = (n: number): number => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return seed % n;
      };
      const word = (k: number): string => Array.from({ length: k }, () => 'abcdefghijklmnopqrstuvwxyz'[next(26)]).join('');
      let refused = 0;
      for (let trial = 0; trial < 60; trial++) {
        const targets = Array.from({ length: 3 + next(18) }, () => ({
          codeRef: { namespace: `com.${word(3 + next(8))}.${word(5)}`, function: word(2 + next(10)), filePath: null, line: null },
          service: `svc-${word(3)}`,
          p50Ms: next(2) === 0 ? next(3000) : null,
        }));
        const q = trial % 2 === 0
          ? (codeSpansProbeQuery({ filter: '', scopedIntrinsics: trial % 3 === 0 }, targets) as string)
          : samplingQuery(targets, { scopedIntrinsics: trial % 3 === 0, filter: 'span.http.route != nil || duration > 10ms' });
        const params = { q, ...search, limit: '5', spss: '1' };
        const [real, test] = await Promise.all([get(tempo.url, '/api/search', params), get(fake.url, '/api/search', params)]);
        assert.equal(test.status, real.status, `raw query of ${q.length} bytes: real ${real.text.slice(0, 160)}; test server ${test.text.slice(0, 160)}`);
        if (real.status !== 200) refused++;
        const [safeReal, safeTest] = await both('/api/search', params);
        assert.deepEqual([safeReal.status, safeTest.status], [200, 200], `laid out: ${safeReal.text.slice(0, 160)}`);
      }
      assert.ok(refused > 0, 'the raw queries do meet the lexer bug (else this test proves nothing)');
    });

    test('search limits: spss over 100, a limit of 1, an end before the start — same status', async () => {
      const q = statsSearchQuery(opts[0] as StatsQueryOptions);
      for (const params of [{ ...search, limit: '20', spss: '101' }, { ...search, limit: '1', spss: '1' }, { start: search.end, end: search.start }]) {
        const [real, test] = await both('/api/search', { q, ...params });
        assert.equal(test.status, real.status, `${JSON.stringify(params)}: real ${real.text.slice(0, 200)}, test server ${test.text.slice(0, 200)}`);
        if (real.status === 200) assert.equal(searchSpans(test.text).size, searchSpans(real.text).size, JSON.stringify(params));
      }
    });

    test('drill-down (slowest with a threshold, erroring) for every function: the same spans', async () => {
      for (const fn of scenario.functions) {
        for (const extra of [{ minDurationMs: 200 }, { errorsOnly: true }]) {
          const q = drillDownQuery(fn.codeRef, fn.service, { scopedIntrinsics: true, filter: '', ...extra });
          const [real, test] = await both('/api/search', { q, ...search, limit: '100', spss: '100' });
          assert.equal(test.status, real.status, q);
          assert.deepEqual(searchSpans(test.text), searchSpans(real.text), q);
        }
      }
    });

    test('the insights sampling search, with start/end and without (recent data only): the same spans', async () => {
      const targets = scenario.functions.map((fn) => ({ codeRef: fn.codeRef, service: fn.service, p50Ms: 5 }));
      const q = samplingQuery(targets, { scopedIntrinsics: true, filter: '' });
      for (const params of [{ ...search, limit: '300', spss: '100' }, { limit: '300', spss: '100' }]) {
        const [real, test] = await both('/api/search', { q, ...params });
        assert.equal(test.status, real.status, `${'start' in params ? 'ranged' : 'unranged'}: real ${real.text.slice(0, 200)}`);
        assert.deepEqual(searchSpans(test.text), searchSpans(real.text), 'start' in params ? 'ranged' : 'unranged');
      }
    });

    test('tag and tag-value look-ups: the same code.* names and values', async () => {
      const [real, test] = await both('/api/v2/search/tags', { scope: 'span', ...search });
      const codeTags = (text: string): string[] =>
        ((JSON.parse(text) as { scopes: { name: string; tags: string[] }[] }).scopes.flatMap((s) => s.tags)).filter((t) => t.startsWith('code.')).sort();
      assert.deepEqual(codeTags(test.text), codeTags(real.text));
      for (const tag of ['span.code.function.name', 'span.code.function', 'resource.service.name']) {
        const [rv, tv] = await both(`/api/v2/search/tag/${tag}/values`, search);
        const values = (text: string): string[] => (JSON.parse(text) as { tagValues: { value: string }[] }).tagValues.map((v) => v.value).sort();
        assert.deepEqual(values(tv.text), values(rv.text), tag);
      }
    });

    test('trace by id, v1 and v2, and an unknown id: the same spans and statuses', async () => {
      const ids = scenario.payloads.slice(0, 6).map((p) => (p as { resourceSpans: { scopeSpans: { spans: { traceId: string }[] }[] }[] }).resourceSpans[0]?.scopeSpans[0]?.spans[0]?.traceId as string);
      for (const id of ids) {
        for (const path of [`/api/traces/${id}`, `/api/v2/traces/${id}`]) {
          const [real, test] = await both(path, {});
          assert.equal(test.status, real.status, path);
          const spans = (text: string): string[] => parseTraceBody(JSON.parse(text)).spans.map((s) => `${s.spanId}:${s.parentSpanId ?? ''}:${s.name}:${s.status}`).sort();
          assert.deepEqual(spans(test.text), spans(real.text), path);
        }
      }
      const unknown = 'feedfacefeedfacefeedfacefeedface';
      for (const path of [`/api/traces/${unknown}`, `/api/v2/traces/${unknown}`]) {
        const [real, test] = await both(path, {});
        assert.equal(test.status, real.status, path);
        if (real.status === 200) assert.deepEqual(JSON.parse(test.text), JSON.parse(real.text), path);
      }
    });

    test('a malformed query is refused by both with a position', async () => {
      const [real, test] = await both('/api/search', { q: '{ span.code.function = }', ...search });
      assert.equal(test.status, real.status);
      for (const a of [real, test]) assert.match(a.text, /line 1, col \d+/, a.text);
    });
  });
}
