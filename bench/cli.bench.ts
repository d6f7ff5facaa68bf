// Whole process: `wirelane run` of a 200-request file vs a bare undici script doing the same
// requests vs the httpyac CLI. Interleaved rounds (each round runs every contender once, in a
// rotating order) so machine noise hits all alike; medians and min–max; ratios against the
// baselines measured in the same command. The server counts what each process really sent.
// httpyac is installed into a temp folder for this benchmark only (never a dependency).

import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

const REQUESTS = 200;
const ROUNDS = Number(process.env.WL_BENCH_ROUNDS ?? 7);
const STARTUP_ROUNDS = Number(process.env.WL_BENCH_STARTUP_ROUNDS ?? 21);
const root = resolve(__dirname, '..');
// WL_BENCH_CLI=path measures another build (e.g. an older dist/cli.js kept for a before/after).
const cli = process.env.WL_BENCH_CLI ?? join(root, 'dist', 'cli.js');

interface Contender {
  name: string;
  cmd: string;
  args: string[];
  cwd: string;
  times: number[];
  served: number[];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function runOnce(c: Contender, counter: { n: number }): Promise<{ ms: number; served: number; code: number | null; err: string }> {
  const before = counter.n;
  const t = performance.now();
  return new Promise((resolveRun) => {
    const child = spawn(c.cmd, c.args, { cwd: c.cwd, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      if (err.length < 4000) err += d.toString();
    });
    child.on('exit', (code) => resolveRun({ ms: performance.now() - t, served: counter.n - before, code, err }));
  });
}

function installHttpyac(dir: string): { bin?: string; note: string } {
  const res = spawnSync('npm', ['i', '--prefix', dir, '--no-audit', '--no-fund', '--loglevel=error', 'httpyac'], { encoding: 'utf8', timeout: 300_000 });
  const bin = join(dir, 'node_modules', '.bin', 'httpyac');
  if (res.status !== 0 || !existsSync(bin)) return { note: `httpyac could not be installed (${(res.stderr || res.error?.message || `exit ${res.status}`).trim().split('\n').slice(-1)[0]})` };
  const v = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return { bin, note: `httpyac ${v.stdout.trim() || '?'}` };
}

/**
 * Start-up alone: `wirelane --version` and `--help` against a bare `node -e 0`, interleaved
 * (each round runs all three in a rotating order). The ratio of medians is the figure.
 */
async function startup(): Promise<string[]> {
  const counter = { n: 0 };
  const cs: Contender[] = [
    { name: 'node -e 0', cmd: process.execPath, args: ['-e', '0'], cwd: root, times: [], served: [] },
    { name: 'wirelane --version', cmd: process.execPath, args: [cli, '--version'], cwd: root, times: [], served: [] },
    { name: 'wirelane --help', cmd: process.execPath, args: [cli, '--help'], cwd: root, times: [], served: [] },
  ];
  for (const c of cs) await runOnce(c, counter);
  for (let r = 0; r < STARTUP_ROUNDS; r++) {
    for (let k = 0; k < cs.length; k++) {
      const c = cs[(r + k) % cs.length];
      const res = await runOnce(c, counter);
      if (res.code !== 0) throw new Error(`${c.name} failed: exit ${res.code}\n${res.err}`);
      c.times.push(res.ms);
    }
  }
  const bare = median(cs[0].times);
  const version = median(cs[1].times) / bare;
  return [
    `### Start-up: \`wirelane --version\` / \`--help\` vs \`node -e 0\``,
    '',
    `${STARTUP_ROUNDS} interleaved rounds after one warm-up each.`,
    '',
    '| contender | median ms | min–max ms | vs node -e 0 |',
    '|---|---:|---:|---:|',
    ...cs.map((c) => `| ${c.name} | ${median(c.times).toFixed(0)} | ${Math.min(...c.times).toFixed(0)}–${Math.max(...c.times).toFixed(0)} | ${(median(c.times) / bare).toFixed(2)} |`),
    '',
    `- wirelane --version / node -e 0: **${version.toFixed(2)}** (goal ≤ 1.30: ${version <= 1.3 ? 'met' : 'NOT met'})`,
    '',
  ];
}

async function main(): Promise<void> {
  if (!existsSync(cli)) throw new Error('dist/cli.js is missing: run `npm run build` first (npm run bench does)');
  const dir = mkdtempSync(join(tmpdir(), 'wl-bench-cli-'));
  const counter = { n: 0 };
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    counter.n++;
    const body = JSON.stringify({ id: req.url, ok: true });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const file = join(dir, 'bench.http');
    writeFileSync(file, Array.from({ length: REQUESTS }, (_, i) => `### r${i}\nGET ${base}/items/${i}\n`).join('\n'));
    const script = join(dir, 'undici-baseline.cjs');
    // What a person would write by hand: one undici Client, keep-alive, sequential, bodies read.
    writeFileSync(
      script,
      `const { Client } = require(${JSON.stringify(join(root, 'node_modules', 'undici'))});
(async () => {
  const client = new Client(${JSON.stringify(base)});
  for (let i = 0; i < ${REQUESTS}; i++) {
    const res = await client.request({ path: '/items/' + i, method: 'GET' });
    await res.body.text();
  }
  await client.close();
})().catch((e) => { console.error(e); process.exit(1); });
`,
    );
    const harPath = join(dir, 'bench.har');
    const contenders: Contender[] = [
      { name: 'wirelane run', cmd: process.execPath, args: [cli, 'run', 'bench.http'], cwd: dir, times: [], served: [] },
      { name: 'wirelane run --har', cmd: process.execPath, args: [cli, 'run', 'bench.http', '--har', harPath], cwd: dir, times: [], served: [] },
      { name: 'undici script', cmd: process.execPath, args: [script], cwd: dir, times: [], served: [] },
    ];
    const yacDir = join(dir, 'httpyac');
    mkdirSync(yacDir, { recursive: true });
    // WL_BENCH_HTTPYAC=0 leaves httpyac out (no install; for quick reruns of the other rows).
    const yac = process.env.WL_BENCH_HTTPYAC === '0' ? { bin: undefined, note: 'httpyac left out (WL_BENCH_HTTPYAC=0)' } : installHttpyac(yacDir);
    if (yac.bin) contenders.push({ name: 'httpyac send --all', cmd: yac.bin, args: ['send', 'bench.http', '--all', '--output', 'none'], cwd: dir, times: [], served: [] });
    console.log(`${yac.note}; ${ROUNDS} rounds of ${REQUESTS} requests`);

    // One warm-up each (disk cache, JIT of node itself), not counted.
    for (const c of contenders) {
      const w = await runOnce(c, counter);
      if (w.code !== 0 || w.served !== REQUESTS) throw new Error(`${c.name}: exit ${w.code}, server saw ${w.served} requests\n${w.err}`);
    }
    for (let r = 0; r < ROUNDS; r++) {
      for (let k = 0; k < contenders.length; k++) {
        const c = contenders[(r + k) % contenders.length];
        const res = await runOnce(c, counter);
        if (res.code !== 0) throw new Error(`${c.name} failed: exit ${res.code}\n${res.err}`);
        c.times.push(res.ms);
        c.served.push(res.served);
      }
    }

    const byName = new Map(contenders.map((c) => [c.name, c]));
    const wl = median(byName.get('wirelane run')!.times);
    const und = median(byName.get('undici script')!.times);
    const yacC = byName.get('httpyac send --all');
    const start = process.env.WL_BENCH_CLI_STARTUP === '0' ? [] : await startup();
    const lines = [
      `## CLI: whole process, ${REQUESTS} sequential keep-alive requests`,
      '',
      `${ROUNDS} interleaved rounds after one warm-up each; the server counted ${REQUESTS} requests from every process. ${yac.note}. Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`,
      '',
      '| contender | median ms | min–max ms | vs undici script | vs httpyac |',
      '|---|---:|---:|---:|---:|',
    ];
    for (const c of contenders) {
      const m = median(c.times);
      const vsYac = yacC ? (m / median(yacC.times)).toFixed(2) : 'n/a';
      lines.push(`| ${c.name} | ${m.toFixed(0)} | ${Math.min(...c.times).toFixed(0)}–${Math.max(...c.times).toFixed(0)} | ${(m / und).toFixed(2)} | ${vsYac} |`);
    }
    lines.push('');
    const r1 = wl / und;
    lines.push(`- wirelane run / undici script: **${r1.toFixed(2)}** (goal ≤ 1.10: ${r1 <= 1.1 ? 'met' : 'NOT met'}${r1 < 1 ? '; faster than the script' : ''})`);
    if (yacC) {
      const r2 = wl / median(yacC.times);
      lines.push(`- wirelane run / httpyac: **${r2.toFixed(2)}** (goal ≤ 0.33: ${r2 <= 0.33 ? 'met' : 'NOT met'})`);
    } else {
      lines.push(`- wirelane run / httpyac: not measured — ${yac.note}`);
    }
    lines.push('', ...start);
    const md = lines.join('\n') + '\n';
    mkdirSync(join(root, 'bench', 'out'), { recursive: true });
    writeFileSync(join(root, 'bench', 'out', 'cli.md'), md);
    console.log('\n' + md);
  } finally {
    for (const s of sockets) s.destroy();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
