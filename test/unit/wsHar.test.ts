// A recorded WebSocket session through our HAR writer: the 101 entry carries the local port
// the server saw, Chrome-style `_webSocketMessages` in order, and the close information.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openWebSocket } from '../../src/runner/ws/session';
import { RunRecorder } from '../../src/core/timeline/recorder';
import { toHar } from '../../src/core/har/write';
import type { ResolvedRequest } from '../../src/core/request';
import { startWsServer } from '../servers/wsServer';

test('the HAR entry of a session: status 101, localPort the server saw, every frame in order', { timeout: 10_000 }, async () => {
  const server = await startWsServer({ onConnection: (p) => p.send('welcome') });
  const recorder = new RunRecorder();
  const req: ResolvedRequest = {
    kind: 'websocket',
    regionIndex: 0,
    source: { file: '/t/chat.http', line: 3 },
    method: 'WEBSOCKET',
    url: `${server.url}/chat`,
    headers: [['Authorization', 'Bearer s3cret']],
    wsSteps: [
      { kind: 'wait', line: 6 },
      { kind: 'send', data: '{"hello":1}', line: 7 },
      { kind: 'wait', line: 8 },
    ],
    secrets: [],
  };
  try {
    const h = await openWebSocket(req, { recorder });
    await h.runScript(req.wsSteps);
    const binaryEcho = new Promise<void>((r) => h.onFrame((f) => f.dir === 'receive' && f.opcode === 2 && r()));
    await h.sendBinary(Buffer.from([1, 2, 3]));
    await binaryEcho;
    await h.close(1000, 'done');
    const peer = await server.nextPeer();
    await peer.closed;
    recorder.finish();

    const har = toHar(recorder.run);
    const entry = har.log.entries[0];
    assert.equal(entry.response.status, 101);
    assert.equal(entry._wirelane?.localPort, peer.remotePort);
    assert.equal(entry.connection, h.session.connectionId);
    assert.ok(
      entry.request.headers.some((x) => x.name === 'Authorization' && !x.value.includes('s3cret')),
      'credentials are redacted',
    );
    const msgs = entry._webSocketMessages ?? [];
    assert.deepEqual(
      msgs.map((m) => [m.type, m.opcode, m.data]),
      [
        ['receive', 1, 'welcome'],
        ['send', 1, '{"hello":1}'],
        ['receive', 1, '{"hello":1}'],
        ['send', 2, Buffer.from([1, 2, 3]).toString('base64')],
        ['receive', 2, Buffer.from([1, 2, 3]).toString('base64')],
        ['send', 8, 'done'],
        ['receive', 8, 'done'],
      ],
    );
    // Chrome's `time` is seconds since the epoch; ours must be the frame times, non-decreasing.
    for (let i = 1; i < msgs.length; i++) assert.ok(msgs[i].time >= msgs[i - 1].time);
    assert.ok(Math.abs(msgs[0].time - h.session.frames[0].time / 1000) < 1e-6);
    // What the server saw, in the same order.
    assert.deepEqual(
      peer.received.map((f) => [f.opcode, f.opcode === 2 ? f.data.toString('base64') : f.data.toString()]),
      [
        [1, '{"hello":1}'],
        [2, Buffer.from([1, 2, 3]).toString('base64')],
        [8, 'done'],
      ],
    );
    assert.equal(entry._wirelane?.websocket?.closedBy, 'client');
    assert.equal(entry._wirelane?.websocket?.closeCode, 1000);
    const conn = har.log._wirelane?.connections.find((c) => c.id === entry.connection);
    assert.equal(conn?.protocol, 'websocket');
    assert.equal(conn?.openReason, 'upgrade');
  } finally {
    await server.close();
  }
});
