// Commands Configure Connection, Test Connection and Show Log.
import * as vscode from 'vscode';
import type { AuthKind } from '../host/config';
import type { ConnectionResult } from '../host/connection';
import { looksLikeGrafanaWithoutProxy } from '../host/connectionRules';
import type { Services } from '../host/services';

const CONFIGURE = 'Configure Connection';
const SHOW_LOG = 'Show Log';

/**
 * Arguments for a non-interactive Configure Connection (scripts, tests): nothing is prompted,
 * missing fields keep their current value (a missing token keeps the stored one for that
 * URL + user) and `token: null` deletes the stored token.
 */
export interface ConnectionPreset {
  readonly url?: string;
  readonly auth?: AuthKind;
  readonly user?: string;
  readonly token?: string | null;
  readonly tenant?: string;
  /** Run Test Connection at the end (default true). */
  readonly test?: boolean;
}

export function registerConnection(context: vscode.ExtensionContext, services: Services): void {
  const { connection, log } = services;
  context.subscriptions.push(
    vscode.commands.registerCommand('tempoLens.testConnection', () => testConnection(services)),
    vscode.commands.registerCommand('tempoLens.configureConnection', (preset?: ConnectionPreset) => configureConnection(services, preset)),
    vscode.commands.registerCommand('tempoLens.showLog', () => log.show(false)),
  );
  // A first, quiet check so the status bar says where we stand.
  connection.scheduleTest(0);
}

async function testConnection(services: Services): Promise<ConnectionResult> {
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: 'Tempo Lens: testing connection' },
    () => services.connection.test(),
  );
  report(services, result);
  return result;
}

/** Shows a result without waiting for the user (the command returns the result at once). */
function report(services: Services, result: ConnectionResult): void {
  const act = (choice: string | undefined) => {
    if (choice === CONFIGURE) void vscode.commands.executeCommand('tempoLens.configureConnection');
    else if (choice === SHOW_LOG) services.log.show(false);
  };
  if (result.ok) void vscode.window.showInformationMessage(result.message);
  else if (result.kind === 'notConfigured') void vscode.window.showWarningMessage(result.message, CONFIGURE).then(act);
  else if (result.kind !== 'aborted') void vscode.window.showErrorMessage(result.message, CONFIGURE, SHOW_LOG).then(act);
}

function validateUrl(value: string): vscode.InputBoxValidationMessage | string | undefined {
  const v = value.trim();
  if (!v) return 'Enter the Tempo base URL.';
  let u: URL;
  try { u = new URL(v); } catch { return 'Not a URL.'; }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'Use an http:// or https:// URL.';
  if (u.username || u.password) return 'Leave credentials out of the URL; the next steps ask for them.';
  if (looksLikeGrafanaWithoutProxy(v)) {
    return { message: 'This looks like Grafana itself: for its data-source proxy append /api/datasources/proxy/uid/<uid> of the Tempo data source.', severity: vscode.InputBoxValidationSeverity.Warning };
  }
  return undefined;
}

/** The guided flow: URL → auth kind → user (basic) → token → test. Undefined when cancelled. */
async function configureConnection(services: Services, args?: ConnectionPreset): Promise<ConnectionResult | undefined> {
  const { config, tokens } = services;
  const current = config.current;
  const title = 'Tempo Lens: Configure Connection';
  // Called with arguments: non-interactive, the current settings fill the gaps.
  const preset: ConnectionPreset = args && typeof args === 'object'
    ? { url: current.url, auth: current.auth, user: current.user, ...args }
    : {};
  const interactive = !args || typeof args !== 'object';

  const url = preset.url ?? await vscode.window.showInputBox({
    title: `${title} (1/4): URL`,
    value: current.url,
    prompt: 'Tempo base URL — self-hosted: http://tempo:3200 · Grafana Cloud: https://tempo-<region>.grafana.net/tempo · Grafana proxy: https://grafana.example.com/api/datasources/proxy/uid/<uid>',
    ignoreFocusOut: true,
    validateInput: validateUrl,
  });
  if (url === undefined) return undefined;
  const urlError = validateUrl(url);
  if (typeof urlError === 'string') throw new Error(`Invalid URL: ${urlError}`);

  let auth = preset.auth;
  if (auth === undefined) {
    const items: (vscode.QuickPickItem & { auth: AuthKind })[] = [
      { auth: 'none', label: 'No authentication', description: 'self-hosted Tempo on a trusted network' },
      { auth: 'basic', label: 'Basic: user id + token', description: 'Grafana Cloud (numeric user id, access-policy token with traces:read)' },
      { auth: 'bearer', label: 'Bearer token', description: 'Grafana data-source proxy (service-account token) or a gateway token' },
    ];
    const picked = await vscode.window.showQuickPick(items.map((i) => ({ ...i, picked: i.auth === current.auth })), {
      title: `${title} (2/4): authentication`, ignoreFocusOut: true,
    });
    if (!picked) return undefined;
    auth = picked.auth;
  }

  let user = preset.user ?? (auth === 'basic' ? undefined : current.user);
  if (user === undefined) {
    user = await vscode.window.showInputBox({
      title: `${title} (3/4): user`, value: current.user, ignoreFocusOut: true,
      prompt: 'User for basic auth (Grafana Cloud: the numeric user id shown on the Tempo data source details)',
      validateInput: (v) => (v.trim() ? undefined : 'Basic auth needs a user.'),
    });
    if (user === undefined) return undefined;
  }
  user = user.trim();

  let token = preset.token;
  if (token === undefined && auth !== 'none' && interactive) {
    const existing = await tokens.get(url.trim(), user);
    const entered = await vscode.window.showInputBox({
      title: `${title} (4/4): token`, password: true, ignoreFocusOut: true,
      prompt: auth === 'basic' ? 'Grafana Cloud access-policy token (scope traces:read). Stored in VS Code SecretStorage.' : 'Bearer token (Grafana: a service-account token). Stored in VS Code SecretStorage.',
      placeHolder: existing ? 'Leave empty to keep the stored token' : '',
      validateInput: (v) => (v.trim() || existing ? undefined : 'Enter a token.'),
    });
    if (entered === undefined) return undefined;
    token = entered.trim() || undefined;
  }

  // Token first: the settings change triggers a background test that should already see it.
  if (token === null) await tokens.delete(url.trim(), user);
  else if (token) await tokens.set(url.trim(), user, token);
  await config.update('url', url.trim());
  await config.update('auth', auth);
  await config.update('user', user);
  if (preset.tenant !== undefined) await config.update('tenant', preset.tenant.trim());
  services.log.info(`[connection] configured ${url.trim()} (auth ${auth}${user ? `, user ${user}` : ''}) in user settings`);
  warnIfShadowed();

  if (preset.test === false) return undefined;
  return testConnection(services);
}

/** User settings are what Configure writes; a trusted workspace's own values still win. */
function warnIfShadowed(): void {
  if (!vscode.workspace.isTrusted) return;
  const c = vscode.workspace.getConfiguration('tempoLens');
  const shadowed = ['url', 'auth', 'user', 'tenant', 'headers'].filter((k) => {
    const i = c.inspect(k);
    return i?.workspaceValue !== undefined || i?.workspaceFolderValue !== undefined;
  });
  if (shadowed.length) {
    void vscode.window.showWarningMessage(`Workspace settings override your user settings for tempoLens.${shadowed.join(', tempoLens.')}.`);
  }
}
