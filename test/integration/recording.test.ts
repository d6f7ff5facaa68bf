/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { Har } from '../../src/core/har/types';
import type { LoadMessage } from '../../src/protocol/webview';
import { openFile, serverPerTest, until, wirelane, workspaceDir, type TestServer } from './helpers';

suite('recording', () => {
  let server!: TestServer;
  serverPerTest((s) => (server = s));

  test('Start/Stop Recording writes a HAR into .wirelane/sessions with secrets redacted, valid while recording, and it reopens in the timeline editor', async () => {
    const api = await wirelane();
    const file = (await vscode.commands.executeCommand('wirelane.startRecording', 'it run')) as vscode.Uri;
    assert.ok(file, 'recording started');
    assert.ok(file.fsPath.startsWith(workspaceDir()), file.fsPath);
    assert.match(file.fsPath, /[\\/]\.wirelane[\\/]sessions[\\/]\d{4}-\d\d-\d\dT\d{6}-it-run\.har$/);
    assert.match(api.statusBar.text, /REC/);
    // Valid from the first instant.
    assert.deepEqual((JSON.parse(readFileSync(file.fsPath, 'utf8')) as Har).log.entries, []);

    const editor = await openFile('rec/rec.http', `### one\nGET ${server.url}/json\nAuthorization: Bearer s3cret-token\n\n### two\nGET ${server.url}/text\n`);
    await vscode.commands.executeCommand('wirelane.sendRequest', editor.document.uri.toString(), 1);
    // Mid-recording the file on disk is already a complete HAR with the first exchange.
    const mid = await until('the first entry on disk', () => {
      const h = JSON.parse(readFileSync(file.fsPath, 'utf8')) as Har;
      return h.log.entries.length === 1 && h;
    });
    assert.equal(mid.log.entries[0].request.url, `${server.url}/json`);
    await vscode.commands.executeCommand('wirelane.sendAll', editor.document.uri.toString(), 0);
    const stopped = (await vscode.commands.executeCommand('wirelane.stopRecording')) as vscode.Uri;
    assert.equal(stopped.fsPath, file.fsPath);
    assert.doesNotMatch(api.statusBar.text, /REC/);

    const raw = readFileSync(file.fsPath, 'utf8');
    assert.doesNotMatch(raw, /s3cret-token/, 'the Authorization value is redacted');
    const har = JSON.parse(raw) as Har;
    assert.equal(har.log.entries.length, 3);
    const auth = har.log.entries[0].request.headers.find((h) => h.name.toLowerCase() === 'authorization');
    assert.equal(auth?.value, '[redacted]');
    assert.ok(har.log.entries.every((e) => typeof e.connection === 'string'));
    assert.ok((har.log._wirelane?.connections.length ?? 0) >= 2, 'connections of both runs');

    // Reopen: the custom read-only editor loads it into the renderer.
    await vscode.commands.executeCommand('wirelane.openRecording', file);
    const state = await until(
      'the HAR editor to load the file',
      () => {
        const s = api.harEditor.opened.get(file.toString());
        return s?.ready && s;
      },
      20_000,
    );
    const load = state.posted.find((m): m is LoadMessage => m.type === 'load')!;
    assert.equal(load.har.log.entries.length, 3);
    const tab = vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputCustom && t.input.uri.toString() === file.toString());
    assert.ok(tab, 'a custom editor tab is open');
    assert.equal((tab.input as vscode.TabInputCustom).viewType, 'wirelane.har');
  });

  test('a foreign HAR (no _wirelane fields) opens too', async () => {
    const api = await wirelane();
    const foreign = {
      log: {
        version: '1.2',
        creator: { name: 'Chrome', version: '120' },
        entries: [
          {
            startedDateTime: new Date().toISOString(),
            time: 10,
            request: { method: 'GET', url: 'http://127.0.0.1/a', httpVersion: 'HTTP/1.1', headers: [], cookies: [], queryString: [], headersSize: -1, bodySize: 0 },
            response: { status: 200, statusText: 'OK', httpVersion: 'HTTP/1.1', headers: [], cookies: [], content: { size: 0, mimeType: 'text/plain' }, redirectURL: '', headersSize: -1, bodySize: 0 },
            cache: {},
            timings: { send: 1, wait: 5, receive: 1 },
            connection: '42',
          },
        ],
      },
    };
    const editor = await openFile('rec/chrome.har', JSON.stringify(foreign));
    await vscode.commands.executeCommand('wirelane.openRecording', editor.document.uri);
    await until('the foreign HAR to load', () => api.harEditor.opened.get(editor.document.uri.toString())?.ready, 20_000);
  });
});
