// Shared by the hostile-input tests (hostile, properties, faultMatrix): builders, a raw loopback server, guard checks.
import { readdirSync, readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { enableCacheSyncFix } from '../../src/core/fixes/cacheSync';
import type { FixInput, FixResult } from '../../src/core/fixes/fixModel';
import { addTimeoutFix } from '../../src/core/fixes/timeout';
import type { Span } from '../../src/shared/model';
import { parseTraceQL, type Cond } from '../tempo-server/traceql';

export const ROOT = path.resolve(__dirname, '../../..');

/** A span carrying `attrs`, for the filter tests. */
export function spanWith(attrs: Span['attributes']): Span {
  return {
    traceId: '0'.repeat(31) + '1', spanId: '0'.repeat(15) + '1', parentSpanId: null, name: 'op', kind: 'internal',
    startMs: 0, endMs: 1, status: 'unset', statusMessage: null, attributes: attrs, resource: {}, service: 's', scope: null, events: [], links: [],
  };
}

/** A loopback server answering every request with `handler`; closed by the returned function. */
export async function rawServer(handler: http.RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

/** The golden fix cases that produce an edit, as inputs whose method spans the whole file. */
export function fixCases(): { name: string; fix: (i: FixInput) => FixResult; input: FixInput }[] {
  const dir = path.join(ROOT, 'test/fixtures/fixes');
  const LANG: Record<string, string> = { py: 'python', go: 'go', ts: 'typescript', js: 'javascript', java: 'java', kt: 'kotlin', cs: 'csharp' };
  const out: { name: string; fix: (i: FixInput) => FixResult; input: FixInput }[] = [];
  for (const name of readdirSync(dir).sort()) {
    let meta: { fix: string; method: string; ext: string; expect: string; evidence?: FixInput['evidence'] };
    try {
      meta = JSON.parse(readFileSync(path.join(dir, name, 'case.json'), 'utf8')) as typeof meta;
    } catch {
      continue;
    }
    const text = readFileSync(path.join(dir, name, `before.${meta.ext}`), 'utf8');
    const input: FixInput = { text, languageId: LANG[meta.ext] ?? meta.ext, method: { name: meta.method, startLine: 0, endLine: text.split('\n').length - 1 }, ...(meta.evidence ? { evidence: meta.evidence } : {}) };
    const fix = meta.fix === 'timeout' ? addTimeoutFix : enableCacheSyncFix;
    if (fix(input).kind === 'edit') out.push({ name, fix, input });
  }
  return out;
}

/** The top-level conjuncts of a parsed span-set condition. */
export function conjuncts(c: Cond | null): Cond[] {
  if (c === null) return [];
  return c.type === 'and' ? [...conjuncts(c.left), ...conjuncts(c.right)] : [c];
}

/** True when `query`'s span set ANDs `guard` at its top level, as a TraceQL parser reads it. */
export function guardHolds(query: string, guard: string): boolean {
  const q = parseTraceQL(query).spanset;
  const g = parseTraceQL(`{ ${guard} }`).spanset;
  if (q.type !== 'filter' || g.type !== 'filter') return false;
  const want = JSON.stringify(g.cond);
  return conjuncts(q.cond).some((c) => JSON.stringify(c) === want);
}

