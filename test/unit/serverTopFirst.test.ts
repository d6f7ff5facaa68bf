// A large document just opened is checked top first: the language server publishes the parse
// problems of the file's top before it has parsed the rest, then the whole file's parse problems,
// then everything with variables resolved. The real server over stdio (the harness).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ServerHarness, generateRequests, type PublishedDiagnostics } from './serverHarness';
import { HEAD_CHARS, LARGE_DOCUMENT_CHARS } from '../../src/server/diagnostics';

let root: string;
let h: ServerHarness;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'wl-topfirst-'));
  h = await ServerHarness.start({ root, initializationOptions: { trace: true } });
});
after(async () => {
  await h.stop();
  rmSync(root, { recursive: true, force: true });
});

const codes = (p: PublishedDiagnostics): string[] => p.diagnostics.map((d) => String(d.code));

test('a large document: the top’s parse problems first, then the whole file’s, then the variables’', async () => {
  const uri = pathToFileURL(join(root, 'large.http')).toString();
  // At the top: a bad header (a parse problem) and a path-only request whose host is defined
  // only at the very bottom (so the top alone must not call it an error). Near the end: another
  // bad header, and a reference to a variable defined nowhere.
  const top = ['### top', 'GET /path-only', 'Bad Header Line', '', ''].join('\n');
  const bottom = ['### bottom', 'GET http://{{host}}/x', 'Also Bad Header', 'X-Ref: {{undefinedVariable}}', '', '### vars', '@host = localhost:8080', ''].join('\n');
  const text = top + generateRequests(3000).replace(/^@host = .*\n/, '') + '\n' + bottom;
  assert.ok(text.length >= LARGE_DOCUMENT_CHARS, `the document is large (${text.length} characters)`);
  const lines = text.split('\n');
  const bottomBad = lines.indexOf('Also Bad Header');
  const undefinedRef = lines.findIndex((l) => l.includes('{{undefinedVariable}}'));

  const before = h.published.length;
  await h.open(uri, text, 1);
  const first = await h.diagnostics(uri, 1, 60_000);
  // Only what lies in the top: the bad header at line 2, nothing from the end, no host error.
  assert.ok(
    first.diagnostics.some((d) => d.code === 'WL_PARSE_HEADER_NAME' && d.range.start.line === 2),
    JSON.stringify(first.diagnostics),
  );
  assert.ok(
    first.diagnostics.every((d) => d.range.start.line < bottomBad),
    'nothing from the end of the file yet',
  );
  assert.ok(!codes(first).includes('WL_PARSE_URL_NO_HOST'), '`@host` at the bottom: the top alone is no proof of a missing host');
  assert.ok(
    h.logs.some((l) => l.startsWith('diagnostics v1 (top of the file)')),
    h.logs.join('\n'),
  );

  // Then the complete result: traced before it is published.
  let seen = h.published.length;
  while (!h.logs.some((l) => l.startsWith('diagnostics v1: parse'))) {
    await h.diagnosticsAfter(uri, seen, 60_000);
    seen = h.published.length;
  }
  const all = h.published.slice(before).filter((p) => p.uri === uri && p.version === 1);
  assert.equal(all.length, 3, 'top, whole-file parse, then complete');
  const [, parseOnly, complete] = all;
  assert.ok(
    parseOnly.diagnostics.some((d) => d.code === 'WL_PARSE_HEADER_NAME' && d.range.start.line === bottomBad),
    'the whole file’s parse problems',
  );
  assert.ok(!parseOnly.diagnostics.some((d) => String(d.code).startsWith('WL_VAR')), 'no variable problems before they are resolved');
  assert.ok(complete.diagnostics.some((d) => d.code === 'WL_PARSE_HEADER_NAME' && d.range.start.line === 2));
  assert.ok(
    complete.diagnostics.some((d) => String(d.code).startsWith('WL_VAR') && d.range.start.line === undefinedRef),
    JSON.stringify(complete.diagnostics.filter((d) => String(d.code).startsWith('WL_VAR')).slice(0, 3)),
  );
  assert.ok(!codes(complete).includes('WL_PARSE_URL_NO_HOST'));

  // An edit is answered once, complete.
  const n = h.published.length;
  await h.change(uri, 2, [{ range: { start: { line: undefinedRef, character: 0 }, end: { line: undefinedRef + 1, character: 0 } }, text: '' }]);
  const d2 = await h.diagnostics(uri, 2, 60_000);
  assert.ok(!d2.diagnostics.some((d) => String(d.code).startsWith('WL_VAR') && d.range.start.line === undefinedRef));
  assert.ok(
    d2.diagnostics.some((d) => d.code === 'WL_PARSE_HEADER_NAME' && d.range.start.line === bottomBad),
    'whole-file problems in the one answer to an edit',
  );
  assert.equal(h.published.slice(n).filter((p) => p.uri === uri && p.version === 2).length, 1);
});

test('the top comes first even when the editor asks for code lenses right after opening', async () => {
  // As VS Code does: didOpen, then at once codeLens (which parses the whole file) before the
  // scheduled diagnostics run. The top's problems must not wait for that parse.
  const uri = pathToFileURL(join(root, 'lenses.http')).toString();
  const text = ['### top', 'GET http://localhost/a', 'Bad Header Line', '', ''].join('\n') + generateRequests(3000) + '\n### end\nGET http://localhost/z\nAlso Bad Header\n';
  const bottomBad = text.split('\n').indexOf('Also Bad Header');
  const before = h.published.length;
  const opened = h.open(uri, text, 1);
  const lenses = h.request<unknown[]>('textDocument/codeLens', { textDocument: { uri } });
  await opened;
  assert.ok((await lenses).length >= 3 * 3000, 'lenses for the whole file');
  // Top, whole-file parse problems, complete.
  const mine = () => h.published.slice(before).filter((p) => p.uri === uri && p.version === 1);
  let seen = h.published.length;
  while (mine().length < 3) {
    await h.diagnosticsAfter(uri, seen, 60_000);
    seen = h.published.length;
  }
  const [first, , complete] = mine();
  assert.ok(complete.diagnostics.some((d) => d.code === 'WL_PARSE_HEADER_NAME' && d.range.start.line === bottomBad));
  assert.ok(
    first.diagnostics.some((d) => d.code === 'WL_PARSE_HEADER_NAME' && d.range.start.line === 2),
    JSON.stringify(first.diagnostics.slice(0, 3)),
  );
  assert.ok(
    first.diagnostics.every((d) => d.range.start.line < bottomBad),
    'the first publication is the top alone',
  );
});

test('a small document is answered once, complete', async () => {
  const uri = pathToFileURL(join(root, 'small.http')).toString();
  const text = ['### a', 'GET http://localhost/{{nope}}', 'Bad Header Line', ''].join('\n');
  assert.ok(text.length < HEAD_CHARS);
  const before = h.published.length;
  await h.open(uri, text, 1);
  const d = await h.diagnostics(uri, 1, 20_000);
  assert.ok(codes(d).includes('WL_PARSE_HEADER_NAME'));
  assert.ok(
    codes(d).some((c) => c.startsWith('WL_VAR')),
    JSON.stringify(d.diagnostics),
  );
  assert.equal(h.published.slice(before).filter((p) => p.uri === uri).length, 1);
});
