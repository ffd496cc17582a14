// The offline files source: all three body shapes, JSON lines, bad files as notes, exact figures equal to search.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FileStatsSource, parseDocuments } from '../../src/files/files';
import { compileSpanFilter } from '../../src/core/spanFilter';
import { compileWorkspaceGlob, type WorkspaceGlob } from '../../src/files/workspaceFiles';
import { parseTraceBody } from '../../src/core/otlp';
import { startTempoServer } from '../tempo-server/server';
import { TempoClient } from '../../src/tempo/client';
import { TempoStatsSource } from '../../src/tempo/statsSource';

const ROOT = path.resolve(__dirname, '../../../test/fixtures/otlp');
const signal = (): AbortSignal => new AbortController().signal;
const anyWindow = { startMs: 0, endMs: 1000 };

/** The compiled glob, or a failed assertion with the reason it was refused. */
function glob(g: string): WorkspaceGlob {
  const r = compileWorkspaceGlob(g);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.glob;
}

test('glob matching: **, *, ?, braces, classes', () => {
  const re = glob('.tempo-lens/traces/**/*.json');
  assert.ok(re.match('.tempo-lens/traces/a.json'));
  assert.ok(re.match('.tempo-lens/traces/x/y/a.json'));
  assert.ok(!re.match('.tempo-lens/traces/a.jsonl'));
  assert.ok(!re.match('other/traces/a.json'));
  const b = glob('files/**/*.{json,jsonl}');
  assert.ok(b.match('files/nested/collector-export.jsonl'));
  assert.ok(b.match('files/v1-batches.json'));
  assert.ok(glob('t?ace[0-9].json').match('trace7.json'));
  assert.ok(!glob('*.json').match('a/b.json'), '* stays within a segment');
  assert.equal(glob('.tempo-lens/traces/**/*.json').base, '.tempo-lens/traces');
  assert.equal(glob('./*.json').base, '');
  assert.equal(glob('traces/one.json').base, 'traces');
});

test('reads resourceSpans, v1 batches, v2 {trace} and collector JSON lines; bad files become notes', async () => {
  const src = new FileStatsSource({ root: ROOT, glob: 'files/**/*.{json,jsonl}' });
  const files = await src.listFiles(signal());
  assert.equal(files.length, 7);
  const snap = await src.load({ window: anyWindow, filter: '' }, signal());
  assert.equal(snap.origin, 'files');
  const byName = new Map(snap.functions.map((f) => [`${f.codeRef.namespace}.${f.codeRef.function}`, f]));
  const getToken = byName.get('com.acme.token.TokenService.getToken')!;
  assert.equal(getToken.calls, 4, 'v1 + v2 + two JSON lines');
  assert.equal(getToken.errors, 1);
  assert.equal(getToken.p50Ms, 200);
  assert.equal(getToken.p95Ms, 3100);
  assert.equal(getToken.quantilesApproximate, false);
  assert.equal(getToken.sample, null);
  assert.equal(getToken.origin, 'files');
  assert.deepEqual(getToken.topErrors, [{ message: 'token expired', count: 1 }]);
  const checkout = byName.get('app.cart.CartService.checkout')!;
  assert.deepEqual(checkout.codeRef, { namespace: 'app.cart.CartService', function: 'checkout', filePath: '/app/src/cart/cartService.py', line: 42 });
  assert.equal(checkout.service, 'checkout-web');
  assert.equal(checkout.calls, 8);
  assert.equal(checkout.errors, 2);
  assert.equal(checkout.p50Ms, 40);
  assert.equal(checkout.p95Ms, 80);
  assert.ok(byName.has('com.acme.crypto.KeyVault.sign'));
  assert.ok(snap.notes.some((n) => /broken\.json: not an OTLP\/Tempo trace file/.test(n)));
  assert.ok(snap.notes.some((n) => /jaeger\.json: not an OTLP\/Tempo trace file .*"data"/.test(n)));
  assert.ok(snap.notes[0]?.startsWith('Figures from 5 trace files'), snap.notes[0]);
  assert.ok(snap.window.startMs <= Date.UTC(2024, 0, 1) || snap.window.endMs > snap.window.startMs, 'the window is the files\' own time span');
  const dd = await src.drillDown(getToken.codeRef, getToken.service, snap.window, signal());
  assert.deepEqual(dd.slowest.map((h) => h.durationMs), [3100, 2500, 200, 100]);
  assert.equal(dd.errors[0]?.statusMessage, 'token expired');
});

test('explicit paths, a filter evaluated on spans, services, and clipping to the window', async () => {
  const src = new FileStatsSource({ root: ROOT, paths: ['files/resourcespans.json', 'files/nested/collector-export.jsonl'], clipToWindow: true });
  const win = { startMs: Date.UTC(2026, 0, 1, 12), endMs: Date.UTC(2026, 0, 1, 12, 0, 4) };
  const snap = await src.load({ window: win, filter: 'resource.service.name = "checkout-web" && duration >= 20ms' }, signal());
  assert.equal(snap.functions.length, 1);
  assert.equal(snap.functions[0]?.calls, 3, 'spans at 12:00:01–03 with 20–40 ms');
  assert.deepEqual(snap.window, win);
  const svc = await new FileStatsSource({ root: ROOT, paths: ['files/resourcespans.json', 'files/nested/collector-export.jsonl'] }).load({ window: anyWindow, filter: '', services: ['token-service'] }, signal());
  assert.deepEqual(svc.functions.map((f) => f.codeRef.function), ['getToken']);
  const unsupported = await new FileStatsSource({ root: ROOT, paths: ['files/resourcespans.json'] }).load({ window: anyWindow, filter: 'trace:rootService = "x"' }, signal());
  assert.ok(unsupported.notes.some((n) => /filter was not applied/.test(n)));
  assert.equal(unsupported.functions.length, 1);
  const missing = await new FileStatsSource({ root: ROOT, paths: ['files/nope.json'] }).load({ window: anyWindow, filter: '' }, signal());
  assert.ok(missing.notes.some((n) => /nope\.json: cannot be read \(ENOENT\)/.test(n)));
  const none = await new FileStatsSource({ root: ROOT, glob: 'nothing/**/*.json' }).load({ window: anyWindow, filter: '' }, signal());
  assert.ok(none.notes.some((n) => /No trace files found/.test(n)));
});

test('span filter subset', () => {
  const [s] = parseTraceBody(JSON.parse(JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'a' } }] }, scopeSpans: [{ spans: [{ traceId: '01', spanId: '02', name: 'GET /x', kind: 2, startTimeUnixNano: '1000000000', endTimeUnixNano: '1500000000', attributes: [{ key: 'http.status_code', value: { intValue: '503' } }], status: { code: 2 } }] }] }] }))).spans;
  const ok = (f: string): boolean => compileSpanFilter(f)(s!);
  assert.equal(ok('resource.service.name = "a"'), true);
  assert.equal(ok('span.http.status_code >= 500 && status = error'), true);
  assert.equal(ok('duration > 400ms && duration < 1s'), true);
  assert.equal(ok('kind = server && name =~ "GET .*"'), true);
  assert.equal(ok('span.missing != nil'), false);
  assert.equal(ok('(.http.status_code = 200 || resource.service.name != "a")'), false);
  assert.equal(ok('!(status = ok)'), true);
  assert.throws(() => compileSpanFilter('trace:duration > 1s'));
  assert.throws(() => compileSpanFilter('span.a = "open'));
});

test('JSON lines and arrays of bodies', () => {
  assert.equal(parseDocuments('{"a":1}\n{"b":2}\n').length, 2);
  assert.equal(parseDocuments('[{"a":1},{"b":2}]').length, 1);
  assert.deepEqual(parseDocuments('  '), []);
  assert.throws(() => parseDocuments('{"a":'), /JSON|Unexpected/);
});

test('the same data read from files and from Tempo by search gives identical exact figures', async () => {
  const now = Date.now();
  const spans = Array.from({ length: 60 }, (_, i) => ({
    traceId: `f11e${i.toString(16).padStart(28, '0')}`,
    spanId: (i + 1).toString(16).padStart(16, '0'),
    name: 'op',
    kind: 1,
    startTimeUnixNano: String(BigInt(now - 600_000 + i * 5000) * 1_000_000n),
    endTimeUnixNano: String(BigInt(now - 600_000 + i * 5000) * 1_000_000n + BigInt(((i * 37) % 61) + 1) * 1_000_000n),
    attributes: [{ key: 'code.namespace', value: { stringValue: `pkg.C${i % 3}` } }, { key: 'code.function', value: { stringValue: 'run' } }],
    status: i % 7 === 0 ? { code: 2, message: 'nope' } : {},
  }));
  const body = { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] }, scopeSpans: [{ spans }] }] };
  const dir = mkdtempSync(path.join(tmpdir(), 'tempo-lens-files-'));
  const server = await startTempoServer();
  const client = new TempoClient({ url: server.url, auth: 'none', user: '', token: undefined, tenant: '', headers: {} });
  try {
    writeFileSync(path.join(dir, 'export.json'), JSON.stringify(body));
    server.ingest(body);
    const window = { startMs: now - 900_000, endMs: now };
    const files = await new FileStatsSource({ root: dir, glob: '*.json', clipToWindow: true }).load({ window, filter: '' }, signal());
    const search = await new TempoStatsSource(client, { mode: 'search' }).load({ window, filter: '' }, signal());
    const pick = (s: typeof files) => s.functions.map((f) => [f.key, f.calls, f.errors, f.p50Ms, f.p95Ms, f.p99Ms, f.topErrors]).sort();
    assert.equal(files.functions.length, 3);
    assert.deepEqual(pick(files), pick(search));
  } finally {
    await client.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
