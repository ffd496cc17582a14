// "Add timeout" quick fixes: bound the outbound call a method makes below its caller's limit (Spring clients, JDK HttpClient, fetch/axios, requests/httpx, Go, .NET).
import { addSpringProperties } from './config';
import {
  bootDuration,
  doc,
  goImports,
  indentUnit,
  insertAt,
  javaDuration,
  javaImports,
  matchClose,
  methodSpan,
  refused,
  replaceSpan,
  seconds,
  splitArgs,
  timeoutFromEvidence,
  type Doc,
  type FixEdit,
  type FixInput,
  type FixResult,
} from './fixModel';
import { annotationElements, atLeast, methodAnnotations, methodBody, springBootVersion } from './javaSource';

export const TIMEOUT_DOCS = {
  restClient: 'https://docs.spring.io/spring-boot/reference/io/rest-client.html',
  restTemplate: 'https://docs.spring.io/spring-boot/reference/io/rest-client.html#io.rest-client.resttemplate',
  webClient: 'https://projectreactor.io/docs/core/release/api/reactor/core/publisher/Mono.html#timeout-java.time.Duration-',
  feign: 'https://docs.spring.io/spring-cloud-openfeign/reference/spring-cloud-openfeign.html#timeout-handling',
  transactional: 'https://docs.spring.io/spring-framework/reference/data-access/transaction/declarative/annotations.html',
  javaHttpClient: 'https://docs.oracle.com/en/java/javase/21/docs/api/java.net.http/java/net/http/HttpRequest.Builder.html#timeout(java.time.Duration)',
  fetch: 'https://developer.mozilla.org/docs/Web/API/AbortSignal/timeout_static',
  axios: 'https://axios-http.com/docs/req_config',
  requests: 'https://requests.readthedocs.io/en/latest/user/advanced/#timeouts',
  httpx: 'https://www.python-httpx.org/advanced/timeouts/',
  go: 'https://pkg.go.dev/net/http#Client',
  goContext: 'https://pkg.go.dev/context#WithTimeout',
  dotnet: 'https://learn.microsoft.com/dotnet/api/system.net.http.httpclient.timeout',
} as const;

export function addTimeoutFix(input: FixInput): FixResult {
  const d = doc(input.text);
  const choice = timeoutFromEvidence(input.evidence);
  if ('refused' in choice) return refused('Add timeout: no safe value', choice.refused, TIMEOUT_DOCS.go);
  const { ms, label } = choice;
  const title = (what: string): string => `Add timeout (${label}): ${what}`;
  const ctx: Ctx = { d, input, ms, title };
  switch (input.languageId) {
    case 'java':
      return javaTimeout(ctx);
    case 'typescript':
    case 'typescriptreact':
    case 'javascript':
    case 'javascriptreact':
      return nodeTimeout(ctx);
    case 'python':
      return pythonTimeout(ctx);
    case 'go':
      return goTimeout(ctx);
    case 'csharp':
      return dotnetTimeout(ctx);
    default:
      return refused(title('no recipe'), `No timeout recipe for ${input.languageId} files.`, TIMEOUT_DOCS.go);
  }
}

interface Ctx {
  readonly d: Doc;
  readonly input: FixInput;
  readonly ms: number;
  readonly title: (what: string) => string;
}

function methodText(ctx: Ctx): { start: number; end: number; text: string } {
  const { start, end } = methodSpan(ctx.d, ctx.input.method);
  return { start, end, text: ctx.d.text.slice(start, end) };
}

/** End offset (exclusive, at `;`) of the Java/C# expression starting at `from`. */
function statementEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '(' || c === '{' || c === '[') {
      const close = matchClose(text, i);
      if (close < 0) return -1;
      i = close;
    } else if (c === '"' || c === "'") {
      for (i++; i < text.length && text[i] !== c; i++) if (text[i] === '\\') i++;
    } else if (c === ';') return i;
  }
  return -1;
}

// ---- Java ------------------------------------------------------------------------------------

const HELPER = 'requestFactoryWithTimeouts';

function javaTimeout(ctx: Ctx): FixResult {
  const { d, input } = ctx;
  const { annotations, signatureStart } = methodAnnotations(d, input.method);
  const body = methodBody(d, input.method, signatureStart);
  const bodyText = body === null ? '' : d.text.slice(body.open, body.close + 1);
  const boot = springBootVersion({ pom: input.buildFiles?.['pom.xml'], gradle: input.buildFiles?.['build.gradle'] ?? input.buildFiles?.['build.gradle.kts'] });

  const feign = /@FeignClient\s*\(([^)]*)\)/.exec(d.text);
  if (feign !== null) return feignTimeout(ctx, feign[1] as string);

  if (body !== null) {
    for (const m of bodyText.matchAll(/\b(?:this\.)?(\w+)\s*\.\s*(?:get|post|put|patch|delete|head|options|method)\s*\(/g)) {
      const v = m[1] as string;
      if (new RegExp(`\\bRestClient\\s+${v}\\b`).test(d.text)) return restClientTimeout(ctx, v, boot);
    }
    for (const m of bodyText.matchAll(/\b(?:this\.)?(\w+)\s*\.\s*(?:getForObject|getForEntity|postForObject|postForEntity|postForLocation|exchange|execute|put|delete|patchForObject)\s*\(/g)) {
      const v = m[1] as string;
      if (new RegExp(`\\bRestTemplate\\s+${v}\\b`).test(d.text)) return restTemplateTimeout(ctx, v, boot);
    }
    if (/\.\s*(bodyToMono|bodyToFlux)\s*\(/.test(bodyText) && /\bWebClient\b/.test(d.text)) return webClientTimeout(ctx, body.open, bodyText);
    if (/\bHttpRequest\s*\.\s*newBuilder\s*\(/.test(bodyText)) return javaHttpClientTimeout(ctx, body.open, bodyText);
  }
  const tx = annotations.find((a) => a.name === 'Transactional');
  if (tx !== undefined) return transactionalTimeout(ctx, tx);
  return refused(ctx.title('no outbound call found'), 'This method makes no RestClient, RestTemplate, WebClient, Feign or java.net.http call this fix recognises, and has no @Transactional to bound. Open the slowest trace to see which call ran on.', TIMEOUT_DOCS.restClient);
}

function initializerOf(d: Doc, variable: string): { start: number; end: number; text: string } | null {
  const re = new RegExp(`(?:\\bthis\\s*\\.\\s*|\\b)${variable}\\s*=(?!=)\\s*`, 'g');
  for (const m of d.text.matchAll(re)) {
    const start = m.index + m[0].length;
    const end = statementEnd(d.text, start);
    if (end > start) return { start, end, text: d.text.slice(start, end) };
  }
  return null;
}

/** The private helper building a JDK request factory with connect + read timeouts, inserted before the class's closing brace. */
function helperEdits(ctx: Ctx): FixEdit[] {
  const { d, ms } = ctx;
  if (new RegExp(`\\b${HELPER}\\s*\\(\\s*\\)\\s*\\{`).test(d.text)) return [];
  const u = indentUnit(d);
  const e = d.eol;
  const connect = Math.min(1000, Math.max(100, Math.floor(ms / 2)));
  const limit = ctx.input.evidence?.callerLimitMs;
  const why = limit !== undefined ? `Stop waiting before the caller gives up (it does at ${seconds(limit)} s).` : 'Stop waiting instead of holding a thread forever.';
  const lastBrace = d.text.lastIndexOf('}');
  const lineStart = d.text.lastIndexOf('\n', lastBrace) + 1;
  const helper = [
    '',
    `${u}// ${why}`,
    `${u}private static ClientHttpRequestFactory ${HELPER}() {`,
    `${u}${u}JdkClientHttpRequestFactory factory = new JdkClientHttpRequestFactory(`,
    `${u}${u}${u}${u}java.net.http.HttpClient.newBuilder().connectTimeout(${javaDuration(connect)}).build());`,
    `${u}${u}factory.setReadTimeout(${javaDuration(ms)});`,
    `${u}${u}return factory;`,
    `${u}}`,
    '',
  ].join(e);
  return [
    insertAt(d, lineStart, helper),
    ...javaImports(d, ['java.time.Duration', 'org.springframework.http.client.ClientHttpRequestFactory', 'org.springframework.http.client.JdkClientHttpRequestFactory']),
  ];
}

function bootHttpClientKeys(boot: [number, number] | null): { read: string; connect: string } | null {
  if (atLeast(boot, 4, 0)) return { read: 'spring.http.clients.read-timeout', connect: 'spring.http.clients.connect-timeout' };
  if (atLeast(boot, 3, 5)) return { read: 'spring.http.client.settings.read-timeout', connect: 'spring.http.client.settings.connect-timeout' };
  if (atLeast(boot, 3, 4)) return { read: 'spring.http.client.read-timeout', connect: 'spring.http.client.connect-timeout' };
  return null;
}

const ALL_READ_KEYS = ['spring.http.clients.read-timeout', 'spring.http.client.settings.read-timeout', 'spring.http.client.read-timeout'];

function restClientTimeout(ctx: Ctx, variable: string, boot: [number, number] | null): FixResult {
  const { d, ms } = ctx;
  const init = initializerOf(d, variable);
  if (init === null) return refused(ctx.title('RestClient'), `\`${variable}\` is built elsewhere; give that RestClient a request factory with a read timeout.`, TIMEOUT_DOCS.restClient);
  if (/\.requestFactory\s*\(/.test(init.text)) return refused(ctx.title('RestClient'), `Already configured: \`${variable}\` has its own request factory; check its read timeout.`, TIMEOUT_DOCS.restClient);
  const create = /\bRestClient\s*\.\s*create\s*\(/.exec(init.text);
  if (create !== null) {
    const open = init.start + create.index + create[0].length - 1;
    const close = matchClose(d.text, open);
    const args = d.text.slice(open + 1, close).trim();
    const replacement = `RestClient.builder()${args !== '' ? `.baseUrl(${args})` : ''}.requestFactory(${HELPER}()).build()`;
    return { kind: 'edit', title: ctx.title('RestClient read timeout'), edits: [replaceSpan(d, init.start + create.index, close + 1, replacement), ...helperEdits(ctx)] };
  }
  const build = /\.\s*build\s*\(\s*\)\s*$/.exec(init.text);
  if (build === null) return refused(ctx.title('RestClient'), `Could not find where \`${variable}\` is built.`, TIMEOUT_DOCS.restClient);
  const root = /^\s*(\w+)/.exec(init.text)?.[1];
  const injected = root !== undefined && new RegExp(`\\bRestClient\\.Builder\\s+${root}\\b`).test(d.text);
  const keys = bootHttpClientKeys(boot);
  if (injected && keys !== null) {
    // Boot's auto-configured builder reads these properties; editing them keeps Boot's factory choice, SSL bundles and observations.
    const r = addSpringProperties(ctx.input, [[keys.connect, bootDuration(Math.min(1000, ms))], [keys.read, bootDuration(ms)]], ALL_READ_KEYS);
    if (r.kind === 'present') return refused(ctx.title('RestClient'), `Already configured: ${r.key}=${r.value} in ${r.file}.`, TIMEOUT_DOCS.restClient);
    if (r.kind === 'edits') return { kind: 'edit', title: ctx.title(`${keys.read}=${bootDuration(ms)} in ${r.file} (Spring Boot ${(boot as [number, number]).join('.')}; applies to the auto-configured RestClient.Builder)`), edits: r.edits };
  }
  const at = init.start + build.index;
  return { kind: 'edit', title: ctx.title('RestClient read timeout'), edits: [insertAt(d, at, `.requestFactory(${HELPER}())`), ...helperEdits(ctx)] };
}

function restTemplateTimeout(ctx: Ctx, variable: string, boot: [number, number] | null): FixResult {
  const { d, ms } = ctx;
  const init = initializerOf(d, variable);
  const what = 'RestTemplate';
  if (init === null) return refused(ctx.title(what), `\`${variable}\` is built elsewhere (a @Bean?); set connectTimeout/readTimeout on its RestTemplateBuilder there.`, TIMEOUT_DOCS.restTemplate);
  if (/\.(set)?[rR]eadTimeout\s*\(|requestFactoryWithTimeouts|\.requestFactory\s*\(/.test(init.text)) return refused(ctx.title(what), `Already configured: \`${variable}\` sets a read timeout or its own request factory.`, TIMEOUT_DOCS.restTemplate);
  const plain = /\bnew\s+RestTemplate\s*\(\s*\)/.exec(init.text);
  if (plain !== null) {
    const s = init.start + plain.index;
    return { kind: 'edit', title: ctx.title('RestTemplate read timeout'), edits: [replaceSpan(d, s, s + plain[0].length, `new RestTemplate(${HELPER}())`), ...helperEdits(ctx)] };
  }
  const build = /\.\s*build\s*\(\s*\)\s*$/.exec(init.text);
  const root = /^\s*(\w+)/.exec(init.text)?.[1];
  if (build === null || root === undefined || !new RegExp(`\\bRestTemplateBuilder\\s+${root}\\b`).test(d.text)) {
    return refused(ctx.title(what), `Could not find a RestTemplateBuilder chain for \`${variable}\`.`, TIMEOUT_DOCS.restTemplate);
  }
  const connect = javaDuration(Math.min(1000, ms));
  // Boot 3.4 renamed setConnectTimeout/setReadTimeout (now deprecated) to connectTimeout/readTimeout.
  const calls = boot !== null && !atLeast(boot, 3, 4) ? `.setConnectTimeout(${connect}).setReadTimeout(${javaDuration(ms)})` : `.connectTimeout(${connect}).readTimeout(${javaDuration(ms)})`;
  return { kind: 'edit', title: ctx.title('RestTemplateBuilder read timeout'), edits: [insertAt(d, init.start + build.index, calls), ...javaImports(d, ['java.time.Duration'])] };
}

function webClientTimeout(ctx: Ctx, bodyStart: number, bodyText: string): FixResult {
  const { d, ms } = ctx;
  const edits: FixEdit[] = [];
  for (const m of bodyText.matchAll(/\.\s*(bodyToMono|bodyToFlux)\s*\(/g)) {
    const open = bodyStart + m.index + m[0].length - 1;
    const close = matchClose(d.text, open);
    if (close < 0) continue;
    const rest = d.text.slice(close + 1, statementEnd(d.text, close + 1));
    if (/\.\s*timeout\s*\(/.test(rest)) continue;
    edits.push(insertAt(d, close + 1, `.timeout(${javaDuration(ms)})`));
  }
  if (edits.length === 0) return refused(ctx.title('WebClient'), 'Already configured: the reactive chain has .timeout(…).', TIMEOUT_DOCS.webClient);
  return { kind: 'edit', title: ctx.title('WebClient .timeout(…) on the response'), edits: [...edits, ...javaImports(d, ['java.time.Duration'])] };
}

function javaHttpClientTimeout(ctx: Ctx, bodyStart: number, bodyText: string): FixResult {
  const { d, ms } = ctx;
  const edits: FixEdit[] = [];
  for (const m of bodyText.matchAll(/\bHttpRequest\s*\.\s*newBuilder\s*\(/g)) {
    const open = bodyStart + m.index + m[0].length - 1;
    const close = matchClose(d.text, open);
    if (close < 0) continue;
    const rest = d.text.slice(close + 1, statementEnd(d.text, close + 1));
    if (/\.\s*timeout\s*\(/.test(rest)) continue;
    edits.push(insertAt(d, close + 1, `.timeout(${javaDuration(ms)})`));
  }
  if (edits.length === 0) return refused(ctx.title('HttpRequest'), 'Already configured: the HttpRequest has .timeout(…).', TIMEOUT_DOCS.javaHttpClient);
  return { kind: 'edit', title: ctx.title('HttpRequest.timeout(…)'), edits: [...edits, ...javaImports(d, ['java.time.Duration'])] };
}

function feignTimeout(ctx: Ctx, args: string): FixResult {
  const { ms, input } = ctx;
  const named = (k: string): string | undefined => new RegExp(`\\b${k}\\s*=\\s*"([^"]+)"`).exec(args)?.[1];
  const name = named('contextId') ?? named('name') ?? named('value') ?? /^\s*"([^"]+)"/.exec(args)?.[1];
  if (name === undefined) return refused(ctx.title('Feign client'), 'The @FeignClient has no literal name to configure.', TIMEOUT_DOCS.feign);
  const pom = input.buildFiles?.['pom.xml'] ?? '';
  const cloud = /<spring-cloud\.version>\s*(\d{4})/.exec(pom) ?? /springCloudVersion\s*=\s*["'](\d{4})/.exec(input.buildFiles?.['build.gradle'] ?? '');
  // Spring Cloud OpenFeign 4 (release train 2022.0+) moved `feign.client.config` under `spring.cloud.openfeign`.
  const prefix = cloud !== null && Number(cloud[1]) < 2022 ? 'feign.client.config' : 'spring.cloud.openfeign.client.config';
  const base = `${prefix}.${name}`;
  const r = addSpringProperties(input, [[`${base}.connect-timeout`, String(Math.min(1000, ms))], [`${base}.read-timeout`, String(ms)]], [`${base}.read-timeout`, `${base}.readTimeout`]);
  if (r.kind === 'present') return refused(ctx.title('Feign client'), `Already configured: ${r.key}=${r.value} in ${r.file}.`, TIMEOUT_DOCS.feign);
  if (r.kind === 'none') return refused(ctx.title('Feign client'), `No application.properties or application.yml found; set ${base}.read-timeout=${ms} (milliseconds).`, TIMEOUT_DOCS.feign);
  return { kind: 'edit', title: ctx.title(`${base}.read-timeout=${ms} in ${r.file}`), edits: r.edits };
}

function transactionalTimeout(ctx: Ctx, tx: ReturnType<typeof methodAnnotations>['annotations'][number]): FixResult {
  const { d, ms } = ctx;
  const secs = Math.max(1, Math.floor(ms / 1000));
  const title = ctx.title(`@Transactional(timeout = ${secs}) — bounds JDBC statements only`);
  const elements = annotationElements(d, tx);
  if (elements.some((e) => e.name === 'timeout' || e.name === 'timeoutString')) return refused(title, 'Already configured: @Transactional has a timeout.', TIMEOUT_DOCS.transactional);
  if (tx.open === null || tx.close === null) return { kind: 'edit', title, edits: [insertAt(d, tx.end, `(timeout = ${secs})`)] };
  const first = elements[0];
  if (first === undefined) return { kind: 'edit', title, edits: [insertAt(d, tx.open + 1, `timeout = ${secs}`)] };
  if (elements.length === 1 && first.positional) {
    const lead = /^\s*/.exec(d.text.slice(first.start, first.end))?.[0].length ?? 0;
    return { kind: 'edit', title, edits: [insertAt(d, first.start + lead, 'value = '), insertAt(d, tx.close, `, timeout = ${secs}`)] };
  }
  const last = elements[elements.length - 1] as (typeof elements)[number];
  const trail = /\s*$/.exec(d.text.slice(last.start, last.end))?.[0].length ?? 0;
  return { kind: 'edit', title, edits: [insertAt(d, last.end - trail, `, timeout = ${secs}`)] };
}

// ---- Node ------------------------------------------------------------------------------------

function objectLiteralInsert(d: Doc, argStart: number, argEnd: number, prop: string): FixEdit | null {
  const text = d.text.slice(argStart, argEnd);
  const brace = text.indexOf('{');
  if (brace < 0 || text.slice(0, brace).trim() !== '') return null;
  const open = argStart + brace;
  const ws = /^\s*/.exec(d.text.slice(open + 1, argEnd))?.[0] ?? '';
  const empty = d.text.slice(open + 1, argEnd).trim() === '}';
  if (empty) return replaceSpan(d, open, argStart + text.lastIndexOf('}') + 1, `{ ${prop} }`);
  if (ws.includes('\n')) {
    const indent = ws.slice(ws.lastIndexOf('\n') + 1);
    return insertAt(d, open + 1 + ws.length, `${prop},${d.eol}${indent}`);
  }
  return insertAt(d, open + 1 + ws.length, `${prop}, `);
}

function nodeTimeout(ctx: Ctx): FixResult {
  const { d, ms } = ctx;
  const { start, text } = methodText(ctx);
  const edits: FixEdit[] = [];
  let already = 0;
  let unsafe: string | null = null;
  for (const m of text.matchAll(/\bfetch\s*\(/g)) {
    const open = start + m.index + m[0].length - 1;
    const close = matchClose(d.text, open);
    if (close < 0) continue;
    const args = splitArgs(d.text, open + 1, close);
    const prop = `signal: AbortSignal.timeout(${ms})`;
    if (args.length === 1) {
      const a = args[0] as (typeof args)[number];
      edits.push(insertAt(d, a.end - (/\s*$/.exec(a.text)?.[0].length ?? 0), `, { ${prop} }`));
    } else if (args.length >= 2) {
      const init = args[1] as (typeof args)[number];
      if (/\bsignal\b/.test(init.text)) {
        already++;
        continue;
      }
      const e = objectLiteralInsert(d, init.start, init.end, prop);
      if (e === null) unsafe = `fetch's options are passed as \`${init.text.trim()}\`; add \`signal: AbortSignal.timeout(${ms})\` where they are built (or combine signals with AbortSignal.any).`;
      else edits.push(e);
    }
  }
  if (edits.length > 0) return { kind: 'edit', title: ctx.title(`fetch signal AbortSignal.timeout(${ms}) (Node ≥ 17.3)`), edits };
  for (const m of text.matchAll(/\baxios(?:\s*\.\s*(get|delete|head|options|post|put|patch|request))?\s*\(/g)) {
    const verb = m[1];
    const open = start + m.index + m[0].length - 1;
    const close = matchClose(d.text, open);
    if (close < 0) continue;
    const args = splitArgs(d.text, open + 1, close);
    const configIndex = verb === undefined || verb === 'request' ? 0 : ['post', 'put', 'patch'].includes(verb) ? 2 : 1;
    const config = args[configIndex];
    const prop = `timeout: ${ms}`;
    if (config !== undefined) {
      if (/\btimeout\s*:/.test(config.text)) {
        already++;
        continue;
      }
      const e = objectLiteralInsert(d, config.start, config.end, prop);
      if (e === null) unsafe = `axios's config is passed as \`${config.text.trim()}\`; set \`timeout: ${ms}\` where it is built.`;
      else edits.push(e);
    } else if (configIndex > 0 && args.length > 0) {
      const last = args[args.length - 1] as (typeof args)[number];
      const pad = configIndex - args.length;
      edits.push(insertAt(d, last.end - (/\s*$/.exec(last.text)?.[0].length ?? 0), `${', undefined'.repeat(pad)}, { ${prop} }`));
    }
  }
  if (edits.length > 0) return { kind: 'edit', title: ctx.title(`axios timeout: ${ms}`), edits };
  if (unsafe !== null) return refused(ctx.title('fetch/axios'), unsafe, TIMEOUT_DOCS.fetch);
  if (already > 0) return refused(ctx.title('fetch/axios'), 'Already configured: every fetch/axios call here has a signal or timeout.', TIMEOUT_DOCS.fetch);
  return refused(ctx.title('no outbound call found'), 'No fetch or axios call in this function.', TIMEOUT_DOCS.fetch);
}

// ---- Python ----------------------------------------------------------------------------------

function pythonTimeout(ctx: Ctx): FixResult {
  const { d, ms } = ctx;
  const { start, text } = methodText(ctx);
  const sessions = [...d.text.matchAll(/\b(\w+)\s*=\s*requests\.Session\s*\(/g)].map((m) => m[1] as string);
  const edits: FixEdit[] = [];
  let already = 0;
  let lib: 'requests' | 'httpx' | null = null;
  const re = /\b(requests|httpx|self\.\w+|\w+)\s*\.\s*(get|post|put|patch|delete|head|options|request|stream|Client|AsyncClient)\s*\(/g;
  for (const m of text.matchAll(re)) {
    const recv = m[1] as string;
    const isRequests = recv === 'requests' || sessions.includes(recv.replace(/^self\./, ''));
    const isHttpx = recv === 'httpx';
    if (!isRequests && !isHttpx) continue;
    if (isRequests && (m[2] === 'Client' || m[2] === 'AsyncClient' || m[2] === 'stream')) continue;
    const open = start + m.index + m[0].length - 1;
    const close = matchClose(d.text, open);
    if (close < 0) continue;
    const args = splitArgs(d.text, open + 1, close);
    const value = isRequests ? `(${seconds(Math.min(1000, ms))}, ${seconds(ms)})` : `httpx.Timeout(${float(ms)}, connect=${float(Math.min(1000, ms))})`;
    const existing = args.find((a) => /^\s*timeout\s*=/.test(a.text));
    lib = isRequests ? 'requests' : 'httpx';
    if (existing !== undefined) {
      if (/=\s*None\s*$/.test(existing.text)) {
        const eq = existing.text.indexOf('=');
        edits.push(replaceSpan(d, existing.start + eq + 1, existing.end - (/\s*$/.exec(existing.text)?.[0].length ?? 0), value));
      } else already++;
      continue;
    }
    const last = args[args.length - 1];
    if (last === undefined) edits.push(insertAt(d, open + 1, `timeout=${value}`));
    else edits.push(insertAt(d, last.end - (/\s*$/.exec(last.text)?.[0].length ?? 0), `, timeout=${value}`));
  }
  if (edits.length > 0) {
    return { kind: 'edit', title: ctx.title(lib === 'httpx' ? `httpx timeout=httpx.Timeout(${float(ms)})` : `requests timeout=(connect, read)`), edits };
  }
  if (already > 0) return refused(ctx.title(lib ?? 'requests'), 'Already configured: every call here passes timeout=.', lib === 'httpx' ? TIMEOUT_DOCS.httpx : TIMEOUT_DOCS.requests);
  return refused(ctx.title('no outbound call found'), 'No requests or httpx call in this function.', TIMEOUT_DOCS.requests);
}

function float(ms: number): string {
  const s = seconds(ms);
  return s.includes('.') ? s : `${s}.0`;
}

// ---- Go ----------------------------------------------------------------------------------------

/** `4 * time.Second` in a composite literal; gofmt drops the spaces inside call arguments (`tight`). */
function goDuration(ms: number, tight = false): string {
  const op = tight ? '*' : ' * ';
  return ms % 1000 === 0 ? `${ms / 1000}${op}time.Second` : `${ms}${op}time.Millisecond`;
}

function goTimeout(ctx: Ctx): FixResult {
  const { d, ms } = ctx;
  const { start, text } = methodText(ctx);
  if (/context\.WithTimeout|context\.WithDeadline|\bTimeout:\s/.test(text)) return refused(ctx.title('Go'), 'Already configured: this function sets a context deadline or a client Timeout.', TIMEOUT_DOCS.goContext);
  // Preferred: the request already carries the inbound context — bound that context.
  const withCtx = /^([\t ]*)[^\n]*\bhttp\.NewRequestWithContext\(\s*(\w+)\s*,/m.exec(text);
  const signature = text.slice(0, text.indexOf('{') + 1);
  if (withCtx !== null && /\*http\.Response\b/.test(signature.slice(signature.lastIndexOf(')', signature.lastIndexOf('(')) + 1))) {
    // The response escapes: a deferred cancel here would cut the caller's read of its body.
    return refused(ctx.title('context.WithTimeout'), 'This function returns the *http.Response, so a context cancelled on return would abort reading its body; bound the caller\'s context instead, or set http.Client.Timeout (which also covers the body) where the client is built.', TIMEOUT_DOCS.go);
  }
  if (withCtx !== null) {
    const indent = withCtx[1] as string;
    const c = withCtx[2] as string;
    const lineStart = start + withCtx.index;
    const e = d.eol;
    return {
      kind: 'edit',
      title: ctx.title(`context.WithTimeout(${c}, ${goDuration(ms, true)})`),
      edits: [insertAt(d, lineStart, `${indent}${c}, cancel := context.WithTimeout(${c}, ${goDuration(ms, true)})${e}${indent}defer cancel()${e}`), ...goImports(d, ['context', 'time'])],
    };
  }
  const edits: FixEdit[] = [];
  for (const m of text.matchAll(/\bhttp\.(?:(Get|Head|Post|PostForm)\s*\(|DefaultClient\s*\.\s*)/g)) {
    const s = start + m.index;
    const prefixLen = m[0].startsWith('http.DefaultClient') ? m[0].length : 'http.'.length;
    edits.push(replaceSpan(d, s, s + prefixLen, `(&http.Client{Timeout: ${goDuration(ms)}}).`));
  }
  for (const m of text.matchAll(/\bhttp\.Client\s*\{/g)) {
    const open = start + m.index + m[0].length - 1;
    const close = matchClose(d.text, open);
    if (close < 0) continue;
    const inner = d.text.slice(open + 1, close);
    if (inner.trim() === '') edits.push(replaceSpan(d, open, close + 1, `{Timeout: ${goDuration(ms)}}`));
    else if (/^\s*\n/.test(inner)) {
      const ws = /^\s*/.exec(inner)?.[0] ?? '';
      edits.push(insertAt(d, open + 1 + ws.length, `Timeout: ${goDuration(ms)},${d.eol}${ws.slice(ws.lastIndexOf('\n') + 1)}`));
    } else edits.push(insertAt(d, open + 1, `Timeout: ${goDuration(ms)}, `));
  }
  if (edits.length === 0) return refused(ctx.title('no outbound call found'), 'No net/http call or http.Client literal in this function.', TIMEOUT_DOCS.go);
  return { kind: 'edit', title: ctx.title(`http.Client{Timeout: ${goDuration(ms)}}`), edits: [...edits, ...goImports(d, ['time'])] };
}

// ---- .NET --------------------------------------------------------------------------------------

function timeSpan(ms: number): string {
  return ms % 1000 === 0 ? `TimeSpan.FromSeconds(${ms / 1000})` : `TimeSpan.FromMilliseconds(${ms})`;
}

function dotnetTimeout(ctx: Ctx): FixResult {
  const { d, ms } = ctx;
  const { start, text } = methodText(ctx);
  if (/CancelAfter\s*\(|new\s+CancellationTokenSource\s*\(|\bTimeout\s*=/.test(text)) return refused(ctx.title('HttpClient'), 'Already configured: this method bounds its calls with a CancellationTokenSource or HttpClient.Timeout.', TIMEOUT_DOCS.dotnet);
  const call = /^([\t ]*)[^\n]*?\b(\w+)\s*\.\s*(GetAsync|PostAsync|PutAsync|DeleteAsync|PatchAsync|SendAsync|GetStringAsync|GetByteArrayAsync|GetStreamAsync|GetFromJsonAsync|PostAsJsonAsync|PutAsJsonAsync)\s*(<[^>]*>)?\s*\(/m.exec(text);
  if (call !== null) {
    const indent = call[1] as string;
    const open = start + call.index + call[0].length - 1;
    const close = matchClose(d.text, open);
    const args = splitArgs(d.text, open + 1, close);
    const token = args.find((a) => /(\b(ct|token|cancellationToken|cancel\w*)\b|\.Token\b|RequestAborted)\s*$/.test(a.text.trim()));
    const lineStart = start + call.index;
    const e = d.eol;
    if (token !== undefined) {
      const t = token.text.trim();
      const lead = /^\s*/.exec(token.text)?.[0].length ?? 0;
      return {
        kind: 'edit',
        title: ctx.title(`CancellationTokenSource linked to ${t}, cancelled after ${seconds(ms)} s`),
        edits: [
          insertAt(d, lineStart, `${indent}using var cts = CancellationTokenSource.CreateLinkedTokenSource(${t});${e}${indent}cts.CancelAfter(${timeSpan(ms)});${e}`),
          replaceSpan(d, token.start + lead, token.start + lead + t.length, 'cts.Token'),
        ],
      };
    }
    const last = args[args.length - 1];
    if (last === undefined) return refused(ctx.title('HttpClient'), 'Could not read the call arguments.', TIMEOUT_DOCS.dotnet);
    return {
      kind: 'edit',
      title: ctx.title(`CancellationTokenSource(${timeSpan(ms)})`),
      edits: [
        insertAt(d, lineStart, `${indent}using var cts = new CancellationTokenSource(${timeSpan(ms)});${e}`),
        insertAt(d, last.end - (/\s*$/.exec(last.text)?.[0].length ?? 0), ', cts.Token'),
      ],
    };
  }
  const client = /\bnew\s+HttpClient\s*\(\s*\)/.exec(text);
  if (client !== null) {
    const s = start + client.index;
    return { kind: 'edit', title: ctx.title(`HttpClient.Timeout = ${timeSpan(ms)}`), edits: [replaceSpan(d, s, s + client[0].length, `new HttpClient { Timeout = ${timeSpan(ms)} }`)] };
  }
  return refused(ctx.title('no outbound call found'), 'No HttpClient call in this method.', TIMEOUT_DOCS.dotnet);
}
