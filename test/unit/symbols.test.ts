// Symbol extraction per language: names, containers, ranges, annotations, overload parameters; Kotlin scanner; cache.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FileSymbols, SymbolInfo } from '../../src/core/match';
import { contentHash, SymbolExtractor } from '../../src/symbols/extractor';
import { scanKotlin } from '../../src/symbols/kotlin';
import { resolveWasmDir } from '../../src/symbols/treeSitter';

const x = new SymbolExtractor();

function find(f: FileSymbols | null, name: string, nth = 0): SymbolInfo {
  assert.ok(f, 'extraction returned null');
  const all = f.symbols.filter((s) => s.name === name);
  const s = all[nth];
  assert.ok(s, `no symbol ${name}#${nth} in ${f.symbols.map((q) => q.name).join(', ')}`);
  return s;
}

const path = (s: SymbolInfo): string => s.containers.map((c) => `${c.kind}:${c.name}`).join('/');

test('java: package, nested and anonymous containers, overload params, annotations, ranges', async () => {
  const src = [
    'package com.acme.token;', //                      0
    '',
    '@Service',
    'public class TokenService {',
    '  @Cacheable(value = "jwks")', //                  4
    '  public String getToken(String id) { return id; }',
    '  public String getToken(String id, int ttl) {',
    '    Runnable r = new Runnable() { public void run() {} };',
    '    return id;',
    '  }',
    '  static class Inner { Inner() {} void go(int... xs) {} }',
    '}',
  ].join('\n');
  const f = await x.extract('TokenService.java', src);
  const g0 = find(f, 'getToken', 0);
  assert.equal(g0.namespace, 'com.acme.token');
  assert.equal(path(g0), 'type:TokenService');
  assert.deepEqual(g0.params, ['String']);
  assert.deepEqual(g0.annotations, ['@Cacheable(value = "jwks")']);
  assert.equal(g0.nameRange.startLine, 5);
  assert.equal(g0.nameRange.startCol, 16);
  assert.equal(g0.fullRange.startLine, 4, 'full range starts at the annotation');
  const g1 = find(f, 'getToken', 1);
  assert.deepEqual(g1.params, ['String', 'int']);
  assert.equal(g1.fullRange.endLine, 9);
  const run = find(f, 'run');
  assert.equal(path(run), 'type:TokenService/function:getToken/anonymous:1');
  const ctor = f!.symbols.find((s) => s.kind === 'constructor');
  assert.equal(ctor?.name, 'Inner');
  assert.deepEqual(find(f, 'go').params, ['int...']);
  assert.equal(find(f, 'TokenService').kind, 'type');
  assert.deepEqual(find(f, 'TokenService').annotations, ['@Service']);
});

test('python: classes, nested functions, decorators widen the range, typed params', async () => {
  const src = 'class C:\n    @cached(ttl=1)\n    async def get(self, k: str, n=1):\n        def inner(): pass\n\ndef f(a, *args, **kw): pass\n';
  const f = await x.extract('svc.py', src);
  const get = find(f, 'get');
  assert.equal(get.kind, 'method');
  assert.equal(path(get), 'type:C');
  assert.deepEqual(get.annotations, ['@cached(ttl=1)']);
  assert.deepEqual(get.params, ['self', 'str', 'n']);
  assert.equal(get.fullRange.startLine, 1);
  assert.equal(get.nameRange.startLine, 2);
  assert.equal(path(find(f, 'inner')), 'type:C/function:get');
  assert.deepEqual(find(f, 'f').params, ['a', '*args', '**kw']);
});

test('python: deep nesting with 2-space indentation is found (depth bound from indentation, not a guess)', async () => {
  // Six levels at 2 spaces: deeper than a fixed query depth, indented less than any "deep" threshold.
  const src = [
    'class A:',
    '  class B:',
    '    def m(self):',
    '      if self:',
    '        try:',
    '          pass',
    '        except E:',
    '          @wraps(m)',
    '          # a comment between decorators',
    '          @retry(  3 )',
    '          def deep(x: int): pass',
  ].join('\n');
  const f = await x.extract('deep.py', src);
  const deep = find(f, 'deep');
  assert.equal(path(deep), 'type:A/type:B/function:m');
  assert.deepEqual(deep.annotations, ['@wraps(m)', '@retry(  3 )']);
  assert.deepEqual(deep.params, ['int']);
  assert.equal(deep.fullRange.startLine, 7);
  assert.deepEqual(deep.nameRange, { startLine: 10, startCol: 14, endLine: 10, endCol: 18 });
});

test('java: annotations are read from the modifiers (comments, qualified names, parentheses in strings)', async () => {
  const src = 'class K {\n  @A /* @NotOne */ @org.x.B(v = ")(", w = {\'(\'})\n  // @NotTwo\n  @C (1) public static void m() {}\n  public void n() {}\n}\n';
  const f = await x.extract('K.java', src);
  const m = find(f, 'm');
  assert.deepEqual(m.annotations, ['@A', '@org.x.B(v = ")(", w = {\'(\'})', '@C (1)']);
  assert.equal(m.isStatic, true);
  assert.equal(find(f, 'n').isStatic, false);
  assert.deepEqual(find(f, 'n').annotations, []);
});

test('c#: block and file-scoped namespaces, nesting, generic arity, attributes, static', async () => {
  const src = 'namespace Acme.Users {\n  public class Repo<T> {\n    [HttpGet("x")]\n    public async Task<int> GetAsync(int id, string s) { return 1; }\n    public class Inner { public static void M(string s) {} }\n  }\n}\n';
  const f = await x.extract('Repo.cs', src);
  const g = find(f, 'GetAsync');
  assert.equal(g.namespace, 'Acme.Users');
  assert.deepEqual(g.params, ['int', 'string']);
  assert.deepEqual(g.annotations, ['[HttpGet("x")]']);
  assert.equal(find(f, 'Repo').arity, 1);
  const m = find(f, 'M');
  assert.equal(path(m), 'type:Repo/type:Inner');
  assert.equal(m.isStatic, true);
  const fs = await x.extract('B.cs', 'namespace A.B;\npublic class K { void Q() {} }\n');
  assert.equal(find(fs, 'Q').namespace, 'A.B');
});

test('go: package clause, pointer/value/generic receivers, grouped params', async () => {
  const src = 'package users\nfunc (s *Service) Get(ctx context.Context, a, b string) error { return nil }\nfunc (s Service) List() {}\nfunc (r *Repo[T]) Find() {}\nfunc Top(xs ...int) {}\n';
  const f = await x.extract('svc.go', src);
  const g = find(f, 'Get');
  assert.equal(g.namespace, 'users');
  assert.equal(path(g), 'type:Service');
  assert.deepEqual(g.params, ['context.Context', 'string', 'string']);
  assert.equal(path(find(f, 'List')), 'type:Service');
  assert.equal(path(find(f, 'Find')), 'type:Repo');
  assert.deepEqual(find(f, 'Top').params, ['...int']);
});

test('typescript/tsx/javascript: classes, decorators, arrow consts, static, object members', async () => {
  const ts = await x.extract('u.ts', "@Controller()\nexport class UserService {\n  @Get(':id')\n  async getUser(id: string, n?: number) { return 1 }\n  static make() {}\n  private h = async (a: number) => 1;\n}\nexport const handler = async (e: Ev) => 1;\n");
  const gu = find(ts, 'getUser');
  assert.equal(path(gu), 'type:UserService');
  assert.deepEqual(gu.params, ['string', 'number']);
  assert.deepEqual(gu.annotations, ["@Get(':id')"]);
  assert.equal(gu.fullRange.startLine, 2, 'decorator line included');
  assert.equal(find(ts, 'make').isStatic, true);
  assert.equal(path(find(ts, 'h')), 'type:UserService');
  assert.deepEqual(find(ts, 'handler').params, ['Ev']);
  const tsx = await x.extract('A.tsx', 'export function App() { return <div/>; }\nexport class B extends C { render() { return <p/>; } }\n');
  assert.equal(path(find(tsx, 'render')), 'type:B');
  const js = await x.extract('j.js', 'class A { constructor(q) {} m(a, b = 1) {} }\nmodule.exports = { g(a) {}, k: function (z) {} };\nexports.e = (w) => w;\n');
  assert.equal(find(js, 'A', 0).kind, 'type');
  assert.equal(find(js, 'constructor').kind, 'constructor');
  assert.deepEqual(find(js, 'm').params, ['a', 'b']);
  assert.deepEqual(find(js, 'k').params, ['z']);
  assert.deepEqual(find(js, 'e').params, ['w']);
});

test('ruby: modules, compact class paths, singleton methods', async () => {
  const f = await x.extract('c.rb', 'module Admin\n  class UsersController\n    def index(a, b = 1); end\n    def self.build; end\n    class << self\n      def other; end\n    end\n  end\nend\nclass Billing::Tax\n  def compute(x); end\nend\n');
  assert.equal(path(find(f, 'index')), 'module:Admin/type:UsersController');
  assert.deepEqual(find(f, 'index').params, ['a', 'b']);
  assert.equal(find(f, 'build').isStatic, true);
  assert.equal(find(f, 'other').isStatic, true);
  assert.equal(path(find(f, 'compute')), 'type:Billing/type:Tax');
});

test('php: namespace statement, attributes, static, functions', async () => {
  const f = await x.extract('p.php', "<?php\nnamespace App\\Http;\nclass UserController {\n  #[Route('/x')]\n  public function show(int $id, $b) {}\n  public static function make() {}\n}\nfunction helper($x) {}\n");
  const show = find(f, 'show');
  assert.equal(show.namespace, 'App\\Http');
  assert.deepEqual(show.params, ['int', '$b']);
  assert.deepEqual(show.annotations, ["#[Route('/x')]"]);
  assert.equal(find(f, 'make').isStatic, true);
  assert.equal(find(f, 'helper').kind, 'function');
});

test('kotlin scanner: package, JvmName, classes, companion, top-level, expression bodies, literals ignored', () => {
  const src = [
    '@file:JvmName("Utils")',
    'package com.acme.kt',
    '// class Fake {',
    'class Greeter(val name: String) {',
    '  @WithSpan',
    '  fun greet(times: Int, sep: String = ","): String {',
    '    val s = "}{"',
    '    return name',
    '  }',
    '  companion object {',
    '    fun create(): Greeter = Greeter("x")',
    '  }',
    '}',
    'fun topLevel(a: Int) = a + 1',
  ].join('\n');
  const f = scanKotlin('src/Foo.kt', src);
  assert.equal(f.jvmName, 'Utils');
  const greet = find(f, 'greet');
  assert.equal(greet.namespace, 'com.acme.kt');
  assert.equal(path(greet), 'type:Greeter');
  assert.deepEqual(greet.params, ['Int', 'String']);
  assert.deepEqual(greet.annotations, ['@WithSpan']);
  assert.equal(greet.fullRange.startLine, 4);
  assert.equal(greet.fullRange.endLine, 8);
  assert.equal(path(find(f, 'create')), 'type:Greeter/companion:Companion');
  assert.equal(find(f, 'topLevel').containers.length, 0);
  assert.equal(f.symbols.some((s) => s.name === 'Fake'), false);
  assert.equal(scanKotlin('src/main/kotlin/Utils.kt', 'package a\nfun x() {}').jvmName, 'UtilsKt');
});

test('cache: same path + version returns the cached object; a text change re-extracts', async () => {
  const e = new SymbolExtractor();
  const a = await e.extract('A.java', 'class A { void m() {} }', 1);
  const b = e.extractSync('A.java', 'class A { void m() {} }', 1);
  assert.equal(a, b);
  assert.equal(e.hits, 1);
  const c = e.extractSync('A.java', 'class A { void n() {} }');
  assert.notEqual(c, a);
  assert.equal(c?.symbols.some((s) => s.name === 'n'), true);
  assert.notEqual(contentHash('a'), contentHash('b'));
});

test('wasm directory: resolves from node_modules when unbundled, rejects a wrong explicit dir', () => {
  assert.match(resolveWasmDir(), /tree-sitter-wasm[\\/]wasm$|dist[\\/]wasm$/);
  assert.throws(() => resolveWasmDir('/nonexistent'), /tree-sitter.wasm not found/);
});

test('unknown languages yield null, not an exception', async () => {
  assert.equal(await x.extract('a.rs', 'fn main() {}'), null);
});
