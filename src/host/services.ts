// The services the composition root builds once and passes to every `register…(context, services)`.
import type * as vscode from 'vscode';
import { Config } from './config';
import { Connection } from './connection';
import { Log } from './log';
import { TokenStore } from './secrets';

export interface Services {
  readonly log: Log;
  readonly config: Config;
  readonly tokens: TokenStore;
  readonly connection: Connection;
}

/** Builds the services and ties their lifetime to the extension context. */
export function createServices(context: vscode.ExtensionContext): Services {
  const log = new Log();
  const config = new Config();
  const tokens = new TokenStore(context.secrets, log);
  const connection = new Connection(config, tokens, log);
  // VS Code disposes subscriptions in array order: the connection before what it uses.
  context.subscriptions.push(connection, tokens, config, log);
  return { log, config, tokens, connection };
}
