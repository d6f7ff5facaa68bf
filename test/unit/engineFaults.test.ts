// Faults: each gives its code and phase, is recorded on the right connection, and the next request still runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { HttpEngine, type EngineOptions } from '../../src/runner/http/engine';
import { toWlError } from '../../src/runner/http/errors';
import { RunRecorder } from '../../src/core/timeline/recorder';
import type { Run } from '../../src/core/timeline/model';
import { startRawServer, type RawServer } from '../servers/rawServer';
import { startRecordingServer } from '../servers/recordingServer';
import { selfSignedCertFor } from '../servers/certs';
import { request } from './engineHelpers';

async function rawRun(body: (e: HttpEngine, s: RawServer, r: RunRecorder) => Promise<void>, extra: Partial<EngineOptions> = {}): Promise<{ run: Run; server: RawServer }> {
  const server = await startRawServer();
  const recorder = new RunRecorder();
  const engine = new HttpEngine({ recorder, mode: 'keep-alive', timeoutMs: 5000, ...extra });
  try {
    await body(engine, server, recorder);
  } finally {
    await engine.close();
    await server.close();
  }
  return { run: recorder.finish(), server };
}

/** The fault request, then `/ok` on the same engine: it must succeed on a connection whose port the server saw. */
async function faultThenOk(path: string, code: string, phase: string, extra: Partial<EngineOptions> = {}, closeReason = 'error'): Promise<Run> {
  const { run, server } = await rawRun(async (engine, s) => {
    const bad = await engine.send(request(`${s.url}${path}`));
    assert.equal(bad.exchange.error?.code, code, JSON.stringify(bad.exchange.error));
    assert.equal(bad.exchange.error?.phase, phase);
    assert.deepEqual(bad.exchange.error?.source?.file, 'test.http');
    assert.ok(bad.exchange.error?.hint);
    const good = await engine.send(request(`${s.url}/ok`));
    assert.equal(good.exchange.error, undefined);
    assert.equal(good.body?.toString(), '/ok');
  }, extra);
  const [bad, good] = run.exchanges;
  const badConn = run.connections.find((c) => c.id === bad.connectionId);
  assert.ok(badConn, 'the failed exchange names its connection');
  assert.equal(badConn.localPort, server.seen[0].remotePort, 'failed exchange recorded on the socket the server saw');
  assert.equal(badConn.closeReason, closeReason);
  const goodConn = run.connections.find((c) => c.id === good.connectionId);
  assert.equal(goodConn?.localPort, server.seen[1].remotePort);
  assert.notEqual(goodConn?.id, badConn.id);
  return run;
}

test('reset before headers → WL_RESET (wait)', async () => {
  await faultThenOk('/reset-before-headers', 'WL_RESET', 'wait');
});

test('reset mid-body → WL_RESET (receive)', async () => {
  await faultThenOk('/reset-mid-body', 'WL_RESET', 'receive');
});

test('truncated chunked body → WL_CLOSED (receive)', async () => {
  await faultThenOk('/truncated-chunked', 'WL_CLOSED', 'receive', {}, 'server-closed');
});

test('server closes before any header → WL_CLOSED (wait)', async () => {
  await faultThenOk('/close-before-headers', 'WL_CLOSED', 'wait', {}, 'server-closed');
});

test('malformed status line → WL_PROTOCOL (wait)', async () => {
  await faultThenOk('/malformed-status', 'WL_PROTOCOL', 'wait');
});

test('server never answers → WL_TIMEOUT (wait), Wirelane closes that connection', async () => {
  // 1.5 s, not less: on a starved event loop the timer can fire before the connect callback runs,
  // and the engine then truthfully reports the connect phase.
  const run = await faultThenOk('/never', 'WL_TIMEOUT', 'wait', { timeoutMs: 1500 });
  assert.match(run.connections[0].closeDetail ?? '', /WL_TIMEOUT/);
});

test('per-request @timeout wins over the engine default', async () => {
  const { run } = await rawRun(async (engine, s) => {
    const r = await engine.send(request(`${s.url}/ok?ms=2000`, { timeoutMs: 150 }));
    assert.equal(r.exchange.error?.code, 'WL_TIMEOUT');
  });
  assert.equal(run.exchanges.length, 1);
});

test('server closes an idle connection (FIN, no hint) → next opens with reason server-closed', async () => {
  const { run, server } = await rawRun(async (engine, s, recorder) => {
    await engine.send(request(`${s.url}/ok-then-fin`));
    await new Promise<void>((resolve) => {
      const off = recorder.on(() => {
        if (recorder.connection('c1')?.closedAt !== undefined) {
          off();
          resolve();
        }
      });
      if (recorder.connection('c1')?.closedAt !== undefined) resolve();
    });
    await engine.send(request(`${s.url}/ok`));
  });
  assert.equal(run.connections[0].closeReason, 'server-closed');
  assert.match(run.connections[0].closeDetail ?? '', /FIN/);
  assert.equal(run.connections[1].openReason, 'server-closed');
  assert.equal(run.connections[1].localPort, server.seen[1].remotePort);
});

test('connection refused → WL_CONNECT_REFUSED (connect), next request runs', async () => {
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const good = await startRecordingServer();
  const recorder = new RunRecorder();
  const engine = new HttpEngine({ recorder, mode: 'keep-alive' });
  try {
    const bad = await engine.send(request(`http://127.0.0.1:${port}/x`));
    assert.equal(bad.exchange.error?.code, 'WL_CONNECT_REFUSED');
    assert.equal(bad.exchange.error?.phase, 'connect');
    assert.equal(bad.exchange.error?.source?.line, bad.exchange.source?.line);
    const again = await engine.send(request(`http://127.0.0.1:${port}/y`));
    assert.equal(again.exchange.error?.code, 'WL_CONNECT_REFUSED');
    const ok = await engine.send(request(`${good.url}/ok`));
    assert.equal(ok.exchange.response?.status, 200);
  } finally {
    await engine.close();
    await good.close();
  }
  const run = recorder.finish();
  const failed = run.connections.filter((c) => c.origin.endsWith(`:${port}`));
  assert.equal(failed.length, 2);
  assert.ok(failed.every((c) => c.closeReason === 'error' && c.localPort === undefined));
  assert.equal(run.exchanges[0].connectionId, failed[0].id);
  assert.equal(run.exchanges[1].connectionId, failed[1].id);
  assert.equal(run.connections.find((c) => c.id === run.exchanges[2].connectionId)?.localPort, good.seen[0].remotePort);
});

test('TLS: self-signed certificate → WL_TLS_CERT (tls); @insecure gets through', async () => {
  const server = await startRecordingServer({ tls: true });
  const recorder = new RunRecorder();
  const engine = new HttpEngine({ recorder, mode: 'keep-alive' });
  try {
    const bad = await engine.send(request(`${server.url}/x`));
    assert.equal(bad.exchange.error?.code, 'WL_TLS_CERT', JSON.stringify(bad.exchange.error));
    assert.equal(bad.exchange.error?.phase, 'tls');
    const ok = await engine.send(request(`${server.url}/y`, { insecure: true }));
    assert.equal(ok.exchange.response?.status, 200);
  } finally {
    await engine.close();
    await server.close();
  }
  const run = recorder.finish();
  const okConn = run.connections.find((c) => c.id === run.exchanges[1].connectionId);
  assert.equal(okConn?.localPort, server.seen[0].remotePort);
  assert.equal(okConn?.tls?.authorized, false);
  assert.equal(server.seen.length, 1);
});

test('TLS: trusted certificate for another name → WL_TLS_HOSTNAME (tls)', async () => {
  const cert = await selfSignedCertFor('wrong.example');
  const server = await startRecordingServer({ tls: true, cert });
  const recorder = new RunRecorder();
  const engine = new HttpEngine({ recorder, mode: 'keep-alive', ca: cert.cert });
  try {
    const bad = await engine.send(request(`${server.url}/x`));
    assert.equal(bad.exchange.error?.code, 'WL_TLS_HOSTNAME', JSON.stringify(bad.exchange.error));
    assert.equal(bad.exchange.error?.phase, 'tls');
    const ok = await engine.send(request(`${server.url}/y`, { insecure: true }));
    assert.equal(ok.exchange.response?.status, 200);
  } finally {
    await engine.close();
    await server.close();
  }
});

test('error codes come from err.code, not message text', () => {
  const e = (code: string, message = 'anything') => Object.assign(new Error(message), { code });
  assert.equal(toWlError(e('ENOTFOUND'), 'connecting').code, 'WL_DNS');
  assert.equal(toWlError(e('ENOTFOUND'), 'connecting').phase, 'dns');
  assert.equal(toWlError(e('UND_ERR_CONNECT_TIMEOUT'), 'connecting').code, 'WL_CONNECT_TIMEOUT');
  assert.equal(toWlError(e('ERR_SSL_WRONG_VERSION_NUMBER'), 'connecting').code, 'WL_TLS');
  assert.equal(toWlError(e('ECONNRESET', 'timeout'), 'waiting').code, 'WL_RESET');
  assert.equal(toWlError(e('HPE_INVALID_CONSTANT', 'reset'), 'waiting').code, 'WL_PROTOCOL');
});
