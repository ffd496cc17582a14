// The commands features call on each other, in one table with their argument and result types (features never import each other). Public ids are in package.json; internal ones start with `tempoLens.internal.`.
import * as vscode from 'vscode';
import type { Trace } from '../shared/model';

export interface ShowTraceOptions {
  /** Span to select when the view opens (16 hex). */
  readonly selectSpanId: string | null;
}

/** Command id → [arguments, result]. */
export interface CommandTable {
  /** The trace view shows a trace another feature already has (search, hover, tools). */
  'tempoLens.internal.showTrace': [[trace: Trace, opts: ShowTraceOptions], string];
  /** Open Trace by ID: fetches from the configured source and shows it; resolves with the id shown. */
  'tempoLens.openTrace': [[traceId?: string, opts?: { readonly selectSpanId?: string }], string | undefined];
  'tempoLens.showLog': [[], void];
  'tempoLens.configureConnection': [[], unknown];
}

export type CommandId = keyof CommandTable;

/** Runs a command of the table with checked arguments. */
export function runCommand<K extends CommandId>(id: K, ...args: CommandTable[K][0]): Thenable<CommandTable[K][1]> {
  return vscode.commands.executeCommand<CommandTable[K][1]>(id, ...args);
}

/** Registers a command of the table; the handler gets what callers of `runCommand` pass. */
export function registerTypedCommand<K extends CommandId>(id: K, handler: (...args: CommandTable[K][0]) => CommandTable[K][1] | Thenable<CommandTable[K][1]>): vscode.Disposable {
  return vscode.commands.registerCommand(id, handler as (...args: unknown[]) => unknown);
}
