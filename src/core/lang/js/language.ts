// JavaScript and TypeScript: `Class.method` (V8 frames, NestJS names), plain functions; both directions side by side.
import type { LanguageSpec } from '../spec';
import { nameRef, declaredTypes } from '../common';
import { noDefault, splitParams } from '../params';
import { jsKeys } from './names';

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

const DEEP = /^(?: {8,}|\t{4,})(?:export\s+)?(?:async\s+)?(?:function|class|const|let|var)\s+\w+\s*(?:=\s*(?:async\s*)?(?:\(|function)|[({<])/m;

function tsParams(text: string): string[] {
  if (!text.startsWith('(')) return [noDefault(text)]; // `x => …`
  return splitParams(text).filter((p) => !p.startsWith('@') || p.includes(' ')).map((p) => {
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
}

export const js: LanguageSpec = {
  id: 'js',
  label: 'JS/TS',
  runtimeNames: ['nodejs', 'webjs', 'node', 'node.js', 'javascript', 'typescript', 'bun', 'deno'],
  sources: [
    { id: 'javascript', extensions: ['js', 'mjs', 'cjs', 'jsx'], grammar: { wasm: 'javascript' }, query: JS_QUERY, maxDepth: 8, deepGate: DEEP,
      params: (text) => (text.startsWith('(') ? splitParams(text).map(noDefault) : [noDefault(text)]) },
    { id: 'typescript', extensions: ['ts', 'mts', 'cts', 'tsx'], grammar: { wasm: 'typescript', byExtension: { tsx: 'tsx' } }, query: TS_QUERY, maxDepth: 8, deepGate: DEEP, params: tsParams },
  ],
  forward: jsKeys,
  reverse(sym, file) {
    if (sym.kind === 'type') return null;
    const types = declaredTypes(sym);
    return types.length > 0 ? nameRef(types.join('.'), sym.name) : { namespace: null, function: sym.name, filePath: file.path, line: sym.nameRange.startLine + 1 };
  },
};
