// Hover on a matched method's name: figures table, trend, top errors, match reason and trusted links.
import * as vscode from 'vscode';
import { formatChange, formatCount, formatPercent, formatQuantile, formatRate, formatWindow, formatWindowLength, isErroring, isSlow, sparkline, type Thresholds } from '../core/format';
import { grafanaLinkProblem } from '../core/grafanaLinks';
import { commandLink, escapeMarkdown, externalLink } from '../core/markdown';
import { functionSpansQuery } from '../core/traceql';
import type { Config } from '../host/config';
import type { DocumentEntry, DrillDownResult, StatsStore, SurfaceServices } from '../host/stats';
import type { FunctionStats, Insight, SpanHit } from '../shared/model';

/** The only commands a hover link may run. */
export const HOVER_COMMANDS = ['tempoLens.openTrace', 'tempoLens.showFunctionTraces', 'tempoLens.searchTraces', 'tempoLens.explainMatch'] as const;

const TRACE_ID = /^[0-9a-f]{1,32}$/i;


/** Grafana Explore URL running the function's TraceQL search over the figures' window. */
export function grafanaSearchUrl(grafanaUrl: string, datasourceUid: string, query: string, window: { startMs: number; endMs: number }): string | null {
  if (grafanaLinkProblem({ grafanaUrl, datasourceUid }) !== null) return null;
  const uid = datasourceUid.trim();
  const pane = {
    datasource: uid,
    queries: [{ refId: 'A', datasource: { type: 'tempo', uid }, queryType: 'traceql', query, limit: 20, tableType: 'spans' }],
    range: { from: String(Math.floor(window.startMs)), to: String(Math.ceil(window.endMs)) },
  };
  return `${grafanaUrl.trim().replace(/\/+$/, '')}/explore?schemaVersion=1&panes=${encodeURIComponent(JSON.stringify({ tl: pane }))}`;
}

export interface HoverLinkSettings {
  readonly grafanaUrl: string;
  readonly grafanaDatasourceUid: string;
}

/** Builds the hover Markdown for one or more entries on the same method. Pure apart from vscode types. */
/** Top status messages of a drill-down's erroring spans, most frequent first. */
export function topMessages(errors: readonly SpanHit[]): { message: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const h of errors) {
    const m = h.statusMessage ?? h.name;
    if (m) counts.set(m, (counts.get(m) ?? 0) + 1);
  }
  return [...counts].map(([message, count]) => ({ message, count })).sort((a, b) => b.count - a.count);
}

/** Trace-detector findings of a method (the insight runner): their evidence, and one "related" line. */
export interface HoverInsightSource {
  findingsFor(stats: Pick<FunctionStats, 'codeRef' | 'service'>): { readonly insights: readonly Insight[]; readonly related: string | null } | undefined;
}

export function hoverMarkdown(
  entries: readonly DocumentEntry[],
  thresholds: Thresholds,
  links: HoverLinkSettings,
  drills: ReadonlyMap<DocumentEntry, DrillDownResult> = new Map(),
  insights?: HoverInsightSource,
): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.isTrusted = { enabledCommands: [...HOVER_COMMANDS] };
  md.supportHtml = false;
  entries.forEach((e, i) => {
    if (i > 0) md.appendMarkdown('\n\n---\n\n');
    md.appendMarkdown(section(e, thresholds, links, drills.get(e), insights?.findingsFor(e.stats)));
  });
  return md;
}

function section(
  e: DocumentEntry,
  thresholds: Thresholds,
  links: HoverLinkSettings,
  drill: DrillDownResult | undefined,
  findings: { readonly insights: readonly Insight[]; readonly related: string | null } | undefined,
): string {
  const s = e.stats;
  const label = formatWindowLength(s.window);
  const lines: string[] = [];
  const service = s.service !== null ? ` · ${escapeMarkdown(s.service, 60)}` : '';
  lines.push(`**Tempo Lens** · ${escapeMarkdown(e.location.symbol, 120)}${service} · last ${escapeMarkdown(formatWindow(s.window))}`);
  lines.push('');
  const approx = s.quantilesApproximate;
  const cell = (ms: number | null, over: boolean): string => {
    const t = formatQuantile(ms, approx);
    return over ? `**${t}**` : t;
  };
  const errorsOver = isErroring(s, thresholds);
  lines.push('| p50 | p95 | p99 | errors | calls | rate |');
  lines.push('|---:|---:|---:|---:|---:|---:|');
  const errCell = `${formatCount(s.errors)} (${formatPercent(s.errorRate)})`;
  lines.push(
    `| ${cell(s.p50Ms, false)} | ${cell(s.p95Ms, isSlow(s, thresholds))} | ${cell(s.p99Ms, false)} | ${errorsOver ? `**${errCell}**` : errCell} | ${formatCount(s.calls)} | ${formatRate(s.ratePerSec)} |`,
  );
  lines.push('');
  const notes: string[] = [];
  if (approx) notes.push('≈ estimated from TraceQL metrics buckets');
  if (e.quantilesFrom) {
    notes.push(`percentiles exact over ${formatCount(e.quantilesFrom.spans)} span durations${e.quantilesFrom.sampled ? ' (a sample of the window)' : ''}; counts from TraceQL metrics`);
  } else if (s.origin === 'search' || s.sample !== null) {
    const seen = s.sample ? `${formatCount(s.sample.spans)}${s.sample.matched !== null ? ` of ${formatCount(s.sample.matched)}` : ''} spans` : 'a sample of spans';
    notes.push(`sampled: ${seen}`);
  }
  if (s.origin === 'files') notes.push('from trace files');
  if (s.origin === 'receiver') notes.push('from the local receiver');
  if (notes.length) lines.push(`*${notes.join(' · ')}*`, '');
  const trend = sparkline(s.latencySeries);
  if (trend) lines.push(`p95 trend: ${trend}`, '');
  for (const c of e.changes) lines.push(`${c.direction === 'up' ? '$(arrow-up)' : '$(arrow-down)'} ${formatChange(c, label)}`, '');
  const top = s.topErrors.length > 0 ? s.topErrors : topMessages(drill?.errors ?? []);
  if (top.length > 0) {
    lines.push(s.topErrors.length > 0 ? '**Top errors**' : '**Top errors** *(recent erroring spans)*', '');
    for (const te of top.slice(0, 3)) lines.push(`- ${escapeMarkdown(te.message, 160)} ×${formatCount(te.count)}`);
    lines.push('');
  }
  if (findings !== undefined && findings.insights.length > 0) {
    lines.push('**Trace insights**', '');
    for (const i of findings.insights) lines.push(`- \`${i.kind}\` ${escapeMarkdown(i.message, 400)}`);
    lines.push('');
  }
  // Findings elsewhere that concern this method (it gave up first, it calls the cached method): one line, no diagnostic.
  if (findings?.related) lines.push(`*${escapeMarkdown(findings.related, 300)}*`, '');
  if (e.reason) lines.push(`*Matched:* ${escapeMarkdown(e.reason, 240)} ${commandLink('$(question) Explain', 'tempoLens.explainMatch', [{ codeRef: s.codeRef, service: s.service }], 'Why this method? Candidates and the rule that picked it')}`, '');

  const actions: string[] = [];
  const slowest = s.exampleTraceIds.find((id) => TRACE_ID.test(id)) ?? drill?.slowest.find((h) => TRACE_ID.test(h.traceId))?.traceId;
  if (slowest !== undefined) actions.push(commandLink('$(debug-start) Open slowest trace', 'tempoLens.openTrace', [slowest.toLowerCase()], 'Open the slowest trace seen in the window'));
  actions.push(commandLink('$(list-flat) Slowest & erroring traces', 'tempoLens.showFunctionTraces', [s.codeRef, s.service]));
  const query = functionSpansQuery(e.stats.codeRef, e.stats.service);
  actions.push(commandLink('$(search) Search traces', 'tempoLens.searchTraces', [{ query, startMs: s.window.startMs, endMs: s.window.endMs }]));
  const grafana = grafanaSearchUrl(links.grafanaUrl, links.grafanaDatasourceUid, query, s.window);
  const glink = grafana !== null ? externalLink('$(link-external) Open in Grafana', grafana) : null;
  if (glink !== null) actions.push(glink);
  lines.push(actions.join(' · '));
  return lines.join('\n');
}

const DRILL_WAIT_MS = 2500;

/** The value, or undefined when it fails or takes longer than `ms`. */
function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    p.then(
      (v) => { clearTimeout(timer); resolve(v); },
      () => { clearTimeout(timer); resolve(undefined); },
    );
  });
}

export class TempoHoverProvider implements vscode.HoverProvider {
  constructor(private readonly store: StatsStore, private readonly config: Config, private readonly insights?: HoverInsightSource) {}

  async provideHover(document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    if (!this.store.hasEntries(document)) return undefined;
    const entries = await this.store.forDocument(document, token);
    if (token.isCancellationRequested) return undefined;
    const hit = entries.filter((e) => e.nameRange.contains(position));
    if (hit.length === 0) return undefined;
    // Metrics give neither messages nor trace ids: a drill-down (cached per refresh) fills them in,
    // waited for briefly so the hover never hangs on a slow Tempo.
    const drills = new Map<DocumentEntry, DrillDownResult>();
    await Promise.all(
      hit
        .filter((e) => (e.stats.errors > 0 && e.stats.topErrors.length === 0) || !e.stats.exampleTraceIds.some((id) => TRACE_ID.test(id)))
        .map(async (e) => {
          const r = await within(this.store.drillDown(e.stats.codeRef, e.stats.service, token), DRILL_WAIT_MS);
          if (r) drills.set(e, r);
        }),
    );
    if (token.isCancellationRequested) return undefined;
    const cfg = this.config.current;
    return new vscode.Hover(hoverMarkdown(hit, this.store.thresholds, { grafanaUrl: cfg.grafanaUrl, grafanaDatasourceUid: cfg.grafanaDatasourceUid }, drills, this.insights), (hit[0] as DocumentEntry).nameRange);
  }
}

export function registerHover(context: vscode.ExtensionContext, services: SurfaceServices, insights?: HoverInsightSource): void {
  context.subscriptions.push(vscode.languages.registerHoverProvider({ scheme: 'file' }, new TempoHoverProvider(services.store, services.config, insights)));
}
