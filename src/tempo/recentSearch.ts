// A ranged search and, over recent data, its unranged twin: real Tempo leaves spans that arrived late out of ranged searches for minutes (core/search.ts wantsRecentSearch). No vscode.
import { wantsRecentSearch } from '../core/search';
import type { SearchResponse } from '../core/wire';
import type { TimeWindow } from '../shared/model';
import type { SearchParams, TempoQueries } from './client';

export interface RangedAndRecent {
  readonly ranged: SearchResponse;
  /** The same search without start/end: all recent data, so keep its spans to the window (`spanInWindow`). Null when not needed or when it failed. */
  readonly recent: SearchResponse | null;
}

/**
 * `params` over `window`, and — when the window reaches into the last 15 minutes — the same search
 * without start/end, best effort: without it the ranged answer is what a caller had before.
 */
export async function searchRangedAndRecent(
  client: Pick<TempoQueries, 'search'>,
  params: Omit<SearchParams, 'start' | 'end'>,
  window: TimeWindow,
  nowMs: number,
  signal: AbortSignal,
): Promise<RangedAndRecent> {
  const start = Math.floor(window.startMs / 1000);
  const end = Math.max(start + 1, Math.ceil(window.endMs / 1000));
  const [ranged, recent] = await Promise.all([
    client.search({ ...params, start, end }, signal),
    wantsRecentSearch(window, nowMs) ? client.search(params, signal).catch((e: unknown) => (signal.aborted ? Promise.reject(e) : null)) : null,
  ]);
  return { ranged, recent };
}
