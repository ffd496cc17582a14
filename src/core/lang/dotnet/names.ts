// .NET runtime names → interpretations: `Ns.Class`, `+` nesting, `` `1 `` arity, `<M>d__N` state machines, `<>c` lambdas, local functions.
import type { CodeRef } from '../../../shared/model';
import { baseKey, type RefKey } from '../common';

const THIRD_PARTY = ['System.', 'Microsoft.', 'Npgsql.', 'Grpc.', 'Newtonsoft.', 'StackExchange.', 'Polly.', 'MediatR.', 'OpenTelemetry.', 'Azure.', 'Amazon.'];

export function looksDotnet(ref: CodeRef): boolean {
  const s = `${ref.namespace ?? ''}.${ref.function}`;
  return /\+|`\d|<[^>]*>[a-z]__|<>c|\.ctor|\.cctor|MoveNext/.test(s) || /\.cs$/.test(ref.filePath ?? '');
}

export function csharpKeys(ref: CodeRef): RefKey[] {
  if (ref.namespace === null) return [];
  let fn = ref.function.trim();
  const notes: string[] = [];
  let confidence = 0.95;
  // Split the type path on `+` (nesting) and trailing dotted compiler-generated segments.
  const plus = ref.namespace.split('+');
  const head = plus[0]!;
  const headSegs = head.split('.');
  const nested: string[] = [];
  while (headSegs.length > 1 && headSegs[headSegs.length - 1]!.startsWith('<')) nested.unshift(headSegs.pop()!);
  nested.push(...plus.slice(1));
  const top = headSegs.pop();
  if (top === undefined || top === '') return [];
  const ns = headSegs.length > 0 ? headSegs.join('.') : null;
  const types: string[] = [top.replace(/`\d+$/, '')];
  for (const n of nested) {
    const sm = /^<(.+?)>d__\d+$/.exec(n);
    const dc = /^<>c(__DisplayClass[\d_]+)?$/.exec(n);
    if (sm) {
      fn = sm[1]!;
      notes.push(`async/iterator state machine of ${sm[1]}`);
    } else if (dc) {
      // Lambda cache / closure class: the method comes from the function name `<Main>b__0_0`.
    } else if (n.startsWith('<')) {
      return [];
    } else types.push(n.replace(/`\d+$/, ''));
  }
  const lambda = /^<(.+?)>b__[\w|]+$/.exec(fn);
  const local = /^<(.+?)>g__(.+?)\|[\w|]+$/.exec(fn);
  let constructor = false;
  if (lambda) {
    notes.push(`lambda in ${lambda[1]}`);
    fn = lambda[1]!;
    confidence = 0.85;
  } else if (local) {
    notes.push(`local function ${local[2]} in ${local[1]}`);
    fn = local[1]!;
    confidence = 0.85;
  } else if (fn === '.ctor') {
    fn = types[types.length - 1]!;
    constructor = true;
  } else if (fn === '.cctor') {
    return [baseKey('dotnet', { namespace: ns, types, function: null, note: 'static constructor', confidence: 0.6,
      fileHints: [{ dirs: [], stems: [types[0]!], looseStem: false, exts: ['cs'] }] })];
  }
  if (!/^[\p{L}_][\p{L}\p{N}_]*$/u.test(fn)) return [];
  const thirdParty = ns !== null && THIRD_PARTY.some((p) => `${ns}.`.startsWith(p));
  return [baseKey('dotnet', {
    namespace: ns, types, function: fn, isConstructor: constructor, note: notes.length > 0 ? notes.join('; ') : null, confidence, thirdParty,
    // Folders follow namespaces only loosely in .NET (root namespace dropped): the type name decides the file.
    fileHints: [{ dirs: [], stems: [types[0]!], looseStem: false, exts: ['cs'] }],
  })];
}
