// The one "Tempo Lens" LogOutputChannel; every line passes through redaction first.
import * as vscode from 'vscode';
import { redact } from './connectionRules';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/** What features and the client get: tagged, redacting log functions. */
export interface Logger {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string | Error): void;
  /** A logger whose lines start with `[tag]`. */
  child(tag: string): Logger;
}

export class Log implements Logger, vscode.Disposable {
  private readonly channel: vscode.LogOutputChannel;
  /** Secrets known to the host (the stored tokens): redacted verbatim wherever they appear. */
  private readonly secrets = new Set<string>();

  constructor(channel?: vscode.LogOutputChannel) {
    this.channel = channel ?? vscode.window.createOutputChannel('Tempo Lens', { log: true });
  }

  /** Registers a secret so that it never reaches the channel, even inside an error message. */
  addSecret(secret: string | undefined): void {
    if (secret) this.secrets.add(secret);
  }

  removeSecret(secret: string | undefined): void {
    if (secret) this.secrets.delete(secret);
  }

  /** The redaction applied to every line, for messages shown to the user as well. */
  redact(text: string): string {
    return redact(text, this.secrets);
  }

  show(preserveFocus = true): void {
    this.channel.show(preserveFocus);
  }

  trace(message: string): void { this.channel.trace(this.redact(message)); }
  debug(message: string): void { this.channel.debug(this.redact(message)); }
  info(message: string): void { this.channel.info(this.redact(message)); }
  warn(message: string): void { this.channel.warn(this.redact(message)); }
  error(message: string | Error): void {
    const text = message instanceof Error ? (message.stack ?? `${message.name}: ${message.message}`) : message;
    this.channel.error(this.redact(text));
  }

  child(tag: string): Logger {
    return tagged(this, tag);
  }

  dispose(): void {
    this.channel.dispose();
  }
}

function tagged(log: Logger, tag: string): Logger {
  const p = (m: string) => `[${tag}] ${m}`;
  return {
    trace: (m) => log.trace(p(m)),
    debug: (m) => log.debug(p(m)),
    info: (m) => log.info(p(m)),
    warn: (m) => log.warn(p(m)),
    error: (m) => log.error(p(m instanceof Error ? (m.stack ?? `${m.name}: ${m.message}`) : m)),
    child: (t) => tagged(log, `${tag}:${t}`),
  };
}
