// Conformance of the Tempo test server against every implemented real Tempo 2.7.2 recording (test/fixtures/tempo-real).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startTempoServer, type TempoTestServer } from '../tempo-server/server';
import { RECORDED_WINDOW, RECORDINGS_DIR, readRecording, recordedPayloads } from '../tempo-server/recorded';

type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

/** Recordings the server does not implement, with the reason (everything else in INDEX.tsv must be compared). */
const NOT_IMPLEMENTED: Readonly<Record<string, string>> = {
  trace_v1_protobuf: 'Accept: application/protobuf bodies are not served (JSON only)',
};

interface IndexRow {
  readonly name: string;
  readonly status: number;
  readonly url: string;
}

function readIndex(): IndexRow[] {
  return readFileSync(path.join(RECORDINGS_DIR, 'INDEX.tsv'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const [name, status, url] = l.split('\t');
      return { name: name ?? '', status: Number(status), url: url ?? '' };
    });
}

const NOW_S = Math.floor(Date.now() / 1000);
/** A whole number of minutes, so every metrics step boundary lands where it did in the recording. */
const SHIFT_S = Math.floor((NOW_S - RECORDED_WINDOW.end) / 60) * 60;
const SHIFT_NS = BigInt(SHIFT_S) * 1_000_000_000n;
/** The since=15m recording's samples run 1795310805…1795311720, so "now" was in (…705, …720]. */
const RECORDED_NOW_MS = (1795311710 + SHIFT_S) * 1000;

/** Keys whose values depend on the server's work, not on the data: compared for type/encoding only. */
const VOLATILE = new Set(['inspectedBytes', 'completedJobs', 'totalJobs', 'totalBlockBytes', 'inspectedTraces', 'inspectedSpans']);
/** Keys real Tempo emits or not at random (2.7 attaches exemplars to arbitrary series). */
const OPTIONAL = new Set(['exemplars']);
/** Zero-omitted keys: their presence is data, so shape-only comparisons let them come and go. */
const ZERO_OMITTED = new Set(['errorCount', 'matched', 'durationMs', 'value']);
const TIME_NS_KEYS = new Set(['startTimeUnixNano', 'endTimeUnixNano', 'timeUnixNano']);

interface CmpOptions {
  /** Compare scalar values too (after the time shift), not only shape and encodings. */
  readonly values: boolean;
}

function jsonType(v: JsonValue): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

function isBase64Id(s: string, bytes: number): boolean {
  return /^[A-Za-z0-9+/]+=*$/.test(s) && Buffer.from(s, 'base64').length === bytes;
}

function checkEncoding(key: string, exp: string, act: string, where: string, problems: string[]): void {
  const bad = (rule: string): void => {
    problems.push(`${where}: ${JSON.stringify(act)} breaks ${rule} (recorded ${JSON.stringify(exp)})`);
  };
  if (key === 'traceID' && !/^[1-9a-f][0-9a-f]{0,31}$/.test(act)) bad('hex trace id with leading zeros stripped');
  if (key === 'spanID' && !/^[0-9a-f]{16}$/.test(act)) bad('16-hex span id');
  if (key === 'traceId' && !isBase64Id(act, 16)) bad('base64 16-byte trace id');
  if ((key === 'spanId' || key === 'parentSpanId') && !isBase64Id(act, 8)) bad('base64 8-byte span id');
  if (/^-?\d+$/.test(exp) && !/^-?\d+$/.test(act)) bad('integer-as-string');
  if (/^(SPAN_KIND|STATUS_CODE)_/.test(exp) && !/^(SPAN_KIND|STATUS_CODE)_[A-Z]+$/.test(act)) bad('enum name');
}

function pairKey(v: JsonValue, field: string): string | null {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const k = v[field];
    return typeof k === 'string' ? k : null;
  }
  return null;
}

/** How each array is matched up: by a key (Tempo's own order is a Go map's) or by position. */
function arrayPairing(parentKey: string, exp: JsonValue[]): { by: string | null; ordered: boolean } {
  const first = exp[0];
  if (parentKey === 'traces') return { by: 'traceID', ordered: true };
  if (parentKey === 'spans' && pairKey(first ?? null, 'spanID') !== null) return { by: 'spanID', ordered: true };
  if (parentKey === 'spans' && pairKey(first ?? null, 'spanId') !== null) return { by: 'spanId', ordered: true };
  if (parentKey === 'series') return { by: 'promLabels', ordered: true };
  if (parentKey === 'labels') return { by: 'key', ordered: true };
  if (parentKey === 'attributes') return { by: 'key', ordered: false };
  if (parentKey === 'tagValues' && pairKey(first ?? null, 'value') !== null) return { by: 'value', ordered: false };
  return { by: null, ordered: true };
}

export function compareJson(exp: JsonValue, act: JsonValue, where: string, key: string, opts: CmpOptions, problems: string[]): void {
  if (jsonType(exp) !== jsonType(act)) {
    problems.push(`${where}: type ${jsonType(act)}, recorded ${jsonType(exp)}`);
    return;
  }
  if (typeof exp === 'string' && typeof act === 'string') {
    checkEncoding(key, exp, act, where, problems);
    if (!opts.values || VOLATILE.has(key)) return;
    let want = exp;
    if (TIME_NS_KEYS.has(key)) want = (BigInt(exp) + SHIFT_NS).toString();
    else if (key === 'timestampMs') want = (BigInt(exp) + SHIFT_NS / 1_000_000n).toString();
    if (act !== want) problems.push(`${where}: ${JSON.stringify(act)}, recorded ${JSON.stringify(want)}`);
    return;
  }
  if (typeof exp === 'number' && typeof act === 'number') {
    if (opts.values && !VOLATILE.has(key) && Math.abs(exp - act) > 1e-9 * Math.max(1, Math.abs(exp))) {
      problems.push(`${where}: ${act}, recorded ${exp}`);
    }
    return;
  }
  if (typeof exp === 'boolean' || exp === null) {
    if (opts.values && exp !== act) problems.push(`${where}: ${String(act)}, recorded ${String(exp)}`);
    return;
  }
  if (Array.isArray(exp) && Array.isArray(act)) {
    if (key === 'exemplars') {
      // Exemplar choice is random in Tempo: check each one's shape against a recorded one.
      const shape = exp[0];
      if (shape !== undefined) act.forEach((a, i) => compareJson(shape, a, `${where}[${i}]`, 'exemplar', { values: false }, problems));
      return;
    }
    if (key === 'labels' && where.includes('exemplar')) {
      const shape = exp[0];
      if (shape !== undefined) act.forEach((a, i) => compareJson(shape, a, `${where}[${i}]`, 'label', { values: false }, problems));
      return;
    }
    if (exp.length !== act.length) {
      problems.push(`${where}: ${act.length} items, recorded ${exp.length}`);
      return;
    }
    const pairing = opts.values ? arrayPairing(key, exp) : { by: null, ordered: true };
    if (pairing.by === null) {
      exp.forEach((e, i) => compareJson(e, act[i] ?? null, `${where}[${i}]`, key, opts, problems));
      return;
    }
    const by = pairing.by;
    const actByKey = new Map(act.map((a) => [pairKey(a, by), a] as const));
    exp.forEach((e, i) => {
      const k = pairKey(e, by);
      const a = actByKey.get(k);
      if (a === undefined) {
        problems.push(`${where}: no item with ${by}=${JSON.stringify(k)}`);
        return;
      }
      if (pairing.ordered && pairKey(act[i] ?? null, by) !== k) problems.push(`${where}[${i}]: ${by} order differs (recorded ${JSON.stringify(k)} here)`);
      compareJson(e, a, `${where}[${by}=${k}]`, key, opts, problems);
    });
    return;
  }
  if (typeof exp === 'object' && typeof act === 'object' && exp && act && !Array.isArray(exp) && !Array.isArray(act)) {
    if (key === 'serviceStats' && !opts.values) {
      // Keys are service names (data): check every entry against a recorded entry's shape.
      const shape = Object.values(exp)[0];
      if (shape !== undefined) for (const [k, v] of Object.entries(act)) compareJson(shape, v, `${where}.${k}`, 'serviceStat', opts, problems);
      return;
    }
    for (const k of Object.keys(act)) {
      if (ZERO_OMITTED.has(k) && (act[k] === 0 || act[k] === '0')) problems.push(`${where}.${k}: zero must be omitted, not sent`);
    }
    const skip = (k: string): boolean => OPTIONAL.has(k) || (!opts.values && ZERO_OMITTED.has(k) && !(k in exp && k in act));
    const ek = Object.keys(exp).filter((k) => !skip(k));
    const ak = Object.keys(act).filter((k) => !skip(k));
    const missing = ek.filter((k) => !(k in act));
    const extra = ak.filter((k) => !(k in exp));
    if (missing.length) problems.push(`${where}: missing keys ${missing.join(', ')}`);
    if (extra.length) problems.push(`${where}: extra keys ${extra.join(', ')}`);
    const commonE = ek.filter((k) => k in act);
    const commonA = ak.filter((k) => k in exp);
    if (commonE.join(',') !== commonA.join(',')) problems.push(`${where}: key order ${commonA.join(',')}, recorded ${commonE.join(',')}`);
    for (const k of commonE) compareJson(exp[k] ?? null, act[k] ?? null, `${where}.${k}`, k, opts, problems);
    for (const k of Object.keys(exp).filter((x) => OPTIONAL.has(x) && x in act)) {
      compareJson(exp[k] ?? null, act[k] ?? null, `${where}.${k}`, k, opts, problems);
    }
  }
}

function recordedContentType(name: string): string | null {
  // search_leading_zero_trace_ids was saved without headers; it is a search body like the others.
  if (!existsSync(path.join(RECORDINGS_DIR, `${name}.headers`))) return 'application/json';
  const m = /^content-type:\s*(.+)$/im.exec(readRecording(name, 'headers'));
  return m?.[1]?.trim() ?? null;
}

/** The recorded URL with start/end moved by the time shift. */
function shiftedPath(url: string): string {
  const u = new URL(url);
  for (const p of ['start', 'end']) {
    const v = u.searchParams.get(p);
    if (v !== null) u.searchParams.set(p, String(Number(v) + SHIFT_S));
  }
  return `${u.pathname}${u.search}`;
}

interface Case {
  readonly name: string;
  readonly server: 'ab' | 'all';
  readonly path: string;
  readonly values: boolean;
}

/** Which data each recording saw (README + the bodies): search/metrics ran before batch 3 was visible. */
function planCases(rows: readonly IndexRow[]): Case[] {
  return rows
    .filter((r) => !(r.name in NOT_IMPLEMENTED))
    .map((r) => {
      let p: string;
      if (r.name === 'search_leading_zero_trace_ids') {
        const q = encodeURIComponent('{ resource.test.batch = "1" && duration > 1s }');
        p = `/api/search?q=${q}&start=${RECORDED_WINDOW.start + SHIFT_S}&end=${RECORDED_WINDOW.end + SHIFT_S}`;
      } else p = shiftedPath(r.url);
      const early = r.name.startsWith('search_traceql') || r.name.startsWith('metrics_') || r.name.startsWith('error_');
      // limit=1 returns "first found" in Tempo; the test server returns the newest, so only shape is compared.
      return { name: r.name, server: early ? 'ab' : 'all', path: p, values: r.name !== 'search_traceql_limit1_spss1' };
    });
}

let serverAB: TempoTestServer;
let serverAll: TempoTestServer;

before(async () => {
  // The recording Tempo ran with a 24 h metrics limit (error_metrics_range_too_long says so).
  const opts = { maxMetricsRangeSeconds: 24 * 3600, now: () => RECORDED_NOW_MS };
  serverAB = await startTempoServer(opts);
  serverAll = await startTempoServer(opts);
  for (const p of recordedPayloads([0, 1], SHIFT_NS)) serverAB.ingest(p);
  for (const p of recordedPayloads([0, 1, 2], SHIFT_NS)) serverAll.ingest(p);
});

after(async () => {
  await serverAB.close();
  await serverAll.close();
});

test('every recording in INDEX.tsv is either compared or explicitly not implemented', () => {
  const names = readIndex().map((r) => r.name);
  for (const n of Object.keys(NOT_IMPLEMENTED)) assert.ok(names.includes(n), `${n} is not a recording`);
  assert.ok(names.length >= 35, `INDEX.tsv lists ${names.length} recordings`);
});

test('responses match the real Tempo 2.7.2 recordings (status, content type, body structure and values)', async (t) => {
  const cases = planCases(readIndex());
  const covered: string[] = [];
  const failures: string[] = [];
  for (const c of cases) {
    const server = c.server === 'ab' ? serverAB : serverAll;
    const res = await fetch(`${server.url}${c.path}`);
    const body = await res.text();
    const problems: string[] = [];
    const wantStatus = Number(readRecording(c.name, 'status').trim());
    if (res.status !== wantStatus) problems.push(`status ${res.status}, recorded ${wantStatus}`);
    const wantType = recordedContentType(c.name);
    if ((res.headers.get('content-type') ?? null) !== wantType) problems.push(`content-type ${res.headers.get('content-type')}, recorded ${wantType}`);
    const recorded = readRecording(c.name, 'body');
    if (wantType === 'application/json') {
      compareJson(JSON.parse(recorded) as JsonValue, JSON.parse(body) as JsonValue, c.name, '', { values: c.values }, problems);
    } else {
      // Plain text: identical, except numbers that carry the shifted time.
      const pattern = new RegExp(`^${recorded.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\d{9,}/g, '\\d+')}$`);
      if (!pattern.test(body)) problems.push(`body ${JSON.stringify(body)}, recorded ${JSON.stringify(recorded)}`);
    }
    covered.push(c.name);
    if (problems.length) failures.push(`${c.name}:\n  ${problems.slice(0, 12).join('\n  ')}`);
  }
  t.diagnostic(`compared ${covered.length} recordings: ${covered.join(', ')}`);
  t.diagnostic(`not implemented: ${Object.entries(NOT_IMPLEMENTED).map(([k, v]) => `${k} (${v})`).join('; ')}`);
  const expected = readIndex().map((r) => r.name).filter((n) => !(n in NOT_IMPLEMENTED));
  assert.deepEqual([...covered].sort(), [...expected].sort(), 'a recording listed as implemented was not compared');
  assert.deepEqual(failures, []);
});

test('the comparator catches the mistakes it exists for', () => {
  const recorded = JSON.parse(readRecording('search_traceql_errors', 'body')) as { traces: Record<string, unknown>[] };
  const check = (mutate: (b: { traces: Record<string, unknown>[] }) => void, opts: CmpOptions = { values: false }): string[] => {
    const copy = JSON.parse(JSON.stringify(recorded)) as { traces: Record<string, unknown>[] };
    mutate(copy);
    const problems: string[] = [];
    compareJson(recorded as unknown as JsonValue, copy as unknown as JsonValue, 'x', '', opts, problems);
    return problems;
  };
  assert.deepEqual(check(() => undefined), []);
  const first = (b: { traces: Record<string, unknown>[] }): Record<string, unknown> => b.traces[0] ?? {};
  assert.notDeepEqual(check((b) => { first(b)['traceID'] = `0${String(first(b)['traceID'])}`; }), [], 'leading zero in traceID');
  assert.notDeepEqual(check((b) => { first(b)['startTimeUnixNano'] = 1; }), [], 'number instead of string');
  assert.notDeepEqual(check((b) => { delete first(b)['spanSet']; }), [], 'missing spanSet');
  assert.notDeepEqual(check((b) => { (first(b)['spanSets'] as Record<string, unknown>[])[0]!['matched'] = 0; }), [], 'zero value present');
  assert.notDeepEqual(
    check((b) => {
      const t = first(b);
      const { traceID, rootServiceName, ...rest } = t;
      b.traces[0] = { rootServiceName, traceID, ...rest };
    }),
    [],
    'key order',
  );
  assert.notDeepEqual(check((b) => { first(b)['durationMs'] = 116; }, { values: true }), [], 'value differs');
});
