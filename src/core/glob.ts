// Tiny glob → RegExp for the `files` setting: `**`, `*`, `?`, `[abc]`, `{a,b}`; paths use forward slashes.

/**
 * Compiles a glob to an anchored RegExp over workspace-relative paths with `/` separators.
 * `**` spans directories (also zero of them: `a/**\/b` matches `a/b`), `*` and `?` stay within one
 * segment, `{a,b}` alternates (no nesting), `[...]` is a character class. Leading `./` is ignored.
 */
export function globToRegExp(glob: string): RegExp {
  const g = glob.trim().replace(/\\/g, '/').replace(/^\.\//, '');
  let re = '';
  let inBrace = false;
  for (let i = 0; i < g.length; i++) {
    const c = g[i] as string;
    if (c === '*') {
      if (g[i + 1] === '*') {
        const atSegStart = i === 0 || g[i - 1] === '/';
        const atSegEnd = i + 2 === g.length || g[i + 2] === '/';
        if (atSegStart && atSegEnd) {
          if (g[i + 2] === '/') {
            re += '(?:[^/]*/)*';
            i += 2;
          } else {
            re += '.*';
            i += 1;
          }
          continue;
        }
        i += 1;
      }
      re += '[^/]*';
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '[') {
      const close = g.indexOf(']', i + 1);
      if (close < 0) { re += '\\['; continue; }
      let body = g.slice(i + 1, close).replace(/\\/g, '\\\\');
      if (body.startsWith('!')) body = `^${body.slice(1)}`;
      re += `[${body}]`;
      i = close;
    } else if (c === '{' && !inBrace) {
      inBrace = true;
      re += '(?:';
    } else if (c === '}' && inBrace) {
      inBrace = false;
      re += ')';
    } else if (c === ',' && inBrace) {
      re += '|';
    } else {
      re += c.replace(/[.+^$()|\\\]{}]/g, '\\$&');
    }
  }
  if (inBrace) re += ')';
  return new RegExp(`^${re}$`);
}

/** The directory part before the first wildcard (`traces/2024/*.json` → `traces/2024`), to start walking there. */
export function globBase(glob: string): string {
  const g = glob.trim().replace(/\\/g, '/').replace(/^\.\//, '');
  const parts = g.split('/');
  const base: string[] = [];
  for (const p of parts.slice(0, -1)) {
    if (/[*?[{]/.test(p)) break;
    base.push(p);
  }
  return base.join('/');
}
