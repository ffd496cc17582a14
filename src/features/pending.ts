// Placeholder registrations for CONTRACT.md commands whose features land later. Registered
// last by extension.ts and skipped for ids a feature already registered; delete the file once
// every command has its feature.
import * as vscode from 'vscode';

export const PENDING_COMMANDS: readonly string[] = [
];

export function registerPending(context: vscode.ExtensionContext): void {
  for (const id of PENDING_COMMANDS) {
    try {
      context.subscriptions.push(vscode.commands.registerCommand(id, () => {
        void vscode.window.showInformationMessage(`Tempo Lens: "${id.replace('tempoLens.', '')}" arrives in a later version.`);
        return undefined;
      }));
    } catch {
      // registerCommand throws when the id exists: a feature that landed owns it now.
    }
  }
}
