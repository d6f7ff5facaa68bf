// Connection modes and reasons, checked against the ports the servers saw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HttpEngine, type EngineOptions } from '../../src/runner/http/engine';
import { RunRecorder } from '../../src/core/timeline/recorder';
import type { ConnectionMode, Run } from '../../src/core/timeline/model';
import { startH2Server, startRecordingServer, type RecordingServer } from '../servers/recordingServer';
import { startRawServer } from '../servers/rawServer';
import { assertGroundTruth, request } from './engineHelpers';

async function withEngine(mode: ConnectionMode, server: { close(): Promise<void> }, body: (e: HttpEngine, r: RunRecorder) => Promise<void>, extra: Partial<EngineOptions> = {}): Promise<Run> {
  const recorder = new RunRecorder({ mode });
  const engine = new HttpEngine({ recorder, mode, ...extra });
  try {
    await body(engine, recorder);
  } finally {
    await engine.close();
    await server.close();
  }
  return recorder.finish();
}

/** Resolves when connection `id` has closed (from the recorder's events, no sleeping). */
function closedEvent(recorder: RunRecorder, id: string): Promise<void> {
  return new Promise((resolve) => {
    const check = (): boolean => recorder.connection(id)?.closedAt !== undefined;
    if (check()) return resolve();
    const off = recorder.on((e) => {
      if (e.type === 'connection-update' && e.connection.id === id && check()) {
        off();
        resolve();
      }
    });
  });
}

test('keep-alive: sequential requests reuse one connection', async () => {
  const server = await startRecordingServer();
  const run = await withEngine('keep-alive', server, async (engine) => {
    for (let i = 0; i < 5; i++) {
      const r = await engine.send(request(`${server.url}/a${i}`));
      assert.equal(r.exchange.error, undefined);
      assert.equal(r.body?.toString(), `ok /a${i}`);
    }
  });
  assertGroundTruth(run, server.seen);
  assert.equal(run.connections.length, 1);
  assert.deepEqual(
    run.exchanges.map((e) => e.reused),
    [false, true, true, true, true],
  );
  const c = run.connections[0];
  assert.equal(c.openReason, 'first');
  assert.equal(c.closeReason, 'client-closed');
  assert.equal(c.requestCount, 5);
  assert.equal(c.protocol, 'http/1.1');
  const t = run.exchanges[0].timings;
  assert.ok(t.connect >= 0 && t.wait >= 0 && t.receive >= 0, JSON.stringify(t));
  assert.equal(run.exchanges[1].timings.connect, -1, 'a reused connection costs no connect time');
});

test('server Connection: close: the next request opens a new connection and says why', async () => {
  const server = await startRecordingServer();
  const run = await withEngine('keep-alive', server, async (engine) => {
    await engine.send(request(`${server.url}/a`));
    await engine.send(request(`${server.url}/close`));
    await engine.send(request(`${server.url}/b`));
    await engine.send(request(`${server.url}/c`));
  });
  assertGroundTruth(run, server.seen);
  assert.deepEqual(
    run.exchanges.map((e) => e.connectionId),
    ['c1', 'c1', 'c2', 'c2'],
  );
  assert.equal(run.connections[0].closeReason, 'server-connection-close');
  assert.equal(run.connections[1].openReason, 'server-closed');
  assert.match(run.connections[1].openDetail ?? '', /c1.*Connection: close/);
});

test('server closes at its per-connection request limit (FIN)', async () => {
  const server = await startRecordingServer({ maxRequestsPerSocket: 2 });
  const run = await withEngine('keep-alive', server, async (engine, recorder) => {
    for (let i = 0; i < 2; i++) await engine.send(request(`${server.url}/x${i}`));
    await closedEvent(recorder, 'c1');
    await engine.send(request(`${server.url}/y`));
  });
  assertGroundTruth(run, server.seen);
  assert.deepEqual(
    run.exchanges.map((e) => e.connectionId),
    ['c1', 'c1', 'c2'],
  );
  // Node answers the last allowed request with Connection: close.
  assert.equal(run.connections[0].closeReason, 'server-connection-close');
  assert.equal(run.connections[1].openReason, 'server-closed');
});

test('idle timeout from the server’s Keep-Alive hint', async () => {
  // keepAliveTimeout 1 s → `Keep-Alive: timeout=1`; Wirelane closes 500 ms before the hint.
  const server = await startRecordingServer({ keepAliveTimeout: 1000 });
  const run = await withEngine('keep-alive', server, async (engine, recorder) => {
    await engine.send(request(`${server.url}/a`));
    await closedEvent(recorder, 'c1');
    await engine.send(request(`${server.url}/b`));
  });
  assertGroundTruth(run, server.seen);
  assert.deepEqual(
    run.exchanges.map((e) => e.connectionId),
    ['c1', 'c2'],
  );
  assert.equal(run.connections[0].closeReason, 'idle-timeout');
  assert.match(run.connections[0].closeDetail ?? '', /timeout=1/);
  assert.equal(run.connections[1].openReason, 'idle-timeout');
});

test('a server hint too short to reuse (300 ms → timeout=0) closes right after the response', async () => {
  const server = await startRecordingServer({ keepAliveTimeout: 300 });
  const run = await withEngine('keep-alive', server, async (engine) => {
    await engine.send(request(`${server.url}/a`));
    await engine.send(request(`${server.url}/b`));
  });
  assertGroundTruth(run, server.seen);
  assert.deepEqual(
    run.exchanges.map((e) => e.connectionId),
    ['c1', 'c2'],
  );
  assert.equal(run.connections[0].closeReason, 'idle-timeout');
  assert.equal(run.connections[1].openReason, 'idle-timeout');
});

test('@connection new forces a fresh connection; later requests reuse it', async () => {
  const server = await startRecordingServer();
  const run = await withEngine('keep-alive', server, async (engine) => {
    await engine.send(request(`${server.url}/a`));
    await engine.send(request(`${server.url}/b`, { connection: 'new' }));
    await engine.send(request(`${server.url}/c`));
  });
  assertGroundTruth(run, server.seen);
  assert.deepEqual(
    run.exchanges.map((e) => e.connectionId),
    ['c1', 'c2', 'c2'],
  );
  assert.equal(run.connections[1].openReason, 'forced');
  assert.match(run.connections[1].openDetail ?? '', /@connection new/);
});

test('@connection close sends Connection: close and the next request opens anew', async () => {
  const server = await startRecordingServer();
  const run = await withEngine('keep-alive', server, async (engine) => {
    await engine.send(request(`${server.url}/a`, { connection: 'close' }));
    await engine.send(request(`${server.url}/b`));
  });
  assertGroundTruth(run, server.seen);
  assert.equal(server.seen[0].headers.connection, 'close');
  assert.equal(server.seen[1].headers.connection, 'keep-alive');
  assert.deepEqual(
    run.exchanges.map((e) => e.connectionId),
    ['c1', 'c2'],
  );
  assert.notEqual(run.connections[0].closeReason, 'open');
});

test('mode close: one connection per request, Connection: close on each', async () => {
  const server = await startRecordingServer();
  const run = await withEngine('close', server, async (engine) => {
    for (let i = 0; i < 3; i++) await engine.send(request(`${server.url}/a${i}`));
  });
  assertGroundTruth(run, server.seen);
  assert.equal(run.connections.length, 3);
  assert.ok(server.seen.every((s) => s.headers.connection === 'close'));
  assert.deepEqual(
    run.exchanges.map((e) => e.reused),
    [false, false, false],
  );
  assert.deepEqual(
    run.connections.map((c) => c.openReason),
    ['first', 'forced', 'forced'],
  );
});

test('pool busy: concurrent requests in keep-alive open a second connection', async () => {
  const server = await startRecordingServer();
  const run = await withEngine('keep-alive', server, async (engine) => {
    await Promise.all([engine.send(request(`${server.url}/slow?ms=150`)), engine.send(request(`${server.url}/slow?ms=150`))]);
    await engine.send(request(`${server.url}/after`));
  });
  const byUrl = [...run.exchanges].sort((a, b) => a.index - b.index);
  assert.equal(run.connections.length, 2);
  assert.deepEqual(
    run.connections.map((c) => c.openReason),
    ['first', 'pool-busy'],
  );
  // The server log is in completion order; match by port set instead of order.
  const ports = new Set(server.seen.map((s) => s.remotePort));
  assert.deepEqual(new Set(run.connections.map((c) => c.localPort)), ports);
  const last = byUrl[2];
  const lastConn = run.connections.find((c) => c.id === last.connectionId);
  assert.equal(lastConn?.localPort, server.seen[2].remotePort);
  assert.equal(last.reused, true);
});

test('pipeline:3: several requests outstanding on one socket', async () => {
  const server = await startRawServer();
  const run = await withEngine('pipeline:3', server, async (engine) => {
    const results = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => engine.send(request(`${server.url}/ok?ms=30&i=${i}`))));
    for (const r of results) assert.equal(r.exchange.error, undefined);
  });
  assert.equal(run.connections.length, 1);
  assert.equal(new Set(server.seen.map((s) => s.remotePort)).size, 1);
  assert.equal(run.connections[0].localPort, server.seen[0].remotePort);
  assert.ok(Math.max(...server.seen.map((s) => s.outstanding)) >= 2, `server saw at most ${Math.max(...server.seen.map((s) => s.outstanding))} outstanding`);
  assert.ok(Math.max(...server.seen.map((s) => s.outstanding)) <= 3);
  assert.ok(run.exchanges.every((e) => e.connectionId === 'c1'));
});

test('h2: one TLS connection, many streams', async () => {
  const server = await startH2Server();
  const run = await withEngine(
    'h2',
    server,
    async (engine) => {
      const results = await Promise.all([0, 1, 2, 3, 4].map((i) => engine.send(request(`${server.url}/s${i}`))));
      for (const r of results) assert.equal(r.exchange.error, undefined, JSON.stringify(r.exchange.error));
      await engine.send(request(`${server.url}/after`));
    },
    { insecure: true },
  );
  assert.equal(run.connections.length, 1);
  const c = run.connections[0];
  assert.equal(c.protocol, 'h2');
  assert.equal(c.tls?.alpn, 'h2');
  assert.match(c.tls?.version ?? '', /TLSv1\.[23]/);
  assert.ok(c.tls?.cipher);
  assert.equal(server.sockets.length, 1);
  assert.ok(server.seen.every((s) => s.remotePort === c.localPort && s.httpVersion === '2.0'));
  // Stream ids the client claims match the ids the server saw, per request path.
  for (const ex of run.exchanges) {
    const s = server.seen.find((x) => ex.request.url.endsWith(x.url));
    assert.equal(ex.streamId, s?.streamId, ex.request.url);
  }
  assert.equal(run.exchanges.filter((e) => !e.reused).length, 1);
});

test('HTTP/2 in the request line goes over h2 in keep-alive mode: one TLS socket, streams', async () => {
  const server = await startH2Server();
  const run = await withEngine(
    'keep-alive',
    server,
    async (engine) => {
      for (let i = 0; i < 3; i++) {
        const r = await engine.send(request(`${server.url}/v2/${i}`, { httpVersion: 'HTTP/2' }));
        assert.equal(r.exchange.error, undefined, JSON.stringify(r.exchange.error));
        assert.equal(r.body?.toString(), `ok /v2/${i}`);
      }
    },
    { insecure: true },
  );
  assert.equal(server.sockets.length, 1, 'the server accepted one TLS socket');
  assert.deepEqual(
    server.seen.map((s) => s.httpVersion),
    ['2.0', '2.0', '2.0'],
  );
  assert.deepEqual(
    server.seen.map((s) => s.streamId),
    [1, 3, 5],
  );
  assert.equal(run.connections.length, 1);
  const c = run.connections[0];
  assert.equal(c.protocol, 'h2');
  assert.equal(c.tls?.alpn, 'h2');
  assert.equal(c.localPort, server.sockets[0]);
  assert.match(c.openDetail ?? '', /HTTP\/2.*request line at test\.http:\d+/);
  assert.deepEqual(
    run.exchanges.map((e) => e.streamId),
    [1, 3, 5],
  );
  assert.deepEqual(
    run.exchanges.map((e) => e.reused),
    [false, true, true],
  );
  assert.ok(run.exchanges.every((e) => e.request.httpVersion === 'HTTP/2' && e.response?.httpVersion === 'HTTP/2'));
});

test('HTTP/2 without h2 on the wire (http://, or a TLS server without h2) falls back to HTTP/1.1 and says so', async () => {
  const plain = await startRecordingServer();
  const tls = await startRecordingServer({ tls: true });
  const run = await withEngine(
    'keep-alive',
    {
      close: async () => {
        await plain.close();
        await tls.close();
      },
    },
    async (engine) => {
      for (const url of [`${plain.url}/a`, `${plain.url}/b`, `${tls.url}/c`]) {
        const r = await engine.send(request(url, { httpVersion: 'HTTP/2' }));
        assert.equal(r.exchange.error, undefined, JSON.stringify(r.exchange.error));
        assert.equal(r.exchange.request.httpVersion, 'HTTP/1.1');
      }
    },
    { insecure: true },
  );
  assert.deepEqual(
    [...plain.seen, ...tls.seen].map((s) => s.httpVersion),
    ['1.1', '1.1', '1.1'],
  );
  assert.equal(run.connections.length, 2);
  const [c1, c2] = run.connections;
  assert.equal(c1.protocol, 'http/1.1');
  assert.match(c1.openDetail ?? '', /^first connection to http:.*asked for HTTP\/2, but http:\/\/ URLs go over HTTP\/1\.1/);
  assert.equal(c1.openDetail?.match(/asked for HTTP\/2/g)?.length, 1, 'said once per connection');
  assert.equal(c2.tls?.alpn, 'http/1.1');
  assert.match(c2.openDetail ?? '', /the server chose http\/1\.1 in TLS ALPN/);
});

test('two engines in one process never mix their connections', async () => {
  const a = await startRecordingServer();
  const b = await startRecordingServer();
  const ra = new RunRecorder({ mode: 'keep-alive' });
  const rb = new RunRecorder({ mode: 'close' });
  const ea = new HttpEngine({ recorder: ra, mode: 'keep-alive' });
  const eb = new HttpEngine({ recorder: rb, mode: 'close' });
  try {
    await Promise.all([
      (async () => {
        for (let i = 0; i < 4; i++) await ea.send(request(`${a.url}/a${i}`));
      })(),
      (async () => {
        for (let i = 0; i < 4; i++) await eb.send(request(`${b.url}/b${i}`));
      })(),
    ]);
  } finally {
    await Promise.all([ea.close(), eb.close()]);
    await Promise.all([a.close(), b.close()]);
  }
  const runA = ra.finish();
  const runB = rb.finish();
  assertGroundTruth(runA, a.seen);
  assertGroundTruth(runB, b.seen);
  assert.equal(runA.connections.length, 1);
  assert.equal(runB.connections.length, 4);
});

export type { RecordingServer };
