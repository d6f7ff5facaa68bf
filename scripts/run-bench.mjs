// Runs every bench/*.bench.ts (or those named: `npm run bench -- parse engine`) one after another.
// Each benchmark prints its own Markdown section and writes bench/out/<name>.md; this script
// joins them into bench/out/results.md, from which BENCHMARKS.md is updated by hand.
import { readdirSync, readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const only = process.argv.slice(2);
mkdirSync('bench/out', { recursive: true });
const files = readdirSync('bench')
  .filter((f) => f.endsWith('.bench.ts'))
  .sort()
  .filter((f) => only.length === 0 || only.includes(f.replace(/\.bench\.ts$/, '')));
let failed = 0;
const sections = [];
for (const f of files) {
  const name = f.replace(/\.bench\.ts$/, '');
  console.log(`\n=== bench ${name}`);
  const res = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', `bench/${f}`], { stdio: 'inherit' });
  if (res.status !== 0) {
    failed++;
    console.error(`bench ${name} failed (exit ${res.status})`);
    continue;
  }
  const out = `bench/out/${name}.md`;
  if (existsSync(out)) sections.push(readFileSync(out, 'utf8'));
}
writeFileSync('bench/out/results.md', `# Benchmark run ${new Date().toISOString()}\n\n${sections.join('\n\n')}\n`);
console.log(`\nwrote bench/out/results.md (${sections.length} sections${failed ? `, ${failed} failed` : ''})`);
process.exit(failed ? 1 : 0);
