// File index + candidate-file lookup (path suffix, learned prefixes, mappings, language conventions, source maps) feeding the core matcher.
import { codeRefHintsFromAttributes, frameFamily, frameIsFramework, NO_HINTS, refKeys, type CodeRefHints } from '../core/codeRef';
import { isDependencyFrame, THIRD_PARTY_PATH } from '../core/stacktrace';
import { looseName, type FileHint, type LangFamily, type RefKey } from '../core/lang/common';
import type { MatchHints } from '../core/match';
import { familyOf, rankMatches, symbolFits, type CandidateFile, type FileSymbols, type FileVia, type MatchOutcome, type SymbolInfo } from '../core/match';
import { simpleTypeName } from '../core/lang/supers';
import type { Attributes, CodeLocation, CodeRef } from '../shared/model';
import type { SymbolExtractor } from './extractor';
import { languageOfPath } from './types';

/** Folders never indexed: dependencies, build outputs, VCS and tool caches. */
export const SKIPPED_DIRS: ReadonlySet<string> = new Set([
  'node_modules', 'dist', 'out', 'build', 'target', 'bin', 'obj', 'vendor', '.git', '.hg', '.svn', '__pycache__', '.venv', 'venv',
  '.gradle', '.idea', '.vs', '.vscode-test', 'site-packages', '.next', '.nuxt', 'coverage', '.tox', '.mypy_cache', '.pytest_cache',
]);

/** Frames of one stack trace tried against the workspace at most (a deep trace is mostly framework). */
const MAX_TRIED_FRAMES = 12;
/** Files read at once while indexing declarations or scanning for a name. */
const READ_CONCURRENCY = 16;

/** Runs `fn` over `items` with at most `limit` in flight (file reads: enough to overlap I/O, few enough to stay polite). */
async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const run = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
}
/** Supertype levels walked for an inherited method (deeper hierarchies exist, but rarely in one workspace). */
const MAX_HIERARCHY_DEPTH = 8;

export interface PathMapping {
  readonly from: string;
  readonly to: string;
}

/** How the resolver reads files (asynchronously: it runs in the mapping worker, and the CLI shares it). */
export interface SourceAccess {
  /** Text of a workspace-relative file (indexed or not, e.g. dist/ outputs for source maps); null when unreadable. */
  read(rel: string): Promise<string | null>;
  /** Cheap cache key for the file's current content (mtime+size, document version); undefined → hash the text. */
  version(rel: string): Promise<string | number | undefined>;
  /** The file changed or went away: drop what was remembered about it. */
  forget?(rel: string): void;
}

export interface ResolverOptions {
  readonly extractor: SymbolExtractor;
  readonly access: SourceAccess;
  /** Absolute workspace root with forward slashes, to strip from absolute local paths. */
  readonly root: string;
  readonly pathMappings?: readonly PathMapping[];
}

export interface ExplainResult extends MatchOutcome {
  /** The interpretations tried, for "why not" explanations. */
  readonly interpretations: readonly string[];
}

interface PathResolution {
  readonly thirdParty: boolean;
  /** Only the file name matched and several files carry it: usable with a namespace, not alone. */
  readonly weak?: boolean;
  readonly files: readonly { readonly path: string; readonly components: number; readonly mappedLine: number | null; readonly useLine: boolean }[];
  readonly how: string;
}

interface TsconfigInfo {
  readonly dir: string;
  readonly outDir: string;
  readonly rootDir: string;
}

function pushTo<K, V>(map: Map<K, V[]>, k: K, v: V): void {
  const list = map.get(k);
  if (list) list.push(v);
  else map.set(k, [v]);
}

function removeFrom<K, V>(map: Map<K, V[]>, k: K, v: V): void {
  const list = map.get(k);
  if (!list) return;
  const i = list.indexOf(v);
  if (i >= 0) list.splice(i, 1);
  if (list.length === 0) map.delete(k);
}

function normSlashes(p: string): string {
  return p.replace(/\\/g, '/').replace(/^file:\/\//, '');
}

function joinRel(...parts: string[]): string {
  const out: string[] = [];
  for (const part of parts) {
    for (const seg of part.split('/')) {
      if (seg === '' || seg === '.') continue;
      if (seg === '..') out.pop();
      else out.push(seg);
    }
  }
  return out.join('/');
}

function dirOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
}

function extOf(p: string): string {
  const i = p.lastIndexOf('.');
  return i < 0 ? '' : p.slice(i + 1).toLowerCase();
}

function stemOf(p: string): string {
  const base = p.slice(p.lastIndexOf('/') + 1);
  const i = base.lastIndexOf('.');
  return i <= 0 ? base : base.slice(0, i);
}

const VLQ = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * Names declared after a keyword (`class X`, `def f`, `fun f`, `func (r *T) M`, `function f`, `module A::B`).
 * The Go receiver is bounded (`{0,200}`): an unbounded `[^)]*` rescans to the end of the file at
 * every `func(`, quadratic on a hostile file.
 */
const DECL = /\b(?:class|interface|object|enum|record|struct|trait|module|def|fun|func|function|type)\s+(?:self\.)?([A-Za-z_$][\w$]*(?:::[A-Za-z_]\w*)*)|\bfunc[ \t]*\([^)\n]{0,200}\)[ \t]*([A-Za-z_]\w*)/g;

/**
 * Original (source index, 1-based line) of a generated 1-based line, from a source map's `mappings`:
 * the first segment on that line wins. Enough for "which file and line", no column precision needed.
 */
export function sourceMapLine(mappings: string, generatedLine: number): { source: number; line: number } | null {
  let source = 0;
  let origLine = 0;
  let line = 1;
  let i = 0;
  while (i < mappings.length && line <= generatedLine) {
    const ch = mappings[i];
    if (ch === ';') {
      line++;
      i++;
      continue;
    }
    if (ch === ',') {
      i++;
      continue;
    }
    const fields: number[] = [];
    while (i < mappings.length && mappings[i] !== ',' && mappings[i] !== ';') {
      let value = 0;
      let shift = 0;
      let cont = true;
      while (cont && i < mappings.length) {
        const digit = VLQ.indexOf(mappings[i]!);
        i++;
        if (digit < 0) return null;
        cont = (digit & 32) !== 0;
        value += (digit & 31) << shift;
        shift += 5;
      }
      fields.push(value & 1 ? -(value >> 1) : value >> 1);
    }
    if (fields.length >= 4) {
      source += fields[1]!;
      origLine += fields[2]!;
      if (line === generatedLine) return { source, line: origLine + 1 };
    }
  }
  return null;
}

export class SymbolResolver {
  private readonly files = new Set<string>();
  private readonly byBase = new Map<string, string[]>();
  private readonly byStem = new Map<string, string[]>();
  private readonly byLooseStem = new Map<string, string[]>();
  private readonly byDirName = new Map<string, string[]>();
  private readonly byFamily = new Map<LangFamily, Set<string>>();
  private readonly goMods = new Map<string, string>();
  private readonly tsconfigs: TsconfigInfo[] = [];
  private readonly learned = new Map<string, { remote: string; local: string }>();
  private readonly scanCache = new Map<string, string[]>();
  /** Declared names (after class/def/fun/func/function/…) → files; built on first need, updated per file. */
  private declIndex: Map<string, Set<string>> | null = null;
  private declBuilding: Promise<void> | null = null;
  /** Files added or changed since their declarations were indexed (re-read on the next search). */
  private readonly staleDecls = new Set<string>();
  private readonly fileDecls = new Map<string, readonly string[]>();
  private readonly external = new Map<string, FileSymbols>();
  private mappings: PathMapping[];
  readonly extractor: SymbolExtractor;
  private readonly access: SourceAccess;
  private readonly root: string;

  constructor(opts: ResolverOptions) {
    this.extractor = opts.extractor;
    this.access = opts.access;
    this.root = normSlashes(opts.root).replace(/\/$/, '');
    this.mappings = [];
    this.setPathMappings(opts.pathMappings ?? []);
  }

  setPathMappings(mappings: readonly PathMapping[]): void {
    this.mappings = mappings
      .map((m) => ({ from: normSlashes(m.from), to: normSlashes(m.to) }))
      .filter((m) => m.from !== '')
      .sort((a, b) => b.from.length - a.from.length);
  }

  get size(): number {
    return this.files.size;
  }

  has(rel: string): boolean {
    return this.files.has(rel);
  }

  /** Families present in the index (to preload grammars). */
  families(): LangFamily[] {
    return [...this.byFamily.keys()];
  }

  addFile(rel: string): void {
    if (this.files.has(rel)) return;
    this.files.add(rel);
    const base = rel.slice(rel.lastIndexOf('/') + 1);
    pushTo(this.byBase, base, rel);
    pushTo(this.byStem, stemOf(rel), rel);
    pushTo(this.byLooseStem, looseName(stemOf(rel)), rel);
    const dir = dirOf(rel);
    pushTo(this.byDirName, dir.slice(dir.lastIndexOf('/') + 1), rel);
    const lang = languageOfPath(rel);
    const fam = lang ? familyOf(lang) : null;
    if (fam) {
      let set = this.byFamily.get(fam);
      if (!set) this.byFamily.set(fam, (set = new Set()));
      set.add(rel);
    }
    this.scanCache.clear();
    this.staleDecls.add(rel);
  }

  removeFile(rel: string): void {
    if (!this.files.delete(rel)) return;
    removeFrom(this.byBase, rel.slice(rel.lastIndexOf('/') + 1), rel);
    removeFrom(this.byStem, stemOf(rel), rel);
    removeFrom(this.byLooseStem, looseName(stemOf(rel)), rel);
    const dir = dirOf(rel);
    removeFrom(this.byDirName, dir.slice(dir.lastIndexOf('/') + 1), rel);
    const lang = languageOfPath(rel);
    const fam = lang ? familyOf(lang) : null;
    if (fam) this.byFamily.get(fam)?.delete(rel);
    this.external.delete(rel);
    this.extractor.forget(rel);
    this.access.forget?.(rel);
    this.scanCache.clear();
    this.staleDecls.delete(rel);
    this.dropDecls(rel);
  }

  /** A file changed on disk: cached symbols are keyed by version, only the text scans must be redone. */
  touchFile(rel: string): void {
    this.scanCache.clear();
    this.access.forget?.(rel);
    if (this.files.has(rel)) this.staleDecls.add(rel);
  }

  private dropDecls(rel: string): void {
    const old = this.fileDecls.get(rel);
    if (!old || !this.declIndex) return;
    for (const n of old) this.declIndex.get(n)?.delete(rel);
    this.fileDecls.delete(rel);
  }

  private async indexDecls(rel: string): Promise<void> {
    if (!this.declIndex) return;
    const text = await this.access.read(rel);
    if (text === null || !this.declIndex) return;
    this.dropDecls(rel);
    const names = new Set<string>();
    for (const m of text.matchAll(DECL)) {
      const n = m[1] ?? m[2];
      if (n) for (const part of n.split('::')) if (part) names.add(part);
    }
    const list = [...names];
    this.fileDecls.set(rel, list);
    for (const n of list) {
      let set = this.declIndex.get(n);
      if (!set) this.declIndex.set(n, (set = new Set()));
      set.add(rel);
    }
  }

  /** Files declaring `name` as a type/function by keyword (a cheap text index, built once on first use). */
  private async declaring(name: string, families: readonly LangFamily[]): Promise<string[]> {
    this.declBuilding ??= (async () => {
      this.declIndex = new Map();
      this.staleDecls.clear();
      await mapLimit([...this.files], READ_CONCURRENCY, (f) => this.indexDecls(f));
    })();
    await this.declBuilding;
    if (this.staleDecls.size > 0) {
      const stale = [...this.staleDecls];
      this.staleDecls.clear();
      await mapLimit(stale, READ_CONCURRENCY, async (f) => {
        if (this.files.has(f)) await this.indexDecls(f);
      });
    }
    if (!this.declIndex) return [];
    const fams = new Set(families);
    return [...(this.declIndex.get(name) ?? [])].filter((f) => {
      const l = languageOfPath(f);
      const fam = l ? familyOf(l) : null;
      return fam !== null && fams.has(fam);
    }).sort();
  }

  /** `go.mod` in `dir` declares `module`. */
  setGoModule(dir: string, module: string): void {
    this.goMods.set(dir, module);
  }

  /** tsconfig in `dir` emits `rootDir` into `outDir` (both workspace-relative). */
  addTsconfig(dir: string, outDir: string, rootDir: string): void {
    this.tsconfigs.push({ dir, outDir, rootDir });
  }

  /** Symbols supplied by someone else (a language server) for a file no extractor covers. */
  setExternalSymbols(rel: string, symbols: FileSymbols | null): void {
    if (symbols) this.external.set(rel, symbols);
    else this.external.delete(rel);
  }

  /** Symbols of one indexed file (cached by version); null when unreadable or no extractor. */
  async symbolsOf(rel: string): Promise<FileSymbols | null> {
    const ext = this.external.get(rel);
    if (ext) return ext;
    // Version first: an unchanged file is answered from the cache without reading it.
    const version = await this.access.version(rel);
    if (version !== undefined) {
      const hit = this.extractor.peek(rel, version);
      if (hit) return hit;
    }
    const text = await this.access.read(rel);
    if (text === null) return null;
    return this.extractor.extract(rel, text, version);
  }

  /** Go import path of a file's directory from the nearest go.mod, or null. */
  goImportPathOf(rel: string): string | null {
    let dir = dirOf(rel);
    const fileDir = dir;
    for (;;) {
      const mod = this.goMods.get(dir);
      if (mod !== undefined) return fileDir === dir ? mod : `${mod}/${fileDir.slice(dir === '' ? 0 : dir.length + 1)}`;
      if (dir === '') return null;
      dir = dirOf(dir);
    }
  }

  // ---- code.file.path ---------------------------------------------------------------------------

  private async resolvePath(raw: string, service: string | null, line: number | null): Promise<PathResolution> {
    const norm = normSlashes(raw);
    if (THIRD_PARTY_PATH.test(norm)) return { thirdParty: true, files: [], how: 'third-party path' };
    const direct = (rel: string, how: string, comps: number): PathResolution | null =>
      this.files.has(rel) ? { thirdParty: false, files: [{ path: rel, components: comps, mappedLine: null, useLine: true }], how } : null;
    const comps = norm.split('/').filter((s) => s !== '' && s !== '.');
    for (const m of this.mappings) {
      if (norm.startsWith(m.from)) {
        const to = m.to.startsWith(`${this.root}/`) ? m.to.slice(this.root.length + 1) : m.to === this.root ? '' : m.to;
        const r = direct(joinRel(to, norm.slice(m.from.length)), `path mapping ${m.from} → ${m.to}`, comps.length);
        if (r) return r;
      }
    }
    const learned = service !== null ? this.learned.get(service) : undefined;
    if (learned && norm.startsWith(learned.remote)) {
      const r = direct(joinRel(learned.local, norm.slice(learned.remote.length)), `learned prefix ${learned.remote} for ${service ?? ''}`, comps.length);
      if (r) return r;
    }
    if (norm.startsWith(`${this.root}/`)) {
      const r = direct(norm.slice(this.root.length + 1), 'workspace path', comps.length);
      if (r) return r;
    }
    const rel = direct(joinRel(norm), 'workspace-relative path', comps.length);
    if (rel && !norm.startsWith('/')) return rel;
    // Go -trimpath: the module path of a go.mod in the workspace.
    for (const [dir, mod] of this.goMods) {
      if (norm.startsWith(`${mod}/`)) {
        const r = direct(joinRel(dir, norm.slice(mod.length + 1)), `Go module ${mod}`, comps.length);
        if (r) return r;
      }
    }
    const suffix = this.suffixMatch(comps);
    const ext = extOf(norm);
    if (['js', 'mjs', 'cjs'].includes(ext)) {
      const mapped = await this.resolveEmittedJs(comps, suffix, line);
      if (mapped) return mapped;
    }
    return suffix;
  }

  private suffixMatch(comps: readonly string[]): PathResolution {
    const base = comps[comps.length - 1];
    const list = base !== undefined ? this.byBase.get(base) ?? [] : [];
    let best = 0;
    let bestFiles: string[] = [];
    for (const f of list) {
      const fc = f.split('/');
      let n = 0;
      while (n < fc.length && n < comps.length && fc[fc.length - 1 - n] === comps[comps.length - 1 - n]) n++;
      if (n > best) {
        best = n;
        bestFiles = [f];
      } else if (n === best) bestFiles.push(f);
    }
    // Two matching components, or one when the file name is unique; a lone basename shared by several files stays a weak lead (namespace decides).
    const files = best >= 1 ? bestFiles.map((f) => ({ path: f, components: best, mappedLine: null, useLine: true })) : [];
    return { thirdParty: false, files, how: best >= 2 || list.length === 1 ? 'path suffix' : 'file name', weak: best < 2 && list.length > 1 };
  }

  /** Emitted JS (`/app/dist/users/service.js`) → its TypeScript source via a source map or tsconfig outDir/rootDir. */
  private async resolveEmittedJs(comps: readonly string[], suffix: PathResolution, generatedLine: number | null): Promise<PathResolution | null> {
    const inSource = suffix.files.filter((f) => !this.isOutDirFile(f.path));
    if (inSource.length > 0 && suffix.files[0]!.components >= 2) return null;
    // Source map next to the emitted file, when the build output exists locally (under the root or a tsconfig outDir).
    const emitted: string[] = [];
    for (let k = comps.length; k >= 1; k--) emitted.push(comps.slice(comps.length - k).join('/'));
    for (const ts of this.tsconfigs) {
      const outName = ts.outDir.slice(ts.outDir.lastIndexOf('/') + 1);
      const idx = comps.lastIndexOf(outName);
      if (idx >= 0) emitted.unshift(joinRel(ts.outDir, comps.slice(idx + 1).join('/')));
    }
    for (const rel of emitted) {
      const text = await this.access.read(rel);
      if (text === null) continue;
      const m = /\/\/[#@] sourceMappingURL=(\S+)\s*$/.exec(text.slice(-2000));
      if (!m) break;
      const url = m[1]!;
      let mapText: string | null = null;
      if (url.startsWith('data:')) {
        const b64 = url.slice(url.indexOf(',') + 1);
        mapText = Buffer.from(b64, 'base64').toString('utf8');
      } else mapText = await this.access.read(joinRel(dirOf(rel), url));
      if (mapText === null) break;
      try {
        const map = JSON.parse(mapText) as { sources?: unknown; sourceRoot?: unknown; mappings?: unknown };
        const sources = Array.isArray(map.sources) ? map.sources.filter((s): s is string => typeof s === 'string') : [];
        const root = typeof map.sourceRoot === 'string' ? map.sourceRoot : '';
        const mapDir = dirOf(joinRel(dirOf(rel), url.startsWith('data:') ? '' : url));
        const resolveSource = (s: string): string => joinRel(mapDir, root, s.replace(/^webpack:\/\/\/?|^file:\/\//, ''));
        const lineOf = (generated: number | null): { path: string; line: number | null } | null => {
          if (generated !== null && typeof map.mappings === 'string') {
            const hit = sourceMapLine(map.mappings, generated);
            if (hit && sources[hit.source] !== undefined) return { path: resolveSource(sources[hit.source]!), line: hit.line };
          }
          return sources.length === 1 ? { path: resolveSource(sources[0]!), line: null } : null;
        };
        const target = lineOf(generatedLine);
        if (target && this.files.has(target.path)) {
          return { thirdParty: false, files: [{ path: target.path, components: comps.length, mappedLine: target.line, useLine: target.line !== null }], how: `source map of ${rel}` };
        }
      } catch {
        // A broken source map is treated as absent.
      }
      break;
    }
    for (const ts of this.tsconfigs) {
      const outName = ts.outDir.slice(ts.outDir.lastIndexOf('/') + 1);
      const idx = comps.lastIndexOf(outName);
      if (idx < 0) continue;
      const rest = comps.slice(idx + 1).join('/').replace(/\.(m|c)?js$/, '');
      for (const e of ['ts', 'tsx', 'mts', 'cts', 'js', 'jsx']) {
        const cand = joinRel(ts.rootDir, `${rest}.${e}`);
        if (this.files.has(cand)) {
          return { thirdParty: false, files: [{ path: cand, components: comps.length - idx - 1, mappedLine: null, useLine: false }], how: `tsconfig ${ts.dir || '.'} outDir ${ts.outDir} → rootDir ${ts.rootDir}` };
        }
      }
    }
    return null;
  }

  private isOutDirFile(rel: string): boolean {
    return this.tsconfigs.some((t) => rel.startsWith(`${t.outDir}/`));
  }


  private learn(service: string | null, raw: string, rel: string): void {
    if (service === null || this.learned.has(service)) return;
    const a = normSlashes(raw).split('/');
    const b = rel.split('/');
    let n = 0;
    while (n < a.length && n < b.length && a[a.length - 1 - n] === b[b.length - 1 - n]) n++;
    if (n === 0 || n === a.length) return;
    const remote = a.slice(0, a.length - n).join('/');
    const local = b.slice(0, b.length - n).join('/');
    this.learned.set(service, { remote: `${remote}/`, local });
  }

  /** Learned `service → remote prefix` pairs, for display and tests. */
  learnedPrefixes(): ReadonlyMap<string, { remote: string; local: string }> {
    return this.learned;
  }

  // ---- candidate files by convention ------------------------------------------------------------

  private filesForHint(hint: FileHint): string[] {
    const out: string[] = [];
    const dirOk = (f: string): boolean => {
      if (hint.dirs.length === 0) return true;
      const ds = dirOf(f).split('/');
      if (hint.dirs.length > ds.length) return false;
      const off = ds.length - hint.dirs.length;
      return hint.dirs.every((d, i) => ds[off + i] === d);
    };
    const extOk = (f: string): boolean => hint.exts.includes(extOf(f));
    if (hint.stems.length > 0) {
      for (const stem of hint.stems) {
        const list = hint.looseStem ? this.byLooseStem.get(looseName(stem)) : this.byStem.get(stem);
        for (const f of list ?? []) if (extOk(f) && dirOk(f) && !out.includes(f)) out.push(f);
      }
    } else if (hint.dirs.length > 0) {
      for (const f of this.byDirName.get(hint.dirs[hint.dirs.length - 1]!) ?? []) if (extOk(f) && dirOk(f)) out.push(f);
    }
    return out;
  }

  /** Files of the given families whose text contains `token` (and every `also` string) as a word (cached until the index changes). */
  private async scan(families: readonly LangFamily[], token: string, also: readonly string[] = []): Promise<string[]> {
    const key = `${families.join(',')}\u0000${token}\u0000${also.join(',')}`;
    const hit = this.scanCache.get(key);
    if (hit) return hit;
    const out: string[] = [];
    const word = new RegExp(`(^|[^\\w$])${token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\w$])`);
    for (const fam of families) {
      await mapLimit([...this.byFamily.get(fam) ?? []], READ_CONCURRENCY, async (f) => {
        const text = await this.access.read(f);
        if (text !== null && text.includes(token) && also.every((a) => text.includes(a)) && word.test(text)) out.push(f);
      });
    }
    out.sort();
    this.scanCache.set(key, out);
    return out;
  }

  // ---- matching ----------------------------------------------------------------------------------

  private async candidate(path: string, via: FileVia, components: number, mappedLine: number | null): Promise<CandidateFile | null> {
    const symbols = await this.symbolsOf(path);
    if (!symbols) return null;
    return { path, symbols, via, pathComponents: components, goImportPath: symbols.language === 'go' ? this.goImportPathOf(path) : null, mappedLine };
  }

  /** Resolves a reference to a location, or null; see `explain` for the reasoning. */
  async locate(ref: CodeRef, service: string | null, hints: CodeRefHints = NO_HINTS): Promise<CodeLocation | null> {
    return (await this.explain(ref, service, hints)).location;
  }

  /** Same as `locate` for raw span attributes (reads language and parameter hints too). */
  async locateAttributes(attrs: Attributes, ref: CodeRef, service: string | null): Promise<CodeLocation | null> {
    return (await this.explain(ref, service, codeRefHintsFromAttributes(attrs))).location;
  }

  async explain(ref: CodeRef, service: string | null, hints: CodeRefHints = NO_HINTS): Promise<ExplainResult> {
    const frames = hints.frames ?? [];
    if (frames.length > 0) {
      // code.stacktrace: the innermost frame inside the workspace says where the code is (lambda
      // bodies, proxies and closures included); frames in dependencies are skipped.
      const tried: string[] = [];
      for (let i = 0; i < frames.length && tried.length < MAX_TRIED_FRAMES; i++) {
        const f = frames[i]!;
        if (isDependencyFrame(f) || frameIsFramework(f)) continue;
        const frameRef: CodeRef = { namespace: f.namespace, function: f.function, filePath: f.filePath, line: f.line };
        tried.push(`${f.namespace !== null ? `${f.namespace}.` : ''}${f.function}`);
        const r = await this.explainRef(frameRef, service, { language: frameFamily(f), paramTypes: null });
        if (r.location) {
          const reason = `code.stacktrace frame #${i + 1} is the first inside the workspace: ${r.location.reason}`;
          return { ...r, location: { ...r.location, reason }, reason };
        }
      }
      const r = await this.explainRef(ref, service, hints);
      if (r.location || tried.length === 0) return r;
      return { ...r, reason: `${r.reason} No frame of code.stacktrace lies in the workspace either (tried ${tried.slice(0, 3).join(', ')}${tried.length > 3 ? ', …' : ''}).` };
    }
    return this.explainRef(ref, service, hints);
  }

  private async explainRef(ref: CodeRef, service: string | null, hints: CodeRefHints): Promise<ExplainResult> {
    const keys = refKeys(ref, hints);
    const interpretations = keys.map(describeKey);
    const baseHints = { paramTypes: hints.paramTypes, service, exhaustive: false };
    const finish = (o: MatchOutcome): ExplainResult => ({ ...o, interpretations });

    if (keys.length === 0) {
      return finish({ location: null, candidates: [], reason: `${ref.namespace !== null ? `${ref.namespace}.` : ''}${ref.function} is not a function name this matcher can read.` });
    }

    // 1. code.file.path (+ line): the strongest evidence when it resolves.
    if (ref.filePath !== null) {
      const res = await this.resolvePath(ref.filePath, service, ref.line);
      if (res.thirdParty) {
        return finish({ location: null, candidates: [], reason: `${ref.filePath} is library code (dependency path), not part of this workspace.` });
      }
      if (res.weak === true && ref.namespace === null) {
        return finish({ location: null, candidates: [], reason: `Only the file name of ${ref.filePath} matches, and ${res.files.length} workspace files share it; with the bare name ${ref.function} that is a guess.` });
      }
      const files: CandidateFile[] = [];
      for (const f of res.files) {
        const c = await this.candidate(f.path, 'path', f.components, f.useLine ? f.mappedLine ?? ref.line : null);
        if (c) files.push({ ...c, pathHow: res.how });
      }
      if (files.length > 0) {
        const pathKeys = ref.namespace === null ? keys.map((k) => ({ ...k, bare: false })) : keys;
        const out = rankMatches({ ref: res.files.some((f) => !f.useLine) ? { ...ref, line: null } : ref, keys: pathKeys, files, hints: baseHints });
        if (out.location) {
          this.learn(service, ref.filePath, out.location.file);
          return finish(out);
        }
        if (ref.namespace === null || out.refused === true) return finish(out);
      } else if (ref.namespace === null) {
        return finish({ location: null, candidates: [], reason: `${ref.filePath} is not a file of this workspace and only the bare name ${ref.function} is known.` });
      }
    }

    // 2. Bare names: unique in the whole workspace or nothing.
    if (keys.every((k) => k.bare)) {
      const fams = [...new Set(keys.map((k) => k.family))];
      const files = await this.candidates(await this.scan(fams, ref.function), 'scan');
      return finish(rankMatches({ ref, keys, files, hints: { ...baseHints, exhaustive: true } }));
    }

    // 3. Namespace → file by language convention; then a text search when conventions do not hold.
    const seen = new Set<string>();
    const conv: CandidateFile[] = [];
    for (const key of keys) {
      for (const hint of key.fileHints) {
        for (const p of this.filesForHint(hint)) {
          if (seen.has(p)) continue;
          seen.add(p);
          const c = await this.candidate(p, 'convention', 0, null);
          if (c) conv.push(c);
        }
      }
    }
    const first = rankMatches({ ref, keys, files: conv, hints: baseHints });
    if (first.location || first.refused === true) return finish(first);
    if (keys.every((k) => k.thirdParty)) return finish(first);
    const fams = [...new Set(keys.filter((k) => !k.thirdParty).map((k) => k.family))];
    // Conventions did not hold (Kotlin files named freely, several C#/TS/Ruby classes per file):
    // files that declare the innermost named type, or the function itself when there is no type.
    const names = new Set<string>();
    for (const k of keys) {
      if (k.thirdParty) continue;
      const t = [...(k.types ?? [])].reverse().find((x) => !/^\d+$/.test(x));
      if (t !== undefined) names.add(t);
      else if (k.function !== null) names.add(k.function);
    }
    const declared: string[] = [];
    for (const n of names) declared.push(...await this.declaring(n, fams));
    const scanned = [...new Set(declared)].filter((p) => !seen.has(p)).sort();
    const extra = await this.candidates(scanned, 'scan');
    const out = extra.length === 0 ? first : rankMatches({ ref, keys, files: [...conv, ...extra], hints: baseHints });
    if (out.location || out.refused === true) return finish(out);
    // 4. Declared in a supertype or an included module/trait/concern (reported under the runtime class).
    return finish(await this.inherited(ref, keys, baseHints, [...conv, ...extra]) ?? out);
  }

  private async candidates(paths: readonly string[], via: FileVia): Promise<CandidateFile[]> {
    const out: CandidateFile[] = [];
    for (const p of paths) {
      const c = await this.candidate(p, via, 0, null);
      if (c) out.push(c);
    }
    return out;
  }

  /** Type symbols of the workspace that fit an interpretation's types/namespace (`function` ignored). */
  private async typesFor(key: RefKey, known: readonly CandidateFile[]): Promise<{ file: CandidateFile; sym: SymbolInfo }[]> {
    const types = key.types ?? [];
    const last = types[types.length - 1];
    if (last === undefined || /^\d+$/.test(last)) return [];
    const typeKey: RefKey = { ...key, function: null, isConstructor: false, atLine: false };
    const files = new Map<string, CandidateFile>(known.map((f) => [f.path, f]));
    for (const p of await this.declaring(last, [key.family])) {
      if (!files.has(p)) {
        const c = await this.candidate(p, 'scan', 0, null);
        if (c) files.set(p, c);
      }
    }
    const out: { file: CandidateFile; sym: SymbolInfo }[] = [];
    for (const file of files.values()) {
      for (const sym of file.symbols.symbols) if (sym.kind === 'type' && sym.name === last && symbolFits(typeKey, file, sym)) out.push({ file, sym });
    }
    return out;
  }

  /** The workspace declaration a supertype name refers to, seen from the subtype's file; null when absent or ambiguous. */
  private async superType(name: string, family: LangFamily, from: { file: CandidateFile; sym: SymbolInfo }): Promise<{ file: CandidateFile; sym: SymbolInfo } | null> {
    const simple = simpleTypeName(name);
    const found: { file: CandidateFile; sym: SymbolInfo }[] = [];
    for (const p of await this.declaring(simple, [family])) {
      const file = p === from.file.path ? from.file : await this.candidate(p, 'scan', 0, null);
      if (!file) continue;
      for (const sym of file.symbols.symbols) if (sym.kind === 'type' && sym.name === simple) found.push({ file, sym });
    }
    if (found.length <= 1) return found[0] ?? null;
    // Several types share the name: the one the subtype's file or namespace can see without an import wins.
    const qualified = name.includes('.') || name.includes('::') || name.includes('\\') ? name.replace(/::|\\/g, '.') : null;
    const narrowed = [
      (c: { file: CandidateFile; sym: SymbolInfo }): boolean => qualified !== null && `${c.sym.namespace ?? ''}.${[...c.sym.containers.map((x) => x.name), c.sym.name].join('.')}`.endsWith(qualified),
      (c: { file: CandidateFile; sym: SymbolInfo }): boolean => c.file.path === from.file.path,
      (c: { file: CandidateFile; sym: SymbolInfo }): boolean => c.sym.namespace !== null && c.sym.namespace === from.sym.namespace,
    ];
    for (const test of narrowed) {
      const hit = found.filter(test);
      if (hit.length === 1) return hit[0]!;
    }
    return null;
  }

  /**
   * A method reported under a runtime class that inherits it (JAX-RS resources, Rails concerns,
   * PHP traits, Python mixins): walk the workspace's own type hierarchy from the reported type, in
   * the language's lookup order, and answer with the first supertype that declares the method.
   */
  private async inherited(ref: CodeRef, keys: readonly RefKey[], hints: MatchHints, known: readonly CandidateFile[]): Promise<MatchOutcome | null> {
    for (const key of keys) {
      if (key.thirdParty || key.bare || key.function === null || key.isConstructor || key.fileClass !== null || key.atLine === true || key.types === null || key.types.length === 0) continue;
      const own = await this.typesFor(key, known);
      if (own.length !== 1) continue;
      const visited = new Set<string>();
      const queue: { file: CandidateFile; sym: SymbolInfo; depth: number; path: string[] }[] = [{ ...own[0]!, depth: 0, path: [own[0]!.sym.name] }];
      while (queue.length > 0) {
        const cur = queue.shift()!;
        if (cur.depth > MAX_HIERARCHY_DEPTH) continue;
        for (const name of cur.sym.supers ?? []) {
          const sup = await this.superType(name, key.family, cur);
          if (!sup) continue;
          const id = `${sup.file.path}\u0000${sup.sym.nameRange.startLine}`;
          if (visited.has(id)) continue;
          visited.add(id);
          const chain = [...cur.path, sup.sym.name];
          const types = [...sup.sym.containers.filter((c) => c.kind !== 'function').map((c) => c.name), sup.sym.name];
          const superKey: RefKey = { ...key, namespace: null, types, fileHints: [], note: `declared in ${chain.slice(1).join(' → ')}, reported under ${key.types.join('.')}` };
          const out = rankMatches({ ref: { ...ref, filePath: null, line: null }, keys: [superKey], files: [sup.file], hints });
          if (out.location) return out;
          if (out.refused === true) return out;
          queue.push({ ...sup, depth: cur.depth + 1, path: chain });
        }
      }
    }
    return null;
  }
}

function describeKey(k: RefKey): string {
  const parts = [
    k.family,
    k.namespace !== null ? `namespace ${k.namespace}` : null,
    k.types !== null ? `types [${k.types.join(', ')}]` : 'types any',
    k.function !== null ? `function ${k.function}` : 'the type itself',
    k.fileClass !== null ? `file class ${k.fileClass}` : null,
    k.bare ? 'bare name' : null,
    k.thirdParty ? 'third-party' : null,
    k.note,
  ];
  return parts.filter((p) => p !== null).join(', ');
}

