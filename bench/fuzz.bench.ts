// The `.http` fuzzer at full size: ≥ 100,000 fast-check inputs through the parser and the
// resolver (every region resolved, variable diagnostics, with environment files), then a sample
// through the real language server over stdio. Goals (issue 8): no exception, no input over 1 s,
// every range valid. Reported: inputs per second, the slowest input, and the cost against a
// baseline measured in this process (fast-check generating the same inputs and doing nothing).
// Exit code 1 if any goal is missed, with the seed and the input to replay.
//
//   npm run bench -- fuzz            (WL_FUZZ_RUNS=N, WL_FUZZ_SEED=S to change)

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { parseHttpFile, splitLines, type HttpFile } from '../src/core/httpfile';
import { resolveRegion, variableDiagnostics, type ResolveContext } from '../src/core/variables';
import { ServerHarness } from '../test/unit/serverHarness';
import { rangesOf } from '../test/unit/astRanges';
import { BLOCK_TOKENS, LINE_BREAKS, MESSAGE_TOKENS, ODD_CHARACTERS, applyEdits, fixtureTexts } from '../test/fixtures/http/fuzzInputs';

const RUNS = Number(process.env.WL_FUZZ_RUNS ?? 100_000);
const LSP_DOCS = Number(process.env.WL_FUZZ_LSP_DOCS ?? 500);
const SEED = Number(process.env.WL_FUZZ_SEED ?? 20261122);
const SLOW_MS = 1000;

const fixtures = fixtureTexts();

const TOKENS = [
  '###',
  '### t',
  '#',
  '# @name a',
  '# @name b',
  '// @timeout 5',
  '# @connection new',
  '# @insecure',
  '# @keep-open',
  '@host = localhost:8080',
  '@x = {{host}}/{{y}}',
  '@y = {{x}}',
  '@ = ',
  '@a.b-c = 1',
  'GET',
  'GET http://{{host}}/{{x}}',
  ...MESSAGE_TOKENS,
  'Host: {{host}}',
  'Authorization: Basic {{u}} {{p}}',
  'Authorization: Digest u p',
  'X-Request-Type: GraphQL',
  'Content-Type: multipart/form-data; boundary=b',
  '--b',
  '--b--',
  '{{',
  '}}',
  '{{$timestamp]}}',
  '{{$timestamp -1 d}}',
  '{{$randomInt 1 9}}',
  '{{$random.integer(1, 2)}}',
  '{{$datetime "YYYY" 1 h}}',
  '{{$processEnv %x}}',
  '{{$dotenv K}}',
  '{{%q}}',
  '{{a.response.body.$.id}}',
  '{{a.response.body.//x}}',
  "{{b.response.headers['X']}}",
  '{{b.request.body.*}}',
  ...BLOCK_TOKENS,
  ...ODD_CHARACTERS,
  'HTTP/3',
  '{"a": {{x}}}',
  '{{{{x}}}}',
  '{{ x }}',
];
const BREAKS = LINE_BREAKS;

const soup = fc.array(fc.tuple(fc.constantFrom(...TOKENS), fc.constantFrom(...BREAKS)), { maxLength: 40 }).map((xs) => xs.map(([t, b]) => t + b).join(''));
const mutated = fc
  .tuple(fc.constantFrom(...fixtures), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 20 }), fc.oneof(fc.constantFrom(...TOKENS, ...BREAKS), fc.string({ maxLength: 5 }))), { minLength: 1, maxLength: 6 }))
  .map(([text, edits]) => applyEdits(text, edits));
const input = fc.oneof({ weight: 5, arbitrary: soup }, { weight: 3, arbitrary: mutated }, { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) });

// Environment files the resolver finds from the file's folder: public, private, and a broken one.
const ROOT = '/fuzz';
const FILES = new Map<string, string>([
  [`${ROOT}/http-client.env.json`, JSON.stringify({ dev: { host: 'localhost:9', u: 'ada', x: '{{y}}' }, $shared: { y: 'shared' } })],
  [`${ROOT}/http-client.private.env.json`, JSON.stringify({ dev: { p: 'secret', token: '{{x}}' } })],
  [`${ROOT}/sub/http-client.env.json`, '{"dev": {'],
  [`${ROOT}/.env`, 'K=from-dotenv\n'],
]);

function context(): ResolveContext {
  return {
    filePath: `${ROOT}/api.http`,
    workspaceRoot: ROOT,
    envName: 'dev',
    readFile: (p) => FILES.get(p),
    fileExists: (p) => FILES.has(p),
    processEnv: { HOME: '/home/fuzz', x: 'HOME' },
    named: new Map([['a', { request: { url: 'http://h/a', method: 'GET', headers: [] }, response: { status: 200, headers: [['X', '1']], body: '{"id": 7}' } }]]),
    now: () => 1_750_000_000_000,
    random: () => 0.5,
    uuid: () => '00000000-0000-4000-8000-000000000000',
  };
}

function badRange(lines: string[], what: unknown): string | undefined {
  for (const r of rangesOf(what)) {
    for (const p of [r.start, r.end]) {
      if (!Number.isInteger(p.line) || p.line < 0 || p.line >= lines.length) return `line ${p.line} outside 0..${lines.length - 1}: ${JSON.stringify(r)}`;
      if (!Number.isInteger(p.character) || p.character < 0 || p.character > lines[p.line].length) return `character ${p.character} past line ${p.line}: ${JSON.stringify(r)}`;
    }
    if (r.start.line > r.end.line || (r.start.line === r.end.line && r.start.character > r.end.character)) return `reversed ${JSON.stringify(r)}`;
  }
  return undefined;
}

interface Failure {
  kind: string;
  detail: string;
  input: string;
}

/** The first failure of each kind, and how many inputs failed that way. */
const failures = new Map<string, { count: number; first: Failure }>();
function fail(f: Failure): void {
  const seen = failures.get(f.kind);
  if (seen) seen.count++;
  else failures.set(f.kind, { count: 1, first: f });
}
let maxMs = 0;
let slowest = '';
let totalMs = 0;
let regionsResolved = 0;
let rangesChecked = 0;

function exercise(text: string): void {
  const t0 = performance.now();
  let file: HttpFile;
  let problem: string | undefined;
  try {
    file = parseHttpFile(text);
    const ctx = context();
    const n = Math.min(file.regions.length, 20);
    const results: unknown[] = [];
    for (let i = 0; i < n; i++) {
      results.push(resolveRegion(file, i, ctx).diagnostics);
      regionsResolved++;
    }
    results.push(variableDiagnostics(file, ctx));
    const ms = performance.now() - t0;
    totalMs += ms;
    if (ms > maxMs) {
      maxMs = ms;
      slowest = text;
    }
    // Range checks are not timed: they are the bench's, not the product's.
    const { lines } = splitLines(text);
    problem = badRange(lines, file) ?? badRange(lines, results);
    for (const r of rangesOf([file, results])) {
      void r;
      rangesChecked++;
    }
    if (ms > SLOW_MS) fail({ kind: 'slow', detail: `${ms.toFixed(0)} ms`, input: text });
  } catch (e) {
    fail({ kind: 'exception', detail: e instanceof Error ? `${e.name}: ${e.message}` : String(e), input: text });
    return;
  }
  if (problem) fail({ kind: 'range', detail: problem, input: text });
}

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

// Baseline: the same inputs generated by fast-check, with a property that does nothing.
gc();
const b0 = performance.now();
fc.assert(
  fc.property(input, () => undefined),
  { numRuns: RUNS, seed: SEED },
);
const baselineMs = performance.now() - b0;

gc();
const f0 = performance.now();
fc.assert(
  fc.property(input, (text) => {
    exercise(text);
  }),
  { numRuns: RUNS, seed: SEED },
);
const fuzzMs = performance.now() - f0;

// A sample through the language server: open, wait for diagnostics, ask for symbols and a completion.
async function throughServer(): Promise<{ docs: number; maxMs: number; medianMs: number; ranges: number }> {
  const root = mkdtempSync(join(tmpdir(), 'wl-fuzz-bench-'));
  writeFileSync(join(root, 'http-client.env.json'), FILES.get(`${ROOT}/http-client.env.json`)!);
  const h = await ServerHarness.start({ root });
  const times: number[] = [];
  let ranges = 0;
  try {
    const docs = fc.sample(input, { numRuns: LSP_DOCS, seed: SEED + 1 });
    for (let i = 0; i < docs.length; i++) {
      const text = docs[i];
      const uri = pathToFileURL(join(root, `d${i}.http`)).toString();
      const t0 = performance.now();
      await h.open(uri, text, 1);
      const diags = await h.diagnostics(uri, 1, 10_000);
      const symbols = await h.request('textDocument/documentSymbol', { textDocument: { uri } });
      const { lines } = splitLines(text);
      const last = lines.length - 1;
      const completion = await h.request('textDocument/completion', { textDocument: { uri }, position: { line: last, character: lines[last].length } });
      const ms = performance.now() - t0;
      times.push(ms);
      const problem = badRange(lines, [diags.diagnostics, symbols, completion]);
      for (const r of rangesOf([diags.diagnostics, symbols, completion])) {
        void r;
        ranges++;
      }
      if (problem) fail({ kind: 'server range', detail: problem, input: text });
      if (ms > SLOW_MS) fail({ kind: 'server slow', detail: `${ms.toFixed(0)} ms`, input: text });
      if (h.child.exitCode !== null) {
        fail({ kind: 'server crash', detail: `exit ${h.child.exitCode}`, input: text });
        break;
      }
      await h.notify('textDocument/didClose', { textDocument: { uri } });
    }
  } catch (e) {
    fail({ kind: 'server error', detail: e instanceof Error ? e.message : String(e), input: '' });
  } finally {
    await h.stop();
    rmSync(root, { recursive: true, force: true });
  }
  const sorted = [...times].sort((a, b) => a - b);
  return { docs: times.length, maxMs: sorted.at(-1) ?? 0, medianMs: sorted[Math.floor(sorted.length / 2)] ?? 0, ranges };
}

void (async () => {
  const server = await throughServer();
  const perSec = (RUNS / fuzzMs) * 1000;
  const md = [
    '## fuzz',
    '',
    `${RUNS.toLocaleString('en')} fast-check inputs (seed ${SEED}): token soups, mutated fixture files, random binary strings. Each is parsed, every region (up to 20) resolved against environment files (public, private, a broken one, .env) and named responses, and the file's variable diagnostics computed. Node ${process.version}, load average ${loadavg()[0].toFixed(1)} while measuring.`,
    '',
    '| what | figure | goal |',
    '|---|---|---|',
    `| inputs through parser + resolver | ${RUNS.toLocaleString('en')} (${regionsResolved.toLocaleString('en')} regions resolved, ${rangesChecked.toLocaleString('en')} ranges checked) | ≥ 100,000 |`,
    `| throughput | ${Math.round(perSec).toLocaleString('en')} inputs/s | |`,
    `| slowest input (parse + resolve) | ${maxMs.toFixed(1)} ms (${slowest.length} chars) | < ${SLOW_MS} ms |`,
    `| mean per input | ${(totalMs / RUNS).toFixed(3)} ms | |`,
    `| cost × fast-check generating the same inputs alone | ${(fuzzMs / baselineMs).toFixed(1)}× (${(baselineMs / 1000).toFixed(1)} s → ${(fuzzMs / 1000).toFixed(1)} s) | |`,
    `| language server sample (open → diagnostics → symbols → completion) | ${server.docs} documents, median ${server.medianMs.toFixed(1)} ms, max ${server.maxMs.toFixed(1)} ms, ${server.ranges} ranges checked | < ${SLOW_MS} ms each |`,
    `| exceptions / invalid ranges / slow inputs | ${failures.size ? [...failures].map(([k, v]) => `**${v.count} ${k}** (first: ${v.first.detail.slice(0, 160)})`).join('; ') : 'none'} | none |`,
    ...[...failures.values()].map((v) => `\nFirst ${v.first.kind} input (replay with \`WL_FUZZ_SEED=${SEED}\`): \`${JSON.stringify(v.first.input).slice(0, 400)}\``),
    '',
    'Command: `npm run bench -- fuzz` (`WL_FUZZ_RUNS`, `WL_FUZZ_SEED`, `WL_FUZZ_LSP_DOCS` to change). The small version runs in `npm test`: test/unit/parser-fuzz.test.ts and test/unit/fuzz-lsp.test.ts.',
    '',
  ].join('\n');
  process.stdout.write(md + '\n');
  mkdirSync('bench/out', { recursive: true });
  writeFileSync('bench/out/fuzz.md', md);
  for (const [kind, v] of failures) process.stderr.write(`fuzz: ${v.count} × ${kind}, first: ${v.first.detail}; replay with WL_FUZZ_SEED=${SEED}; input:\n${JSON.stringify(v.first.input)}\n`);
  if (failures.size) process.exitCode = 1;
})();
