// The source registry: the only code that reads `tempoLens.source`. It builds the configured TelemetrySource (one per settings key, kept while they hold) and says when it changed.
import * as vscode from 'vscode';
import type { TelemetrySource } from '../core/source';
import { FilesSource } from '../files/source';
import type * as ReceiverModule from '../receiver/source';
import { lazyRequire } from '../core/lazy';
import { TempoSource } from '../tempo/source';
import type { TempoQueries } from '../tempo/client';
import type { Config, SourceKind, TempoLensConfig } from './config';
import type { Connection } from './connection';
import { Disposable } from './lifecycle';
import type { Logger } from './log';

/** What a factory may read to build its source. */
export interface SourceContext {
  readonly config: TempoLensConfig;
  readonly connection: Connection;
  readonly log: Logger;
  /** The first workspace folder on disk, if any. */
  readonly root: string | undefined;
}

/**
 * How to build one kind of source. `key` identifies the source the settings describe: the same key
 * keeps the built source (what it learned, its server, its memory); a new key replaces it.
 */
export interface SourceFactory {
  /** It reads Tempo through the connection (which then tests it in the background). */
  readonly usesConnection: boolean;
  /** Settings (relative to `tempoLens.`) that change what this factory builds. */
  readonly keys: readonly string[];
  key(ctx: SourceContext): Promise<string | null>;
  create(ctx: SourceContext): Promise<TelemetrySource>;
  /** What the source reads, for reports (`Tempo (https://…)`, `trace files .tempo-lens/…`). */
  label(ctx: SourceContext, source: TelemetrySource): string;
  /** The CLI arguments that read the same telemetry (`tempo-lens mcp …`); null when the CLI cannot (an in-editor receiver). */
  cliArgs(ctx: SourceContext): string[] | null;
}

/** Tempo sources per client: the connection hands out one client per connection settings and token. */
const tempoClients = new WeakMap<TempoQueries, string>();
let clientSeq = 0;

function tempoFactory(): SourceFactory {
  let pending: TempoQueries | undefined;
  return {
    usesConnection: true,
    keys: ['url', 'auth', 'user', 'tenant', 'headers'],
    async key(ctx) {
      const client = await ctx.connection.client();
      if (!client) return null;
      let id = tempoClients.get(client);
      if (id === undefined) tempoClients.set(client, (id = `tempo#${++clientSeq}`));
      pending = client;
      return id;
    },
    async create(ctx) {
      const client = pending ?? (await ctx.connection.client());
      if (!client) throw new Error('Tempo Lens is not connected to Tempo (run "Tempo Lens: Configure Connection")');
      const log = ctx.log;
      return new TempoSource(client, {
        // Tempo refused a query Tempo Lens built: a bug of ours, logged with the query so it can be reported.
        onQueryRefused: (query, answer) => log.error(`Tempo refused a query built by Tempo Lens (a Tempo Lens bug; please report it with this line): ${answer.trim()} — query: ${query}`),
        onSkipped: (id, note) => log.warn(`trace ${id}: ${note}`),
      });
    },
    label: (ctx) => `Tempo (${ctx.config.url})`,
    cliArgs: (ctx) => ['--source', 'tempo', '--url', ctx.config.url, ...(ctx.config.tenant !== '' ? ['--tenant', ctx.config.tenant] : [])],
  };
}

const filesFactory: SourceFactory = {
  usesConnection: false,
  keys: ['files'],
  key: async (ctx) => (ctx.root === undefined ? null : `files\u0000${ctx.root}\u0000${ctx.config.files}`),
  create: async (ctx) => new FilesSource({ root: ctx.root as string, glob: ctx.config.files }),
  label: (ctx) => `trace files ${ctx.config.files}`,
  cliArgs: (ctx) => ['--source', 'files', '--files', ctx.config.files],
};

/** The receiver (its server, decoder and store) loads only when it is the configured source (dist/lazy/receiver.js). */
const receiverModule = lazyRequire(() => require('../receiver/source') as typeof ReceiverModule);

const receiverFactory: SourceFactory = {
  usesConnection: false,
  keys: ['receiver.port', 'receiver.retention'],
  key: async (ctx) => `receiver\u0000${ctx.config.receiver.port}\u0000${ctx.config.receiver.retention}`,
  create: (ctx) => {
    const log = ctx.log;
    const r = receiverModule();
    return r.ReceiverSource.start({ port: ctx.config.receiver.port, retentionMs: r.parseRetention(ctx.config.receiver.retention) ?? r.DEFAULT_RETENTION_MS, log: (m) => log.info(m) });
  },
  label: (_ctx, source) => `local receiver ${source.describe?.().copy?.replace(/^OTEL_EXPORTER_OTLP_ENDPOINT=/, '') ?? ''}`.trim(),
  // The receiver lives in this editor's memory: a separate CLI process cannot read it.
  cliArgs: () => null,
};

/**
 * One line per source kind. A fourth source (e.g. Jaeger) is its own folder under src/ implementing
 * TelemetrySource (core/source.ts), one line here, and its value in the `tempoLens.source` enum.
 */
const FACTORIES: Record<SourceKind, () => SourceFactory> = {
  tempo: tempoFactory,
  files: () => filesFactory,
  receiver: () => receiverFactory,
};

export class SourceRegistry extends Disposable {
  private readonly _onDidChange = this._register(new vscode.EventEmitter<void>());
  /** Fires when the configured source was replaced, or pushed new spans. */
  readonly onDidChange: vscode.Event<void> = this._onDidChange.event;
  private readonly factories = new Map<SourceKind, SourceFactory>();
  private built: { kind: SourceKind; key: string; source: TelemetrySource; sub: vscode.Disposable | undefined } | undefined;
  /** Serialises builds: two callers during a (slow) receiver start get the same source. */
  private building: Promise<TelemetrySource | null> | undefined;

  constructor(private readonly config: Config, private readonly connection: Connection, private readonly log: Logger) {
    super();
    connection.inUse = () => this.factory(this.kind).usesConnection;
    this._register(config.onDidChange((e) => {
      const f = this.factory(config.current.source);
      // Back on Tempo: test the connection as after any of its settings changed.
      if (e.affects('source') && f.usesConnection) connection.scheduleTest();
      if (e.affects('source') || f.keys.some((k) => e.keys.has(k as never))) this._onDidChange.fire();
    }));
    this._register({ dispose: () => this.release() });
  }

  /** The configured kind, for labels only (no feature branches on it). */
  get kind(): SourceKind {
    return this.config.current.source;
  }

  private factory(kind: SourceKind): SourceFactory {
    let f = this.factories.get(kind);
    if (f === undefined) this.factories.set(kind, (f = FACTORIES[kind]()));
    return f;
  }

  private context(): SourceContext {
    const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
    return { config: this.config.current, connection: this.connection, log: this.log, root: folder?.uri.fsPath };
  }

  /** The configured source; null when it is not configured (no connection, no folder for files). */
  current(): Promise<TelemetrySource | null> {
    const run = (this.building ?? Promise.resolve(null)).catch(() => null).then(() => this.resolve());
    this.building = run;
    return run;
  }

  /** The source built now, without building one (status texts). */
  peek(): TelemetrySource | undefined {
    return this.built?.kind === this.kind ? this.built.source : undefined;
  }

  private async resolve(): Promise<TelemetrySource | null> {
    if (this.isDisposed) return null;
    const kind = this.kind;
    const ctx = this.context();
    const f = this.factory(kind);
    const key = await f.key(ctx);
    if (key === null) {
      this.release();
      return null;
    }
    if (this.built?.kind === kind && this.built.key === key) return this.built.source;
    this.release();
    const source = await f.create(ctx);
    const sub = source.onDidChange?.(() => this._onDidChange.fire());
    this.built = { kind, key, source, sub: sub && new vscode.Disposable(() => sub.dispose()) };
    this.log.info(`telemetry source: ${source.capabilities.label}`);
    return source;
  }

  /** What a built source reads, for reports. */
  label(source: TelemetrySource): string {
    return this.factory(this.kind).label(this.context(), source);
  }

  /** CLI arguments reading the same telemetry (the MCP server definition), or null. */
  cliArgs(): string[] | null {
    return this.factory(this.kind).cliArgs(this.context());
  }

  private release(): void {
    const b = this.built;
    this.built = undefined;
    if (b === undefined) return;
    b.sub?.dispose();
    void Promise.resolve(b.source.dispose?.()).catch((e: unknown) => this.log.warn(`closing the ${b.source.capabilities.label} source: ${e instanceof Error ? e.message : String(e)}`));
  }
}
