// Composition root of the extension: builds services, registers features, owns disposables.
import type * as vscode from 'vscode';

export function activate(_context: vscode.ExtensionContext): void {
  // Features are registered here as they land.
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
