// Parser speed and AST size on a generated 10,000-request file, for the language server which
// re-parses on every keystroke. Targets: full parse < 100 ms, re-parse after a one-line edit
// < 20 ms, AST < 50 MB. Times are medians; the ratio column compares with a plain
// `text.split('\n')` of the same text measured in this process, so machines can be compared.
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createIncrementalParser, parseHttpFile } from '../src/core/httpfile';

const REQUESTS = 10_000;

function generate(n: number): string {
  const out: string[] = ['@host = http://127.0.0.1:8080', '@token = secret', ''];
  for (let i = 0; i < n; i++) {
    switch (i % 4) {
      case 0:
        out.push(`### create item ${i}`, `# @name create${i}`, `POST {{host}}/items/${i} HTTP/1.1`, 'Content-Type: application/json', 'Authorization: Bearer {{token}}', '', `{"id": ${i}, "name": "item {{$uuid}}"}`, '');
        break;
      case 1:
        out.push(`### read item ${i}`, `GET {{host}}/items/{{create${i - 1}.response.body.$.id}}`, '    ?verbose=true', 'Accept: application/json', '', '> {%', '  client.global.set("id", response.body.id);', '%}', '');
        break;
      case 2:
        out.push(`### upload ${i}`, `PUT {{host}}/files/${i}`, 'Content-Type: text/plain', '', '< ./data/upload.txt', '');
        break;
      default:
        out.push(`### socket ${i}`, 'WEBSOCKET ws://127.0.0.1:8080/echo', '', `{"n": ${i}}`, '===', '=== wait-for-server', '');
    }
  }
  return out.join('\n');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

interface Timing {
  wall: number;
  /** Process CPU time (all threads, GC helpers included): steadier than wall time on a busy machine. */
  cpu: number;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function time(runs: number, fn: () => unknown, before?: () => unknown): Timing {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    before?.();
    const c0 = cpuMs();
    const t0 = performance.now();
    fn();
    wall.push(performance.now() - t0);
    cpu.push(cpuMs() - c0);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const text = generate(REQUESTS);
const lineCount = text.split('\n').length;

// Warm up both code paths so the JIT has settled before measuring.
for (let i = 0; i < 3; i++) parseHttpFile(text);
const baseline = time(15, () => text.split('\n'));
const full = time(9, () => parseHttpFile(text));

// One-line edits in the middle: a character typed (no line shift), and a line inserted (the rest shifts).
const mid = text.indexOf('### read item 5001');
const typed = text.slice(0, mid) + '### read item 5001x' + text.slice(mid + '### read item 5001'.length);
const inserted = text.slice(0, mid) + 'X-Added: 1\n' + text.slice(mid);
const inc = createIncrementalParser();
inc.parse(text);
// Each measured parse follows a parse of the original text, as when typing back and forth.
const typedMs = time(15, () => inc.parse(typed), () => inc.parse(text));
inc.parse(text);
inc.parse(typed);
const reused = inc.lastReused;
const insertedMs = time(15, () => inc.parse(inserted), () => inc.parse(text));

gc();
const before = process.memoryUsage().heapUsed;
const kept = parseHttpFile(text);
gc();
const astMb = (process.memoryUsage().heapUsed - before) / 1024 / 1024;
const regions = kept.regions.length;

const row = (what: string, t: Timing, target: string): string =>
  `| ${what} | ${t.wall.toFixed(1)} ms | ${t.cpu.toFixed(0)} ms | ${(t.wall / baseline.wall).toFixed(1)}× | ${target} |`;
const md = [
  '## parse',
  '',
  `Generated file: ${REQUESTS.toLocaleString('en')} requests, ${lineCount.toLocaleString('en')} lines, ${(text.length / 1024 / 1024).toFixed(1)} MB, ${regions} regions. Node ${process.version}, load average ${loadavg()[0].toFixed(1)} on this machine while measuring.`,
  '',
  '| what | median wall | median CPU | wall × split(\'\\n\') | target |',
  '|---|---|---|---|---|',
  row("baseline: text.split('\\n')", baseline, ''),
  row('full parse (parseHttpFile)', full, '< 100 ms'),
  row(`re-parse after typing on one line (incremental, ${reused} regions reused)`, typedMs, '< 20 ms'),
  row('re-parse after inserting a line (incremental, later regions shifted)', insertedMs, '< 20 ms'),
  '',
  `AST memory (heap growth holding one result): ${astMb.toFixed(1)} MB (target < 50 MB).`,
  '',
  'Command: `npm run bench -- parse`',
  '',
].join('\n');

process.stdout.write(md + '\n');
mkdirSync('bench/out', { recursive: true });
writeFileSync('bench/out/parse.md', md);
