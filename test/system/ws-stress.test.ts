// The heavy WebSocket cases: a server flooding 100,000 messages (memory must stay bounded)
// and one 10 MB binary frame each way. Real sockets on 127.0.0.1, the server's record is the truth.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import type { WebSocket } from 'ws';
import { openWebSocket } from '../../src/runner/ws/session';
import { RunRecorder } from '../../src/core/timeline/recorder';
import type { ResolvedRequest } from '../../src/core/request';
import { startWsServer } from '../servers/wsServer';

const FLOOD = 100_000;
const MESSAGE_BYTES = 1024;
const MAX_FRAMES = 5000;
/** Keeping every frame would retain ~FLOOD × MESSAGE_BYTES ≈ 100 MB; the bound sits well below that. */
const RETAINED_BOUND_BYTES = 50 * 1024 * 1024;

function wsRequest(url: string): ResolvedRequest {
  return { kind: 'websocket', regionIndex: 0, source: { file: '/t/flood.http', line: 1 }, method: 'WEBSOCKET', url, headers: [], wsSteps: [], secrets: [] };
}

function gcFunction(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

function floodMessage(i: number): string {
  const head = `${i} `;
  return head + 'x'.repeat(MESSAGE_BYTES - head.length);
}

/** Sends in batches, each waiting until written, so the server side does not buffer the whole flood. */
async function flood(ws: WebSocket): Promise<void> {
  for (let i = 0; i < FLOOD;) {
    const end = Math.min(FLOOD, i + 1000);
    for (; i < end - 1; i++) ws.send(floodMessage(i));
    await new Promise<void>((resolve, reject) => ws.send(floodMessage(i), (err) => (err ? reject(err) : resolve())));
    i++;
  }
}

test(`a flood of ${FLOOD} messages: every frame counted, the last ${MAX_FRAMES} kept, memory bounded`, { timeout: 60_000 }, async () => {
  const gc = gcFunction();
  let floodDone!: Promise<void>;
  const server = await startWsServer({ onConnection: (p) => (floodDone = flood(p.ws)) });
  const recorder = new RunRecorder({ maxFramesInMemory: MAX_FRAMES });
  try {
    gc();
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    const started = performance.now();
    const h = await openWebSocket(wsRequest(server.url), { recorder });
    // Frames may arrive before we subscribe: count on the session, not in the listener.
    const all = new Promise<void>((resolve) => {
      const check = (): void => {
        const n = h.session.totalFrames;
        if (n % 5000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
        if (n >= FLOOD) resolve();
      };
      h.onFrame(check);
      check();
    });
    await all;
    const elapsed = performance.now() - started;
    await floodDone;
    const s = h.session;
    assert.equal(s.totalFrames, FLOOD);
    assert.ok(s.frames.length <= MAX_FRAMES, `kept ${s.frames.length}`);
    assert.equal(s.droppedFrames + s.frames.length, FLOOD);
    // What is kept is the tail of the flood, in order.
    const first = FLOOD - s.frames.length;
    s.frames.forEach((f, k) => {
      assert.equal(f.data, floodMessage(first + k));
      assert.equal(f.size, MESSAGE_BYTES);
    });
    gc();
    const afterFlood = process.memoryUsage().heapUsed;
    await h.close();
    const growth = afterFlood - before;
    const mb = (n: number): string => (n / 1024 / 1024).toFixed(1);
    console.log(
      `flood: ${FLOOD} × ${MESSAGE_BYTES} B in ${elapsed.toFixed(0)} ms; heap before ${mb(before)} MB, peak ${mb(peak)} MB, after (gc, session still open) ${mb(afterFlood)} MB, retained growth ${mb(growth)} MB; frames kept ${s.frames.length}, dropped ${s.droppedFrames}`,
    );
    assert.ok(growth < RETAINED_BOUND_BYTES, `heap grew by ${mb(growth)} MB`);
  } finally {
    await server.close();
  }
});

test('a 10 MB binary frame each way arrives intact; the model keeps a bounded preview', { timeout: 60_000 }, async () => {
  const server = await startWsServer();
  const recorder = new RunRecorder();
  try {
    const h = await openWebSocket(wsRequest(server.url), { recorder, timeoutMs: 30_000 });
    const payload = randomBytes(10 * 1024 * 1024);
    const echoed = new Promise<void>((resolve) => h.onFrame((f) => f.dir === 'receive' && f.opcode === 2 && resolve()));
    await h.sendBinary(payload);
    await echoed;
    const peer = await server.nextPeer();
    const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
    assert.equal(peer.received.length, 1);
    assert.equal(peer.received[0].data.length, payload.length);
    assert.equal(sha(peer.received[0].data), sha(payload), 'the server got our exact bytes');
    const [sent, received] = h.session.frames.filter((f) => f.opcode === 2);
    for (const f of [sent, received]) {
      assert.equal(f.size, payload.length);
      assert.equal(f.truncated, true);
      assert.equal(f.data, payload.subarray(0, 64 * 1024).toString('base64'));
    }
    assert.equal(sent.dir, 'send');
    assert.equal(received.dir, 'receive');
    await h.close();
  } finally {
    await server.close();
  }
});

test('many 1 MB sends fired at once wait for the socket instead of queueing all of them', { timeout: 60_000 }, async () => {
  const COUNT = 48;
  const MB = 1024 * 1024;
  let serverGot = 0;
  let inOrder = true;
  let allArrived!: () => void;
  const arrived = new Promise<void>((r) => (allArrived = r));
  const server = await startWsServer({
    keepPayloadBytes: 0,
    onMessage: (_p, data) => {
      if (data.length !== MB || data[0] !== serverGot % 256) inOrder = false;
      if (++serverGot === COUNT) allArrived();
    },
  });
  const recorder = new RunRecorder();
  try {
    const h = await openWebSocket(wsRequest(server.url), { recorder, timeoutMs: 30_000 });
    const sends: Array<Promise<void>> = [];
    // The server shares this thread, so nothing is read while this loop runs: only what the
    // kernel takes can leave, and every other send must wait instead of queueing 48 MB.
    for (let i = 0; i < COUNT; i++) sends.push(h.sendBinary(Buffer.alloc(MB, i % 256)));
    const handedToWs = h.session.frames.filter((f) => f.dir === 'send').length;
    console.log(`sends handed to ws before the first drain: ${handedToWs} of ${COUNT}`);
    assert.ok(handedToWs < COUNT / 2, `${handedToWs} of ${COUNT} sends were queued at once`);
    await Promise.all(sends);
    await arrived;
    assert.equal(serverGot, COUNT);
    assert.ok(inOrder, 'the server got every megabyte, in order');
    assert.equal(h.session.frames.filter((f) => f.dir === 'send' && f.size === MB).length, COUNT);
    await h.close();
  } finally {
    await server.close();
  }
});
