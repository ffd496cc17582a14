// TraceQL query builders for stats, fallback search and drill-down, with escaping of literals and names.
import type { CodeRef } from '../shared/model';
import { utf8Length, utf8Width } from './format';

/** A TraceQL string literal: double-quoted, Go escapes (`strconv.Unquote` on the server). */
export function stringLiteral(value: string): string {
  let out = '"';
  for (const ch of value) {
    const c = ch.codePointAt(0) as number;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f || (c >= 0x2028 && c <= 0x2029)) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** Escapes RE2 metacharacters so a value matches literally inside `=~`. */
export function regexEscape(value: string): string {
  return value.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_.\-/:]*$/;

/**
 * A scoped attribute reference: `span.code.function`, or `span."odd name"` when the name has
 * characters the lexer would split on (quoting exists since Tempo 2.3).
 */
export function attribute(scope: 'span' | 'resource' | '', name: string): string {
  const plain = PLAIN_NAME.test(name) && !name.includes('..') && !name.endsWith('.');
  const ref = plain ? name : stringLiteral(name);
  return `${scope}.${ref}`;
}

/** A number as TraceQL accepts it: `0.5`, never `.5`; no exponent. */
export function numberLiteral(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`not a finite number: ${n}`);
  if (Number.isInteger(n)) return String(n);
  let s = n.toFixed(9).replace(/0+$/, '');
  if (s.endsWith('.')) s += '0';
  return s.startsWith('.') ? `0${s}` : s.startsWith('-.') ? `-0${s.slice(1)}` : s;
}

/** A duration literal from milliseconds: `1500ms`, `250us`, `3ns`. */
export function durationLiteral(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`not a duration: ${ms}`);
  const ns = Math.round(ms * 1e6);
  if (ns % 1_000_000 === 0) return `${ns / 1_000_000}ms`;
  if (ns % 1000 === 0) return `${ns / 1000}us`;
  return `${ns}ns`;
}

/** Intrinsic names: scoped forms (`span:duration`) need Tempo 2.5+. */
export interface Intrinsics {
  readonly duration: string;
  readonly status: string;
  readonly statusMessage: string;
  readonly name: string;
}

export function intrinsics(scoped: boolean): Intrinsics {
  return scoped
    ? { duration: 'span:duration', status: 'span:status', statusMessage: 'span:statusMessage', name: 'span:name' }
    : { duration: 'duration', status: 'status', statusMessage: 'statusMessage', name: 'name' };
}

/** Spans carrying a function name in either attribute generation. */
export const CODE_PRESENT = '(span.code.function != nil || span.code.function.name != nil)';

/**
 * Tempo compiles a metrics query with at most this many `by` attributes, and one fewer for
 * `histogram_over_time` / `quantile_over_time` (a slot is kept for the bucket). More is a `400
 * compiling query: metrics group by N values not yet supported` — measured on 2.7 and 3.0
 * (PITFALLS 12). The builders below stay within both; tests check every query they make.
 */
export const MAX_GROUP_BY = 5;
export const MAX_GROUP_BY_BUCKETED = 4;

/**
 * Which generation of `code.*` keys a metrics query reads (the labels of its series):
 * `new` — spans with `code.function.name` (semconv ≥ 1.30, and the dual-emitting `code/dup`);
 * `old` — spans with `code.function`, whose series that also carry `code.function.name` are
 * dropped when read because the `new` queries count them (TraceQL 2.x has no `= nil`, so the
 * split is made on the series labels). Together they count every span once.
 */
export type CodeGeneration = 'new' | 'old';

const NEW_GROUP_BY = ['resource.service.name', 'span.code.function.name', 'span.code.file.path', 'span.code.namespace'] as const;
/** Old keys; `code.function.name` only to recognise (and drop) dual-emitting spans. */
const OLD_GROUP_BY = ['resource.service.name', 'span.code.namespace', 'span.code.function', 'span.code.function.name', 'span.code.filepath'] as const;
/** The same without the file path: histograms have one slot less. */
const OLD_GROUP_BY_BUCKETED = OLD_GROUP_BY.slice(0, 4);

const GENERATION_PRESENT: Readonly<Record<CodeGeneration, string>> = {
  new: 'span.code.function.name != nil',
  old: 'span.code.function != nil',
};

/** Attributes the search fallback and drill-down `select()` to identify a span's function. */
export const SELECT_CODE = [
  'span.code.namespace',
  'span.code.function',
  'span.code.function.name',
  'span.code.file.path',
  'span.code.filepath',
  'span.code.line.number',
  'span.code.lineno',
  'resource.service.name',
] as const;

export type FilterCheck = { readonly ok: true; readonly conditions: string } | { readonly ok: false; readonly error: string };

/**
 * Walks TraceQL text, skipping string literals the way Tempo's lexer reads them: `"…"` with
 * backslash escapes, `` `…` `` raw (a backslash is an ordinary character there). `visit` sees every
 * character outside literals with the parenthesis depth before it. Returns the column (1-based) of
 * the first unterminated literal, or 0.
 */
function scanOutsideLiterals(text: string, visit: (ch: string, i: number, depth: number) => void): number {
  let depth = 0;
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '"' || ch === '`') {
      const start = i;
      i++;
      let closed = false;
      while (i < text.length) {
        const c = text[i] as string;
        if (ch === '"' && c === '\\') { i += 2; continue; }
        if (c === ch) { closed = true; break; }
        i++;
      }
      if (!closed) return start + 1;
      i++;
      continue;
    }
    visit(ch, i, depth);
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    i++;
  }
  return 0;
}

/**
 * Checks that the `filter` setting is span-set conditions (what goes INSIDE `{ }`), so that it can
 * be ANDed into every query: no braces, no pipeline, balanced parentheses, closed strings (both
 * kinds of literal are skipped as Tempo's lexer skips them, so a `(` inside `` `…` `` counts for
 * nothing). The server still has the final word on syntax; this catches what would change the
 * query's shape.
 */
export function checkFilter(filter: string): FilterCheck {
  const text = filter.trim();
  if (text === '') return { ok: true, conditions: '' };
  let error: string | null = null;
  const fail = (e: string): void => {
    if (error === null) error = e;
  };
  const unterminated = scanOutsideLiterals(text, (ch, i, depth) => {
    if (ch === '{' || ch === '}') fail(`filter: write span-set conditions without braces (found '${ch}' at column ${i + 1}), e.g. resource.service.name = "cart"`);
    else if (ch === '|' && text[i + 1] !== '|' && text[i - 1] !== '|') fail(`filter: pipelines are not allowed (found '|' at column ${i + 1}); use conditions joined with && or ||`);
    else if (ch === ')' && depth === 0) fail(`filter: unbalanced ')' at column ${i + 1}`);
  });
  if (unterminated > 0) return { ok: false, error: `filter: unterminated string starting at column ${unterminated}` };
  if (error !== null) return { ok: false, error };
  if (depthAfter(text) !== 0) return { ok: false, error: 'filter: unbalanced parentheses' };
  if (/^(&&|\|\|)|(&&|\|\|)$/.test(text)) return { ok: false, error: 'filter: starts or ends with && / ||' };
  return { ok: true, conditions: text };
}

/**
 * The conditions of a query that is one span set (`{ conds }`, optionally `| select(…)`), for the
 * sources that evaluate a TraceQL subset locally (trace files, the local receiver).
 */
export function spanSetConditions(query: string): FilterCheck {
  const text = query.trim();
  if (!text.startsWith('{')) return { ok: false, error: 'write one span set, e.g. { span.code.function = "getToken" && duration > 1s }' };
  let close = -1;
  let braces = 0;
  const unterminated = scanOutsideLiterals(text, (ch, i) => {
    if (close >= 0) return;
    if (ch === '{') braces++;
    else if (ch === '}' && --braces === 0) close = i;
  });
  if (unterminated > 0) return { ok: false, error: `unterminated string starting at column ${unterminated}` };
  if (close < 0) return { ok: false, error: "the span set has no closing '}'" };
  const rest = text.slice(close + 1).trim();
  if (rest !== '' && !/^\|\s*select\s*\([^)]*\)$/.test(rest)) {
    return { ok: false, error: `only one span set with an optional | select(…) is supported here (found "${rest.slice(0, 40)}")` };
  }
  const inner = checkFilter(text.slice(1, close));
  return inner.ok ? inner : { ok: false, error: inner.error.replace(/^filter: /, '') };
}

function depthAfter(text: string): number {
  let last = 0;
  scanOutsideLiterals(text, (ch, _i, depth) => {
    last = ch === '(' ? depth + 1 : ch === ')' ? depth - 1 : depth;
  });
  return last;
}

/** ANDs conditions into one span set, parenthesising each part so `||` inside a part stays inside. */
export function spanSet(...conditions: readonly (string | null | undefined | false)[]): string {
  const parts = conditions.filter((c): c is string => typeof c === 'string' && c.trim() !== '');
  if (parts.length === 0) return '{ }';
  if (parts.length === 1) return `{ ${parts[0] as string} }`;
  return `{ ${parts.map((p) => (isAtomic(p) ? p : `(${p})`)).join(' && ')} }`;
}

/**
 * True when a condition can be ANDed without parentheses: it holds no `&&`/`||` outside string
 * literals, or one pair of parentheses encloses all of it. Literal-aware, so a quote or backtick
 * holding `(` cannot make `(a) || (b)` look enclosed.
 */
function isAtomic(cond: string): boolean {
  const t = cond.trim();
  let operators = false;
  let firstClose = -1;
  const unterminated = scanOutsideLiterals(t, (ch, i, depth) => {
    if (ch === '&' || ch === '|') operators = true;
    if (ch === ')' && depth === 1 && firstClose < 0) firstClose = i;
  });
  if (unterminated > 0) return false;
  if (!operators) return true;
  return t.startsWith('(') && firstClose === t.length - 1;
}

/** `resource.service.name = "a" || resource.service.name = "b"` for a list of services. */
export function servicesCondition(services: readonly string[] | undefined): string | null {
  if (services === undefined || services.length === 0) return null;
  const parts = [...new Set(services)].map((s) => `resource.service.name = ${stringLiteral(s)}`);
  return parts.length === 1 ? (parts[0] as string) : `(${parts.join(' || ')})`;
}

export interface StatsQueryOptions {
  /** Validated filter conditions (from `checkFilter`), may be ''. */
  readonly filter: string;
  readonly services?: readonly string[] | undefined;
  readonly scopedIntrinsics: boolean;
}

/**
 * `calls` counts spans by status (calls and errors in one series set); `count` and `errors` are the
 * two halves for when the group-by has no slot left for the status.
 */
export type MetricsQueryKind = 'calls' | 'count' | 'errors' | 'histogram' | 'quantiles';

export interface MetricsQuery {
  readonly kind: MetricsQueryKind;
  readonly generation: CodeGeneration;
  readonly q: string;
}

/**
 * The per-function metrics queries. Their number is fixed (the `by` clause does the fan-out on
 * the server), so a refresh costs the same for 10 or 10,000 functions: per chunk of the window,
 * for the new keys one count by status and one duration query, for the old keys a count, an error
 * count and a duration query — five requests, each within Tempo's group-by limits.
 * `durations`: `histogram` (mergeable, Tempo 2.5+) or per-step `quantiles` for older servers.
 */
export function metricsQueries(opts: StatsQueryOptions, durations: 'histogram' | 'quantiles' = 'histogram'): MetricsQuery[] {
  const i = intrinsics(opts.scopedIntrinsics);
  const base = (g: CodeGeneration, ...extra: string[]): string => spanSet(GENERATION_PRESENT[g], opts.filter, servicesCondition(opts.services), ...extra);
  const by = (attrs: readonly string[]): string => ` by (${attrs.join(', ')})`;
  const duration = durations === 'histogram'
    ? `histogram_over_time(${i.duration})`
    : `quantile_over_time(${i.duration}, ${[0.5, 0.95, 0.99].map(numberLiteral).join(', ')})`;
  return [
    { kind: 'calls', generation: 'new', q: `${base('new')} | count_over_time()${by([...NEW_GROUP_BY, i.status])}` },
    { kind: durations, generation: 'new', q: `${base('new')} | ${duration}${by(NEW_GROUP_BY)}` },
    { kind: 'count', generation: 'old', q: `${base('old')} | count_over_time()${by(OLD_GROUP_BY)}` },
    { kind: 'errors', generation: 'old', q: `${base('old', `${i.status} = error`)} | count_over_time()${by(OLD_GROUP_BY)}` },
    { kind: durations, generation: 'old', q: `${base('old')} | ${duration}${by(OLD_GROUP_BY_BUCKETED)}` },
  ];
}

/** Number of `by (…)` attributes of a metrics query (0 without a `by`), for the limit checks. */
export function groupByCount(query: string): number {
  const m = /\|\s*\w+\([^|]*\)\s*by\s*\(([^)]*)\)\s*$/.exec(query);
  if (m === null) return 0;
  return (m[1] as string).split(',').filter((x) => x.trim() !== '').length;
}

/** The search-fallback query: spans with code attributes, selecting what identifies them plus status. */
export function statsSearchQuery(opts: StatsQueryOptions): string {
  const i = intrinsics(opts.scopedIntrinsics);
  const select = [...SELECT_CODE, i.status, i.statusMessage];
  return `${spanSet(CODE_PRESENT, opts.filter, servicesCondition(opts.services))} | select(${select.join(', ')})`;
}

/**
 * Conditions matching the spans of one function, whichever attribute generation emitted it:
 * old `code.namespace` + `code.function`; new fully-qualified `code.function.name` (any runtime
 * separator); new short `code.function.name` beside `code.namespace` (v1.30-era emitters).
 */
export function codeRefCondition(ref: CodeRef, service: string | null): string {
  const fn = stringLiteral(ref.function);
  const alts: string[] = [];
  if (ref.namespace !== null) {
    const ns = stringLiteral(ref.namespace);
    alts.push(`(span.code.namespace = ${ns} && span.code.function = ${fn})`);
    alts.push(`(span.code.namespace = ${ns} && span.code.function.name = ${fn})`);
    alts.push(`span.code.function.name =~ ${stringLiteral(`${regexEscape(ref.namespace)}(\\.|::|#|:|/)${regexEscape(ref.function)}`)}`);
  } else {
    alts.push(`span.code.function = ${fn}`);
    alts.push(`span.code.function.name = ${fn}`);
  }
  const parts = [`(${alts.join(' || ')})`];
  if (ref.filePath !== null) {
    const fp = stringLiteral(ref.filePath);
    parts.push(`(span.code.file.path = ${fp} || span.code.filepath = ${fp})`);
  }
  if (service !== null) parts.push(`resource.service.name = ${stringLiteral(service)}`);
  return parts.join(' && ');
}

/** The search for one function's spans (both `code.*` generations), optionally within the filter: hover links, agent tools. */
export function functionSpansQuery(ref: CodeRef, service: string | null, filter?: string): string {
  return spanSet(codeRefCondition(ref, service), filter);
}

export interface DrillDownQueryOptions {
  readonly scopedIntrinsics: boolean;
  readonly filter: string;
  /** Only spans at least this slow (the narrowing threshold), ms. */
  readonly minDurationMs?: number | undefined;
  readonly errorsOnly?: boolean | undefined;
}

/** Search for one function's spans (slowest: with a duration threshold; erroring: status = error). */
export function drillDownQuery(ref: CodeRef, service: string | null, opts: DrillDownQueryOptions): string {
  const i = intrinsics(opts.scopedIntrinsics);
  const conds: string[] = [codeRefCondition(ref, service)];
  if (opts.filter !== '') conds.push(opts.filter);
  if (opts.minDurationMs !== undefined && opts.minDurationMs > 0) conds.push(`${i.duration} >= ${durationLiteral(opts.minDurationMs)}`);
  if (opts.errorsOnly === true) conds.push(`${i.status} = error`);
  const select = [...SELECT_CODE, i.status, i.statusMessage, i.name];
  return `${spanSet(...conds)} | select(${select.join(', ')})`;
}

/** The coverage probe names at most this many counted functions, or else their services (the query's length). */
export const PROBE_MAX_NAMED = 40;

/**
 * The coverage probe of TraceQL metrics: spans with code attributes in scope that the figures did
 * not count — every counted function excluded (`!(…)`: a span without the attribute is not that
 * function), or past `PROBE_MAX_NAMED` functions every counted service (a function missing inside a
 * counted service then goes unseen). With nothing counted: any code span. Null when even the
 * services are too many to name. Selects the code attributes, to name what was missed.
 */
export function codeSpansProbeQuery(opts: StatsQueryOptions, counted: readonly { readonly codeRef: CodeRef; readonly service: string | null }[] = []): string | null {
  let exclude: string[];
  if (counted.length <= PROBE_MAX_NAMED) {
    exclude = counted.map((c) => `!(${codeRefCondition({ ...c.codeRef, filePath: null }, c.service)})`);
  } else {
    const services = [...new Set(counted.map((c) => c.service))];
    if (services.length > PROBE_MAX_NAMED || services.includes(null)) return null;
    exclude = services.map((s) => `resource.service.name != ${stringLiteral(s as string)}`);
  }
  return `${spanSet(CODE_PRESENT, opts.filter, servicesCondition(opts.services), ...exclude)} | select(${SELECT_CODE.join(', ')})`;
}

/** Tempo's TraceQL lexer reads the query through a scanner with a buffer of this many bytes. */
const LEXER_CHUNK = 1024;
/** How far past a word the lexer's look-ahead copies read (a scope's first part is at most 10 bytes and its dot; a duration's unit a few). */
const LOOKAHEAD = 12;

/**
 * The same query, laid out so Tempo's lexer reads it whole. Measured on 2.7.2 and 3.0.3: a third
 * of the product's long queries (sampling searches, coverage probes: 1–10 KiB) were refused with
 * `parse error at line 1, col 2049: syntax error: unexpected $end` (or a stray `,` or `)` there),
 * while the same conditions in another order passed. Tempo's lexer looks ahead at attribute names
 * (is `x.` a scope?) and after numbers (a duration unit?) with a by-value copy of Go's
 * `text/scanner`; when that copy reaches the end of the scanner's 1024-byte buffer it refills from
 * the shared reader, and the real scanner then skips those bytes. So no word may start within
 * reach of a multiple of 1024 bytes: spaces (insignificant in TraceQL outside literals) go before
 * such a word. String literals are never touched, nor is a query under 1 KiB.
 */
export function tempoLexerSafe(query: string): string {
  if (utf8Length(query) <= LEXER_CHUNK - LOOKAHEAD) return query;
  let out = '';
  let bytes = 0;
  let i = 0;
  /** Spaces before the word starting at `k` (at byte `bytes`) when the lexer's look-ahead over it could reach a chunk's end. */
  const padWordAt = (k: number): void => {
    let wordBytes = 0;
    for (let j = k; j < query.length && !/[\s"`]/.test(query[j] as string); j++) wordBytes += utf8Width(query, j);
    if (wordBytes === 0) return;
    const boundary = Math.ceil((bytes - 2) / LEXER_CHUNK) * LEXER_CHUNK;
    if (boundary <= 0 || boundary > bytes + wordBytes + LOOKAHEAD) return;
    const pad = boundary - bytes + 3;
    out += ' '.repeat(pad);
    bytes += pad;
  };
  while (i < query.length) {
    const ch = query[i] as string;
    if (ch === '"' || ch === '`') {
      // A literal, copied as is (the real scanner reads it, no look-ahead copy), then the word right after it.
      let j = i + 1;
      while (j < query.length && query[j] !== ch) j += query[j] === '\\' && ch === '"' ? 2 : 1;
      const lit = query.slice(i, j + 1);
      out += lit;
      bytes += utf8Length(lit);
      i = j + 1;
      if (i < query.length) padWordAt(i);
      continue;
    }
    out += ch;
    bytes += utf8Width(query, i);
    i++;
    if (/\s/.test(ch) && i < query.length) padWordAt(i);
  }
  return out;
}
