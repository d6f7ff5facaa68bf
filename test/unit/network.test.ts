// Simulated network conditions on real sockets: each assertion is a lower bound physics sets
// (a new connection cannot answer before 2 RTT, bytes cannot arrive faster than the link), plus
// the ground truth that the server saw the client ports the tracker recorded.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http, { type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { HttpEngine, type EngineOptions } from '../../src/runner/http/engine';
import { Shaper } from '../../src/runner/net/conditions';
import { RunRecorder } from '../../src/core/timeline/recorder';
import type { Exchange, Run } from '../../src/core/timeline/model';
import type { NetworkConditions } from '../../src/core/network';
import { describeNetwork, resolveNetwork } from '../../src/core/network';
import { toHar } from '../../src/core/har/write';
import { readHar } from '../../src/core/har/read';
import { openWebSocket } from '../../src/runner/ws/session';
import { startH2Server, startRecordingServer, type RecordingServer } from '../servers/recordingServer';
import { startWsServer, type RecordingWsServer } from '../servers/wsServer';
import { openTunnel } from '../servers/connectTunnel';
import { assertGroundTruth, request } from './engineHelpers';
import { predict, predictionInput, type PredictionInput } from '../../src/core/timeline/prediction';
import { cli } from './cliHarness';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const RTT = 100;
const COND: NetworkConditions = { rttMs: RTT, downKbps: 0, upKbps: 0 };

let plain: RecordingServer;
let secure: RecordingServer;
let h2: RecordingServer;
let wsServer: RecordingWsServer;
let proxy: Server;
let proxyUrl = '';
let proxySeen: Array<{ port: number; target: string }> = [];
const proxySockets = new Set<Socket>();

before(async () => {
  [plain, secure, h2, wsServer] = await Promise.all([startRecordingServer(), startRecordingServer({ tls: true }), startH2Server(), startWsServer()]);
  proxy = http.createServer((_req, res) => res.writeHead(501).end());
  proxy.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    proxySeen.push({ port: client.remotePort!, target: req.url! });
    proxySockets.add(client);
    openTunnel(req.url!, client, head, (s) => proxySockets.add(s));
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

after(async () => {
  for (const s of proxySockets) s.destroy();
  await Promise.all([plain.close(), secure.close(), h2.close(), wsServer.close(), new Promise((r) => proxy.close(r))]);
});

async function withEngine(conditions: NetworkConditions, extra: Partial<EngineOptions>, body: (e: HttpEngine) => Promise<void>): Promise<Run> {
  const recorder = new RunRecorder({ mode: extra.mode ?? 'keep-alive' });
  recorder.run.network = conditions;
  const engine = new HttpEngine({ recorder, mode: 'keep-alive', network: new Shaper(conditions), ...extra });
  try {
    await body(engine);
  } finally {
    await engine.close();
  }
  return recorder.run;
}

const took = (e: Exchange): number => e.endedAt! - e.startedAt;

function ok(e: Exchange): void {
  assert.equal(e.error, undefined, e.error && `${e.error.code}: ${e.error.message}`);
  assert.equal(e.response?.status, 200);
}

test('close mode: every request pays 2 RTT (connect + request); the server saw the ports the tracker recorded', async () => {
  const before = plain.seen.length;
  const run = await withEngine(COND, { mode: 'close' }, async (e) => {
    for (let i = 0; i < 2; i++) await e.send(request(`${plain.url}/c${i}`));
  });
  for (const ex of run.exchanges) {
    ok(ex);
    assert.equal(ex.reused, false);
    assert.ok(took(ex) >= 2 * RTT, `close-mode request took ${took(ex)} ms, less than 2 RTT`);
    assert.ok(ex.timings.connect >= RTT, `connect ${ex.timings.connect} ms < 1 RTT`);
  }
  assert.equal(run.connections.length, 2);
  assertGroundTruth(run, plain.seen.slice(before));
});

test('keep-alive: a reused connection costs one RTT per request, not two', async () => {
  const before = plain.seen.length;
  const run = await withEngine(COND, {}, async (e) => {
    await e.send(request(`${plain.url}/k0`));
    await e.send(request(`${plain.url}/k1`));
  });
  const [first, second] = run.exchanges;
  ok(first);
  ok(second);
  assert.ok(took(first) >= 2 * RTT, `first ${took(first)} ms`);
  assert.equal(second.reused, true);
  assert.ok(took(second) >= RTT, `reused request took ${took(second)} ms < 1 RTT`);
  assert.ok(took(second) < 2 * RTT, `reused request took ${took(second)} ms: a reused connection must not pay a handshake`);
  assertGroundTruth(run, plain.seen.slice(before));
});

test('TLS runs over the shaped stream: the handshake costs its round trip, before the request pays one', async () => {
  const before = secure.seen.length;
  const run = await withEngine(COND, { insecure: true }, async (e) => {
    await e.send(request(`${secure.url}/tls`));
  });
  const [ex] = run.exchanges;
  ok(ex);
  const c = run.connections[0];
  assert.equal(c.tls?.version, 'TLSv1.3');
  assert.ok(c.secureAt! - c.connectedAt! >= RTT, `TLS took ${c.secureAt! - c.connectedAt!} ms < 1 RTT`);
  assert.ok(took(ex) >= 3 * RTT, `TCP + TLS 1.3 + request took ${took(ex)} ms < 3 RTT`);
  assertGroundTruth(run, secure.seen.slice(before));
});

test('h2 with conditions: streams share one shaped connection', async () => {
  const before = h2.seen.length;
  const run = await withEngine({ rttMs: 60, downKbps: 0, upKbps: 0 }, { mode: 'h2', insecure: true }, async (e) => {
    await Promise.all([0, 1, 2].map((i) => e.send(request(`${h2.url}/s${i}`))));
  });
  assert.equal(run.connections.length, 1);
  assert.equal(run.connections[0].protocol, 'h2');
  for (const ex of run.exchanges) {
    ok(ex);
    assert.ok(took(ex) >= 3 * 60, `h2 request on a new connection took ${took(ex)} ms < 3 RTT`);
  }
  const seen = h2.seen.slice(before);
  assert.equal(seen.length, 3);
  for (const s of seen) assert.equal(s.remotePort, run.connections[0].localPort);
});

test('bandwidth serialises the body: 64 KiB at 800 kbit/s cannot arrive before 655 ms', async () => {
  const run = await withEngine({ rttMs: 0, downKbps: 800, upKbps: 0 }, {}, async (e) => {
    await e.send(request(`${plain.url}/big?mb=0.0625`));
  });
  const [ex] = run.exchanges;
  ok(ex);
  assert.equal(ex.response?.body?.size, 65536);
  assert.ok(took(ex) >= (65536 * 8) / 800, `64 KiB at 800 kbit/s took ${took(ex)} ms`);
});

test('slow start: 64 KiB on a fresh connection needs 3 more rounds than the first 10 segments', async () => {
  const rtt = 50;
  const run = await withEngine({ rttMs: rtt, downKbps: 0, upKbps: 0 }, {}, async (e) => {
    await e.send(request(`${plain.url}/big?mb=0.0625`));
  });
  const [ex] = run.exchanges;
  ok(ex);
  // cwnd 14,600 → 29,200 → 58,400 bytes: 65,536 bytes take 3 rounds after the request's own (connect + request = 2 RTT).
  assert.ok(took(ex) >= 4 * rtt, `64 KiB through slow start took ${took(ex)} ms < 4 RTT`);
});

test('HTTP/1.0 and a proxy tunnel go through the shaper too; the proxy saw the recorded port', async () => {
  proxySeen = [];
  const run = await withEngine(COND, { insecure: true, proxy: { url: proxyUrl } }, async (e) => {
    await e.send(request(`${secure.url}/tunnel`));
    await e.send(request(`${plain.url}/old`, { httpVersion: 'HTTP/1.0', noProxy: true } as never));
  });
  const [tunnelled] = run.exchanges;
  ok(tunnelled);
  // TCP to the proxy, CONNECT, TLS 1.3 inside the tunnel, the request: 4 RTT.
  assert.ok(took(tunnelled) >= 4 * RTT, `tunnelled request took ${took(tunnelled)} ms < 4 RTT`);
  assert.equal(proxySeen.length >= 1, true);
  assert.equal(run.connections[0].localPort, proxySeen[0].port);
  assert.equal(run.connections[0].proxy, proxyUrl);
});

test('HTTP/1.0 directly: one shaped connection per request, 2 RTT', async () => {
  const before = plain.seen.length;
  const run = await withEngine(COND, {}, async (e) => {
    await e.send(request(`${plain.url}/ten`, { httpVersion: 'HTTP/1.0' }));
  });
  const [ex] = run.exchanges;
  ok(ex);
  assert.ok(took(ex) >= 2 * RTT, `HTTP/1.0 request took ${took(ex)} ms`);
  assertGroundTruth(run, plain.seen.slice(before));
});

test('WebSocket: the upgrade pays connect + 1 RTT, each echo one more RTT; the server saw the recorded port', async () => {
  const recorder = new RunRecorder();
  const shaper = new Shaper({ rttMs: 60, downKbps: 0, upKbps: 0 });
  const t0 = performance.now();
  const handle = await openWebSocket(request(wsServer.url.replace(/^http/, 'ws'), { kind: 'websocket', method: 'GET' }), { recorder, network: shaper });
  const upgraded = performance.now() - t0;
  assert.ok(upgraded >= 2 * 60, `upgrade took ${upgraded} ms < 2 RTT`);
  const peer = await wsServer.nextPeer();
  const c = recorder.run.connections[0];
  assert.equal(c.localPort, peer.remotePort);
  const echoed = new Promise<number>((resolve) => {
    const off = handle.onFrame((f) => {
      if (f.dir === 'receive') {
        off();
        resolve(performance.now());
      }
    });
  });
  const sentAt = performance.now();
  await handle.sendText('hello');
  assert.ok((await echoed) - sentAt >= 60, 'an echo needs a round trip');
  await handle.close(1000, 'done');
  await handle.closed;
});

test('the HAR records log._wirelane.network and reads it back', async () => {
  const run = await withEngine({ rttMs: 20, downKbps: 1638.4, upKbps: 750, preset: 'slow-4g' }, {}, async (e) => {
    await e.send(request(`${plain.url}/har`));
  });
  const har = toHar(run);
  assert.deepEqual(har.log._wirelane?.network, { rttMs: 20, downKbps: 1638.4, upKbps: 750, preset: 'slow-4g' });
  const back = readHar(JSON.stringify(har));
  assert.deepEqual(back.run.network, { rttMs: 20, downKbps: 1638.4, upKbps: 750, preset: 'slow-4g' });
});

test('presets and flags: --network slow-4g, overrides, RTT/DOWN/UP, bad values are usage errors', () => {
  assert.deepEqual(resolveNetwork({ network: 'slow-4g' }), { rttMs: 150, downKbps: 1638.4, upKbps: 750, preset: 'slow-4g' });
  assert.deepEqual(resolveNetwork({ network: 'Slow 4G', rtt: '40' }), { rttMs: 40, downKbps: 1638.4, upKbps: 750, preset: 'slow-4g' });
  assert.deepEqual(resolveNetwork({ network: '100/1600/750' }), { rttMs: 100, downKbps: 1600, upKbps: 750 });
  assert.deepEqual(resolveNetwork({ rtt: '40' }), { rttMs: 40, downKbps: 0, upKbps: 0 });
  assert.equal(resolveNetwork({ network: 'off' }), undefined);
  assert.equal(resolveNetwork({}), undefined);
  assert.throws(
    () => resolveNetwork({ network: 'warp-speed' }),
    (e: { code?: string }) => e.code === 'WL_USAGE',
  );
  assert.throws(
    () => resolveNetwork({ rtt: '-5' }),
    (e: { code?: string }) => e.code === 'WL_USAGE',
  );
  assert.match(describeNetwork({ rttMs: 150, downKbps: 1638.4, upKbps: 750, preset: 'slow-4g' }), /^simulated network: Slow 4G — RTT 150 ms, down 1\.6 Mbit\/s, up 750 kbit\/s$/);
});

test('bandwidth is one link per run: two connections downloading at once share it', async () => {
  // Two 32 KiB bodies on two connections (keep-alive opens a second one while the first is busy)
  // share 800 kbit/s: together they cannot arrive before 64 KiB × 8 / 800 = 655 ms.
  const run = await withEngine({ rttMs: 0, downKbps: 800, upKbps: 0 }, {}, async (e) => {
    await Promise.all([e.send(request(`${plain.url}/big?mb=0.03125`)), e.send(request(`${plain.url}/big?mb=0.03125`))]);
  });
  assert.equal(run.connections.length, 2);
  for (const ex of run.exchanges) ok(ex);
  const first = Math.min(...run.exchanges.map((e) => e.startedAt));
  const last = Math.max(...run.exchanges.map((e) => e.endedAt!));
  assert.ok(last - first >= (65536 * 8) / 800, `two 32 KiB bodies through one 800 kbit/s link took ${last - first} ms`);
});

test('upload bandwidth: a 32 KiB body at 400 kbit/s up reaches the server no sooner than 655 ms', async () => {
  const before = plain.seen.length;
  const body = Buffer.alloc(32 * 1024, 0x62);
  const run = await withEngine({ rttMs: 0, downKbps: 0, upKbps: 400 }, {}, async (e) => {
    await e.send(request(`${plain.url}/upload`, { method: 'POST', headers: [['Content-Type', 'application/octet-stream']], body: { kind: 'bytes', data: body } }));
  });
  const [ex] = run.exchanges;
  ok(ex);
  assert.equal(plain.seen[before].body.length, body.length, 'the server got the whole body');
  assert.ok(took(ex) >= (body.length * 8) / 400, `32 KiB up at 400 kbit/s took ${took(ex)} ms`);
});

function input(extra: Partial<PredictionInput>): PredictionInput {
  return { mode: 'keep-alive', requests: 5, connections: 1, tlsRoundTrips: 0, tls12: 0, tls13: 0, bytesDown: 0, bytesUp: 0, measuredMs: 0, serverMs: 0, maxServerMs: 0, ...extra };
}

test('the textbook model: 2 RTT per non-persistent request, 1 per persistent one, 1 per window, +1 per TLS 1.3 handshake', () => {
  const net = { rttMs: 100, downKbps: 0, upKbps: 0 };
  assert.equal(predict(input({ mode: 'close', connections: 5 }), net).modelMs, 1000);
  assert.match(predict(input({ mode: 'close', connections: 5 }), net).formula, /^5 × 2 RTT = 10 RTT = 1000 ms$/);
  assert.equal(predict(input({}), net).modelMs, 600);
  assert.equal(predict(input({ mode: 'pipeline:4', requests: 8 }), net).modelMs, 300);
  assert.equal(predict(input({ mode: 'h2', requests: 8, tls13: 1, tlsRoundTrips: 1 }), net).modelMs, 300);
  assert.equal(predict(input({ mode: 'close', connections: 5, tls13: 5, tlsRoundTrips: 5 }), net).modelMs, 1500);
  // TLS 1.2: two round trips per handshake, and the explanation says so.
  const tls12 = predict(input({ tls12: 1, tlsRoundTrips: 2, measuredMs: 860 }), net);
  assert.equal(tls12.modelMs, 800);
  assert.match(tls12.explanation, /counts each TLS 1\.2 handshake as 2 RTT/);
  // Bandwidth: transmission time on top of the round trips.
  assert.equal(predict(input({ bytesDown: 100_000 }), { rttMs: 100, downKbps: 800, upKbps: 0 }).modelMs, 600 + 1000);
  // Server think time is named when it is what the measurement adds.
  const slow = predict(input({ measuredMs: 900, serverMs: 280 }), net);
  assert.ok(Math.abs(slow.ratio! - 1.5) < 1e-9);
  assert.match(slow.explanation, /^\+300 ms beyond the model: 280 ms of it is the server's own time \(each wait beyond one RTT\); the other 20 ms: timers and the local network stack/);
  // Faster than physics allows is called out, not hidden.
  assert.match(predict(input({ measuredMs: 300 }), net).explanation, /under the model/);
  // Without a round trip there is nothing to predict.
  assert.equal(predict(input({ measuredMs: 3 }), { rttMs: 0, downKbps: 0, upKbps: 0 }).ratio, undefined);
});

test('predictionInput counts a recorded run: requests, connections opened, TLS versions, measured span', async () => {
  const run = await withEngine({ rttMs: 30, downKbps: 0, upKbps: 0 }, { mode: 'close', insecure: true }, async (e) => {
    for (let i = 0; i < 3; i++) await e.send(request(`${secure.url}/p${i}`));
  });
  const i = predictionInput(run);
  assert.equal(i.requests, 3);
  assert.equal(i.connections, 3);
  assert.equal(i.tls13, 3);
  assert.ok(i.measuredMs >= 9 * 30, `3 × (TCP + TLS 1.3 + request) at RTT 30 took ${i.measuredMs} ms`);
  assert.ok(predict(i, run.network!).ratio! >= 1);
});

test('CLI: run --rtt says the timings are simulated and records them; compare --json carries the model per mode', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wl-net-cli-'));
  try {
    const file = join(dir, 'net.http');
    writeFileSync(file, `### a\nGET ${plain.url}/a\n\n### b\nGET ${plain.url}/b\n`);
    const har = join(dir, 'net.har');
    const r = await cli(['run', file, '--network', 'slow-4g', '--rtt', '20', '--har', har]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /simulated network: Slow 4G \(adjusted\) — RTT 20 ms, down 1\.6 Mbit\/s, up 750 kbit\/s \(timings are of the simulated link/);
    assert.deepEqual(JSON.parse(readFileSync(har, 'utf8')).log._wirelane.network, { rttMs: 20, downKbps: 1638.4, upKbps: 750, preset: 'slow-4g' });
    const c = await cli(['compare', file, '--modes', 'close,keep-alive', '--rtt', '20', '--json']);
    assert.equal(c.code, 0, c.err);
    const out = JSON.parse(c.out) as { network: unknown; modes: Array<{ mode: string; model: { modelMs: number; ratio: number; formula: string } }> };
    assert.deepEqual(out.network, { rttMs: 20, downKbps: 0, upKbps: 0 });
    assert.deepEqual(
      out.modes.map((m) => [m.mode, m.model.modelMs]),
      [
        ['close', 80],
        ['keep-alive', 60],
      ],
    );
    for (const m of out.modes) assert.ok(m.model.ratio >= 0.95, `${m.mode}: measured/model ${m.model.ratio}`);
    const bad = await cli(['run', file, '--network', 'warp']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /unknown network 'warp'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
