// Extension start-up outside VS Code: the time to load dist/extension.js (compile and run its
// top level; the first part of what VS Code counts as activation) in a fresh Node process, with
// `vscode` answered by an inert stand-in. dist/extension.js is the small entry that registers the
// code lenses before anything else; it loads dist/extension-main.js (the rest) in activate(),
// measured here too. Baseline in the same command: loading vscode-languageclient/node alone the
// same way, the least any extension with a language server loads before it can show a lens from
// the server. Interleaved rounds; medians and the ratio. activate() itself and the language
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
  const rest = join(ext, '..', 'extension-main.js');
  const client = require.resolve('vscode-languageclient/node', { paths: [ROOT] });
  // Each round loads every target once, in a rotating order, so a load change hits all alike.
  const targets = [
    { label: 'vscode-languageclient/node (baseline)', path: client },
    { label: 'dist/extension.js (entry: registers the code lenses)', path: ext },
    ...(existsSync(rest) ? [{ label: 'dist/extension-main.js (the rest, loaded by activate())', path: rest }] : []),
  ];
  const times = targets.map(() => [] as number[]);
  for (const t of targets) loadMs(t.path);
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < targets.length; k++) {
      const i = (k + r) % targets.length;
      times[i].push(loadMs(targets[i].path));
    }
  }
  const base = median(times[0]);
  const md = [
    '## Extension start-up (`bench/extension.bench.ts`)',
    '',
    `Loading each bundle in a fresh Node ${process.version} process (\`vscode\` stubbed), ${ROUNDS} interleaved rounds; medians. Baseline: vscode-languageclient/node alone.`,
    '',
    '| what | median ms | min–max ms | vs baseline |',
    '|---|---:|---:|---:|',
    ...targets.map((t, i) => `| ${t.label} | ${median(times[i]).toFixed(1)} | ${Math.min(...times[i]).toFixed(0)}–${Math.max(...times[i]).toFixed(0)} | ${(median(times[i]) / base).toFixed(2)} |`),
    '',
    'The first "Send" lens drawn and activate() are measured inside code-server by the integration suite (`npm run test:integration`, first test), written to `test-artifacts/vscode/startup-timings.txt`.',
    '',
  ].join('\n');
  mkdirSync(join(ROOT, 'bench', 'out'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'out', 'extension.md'), md);
  console.log(md);
}

main();
