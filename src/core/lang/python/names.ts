// Python runtime names → interpretations: dotted module paths, `Class.method` qualnames, `<locals>`, bare logging funcNames.
import type { CodeRef } from '../../../shared/model';
import { ANONYMOUS_FUNCTIONS, baseKey, isIdentifier, type RefKey } from '../common';

const THIRD_PARTY = ['django', 'flask', 'fastapi', 'starlette', 'requests', 'urllib3', 'sqlalchemy', 'celery', 'asyncio', 'concurrent',
  'threading', 'logging', 'opentelemetry', 'werkzeug', 'gunicorn', 'uvicorn', 'aiohttp', 'httpx', 'botocore', 'boto3', 'psycopg2',
  'redis', 'pydantic', 'grpc', 'importlib', 'functools', 'contextlib'];

export function isPythonThirdParty(module: string): boolean {
  return THIRD_PARTY.includes(module.split('.')[0] ?? '');
}

export function pythonKeys(ref: CodeRef): RefKey[] {
  const fn = ref.function.trim();
  if (ref.namespace === null) return [];
  const segs = `${ref.namespace}.${fn}`.split('.').filter((s) => s !== '' && s !== '<locals>');
  // `f.<locals>.<lambda>`: the lambda is not a declaration; the function around it is.
  const anonymous = ANONYMOUS_FUNCTIONS.has(segs[segs.length - 1] ?? '') ? segs.pop()! : null;
  if (segs.length < 2 || !segs.every((s) => isIdentifier(s))) return [];
  const last = segs[segs.length - 1]!;
  const keys: RefKey[] = [];
  const hasLocals = ref.namespace.includes('<locals>');
  const note = anonymous !== null ? `${anonymous} inside ${last}` : hasLocals ? 'nested function (<locals>)' : null;
  // Module vs qualname boundary is not spelled: try the longest module first.
  for (let k = segs.length - 1; k >= 1; k--) {
    const module = segs.slice(0, k);
    if (module[0] === '__main__' && k === 1) continue;
    const types = segs.slice(k, -1);
    const dirs = module.slice(0, -1);
    keys.push(baseKey('python', {
      namespace: module.join('.'), types, function: last, note, thirdParty: isPythonThirdParty(module.join('.')),
      confidence: 0.95,
      fileHints: [
        { dirs, stems: [module[module.length - 1]!], looseStem: false, exts: ['py'] },
        { dirs: module, stems: ['__init__'], looseStem: false, exts: ['py'] },
      ],
    }));
  }
  // `__main__.f` or a qualname without module (`UserService.get`): module unknown.
  const qual = segs[0] === '__main__' ? segs.slice(1) : segs;
  if (qual.length >= 1) {
    keys.push(baseKey('python', { namespace: null, types: qual.slice(0, -1), function: last, note, confidence: 0.85, fileHints: [] }));
  }
  return keys;
}
