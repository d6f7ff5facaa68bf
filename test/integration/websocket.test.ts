/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import * as vscode from 'vscode';
import { WebSocketServer, type RawData } from 'ws';
import type { WsSessionView } from '../../src/extension/wsSessionView';
import type { SendOutcome } from '../../src/extension/runService';
import type { FileRunResult } from '../../src/runner/fileRunner';
import { closeAllEditors, openFile, until, wirelane } from './helpers';

suite('WebSocket session', () => {
  let wss: WebSocketServer;
  let url: string;
  const received: Array<{ data: string; binary: boolean }> = [];
  let pings = 0;
  let closeCode: number | undefined;
  /** The client port of each upgrade, as the server saw it. */
  const clientPorts: number[] = [];
  setup(async () => {
    clientPorts.length = 0;
    received.length = 0;
    pings = 0;
    closeCode = undefined;
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/echo`;
    wss.on('connection', (ws, req) => {
      clientPorts.push(req.socket.remotePort!);
      ws.on('message', (data: RawData, binary: boolean) => {
        const buf = Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer);
        received.push({ data: binary ? buf.toString('hex') : buf.toString('utf8'), binary });
        ws.send(binary ? buf : `echo:${buf.toString('utf8')}`, { binary });
      });
      ws.on('ping', () => pings++);
      ws.on('close', (code) => (closeCode = code));
    });
  });
  teardown(async () => {
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((r) => wss.close(() => r()));
    await closeAllEditors();
  });

  test('Connect WebSocket runs the script, opens the session view, and the composer sends text, JSON, binary, ping and close', async () => {
    const api = await wirelane();
    const editor = await openFile('ws/chat.http', `### chat\nWEBSOCKET ${url}\n\n{"hello": 1}\n=== wait-for-server\n`);
    const out = (await vscode.commands.executeCommand('wirelane.connectWebSocket', editor.document.uri.toString(), 1)) as SendOutcome & { view?: WsSessionView };
    assert.equal(out.error, undefined, JSON.stringify(out.error));
    assert.equal(out.exchange?.response?.status, 101);
    const view = out.view!;
    assert.ok(view, 'session view opened');
    assert.deepEqual(received, [{ data: '{"hello": 1}', binary: false }]);
    await view.receive({ type: 'send', format: 'text', data: 'typed' });
    await view.receive({ type: 'send', format: 'json', data: '{"a":[1,2]}' });
    await view.receive({ type: 'send', format: 'hex', data: '01 ff 7a' });
    await view.receive({ type: 'send', format: 'json', data: '{not json' });
    assert.match(view.lastError ?? '', /Not valid JSON/);
    await view.receive({ type: 'ping' });
    await until('the server to get 4 messages and a ping', () => received.length === 4 && pings === 1);
    assert.deepEqual(received.slice(1), [
      { data: 'typed', binary: false },
      { data: '{"a":[1,2]}', binary: false },
      { data: '01ff7a', binary: true },
    ]);
    const session = view.handle.session;
    await until('echoes to arrive', () => session.frames.filter((f) => f.dir === 'receive' && f.opcode <= 2).length === 4);
    await view.receive({ type: 'close', code: 4001, reason: 'done here' });
    await until('the server to see close 4001', () => closeCode === 4001);
    assert.equal(session.closedBy, 'client');
    // The session's exchange and frames are in the timeline's run.
    api.timeline.feed.flush();
    const entries = api.timeline.feed.snapshot().log.entries;
    const ws = entries.find((e) => e.response.status === 101);
    assert.ok(ws, 'the 101 exchange is in the timeline');
    await until('frames in the timeline entry', () => {
      api.timeline.feed.flush();
      const e = api.timeline.feed.snapshot().log.entries.find((x) => x.response.status === 101);
      return (e?._webSocketMessages?.length ?? 0) >= 9;
    });
  });

  test('the session rides a recorded connection: its local port is the port the server saw (Connect and Send All)', async () => {
    const api = await wirelane();
    const editor = await openFile('ws/port.http', `### one\nWEBSOCKET ${url}\n\nhi\n`);
    const out = (await vscode.commands.executeCommand('wirelane.connectWebSocket', editor.document.uri.toString(), 1)) as SendOutcome & { view?: WsSessionView };
    assert.equal(out.error, undefined, JSON.stringify(out.error));
    await until('the server to see the upgrade', () => clientPorts.length === 1);
    const check = (what: string, port: number): void => {
      api.timeline.feed.flush();
      const har = api.timeline.feed.snapshot();
      const entry = [...har.log.entries].reverse().find((e) => e.response.status === 101);
      assert.ok(entry?.connection, `${what}: the 101 entry names its connection`);
      const conn = har.log._wirelane!.connections.find((c) => c.id === entry.connection);
      assert.ok(conn, `${what}: the connection ${entry.connection} is in the timeline`);
      assert.equal(conn.localPort, port, `${what}: the connection's local port is the client port the server saw`);
      assert.equal(conn.openReason, 'upgrade');
    };
    check('Connect WebSocket', clientPorts[0]!);
    await out.view?.receive({ type: 'close', code: 1000, reason: '' });
    const result = (await vscode.commands.executeCommand('wirelane.sendAll', editor.document.uri.toString())) as FileRunResult | undefined;
    assert.ok(result, 'Send All ran');
    assert.equal(clientPorts.length, 2, 'the server saw the second upgrade');
    check('Send All', clientPorts[1]!);
    const run = result.run;
    const c = run.connections.find((x) => x.id === run.exchanges[0]!.connectionId);
    assert.equal(c?.localPort, clientPorts[1], 'the Send All run (and so its recording) holds the connection');
  });

  test('a refused upgrade is a clear error (WL_WS_UPGRADE_REFUSED or WL_CONNECT_REFUSED), not a crash', async () => {
    const api = await wirelane();
    const before = api.notifications.length;
    const editor = await openFile('ws/refused.http', `WEBSOCKET ws://127.0.0.1:9/nothing\n`);
    const out = (await vscode.commands.executeCommand('wirelane.connectWebSocket', editor.document.uri.toString(), 0)) as SendOutcome;
    assert.match(out.error?.code ?? '', /^WL_(CONNECT_REFUSED|WS_UPGRADE_REFUSED)$/);
    assert.ok(api.notifications.slice(before).some((n) => n.level === 'error' && /WL_/.test(n.message)));
  });
});
