// Quick fixes, the unknown-method warning, a lone environment, and completion that respects what
// the client can take (snippets) and what the editor already typed (auto-closed braces) — through
// the real language server over stdio.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ServerHarness, type PublishedDiagnostics } from './serverHarness';

type Range = { start: { line: number; character: number }; end: { line: number; character: number } };
interface Action {
  title: string;
  kind?: string;
  isPreferred?: boolean;
  edit?: { changes: Record<string, Array<{ range: Range; newText: string }>> };
  command?: { command: string };
}
interface Item {
  label: string;
  insertTextFormat?: number;
  textEdit?: { newText: string; range: Range };
}

let root: string;
let plain: ServerHarness;
let snippets: ServerHarness;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'wl-qf-'));
  // `one/` has a single environment; `two/` has two and none is selected.
  mkdirSync(join(root, 'one'));
  mkdirSync(join(root, 'two'));
  writeFileSync(join(root, 'one', 'http-client.env.json'), JSON.stringify({ dev: { host: 'localhost:8080', token: 't' } }));
  writeFileSync(join(root, 'two', 'http-client.env.json'), JSON.stringify({ dev: { host: 'a' }, prod: { host: 'b' } }));
  plain = await ServerHarness.start({ root, initializationOptions: { diagnosticsDelayMs: 5 } });
  snippets = await ServerHarness.start({ root, initializationOptions: { diagnosticsDelayMs: 5 }, capabilities: { textDocument: { completion: { completionItem: { snippetSupport: true } } } } });
});

after(async () => {
  await plain.stop();
  await snippets.stop();
  rmSync(root, { recursive: true, force: true });
});

async function open(h: ServerHarness, rel: string, text: string): Promise<{ uri: string; diags: PublishedDiagnostics['diagnostics'] }> {
  const uri = pathToFileURL(join(root, rel)).toString();
  await h.open(uri, text);
  return { uri, diags: (await h.diagnostics(uri, 1)).diagnostics };
}

function actions(h: ServerHarness, uri: string, diags: PublishedDiagnostics['diagnostics']): Promise<Action[]> {
  return h.request<Action[]>('textDocument/codeAction', { textDocument: { uri }, range: diags[0].range, context: { diagnostics: diags } });
}

test('a lone environment is used without being selected: its variables resolve, no errors', async () => {
  const { diags } = await open(plain, 'one/api.http', 'GET http://{{host}}/x\nAuthorization: Bearer {{token}}\n');
  assert.deepEqual(diags, []);
});

test('with several environments and none selected, an env-only variable offers Select Environment', async () => {
  const { uri, diags } = await open(plain, 'two/api.http', 'GET http://{{host}}/x\n');
  assert.equal(diags.length, 1);
  assert.equal(diags[0].code, 'WL_VAR_UNRESOLVED');
  const got = await actions(plain, uri, diags);
  const select = got.find((a) => a.command?.command === 'wirelane.selectEnvironment');
  assert.ok(select, JSON.stringify(got));
  assert.match(select.title, /dev, prod/);
});

test('"did you mean host": an unresolved variable one or two edits from a defined one', async () => {
  const text = '@host = localhost:8080\n@token = abc\n\nGET http://{{hots}}/x?t={{tokn}}&u={{zzzzzz}}\n';
  const { uri, diags } = await open(plain, 'typo.http', text);
  const unresolved = diags.filter((d) => d.code === 'WL_VAR_UNRESOLVED');
  assert.equal(unresolved.length, 3, JSON.stringify(diags));
  const [hots, tokn, far] = unresolved;
  const a1 = await actions(plain, uri, [hots]);
  assert.equal(a1[0].title, 'Did you mean host?');
  assert.equal(a1[0].isPreferred, true);
  assert.equal(a1[0].kind, 'quickfix');
  const edit = a1[0].edit!.changes[uri][0];
  assert.equal(edit.newText, 'host');
  // The edit replaces the name only, inside the braces.
  assert.deepEqual(edit.range, { start: { line: 3, character: 13 }, end: { line: 3, character: 17 } });
  assert.equal((await actions(plain, uri, [tokn]))[0].title, 'Did you mean token?');
  assert.deepEqual(await actions(plain, uri, [far]), [], 'nothing close: no guess');
});

test('an unknown method is a warning with a stable code and a fix; QUERY, GRAPHQL and GRPC are not', async () => {
  const text = 'GTE http://localhost/a\n\n###\nQUERY http://localhost/b\n\n###\nGRAPHQL http://localhost/c\n\n###\nGRPC localhost:50051/x.Y/Z\n\n###\nFROBNICATE http://localhost/d\n';
  const { uri, diags } = await open(plain, 'methods.http', text);
  const unknown = diags.filter((d) => d.code === 'WL_METHOD_UNKNOWN');
  assert.deepEqual(
    unknown.map((d) => [d.range.start.line, d.severity]),
    [
      [0, 2],
      [12, 2],
    ],
  );
  assert.match(unknown[0].message, /unknown method GTE: it is sent as written; did you mean GET\?/);
  assert.ok(!diags.some((d) => d.severity === 1), `no errors: ${JSON.stringify(diags)}`);
  const fix = (await actions(plain, uri, [unknown[0]]))[0];
  assert.equal(fix.title, 'Change to GET');
  assert.deepEqual(fix.edit!.changes[uri][0], { range: unknown[0].range, newText: 'GET' });
  assert.deepEqual(await actions(plain, uri, [unknown[1]]), []);
});

test('completion without snippetSupport inserts plain text; with it, snippets', async () => {
  const text = '\n';
  const uriPlain = pathToFileURL(join(root, 'c1.http')).toString();
  await plain.open(uriPlain, text);
  const p = await plain.request<Item[]>('textDocument/completion', { textDocument: { uri: uriPlain }, position: { line: 0, character: 0 } });
  const getPlain = p.find((i) => i.label === 'GET')!;
  assert.equal(getPlain.insertTextFormat ?? 1, 1);
  assert.equal(getPlain.textEdit!.newText, 'GET http://localhost:8080/');
  const uriSnip = pathToFileURL(join(root, 'c2.http')).toString();
  await snippets.open(uriSnip, text);
  const s = await snippets.request<Item[]>('textDocument/completion', { textDocument: { uri: uriSnip }, position: { line: 0, character: 0 } });
  const getSnip = s.find((i) => i.label === 'GET')!;
  assert.equal(getSnip.insertTextFormat, 2);
  assert.equal(getSnip.textEdit!.newText, 'GET ${1:http://localhost:8080/}');
  // A built-in with a choice: the plain form takes its first option.
  await plain.open(pathToFileURL(join(root, 'c3.http')).toString(), 'GET http://x/{{$date\n');
  const b = await plain.request<Item[]>('textDocument/completion', { textDocument: { uri: pathToFileURL(join(root, 'c3.http')).toString() }, position: { line: 0, character: 20 } });
  assert.equal(b.find((i) => i.label === '$datetime')!.textEdit!.newText, '$datetime iso8601}}');
});

test('completion after auto-closed braces never doubles them', async () => {
  const uri = pathToFileURL(join(root, 'braces.http')).toString();
  // What the editor holds after typing `{{ho` with auto-closing (`{{ho}}`), with a single `}`, and with none.
  await plain.open(uri, '@host = h\n\nGET http://{{ho}}/a\nGET http://{{ho}/b\nGET http://{{ho\n');
  for (const [line, end] of [
    [2, 17],
    [3, 16],
    [4, 15],
  ] as const) {
    const items = await plain.request<Item[]>('textDocument/completion', { textDocument: { uri }, position: { line, character: 15 } });
    const host = items.find((i) => i.label === 'host')!;
    assert.equal(host.textEdit!.newText, 'host}}');
    assert.deepEqual(host.textEdit!.range, { start: { line, character: 13 }, end: { line, character: end } }, `line ${line}`);
  }
});
