// WebSocket sessions against a real recording ws server on 127.0.0.1:0: every assertion
// compares Wirelane's model with what the server saw on its side of the socket.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { once } from 'node:events';
import { openWebSocket, type WsSessionHandle } from '../../src/runner/ws/session';
import { RunRecorder } from '../../src/core/timeline/recorder';
import { WlError } from '../../src/core/errors';
import type { ResolvedRequest, WsScriptStep } from '../../src/core/request';
import type { WsFrame } from '../../src/core/timeline/model';
import { startWsServer, serverClose, type Peer, type ServerFrame } from '../servers/wsServer';

const FILE = '/work/examples/chat.http';
/** No test may hang the suite: each one fails after this long. */
const LIMIT = { timeout: 10_000 };

function wsRequest(url: string, extra: Partial<ResolvedRequest> = {}): ResolvedRequest {
  return { kind: 'websocket', regionIndex: 0, source: { file: FILE, line: 2 }, method: 'WEBSOCKET', url, headers: [], wsSteps: [], secrets: [], ...extra };
}

function sendStep(data: string, line: number): WsScriptStep {
  return { kind: 'send', data, line };
}
function waitStep(line: number): WsScriptStep {
  return { kind: 'wait', line };
}

/** Data frames of one direction as [opcode, text] pairs, for comparing with the server's record. */
function dataFrames(frames: WsFrame[], dir: WsFrame['dir']): Array<[number, string]> {
  return frames.filter((f) => f.dir === dir && (f.opcode === 1 || f.opcode === 2)).map((f) => [f.opcode, f.data]);
}
function serverData(frames: ServerFrame[]): Array<[number, string]> {
  return frames.filter((f) => f.opcode === 1 || f.opcode === 2).map((f) => [f.opcode, f.opcode === 1 ? f.data.toString('utf8') : f.data.toString('base64')]);
}

async function rejection(p: Promise<unknown>): Promise<WlError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof WlError, `expected a WlError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the promise to reject');
}

test('the session rides the connection the server saw, opened by a recorded 101 exchange', LIMIT, async () => {
  const server = await startWsServer();
  const recorder = new RunRecorder();
  try {
    const h = await openWebSocket(
      wsRequest(`${server.url}/chat?room=1`, {
        headers: [
          ['X-Trace', 'abc'],
          ['Origin', 'http://example.test'],
        ],
      }),
      { recorder },
    );
    const peer = await server.nextPeer();
    const conn = recorder.connection(h.session.connectionId!);
    assert.ok(conn);
    assert.equal(conn.localPort, peer.remotePort, 'our local port is the port the server saw');
    assert.equal(conn.remotePort, server.port);
    assert.equal(conn.protocol, 'websocket');
    assert.equal(conn.openReason, 'upgrade');
    assert.equal(h.exchange.connectionId, conn.id);
    assert.equal(h.exchange.sessionId, h.session.id);
    assert.equal(h.exchange.response?.status, 101);
    assert.equal(h.exchange.request.method, 'GET');
    assert.equal(h.session.exchangeIndex, h.exchange.index);
    assert.ok(recorder.run.sessions.includes(h.session));
    // Headers as written: the file's spelling, then what ws added for the handshake.
    const names = h.exchange.request.headers.map(([k]) => k);
    assert.deepEqual(names.slice(0, 2), ['X-Trace', 'Origin']);
    assert.ok(names.includes('Sec-WebSocket-Key'));
    const key = h.exchange.request.headers.find(([k]) => k === 'Sec-WebSocket-Key')![1];
    assert.equal(peer.headers['sec-websocket-key'], key, 'the key we recorded is the key the server got');
    assert.equal(peer.headers['x-trace'], 'abc');
    assert.equal(peer.path, '/chat?room=1');
    assert.ok(h.exchange.response!.headers.some(([k]) => k.toLowerCase() === 'sec-websocket-accept'));
    const t = h.exchange.timings;
    assert.equal(t.dns, -1, 'an IP literal needs no lookup');
    assert.ok(t.connect >= 0 && t.send >= 0 && t.wait >= 0, JSON.stringify(t));
    assert.equal(t.ssl, -1);
    assert.ok(conn.connectedAt! >= conn.openedAt);
    await h.close();
    assert.equal(recorder.connection(conn.id)?.closeReason, 'client-closed');
  } finally {
    await server.close();
  }
});

test('a scripted exchange with waits: frames in our model equal what the server got and sent, in order', LIMIT, async () => {
  const server = await startWsServer();
  const recorder = new RunRecorder();
  try {
    const h = await openWebSocket(wsRequest(server.url), { recorder });
    await h.runScript([sendStep('{"hello": 1}', 5), sendStep('{"second": 2}', 7), waitStep(8), waitStep(9), sendStep('{"after": "two"}', 10), waitStep(11)]);
    const peer = await server.nextPeer();
    await h.close();
    await peer.closed;
    assert.deepEqual(serverData(peer.received), [
      [1, '{"hello": 1}'],
      [1, '{"second": 2}'],
      [1, '{"after": "two"}'],
    ]);
    assert.deepEqual(dataFrames(h.session.frames, 'send'), serverData(peer.received));
    assert.deepEqual(dataFrames(h.session.frames, 'receive'), serverData(peer.sent));
    const times = h.session.frames.map((f) => f.time);
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
      'frames are recorded in time order',
    );
    assert.equal(h.session.frames[0].size, Buffer.byteLength('{"hello": 1}'));
    assert.equal(h.session.totalFrames, h.session.frames.length);
  } finally {
    await server.close();
  }
});

test('messages the server sends unasked are recorded and satisfy wait-for-server', LIMIT, async () => {
  const server = await startWsServer({
    onConnection: (p) => {
      for (const m of ['welcome', 'news 1', 'news 2']) p.send(m);
      p.send(Buffer.from([0, 1, 2, 250]));
    },
  });
  const recorder = new RunRecorder();
  try {
    const h = await openWebSocket(wsRequest(server.url), { recorder });
    await h.runScript([waitStep(3), waitStep(4), waitStep(5), waitStep(6)]);
    const peer = await server.nextPeer();
    assert.deepEqual(dataFrames(h.session.frames, 'receive'), serverData(peer.sent));
    assert.deepEqual(dataFrames(h.session.frames, 'receive').at(-1), [2, Buffer.from([0, 1, 2, 250]).toString('base64')]);
    assert.equal(dataFrames(h.session.frames, 'send').length, 0);
    await h.close();
  } finally {
    await server.close();
  }
});

test('wait-for-server times out with WL_WS_TIMEOUT naming the step’s file:line', LIMIT, async () => {
  const server = await startWsServer({ onMessage: () => {} });
  const recorder = new RunRecorder();
  try {
    const h = await openWebSocket(wsRequest(server.url), { recorder, timeoutMs: 200 });
    const err = await rejection(h.runScript([sendStep('anyone?', 4), waitStep(5)]));
    assert.equal(err.code, 'WL_WS_TIMEOUT');
    assert.deepEqual(err.source, { file: FILE, line: 5 });
    assert.equal(h.session.error?.code, 'WL_WS_TIMEOUT');
    const peer = await server.nextPeer();
    assert.deepEqual(serverData(peer.received), [[1, 'anyone?']]);
    await h.close();
  } finally {
    await server.close();
  }
});

test('ping and pong in both directions are frames on both sides', LIMIT, async () => {
  const server = await startWsServer();
  const recorder = new RunRecorder();
  try {
    const h = await openWebSocket(wsRequest(server.url), { recorder });
    const peer = await server.nextPeer();
    const gotPong = new Promise<void>((r) => h.onFrame((f) => f.opcode === 10 && f.dir === 'receive' && r()));
    await h.ping(Buffer.from('c-ping'));
    await gotPong;
    const serverGotPong = once(peer.ws, 'pong');
    peer.ws.ping(Buffer.from('s-ping'));
    await serverGotPong;
    const control = h.session.frames.filter((f) => f.opcode === 9 || f.opcode === 10).map((f) => [f.dir, f.opcode, f.data]);
    assert.deepEqual(control, [
      ['send', 9, 'c-ping'],
      ['receive', 10, 'c-ping'],
      ['receive', 9, 's-ping'],
      ['send', 10, 's-ping'],
    ]);
    assert.deepEqual(
      peer.received.map((f) => [f.opcode, f.data.toString()]),
      [
        [9, 'c-ping'],
        [10, 's-ping'],
      ],
    );
    await h.close();
  } finally {
    await server.close();
  }
});

test('a clean close by the client: close frames both ways, closedBy client, code and reason on both sides', LIMIT, async () => {
  const server = await startWsServer();
  const recorder = new RunRecorder();
  try {
    const h = await openWebSocket(wsRequest(server.url), { recorder });
    const peer = await server.nextPeer();
    await h.close(1000, 'bye');
    assert.deepEqual(await peer.closed, { code: 1000, reason: 'bye' });
    const s = h.session;
    assert.equal(s.closedBy, 'client');
    assert.equal(s.closeCode, 1000);
    assert.equal(s.closeReason, 'bye');
    assert.ok(s.closedAt! >= s.openedAt);
    assert.deepEqual(
      s.frames.map((f) => [f.dir, f.opcode, f.data, f.size]),
      [
        ['send', 8, 'bye', 5],
        ['receive', 8, 'bye', 5],
      ],
    );
    const conn = recorder.connection(s.connectionId!)!;
    await h.closed;
    assert.equal(conn.closeReason, 'client-closed');
    assert.ok(conn.closedAt);
  } finally {
    await server.close();
  }
});

test('a clean close by the server: closedBy server, we echo its code', LIMIT, async () => {
  const server = await startWsServer();
  const recorder = new RunRecorder();
  try {
    const h = await openWebSocket(wsRequest(server.url), { recorder });
    const peer = await server.nextPeer();
    serverClose(peer, 4001, 'go away');
    await h.closed;
    assert.deepEqual(await peer.closed, { code: 4001, reason: 'go away' }, 'the server got our echo');
    const s = h.session;
    assert.equal(s.closedBy, 'server');
    assert.equal(s.closeCode, 4001);
    assert.equal(s.closeReason, 'go away');
    assert.deepEqual(
      s.frames.map((f) => [f.dir, f.opcode, f.data]),
      [
        ['receive', 8, 'go away'],
        ['send', 8, 'go away'],
      ],
    );
    const conn = recorder.connection(s.connectionId!)!;
    assert.equal(conn.closeReason, 'server-closed');
    const err = await rejection(h.sendText('too late'));
    assert.equal(err.code, 'WL_WS_CLOSED');
  } finally {
    await server.close();
  }
});

test('an abrupt drop mid-session is 1006, closedBy abnormal, and fails the running script with WL_WS_CLOSED', LIMIT, async () => {
  // The server drops the TCP connection (no close frame) when the first message arrives.
  const server = await startWsServer({ onMessage: (p: Peer) => p.ws.terminate() });
  const recorder = new RunRecorder();
  try {
    const h = await openWebSocket(wsRequest(server.url), { recorder });
    const err = await rejection(h.runScript([sendStep('hello', 4), waitStep(5), sendStep('never', 6)]));
    assert.equal(err.code, 'WL_WS_CLOSED');
    assert.deepEqual(err.source, { file: FILE, line: 5 });
    await h.closed;
    const s = h.session;
    assert.equal(s.closedBy, 'abnormal');
    assert.equal(s.closeCode, 1006);
    assert.equal(s.error?.code, 'WL_WS_CLOSED');
    assert.equal(s.frames.filter((f) => f.opcode === 8).length, 0, 'no close frame travelled');
    const peer = await server.nextPeer();
    assert.deepEqual(serverData(peer.received), [[1, 'hello']]);
    assert.equal((await peer.closed).code, 1006);
    const conn = recorder.connection(s.connectionId!)!;
    assert.ok(conn.closeReason === 'server-closed' || conn.closeReason === 'error', conn.closeReason);
  } finally {
    await server.close();
  }
});

const refusals: Array<{ status: number; headers: Record<string, string>; body: string; keepOpen: boolean }> = [
  { status: 401, headers: { 'WWW-Authenticate': 'Bearer realm="chat"' }, body: 'token required', keepOpen: false },
  { status: 400, headers: {}, body: 'bad upgrade', keepOpen: true },
];
for (const refuse of refusals) {
  test(`an upgrade refused with ${refuse.status}${refuse.keepOpen ? ' (socket left open)' : ''} fails clearly with the exchange recorded`, { timeout: 5000 }, async () => {
    const server = await startWsServer({ refuse });
    const recorder = new RunRecorder();
    try {
      // A long handshake timeout: a hang would fail this test through its own 5 s limit.
      const err = await rejection(openWebSocket(wsRequest(`${server.url}/chat`), { recorder, timeoutMs: 30_000 }));
      assert.equal(err.code, 'WL_WS_UPGRADE_REFUSED');
      assert.match(err.message, new RegExp(String(refuse.status)));
      assert.deepEqual(err.source, { file: FILE, line: 2 });
      const ex = recorder.run.exchanges[0];
      assert.equal(ex.response?.status, refuse.status);
      assert.equal(ex.error?.code, 'WL_WS_UPGRADE_REFUSED');
      assert.equal(ex.response?.body?.text, refuse.body);
      for (const [k, v] of Object.entries(refuse.headers)) assert.ok(ex.response!.headers.some(([hk, hv]) => hk === k && hv === v));
      assert.equal(ex.sessionId, undefined);
      assert.equal(recorder.run.sessions.length, 0);
      const conn = recorder.connection(ex.connectionId!)!;
      assert.equal(conn.localPort, server.upgrades[0].remotePort, 'the refused upgrade is on the socket the server saw');
      assert.equal(conn.protocol, 'http/1.1', 'never became a WebSocket');
      assert.equal(conn.closeReason, refuse.keepOpen ? 'client-closed' : 'server-connection-close');
    } finally {
      await server.close();
    }
  });
}

test('a server that accepts TCP and never answers the upgrade: WL_TIMEOUT in phase wait', { timeout: 5000 }, async () => {
  let request = '';
  const sockets: net.Socket[] = [];
  let gotRequest!: () => void;
  const requestSeen = new Promise<void>((r) => (gotRequest = r));
  const raw = net.createServer((s) => {
    sockets.push(s);
    s.on('data', (d) => {
      request += d.toString('latin1');
      if (request.includes('\r\n\r\n')) gotRequest();
    });
    s.on('error', () => {});
  });
  raw.listen(0, '127.0.0.1');
  await once(raw, 'listening');
  const port = (raw.address() as net.AddressInfo).port;
  const recorder = new RunRecorder();
  try {
    const err = await rejection(openWebSocket(wsRequest(`ws://127.0.0.1:${port}/slow`), { recorder, timeoutMs: 300 }));
    await requestSeen;
    assert.equal(err.code, 'WL_TIMEOUT');
    assert.equal(err.phase, 'wait');
    assert.match(request, /^GET \/slow HTTP\/1\.1\r\n/);
    assert.match(request, /\r\nUpgrade: websocket\r\n/i);
    const ex = recorder.run.exchanges[0];
    assert.equal(ex.error?.code, 'WL_TIMEOUT');
    assert.equal(ex.response, undefined);
    assert.ok(ex.timings.connect >= 0);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise((r) => raw.close(r));
  }
});

test('nothing listening: WL_CONNECT_REFUSED in phase connect, exchange recorded', LIMIT, async () => {
  const probe = net.createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise((r) => probe.close(r));
  const recorder = new RunRecorder();
  const err = await rejection(openWebSocket(wsRequest(`ws://127.0.0.1:${port}/`), { recorder }));
  assert.equal(err.code, 'WL_CONNECT_REFUSED');
  assert.equal(err.phase, 'connect');
  assert.equal(recorder.run.exchanges[0].error?.code, 'WL_CONNECT_REFUSED');
  const conn = recorder.run.connections[0];
  assert.equal(conn.closeReason, 'error');
});

test('wss with a self-signed certificate: verified by default (WL_TLS_CERT), works with insecure', LIMIT, async () => {
  const server = await startWsServer({ tls: true });
  try {
    const strict = new RunRecorder();
    const err = await rejection(openWebSocket(wsRequest(server.url), { recorder: strict }));
    assert.equal(err.code, 'WL_TLS_CERT');
    assert.equal(err.phase, 'tls');
    assert.equal(server.peers.length, 0, 'no upgrade reached the server');

    const recorder = new RunRecorder();
    const h = await openWebSocket(wsRequest(server.url, { insecure: true }), { recorder });
    const peer = await server.nextPeer();
    const conn = recorder.connection(h.session.connectionId!)!;
    assert.equal(conn.localPort, peer.remotePort);
    assert.equal(conn.tls?.authorized, false);
    assert.match(conn.tls?.version ?? '', /^TLSv1\.[23]$/);
    assert.equal(conn.tls?.alpn, 'http/1.1');
    assert.ok(h.exchange.timings.ssl >= 0);
    assert.ok(h.exchange.timings.connect >= h.exchange.timings.ssl);
    await h.runScript([sendStep('over tls', 3), waitStep(4)]);
    assert.deepEqual(dataFrames(h.session.frames, 'receive'), [[1, 'over tls']]);
    await h.close();
  } finally {
    await server.close();
  }
});

test('permessage-deflate is negotiated and shown; compressed messages arrive intact', LIMIT, async () => {
  const server = await startWsServer({ perMessageDeflate: true });
  const recorder = new RunRecorder();
  try {
    const h = await openWebSocket(wsRequest(server.url), { recorder });
    assert.match(h.session.extensions ?? '', /permessage-deflate/);
    const peer = await server.nextPeer();
    assert.match(peer.extensions, /permessage-deflate/);
    const big = 'wirelane '.repeat(1000);
    await h.runScript([sendStep(big, 3), waitStep(4)]);
    assert.equal(peer.received[0].data.toString(), big);
    const [sent, got] = dataFrames(h.session.frames, 'send').concat(dataFrames(h.session.frames, 'receive'));
    assert.deepEqual(sent, [1, big]);
    assert.deepEqual(got, [1, big]);
    await h.close();
  } finally {
    await server.close();
  }
});

test('Sec-WebSocket-Protocol from the file is negotiated: the session shows the server’s pick', LIMIT, async () => {
  const server = await startWsServer();
  const recorder = new RunRecorder();
  try {
    const h = await openWebSocket(wsRequest(server.url, { headers: [['Sec-WebSocket-Protocol', 'chat.v1, chat.v2']] }), { recorder });
    const peer = await server.nextPeer();
    assert.equal(peer.headers['sec-websocket-protocol'], 'chat.v1,chat.v2');
    assert.equal(peer.protocol, 'chat.v2');
    assert.equal(h.session.protocol, 'chat.v2');
    await h.close();
  } finally {
    await server.close();
  }
});

test('frame data past the limit is cut (at a character boundary) and marked truncated; the server gets it whole', LIMIT, async () => {
  const server = await startWsServer();
  const recorder = new RunRecorder();
  try {
    const h: WsSessionHandle = await openWebSocket(wsRequest(server.url), { recorder, maxFrameDataBytes: 9 });
    const text = 'ääääääääää'; // 20 bytes
    await h.runScript([sendStep(text, 3), waitStep(4)]);
    await h.sendBinary(new Uint8Array(100).fill(7));
    const peer = await server.nextPeer();
    assert.equal(peer.received[0].data.toString(), text);
    const [sent, echoed] = h.session.frames.filter((f) => f.opcode === 1);
    for (const f of [sent, echoed]) {
      assert.equal(f.size, 20);
      assert.equal(f.data, 'ääää', 'cut back to 8 bytes rather than half a character');
      assert.equal(f.truncated, true);
    }
    const bin = h.session.frames.find((f) => f.opcode === 2)!;
    assert.equal(bin.size, 100);
    assert.equal(Buffer.from(bin.data, 'base64').length, 9);
    assert.equal(bin.truncated, true);
    await h.close();
  } finally {
    await server.close();
  }
});

test('cancelling the run mid-session drops the socket, fails the script with WL_CANCELLED', LIMIT, async () => {
  const server = await startWsServer({ onMessage: () => {} });
  const recorder = new RunRecorder();
  const ac = new AbortController();
  try {
    const h = await openWebSocket(wsRequest(server.url), { recorder, signal: ac.signal, timeoutMs: 30_000 });
    const script = h.runScript([sendStep('x', 3), waitStep(4)]);
    const peer = await server.nextPeer();
    await new Promise<void>((r) => peer.ws.once('message', () => r()));
    ac.abort();
    const err = await rejection(script);
    assert.equal(err.code, 'WL_CANCELLED');
    await h.closed;
    assert.equal(h.session.closedBy, 'client');
    assert.equal(recorder.connection(h.session.connectionId!)?.closeReason, 'cancelled');
  } finally {
    await server.close();
  }
});

test('a 101 with a wrong Sec-WebSocket-Accept is WL_PROTOCOL, not an open session', LIMIT, async () => {
  const raw = net.createServer((sock) => {
    sock.on('error', () => {});
    sock.once('data', () => sock.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: bm90IHRoZSBrZXk=\r\n\r\n'));
  });
  raw.listen(0, '127.0.0.1');
  await once(raw, 'listening');
  const port = (raw.address() as net.AddressInfo).port;
  const recorder = new RunRecorder();
  try {
    const err = await rejection(openWebSocket(wsRequest(`ws://127.0.0.1:${port}/`), { recorder }));
    assert.equal(err.code, 'WL_PROTOCOL');
    assert.equal(err.phase, 'websocket');
    assert.equal(recorder.run.exchanges[0].response?.status, 101);
    assert.equal(recorder.run.sessions.length, 0);
  } finally {
    raw.close();
  }
});

test('close with a code a client may not send is refused before anything is recorded', LIMIT, async () => {
  const server = await startWsServer();
  const recorder = new RunRecorder();
  try {
    const h = await openWebSocket(wsRequest(server.url), { recorder });
    assert.equal((await rejection(h.close(1006))).code, 'WL_REQUEST_INVALID');
    assert.equal((await rejection(h.close(1000, 'x'.repeat(124)))).code, 'WL_REQUEST_INVALID');
    assert.equal(h.session.frames.length, 0);
    await h.close(4000, 'fine');
    assert.deepEqual(await (await server.nextPeer()).closed, { code: 4000, reason: 'fine' });
  } finally {
    await server.close();
  }
});
