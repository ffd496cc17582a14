// The sample service (tempoLens.source = files): caller-timeout and cache-stampede diagnostics on the right methods, and each quick fix yields its golden file (then everything is reverted).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SurfacesApi } from '../../../src/extension';
import { activate, waitFor } from '../helpers';

const SOURCE = 'Tempo Lens';
const GATEWAY_CLIENT = 'src/main/java/com/acme/gateway/GatewayClient.java';
const TOKEN_CONTROLLER = 'src/main/java/com/acme/token/TokenController.java';
const TOKEN_REPOSITORY = 'src/main/java/com/acme/token/TokenRepository.java';
const TOKEN_SERVICE = 'src/main/java/com/acme/token/TokenService.java';
const PROPERTIES = 'src/main/resources/application.properties';
// Titles pinned by the fix goldens' case.json (test/fixtures/fixes/sample-*).
const ADD_TIMEOUT = "Add timeout (4 s, below the caller's 5 s): spring.http.client.settings.read-timeout=4s in application.properties (Spring Boot 3.5; applies to the auto-configured RestClient.Builder)";
const CACHE_SYNC = 'Enable cache sync (@Cacheable(sync = true))';

function root(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the spring-token workspace is open');
  return folder.uri.fsPath;
}

const uriOf = (rel: string): vscode.Uri => vscode.Uri.file(path.join(root(), ...rel.split('/')));
/** Goldens live next to the fixture workspaces: test/fixtures/fixes/<case>/<file>. */
const golden = (fixCase: string, file: string): string => fs.readFileSync(path.resolve(root(), '../../fixes', fixCase, file), 'utf8');

/** Every file of the workspace, by relative path, as bytes. */
function snapshotFiles(dir: string, rel = '', out = new Map<string, Buffer>()): Map<string, Buffer> {
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) snapshotFiles(dir, r, out);
    else if (e.isFile()) out.set(r, fs.readFileSync(path.join(dir, r)));
  }
  return out;
}

function traceIdsIn(rel: string): Set<string> {
  return new Set([...fs.readFileSync(path.join(root(), rel), 'utf8').matchAll(/"traceId"\s*:\s*"([0-9a-fA-F]{32})"/g)].map((m) => (m[1] as string).toLowerCase()));
}

function lineOf(doc: vscode.TextDocument, text: string): number {
  for (let i = 0; i < doc.lineCount; i++) if (doc.lineAt(i).text.includes(text)) return i;
  assert.fail(`"${text}" not found in ${doc.uri.path}`);
}

const ours = (uri: vscode.Uri, code?: string): vscode.Diagnostic[] =>
  vscode.languages.getDiagnostics(uri).filter((d) => d.source === SOURCE && (code === undefined || d.code === code));
const describeDiagnostics = (uri: vscode.Uri) => (): string[] => ours(uri).map((d) => `${d.range.start.line}:${String(d.code)}: ${d.message}`);

/** The diagnostic of `code` on the method whose declaration line contains `declaration`, once it is there. */
async function diagnosticOn(doc: vscode.TextDocument, code: string, declaration: string, name: string): Promise<vscode.Diagnostic> {
  const line = lineOf(doc, declaration);
  const find = () => ours(doc.uri, code).find((d) => d.range.start.line === line);
  await waitFor(`a ${code} diagnostic on ${name} in ${path.basename(doc.uri.path)}`, () => find() !== undefined, describeDiagnostics(doc.uri), 30_000);
  const d = find();
  assert.ok(d);
  assert.equal(doc.getText(d.range), name, 'on the method name');
  return d;
}

async function quickFixes(doc: vscode.TextDocument, range: vscode.Range): Promise<vscode.CodeAction[]> {
  return (await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, range, vscode.CodeActionKind.QuickFix.value)) ?? [];
}

/** Back to the text on disk without writing it: the workspace files are never saved by this suite. */
async function revert(uri: vscode.Uri): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(uri);
  if (!doc.isDirty) return;
  await vscode.window.showTextDocument(doc);
  await vscode.commands.executeCommand('workbench.action.files.revert');
  await waitFor(`${path.basename(uri.path)} reverted`, () => !doc.isDirty);
}

/** Applies a quick fix's WorkspaceEdit and returns the workspace-relative files it edited. */
async function apply(action: vscode.CodeAction): Promise<string[]> {
  assert.ok(action.edit, `${action.title} carries a WorkspaceEdit`);
  const files = [...new Set(action.edit.entries().map(([uri]) => path.relative(root(), uri.fsPath).split(path.sep).join('/')))].sort();
  assert.ok(await vscode.workspace.applyEdit(action.edit), `${action.title} applied`);
  return files;
}

suite('spring-token: insights from the trace files and their quick fixes', () => {
  let api: SurfacesApi;
  let before: Map<string, Buffer>;
  const docs = new Map<string, vscode.TextDocument>();
  const doc = (rel: string): vscode.TextDocument => {
    const d = docs.get(rel);
    assert.ok(d, rel);
    return d;
  };

  suiteSetup(async function () {
    this.timeout(90_000);
    before = snapshotFiles(root());
    assert.equal(vscode.workspace.getConfiguration('tempoLens').get('source'), 'files', 'the workspace settings select the files source');
    api = (await activate()).surfaces;
    await api.refresh();
    assert.equal(api.state().status, 'ready', JSON.stringify(api.state().error));
    for (const rel of [GATEWAY_CLIENT, TOKEN_CONTROLLER, TOKEN_REPOSITORY, TOKEN_SERVICE]) {
      const d = await vscode.workspace.openTextDocument(uriOf(rel));
      await vscode.window.showTextDocument(d, { preview: false });
      docs.set(rel, d);
    }
    await api.insightsSettled();
  });

  suiteTeardown(async () => {
    for (const rel of [GATEWAY_CLIENT, TOKEN_SERVICE, PROPERTIES]) await revert(uriOf(rel)).catch(() => undefined);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    // Whatever happened above, the committed fixture is left as it was.
    for (const [rel, bytes] of before ?? []) {
      const file = path.join(root(), rel);
      if (!fs.existsSync(file) || !fs.readFileSync(file).equals(bytes)) fs.writeFileSync(file, bytes);
    }
  });

  test('caller-timeout on GatewayClient.fetchToken and the token-service methods that ran on, with the evidence in numbers', async () => {
    const cases = [
      [GATEWAY_CLIENT, 'public TokenResponse fetchToken(', 'fetchToken'],
      [TOKEN_CONTROLLER, 'public Token token(', 'token'],
      [TOKEN_REPOSITORY, 'public Token findToken(', 'findToken'],
      [TOKEN_REPOSITORY, 'public void touch(', 'touch'],
    ] as const;
    for (const [rel, declaration, name] of cases) {
      const d = await diagnosticOn(doc(rel), 'caller-timeout', declaration, name);
      assert.equal(d.severity, vscode.DiagnosticSeverity.Warning);
      assert.match(d.message, /kept running after its caller gave up at 5 s in 12 of \d+ traces that ran it \(overrun p50 \d+(\.\d)? s, max \d+(\.\d)? s\)/, `${name}: ${d.message}`);
      assert.doesNotMatch(d.message, /sampled/, 'every trace of the files, not a sample');
    }
    assert.match((await diagnosticOn(doc(GATEWAY_CLIENT), 'caller-timeout', 'public TokenResponse fetchToken(', 'fetchToken')).message, /^its outbound call kept running/);
    // getToken is slow too, but it only waits on the repository: the finding is not smeared onto it.
    const service = doc(TOKEN_SERVICE);
    await diagnosticOn(service, 'slow', 'public Token getToken(', 'getToken');
    assert.deepEqual(ours(service.uri, 'caller-timeout').map((d) => d.range.start.line), [], describeDiagnostics(service.uri)().join('\n'));
  });

  test('cache-stampede on TokenService.getJwks only (the method owning the cache, not the loader below it)', async () => {
    const d = await diagnosticOn(doc(TOKEN_SERVICE), 'cache-stampede', 'public List<Jwk> getJwks(', 'getJwks');
    assert.match(d.message, /^12 concurrent executions of SELECT … FROM jwks within \d+ ms \(12 at once\), ~every 24 h, in 3 bursts/, d.message);
    for (const rel of [TOKEN_REPOSITORY, TOKEN_CONTROLLER, GATEWAY_CLIENT]) assert.deepEqual(ours(uriOf(rel), 'cache-stampede'), [], rel);
    assert.equal(ours(doc(TOKEN_SERVICE).uri, 'cache-stampede').length, 1);
  });

  test('quick fixes offered: Add timeout on fetchToken, Enable cache sync on getJwks, each with Open slowest trace on an incident trace', async () => {
    const client = doc(GATEWAY_CLIENT);
    const timeout = await diagnosticOn(client, 'caller-timeout', 'public TokenResponse fetchToken(', 'fetchToken');
    const onClient = await quickFixes(client, timeout.range);
    const titles = onClient.map((a) => a.title);
    assert.ok(titles.includes(ADD_TIMEOUT), titles.join(' | '));
    assert.equal(titles.filter((t) => t === 'Open slowest trace').length, 1, titles.join(' | '));
    const openTimeout = onClient.find((a) => a.title === 'Open slowest trace');
    assert.equal(openTimeout?.command?.command, 'tempoLens.openTrace');
    assert.ok(traceIdsIn('.tempo-lens/traces/caller-timeout.json').has(String(openTimeout.command.arguments?.[0])), 'the trace that shows the caller giving up');

    const service = doc(TOKEN_SERVICE);
    const stampede = await diagnosticOn(service, 'cache-stampede', 'public List<Jwk> getJwks(', 'getJwks');
    const onService = await quickFixes(service, stampede.range);
    const serviceTitles = onService.map((a) => a.title);
    assert.ok(serviceTitles.includes(CACHE_SYNC), serviceTitles.join(' | '));
    assert.ok(!serviceTitles.some((t) => t.startsWith('Add timeout')), 'no timeout fix for a stampede');
    const openStampede = onService.find((a) => a.title === 'Open slowest trace');
    assert.equal(openStampede?.command?.command, 'tempoLens.openTrace');
    assert.ok(traceIdsIn('.tempo-lens/traces/jwks-stampede.json').has(String(openStampede.command.arguments?.[0])), 'a trace of a stampede burst');
  });

  test('applying Enable cache sync yields the golden TokenService.java, then reverts', async () => {
    const service = doc(TOKEN_SERVICE);
    const original = service.getText();
    assert.equal(original, golden('sample-token-jwks', 'before.java'), 'the golden starts from the workspace file');
    const stampede = await diagnosticOn(service, 'cache-stampede', 'public List<Jwk> getJwks(', 'getJwks');
    const fix = (await quickFixes(service, stampede.range)).find((a) => a.title === CACHE_SYNC);
    assert.ok(fix);
    try {
      assert.deepEqual(await apply(fix), [TOKEN_SERVICE]);
      assert.equal(service.getText(), golden('sample-token-jwks', 'after.java'));
    } finally {
      await revert(service.uri);
    }
    assert.equal(service.getText(), original);
  });

  test('applying Add timeout on GatewayClient.fetchToken yields the golden application.properties (and GatewayClient.java), then reverts', async () => {
    const client = doc(GATEWAY_CLIENT);
    const properties = await vscode.workspace.openTextDocument(uriOf(PROPERTIES));
    const originals = { client: client.getText(), properties: properties.getText() };
    assert.equal(originals.client, golden('sample-gateway-client', 'before.java'));
    assert.equal(originals.properties, golden('sample-gateway-client', 'before.application.properties'));
    const timeout = await diagnosticOn(client, 'caller-timeout', 'public TokenResponse fetchToken(', 'fetchToken');
    const fix = (await quickFixes(client, timeout.range)).find((a) => a.title === ADD_TIMEOUT);
    assert.ok(fix);
    try {
      // Boot 3.5 with the auto-configured builder: the key goes to the properties file, the code stays.
      assert.deepEqual(await apply(fix), [PROPERTIES]);
      assert.equal(properties.getText(), golden('sample-gateway-client', 'after.application.properties'));
      assert.equal(client.getText(), golden('sample-gateway-client', 'after.java'));
    } finally {
      await revert(properties.uri);
      await revert(client.uri);
    }
    assert.equal(properties.getText(), originals.properties);
    assert.equal(client.getText(), originals.client);
  });

  test('the workspace is restored byte for byte (nothing saved, nothing created)', () => {
    for (const rel of [GATEWAY_CLIENT, TOKEN_SERVICE, PROPERTIES]) assert.equal(vscode.workspace.textDocuments.find((d) => d.uri.fsPath === uriOf(rel).fsPath)?.isDirty ?? false, false, rel);
    const after = snapshotFiles(root());
    assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort());
    for (const [rel, bytes] of before) assert.ok(after.get(rel)?.equals(bytes), `${rel} changed on disk`);
  });
});
