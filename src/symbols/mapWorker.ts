// The mapping worker (node:worker_threads entry, bundled as dist/mapWorker.js): symbol extraction and code-reference resolution off the extension host's thread.
import { parentPort } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './mapProtocol';
import type { ExplainResult } from './resolver';
import { WorkspaceMatcher } from './workspaceMatcher';

/** Results per `located` message: small enough that deserialising one on the host stays well under a frame. */
const CHUNK = 200;

const port = parentPort;
let matcher: WorkspaceMatcher | null = null;
const running = new Map<number, AbortController>();

function send(msg: FromWorker): void {
  port?.postMessage(msg);
}

function fail(id: number, e: unknown): void {
  const aborted = e instanceof Error && e.name === 'AbortError';
  send({ type: 'error', id, message: e instanceof Error ? e.message : String(e), aborted });
}

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.type) {
    case 'openFiles':
      matcher = await WorkspaceMatcher.fromFiles(msg.root, msg.files, { goMods: msg.goMods, tsconfigs: msg.tsconfigs, pathMappings: msg.pathMappings, ...(msg.wasmDir !== undefined ? { wasmDir: msg.wasmDir } : {}) });
      send({ type: 'opened', id: msg.id, fileCount: matcher.fileCount });
      return;
    case 'openDirectory':
      matcher = await WorkspaceMatcher.fromDirectory(msg.dir, { pathMappings: msg.pathMappings, ...(msg.wasmDir !== undefined ? { wasmDir: msg.wasmDir } : {}), ...(msg.maxFiles !== undefined ? { maxFiles: msg.maxFiles } : {}) });
      send({ type: 'opened', id: msg.id, fileCount: matcher.fileCount });
      return;
    case 'files': {
      const r = matcher?.resolver;
      if (!r) return;
      for (const f of msg.added) r.addFile(f);
      for (const f of msg.removed) r.removeFile(f);
      for (const f of msg.changed) r.touchFile(f);
      return;
    }
    case 'pathMappings':
      matcher?.resolver.setPathMappings(msg.mappings);
      return;
    case 'overlay':
      matcher?.access.setOverlay(msg.rel, msg.text, msg.version);
      matcher?.resolver.touchFile(msg.rel);
      return;
    case 'external':
      matcher?.resolver.setExternalSymbols(msg.rel, msg.symbols);
      if (msg.symbols && matcher && !matcher.resolver.has(msg.rel)) matcher.resolver.addFile(msg.rel);
      return;
    case 'cancel':
      running.get(msg.id)?.abort();
      return;
    case 'goImportPath':
      send({ type: 'goImportPath', id: msg.id, path: matcher?.resolver.goImportPathOf(msg.rel) ?? null });
      return;
    case 'symbols': {
      if (!matcher) throw new Error('mapping worker: no workspace opened');
      const file = await matcher.resolver.extractor.extract(msg.rel, msg.text, msg.version);
      send({ type: 'symbols', id: msg.id, file, goImportPath: file?.language === 'go' ? matcher.resolver.goImportPathOf(msg.rel) : null });
      return;
    }
    case 'locate': {
      if (!matcher) throw new Error('mapping worker: no workspace opened');
      const ctl = new AbortController();
      running.set(msg.id, ctl);
      try {
        let from = 0;
        const pending: ExplainResult[] = [];
        await matcher.locateAll(msg.items, ctl.signal, (i, r) => {
          if (pending.length === 0) from = i;
          pending.push(msg.full ? r : { location: r.location, reason: r.reason, candidates: [], interpretations: [] });
          if (pending.length >= CHUNK) send({ type: 'located', id: msg.id, from, results: pending.splice(0) });
        });
        if (pending.length > 0) send({ type: 'located', id: msg.id, from, results: pending.splice(0) });
        send({ type: 'done', id: msg.id });
      } finally {
        running.delete(msg.id);
      }
      return;
    }
  }
}

port?.on('message', (msg: ToWorker) => {
  const id = 'id' in msg ? msg.id : -1;
  handle(msg).catch((e: unknown) => fail(id, e));
});
