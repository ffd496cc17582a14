// TraceQL subset of the Tempo test server: lezer-traceql syntax tree → own AST, Tempo-style parse errors.
import { parser } from '@grafana/lezer-traceql';
import type { SyntaxNode } from '@lezer/common';

export type Scope = 'span' | 'resource' | 'any';

export type Intrinsic =
  | 'duration'
  | 'name'
  | 'status'
  | 'kind'
  | 'statusMessage'
  | 'rootServiceName'
  | 'rootName'
  | 'traceDuration'
  | 'traceId'
  | 'spanId';

export type Field =
  | { readonly type: 'attr'; readonly scope: Scope; readonly name: string; readonly text: string }
  | { readonly type: 'intrinsic'; readonly intrinsic: Intrinsic; readonly text: string };

export type StatusValue = 'ok' | 'error' | 'unset';
export type KindValue = 'unspecified' | 'internal' | 'server' | 'client' | 'producer' | 'consumer';

/** A runtime or literal value; durations are nanoseconds. */
export type Val =
  | { readonly t: 'str'; readonly v: string }
  | { readonly t: 'int'; readonly v: number }
  | { readonly t: 'float'; readonly v: number }
  | { readonly t: 'bool'; readonly v: boolean }
  | { readonly t: 'dur'; readonly v: number }
  | { readonly t: 'status'; readonly v: StatusValue }
  | { readonly t: 'kind'; readonly v: KindValue }
  | { readonly t: 'arr'; readonly v: readonly Val[] }
  | { readonly t: 'nil' };

export type CompareOp = '=' | '!=' | '>' | '<' | '>=' | '<=' | '=~' | '!~';

export type Cond =
  | { readonly type: 'and' | 'or'; readonly left: Cond; readonly right: Cond }
  | { readonly type: 'not'; readonly inner: Cond }
  | { readonly type: 'cmp'; readonly op: CompareOp; readonly left: Operand; readonly right: Operand }
  | { readonly type: 'truthy'; readonly operand: Operand };

export type Operand = { readonly type: 'field'; readonly field: Field } | { readonly type: 'static'; readonly value: Val };

export type SpansetExpr =
  | { readonly type: 'filter'; readonly cond: Cond | null }
  | { readonly type: 'and' | 'or'; readonly left: SpansetExpr; readonly right: SpansetExpr };

export type MetricsFn = 'rate' | 'count_over_time' | 'quantile_over_time' | 'histogram_over_time';

export interface MetricsOp {
  readonly fn: MetricsFn;
  readonly field: Field | null;
  readonly quantiles: readonly number[];
  readonly by: readonly Field[];
}

export interface Query {
  readonly spanset: SpansetExpr;
  readonly select: readonly Field[];
  readonly metrics: MetricsOp | null;
  readonly hints: Readonly<Record<string, string>>;
}

export class TraceQLError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TraceQLError';
  }
}

const strictParser = parser.configure({ strict: true });

const KINDS: readonly KindValue[] = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const STATUSES: readonly StatusValue[] = ['ok', 'error', 'unset'];

const INTRINSICS: Readonly<Record<string, Intrinsic>> = {
  duration: 'duration',
  'span:duration': 'duration',
  name: 'name',
  'span:name': 'name',
  status: 'status',
  'span:status': 'status',
  kind: 'kind',
  'span:kind': 'kind',
  statusMessage: 'statusMessage',
  'span:statusMessage': 'statusMessage',
  rootServiceName: 'rootServiceName',
  'trace:rootService': 'rootServiceName',
  rootName: 'rootName',
  'trace:rootName': 'rootName',
  traceDuration: 'traceDuration',
  'trace:duration': 'traceDuration',
  'trace:id': 'traceId',
  'span:id': 'spanId',
};

/** Maps positions in the rewritten query back to the user's text (we insert `0` before `.5`). */
interface Source {
  readonly original: string;
  readonly text: string;
  readonly inserts: readonly number[];
}

/**
 * lezer-traceql rejects `.5` while Tempo (and the recorded queries) accept it, so leading-dot
 * numbers outside string literals get a `0` in front before parsing.
 */
function prepare(original: string): Source {
  let text = '';
  const inserts: number[] = [];
  let i = 0;
  while (i < original.length) {
    const c = original[i] ?? '';
    if (c === '"' || c === '`') {
      let j = i + 1;
      while (j < original.length && original[j] !== c) j += c === '"' && original[j] === '\\' ? 2 : 1;
      text += original.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (c === '.' && /[0-9]/.test(original[i + 1] ?? '')) {
      const prev = original.slice(0, i).trimEnd().slice(-1);
      if (prev === '' || /[(,=<>!~+\-*/%^&|]/.test(prev)) {
        inserts.push(text.length);
        text += '0';
      }
    }
    text += c;
    i++;
  }
  return { original, text, inserts };
}

function originalPos(src: Source, pos: number): number {
  return pos - src.inserts.filter((p) => p < pos).length;
}

function lineCol(text: string, pos: number): { line: number; col: number } {
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const col = pos - (before.lastIndexOf('\n') + 1) + 1;
  return { line, col };
}

const TWO_CHAR_OPS = ['&&', '||', '!=', '=~', '!~', '>=', '<=', '>>', '<<', '&>', '&<', '&~', '!>', '!<'];

/** The token starting at (or after whitespace from) `pos`, as Go's yacc names it in messages. */
function tokenAt(text: string, pos: number): { text: string; pos: number } {
  let p = pos;
  while (p < text.length && /\s/.test(text[p] ?? '')) p++;
  if (p >= text.length) return { text: '$end', pos: p };
  const rest = text.slice(p);
  const word = /^[A-Za-z_][A-Za-z0-9_:.]*/.exec(rest) ?? /^[0-9][0-9.a-zµ]*/.exec(rest);
  if (word) return { text: word[0], pos: p };
  if (rest[0] === '"' || rest[0] === '`') {
    const q = rest[0];
    let j = 1;
    while (j < rest.length && rest[j] !== q) j += q === '"' && rest[j] === '\\' ? 2 : 1;
    return { text: rest.slice(0, j + 1), pos: p };
  }
  const two = rest.slice(0, 2);
  if (TWO_CHAR_OPS.includes(two)) return { text: two, pos: p };
  return { text: rest[0] ?? '', pos: p };
}

function parseErrorAt(src: Source, rewrittenPos: number, suffix = ''): TraceQLError {
  const orig = originalPos(src, rewrittenPos);
  let tok = tokenAt(src.original, orig);
  let expecting = suffix;
  // Tempo's yacc grammar reads `rate(` + `)` as separate tokens and fails on what follows `(`;
  // lezer fails on the `(` itself. Report the Tempo position for the common `fn( garbage` case.
  if (tok.text === '(' && /[a-z_]$/.test(src.original.slice(0, tok.pos).trimEnd())) {
    const next = tokenAt(src.original, tok.pos + 1);
    if (next.text !== ')') {
      tok = next;
      expecting = ', expecting )';
    }
  }
  const { line, col } = lineCol(src.original, tok.pos);
  return new TraceQLError(`parse error at line ${line}, col ${col}: syntax error: unexpected ${tok.text}${expecting}`);
}

function unsupported(src: Source, node: SyntaxNode, what?: string): TraceQLError {
  const orig = originalPos(src, node.from);
  const tok = tokenAt(src.original, orig);
  const { line, col } = lineCol(src.original, tok.pos);
  return new TraceQLError(
    `parse error at line ${line}, col ${col}: syntax error: unexpected ${what ?? tok.text} (not supported by the Tempo test server)`,
  );
}

/** Unquotes a TraceQL string literal: Go escapes in double quotes, raw in backticks. */
export function unquote(lit: string): string {
  if (lit.startsWith('`')) return lit.slice(1, -1);
  const body = lit.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i] ?? '';
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = body[++i] ?? '';
    const simple: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'" };
    const mapped = simple[n];
    if (mapped !== undefined) out += mapped;
    else if (n === 'x') {
      out += String.fromCharCode(parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (n === 'u') {
      out += String.fromCodePoint(parseInt(body.slice(i + 1, i + 5), 16));
      i += 4;
    } else if (n === 'U') {
      out += String.fromCodePoint(parseInt(body.slice(i + 1, i + 9), 16));
      i += 8;
    } else if (/[0-7]/.test(n)) {
      out += String.fromCharCode(parseInt(body.slice(i, i + 3), 8));
      i += 2;
    } else out += n;
  }
  return out;
}

const DURATION_UNITS: Readonly<Record<string, number>> = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go `time.ParseDuration` (returns nanoseconds) or null. */
export function parseGoDuration(text: string): number | null {
  const m = /^([+-]?)((?:[0-9]*\.?[0-9]+(?:ns|us|µs|ms|s|m|h))+)$/.exec(text.trim());
  if (!m) return text.trim() === '0' ? 0 : null;
  let total = 0;
  const re = /([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)/g;
  for (let part = re.exec(m[2] ?? ''); part; part = re.exec(m[2] ?? '')) {
    total += Number(part[1]) * (DURATION_UNITS[part[2] ?? ''] ?? 0);
  }
  return m[1] === '-' ? -total : total;
}

/** Go `time.Duration.String()` for a nanosecond count. */
export function formatGoDuration(ns: number): string {
  if (ns === 0) return '0s';
  const neg = ns < 0;
  let u = Math.abs(Math.round(ns));
  let out: string;
  if (u < 1e9) {
    const [unit, div] = u < 1e3 ? ['ns', 1] : u < 1e6 ? ['µs', 1e3] : ['ms', 1e6];
    out = `${trimFloat(u / div)}${unit}`;
  } else {
    const h = Math.floor(u / 3600e9);
    u -= h * 3600e9;
    const m = Math.floor(u / 60e9);
    u -= m * 60e9;
    const s = `${trimFloat(u / 1e9)}s`;
    out = h > 0 ? `${h}h${m}m${s}` : m > 0 ? `${m}m${s}` : s;
  }
  return neg ? `-${out}` : out;
}

function trimFloat(n: number): string {
  return String(Number(n.toFixed(9)));
}

function parseStatic(src: Source, node: SyntaxNode): Val {
  const text = src.text.slice(node.from, node.to);
  const child = node.firstChild;
  if (child) {
    switch (child.name) {
      case 'String':
        return { t: 'str', v: unquote(text) };
      case 'Integer':
        return { t: 'int', v: Number(text) };
      case 'Float':
        return { t: 'float', v: Number(text) };
      case 'Duration': {
        const ns = parseGoDuration(text);
        if (ns === null) throw unsupported(src, node);
        return { t: 'dur', v: ns };
      }
      default:
        throw unsupported(src, node);
    }
  }
  if (text === 'nil') return { t: 'nil' };
  if (text === 'true' || text === 'false') return { t: 'bool', v: text === 'true' };
  if ((STATUSES as readonly string[]).includes(text)) return { t: 'status', v: text as StatusValue };
  if ((KINDS as readonly string[]).includes(text)) return { t: 'kind', v: text as KindValue };
  throw unsupported(src, node);
}

function parseField(src: Source, node: SyntaxNode): Field {
  const text = src.text.slice(node.from, node.to);
  if (node.name === 'IntrinsicField') {
    const intrinsic = INTRINSICS[text];
    if (!intrinsic) throw unsupported(src, node);
    return { type: 'intrinsic', intrinsic, text };
  }
  if (node.name !== 'AttributeField') throw unsupported(src, node);
  let scope: Scope = 'any';
  let ident: SyntaxNode | null = null;
  for (let c = node.firstChild; c; c = c.nextSibling) {
    if (c.name === 'Span') scope = 'span';
    else if (c.name === 'Resource') scope = 'resource';
    else if (c.name === 'Identifier') ident = c;
    else throw unsupported(src, c);
  }
  if (!ident) throw unsupported(src, node);
  const raw = src.text.slice(ident.from, ident.to);
  const name = raw.replace(/"((?:[^"\\]|\\.)*)"/g, (q: string) => unquote(q));
  return { type: 'attr', scope, name, text };
}

/** A flat token stream of one `{ … }` filter, rebuilt from lezer leaves plus the punctuation between them. */
type FilterToken =
  | { readonly k: 'operand'; readonly operand: Operand; readonly node: SyntaxNode }
  | { readonly k: 'op'; readonly op: string; readonly node: SyntaxNode }
  | { readonly k: 'punct'; readonly p: '(' | ')' | '!' | '-'; readonly pos: number };

function collectFilterTokens(src: Source, node: SyntaxNode, out: FilterToken[]): void {
  for (let c = node.firstChild; c; c = c.nextSibling) {
    switch (c.name) {
      case 'FieldExpression':
        collectFilterTokens(src, c, out);
        break;
      case 'Static':
        out.push({ k: 'operand', operand: { type: 'static', value: parseStatic(src, c) }, node: c });
        break;
      case 'AttributeField':
      case 'IntrinsicField':
        out.push({ k: 'operand', operand: { type: 'field', field: parseField(src, c) }, node: c });
        break;
      case 'FieldOp':
        out.push({ k: 'op', op: src.text.slice(c.from, c.to), node: c });
        break;
      case 'And':
        out.push({ k: 'op', op: '&&', node: c });
        break;
      case 'Or':
        out.push({ k: 'op', op: '||', node: c });
        break;
      default:
        throw unsupported(src, c);
    }
  }
}

/** Adds the anonymous punctuation (parentheses, `!`, unary `-`) lezer leaves out of the tree. */
function withPunctuation(src: Source, from: number, to: number, tokens: FilterToken[]): FilterToken[] {
  const out: FilterToken[] = [];
  let cursor = from;
  const gap = (end: number): void => {
    for (let i = cursor; i < end; i++) {
      const ch = src.text[i] ?? '';
      if (ch === '(' || ch === ')' || ch === '!' || ch === '-') out.push({ k: 'punct', p: ch, pos: i });
    }
  };
  for (const t of tokens) {
    if (t.k === 'punct') continue;
    gap(t.node.from);
    out.push(t);
    cursor = t.node.to;
  }
  gap(to);
  return out;
}

const COMPARE_OPS: readonly string[] = ['=', '!=', '>', '<', '>=', '<=', '=~', '!~'];

class FilterParser {
  private i = 0;
  constructor(
    private readonly src: Source,
    private readonly tokens: readonly FilterToken[],
    private readonly filterNode: SyntaxNode,
  ) {}

  parse(): Cond | null {
    if (this.tokens.length === 0) return null;
    const cond = this.parseOr();
    if (this.i < this.tokens.length) throw this.fail(this.tokens[this.i]);
    return cond;
  }

  private fail(tok: FilterToken | undefined): TraceQLError {
    if (!tok) return unsupported(this.src, this.filterNode);
    if (tok.k === 'punct') {
      const { line, col } = lineCol(this.src.original, originalPos(this.src, tok.pos));
      return new TraceQLError(
        `parse error at line ${line}, col ${col}: syntax error: unexpected ${tok.p} (not supported by the Tempo test server)`,
      );
    }
    return unsupported(this.src, tok.node);
  }

  private peekOp(op: string): boolean {
    const t = this.tokens[this.i];
    return t !== undefined && t.k === 'op' && t.op === op;
  }

  private parseOr(): Cond {
    let left = this.parseAnd();
    while (this.peekOp('||')) {
      this.i++;
      left = { type: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): Cond {
    let left = this.parseUnary();
    while (this.peekOp('&&')) {
      this.i++;
      left = { type: 'and', left, right: this.parseUnary() };
    }
    return left;
  }

  private parseUnary(): Cond {
    const t = this.tokens[this.i];
    if (t?.k === 'punct' && t.p === '!') {
      this.i++;
      return { type: 'not', inner: this.parseUnary() };
    }
    if (t?.k === 'punct' && t.p === '(') {
      // A parenthesised condition, unless it is followed by a comparison (then it was a value group).
      this.i++;
      const inner = this.parseOr();
      const close = this.tokens[this.i];
      if (close?.k !== 'punct' || close.p !== ')') throw this.fail(close);
      this.i++;
      return inner;
    }
    const left = this.parseOperand();
    const op = this.tokens[this.i];
    if (op?.k === 'op' && COMPARE_OPS.includes(op.op)) {
      this.i++;
      const right = this.parseOperand();
      return { type: 'cmp', op: op.op as CompareOp, left, right };
    }
    if (op?.k === 'op' && op.op !== '&&' && op.op !== '||') throw this.fail(op);
    return { type: 'truthy', operand: left };
  }

  private parseOperand(): Operand {
    const t = this.tokens[this.i];
    if (t?.k === 'punct' && t.p === '-') {
      this.i++;
      const inner = this.parseOperand();
      if (inner.type === 'static') {
        const v = inner.value;
        if (v.t === 'int' || v.t === 'float' || v.t === 'dur') return { type: 'static', value: { ...v, v: -v.v } };
      }
      throw this.fail(t);
    }
    if (t?.k !== 'operand') throw this.fail(t);
    this.i++;
    return t.operand;
  }
}

function parseFilter(src: Source, node: SyntaxNode): SpansetExpr {
  const tokens: FilterToken[] = [];
  collectFilterTokens(src, node, tokens);
  // Skip the braces of the filter itself.
  const all = withPunctuation(src, node.from + 1, node.to - 1, tokens);
  return { type: 'filter', cond: new FilterParser(src, all, node).parse() };
}

interface Pipeline {
  spanset: SpansetExpr | null;
  select: Field[];
  metrics: MetricsOp | null;
}

function parseMetrics(src: Source, node: SyntaxNode): MetricsOp {
  const op = node.firstChild;
  if (!op) throw unsupported(src, node);
  const by: Field[] = [];
  const collectBy = (group: SyntaxNode): void => {
    for (let c = group.firstChild; c; c = c.nextSibling) {
      if (c.name !== 'FieldExpression') throw unsupported(src, c);
      const f = c.firstChild;
      if (!f || f.nextSibling) throw unsupported(src, c);
      by.push(parseField(src, f));
    }
  };
  if (op.name === 'MetricsOperationBasic') {
    let fn: MetricsFn | null = null;
    for (let c = op.firstChild; c; c = c.nextSibling) {
      if (c.name === 'MetricsOperationBasicType') {
        const name = src.text.slice(c.from, c.to);
        if (name !== 'rate' && name !== 'count_over_time') throw unsupported(src, c);
        fn = name;
      } else if (c.name === 'GroupOperation') collectBy(c);
      else throw unsupported(src, c);
    }
    if (!fn) throw unsupported(src, op);
    return { fn, field: null, quantiles: [], by };
  }
  if (op.name === 'MetricsOperationQuantile') {
    let field: Field | null = null;
    const quantiles: number[] = [];
    for (let c = op.firstChild; c; c = c.nextSibling) {
      if (c.name === 'MetricsOperationQuantileArgs') {
        for (let a = c.firstChild; a; a = a.nextSibling) {
          if (a.name === 'MetricsExpression') {
            const f = a.firstChild;
            if (!f) throw unsupported(src, a);
            field = parseField(src, f);
            if (field.type !== 'intrinsic' || field.intrinsic !== 'duration') throw unsupported(src, a);
          } else if (a.name === 'MetricsOperationQuantileArgsType') {
            quantiles.push(Number(src.text.slice(a.from, a.to)));
          } else throw unsupported(src, a);
        }
      } else if (c.name === 'GroupOperation') collectBy(c);
      else throw unsupported(src, c);
    }
    if (!field || quantiles.length === 0) throw unsupported(src, op);
    return { fn: 'quantile_over_time', field, quantiles, by };
  }
  if (op.name === 'MetricsOperationHistogram') {
    // Only durations: Tempo buckets other numeric attributes too, nothing here needs that.
    let field: Field | null = null;
    for (let c = op.firstChild; c; c = c.nextSibling) {
      if (c.name === 'MetricsExpression') {
        const f = c.firstChild;
        if (!f || f.nextSibling) throw unsupported(src, c);
        field = parseField(src, f);
        if (field.type !== 'intrinsic' || field.intrinsic !== 'duration') throw unsupported(src, c);
      } else if (c.name === 'GroupOperation') collectBy(c);
      else throw unsupported(src, c);
    }
    if (!field) throw unsupported(src, op);
    return { fn: 'histogram_over_time', field, quantiles: [], by };
  }
  throw unsupported(src, op);
}

function parsePipelineExpr(src: Source, node: SyntaxNode): Pipeline {
  const kids: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) kids.push(c);
  if (kids.length === 1 && kids[0]) {
    const only = kids[0];
    if (only.name === 'SpansetPipelineExpression' || only.name === 'WrappedSpansetPipeline') return parsePipelineExpr(src, only);
    if (only.name === 'SpansetPipeline') return parseSpansetPipeline(src, only);
    throw unsupported(src, only);
  }
  if (kids.length === 3 && kids[0] && kids[1] && kids[2]) {
    const [l, op, r] = [kids[0], kids[1], kids[2]];
    const left = parsePipelineExpr(src, l);
    if (op.name === 'Pipe') {
      const right = parsePipelineExpr(src, r);
      if (right.spanset !== null) throw unsupported(src, r);
      if (left.metrics) throw unsupported(src, r);
      return {
        spanset: left.spanset,
        select: [...left.select, ...right.select],
        metrics: right.metrics,
      };
    }
    if (op.name === 'And' || op.name === 'Or') {
      const right = parsePipelineExpr(src, r);
      if (!left.spanset || !right.spanset || left.metrics || right.metrics || left.select.length || right.select.length) {
        throw unsupported(src, op);
      }
      return {
        spanset: { type: op.name === 'And' ? 'and' : 'or', left: left.spanset, right: right.spanset },
        select: [],
        metrics: null,
      };
    }
    throw unsupported(src, op);
  }
  throw unsupported(src, kids[1] ?? node);
}

function parseSpansetPipeline(src: Source, node: SyntaxNode): Pipeline {
  const first = node.firstChild;
  if (!first || first.nextSibling) throw unsupported(src, first?.nextSibling ?? node);
  switch (first.name) {
    case 'SpansetFilter':
      return { spanset: parseFilter(src, first), select: [], metrics: null };
    case 'SpansetExpression':
      return parsePipelineExpr(src, first);
    case 'SelectOperation': {
      const fields: Field[] = [];
      const walk = (n: SyntaxNode): void => {
        for (let c = n.firstChild; c; c = c.nextSibling) {
          if (c.name === 'SelectArgs') walk(c);
          else if (c.name === 'FieldExpression') {
            const f = c.firstChild;
            if (!f || f.nextSibling) throw unsupported(src, c);
            fields.push(parseField(src, f));
          } else throw unsupported(src, c);
        }
      };
      walk(first);
      return { spanset: null, select: fields, metrics: null };
    }
    case 'MetricsOperation':
      return { spanset: null, select: [], metrics: parseMetrics(src, first) };
    default:
      throw unsupported(src, first);
  }
}

const LEXER_CHUNK = 1024;
const isAttributeRune = (c: string): boolean => !/\s/.test(c) && !'{}()=~!<>&|^,'.includes(c);
const isDurationRune = (c: string): boolean => /[0-9.nsumhµdwy]/.test(c);

/**
 * Where real Tempo's lexer loses its place in `query` (a byte offset, a multiple of 1024), or null.
 * Measured on 2.7.2 and 3.0.3 (src/core/traceql.ts `tempoLexerSafe` has the story): after a scope
 * (`span.`, `resource.`, `parent.`, a lone `.`) the lexer's by-value scanner copy reads the
 * attribute up to its first dot (at most 10 characters and the dot); after a number, its duration
 * unit. The copy is harmless unless that read crosses the end of the 1024-byte buffer the real
 * scanner filled: then the real scanner skips what the copy read in. Reproduces the measured
 * windows exactly: `span.code.function` fails starting 10–6 bytes before a boundary,
 * `resource.service.name` 17–10, `.foo` 4–2, `duration > 250ms` 16–15; `12345` and intrinsics never.
 */
export function lexerLosesPlaceAt(query: string, after = 0): number | null {
  const bytes = Buffer.from(query, 'utf8');
  if (bytes.length <= LEXER_CHUNK) return null;
  const text = bytes.toString('latin1');
  /** A chunk end (past `after`) the copy reads up to, when it has read `from` .. `to` (inclusive) with `from - 1` already read by the real scanner. */
  const crossed = (from: number, to: number): number | null => {
    const b = Math.ceil(from / LEXER_CHUNK) * LEXER_CHUNK;
    return from <= to && b <= to && b > after ? b : null;
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '"' || c === '`') {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === '\\' && c === '"' ? 2 : 1;
      i = j + 1;
      continue;
    }
    const prev = i > 0 ? (text[i - 1] as string) : ' ';
    const atToken = !isAttributeRune(prev) || prev === '"';
    const scope = atToken ? (['resource.', 'parent.', 'span.'].find((p) => text.startsWith(p, i))?.length ?? (c === '.' && isAttributeRune(text[i + 1] ?? ' ') ? 1 : 0)) : 0;
    if (scope > 0) {
      const at = i + scope;
      let reads = 0;
      for (let j = at, len = 0; j < text.length; j++) {
        const r = text[j] as string;
        if (r === '.') {
          reads++;
          break;
        }
        if (!isAttributeRune(r) || len > 9) break;
        len++;
        reads++;
      }
      const lost = crossed(at + 1, at + reads);
      if (lost !== null) return lost;
      i = at;
      continue;
    }
    if (atToken && /[0-9]/.test(c)) {
      let end = i;
      while (end < text.length && /[0-9.]/.test(text[end] as string)) end++;
      let reads = 0;
      while (end + reads < text.length && isDurationRune(text[end + reads] as string)) reads++;
      const lost = crossed(end + 1, end + reads);
      if (lost !== null) return lost;
      i = end + Math.max(reads, 1);
      continue;
    }
    i++;
  }
  return null;
}

/**
 * What real Tempo's parser reads of `query`: where its lexer loses its place (`lexerLosesPlaceAt`),
 * the look-ahead copy has taken the next 1024 bytes from the reader, so the parser reads on from
 * there — usually a syntax error (`unexpected $end`, a stray `,` or `)`), sometimes another valid
 * query (measured: such queries are answered 200).
 */
export function lexerStream(query: string): string {
  let bytes = Buffer.from(query, 'utf8');
  for (let lost = lexerLosesPlaceAt(query); lost !== null; lost = lexerLosesPlaceAt(bytes.toString('utf8'), lost)) {
    bytes = Buffer.concat([bytes.subarray(0, lost), bytes.subarray(lost + LEXER_CHUNK)]);
  }
  return bytes.toString('utf8');
}

/** Parses the supported TraceQL subset; throws TraceQLError with Tempo's message form otherwise. */
export function parseTraceQL(query: string): Query {
  const src = prepare(lexerStream(query));
  try {
    strictParser.parse(src.text);
  } catch (err) {
    const m = /No parse at (\d+)/.exec(err instanceof Error ? err.message : '');
    throw parseErrorAt(src, m ? Number(m[1]) : src.text.length);
  }
  const tree = parser.parse(src.text);
  const top = tree.topNode;
  let pipeline: Pipeline | null = null;
  const hints: Record<string, string> = {};
  for (let c = top.firstChild; c; c = c.nextSibling) {
    if (c.name === 'SpansetPipelineExpression') pipeline = parsePipelineExpr(src, c);
    else if (c.name === 'WithHint') {
      for (let h = c.firstChild; h; h = h.nextSibling) {
        if (h.name !== 'HintParameters') continue;
        for (let p = h.firstChild; p; p = p.nextSibling) {
          const key = p.getChild('HintIdentifier');
          const val = p.getChild('HintValue');
          if (key && val) hints[src.text.slice(key.from, key.to)] = src.text.slice(val.from, val.to);
        }
      }
    } else if (c.name !== 'LineComment' && c.name !== 'BlockComment') throw unsupported(src, c);
  }
  if (!pipeline || !pipeline.spanset) throw parseErrorAt(src, 0);
  return { spanset: pipeline.spanset, select: pipeline.select, metrics: pipeline.metrics, hints };
}

/** Parses a bare identifier such as `span.code.function`, `.x`, `status` (tag-values v2 paths). */
export function parseIdentifier(text: string): Field | null {
  try {
    const q = parseTraceQL(`{ ${text} != nil }`);
    const f = q.spanset.type === 'filter' ? q.spanset.cond : null;
    if (f?.type === 'cmp' && f.left.type === 'field') return f.left.field;
  } catch {
    return null;
  }
  return null;
}

export function fieldsOfCond(cond: Cond | null, out: Field[]): Field[] {
  if (!cond) return out;
  switch (cond.type) {
    case 'and':
    case 'or':
      fieldsOfCond(cond.left, out);
      fieldsOfCond(cond.right, out);
      break;
    case 'not':
      fieldsOfCond(cond.inner, out);
      break;
    case 'cmp':
      if (cond.left.type === 'field') out.push(cond.left.field);
      if (cond.right.type === 'field') out.push(cond.right.field);
      break;
    case 'truthy':
      if (cond.operand.type === 'field') out.push(cond.operand.field);
      break;
  }
  return out;
}

export function fieldsOfSpanset(expr: SpansetExpr, out: Field[] = []): Field[] {
  if (expr.type === 'filter') return fieldsOfCond(expr.cond, out);
  fieldsOfSpanset(expr.left, out);
  return fieldsOfSpanset(expr.right, out);
}

/** Converts a Go RE2 pattern to an anchored JS RegExp (Tempo ≥ 2.7 anchors both ends). */
export function goRegex(pattern: string): RegExp {
  let flags = 'u';
  let p = pattern;
  const m = /^\(\?([imsU]+)\)/.exec(p);
  if (m) {
    p = p.slice(m[0].length);
    if (m[1]?.includes('i')) flags += 'i';
    if (m[1]?.includes('s')) flags += 's';
    if (m[1]?.includes('m')) flags += 'm';
  }
  p = p.replace(/\\z/g, '$').replace(/\(\?P</g, '(?<');
  return new RegExp(`^(?:${p})$`, flags);
}

function numeric(v: Val): number | null {
  return v.t === 'int' || v.t === 'float' ? v.v : null;
}

/** Tempo comparison semantics: nil never compares, except `!= nil` / `= nil`; types must agree. */
export function compareValues(op: CompareOp, a: Val, b: Val): boolean {
  if (b.t === 'nil') {
    if (op === '!=') return a.t !== 'nil';
    if (op === '=') return a.t === 'nil';
    return false;
  }
  if (a.t === 'nil') return false;
  if (a.t === 'arr') {
    const any = a.v.some((e) => compareValues(op === '!=' ? '=' : op === '!~' ? '=~' : op, e, b));
    return op === '!=' || op === '!~' ? !any : any;
  }
  const na = numeric(a);
  const nb = numeric(b);
  if (na !== null && nb !== null) return cmpOrdered(op, na, nb);
  if (a.t === 'dur' && b.t === 'dur') return cmpOrdered(op, a.v, b.v);
  if (a.t === 'str' && b.t === 'str') {
    if (op === '=~' || op === '!~') {
      let re: RegExp;
      try {
        re = goRegex(b.v);
      } catch {
        return false;
      }
      return re.test(a.v) === (op === '=~');
    }
    return cmpOrdered(op, a.v, b.v);
  }
  if ((a.t === 'status' && b.t === 'status') || (a.t === 'kind' && b.t === 'kind') || (a.t === 'bool' && b.t === 'bool')) {
    if (op === '=') return a.v === b.v;
    if (op === '!=') return a.v !== b.v;
    return false;
  }
  return false;
}

function cmpOrdered<T extends number | string>(op: CompareOp, a: T, b: T): boolean {
  switch (op) {
    case '=':
      return a === b;
    case '!=':
      return a !== b;
    case '>':
      return a > b;
    case '<':
      return a < b;
    case '>=':
      return a >= b;
    case '<=':
      return a <= b;
    default:
      return false;
  }
}
