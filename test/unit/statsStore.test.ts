// Unit tests of the stats store's pure logic (core/surfaces): judging windows, the file index, symbol pairing, lens and hint models.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { functionKey, hintModels, indexByFile, judge, lensModels, resolveRanges, type SymbolLike } from '../../src/core/surfaces';
import type { CodeLocation, FunctionStats } from '../../src/shared/model';

const WINDOW = { startMs: 1_700_000_000_000, endMs: 1_700_000_000_000 + 3_600_000 };
const T = { latencyMs: 1000, errorRate: 0.05 };

function fn(name: string, over: Partial<FunctionStats> = {}): FunctionStats {
  return {
    key: name, codeRef: { namespace: 'com.acme.TokenService', function: name, filePath: null, line: null }, service: 'token-service',
    origin: 'files', window: WINDOW, calls: 100, ratePerSec: 100 / 3600, errors: 0, errorRate: 0, p50Ms: 10, p95Ms: 40, p99Ms: 80,
    quantilesApproximate: false, sample: null, latencySeries: [], topErrors: [], exampleTraceIds: [], ...over,
  };
}

const loc = (name: string, line: number, file = 'src/TokenService.java'): CodeLocation => ({ file, line, symbol: `TokenService.${name}`, confidence: 1, reason: 'namespace + function' });
const sym = (name: string, line0: number, col = 18): SymbolLike => ({ name, qualifiedName: `TokenService.${name}`, nameRange: { startLine: line0, startCol: col, endLine: line0, endCol: col + name.length } });

test('judge joins the previous window by function and service, drops functions without calls', () => {
  const current = [fn('getToken', { p95Ms: 1500 }), fn('idle', { calls: 0 }), fn('getToken', { service: 'other', p95Ms: 1500 })];
  const previous = [fn('getToken', { p95Ms: 300 })];
  const located = judge(current, previous, T, () => ({ location: null, reason: 'x' }));
  assert.equal(located.length, 2);
  assert.equal(located[0]?.previous?.p95Ms, 300);
  assert.equal(located[0]?.changes[0]?.metric, 'p95');
  assert.equal(located[0]?.severity, 'warning');
  assert.equal(located[1]?.previous, null, 'another service is another function');
  assert.deepEqual(located[1]?.changes, []);
  assert.notEqual(functionKey(current[0]!), functionKey(current[2]!));
});

test('the file index maps files to matched functions only, with normalised paths', () => {
  const located = judge([fn('a'), fn('b'), fn('c')], null, T, (f) =>
    f.codeRef.function === 'c' ? { location: null, reason: 'no such method' } : { location: loc(f.codeRef.function, 3, f.codeRef.function === 'a' ? './src\\TokenService.java' : 'src/TokenService.java'), reason: 'ok' });
  const index = indexByFile(located);
  assert.deepEqual([...index.byFile.keys()], ['src/TokenService.java']);
  assert.equal(index.byFile.get('src/TokenService.java')?.length, 2);
  assert.equal(index.byKey.size, 3, 'unmatched functions stay findable by key');
});

test('symbols are paired by qualified name nearest to the mapped line, then by bare name, then by the line itself', () => {
  const located = judge([fn('getToken'), fn('revoke'), fn('gone')], null, T, (f) => ({ location: loc(f.codeRef.function, f.codeRef.function === 'gone' ? 3 : 20), reason: 'ok' }));
  const symbols: SymbolLike[] = [sym('getToken', 4), sym('getToken', 18), { ...sym('revoke', 30), qualifiedName: 'Other.revoke' }];
  const lines = ['', '', '    public void gone() {', ''];
  const resolved = resolveRanges(located, symbols, (l) => lines[l]);
  assert.deepEqual(resolved.map((r) => [r.entry.stats.codeRef.function, r.nameRange.startLine, r.nameRange.startCol]), [
    ['gone', 2, 16],
    ['getToken', 18, 18],
    ['revoke', 30, 18],
  ]);
});

test('a located function whose line is past the end of an edited file is skipped', () => {
  const located = judge([fn('x')], null, T, () => ({ location: loc('x', 99), reason: 'ok' }));
  assert.deepEqual(resolveRanges(located, [], () => undefined), []);
});

test('lens models: one lens per service on a shared method, each naming its service', () => {
  const located = judge([fn('getToken'), fn('getToken', { service: 'gateway', calls: 50 })], null, T, () => ({ location: loc('getToken', 5), reason: 'ok' }));
  const resolved = resolveRanges(located, [sym('getToken', 4)], () => undefined);
  const lenses = lensModels(resolved, T);
  assert.equal(lenses.length, 2);
  assert.match(lenses[0]?.title ?? '', / · token-service$/);
  assert.match(lenses[1]?.title ?? '', / · gateway$/);
  const single = lensModels(resolveRanges(located.slice(0, 1), [sym('getToken', 4)], () => undefined), T);
  assert.equal(single[0]?.title, 'p95 40 ms · p50 10 ms · no errors · 1.7/min · 1h');
});

test('hint models: one per line, coloured by the worst function', () => {
  const located = judge([fn('getToken'), fn('getToken', { service: 'gateway', p95Ms: 5000 }), fn('revoke', { errors: 30, errorRate: 0.3 })], null, T, (f) => ({ location: loc(f.codeRef.function, f.codeRef.function === 'revoke' ? 9 : 5), reason: 'ok' }));
  const hints = hintModels(resolveRanges(located, [sym('getToken', 4), sym('revoke', 8)], () => undefined));
  assert.deepEqual(hints.map((h) => [h.line, h.level, h.text]), [
    [4, 'error', 'p95 5 s · 1h · +1 more'],
    [8, 'error', 'p95 40 ms · 30% err · 1h'],
  ]);
});
