// Mode h2 multiplexes: the server answers only once it holds three streams at the same time, so
// the requests must really be in flight together on one connection (undici's `pipelining: 1`
// once capped an HTTP/2 session at one stream, and this run would then time out).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { HttpEngine } from '../../src/runner/http/engine';
import { RunRecorder } from '../../src/core/timeline/recorder';
import { selfSignedCert } from '../servers/certs';
import { request } from './engineHelpers';

test('h2: three requests are open streams at once on one connection', async () => {
  const held: Array<{ res: http2.Http2ServerResponse; port: number }> = [];
  const server = http2.createSecureServer(await selfSignedCert(), (req, res) => {
    held.push({ res, port: req.socket.remotePort! });
    if (held.length === 3) for (const h of held) h.res.end('together');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const recorder = new RunRecorder({ mode: 'h2' });
  const engine = new HttpEngine({ recorder, mode: 'h2', insecure: true, timeoutMs: 5000 });
  try {
    const results = await Promise.all([1, 2, 3].map((i) => engine.send(request(`${url}/s${i}`))));
    for (const r of results) assert.equal(r.exchange.error, undefined, r.exchange.error?.message);
    assert.deepEqual(
      results.map((r) => r.exchange.response?.status),
      [200, 200, 200],
    );
    assert.equal(recorder.run.connections.length, 1);
    assert.deepEqual(new Set(held.map((h) => h.port)), new Set([recorder.run.connections[0].localPort]));
    assert.deepEqual(results.map((r) => r.exchange.streamId).sort(), [1, 3, 5]);
  } finally {
    await engine.close();
    await new Promise((r) => server.close(r));
  }
});
