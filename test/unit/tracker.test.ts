// The tracker takes only its own engine's sockets and requests from the process-global channels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, request as undiciRequest } from 'undici';
import { HttpEngine } from '../../src/runner/http/engine';
import { RunRecorder } from '../../src/core/timeline/recorder';
import { startRecordingServer } from '../servers/recordingServer';
import { request } from './engineHelpers';

test('undici traffic outside the engine (a bare Client, the global dispatcher) is not recorded', async () => {
  const server = await startRecordingServer();
  const recorder = new RunRecorder();
  const engine = new HttpEngine({ recorder, mode: 'keep-alive' });
  const bare = new Client(server.url);
  try {
    for (let i = 0; i < 3; i++) {
      const [mine, theirs, global] = await Promise.all([
        engine.send(request(`${server.url}/mine${i}`)),
        bare.request({ path: `/bare${i}`, method: 'GET' }).then((r) => r.body.text()),
        undiciRequest(`${server.url}/global${i}`).then((r) => r.body.text()),
      ]);
      assert.equal(mine.body?.toString(), `ok /mine${i}`);
      assert.equal(theirs, `ok /bare${i}`);
      assert.equal(global, `ok /global${i}`);
    }
  } finally {
    await bare.close();
    await engine.close();
    await server.close();
  }
  const run = recorder.finish();
  assert.equal(run.exchanges.length, 3);
  assert.equal(run.connections.length, 1);
  const port = run.connections[0].localPort;
  const minePorts = server.seen.filter((s) => s.url.startsWith('/mine')).map((s) => s.remotePort);
  assert.deepEqual(minePorts, [port, port, port]);
  assert.ok(server.seen.filter((s) => !s.url.startsWith('/mine')).every((s) => s.remotePort !== port));
  assert.equal(run.connections[0].requestCount, 3);
});

test('connection events reach listeners: open, per-request update, close', async () => {
  const server = await startRecordingServer();
  const recorder = new RunRecorder();
  const events: string[] = [];
  recorder.on((e) => {
    if (e.type === 'connection') events.push(`open ${e.connection.id}`);
    if (e.type === 'exchange-start') events.push(`start ${e.exchange.index}`);
    if (e.type === 'exchange-end') events.push(`end ${e.exchange.index} ${e.exchange.connectionId}`);
    if (e.type === 'connection-update' && e.connection.closedAt !== undefined && !events.includes(`close ${e.connection.id}`)) events.push(`close ${e.connection.id}`);
  });
  const engine = new HttpEngine({ recorder, mode: 'keep-alive' });
  await engine.send(request(`${server.url}/a`));
  await engine.send(request(`${server.url}/b`));
  await engine.close();
  await server.close();
  assert.deepEqual(events, ['start 0', 'open c1', 'end 0 c1', 'start 1', 'end 1 c1', 'close c1']);
});
