// Per-language normalisation of runtime names into source interpretations (RefKey).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { refKeys } from '../../src/core/codeRef';
import type { RefKey } from '../../src/core/lang/common';
import type { CodeRef } from '../../src/shared/model';

const ref = (namespace: string | null, fn: string, filePath: string | null = null): CodeRef => ({ namespace, function: fn, filePath, line: null });
const first = (keys: RefKey[], family?: string): RefKey => {
  const k = family ? keys.find((q) => q.family === family) : keys[0];
  assert.ok(k, `no key${family ? ` for ${family}` : ''}`);
  return k;
};

test('java: nested, anonymous, lambda class, lambda body, proxies, <init>, Kotlin FooKt', () => {
  let k = first(refKeys(ref('com.acme.Outer$Inner', 'get')));
  assert.equal(k.family, 'jvm');
  assert.equal(k.namespace, 'com.acme');
  assert.deepEqual(k.types, ['Outer', 'Inner']);
  assert.deepEqual(k.fileHints[0]?.stems, ['Outer']);
  assert.deepEqual(k.fileHints[0]?.dirs, ['com', 'acme']);
  k = first(refKeys(ref('com.acme.Main$1', 'call')));
  assert.deepEqual(k.types, ['Main', '1']);
  assert.match(k.note ?? '', /anonymous/);
  k = first(refKeys(ref('com.acme.Main$$Lambda$1/0x00007fcc0c003a30', 'run')));
  assert.equal(k.function, null);
  assert.ok(k.confidence <= 0.4);
  k = first(refKeys(ref('com.acme.Main', 'lambda$main$0')));
  assert.equal(k.function, 'main');
  k = first(refKeys(ref('com.acme.TokenService$$SpringCGLIB$$0', 'getToken')));
  assert.deepEqual(k.types, ['TokenService']);
  k = first(refKeys(ref('com.acme.TokenService', '<init>')));
  assert.equal(k.isConstructor, true);
  assert.equal(k.function, 'TokenService');
  const kt = refKeys(ref('com.acme.UtilsKt', 'slugify')).find((q) => q.fileClass === 'UtilsKt');
  assert.deepEqual(kt?.fileHints[0]?.stems, ['Utils']);
  assert.equal(first(refKeys(ref('org.springframework.web.servlet.DispatcherServlet', 'doDispatch')), 'jvm').thirdParty, true);
});

test('python: module splits, <locals>, __main__', () => {
  const keys = refKeys(ref('app.users.service.UserService', 'get'), { language: 'python', paramTypes: null });
  assert.deepEqual(keys.map((k) => k.namespace), ['app.users.service.UserService', 'app.users.service', 'app.users', 'app', null]);
  assert.deepEqual(keys[1]?.types, ['UserService']);
  const loc = refKeys(ref('app.svc.outer.<locals>', 'inner'), { language: 'python', paramTypes: null });
  assert.ok(loc.some((k) => k.namespace === 'app.svc' && k.types?.join('.') === 'outer'));
  assert.equal(refKeys(ref('requests.api', 'get'), { language: 'python', paramTypes: null })[0]?.thirdParty, true);
});

test('c#: + nesting, generic arity, state machines, lambdas, local functions, .ctor', () => {
  let k = first(refKeys(ref('Acme.Users.UserService+Cache', 'Lookup')));
  assert.equal(k.family, 'dotnet');
  assert.equal(k.namespace, 'Acme.Users');
  assert.deepEqual(k.types, ['UserService', 'Cache']);
  k = first(refKeys(ref('Acme.Users.Repo`1', 'Find')));
  assert.deepEqual(k.types, ['Repo']);
  k = first(refKeys(ref('Acme.Users.UserService+<GetUserAsync>d__5', 'MoveNext')));
  assert.equal(k.function, 'GetUserAsync');
  k = first(refKeys(ref('Acme.Program+<>c', '<Main>b__0_0')));
  assert.equal(k.function, 'Main');
  assert.deepEqual(k.types, ['Program']);
  k = first(refKeys(ref('Acme.Svc', '<Handle>g__Local|0_0')));
  assert.equal(k.function, 'Handle');
  k = first(refKeys(ref('Acme.Svc', '.ctor')));
  assert.equal(k.isConstructor, true);
});

test('go: import paths, receivers, closures, method values, generics, short packages', () => {
  let k = first(refKeys(ref('github.com/acme/shop/internal/users.(*Service)', 'Get')));
  assert.equal(k.family, 'go');
  assert.equal(k.namespace, 'github.com/acme/shop/internal/users');
  assert.deepEqual(k.types, ['Service']);
  k = first(refKeys(ref('github.com/acme/shop/users.Handler', 'func1')));
  assert.equal(k.function, 'Handler');
  assert.deepEqual(k.types, []);
  k = first(refKeys(ref('github.com/acme/shop/users.(*Service).Get.func1', '2')));
  assert.equal(k.function, 'Get');
  k = first(refKeys(ref('github.com/acme/shop/users.(*Service)', 'Get-fm')));
  assert.equal(k.function, 'Get');
  k = first(refKeys(ref('github.com/acme/shop/repo.(*Repo[...])', 'Find')));
  assert.deepEqual(k.types, ['Repo']);
  k = first(refKeys(ref('users.(*Service)', 'Get')));
  assert.equal(k.namespace, 'users');
  assert.equal(first(refKeys(ref('net/http.HandlerFunc', 'ServeHTTP'))).thirdParty, true);
});

test('js, ruby, php', () => {
  const js = first(refKeys(ref('UsersController', 'findOne'), { language: 'js', paramTypes: null }));
  assert.ok(js.fileHints[0]?.stems.includes('Users.Controller') || js.fileHints[0]?.stems.includes('Users.controller') || js.fileHints[0]?.looseStem);
  const rb = first(refKeys(ref('Admin::UsersController', 'index')), 'ruby');
  assert.deepEqual(rb.types, ['Admin', 'UsersController']);
  assert.deepEqual(rb.fileHints[0]?.stems, ['users_controller']);
  assert.deepEqual(rb.fileHints[0]?.dirs, ['admin']);
  const php = first(refKeys(ref('App\\Http\\UserController', 'show')));
  assert.equal(php.family, 'php');
  assert.equal(php.namespace, 'App\\Http');
  assert.deepEqual(php.types, ['UserController']);
  assert.equal(first(refKeys(ref('GuzzleHttp\\Client', 'transfer'))).thirdParty, true);
});

test('bare names: bare keys only without a file; unreadable names yield no key', () => {
  assert.ok(refKeys(ref(null, 'getToken')).every((k) => k.bare));
  assert.ok(refKeys(ref(null, 'get', '/app/x.py')).every((k) => !k.bare && k.family === 'python'));
  assert.deepEqual(refKeys(ref(null, '<lambda>')), []);
});
