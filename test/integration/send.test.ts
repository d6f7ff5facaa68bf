/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { SendOutcome } from '../../src/extension/runService';
import { closeAllEditors, lineOf, openFile, startServer, until, wirelane, type TestServer } from './helpers';

suite('send request', () => {
  let server: TestServer;
  setup(async () => {
    server = await startServer();
    const api = await wirelane();
    // Each test starts with fresh connections.
    await api.runs.resetInteractive();
  });
  teardown(async () => {
    await server.close();
    await closeAllEditors();
  });

  test('Send Request at the cursor opens the response tab with status, headers, body and connection facts', async () => {
    const editor = await openFile('send.http', `### users\nGET ${server.url}/json?x=1\nAccept: application/json\n\n### page\nGET ${server.url}/html\n`);
    editor.selection = new vscode.Selection(1, 3, 1, 3);
    const out = (await vscode.commands.executeCommand('wirelane.sendRequest')) as SendOutcome;
    assert.equal(out.error, undefined, JSON.stringify(out.error));
    assert.equal(server.seen.length, 1);
    assert.equal(server.seen[0].url, '/json?x=1');
    assert.equal(server.seen[0].headers.accept, 'application/json');
    const doc = out.document!;
    assert.equal(doc.uri.scheme, 'wirelane-response');
    assert.equal(doc.languageId, 'jsonc');
    const text = doc.getText();
    assert.match(text, /^\/\/ HTTP\/1\.1 200 OK/m);
    assert.match(text, /^\/\/ connection c1 \(new: first connection to /m);
    assert.match(text, new RegExp(`127\\.0\\.0\\.1:${server.seen[0].remotePort} → 127\\.0\\.0\\.1:${server.port}`));
    assert.match(text, /^\/\/ content-type: application\/json$/m);
    assert.match(text, /"path": "\/json"/);
    // The tab is really open, read-only (a virtual document).
    assert.ok(vscode.window.visibleTextEditors.some((e) => e.document.uri.toString() === doc.uri.toString()));
  });

  test('a second Send reuses the connection (server saw one client port); Send with New Connection opens another', async () => {
    const editor = await openFile('reuse.http', `GET ${server.url}/json\n`);
    const uri = editor.document.uri.toString();
    const a = (await vscode.commands.executeCommand('wirelane.sendRequest', uri, 0)) as SendOutcome;
    const b = (await vscode.commands.executeCommand('wirelane.sendRequest', uri, 0)) as SendOutcome;
    // One tab per request: the second send refreshed the first one's document.
    assert.equal(b.document!.uri.toString(), a.document!.uri.toString());
    const bText = b.document!.getText();
    const c = (await vscode.commands.executeCommand('wirelane.sendRequestNewConnection', uri, 0)) as SendOutcome;
    const ports = server.seen.map((s) => s.remotePort);
    assert.equal(ports.length, 3);
    assert.equal(ports[0], ports[1], 'server saw the second request on the same socket');
    assert.notEqual(ports[2], ports[1], 'server saw a new socket for "new connection"');
    assert.equal(a.exchange!.connectionId, b.exchange!.connectionId);
    assert.equal(b.exchange!.reused, true);
    assert.notEqual(c.exchange!.connectionId, b.exchange!.connectionId);
    assert.equal(c.exchange!.reused, false);
    assert.match(bText, /connection c1 \(reused\)/);
    assert.match(c.document!.getText(), /connection c2 \(new: /);
  });

  test('HTML and plain text responses open in their own language', async () => {
    const editor = await openFile('kinds.http', `GET ${server.url}/html\n\n###\nGET ${server.url}/text\n\n###\nGET ${server.url}/xml\n`);
    const uri = editor.document.uri.toString();
    const html = (await vscode.commands.executeCommand('wirelane.sendRequest', uri, 0)) as SendOutcome;
    const text = (await vscode.commands.executeCommand('wirelane.sendRequest', uri, lineOf(editor.document, '/text'))) as SendOutcome;
    const xml = (await vscode.commands.executeCommand('wirelane.sendRequest', uri, lineOf(editor.document, '/xml'))) as SendOutcome;
    assert.equal(html.document!.languageId, 'html');
    assert.match(html.document!.getText(), /^<!--\n {2}HTTP\/1\.1 200 OK/);
    assert.match(html.document!.getText(), /<h1>hello<\/h1>/);
    assert.equal(text.document!.languageId, 'plaintext');
    assert.match(text.document!.getText(), /plain words$/);
    assert.equal(xml.document!.languageId, 'xml');
  });

  test('a dead server gives a clear error notification (WL_CONNECT_REFUSED with the hint)', async () => {
    const api = await wirelane();
    const dead = await startServer();
    const deadUrl = dead.url;
    await dead.close();
    const editor = await openFile('dead.http', `GET ${deadUrl}/json\n`);
    const before = api.notifications.length;
    const out = (await vscode.commands.executeCommand('wirelane.sendRequest', editor.document.uri.toString(), 0)) as SendOutcome;
    assert.equal(out.error?.code, 'WL_CONNECT_REFUSED');
    const shown = api.notifications.slice(before).find((n) => n.level === 'error');
    assert.ok(shown, 'an error notification was shown');
    assert.match(shown.message, /WL_CONNECT_REFUSED \(connect\) dead\.http:1: .*Is the server running\?/);
  });

  test('Cancel stops a slow request; the server sees its socket closed', async () => {
    const editor = await openFile('slow.http', `GET ${server.url}/slow\n`);
    const pending = vscode.commands.executeCommand('wirelane.sendRequest', editor.document.uri.toString(), 0) as Thenable<SendOutcome>;
    await until('the server to receive /slow', () => server.seen.length === 1);
    const cancelled = await vscode.commands.executeCommand('wirelane.cancel');
    assert.equal(cancelled, 1);
    const out = await pending;
    assert.equal(out.exchange?.error?.code ?? out.error?.code, 'WL_CANCELLED');
    await until('the server to see the socket close', () => server.closedPorts.includes(server.seen[0].remotePort));
  });

  test('unresolved variables stop the send before anything reaches the network', async () => {
    const api = await wirelane();
    const editor = await openFile('unresolved.http', `GET ${server.url}/json?q={{nope}}\n`);
    const before = api.notifications.length;
    const out = (await vscode.commands.executeCommand('wirelane.sendRequest', editor.document.uri.toString(), 0)) as SendOutcome;
    assert.equal(server.seen.length, 0);
    assert.ok(out.error, 'an error');
    assert.match(
      api.notifications
        .slice(before)
        .map((n) => n.message)
        .join('\n'),
      /nope/,
    );
  });

  test('a request that refers to a named response sends that one first (chaining)', async () => {
    const editor = await openFile('chain.http', `### login\n# @name login\nPOST ${server.url}/login\n\n{"user":"a"}\n\n### me\nGET ${server.url}/me?from={{login.response.body.$.path}}\n`);
    const out = (await vscode.commands.executeCommand('wirelane.sendRequest', editor.document.uri.toString(), lineOf(editor.document, '/me'))) as SendOutcome;
    assert.equal(out.error, undefined, JSON.stringify(out.error));
    assert.deepEqual(
      server.seen.map((r) => `${r.method} ${r.url}`),
      ['POST /login', 'GET /me?from=/login'],
    );
  });

  test('a body over wirelane.bodyLimitBytes opens from its temp file, not as one big string', async () => {
    const big = await startServer((req, res) => {
      if (!req.url?.startsWith('/big')) return false;
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('x'.repeat(300 * 1024));
      return true;
    });
    const config = vscode.workspace.getConfiguration('wirelane');
    await config.update('bodyLimitBytes', 64 * 1024, vscode.ConfigurationTarget.Workspace);
    try {
      await (await wirelane()).runs.resetInteractive();
      const editor = await openFile('big.http', `GET ${big.url}/big\n`);
      const out = (await vscode.commands.executeCommand('wirelane.sendRequest', editor.document.uri.toString(), 0)) as SendOutcome;
      const text = out.document!.getText();
      assert.match(text, /larger than wirelane\.bodyLimitBytes: opened from (\S+)/);
      assert.ok(text.length < 4096, `the response tab holds ${text.length} characters, not the body`);
      const file = /opened from (\S+)/.exec(text)![1];
      await until('the temp file to open in an editor', () => vscode.window.visibleTextEditors.some((e) => e.document.uri.fsPath === file));
    } finally {
      await config.update('bodyLimitBytes', undefined, vscode.ConfigurationTarget.Workspace);
      await big.close();
    }
  });
});
