// Java and Kotlin on the JVM: `pkg.Outer$Inner.method` names, javac/kotlinc synthetic names, both directions side by side.
import type { LanguageSpec } from '../spec';
import { nameRef, declaredTypes } from '../common';
import { splitParams, typeBeforeName } from '../params';
import { javaKeys, looksJvm } from './names';

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

export const jvm: LanguageSpec = {
  id: 'jvm',
  label: 'Java/Kotlin',
  runtimeNames: ['java', 'kotlin', 'jvm', 'openjdk runtime environment', 'java(tm) se runtime environment'],
  sources: [
    {
      id: 'java', extensions: ['java'], grammar: { wasm: 'java' }, query: JAVA_QUERY, maxDepth: 7,
      // Bounded argument scan: an unbounded `[^;]*?` after each `new` made a 400 KB file quadratic.
      deepGate: /\bnew\s+[\w.$<>[\], ]+\([^;]{0,500}?\)\s*\{|^(?: {12,}|\t{3,})[\w@ ]*\b(?:class|interface|enum|record)\s/m,
      params: (text) => splitParams(text).map((p) => typeBeforeName(p.replace(/@[\w.]+(?:\([^)]*\))?\s*/g, '').replace(/\bfinal\s+/g, '').trim())),
    },
    // No maintained Kotlin grammar ships with @vscode/tree-sitter-wasm (README, "Kotlin"): a declaration scanner reads it.
    { id: 'kotlin', extensions: ['kt', 'kts'], grammar: null, scanner: 'kotlin', params: (text) => splitParams(text) },
  ],
  otherExtensions: ['groovy', 'scala'],
  claims: looksJvm,
  claimOrder: 40,
  missingNamespacePenalty: 0.05,
  forward: javaKeys,
  reverse(sym, file) {
    if (sym.kind === 'type') return null;
    const types = declaredTypes(sym);
    const pkg = sym.namespace !== null ? `${sym.namespace}.` : '';
    if (types.length === 0) return file.jvmName !== null ? nameRef(`${pkg}${file.jvmName}`, sym.name) : null;
    return nameRef(`${pkg}${types.join('$')}`, sym.kind === 'constructor' ? '<init>' : sym.name);
  },
  namespaceFits: (want, _file, sym) => sym.namespace === want
    ? { ok: true, why: `package ${want}`, penalty: 0 }
    : { ok: false, why: `package ${sym.namespace ?? '(none)'} ≠ ${want}`, penalty: 0 },
};
