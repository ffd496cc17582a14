// Tokens in SecretStorage, one per connection (normalised URL + user), never in settings or logs.
import * as vscode from 'vscode';
import { secretKeyFor } from './connectionRules';
import { Disposable } from './lifecycle';
import type { Log } from './log';

/**
 * Why one key per URL + user: the URL decides where the token is sent. Were the token stored
 * under a single key, changing `tempoLens.url` (by hand, by a profile, or by a settings file in a
 * trusted repo) would silently send the token of one Tempo to another host. Keyed by connection,
 * a new URL simply has no token until the user enters one for it.
 */
export class TokenStore extends Disposable {
  private readonly _onDidChange = this._register(new vscode.EventEmitter<void>());
  /** Fires when any Tempo Lens token changes (also from another window). */
  readonly onDidChange: vscode.Event<void> = this._onDidChange.event;

  constructor(private readonly storage: vscode.SecretStorage, private readonly log: Log) {
    super();
    this._register(storage.onDidChange((e) => {
      if (e.key.startsWith('tempoLens.token:')) this._onDidChange.fire();
    }));
  }

  async get(url: string, user: string): Promise<string | undefined> {
    const token = await this.storage.get(secretKeyFor(url, user));
    // Whatever token is in use is redacted verbatim from the log from now on.
    this.log.addSecret(token);
    return token || undefined;
  }

  async set(url: string, user: string, token: string): Promise<void> {
    this.log.addSecret(token);
    await this.storage.store(secretKeyFor(url, user), token);
  }

  async delete(url: string, user: string): Promise<void> {
    await this.storage.delete(secretKeyFor(url, user));
  }
}
