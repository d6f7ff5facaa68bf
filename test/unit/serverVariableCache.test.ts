// The server re-resolves only edited requests between keystrokes. Whatever the edits, its answer
// must equal a full variableDiagnostics() of the same parse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIncrementalParser } from '../../src/core/httpfile';
import { variableDiagnostics, type ResolveContext } from '../../src/core/variables';
import type { ParseDiagnostic } from '../../src/core/httpfile/ast';
import { VariableDiagnosticsCache } from '../../src/server/variableCache';

const BASE = [
  '@host = localhost:8080',
  '@api = http://{{host}}/v1',
  '',
  '### login',
  '# @name login',
  'POST {{api}}/login',
  'Content-Type: application/json',
  '',
  '{"u": "{{user}}"}',
  '',
  '### list',
  'GET {{api}}/items?t={{login.response.body.$.token}}',
  'X-A: {{missing}}',
  '',
  '### titled',
  'GET {{api}}/x?p={{list.response.headers.X}}',
  '',
  '@late = {{host}}',
  '### ws',
  'WEBSOCKET ws://{{host}}/chat',
  '',
  '{"m": "{{late}}"}',
  '===',
  '{"n": "{{nope}}"}',
  '',
];

const PIECES = [
  '{{host}}',
  '{{missing}}',
  '{{login.response.body.$.id}}',
  '{{list.response.body.*}}',
  '{{x}}',
  '### again',
  '# @name list',
  '@x = 1',
  '@host = h',
  '',
  'GET http://{{host}}/z',
  'X-B: {{api}}',
  '}}',
  '{{',
];

// A small deterministic PRNG, so a failure can be replayed.
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function key(ds: ParseDiagnostic[]): string[] {
  return ds.map((d) => `${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character} ${d.code} ${d.message}`).sort();
}

test('incremental variable diagnostics equal a full run after every random edit', () => {
  const ctx: ResolveContext = {
    filePath: '/nowhere/x.http',
    readFile: () => undefined,
    processEnv: {},
    named: new Map(),
  };
  const rnd = prng(20261122);
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
  const lines = [...BASE];
  const parser = createIncrementalParser();
  const cache = new VariableDiagnosticsCache();
  let partial = 0;
  for (let step = 0; step < 300; step++) {
    const at = Math.floor(rnd() * (lines.length + 1));
    const op = rnd();
    if (op < 0.3) lines.splice(at, 0, pick(PIECES));
    else if (op < 0.5 && lines.length > 5) lines.splice(Math.min(at, lines.length - 1), 1);
    else if (lines.length > 0) {
      const i = Math.min(at, lines.length - 1);
      const col = Math.floor(rnd() * (lines[i].length + 1));
      lines[i] = lines[i].slice(0, col) + pick(['x', ' ', '{', '}', pick(PIECES)]) + lines[i].slice(col);
    }
    const file = parser.parse(lines.join('\n'));
    const got = cache.compute(file, ctx, '');
    if (cache.lastResolved < file.regions.filter((r) => r.request).length) partial++;
    const want = variableDiagnostics(file, ctx);
    assert.deepEqual(key(got), key(want), `step ${step}:\n${lines.join('\n')}`);
  }
  assert.ok(partial > 50, `most steps re-resolve only part of the file (${partial} of 300 did)`);
});
