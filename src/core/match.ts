// Ranks workspace symbols against a normalised code reference, deterministically, with a confidence and a one-sentence reason.
import type { CodeLocation, CodeRef } from '../shared/model';
import type { LangFamily, RefKey } from './lang/common';
import { languageById, sourceById } from './lang/registry';

/** A source language id of lang/registry.ts (`java`, `kotlin`, `typescript`, …), or `other` (language-server symbols). */
export type SourceLanguage = string;

/** The runtime family a source language belongs to; null for `other`. */
export function familyOf(l: SourceLanguage): LangFamily | null {
  return sourceById(l)?.lang.id ?? null;
}

/** A range in a document, 0-based lines and columns (UTF-16 columns when from VS Code, byte-ish from tree-sitter for ASCII). */
export interface Range0 {
  readonly startLine: number;
  readonly startCol: number;
  readonly endLine: number;
  readonly endCol: number;
}

export type ContainerKind = 'type' | 'anonymous' | 'companion' | 'function' | 'module';

export interface SymbolContainer {
  readonly kind: ContainerKind;
  /** Source name; anonymous classes get their javac ordinal (`1`, `2`). */
  readonly name: string;
}

export type SymbolKind = 'function' | 'method' | 'constructor' | 'type';

export interface SymbolInfo {
  readonly name: string;
  readonly kind: SymbolKind;
  /** Enclosing types/modules/functions, outermost first (package/namespace excluded: see `namespace`). */
  readonly containers: readonly SymbolContainer[];
  /** Java/Kotlin package, C# or PHP namespace, Go package clause; null when the language has none. */
  readonly namespace: string | null;
  readonly nameRange: Range0;
  /** Whole declaration including its annotations/decorators. */
  readonly fullRange: Range0;
  /** Parameter types as written (the parameter name when untyped). */
  readonly params: readonly string[];
  /** Annotation/decorator/attribute texts as written (`@Cacheable(value = "jwks")`). */
  readonly annotations: readonly string[];
  readonly language: SourceLanguage;
  /** Ruby `def self.x`, Java/C#/PHP `static`. */
  readonly isStatic: boolean;
  /** Generic arity of a type (C# `Repo<T>` → 1), 0 otherwise. */
  readonly arity: number;
  /** Types only: supertypes and mixins as written (superclass, interfaces, traits, included modules), in lookup order. */
  readonly supers?: readonly string[];
}

export interface FileSymbols {
  readonly language: SourceLanguage;
  /** Kotlin: the JVM class of top-level functions (`FooKt` or `@file:JvmName`). */
  readonly jvmName: string | null;
  readonly symbols: readonly SymbolInfo[];
  readonly origin: 'tree-sitter' | 'scanner' | 'language-server';
}

/** How a candidate file was found; decides how much the file itself vouches for the match. */
export type FileVia = 'path' | 'convention' | 'scan';

export interface CandidateFile {
  /** Workspace-relative, forward slashes. */
  readonly path: string;
  readonly symbols: FileSymbols;
  readonly via: FileVia;
  /** Matching trailing path components when found through `code.file.path`. */
  readonly pathComponents: number;
  /** Go import path of the file's directory when a go.mod was found. */
  readonly goImportPath: string | null;
  /** A line mapping applied to `ref.line` (source maps): the line to use in this file, 1-based. */
  readonly mappedLine: number | null;
  /** How `code.file.path` led here (`path suffix`, `source map of dist/x.js`, `learned prefix /app/ for api`). */
  readonly pathHow?: string;
}

export interface MatchHints {
  /** `code.function.parameter.types` (Digma) or similar, split. */
  readonly paramTypes: readonly string[] | null;
  /** `service.name`: prefers a file under a folder of that name when the same symbol exists twice. */
  readonly service: string | null;
  /** True when the caller searched every file of the workspace (needed to call a bare name unique). */
  readonly exhaustive: boolean;
}

export interface RankedCandidate {
  readonly file: string;
  /** 1-based line of the symbol name. */
  readonly line: number;
  readonly symbol: string;
  readonly score: number;
  readonly accepted: boolean;
  /** Why it was kept or rejected. */
  readonly why: string;
}

export interface MatchOutcome {
  readonly location: CodeLocation | null;
  readonly candidates: readonly RankedCandidate[];
  readonly reason: string;
  /** Symbols fit by name, but the evidence (line, parameter types) rules every one out: looking elsewhere would only guess. */
  readonly refused?: boolean;
}

export interface MatchInput {
  readonly ref: CodeRef;
  readonly keys: readonly RefKey[];
  /** Candidate files with their symbols; a file found several ways should appear once, with its strongest `via`. */
  readonly files: readonly CandidateFile[];
  readonly hints: MatchHints;
}

interface Scored {
  readonly file: CandidateFile;
  readonly sym: SymbolInfo;
  readonly key: RefKey;
  readonly score: number;
  readonly accepted: boolean;
  readonly why: string;
  readonly lineInside: boolean | null;
}

function langName(family: LangFamily): string {
  return languageById(family)?.label ?? family;
}

/** How a symbol is shown to users: `TokenService.getToken`, `Outer.Inner.<init>`, `TokenService.$1.run`. */
export function displaySymbol(sym: SymbolInfo): string {
  const parts = sym.containers.map((c) => (c.kind === 'anonymous' ? `$${c.name}` : c.name));
  parts.push(sym.name);
  return parts.join(sourceById(sym.language)?.lang.displaySeparator ?? '.');
}

/** Containers as a runtime name spells them: javac/.NET/Go/JS names skip enclosing methods; Python `<locals>` and Ruby keep theirs. */
function runtimeContainers(sym: SymbolInfo, family: LangFamily): string[] {
  const keepFunctions = languageById(family)?.namesEnclosingFunctions === true;
  return sym.containers.filter((c) => keepFunctions || c.kind !== 'function').map((c) => c.name);
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function namespaceCheck(key: RefKey, file: CandidateFile, sym: SymbolInfo): { ok: boolean; why: string; penalty: number } {
  const want = key.namespace;
  if (want === null) {
    const penalty = languageById(key.family)?.missingNamespacePenalty;
    if (penalty !== undefined && sym.namespace !== null && !key.bare && key.types !== null) {
      return { ok: true, why: `no package given (file declares ${sym.namespace})`, penalty };
    }
    return { ok: true, why: '', penalty: 0 };
  }
  const fits = languageById(key.family)?.namespaceFits;
  return fits ? fits(want, file, sym) : { ok: true, why: '', penalty: 0 };
}

function nameMatches(key: RefKey, sym: SymbolInfo): boolean {
  if (key.atLine === true) return sym.kind !== 'type';
  if (key.function === null) {
    const types = key.types ?? [];
    return sym.kind === 'type' && types.length > 0 && sym.name === types[types.length - 1];
  }
  if (sym.kind === 'type') return false;
  if (key.isConstructor) return sym.name === key.function && (sym.kind === 'constructor' || key.function === '__construct');
  return sym.name === key.function;
}

function containersCheck(key: RefKey, file: CandidateFile, sym: SymbolInfo): { ok: boolean; why: string } {
  const have = runtimeContainers(sym, key.family);
  if (key.fileClass !== null) {
    if (have.length === 0 && file.symbols.jvmName === key.fileClass) return { ok: true, why: `top-level function of ${key.fileClass}` };
    return { ok: false, why: have.length > 0 ? `declared in ${have.join('.')}, not top-level` : `file class ${file.symbols.jvmName ?? '?'} ≠ ${key.fileClass}` };
  }
  if (key.types === null) return { ok: true, why: '' };
  if (key.atLine === true) {
    // An anonymous function's enclosing declaration sits anywhere inside the reported type.
    const ok = key.types.length <= have.length && key.types.every((t, i) => have[i] === t);
    return ok ? { ok: true, why: `in ${key.types.join('.')}` } : { ok: false, why: `enclosed by ${have.join('.') || '(top level)'}, expected ${key.types.join('.')}` };
  }
  const want = key.function === null ? key.types.slice(0, -1) : key.types;
  if (sameList(have, want)) return { ok: true, why: want.length > 0 ? `in ${want.join('.')}` : 'top-level' };
  return { ok: false, why: `enclosed by ${have.join('.') || '(top level)'}, expected ${want.join('.') || '(top level)'}` };
}

const ALIASES: Readonly<Record<string, string>> = {
  int32: 'int', int64: 'long', int16: 'short', boolean: 'bool', single: 'float', double: 'double', string: 'string',
  integer: 'int', char: 'char', byte: 'byte', object: 'object', decimal: 'decimal', uint32: 'uint', uint64: 'ulong',
};

interface NormType {
  readonly base: string;
  /** Generic arity: `IEnumerable\`1` / `IEnumerable<T>` → 1; null when the runtime name does not say (erased JVM names). */
  readonly arity: number | null;
  /** Array rank: `int[]`, `Int32[]`, `String...` → 1; `int[,]` counts as one array too. */
  readonly arrays: number;
}

/** Top-level comma count + 1 inside the first `<…>` of a type as written. */
function genericArity(t: string): number {
  const open = t.indexOf('<');
  if (open < 0) return 0;
  let depth = 0;
  let n = 1;
  for (let i = open; i < t.length; i++) {
    const c = t[i];
    if (c === '<') depth++;
    else if (c === '>' && --depth === 0) break;
    else if (c === ',' && depth === 1) n++;
  }
  return n;
}

function normType(t: string, fromRuntime: boolean): NormType {
  let s = t.trim().replace(/^(?:params|ref|out|in|final|const)\s+/, '');
  let arrays = 0;
  for (;;) {
    const m = /(\[[,\s]*\]|\.\.\.)$/.exec(s);
    if (!m) break;
    arrays++;
    s = s.slice(0, m.index).trim();
  }
  const tick = /`(\d+)/.exec(s);
  let arity: number | null = tick ? Number(tick[1]) : genericArity(s);
  // Runtime names without a backtick or type arguments (JVM erasure) say nothing about arity.
  if (fromRuntime && !tick && !s.includes('<')) arity = null;
  const base = s.replace(/`\d+.*$/s, '').replace(/<.*>$/s, '').replace(/[?*&]/g, '').trim().split(/[.:\\+]/).pop() ?? s;
  const l = base.toLowerCase();
  return { base: ALIASES[l] ?? l, arity, arrays };
}

/** Whether `code.function.parameter.types` (runtime spelling) fits the parameters as written in the source. */
export function paramsMatch(hint: readonly string[], params: readonly string[]): boolean {
  if (hint.length !== params.length) return false;
  return hint.every((h, i) => {
    const a = normType(h, true);
    const b = normType(params[i]!, false);
    return a.base === b.base && a.arrays === b.arrays && (a.arity === null || a.arity === b.arity);
  });
}

function contains(sym: SymbolInfo, line1: number): boolean {
  const l = line1 - 1;
  return sym.fullRange.startLine <= l && l <= sym.fullRange.endLine;
}

/** Declarations whose first line (annotations included) or name line is within two lines of `line`; the nearest if it is unique. */
function nearest(group: readonly Scored[], line: number | null): Scored[] {
  if (line === null || group.every((g) => g.lineInside === null)) return [];
  const dist = (s: Scored): number => Math.min(Math.abs(s.sym.fullRange.startLine + 1 - line), Math.abs(s.sym.nameRange.startLine + 1 - line));
  const close = group.filter((s) => dist(s) <= 2);
  if (close.length <= 1) return close;
  const best = Math.min(...close.map(dist));
  const top = close.filter((s) => dist(s) === best);
  return top.length === 1 ? top : [];
}

function rangeSize(sym: SymbolInfo): number {
  return (sym.fullRange.endLine - sym.fullRange.startLine) * 10000 + (sym.fullRange.endCol - sym.fullRange.startCol);
}

function evaluate(ref: CodeRef, key: RefKey, file: CandidateFile, sym: SymbolInfo): Scored | null {
  if (!nameMatches(key, sym)) return null;
  // Lines are trusted from the file the path named; an anonymous function has nothing else to go by.
  const line = file.via === 'path' || key.atLine === true ? file.mappedLine ?? ref.line : null;
  const lineInside = line !== null ? contains(sym, line) : null;
  const base = { file, sym, key, lineInside };
  if (key.atLine === true && lineInside !== true) return null;
  if (key.thirdParty) return { ...base, score: 0, accepted: false, why: `${key.namespace ?? ''} is a framework/runtime namespace` };
  const c = containersCheck(key, file, sym);
  if (!c.ok) return { ...base, score: 0, accepted: false, why: c.why };
  const n = file.symbols.origin === 'language-server' && familyOf(sym.language) !== key.family
    ? { ok: true, why: 'namespace not checked (language-server symbols)', penalty: 0.2 }
    : namespaceCheck(key, file, sym);
  if (!n.ok) return { ...base, score: 0, accepted: false, why: n.why };
  let score = key.confidence - n.penalty;
  if (file.via === 'path') score += file.pathComponents >= 2 ? 0.03 : 0.01;
  if (file.via === 'scan' && !key.bare) score -= 0.05;
  if (lineInside === true) score += 0.02;
  const why = [n.why, c.why].filter((w) => w !== '').join(', ');
  return { ...base, score: Math.max(0, Math.min(0.99, score)), accepted: true, why };
}

/** Whether a symbol of a file fits one interpretation (names, containers, namespace), ignoring lines. */
export function symbolFits(key: RefKey, file: CandidateFile, sym: SymbolInfo): boolean {
  return evaluate({ namespace: null, function: '', filePath: null, line: null }, key, file, sym)?.accepted === true;
}

function identity(s: Scored): string {
  return `${s.file.path}\u0000${s.sym.containers.map((c) => c.name).join('.')}\u0000${s.sym.name}\u0000${s.sym.kind === 'type' ? 't' : 'f'}`;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function toRanked(s: Scored, accepted: boolean): RankedCandidate {
  return { file: s.file.path, line: s.sym.nameRange.startLine + 1, symbol: displaySymbol(s.sym), score: round2(s.score), accepted, why: s.why };
}

function describeRef(ref: CodeRef): string {
  const name = ref.namespace !== null ? `${ref.namespace}.${ref.function}` : ref.function;
  return ref.filePath !== null ? `${name} (${ref.filePath}${ref.line !== null ? `:${ref.line}` : ''})` : name;
}

function serviceFolderMatch(path: string, service: string): boolean {
  const norm = (x: string): string => x.toLowerCase().replace(/[^a-z0-9]/g, '');
  const want = norm(service);
  return want !== '' && path.split('/').slice(0, -1).some((seg) => norm(seg) === want);
}

/**
 * Ranks every symbol of the candidate files against every interpretation of the reference and
 * picks one location or none. Deterministic: ties break by file path, then source order. Returns
 * no location when nothing fits, when the namespace contradicts every same-named symbol, or when
 * distinct symbols fit equally well (a guess would put figures on the wrong method).
 */
export function rankMatches(input: MatchInput): MatchOutcome {
  const { ref, keys, hints } = input;
  const files = [...input.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const scored: Scored[] = [];
  for (const file of files) {
    const fam = familyOf(file.symbols.language);
    // Language-server symbols (languages without an extractor) are compared by name and containers only.
    const anyFamily = file.symbols.origin === 'language-server';
    for (const key of keys) {
      if (key.family !== fam && !anyFamily) continue;
      for (const sym of file.symbols.symbols) {
        const s = evaluate(ref, key, file, sym);
        if (s) scored.push(s);
      }
    }
  }
  // One verdict per symbol: the best interpretation wins.
  const bySymbol = new Map<string, Scored>();
  for (const s of scored) {
    const id = `${identity(s)}\u0000${s.sym.nameRange.startLine}`;
    const prev = bySymbol.get(id);
    if (!prev || (s.accepted && !prev.accepted) || (s.accepted === prev.accepted && s.score > prev.score)) bySymbol.set(id, s);
  }
  const all = [...bySymbol.values()];
  const accepted = all.filter((s) => s.accepted);
  const rejected = all.filter((s) => !s.accepted);
  const candidates = (picked: Scored | null): RankedCandidate[] =>
    [...accepted.map((s) => toRanked(s, s === picked)), ...rejected.map((s) => toRanked(s, false))]
      .sort((a, b) => Number(b.accepted) - Number(a.accepted) || b.score - a.score || (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
  const none = (reason: string): MatchOutcome => ({ location: null, candidates: candidates(null), reason });
  const refuse = (reason: string): MatchOutcome => ({ ...none(reason), refused: true });
  const what = describeRef(ref);

  if (accepted.length === 0) {
    if (keys.length === 0) return none(`${what} is not a function name this matcher can read.`);
    if (keys.some((k) => k.thirdParty)) return none(`${what} belongs to a framework or runtime library, not to this workspace.`);
    if (rejected.length > 0) {
      // Explain with the most plausible interpretation's objection.
      const r = [...rejected].sort((a, b) => keys.indexOf(a.key) - keys.indexOf(b.key))[0]!;
      const n = rejected.length;
      return none(`No match: ${n === 1 ? 'the only' : `all ${n}`} ${ref.function} found ${n === 1 ? 'contradicts' : 'contradict'} ${what} (${r.file.path}: ${r.why}).`);
    }
    if (files.length === 0) return none(`No workspace file fits ${what} by path or ${keys.map((k) => langName(k.family)).filter((v, i, a) => a.indexOf(v) === i).join('/')} naming convention.`);
    return none(`No symbol named ${ref.function} in ${files.length === 1 ? files[0]!.path : `the ${files.length} candidate files`}.`);
  }

  const bare = accepted.every((s) => s.key.bare);
  const groups = new Map<string, Scored[]>();
  for (const s of accepted) {
    const id = identity(s);
    const g = groups.get(id);
    if (g) g.push(s);
    else groups.set(id, [s]);
  }
  let groupList = [...groups.values()].map((g) => g.sort((a, b) => a.sym.nameRange.startLine - b.sym.nameRange.startLine));
  const lineNote: string[] = [];

  if (bare) {
    if (!hints.exhaustive) return none(`Only the bare name ${ref.function} is known and the workspace was not searched completely, so it cannot be called unique.`);
    if (groupList.length > 1 || groupList[0]!.length > 1) {
      const n = accepted.length;
      return none(`Only the bare name ${ref.function} is known and it is defined ${n} times in the workspace, so no single method can be chosen.`);
    }
    const s = groupList[0]![0]!;
    return pick(s, Math.min(s.score, 0.5), `Only the bare name ${ref.function} is known; it is unique in the workspace (${s.file.path}), so the match is plausible but not certain.`);
  }

  // Several distinct symbols: the reported line, then the interpretation's score, then the service folder.
  if (groupList.length > 1) {
    const withLine = groupList.filter((g) => g.some((s) => s.lineInside === true));
    if (withLine.length >= 1 && withLine.length < groupList.length) {
      groupList = withLine;
      lineNote.push(`line ${ref.line ?? '?'} lies inside it`);
    }
    if (groupList.length > 1 && withLine.length > 1) {
      // Nested declarations both contain the line: the innermost one is the function that ran.
      const inner = [...groupList].sort((a, b) => rangeSize(a.find((s) => s.lineInside)!.sym) - rangeSize(b.find((s) => s.lineInside)!.sym));
      groupList = [inner[0]!];
      lineNote.push(`line ${ref.line ?? '?'} lies inside it (innermost)`);
    }
  }
  if (groupList.length > 1) {
    const best = Math.max(...groupList.map((g) => Math.max(...g.map((s) => s.score))));
    const top = groupList.filter((g) => g.some((s) => s.score >= best - 1e-9));
    if (top.length < groupList.length) groupList = top;
  }
  if (groupList.length > 1 && hints.service !== null) {
    const svc = hints.service;
    const inSvc = groupList.filter((g) => serviceFolderMatch(g[0]!.file.path, svc));
    if (inSvc.length === 1) {
      groupList = inSvc;
      lineNote.push(`it is under the ${svc} service folder`);
    }
  }
  if (groupList.length > 1) {
    const where = groupList.slice(0, 3).map((g) => `${g[0]!.file.path}:${g[0]!.sym.nameRange.startLine + 1}`).join(', ');
    return none(`Ambiguous: ${groupList.length} different symbols fit ${what} equally (${where}); showing none rather than guessing.`);
  }

  const group = groupList[0]!;
  let chosen = group[0]!;
  let conf = chosen.score;
  let overloadNote = '';
  if (group.length > 1) {
    const inside = group.filter((s) => s.lineInside === true);
    const byParams = hints.paramTypes !== null ? group.filter((s) => paramsMatch(hints.paramTypes!, s.sym.params)) : [];
    const near = inside.length === 0 ? nearest(group, ref.line) : [];
    if (inside.length >= 1) {
      chosen = inside.sort((a, b) => rangeSize(a.sym) - rangeSize(b.sym))[0]!;
      overloadNote = `; of ${group.length} overloads, line ${ref.line ?? '?'} picks this one`;
    } else if (byParams.length === 1) {
      chosen = byParams[0]!;
      overloadNote = `; of ${group.length} overloads, the parameter types (${hints.paramTypes!.join(', ')}) pick this one`;
    } else if (hints.paramTypes !== null && byParams.length === 0) {
      return refuse(`No overload of ${what} takes (${hints.paramTypes.join(', ')}): ${group.map((g) => `(${g.sym.params.join(', ')})`).join(', ')}.`);
    } else if (near.length === 1) {
      chosen = near[0]!;
      conf = Math.min(conf, 0.85);
      overloadNote = `; of ${group.length} same-named declarations, this one starts ${Math.abs(near[0]!.sym.nameRange.startLine + 1 - (ref.line ?? 0))} line(s) from line ${ref.line ?? '?'}`;
    } else if (group.some((g) => g.lineInside === false)) {
      return refuse(`${group.length} declarations named ${ref.function} fit ${what} and line ${ref.line ?? '?'} is in none of them or next to one.`);
    } else {
      conf = Math.min(conf, 0.75);
      overloadNote = `; ${group.length} overloads share the name and nothing tells them apart, so this is the first declared`;
    }
  } else if (hints.paramTypes !== null && chosen.sym.params.length > 0 && !paramsMatch(hints.paramTypes, chosen.sym.params) && chosen.lineInside !== true) {
    return refuse(`${what} → ${displaySymbol(chosen.sym)} has parameters (${chosen.sym.params.join(', ')}), not (${hints.paramTypes.join(', ')}).`);
  } else if (chosen.lineInside === false) {
    conf = Math.min(conf, 0.8);
    overloadNote = `; line ${ref.line ?? '?'} is outside it (the file may have changed)`;
  }
  const s = chosen;
  const how = s.file.via === 'path'
    ? `code.file.path resolved to ${s.file.path} by ${s.file.pathHow ?? 'path suffix'}${s.file.pathComponents > 0 && (s.file.pathHow ?? 'path suffix') === 'path suffix' ? ` (${s.file.pathComponents} trailing path component${s.file.pathComponents === 1 ? '' : 's'})` : ''}${s.file.mappedLine !== null && s.file.mappedLine !== ref.line ? `, mapped to line ${s.file.mappedLine}` : ''}`
    : s.file.via === 'convention'
      ? `${langName(s.key.family)} naming convention led to ${s.file.path}`
      : `a workspace search found it in ${s.file.path}`;
  const origin = s.file.symbols.origin === 'language-server' ? ' (symbols from the language server)' : s.file.symbols.origin === 'scanner' ? ' (Kotlin declaration scanner)' : '';
  const details = [s.why, ...lineNote].filter((w) => w !== '').join(', ');
  const note = s.key.note !== null ? `; ${s.key.note}` : '';
  const reason = `${what} → ${displaySymbol(s.sym)}: ${how}${origin}${details ? `, ${details}` : ''}${note}${overloadNote}.`;
  return pick(s, conf, reason);

  function pick(sel: Scored, confidence: number, reason: string): MatchOutcome {
    return {
      location: { file: sel.file.path, line: sel.sym.nameRange.startLine + 1, symbol: displaySymbol(sel.sym), confidence: round2(confidence), reason },
      candidates: candidates(sel),
      reason,
    };
  }
}

/**
 * The code reference a runtime would report for a symbol (the inverse of the per-language
 * normalisation), e.g. `com.acme.TokenService` + `getToken`; used to explain what would map to the
 * method under the cursor when no spans were observed for it yet. Null for languages without a
 * known runtime naming.
 */
export function expectedRefFor(sym: SymbolInfo, file: { readonly path: string; readonly jvmName: string | null; readonly goImportPath?: string | null }): CodeRef | null {
  return sourceById(sym.language)?.lang.reverse(sym, file) ?? null;
}
