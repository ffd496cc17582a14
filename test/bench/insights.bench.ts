// Per-trace cost of the caller-timeout and cache-stampede detectors over 1,000 traces × 50 spans, and of one quick fix on a large file.
import { performance } from 'node:perf_hooks';
import { detectCacheStampedes } from '../../src/core/insights/cacheStampede';
import { detectCallerTimeouts } from '../../src/core/insights/callerTimeout';
import { enableCacheSyncFix } from '../../src/core/fixes/cacheSync';
import { addTimeoutFix } from '../../src/core/fixes/timeout';
import type { Attributes, Span, Trace } from '../../src/shared/model';

const TRACES = 1000;
const SPANS = 50;
const BASE = 1_800_000_000_000;

function hex(n: number, len: number): string {
  return n.toString(16).padStart(len, '0');
}

const resources: Attributes[] = [0, 1, 2].map((i) => ({ 'service.name': `svc-${i}`, 'service.instance.id': `pod-${i}` }));

/**
 * A realistic mix: a gateway CLIENT → server handler → a tree of INTERNAL/DB/HTTP spans. Every 10th
 * trace is a timeout (the client gives up at 5 s, the server runs on); every 100 traces, 12 start
 * together and run the same SELECT (a stampede); the rest are healthy.
 */
export function makeTraces(): Trace[] {
  const out: Trace[] = [];
  for (let t = 0; t < TRACES; t++) {
    const traceId = hex(t + 1, 32);
    const burst = t % 100 < 12;
    const start = BASE + (burst ? Math.floor(t / 100) * 600_000 + (t % 100) * 20 : t * 1000);
    const timeout = t % 10 === 5;
    const serverEnd = timeout ? 40_000 : 300;
    const spans: Span[] = [];
    const mk = (i: number, parent: number | null, kind: Span['kind'], s: number, e: number, attributes: Attributes, svc: number, status: Span['status'] = 'unset'): void => {
      const resource = resources[svc] as Attributes;
      spans.push({
        traceId,
        spanId: hex(t * 100 + i + 1, 16),
        parentSpanId: parent === null ? null : hex(t * 100 + parent + 1, 16),
        name: `op-${i % 7}`,
        kind,
        startMs: start + s,
        endMs: start + e,
        status,
        statusMessage: status === 'error' ? 'upstream request timeout' : null,
        attributes,
        resource,
        service: resource['service.name'] as string,
        scope: null,
        events: [],
        links: [],
      });
    };
    mk(0, null, 'server', 0, timeout ? 5000 : serverEnd + 5, { 'http.response.status_code': timeout ? 504 : 200 }, 0, timeout ? 'error' : 'unset');
    mk(1, 0, 'client', 1, timeout ? 5000 : serverEnd + 4, {}, 0, timeout ? 'error' : 'unset');
    mk(2, 1, 'server', 2, serverEnd, {}, 1);
    mk(3, 2, 'internal', 3, serverEnd - 1, { 'code.namespace': 'com.acme.Handler', 'code.function': 'handle' }, 1);
    for (let i = 4; i < SPANS; i++) {
      // Handler → six INTERNAL children → the rest spread below them (depth 3).
      const parent = i < 10 ? 3 : 4 + ((i - 4) % 6);
      const s = 4 + ((i * 37) % Math.max(1, serverEnd - 40));
      const dur = burst && i === 4 ? 900 : 2 + (i % 9);
      const attrs: Attributes =
        i % 5 === 0
          ? { 'db.system': 'postgresql', 'db.query.text': burst && i === 4 ? 'SELECT * FROM jwks WHERE active = true' : `SELECT * FROM t${i % 13} WHERE id = ${t}` }
          : i % 5 === 1
            ? { 'http.request.method': 'GET', 'url.full': `http://svc-2/items/${t}` }
            : { 'code.namespace': `com.acme.C${i % 11}`, 'code.function': `m${i % 17}` };
      const dbBurst = burst && i === 4 ? { 'db.system': 'postgresql', 'db.query.text': 'SELECT * FROM jwks WHERE active = true' } : attrs;
      mk(i, parent, i % 5 === 1 || i % 5 === 0 || (burst && i === 4) ? 'client' : 'internal', s, Math.min(serverEnd - 1, s + dur), dbBurst, 1);
    }
    out.push({ traceId, spans, partial: false, message: null });
  }
  return out;
}

function time(label: string, n: number, f: () => unknown, per: number, unit: string): unknown {
  f(); // warm-up
  let result: unknown;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) result = f();
  const ms = (performance.now() - t0) / n;
  console.log(`${label}: ${ms.toFixed(1)} ms per run, ${((ms * 1000) / per).toFixed(1)} µs per ${unit}`);
  return result;
}

function cold(label: string, f: (traces: Trace[]) => unknown): void {
  // Fresh span objects: nothing memoised from an earlier run.
  const fresh = makeTraces();
  const t0 = performance.now();
  f(fresh);
  const ms = performance.now() - t0;
  console.log(`${label} (cold, first run on new traces): ${ms.toFixed(1)} ms, ${((ms * 1000) / fresh.length).toFixed(1)} µs per trace`);
}

export async function run(): Promise<void> {
  cold('detectCallerTimeouts', (t) => detectCallerTimeouts(t));
  cold('detectCacheStampedes', (t) => detectCacheStampedes(t));
  const traces = makeTraces();
  const spans = traces.reduce((n, t) => n + t.spans.length, 0);
  console.log(`${traces.length} traces, ${spans} spans`);
  const ct = time('detectCallerTimeouts', 5, () => detectCallerTimeouts(traces), traces.length, 'trace') as ReturnType<typeof detectCallerTimeouts>;
  console.log(`  → ${ct.findings.length} findings (expected timeouts in ${TRACES / 10} traces: ${ct.findings[0]?.tracesAffected ?? 0} affected on the top one)`);
  const cs = time('detectCacheStampedes', 5, () => detectCacheStampedes(traces), traces.length, 'trace') as ReturnType<typeof detectCacheStampedes>;
  console.log(`  → ${cs.findings.length} findings; top: ${cs.findings[0]?.message ?? '(none)'}`);
  time('detectCallerTimeouts', 5, () => detectCallerTimeouts(traces), spans, 'span');

  // A 5,000-line Java file: the fixes scan the method and the file's imports once.
  const lines = ['package com.acme;', '', 'import org.springframework.cache.annotation.Cacheable;', '', 'public class Big {'];
  for (let i = 0; i < 1000; i++) lines.push(`    public int m${i}(int x) {`, `        return x + ${i};`, '    }', '');
  lines.push('    @Cacheable("jwks")', '    public List<Jwk> getJwks() {', '        return repo.load();', '    }', '}');
  const text = lines.join('\n');
  const method = { name: 'getJwks', startLine: lines.length - 5, endLine: lines.length - 2 };
  time('enableCacheSyncFix (5,000-line file)', 50, () => enableCacheSyncFix({ text, languageId: 'java', method }), 1, 'fix');
  time('addTimeoutFix (5,000-line file, refused)', 50, () => addTimeoutFix({ text, languageId: 'java', method }), 1, 'fix');
}
