// Property tests: whatever the input, the parser returns (never throws), every range lies inside
// the text and in order, and the incremental parser agrees with a full parse after any edits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createIncrementalParser, parseHttpFile, splitLines, type HttpFile } from '../../src/core/httpfile';
import { rangesOf } from './astRanges';
import { EDGE_TOKENS, LINE_BREAKS, applyEdits, fixtureTexts } from '../fixtures/http/fuzzInputs';

const fixtures = fixtureTexts();

// Pieces that sit on the edges of the grammar.
const TOKENS = EDGE_TOKENS;
const BREAKS = LINE_BREAKS;

const soup = fc.array(fc.tuple(fc.constantFrom(...TOKENS), fc.constantFrom(...BREAKS)), { maxLength: 40 }).map((xs) => xs.map(([t, b]) => t + b).join(''));

const mutated = fc
  .tuple(fc.constantFrom(...fixtures), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 20 }), fc.oneof(fc.constantFrom(...TOKENS, ...BREAKS), fc.string({ maxLength: 5 }))), { minLength: 1, maxLength: 6 }))
  .map(([text, edits]) => applyEdits(text, edits));

function before(a: { line: number; character: number }, b: { line: number; character: number }): boolean {
  return a.line < b.line || (a.line === b.line && a.character <= b.character);
}

function checkWellFormed(text: string, f: HttpFile): void {
  const { lines } = splitLines(text);
  assert.equal(f.lineCount, lines.length);
  for (const r of rangesOf(f)) {
    for (const p of [r.start, r.end]) {
      assert.ok(Number.isInteger(p.line) && p.line >= 0 && p.line < lines.length, `line ${p.line} inside 0..${lines.length - 1}`);
      assert.ok(Number.isInteger(p.character) && p.character >= 0 && p.character <= lines[p.line].length, `character ${p.character} inside line ${p.line}`);
    }
    assert.ok(before(r.start, r.end), `range ${JSON.stringify(r)} ordered`);
  }
  for (let i = 1; i < f.diagnostics.length; i++) assert.ok(before(f.diagnostics[i - 1].range.start, f.diagnostics[i].range.start), 'diagnostics in order');
  for (let i = 1; i < f.regions.length; i++) assert.ok(f.regions[i - 1].range.end.line < f.regions[i].range.start.line, 'regions in order, apart');
  for (const d of f.diagnostics) assert.match(d.code, /^WL_/);
  assert.ok(!f.diagnostics.some((d) => d.code === 'WL_PARSE_INTERNAL'), 'no internal parser error');
}

test('random text never throws and gives well-formed ranges', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => checkWellFormed(text, parseHttpFile(text))),
    { numRuns: 800 },
  );
});

test('soups of .http pieces never throw and give well-formed ranges', () => {
  fc.assert(
    fc.property(soup, (text) => checkWellFormed(text, parseHttpFile(text))),
    { numRuns: 1200 },
  );
});

test('mutated fixtures never throw and give well-formed ranges', () => {
  fc.assert(
    fc.property(mutated, (text) => checkWellFormed(text, parseHttpFile(text))),
    { numRuns: 600 },
  );
});

test('the incremental parser agrees with a full parse after every edit', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...fixtures),
      fc.array(fc.tuple(fc.nat(), fc.nat({ max: 8 }), fc.constantFrom(...TOKENS, ...BREAKS, '\n###\n', 'x')), { minLength: 1, maxLength: 5 }),
      (start, edits) => {
        const inc = createIncrementalParser();
        let text = start;
        assert.deepEqual(inc.parse(text), parseHttpFile(text));
        for (const e of edits) {
          text = applyEdits(text, [e]);
          assert.deepEqual(inc.parse(text), parseHttpFile(text));
        }
      },
    ),
    { numRuns: 250 },
  );
});
