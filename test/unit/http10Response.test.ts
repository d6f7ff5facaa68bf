// A server that answers `HTTP/1.0`: the recording carries the status line's real version, a
// response without `Connection: keep-alive` makes the connection non-persistent (the server's
// close, and the next connection opens because of it), and keep-alive works when the server
// agrees. Checked against the client ports the server saw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { HttpEngine } from '../../src/runner/http/engine';
import { RunRecorder } from '../../src/core/timeline/recorder';
import type { Run } from '../../src/core/timeline/model';
import { summarize } from '../../src/core/timeline/summary';
import { toHar } from '../../src/core/har/write';
import { readHar } from '../../src/core/har/read';
import { request } from './engineHelpers';
import { startRawServer } from '../servers/rawServer';

/** Three sequential keep-alive requests to `path` of a fresh HTTP/1.0 server. */
async function threeRequests(path: string): Promise<{ run: Run; server: { ports: number[] } }> {
  const server = await startRawServer();
  const recorder = new RunRecorder();
  const engine = new HttpEngine({ recorder, mode: 'keep-alive' });
  try {
    for (let i = 0; i < 3; i++) await engine.send(request(`${server.url}${path}`));
  } finally {
    await engine.close();
    await server.close();
  }
  return { run: recorder.finish(), server: { ports: server.seen.map((x) => x.remotePort) } };
}

test('HTTP/1.0 without keep-alive: the real version is recorded, the server closes, the next connection opens because of it', async () => {
  const { run, server } = await threeRequests('/http10');
  assert.deepEqual(
    run.exchanges.map((x) => x.response?.httpVersion),
    ['HTTP/1.0', 'HTTP/1.0', 'HTTP/1.0'],
  );
  assert.equal(new Set(server.ports).size, 3, 'the server saw three client ports');
  assert.deepEqual(
    run.exchanges.map((x) => run.connections.find((c) => c.id === x.connectionId)?.localPort),
    server.ports,
  );
  assert.deepEqual(
    run.connections.map((c) => c.protocol),
    ['http/1.0', 'http/1.0', 'http/1.0'],
  );
  // The server's own close, or the end its response announced (undici may tear down first: a race the capture decides).
  for (const c of run.connections) assert.ok(c.closeReason === 'server-closed' || c.closeReason === 'server-connection-close', `${c.id}: ${c.closeReason}`);
  assert.match(run.connections[0].closeDetail ?? '', /non-persistent.*HTTP\/1\.0 without Connection: keep-alive/);
  assert.deepEqual(
    run.connections.map((c) => c.openReason),
    ['first', 'server-closed', 'server-closed'],
  );
  assert.match(run.connections[1].openDetail ?? '', /c1 was non-persistent/);
  const s = summarize(run);
  assert.equal(s.connections, 3);
  assert.equal(s.handshakesSaved, 0);
});

test('HTTP/1.0 with Connection: keep-alive from the server: the connection is reused', async () => {
  const { run, server } = await threeRequests('/http10-ka');
  assert.equal(new Set(server.ports).size, 1, 'the server saw one client port');
  assert.deepEqual(
    run.exchanges.map((x) => [x.response?.httpVersion, x.connectionId, x.reused]),
    [
      ['HTTP/1.0', 'c1', false],
      ['HTTP/1.0', 'c1', true],
      ['HTTP/1.0', 'c1', true],
    ],
  );
  assert.equal(run.connections[0].localPort, server.ports[0]);
  assert.equal(summarize(run).handshakesSaved, 2);
});

test('a refused request saves no handshake, in close mode too, and the HAR gives the same summary as the live run', async () => {
  const server = await startRawServer();
  const refused = net.createServer();
  await new Promise<void>((r) => refused.listen(0, '127.0.0.1', r));
  const deadPort = (refused.address() as AddressInfo).port;
  await new Promise<void>((r) => refused.close(() => r()));
  for (const mode of ['keep-alive', 'close'] as const) {
    const recorder = new RunRecorder({ mode });
    const engine = new HttpEngine({ recorder, mode });
    try {
      await engine.send(request(`${server.url}/http10-ka`));
      await engine.send(request(`http://127.0.0.1:${deadPort}/`));
      await engine.send(request(`http://127.0.0.1:${deadPort}/`));
      await engine.send(request(`${server.url}/http10-ka`));
    } finally {
      await engine.close();
    }
    const run = recorder.finish();
    const s = summarize(run);
    assert.equal(s.failed, 2, mode);
    assert.equal(s.connections, mode === 'close' ? 2 : 1, `${mode}: only established connections count`);
    assert.equal(s.handshakesSaved, mode === 'close' ? 0 : 1, `${mode}: refused requests save nothing`);
    assert.equal(s.handshakesPaid, mode === 'close' ? 2 : 1, mode);
    assert.deepEqual(summarize(readHar(toHar(run)).run), s, `${mode}: the HAR's summary equals the live run's`);
  }
  await server.close();
});
