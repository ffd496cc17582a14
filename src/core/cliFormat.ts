// Output of the `tempo-lens` CLI: hot-spot table / JSON (CONTRACT.md shape) / SARIF 2.1.0, search table, trace tree.
import type { CodeLocation, FunctionStats, Insight, InsightKind, SpanHit, StatsSnapshot, Trace, TraceSummary } from '../shared/model';
import { formatDuration, formatPercent, formatQuantile, isPartialSample } from './format';
import { buildWaterfallTree } from './waterfall';

export interface HotspotRow {
  readonly stats: FunctionStats;
  readonly location: CodeLocation | null;
  readonly insights: readonly Insight[];
}

const round = (n: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};
const ms = (v: number | null): number | null => (v === null ? null : round(v, 3));

/** Fully qualified display name of a function. */
export function qualifiedName(stats: FunctionStats): string {
  const r = stats.codeRef;
  return r.namespace !== null ? `${r.namespace}.${r.function}` : r.function;
}

const KIND_ORDER: readonly InsightKind[] = ['slow', 'errors', 'caller-timeout', 'cache-stampede', 'n-plus-one'];

/** Threshold insights and the trace detectors' ones of one function, in a fixed kind order. */
export function combineInsights(...lists: readonly (readonly Insight[])[]): Insight[] {
  return lists.flat().sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind));
}

/** The exact object CONTRACT.md documents for `hotspots --format json`. */
export function hotspotsJson(window: StatsSnapshot['window'], rows: readonly HotspotRow[]): unknown {
  return {
    window: { start: isoTime(window.startMs), end: isoTime(window.endMs) },
    functions: rows.map((r) => ({
      codeRef: { namespace: r.stats.codeRef.namespace, function: r.stats.codeRef.function, filePath: r.stats.codeRef.filePath, line: r.stats.codeRef.line },
      service: r.stats.service,
      // From a partial sample the span count is how many were read, not how many calls there
      // were: `calls` is null and `sample` says how much was seen (and, when known, of how many).
      stats: {
        calls: isPartialSample(r.stats) ? null : r.stats.calls,
        ...(isPartialSample(r.stats) && r.stats.sample !== null ? { sample: { spans: r.stats.sample.spans, matched: r.stats.sample.matched } } : {}),
        errorRate: round(r.stats.errorRate, 6),
        p50Ms: ms(r.stats.p50Ms),
        p95Ms: ms(r.stats.p95Ms),
        p99Ms: ms(r.stats.p99Ms),
      },
      location: r.location === null ? null : {
        file: r.location.file,
        line: r.location.line,
        symbol: r.location.symbol,
        confidence: round(r.location.confidence, 3),
        reason: r.location.reason,
      },
      insights: r.insights.map((i) => ({ kind: i.kind, message: i.message, traceIds: [...i.traceIds] })),
    })),
  };
}

const RULES: Record<InsightKind, { name: string; text: string }> = {
  slow: { name: 'SlowFunction', text: 'p95 latency of the function is above the latency threshold' },
  errors: { name: 'ErroringFunction', text: 'error rate of the function is above the error-rate threshold' },
  'caller-timeout': { name: 'CallerTimeout', text: 'callers gave up before the function finished (missing timeout)' },
  'cache-stampede': { name: 'CacheStampede', text: 'many concurrent identical calls after a cache expiry' },
  'n-plus-one': { name: 'NPlusOneCalls', text: 'the same DB statement or HTTP route called one after another many times under one parent' },
};

/** SARIF 2.1.0: one result per (function, exceeded threshold); a physical location when the function was found in the workspace. */
export function hotspotsSarif(rows: readonly HotspotRow[], toolVersion: string): unknown {
  const results: unknown[] = [];
  const usedRules = new Set<InsightKind>();
  for (const r of rows) {
    for (const ins of r.insights) {
      usedRules.add(ins.kind);
      const name = qualifiedName(r.stats);
      const location = r.location !== null
        ? {
          physicalLocation: { artifactLocation: { uri: r.location.file, uriBaseId: '%SRCROOT%' }, region: { startLine: r.location.line } },
          logicalLocations: [{ fullyQualifiedName: name, name: r.stats.codeRef.function, kind: 'function' }],
        }
        : { logicalLocations: [{ fullyQualifiedName: name, name: r.stats.codeRef.function, kind: 'function' }] };
      results.push({
        ruleId: ins.kind,
        level: 'warning',
        message: { text: `${name}${r.stats.service !== null ? ` (${r.stats.service})` : ''}: ${ins.message}` },
        locations: [location],
        partialFingerprints: { tempoLensFunction: `${r.stats.service ?? ''}/${name}/${ins.kind}` },
        properties: {
          service: r.stats.service,
          calls: isPartialSample(r.stats) ? null : r.stats.calls,
          errorRate: round(r.stats.errorRate, 6),
          p95Ms: ms(r.stats.p95Ms),
          quantilesApproximate: r.stats.quantilesApproximate,
          origin: r.stats.origin,
          traceIds: [...ins.traceIds],
        },
      });
    }
  }
  const kinds: readonly InsightKind[] = KIND_ORDER;
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'tempo-lens',
            version: toolVersion,
            informationUri: 'https://github.com/tempo-lens/tempo-lens',
            rules: kinds.filter((k) => usedRules.has(k)).map((k) => ({
              id: k,
              name: RULES[k].name,
              shortDescription: { text: RULES[k].text },
              defaultConfiguration: { level: 'warning' },
            })),
          },
        },
        originalUriBaseIds: { '%SRCROOT%': { uri: './' } },
        results,
      },
    ],
  };
}

// ---- tables ----------------------------------------------------------------------------------

/** Display width: wide glyphs are rare in code names; count code points. */
function width(s: string): number {
  return [...s].length;
}

/** ISO-8601 of an epoch-ms time; a value no Date can hold prints as `invalid time` instead of throwing. */
export function isoTime(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? 'invalid time' : d.toISOString();
}

function clip(s: string, max: number): string {
  const flat = s.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return width(flat) <= max ? flat : `${[...flat].slice(0, max - 1).join('')}…`;
}

/** Aligns columns; `right` lists the numeric columns. */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[], right: ReadonlySet<number>): string {
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => {
        const pad = (widths[i] ?? 0) - width(c);
        const last = i === cells.length - 1;
        if (right.has(i)) return ' '.repeat(pad) + c;
        return last ? c : c + ' '.repeat(pad);
      })
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function hotspotsTable(snapshot: Pick<StatsSnapshot, 'window' | 'origin' | 'notes'>, rows: readonly HotspotRow[], totalFunctions: number): string {
  const header = ['FUNCTION', 'SERVICE', 'CALLS', 'ERRORS', 'P50', 'P95', 'P99', 'FLAGS', 'LOCATION'];
  const body = rows.map((r) => {
    const s = r.stats;
    const a = s.quantilesApproximate;
    return [
      clip(qualifiedName(s), 70),
      clip(s.service ?? '–', 30),
      isPartialSample(s) ? `≥${s.calls}` : String(s.calls),
      s.errors > 0 ? formatPercent(s.errorRate) : '0%',
      formatQuantile(s.p50Ms, a),
      formatQuantile(s.p95Ms, a),
      formatQuantile(s.p99Ms, a),
      r.insights.map((i) => i.kind).join(',') || '–',
      r.location !== null ? clip(`${r.location.file}:${r.location.line}`, 80) : '–',
    ];
  });
  const out: string[] = [];
  const from = isoTime(snapshot.window.startMs);
  const to = isoTime(snapshot.window.endMs);
  out.push(`Hot spots ${from} – ${to} · source: ${snapshot.origin}${rows.some((r) => r.stats.quantilesApproximate) ? ' · ≈ = estimated' : ''}`);
  out.push('');
  if (rows.length === 0) out.push('No function with code attributes (code.function / code.function.name) in this window.');
  else out.push(renderTable(header, body, new Set([2, 3, 4, 5, 6])));
  if (totalFunctions > rows.length) out.push(`… ${totalFunctions - rows.length} more (use --limit)`);
  const found = rows.flatMap((r) => r.insights.filter((i) => i.kind !== 'slow' && i.kind !== 'errors').map((i) => ({ r, i })));
  if (found.length > 0) {
    out.push('');
    out.push('Trace insights:');
    for (const { r, i } of found) {
      const example = i.traceIds[0] !== undefined ? ` · e.g. trace ${clip(i.traceIds[0], 32)}` : '';
      out.push(`  ${i.kind}  ${clip(qualifiedName(r.stats), 70)}${r.stats.service !== null ? ` (${clip(r.stats.service, 30)})` : ''}: ${clip(i.message, 300)}${example}`);
    }
  }
  for (const n of snapshot.notes) out.push(`note: ${n}`);
  return `${out.join('\n')}\n`;
}

export function searchTable(traces: readonly TraceSummary[]): string {
  if (traces.length === 0) return 'No traces matched.\n';
  const header = ['TRACE ID', 'ROOT SERVICE', 'ROOT NAME', 'START (UTC)', 'DURATION', 'MATCHED', 'ERROR SPANS'];
  const rows = traces.map((t) => [
    t.traceId,
    clip(t.rootServiceName ?? '–', 30),
    clip(t.rootTraceName ?? '–', 40),
    isoTime(t.startMs).replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    formatDuration(t.durationMs),
    String(t.matchedSpans),
    String(t.errorSpans),
  ]);
  return `${renderTable(header, rows, new Set([4, 5, 6]))}\n`;
}

/** The search result as JSON: traces with their matched spans. */
export function searchJson(traces: readonly TraceSummary[]): unknown {
  return {
    traces: traces.map((t) => ({
      traceId: t.traceId,
      rootServiceName: t.rootServiceName,
      rootTraceName: t.rootTraceName,
      start: isoTime(t.startMs),
      durationMs: t.durationMs,
      matchedSpans: t.matchedSpans,
      errorSpans: t.errorSpans,
      spans: t.spans.map(spanJson),
    })),
  };
}

function spanJson(h: SpanHit): unknown {
  return {
    spanId: h.spanId,
    name: h.name,
    start: isoTime(h.startMs),
    durationMs: round(h.durationMs, 3),
    status: h.status,
    statusMessage: h.statusMessage,
    service: h.service,
  };
}

/** `trace ID --format tree`: one line per span, indented by depth, with durations, errors and spans that outlived their parent. */
export function traceTree(trace: Trace): string {
  const tree = buildWaterfallTree(trace.spans);
  const out: string[] = [];
  out.push(`Trace ${trace.traceId} · ${trace.spans.length} span${trace.spans.length === 1 ? '' : 's'} · ${formatDuration(tree.durationMs)}${tree.errorCount > 0 ? ` · ${tree.errorCount} error${tree.errorCount === 1 ? '' : 's'}` : ''}`);
  if (trace.partial) out.push(`note: partial trace${trace.message !== null ? ` (${clip(trace.message, 200)})` : ''}`);
  for (const node of tree.nodes) {
    const span = trace.spans[node.index];
    if (span === undefined) continue;
    const code = span.attributes['code.function.name'] ?? (span.attributes['code.function'] !== undefined
      ? `${span.attributes['code.namespace'] !== undefined ? `${String(span.attributes['code.namespace'])}.` : ''}${String(span.attributes['code.function'])}`
      : undefined);
    const parts = [
      `${'  '.repeat(node.depth)}${node.depth > 0 ? '└ ' : ''}${clip(span.name || '(no name)', 80)}`,
      `[${clip(span.service ?? '?', 40)}]`,
      `${formatDuration(node.durationMs)} @+${formatDuration(node.offsetMs)}`,
    ];
    if (code !== undefined && code !== null) parts.push(clip(String(code), 100));
    if (node.error) parts.push(`ERROR${span.statusMessage !== null ? `: ${clip(span.statusMessage, 120)}` : ''}`);
    if (node.outlivedParentMs > 0) parts.push(`ended ${formatDuration(node.outlivedParentMs)} after its parent`);
    if (node.orphan) parts.push('(parent missing)');
    out.push(parts.join('  '));
  }
  return `${out.join('\n')}\n`;
}

/** `trace ID --format json`: the normalised trace (hex ids, ms times, decoded attributes). */
export function traceJson(trace: Trace): unknown {
  return {
    traceId: trace.traceId,
    partial: trace.partial,
    message: trace.message,
    spans: trace.spans.map((s) => ({
      spanId: s.spanId,
      parentSpanId: s.parentSpanId,
      name: s.name,
      kind: s.kind,
      service: s.service,
      start: isoTime(s.startMs),
      startMs: s.startMs,
      durationMs: round(s.endMs - s.startMs, 6),
      status: s.status,
      statusMessage: s.statusMessage,
      attributes: { ...s.attributes },
      events: s.events.map((e) => ({ name: e.name, timeMs: e.timeMs, attributes: { ...e.attributes } })),
      links: s.links.map((l) => ({ traceId: l.traceId, spanId: l.spanId, attributes: { ...l.attributes } })),
    })),
  };
}
