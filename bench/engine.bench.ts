// Engine benchmarks. Ratios against baselines measured in this same process (absolute times are
// context only). The servers run in a child process so server work doesn't share our event loop.
//   1. 2,000 sequential keep-alive requests: HttpEngine with full tracking vs a bare undici Client,
//      interleaved in one process, and again with each side in its own process.
//   2. Throughput: pipeline:4 vs keep-alive (plain HTTP/1.1), h2 vs keep-alive (same TLS server).
//   3. Handshake cost: a new connection per request (mode close) vs reuse, loopback and TLS.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { Client } from 'undici';
import { HttpEngine } from '../src/runner/http/engine';
import { RunRecorder } from '../src/core/timeline/recorder';
import type { ConnectionMode } from '../src/core/timeline/model';
import type { ResolvedRequest } from '../src/core/request';
import { startBenchServers } from './benchServers';

function req(url: string): ResolvedRequest {
  return { kind: 'http', regionIndex: 0, source: { file: 'bench.http', line: 1 }, method: 'GET', url, headers: [], wsSteps: [], secrets: [] };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function engineRun(mode: ConnectionMode, url: string, n: number, concurrency: number, insecure = false): Promise<{ ms: number; connections: number; meanConnect: number; meanTotal: number }> {
  const recorder = new RunRecorder({ mode });
  const engine = new HttpEngine({ recorder, mode, insecure });
  let next = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        const r = await engine.send(req(`${url}/r${i}`));
        if (r.exchange.error) throw new Error(`${r.exchange.error.code}: ${r.exchange.error.message}`);
      }
    }),
  );
  const ms = performance.now() - t;
  await engine.close();
  const run = recorder.finish();
  const fresh = run.exchanges.filter((e) => !e.reused);
  return {
    ms,
    connections: run.connections.length,
    meanConnect: fresh.reduce((s, e) => s + Math.max(0, e.timings.connect), 0) / Math.max(1, fresh.length),
    meanTotal: run.exchanges.reduce((s, e) => s + ((e.endedAt ?? e.startedAt) - e.startedAt), 0) / run.exchanges.length,
  };
}

/**
 * Child mode (WL_BENCH_CHILD=bare|engine): one side alone in its own process, so neither heap,
 * garbage collector nor JIT feedback is shared. Warms up, then reports the CPU and wall time
 * of `WL_BENCH_N` sequential keep-alive requests as one JSON line.
 */
async function childMain(kind: string, url: string, n: number): Promise<void> {
  const warm = 2000;
  let cpu: number;
  let ms: number;
  if (kind === 'engine') {
    const recorder = new RunRecorder({ mode: 'keep-alive' });
    const engine = new HttpEngine({ recorder, mode: 'keep-alive' });
    let c0 = process.cpuUsage();
    let t = performance.now();
    for (let i = 0; i < warm + n; i++) {
      if (i === warm) {
        c0 = process.cpuUsage();
        t = performance.now();
      }
      const res = await engine.send(req(`${url}/r${i}`));
      if (res.exchange.error) throw new Error(res.exchange.error.message);
    }
    ms = performance.now() - t;
    const c = process.cpuUsage(c0);
    cpu = c.user + c.system;
    await engine.close();
  } else {
    const client = new Client(url, { pipelining: 1 });
    let c0 = process.cpuUsage();
    let t = performance.now();
    for (let i = 0; i < warm + n; i++) {
      if (i === warm) {
        c0 = process.cpuUsage();
        t = performance.now();
      }
      const res = await client.request({ path: `/r${i}`, method: 'GET' });
      await res.body.arrayBuffer();
    }
    ms = performance.now() - t;
    const c = process.cpuUsage(c0);
    cpu = c.user + c.system;
    await client.close();
  }
  process.stdout.write(`${JSON.stringify({ cpu, ms })}\n`);
}

async function inOwnProcess(kind: 'bare' | 'engine', url: string, n: number): Promise<{ cpu: number; ms: number }> {
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, WL_BENCH_CHILD: kind, WL_BENCH_URL: url, WL_BENCH_N: String(n) },
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const [code] = (await once(child, 'exit')) as [number];
  if (code !== 0) throw new Error(`bench child ${kind} exited with ${code}`);
  return JSON.parse(out.trim().split('\n').pop()!) as { cpu: number; ms: number };
}

async function main(): Promise<void> {
  const servers = await startBenchServers();
  const { plain, secure } = servers;
  const out: string[] = ['## Engine (`bench/engine.bench.ts`)', ''];
  try {
    // 1. Tracking overhead. Each round sends N requests through each side, interleaved in
    // chunks of 100 (alternating which goes first) so load from other processes hits both alike.
    const N = 2000;
    const CHUNK = 100;
    const ROUNDS = 7;
    const ratios: number[] = [];
    const cpuRatios: number[] = [];
    const bareMs: number[] = [];
    const engMs: number[] = [];
    const bareCpu: number[] = [];
    const engCpu: number[] = [];
    for (let r = -1; r < ROUNDS; r++) {
      (globalThis as { gc?: () => void }).gc?.();
      const client = new Client(plain, { pipelining: 1 });
      const recorder = new RunRecorder({ mode: 'keep-alive' });
      const engine = new HttpEngine({ recorder, mode: 'keep-alive' });
      let b = 0;
      let e = 0;
      let bCpu = 0;
      let eCpu = 0;
      const bareChunk = async (from: number): Promise<void> => {
        const c0 = process.cpuUsage();
        const t = performance.now();
        for (let i = from; i < from + CHUNK; i++) {
          const res = await client.request({ path: `/r${i}`, method: 'GET' });
          await res.body.arrayBuffer();
        }
        b += performance.now() - t;
        const c = process.cpuUsage(c0);
        bCpu += c.user + c.system;
      };
      const engineChunk = async (from: number): Promise<void> => {
        const c0 = process.cpuUsage();
        const t = performance.now();
        for (let i = from; i < from + CHUNK; i++) {
          const res = await engine.send(req(`${plain}/r${i}`));
          if (res.exchange.error) throw new Error(res.exchange.error.message);
        }
        e += performance.now() - t;
        const c = process.cpuUsage(c0);
        eCpu += c.user + c.system;
      };
      for (let k = 0; k < N / CHUNK; k++) {
        if ((k + r) % 2 === 0) {
          await bareChunk(k * CHUNK);
          await engineChunk(k * CHUNK);
        } else {
          await engineChunk(k * CHUNK);
          await bareChunk(k * CHUNK);
        }
      }
      await client.close();
      await engine.close();
      if (recorder.finish().connections.length !== 1) throw new Error('keep-alive used more than one connection');
      if (r < 0) continue; // warm-up round
      bareMs.push(b);
      engMs.push(e);
      ratios.push(e / b);
      cpuRatios.push(eCpu / bCpu);
      bareCpu.push(bCpu / N);
      engCpu.push(eCpu / N);
    }
    const ratio = median(ratios);
    out.push(
      `### ${N} sequential keep-alive requests: full tracking vs bare undici Client (${ROUNDS} rounds, interleaved in chunks of ${CHUNK})`,
      '',
      '| | median ms | per request | CPU per request |',
      '|---|---:|---:|---:|',
      `| bare undici \`Client\` | ${median(bareMs).toFixed(0)} | ${((median(bareMs) / N) * 1000).toFixed(0)} µs | ${median(bareCpu).toFixed(0)} µs |`,
      `| HttpEngine + ConnectionTracker | ${median(engMs).toFixed(0)} | ${((median(engMs) / N) * 1000).toFixed(0)} µs | ${median(engCpu).toFixed(0)} µs |`,
      '',
      `**Median ratio engine/bare, wall time: ${ratio.toFixed(3)}** (goal ≤ 1.10; rounds: ${ratios.map((x) => x.toFixed(3)).join(', ')})`,
      '',
      `Median ratio engine/bare, client CPU time: ${median(cpuRatios).toFixed(3)} (rounds: ${cpuRatios.map((x) => x.toFixed(3)).join(', ')})`,
      '',
    );

    // 1b. The same, each side alone in its own process (alternating which runs first). Sharing a
    // process with the engine (heap, garbage collector, JIT feedback) slows the bare client down
    // markedly, which flatters the ratio above; this is the stricter figure.
    const OWN_ROUNDS = 5;
    const ownCpu: number[] = [];
    const ownWall: number[] = [];
    const ownBare: number[] = [];
    const ownEngine: number[] = [];
    for (let r = 0; r < OWN_ROUNDS; r++) {
      const first = r % 2 === 0 ? 'bare' : 'engine';
      const a = await inOwnProcess(first, plain, N);
      const b = await inOwnProcess(first === 'bare' ? 'engine' : 'bare', plain, N);
      const [bare, eng] = first === 'bare' ? [a, b] : [b, a];
      ownCpu.push(eng.cpu / bare.cpu);
      ownWall.push(eng.ms / bare.ms);
      ownBare.push(bare.cpu / N);
      ownEngine.push(eng.cpu / N);
    }
    const range = (xs: number[]) => `${Math.min(...xs).toFixed(3)}–${Math.max(...xs).toFixed(3)}`;
    out.push(
      `### The same ${N} requests, each side alone in its own process (${OWN_ROUNDS} rounds, after 2000 warm-up requests)`,
      '',
      `| | median CPU per request |`,
      '|---|---:|',
      `| bare undici \`Client\` | ${median(ownBare).toFixed(0)} µs |`,
      `| HttpEngine + ConnectionTracker | ${median(ownEngine).toFixed(0)} µs |`,
      '',
      `Median ratio engine/bare, CPU time: ${median(ownCpu).toFixed(3)} (range ${range(ownCpu)}); wall time: ${median(ownWall).toFixed(3)} (range ${range(ownWall)})`,
      '',
    );

    // WL_BENCH_QUICK=1 measures only the tracking overhead (while tuning).
    if (!process.env.WL_BENCH_QUICK) {
      // 2. Throughput by mode.
      const M = 1000;
      const ka = await engineRun('keep-alive', plain, M, 1);
      const pl = await engineRun('pipeline:4', plain, M, 4);
      const kaTls = await engineRun('keep-alive', secure, M, 1, true);
      const h2 = await engineRun('h2', secure, M, 16, true);
      const rps = (x: { ms: number }) => (M / x.ms) * 1000;
      out.push(
        `### Throughput, ${M} requests`,
        '',
        '| mode | server | senders | connections | req/s | vs keep-alive |',
        '|---|---|---:|---:|---:|---:|',
        `| keep-alive | HTTP/1.1 | 1 | ${ka.connections} | ${rps(ka).toFixed(0)} | 1.00 |`,
        `| pipeline:4 | HTTP/1.1 | 4 | ${pl.connections} | ${rps(pl).toFixed(0)} | ${(rps(pl) / rps(ka)).toFixed(2)} |`,
        `| keep-alive | TLS (HTTP/1.1 via ALPN) | 1 | ${kaTls.connections} | ${rps(kaTls).toFixed(0)} | 1.00 |`,
        `| h2 | TLS (h2 via ALPN) | 16 | ${h2.connections} | ${rps(h2).toFixed(0)} | ${(rps(h2) / rps(kaTls)).toFixed(2)} |`,
        '',
      );

      // 3. Handshake cost.
      const K = 200;
      const newPlain = await engineRun('close', plain, K, 1);
      const reusedPlain = await engineRun('keep-alive', plain, K, 1);
      const newTls = await engineRun('close', secure, K, 1, true);
      const reusedTls = await engineRun('keep-alive', secure, K, 1, true);
      out.push(
        `### Handshake cost: a new connection per request (mode close) vs reuse, ${K} sequential requests`,
        '',
        '| transport | new: ms/request | reused: ms/request | new/reused | mean connect (HAR, incl. TLS) |',
        '|---|---:|---:|---:|---:|',
        `| loopback TCP | ${(newPlain.ms / K).toFixed(3)} | ${(reusedPlain.ms / K).toFixed(3)} | ${(newPlain.ms / reusedPlain.ms).toFixed(2)} | ${newPlain.meanConnect.toFixed(3)} ms |`,
        `| loopback TLS | ${(newTls.ms / K).toFixed(3)} | ${(reusedTls.ms / K).toFixed(3)} | ${(newTls.ms / reusedTls.ms).toFixed(2)} | ${newTls.meanConnect.toFixed(3)} ms |`,
      );
    }
    out.push('', `Node ${process.version}, ${new Date().toISOString()}; the machine is shared, so ratios matter more than times.`);
  } finally {
    servers.stop();
  }
  const md = out.join('\n');
  console.log(md);
  mkdirSync('bench/out', { recursive: true });
  writeFileSync('bench/out/engine.md', `${md}\n`);
}

const childKind = process.env.WL_BENCH_CHILD;
(childKind ? childMain(childKind, process.env.WL_BENCH_URL ?? '', Number(process.env.WL_BENCH_N ?? 2000)) : main()).catch((e) => {
  console.error(e);
  process.exit(1);
});
