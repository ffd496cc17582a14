// Fully-qualified runtime function names → (namespace, function), per runtime separator.

/**
 * Splits a fully-qualified function name into namespace and function using the separator of the
 * runtime that produced it: `::` (PHP, Rust, Ruby), `#` (Ruby instance methods), `:` (Erlang) and
 * `.` (Java, .NET, Go, Python, JS). Go receivers keep their parentheses: `pkg.(*T).Get` → `pkg.(*T)`.
 */
export function splitQualifiedName(fq: string): { namespace: string | null; function: string } {
  // Drop a parameter list: from the first '(' when the name ends with ')'. Done with indexOf, not
  // /\(.*\)$/, which backtracks quadratically on a long run of '('.
  const open = fq.indexOf('(');
  const name = (open >= 0 && fq.trimEnd().endsWith(')') ? fq.slice(0, open).trim() : fq.trim()) || fq.trim();
  // Ruby `A::B#m` is a method of A::B; `A::B.m` a class method of A::B.
  const hash = name.lastIndexOf('#');
  if (hash > 0 && hash + 1 < name.length) return { namespace: name.slice(0, hash), function: name.slice(hash + 1) };
  const i = name.lastIndexOf('::');
  if (i > 0 && i + 2 < name.length) {
    const tail = name.slice(i + 2);
    const dot = tail.lastIndexOf('.');
    if (dot > 0 && dot + 1 < tail.length && /^[A-Z]/.test(tail)) return { namespace: name.slice(0, i + 2 + dot), function: tail.slice(dot + 1) };
    return { namespace: name.slice(0, i), function: tail };
  }
  // PHP namespaced function: `App\\Support\\format_money`.
  const bs = name.lastIndexOf('\\');
  if (bs > 0 && bs + 1 < name.length && !name.includes('.')) return { namespace: name.slice(0, bs), function: name.slice(bs + 1) };
  // A dot inside Go receiver parentheses or a generic/lambda suffix is not a separator.
  let depth = 0;
  for (let i = name.length - 1; i > 0; i--) {
    const c = name[i];
    if (c === ')' || c === ']' || c === '>') depth++;
    else if (c === '(' || c === '[' || c === '<') depth = Math.max(0, depth - 1);
    else if (c === '.' && depth === 0 && i + 1 < name.length) {
      return { namespace: name.slice(0, i), function: name.slice(i + 1) };
    }
  }
  const colon = name.lastIndexOf(':');
  if (colon > 0 && colon + 1 < name.length) return { namespace: name.slice(0, colon), function: name.slice(colon + 1) };
  return { namespace: null, function: name };
}
