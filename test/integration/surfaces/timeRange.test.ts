// The time range drives the queries sent to Tempo (asserted on the test server's request log).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { waitFor } from '../helpers';
import type { TempoTestServer } from '../../tempo-server/server';
import { type SurfacesApi, useSeededSurfaces } from './surfacesData';

/**
 * Lengths (s) of the windows of the TraceQL-metrics requests logged since the last clear (searches
 * also run in the background for the open files' exact percentiles; the refresh itself is metrics).
 */
function windowsSent(server: TempoTestServer): number[] {
  const out = new Set<number>();
  for (const r of server.requests) {
    if (!r.path.startsWith('/api/metrics/query_range')) continue;
    const start = Number(r.query['start']);
    const end = Number(r.query['end']);
    if (!Number.isFinite(start) || !Number.isFinite(end)) continue;
    const secs = (v: number) => (v > 1e12 ? v / 1e9 : v);
    out.add(Math.round(secs(end) - secs(start)));
  }
  return [...out];
}

/** Seconds from the earliest start to the latest end of those requests: current + previous window. */
function extentSent(server: TempoTestServer): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of server.requests) {
    if (!r.path.startsWith('/api/metrics/query_range')) continue;
    const secs = (v: number) => (v > 1e12 ? v / 1e9 : v);
    lo = Math.min(lo, secs(Number(r.query['start'])));
    hi = Math.max(hi, secs(Number(r.query['end'])));
  }
  return Math.round(hi - lo);
}

suite('surfaces: time range', () => {
  let server: TempoTestServer;
  let api: SurfacesApi;

  useSeededSurfaces((a, srv) => { api = a; server = srv; });

  test('1h by default, 6h after Set Time Range, and the figures say so', async () => {
    server.clearRequests();
    await api.refresh();
    const before = windowsSent(server);
    assert.ok(before.length > 0, 'a refresh queries Tempo');
    assert.ok(before.every((s) => s <= 3600 + 120), `1h windows only: ${before}`);
    assert.ok(extentSent(server) <= 2 * 3600 + 600, `this hour and the previous one: ${extentSent(server)} s`);
    assert.equal(api.state().windowLabel, '1h');

    server.clearRequests();
    const generation = api.state().generation;
    await vscode.commands.executeCommand('tempoLens.setTimeRange', '6h');
    assert.equal(vscode.workspace.getConfiguration('tempoLens').get('timeRange'), '6h');
    await waitFor('a refresh for 6h', () => api.state().generation > generation, () => api.state());
    const after = windowsSent(server);
    const extent = extentSent(server);
    assert.ok(extent >= 12 * 3600 - 600 && extent <= 12 * 3600 + 1800, `these 6 hours and the previous 6: ${extent} s`);
    assert.ok(after.every((s) => s <= 3 * 3600), `chunks within the server's 3 h metrics cap: ${after}`);
    assert.equal(api.state().windowLabel, '6h');
  });

  test('refresh requests close together make one refresh (debounced), with a fixed number of queries', async () => {
    server.clearRequests();
    await api.refresh();
    const metrics = () => server.requests.filter((r) => r.path.startsWith('/api/metrics/')).length;
    const single = metrics();
    assert.ok(single > 0);
    server.clearRequests();
    const generation = api.state().generation;
    await Promise.all([api.refresh(), api.refresh(), vscode.commands.executeCommand('tempoLens.refresh'), api.refresh()]);
    assert.equal(api.state().generation, generation + 1, 'one refresh');
    assert.equal(metrics(), single, 'the same metrics requests as one refresh');
  });

  test('setting the range back to 1h queries 1h again', async () => {
    server.clearRequests();
    const generation = api.state().generation;
    await vscode.commands.executeCommand('tempoLens.setTimeRange', '1h');
    await waitFor('a refresh for 1h', () => api.state().generation > generation, () => api.state());
    const sent = windowsSent(server);
    assert.ok(sent.length > 0 && sent.every((s) => s <= 3600 + 120), `1h windows only: ${sent}`);
  });
});
