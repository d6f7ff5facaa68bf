// Language server over stdio (the built dist/server.js), as an editor drives it: time from didOpen
// to the first diagnostics, from a one-character didChange to its diagnostics, completion latency,
// and the server's memory. The 10,000-request document is compared with a 100-request baseline
// measured in the same run. Writes bench/out/server.md.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ServerHarness, generateRequests } from '../test/unit/serverHarness';
import { SERVER_NODE_FLAGS } from '../src/protocol/serverProcess';

const EDITS = 15;
const COMPLETIONS = 15;
const TYPING_GAP_MS = 100;

interface Result {
  requests: number;
  firstDiagnostics: number;
  completeDiagnostics: number;
  firstParse: number;
  firstResolve: number;
  edit: number;
  editParse: number;
  editResolve: number;
  completion: number;
  completionAfterEdit: number;
  rssMb: number;
  peakRssMb: number;
  heapMb: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function memoryMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

async function measure(root: string, requests: number): Promise<Result> {
  // The server process as the extension starts it (SERVER_NODE_FLAGS); WL_BENCH_SERVER_NODE_ARGS
  // replaces those flags (to try other heap settings, or '' for none).
  const nodeArgs = process.env.WL_BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [...SERVER_NODE_FLAGS];
  const h = await ServerHarness.start({ root, entry: 'dist', initializationOptions: { trace: true }, nodeArgs });
  try {
    const uri = pathToFileURL(join(root, `bench-${requests}.http`)).toString();
    const text = generateRequests(requests);
    const lines = text.split('\n');
    const t0 = performance.now();
    await h.open(uri, text, 1);
    await h.diagnostics(uri, 1, 120_000);
    const firstDiagnostics = performance.now() - t0;
    // A large document is answered top first: the publication that follows the full run's trace
    // (traced before it is published) is the complete one, every request parsed and resolved.
    const isComplete = (l: string) => l.startsWith('diagnostics v1: parse');
    let seen = h.published.length;
    while (!h.logs.some(isComplete)) {
      await h.diagnosticsAfter(uri, seen, 120_000);
      seen = h.published.length;
    }
    const completeDiagnostics = performance.now() - t0;
    const first = h.logs.map((l) => /^diagnostics v1: parse ([\d.]+) ms, resolve ([\d.]+) ms/.exec(l)).find((m) => m);

    // One character typed into (and removed from) a header value in the middle of the file.
    const line = lines.findIndex((l, i) => i > lines.length / 2 && l.startsWith('Accept: '));
    const edits: number[] = [];
    const parses: number[] = [];
    const resolves: number[] = [];
    let version = 1;
    for (let i = 0; i < EDITS; i++) {
      version++;
      const insert = i % 2 === 0;
      const range = insert ? { start: { line, character: 8 }, end: { line, character: 8 } } : { start: { line, character: 8 }, end: { line, character: 9 } };
      // Typing cadence (~10 keys/s): each keystroke arrives after a quiet spell, as in an editor.
      await new Promise((resolve) => setTimeout(resolve, TYPING_GAP_MS));
      const logsBefore = h.logs.length;
      const t = performance.now();
      await h.change(uri, version, [{ range, text: insert ? 'x' : '' }]);
      await h.diagnostics(uri, version, 60_000);
      edits.push(performance.now() - t);
      const trace = h.logs.slice(logsBefore).find((l) => l.startsWith(`diagnostics v${version}:`));
      const m = trace && /parse ([\d.]+) ms, resolve ([\d.]+) ms/.exec(trace);
      if (m) {
        parses.push(Number(m[1]));
        resolves.push(Number(m[2]));
      }
    }

    // Completion inside `{{` on a URL line, idle and right after an edit (before its diagnostics run).
    const urlLine = lines.findIndex((l, i) => i > lines.length / 2 && l.startsWith('GET http://{{host}}'));
    const pos = { textDocument: { uri }, position: { line: urlLine, character: 13 } };
    const idle: number[] = [];
    for (let i = 0; i < COMPLETIONS; i++) {
      const t = performance.now();
      const items = await h.request<unknown[]>('textDocument/completion', pos);
      idle.push(performance.now() - t);
      if (items.length === 0) throw new Error('completion returned nothing');
    }
    const afterEdit: number[] = [];
    for (let i = 0; i < COMPLETIONS; i++) {
      version++;
      const insert = i % 2 === 0;
      const range = insert ? { start: { line, character: 8 }, end: { line, character: 8 } } : { start: { line, character: 8 }, end: { line, character: 9 } };
      await h.change(uri, version, [{ range, text: insert ? 'x' : '' }]);
      const t = performance.now();
      await h.request('textDocument/completion', pos);
      afterEdit.push(performance.now() - t);
      await h.diagnostics(uri, version, 60_000);
    }
    const mem = memoryMb(h.child.pid!);
    const heaps = h.logs.map((l) => /heap ([\d.]+) MB/.exec(l)?.[1]).filter((x): x is string => x !== undefined);
    return {
      requests,
      firstDiagnostics,
      completeDiagnostics,
      firstParse: first ? Number(first[1]) : NaN,
      firstResolve: first ? Number(first[2]) : NaN,
      edit: median(edits),
      editParse: parses.length ? median(parses) : NaN,
      editResolve: resolves.length ? median(resolves) : NaN,
      completion: median(idle),
      completionAfterEdit: median(afterEdit),
      rssMb: mem.rss,
      peakRssMb: mem.peak,
      heapMb: heaps.length ? Number(heaps[heaps.length - 1]) : NaN,
    };
  } finally {
    await h.stop();
  }
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'wl-bench-server-'));
  try {
    const base = await measure(root, 100);
    const big = await measure(root, 10_000);
    const f = (n: number) => (Number.isNaN(n) ? 'n/a' : n < 10 ? n.toFixed(1) : n.toFixed(0));
    const r = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(1)}×` : 'n/a');
    const rows = [
      ['first diagnostics after didOpen (ms; a large file: its top first)', base.firstDiagnostics, big.firstDiagnostics, '< 300'],
      ['complete diagnostics after didOpen (ms; every request parsed and resolved)', base.completeDiagnostics, big.completeDiagnostics, ''],
      ['  of which first parse (core parser, cold) (ms)', base.firstParse, big.firstParse, ''],
      ['  of which variable diagnostics of every request (core resolver, cold) (ms)', base.firstResolve, big.firstResolve, ''],
      ['diagnostics after a one-character edit, median (ms; leading-edge debounce)', base.edit, big.edit, '< 50'],
      ['  of which incremental parse (core parser), median (ms)', base.editParse, big.editParse, ''],
      ['  of which variable diagnostics (edited requests only), median (ms)', base.editResolve, big.editResolve, ''],
      ['completion inside {{, median (ms)', base.completion, big.completion, '< 30'],
      ['completion right after an edit, median (ms)', base.completionAfterEdit, big.completionAfterEdit, '< 30'],
      ['server RSS after the edits (MB)', base.rssMb, big.rssMb, '< 150'],
      ['server peak RSS (MB)', base.peakRssMb, big.peakRssMb, ''],
      ['server JS heap in use after the last diagnostics run (MB)', base.heapMb, big.heapMb, ''],
    ] as const;
    const md = [
      '## Language server (`bench/server.bench.ts`)',
      '',
      `dist/server.js over stdio (node flags as the extension starts it: \`${(process.env.WL_BENCH_SERVER_NODE_ARGS ?? SERVER_NODE_FLAGS.join(' ')) || 'none'}\`), driven with vscode-jsonrpc. Generated documents (\`generateRequests\`): named login, file variables, \`{{$randomInt}}\` and chained references in every request. ${EDITS} one-character edits ${TYPING_GAP_MS} ms apart (typing cadence) and ${COMPLETIONS} completions per size; medians. Node ${process.version}, ${new Date().toISOString()}.`,
      '',
      '| measure | 100 requests (baseline) | 10,000 requests | ratio | goal (10,000) |',
      '|---|---|---|---|---|',
      ...rows.map(([name, a, b, goal]) => `| ${name} | ${f(a)} | ${f(b)} | ${r(b, a)} | ${goal} |`),
      '',
      'Absolute times are context only (the machine is shared); ratios come from the same run.',
      '',
    ].join('\n');
    mkdirSync('bench/out', { recursive: true });
    writeFileSync('bench/out/server.md', md);
    console.log(md);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
