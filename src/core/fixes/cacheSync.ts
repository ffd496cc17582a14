// "Enable cache sync" quick fixes: one load per key while concurrent misses wait (Spring, Caffeine, Guava, cachetools, Go singleflight, Node promise coalescing, .NET IMemoryCache).
import {
  doc,
  goImports,
  indentUnit,
  indentOf,
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
  memoryCache: 'https://learn.microsoft.com/dotnet/api/microsoft.extensions.caching.memory.cacheextensions.getorcreate',
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
    if ((caffeine || guava) && /\.get\([^;]*->/.test(text)) {
      return caffeine
        ? refused(title, 'Already synchronized: the Caffeine cache is read with get(key, loader), which loads each key once.', CACHE_SYNC_DOCS.caffeine)
        : refused(`${TITLE} (Guava cache.get(key, Callable))`, 'Already synchronized: the Guava cache is read with get(key, Callable), which loads each key once.', CACHE_SYNC_DOCS.guava);
    }
    return refused(TITLE, 'No @Cacheable annotation and no getIfPresent/put sequence found in this method; add per-key single-flight loading where the cache is read.', caffeine ? CACHE_SYNC_DOCS.caffeine : CACHE_SYNC_DOCS.spring);
  }
  if (guava && !caffeine) return guavaGetWithCallable(d, m, body.open, text, d.text.slice(from, body.open));
  const [, indent, type, variable, cache, key, load] = m as unknown as [string, string, string, string, string, string, string];
  const param = ['k', 'key', 'cacheKey', 'missingKey'].find((p) => !new RegExp(`\\b${p}\\b`).test(text)) ?? 'k0';
  // The loader gets the key as its argument; using it keeps the lambda free of captured state.
  const loadExpr = /^[\w]+$/.test(key) ? load.replace(new RegExp(`\\b${key}\\b`, 'g'), param) : load;
  const start = body.open + m.index;
  return { kind: 'edit', title, edits: [replaceSpan(d, start, start + m[0].length, `${indent}${type} ${variable} = ${cache}.get(${key}, ${param} -> ${loadExpr});`)] };
}

/**
 * Guava `Cache.get(key, Callable)` loads each key once, but declares the checked ExecutionException
 * (and wraps unchecked load failures in UncheckedExecutionException); it is only written where the
 * method already lets ExecutionException out, so the edit compiles without a new try/catch.
 */
function guavaGetWithCallable(d: Doc, m: RegExpExecArray, bodyOpen: number, body: string, signature: string): FixResult {
  const title = `${TITLE} (Guava cache.get(key, Callable); load failures arrive wrapped in ExecutionException)`;
  const [, indent, type, variable, cache, key, load] = m as unknown as [string, string, string, string, string, string, string];
  const throwsClause = /\bthrows\b([^{]*)$/.exec(signature)?.[1] ?? '';
  if (!/\b(ExecutionException|Exception|Throwable)\b/.test(throwsClause)) {
    return refused(
      `${TITLE} (Guava cache.get(key, Callable))`,
      "Guava's cache.get(key, Callable) loads each key once but throws the checked ExecutionException, and this method does not declare `throws ExecutionException` (or Exception). Declare it, or build the cache with CacheBuilder…build(CacheLoader.from(…)) and read it with getUnchecked(key).",
      CACHE_SYNC_DOCS.guava,
    );
  }
  // The Callable captures the key: Java requires it to be effectively final.
  if (/^\w+$/.test(key) && new RegExp(`\\b${key}\\s*(=[^=]|\\+\\+|--|[-+*/%&|^]=)|(\\+\\+|--)${key}\\b`).test(body)) {
    return refused(`${TITLE} (Guava cache.get(key, Callable))`, `The key \`${key}\` is reassigned in this method, so the Callable passed to Guava's cache.get(key, Callable) cannot capture it (not effectively final).`, CACHE_SYNC_DOCS.guava);
  }
  const start = bodyOpen + m.index;
  return { kind: 'edit', title, edits: [replaceSpan(d, start, start + m[0].length, `${indent}${type} ${variable} = ${cache}.get(${key}, () -> ${load});`)] };
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
  const choice = timeoutFromEvidence(input.evidence);
  if ('refused' in choice) return refused(title, choice.refused, CACHE_SYNC_DOCS.singleflight);
  const { ms } = choice;
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
  if (/\bnew\s+Lazy<\s*Task</.test(text)) {
    return refused(`${TITLE} (${LAZY})`, 'Already synchronized: the cache holds a Lazy<Task<…>>, so concurrent misses await one shared load.', CACHE_SYNC_DOCS.memoryCache);
  }
  return memoryCacheLazy(d, input, start, text);
}

const LAZY = 'IMemoryCache + Lazy<Task<T>>';
const HYBRID_HINT =
  'Switch to HybridCache (builder.Services.AddHybridCache(); inject HybridCache; await cache.GetOrCreateAsync(key, async token => …, cancellationToken: ct)): its factory gets a token that is cancelled only when every waiting caller has given up. That changes DI registration, so it is not applied automatically.';

/**
 * `return await cache.GetOrCreateAsync(key, async entry => { entry.… = …; return await load; })`:
 * IMemoryCache runs the factory once per concurrent miss (dotnet/runtime#36499). Caching a
 * `Lazy<Task<T>>` instead keeps the race to the creation of the Lazy (cheap); the load itself runs
 * once and every caller awaits the same task. A failed load is evicted so it is not served until
 * expiry — GetOrCreateAsync never cached failures either.
 */
function memoryCacheLazy(d: Doc, input: FixInput, start: number, text: string): FixResult {
  const title = `${TITLE} (${LAZY})`;
  const no = (reason: string): FixResult => refused(title, reason, CACHE_SYNC_DOCS.memoryCache);
  const call = /\bawait\s+((?:this\.)?\w+)\s*\.\s*GetOrCreateAsync\s*(?:<[^>()]*>)?\s*\(/.exec(text);
  if (call === null) {
    return refused(`${TITLE} (HybridCache)`, `No IMemoryCache.GetOrCreateAsync call found in this method to rewrite. IMemoryCache reads are not atomic: concurrent misses each load. ${HYBRID_HINT}`, CACHE_SYNC_DOCS.hybridCache);
  }
  const receiver = call[1] as string;
  const field = receiver.replace(/^this\./, '');
  if (new RegExp(`\\bHybridCache\\??\\s+${field}\\b`).test(d.text)) {
    return refused(`${TITLE} (HybridCache)`, 'Already synchronized: HybridCache.GetOrCreateAsync runs one factory per key.', CACHE_SYNC_DOCS.hybridCache);
  }
  if (!new RegExp(`\\bIMemoryCache\\??\\s+${field}\\b`).test(d.text)) return no(`\`${receiver}\` is not declared as an IMemoryCache in this file; only IMemoryCache.GetOrCreateAsync is rewritten.`);
  const open = start + call.index + call[0].length - 1;
  const close = matchClose(d.text, open);
  if (close < 0) return no('Could not read the GetOrCreateAsync arguments.');
  const args = splitArgs(d.text, open + 1, close);
  if (args.length !== 2) return no('GetOrCreateAsync is called with MemoryCacheEntryOptions; only the (key, async entry => …) form is rewritten.');
  const key = (args[0] as (typeof args)[number]).text.trim();
  // The entry's value type changes to Lazy<Task<T>>: other reads of the same key would get the wrong type.
  const outside = d.text.slice(0, start) + d.text.slice(start + text.length);
  if (key.length > 2 && outside.includes(key)) return no(`The key ${key} is also used elsewhere in this file; caching a Lazy<Task<T>> under it would break those reads of the plain value.`);
  const factory = args[1] as (typeof args)[number];
  const lambda = /^\s*async\s+(?:\(\s*(\w+)\s*\)|(\w+))\s*=>\s*/.exec(factory.text);
  if (lambda === null) return no('The factory is not an `async entry => …` lambda, so its load cannot be moved into a Lazy<Task<T>>.');
  const entry = (lambda[1] ?? lambda[2]) as string;

  // Split the factory body into entry settings (kept in the cache factory) and the load (moved into the Lazy).
  const bodyFrom = factory.start + lambda[0].length;
  const settings: string[] = [];
  const load: string[] = [];
  if (d.text[bodyFrom] === '{') {
    const bodyClose = matchClose(d.text, bodyFrom);
    if (bodyClose < 0 || d.text.slice(bodyClose + 1, factory.end).trim() !== '') return no('Could not read the factory body.');
    const lines = d.text.slice(bodyFrom + 1, bodyClose).split(/\r?\n/);
    while (lines.length > 0 && (lines[0] as string).trim() === '') lines.shift();
    while (lines.length > 0 && (lines[lines.length - 1] as string).trim() === '') lines.pop();
    const base = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => indentOf(l).length));
    for (const l of lines) {
      const t = l.slice(Math.min(base, indentOf(l).length));
      if (load.length === 0 && new RegExp(`^${entry}\\s*\\.[^;]*;\\s*$`).test(t)) settings.push(t);
      else load.push(t);
    }
  } else {
    load.push(`return ${d.text.slice(bodyFrom, factory.end).trim()};`);
  }
  const loadText = load.join('\n');
  if (new RegExp(`\\b${entry}\\b`).test(loadText)) {
    return no(`The factory sets \`${entry}\` after (or from) the load, so the entry options depend on the loaded value; they cannot stay in the synchronous cache factory.`);
  }
  if (!/\bawait\b/.test(loadText) && !/\breturn\b/.test(loadText)) return no('The factory has no load to move.');
  const tokens = [...text.slice(0, text.indexOf('{') < 0 ? text.length : text.indexOf('{')).matchAll(/\bCancellationToken\s+(\w+)/g)].map((x) => x[1] as string);
  if (referencesHybridCache(input)) {
    const hybrid = hybridCacheRewrite(d, { start, text, receiver, key, factory, entry, settings, load, tokens, callStart: start + call.index + call[0].indexOf(receiver), close });
    if (hybrid !== null) return hybrid;
  }
  // The statement: `return await …;` or `return (await …)!;`, alone on its lines.
  const lineStart = d.text.lastIndexOf('\n', start + call.index) + 1;
  const head = d.text.slice(lineStart, start + call.index);
  const headM = /^([\t ]*)return\s*(\()?\s*$/.exec(head);
  const tail = /^(\))?\s*!?\s*;/.exec(d.text.slice(close + 1));
  if (headM === null || tail === null || (headM[2] === undefined) !== (tail[1] === undefined)) {
    return no('Only `return await cache.GetOrCreateAsync(…);` statements are rewritten; assign the result through a return statement or apply the pattern by hand.');
  }
  const indent = headM[1] as string;
  const stmtEnd = close + 1 + tail[0].length;

  // The cached type: T of the method's Task<T> / ValueTask<T>.
  const sig = new RegExp(`\\basync\\s+(?:Task|ValueTask)<(.+)>\\s+${input.method.name}\\s*(?:<[^>]*>)?\\s*\\(`).exec(text);
  if (sig === null) return no('The cached type is not inferable: the method is not declared `async Task<T>` / `async ValueTask<T>`.');
  const cachedType = (sig[1] as string).trim();

  const token = tokens.find((t) => new RegExp(`\\b${t}\\b`).test(loadText));
  if (token !== undefined) {
    return refused(
      `${TITLE} (HybridCache)`,
      `The load uses this caller's CancellationToken \`${token}\`: inside a shared Lazy<Task<T>> one caller's cancellation would fail every waiter and stay cached. ${HYBRID_HINT}`,
      CACHE_SYNC_DOCS.hybridCache,
    );
  }

  const taken = (n: string): boolean => new RegExp(`\\b${n}\\b`).test(text);
  const keyVar = ['cacheKey', 'lazyKey', 'cacheKey0'].find((n) => !taken(n)) ?? 'cacheKey1';
  const lazyVar = ['pending', 'pendingLoad', 'pending0'].find((n) => !taken(n)) ?? 'pending1';
  const u = indentUnit(d);
  const e = d.eol;
  const out = [
    `${indent}// IMemoryCache runs the factory once per concurrent miss; a cached Lazy<Task<T>> makes them share one load.`,
    `${indent}var ${keyVar} = ${key};`,
    `${indent}var ${lazyVar} = ${receiver}.GetOrCreate(${keyVar}, ${entry} =>`,
    `${indent}{`,
    ...settings.map((l) => `${indent}${u}${l}`),
    `${indent}${u}return new Lazy<Task<${cachedType}>>(async () =>`,
    `${indent}${u}{`,
    ...load.map((l) => (l.trim() === '' ? '' : `${indent}${u}${u}${l}`)),
    `${indent}${u}});`,
    `${indent}})!;`,
    `${indent}try`,
    `${indent}{`,
    `${indent}${u}return await ${lazyVar}.Value;`,
    `${indent}}`,
    `${indent}catch`,
    `${indent}{`,
    `${indent}${u}// A failed load must not be served from the cache until it expires.`,
    `${indent}${u}${receiver}.Remove(${keyVar});`,
    `${indent}${u}throw;`,
    `${indent}}`,
  ].join(e);
  return { kind: 'edit', title, edits: [replaceSpan(d, lineStart, stmtEnd, out)] };
}

/** HybridCache ships as its own package (not in the shared framework): only offer it when the project file references it. */
function referencesHybridCache(input: FixInput): boolean {
  const csproj = input.buildFiles?.['*.csproj'];
  return csproj !== undefined && /<PackageReference\s+Include\s*=\s*"Microsoft\.Extensions\.Caching\.Hybrid"/i.test(csproj);
}

interface GetOrCreateCall {
  readonly start: number;
  readonly text: string;
  readonly receiver: string;
  readonly key: string;
  readonly factory: { readonly start: number; readonly end: number };
  readonly entry: string;
  readonly settings: readonly string[];
  readonly load: readonly string[];
  readonly tokens: readonly string[];
  /** Offset of the receiver in `await receiver.GetOrCreateAsync(`. */
  readonly callStart: number;
  /** Offset of the call's closing parenthesis. */
  readonly close: number;
}

/**
 * `await memory.GetOrCreateAsync(key, async entry => …)` → `await hybridCache.GetOrCreateAsync(key,
 * async token => …, new HybridCacheEntryOptions { Expiration = … }, cancellationToken: ct)`: one
 * factory per key, and its token is cancelled only when every waiting caller has cancelled. Null
 * when the call does not map one-to-one (then the IMemoryCache rewrite is tried).
 */
function hybridCacheRewrite(d: Doc, c: GetOrCreateCall): FixResult | null {
  // HybridCache keys are strings; the options carry only an absolute expiration relative to now.
  if (!/^\$?@?"/.test(c.key)) return null;
  if (c.settings.length !== 1) return null;
  const exp = new RegExp(`^${c.entry}\\s*\\.\\s*AbsoluteExpirationRelativeToNow\\s*=\\s*([^;]+);\\s*$`).exec(c.settings[0] as string);
  if (exp === null) return null;
  if (c.tokens.length > 1) return null;
  const callerToken = c.tokens[0];
  const taken = (n: string): boolean => new RegExp(`\\b${n}\\b`).test(d.text);
  const token = ['token', 'cancel', 'loadToken'].find((n) => !taken(n));
  if (token === undefined) return null;

  // A HybridCache to call: an existing field/parameter, or one more primary-constructor parameter.
  const edits: FixEdit[] = [];
  let hybrid = /\bHybridCache\??\s+(\w+)\s*[,;)=]/.exec(d.text)?.[1];
  if (hybrid === undefined) {
    const field = c.receiver.replace(/^this\./, '');
    const ctor = new RegExp(`\\b(?:class|record)\\s+\\w+\\s*\\(([^()]*\\bIMemoryCache\\??\\s+${field}\\b[^()]*)\\)`).exec(d.text);
    if (ctor === null) return null;
    hybrid = ['hybridCache', 'hybrid'].find((n) => !taken(n));
    if (hybrid === undefined) return null;
    const closeAt = ctor.index + ctor[0].length - 1;
    edits.push(insertAt(d, closeAt, `, HybridCache ${hybrid}`));
  }
  const using = 'Microsoft.Extensions.Caching.Hybrid';
  if (!new RegExp(`^\\s*using\\s+${using.replace(/\./g, '\\.')}\\s*;`, 'm').test(d.text)) {
    const usings = [...d.text.matchAll(/^using\s+[\w.]+\s*;[\t ]*$/gm)];
    const after = usings.filter((u) => (u[0].replace(/^using\s+/, '') as string) < `${using};`).pop() ?? undefined;
    if (after !== undefined) edits.push(insertAt(d, after.index + after[0].length, `${d.eol}using ${using};`));
    else if (usings[0] !== undefined) edits.push(insertAt(d, usings[0].index, `using ${using};${d.eol}`));
    else edits.push(insertAt(d, 0, `using ${using};${d.eol}${d.eol}`));
  }

  // The factory keeps its layout; only the entry settings leave it and the caller's token becomes the factory's.
  const factoryText = d.text.slice(c.factory.start, c.factory.end);
  const lead = /^\s*/.exec(factoryText)?.[0] ?? '';
  let body = factoryText.slice(lead.length).replace(new RegExp(`^async\\s+(?:\\(\\s*${c.entry}\\s*\\)|${c.entry})\\s*=>`), `async ${token} =>`);
  const settingLine = new RegExp(`^[\\t ]*${c.entry}\\s*\\.\\s*AbsoluteExpirationRelativeToNow\\s*=[^;]+;[\\t ]*\\r?\\n`, 'm');
  body = body.replace(settingLine, '');
  if (callerToken !== undefined) body = body.replace(new RegExp(`\\b${callerToken}\\b`, 'g'), token);
  // Both lifetimes: a per-call Expiration alone would leave the in-process copy on the default local lifetime.
  const ttl = (exp[1] as string).trim();
  const options = `new HybridCacheEntryOptions { Expiration = ${ttl}, LocalCacheExpiration = ${ttl} }`;
  const tail = callerToken !== undefined ? `, cancellationToken: ${callerToken}` : '';
  edits.push(replaceSpan(d, c.callStart, c.callStart + c.receiver.length, hybrid));
  edits.push(replaceSpan(d, c.factory.start + lead.length, c.factory.end, `${body}, ${options}${tail}`));
  return { kind: 'edit', title: `${TITLE} (HybridCache.GetOrCreateAsync; needs builder.Services.AddHybridCache())`, edits };
}
