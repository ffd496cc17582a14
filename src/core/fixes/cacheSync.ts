// "Enable cache sync" quick fixes: one load per key while concurrent misses wait (Spring, Caffeine, cachetools, Go singleflight, Node promise coalescing).
import {
  doc,
  goImports,
  indentUnit,
  insertAt,
  matchClose,
  methodSpan,
  pythonImport,
  refused,
  replaceSpan,
  splitArgs,
  timeoutFromEvidence,
  type Doc,
  type FixEdit,
  type FixInput,
  type FixResult,
} from './fixModel';
import { annotationElements, arrayLength, importsPackage, methodAnnotations, methodBody } from './javaSource';

export const CACHE_SYNC_DOCS = {
  spring: 'https://docs.spring.io/spring-framework/reference/integration/cache/annotations.html#cache-annotations-cacheable-synchronized',
  caffeine: 'https://github.com/ben-manes/caffeine/wiki/Population',
  guava: 'https://github.com/google/guava/wiki/CachesExplained#from-a-callable',
  cachetools: 'https://cachetools.readthedocs.io/en/latest/#cachetools.cached',
  lruCache: 'https://docs.python.org/3/library/functools.html#functools.lru_cache',
  singleflight: 'https://pkg.go.dev/golang.org/x/sync/singleflight',
  hybridCache: 'https://learn.microsoft.com/aspnet/core/performance/caching/hybrid',
  node: 'https://developer.mozilla.org/docs/Web/JavaScript/Reference/Global_Objects/Map',
} as const;

const TITLE = 'Enable cache sync';

export function enableCacheSyncFix(input: FixInput): FixResult {
  const d = doc(input.text);
  switch (input.languageId) {
    case 'java':
      return javaCacheSync(d, input);
    case 'kotlin':
      return kotlinCacheSync(d, input);
    case 'python':
      return pythonCacheSync(d, input);
    case 'go':
      return goCacheSync(d, input);
    case 'typescript':
    case 'typescriptreact':
    case 'javascript':
    case 'javascriptreact':
      return nodeCacheSync(d, input);
    case 'csharp':
      return dotnetCacheSync(d, input);
    default:
      return refused(TITLE, `No cache-sync recipe for ${input.languageId} files.`, CACHE_SYNC_DOCS.singleflight);
  }
}

// ---- Java ------------------------------------------------------------------------------------

function javaCacheSync(d: Doc, input: FixInput): FixResult {
  const { annotations, signatureStart } = methodAnnotations(d, input.method);
  const cacheable = annotations.filter((a) => a.name === 'Cacheable');
  if (cacheable.length > 0) return springCacheable(d, annotations, cacheable);
  return caffeineGetOrLoad(d, input, signatureStart);
}

function kotlinCacheSync(d: Doc, input: FixInput): FixResult {
  const { annotations } = methodAnnotations(d, input.method);
  const cacheable = annotations.filter((a) => a.name === 'Cacheable');
  if (cacheable.length > 0) return springCacheable(d, annotations, cacheable, true);
  return refused(TITLE, 'No @Cacheable annotation on this function; for a hand-written Caffeine cache read it with cache.get(key) { load(it) }.', CACHE_SYNC_DOCS.caffeine);
}

function springCacheable(d: Doc, all: ReturnType<typeof methodAnnotations>['annotations'], cacheable: ReturnType<typeof methodAnnotations>['annotations'], kotlin = false): FixResult {
  const title = `${TITLE} (@Cacheable(sync = true))`;
  // Spring's own rules (CacheAspectSupport): sync is refused with unless, with several caches, and
  // with any other cache operation on the method.
  const siblings = all.filter((a) => a.name === 'CachePut' || a.name === 'CacheEvict' || a.name === 'Caching');
  if (cacheable.length > 1 || siblings.length > 0) {
    const other = siblings[0]?.name ?? 'Cacheable';
    return refused(title, `The method also has @${other}; Spring rejects sync = true combined with other cache operations on the same method.`, CACHE_SYNC_DOCS.spring);
  }
  const a = cacheable[0] as (typeof cacheable)[number];
  const elements = annotationElements(d, a);
  const sync = elements.find((e) => e.name === 'sync');
  if (sync !== undefined && /^true$/.test(sync.value.trim())) return refused(title, 'Already synchronized: @Cacheable has sync = true.', CACHE_SYNC_DOCS.spring);
  if (elements.some((e) => e.name === 'unless')) {
    return refused(title, '@Cacheable has `unless`, which Spring does not support with sync = true ("A sync=true operation does not support the unless attribute"). Drop `unless` (return an empty value instead of null) and add sync = true by hand.', CACHE_SYNC_DOCS.spring);
  }
  const names = elements.filter((e) => e.name === 'value' || e.name === 'cacheNames');
  if (names.some((e) => arrayLength(e.value) > 1)) {
    return refused(title, 'The method caches into several caches; Spring restricts a sync = true operation to a single cache.', CACHE_SYNC_DOCS.spring);
  }
  if (sync !== undefined) return { kind: 'edit', title, edits: [replaceSpan(d, sync.start, sync.end, d.text.slice(sync.start, sync.end).replace(/false/, 'true'))] };
  if (a.open === null || a.close === null) return { kind: 'edit', title, edits: [insertAt(d, a.end, '(sync = true)')] };
  const first = elements[0];
  if (first === undefined) return { kind: 'edit', title, edits: [insertAt(d, a.open + 1, 'sync = true')] };
  if (elements.length === 1 && first.positional && !kotlin) {
    // `@Cacheable("jwks")` → in Java the positional form only exists alone: name it `value`.
    // (Kotlin allows a positional vararg followed by named arguments.)
    const lead = /^\s*/.exec(d.text.slice(first.start, first.end))?.[0].length ?? 0;
    return { kind: 'edit', title, edits: [insertAt(d, first.start + lead, 'value = '), insertAt(d, a.close, ', sync = true')] };
  }
  // Keep a multi-line element list's layout: put sync after the last element.
  const last = elements[elements.length - 1] as (typeof elements)[number];
  const trail = /\s*$/.exec(d.text.slice(last.start, last.end))?.[0].length ?? 0;
  return { kind: 'edit', title, edits: [insertAt(d, last.end - trail, ', sync = true')] };
}

const CAFFEINE_GET_CHECK_PUT =
  /^([\t ]*)((?:final\s+)?[\w.<>[\], ?]+?)\s+(\w+)\s*=\s*([\w.]+)\.getIfPresent\(\s*([^;]+?)\s*\);[\t ]*\r?\n[\t ]*if\s*\(\s*\3\s*==\s*null\s*\)\s*\{\s*\3\s*=\s*([^;]+?);\s*\4\.put\(\s*\5\s*,\s*\3\s*\);\s*\}/m;

function caffeineGetOrLoad(d: Doc, input: FixInput, from: number): FixResult {
  const title = `${TITLE} (Caffeine cache.get(key, loader))`;
  const body = methodBody(d, input.method, from);
  if (body === null) return refused(TITLE, 'No @Cacheable annotation and no method body to look into.', CACHE_SYNC_DOCS.spring);
  const text = d.text.slice(body.open, body.close);
  const guava = importsPackage(d, 'com.google.common.cache');
  const caffeine = importsPackage(d, 'com.github.benmanes.caffeine');
  const m = CAFFEINE_GET_CHECK_PUT.exec(text);
  if (m === null) {
    if (caffeine && /\.get\([^;]*->/.test(text)) return refused(title, 'Already synchronized: the Caffeine cache is read with get(key, loader), which loads each key once.', CACHE_SYNC_DOCS.caffeine);
    return refused(TITLE, 'No @Cacheable annotation and no getIfPresent/put sequence found in this method; add per-key single-flight loading where the cache is read.', caffeine ? CACHE_SYNC_DOCS.caffeine : CACHE_SYNC_DOCS.spring);
  }
  if (guava && !caffeine) {
    return refused(
      `${TITLE} (Guava LoadingCache)`,
      "Guava's cache.get(key, Callable) loads each key once but throws the checked ExecutionException; build the cache with CacheBuilder…build(CacheLoader.from(…)) and read it with getUnchecked(key).",
      CACHE_SYNC_DOCS.guava,
    );
  }
  if (!caffeine) return refused(TITLE, 'The cache in this method is not a Caffeine cache (no com.github.benmanes.caffeine import).', CACHE_SYNC_DOCS.caffeine);
  const [, indent, type, variable, cache, key, load] = m as unknown as [string, string, string, string, string, string, string];
  const param = ['k', 'key', 'cacheKey', 'missingKey'].find((p) => !new RegExp(`\\b${p}\\b`).test(text)) ?? 'k0';
  // The loader gets the key as its argument; using it keeps the lambda free of captured state.
  const loadExpr = /^[\w]+$/.test(key) ? load.replace(new RegExp(`\\b${key}\\b`, 'g'), param) : load;
  const start = body.open + m.index;
  return { kind: 'edit', title, edits: [replaceSpan(d, start, start + m[0].length, `${indent}${type} ${variable} = ${cache}.get(${key}, ${param} -> ${loadExpr});`)] };
}

// ---- Python ----------------------------------------------------------------------------------

function pythonCacheSync(d: Doc, input: FixInput): FixResult {
  const { start, end } = methodSpan(d, input.method);
  const text = d.text.slice(start, end);
  if (/^[\t ]*@(functools\.)?(lru_cache|cache)\b/m.test(text)) {
    return refused(
      `${TITLE} (functools.lru_cache)`,
      'functools.lru_cache may call the function again for concurrent misses and has no option to wait for the pending call; switch to cachetools.cached(cache, condition=threading.Condition()) (cachetools ≥ 6) or coalesce in-flight calls per key.',
      CACHE_SYNC_DOCS.lruCache,
    );
  }
  const dec = /^[\t ]*@((?:cachetools\.)?cached(?:method)?)\s*\(/m.exec(text);
  if (dec === null) return refused(TITLE, 'No cachetools @cached decorator on this function.', CACHE_SYNC_DOCS.cachetools);
  const title = `${TITLE} (cachetools condition=, cachetools ≥ 6)`;
  const version = cachetoolsMajor(input);
  if (version !== null && version < 6) return refused(title, `cachetools ${version}.x has no \`condition\`; the decorated function runs outside the lock, so concurrent misses all load. Upgrade to cachetools ≥ 6.`, CACHE_SYNC_DOCS.cachetools);
  const open = start + dec.index + dec[0].length - 1;
  const close = matchClose(d.text, open);
  if (close < 0) return refused(TITLE, 'Could not read the @cached arguments.', CACHE_SYNC_DOCS.cachetools);
  const args = splitArgs(d.text, open + 1, close);
  if (args.some((a) => /^\s*condition\s*=/.test(a.text))) return refused(title, 'Already synchronized: @cached has a condition, so concurrent callers wait for the pending load.', CACHE_SYNC_DOCS.cachetools);
  const edits: FixEdit[] = [];
  const lock = args.find((a) => /^\s*lock\s*=/.test(a.text));
  if (lock !== undefined) {
    // With only `condition`, cachetools uses the condition as the lock too.
    const lead = /^\s*/.exec(lock.text)?.[0].length ?? 0;
    edits.push(replaceSpan(d, lock.start + lead, lock.end - (/\s*$/.exec(lock.text)?.[0].length ?? 0), 'condition=threading.Condition()'));
  } else {
    const last = args[args.length - 1];
    if (last === undefined) edits.push(insertAt(d, open + 1, 'condition=threading.Condition()'));
    else edits.push(insertAt(d, last.end - (/\s*$/.exec(last.text)?.[0].length ?? 0), ', condition=threading.Condition()'));
  }
  edits.push(...pythonImport(d, 'threading'));
  return { kind: 'edit', title, edits };
}

function cachetoolsMajor(input: FixInput): number | null {
  const files = [input.buildFiles?.['requirements.txt'], input.buildFiles?.['pyproject.toml']];
  for (const f of files) {
    if (f === undefined) continue;
    const m = /cachetools\s*(?:\[[^\]]*\])?\s*(==|~=|>=|<=|<|>)\s*["']?(\d+)/i.exec(f);
    if (m !== null) {
      const n = Number(m[2]);
      return m[1] === '<' ? n - 1 : n;
    }
  }
  return null;
}

// ---- Go ----------------------------------------------------------------------------------------

function goCacheSync(d: Doc, input: FixInput): FixResult {
  const title = `${TITLE} (singleflight)`;
  const { start, end } = methodSpan(d, input.method);
  const text = d.text.slice(start, end);
  if (/singleflight|\.Do\(/.test(text)) return refused(title, 'Already synchronized: this function goes through a singleflight group.', CACHE_SYNC_DOCS.singleflight);
  const sig = /^func\s*(\([^)]*\)\s*)?(\w+)\s*\(([^)]*)\)\s*\(\s*([^,()]+?)\s*,\s*error\s*\)\s*\{/m.exec(text);
  if (sig === null) return refused(title, 'singleflight needs a function returning (value, error).', CACHE_SYNC_DOCS.singleflight);
  const resultType = sig[4] as string;
  const params = splitArgs(sig[3] as string, 0, (sig[3] as string).length).map((p) => p.text.trim());
  const ctxParam = params.map((p) => /^(\w+)\s+context\.Context$/.exec(p)?.[1]).find((x) => x !== undefined);
  const load = /^([\t ]*)(\w+), err :=[\t ]*([\w.]+)\(([^\n]*)\)[\t ]*$/m.exec(text.slice(sig.index + sig[0].length));
  if (load === null || ctxParam === undefined) {
    return refused(title, 'No `v, err := load(ctx, …)` call found to put behind a singleflight group.', CACHE_SYNC_DOCS.singleflight);
  }
  const loadStart = start + sig.index + sig[0].length + load.index;
  const [, indent, v, callee, argText] = load as unknown as [string, string, string, string, string];
  const args = splitArgs(argText, 0, argText.length).map((a) => a.text.trim());
  if (!args.includes(ctxParam)) return refused(title, 'The load call does not take the request context.', CACHE_SYNC_DOCS.singleflight);
  const keyArg = args.find((a) => a !== ctxParam);
  const keyType = params.map((p) => (keyArg !== undefined ? new RegExp(`^${keyArg}\\s+(.+)$`).exec(p)?.[1] : undefined)).find((x) => x !== undefined);
  const imports = ['context', 'time', 'golang.org/x/sync/singleflight'];
  let key = '"all"';
  if (keyArg !== undefined) {
    if (keyType === 'string') key = keyArg;
    else {
      key = `fmt.Sprint(${keyArg})`;
      imports.push('fmt');
    }
  }
  const fnName = sig[2] as string;
  const group = `${fnName.charAt(0).toLowerCase()}${fnName.slice(1)}Group`;
  const u = indentUnit(d);
  const { ms } = timeoutFromEvidence(input.evidence);
  const dur = ms % 1000 === 0 ? `${ms / 1000}*time.Second` : `${ms}*time.Millisecond`;
  const e = d.eol;
  const loadArgs = args.map((a) => (a === ctxParam ? 'loadCtx' : a)).join(', ');
  const replacement = [
    `${indent}res, err, _ := ${group}.Do(${key}, func() (any, error) {`,
    `${indent}${u}// Detached from this caller's cancellation: one aborted request must not fail every waiter.`,
    `${indent}${u}loadCtx, cancel := context.WithTimeout(context.WithoutCancel(${ctxParam}), ${dur})`,
    `${indent}${u}defer cancel()`,
    `${indent}${u}return ${callee}(${loadArgs})`,
    `${indent}})`,
    `${indent}${v}, _ := res.(${resultType})`,
  ].join(e);
  const funcLine = d.text.lastIndexOf('\n', start + sig.index) + 1;
  const edits: FixEdit[] = [
    ...goImports(d, imports),
    insertAt(d, funcLine, `// ${group} lets concurrent misses of one key share a single load.${e}var ${group} singleflight.Group${e}${e}`),
    replaceSpan(d, loadStart, loadStart + load[0].length, replacement),
  ];
  return { kind: 'edit', title: `${title}; needs golang.org/x/sync and Go ≥ 1.21`, edits };
}

// ---- Node ------------------------------------------------------------------------------------

function nodeCacheSync(d: Doc, input: FixInput): FixResult {
  const title = `${TITLE} (share the in-flight promise per key)`;
  const { start, end } = methodSpan(d, input.method);
  const text = d.text.slice(start, end);
  const ts = input.languageId.startsWith('typescript');
  const name = input.method.name;
  if (/InFlight\b/.test(text) || new RegExp(`\\b${name}Uncoalesced\\b`).test(d.text)) return refused(title, 'Already synchronized: concurrent calls share the in-flight promise.', CACHE_SYNC_DOCS.node);
  const fn = new RegExp(`^([\\t ]*)(export\\s+)?async\\s+function\\s+${name}\\s*\\(`, 'm').exec(text);
  const meth = new RegExp(`^([\\t ]*)((?:public|private|protected)\\s+)?(static\\s+)?async\\s+${name}\\s*\\(`, 'm').exec(text);
  const m = fn ?? meth;
  if (m === null) return refused(title, 'Only async functions and async methods can share their in-flight promise.', CACHE_SYNC_DOCS.node);
  const sigStart = start + m.index;
  const open = sigStart + m[0].length - 1;
  const close = matchClose(d.text, open);
  if (close < 0) return refused(title, 'Could not read the parameter list.', CACHE_SYNC_DOCS.node);
  const params = splitArgs(d.text, open + 1, close).map((p) => p.text.trim());
  const names = params.map((p) => /^(?:\.\.\.)?(\w+)/.exec(p)?.[1] ?? p);
  const after = /^\s*(?::\s*([^{]+?))?\s*\{/.exec(d.text.slice(close + 1, close + 400));
  const returnType = after?.[1]?.trim();
  if (ts && (returnType === undefined || !/^Promise</.test(returnType))) return refused(title, 'Add an explicit Promise<…> return type first; the coalescing wrapper needs it.', CACHE_SYNC_DOCS.node);
  const indent = m[1] as string;
  const u = indentUnit(d);
  const e = d.eol;
  const isMethod = fn === null;
  const self = isMethod ? `this.` : '';
  const mapName = `${name}InFlight`;
  const call = `${self}${name}Uncoalesced(${names.join(', ')})`;
  const keyVar = ['key', 'flightKey', 'inFlightKey'].find((k) => !names.includes(k)) ?? 'inFlightKey0';
  const keyExpr = names.length === 1 ? `${names[0]}` : `JSON.stringify([${names.join(', ')}])`;
  const mapType = ts ? `<${names.length === 1 ? keyTypeOf(params[0]) : 'string'}, ${returnType}>` : '';
  const sigParams = d.text.slice(open + 1, close);
  const wrapperHead = isMethod
    ? `${indent}${m[2] ?? ''}${m[3] ?? ''}${name}(${sigParams})${ts ? `: ${returnType}` : ''} {`
    : `${indent}${m[2] ?? ''}function ${name}(${sigParams})${ts ? `: ${returnType}` : ''} {`;
  const decl = isMethod ? `${indent}${ts ? 'private readonly ' : ''}${mapName} = new Map${mapType}();` : `${indent}const ${mapName} = new Map${mapType}();`;
  const ref = isMethod ? `this.${mapName}` : mapName;
  const wrapper = [
    `${indent}// Concurrent misses of one key share a single load instead of each reloading it.`,
    decl,
    wrapperHead,
    `${indent}${u}const ${keyVar} = ${keyExpr};`,
    `${indent}${u}let pending = ${ref}.get(${keyVar});`,
    `${indent}${u}if (pending === undefined) {`,
    `${indent}${u}${u}pending = ${call}.finally(() => ${ref}.delete(${keyVar}));`,
    `${indent}${u}${u}${ref}.set(${keyVar}, pending);`,
    `${indent}${u}}`,
    `${indent}${u}return pending;`,
    `${indent}}`,
    '',
    '',
  ].join(e);
  const edits: FixEdit[] = [insertAt(d, sigStart, wrapper)];
  // Rename the original to `<name>Uncoalesced` (private in a class) — its body is unchanged.
  const nameAt = sigStart + m[0].lastIndexOf(name);
  if (isMethod) {
    const accessStart = sigStart + (m[1] as string).length;
    const accessEnd = accessStart + (m[2]?.length ?? 0);
    edits.push(replaceSpan(d, accessStart, accessEnd, ts ? 'private ' : ''));
    edits.push(replaceSpan(d, nameAt, nameAt + name.length, `${name}Uncoalesced`));
  } else {
    const exportStart = sigStart + (m[1] as string).length;
    edits.push(replaceSpan(d, exportStart, exportStart + (m[2]?.length ?? 0), ''));
    edits.push(replaceSpan(d, nameAt, nameAt + name.length, `${name}Uncoalesced`));
  }
  return { kind: 'edit', title, edits };
}

function keyTypeOf(param: string | undefined): string {
  const t = param === undefined ? undefined : /:\s*([\w.]+)\s*$/.exec(param)?.[1];
  return t === 'number' || t === 'string' ? t : 'unknown';
}

// ---- .NET --------------------------------------------------------------------------------------

function dotnetCacheSync(d: Doc, input: FixInput): FixResult {
  const { start, end } = methodSpan(d, input.method);
  const text = d.text.slice(start, end);
  if (/\bHybridCache\b|SemaphoreSlim/.test(text) || (/\bHybridCache\b/.test(d.text) && !/\bIMemoryCache\b/.test(d.text))) {
    return refused(`${TITLE} (HybridCache)`, 'Already synchronized: HybridCache.GetOrCreateAsync runs one factory per key.', CACHE_SYNC_DOCS.hybridCache);
  }
  return refused(
    `${TITLE} (HybridCache)`,
    'IMemoryCache.GetOrCreate[Async] is not atomic: concurrent misses each run the factory. Switch to HybridCache (builder.Services.AddHybridCache(); inject HybridCache; await cache.GetOrCreateAsync(key, async token => …)), which runs one factory per key; that changes DI registration, so it is not applied automatically.',
    CACHE_SYNC_DOCS.hybridCache,
  );
}
