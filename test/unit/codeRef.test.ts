// codeRef: both attribute generations, qualified-name splitting per runtime, hints.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { codeRefFromAttributes, codeRefHintsFromAttributes, codeRefKey, formatCodeRef, plausibleFamilies, splitQualifiedName } from '../../src/core/codeRef';

test('splitQualifiedName per runtime separator', () => {
  assert.deepEqual(splitQualifiedName('com.acme.Foo.bar'), { namespace: 'com.acme.Foo', function: 'bar' });
  assert.deepEqual(splitQualifiedName('GuzzleHttp\\Client::transfer'), { namespace: 'GuzzleHttp\\Client', function: 'transfer' });
  assert.deepEqual(splitQualifiedName('Admin::UsersController#index'), { namespace: 'Admin::UsersController', function: 'index' });
  assert.deepEqual(splitQualifiedName('Admin::ReportJob.enqueue'), { namespace: 'Admin::ReportJob', function: 'enqueue' });
  assert.deepEqual(splitQualifiedName('github.com/x/pkg.(*T).Get'), { namespace: 'github.com/x/pkg.(*T)', function: 'Get' });
  assert.deepEqual(splitQualifiedName('App\\Support\\format_money'), { namespace: 'App\\Support', function: 'format_money' });
  assert.deepEqual(splitQualifiedName('Acme.Svc+<Get>d__5.MoveNext'), { namespace: 'Acme.Svc+<Get>d__5', function: 'MoveNext' });
  assert.deepEqual(splitQualifiedName('fopen'), { namespace: null, function: 'fopen' });
});

test('codeRefFromAttributes: old keys, new FQ key, v1.30 short name, file and line', () => {
  assert.deepEqual(codeRefFromAttributes({ 'code.namespace': 'a.B', 'code.function': 'c', 'code.lineno': 4, 'code.filepath': 'B.java' }),
    { namespace: 'a.B', function: 'c', filePath: 'B.java', line: 4 });
  assert.deepEqual(codeRefFromAttributes({ 'code.function.name': 'a.B.c' }), { namespace: 'a.B', function: 'c', filePath: null, line: null });
  assert.deepEqual(codeRefFromAttributes({ 'code.namespace': 'a.B', 'code.function.name': 'c' }), { namespace: 'a.B', function: 'c', filePath: null, line: null });
  assert.deepEqual(codeRefFromAttributes({ 'code.function.name': 'get', 'code.file.path': '/app/x.py', 'code.line.number': '12' }),
    { namespace: null, function: 'get', filePath: '/app/x.py', line: 12 });
  assert.equal(codeRefFromAttributes({ 'http.route': '/x' }), null);
});

test('hints: language family and parameter types', () => {
  const h = codeRefHintsFromAttributes({ 'code.function.parameter.types': 'Int32|String' }, { 'telemetry.sdk.language': 'dotnet' });
  assert.equal(h.language, 'dotnet');
  assert.deepEqual(h.paramTypes, ['Int32', 'String']);
  assert.deepEqual(plausibleFamilies({ namespace: 'a.B', function: 'c', filePath: '/x/B.kt', line: null }), ['jvm']);
  assert.deepEqual(plausibleFamilies({ namespace: 'A\\B', function: 'c', filePath: null, line: null }), ['php']);
});

test('codeRefKey ignores the line; formatCodeRef is readable', () => {
  const a = { namespace: 'a.B', function: 'c', filePath: 'B.java', line: 1 };
  assert.equal(codeRefKey(a), codeRefKey({ ...a, line: 9 }));
  assert.equal(formatCodeRef(a), 'a.B.c (B.java:1)');
});
