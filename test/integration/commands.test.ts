/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { FileRunResult } from '../../src/runner/fileRunner';
import { summarize } from '../../src/core/timeline/summary';
import { buildModel } from '../../src/core/timeline/lanes';
import { openFile, serverPerTest, wirelane, type TestServer } from './helpers';

suite('commands', () => {
  let server!: TestServer;
  serverPerTest((s) => (server = s));

  test('Copy as cURL puts a runnable curl command on the clipboard', async () => {
    const editor = await openFile('cmd/curl.http', `POST ${server.url}/json?a=1\nContent-Type: application/json\nX-Quote: it's\n\n{"x": 1}\n`);
    const cmd = (await vscode.commands.executeCommand('wirelane.copyAsCurl', editor.document.uri.toString(), 0)) as string;
    assert.equal(await vscode.env.clipboard.readText(), cmd);
    assert.equal(cmd, `curl -X POST '${server.url}/json?a=1' -H 'Content-Type: application/json' -H 'X-Quote: it'\\''s' --data-binary '{"x": 1}' -L`);
  });

  test('Import from cURL inserts a .http region that sends the same request', async () => {
    const editor = await openFile('cmd/import.http', '');
    await vscode.commands.executeCommand('wirelane.importCurl', `curl '${server.url}/json' -H 'X-A: b' --data-raw '{"k":"v"}' -H 'Content-Type: application/json'`);
    const text = editor.document.getText();
    assert.equal(text, `###\nPOST ${server.url}/json\nX-A: b\nContent-Type: application/json\n\n{"k":"v"}\n\n`);
    await (await wirelane()).runs.resetInteractive();
    await vscode.commands.executeCommand('wirelane.sendRequest', editor.document.uri.toString(), 1);
    assert.equal(server.seen.length, 1);
    assert.equal(server.seen[0].method, 'POST');
    assert.equal(server.seen[0].headers['x-a'], 'b');
  });

  test('Select Environment picks from http-client.env.json, updates the status bar and what is sent', async () => {
    const api = await wirelane();
    await openFile('cmd/http-client.env.json', JSON.stringify({ dev: { base: server.url, who: 'dev' }, prod: { base: server.url, who: 'prod' } }));
    const editor = await openFile('cmd/env.http', 'GET {{base}}/json?who={{who}}\n');
    await vscode.commands.executeCommand('wirelane.selectEnvironment', 'prod');
    assert.match(api.statusBar.text, /prod/);
    await vscode.commands.executeCommand('wirelane.sendRequest', editor.document.uri.toString(), 0);
    assert.equal(server.seen[0]?.url, '/json?who=prod');
    await vscode.commands.executeCommand('wirelane.selectEnvironment', null);
    assert.match(api.statusBar.text, /no environment/);
  });

  test('Compare Modes runs the file once per mode and reports connections per mode', async () => {
    await vscode.workspace.getConfiguration('wirelane').update('compareModes', ['close', 'keep-alive'], vscode.ConfigurationTarget.Workspace);
    try {
      const editor = await openFile('cmd/compare.http', `GET ${server.url}/r/1\n\n###\nGET ${server.url}/r/2\n\n###\nGET ${server.url}/r/3\n`);
      const api = await wirelane();
      const results = (await vscode.commands.executeCommand('wirelane.compareModes', editor.document.uri.toString(), 0)) as FileRunResult[];
      assert.deepEqual(
        results.map((r) => r.run.mode),
        ['close', 'keep-alive'],
      );
      assert.deepEqual(
        results.map((r) => r.run.connections.length),
        [3, 1],
      );
      // The server agrees: 3 sockets for close, then 1.
      const ports = server.seen.map((s) => s.remotePort);
      assert.equal(new Set(ports.slice(0, 3)).size, 3);
      assert.equal(new Set(ports.slice(3)).size, 1);
      // No raw markdown: the compare table is the timeline's, and its numbers are the CLI's summary of the same runs.
      assert.ok(!vscode.window.visibleTextEditors.some((e) => e.document.getText().startsWith('# Compare')), 'no untitled .md');
      api.timeline.feed.flush();
      const model = buildModel(api.timeline.feed.snapshot());
      assert.ok(model.isCompare, 'the timeline shows a compare');
      assert.deepEqual(
        model.modes.map(({ mode, ...rest }) => [mode, rest]),
        results.map((r) => [r.run.mode, summarize(r.run)]),
      );
      assert.deepEqual(
        model.modes.map((m) => [m.exchanges, m.connections, m.handshakesSaved]),
        [
          [3, 3, 0],
          [3, 1, 2],
        ],
      );
    } finally {
      await vscode.workspace.getConfiguration('wirelane').update('compareModes', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });
});
