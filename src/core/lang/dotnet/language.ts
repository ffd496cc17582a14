// C# on .NET: `Ns.Type+Nested`1.Method`, compiler-generated state machines/lambdas/local functions, both directions side by side.
import type { LanguageSpec } from '../spec';
import { nameRef, declaredTypes } from '../common';
import { noDefault, splitParams, typeBeforeName } from '../params';
import { csharpKeys, looksDotnet } from './names';

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

export const dotnet: LanguageSpec = {
  id: 'dotnet',
  label: '.NET',
  runtimeNames: ['dotnet', '.net', '.net core', '.net framework', 'csharp'],
  sources: [{
    id: 'csharp', extensions: ['cs'], grammar: { wasm: 'c-sharp' }, query: CSHARP_QUERY, maxDepth: 8, deepGate: /^(?: {16,}|\t{4,})\S/m,
    params: (text) => splitParams(text).map((p) => typeBeforeName(noDefault(p.replace(/^\[[^\]]*\]\s*/, '').replace(/^(?:this|ref|out|in|params|scoped)\s+/g, '')))),
  }],
  claims: looksDotnet,
  claimOrder: 30,
  missingNamespacePenalty: 0.05,
  forward: csharpKeys,
  reverse(sym) {
    if (sym.kind === 'type') return null;
    return nameRef(`${sym.namespace !== null ? `${sym.namespace}.` : ''}${declaredTypes(sym).join('+')}`, sym.kind === 'constructor' ? '.ctor' : sym.name);
  },
  namespaceFits: (want, _file, sym) => sym.namespace === want
    ? { ok: true, why: `namespace ${want}`, penalty: 0 }
    : { ok: false, why: `namespace ${sym.namespace ?? '(none)'} ≠ ${want}`, penalty: 0 },
};
