// The parser's output is a contract (language server, resolver, runner): speed work must not change
// it. test/fixtures/http/ast-snapshot.json holds texts (the fixtures, seeded mutations of them,
// token soups, a generated file like the benchmark's and one-line edits of it) with the AST the
// parser produced for each when the snapshot was written. Both the full and the incremental parser
// must reproduce every AST exactly.
// Rewrite the snapshot only on purpose: UPDATE_AST_SNAPSHOT=1 node --import tsx --test test/unit/parser-snapshot.test.ts
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createIncrementalParser, parseHttpFile } from '../../src/core/httpfile';
import { generate } from '../fixtures/http/generate';
import { EDGE_TOKENS, LINE_BREAKS } from '../fixtures/http/fuzzInputs';

const FIXTURES = join(__dirname, '..', 'fixtures', 'http');
const SNAPSHOT = join(FIXTURES, 'ast-snapshot.json');

interface Case {
  name: string;
  text: string;
  /** Name of the case the incremental parser sees first, so this one is a re-parse after an edit. */
  after?: string;
  ast: unknown;
}

/** What a consumer sees: own enumerable data, as JSON (undefined-valued keys dropped). */
function plain(x: unknown): unknown {
  return JSON.parse(JSON.stringify(x));
}

// Pieces on the edges of the grammar: the parser fuzzer's (less NUL and a lone surrogate), and more.
const TOKENS = [
  ...EDGE_TOKENS.filter((t) => t !== '\u0000' && t !== '\uD800'),
  '{{ x.response.body.$.id }}',
  '{{a b}}',
  // Blanks that some scans skip and others don't.
  '\u00a0###',
  '\u3000### x',
  '\u000b###',
  '\u00a0GET http://h/',
  '\u2028',
  '{{\u00a0% y }}',
  'get /x HTTP/1.1 ',
];
const BREAKS = LINE_BREAKS;

/** The texts of the snapshot; only used when writing it (the snapshot keeps the texts). */
function cases(): Array<Omit<Case, 'ast'>> {
  let seed = 0x2f6b3d1;
  const rand = (n: number): number => {
    // mulberry32: deterministic, so a rewritten snapshot only changes where the parser did.
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
  const out: Array<Omit<Case, 'ast'>> = [];
  const files = [
    ...readdirSync(FIXTURES).filter((f) => f.endsWith('.http')),
    ...readdirSync(join(FIXTURES, 'broken'))
      .filter((f) => f.endsWith('.http'))
      .map((f) => `broken/${f}`),
  ].sort();
  for (const f of files) {
    const text = readFileSync(join(FIXTURES, f), 'utf8');
    out.push({ name: f, text });
    out.push({ name: `${f} (CRLF)`, text: text.replace(/\r?\n/g, '\r\n'), after: f });
    for (let k = 0; k < 4; k++) {
      let t = text;
      for (let e = 0; e <= rand(4); e++) {
        const at = rand(t.length + 1);
        const ins = rand(3) === 0 ? '' : TOKENS[rand(TOKENS.length)] + BREAKS[rand(2)];
        t = t.slice(0, at) + ins + t.slice(at + rand(12));
      }
      out.push({ name: `${f} mutated ${k}`, text: t, after: f });
    }
  }
  for (let k = 0; k < 40; k++) {
    let t = '';
    for (let n = rand(40); n > 0; n--) t += TOKENS[rand(TOKENS.length)] + BREAKS[rand(BREAKS.length)];
    out.push({ name: `soup ${k}`, text: t, after: k > 0 ? `soup ${k - 1}` : undefined });
  }
  const gen = generate(24);
  const mid = gen.indexOf('### read item 13');
  out.push({ name: 'generated', text: gen });
  out.push({ name: 'generated, typed', text: gen.slice(0, mid) + '### read item 13x' + gen.slice(mid + '### read item 13'.length), after: 'generated' });
  out.push({ name: 'generated, line inserted', text: gen.slice(0, mid) + 'X-Added: 1\n' + gen.slice(mid), after: 'generated' });
  const nl = gen.indexOf('\n', mid);
  out.push({ name: 'generated, line deleted', text: gen.slice(0, mid) + gen.slice(nl + 1), after: 'generated' });
  out.push({ name: 'generated, two regions swapped', text: gen.replace(/(### upload 2\n[^#]*)(### socket 3\n[^#]*)/, '$2$1'), after: 'generated' });
  out.push({ name: 'generated, CRLF', text: gen.replace(/\n/g, '\r\n'), after: 'generated' });
  return out;
}

if (process.env.UPDATE_AST_SNAPSHOT === '1') {
  const all = cases().map((c) => ({ ...c, ast: plain(parseHttpFile(c.text)) }));
  writeFileSync(SNAPSHOT, '[\n' + all.map((c) => JSON.stringify(c)).join(',\n') + '\n]\n');
}

const snapshot = JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as Case[];
const byName = new Map(snapshot.map((c) => [c.name, c]));

test('the snapshot covers the fixtures, their edits and the generated file', () => {
  assert.ok(snapshot.length >= 100, `${snapshot.length} cases`);
  assert.ok(byName.has('jetbrains.http') && byName.has('generated, line inserted'));
});

test('a full parse gives exactly the AST of the snapshot', () => {
  for (const c of snapshot) assert.deepStrictEqual(plain(parseHttpFile(c.text)), c.ast, c.name);
});

test('an incremental re-parse after an edit gives exactly the AST of the snapshot', () => {
  for (const c of snapshot) {
    if (!c.after) continue;
    const base = byName.get(c.after);
    assert.ok(base, c.after);
    const inc = createIncrementalParser();
    assert.deepStrictEqual(plain(inc.parse(base.text)), base.ast, `${c.after} before ${c.name}`);
    assert.deepStrictEqual(plain(inc.parse(c.text)), c.ast, c.name);
    // And back, as when undoing: shifted and reused regions must still be right.
    assert.deepStrictEqual(plain(inc.parse(base.text)), base.ast, `${c.name}, undone`);
  }
});

test('AST nodes are plain objects: ranges and positions have their own enumerable data', () => {
  for (const name of ['generated', 'jetbrains.http']) {
    const c = byName.get(name);
    assert.ok(c);
    const f = parseHttpFile(c.text);
    const r = f.regions[1]?.request?.url.range ?? f.regions[0].range;
    // Spread, Object.keys and JSON (the LSP wire) see only own properties.
    assert.deepEqual(Object.keys(r), ['start', 'end']);
    assert.deepEqual(Object.keys(r.start), ['line', 'character']);
    assert.deepStrictEqual({ ...r.start }, plain(r.start));
  }
});
