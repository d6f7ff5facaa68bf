// What recording costs: frame round trips and a server flood through Wirelane's tracked
// session vs. a bare `ws` client, same process, same server, alternating runs. Ratios are
// the result; absolute times are context only. Also the flood's heap figures.

import { mkdirSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { openWebSocket } from '../src/runner/ws/session';
import { RunRecorder } from '../src/core/timeline/recorder';
import type { ResolvedRequest } from '../src/core/request';

const ROUND_TRIPS_PER_BLOCK = 300;
const BLOCKS = 10;
/** The memory figure uses the full flood; throughput alternates shorter floods. */
const FLOOD = 100_000;
const SPEED_FLOOD = 20_000;
const FLOOD_BYTES = 1024;
const FLOOD_RUNS = 4;

function request(url: string): ResolvedRequest {
  return { kind: 'websocket', regionIndex: 0, source: { file: 'bench.http', line: 1 }, method: 'WEBSOCKET', url, headers: [], wsSteps: [], secrets: [] };
}

function floodMessage(i: number): string {
  const head = `${i} `;
  return head + 'x'.repeat(FLOOD_BYTES - head.length);
}

/** Echo by default; a client that sends "flood N" gets N messages, paced by the socket. */
async function startServer(): Promise<{ url: string; close(): Promise<void> }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  wss.on('connection', (ws) => {
    ws.on('message', async (data, isBinary) => {
      const text = isBinary ? '' : data.toString();
      if (text.startsWith('flood ')) {
        const count = Number(text.slice(6));
        for (let i = 0; i < count;) {
          const end = Math.min(count, i + 1000);
          for (; i < end - 1; i++) ws.send(floodMessage(i));
          await new Promise<void>((r) => ws.send(floodMessage(i), () => r()));
          i++;
        }
        return;
      }
      ws.send(data, { binary: isBinary });
    });
  });
  const port = (wss.address() as AddressInfo).port;
  return { url: `ws://127.0.0.1:${port}`, close: () => new Promise((r) => wss.close(() => r())) };
}

interface Client {
  roundTrip(text: string): Promise<void>;
  flood(count: number): Promise<void>;
  close(): Promise<void>;
}

async function bareClient(url: string): Promise<Client> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  await new Promise<void>((r, j) => (ws.once('open', () => r()), ws.once('error', j)));
  let onMessage: (() => void) | undefined;
  ws.on('message', () => onMessage?.());
  return {
    roundTrip: (text) =>
      new Promise<void>((r) => {
        onMessage = r;
        ws.send(text);
      }),
    flood: (count) =>
      new Promise<void>((r) => {
        let n = 0;
        onMessage = () => {
          if (++n === count) r();
        };
        ws.send(`flood ${count}`);
      }),
    close: () => new Promise<void>((r) => (ws.once('close', () => r()), ws.close(1000))),
  };
}

async function trackedClient(url: string): Promise<Client> {
  const recorder = new RunRecorder();
  const h = await openWebSocket(request(url), { recorder });
  let onMessage: (() => void) | undefined;
  h.onFrame((f) => f.dir === 'receive' && f.opcode === 1 && onMessage?.());
  return {
    roundTrip: (text) =>
      new Promise<void>((r) => {
        onMessage = r;
        void h.sendText(text);
      }),
    flood: (count) =>
      new Promise<void>((r) => {
        let n = 0;
        onMessage = () => {
          if (++n === count) r();
        };
        void h.sendText(`flood ${count}`);
      }),
    close: () => h.close(),
  };
}

async function timeBlock(c: Client, block: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < ROUND_TRIPS_PER_BLOCK; i++) await c.roundTrip(`{"block": ${block}, "n": ${i}, "text": "hello over the wire"}`);
  return performance.now() - t0;
}

async function timeFlood(c: Client): Promise<number> {
  const t0 = performance.now();
  await c.flood(SPEED_FLOOD);
  return performance.now() - t0;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

async function main(): Promise<void> {
  const server = await startServer();
  // The flood's memory first, on a fresh heap: after gc with the session still open (what the model retains).
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const recorder = new RunRecorder({ maxFramesInMemory: 5000 });
  const h = await openWebSocket(request(server.url), { recorder });
  let peak = before;
  await new Promise<void>((r) => {
    h.onFrame((f) => {
      const n = h.session.totalFrames;
      if (n % 5000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
      if (f.dir === 'receive' && n >= FLOOD + 1) r();
    });
    void h.sendText(`flood ${FLOOD}`);
  });
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  const kept = h.session.frames.length;
  const dropped = h.session.droppedFrames;
  await h.close();

  // Both clients stay open; short blocks alternate so both see the same machine load.
  const bare = await bareClient(server.url);
  const ours = await trackedClient(server.url);
  for (let i = 0; i < 200; i++) {
    await bare.roundTrip(`warm ${i}`);
    await ours.roundTrip(`warm ${i}`);
  }
  const bareRt: number[] = [];
  const ourRt: number[] = [];
  for (let b = 0; b < BLOCKS; b++) {
    bareRt.push(await timeBlock(bare, b));
    ourRt.push(await timeBlock(ours, b));
  }
  const bareFlood: number[] = [];
  const ourFlood: number[] = [];
  for (let run = 0; run < FLOOD_RUNS; run++) {
    bareFlood.push(await timeFlood(bare));
    ourFlood.push(await timeFlood(ours));
  }
  await bare.close();
  await ours.close();

  await server.close();

  const mb = (n: number): string => (n / 1024 / 1024).toFixed(1);
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
  const rt = (ms: number): string => `${((ROUND_TRIPS_PER_BLOCK / ms) * 1000).toFixed(0)} round trips/s`;
  const fl = (ms: number): string => `${((SPEED_FLOOD / ms) * 1000).toFixed(0)} messages/s`;
  const md = `## WebSocket sessions (bench/ws.bench.ts)

Same process, same local \`ws\` server, both clients open at once and timed in alternating blocks
(medians shown; the ratio is total time over all blocks). Ratio = Wirelane's tracked session time ÷
bare \`ws\` client time (1.00 = no cost; lower is better).

| case | bare ws | Wirelane session | ratio |
|---|---|---|---|
| sequential text round trips, ${BLOCKS} blocks × ${ROUND_TRIPS_PER_BLOCK} | ${rt(median(bareRt))} | ${rt(median(ourRt))} | ${(sum(ourRt) / sum(bareRt)).toFixed(2)} |
| server flood, ${FLOOD_RUNS} runs × ${SPEED_FLOOD} × ${FLOOD_BYTES} B | ${fl(median(bareFlood))} | ${fl(median(ourFlood))} | ${(sum(ourFlood) / sum(bareFlood)).toFixed(2)} |

Flood memory (recorder keeps the last 5000 frames): heap before ${mb(before)} MB, peak during ${mb(peak)} MB,
after gc with the session open ${mb(after)} MB (retained growth ${mb(after - before)} MB); frames kept ${kept}, dropped from view ${dropped}.
Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.
`;
  console.log(md);
  mkdirSync('bench/out', { recursive: true });
  writeFileSync('bench/out/ws.md', md);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
