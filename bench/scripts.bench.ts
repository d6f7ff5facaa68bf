// Script overhead per request: runFile of N sequential keep-alive requests, each with a response
// handler (a client.test, a client.global.set from the JSON body) and a `??` line, against the
// same N requests without them. Both run in this process, interleaved over several rounds; the
// server is a child process so its work does not share our event loop. The one-time cost of
// compiling the QuickJS WebAssembly module on the first script is measured apart.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFile } from '../src/runner/fileRunner';
import { RunRecorder } from '../src/core/timeline/recorder';
import { loadQuickJs } from '../src/runner/scripts/sandbox';

const SERVER_JS = `
const http = require('node:http');
const s = http.createServer((req, res) => { req.resume(); req.on('end', () => { res.setHeader('Content-Type', 'application/json'); res.end(JSON.stringify({ id: 7, items: [1, 2, 3], name: 'x'.repeat(200) })); }); });
s.keepAliveTimeout = 60000;
s.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: s.address().port }) + '\\n'));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

const N = Number(process.env.WL_BENCH_N ?? 300);
const ROUNDS = Number(process.env.WL_BENCH_ROUNDS ?? 7);

const HANDLER = `> {%
client.test("ok", () => client.assert(response.status === 200, "status"));
client.global.set("id", response.body.id);
%}
?? status == 200
`;

function fileText(withScripts: boolean): string {
  return Array.from({ length: N }, (_, i) => `### r${i}\nGET {{host}}/r${i}\n\n${withScripts ? HANDLER : ''}`).join('\n');
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main(): Promise<void> {
  const server: ChildProcess = spawn(process.execPath, ['-e', SERVER_JS], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [line] = (await once(server.stdout!, 'data')) as [Buffer];
  const host = `http://127.0.0.1:${JSON.parse(line.toString()).port}`;
  const dir = mkdtempSync(join(tmpdir(), 'wl-bench-scripts-'));
  const plain = join(dir, 'plain.http');
  const scripted = join(dir, 'scripted.http');
  writeFileSync(plain, fileText(false));
  writeFileSync(scripted, fileText(true));

  const t0 = performance.now();
  await loadQuickJs();
  const loadMs = performance.now() - t0;

  async function once_(file: string, expectChecks: boolean): Promise<number> {
    const recorder = new RunRecorder({ mode: 'keep-alive' });
    const t = performance.now();
    const r = await runFile({ file, mode: 'keep-alive', recorder, extraEnv: { host } });
    const ms = performance.now() - t;
    if (r.failed || r.results.length !== N) throw new Error('a request failed');
    const checks = r.results.reduce((n, x) => n + (x.checks?.filter((c) => c.passed).length ?? 0), 0);
    if (expectChecks && checks !== 2 * N) throw new Error(`expected ${2 * N} passed checks, got ${checks}`);
    return ms;
  }

  // Warm-up: JIT and connection pools on both sides.
  await once_(plain, false);
  await once_(scripted, true);
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    a.push(await once_(plain, false));
    b.push(await once_(scripted, true));
  }
  server.stdin!.end();
  rmSync(dir, { recursive: true, force: true });

  const ma = median(a);
  const mb = median(b);
  const ratios = a.map((x, i) => b[i] / x).sort((x, y) => x - y);
  const md = `## scripts: overhead of a response handler per request

\`npm run bench -- scripts\`: ${N} sequential keep-alive requests through runFile, each with a
response handler (\`client.test\` + \`client.assert\`, \`client.global.set\` from the parsed JSON
body) and a \`?? status == 200\` line, against the same ${N} requests without them; same process,
${ROUNDS} interleaved rounds (medians).

| | median per run | per request |
|---|---|---|
| without scripts | ${ma.toFixed(0)} ms | ${((ma / N) * 1000).toFixed(0)} µs |
| with a handler and a \`??\` line | ${mb.toFixed(0)} ms | ${((mb / N) * 1000).toFixed(0)} µs |
| **overhead** | **${(mb / ma).toFixed(2)}×** (rounds ${ratios[0].toFixed(2)}–${ratios[ratios.length - 1].toFixed(2)}) | **+${(((mb - ma) / N) * 1000).toFixed(0)} µs** |

One-time: compiling the QuickJS WebAssembly module on the first script of a process took
${loadMs.toFixed(0)} ms (files without scripts never pay it; \`wirelane --version\` does not load it).
The scripts of a run share one QuickJS context (created on the first script, about 1–2 ms);
each runs in a function scope of its own with fresh API objects and its own deadline.
`;
  process.stdout.write(md);
  mkdirSync('bench/out', { recursive: true });
  writeFileSync('bench/out/scripts.md', md);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
