// Runs every *.test.ts below the given folders with node's built-in test runner (TypeScript through tsx).
// Usage: node scripts/run-tests.mjs test/unit [more folders or files] [-- extra node --test flags]
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const dash = args.indexOf('--');
const targets = dash >= 0 ? args.slice(0, dash) : args;
const extra = dash >= 0 ? args.slice(dash + 1) : [];

function collect(p, out) {
  if (!existsSync(p)) return;
  if (statSync(p).isDirectory()) {
    for (const name of readdirSync(p).sort()) collect(join(p, name), out);
  } else if (/\.test\.(ts|mts)$/.test(p)) {
    out.push(p);
  }
}
const files = [];
for (const t of targets) collect(t, files);
if (files.length === 0) {
  console.log(`no test files under ${targets.join(', ')}`);
  process.exit(0);
}
const res = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...extra, ...files], { stdio: 'inherit' });
process.exit(res.status ?? 1);
