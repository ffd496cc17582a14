// Pure logic behind the editor surfaces: function keys, the per-refresh file index, symbol pairing, lens and hint models.
import type { CodeLocation, FunctionStats } from '../shared/model';
import { codeRefKey } from './codeRef';
import { compareWindows, formatPercent, formatQuantile, formatWindowLength, lensTitle, severityOf, type Change, type Severity, type Thresholds } from './format';
import type { Range0 } from './match';

/** A function's figures together with where it landed (or why it did not). */
export interface LocatedFunction {
  readonly stats: FunctionStats;
  /** The same function in the previous window of the same length, when it had spans. */
  readonly previous: FunctionStats | null;
  /** Significant changes against the previous window. */
  readonly changes: readonly Change[];
  readonly severity: Severity;
  readonly location: CodeLocation | null;
  /** Why it landed there, or why it did not land. */
  readonly reason: string;
  /** Set when p50/p95/p99 were replaced by exact values from span durations (search over the open files). */
  readonly quantilesFrom?: { readonly spans: number; readonly sampled: boolean };
}

/** Identity of a function across windows and refreshes: code reference + service. */
export function functionKey(stats: Pick<FunctionStats, 'codeRef' | 'service'>): string {
  return `${codeRefKey(stats.codeRef)}\u001e${stats.service ?? ''}`;
}

export function normalisePath(p: string): string {
  return p.replace(/\\/g, '/').replace(/^\.\//, '');
}

/** Joins current and previous windows and judges severity; functions without calls are dropped. */
export function judge(
  current: readonly FunctionStats[],
  previous: readonly FunctionStats[] | null,
  thresholds: Thresholds,
  locate: (f: FunctionStats) => { location: CodeLocation | null; reason: string },
): LocatedFunction[] {
  const prevByKey = new Map<string, FunctionStats>();
  for (const f of previous ?? []) prevByKey.set(functionKey(f), f);
  const out: LocatedFunction[] = [];
  for (const stats of current) {
    if (stats.calls <= 0) continue;
    const prev = prevByKey.get(functionKey(stats)) ?? null;
    const { location, reason } = locate(stats);
    out.push({ stats, previous: prev, changes: compareWindows(stats, prev), severity: severityOf(stats, thresholds), location, reason });
  }
  return out;
}

/** The per-refresh index: matched functions by workspace-relative file, all functions by key. */
export interface FileIndex<L extends LocatedFunction = LocatedFunction> {
  readonly byFile: ReadonlyMap<string, readonly L[]>;
  readonly byKey: ReadonlyMap<string, L>;
}

export function indexByFile<L extends LocatedFunction>(located: readonly L[]): FileIndex<L> {
  const byFile = new Map<string, L[]>();
  const byKey = new Map<string, L>();
  for (const l of located) {
    byKey.set(functionKey(l.stats), l);
    if (!l.location) continue;
    const file = normalisePath(l.location.file);
    const list = byFile.get(file);
    if (list) list.push(l);
    else byFile.set(file, [l]);
  }
  return { byFile, byKey };
}

/** A method-like symbol of a document, 0-based ranges. */
export interface SymbolLike {
  /** Bare name (`getToken`). */
  readonly name: string;
  /** Qualified name as CodeLocation.symbol spells it (`TokenService.getToken`). */
  readonly qualifiedName: string;
  readonly nameRange: Range0;
  /** Whole declaration, annotations included (what the quick fixes edit). */
  readonly fullRange?: Range0;
}

export function lastSegment(symbol: string): string {
  const i = Math.max(symbol.lastIndexOf('.'), symbol.lastIndexOf('::'), symbol.lastIndexOf('#'));
  return i >= 0 ? symbol.slice(i + 1).replace(/^:/, '') : symbol;
}

export function severityRank(s: Severity): number {
  return s === 'error' ? 3 : s === 'warning' ? 2 : s === 'info' ? 1 : 0;
}

/** Builds the name → symbols lookup of one document once (reused for every located function of it). */
export function symbolLookup(symbols: readonly SymbolLike[]): { byQualified: Map<string, SymbolLike[]>; byName: Map<string, SymbolLike[]> } {
  const byQualified = new Map<string, SymbolLike[]>();
  const byName = new Map<string, SymbolLike[]>();
  for (const s of symbols) {
    push(byQualified, s.qualifiedName, s);
    push(byName, s.name, s);
  }
  return { byQualified, byName };
}

/**
 * Pairs located functions with the symbols of a document as it is now: by qualified name nearest
 * to the mapped line, then by bare name, then the mapped line itself (text edited since the
 * match and no symbol left). Sorted by line, most severe first on a shared line.
 */
export function resolveRanges<L extends LocatedFunction>(
  located: readonly L[],
  symbols: readonly SymbolLike[],
  lineText: (line0: number) => string | undefined,
): { entry: L & { readonly location: CodeLocation }; nameRange: Range0; fullRange: Range0 | null }[] {
  const { byQualified, byName } = symbolLookup(symbols);
  const out: { entry: L & { readonly location: CodeLocation }; nameRange: Range0; fullRange: Range0 | null }[] = [];
  for (const l of located) {
    const loc = l.location;
    if (!loc) continue;
    const line0 = loc.line - 1;
    const candidates = byQualified.get(loc.symbol) ?? byName.get(l.stats.codeRef.function) ?? byName.get(lastSegment(loc.symbol));
    let range: Range0 | null = null;
    let full: Range0 | null = null;
    if (candidates && candidates.length > 0) {
      let best = candidates[0] as SymbolLike;
      for (const c of candidates) if (Math.abs(c.nameRange.startLine - line0) < Math.abs(best.nameRange.startLine - line0)) best = c;
      range = best.nameRange;
      full = best.fullRange ?? null;
    } else {
      const text = lineText(line0);
      if (text !== undefined) {
        const name = l.stats.codeRef.function;
        const col = text.indexOf(name);
        range = col >= 0
          ? { startLine: line0, startCol: col, endLine: line0, endCol: col + name.length }
          : { startLine: line0, startCol: text.length - text.trimStart().length, endLine: line0, endCol: text.length };
      }
    }
    if (range) out.push({ entry: l as L & { readonly location: CodeLocation }, nameRange: range, fullRange: full });
  }
  out.sort((a, b) => a.nameRange.startLine - b.nameRange.startLine || severityRank(b.entry.severity) - severityRank(a.entry.severity) || b.entry.stats.calls - a.entry.stats.calls);
  return out;
}

function sameRange(a: Range0 | undefined, b: Range0): boolean {
  return a !== undefined && a.startLine === b.startLine && a.startCol === b.startCol && a.endLine === b.endLine && a.endCol === b.endCol;
}

/** Titles and hints depend only on the function and the thresholds: computed once per refresh, not per document. */
const titleMemo = new WeakMap<LocatedFunction, { thresholds: Thresholds; title: string }>();
const hintMemo = new WeakMap<LocatedFunction, string>();

function memoTitle(e: LocatedFunction, thresholds: Thresholds): string {
  const m = titleMemo.get(e);
  if (m && m.thresholds.latencyMs === thresholds.latencyMs && m.thresholds.errorRate === thresholds.errorRate) return m.title;
  const title = lensTitle(e.stats, { thresholds, changes: e.changes });
  titleMemo.set(e, { thresholds, title });
  return title;
}

export interface LensModel {
  readonly range: Range0;
  readonly title: string;
  readonly tooltip: string;
}

/** Lens titles for resolved entries; several services on one method get one lens each, each naming its service. */
export function lensModels(entries: readonly { readonly entry: LocatedFunction; readonly nameRange: Range0 }[], thresholds: Thresholds): LensModel[] {
  const out: LensModel[] = [];
  for (let i = 0; i < entries.length; i++) {
    const { entry: e, nameRange } = entries[i] as { entry: LocatedFunction; nameRange: Range0 };
    const shared = sameRange(entries[i - 1]?.nameRange, nameRange) || sameRange(entries[i + 1]?.nameRange, nameRange);
    let title = memoTitle(e, thresholds);
    if (shared && e.stats.service) title += ` · ${e.stats.service}`;
    const r = e.stats.codeRef;
    const name = r.namespace ? `${r.namespace}.${r.function}` : r.function;
    out.push({ range: nameRange, title, tooltip: `Tempo Lens: ${name}${e.stats.service ? ` in ${e.stats.service}` : ''} — click for its slowest and erroring traces` });
  }
  return out;
}

export type HintLevel = Exclude<Severity, 'none'>;

export interface HintModel {
  readonly level: HintLevel;
  /** 0-based line of the method's name. */
  readonly line: number;
  readonly text: string;
}

/** After-line text for one method: `p95 ≈1.2 s · 3.1% err · ▲2.1× · 1h`. */
export function hintText(entries: readonly LocatedFunction[]): string {
  const e = entries[0];
  if (!e) return '';
  const s = e.stats;
  const parts: string[] = [];
  if (s.p95Ms !== null) parts.push(`p95 ${formatQuantile(s.p95Ms, s.quantilesApproximate)}`);
  if (s.errors > 0) parts.push(`${formatPercent(s.errorRate)} err`);
  const up = e.changes.find((c) => c.metric === 'p95' && c.direction === 'up');
  if (up) parts.push(`▲${up.ratio >= 10 ? Math.round(up.ratio) : up.ratio.toFixed(1)}×`);
  parts.push(formatWindowLength(s.window));
  if (entries.length > 1) parts.push(`+${entries.length - 1} more`);
  return parts.join(' · ');
}

/** One hint per decorated line, coloured by its most severe function. */
export function hintModels(entries: readonly { readonly entry: LocatedFunction; readonly nameRange: Range0 }[]): HintModel[] {
  const byLine = new Map<number, LocatedFunction[]>();
  for (const { entry, nameRange } of entries) push(byLine, nameRange.startLine, entry);
  const out: HintModel[] = [];
  for (const [line, list] of byLine) {
    const worst = list.reduce((a, b) => (severityRank(b.severity) > severityRank(a.severity) ? b : a));
    let text: string;
    if (list.length === 1) {
      text = hintMemo.get(worst) ?? hintText(list);
      hintMemo.set(worst, text);
    } else {
      text = hintText([worst, ...list.filter((x) => x !== worst)]);
    }
    out.push({ level: worst.severity === 'none' ? 'info' : worst.severity, line, text });
  }
  return out;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
