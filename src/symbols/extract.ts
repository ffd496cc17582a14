// Extracts functions/methods/constructors/types with containers, ranges, parameters and annotations from one file via tree-sitter queries.
import type { Node, Query, QueryMatch } from '@vscode/tree-sitter-wasm';
import type { ContainerKind, FileSymbols, Range0, SourceLanguage, SymbolContainer, SymbolInfo, SymbolKind } from '../core/match';
import { grammarForPath, sourceById } from '../core/lang/registry';
import { supertypesOf } from '../core/lang/supers';
import type { GrammarId, TreeSitterRuntime } from './treeSitter';

type DefKind = 'type' | 'module' | 'method' | 'ctor' | 'fn' | 'smethod' | 'anon' | 'ns' | 'fsns' | 'pkg';

// Captures besides the definition and @name carry what `collect` needs, so it asks the tree for
// (almost) nothing per symbol: @params (parameter list), @mods (Java modifiers), @deco (annotations,
// attribute lists, decorators), @mod (C# modifier keywords), @static (PHP), @tparams (type
// parameters), @recv (Go receiver), @body (PHP namespace body), @outer (Python decorated_definition).

interface GrammarSpec {
  readonly grammar: GrammarId;
  readonly language: SourceLanguage;
  readonly query: string;
  /**
   * Declarations sit near the root, and scanning every expression node is what makes a query cost
   * as much as a parse: the query stops at this start depth (types nested three deep still fit)...
   */
  readonly maxDepth: number;
  /** ...unless the text shows deeper declarations (anonymous classes, deeply indented types/defs): then it runs unbounded. */
  readonly deepGate: RegExp | null;
  /** Instead of maxDepth/deepGate: the depth bound computed from the text (Python, where indentation is structure). */
  readonly depthOf?: (text: string) => number;
  readonly params: (text: string) => string[];
}

/** Grammar and query of a file, from its language's spec (lang/registry.ts); null when the language is read by a scanner. */
export function grammarFor(language: SourceLanguage, path: string): GrammarSpec | null {
  const hit = sourceById(language);
  const grammar = grammarForPath(path) ?? (hit?.source.grammar?.wasm ?? null);
  const src = hit?.source;
  if (!src || src.grammar === null || grammar === null || src.query === undefined) return null;
  return { grammar, language, query: src.query, maxDepth: src.maxDepth ?? 8, deepGate: src.deepGate ?? null, ...(src.depthOf ? { depthOf: src.depthOf } : {}), params: src.params };
}

function kids(n: Node): Node[] {
  const out: Node[] = [];
  for (const c of n.namedChildren) if (c) out.push(c);
  return out;
}

/**
 * Row/column of character offsets without asking the tree: tree-sitter counts rows at `\n` and
 * columns in UTF-16 code units for string input, like this table.
 */
class Lines {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }
  row(index: number): number {
    const st = this.starts;
    let lo = 0;
    let hi = st.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (st[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
  col(index: number, row: number): number {
    return index - this.starts[row]!;
  }
}

/** A simple identifier token (names of most declarations); its end is found in the text, not asked from the tree. */
const IDENT = /[\p{ID_Start}_$@#][\p{ID_Continue}$\u200c\u200d]*/uy;

interface Entry {
  readonly def: Node;
  readonly name: Node | null;
  readonly kind: DefKind;
  readonly start: number;
  readonly end: number;
  readonly params: Node | null;
  readonly mods: Node | null;
  deco: readonly Node[];
  readonly mod: readonly Node[];
  readonly isStaticMod: boolean;
  readonly tparams: Node | null;
  readonly recv: Node | null;
  readonly body: Node | null;
  readonly outer: Node | null;
}

interface Open {
  readonly end: number;
  readonly container: SymbolContainer | null;
  /** Namespace opened by this node (C# block namespaces, PHP bracketed namespaces). */
  readonly namespace: string | null;
  /** Counter of anonymous classes directly inside (javac numbers them per enclosing class). */
  anonCount: number;
}

/** Bracket nesting past this is not source code (see `extractSymbols`). */
export const MAX_BRACKET_DEPTH = 1000;
/** Query time budget: real files take 1–4 µs per byte (a 900 KB Go file: 3.5 s on a busy CI core). */
export const QUERY_BUDGET = { baseMicros: 200_000, microsPerByte: 10 } as const;

/** True when `(`, `[` or `{` nest deeper than `max` somewhere in `text` (strings and comments included: a cheap, linear gate). */
export function bracketDepthOver(text: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 40 || c === 91 || c === 123) {
      if (++depth > max) return true;
    } else if ((c === 41 || c === 93 || c === 125) && depth > 0) depth--;
  }
  return false;
}

/** Extracts every symbol of one parsed file. The runtime must have the grammar loaded. */
export function extractSymbols(rt: TreeSitterRuntime, language: SourceLanguage, path: string, text: string): FileSymbols | null {
  const spec = grammarFor(language, path);
  if (!spec) return null;
  const parser = rt.parser(spec.grammar);
  const query: Query | null = rt.query(spec.grammar, spec.query);
  if (!parser || !query) return null;
  // Tree-sitter's query cursor is quadratic in nesting depth (a 400 KB file of `func(` took 12 s):
  // no real source nests brackets this deep, so such a file yields no symbols instead.
  if (bracketDepthOver(text, MAX_BRACKET_DEPTH)) return { language, jvmName: null, symbols: [], origin: 'tree-sitter' };
  const tree = parser.parse(text);
  if (!tree) return null;
  try {
    const maxStartDepth = spec.depthOf ? spec.depthOf(text) : spec.deepGate === null || !spec.deepGate.test(text) ? spec.maxDepth : Infinity;
    // A time budget linear in the size bounds whatever other shape a hostile file takes.
    const timeoutMicros = QUERY_BUDGET.baseMicros + QUERY_BUDGET.microsPerByte * text.length;
    const matches = query.matches(tree.rootNode, Number.isFinite(maxStartDepth) ? { maxStartDepth, timeoutMicros } : { timeoutMicros });
    return collect(spec, matches, text);
  } finally {
    tree.delete();
  }
}

const NO_NODES: readonly Node[] = [];

function toEntries(matches: readonly QueryMatch[]): Entry[] {
  const entries: Entry[] = [];
  // Python decorated definitions and Ruby `class << self` methods match two patterns: keep the richer one.
  let byStart: Map<number, number> | null = null;
  // Python decorators (a comment may sit between two, which a quantified capture would not cross), by owner.
  let decoByOwner: Map<number, Node[]> | null = null;
  for (const m of matches) {
    if (m.captures.length === 2 && (m.captures[0]!.name === 'decoOwner' || m.captures[1]!.name === 'decoOwner')) {
      const [ownerCap, decoCap] = m.captures[0]!.name === 'decoOwner' ? [m.captures[0]!, m.captures[1]!] : [m.captures[1]!, m.captures[0]!];
      decoByOwner ??= new Map();
      const list = decoByOwner.get(ownerCap.node.startIndex);
      if (list) list.push(decoCap.node);
      else decoByOwner.set(ownerCap.node.startIndex, [decoCap.node]);
      continue;
    }
    let def: Node | null = null;
    let name: Node | null = null;
    let kind: DefKind | null = null;
    let params: Node | null = null;
    let mods: Node | null = null;
    let deco: Node[] | null = null;
    let mod: Node[] | null = null;
    let isStaticMod = false;
    let tparams: Node | null = null;
    let recv: Node | null = null;
    let body: Node | null = null;
    let outer: Node | null = null;
    for (const c of m.captures) {
      switch (c.name) {
        case 'name': name = c.node; break;
        case 'params': params = c.node; break;
        case 'mods': mods = c.node; break;
        case 'deco': (deco ??= []).push(c.node); break;
        case 'mod': (mod ??= []).push(c.node); break;
        case 'static': isStaticMod = true; break;
        case 'tparams': tparams = c.node; break;
        case 'recv': recv = c.node; break;
        case 'body': body = c.node; break;
        case 'outer': outer = c.node; break;
        default:
          def = c.node;
          kind = c.name as DefKind;
      }
    }
    if (!def || !kind) continue;
    const start = def.startIndex;
    const e: Entry = { def, name, kind, start, end: def.endIndex, params, mods, deco: deco ?? NO_NODES, mod: mod ?? NO_NODES, isStaticMod, tparams, recv, body, outer };
    if (outer !== null || kind === 'smethod' || (byStart !== null && byStart.has(start))) {
      byStart ??= new Map(entries.map((x, i) => [x.start, i]));
      const at = byStart.get(start);
      if (at !== undefined) {
        const prev = entries[at]!;
        if (prev.kind === kind || (prev.kind === 'method' && kind === 'smethod') || (prev.kind === 'smethod' && kind === 'method')) {
          if ((outer !== null && prev.outer === null) || (kind === 'smethod' && prev.kind !== 'smethod')) entries[at] = e;
          continue;
        }
      }
      byStart.set(start, entries.length);
    }
    entries.push(e);
  }
  if (decoByOwner !== null) {
    for (const e of entries) {
      if (e.outer !== null) e.deco = (decoByOwner.get(e.outer.startIndex) ?? []).sort((a, b) => a.startIndex - b.startIndex);
    }
  }
  return entries;
}

/**
 * The query walk dominates the cost of an extraction; each call into the tree costs about as much
 * as visiting many nodes, so per symbol positions and names come from the text and the rest are
 * query captures (the only per-symbol calls left: end offsets and the captured nodes' texts).
 */
function collect(spec: GrammarSpec, matches: readonly QueryMatch[], text: string): FileSymbols {
  const entries = toEntries(matches);
  // Document order, outer before inner, so one sweep with a stack yields the containers.
  entries.sort((a, b) => a.start - b.start || b.end - a.end);

  const lines = new Lines(text);
  const symbols: SymbolInfo[] = [];
  const stack: Open[] = [];
  let fileNamespace: string | null = null;
  const lang = spec.language;
  const isJs = lang === 'typescript' || lang === 'javascript';
  const nodeText = (n: Node): string => text.slice(n.startIndex, n.endIndex);
  const nameEnd = (n: Node): number => {
    if (lang !== 'ruby') {
      IDENT.lastIndex = n.startIndex;
      if (IDENT.test(text)) return IDENT.lastIndex;
    }
    return n.endIndex;
  };
  const rangeOf = (startNode: Node, endIndex: number): Range0 => {
    const s = startNode.startPosition;
    const row = lines.row(endIndex);
    return { startLine: s.row, startCol: s.column, endLine: row, endCol: lines.col(endIndex, row) };
  };

  for (const e of entries) {
    while (stack.length > 0 && stack[stack.length - 1]!.end <= e.start) stack.pop();
    const containers: SymbolContainer[] = [];
    const nsParts: string[] = [];
    for (const o of stack) {
      if (o.container) containers.push(o.container);
      if (o.namespace) nsParts.push(o.namespace);
    }
    const parent = stack.length > 0 ? stack[stack.length - 1]! : null;
    const namespace = nsParts.length > 0 ? [fileNamespace, ...nsParts].filter((x) => x).join(lang === 'php' ? '\\' : '.') : fileNamespace;

    switch (e.kind) {
      case 'pkg':
        fileNamespace = text.slice(e.start, e.end).replace(/\s+/g, '');
        continue;
      case 'fsns':
        fileNamespace = e.name ? nodeText(e.name).replace(/\s+/g, '') : null;
        continue;
      case 'ns': {
        const ns = e.name ? nodeText(e.name).replace(/\s+/g, '') : null;
        if (e.body || lang === 'csharp') stack.push({ end: e.end, container: null, namespace: ns, anonCount: 0 });
        else fileNamespace = ns; // PHP `namespace X;` applies to the rest of the file
        continue;
      }
      case 'anon': {
        // javac numbers anonymous classes per enclosing class, in source order.
        let owner: Open | null = null;
        for (let i = stack.length - 1; i >= 0; i--) {
          const k = stack[i]!.container?.kind;
          if (k === 'type' || k === 'anonymous') { owner = stack[i]!; break; }
        }
        if (owner) owner.anonCount++;
        stack.push({ end: e.end, container: { kind: 'anonymous', name: String(owner ? owner.anonCount : 1) }, namespace: null, anonCount: 0 });
        continue;
      }
      default:
        break;
    }
    if (!e.name) continue;

    const nameStart = e.name.startIndex;
    const nameStop = nameEnd(e.name);
    const rawName = text.slice(nameStart, nameStop);
    const nameRow = lines.row(nameStop);
    const nameRange: Range0 = { startLine: e.name.startPosition.row, startCol: e.name.startPosition.column, endLine: nameRow, endCol: lines.col(nameStop, nameRow) };
    const isType = e.kind === 'type' || e.kind === 'module';
    const names = isType && lang === 'ruby' ? rawName.split('::').filter((s) => s) : [rawName];
    const simpleName = names[names.length - 1] ?? rawName;
    // TS/JS: decorators of members (and of exported classes) are preceding siblings.
    const decorators = isJs && (e.kind === 'method' || e.kind === 'type') ? precedingDecorators(e.def, text) : NO_NODES;
    const annotations = lang === 'java' ? (e.mods !== null ? javaAnnotations(nodeText(e.mods)) : [])
      : isJs ? [...decorators.map(nodeText), ...e.deco.map(nodeText)]
        : e.deco.map(nodeText);
    const full = rangeOf(decorators[0] ?? e.outer ?? e.def, e.end);

    if (isType) {
      for (let i = 0; i < names.length - 1; i++) containers.push({ kind: e.kind === 'module' ? 'module' : 'type', name: names[i]! });
      const supers = e.kind === 'type' ? supertypesOf(lang, typeHeader(lang, text, nameStop, e.end), lang === 'ruby' || lang === 'php' ? text.slice(nameStop, e.end) : '') : [];
      symbols.push({
        name: simpleName, kind: 'type', containers, namespace, nameRange, fullRange: full,
        params: [], annotations, language: lang, isStatic: false, arity: e.tparams !== null ? kids(e.tparams).length : 0,
        ...(supers.length > 0 ? { supers } : {}),
      });
      const pushed: SymbolContainer[] = names.map((n) => ({ kind: (e.kind === 'module' ? 'module' : 'type') as ContainerKind, name: n }));
      // A `class A::B` body is nested in two constants; the stack carries every segment so members see them all.
      for (const c of pushed) stack.push({ end: e.end, container: c, namespace: null, anonCount: 0 });
      continue;
    }

    let kind: SymbolKind = e.kind === 'ctor' ? 'constructor' : parent?.container && parent.container.kind !== 'function' ? 'method' : 'function';
    if (e.kind === 'method' || e.kind === 'smethod') kind = 'method';
    if (lang === 'go' && e.recv !== null) {
      const recv = goReceiver(nodeText(e.recv));
      if (recv) containers.push({ kind: 'type', name: recv });
    }
    const methodName = rawName.replace(/^#/, '');
    if (isJs && methodName === 'constructor' && e.kind === 'method') kind = 'constructor';
    const isStatic = e.kind === 'smethod' || e.isStaticMod ||
      (lang === 'java' ? e.mods !== null && /(^|\s)static(\s|$)/.test(nodeText(e.mods).replace(/@[\w.]+(\((?:[^()]|\([^()]*\))*\))?/g, ' '))
        : isJs ? e.def.type === 'method_definition' && /^(?:(?:public|private|protected|readonly|override|abstract|async|get|set)\s+)*static\b/.test(text.slice(e.start, nameStart))
          : lang === 'csharp' && e.mod.some((m) => text.startsWith('static', m.startIndex) && !/[\w]/.test(text[m.startIndex + 6] ?? '')));
    symbols.push({
      name: methodName, kind, containers, namespace, nameRange, fullRange: full,
      params: e.params !== null ? spec.params(nodeText(e.params)) : [], annotations, language: lang, isStatic, arity: 0,
    });
    stack.push({ end: e.end, container: { kind: 'function', name: methodName }, namespace: null, anonCount: 0 });
  }
  return { language: lang, jvmName: null, symbols, origin: 'tree-sitter' };
}

/** The text between a type's name and its body: `extends A implements B`, `(Base, Mixin)`, `< Base`. */
function typeHeader(lang: SourceLanguage, text: string, from: number, end: number): string {
  if (lang === 'ruby') {
    const nl = text.indexOf('\n', from);
    return text.slice(from, nl < 0 || nl > end ? end : nl);
  }
  if (lang === 'python') {
    let depth = 0;
    for (let i = from; i < end; i++) {
      const c = text[i];
      if (c === '(' || c === '[') depth++;
      else if (c === ')' || c === ']') depth--;
      else if (c === ':' && depth === 0) return text.slice(from, i);
    }
    return '';
  }
  const brace = text.indexOf('{', from);
  return text.slice(from, brace < 0 || brace > end ? end : brace);
}

/**
 * TS/JS decorators written before a member or an exported class (preceding named siblings). A
 * decorator ends in `)` or a name character, so when the text before the declaration ends a
 * statement or a block there is none and the tree is not asked.
 */
function precedingDecorators(def: Node, text: string): readonly Node[] {
  const before = (index: number): string => {
    let i = index - 1;
    while (i >= 0 && /\s/.test(text[i]!)) i--;
    return i >= 0 ? text[i]! : '';
  };
  const blocked = (c: string): boolean => c === '' || c === '}' || c === ';' || c === '{' || c === ',';
  if (blocked(before(def.startIndex))) return NO_NODES;
  const out: Node[] = [];
  for (let sib = def.previousNamedSibling; sib && sib.type === 'decorator'; sib = sib.previousNamedSibling) {
    out.unshift(sib);
    if (blocked(before(sib.startIndex))) break;
  }
  return out;
}

const ANNOTATION_NAME = /\s*[\p{ID_Continue}$]*(?:\s*\.\s*[\p{ID_Continue}$]+)*/uy;

/** `@A @B(x = ")") public static` → the annotation texts, as the annotation nodes would spell them. */
function javaAnnotations(mods: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = mods.length;
  while (i < n) {
    const c = mods[i]!;
    if (c === '/' && mods[i + 1] === '/') {
      const nl = mods.indexOf('\n', i);
      i = nl < 0 ? n : nl + 1;
    } else if (c === '/' && mods[i + 1] === '*') {
      const close = mods.indexOf('*/', i + 2);
      i = close < 0 ? n : close + 2;
    } else if (c === '@') {
      const start = i++;
      ANNOTATION_NAME.lastIndex = i;
      ANNOTATION_NAME.test(mods);
      i = ANNOTATION_NAME.lastIndex;
      let end = i;
      while (i < n && /\s/.test(mods[i]!)) i++;
      if (mods[i] !== '(') i = end;
      else {
        let depth = 0;
        let quote = '';
        for (; i < n; i++) {
          const ch = mods[i]!;
          if (quote) {
            if (ch === '\\') i++;
            else if (ch === quote) quote = '';
          } else if (ch === '"' || ch === "'") quote = ch;
          else if (ch === '(') depth++;
          else if (ch === ')' && --depth === 0) { i++; break; }
        }
        end = i;
      }
      out.push(mods.slice(start, end));
    } else i++;
  }
  return out;
}

function goReceiver(recv: string): string | null {
  // `(s *Service)`, `(r *Repo[T])`, `(Service)`: the type name, from the text (no per-node round trips).
  const m = /^\(\s*(?:[A-Za-z_]\w*\s+)?\(?\*?\s*([A-Za-z_]\w*)/.exec(recv);
  return m ? m[1]! : null;
}
