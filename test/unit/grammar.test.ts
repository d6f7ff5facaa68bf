// syntaxes/http.tmLanguage.json through the real vscode-textmate + Oniguruma (the engine VS Code
// uses), with the JSON / JavaScript / XML / GraphQL grammars it embeds: every construct of
// HTTP-SYNTAX.md gets its scope.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tokenize, type LineToken } from './grammarSupport';

/** Scopes of the first token on `line` whose text contains `text` (skipping the first `skip` matches). */
function scopes(lines: LineToken[][], line: number, text: string, skip = 0): string {
  const hits = lines[line].filter((t) => t.text.includes(text));
  const t = hits[skip];
  assert.ok(t, `no token "${text}" on line ${line}: ${JSON.stringify(lines[line].map((x) => x.text))}`);
  return t.scopes.join(' ');
}

function has(lines: LineToken[][], line: number, text: string, scope: string, skip = 0): void {
  const s = scopes(lines, line, text, skip);
  assert.ok(
    s.split(' ').some((x) => x === scope || x.startsWith(`${scope}.`)),
    `"${text}" on line ${line} has ${s}, wanted ${scope}`,
  );
}

function lacks(lines: LineToken[][], line: number, text: string, scope: string): void {
  const s = scopes(lines, line, text);
  assert.ok(!s.includes(scope), `"${text}" on line ${line} should not have ${scope}: ${s}`);
}

test('language configuration: comments, brackets, auto-closing {{ }}, folding markers', () => {
  const conf = JSON.parse(readFileSync('syntaxes/language-configuration.json', 'utf8'));
  assert.equal(conf.comments.lineComment, '#');
  assert.ok(conf.autoClosingPairs.some((p: { open: string; close: string }) => p.open === '{{' && p.close === '}}'));
  assert.ok(conf.brackets.some((b: string[]) => b[0] === '{'));
  // `###` regions fold through the language server (a marker cannot both end one region and start the next);
  // the markers give `# region` / `# endregion` blocks.
  assert.ok(new RegExp(conf.folding.markers.start).test('# region auth'));
  assert.ok(new RegExp(conf.folding.markers.end).test('# endregion'));
  assert.ok(!new RegExp(conf.folding.markers.start).test('## a comment'));
});

test('separators, titles, comments, directives and file variables', async () => {
  const l = await tokenize(
    [
      '### login', // 0
      '###title', // 1
      '### ==== banner ==== ###', // 2
      '#####################', // 3
      '## just a comment', // 4
      '// slash comment', // 5
      '# @name login', // 6
      '// @timeout 5000', // 7
      '# @no-redirect', // 8
      '@host = localhost:8080', // 9
      '@url = {{host}}/api', // 10
      '@Catalog.API_HostAddress=', // 11
      '/* block', // 12
      'comment */', // 13
      '<!-- html comment -->', // 14
      '#if DEBUG', // 15
      'import ./other.http', // 16
      'This line is prose, not a request', // 17
    ].join('\n'),
  );
  has(l, 0, '###', 'markup.heading.separator.http');
  has(l, 0, 'login', 'entity.name.section.http');
  has(l, 1, 'title', 'entity.name.section.http');
  has(l, 2, '###', 'markup.heading.separator.http');
  has(l, 3, '#####', 'markup.heading.separator.http');
  has(l, 4, 'just a comment', 'comment.line.number-sign.http');
  has(l, 5, 'slash comment', 'comment.line.double-slash.http');
  has(l, 6, '@name', 'keyword.other.directive.http');
  has(l, 6, 'login', 'entity.name.function.request-name.http');
  has(l, 7, '@timeout', 'keyword.other.directive.http');
  has(l, 7, '5000', 'string.unquoted.directive-value.http');
  has(l, 8, '@no-redirect', 'keyword.other.directive.http');
  has(l, 9, 'host', 'variable.other.definition.http');
  has(l, 9, '=', 'keyword.operator.assignment.http');
  has(l, 9, 'localhost:8080', 'string.unquoted.variable-value.http');
  has(l, 10, 'host', 'variable.other.http');
  has(l, 11, 'Catalog.API_HostAddress', 'variable.other.definition.http');
  has(l, 12, 'block', 'comment.block.http');
  has(l, 13, 'comment', 'comment.block.http');
  has(l, 14, 'html comment', 'comment.block.html.http');
  has(l, 15, 'if DEBUG', 'comment.line.number-sign.http');
  has(l, 16, 'import', 'keyword.control.import.http');
  lacks(l, 17, 'This line', 'keyword.control.method.http');
});

test('request line, URL continuation, HTTP version, headers and {{variables}} everywhere', async () => {
  const l = await tokenize(
    [
      'POST https://{{host}}/login?debug=1&id={{$uuid}} HTTP/1.1', // 0
      '  ?page=1', // 1
      '  &size={{%size}}', // 2
      'Content-Type: application/json', // 3
      'Authorization: Bearer {{login.response.body.$.token}}', // 4
      'X-Time: {{$timestamp -1 d}} {{$datetime iso8601 1 h}} {{$randomInt 1 10}}', // 5
      'X-Rand: {{$random.integer(1, 9)}} {{$processEnv %NAME}} {{ spaced }}', // 6
      "X-H: {{r.response.headers['Content-Type']}} {{$dotenv KEY}}", // 7
      '', // 8
      '###', // 9
      'GET /api/x', // 10
      '###', // 11
      'localhost:8080/health', // 12
      '###', // 13
      'https://example.com/only-url HTTP/2', // 14
      '###', // 15
      'QUERY http://localhost/q', // 16
      '###', // 17
      'GET http://localhost/{{unclosed', // 18
    ].join('\n'),
  );
  has(l, 0, 'POST', 'keyword.control.method.http');
  has(l, 0, 'https://', 'string.unquoted.url.http');
  has(l, 0, '{{', 'punctuation.definition.template-expression.begin.http');
  has(l, 0, 'host', 'variable.other.http');
  has(l, 0, 'debug', 'variable.parameter.query.http');
  has(l, 0, '$uuid', 'support.function.builtin.http');
  has(l, 0, 'HTTP/1.1', 'constant.language.http-version.http');
  has(l, 1, 'page', 'variable.parameter.query.http');
  has(l, 2, '%', 'storage.modifier.percent-encode.http');
  has(l, 2, 'size', 'variable.other.http', 1);
  has(l, 3, 'Content-Type', 'support.type.property-name.header.http');
  has(l, 3, 'application/json', 'string.unquoted.header-value.http');
  has(l, 4, 'Bearer', 'keyword.other.auth-scheme.http');
  has(l, 4, 'login', 'entity.name.function.request-reference.http');
  has(l, 4, 'response', 'variable.language.request-part.http');
  has(l, 4, '$.token', 'string.unquoted.path.http');
  has(l, 5, '$timestamp', 'support.function.builtin.http');
  has(l, 5, '-1', 'constant.numeric.http');
  has(l, 5, 'd', 'keyword.other.unit.http', 0);
  has(l, 5, 'iso8601', 'constant.language.date-format.http');
  has(l, 5, '$randomInt', 'support.function.builtin.http');
  has(l, 6, '$random.integer', 'support.function.builtin.http');
  has(l, 6, 'NAME', 'variable.parameter.http');
  has(l, 6, 'spaced', 'variable.other.http');
  has(l, 7, 'Content-Type', 'string.unquoted.path.http');
  has(l, 7, '$dotenv', 'support.function.builtin.http');
  has(l, 10, 'GET', 'keyword.control.method.http');
  has(l, 10, '/api/x', 'string.unquoted.url.http');
  has(l, 12, 'localhost:8080/health', 'string.unquoted.url.http');
  has(l, 14, 'https://example.com/only-url', 'string.unquoted.url.http');
  has(l, 14, 'HTTP/2', 'constant.language.http-version.http');
  has(l, 16, 'QUERY', 'keyword.control.method.http');
  has(l, 18, '{{', 'invalid.illegal.unclosed-variable.http');
});

test('bodies: JSON and XML embedded with variables inside, < file, <@ file, multipart, GraphQL', async () => {
  const l = await tokenize(
    [
      'POST http://localhost/a', // 0
      'Content-Type: application/json', // 1
      '', // 2
      '{"user": "{{user}}", "n": 1}', // 3
      '', // 4
      '###', // 5
      'POST http://localhost/x', // 6
      '', // 7
      '<?xml version="1.0"?>', // 8
      '<a href="{{host}}">text</a>', // 9
      '###', // 10
      'POST http://localhost/f', // 11
      '', // 12
      '< ./body.json', // 13
      '###', // 14
      'POST http://localhost/g', // 15
      '', // 16
      '<@ ./template.json', // 17
      '###', // 18
      'POST http://localhost/upload', // 19
      'Content-Type: multipart/form-data; boundary=abc', // 20
      '', // 21
      '--abc', // 22
      'Content-Disposition: form-data; name="file"', // 23
      '', // 24
      '< ./a.png', // 25
      '--abc--', // 26
      '###', // 27
      'POST http://localhost/graphql', // 28
      'X-Request-Type: GraphQL', // 29
      '', // 30
      'query Q($id: ID!) { user(id: $id) { name } }', // 31
      '', // 32
      '{"id": 1}', // 33
      '###', // 34
      'GRAPHQL http://localhost/graphql', // 35
      '', // 36
      '{ items { id } }', // 37
    ].join('\n'),
  );
  has(l, 3, 'user', 'support.type.property-name.json');
  has(l, 3, 'user', 'meta.embedded.block.json.http');
  has(l, 3, 'user', 'variable.other.http', 1);
  has(l, 3, '1', 'constant.numeric.json');
  has(l, 8, 'xml', 'entity.name.tag.xml');
  has(l, 9, 'host', 'variable.other.http');
  has(l, 9, 'a', 'meta.embedded.block.xml.http');
  has(l, 13, '<', 'keyword.other.input-file.http');
  has(l, 13, './body.json', 'string.unquoted.filepath.http');
  has(l, 17, '<@', 'keyword.other.input-file.http');
  has(l, 22, '--abc', 'keyword.other.multipart-boundary.http');
  has(l, 23, 'Content-Disposition', 'support.type.property-name.header.http');
  has(l, 25, './a.png', 'string.unquoted.filepath.http');
  has(l, 26, '--abc', 'keyword.other.multipart-boundary.http');
  has(l, 26, '--', 'keyword.other.multipart-boundary.end.http', 1);
  has(l, 31, 'query', 'meta.embedded.block.graphql.http');
  has(l, 31, 'query', 'keyword.operation.graphql');
  has(l, 33, 'id', 'support.type.property-name.json');
  has(l, 35, 'GRAPHQL', 'keyword.control.method.http');
  has(l, 37, 'items', 'meta.embedded.block.graphql.http');
  lacks(l, 37, 'items', 'invalid');
});

test('scripts, assertions, WebSocket separators, saved responses, response references', async () => {
  const l = await tokenize(
    [
      '< {%', // 0
      '  request.variables.set("a", 1);', // 1
      '%}', // 2
      'GET http://localhost/x', // 3
      '', // 4
      '> {%', // 5
      '  client.global.set("token", response.body.token);', // 6
      '%}', // 7
      '> ./handler.js', // 8
      '?? status == 200', // 9
      '<> ./previous-response.json', // 10
      '', // 11
      'HTTP/1.1 200 OK', // 12
      'Content-Type: text/plain', // 13
      '', // 14
      'hello', // 15
      '### chat', // 16
      'WEBSOCKET ws://localhost:8080/chat', // 17
      'Sec-WebSocket-Protocol: chat.v1', // 18
      '', // 19
      '{"hello": 1}', // 20
      '===', // 21
      '=== wait-for-server', // 22
      '{"after": 2}', // 23
      '### 한국어 요청 🚀', // 24
      'GET http://localhost/검색?q=한글', // 25
      '', // 26
      '{{', // 27
      '  exports.x = 1;', // 28
      '}}', // 29
      '{{@response', // 30
      '  console.info(response.parsedBody);', // 31
      '}}', // 32
      '###', // 33
      'GET http://localhost/handled', // 34
      '> {% client.log(response.status); %}', // 35
      '<> ./data/previous.json', // 36
    ].join('\r\n'),
  );
  has(l, 0, '<', 'keyword.control.script.http');
  has(l, 0, '{%', 'punctuation.section.embedded.begin.http');
  has(l, 1, 'request', 'source.js');
  has(l, 2, '%}', 'punctuation.section.embedded.end.http');
  has(l, 3, 'GET', 'keyword.control.method.http');
  has(l, 5, '>', 'keyword.control.script.http');
  has(l, 6, 'client', 'meta.embedded.block.javascript');
  has(l, 6, 'token', 'string.quoted.double.js');
  has(l, 8, './handler.js', 'string.unquoted.filepath.http');
  has(l, 9, '??', 'keyword.control.assertion.http');
  has(l, 9, 'status', 'variable.language.assertion-subject.http');
  has(l, 9, '200', 'constant.numeric.http');
  has(l, 10, '<>', 'keyword.other.response-reference.http');
  has(l, 12, 'HTTP/1.1', 'constant.language.http-version.http');
  has(l, 12, '200', 'constant.numeric.status-code.http');
  has(l, 12, 'OK', 'string.unquoted.reason-phrase.http');
  has(l, 13, 'Content-Type', 'support.type.property-name.header.http');
  has(l, 16, 'chat', 'entity.name.section.http');
  has(l, 17, 'WEBSOCKET', 'keyword.control.method.http');
  has(l, 17, 'ws://localhost:8080/chat', 'string.unquoted.url.http');
  has(l, 18, 'Sec-WebSocket-Protocol', 'support.type.property-name.header.http');
  has(l, 20, 'hello', 'support.type.property-name.json');
  has(l, 21, '===', 'keyword.control.websocket-separator.http');
  has(l, 22, 'wait-for-server', 'support.function.wait-for-server.http');
  has(l, 23, 'after', 'support.type.property-name.json');
  has(l, 24, '한국어 요청 🚀', 'entity.name.section.http');
  has(l, 25, 'http://localhost/검색', 'string.unquoted.url.http');
  has(l, 27, '{{', 'punctuation.section.embedded.begin.http');
  has(l, 28, 'exports', 'source.js');
  has(l, 30, '@response', 'keyword.other.script-event.http');
  has(l, 31, 'console', 'source.js');
  has(l, 35, '{%', 'punctuation.section.embedded.begin.http');
  has(l, 35, 'client', 'source.js');
  has(l, 36, '<>', 'keyword.other.response-reference.http');
});
