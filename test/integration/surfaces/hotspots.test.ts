// The hot spots tree: services, worst functions first, unmatched functions apart with their reason.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { type SurfacesApi, useSeededSurfaces } from './surfacesData';

suite('surfaces: hot spots view', () => {
  let api: SurfacesApi;

  useSeededSurfaces((a) => { api = a; });

  test('functions are grouped by service, worst first', () => {
    const roots = api.hotspots();
    const labels = roots.map((r) => r.label);
    assert.deepEqual(labels, ['token-service', 'gateway-service', 'Not found in this workspace'], JSON.stringify(roots, null, 1));
    const token = roots[0];
    assert.ok(token);
    const fns = token.children.map((c) => c.label);
    assert.equal(fns.length, 3);
    // revoke fails 25% of the time (error severity), getToken is over the latency threshold (warning).
    assert.match(fns[0] ?? '', /\.revoke$/);
    assert.match(fns[1] ?? '', /\.getToken$/);
    assert.match(fns[2] ?? '', /\.getJwks$/);
    assert.match(token.children[1]?.description ?? '', /^p95 ≈?[\d.]+ s · 3\.3% errors · .* · 1h$/);
    assert.match(roots[1]?.children[0]?.label ?? '', /forward$/);
  });

  test('unmatched functions are listed with the reason', () => {
    const unmatched = api.hotspots().find((r) => r.label === 'Not found in this workspace');
    assert.ok(unmatched);
    assert.equal(unmatched.description, '1');
    const charge = unmatched.children[0];
    assert.equal(charge?.label, 'com.acme.legacy.OldBilling.charge');
    assert.ok((charge?.description ?? '').length > 'p95 1 s · 1/s · '.length, 'the description carries the reason');
  });

  test('tempoLens.showHotspots focuses the view', async () => {
    await vscode.commands.executeCommand('tempoLens.showHotspots');
    // No error is the assertion: the command resolves only when the view exists.
  });
});
