// Spring configuration edits for the quick fixes: read and add keys in application.properties / application.yml without disturbing the rest.
import { doc, insertAt, offsetOf, type FixEdit, type FixFile, type FixInput } from './fixModel';

/** Flattened keys of a simple YAML map (`spring:\n  http:\n    client: …` → `spring.http.client`), with their values. */
export function yamlKeys(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const stack: { indent: number; key: string }[] = [];
  for (const raw of text.split(/\r?\n/)) {
    if (/^\s*(#|$)/.test(raw) || /^\s*-/.test(raw) || /^---/.test(raw)) continue;
    const m = /^(\s*)([^:#]+?)\s*:(?:\s+(.*))?\s*$/.exec(raw);
    if (m === null) continue;
    const indent = (m[1] as string).length;
    while (stack.length > 0 && (stack[stack.length - 1] as { indent: number }).indent >= indent) stack.pop();
    const key = [...stack.map((s) => s.key), (m[2] as string).replace(/^["']|["']$/g, '')].join('.');
    stack.push({ indent, key: (m[2] as string).replace(/^["']|["']$/g, '') });
    if (m[3] !== undefined && m[3] !== '') out.set(key, m[3].replace(/\s+#.*$/, ''));
  }
  return out;
}

export function propertiesKeys(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([^#!\s=:][^=:\s]*)\s*[=:]\s*(.*)$/.exec(line);
    if (m !== null) out.set(m[1] as string, (m[2] as string).trim());
  }
  return out;
}

export type ConfigEditResult = { kind: 'edits'; file: FixFile; edits: FixEdit[] } | { kind: 'present'; file: FixFile; key: string; value: string } | { kind: 'none' };

/**
 * Adds `entries` to the module's application.properties (preferred) or application.yml. When any
 * key of `anyOf` is already set, reports it instead (idempotence: "already configured").
 */
export function addSpringProperties(input: FixInput, entries: readonly (readonly [string, string])[], anyOf: readonly string[]): ConfigEditResult {
  const files = input.buildFiles ?? {};
  const props = files['application.properties'];
  if (props !== undefined) {
    const keys = propertiesKeys(props);
    for (const k of anyOf) {
      const v = keys.get(k);
      if (v !== undefined) return { kind: 'present', file: 'application.properties', key: k, value: v };
    }
    const d = doc(props);
    const last = d.lines.length - 1;
    const endsWithNewline = props === '' || props.endsWith('\n');
    // Append after the last line; keep the file's final newline convention.
    const at = endsWithNewline ? offsetOf(d, last, 0) : offsetOf(d, last, (d.lines[last] as string).length);
    const body = entries.map(([k, v]) => `${k}=${v}`).join(d.eol);
    const text = endsWithNewline ? `${body}${d.eol}` : `${d.eol}${body}`;
    return { kind: 'edits', file: 'application.properties', edits: [insertAt(d, at, text, 'application.properties')] };
  }
  for (const name of ['application.yml', 'application.yaml'] as const) {
    const yml = files[name];
    if (yml === undefined) continue;
    const keys = yamlKeys(yml);
    for (const k of anyOf) {
      const v = keys.get(k);
      if (v !== undefined) return { kind: 'present', file: name, key: k, value: v };
    }
    const d = doc(yml);
    const springLine = d.lines.findIndex((l) => /^spring\s*:\s*(#.*)?$/.test(l));
    const allSpring = entries.every(([k]) => k.startsWith('spring.'));
    if (springLine >= 0 && allSpring) {
      // Spring Boot flattens YAML maps by joining keys with dots, so a dotted key under `spring:` binds the same property.
      const next = d.lines.slice(springLine + 1).find((l) => l.trim() !== '' && !/^\s*#/.test(l));
      const childIndent = next !== undefined && /^\s+/.test(next) ? (/^\s+/.exec(next) as RegExpExecArray)[0] : '  ';
      const body = entries.map(([k, v]) => `${d.eol}${childIndent}${k.replace(/^spring\./, '')}: ${v}`).join('');
      return { kind: 'edits', file: name, edits: [insertAt(d, offsetOf(d, springLine, (d.lines[springLine] as string).length), body, name)] };
    }
    const last = d.lines.length - 1;
    const endsWithNewline = yml === '' || yml.endsWith('\n');
    const block = allSpring ? `spring:${entries.map(([k, v]) => `${d.eol}  ${k.replace(/^spring\./, '')}: ${v}`).join('')}` : entries.map(([k, v]) => `${k}: ${v}`).join(d.eol);
    const at = endsWithNewline ? offsetOf(d, last, 0) : offsetOf(d, last, (d.lines[last] as string).length);
    return { kind: 'edits', file: name, edits: [insertAt(d, at, endsWithNewline ? `${block}${d.eol}` : `${d.eol}${block}`, name)] };
  }
  return { kind: 'none' };
}
