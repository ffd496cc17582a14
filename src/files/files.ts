// The offline source: OTLP JSON files (resourceSpans, Tempo v1 batches, v2 {trace}) → exact per-function statistics.
import * as path from 'node:path';
import type { CodeRef, Span, StatsSnapshot, TimeWindow, Trace } from '../shared/model';
import { collectSpans, groupByTrace, parseTraceBody, SkipCounter } from '../core/otlp';
import type { DrillDown, StatsRequest } from '../core/source';
import { requestPredicate, spanSample } from '../core/spanCorpus';
import { compareHotspots, functionKey, SpanAggregator } from '../core/stats';
import { stepFor } from '../core/timeRange';
import { compileWorkspaceGlob, listWorkspaceFiles, readRegularFile } from './workspaceFiles';

export interface FileStatsSourceOptions {
  /** Explicit files (absolute, or relative to `root`). */
  readonly paths?: readonly string[];
  /** Directory the glob is relative to (the workspace folder). */
  readonly root?: string;
  /** The `files` setting, e.g. `.tempo-lens/traces/**\/*.json`. */
  readonly glob?: string;
  /**
   * Count only spans inside the requested window. Off by default: exported files are usually older
   * than "the last hour", so the figures cover the files' own time span (and say so).
   */
  readonly clipToWindow?: boolean;
  /** Per-file size cap (default 256 MiB) and file-count cap (default 5,000). */
  readonly maxFileBytes?: number;
  readonly maxFiles?: number;
  /**
   * Keep the traces of the last load (whole traces with at least one counted span) for the trace
   * detectors (`traces()`). Off by default: they cost the memory of every span read.
   */
  readonly keepTraces?: boolean;
  /**
   * Spans kept for `traces()` at most (default 250,000): past it, no trace is kept for that load and a
   * note says so, since partial traces would mislead the detectors.
   */
  readonly maxKeptSpans?: number;
  /** Called with every counted span (after filter, services and window): the instrumentation census reads them. */
  readonly onSpan?: (span: Span) => void;
}

/** Every JSON document in a file: one JSON value, or JSON lines (the collector's file exporter). */
export function parseDocuments(text: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  try {
    return [JSON.parse(trimmed) as unknown];
  } catch (whole) {
    const lines = trimmed.split(/\r?\n/).filter((l) => l.trim() !== '');
    if (lines.length < 2) throw whole;
    return lines.map((l, i) => {
      try {
        return JSON.parse(l) as unknown;
      } catch (e) {
        throw new Error(`line ${i + 1}: ${(e as Error).message}`);
      }
    });
  }
}

/** Spans of one parsed document: a trace body, or an array of them (Grafana exports several). */
export function spansOfDocument(doc: unknown, out: Span[], skips?: SkipCounter): void {
  if (Array.isArray(doc)) {
    for (const d of doc) spansOfDocument(d, out, skips);
    return;
  }
  const trace: Trace = parseTraceBody(doc, skips);
  for (const s of trace.spans) out.push(s);
}

export class FileStatsSource {
  private last: SpanAggregator | null = null;
  private lastTraces: readonly Trace[] = [];
  /** Until the first load there is nothing to hand over. */
  private tracesTaken = true;

  constructor(private readonly opts: FileStatsSourceOptions) {}

  /**
   * The files the source reads, sorted (explicit paths first, then the glob's matches). The glob is
   * confined to the root (see `compileWorkspaceGlob`); an invalid one throws an Error saying why.
   */
  async listFiles(signal: AbortSignal): Promise<string[]> {
    const root = this.opts.root ?? process.cwd();
    const maxFiles = this.opts.maxFiles ?? 5000;
    const out = new Set<string>();
    for (const p of this.opts.paths ?? []) out.add(path.resolve(root, p));
    if (this.opts.glob !== undefined && this.opts.glob.trim() !== '') {
      const compiled = compileWorkspaceGlob(this.opts.glob);
      if (!compiled.ok) throw new Error(`tempoLens.files is not valid: ${compiled.error}`);
      for (const f of await listWorkspaceFiles(root, compiled.glob, maxFiles, signal)) out.add(f);
    }
    return [...out];
  }

  async load(req: StatsRequest, signal: AbortSignal): Promise<StatsSnapshot> {
    const notes: string[] = [];
    const skips = new SkipCounter();
    const files = await this.listFiles(signal);
    const { pred, note } = requestPredicate(req, 'files');
    if (note !== null) notes.push(note);
    const clip = this.opts.clipToWindow === true;
    const maxBytes = this.opts.maxFileBytes ?? 256 * 1024 * 1024;
    const agg = new SpanAggregator(true);
    let minStart = Infinity;
    let maxEnd = -Infinity;
    let readFiles = 0;
    let spansRead = 0;
    let keep = this.opts.keepTraces === true;
    const maxKept = this.opts.maxKeptSpans ?? 250_000;
    const kept: Span[] = [];
    const keptIds = new Set<string>();
    if (files.length === 0) notes.push(`No trace files found${this.opts.glob !== undefined ? ` for ${this.opts.glob}` : ''}.`);
    for (const file of files) {
      if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('cancelled');
      const name = this.opts.root !== undefined ? path.relative(this.opts.root, file) || file : file;
      const read = await readRegularFile(file, maxBytes, signal);
      if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('cancelled');
      if (!read.ok) {
        notes.push(`${name}: ${read.reason}.`);
        continue;
      }
      const text = read.text;
      const spans: Span[] = [];
      try {
        for (const doc of parseDocuments(text)) spansOfDocument(doc, spans, skips);
      } catch (e) {
        notes.push(`${name}: not an OTLP/Tempo trace file (${(e as Error).message.slice(0, 200)}).`);
        continue;
      }
      readFiles++;
      if (keep && kept.length + spans.length > maxKept) {
        keep = false;
        kept.length = 0;
        keptIds.clear();
        notes.push(`Trace insights (caller-timeout, cache-stampede) skipped: the files hold more than ${maxKept} spans.`);
      }
      if (keep) for (const s of spans) kept.push(s);
      for (const s of spans) {
        if (pred !== null && !pred(s)) continue;
        if (clip && (s.startMs < req.window.startMs || s.startMs >= req.window.endMs)) continue;
        spansRead++;
        if (keep) keptIds.add(s.traceId);
        if (s.startMs < minStart) minStart = s.startMs;
        if (s.endMs > maxEnd) maxEnd = s.endMs;
        agg.add(spanSample(s));
        this.opts.onSpan?.(s);
      }
    }
    const window: TimeWindow = clip || !Number.isFinite(minStart)
      ? req.window
      : { startMs: Math.floor(minStart / 1000) * 1000, endMs: Math.max(Math.ceil(maxEnd / 1000) * 1000, Math.floor(minStart / 1000) * 1000 + 1000) };
    const functions = agg.finish({ window, origin: 'files', stepMs: stepFor(window), sampled: false }).sort(compareHotspots);
    this.last = agg;
    this.lastTraces = keep ? groupByTrace(kept).filter((t) => keptIds.has(t.traceId)) : [];
    this.tracesTaken = false;
    for (const n of skips.notes()) notes.push(`${n[0]?.toUpperCase() ?? ''}${n.slice(1)} in the trace files.`);
    notes.unshift(
      `Figures from ${readFiles} trace file${readFiles === 1 ? '' : 's'} (${spansRead} spans, ${agg.spans} with code attributes)${clip ? '' : `, covering ${new Date(window.startMs).toISOString()} – ${new Date(window.endMs).toISOString()}`}; percentiles are exact.`,
    );
    return { window, origin: 'files', functions, notes };
  }

  /** The traces of the last load that had a counted span (filter, services, window), whole; empty unless `keepTraces`. */
  traces(): readonly Trace[] {
    return this.lastTraces;
  }

  /**
   * The traces of the last load, handed over once: the source drops them (they are the largest thing
   * it holds), and later calls return null until the next load.
   */
  takeTraces(): readonly Trace[] | null {
    if (this.tracesTaken) return null;
    const traces = this.lastTraces;
    this.lastTraces = [];
    this.tracesTaken = true;
    return traces;
  }

  /** From the last load: the slowest and the most recent erroring spans of one function. */
  async drillDown(ref: CodeRef, service: string | null, window: TimeWindow, signal: AbortSignal): Promise<DrillDown> {
    if (this.last === null) await this.load({ window, filter: '' }, signal);
    return (this.last as SpanAggregator).hits(functionKey(ref, service));
  }
}

/** Parses the spans of OTLP JSON text (any of the accepted shapes, JSON lines too). */
export function spansFromText(text: string, skips?: SkipCounter): Span[] {
  const spans: Span[] = [];
  for (const doc of parseDocuments(text)) {
    if (Array.isArray(doc)) {
      spansOfDocument(doc, spans, skips);
      continue;
    }
    if (typeof doc === 'object' && doc !== null && Array.isArray((doc as { resourceSpans?: unknown }).resourceSpans)) {
      collectSpans((doc as { resourceSpans: unknown[] }).resourceSpans, spans, skips);
    } else spansOfDocument(doc, spans, skips);
  }
  return spans;
}
