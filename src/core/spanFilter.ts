// Evaluates the `filter` setting (TraceQL span-set conditions) on parsed spans, for the offline files source.
import type { AttrValue, Span } from '../shared/model';

type Tok = { t: 'op' | 'str' | 'num' | 'dur' | 'id' | '(' | ')' | 'and' | 'or' | 'not'; v: string; n?: number };

const DUR_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) { i++; continue; }
    if (c === '(' || c === ')') { out.push({ t: c, v: c }); i++; continue; }
    if (src.startsWith('&&', i)) { out.push({ t: 'and', v: '&&' }); i += 2; continue; }
    if (src.startsWith('||', i)) { out.push({ t: 'or', v: '||' }); i += 2; continue; }
    const op = /^(=~|!~|!=|>=|<=|=|>|<)/.exec(src.slice(i));
    if (op !== null) { out.push({ t: 'op', v: op[1] as string }); i += (op[1] as string).length; continue; }
    if (c === '!') { out.push({ t: 'not', v: '!' }); i++; continue; }
    if (c === '"') {
      let s = '';
      i++;
      while (i < src.length && src[i] !== '"') {
        if (src[i] === '\\' && i + 1 < src.length) {
          const n = src[i + 1] as string;
          s += n === 'n' ? '\n' : n === 't' ? '\t' : n;
          i += 2;
        } else s += src[i++];
      }
      if (i >= src.length) throw new Error('unterminated string');
      i++;
      out.push({ t: 'str', v: s });
      continue;
    }
    if (c === '`') {
      const close = src.indexOf('`', i + 1);
      if (close < 0) throw new Error('unterminated string');
      out.push({ t: 'str', v: src.slice(i + 1, close) });
      i = close + 1;
      continue;
    }
    const num = /^-?(\d+(?:\.\d+)?|\.\d+)(ns|us|µs|ms|s|m|h)?(?![A-Za-z0-9_.])/.exec(src.slice(i));
    if (num !== null) {
      const n = Number(num[1]);
      if (num[2] !== undefined) out.push({ t: 'dur', v: num[0], n: n * (DUR_UNITS[num[2]] as number) * (num[0].startsWith('-') ? -1 : 1) });
      else out.push({ t: 'num', v: num[0], n: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_.:][A-Za-z0-9_.:\-/]*/.exec(src.slice(i));
    if (id !== null) { out.push({ t: 'id', v: id[0] }); i += id[0].length; continue; }
    throw new Error(`unexpected '${c}'`);
  }
  return out;
}

type Pred = (s: Span) => boolean;
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

function compare(a: AttrValue | undefined, op: string, b: AttrValue | undefined): boolean {
  if (b === null) return op === '!=' ? a !== undefined && a !== null : op === '=' ? a === undefined || a === null : false;
  if (a === undefined || a === null) return false;
  if (op === '=~' || op === '!~') {
    const re = new RegExp(`^(?:${String(b)})$`);
    const m = re.test(String(a));
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
  const primary = (): Pred => {
    const tok = peek();
    if (tok?.t === 'not') { p++; const inner = primary(); return (s) => !inner(s); }
    if (tok?.t === '(') { p++; const e = or(); expect(')'); return e; }
    const id = expect('id').v;
    const get = getter(id);
    const op = expect('op').v;
    const v = value();
    const want = typeof v === 'boolean' ? String(v) : v;
    return (s) => {
      const a = get(s);
      return compare(typeof a === 'boolean' ? String(a) : a, op, want);
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
