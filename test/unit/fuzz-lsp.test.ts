// fast-check drives the real language server over stdio with random `.http` documents and
// random incremental edits (a few hundred in all), then asks what an editor asks: diagnostics,
// completion, hover, symbols, folding, lenses, links, definition. The server must never crash
// or answer with an error, and every range it returns must lie inside the document as edited.
// Bigger runs (100,000 inputs over parser + resolver) live in bench/fuzz.bench.ts.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { ServerHarness } from './serverHarness';
import { LINE_BREAKS, ODD_CHARACTERS } from '../fixtures/http/fuzzInputs';

const SEED = Number(process.env.WL_FUZZ_SEED ?? 4711);
const DOCS = 80;

type Pos = { line: number; character: number };
type Range = { start: Pos; end: Pos };

// Pieces on the edges of the grammar, the resolver and the server's features.
const TOKENS = [
  '###',
  '### t',
  '# @name a',
  '# @name b',
  '// @timeout 5',
  '# @connection new',
  '@host = localhost:8080',
  '@x = {{host}}/{{y}}',
  '@y = {{x}}',
  'GET http://{{host}}/a',
  'POST {{host}}/p',
  'WEBSOCKET ws://{{host}}/ws',
  'GET /rel',
  'HTTP/1.1 200 OK',
  'Content-Type: application/json',
  'Authorization: Basic u p',
  'X Y: z',
  ':',
  '{{',
  '}}',
  '{{$timestamp]}}',
  '{{$randomInt 1}}',
  '{{a.response.body.$.id}}',
  '{{b.response.headers.X}}',
  '{{%host}}',
  '{{$dotenv K}}',
  '{{$processEnv HOME}}',
  '< ./missing.json',
  '<@ ./f',
  '> {%',
  '%}',
  '?? status == 200',
  '===',
  '=== wait-for-server',
  '?a=1',
  '&b=2',
  '{"a": {{x}}}',
  ...ODD_CHARACTERS,
];
const BREAKS = LINE_BREAKS;

const documentText = fc.array(fc.tuple(fc.constantFrom(...TOKENS), fc.constantFrom(...BREAKS)), { maxLength: 30 }).map((xs) => xs.map(([t, b]) => t + b).join(''));

/** An edit by offsets into the current text (mapped to a valid LSP range when applied). */
const edit = fc.tuple(fc.nat(), fc.nat({ max: 12 }), fc.oneof(fc.constantFrom(...TOKENS, ...BREAKS, '\n###\n', '{{host}}'), fc.string({ maxLength: 6 })));
const session = fc.tuple(documentText, fc.array(edit, { minLength: 1, maxLength: 8 }), fc.nat(), fc.nat());

let h: ServerHarness;
let root = '';
let docNo = 0;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'wl-fuzz-lsp-'));
  writeFileSync(join(root, 'http-client.env.json'), JSON.stringify({ dev: { host: 'localhost:9' } }));
  h = await ServerHarness.start({ root });
});

after(async () => {
  const code = await h.stop();
  assert.equal(code, 0, 'the server exits 0 after shutdown + exit');
  rmSync(root, { recursive: true, force: true });
});

function* rangesIn(v: unknown): Generator<Range> {
  if (Array.isArray(v)) {
    for (const x of v) yield* rangesIn(x);
  } else if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const s = o.start as Pos | undefined;
    if (s && typeof s === 'object' && typeof s.line === 'number' && o.end) yield o as unknown as Range;
    for (const [k, x] of Object.entries(o)) if (k !== 'start' && k !== 'end') yield* rangesIn(x);
  }
}

/** Folding ranges are lines only. */
function checkFolding(doc: TextDocument, v: unknown, what: string): void {
  for (const f of (v as Array<{ startLine: number; endLine: number }>) ?? []) {
    assert.ok(f.startLine >= 0 && f.startLine <= f.endLine && f.endLine < doc.lineCount, `${what}: folding ${JSON.stringify(f)} outside ${doc.lineCount} lines`);
  }
}

function notAfter(a: Pos, b: Pos): boolean {
  return a.line < b.line || (a.line === b.line && a.character <= b.character);
}

/** VS Code rejects a symbol whose selectionRange is not inside its range ("selectionRange must be contained in fullRange"). */
function checkSymbols(v: unknown, text: string): void {
  type Symbol = { name: string; range: Range; selectionRange: Range; children?: Symbol[] };
  for (const s of (v as Symbol[]) ?? []) {
    assert.ok(
      notAfter(s.range.start, s.selectionRange.start) && notAfter(s.selectionRange.end, s.range.end),
      `symbol ${JSON.stringify(s.name)}: selectionRange ${JSON.stringify(s.selectionRange)} outside range ${JSON.stringify(s.range)} for text ${JSON.stringify(text).slice(0, 300)}`,
    );
    checkSymbols(s.children, text);
  }
}

function checkRanges(doc: TextDocument, v: unknown, what: string): number {
  const lines = doc.getText().split(/\r\n|\r|\n/);
  let n = 0;
  for (const r of rangesIn(v)) {
    n++;
    for (const p of [r.start, r.end]) {
      assert.ok(Number.isInteger(p.line) && p.line >= 0 && p.line < lines.length, `${what}: line ${p.line} outside 0..${lines.length - 1} in ${JSON.stringify(r)}`);
      assert.ok(
        Number.isInteger(p.character) && p.character >= 0 && p.character <= lines[p.line].length,
        `${what}: character ${p.character} past line ${p.line} (${lines[p.line].length}) in ${JSON.stringify(r)}`,
      );
    }
    assert.ok(r.start.line < r.end.line || (r.start.line === r.end.line && r.start.character <= r.end.character), `${what}: range ${JSON.stringify(r)} reversed`);
  }
  return n;
}

test(`language server under ${DOCS} random documents with random incremental edits: no crash, no error answer, every range inside the document`, { timeout: 60_000 }, async () => {
  let edits = 0;
  let requests = 0;
  let ranges = 0;
  await fc.assert(
    fc.asyncProperty(session, async ([text, changes, at1, at2]) => {
      const uri = pathToFileURL(join(root, `fuzz${++docNo}.http`)).toString();
      let doc = TextDocument.create(uri, 'http', 1, text);
      await h.open(uri, text, 1);
      for (const [pos, del, ins] of changes) {
        const len = doc.getText().length;
        const start = len === 0 ? 0 : pos % (len + 1);
        const range = { start: doc.positionAt(start), end: doc.positionAt(Math.min(len, start + del)) };
        const version = doc.version + 1;
        doc = TextDocument.update(doc, [{ range, text: ins }], version);
        await h.change(uri, version, [{ range, text: ins }]);
        edits++;
      }
      const published = await h.diagnostics(uri, doc.version, 10_000);
      ranges += checkRanges(doc, published.diagnostics, 'diagnostics');
      for (const d of published.diagnostics) assert.ok(d.message && String(d.code ?? '').startsWith('WL_'), `diagnostic with a WL_ code: ${JSON.stringify(d)}`);
      const len = doc.getText().length;
      const positions = [doc.positionAt(len === 0 ? 0 : at1 % (len + 1)), doc.positionAt(len === 0 ? 0 : at2 % (len + 1))];
      const td = { textDocument: { uri } };
      const asks: Array<[string, unknown]> = [
        ['textDocument/documentSymbol', td],
        ['textDocument/foldingRange', td],
        ['textDocument/codeLens', td],
        ['textDocument/documentLink', td],
        ...positions.flatMap((position): Array<[string, unknown]> => [
          ['textDocument/completion', { ...td, position }],
          ['textDocument/hover', { ...td, position }],
          ['textDocument/definition', { ...td, position }],
          ['textDocument/references', { ...td, position, context: { includeDeclaration: true } }],
          ['textDocument/prepareRename', { ...td, position }],
        ]),
      ];
      for (const [method, params] of asks) {
        let answer: unknown;
        try {
          answer = await h.request(method, params);
        } catch (e) {
          assert.fail(`${method} answered with an error: ${(e as Error).message} for text ${JSON.stringify(doc.getText()).slice(0, 300)}`);
        }
        requests++;
        if (method === 'textDocument/documentSymbol') checkSymbols(answer, doc.getText());
        if (method === 'textDocument/foldingRange') checkFolding(doc, answer, method);
        // Definitions may point into the environment file (its only environment is in use): only
        // locations in this document are checked against it.
        else if (method === 'textDocument/definition')
          ranges += checkRanges(
            doc,
            ((answer as Array<{ uri: string }> | null) ?? []).filter((l) => l.uri === uri),
            method,
          );
        // Completion items carry textEdit ranges; link targets are URIs, not ranges.
        else ranges += checkRanges(doc, answer, method);
      }
      assert.equal(h.child.exitCode, null, 'the server is still running');
      await h.notify('textDocument/didClose', td);
    }),
    { numRuns: DOCS, seed: SEED },
  );
  console.log(`fuzz-lsp: ${DOCS} documents, ${edits} edits, ${requests} requests, ${ranges} ranges checked (seed ${SEED})`);
});
