// What a Tempo server can do, decided from its buildinfo version (pure) and from what it told us since.

export interface Capabilities {
  readonly version: string | null;
  /** TraceQL metrics `query_range` (2.4+); `false` also when the server said the generator is not configured. */
  readonly traceqlMetrics: boolean | 'unknown';
  /** `span:duration`, `span:status`… (2.5+); otherwise use `duration`, `status`. */
  readonly scopedIntrinsics: boolean;
  /** `/api/v2/traces/<id>` (2.6+). */
  readonly traceByIdV2: boolean;
  /** `with (most_recent=true)` (2.8+). */
  readonly mostRecentHint: boolean;
  /** Sentences for Test Connection and the log. */
  readonly notes: readonly string[];
}

/** `2.7.2`, `v2.7.2`, `2.10.0-rc.1`, `3.0.0+abc` → [major, minor, patch]; anything else → null. */
export function parseVersion(version: string): readonly [number, number, number] | null {
  const m = /^\s*v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+].*)?\s*$/.exec(version);
  if (m === null) return null;
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? '0')];
}

function atLeast(v: readonly [number, number, number], major: number, minor: number): boolean {
  return v[0] > major || (v[0] === major && v[1] >= minor);
}

export function capabilitiesFromVersion(version: string | null): Capabilities {
  if (version === null) {
    // No buildinfo: either Tempo < 2.3, or a gateway that hides it. Assume the oldest API for
    // query syntax, but let metrics be discovered by trying (the stats layer falls back).
    return {
      version: null,
      traceqlMetrics: 'unknown',
      scopedIntrinsics: false,
      traceByIdV2: false,
      mostRecentHint: false,
      notes: [
        'Tempo did not report its version (no /api/status/buildinfo): assuming an older Tempo — unscoped intrinsics, v1 trace lookups.',
      ],
    };
  }
  const v = parseVersion(version);
  if (v === null) {
    // Development builds (`main-abc1234`) and some hosted gateways: likely recent, but unverifiable.
    return {
      version,
      traceqlMetrics: 'unknown',
      scopedIntrinsics: true,
      traceByIdV2: true,
      mostRecentHint: false,
      notes: [`Tempo version "${version}" is not a release number: assuming a recent Tempo; TraceQL metrics will be tried.`],
    };
  }
  const notes: string[] = [];
  const metrics = atLeast(v, 2, 4);
  if (!metrics) notes.push(`Tempo ${version} has no TraceQL metrics (2.4+): statistics come from sampled searches.`);
  const scoped = atLeast(v, 2, 5);
  if (!scoped) notes.push(`Tempo ${version} has no scoped intrinsics (2.5+): queries use duration/status.`);
  const v2 = atLeast(v, 2, 6);
  if (!v2) notes.push(`Tempo ${version} has no v2 trace endpoint (2.6+): traces are fetched with /api/traces.`);
  const mostRecent = atLeast(v, 2, 8);
  return { version, traceqlMetrics: metrics, scopedIntrinsics: scoped, traceByIdV2: v2, mostRecentHint: mostRecent, notes };
}

/** The same capabilities after the server told us TraceQL metrics are unavailable. */
export function withMetricsUnavailable(caps: Capabilities, reason: string): Capabilities {
  if (caps.traceqlMetrics === false && caps.notes.some((n) => n.includes(reason))) return caps;
  return {
    ...caps,
    traceqlMetrics: false,
    notes: [...caps.notes, `TraceQL metrics unavailable: ${reason}`],
  };
}
