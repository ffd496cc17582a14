// Ruby: `A::B::Controller#action` / `.class_method`, snake_case files; both directions side by side.
import type { LanguageSpec } from '../spec';
import { nameRef, declaredTypes } from '../common';
import { noDefault, splitParams } from '../params';
import { rubyKeys } from './names';

const RUBY_QUERY = `
(module name: (_) @name) @module
(class name: (_) @name) @type
(method name: (_) @name parameters: (_)? @params) @method
(singleton_method name: (_) @name parameters: (_)? @params) @smethod
(singleton_class (body_statement (method name: (_) @name parameters: (_)? @params) @smethod))
(singleton_class (method name: (_) @name parameters: (_)? @params) @smethod)
`;

export const ruby: LanguageSpec = {
  id: 'ruby',
  label: 'Ruby',
  runtimeNames: ['ruby'],
  sources: [{
    id: 'ruby', extensions: ['rb'], grammar: { wasm: 'ruby' }, query: RUBY_QUERY, maxDepth: 9, deepGate: /^(?: {8,}|\t{4,})(?:def|class|module)\s/m,
    params: (text) => splitParams(text).map((p) => noDefault(p).replace(/:$/, '')),
  }],
  claims: (ref) => (ref.namespace ?? '').includes('::'),
  claimOrder: 20,
  claimAlso: ['php'],
  forward: rubyKeys,
  reverse(sym) {
    if (sym.kind === 'type') return null;
    const types = declaredTypes(sym);
    return types.length > 0 ? nameRef(types.join('::'), sym.name) : null;
  },
  displaySeparator: '::',
};
