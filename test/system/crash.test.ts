// Crash safety of `wirelane run --har`: the CLI is SIGKILLed at random moments of a recorded
// run, 20 times for 1,000 HTTP requests (when a randomly chosen request reaches the server, so
// the kill lands inside the run however fast the machine is) and 20 times for a WebSocket
// session (0–3 s after the upgrade). Every file left
// behind must be a valid HAR holding every exchange (every frame) that completed more than a
// second before the kill. "Completed" is taken from the server's log, not from the client: a
// sequential keep-alive run sends request i+1 only after exchange i ended, so the arrival of
// i+1 at the server proves i was done; a frame is done when the server's write of it finished.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AddressInfo, Socket } from 'node:net';
import * as esbuild from 'esbuild';
import { WebSocketServer } from 'ws';
import { readHar } from '../../src/core/har/read';
import type { Har } from '../../src/core/har/types';

const ROOT = resolve(__dirname, '../..');
const KILLS = 20;
const REQUESTS = 1000;
const MARGIN_MS = 1000;
/** One kill at a time: overlapping runs would load the machine the 1-second bound is measured on. */
const CONCURRENCY = 1;
const SEED = Number(process.env.WL_CRASH_SEED ?? Date.now() % 100_000);

let dir = '';
let cli = '';

/** A small deterministic PRNG, so a failing kill schedule can be replayed with WL_CRASH_SEED. */
function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x1_0000_0000;
  };
}
const random = prng(SEED);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wl-crash-'));
  // Bundled from the current sources like dist/cli.js, so each start costs what a user's does.
  cli = join(dir, 'cli.js');
  await esbuild.build({ entryPoints: [join(ROOT, 'src/cli/main.ts')], outfile: cli, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'silent' });
  console.log(`crash schedule seed ${SEED} (replay with WL_CRASH_SEED=${SEED})`);
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function pool(n: number, width: number, job: (k: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) await job(next++);
  };
  await Promise.all(Array.from({ length: width }, worker));
}

function startCli(args: string[]): { child: ChildProcess; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> } {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  child.stderr!.on('data', (d: Buffer) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>((r) => child.on('exit', (code, signal) => r({ code, signal, out })));
  return { child, exited };
}

/** The file must parse as JSON, look like HAR 1.2, and be accepted by our own reader. */
function readValidHar(path: string): Har {
  assert.ok(existsSync(path), `no recording at ${path}`);
  const text = readFileSync(path, 'utf8');
  let har: Har;
  try {
    har = JSON.parse(text) as Har;
  } catch (e) {
    assert.fail(`not valid JSON (${text.length} bytes): ${(e as Error).message}`);
  }
  assert.equal(har.log.version, '1.2');
  assert.ok(Array.isArray(har.log.entries));
  for (const e of har.log.entries) {
    assert.equal(typeof e.startedDateTime, 'string');
    assert.ok(e.request && e.response && e.timings, 'entry has request, response and timings');
  }
  readHar(text);
  return har;
}

interface Figures {
  kills: number;
  required: number[];
  recorded: number[];
  lagMs: number[];
}

function summary(name: string, f: Figures): string {
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  return `${name}: ${f.kills} kills, every file valid; required (done > ${MARGIN_MS} ms before the kill) median ${med(f.required)} max ${Math.max(...f.required)}, recorded median ${med(f.recorded)}; worst lag of the file behind the server ${Math.max(...f.lagMs).toFixed(0)} ms`;
}

test(`SIGKILL at ${KILLS} random points of a recorded ${REQUESTS}-request run: each file a valid HAR with every exchange done > 1 s before`, { timeout: 240_000 }, async () => {
  /** Arrival time of each request, per run tag: `/k/i`. */
  const arrivals = new Map<string, number[]>();
  /** Per run tag: the request whose arrival triggers the kill, and what to do then. */
  const triggers = new Map<string, { at: number; fire: () => void }>();
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const [, tag, i] = (req.url ?? '').split('/');
    const list = arrivals.get(tag) ?? [];
    list[Number(i)] = Date.now();
    arrivals.set(tag, list);
    const t = triggers.get(tag);
    if (t && Number(i) >= t.at) {
      triggers.delete(tag);
      t.fire();
    }
    // A couple of milliseconds per answer stretch the run to a few seconds, so kills late in it
    // have hundreds of exchanges that must already be in the file.
    setTimeout(() => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(`{"n":${i}}`);
    }, 2);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const file = join(dir, 'thousand.http');
  const regions: string[] = [];
  for (let i = 0; i < REQUESTS; i++) regions.push(`### r${i}\nGET {{host}}/{{tag}}/${i}\nAuthorization: Bearer crash-secret-${i}\n`);
  writeFileSync(file, regions.join('\n'));
  const figures: Figures = { kills: 0, required: [], recorded: [], lagMs: [] };
  try {
    // One run to the end: the whole file, and how long a run takes here (for the report).
    const fullPath = join(dir, 'full.har');
    const t0 = Date.now();
    const full = startCli(['run', file, '--har', fullPath, '--var', `host=${base}`, '--var', 'tag=full']);
    const done = await full.exited;
    assert.equal(done.code, 0, done.out.slice(-2000));
    const runMs = Date.now() - arrivals.get('full')![0];
    const fullHar = readValidHar(fullPath);
    assert.equal(fullHar.log.entries.length, REQUESTS);
    console.log(`full run: ${REQUESTS} requests in ${runMs} ms after the first request (${Date.now() - t0} ms with start-up)`);

    const killOne = async (k: number): Promise<void> => {
      const tag = `k${k}`;
      const harPath = join(dir, `${tag}.har`);
      // A random point of the run, by progress rather than by clock, so a slow or fast machine
      // still kills during the run: when request `at` reaches the server.
      const at = 1 + Math.floor(random() * (REQUESTS - 1));
      let killAt = 0;
      let c: ReturnType<typeof startCli> | undefined;
      const killed = new Promise<void>((resolve) =>
        triggers.set(tag, {
          at,
          fire: () => {
            killAt = Date.now();
            c?.child.kill('SIGKILL');
            resolve();
          },
        }),
      );
      c = startCli(['run', file, '--har', harPath, '--var', `host=${base}`, '--var', `tag=${tag}`]);
      await Promise.race([killed, c.exited]);
      const ex = await c.exited;
      assert.equal(ex.signal, 'SIGKILL', `run ${tag} ended before request ${at}: ${ex.out.slice(-500)}`);
      const har = readValidHar(harPath);
      const seen = arrivals.get(tag) ?? [];
      const inFile = new Set(har.log.entries.map((e) => Number(new URL(e.request.url).pathname.split('/')[2])));
      const required: number[] = [];
      for (let i = 0; i + 1 < seen.length; i++) if (seen[i + 1] !== undefined && seen[i + 1] < killAt - MARGIN_MS) required.push(i);
      const missing = required.filter((i) => !inFile.has(i));
      assert.deepEqual(missing, [], `kill ${k} at request ${at}: exchanges done more than ${MARGIN_MS} ms before the kill are missing`);
      for (const e of har.log.entries) {
        assert.equal(e.response.status, 200);
        assert.ok(!JSON.stringify(e).includes('crash-secret-'), 'credentials stay redacted in a killed file too');
      }
      // How far the file was behind the server at the kill: the oldest exchange done before it that is not in the file.
      const lastMissing = seen.findIndex((t, i) => i + 1 < seen.length && seen[i + 1] !== undefined && seen[i + 1] < killAt && !inFile.has(i));
      figures.lagMs.push(lastMissing >= 0 ? killAt - seen[lastMissing + 1] : 0);
      figures.kills++;
      figures.required.push(required.length);
      figures.recorded.push(inFile.size);
    };
    await pool(KILLS, CONCURRENCY, killOne);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  }
  console.log(summary('HTTP', figures));
});

test(`SIGKILL at ${KILLS} random moments of a recorded WebSocket session: each file a valid HAR with every frame done > 1 s before`, { timeout: 240_000 }, async () => {
  /** Per session (by path tag): when the server's write of message n finished. */
  const sentAt = new Map<string, number[]>();
  const waits = new Map<string, () => void>();
  const server = http.createServer();
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws, req) => {
    const tag = (req.url ?? '/').slice(1);
    const log: number[] = [];
    sentAt.set(tag, log);
    waits.get(tag)?.();
    let n = 0;
    // About 500 messages a second, each numbered, until the client goes away.
    const timer = setInterval(() => {
      for (let k = 0; k < 5 && ws.readyState === ws.OPEN; k++) {
        const i = n++;
        ws.send(`msg ${i}`, (err) => {
          if (!err) log[i] = Date.now();
        });
      }
    }, 10);
    ws.on('close', () => clearInterval(timer));
    ws.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const file = join(dir, 'session.http');
  writeFileSync(file, `### stream\n# @keep-open\nWEBSOCKET ${url}/{{tag}}\n\nhello\n`);
  const figures: Figures = { kills: 0, required: [], recorded: [], lagMs: [] };
  try {
    const killOne = async (k: number): Promise<void> => {
      const tag = `ws${k}`;
      const harPath = join(dir, `${tag}.har`);
      const connected = new Promise<void>((r) => waits.set(tag, r));
      const c = startCli(['run', file, '--har', harPath, '--duration', '60000', '--var', `tag=${tag}`]);
      await Promise.race([connected, c.exited]);
      const delay = Math.floor(random() * 3000);
      await new Promise((r) => setTimeout(r, delay));
      const killAt = Date.now();
      c.child.kill('SIGKILL');
      const ex = await c.exited;
      assert.equal(ex.signal, 'SIGKILL', ex.out.slice(-500));
      const har = readValidHar(harPath);
      const log = sentAt.get(tag) ?? [];
      const required = log.map((t, i) => (t !== undefined && t < killAt - MARGIN_MS ? i : -1)).filter((i) => i >= 0);
      const entry = har.log.entries.find((e) => e.request.url.endsWith(`/${tag}`));
      figures.kills++;
      if (required.length === 0 && !entry) {
        // Killed within a second of the upgrade: nothing was due yet, and the file is whole.
        figures.required.push(0);
        figures.recorded.push(0);
        figures.lagMs.push(0);
        return;
      }
      assert.ok(entry, `kill ${k} at +${delay} ms: the session entry is missing`);
      assert.equal(entry.response.status, 101);
      const got = new Set((entry._webSocketMessages ?? []).filter((m) => m.type === 'receive').map((m) => Number(m.data.split(' ')[1])));
      const missing = required.filter((i) => !got.has(i));
      assert.deepEqual(missing.slice(0, 10), [], `kill ${k} at +${delay} ms: ${missing.length} frames done more than ${MARGIN_MS} ms before the kill are missing`);
      if (required.length)
        assert.ok(
          (entry._webSocketMessages ?? []).some((m) => m.type === 'send' && m.data === 'hello'),
          'the sent message is recorded',
        );
      const oldestMissing = log.reduce((acc, t, i) => (t !== undefined && t < killAt && !got.has(i) ? Math.min(acc, t) : acc), Infinity);
      figures.lagMs.push(Number.isFinite(oldestMissing) ? killAt - oldestMissing : 0);
      figures.required.push(required.length);
      figures.recorded.push(got.size);
    };
    await pool(KILLS, CONCURRENCY, killOne);
  } finally {
    for (const c of wss.clients) c.terminate();
    wss.close();
    await new Promise<void>((r) => server.close(() => r()));
  }
  console.log(summary('WebSocket', figures));
});
