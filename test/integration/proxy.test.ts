/// <reference types="mocha" />
// `wirelane.proxy` inside VS Code: a forward proxy started by the test records the client port of
// every request it carries (it answers them itself, so the target URL need not exist). Send All
// and Send Request must go through it on one reused connection whose local port is what the
// proxy saw, and say "via proxy" in the response tab.
import * as assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import * as vscode from 'vscode';
import type { FileRunResult } from '../../src/runner/fileRunner';
import type { SendOutcome } from '../../src/extension/runService';
import { closeAllEditors, openFile } from './helpers';

suite('proxy (wirelane.proxy)', () => {
  let proxy: Server;
  let proxyUrl = '';
  let seen: Array<{ port: number; url: string }> = [];
  const sockets = new Set<Socket>();

  setup(async () => {
    seen = [];
    proxy = createServer((req, res) => {
      seen.push({ port: req.socket.remotePort!, url: req.url! });
      res.setHeader('Content-Type', 'text/plain');
      res.end(`proxied ${req.url}`);
    });
    proxy.on('connection', (s: Socket) => {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    await vscode.workspace.getConfiguration('wirelane').update('proxy', proxyUrl, vscode.ConfigurationTarget.Workspace);
  });

  teardown(async () => {
    await vscode.workspace.getConfiguration('wirelane').update('proxy', undefined, vscode.ConfigurationTarget.Workspace);
    for (const s of sockets) s.destroy();
    await new Promise((r) => proxy.close(r));
    await closeAllEditors();
  });

  test('Send All goes through the proxy on one keep-alive connection whose local port the proxy saw', async () => {
    // Port 9 on loopback has no server: only the proxy can answer these.
    const target = 'http://127.0.0.1:9';
    const editor = await openFile('proxy/all.http', `### p1\nGET ${target}/p/1\n\n### p2\nGET ${target}/p/2\n\n### p3\nGET ${target}/p/3\n`);
    const result = (await vscode.commands.executeCommand('wirelane.sendAll', editor.document.uri.toString(), 0)) as FileRunResult;
    assert.ok(result, 'Send All returned its run');
    assert.equal(result.failed, false, JSON.stringify(result.results.map((r) => r.error).filter(Boolean)));
    assert.deepEqual(
      seen.map((s) => s.url),
      [`${target}/p/1`, `${target}/p/2`, `${target}/p/3`],
      'absolute-form requests reached the proxy',
    );
    assert.equal(new Set(seen.map((s) => s.port)).size, 1, 'the proxy saw one client socket');
    assert.equal(result.run.connections.length, 1);
    const c = result.run.connections[0];
    assert.equal(c.proxy, proxyUrl);
    assert.equal(c.localPort, seen[0].port);
    assert.deepEqual(
      result.run.exchanges.map((x) => x.reused),
      [false, true, true],
    );
  });

  test('Send Request: the response tab says "via proxy"', async () => {
    const editor = await openFile('proxy/one.http', 'GET http://127.0.0.1:9/one\n');
    const out = (await vscode.commands.executeCommand('wirelane.sendRequest', editor.document.uri.toString(), 0)) as SendOutcome;
    assert.equal(out.exchange?.error, undefined, JSON.stringify(out.error));
    assert.equal(seen.length, 1);
    const text = out.document!.getText();
    assert.match(text, new RegExp(`via proxy ${proxyUrl.replace(/[.]/g, '\\.')}`));
    assert.match(text, /proxied http:\/\/127\.0\.0\.1:9\/one/);
  });
});
