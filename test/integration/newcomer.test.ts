/// <reference types="mocha" />
// What a newcomer meets first, in a real VS Code: a file next to an environment file, a typo, a
// second click on Send, the Output channel, a recording clicked in the Explorer.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { SendOutcome } from '../../src/extension/runService';
import { diagnosticsFor, openFile, serverPerTest, until, wirelane, workspaceDir, type TestServer } from './helpers';

const send = (doc: vscode.TextDocument, line: number) => vscode.commands.executeCommand('wirelane.sendRequest', doc.uri.toString(), line) as Thenable<SendOutcome>;

/** The workspace's settings file never learns the environment: picking one is not a settings edit. */
function settingsNameEnvironment(): boolean {
  const file = join(workspaceDir(), '.vscode', 'settings.json');
  return existsSync(file) && readFileSync(file, 'utf8').includes('wirelane.environment');
}

function responseTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputText && t.input.uri.scheme === 'wirelane-response');
}

suite('a newcomer in the editor', () => {
  let server!: TestServer;
  serverPerTest((s) => (server = s));

  test('a lone environment is used without asking: no errors, the first Send works, settings.json untouched', async () => {
    const api = await wirelane();
    await openFile('first/http-client.env.json', JSON.stringify({ dev: { base: server.url } }));
    const editor = await openFile('first/api.http', 'GET {{base}}/json\n\n###\nGTE {{base}}/typo\n');
    // The unknown-method warning shows the server has checked the file; it must be all there is.
    const diags = await diagnosticsFor(editor.document.uri, (d) => d.some((x) => x.code === 'WL_METHOD_UNKNOWN'));
    assert.deepEqual(
      diags.filter((d) => d.severity === vscode.DiagnosticSeverity.Error).map((d) => d.message),
      [],
    );
    assert.equal(diags.find((d) => d.code === 'WL_METHOD_UNKNOWN')!.severity, vscode.DiagnosticSeverity.Warning);
    const out = await send(editor.document, 0);
    assert.equal(out.exchange?.response?.status, 200, JSON.stringify(out.error));
    assert.equal(server.seen[0]?.url, '/json');
    assert.match(api.statusBar.text, /dev \(the only one\)/);
    assert.equal(settingsNameEnvironment(), false);
  });

  test('several environments and none selected: Send says why in words, offers Select Environment, sends nothing', async () => {
    const api = await wirelane();
    await openFile('many/http-client.env.json', JSON.stringify({ dev: { base: server.url }, prod: { base: server.url } }));
    const editor = await openFile('many/api.http', 'GET {{base}}/json?who=me\n');
    const before = api.notifications.length;
    const out = await send(editor.document, 0);
    assert.equal(out.error?.code, 'WL_VAR_UNRESOLVED');
    assert.equal(server.seen.length, 0);
    const shown = api.notifications.slice(before).find((n) => n.level === 'warning');
    assert.ok(shown, JSON.stringify(api.notifications.slice(before)));
    assert.match(shown.message, /^Wirelane: not sent — variable base is not defined .*no environment is selected \(many\/api\.http:1\)\. Select an environment/);
    // The editor offers the same fix on the diagnostic.
    const [diag] = await diagnosticsFor(editor.document.uri, (d) => d.some((x) => x.code === 'WL_VAR_UNRESOLVED'));
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', editor.document.uri, diag.range);
    const pick = actions.find((a) => a.command?.command === 'wirelane.selectEnvironment');
    assert.ok(pick, actions.map((a) => a.title).join(', '));
    assert.equal(pick.title, 'Select an environment (base is defined in dev, prod)');
    await vscode.commands.executeCommand('wirelane.selectEnvironment', 'prod');
    try {
      assert.equal((await send(editor.document, 0)).exchange?.response?.status, 200);
      assert.equal(server.seen[0].url, '/json?who=me');
      assert.equal(settingsNameEnvironment(), false, 'the pick is not written to .vscode/settings.json');
    } finally {
      await vscode.commands.executeCommand('wirelane.selectEnvironment', null);
    }
  });

  test('"Did you mean host?" fixes a typo in place', async () => {
    const editor = await openFile('typo.http', `@host = ${server.url}\n\nGET {{hots}}/json\n`);
    const [diag] = await diagnosticsFor(editor.document.uri, (d) => d.some((x) => x.code === 'WL_VAR_UNRESOLVED'));
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', editor.document.uri, diag.range);
    const fix = actions.find((a) => a.title === 'Did you mean host?');
    assert.ok(fix?.edit, actions.map((a) => a.title).join(', '));
    assert.equal(fix.isPreferred, true);
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    assert.equal(editor.document.lineAt(2).text, 'GET {{host}}/json');
    await diagnosticsFor(editor.document.uri, (d) => !d.some((x) => x.code === 'WL_VAR_UNRESOLVED'));
  });

  test('completing a variable between auto-closed braces leaves exactly one }}', async () => {
    const editor = await openFile('braces.http', '@host = h\n\nGET http://{{ho}}/a\n');
    const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', editor.document.uri, new vscode.Position(2, 15));
    const item = list.items.find((i) => i.label === 'host' || (typeof i.label === 'object' && i.label.label === 'host'));
    assert.ok(item, list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label)).join(', '));
    const range = item.range instanceof vscode.Range ? item.range : item.range!.replacing;
    const text = typeof item.insertText === 'string' ? item.insertText : item.insertText!.value;
    await editor.edit((e) => e.replace(range, text));
    assert.equal(editor.document.lineAt(2).text, 'GET http://{{host}}/a');
  });

  test('sending a request again refreshes its tab: one tab per request, no new editor group', async () => {
    const editor = await openFile('tabs.http', `### one\nGET ${server.url}/json\n\n### two\nGET ${server.url}/text\n`);
    const first = await send(editor.document, 1);
    const groups = vscode.window.tabGroups.all.length;
    assert.equal(responseTabs().length, 1);
    const again = await send(editor.document, 1);
    assert.equal(again.document?.uri.toString(), first.document?.uri.toString(), 'the same response document');
    assert.equal(responseTabs().length, 1, 'no second tab for the same request');
    await send(editor.document, 4);
    assert.equal(responseTabs().length, 2, 'another request has a tab of its own');
    // The person clicks into the response group, then sends from the file again.
    const responseGroup = vscode.window.tabGroups.all.find((g) => g.tabs.some((t) => responseTabs().includes(t)))!;
    await vscode.window.showTextDocument(first.document!, { viewColumn: responseGroup.viewColumn, preserveFocus: false });
    await send(editor.document, 4);
    assert.equal(vscode.window.tabGroups.all.length, groups, 'no extra editor group');
    assert.equal(responseTabs().length, 2);
    assert.equal(server.seen.length, 4);
  });

  test('the Output channel logs every exchange at info; a cancel is information, not an error', async () => {
    const api = await wirelane();
    const editor = await openFile('logged.http', `### fast\nGET ${server.url}/json\n\n### slow\nGET ${server.url}/slow\n`);
    const from = api.logged.length;
    await send(editor.document, 1);
    const line = api.logged.slice(from).find((l) => l.message.startsWith(`GET ${server.url}/json → 200`));
    assert.ok(line, JSON.stringify(api.logged.slice(from)));
    assert.equal(line.level, 'info');
    assert.match(line.message, / on c\d+ \((reused|new: .+)\)$/);
    const pending = send(editor.document, 4);
    await until('the server to receive /slow', () => server.seen.some((s) => s.url === '/slow'));
    await vscode.commands.executeCommand('wirelane.cancel');
    assert.equal((await pending).exchange?.error?.code ?? (await pending).error?.code, 'WL_CANCELLED');
    const after = api.logged.slice(from);
    assert.ok(
      after.some((l) => l.level === 'info' && /WL_CANCELLED/.test(l.message)),
      JSON.stringify(after),
    );
    assert.deepEqual(
      after.filter((l) => l.level === 'error'),
      [],
    );
  });

  test('a .har in the recordings folder opens in the timeline on a plain open', async () => {
    const api = await wirelane();
    const dir = join(workspaceDir(), '.wirelane', 'sessions');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'by-hand.har');
    const entry = (path: string) => ({
      startedDateTime: new Date().toISOString(),
      time: 5,
      request: { method: 'GET', url: `${server.url}${path}`, httpVersion: 'HTTP/1.1', headers: [], cookies: [], queryString: [], headersSize: -1, bodySize: 0 },
      response: { status: 200, statusText: 'OK', httpVersion: 'HTTP/1.1', headers: [], cookies: [], content: { size: 0, mimeType: 'text/plain' }, redirectURL: '', headersSize: -1, bodySize: 0 },
      cache: {},
      timings: { send: 1, wait: 3, receive: 1 },
      connection: 'c1',
    });
    writeFileSync(file, JSON.stringify({ log: { version: '1.2', creator: { name: 'test', version: '1' }, entries: [entry('/a'), entry('/b')] } }));
    const uri = vscode.Uri.file(file);
    await vscode.commands.executeCommand('vscode.open', uri);
    const tab = await until('a custom editor tab for the recording', () =>
      vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputCustom && t.input.uri.toString() === uri.toString()),
    );
    assert.equal((tab.input as vscode.TabInputCustom).viewType, 'wirelane.harRecording');
    await until('the timeline to load it', () => api.harEditor.opened.get(uri.toString())?.ready, 20_000);
  });
});
