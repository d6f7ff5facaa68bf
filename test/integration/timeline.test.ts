/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { FileRunResult } from '../../src/runner/fileRunner';
import type { AppendMessage, LoadMessage } from '../../src/protocol/webview';
import { openFile, serverPerTest, until, wirelane, type TestServer } from './helpers';

suite('timeline panel', () => {
  let server!: TestServer;
  serverPerTest((s) => (server = s));

  test('Send All streams exchanges to the open panel in batches, not one message per event', async () => {
    const api = await wirelane();
    await vscode.commands.executeCommand('wirelane.openTimeline');
    await until('the timeline renderer to say ready', () => api.timeline.isReady, 20_000);
    const lines = Array.from({ length: 12 }, (_, i) => `### n${i}\nGET ${server.url}/r/${i}\n`).join('\n');
    const editor = await openFile('timeline/many.http', lines);
    const from = api.timeline.posted.length;
    const result = (await vscode.commands.executeCommand('wirelane.sendAll', editor.document.uri.toString(), 0)) as FileRunResult;
    assert.equal(result.results.length, 12);
    await until('12 entries in the panel', () => api.timeline.feed.snapshot().log.entries.length === 12);
    api.timeline.feed.flush();
    const msgs = api.timeline.posted.slice(from);
    const appends = msgs.filter((m): m is AppendMessage => m.type === 'append');
    const loads = msgs.filter((m): m is LoadMessage => m.type === 'load');
    const entriesSent = appends.reduce((n, m) => n + m.entries.length, 0) + loads.reduce((n, m) => n + m.har.log.entries.length, 0);
    assert.ok(entriesSent >= 12, `entries reached the renderer (${entriesSent})`);
    // 12 requests make 24+ recorder events; batching must send far fewer messages.
    assert.ok(appends.length < 24, `${appends.length} append messages for 12 exchanges`);
    const conns = new Set(api.timeline.feed.snapshot().log.entries.map((e) => e.connection));
    assert.equal(conns.size, 1, 'keep-alive: one connection');
  });

  test('Reveal Request in Timeline selects the exchange of the request under the cursor', async () => {
    const api = await wirelane();
    const editor = await openFile('timeline/reveal.http', `### a\nGET ${server.url}/r/a\n\n### b\nGET ${server.url}/r/b\n`);
    await vscode.commands.executeCommand('wirelane.sendAll', editor.document.uri.toString(), 0);
    editor.selection = new vscode.Selection(4, 0, 4, 0);
    await vscode.window.showTextDocument(editor.document, vscode.ViewColumn.One);
    const entry = await vscode.commands.executeCommand('wirelane.revealInTimeline');
    assert.equal(entry, 1);
    // The panel may have been closed by the previous test: the reveal then follows the renderer's `ready`.
    await until(
      'the renderer to be told to reveal entry 1',
      () => api.timeline.isReady && JSON.stringify(api.timeline.posted.filter((m) => m.type === 'reveal').pop()) === JSON.stringify({ type: 'reveal', entry: 1 }),
    );
    // The open panel follows the cursor into the other request.
    editor.selection = new vscode.Selection(1, 2, 1, 2);
    await until('the panel to follow the cursor to entry 0', () => JSON.stringify(api.timeline.posted.filter((m) => m.type === 'reveal').pop()) === JSON.stringify({ type: 'reveal', entry: 0 }));
  });
});
