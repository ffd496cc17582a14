// Just enough Java reading for the quick fixes: annotations of a method, element lists, field initialisers, Spring Boot version.
import { matchClose, methodSpan, splitArgs, type Doc, type FixMethod } from './fixModel';

export interface JavaAnnotation {
  /** Simple name (`Cacheable` for `@org.springframework.cache.annotation.Cacheable`). */
  readonly name: string;
  readonly start: number;
  /** End of the annotation (after `)` when it has arguments). */
  readonly end: number;
  /** Offsets of `(` and `)`, or null without arguments. */
  readonly open: number | null;
  readonly close: number | null;
}

/** Annotations in front of the method's signature, in order, and where the signature starts. */
export function methodAnnotations(d: Doc, m: FixMethod): { annotations: JavaAnnotation[]; signatureStart: number } {
  const { start, end } = methodSpan(d, m);
  const text = d.text;
  const out: JavaAnnotation[] = [];
  let i = start;
  while (i < end) {
    const ws = /^\s+/.exec(text.slice(i, Math.min(end, i + 200)));
    if (ws !== null) {
      i += ws[0].length;
      continue;
    }
    if (text.startsWith('//', i)) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? end : nl + 1;
      continue;
    }
    if (text.startsWith('/*', i)) {
      const c = text.indexOf('*/', i + 2);
      i = c < 0 ? end : c + 2;
      continue;
    }
    if (text[i] !== '@') break;
    const nm = /^@([\w.]+)/.exec(text.slice(i, i + 200));
    if (nm === null || nm[1] === 'interface') break;
    const name = (nm[1] as string).split('.').pop() as string;
    let j = i + nm[0].length;
    const after = /^\s*\(/.exec(text.slice(j, j + 50));
    let open: number | null = null;
    let close: number | null = null;
    if (after !== null) {
      open = j + after[0].length - 1;
      close = matchClose(text, open);
      if (close < 0) break;
      j = close + 1;
    }
    out.push({ name, start: i, end: j, open, close });
    i = j;
  }
  return { annotations: out, signatureStart: i };
}

export interface AnnotationElement {
  /** Element name; `value` for the single positional form. */
  readonly name: string;
  readonly positional: boolean;
  readonly value: string;
  readonly start: number;
  readonly end: number;
}

export function annotationElements(d: Doc, a: JavaAnnotation): AnnotationElement[] {
  if (a.open === null || a.close === null) return [];
  return splitArgs(d.text, a.open + 1, a.close).map((p) => {
    const m = /^\s*(\w+)\s*=\s*([\s\S]*?)\s*$/.exec(p.text);
    if (m !== null && !/^\s*["{[]/.test(p.text)) return { name: m[1] as string, positional: false, value: m[2] as string, start: p.start, end: p.end };
    return { name: 'value', positional: true, value: p.text.trim(), start: p.start, end: p.end };
  });
}

/** Number of entries in an annotation array/string value: `"a"` → 1, `{"a", "b"}` → 2. */
export function arrayLength(value: string): number {
  const v = value.trim();
  // Java `{…}`, Kotlin `[…]` / `arrayOf(…)`.
  const arrayOf = /^arrayOf\s*\(/.exec(v);
  if (arrayOf !== null) return splitArgs(v, arrayOf[0].length, v.length - 1).length;
  if (!v.startsWith('{') && !v.startsWith('[')) return v === '' ? 0 : 1;
  return splitArgs(v, 1, v.length - 1).length;
}

/** Body `{…}` of the method: offsets of the braces, or null for an abstract/interface method. */
export function methodBody(d: Doc, m: FixMethod, from: number): { open: number; close: number } | null {
  const { end } = methodSpan(d, m);
  const text = d.text;
  let depth = 0;
  for (let i = from; i < end; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ';' && depth === 0) return null;
    else if (c === '{' && depth === 0) {
      const close = matchClose(text, i);
      return close < 0 ? null : { open: i, close };
    }
  }
  return null;
}

/**
 * Spring Boot version from a build file: the `spring-boot-starter-parent` parent, the
 * `org.springframework.boot` Gradle plugin, or a `spring-boot.version` property. Null when unknown.
 */
export function springBootVersion(build: { pom?: string | undefined; gradle?: string | undefined }): [number, number] | null {
  const pom = build.pom;
  if (pom !== undefined) {
    const parent = /<parent>[\s\S]*?<artifactId>\s*spring-boot-starter-parent\s*<\/artifactId>[\s\S]*?<version>\s*(\d+)\.(\d+)[^<]*<\/version>[\s\S]*?<\/parent>/.exec(pom);
    const prop = /<spring-boot\.version>\s*(\d+)\.(\d+)/.exec(pom);
    const bom = /<artifactId>\s*spring-boot-dependencies\s*<\/artifactId>\s*<version>\s*(\d+)\.(\d+)/.exec(pom);
    const m = parent ?? prop ?? bom;
    if (m !== null) return [Number(m[1]), Number(m[2])];
  }
  const gradle = build.gradle;
  if (gradle !== undefined) {
    const m =
      /id\s*\(?\s*["']org\.springframework\.boot["']\s*\)?\s*version\s*["'](\d+)\.(\d+)/.exec(gradle) ??
      /spring-boot-gradle-plugin:(\d+)\.(\d+)/.exec(gradle) ??
      /springBootVersion\s*=\s*["'](\d+)\.(\d+)/.exec(gradle);
    if (m !== null) return [Number(m[1]), Number(m[2])];
  }
  return null;
}

export function atLeast(v: [number, number] | null, major: number, minor: number): boolean {
  return v !== null && (v[0] > major || (v[0] === major && v[1] >= minor));
}

export function hasImport(d: Doc, fqn: string): boolean {
  const pkg = fqn.slice(0, fqn.lastIndexOf('.'));
  return d.lines.some((l) => {
    const m = /^\s*import\s+([\w.]+(\.\*)?)\s*;?/.exec(l);
    return m !== null && (m[1] === fqn || m[1] === `${pkg}.*`);
  });
}

export function importsPackage(d: Doc, pkgPrefix: string): boolean {
  return d.lines.some((l) => new RegExp(`^\\s*import\\s+(static\\s+)?${pkgPrefix.replace(/\./g, '\\.')}`).test(l));
}
