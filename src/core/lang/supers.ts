// Supertypes and mixins a type declaration names, read from the declaration's text (header + body), per language.

/** Splits at top-level commas (generic arguments and call parentheses kept together). */
function topLevelParts(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '<' || c === '(' || c === '[' || c === '{') depth++;
    else if (c === '>' || c === ')' || c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out.map((p) => p.trim()).filter((p) => p !== '');
}

/** `a.b.Base<T>(x)` → `a.b.Base`; keeps qualifiers (`::`, `\`, `.`) for the caller to resolve. */
function bareTypeName(s: string): string | null {
  const t = s.replace(/@\w+(?:\([^)]*\))?\s*/g, '').replace(/<[\s\S]*$/, '').replace(/\([\s\S]*$/, '').replace(/\s+by\s+[\s\S]*$/, '').trim();
  return /^[\p{L}_$\\][\p{L}\p{N}_$.:\\]*$/u.test(t) ? t : null;
}

function names(list: string): string[] {
  return topLevelParts(list).map(bareTypeName).filter((n): n is string => n !== null);
}

/** Text between a type's name and its body (`extends A<T> implements B`), comments removed. */
function clean(header: string): string {
  return header.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ').replace(/#[^\n[]*$/gm, ' ');
}

/**
 * Supertypes in lookup order (the order a runtime searches for an inherited method): Java/Kotlin/
 * C#/TS/PHP list the superclass first, then interfaces/traits; Python bases left to right; Ruby
 * modules included last first, then the superclass.
 */
export function supertypesOf(language: string, header: string, body: string): string[] {
  const h = clean(header);
  switch (language) {
    case 'java': {
      const ext = /\bextends\s+([\s\S]+?)(?=\bimplements\b|\bpermits\b|$)/.exec(h);
      const impl = /\bimplements\s+([\s\S]+?)(?=\bpermits\b|$)/.exec(h);
      return [...(ext ? names(ext[1]!) : []), ...(impl ? names(impl[1]!) : [])];
    }
    case 'kotlin':
    case 'csharp': {
      // `class A(x: Int) : B(x), I where T : U` — the supertypes follow the first top-level colon.
      let depth = 0;
      for (let i = 0; i < h.length; i++) {
        const c = h[i];
        if (c === '(' || c === '<') depth++;
        else if (c === ')' || c === '>') depth--;
        else if (c === ':' && depth === 0) return names(h.slice(i + 1).replace(/\bwhere\b[\s\S]*$/, ''));
      }
      return [];
    }
    case 'typescript':
    case 'javascript': {
      const ext = /\bextends\s+([\s\S]+?)(?=\bimplements\b|$)/.exec(h);
      const impl = /\bimplements\s+([\s\S]+)$/.exec(h);
      return [...(ext ? names(ext[1]!) : []), ...(impl ? names(impl[1]!) : [])];
    }
    case 'php': {
      const ext = /\bextends\s+([\s\S]+?)(?=\bimplements\b|$)/.exec(h);
      const impl = /\bimplements\s+([\s\S]+)$/.exec(h);
      const traits: string[] = [];
      for (const m of body.matchAll(/^\s*use\s+([\\\w\s,]+?)\s*[;{]/gm)) traits.push(...names(m[1]!));
      return [...traits, ...(ext ? names(ext[1]!) : []), ...(impl ? names(impl[1]!) : [])];
    }
    case 'python': {
      const m = /^\s*\(([\s\S]*)\)\s*$/.exec(h);
      if (!m) return [];
      return topLevelParts(m[1]!).filter((p) => !p.includes('=')).map(bareTypeName).filter((n): n is string => n !== null && n !== 'object');
    }
    case 'ruby': {
      const sup = /^\s*<\s*([A-Z][\w:]*)/.exec(h);
      const mods: string[] = [];
      for (const m of body.matchAll(/^\s*(?:include|prepend)\s+([A-Z][\w:]*(?:\s*,\s*[A-Z][\w:]*)*)/gm)) mods.push(...names(m[1]!));
      return [...mods.reverse(), ...(sup ? [sup[1]!] : [])];
    }
    default:
      return [];
  }
}

/** Last segment of a qualified type name (`ActionController::Base` → `Base`, `a.b.C` → `C`). */
export function simpleTypeName(qualified: string): string {
  return qualified.split(/::|\\|\./).filter((s) => s !== '').pop() ?? qualified;
}
