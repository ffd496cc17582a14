// Grafana Explore deep links for a trace (and span); pure string building, no network.

export interface GrafanaLinkConfig {
  /** `tempoLens.grafanaUrl`, e.g. `https://grafana.example.com` or `https://x.grafana.net/`. */
  readonly grafanaUrl: string;
  /** `tempoLens.grafanaDatasourceUid`. */
  readonly datasourceUid: string;
  /** Grafana org id; Grafana picks the user's current org when omitted. */
  readonly orgId?: number;
}

export interface GrafanaTraceTarget {
  readonly traceId: string;
  readonly spanId?: string | null;
  /** Epoch ms of the trace, to pin the Explore time range around it (±1 min). */
  readonly startMs?: number;
  readonly endMs?: number;
}

/** Why no link can be built, in words for the user; null when the configuration is usable. */
export function grafanaLinkProblem(cfg: GrafanaLinkConfig): string | null {
  const url = cfg.grafanaUrl.trim();
  if (url === '') return 'Set tempoLens.grafanaUrl to your Grafana base URL to open traces in Grafana.';
  if (!/^https?:\/\/[^\s/?#]+/i.test(url)) return `tempoLens.grafanaUrl must be an http(s) URL (got "${url.slice(0, 80)}").`;
  if (cfg.datasourceUid.trim() === '') return 'Set tempoLens.grafanaDatasourceUid to the UID of the Tempo data source in Grafana.';
  return null;
}

/**
 * The Explore URL (Grafana ≥10 `panes` format) that runs the trace id as a TraceQL query on the
 * configured Tempo data source, with the span selected when given. Null when not configured.
 */
export function grafanaExploreUrl(cfg: GrafanaLinkConfig, target: GrafanaTraceTarget): string | null {
  if (grafanaLinkProblem(cfg) !== null) return null;
  const traceId = target.traceId.trim().toLowerCase();
  if (!/^[0-9a-f]{1,32}$/.test(traceId)) return null;
  const uid = cfg.datasourceUid.trim();
  const base = cfg.grafanaUrl.trim().replace(/\/+$/, '');
  const range =
    target.startMs !== undefined && target.endMs !== undefined && Number.isFinite(target.startMs) && Number.isFinite(target.endMs)
      ? { from: String(Math.floor(target.startMs - 60_000)), to: String(Math.ceil(target.endMs + 60_000)) }
      : { from: 'now-1h', to: 'now' };
  const spanId = target.spanId !== undefined && target.spanId !== null && /^[0-9a-f]{16}$/.test(target.spanId) ? target.spanId : null;
  const pane: Record<string, unknown> = {
    datasource: uid,
    queries: [{ refId: 'A', datasource: { type: 'tempo', uid }, queryType: 'traceql', query: traceId }],
    range,
  };
  if (spanId !== null) pane['panelsState'] = { trace: { spanId } };
  const params = [`schemaVersion=1`, `panes=${encodeURIComponent(JSON.stringify({ tl: pane }))}`];
  if (cfg.orgId !== undefined && Number.isInteger(cfg.orgId)) params.push(`orgId=${cfg.orgId}`);
  return `${base}/explore?${params.join('&')}`;
}
