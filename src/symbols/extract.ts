// Extracts functions/methods/constructors/types with containers, ranges, parameters and annotations from one file via tree-sitter queries.
import type { Node, Query, QueryMatch } from '@vscode/tree-sitter-wasm';
import type { ContainerKind, FileSymbols, Range0, SourceLanguage, SymbolContainer, SymbolInfo, SymbolKind } from '../core/match';
import type { GrammarId, TreeSitterRuntime } from './treeSitter';

type DefKind = 'type' | 'module' | 'method' | 'ctor' | 'fn' | 'smethod' | 'anon' | 'ns' | 'fsns' | 'pkg';

const JAVA_QUERY = `
(package_declaration [(scoped_identifier) (identifier)] @pkg)
(class_declaration name: (identifier) @name) @type
(interface_declaration name: (identifier) @name) @type
(enum_declaration name: (identifier) @name) @type
(record_declaration name: (identifier) @name) @type
(annotation_type_declaration name: (identifier) @name) @type
(method_declaration name: (identifier) @name) @method
(constructor_declaration name: (identifier) @name) @ctor
(compact_constructor_declaration name: (identifier) @name) @ctor
(object_creation_expression (class_body) @anon)
`;

const PYTHON_QUERY = `
(class_definition name: (identifier) @name) @type
(function_definition name: (identifier) @name) @fn
`;

const CSHARP_QUERY = `
(namespace_declaration name: (_) @name) @ns
(file_scoped_namespace_declaration name: (_) @name) @fsns
(class_declaration name: (identifier) @name) @type
(struct_declaration name: (identifier) @name) @type
(interface_declaration name: (identifier) @name) @type
(record_declaration name: (identifier) @name) @type
(enum_declaration name: (identifier) @name) @type
(method_declaration name: (identifier) @name) @method
(constructor_declaration name: (identifier) @name) @ctor
(local_function_statement name: (identifier) @name) @fn
`;

const GO_QUERY = `
(package_clause (package_identifier) @pkg)
(function_declaration name: (identifier) @name) @fn
(method_declaration name: (field_identifier) @name) @method
(type_spec name: (type_identifier) @name) @type
`;

const JS_COMMON = `
(function_declaration name: (identifier) @name) @fn
(generator_function_declaration name: (identifier) @name) @fn
(method_definition name: (_) @name) @method
(variable_declarator name: (identifier) @name value: [(arrow_function) (function_expression)]) @fn
(assignment_expression left: (member_expression property: (property_identifier) @name) right: [(arrow_function) (function_expression)]) @fn
(pair key: (property_identifier) @name value: [(arrow_function) (function_expression)]) @fn
`;

const JS_QUERY = `${JS_COMMON}
(class_declaration name: (identifier) @name) @type
(class name: (identifier) @name) @type
(field_definition property: (property_identifier) @name value: [(arrow_function) (function_expression)]) @method
`;

const TS_QUERY = `${JS_COMMON}
(class_declaration name: (type_identifier) @name) @type
(abstract_class_declaration name: (type_identifier) @name) @type
(class name: (type_identifier) @name) @type
(public_field_definition name: (property_identifier) @name value: [(arrow_function) (function_expression)]) @method
`;

const RUBY_QUERY = `
(module name: (_) @name) @module
(class name: (_) @name) @type
(method name: (_) @name) @method
(singleton_method name: (_) @name) @smethod
`;

const PHP_QUERY = `
(namespace_definition name: (namespace_name) @name) @ns
(class_declaration name: (name) @name) @type
(interface_declaration name: (name) @name) @type
(trait_declaration name: (name) @name) @type
(enum_declaration name: (name) @name) @type
(method_declaration name: (name) @name) @method
(function_definition name: (name) @name) @fn
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
}

/** Grammar and query per file extension family; TSX files use the tsx grammar with the TS query. */
export function grammarFor(language: SourceLanguage, path: string): GrammarSpec | null {
  switch (language) {
    case 'java': return { grammar: 'java', language, query: JAVA_QUERY, maxDepth: 7, deepGate: /\bnew\s+[\w.$<>[\], ]+\([^;]*?\)\s*\{|^(?: {12,}|\t{3,})[\w@ ]*\b(?:class|interface|enum|record)\s/m };
    case 'python': return { grammar: 'python', language, query: PYTHON_QUERY, maxDepth: 8, deepGate: /^(?: {12,}|\t{3,})(?:async\s+)?(?:def|class)\s/m };
    case 'csharp': return { grammar: 'c-sharp', language, query: CSHARP_QUERY, maxDepth: 8, deepGate: /^(?: {16,}|\t{4,})\S/m };
    case 'go': return { grammar: 'go', language, query: GO_QUERY, maxDepth: 3, deepGate: null };
    case 'javascript': return { grammar: 'javascript', language, query: JS_QUERY, maxDepth: 8, deepGate: /^(?: {8,}|\t{4,})(?:export\s+)?(?:async\s+)?(?:function|class|const|let|var)\s+\w+\s*(?:=\s*(?:async\s*)?(?:\(|function)|[({<])/m };
    case 'typescript': return { grammar: path.toLowerCase().endsWith('.tsx') ? 'tsx' : 'typescript', language, query: TS_QUERY, maxDepth: 8, deepGate: /^(?: {8,}|\t{4,})(?:export\s+)?(?:async\s+)?(?:function|class|const|let|var)\s+\w+\s*(?:=\s*(?:async\s*)?(?:\(|function)|[({<])/m };
    case 'ruby': return { grammar: 'ruby', language, query: RUBY_QUERY, maxDepth: 9, deepGate: /^(?: {8,}|\t{4,})(?:def|class|module)\s/m };
    case 'php': return { grammar: 'php', language, query: PHP_QUERY, maxDepth: 6, deepGate: /^(?: {12,}|\t{3,})(?:[\w ]*\s)?(?:function|class)\s/m };
    default: return null;
  }
}

function kids(n: Node): Node[] {
  const out: Node[] = [];
  for (const c of n.namedChildren) if (c) out.push(c);
  return out;
}

function allKids(n: Node): Node[] {
  const out: Node[] = [];
  for (const c of n.children) if (c) out.push(c);
  return out;
}

function range(n: Node, from?: Node): Range0 {
  const s = (from ?? n).startPosition;
  const e = n.endPosition;
  return { startLine: s.row, startCol: s.column, endLine: e.row, endCol: e.column };
}

interface Entry {
  readonly def: Node;
  readonly name: Node | null;
  readonly kind: DefKind;
  readonly start: number;
  readonly end: number;
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
    const bounded = spec.deepGate === null || !spec.deepGate.test(text);
    const matches = query.matches(tree.rootNode, bounded ? { maxStartDepth: spec.maxDepth } : {});
    return collect(spec, matches);
  } finally {
    tree.delete();
  }
}

function collect(spec: GrammarSpec, matches: readonly QueryMatch[]): FileSymbols {
  const entries: Entry[] = [];
  for (const m of matches) {
    let def: Node | null = null;
    let name: Node | null = null;
    let kind: DefKind | null = null;
    for (const c of m.captures) {
      if (c.name === 'name') name = c.node;
      else {
        def = c.node;
        kind = c.name as DefKind;
      }
    }
    if (def && kind) entries.push({ def, name, kind, start: def.startIndex, end: def.endIndex });
  }
  // Document order, outer before inner, so one sweep with a stack yields the containers.
  entries.sort((a, b) => a.start - b.start || b.end - a.end);

  const symbols: SymbolInfo[] = [];
  const stack: Open[] = [];
  let fileNamespace: string | null = null;
  const lang = spec.language;

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
        fileNamespace = e.def.text.replace(/\s+/g, '');
        continue;
      case 'fsns':
        fileNamespace = e.name ? e.name.text.replace(/\s+/g, '') : null;
        continue;
      case 'ns': {
        const ns = e.name ? e.name.text.replace(/\s+/g, '') : null;
        const body = e.def.childForFieldName('body');
        if (body || lang === 'csharp') stack.push({ end: e.end, container: null, namespace: ns, anonCount: 0 });
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

    const isType = e.kind === 'type' || e.kind === 'module';
    const names = isType && lang === 'ruby' ? e.name.text.split('::').filter((s) => s) : [e.name.text];
    const simpleName = names[names.length - 1] ?? e.name.text;
    const outer = spec.language === 'python' ? pythonOuter(e.def) : e.def;
    // Children are marshalled from WASM one by one: only languages with modifier/annotation children pay for it.
    const isJs = lang === 'typescript' || lang === 'javascript';
    // TS/JS: decorators of members are preceding siblings; only class declarations carry them as children.
    const defKids = lang === 'csharp' || lang === 'php' || (isJs && (e.kind === 'type')) ? kids(e.def) : [];
    const decorators: Node[] = [];
    if (isJs && (e.kind === 'method' || e.kind === 'type')) {
      for (let sib = e.def.previousNamedSibling; sib && sib.type === 'decorator'; sib = sib.previousNamedSibling) decorators.unshift(sib);
    }
    // Java keeps annotations and keywords in one leading `modifiers` child.
    const first = lang === 'java' ? e.def.firstNamedChild : null;
    const javaMods = first !== null && first.type === 'modifiers' ? first : null;
    const annotations = javaMods ? kids(javaMods).filter((a) => a.type === 'annotation' || a.type === 'marker_annotation').map((a) => a.text)
      : isJs ? [...decorators.map((d) => d.text), ...defKids.filter((c) => c.type === 'decorator').map((c) => c.text)]
        : annotationsOf(lang, e.def, outer, defKids);
    const fullFrom = decorators[0] ?? outer;
    const full = range(outer === e.def ? e.def : outer, fullFrom);

    if (isType) {
      for (let i = 0; i < names.length - 1; i++) containers.push({ kind: e.kind === 'module' ? 'module' : 'type', name: names[i]! });
      symbols.push({
        name: simpleName, kind: 'type', containers, namespace, nameRange: range(e.name), fullRange: full,
        params: [], annotations, language: lang, isStatic: false, arity: arityOf(lang, e.def),
      });
      const pushed: SymbolContainer[] = names.map((n) => ({ kind: (e.kind === 'module' ? 'module' : 'type') as ContainerKind, name: n }));
      // A `class A::B` body is nested in two constants; the stack carries the last, containers carry both.
      stack.push({ end: e.end, container: pushed[pushed.length - 1]!, namespace: null, anonCount: 0 });
      if (pushed.length > 1) {
        // Re-open with the full path so members see every segment.
        stack.pop();
        for (const p of pushed) stack.push({ end: e.end, container: p, namespace: null, anonCount: 0 });
      }
      continue;
    }

    let kind: SymbolKind = e.kind === 'ctor' ? 'constructor' : parent?.container && parent.container.kind !== 'function' ? 'method' : 'function';
    if (e.kind === 'method' || e.kind === 'smethod') kind = 'method';
    if (lang === 'go' && e.kind === 'method') {
      const recv = goReceiver(e.def);
      if (recv) containers.push({ kind: 'type', name: recv });
    }
    const methodName = e.name.text.replace(/^#/, '');
    if ((lang === 'javascript' || lang === 'typescript') && methodName === 'constructor' && e.kind === 'method') kind = 'constructor';
    const isStatic = e.kind === 'smethod' || inSingletonClass(lang, e.def) ||
      (lang === 'java' ? javaMods !== null && /(^|\s)static(\s|$)/.test(javaMods.text.replace(/@[\w.]+(\((?:[^()]|\([^()]*\))*\))?/g, ' '))
        : isJs ? e.def.type === 'method_definition' && /^(?:(?:public|private|protected|readonly|override|abstract|async|get|set)\s+)*static\b/.test(e.def.text)
          : hasModifier(lang, e.def, defKids, 'static'));
    symbols.push({
      name: methodName, kind, containers, namespace, nameRange: range(e.name), fullRange: full,
      params: paramsOf(lang, e.def), annotations, language: lang, isStatic, arity: 0,
    });
    stack.push({ end: e.end, container: { kind: 'function', name: methodName }, namespace: null, anonCount: 0 });
  }
  return { language: lang, jvmName: null, symbols, origin: 'tree-sitter' };
}

function pythonOuter(def: Node): Node {
  const p = def.parent;
  return p && p.type === 'decorated_definition' ? p : def;
}

function annotationsOf(lang: SourceLanguage, def: Node, outer: Node, defKids: readonly Node[]): string[] {
  const out: string[] = [];
  switch (lang) {
    case 'java':
      for (const c of defKids) {
        if (c.type === 'modifiers') for (const a of kids(c)) if (a.type === 'annotation' || a.type === 'marker_annotation') out.push(a.text);
      }
      break;
    case 'python':
      if (outer !== def) for (const c of kids(outer)) if (c.type === 'decorator') out.push(c.text);
      break;
    case 'csharp':
    case 'php':
      for (const c of defKids) if (c.type === 'attribute_list') out.push(c.text);
      break;
    case 'typescript':
    case 'javascript': {
      const decos: string[] = [];
      let s = def.previousNamedSibling;
      while (s && s.type === 'decorator') {
        decos.unshift(s.text);
        s = s.previousNamedSibling;
      }
      for (const c of defKids) if (c.type === 'decorator') decos.push(c.text);
      out.push(...decos);
      break;
    }
    default:
      break;
  }
  return out;
}

function hasModifier(lang: SourceLanguage, def: Node, defKids: readonly Node[], mod: string): boolean {
  switch (lang) {
    case 'java':
      return defKids.some((c) => c.type === 'modifiers' && allKids(c).some((m) => m.type === mod));
    case 'csharp':
      return defKids.some((c) => c.type === 'modifier' && c.text === mod);
    case 'php':
      return defKids.some((c) => c.type === 'static_modifier');
    case 'javascript':
    case 'typescript':
      return def.type === 'method_definition' && allKids(def).some((c) => c.type === 'static');
    default:
      return false;
  }
}

function inSingletonClass(lang: SourceLanguage, def: Node): boolean {
  if (lang !== 'ruby') return false;
  const body = def.parent;
  const cls = body?.type === 'body_statement' ? body.parent : body;
  return cls?.type === 'singleton_class';
}

function arityOf(lang: SourceLanguage, def: Node): number {
  if (lang !== 'csharp' && lang !== 'java' && lang !== 'typescript') return 0;
  for (const c of kids(def)) if (c.type === 'type_parameter_list' || c.type === 'type_parameters') return kids(c).length;
  return 0;
}

function goReceiver(def: Node): string | null {
  // `(s *Service)`, `(r *Repo[T])`, `(Service)`: the type name, from the text (no per-node round trips).
  const recv = def.childForFieldName('receiver');
  const m = recv ? /^\(\s*(?:[A-Za-z_]\w*\s+)?\(?\*?\s*([A-Za-z_]\w*)/.exec(recv.text) : null;
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

/**
 * Parameter types as written, from the parameter list's text: one WASM round trip per declaration
 * instead of several per parameter (this is on the hot path of every extraction).
 */
function paramsOf(lang: SourceLanguage, def: Node): string[] {
  // `const f = (a) => …`, `exports.f = function (a) {…}`, `{ f: (a) => … }`: the parameters sit on the value.
  const t = def.type;
  const fieldOwner = t === 'variable_declarator' || t === 'pair' || t === 'field_definition' || t === 'public_field_definition' ? def.childForFieldName('value') ?? def
    : t === 'assignment_expression' ? def.childForFieldName('right') ?? def : def;
  const params = fieldOwner.childForFieldName('parameters') ?? fieldOwner.childForFieldName('parameter');
  if (!params) return [];
  const text = params.text;
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
