// Extracts functions/methods/constructors/types with containers, ranges, parameters and annotations from one file via tree-sitter queries.
import type { Node, Query, QueryMatch } from '@vscode/tree-sitter-wasm';
import type { ContainerKind, FileSymbols, Range0, SourceLanguage, SymbolContainer, SymbolInfo, SymbolKind } from '../core/match';
import { supertypesOf } from '../core/lang/supers';
import type { GrammarId, TreeSitterRuntime } from './treeSitter';

type DefKind = 'type' | 'module' | 'method' | 'ctor' | 'fn' | 'smethod' | 'anon' | 'ns' | 'fsns' | 'pkg';

// Captures besides the definition and @name carry what `collect` needs, so it asks the tree for
// (almost) nothing per symbol: @params (parameter list), @mods (Java modifiers), @deco (annotations,
// attribute lists, decorators), @mod (C# modifier keywords), @static (PHP), @tparams (type
// parameters), @recv (Go receiver), @body (PHP namespace body), @outer (Python decorated_definition).

const JAVA_QUERY = `
(package_declaration [(scoped_identifier) (identifier)] @pkg)
(class_declaration (modifiers)? @mods name: (identifier) @name (type_parameters)? @tparams) @type
(interface_declaration (modifiers)? @mods name: (identifier) @name (type_parameters)? @tparams) @type
(enum_declaration (modifiers)? @mods name: (identifier) @name) @type
(record_declaration (modifiers)? @mods name: (identifier) @name (type_parameters)? @tparams) @type
(annotation_type_declaration (modifiers)? @mods name: (identifier) @name) @type
(method_declaration (modifiers)? @mods name: (identifier) @name parameters: (_) @params) @method
(constructor_declaration (modifiers)? @mods name: (identifier) @name parameters: (_) @params) @ctor
(compact_constructor_declaration (modifiers)? @mods name: (identifier) @name) @ctor
(object_creation_expression (class_body) @anon)
`;

const PYTHON_QUERY = `
(class_definition name: (identifier) @name) @type
(function_definition name: (identifier) @name parameters: (_) @params) @fn
(decorated_definition definition: (class_definition name: (identifier) @name) @type) @outer
(decorated_definition definition: (function_definition name: (identifier) @name parameters: (_) @params) @fn) @outer
(decorated_definition (decorator) @deco) @decoOwner
`;

const CSHARP_QUERY = `
(namespace_declaration name: (_) @name) @ns
(file_scoped_namespace_declaration name: (_) @name) @fsns
(class_declaration (attribute_list)* @deco (modifier)* @mod name: (identifier) @name (type_parameter_list)? @tparams) @type
(struct_declaration (attribute_list)* @deco (modifier)* @mod name: (identifier) @name (type_parameter_list)? @tparams) @type
(interface_declaration (attribute_list)* @deco (modifier)* @mod name: (identifier) @name (type_parameter_list)? @tparams) @type
(record_declaration (attribute_list)* @deco (modifier)* @mod name: (identifier) @name (type_parameter_list)? @tparams) @type
(enum_declaration (attribute_list)* @deco (modifier)* @mod name: (identifier) @name) @type
(method_declaration (attribute_list)* @deco (modifier)* @mod name: (identifier) @name parameters: (_) @params) @method
(constructor_declaration (attribute_list)* @deco (modifier)* @mod name: (identifier) @name parameters: (_) @params) @ctor
(local_function_statement (attribute_list)* @deco (modifier)* @mod name: (identifier) @name parameters: (_) @params) @fn
`;

const GO_QUERY = `
(package_clause (package_identifier) @pkg)
(function_declaration name: (identifier) @name parameters: (_) @params) @fn
(method_declaration receiver: (_) @recv name: (field_identifier) @name parameters: (_) @params) @method
(type_spec name: (type_identifier) @name) @type
`;

const JS_FN_VALUE = `[(arrow_function parameters: (_) @params) (arrow_function parameter: (_) @params) (function_expression parameters: (_) @params)]`;

const JS_COMMON = `
(function_declaration name: (identifier) @name parameters: (_) @params) @fn
(generator_function_declaration name: (identifier) @name parameters: (_) @params) @fn
(method_definition name: (_) @name parameters: (_) @params) @method
(variable_declarator name: (identifier) @name value: ${JS_FN_VALUE}) @fn
(assignment_expression left: (member_expression property: (property_identifier) @name) right: ${JS_FN_VALUE}) @fn
(pair key: (property_identifier) @name value: ${JS_FN_VALUE}) @fn
`;

const JS_QUERY = `${JS_COMMON}
(class_declaration (decorator)* @deco name: (identifier) @name) @type
(class (decorator)* @deco name: (identifier) @name) @type
(field_definition property: (property_identifier) @name value: ${JS_FN_VALUE}) @method
`;

const TS_QUERY = `${JS_COMMON}
(class_declaration (decorator)* @deco name: (type_identifier) @name (type_parameters)? @tparams) @type
(abstract_class_declaration (decorator)* @deco name: (type_identifier) @name (type_parameters)? @tparams) @type
(class (decorator)* @deco name: (type_identifier) @name (type_parameters)? @tparams) @type
(public_field_definition name: (property_identifier) @name value: ${JS_FN_VALUE}) @method
`;

const RUBY_QUERY = `
(module name: (_) @name) @module
(class name: (_) @name) @type
(method name: (_) @name parameters: (_)? @params) @method
(singleton_method name: (_) @name parameters: (_)? @params) @smethod
(singleton_class (body_statement (method name: (_) @name parameters: (_)? @params) @smethod))
(singleton_class (method name: (_) @name parameters: (_)? @params) @smethod)
`;

const PHP_QUERY = `
(namespace_definition name: (namespace_name) @name body: (_)? @body) @ns
(class_declaration (attribute_list)* @deco name: (name) @name) @type
(interface_declaration (attribute_list)* @deco name: (name) @name) @type
(trait_declaration (attribute_list)* @deco name: (name) @name) @type
(enum_declaration (attribute_list)* @deco name: (name) @name) @type
(method_declaration (attribute_list)* @deco (static_modifier)? @static name: (name) @name parameters: (_) @params) @method
(function_definition (attribute_list)* @deco name: (name) @name parameters: (_) @params) @fn
`;

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
}

/** Grammar and query per file extension family; TSX files use the tsx grammar with the TS query. */
export function grammarFor(language: SourceLanguage, path: string): GrammarSpec | null {
  switch (language) {
    case 'java': return { grammar: 'java', language, query: JAVA_QUERY, maxDepth: 7, deepGate: /\bnew\s+[\w.$<>[\], ]+\([^;]*?\)\s*\{|^(?: {12,}|\t{3,})[\w@ ]*\b(?:class|interface|enum|record)\s/m };
    case 'python': return { grammar: 'python', language, query: PYTHON_QUERY, maxDepth: 8, deepGate: null, depthOf: pythonDepth };
    case 'csharp': return { grammar: 'c-sharp', language, query: CSHARP_QUERY, maxDepth: 8, deepGate: /^(?: {16,}|\t{4,})\S/m };
    case 'go': return { grammar: 'go', language, query: GO_QUERY, maxDepth: 3, deepGate: null };
    case 'javascript': return { grammar: 'javascript', language, query: JS_QUERY, maxDepth: 8, deepGate: /^(?: {8,}|\t{4,})(?:export\s+)?(?:async\s+)?(?:function|class|const|let|var)\s+\w+\s*(?:=\s*(?:async\s*)?(?:\(|function)|[({<])/m };
    case 'typescript': return { grammar: path.toLowerCase().endsWith('.tsx') ? 'tsx' : 'typescript', language, query: TS_QUERY, maxDepth: 8, deepGate: /^(?: {8,}|\t{4,})(?:export\s+)?(?:async\s+)?(?:function|class|const|let|var)\s+\w+\s*(?:=\s*(?:async\s*)?(?:\(|function)|[({<])/m };
    case 'ruby': return { grammar: 'ruby', language, query: RUBY_QUERY, maxDepth: 9, deepGate: /^(?: {8,}|\t{4,})(?:def|class|module)\s/m };
    case 'php': return { grammar: 'php', language, query: PHP_QUERY, maxDepth: 6, deepGate: /^(?: {12,}|\t{3,})(?:[\w ]*\s)?(?:function|class)\s/m };
    default: return null;
  }
}

const PY_DECL_LINE = /^([ \t]*)(?:@|(?:async[ \t]+)?(?:def|class)\b)/;

/**
 * How deep a Python declaration can sit, from indentation (no guessing): a statement nested in L
 * blocks is at most 1 + 3L deep (block + clause + decorated_definition per level), and L is at
 * most the number of distinct indentation widths below its own (every enclosing block header is
 * indented less, and continuation lines or strings only add widths).
 */
function pythonDepth(text: string): number {
  const widths = new Set<number>();
  const declWidths: number[] = [];
  let from = 0;
  while (from <= text.length) {
    let nl = text.indexOf('\n', from);
    if (nl < 0) nl = text.length;
    let w = 0;
    let i = from;
    for (; i < nl; i++) {
      const c = text.charCodeAt(i);
      if (c === 32) w++;
      else if (c === 9) w = (w + 8) & ~7;
      else break;
    }
    if (i < nl && text.charCodeAt(i) !== 13) {
      widths.add(w);
      const c = text[i];
      if (c === '@' || c === 'd' || c === 'c' || c === 'a') {
        PY_DECL_LINE.lastIndex = 0;
        if (PY_DECL_LINE.test(text.slice(from, Math.min(nl, i + 12)))) declWidths.push(w);
      }
    }
    from = nl + 1;
  }
  let level = 0;
  const sorted = [...widths].sort((a, b) => a - b);
  for (const w of declWidths) {
    let below = 0;
    while (below < sorted.length && sorted[below]! < w) below++;
    if (below > level) level = below;
  }
  // +2: error recovery can wrap a statement in an ERROR node or two.
  return 1 + 3 * level + 2;
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

/** Extracts every symbol of one parsed file. The runtime must have the grammar loaded. */
export function extractSymbols(rt: TreeSitterRuntime, language: SourceLanguage, path: string, text: string): FileSymbols | null {
  const spec = grammarFor(language, path);
  if (!spec) return null;
  const parser = rt.parser(spec.grammar);
  const query: Query | null = rt.query(spec.grammar, spec.query);
  if (!parser || !query) return null;
  const tree = parser.parse(text);
  if (!tree) return null;
  try {
    const maxStartDepth = spec.depthOf ? spec.depthOf(text) : spec.deepGate === null || !spec.deepGate.test(text) ? spec.maxDepth : Infinity;
    const matches = query.matches(tree.rootNode, Number.isFinite(maxStartDepth) ? { maxStartDepth } : {});
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
      params: e.params !== null ? paramsOf(lang, nodeText(e.params)) : [], annotations, language: lang, isStatic, arity: 0,
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

/** Top-level comma-separated parts of a parameter list's text (without the outer parentheses). */
function splitParams(text: string): string[] {
  let t = text.trim();
  if (t.startsWith('(') && t.endsWith(')')) t = t.slice(1, -1);
  const parts: string[] = [];
  let depth = 0;
  let quote = '';
  let start = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '(' || c === '[' || c === '{' || c === '<') depth++;
    else if (c === ')' || c === ']' || c === '}' || (c === '>' && t[i - 1] !== '=')) depth--;
    else if (c === ',' && depth === 0) {
      parts.push(t.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(t.slice(start));
  return parts.map((p) => p.replace(/\s+/g, ' ').trim()).filter((p) => p !== '');
}

/** Strips a trailing `= default` at the top level. */
function noDefault(p: string): string {
  let depth = 0;
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '(' || c === '[' || c === '{' || c === '<') depth++;
    else if (c === ')' || c === ']' || c === '}' || c === '>') depth--;
    else if (c === '=' && depth === 0 && p[i + 1] !== '>' && p[i - 1] !== '=' && p[i - 1] !== '!' && p[i - 1] !== '<' && p[i - 1] !== '>') return p.slice(0, i).trim();
  }
  return p;
}

/** Everything but the last word (`List<String> xs` → `List<String>`, `int... xs` → `int...`). */
function typeBeforeName(p: string): string {
  const m = /^(.*?)\s*[A-Za-z_$][\w$]*$/.exec(p);
  return m && m[1] ? m[1].trim() : p;
}

/** Parameter types as written, from the parameter list's text (the list is a query capture). */
function paramsOf(lang: SourceLanguage, text: string): string[] {
  if (!text.startsWith('(') && (lang === 'javascript' || lang === 'typescript')) return [noDefault(text)]; // `x => …`
  const parts = splitParams(text);
  switch (lang) {
    case 'java':
      return parts.map((p) => typeBeforeName(p.replace(/@[\w.]+(?:\([^)]*\))?\s*/g, '').replace(/\bfinal\s+/g, '').trim()));
    case 'csharp':
      return parts.map((p) => typeBeforeName(noDefault(p.replace(/^\[[^\]]*\]\s*/, '').replace(/^(?:this|ref|out|in|params|scoped)\s+/g, ''))));
    case 'go': {
      // Grouped names share the type that follows: `a, b string`.
      const out: string[] = [];
      let pendingNames = 0;
      for (const p of parts) {
        const sp = p.indexOf(' ');
        if (sp < 0 && !p.startsWith('...')) {
          pendingNames++;
          continue;
        }
        const type = sp < 0 ? p : p.slice(sp + 1).trim();
        for (let k = 0; k <= pendingNames; k++) out.push(type);
        pendingNames = 0;
      }
      // Only types, no names (`func(int, string)`): each part is a type.
      if (pendingNames > 0) return out.length === 0 ? parts : [...out, ...parts.slice(parts.length - pendingNames)];
      return out;
    }
    case 'python':
      return parts.filter((p) => p !== '*' && p !== '/').map((p) => {
        const d = noDefault(p);
        const colon = d.indexOf(':');
        return colon >= 0 ? d.slice(colon + 1).trim() : d;
      });
    case 'typescript':
      return parts.filter((p) => !p.startsWith('@') || p.includes(' ')).map((p) => {
        const d = noDefault(p.replace(/^(?:@[\w.]+(?:\([^)]*\))?\s*)+/, '').replace(/^(?:public|private|protected|readonly|override)\s+/g, ''));
        let depth = 0;
        for (let i = 0; i < d.length; i++) {
          const c = d[i];
          if (c === '{' || c === '[' || c === '(' || c === '<') depth++;
          else if (c === '}' || c === ']' || c === ')' || c === '>') depth--;
          else if (c === ':' && depth === 0) return d.slice(i + 1).trim();
        }
        return d.replace(/\?$/, '');
      });
    case 'javascript':
      return parts.map(noDefault);
    case 'php':
      return parts.map((p) => {
        const d = noDefault(p.replace(/^#\[[^\]]*\]\s*/, '').replace(/^(?:public|private|protected|readonly)\s+/g, ''));
        const m = /^(.*?)\s*&?\s*(?:\.\.\.)?\$\w+$/.exec(d);
        return m && m[1] ? m[1] : d;
      });
    case 'ruby':
      return parts.map((p) => noDefault(p).replace(/:$/, ''));
    default:
      return parts;
  }
}
