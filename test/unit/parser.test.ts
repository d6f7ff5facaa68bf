// The .http parser against HTTP-SYNTAX.md, row by row, plus the fixture files of test/fixtures/http.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createIncrementalParser, parseHttpFile, splitLines, type HttpFile, type Range, type RequestNode } from '../../src/core/httpfile';

const FIXTURES = join(__dirname, '..', 'fixtures', 'http');

/** The text a one-line range covers in the whole text. */
function at(text: string, r: Range): string {
  const { lines } = splitLines(text);
  assert.equal(r.start.line, r.end.line, 'at() reads one line');
  assert.ok(r.start.line < lines.length, 'range inside the text');
  return lines[r.start.line].slice(r.start.character, r.end.character);
}

function req(f: HttpFile, i = 0): RequestNode {
  const withRequest = f.regions.filter((g) => g.request);
  const r = withRequest[i]?.request;
  assert.ok(r, `request #${i} exists`);
  return r;
}

function errors(f: HttpFile) {
  return f.diagnostics.filter((d) => d.severity === 'error');
}

function codes(f: HttpFile, severity?: string): string[] {
  return f.diagnostics.filter((d) => !severity || d.severity === severity).map((d) => d.code);
}

function bodyText(r: RequestNode): string {
  return (r.body?.parts ?? []).map((p) => (p.kind === 'text' ? p.text.text : `<${p.path.text}>`)).join('|');
}

test('fixtures written for REST Client, httpYac, JetBrains, CRLF, BOM and the wild parse without errors', () => {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.http'));
  assert.ok(files.length >= 6, 'fixtures present');
  for (const name of files) {
    const f = parseHttpFile(readFileSync(join(FIXTURES, name), 'utf8'));
    assert.deepEqual(errors(f), [], name);
    assert.ok(
      f.regions.some((g) => g.request),
      `${name} has requests`,
    );
  }
});

test('each broken fixture gives its one expected error code on its line', () => {
  const dir = join(FIXTURES, 'broken');
  const files = readdirSync(dir).filter((f) => f.endsWith('.http'));
  assert.ok(files.length >= 6);
  for (const name of files) {
    const text = readFileSync(join(dir, name), 'utf8');
    const m = /^# expect: (WL_\w+) (\d+)/.exec(text);
    assert.ok(m, `${name} declares what it expects`);
    const errs = errors(parseHttpFile(text));
    assert.equal(errs.length, 1, `${name}: ${JSON.stringify(errs)}`);
    assert.equal(errs[0].code, m[1], name);
    assert.equal(errs[0].range.start.line + 1, Number(m[2]), name);
  }
});

test('regions: ### separates, its text is the title, a region without a request is a comment block', () => {
  const f = parseHttpFile('# just a comment\n\n### First one\nGET http://a/1\n###\n# only comments here\n### Third\nGET http://a/3\n');
  assert.equal(f.regions.length, 4);
  assert.equal(f.regions[0].request, undefined);
  assert.equal(f.regions[1].title, 'First one');
  assert.equal(f.regions[1].range.start.line, 2);
  assert.equal(f.regions[1].range.end.line, 3);
  assert.equal(f.regions[2].request, undefined);
  assert.equal(f.regions[3].request?.url.text, 'http://a/3');
  assert.deepEqual(errors(f), []);
  assert.equal(f.lineCount, 9);
});

const DIRECTIVES_TEXT = '// @name = login\n# @timeout 5000\n// plain comment\n# @no-redirect\nGET http://a/\n';

test('comments and directives: # and //, @key value and @key = value', () => {
  const f = parseHttpFile(DIRECTIVES_TEXT);
  const g = f.regions[0];
  assert.equal(g.name, 'login');
  assert.deepEqual(
    g.directives.map((d) => [d.name, d.value]),
    [
      ['name', 'login'],
      ['timeout', '5000'],
      ['no-redirect', ''],
    ],
  );
  assert.equal(at(DIRECTIVES_TEXT, g.directives[0].nameRange), 'name');
  assert.equal(at(DIRECTIVES_TEXT, g.directives[0].valueRange!), 'login');
  assert.equal(at(DIRECTIVES_TEXT, g.nameRange!), 'login');
});

test('directives table: every directive is kept; bad values warn; unknown ones are info', () => {
  const text = [
    '# @name n1',
    '# @no-redirect',
    '# @no-cookie-jar',
    '# @timeout 5000',
    '# @connection new',
    '# @insecure',
    '# @note',
    '# @keep-open',
    'GET http://a/',
    '###',
    '# @connection close',
    'GET http://b/',
    '###',
    '# @connection reuse',
    '# @timeout soon',
    '# @connection sometimes',
    '# @frobnicate',
    'GET http://c/',
  ].join('\n');
  const f = parseHttpFile(text);
  assert.deepEqual(
    f.regions[0].directives.map((d) => d.name),
    ['name', 'no-redirect', 'no-cookie-jar', 'timeout', 'connection', 'insecure', 'note', 'keep-open'],
  );
  assert.equal(f.regions[1].directives[0].value, 'close');
  assert.equal(f.regions[2].directives[0].value, 'reuse');
  const warnings = f.diagnostics.filter((d) => d.code === 'WL_PARSE_DIRECTIVE');
  assert.deepEqual(
    warnings.map((d) => [d.severity, d.range.start.line]),
    [
      ['warning', 14],
      ['warning', 15],
      ['info', 16],
    ],
  );
  assert.deepEqual(errors(f), []);
});

test('file variables: @name = value, later wins, references, dots and dashes, empty values', () => {
  const text = '@host = localhost:8080\n@url = {{host}}/api\n@Catalog.API_HostAddress = http://x\n@webdav-door=http://d\n@KEY=\n@host = 127.0.0.1\nGET http://{{host}}/\n';
  const f = parseHttpFile(text);
  assert.deepEqual(
    f.variables.map((v) => [v.name, v.value.text]),
    [
      ['host', 'localhost:8080'],
      ['url', '{{host}}/api'],
      ['Catalog.API_HostAddress', 'http://x'],
      ['webdav-door', 'http://d'],
      ['KEY', ''],
      ['host', '127.0.0.1'],
    ],
  );
  assert.equal(f.variables[1].value.variables[0].name, 'host');
  assert.equal(at(text, f.variables[1].value.variables[0].range), '{{host}}');
  assert.equal(at(text, f.variables[0].nameRange), 'host');
  assert.deepEqual(errors(f), []);
});

test('{{name}} in URL, headers, body and file paths, with exact ranges; spaces inside braces', () => {
  const text = 'POST http://{{host}}/x?id={{ id }}\nX-A: a {{token}} b\n\n{"u": "{{user}}"}\n< ./{{dir}}/f.json\n';
  const r = req(parseHttpFile(text));
  assert.deepEqual(
    r.url.variables.map((v) => [v.name, v.raw]),
    [
      ['host', '{{host}}'],
      ['id', '{{ id }}'],
    ],
  );
  assert.equal(at(text, r.url.variables[1].range), '{{ id }}');
  assert.equal(at(text, r.headers[0].value.variables[0].range), '{{token}}');
  const parts = r.body!.parts;
  assert.equal(parts[0].kind, 'text');
  if (parts[0].kind === 'text') assert.equal(at(text, parts[0].text.variables[0].range), '{{user}}');
  assert.equal(parts[1].kind, 'file');
  if (parts[1].kind === 'file') assert.equal(at(text, parts[1].path.variables[0].range), '{{dir}}');
});

test('built-in, request and encoded references get their kind', () => {
  const refs = [
    '{{$uuid}}',
    '{{$guid}}',
    '{{$timestamp}}',
    '{{$timestamp -1 d}}',
    '{{$isoTimestamp}}',
    '{{$datetime iso8601}}',
    '{{$datetime "DD-MM-YYYY" 1 d}}',
    '{{$localDatetime rfc1123 2 h}}',
    '{{$randomInt}}',
    '{{$randomInt 1 10}}',
    '{{$random.integer(1, 5)}}',
    '{{$random.alphanumeric(10)}}',
    '{{$processEnv HOME}}',
    '{{$processEnv %NAME}}',
    '{{$dotenv KEY}}',
  ];
  const f = parseHttpFile(
    `GET http://a/\nX: ${refs.join(' ')}\nY: {{login.response.body.$.token}} {{r.response.headers['Content-Type']}} {{register.response.body.data.id}} {{name.response.body.$}}\nZ: {{%q}} {{% q2 }}\n`,
  );
  assert.deepEqual(errors(f), []);
  const h = req(f).headers;
  assert.deepEqual(
    h[0].value.variables.map((v) => v.kind),
    refs.map(() => 'builtin'),
  );
  assert.equal(h[0].value.variables[3].name, '$timestamp -1 d');
  assert.deepEqual(
    h[1].value.variables.map((v) => v.kind),
    ['request', 'request', 'request', 'request'],
  );
  assert.deepEqual(
    h[2].value.variables.map((v) => [v.name, v.encode, v.kind]),
    [
      ['q', true, 'plain'],
      ['q2', true, 'plain'],
    ],
  );
});

test('an unclosed {{ says }} is missing; {{$timestamp]}} points at the ]', () => {
  const f = parseHttpFile('GET http://{{host/x\n');
  assert.deepEqual(codes(f, 'error'), ['WL_PARSE_VAR_UNCLOSED']);
  assert.match(f.diagnostics[0].message, /`}}` is missing/);
  assert.equal(f.diagnostics[0].range.start.character, 11);
  const g = parseHttpFile('GET http://a/?t={{$timestamp]}}\n');
  assert.deepEqual(codes(g, 'error'), ['WL_PARSE_VAR_SYNTAX']);
  const d = g.diagnostics[0];
  assert.equal(at('GET http://a/?t={{$timestamp]}}\n', d.range), ']');
  const h = parseHttpFile('GET http://a/{{}}\n');
  assert.deepEqual(codes(h, 'error'), ['WL_PARSE_VAR_SYNTAX']);
});

test('request line: any method token, URL-only means GET, HTTP versions', () => {
  const text = ['GET http://a/1', '###', 'post http://a/2', '###', 'PROPFIND http://a/3 HTTP/1.0', '###', 'http://a/4 HTTP/1.1', '###', 'PURGE http://a/5 HTTP/2', '###', 'CUSTOMVERB http://a/6'].join(
    '\n',
  );
  const f = parseHttpFile(text);
  assert.deepEqual(
    f.regions.map((g) => [g.request?.method, g.request?.url.text, g.request?.httpVersion]),
    [
      ['GET', 'http://a/1', undefined],
      ['POST', 'http://a/2', undefined],
      ['PROPFIND', 'http://a/3', 'HTTP/1.0'],
      ['GET', 'http://a/4', 'HTTP/1.1'],
      ['PURGE', 'http://a/5', 'HTTP/2'],
      ['CUSTOMVERB', 'http://a/6', undefined],
    ],
  );
  assert.equal(at(text, f.regions[2].request!.versionRange!), 'HTTP/1.0');
  assert.equal(at(text, f.regions[2].request!.methodRange), 'PROPFIND');
  assert.deepEqual(errors(f), []);
});

test('URL continues on lines starting with ? or &, joined without whitespace', () => {
  const f = parseHttpFile('GET https://example.com/api\n    ?page=2\n&size={{n}}\nAccept: */*\n');
  const r = req(f);
  assert.equal(r.url.text, 'https://example.com/api?page=2&size={{n}}');
  assert.equal(r.url.range.end.line, 2);
  assert.deepEqual(r.url.variables[0].range, { start: { line: 2, character: 6 }, end: { line: 2, character: 11 } });
  assert.equal(r.headers[0].name, 'Accept');
});

test('headers until the first blank line; an invalid name is reported with the name', () => {
  const text = 'GET http://a/\nAccept: text/plain\nX Bad: 1\nUser-Agent: wl\n';
  const f = parseHttpFile(text);
  assert.deepEqual(
    req(f).headers.map((h) => [h.name, h.value.text]),
    [
      ['Accept', 'text/plain'],
      ['User-Agent', 'wl'],
    ],
  );
  assert.deepEqual(codes(f, 'error'), ['WL_PARSE_HEADER_NAME']);
  assert.match(f.diagnostics[0].message, /"X Bad"/);
  assert.equal(f.diagnostics[0].range.start.line, 2);
  assert.equal(at(text, req(f).headers[0].value.range), 'text/plain');
});

test('a body line without the blank line: error on the body line that says a blank line is needed', () => {
  const f = parseHttpFile('POST http://a/\nContent-Type: application/json\n{"a": 1}\n');
  const e = errors(f);
  assert.equal(e.length, 1);
  assert.equal(e[0].code, 'WL_PARSE_HEADER_NAME');
  assert.equal(e[0].range.start.line, 2);
  assert.match(e[0].message, /blank line/);
  assert.equal(bodyText(req(f)), '{"a": 1}');
});

test('body: everything after the blank line, trailing blank lines trimmed; < and <@ file parts', () => {
  const f = parseHttpFile('POST http://a/\n\n\nline 1\n\nline 3\n\n\n###\nPOST http://a/\n\n<@ ./x.json\n###\nPOST http://a/\n\n< ./y.bin\n');
  assert.equal(bodyText(req(f, 0)), 'line 1\n\nline 3');
  assert.equal(req(f, 0).body!.range.start.line, 3);
  assert.equal(req(f, 0).body!.range.end.line, 5);
  const p1 = req(f, 1).body!.parts[0];
  const p2 = req(f, 2).body!.parts[0];
  assert.ok(p1.kind === 'file' && p1.substitute && p1.path.text === './x.json');
  assert.ok(p2.kind === 'file' && !p2.substitute && p2.path.text === './y.bin');
});

test('multipart: text parts and < file inside parts, in order, with their lines', () => {
  const text = 'POST http://a/upload\nContent-Type: multipart/form-data; boundary=B\n\n--B\nContent-Disposition: form-data; name="f"; filename="a.txt"\n\n< ./a.txt\n--B--\n';
  const r = req(parseHttpFile(text));
  const parts = r.body!.parts;
  assert.deepEqual(
    parts.map((p) => p.kind),
    ['text', 'file', 'text'],
  );
  assert.ok(parts[0].kind === 'text' && parts[0].text.text === '--B\nContent-Disposition: form-data; name="f"; filename="a.txt"');
  // The blank line between the part headers and the file is recoverable from the ranges.
  assert.ok(parts[0].kind === 'text' && parts[1].kind === 'file' && parts[1].range.start.line - parts[0].text.range.end.line === 2);
});

test('Authorization Basic/Digest and GraphQL bodies are kept as written for the resolver', () => {
  const f = parseHttpFile('POST http://a/graphql\nAuthorization: Basic user pass\nX-Request-Type: GraphQL\n\nquery { a }\n\n{"v": 1}\n');
  const r = req(f);
  assert.equal(r.headers[0].value.text, 'Basic user pass');
  assert.equal(bodyText(r), 'query { a }\n\n{"v": 1}');
});

test('response handlers, pre-request scripts, assertions and response refs are kept', () => {
  const text = '< {%\n  request.variables.set("a", 1);\n%}\nGET http://a/\n\n> {%\n  client.global.set("t", 1);\n%}\n> ./check.js\n<> ./prev.json\n?? status == 200\n';
  const f = parseHttpFile(text);
  const r = req(f);
  assert.deepEqual(
    r.scripts.map((s) => [s.kind, s.code?.trim(), s.file]),
    [
      ['pre-request', 'request.variables.set("a", 1);', undefined],
      ['response-handler', 'client.global.set("t", 1);', undefined],
      ['response-handler', undefined, './check.js'],
    ],
  );
  assert.deepEqual(r.scripts[1].range, { start: { line: 5, character: 0 }, end: { line: 7, character: 2 } });
  assert.deepEqual(
    r.responseRefs.map((x) => x.path),
    ['./prev.json'],
  );
  assert.deepEqual(
    r.assertions.map((a) => a.text),
    ['status == 200'],
  );
  assert.equal(r.body, undefined);
  // All of these run now: no "not supported" diagnostic.
  assert.deepEqual(codes(f), []);
  const one = parseHttpFile('GET http://a/\n\n> {% client.log(1) %}\n');
  assert.equal(req(one).scripts[0].code, 'client.log(1)');
  assert.deepEqual(codes(parseHttpFile('GET http://a/\n\n> {%\n client.log(1)\n'), 'error'), ['WL_PARSE_SCRIPT_UNCLOSED']);
});

test('WebSocket: WEBSOCKET, WS, WSS and bare ws:// URLs; === and === wait-for-server steps', () => {
  const text = 'WEBSOCKET ws://localhost:8080/chat\nSec-WebSocket-Protocol: chat.v1\n\n{"hello": 1}\n===\n{"second": 2}\n=== wait-for-server\n=== wait-for-server\n{"after": "two"}\n';
  const r = req(parseHttpFile(text));
  assert.equal(r.kind, 'websocket');
  assert.equal(r.headers[0].name, 'Sec-WebSocket-Protocol');
  assert.deepEqual(
    r.wsSteps.map((s) => (s.kind === 'send' ? s.text.text : 'wait')),
    ['{"hello": 1}', '{"second": 2}', 'wait', 'wait', '{"after": "two"}'],
  );
  assert.deepEqual(
    r.wsSteps.map((s) => s.range.start.line),
    [3, 5, 6, 7, 8],
  );
  assert.equal(r.body, undefined);
  for (const line of ['WS ws://a/', 'WSS wss://a/', 'ws://a/x', 'wss://a/x']) assert.equal(req(parseHttpFile(line)).kind, 'websocket', line);
  assert.equal(req(parseHttpFile('GET http://a/')).kind, 'http');
});

test('wild separators: no blank line before, ###title, banners, closing hashes, rules, empty regions, ## comment', () => {
  const text = [
    'GET http://a/1',
    '###title',
    'GET http://a/2',
    '### ==== Banner ====',
    'GET http://a/3',
    '### ── Section ──',
    '## comment',
    'GET http://a/4',
    '### Closing ###',
    'GET http://a/5',
    '##########',
    '###',
    'GET http://a/6',
  ].join('\n');
  const f = parseHttpFile(text);
  assert.deepEqual(
    f.regions.map((g) => [g.title, g.request?.url.text]),
    [
      [undefined, 'http://a/1'],
      ['title', 'http://a/2'],
      ['Banner', 'http://a/3'],
      ['Section', 'http://a/4'],
      ['Closing', 'http://a/5'],
      [undefined, undefined],
      [undefined, 'http://a/6'],
    ],
  );
  assert.equal(f.regions[0].request!.headers.length, 0);
  assert.deepEqual(f.diagnostics, []);
});

test('wild request lines: QUERY/GRAPHQL/GRPC, path with Host or host variable, no scheme, #fragment, quotes, prose', () => {
  const f = parseHttpFile(
    'QUERY http://a/q\n###\nGRAPHQL http://a/g\n###\nGRPC localhost:50051/svc/M\n###\nGET /api/x\nHost: 127.0.0.1\n###\nGET localhost:8080/x\n###\nGET http://a/p#frag HTTP/1.1\n###\nGET http://a/?q="a b" HTTP/1.1\n',
  );
  assert.deepEqual(
    f.regions.map((g) => [g.request?.method, g.request?.url.text, g.request?.target]),
    [
      ['QUERY', 'http://a/q', 'absolute'],
      ['GRAPHQL', 'http://a/g', 'absolute'],
      ['GRPC', 'localhost:50051/svc/M', 'no-scheme'],
      ['GET', '/api/x', 'path'],
      ['GET', 'localhost:8080/x', 'no-scheme'],
      ['GET', 'http://a/p#frag', 'absolute'],
      ['GET', 'http://a/?q="a b"', 'absolute'],
    ],
  );
  assert.deepEqual(errors(f), []);
  assert.deepEqual(codes(f), ['WL_PARSE_NOT_SUPPORTED']);
  assert.deepEqual(errors(parseHttpFile('@host = http://a\n###\nGET /api/x\n')), []);
  // The host of a path-only target comes from the author's environment: a run-time variable question, not a parse error.
  const noHost = parseHttpFile('GET /api/x\n');
  assert.deepEqual(noHost.diagnostics, []);
  assert.equal(req(noHost).target, 'path');
  const prose = parseHttpFile('This collection tests the users API\nSee docs for details\nhttp://a/real\n');
  assert.equal(req(prose).url.text, 'http://a/real');
  assert.deepEqual(codes(prose), ['WL_PARSE_TEXT', 'WL_PARSE_TEXT']);
  assert.deepEqual(errors(parseHttpFile('TODO fix this later\nhttp://a/')), []);
});

test('wild metadata: @name above its own ###, @ref/@import/@loop/@prompt, {{ }} blocks, ??, kulala, /* */, <!-- -->, #if', () => {
  const text = [
    '# @name first',
    '###',
    'GET http://a/1',
    '',
    '# @name second',
    '###',
    'GET http://a/2',
    '###',
    '# @ref first',
    '# @import ./other.http',
    '# @title T',
    '# @loop for 3',
    '# @prompt otp',
    'GET http://a/3',
    '###',
    '{{',
    '  exports.a = 1;',
    '}}',
    'GET http://a/4',
    '',
    '?? status == 200',
    '{{@response',
    '  console.log(1)',
    '}}',
    '###',
    'import ./other.http',
    'run #first',
    '/* block',
    'GET http://not/a/request',
    '*/',
    '<!-- html',
    'comment -->',
    '#if DEBUG',
    'GET http://a/5',
    '#endif',
  ].join('\n');
  const f = parseHttpFile(text);
  const named = f.regions.filter((g) => g.request).map((g) => [g.name, g.request!.url.text]);
  assert.deepEqual(named, [
    ['first', 'http://a/1'],
    ['second', 'http://a/2'],
    [undefined, 'http://a/3'],
    [undefined, 'http://a/4'],
    [undefined, 'http://a/5'],
  ]);
  assert.equal(req(f, 0).body, undefined, 'the trailing # @name is not body');
  const r4 = req(f, 3);
  assert.deepEqual(
    r4.scripts.map((s) => [s.kind, s.dialect]),
    [
      ['pre-request', 'httpyac'],
      ['response-handler', 'httpyac'],
    ],
  );
  assert.equal(r4.assertions.length, 1);
  assert.deepEqual(errors(f), []);
  assert.ok(
    f.diagnostics.every((d) => d.severity === 'info'),
    JSON.stringify(f.diagnostics),
  );
  // @ref, @loop, two httpYac {{ }} blocks and #if: what Wirelane keeps but does not act on (?? lines are checked now).
  assert.equal(f.diagnostics.filter((d) => d.code === 'WL_PARSE_NOT_SUPPORTED').length, 5, JSON.stringify(f.diagnostics));
  // What now runs is no longer "not supported": imports, prompts and kulala's lines are directives.
  assert.ok(!f.diagnostics.some((d) => /`@?(import|prompt|run)`|kulala/.test(d.message)), JSON.stringify(f.diagnostics));
  const ds = f.regions.flatMap((g) => g.directives);
  assert.deepEqual(
    ds.filter((d) => d.name === 'import').map((d) => d.value),
    ['./other.http', './other.http'],
  );
  assert.deepEqual(
    ds.filter((d) => d.name === 'run').map((d) => [d.value, d.valueRange?.start.character]),
    [['#first', 4]],
  );
  assert.deepEqual(
    ds.filter((d) => d.name === 'prompt').map((d) => d.value),
    ['otp'],
  );
});

test('saved responses after a request are a response block, not a second request', () => {
  const f = parseHttpFile('GET http://a/\n\nHTTP/1.1 200 OK\nContent-Type: application/json\n\n{"ok": true}\n');
  const r = req(f);
  assert.equal(f.regions.length, 1);
  assert.deepEqual(r.savedResponses, [{ start: { line: 2, character: 0 }, end: { line: 5, character: 12 } }]);
  assert.equal(r.body, undefined);
  assert.deepEqual(f.diagnostics, []);
});

test('whitespace and text: trailing spaces, tabs, whitespace-only line after a title, header comments, non-ASCII', () => {
  const text = '### Título 한국어 🚀\n \t \nPOST http://a/文件   \nX-Note: kept // a note\nX-Name: 日本語 ─── ✓\n\n\t{"k": "中文 {{v}}"}\n\t  more\n';
  const f = parseHttpFile(text);
  const r = req(f);
  assert.equal(f.regions[0].title, 'Título 한국어 🚀');
  assert.equal(r.url.text, 'http://a/文件');
  assert.equal(r.headers[0].value.text, 'kept // a note');
  assert.equal(r.headers[1].value.text, '日本語 ─── ✓');
  assert.equal(bodyText(r), '\t{"k": "中文 {{v}}"}\n\t  more');
  const v = r.body!.parts[0].kind === 'text' ? r.body!.parts[0].text.variables[0] : undefined;
  assert.equal(at(text, v!.range), '{{v}}');
  assert.deepEqual(codes(f), ['WL_PARSE_HEADER_COMMENT']);
  assert.equal(f.diagnostics[0].severity, 'warning');
});

test('CRLF: ranges are the same as with LF, no \\r in any text', () => {
  const lf = '@h = http://a\n### One\nPOST {{h}}/x HTTP/1.1\nX-A: {{v}}\n\n{"a": "{{b}}"}\nline2\n';
  const crlf = lf.replace(/\n/g, '\r\n');
  const a = parseHttpFile(lf);
  const b = parseHttpFile(crlf);
  assert.deepEqual(b, a);
  assert.ok(!JSON.stringify(b).includes('\\r'));
  const fx = parseHttpFile(readFileSync(join(FIXTURES, 'crlf.http'), 'utf8'));
  assert.equal(req(fx, 1).url.text, '{{host}}/items/{{create.response.body.$.id}}?verbose=true&lang=en');
  assert.deepEqual(errors(fx), []);
});

test('BOM: accepted; ranges index the text as given (the BOM is one character on line 0)', () => {
  const text = '\uFEFFGET http://a/{{x}}\nAccept: */*\n';
  const f = parseHttpFile(text);
  const r = req(f);
  assert.equal(r.method, 'GET');
  assert.deepEqual(r.methodRange, { start: { line: 0, character: 1 }, end: { line: 0, character: 4 } });
  assert.equal(at(text, r.url.variables[0].range), '{{x}}');
  assert.deepEqual(f.diagnostics, []);
  const bom = parseHttpFile(readFileSync(join(FIXTURES, 'bom.http'), 'utf8'));
  assert.equal(req(bom).url.text, 'http://127.0.0.1:8080/bom?x={{x}}');
  assert.deepEqual(errors(bom), []);
});

test('never throws on odd input', () => {
  for (const text of ['', '\n', '###', '{{', '}}', '> {%', '< ', '@', '@=', 'GET', '\r', '\r\r\n', '\uFEFF', '#'.repeat(1000), 'GET http://a/\n\n===\n', '\u0000\uD800']) {
    const f = parseHttpFile(text);
    assert.ok(Array.isArray(f.regions), JSON.stringify(text));
  }
});

test('incremental parser: same result as a full parse, unchanged regions reused (same RequestNode objects)', () => {
  const base = readFileSync(join(FIXTURES, 'jetbrains.http'), 'utf8');
  const inc = createIncrementalParser();
  const first = inc.parse(base);
  assert.deepEqual(first, parseHttpFile(base));
  const oldLast = first.regions[first.regions.length - 1].request;
  // A character typed in the first request: later regions come from the cache untouched.
  const typed = base.replace('"user": "{{username}}"', '"user": "{{username}}x"');
  const second = inc.parse(typed);
  assert.deepEqual(second, parseHttpFile(typed));
  assert.equal(inc.lastReused, first.regions.length - 1);
  assert.equal(second.regions[second.regions.length - 1].request, oldLast);
  // A line inserted at the top shifts everything below.
  const shifted = '\n\n' + typed;
  assert.deepEqual(inc.parse(shifted), parseHttpFile(shifted));
  assert.deepEqual(inc.parse(typed), parseHttpFile(typed));
  // Duplicate regions each get their own parse.
  const dup = 'GET http://a/\n###\nGET http://a/\n###\nGET http://a/\n';
  const i2 = createIncrementalParser();
  i2.parse(dup);
  const moved = '\n' + dup;
  assert.deepEqual(i2.parse(moved), parseHttpFile(moved));
});

test('HTML and XML bodies are not file references', () => {
  const f = parseHttpFile('POST http://a/\nContent-Type: text/html\n\n<a href="x">link</a>\n<?xml version="1.0"?>\n< ./real.txt\n');
  assert.deepEqual(
    req(f).body!.parts.map((p) => p.kind),
    ['text', 'file'],
  );
  assert.deepEqual(
    errors(parseHttpFile('POST http://a/\n\n<\n')).map((d) => d.code),
    ['WL_PARSE_FILE_PATH'],
  );
});

test('incremental parse after deleting the first line and inserting a line equals a full parse', () => {
  // Seen once in the language server: `@api` landed on line 2 instead of line 0.
  const t0 = '@host = localhost:8080\n@api = http://{{host}}/v1\n\n### login\nPOST {{api}}/login\n\n{"u": 1}\n\n### list\nGET {{api}}/items\n';
  const t1 = t0.split('\n').slice(1).join('\n');
  const t2 = t1.replace('{"u": 1}\n', '{"u": 1}\n}}\n');
  const p = createIncrementalParser();
  p.parse(t0);
  p.parse(t1);
  assert.equal(JSON.stringify(p.parse(t2)), JSON.stringify(parseHttpFile(t2)));
});

test('a /* … */ block comment on the line right after the headers is a comment, not a malformed header', () => {
  const f = parseHttpFile('POST /post\nContent-Type: application/json\n/* the body\n   is a user */\n\n{"a": 1}\n###\nGET /json\nAccept: */*\n/* one line */\n');
  assert.deepEqual(f.diagnostics, []);
  assert.deepEqual(
    req(f, 0).headers.map((h) => h.name),
    ['Content-Type'],
  );
  assert.equal((req(f, 0).body!.parts[0] as { text: { text: string } }).text.text, '{"a": 1}');
  assert.deepEqual(
    req(f, 1).headers.map((h) => h.name),
    ['Accept'],
  );
  assert.equal(req(f, 1).body, undefined);
});
