// Parser speed and AST size on a generated 10,000-request file, for the language server which
// re-parses on every keystroke. Targets: full parse < 100 ms, re-parse after a one-line edit
// < 20 ms, AST < 50 MB. Times are medians; the ratio column compares with a plain
// `text.split('\n')` of the same text measured in this process, so machines can be compared.
// On a busy machine wall times swing widely; CPU time (all threads, GC helpers included) is steadier.
// The full parse is also measured in a child process started with a larger young generation
// (`--max-semi-space-size=64`, an option the language server could be started with), and the
// garbage collector's share of it is reported, since keeping the AST alive is most of its cost.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { PerformanceObserver, performance, type PerformanceEntry } from 'node:perf_hooks';
import { createIncrementalParser, parseHttpFile } from '../src/core/httpfile';
import { generate } from '../test/fixtures/http/generate';
import { SERVER_NODE_FLAGS } from '../src/protocol/serverProcess';

const REQUESTS = 10_000;

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

/** Each measured run's [start, end) in performance.now() time, to find the collections inside it. */
const windows = new Map<string, Array<[number, number]>>();

function time(runs: number, fn: () => unknown, before?: () => unknown, label?: string): Timing {
  const wall: number[] = [];
  const cpu: number[] = [];
  const spans: Array<[number, number]> = [];
  for (let i = 0; i < runs; i++) {
    before?.();
    const c0 = cpuMs();
    const t0 = performance.now();
    fn();
    const t1 = performance.now();
    wall.push(t1 - t0);
    cpu.push(cpuMs() - c0);
    spans.push([t0, t1]);
  }
  if (label) windows.set(label, [...(windows.get(label) ?? []), ...spans]);
  return { wall: median(wall), cpu: median(cpu) };
}

// Garbage collections, to tell how much of a parse is the collector's.
const collections: PerformanceEntry[] = [];
const observer = new PerformanceObserver((list) => collections.push(...list.getEntries()));
observer.observe({ entryTypes: ['gc'] });

/** Median over the runs of `label` of the time spent in collections that started inside each run. */
function gcMs(label: string): number {
  const spans = windows.get(label) ?? [];
  return median(spans.map(([a, b]) => collections.filter((e) => e.startTime >= a && e.startTime < b).reduce((s, e) => s + e.duration, 0)));
}

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const text = generate(REQUESTS);
const lineCount = text.split('\n').length;
const CHILD = '--full-parse-only';

// Warm up both code paths so the JIT has settled before measuring.
for (let i = 0; i < 3; i++) parseHttpFile(text);
if (process.argv.includes(CHILD)) {
  const t = time(9, () => parseHttpFile(text));
  process.stdout.write(JSON.stringify(t));
  process.exit(0);
}
// The full parse and its two baselines, interleaved: each round times text.split('\n') (median of
// 5, it is short), then JSON.parse of the same AST, then the parse, back to back, so a change in
// the machine's load moves all three; the ratios reported are medians of the per-round ratios.
// JSON.parse is the baseline that allocates like the parse: V8's native parser building the same
// AST (as JSON, so without the parser's shared positions: more objects, not fewer). split('\n')
// keeps nothing alive, so it never pays the collector's copying that most of a full parse is.
const astJson = JSON.stringify(parseHttpFile(text));
JSON.parse(astJson);
const ROUNDS = 11;
const splits: Timing[] = [];
const jsons: Timing[] = [];
const fulls: Timing[] = [];
for (let r = 0; r < ROUNDS; r++) {
  splits.push(time(5, () => text.split('\n')));
  jsons.push(time(1, () => JSON.parse(astJson)));
  fulls.push(time(1, () => parseHttpFile(text), undefined, 'full'));
}
const med = (ts: Timing[]): Timing => ({ wall: median(ts.map((t) => t.wall)), cpu: median(ts.map((t) => t.cpu)) });
const baseline = med(splits);
const jsonBaseline = med(jsons);
const full = med(fulls);
const fullPerSplit = median(fulls.map((t, i) => t.wall / splits[i].wall));
const fullPerJson = median(fulls.map((t, i) => t.wall / jsons[i].wall));
const jsonPerSplit = median(jsons.map((t, i) => t.wall / splits[i].wall));

// One-line edits in the middle: a character typed (no line shift), and a line inserted (the rest shifts).
const mid = text.indexOf('### read item 5001');
const typed = text.slice(0, mid) + '### read item 5001x' + text.slice(mid + '### read item 5001'.length);
const inserted = text.slice(0, mid) + 'X-Added: 1\n' + text.slice(mid);
const inc = createIncrementalParser();
inc.parse(text);
// Each measured parse follows a parse of the original text, as when typing back and forth.
const typedMs = time(
  15,
  () => inc.parse(typed),
  () => inc.parse(text),
);
inc.parse(text);
inc.parse(typed);
const reused = inc.lastReused;
const insertedMs = time(
  15,
  () => inc.parse(inserted),
  () => inc.parse(text),
);

// The same full parse with a 64 MB young generation (the language server could be started so).
const SEMI_SPACE = '--max-semi-space-size=64';
const child = spawnSync(process.execPath, [...process.execArgv, SEMI_SPACE, __filename, CHILD], { encoding: 'utf8', timeout: 120_000 });
const fullSemi: Timing | undefined = child.status === 0 ? (JSON.parse(child.stdout) as Timing) : undefined;
// And with the flags the extension starts the language server with (SERVER_NODE_FLAGS).
const serverChild = spawnSync(process.execPath, [...process.execArgv, ...SERVER_NODE_FLAGS, __filename, CHILD], { encoding: 'utf8', timeout: 120_000 });
const fullServer: Timing | undefined = serverChild.status === 0 ? (JSON.parse(serverChild.stdout) as Timing) : undefined;

gc();
const before = process.memoryUsage().heapUsed;
const kept = parseHttpFile(text);
gc();
const astMb = (process.memoryUsage().heapUsed - before) / 1024 / 1024;
const regions = kept.regions.length;
// The observer receives the collections asynchronously: report a little later.
setTimeout(() => {
  collections.push(...observer.takeRecords());
  observer.disconnect();
  const fullGc = gcMs('full');

  /** Ratios default to this row's median over the baselines' medians; the interleaved rows pass their per-round medians. */
  const row = (what: string, t: Timing, target: string, perSplit = t.wall / baseline.wall, perJson = t.wall / jsonBaseline.wall): string =>
    `| ${what} | ${t.wall.toFixed(1)} ms | ${t.cpu.toFixed(0)} ms | ${perSplit.toFixed(1)}× | ${perJson.toFixed(2)}× | ${target} |`;
  const md = [
    '## parse',
    '',
    `Generated file: ${REQUESTS.toLocaleString('en')} requests, ${lineCount.toLocaleString('en')} lines, ${(text.length / 1024 / 1024).toFixed(1)} MB, ${regions} regions. Node ${process.version}, load average ${loadavg()[0].toFixed(1)} on this machine while measuring.`,
    '',
    `Rows 1–3: ${ROUNDS} interleaved rounds, ratios are medians of the per-round ratios; the other rows are medians of their own runs against the baselines' medians.`,
    '',
    "| what | median wall | median CPU | wall × split('\\n') | wall × JSON.parse(AST) | target |",
    '|---|---|---|---|---|---|',
    row("baseline: text.split('\\n')", baseline, ''),
    row(`baseline: JSON.parse of the same AST as JSON (${(astJson.length / 1024 / 1024).toFixed(1)} MB)`, jsonBaseline, '', jsonPerSplit, 1),
    row('full parse (parseHttpFile)', full, '< 100 ms', fullPerSplit, fullPerJson),
    fullSemi ? row(`full parse, node ${SEMI_SPACE}`, fullSemi, '< 100 ms') : `| full parse, node ${SEMI_SPACE} | failed: ${(child.stderr || String(child.error)).slice(0, 80)} | | | | |`,
    fullServer
      ? row(`full parse, node ${SERVER_NODE_FLAGS.join(' ')} (as the language server runs)`, fullServer, '< 100 ms')
      : `| full parse, node ${SERVER_NODE_FLAGS.join(' ')} | failed: ${(serverChild.stderr || String(serverChild.error)).slice(0, 80)} | | | | |`,
    row(`re-parse after typing on one line (incremental, ${reused} regions reused)`, typedMs, '< 20 ms'),
    row('re-parse after inserting a line (incremental, later regions shifted)', insertedMs, '< 20 ms'),
    '',
    `Garbage collection inside the full parse (main-thread pauses, median over the runs): ${fullGc.toFixed(1)} ms.`,
    '',
    `AST memory (heap growth holding one result): ${astMb.toFixed(1)} MB (target < 50 MB).`,
    '',
    'Command: `npm run bench -- parse`',
    '',
  ].join('\n');

  process.stdout.write(md + '\n');
  mkdirSync('bench/out', { recursive: true });
  writeFileSync('bench/out/parse.md', md);
}, 100);
