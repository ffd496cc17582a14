// The services the composition root builds once and passes to every `register…(context, services)`.
import type * as vscode from 'vscode';
import { Config } from './config';
import { Connection } from './connection';
import { Log } from './log';
import { TokenStore } from './secrets';
import { SourceRegistry } from './sources';
import { TraceService } from './traceService';

export interface Services {
  readonly log: Log;
  readonly config: Config;
  readonly tokens: TokenStore;
  readonly connection: Connection;
  /** The configured telemetry source (the only reader of `tempoLens.source`). */
  readonly sources: SourceRegistry;
  /** Traces by id, search and tag values from the configured source (search, trace view, hover, tools). */
  readonly traces: TraceService;
}

/** Builds the services and ties their lifetime to the extension context. */
export function createServices(context: vscode.ExtensionContext): Services {
  const log = new Log();
  const config = new Config();
  const tokens = new TokenStore(context.secrets, log);
  const connection = new Connection(config, tokens, log);
  const sources = new SourceRegistry(config, connection, log.child('source'));
  // VS Code disposes subscriptions in array order: the sources and the connection before what they use.
  context.subscriptions.push(sources, connection, tokens, config, log);
  return { log, config, tokens, connection, sources, traces: new TraceService(sources) };
}
