// Engine benchmarks. Ratios against baselines measured in this same process (absolute times are
// context only). The servers run in a child process so server work doesn't share our event loop.
//   1. 2,000 sequential keep-alive requests: HttpEngine with full tracking vs a bare undici Client.
//   2. Throughput: pipeline:4 vs keep-alive (plain HTTP/1.1), h2 vs keep-alive (same TLS server).
//   3. Handshake cost: a new connection per request (mode close) vs reuse, loopback and TLS.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { Client } from 'undici';
import { HttpEngine } from '../src/runner/http/engine';
import { RunRecorder } from '../src/core/timeline/recorder';
import type { ConnectionMode } from '../src/core/timeline/model';
import type { ResolvedRequest } from '../src/core/request';
import { selfSignedCert } from '../test/servers/certs';

const SERVER_JS = `
const http = require('node:http');
const http2 = require('node:http2');
const body = Buffer.from('x'.repeat(256));
const h = (req, res) => { req.resume(); req.on('end', () => { res.setHeader('Content-Type', 'text/plain'); res.end(body); }); };
const plain = http.createServer(h);
plain.keepAliveTimeout = 60000;
const tls = http2.createSecureServer({ key: process.env.WL_KEY, cert: process.env.WL_CERT, allowHTTP1: true }, h);
plain.listen(0, '127.0.0.1', () => tls.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ plain: plain.address().port, tls: tls.address().port }) + '\\n');
}));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

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

async function main(): Promise<void> {
  const cert = await selfSignedCert();
  const child: ChildProcess = spawn(process.execPath, ['-e', SERVER_JS], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, WL_KEY: cert.key, WL_CERT: cert.cert } });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  const ports = JSON.parse(line.toString()) as { plain: number; tls: number };
  const plain = `http://127.0.0.1:${ports.plain}`;
  const secure = `https://127.0.0.1:${ports.tls}`;
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
    }
    const ratio = median(ratios);
    out.push(
      `### ${N} sequential keep-alive requests: full tracking vs bare undici Client (${ROUNDS} rounds, interleaved in chunks of ${CHUNK})`,
      '',
      '| | median ms | per request |',
      '|---|---:|---:|',
      `| bare undici \`Client\` | ${median(bareMs).toFixed(0)} | ${((median(bareMs) / N) * 1000).toFixed(0)} µs |`,
      `| HttpEngine + ConnectionTracker | ${median(engMs).toFixed(0)} | ${((median(engMs) / N) * 1000).toFixed(0)} µs |`,
      '',
      `**Median ratio engine/bare, wall time: ${ratio.toFixed(3)}** (goal ≤ 1.10; rounds: ${ratios.map((x) => x.toFixed(3)).join(', ')})`,
      '',
      `Median ratio engine/bare, client CPU time: ${median(cpuRatios).toFixed(3)} (rounds: ${cpuRatios.map((x) => x.toFixed(3)).join(', ')})`,
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
    child.stdin?.end();
    child.kill();
  }
  const md = out.join('\n');
  console.log(md);
  mkdirSync('bench/out', { recursive: true });
  writeFileSync('bench/out/engine.md', `${md}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
