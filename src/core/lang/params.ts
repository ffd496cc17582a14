// Shared helpers for reading parameter lists from source text (each language's `params` rule uses them).

/** Top-level comma-separated parts of a parameter list's text (without the outer parentheses). */
export function splitParams(text: string): string[] {
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
export function noDefault(p: string): string {
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
export function typeBeforeName(p: string): string {
  const m = /^(.*?)\s*[A-Za-z_$][\w$]*$/.exec(p);
  return m && m[1] ? m[1].trim() : p;
}
