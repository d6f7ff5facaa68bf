// Simulated network conditions.
//   1. Faithfulness: `compare` of 8 requests at RTT 40 ms in each mode (close, keep-alive,
//      pipeline:4 over plain HTTP; close, keep-alive and h2 over TLS 1.3), measured (first request →
//      last response) over the textbook model of src/core/timeline/prediction.ts. Goal 0.95–1.30
//      per mode: under 0.95 the simulation would have skipped round trips (a lie), over 1.30 it
//      adds cost the model cannot name. The server answers at once (no think time).
//   2. Cost: 1,500 sequential keep-alive requests through the engine with a shaper at RTT 0 and
//      unlimited bandwidth vs no shaper, interleaved rounds in this one process: CPU and wall.
// The servers (bench/benchServers.ts) run in a child process.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpEngine } from '../src/runner/http/engine';
import { Shaper } from '../src/runner/net/conditions';
import { RunRecorder } from '../src/core/timeline/recorder';
import type { ConnectionMode } from '../src/core/timeline/model';
import type { ResolvedRequest } from '../src/core/request';
import { compareModes } from '../src/cli/commands/compare';
import { predict, predictionInput } from '../src/core/timeline/prediction';
import { startBenchServers } from './benchServers';

const RTT = 40;
const REQUESTS = 8;
const ROUNDS = 5;
const CPU_N = 4000;
const CPU_ROUNDS = 10;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function req(url: string): ResolvedRequest {
  return { kind: 'http', regionIndex: 0, source: { file: 'bench.http', line: 1 }, method: 'GET', url, headers: [], wsSteps: [], secrets: [] };
}

async function cpuRound(url: string, shaped: boolean): Promise<{ cpu: number; ms: number }> {
  const recorder = new RunRecorder({ mode: 'keep-alive' });
  const engine = new HttpEngine({ recorder, mode: 'keep-alive', network: shaped ? new Shaper({ rttMs: 0, downKbps: 0, upKbps: 0 }) : undefined });
  // Warm the connection and the JIT before counting.
  for (let i = 0; i < 200; i++) await engine.send(req(`${url}/w${i}`));
  const c0 = process.cpuUsage();
  const t = performance.now();
  for (let i = 0; i < CPU_N; i++) {
    const r = await engine.send(req(`${url}/r${i}`));
    if (r.exchange.error) throw new Error(`${r.exchange.error.code}: ${r.exchange.error.message}`);
  }
  const ms = performance.now() - t;
  const c = process.cpuUsage(c0);
  await engine.close();
  return { cpu: (c.user + c.system) / 1000, ms };
}

async function main(): Promise<void> {
  const servers = await startBenchServers();
  const plainUrl = servers.plain;
  const tlsUrl = servers.secure;
  const dir = mkdtempSync(join(tmpdir(), 'wl-netbench-'));
  try {
    // 1. measured / model per mode at RTT 40 ms.
    const cases: Array<{ label: string; url: string; modes: ConnectionMode[] }> = [
      { label: 'http', url: plainUrl, modes: ['close', 'keep-alive', 'pipeline:4'] },
      { label: 'https', url: tlsUrl, modes: ['close', 'keep-alive', 'h2'] },
    ];
    const rows: string[] = [];
    let allMet = true;
    for (const c of cases) {
      const file = join(dir, `${c.label}.http`);
      writeFileSync(file, Array.from({ length: REQUESTS }, (_, i) => `### r${i}\nGET ${c.url}/items/${i}\n`).join('\n'));
      const ratios = new Map<string, number[]>(c.modes.map((m) => [m, []]));
      const models = new Map<string, string>();
      const measured = new Map<string, number[]>(c.modes.map((m) => [m, []]));
      for (let round = 0; round < ROUNDS; round++) {
        const results = await compareModes({ file, modes: c.modes, insecure: true, network: { rttMs: RTT, downKbps: 0, upKbps: 0 } });
        for (const r of results) {
          if (r.result.failed) throw new Error(`${c.label} ${r.mode} failed`);
          const input = predictionInput(r.result.run);
          const p = predict(input, r.result.run.network!);
          ratios.get(r.mode)!.push(p.ratio!);
          measured.get(r.mode)!.push(input.measuredMs);
          models.set(r.mode, `${Math.round(p.modelMs)} ms (${p.formula.replace(/ = [\d.]+ ms$/, '')})`);
        }
      }
      for (const m of c.modes) {
        const rs = ratios.get(m)!;
        const med = median(rs);
        const met = med >= 0.95 && med <= 1.3;
        allMet &&= met;
        rows.push(
          `| ${c.label} ${m} | ${models.get(m)} | ${Math.round(median(measured.get(m)!))} ms | **${med.toFixed(2)}** (${Math.min(...rs).toFixed(2)}–${Math.max(...rs).toFixed(2)}) | ${met ? 'yes' : '**no**'} |`,
        );
        console.log(`${c.label} ${m}: measured/model median ${med.toFixed(3)} over ${rs.length} rounds (${rs.map((x) => x.toFixed(2)).join(', ')})`);
      }
    }

    // 2. CPU overhead at RTT 0.
    const bare: Array<{ cpu: number; ms: number }> = [];
    const shaped: Array<{ cpu: number; ms: number }> = [];
    // One pair first, not counted: the first rounds also pay for the JIT and the heap growing.
    await cpuRound(plainUrl, false);
    await cpuRound(plainUrl, true);
    // ABBA order, so neither side always runs first after the other.
    for (let i = 0; i < CPU_ROUNDS; i++) {
      if (i % 2 === 0) {
        bare.push(await cpuRound(plainUrl, false));
        shaped.push(await cpuRound(plainUrl, true));
      } else {
        shaped.push(await cpuRound(plainUrl, true));
        bare.push(await cpuRound(plainUrl, false));
      }
    }
    // The median of the paired rounds' ratios: each pair ran back to back, under the same load.
    const cpuRatio = median(shaped.map((s, i) => s.cpu / bare[i].cpu));
    const wallRatio = median(shaped.map((s, i) => s.ms / bare[i].ms));
    const perReq = (xs: Array<{ cpu: number }>) => ((median(xs.map((s) => s.cpu)) / CPU_N) * 1000).toFixed(0);
    const roundRatios = shaped.map((s, i) => (s.cpu / bare[i].cpu).toFixed(2)).join(', ');
    console.log(`CPU at RTT 0: shaped/unshaped ${cpuRatio.toFixed(3)} (rounds ${roundRatios}); wall ${wallRatio.toFixed(3)}`);

    const md = [
      '## network: simulated conditions (`npm run bench -- network`)',
      '',
      `Compare of ${REQUESTS} requests to a server that answers at once, at RTT ${RTT} ms (unlimited bandwidth), ${ROUNDS} rounds; measured = first request sent → last response complete; model = src/core/timeline/prediction.ts. Goal per mode: 0.95 ≤ measured/model ≤ 1.30.`,
      '',
      '| mode | model | measured (median) | measured / model, median (range) | in 0.95–1.30? |',
      '|---|---|---|---|---|',
      ...rows,
      '',
      `All modes within the goal: ${allMet ? 'yes' : '**no**'}.`,
      '',
      `Cost of the shaper at RTT 0 (unlimited bandwidth), ${CPU_N} sequential keep-alive requests, ${CPU_ROUNDS} interleaved rounds (ABBA) in one process, after one uncounted pair: CPU **${cpuRatio.toFixed(2)}×** the engine without a shaper (median of the paired rounds' ratios; per round ${roundRatios}; ${perReq(bare)} vs ${perReq(shaped)} µs CPU per request, medians), wall ${wallRatio.toFixed(2)}×. Load average during the run: ${loadavg()
        .map((l) => l.toFixed(1))
        .join(', ')} on ${cpus().length} cores.`,
    ].join('\n');
    console.log(`\n${md}`);
    mkdirSync('bench/out', { recursive: true });
    writeFileSync('bench/out/network.md', `${md}\n`);
  } finally {
    servers.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
