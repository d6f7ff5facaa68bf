// Extension start-up outside VS Code: the time to load dist/extension.js (compile and run its
// top level; the first part of what VS Code counts as activation) in a fresh Node process, with
// `vscode` answered by an inert stand-in. Baseline in the same command: loading
// vscode-languageclient/node alone the same way, the least any extension with a language
// server loads. Interleaved rounds; medians and the ratio. activate() itself and the language
// server's first answer are measured inside a real VS Code by the integration suite
// (test/integration/activation.test.ts → test-artifacts/vscode/startup-timings.txt).
//
//   npm run bench -- extension
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');
const ROUNDS = Number(process.env.WL_BENCH_ROUNDS ?? 15);

// Runs in the child: stub `vscode`, time one require, print the ms.
const CHILD = `
const Module = require('module');
const load = Module._load;
const inert = new Proxy(function () {}, { get: (t, k) => (k === '__esModule' ? true : k === 'then' ? undefined : inert), apply: () => inert, construct: () => inert });
Module._load = function (request, ...rest) { return request === 'vscode' ? inert : load.call(this, request, ...rest); };
const t = process.hrtime.bigint();
require(process.argv[1]);
process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6));
`;

function loadMs(target: string): number {
  const res = spawnSync(process.execPath, ['-e', CHILD, target], { cwd: ROOT, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`loading ${target} failed: ${res.stderr}`);
  return Number(res.stdout);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

function main(): void {
  // WL_BENCH_EXTENSION=path measures another build (e.g. an older dist/extension.js kept for a before/after).
  const ext = process.env.WL_BENCH_EXTENSION ?? join(ROOT, 'dist', 'extension.js');
  if (!existsSync(ext)) throw new Error('dist/extension.js is missing: run `npm run build` first (npm run bench does)');
  const client = require.resolve('vscode-languageclient/node', { paths: [ROOT] });
  const ours: number[] = [];
  const base: number[] = [];
  loadMs(ext);
  loadMs(client);
  for (let r = 0; r < ROUNDS; r++) {
    if (r % 2) {
      ours.push(loadMs(ext));
      base.push(loadMs(client));
    } else {
      base.push(loadMs(client));
      ours.push(loadMs(ext));
    }
  }
  const ratio = median(ours) / median(base);
  const md = [
    '## Extension start-up (`bench/extension.bench.ts`)',
    '',
    `Loading the bundle in a fresh Node ${process.version} process (\`vscode\` stubbed), ${ROUNDS} interleaved rounds; medians. Baseline: vscode-languageclient/node alone.`,
    '',
    '| what | median ms | min–max ms | vs baseline |',
    '|---|---:|---:|---:|',
    `| vscode-languageclient/node (baseline) | ${median(base).toFixed(1)} | ${Math.min(...base).toFixed(0)}–${Math.max(...base).toFixed(0)} | 1.00 |`,
    `| dist/extension.js | ${median(ours).toFixed(1)} | ${Math.min(...ours).toFixed(0)}–${Math.max(...ours).toFixed(0)} | ${ratio.toFixed(2)} |`,
    '',
    'activate() and the first code lenses are measured inside code-server by the integration suite (`npm run test:integration`, first test), written to `test-artifacts/vscode/startup-timings.txt`.',
    '',
  ].join('\n');
  mkdirSync(join(ROOT, 'bench', 'out'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'out', 'extension.md'), md);
  console.log(md);
}

main();
