// The hard classes of code references: stack-trace formats, synthetic runtime names, supertypes, overloads by parameter types.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { codeRefFromAttributes, codeRefHintsFromAttributes, refKeys } from '../../src/core/codeRef';
import { supertypesOf } from '../../src/core/lang/supers';
import { paramsMatch } from '../../src/core/match';
import { isDependencyFrame, parseStackTrace, type StackFrame } from '../../src/core/stacktrace';

const brief = (f: StackFrame): string => `${f.namespace ?? ''}|${f.function}|${f.filePath ?? ''}|${f.line ?? ''}`;

test('stack traces: JVM frames (module and class-loader prefixes, lambdas, generated frames), innermost first', () => {
  const frames = parseStackTrace([
    'java.lang.Throwable',
    '\tat io.opentelemetry.sdk.trace.SdkSpan.end(SdkSpan.java:500)',
    '\tat app//com.acme.OrderService.lambda$notifyShipped$1(OrderService.java:81)',
    '\tat com.acme.OrderService$$SpringCGLIB$$0.status(<generated>)',
    '\tat java.base@17.0.2/java.util.concurrent.ThreadPoolExecutor.runWorker(ThreadPoolExecutor.java:1136)',
    '\tat jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)',
  ].join('\n'));
  assert.deepEqual(frames.map(brief), [
    'io.opentelemetry.sdk.trace.SdkSpan|end|SdkSpan.java|500',
    'com.acme.OrderService|lambda$notifyShipped$1|OrderService.java|81',
    'com.acme.OrderService$$SpringCGLIB$$0|status||',
    'java.util.concurrent.ThreadPoolExecutor|runWorker|ThreadPoolExecutor.java|1136',
    'jdk.internal.reflect.NativeMethodAccessorImpl|invoke0||',
  ]);
  assert.ok(frames.every((f) => f.format === 'jvm'));
});

test('stack traces: .NET frames with and without file, state machines, separators skipped', () => {
  const frames = parseStackTrace([
    'System.InvalidOperationException: boom',
    '   at Acme.Users.UserService.<GetUserAsync>d__5.MoveNext() in /src/Users/UserService.cs:line 42',
    '--- End of stack trace from previous location ---',
    '   at Acme.Users.UserService.Get(Int32 id, String name) in C:\\src\\Users\\UserService.cs:line 7',
    '   at Microsoft.AspNetCore.Mvc.Infrastructure.ActionMethodExecutor.Execute(ActionContext ctx)',
  ].join('\n'));
  assert.deepEqual(frames.map(brief), [
    'Acme.Users.UserService.<GetUserAsync>d__5|MoveNext|/src/Users/UserService.cs|42',
    'Acme.Users.UserService|Get|C:\\src\\Users\\UserService.cs|7',
    'Microsoft.AspNetCore.Mvc.Infrastructure.ActionMethodExecutor|Execute||',
  ]);
  assert.ok(frames.every((f) => f.format === 'dotnet'));
});

test('stack traces: Python tracebacks are reversed (innermost first); <module> is anonymous, <lambda> kept', () => {
  const frames = parseStackTrace([
    'Traceback (most recent call last):',
    '  File "/app/main.py", line 3, in <module>',
    '    run()',
    '  File "/usr/lib/python3.11/site-packages/flask/app.py", line 880, in full_dispatch_request',
    '  File "/app/src/app/billing/service.py", line 12, in <lambda>',
    'ValueError: boom',
  ].join('\n'));
  assert.deepEqual(frames.map(brief), [
    '|<lambda>|/app/src/app/billing/service.py|12',
    '|full_dispatch_request|/usr/lib/python3.11/site-packages/flask/app.py|880',
    '|<anonymous>|/app/main.py|3',
  ]);
  assert.equal(isDependencyFrame(frames[1]!), true);
  assert.equal(isDependencyFrame(frames[0]!), false);
});

test('stack traces: Node frames (async, new, [as x], anonymous, node: internals)', () => {
  const frames = parseStackTrace([
    'Error: slow',
    '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
    '    at async InvoiceService.total (/app/src/billing/invoiceService.ts:17:12)',
    '    at Layer.handle [as handle_request] (/app/node_modules/express/lib/router/layer.js:95:5)',
    '    at new Foo (file:///app/foo.js:1:2)',
    '    at /app/src/handlers.ts:5:3',
    '    at Object.<anonymous> (/app/index.js:9:1)',
  ].join('\n'));
  assert.deepEqual(frames.map(brief), [
    'process|processTicksAndRejections|node:internal/process/task_queues|95',
    'InvoiceService|total|/app/src/billing/invoiceService.ts|17',
    'Layer|handle|/app/node_modules/express/lib/router/layer.js|95',
    '|Foo|/app/foo.js|1',
    '|<anonymous>|/app/src/handlers.ts|5',
    '|<anonymous>|/app/index.js|9',
  ]);
  assert.equal(isDependencyFrame(frames[0]!), true);
  assert.equal(isDependencyFrame(frames[2]!), true);
});

test('stack traces: Go (function line + tab-indented location), Ruby (old and 3.4 labels), PHP (#k file(line): called())', () => {
  const go = parseStackTrace([
    'goroutine 7 [running]:',
    'runtime/debug.Stack()',
    '\t/usr/local/go/src/runtime/debug/stack.go:24 +0x5e',
    'github.com/acme/shop/internal/billing.(*Service).Charge.func1.1(...)',
    '\t/build/internal/billing/service.go:10 +0x1d',
  ].join('\n'));
  assert.deepEqual(go.map(brief), [
    'runtime/debug|Stack|/usr/local/go/src/runtime/debug/stack.go|24',
    'github.com/acme/shop/internal/billing.(*Service).Charge.func1|1|/build/internal/billing/service.go|10',
  ]);
  const rb = parseStackTrace([
    "/app/app/controllers/orders_controller.rb:6:in `block (2 levels) in index'",
    "/app/app/controllers/concerns/exportable.rb:5:in 'Exportable#export'",
    "/usr/local/bundle/gems/puma-6.4.2/lib/puma/thread_pool.rb:147:in `<main>'",
  ].join('\n'));
  assert.deepEqual(rb.map(brief), [
    '|index|/app/app/controllers/orders_controller.rb|6',
    'Exportable|export|/app/app/controllers/concerns/exportable.rb|5',
    '|<anonymous>|/usr/local/bundle/gems/puma-6.4.2/lib/puma/thread_pool.rb|147',
  ]);
  const php = parseStackTrace([
    '#0 [internal function]: App\\Services\\OrderService->App\\Services\\{closure}(2)',
    '#1 /var/www/html/src/Services/OrderService.php(23): array_map(Object(Closure), Array)',
    '#2 /var/www/html/vendor/laravel/Controller.php(54): App\\Services\\OrderService->ship(1)',
    '#3 {main}',
  ].join('\n'));
  // The code at OrderService.php:23 belongs to ship (the function frame #2 called).
  assert.deepEqual(php.map(brief), [
    'App\\Services\\OrderService|ship|/var/www/html/src/Services/OrderService.php|23',
    '|<anonymous>|/var/www/html/vendor/laravel/Controller.php|54',
  ]);
  assert.deepEqual(parseStackTrace('just a message\nwith no frames'), []);
});

test('code.stacktrace alone yields the innermost frame outside dependencies; hints carry every frame', () => {
  const attrs = { 'code.stacktrace': '\tat org.springframework.web.servlet.DispatcherServlet.doDispatch(DispatcherServlet.java:1089)\n\tat com.acme.web.OrderController.getOrder(OrderController.java:19)' };
  assert.deepEqual(codeRefFromAttributes(attrs), { namespace: 'com.acme.web.OrderController', function: 'getOrder', filePath: 'OrderController.java', line: 19 });
  assert.equal(codeRefHintsFromAttributes(attrs).frames?.length, 2);
  assert.equal(codeRefFromAttributes({ 'code.stacktrace': '\tat java.lang.Thread.run(Thread.java:840)' }), null);
});

test('synthetic names: ByteBuddy/Mockito/Guice subclasses, <locals>.<lambda>, PHP {closure} (needs a line) and PHP 8.4 closure names', () => {
  const r = (namespace: string | null, fn: string, line: number | null = null, filePath: string | null = null) => refKeys({ namespace, function: fn, filePath, line });
  for (const ns of ['com.acme.A$ByteBuddy$AbCd', 'com.acme.A$MockitoMock$123', 'com.acme.A$$EnhancerByGuice$$9f', 'com.acme.A$HibernateProxy$x']) {
    assert.deepEqual(r(ns, 'run')[0]?.types, ['A'], ns);
  }
  const py = r('app.svc.Billing.charge.<locals>', '<lambda>')[0]!;
  assert.equal(py.function, 'charge');
  assert.match(py.note ?? '', /<lambda> inside charge/);
  assert.deepEqual(r('App\\Services\\OrderService', '{closure}'), []);
  const php = r('App\\Services\\OrderService', '{closure}', 23)[0]!;
  assert.equal(php.atLine, true);
  assert.deepEqual(php.types, ['OrderService']);
  assert.deepEqual(r(null, '<lambda>', null, '/app/x.py'), []);
  // V8 `at Function.create (/app/x.js:3:1)`: a static method, class unnamed; only with the frame's file.
  assert.deepEqual(r('Function', 'create').filter((k) => k.family === 'js'), []);
  assert.equal(r('Function', 'create', 3, '/app/src/x.ts')[0]?.types, null);
  assert.equal(r(null, '<lambda>', 12, '/app/x.py')[0]?.atLine, true);
  assert.deepEqual(codeRefFromAttributes({ 'code.function.name': '{closure:App\\Services\\OrderService::ship():23}' }), codeRefFromAttributes({ 'code.function.name': 'App\\Services\\OrderService::ship' }));
  assert.deepEqual(codeRefFromAttributes({ 'code.function.name': '{closure:/app/src/x.php:12}' }), { namespace: null, function: '{closure}', filePath: '/app/src/x.php', line: 12 });
});

test('overloads by parameter types: generic arity (`1, <T>), arrays (T[], T..., Int32[]), erased JVM names', () => {
  assert.ok(paramsMatch(['System.Collections.Generic.IEnumerable`1'], ['IEnumerable<decimal>']));
  assert.ok(!paramsMatch(['System.Collections.Generic.IEnumerable`2'], ['IEnumerable<decimal>']));
  assert.ok(paramsMatch(['System.Collections.Generic.Dictionary`2'], ['Dictionary<string, List<int>>']));
  assert.ok(paramsMatch(['Decimal[]'], ['decimal[]']));
  assert.ok(!paramsMatch(['Decimal'], ['decimal[]']));
  assert.ok(!paramsMatch(['Int32[]'], ['decimal[]']));
  assert.ok(paramsMatch(['java.lang.String[]'], ['String...']));
  assert.ok(paramsMatch(['java.util.List'], ['List<Integer>']));
  assert.ok(paramsMatch(['Int32', 'String'], ['int', 'string']));
  assert.ok(!paramsMatch(['Int32'], ['int', 'string']));
});

test('supertypes per language, in lookup order', () => {
  assert.deepEqual(supertypesOf('java', ' <T> extends CrudResource<T> implements Auditable, java.io.Serializable ', ''), ['CrudResource', 'Auditable', 'java.io.Serializable']);
  assert.deepEqual(supertypesOf('kotlin', ' : BaseRepo(), CacheAware ', ''), ['BaseRepo', 'CacheAware']);
  assert.deepEqual(supertypesOf('kotlin', '(private val x: Int) : Base(x) ', ''), ['Base']);
  assert.deepEqual(supertypesOf('csharp', '<T> : ServiceBase, IDisposable where T : class ', ''), ['ServiceBase', 'IDisposable']);
  assert.deepEqual(supertypesOf('typescript', ' extends BaseService implements OnInit ', ''), ['BaseService', 'OnInit']);
  assert.deepEqual(supertypesOf('php', ' extends BaseService implements Countable ', '{\n    use Auditable, Loggable;\n'), ['Auditable', 'Loggable', 'BaseService', 'Countable']);
  assert.deepEqual(supertypesOf('python', '(BaseService, AuditMixin, metaclass=ABCMeta)', ''), ['BaseService', 'AuditMixin']);
  // Ruby: later includes are searched first, then the superclass.
  assert.deepEqual(supertypesOf('ruby', ' < ApplicationController', '\n  include Exportable\n  include Admin::Auditing\n'), ['Admin::Auditing', 'Exportable', 'ApplicationController']);
});
