// Evaluates the `filter` setting (TraceQL span-set conditions) on parsed spans, for the offline files source.
import type * as Re2 from 're2js';
import { lazyRequire } from './lazy';
import type { AttrValue, Span } from '../shared/model';

type Tok = { t: 'op' | 'str' | 'num' | 'dur' | 'id' | '(' | ')' | 'and' | 'or' | 'not'; v: string; n?: number };

/** re2js is 150 KB: loaded with the first `=~`/`!~` filter, not at activation (see esbuild.mjs). */
const re2 = lazyRequire(() => require('re2js') as typeof Re2);

const DUR_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

// Sticky patterns: each token is read at `lastIndex` without slicing the rest of the text (linear).
const OP = /=~|!~|!=|>=|<=|=|>|</y;
const NUM = /-?(\d+(?:\.\d+)?|\.\d+)(ns|us|µs|ms|s|m|h)?(?![A-Za-z0-9_.])/y;
const ID = /[A-Za-z_.:][A-Za-z0-9_.:\-/]*/y;

function sticky(re: RegExp, src: string, at: number): RegExpExecArray | null {
  re.lastIndex = at;
  return re.exec(src);
}

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) { i++; continue; }
    if (c === '(' || c === ')') { out.push({ t: c, v: c }); i++; continue; }
    if (src.startsWith('&&', i)) { out.push({ t: 'and', v: '&&' }); i += 2; continue; }
    if (src.startsWith('||', i)) { out.push({ t: 'or', v: '||' }); i += 2; continue; }
    const op = sticky(OP, src, i);
    if (op !== null) { out.push({ t: 'op', v: op[0] }); i += op[0].length; continue; }
    if (c === '!') { out.push({ t: 'not', v: '!' }); i++; continue; }
    if (c === '"') {
      const parts: string[] = [];
      i++;
      while (i < src.length && src[i] !== '"') {
        if (src[i] === '\\' && i + 1 < src.length) {
          const n = src[i + 1] as string;
          parts.push(n === 'n' ? '\n' : n === 't' ? '\t' : n);
          i += 2;
        } else parts.push(src[i++] as string);
      }
      if (i >= src.length) throw new Error('unterminated string');
      i++;
      out.push({ t: 'str', v: parts.join('') });
      continue;
    }
    if (c === '`') {
      const close = src.indexOf('`', i + 1);
      if (close < 0) throw new Error('unterminated string');
      out.push({ t: 'str', v: src.slice(i + 1, close) });
      i = close + 1;
      continue;
    }
    const num = sticky(NUM, src, i);
    if (num !== null) {
      const n = Number(num[1]);
      if (num[2] !== undefined) out.push({ t: 'dur', v: num[0], n: n * (DUR_UNITS[num[2]] as number) * (num[0].startsWith('-') ? -1 : 1) });
      else out.push({ t: 'num', v: num[0], n: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    const id = sticky(ID, src, i);
    if (id !== null) { out.push({ t: 'id', v: id[0] }); i += id[0].length; continue; }
    throw new Error(`unexpected '${c}'`);
  }
  return out;
}

type Pred = (s: Span) => boolean;

const MAX_NESTING = 64;
type Getter = (s: Span) => AttrValue | undefined;

const INTRINSICS: Record<string, Getter> = {
  duration: (s) => s.endMs - s.startMs,
  name: (s) => s.name,
  status: (s) => s.status,
  statusMessage: (s) => s.statusMessage ?? undefined,
  kind: (s) => s.kind,
  rootServiceName: () => undefined,
};

function getter(id: string): Getter {
  const scoped = /^(span|resource|trace|event|link|instrumentation):(\w+)$/.exec(id);
  if (scoped !== null) {
    const g = scoped[1] === 'span' ? INTRINSICS[scoped[2] as string] : undefined;
    if (g === undefined) throw new Error(`${id} is not supported for files`);
    return g;
  }
  if (id in INTRINSICS) return INTRINSICS[id] as Getter;
  if (id.startsWith('span.')) { const k = id.slice(5); return (s) => s.attributes[k]; }
  if (id.startsWith('resource.')) { const k = id.slice(9); return (s) => s.resource[k]; }
  if (id.startsWith('.')) { const k = id.slice(1); return (s) => s.attributes[k] ?? s.resource[k]; }
  throw new Error(`unknown attribute ${id}`);
}

/**
 * Compiles the right-hand side of `=~` / `!~` with RE2 semantics, as Tempo does (Go's regexp,
 * anchored at both ends): linear time whatever the pattern, so a filter such as `(a+)+b` cannot
 * hang on a long attribute. Perl-only syntax (look-arounds, back-references) is refused.
 */
function compileRegex(pattern: string): (text: string) => boolean {
  let re: Re2.RE2JS;
  try {
    re = re2().RE2JS.compile(pattern);
  } catch (e) {
    throw new Error(`invalid regular expression ${JSON.stringify(pattern.slice(0, 80))}: ${(e as Error).message}`);
  }
  return (text) => re.testExact(text);
}

function compare(a: AttrValue | undefined, op: string, b: AttrValue | undefined, regex: ((text: string) => boolean) | null): boolean {
  if (b === null) return op === '!=' ? a !== undefined && a !== null : op === '=' ? a === undefined || a === null : false;
  if (a === undefined || a === null) return false;
  if (regex !== null) {
    const m = regex(String(a));
    return op === '=~' ? m : !m;
  }
  if (typeof b === 'number') {
    const x = typeof a === 'number' ? a : Number(a);
    if (!Number.isFinite(x)) return op === '!=';
    switch (op) {
      case '=': return x === b;
      case '!=': return x !== b;
      case '>': return x > b;
      case '>=': return x >= b;
      case '<': return x < b;
      case '<=': return x <= b;
    }
    return false;
  }
  const x = String(a);
  const y = String(b);
  switch (op) {
    case '=': return x === y;
    case '!=': return x !== y;
    case '>': return x > y;
    case '>=': return x >= y;
    case '<': return x < y;
    case '<=': return x <= y;
  }
  return false;
}

/**
 * Compiles span-set conditions (`resource.service.name = "cart" && duration > 500ms`) into a
 * predicate. Supports attributes (`span.`, `resource.`, unscoped `.`), the intrinsics duration,
 * name, status, statusMessage, kind (plain or `span:` scoped), `&& || ! ( )`, and
 * `= != > >= < <= =~ !~` against strings, numbers, durations, nil, true/false and keywords.
 * Throws an Error saying what is not supported.
 */
export function compileSpanFilter(conditions: string): Pred {
  const toks = tokenize(conditions);
  let p = 0;
  const peek = (): Tok | undefined => toks[p];
  const expect = (t: Tok['t']): Tok => {
    const tok = toks[p];
    if (tok === undefined || tok.t !== t) throw new Error(`expected ${t} at token ${p + 1}`);
    p++;
    return tok;
  };
  const value = (): AttrValue => {
    const tok = toks[p++];
    if (tok === undefined) throw new Error('missing value');
    if (tok.t === 'str') return tok.v;
    if (tok.t === 'num' || tok.t === 'dur') return tok.n as number;
    if (tok.t === 'id') {
      if (tok.v === 'nil') return null;
      if (tok.v === 'true') return true;
      if (tok.v === 'false') return false;
      return tok.v;
    }
    throw new Error(`unexpected ${tok.v}`);
  };
  let nesting = 0;
  const primary = (): Pred => {
    const tok = peek();
    // A bound on nesting keeps a hostile `((((…` or `!!!!…` from exhausting the stack.
    if ((tok?.t === 'not' || tok?.t === '(') && ++nesting > MAX_NESTING) throw new Error(`nested deeper than ${MAX_NESTING} levels`);
    if (tok?.t === 'not') { p++; const inner = primary(); nesting--; return (s) => !inner(s); }
    if (tok?.t === '(') { p++; const e = or(); expect(')'); nesting--; return e; }
    const id = expect('id').v;
    const get = getter(id);
    const op = expect('op').v;
    const v = value();
    const want = typeof v === 'boolean' ? String(v) : v;
    // Compiled once per filter, never per span.
    const regex = (op === '=~' || op === '!~') && want !== null ? compileRegex(String(want)) : null;
    return (s) => {
      const a = get(s);
      return compare(typeof a === 'boolean' ? String(a) : a, op, want, regex);
    };
  };
  const and = (): Pred => {
    const parts = [primary()];
    while (peek()?.t === 'and') { p++; parts.push(primary()); }
    return parts.length === 1 ? (parts[0] as Pred) : (s) => parts.every((f) => f(s));
  };
  const or = (): Pred => {
    const parts = [and()];
    while (peek()?.t === 'or') { p++; parts.push(and()); }
    return parts.length === 1 ? (parts[0] as Pred) : (s) => parts.some((f) => f(s));
  };
  if (toks.length === 0) return () => true;
  const pred = or();
  if (p !== toks.length) throw new Error(`unexpected '${toks[p]?.v ?? ''}'`);
  return pred;
}
