// PHP names → interpretations: `Ns\Class::method`, namespaced functions; files by class name (PSR-4, loosely).
import type { CodeRef } from '../../../shared/model';
import { baseKey, type RefKey } from '../common';

const THIRD_PARTY = ['GuzzleHttp\\', 'Illuminate\\', 'Symfony\\', 'Slim\\', 'Laminas\\', 'Doctrine\\', 'Psr\\', 'Composer\\', 'Monolog\\', 'OpenTelemetry\\', 'PDO'];

export function looksPhp(ref: CodeRef): boolean {
  return (ref.namespace ?? '').includes('\\') || /\.php$/.test(ref.filePath ?? '');
}

export function phpKeys(ref: CodeRef): RefKey[] {
  if (ref.namespace === null) return [];
  const full = ref.namespace.replace(/^\\/, '');
  const fn = ref.function.trim();
  const closure = fn === '{closure}';
  if (!closure && !/^[A-Za-z_]\w*$/.test(fn)) return [];
  // `App\Foo::App\{closure}` (PHP < 8.4 inside a namespace) names the closure's namespace, not a class.
  const parts = full.split('\\').filter((s) => s !== '');
  if (parts.length === 0 || !parts.every((p) => /^[A-Za-z_]\w*$/.test(p))) return [];
  const cls = parts[parts.length - 1]!;
  const ns = parts.length > 1 ? parts.slice(0, -1).join('\\') : null;
  const thirdParty = THIRD_PARTY.some((p) => `${full}\\`.startsWith(p));
  if (closure) {
    if (ref.line === null) return [];
    return [baseKey('php', { namespace: ns, types: [cls], function: null, atLine: true, thirdParty, confidence: 0.85,
      note: `closure at line ${ref.line}: the enclosing method`, fileHints: [{ dirs: [], stems: [cls], looseStem: false, exts: ['php'] }] })];
  }
  const keys: RefKey[] = [baseKey('php', {
    namespace: ns, types: [cls], function: fn, isConstructor: fn === "__construct", thirdParty, confidence: 0.95,
    fileHints: [{ dirs: [], stems: [cls], looseStem: false, exts: ['php'] }],
  })];
  // `App\helpers\format`: a namespaced function, not a class method.
  keys.push(baseKey('php', { namespace: full, types: [], function: fn, thirdParty, confidence: 0.9,
    fileHints: [{ dirs: [], stems: [], looseStem: false, exts: ['php'] }] }));
  return keys;
}
