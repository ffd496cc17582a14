// Redaction, header validation, token keys and the trust rule of src/host/connectionRules.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { looksLikeGrafanaWithoutProxy, redact, scopedValue, secretKeyFor, validateHeaders } from '../../src/host/connectionRules';

test('redact removes Authorization values, Bearer/Basic credentials, Grafana tokens and known secrets', () => {
  const cases: [string, string][] = [
    ['authorization: Bearer abc.def-123', 'authorization: [redacted]'],
    ['{"Authorization":"Basic dXNlcjpwYXNz"}', '{"Authorization":"[redacted]"}'],
    ['sent Bearer eyJhbGciOi.J9x_y-z to host', 'sent Bearer [redacted] to host'],
    ['header Basic dXNlcjpwYXNz end', 'header Basic [redacted] end'],
    ['token glsa_AbCdEf0123456789_abcdef12 used', 'token [redacted] used'],
    ['cloud glc_eyJvIjoiMTIzIiwibiI6InRlc3QifQ== used', 'cloud [redacted] used'],
    ['GET https://user:s3cret@tempo.example/api', 'GET https://user:[redacted]@tempo.example/api'],
    ['Proxy-Authorization=Basic Zm9vOmJhcg==', 'Proxy-Authorization=[redacted]'],
  ];
  for (const [input, expected] of cases) assert.equal(redact(input), expected, input);
});

test('redact keeps prose about auth kinds readable', () => {
  assert.equal(redact('use basic authentication or Bearer tokens'), 'use basic authentication or Bearer tokens');
  assert.equal(redact('auth is "basic" but no token'), 'auth is "basic" but no token');
});

test('redact removes a known secret wherever it appears, also without a prefix', () => {
  assert.equal(redact('failed: token plainsecretvalue rejected', ['plainsecretvalue']), 'failed: token [redacted] rejected');
  assert.equal(redact('abc', ['ab']), 'abc', 'secrets shorter than 4 characters are ignored');
});

test('validateHeaders keeps valid headers and reports the rest with a reason', () => {
  const r = validateHeaders({
    'X-Org': 'team-a',
    Authorization: 'Bearer x',
    'X-Bad': 'a\r\nInjected: 1',
    'bad name': 'v',
    'X-Num': 5,
    Host: 'evil',
  });
  assert.deepEqual(r.headers, { 'X-Org': 'team-a' });
  assert.deepEqual(r.invalid.map((i) => i.name).sort(), ['Authorization', 'Host', 'X-Bad', 'X-Num', 'bad name']);
  assert.match(r.invalid.find((i) => i.name === 'Authorization')?.reason ?? '', /may not set Authorization/);
  assert.match(r.invalid.find((i) => i.name === 'X-Bad')?.reason ?? '', /control character \(a line break/);
  assert.equal(validateHeaders(['a']).invalid.length, 1);
  assert.deepEqual(validateHeaders(undefined), { headers: {}, invalid: [] });
});

test('secretKeyFor binds a token to the normalised URL and the user', () => {
  const k = secretKeyFor('HTTPS://Tempo.Example.com:443/tempo/', '123');
  assert.equal(k, 'tempoLens.token:https://tempo.example.com/tempo|123');
  assert.equal(secretKeyFor('https://tempo.example.com/tempo', '123'), k, 'case, default port and trailing slash do not matter');
  assert.notEqual(secretKeyFor('https://evil.example.com/tempo', '123'), k, 'another host has another key');
  assert.notEqual(secretKeyFor('https://tempo.example.com/tempo', '456'), k, 'another user has another key');
  assert.notEqual(secretKeyFor('http://tempo.example.com/tempo', '123'), k, 'http and https differ');
});

test('scopedValue ignores workspace values when untrusted', () => {
  const v = { defaultValue: 'http://localhost:3200', globalValue: 'https://mine', workspaceValue: 'https://attacker', workspaceFolderValue: 'https://folder' };
  assert.equal(scopedValue(v, true, ''), 'https://folder');
  assert.equal(scopedValue(v, false, ''), 'https://mine');
  assert.equal(scopedValue({ defaultValue: 'd', workspaceValue: 'w' }, false, ''), 'd');
  assert.equal(scopedValue({ workspaceValue: 'w' }, true, 'f'), 'w');
  assert.equal(scopedValue(undefined, true, 'f'), 'f');
});

test('looksLikeGrafanaWithoutProxy spots a Grafana URL missing the proxy path', () => {
  assert.equal(looksLikeGrafanaWithoutProxy('https://grafana.example.com'), true);
  assert.equal(looksLikeGrafanaWithoutProxy('https://acme.grafana.net/'), true);
  assert.equal(looksLikeGrafanaWithoutProxy('https://grafana.example.com/api/datasources/proxy/uid/abc'), false);
  assert.equal(looksLikeGrafanaWithoutProxy('https://tempo-prod-01-eu-west-0.grafana.net/tempo'), false);
  assert.equal(looksLikeGrafanaWithoutProxy('http://localhost:3200'), false);
});
