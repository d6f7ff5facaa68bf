// The language server over a real stdio stream, driven by vscode-jsonrpc as an editor would.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ServerHarness, generateRequests } from './serverHarness';
import { LensCommands, requestFromWire, type RequestAtResult } from '../../src/protocol/lsp';
import { requestLenses } from '../../src/protocol/lenses';
import { parseHttpFile } from '../../src/core/httpfile';

type Pos = { line: number; character: number };
type Range = { start: Pos; end: Pos };
interface Item {
  label: string;
  detail?: string;
  textEdit?: { newText: string; range: Range };
  documentation?: unknown;
}
interface Loc {
  uri: string;
  range: Range;
}

const SAMPLE = [
  '@host = localhost:8080', //                                          0
  '@base = http://{{host}}/api', //                                     1
  '', //                                                                2
  '### login', //                                                       3
  '# @name login', //                                                   4
  'POST {{base}}/login HTTP/1.1', //                                    5
  'Content-Type: application/json', //                                  6
  'Authorization: Basic {{user}} {{password}}', //                      7
  '', //                                                                8
  '{"user": "{{user}}"}', //                                            9
  '', //                                                               10
  '### items', //                                                      11
  'GET {{base}}/items?token={{login.response.body.$.token}}', //       12
  'X-Shared: {{sharedKey}}', //                                        13
  'X-Missing: {{nope}}', //                                            14
  '', //                                                               15
  '< ./payload.json', //                                               16
  '', //                                                               17
  '### chat', //                                                       18
  'WEBSOCKET ws://{{host}}/chat', //                                   19
  '', //                                                               20
  '{"hello": 1}', //                                                   21
  '===', //                                                            22
  '=== wait-for-server', //                                            23
  '', //                                                               24
].join('\n');

let root: string;
let h: ServerHarness;
let uri: string;

function at(line: number, character: number) {
  return { textDocument: { uri }, position: { line, character } };
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'wl-server-'));
  writeFileSync(join(root, 'http-client.env.json'), JSON.stringify({ dev: { user: 'alice', envOnly: 'e' }, prod: { user: 'bob' }, $shared: { sharedKey: 'shared-value' } }));
  writeFileSync(join(root, 'http-client.private.env.json'), JSON.stringify({ dev: { password: 'hunter2' } }));
  writeFileSync(join(root, 'payload.json'), '{"a": 1}');
  h = await ServerHarness.start({ root, initializationOptions: { diagnosticsDelayMs: 10 } });
  uri = pathToFileURL(join(root, 'sample.http')).toString();
});

after(async () => {
  const code = await h.stop();
  assert.equal(code, 0, 'the server exits 0 after shutdown + exit');
  rmSync(root, { recursive: true, force: true });
});

test('initialize announces every feature the editor relies on', () => {
  const c = h.capabilities;
  assert.equal(c.textDocumentSync, 2 /* incremental */);
  for (const k of [
    'completionProvider',
    'hoverProvider',
    'codeLensProvider',
    'documentSymbolProvider',
    'foldingRangeProvider',
    'documentLinkProvider',
    'definitionProvider',
    'referencesProvider',
    'renameProvider',
  ]) {
    assert.ok(c[k], `${k} announced`);
  }
});

test('diagnostics on open: unresolved variables (no environment selected) with stable codes', async () => {
  await h.open(uri, SAMPLE, 1);
  const d = await h.diagnostics(uri, 1);
  const byLine = (line: number) => d.diagnostics.filter((x) => x.range.start.line === line);
  assert.ok(
    byLine(14).some((x) => x.code === 'WL_VAR_UNRESOLVED' && x.message.includes('nope')),
    JSON.stringify(d.diagnostics),
  );
  // No environment selected: user/password are unknown; $shared still applies.
  assert.ok(byLine(7).some((x) => x.message.includes('user')));
  assert.equal(byLine(13).length, 0, '$shared applies without an environment');
  for (const x of d.diagnostics) assert.equal(x.source, 'wirelane');
});

test('selecting an environment re-checks open documents', async () => {
  const envs = await h.request<{ names: string[]; selected: string | null }>('wirelane/environments', { uri });
  assert.deepEqual(envs.names.sort(), ['dev', 'prod']);
  assert.equal(envs.selected, null);
  const count = h.published.length;
  await h.notify('wirelane/selectEnvironment', { name: 'dev' });
  // Wait for a publication newer than the ones before the selection.
  const d = await h.diagnosticsAfter(uri, count);
  assert.equal(d.diagnostics.filter((x) => x.range.start.line === 7).length, 0, JSON.stringify(d.diagnostics));
  assert.ok(d.diagnostics.some((x) => x.range.start.line === 14 && x.code === 'WL_VAR_UNRESOLVED'));
});

test('didChange: fixing the line clears its diagnostic, an edit elsewhere keeps positions right', async () => {
  // Define `nope` as a file variable at the top: every line below moves down by one.
  await h.change(uri, 2, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '@nope = here\n' }]);
  const d2 = await h.diagnostics(uri, 2);
  assert.equal(d2.diagnostics.filter((x) => x.code === 'WL_VAR_UNRESOLVED').length, 0, JSON.stringify(d2.diagnostics));
  // Break a variable in the WebSocket region (now line 20).
  await h.change(uri, 3, [{ range: { start: { line: 20, character: 17 }, end: { line: 20, character: 21 } }, text: 'hots' }]);
  const d3 = await h.diagnostics(uri, 3);
  const miss = d3.diagnostics.filter((x) => x.code === 'WL_VAR_UNRESOLVED');
  assert.equal(miss.length, 1, JSON.stringify(d3.diagnostics));
  assert.equal(miss[0].range.start.line, 20);
  assert.match(miss[0].message, /hots/);
  // Undo both edits.
  await h.change(uri, 4, [{ text: SAMPLE }]);
  await h.diagnostics(uri, 4);
});

test('parse errors carry WL_PARSE codes and point at the line', async () => {
  const u = pathToFileURL(join(root, 'broken.http')).toString();
  await h.open(u, 'GET http://localhost/x\nContent-Type: application/json\n{"a": 1}\n', 1);
  const d = await h.diagnostics(u, 1);
  const blank = d.diagnostics.find((x) => /blank line/.test(x.message));
  assert.ok(blank, JSON.stringify(d.diagnostics));
  assert.equal(blank.range.start.line, 2);
  assert.match(String(blank.code), /^WL_PARSE_/);
  await h.notify('textDocument/didClose', { textDocument: { uri: u } });
});

test('completion: variables inside {{ — file variables, environment keys, $ built-ins, named requests', async () => {
  const items = await h.request<Item[]>('textDocument/completion', at(14, 13));
  const labels = items.map((i) => i.label);
  for (const l of ['host', 'base', 'user', 'password', 'envOnly', 'sharedKey', '$uuid', '$timestamp', '$randomInt', '$processEnv', '$dotenv', 'login.response.body.$'])
    assert.ok(labels.includes(l), `${l} in ${labels.join(',')}`);
  const pw = items.find((i) => i.label === 'password');
  assert.ok(pw?.detail?.includes('••••') && !pw.detail.includes('hunter2'), 'private values are masked');
  const chained = await h.request<Item[]>('textDocument/completion', at(12, 33));
  assert.ok(
    chained.some((i) => i.label === 'login.response.headers.'),
    chained.map((i) => i.label).join(','),
  );
});

test('completion: header names and values, directives, methods', async () => {
  const u = pathToFileURL(join(root, 'typing.http')).toString();
  const text = ['### a', '# @', '# @connection ', 'PO', '', '### b', 'GET http://localhost/', 'Con', 'Content-Type: ', 'Connection: ', ''].join('\n');
  await h.open(u, text, 1);
  const c = (line: number, character: number) => h.request<Item[]>('textDocument/completion', { textDocument: { uri: u }, position: { line, character } });
  const dirs = (await c(1, 3)).map((i) => i.label);
  for (const d of ['name', 'connection', 'timeout', 'no-redirect', 'insecure', 'no-cookie-jar']) assert.ok(dirs.includes(d), d);
  assert.deepEqual(
    (await c(2, 14)).map((i) => i.label),
    ['new', 'close', 'reuse'],
  );
  assert.ok((await c(3, 2)).some((i) => i.label === 'POST'));
  const headers = await c(7, 3);
  const ct = headers.find((i) => i.label === 'Content-Type');
  assert.equal(ct?.textEdit?.newText, 'Content-Type: ');
  assert.ok(headers.some((i) => i.label === 'Authorization'));
  assert.ok((await c(8, 14)).some((i) => i.label === 'application/json'));
  assert.deepEqual((await c(9, 12)).map((i) => i.label).sort(), ['close', 'keep-alive', 'upgrade']);
  await h.notify('textDocument/didClose', { textDocument: { uri: u } });
});

test('hover: value and origin of variables, private values masked, headers and built-ins explained', async () => {
  type H = { contents: { value: string } } | null;
  const hv = (line: number, character: number) => h.request<H>('textDocument/hover', at(line, character));
  const base = await hv(5, 8);
  assert.ok(base?.contents.value.includes('http://localhost:8080/api'), base?.contents.value);
  assert.ok(base?.contents.value.includes('line 2'), 'names the defining line');
  const user = await hv(7, 24);
  assert.ok(user?.contents.value.includes('alice') && user.contents.value.includes('http-client.env.json'), user?.contents.value);
  const pw = await hv(7, 34);
  assert.ok(pw, 'hover on a private value');
  assert.ok(pw.contents.value.includes('••••') && !pw.contents.value.includes('hunter2'), pw.contents.value);
  assert.ok(pw.contents.value.includes('private'));
  const shared = await hv(13, 13);
  assert.ok(shared?.contents.value.includes('shared-value') && shared.contents.value.includes('$shared'));
  const header = await hv(6, 3);
  assert.match(header?.contents.value ?? '', /Media type/);
  const chained = await hv(12, 40);
  assert.match(chained?.contents.value ?? '', /not sent yet/);
  const u = pathToFileURL(join(root, 'builtin.http')).toString();
  await h.open(u, 'GET http://localhost/?t={{$timestamp -1 d}}\n', 1);
  const b = await h.request<H>('textDocument/hover', { textDocument: { uri: u }, position: { line: 0, character: 30 } });
  assert.match(b?.contents.value ?? '', /\$timestamp \[offset unit\]/);
  await h.notify('textDocument/didClose', { textDocument: { uri: u } });
});

test('a named response reported by the extension resolves chained references in hover', async () => {
  await h.notify('wirelane/namedResponse', {
    uri,
    name: 'login',
    exchange: { request: { url: 'http://x/login', method: 'POST', headers: [] }, response: { status: 200, headers: [['Content-Type', 'application/json']], body: '{"token": "t-123"}' } },
  });
  // Notifications are processed in order, so the next request sees the stored response.
  const res = await h.request<{ contents: { value: string } } | null>('textDocument/hover', at(12, 40));
  assert.match(res?.contents.value ?? '', /t-123/);
});

test('code lenses: Send / Send with new connection / Compare modes per request, Connect per WebSocket', async () => {
  const lenses = await h.request<Array<{ range: Range; command: { title: string; command: string; arguments: [string, number] } }>>('textDocument/codeLens', { textDocument: { uri } });
  const on = (line: number) => lenses.filter((l) => l.range.start.line === line).map((l) => l.command.title);
  assert.deepEqual(on(5), ['Send', 'Send with new connection', 'Compare modes']);
  assert.deepEqual(on(12), ['Send', 'Send with new connection', 'Compare modes']);
  assert.deepEqual(on(19), ['Connect']);
  const send = lenses.find((l) => l.range.start.line === 5 && l.command.title === 'Send');
  assert.equal(send?.command.command, LensCommands.sendRequest);
  assert.deepEqual(send?.command.arguments, [uri, 5]);
  assert.equal(lenses.find((l) => l.command.title === 'Connect')?.command.command, LensCommands.connectWebSocket);
});

test('code lenses: the server answers with requestLenses(), the function the extension draws them with in-process', async () => {
  const lenses = await h.request<Array<{ range: Range; command: { title: string; command: string; arguments: [string, number] } }>>('textDocument/codeLens', { textDocument: { uri } });
  const inProcess = requestLenses(uri, parseHttpFile(SAMPLE));
  assert.deepEqual(
    lenses.map((l) => ({ line: l.range.start.line, title: l.command.title, command: l.command.command, arguments: l.command.arguments })),
    inProcess,
  );
});

test('initializationOptions.codeLenses: false: no code lens provider announced (VS Code draws them in-process), every other feature still is', async () => {
  const quiet = await ServerHarness.start({ root, initializationOptions: { diagnosticsDelayMs: 10, codeLenses: false } });
  try {
    assert.equal(quiet.capabilities.codeLensProvider, undefined);
    for (const k of ['completionProvider', 'hoverProvider', 'documentSymbolProvider', 'definitionProvider']) assert.ok(quiet.capabilities[k], `${k} announced`);
  } finally {
    assert.equal(await quiet.stop(), 0);
  }
});

test('document symbols, folding ranges and document links', async () => {
  const symbols = await h.request<Array<{ name: string; kind: number; children?: Array<{ name: string }> }>>('textDocument/documentSymbol', { textDocument: { uri } });
  const names = symbols.map((s) => s.name);
  assert.ok(names.includes('login') && names.includes('items') && names.includes('chat'), names.join(','));
  assert.equal(symbols.find((s) => s.name === 'chat')?.kind, 24 /* Event */);
  assert.ok(symbols.some((s) => s.name === '@host' || s.children?.some((c) => c.name === '@host')));
  const folds = await h.request<Array<{ startLine: number; endLine: number }>>('textDocument/foldingRange', { textDocument: { uri } });
  assert.ok(
    folds.some((f) => f.startLine === 3 && f.endLine === 9),
    JSON.stringify(folds),
  );
  assert.ok(folds.some((f) => f.startLine === 11 && f.endLine === 16));
  const links = await h.request<Array<{ range: Range; target: string }>>('textDocument/documentLink', { textDocument: { uri } });
  assert.equal(links.length, 1);
  assert.equal(links[0].target, pathToFileURL(join(root, 'payload.json')).toString());
  assert.equal(links[0].range.start.line, 16);
});

test('document symbols with lone CR line ends: every selectionRange inside its range, on the lines the editor sees', async () => {
  // The RELIABILITY.md case (`GET …\r### t\r…`), with a CRLF and a \n mixed in.
  const text = 'GET http://{{host}}/{{x}}\r### t\r<> ./r\r\n@v = 1\rGET http://h/b HTTP/1.1\r?a=1\n&b=2\r### only a title\r@w = 2\r';
  const lines = text.split(/\r\n|\r|\n/);
  const crUri = pathToFileURL(join(root, 'lone-cr.http')).toString();
  await h.open(crUri, text, 1);
  type Sym = { name: string; range: Range; selectionRange: Range; children?: Sym[] };
  const symbols = await h.request<Sym[]>('textDocument/documentSymbol', { textDocument: { uri: crUri } });
  const notAfter = (a: Range['start'], b: Range['start']) => a.line < b.line || (a.line === b.line && a.character <= b.character);
  const all = (xs: Sym[]): Sym[] => xs.flatMap((x) => [x, ...all(x.children ?? [])]);
  for (const s of all(symbols)) {
    assert.ok(notAfter(s.range.start, s.selectionRange.start) && notAfter(s.selectionRange.end, s.range.end), JSON.stringify(s));
    for (const p of [s.range.start, s.range.end, s.selectionRange.start, s.selectionRange.end]) assert.ok(p.line < lines.length && p.character <= lines[p.line].length, JSON.stringify(s));
  }
  const b = all(symbols).find((s) => s.name === 't');
  assert.ok(b, JSON.stringify(symbols));
  assert.deepEqual(b.selectionRange.start, { line: 4, character: 0 });
  assert.equal(lines[b.selectionRange.end.line].slice(0, b.selectionRange.end.character), 'GET http://h/b HTTP/1.1');
  await h.notify('textDocument/didClose', { textDocument: { uri: crUri } });
});

test('definition and references of a file variable and of a named request; definition of an env key', async () => {
  const defs = await h.request<Loc[]>('textDocument/definition', at(5, 8));
  assert.deepEqual(
    defs.map((d) => d.range.start),
    [{ line: 1, character: 1 }],
  );
  const refs = await h.request<Loc[]>('textDocument/references', { ...at(0, 2), context: { includeDeclaration: true } });
  assert.deepEqual(
    refs.map((r) => r.range.start.line).sort((a, b) => a - b),
    [0, 1, 19],
  );
  const login = await h.request<Loc[]>('textDocument/definition', at(12, 30));
  assert.equal(login[0].range.start.line, 4);
  const loginRefs = await h.request<Loc[]>('textDocument/references', { ...at(4, 9), context: { includeDeclaration: false } });
  assert.deepEqual(
    loginRefs.map((r) => r.range.start.line),
    [12],
  );
  const env = await h.request<Loc[]>('textDocument/definition', at(7, 24));
  assert.equal(env[0].uri, pathToFileURL(join(root, 'http-client.env.json')).toString());
});

test('rename of a file variable edits the definition and every reference; env keys are refused', async () => {
  const prep = await h.request<{ range: Range; placeholder: string } | null>('textDocument/prepareRename', at(19, 17));
  assert.equal(prep?.placeholder, 'host');
  const edit = await h.request<{ changes: Record<string, Array<{ range: Range; newText: string }>> }>('textDocument/rename', { ...at(19, 17), newName: 'server' });
  const edits = edit.changes[uri];
  assert.deepEqual(edits.map((e) => `${e.range.start.line}:${e.range.start.character}-${e.range.end.character}`).sort(), ['0:1-5', '19:17-21', '1:17-21']);
  assert.ok(edits.every((e) => e.newText === 'server'));
  assert.equal(await h.request('textDocument/prepareRename', at(7, 24)), null, 'an environment key is not renamed from here');
  await assert.rejects(h.request('textDocument/rename', { ...at(19, 17), newName: 'has space' }), /not a valid name/);
});

test('wirelane/requestAt resolves the request under a line, with the selected environment', async () => {
  const r = await h.request<RequestAtResult>('wirelane/requestAt', { uri, line: 6 });
  assert.ok(r.request, JSON.stringify(r.diagnostics));
  const req = requestFromWire(r.request);
  assert.equal(req.url, 'http://localhost:8080/api/login');
  assert.ok(req.headers.some(([k, v]) => k === 'Authorization' && v === `Basic ${Buffer.from('alice:hunter2').toString('base64')}`));
  assert.equal(req.body?.kind, 'bytes');
  assert.equal(req.body?.kind === 'bytes' ? Buffer.from(req.body.data).toString() : '', '{"user": "alice"}');
  assert.ok(req.secrets.includes('hunter2'), 'private values are marked so a recording leaves them out');
  const none = await h.request<{ regionIndex: number }>('wirelane/requestAt', { uri, line: 0 });
  assert.equal(none.regionIndex, -1);
});

test('an environment file edited on disk: didChangeWatchedFiles re-checks with the new values', async () => {
  const envPath = join(root, 'http-client.env.json');
  const original = readFileSync(envPath, 'utf8');
  const count = h.published.length;
  writeFileSync(envPath, JSON.stringify({ ...JSON.parse(original), dev: { user: 'alice', envOnly: 'e', nope: 'now defined' } }));
  try {
    await h.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(envPath).toString(), type: 2 }] });
    const d = await h.diagnosticsAfter(uri, count);
    assert.equal(d.diagnostics.filter((x) => x.code === 'WL_VAR_UNRESOLVED').length, 0, JSON.stringify(d.diagnostics));
  } finally {
    writeFileSync(envPath, original);
    await h.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(envPath).toString(), type: 2 }] });
  }
});

test('a handler that throws answers empty, logs, and the server keeps serving', async () => {
  const res = await h.request('textDocument/hover', { textDocument: { uri } /* position missing */ });
  assert.equal(res, null);
  assert.ok(
    h.logs.some((l) => l.includes('hover failed')),
    h.logs.join('\n'),
  );
  const after = await h.request<Item[]>('textDocument/codeLens', { textDocument: { uri } });
  assert.ok(after.length > 0);
});

test('a 10,000-request document: diagnostics, an edit near the end, lenses and symbols', async () => {
  const big = pathToFileURL(join(root, 'big.http')).toString();
  const text = generateRequests(10_000);
  await h.open(big, text, 1);
  const d1 = await h.diagnostics(big, 1, 60_000);
  assert.equal(d1.diagnostics.filter((x) => x.severity === 1).length, 0, JSON.stringify(d1.diagnostics.slice(0, 3)));
  const lines = text.split('\n');
  const target = lines.length - 4; // the URL line of the last request
  assert.match(lines[target], /^GET http:\/\/\{\{host\}\}/);
  await h.change(big, 2, [{ range: { start: { line: target, character: 13 }, end: { line: target, character: 17 } }, text: 'hots' }]);
  const d2 = await h.diagnostics(big, 2, 60_000);
  const errors = d2.diagnostics.filter((x) => x.severity === 1);
  assert.equal(errors.length, 1, JSON.stringify(errors));
  assert.equal(errors[0].range.start.line, target);
  // Two quick edits: the first one's run is superseded (debounced away or dropped), only the second is published.
  const mid = Math.floor(lines.length / 2);
  // Written back to back (as an editor does while the user types), so both are in the pipe together.
  const first = h.change(big, 3, [{ range: { start: { line: mid, character: 0 }, end: { line: mid, character: 0 } }, text: '# a\n' }]);
  await h.change(big, 4, [{ range: { start: { line: mid, character: 0 }, end: { line: mid + 1, character: 0 } }, text: '' }]);
  await first;
  const d4 = await h.diagnostics(big, 4, 60_000);
  assert.equal(d4.diagnostics.filter((x) => x.severity === 1)[0]?.range.start.line, target);
  assert.equal(h.published.filter((p) => p.uri === big && p.version === 3).length, 0, 'a superseded run never publishes');
  const lenses = await h.request<unknown[]>('textDocument/codeLens', { textDocument: { uri: big } });
  assert.equal(lenses.length, 3 * 10_000);
  const symbols = await h.request<unknown[]>('textDocument/documentSymbol', { textDocument: { uri: big } });
  assert.equal(symbols.length, 10_000 + 2 /* the file variables before the first ### */);
  const items = await h.request<Item[]>('textDocument/completion', { textDocument: { uri: big }, position: { line: target, character: 13 } });
  assert.ok(items.some((i) => i.label === 'host'));
  await h.notify('textDocument/didClose', { textDocument: { uri: big } });
});
