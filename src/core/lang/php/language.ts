// PHP: `Vendor\\Pkg\\Class::method`, namespaced functions, closures; both directions side by side.
import type { LanguageSpec } from '../spec';
import { nameRef, declaredTypes } from '../common';
import { noDefault, splitParams } from '../params';
import { looksPhp, phpKeys } from './names';

const PHP_QUERY = `
(namespace_definition name: (namespace_name) @name body: (_)? @body) @ns
(class_declaration (attribute_list)* @deco name: (name) @name) @type
(interface_declaration (attribute_list)* @deco name: (name) @name) @type
(trait_declaration (attribute_list)* @deco name: (name) @name) @type
(enum_declaration (attribute_list)* @deco name: (name) @name) @type
(method_declaration (attribute_list)* @deco (static_modifier)? @static name: (name) @name parameters: (_) @params) @method
(function_definition (attribute_list)* @deco name: (name) @name parameters: (_) @params) @fn
`;

export const php: LanguageSpec = {
  id: 'php',
  label: 'PHP',
  runtimeNames: ['php'],
  sources: [{
    id: 'php', extensions: ['php'], grammar: { wasm: 'php' }, query: PHP_QUERY, maxDepth: 6, deepGate: /^(?: {12,}|\t{3,})(?:[\w ]*\s)?(?:function|class)\s/m,
    params: (text) => splitParams(text).map((p) => {
      const d = noDefault(p.replace(/^#\[[^\]]*\]\s*/, '').replace(/^(?:public|private|protected|readonly)\s+/g, ''));
      const m = /^(.*?)\s*&?\s*(?:\.\.\.)?\$\w+$/.exec(d);
      return m && m[1] ? m[1] : d;
    }),
  }],
  claims: looksPhp,
  claimOrder: 10,
  missingNamespacePenalty: 0.05,
  forward: phpKeys,
  reverse(sym) {
    if (sym.kind === 'type') return null;
    const types = declaredTypes(sym);
    const ns = sym.namespace !== null ? `${sym.namespace}\\` : '';
    return types.length > 0 ? nameRef(`${ns}${types.join('\\')}`, sym.name) : nameRef(sym.namespace, sym.name);
  },
  namespaceFits(want, _file, sym) {
    const have = (sym.namespace ?? '').replace(/^\\/, '');
    return have === want ? { ok: true, why: `namespace ${want}`, penalty: 0 } : { ok: false, why: `namespace ${have || '(global)'} ≠ ${want}`, penalty: 0 };
  },
};
