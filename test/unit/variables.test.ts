// Variables without the parser: built-ins, environments, .env, chaining selectors, the
// resolution order and cycles, on hand-built AST texts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FileVariable, HttpFile, RequestNode, Text } from '../../src/core/httpfile/ast';
import {
  environmentNames,
  evaluateBuiltin,
  flattenRestClientSettings,
  loadDotenv,
  loadEnvironments,
  lookupEnv,
  parseRequestRef,
  scanRefs,
  selectFromExchange,
  VariableResolver,
  type NamedExchange,
  type ResolveContext,
} from '../../src/core/variables';
import { dirname, foldersUpTo, resolvePath } from '../../src/core/variables/paths';

const FIXTURES = resolve(__dirname, '../fixtures/env');
const NOW = Date.UTC(2024, 0, 15, 12, 30, 45, 123); // Mon, 15 Jan 2024 12:30:45.123 UTC

function readFile(p: string): string | undefined {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}

function ctx(over: Partial<ResolveContext> = {}): ResolveContext {
  return {
    filePath: join(FIXTURES, 'nested/deeper/api.http'),
    workspaceRoot: FIXTURES,
    readFile,
    processEnv: { HOME_DIR: '/home/me', WHICH: 'HOME_DIR' },
    named: new Map(),
    now: () => NOW,
    random: () => 0.5,
    uuid: () => '00000000-0000-4000-8000-000000000000',
    ...over,
  };
}

function builtin(name: string, over: Partial<ResolveContext> = {}): string {
  const c = ctx(over);
  const r = new VariableResolver(emptyFile(), c, loadEnvironments(c));
  const v = r.resolveRef({ name, kind: 'builtin' }, at(0));
  assert.deepEqual(r.diagnostics, [], `diagnostics for ${name}`);
  assert.ok(v !== undefined);
  return v;
}

function at(line: number, from = 0, to = from + 1) {
  return { start: { line, character: from }, end: { line, character: to } };
}

/** A one-line AST text as the parser would give it, references found by our scanner. */
function text(s: string, line: number, col = 0): Text {
  return {
    text: s,
    range: at(line, col, col + s.length),
    variables: scanRefs(s).map((f) => ({ name: f.name, raw: f.raw, encode: f.encode, kind: f.kind, range: at(line, col + f.start, col + f.end) })),
  };
}

function fileVar(name: string, value: string, line: number): FileVariable {
  const prefix = `@${name} = `;
  return { name, nameRange: at(line, 1, 1 + name.length), value: text(value, line, prefix.length), range: at(line, 0, prefix.length + value.length) };
}

function requestNode(url: string, line: number): RequestNode {
  const r = at(line);
  return { kind: 'http', range: r, method: 'GET', methodRange: r, url: text(url, line, 4), headers: [], wsSteps: [], scripts: [], assertions: [], responseRefs: [], savedResponses: [] };
}

function emptyFile(vars: FileVariable[] = [], names: string[] = []): HttpFile {
  return {
    regions: names.map((n, i) => ({ range: at(i), name: n, directives: [], variables: [], request: requestNode(`http://127.0.0.1/${n}`, i) })),
    variables: vars,
    diagnostics: [],
    lineCount: 10,
  };
}

test('scanRefs finds references, trims spaces, reads {{%x}} and classifies', () => {
  const refs = scanRefs('a {{ host }}/{{%q}} {{$uuid}} {{login.response.body.$.token}} {{ {{x}}');
  assert.deepEqual(
    refs.map((r) => [r.name, r.encode, r.kind]),
    [
      ['host', false, 'plain'],
      ['q', true, 'plain'],
      ['$uuid', false, 'builtin'],
      ['login.response.body.$.token', false, 'request'],
      ['x', false, 'plain'],
    ],
  );
  assert.equal(refs[0].raw, '{{ host }}');
});

test('$uuid, $guid and $random.uuid give a v4 UUID', () => {
  const re = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  const real = { uuid: undefined };
  assert.match(builtin('$uuid', real), re);
  assert.match(builtin('$guid', real), re);
  assert.match(builtin('$random.uuid', real), re);
  assert.notEqual(builtin('$uuid', real), builtin('$uuid', real));
});

test('$timestamp with and without offsets in every unit', () => {
  const s = Math.floor(NOW / 1000);
  assert.equal(builtin('$timestamp'), String(s));
  assert.equal(builtin('$timestamp -1 d'), String(s - 86400));
  assert.equal(builtin('$timestamp 2 h'), String(s + 7200));
  assert.equal(builtin('$timestamp 30 m'), String(s + 1800));
  assert.equal(builtin('$timestamp -10 s'), String(s - 10));
  assert.equal(builtin('$timestamp 1 w'), String(s + 7 * 86400));
  assert.equal(builtin('$timestamp 1 M'), String(Date.UTC(2024, 1, 15, 12, 30, 45) / 1000));
  assert.equal(builtin('$timestamp -1 y'), String(Date.UTC(2023, 0, 15, 12, 30, 45) / 1000));
  assert.equal(builtin('$timestamp 2000 ms'), String(s + 2));
  assert.equal(builtin('$timestamp -1d'), String(s - 86400));
});

test('$isoTimestamp and $datetime iso8601 / rfc1123 / custom format with offsets', () => {
  assert.equal(builtin('$isoTimestamp'), '2024-01-15T12:30:45.123Z');
  assert.equal(builtin('$datetime iso8601'), '2024-01-15T12:30:45.123Z');
  assert.equal(builtin('$datetime rfc1123'), 'Mon, 15 Jan 2024 12:30:45 GMT');
  assert.equal(builtin('$datetime rfc1123 1 d'), 'Tue, 16 Jan 2024 12:30:45 GMT');
  assert.equal(builtin('$datetime iso8601 -2 h'), '2024-01-15T10:30:45.123Z');
  assert.equal(builtin('$datetime "YYYY-MM-DD"'), '2024-01-15');
  assert.equal(builtin("$datetime 'DD MMM YYYY HH:mm' 1 y"), '15 Jan 2025 12:30');
  assert.equal(builtin('$datetime "YYYY-MM-DD" -1 M'), '2023-12-15');
});

test('$localDatetime formats in the local zone', () => {
  // The machine's zone is whatever it is: compare against Date's own local fields.
  const d = new Date(NOW + 2 * 3600_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  assert.equal(builtin('$localDatetime "YYYY-MM-DD HH:mm"  2 h'), `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`);
  const rfc = (t: number) => {
    const l = new Date(t);
    const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][l.getDay()];
    return `${day}, ${pad(l.getDate())} Jan 2024 ${pad(l.getHours())}:${pad(l.getMinutes())}:45`;
  };
  assert.match(builtin('$localDatetime rfc1123'), new RegExp(`^${rfc(NOW)} [+-]\\d{4}$`));
  assert.match(builtin('$localDatetime rfc1123 2 d'), new RegExp(`^${rfc(NOW + 2 * 86400_000)} [+-]\\d{4}$`));
  const l = new Date(NOW);
  assert.match(builtin('$localDatetime iso8601'), new RegExp(`^2024-01-${pad(l.getDate())}T${pad(l.getHours())}:${pad(l.getMinutes())}:45\\.123[+-]\\d\\d:\\d\\d$`));
});

test('$randomInt, $random.integer, $random.alphanumeric and friends', () => {
  assert.equal(builtin('$randomInt 10 20'), '15'); // random() = 0.5
  assert.equal(builtin('$random.integer(100, 200)'), '150');
  assert.equal(builtin('$randomInt'), '500');
  assert.equal(builtin('$random.alphanumeric(10)').length, 10);
  for (let i = 0; i < 20; i++) {
    const n = Number(builtin('$randomInt 1 3', { random: undefined }));
    assert.ok(n === 1 || n === 2, `in [1, 3): ${n}`);
    assert.match(builtin('$random.alphanumeric(12)', { random: undefined }), /^[A-Za-z0-9_]{12}$/);
    assert.match(builtin('$random.hexadecimal(8)', { random: undefined }), /^[0-9a-f]{8}$/);
    assert.match(builtin('$random.alphabetic(5)', { random: undefined }), /^[A-Za-z]{5}$/);
  }
  assert.match(builtin('$random.email'), /^[a-z0-9]+@example\.com$/);
  assert.equal(builtin('$random.float(1, 3)'), '2');
});

test('built-in mistakes are diagnostics, not values', () => {
  const env = { now: () => NOW, random: () => 0.5, uuid: () => 'u', processEnv: () => undefined, dotenv: () => undefined, shared: () => undefined, variable: () => undefined };
  for (const bad of ['$randomInt 5', '$randomInt 9 1', '$timestamp -1 q', '$timestamp x d', '$nope', '$random.alphanumeric(x)', '$timestamp]', '$uuid 3']) {
    const r = evaluateBuiltin(bad, env);
    assert.equal(r.ok, false, bad);
  }
  const r = evaluateBuiltin('$aadToken', env);
  assert.ok(!r.ok && r.code === 'WL_VAR_UNSUPPORTED' && r.message.includes('not supported'));
});

test('$processEnv NAME and $processEnv %NAME (NAME is itself a variable)', () => {
  assert.equal(builtin('$processEnv HOME_DIR'), '/home/me');
  const c = ctx({ envName: 'dev' });
  const file = emptyFile([fileVar('which', 'HOME_DIR', 1)]);
  const r = new VariableResolver(file, c, loadEnvironments(c));
  assert.equal(r.substituteText(text('{{$processEnv %which}}', 3)).text, '/home/me');
  assert.equal(r.substituteText(text('{{$processEnv MISSING_VAR}}', 4)).complete, false);
  assert.equal(r.diagnostics.length, 1);
  assert.match(r.diagnostics[0].message, /MISSING_VAR/);
  assert.equal(r.diagnostics[0].range.start.line, 4);
});

test('$dotenv reads .env beside the file, then the workspace root', () => {
  const nested = ctx({ filePath: join(FIXTURES, 'nested/api.http') });
  assert.equal(builtin('$dotenv BOTH', nested), 'nested');
  assert.equal(builtin('$dotenv NESTED_ONLY', nested), 'quoted value');
  assert.equal(builtin('$dotenv ROOT_DOTENV', nested), 'from-root');
  const d = loadDotenv({ filePath: join(FIXTURES, 'api.http'), workspaceRoot: FIXTURES, readFile });
  assert.deepEqual(d.values, { ROOT_DOTENV: 'from-root', BOTH: 'root' });
});

test('environment files are searched from the file folder up to the workspace root', () => {
  const env = loadEnvironments(ctx());
  assert.deepEqual(
    env.files.map((f) => [f.path.slice(FIXTURES.length), f.isPrivate]),
    [
      ['/nested/http-client.private.env.json', true],
      ['/http-client.private.env.json', true],
      ['/nested/http-client.env.json', false],
      ['/http-client.env.json', false],
    ],
  );
  assert.deepEqual(environmentNames(env), ['dev', 'prod']);
  // Closest wins; private wins over public for the same key, even from a farther folder.
  assert.equal(lookupEnv(env, 'dev', 'host')?.value, 'nested-host:8080');
  assert.equal(lookupEnv(env, 'dev', 'rootOnly')?.value, 'from-root');
  assert.deepEqual(lookupEnv(env, 'dev', 'token'), { value: 'private-nested-token', isPrivate: true, file: join(FIXTURES, 'nested/http-client.private.env.json') });
  assert.equal(lookupEnv(env, 'dev', 'password')?.value, 'root-private-password');
  // Not above the workspace root: a root at `nested` hides the top folder's files.
  const narrow = loadEnvironments(ctx({ workspaceRoot: join(FIXTURES, 'nested') }));
  assert.equal(narrow.files.length, 2);
  assert.equal(lookupEnv(narrow, 'dev', 'rootOnly'), undefined);
  // A file outside the workspace root sees only its own folder.
  assert.equal(loadEnvironments(ctx({ workspaceRoot: '/somewhere/else' })).files.length, 0);
});

test('invalid environment JSON is a problem naming the file, not a crash', () => {
  const env = loadEnvironments({ filePath: '/w/a.http', workspaceRoot: '/w', readFile: (p) => (p === '/w/http-client.env.json' ? '{"dev": {' : undefined) });
  assert.equal(env.problems.length, 1);
  assert.equal(env.problems[0].code, 'WL_ENV_INVALID');
  assert.match(env.problems[0].message, /\/w\/http-client\.env\.json/);
});

test('resolution order: file variable → selected env (private over public) → $shared → built-ins', () => {
  const c = ctx({ envName: 'dev' });
  const file = emptyFile([fileVar('host', 'file-host', 0), fileVar('host', 'later-file-host', 1)]);
  const r = new VariableResolver(file, c, loadEnvironments(c));
  assert.equal(r.substituteText(text('{{host}}', 5)).text, 'later-file-host');
  assert.equal(r.substituteText(text('{{token}}', 5)).text, 'private-nested-token');
  assert.equal(r.substituteText(text('{{region}}', 5)).text, 'eu');
  assert.equal(r.substituteText(text('{{$shared version}}', 5)).text, 'v1');
  // Env values may reference variables themselves; here {{host}} is the file variable.
  assert.equal(r.substituteText(text('{{apiUrl}}', 5)).text, 'http://later-file-host/api/v1');
  // Without a file variable the selected environment beats $shared.
  const r2 = new VariableResolver(emptyFile(), c, loadEnvironments(c));
  assert.equal(r2.substituteText(text('{{host}}', 5)).text, 'nested-host:8080');
  // With no environment selected only $shared applies.
  const none = ctx();
  const r3 = new VariableResolver(emptyFile(), none, loadEnvironments(none));
  assert.equal(r3.substituteText(text('{{host}}', 5)).text, 'shared-host');
  assert.equal(r3.substituteText(text('{{token}}', 6)).complete, false);
  assert.equal(r3.diagnostics[0].code, 'WL_VAR_UNRESOLVED');
  // extraEnv (editor settings) sits after the env files, before $shared.
  const extra = ctx({ extraEnv: { host: 'extra-host', fromEditor: 'yes' } });
  const r4 = new VariableResolver(emptyFile(), extra, loadEnvironments(extra));
  assert.equal(r4.substituteText(text('{{host}}/{{fromEditor}}', 1)).text, 'extra-host/yes');
});

test('every value from a private env file is listed as a secret, public ones are not', () => {
  const c = ctx({ envName: 'dev' });
  const r = new VariableResolver(emptyFile(), c, loadEnvironments(c));
  r.substituteText(text('{{token}} {{password}} {{apiKey}} {{host}} {{rootOnly}}', 1));
  assert.deepEqual([...r.secrets].sort(), ['private-nested-token', 'root-private-password', 'shared-private-key']);
  // Percent-encoded, a secret with reserved characters is listed in its encoded form as well.
  const c2 = ctx({ envName: 'dev', readFile: (p) => (p.endsWith('http-client.private.env.json') ? '{"dev": {"pw": "a b/c"}}' : undefined) });
  const file = emptyFile([fileVar('auth', 'user {{pw}}', 0)]);
  const r2 = new VariableResolver(file, c2, loadEnvironments(c2));
  assert.equal(r2.substituteText(text('?a={{%auth}}', 2)).text, '?a=user%20a%20b%2Fc');
  assert.deepEqual([...r2.secrets].sort(), ['a b/c', 'a%20b%2Fc']);
});

test('file variables may reference others; {{%x}} percent-encodes', () => {
  const file = emptyFile([fileVar('base', 'http://{{host}}:{{port}}', 0), fileVar('host', 'localhost', 1), fileVar('port', '8080', 2), fileVar('q', 'a b&c/d', 3)]);
  const r = new VariableResolver(file, ctx(), loadEnvironments(ctx()));
  assert.deepEqual(r.substituteText(text('{{base}}/x?q={{%q}}&r={{ % q }}', 5)), { text: 'http://localhost:8080/x?q=a%20b%26c%2Fd&r=a%20b%26c%2Fd', complete: true });
  assert.deepEqual(r.diagnostics, []);
});

test('cycles are a diagnostic at the reference, never a hang', () => {
  const file = emptyFile([fileVar('a', 'x{{b}}', 0), fileVar('b', 'y{{c}}', 1), fileVar('c', 'z{{a}}', 2), fileVar('self', '{{self}}!', 3)]);
  const r = new VariableResolver(file, ctx(), loadEnvironments(ctx()));
  const out = r.substituteText(text('{{a}}', 7));
  assert.equal(out.complete, false);
  const cycle = r.diagnostics.filter((d) => d.code === 'WL_VAR_CYCLE');
  assert.equal(cycle.length, 1);
  assert.match(cycle[0].message, /a → b → c → a/);
  assert.equal(cycle[0].range.start.line, 2); // the {{a}} inside @c
  assert.equal(r.substituteText(text('{{self}}', 8)).complete, false);
  assert.match(r.diagnostics.at(-1)!.message, /self → self/);
});

test('a file variable that names itself takes the environment value (`@host = {{host}}`)', () => {
  const c = ctx({ envName: 'dev' });
  const r = new VariableResolver(emptyFile([fileVar('host', '{{host}}', 0)]), c, loadEnvironments(c));
  assert.equal(r.substituteText(text('{{host}}', 3)).text, 'nested-host:8080');
});

test('unresolved {{x}} names x with the range of the reference', () => {
  const r = new VariableResolver(emptyFile(), ctx({ envName: 'dev' }), loadEnvironments(ctx()));
  const out = r.substituteText(text('GET http://{{nope}}/a', 12, 0));
  assert.equal(out.text, 'GET http://{{nope}}/a');
  assert.equal(r.diagnostics.length, 1);
  const d = r.diagnostics[0];
  assert.equal(d.code, 'WL_VAR_UNRESOLVED');
  assert.equal(d.severity, 'error');
  assert.match(d.message, /\bnope\b/);
  assert.deepEqual(d.range, at(12, 11, 19));
});

const LOGIN: NamedExchange = {
  request: { url: 'http://127.0.0.1/login', method: 'POST', headers: [['Content-Type', 'application/json']], body: '{"user":"ann"}' },
  response: {
    status: 200,
    headers: [
      ['Content-Type', 'application/json'],
      ['X-Token', 'abc'],
      ['Set-Cookie', 'a=1'],
      ['set-cookie', 'b=2'],
    ],
    body: '{"token":"t-123","data":{"id":42,"items":[{"id":"i0"},{"id":"i1"}]},"ok":true}',
  },
};
const XML: NamedExchange = {
  request: { url: 'http://127.0.0.1/x', method: 'GET', headers: [] },
  response: { status: 200, headers: [['Content-Type', 'application/xml']], body: '<root><user id="7"><name>Ann</name></user><user id="8"><name>Bob</name></user></root>' },
};

function chain(name: string, ex: NamedExchange = LOGIN): string | undefined {
  const ref = parseRequestRef(name);
  assert.ok(ref, name);
  const r = selectFromExchange(ref, ex);
  return r.ok ? r.value : undefined;
}

test('chaining: JSONPath, dotted paths without $, whole body, headers by name and bracket', () => {
  assert.equal(chain('login.response.body.$.token'), 't-123');
  assert.equal(chain('login.response.body.$.data.id'), '42');
  assert.equal(chain('login.response.body.$.data.items[1].id'), 'i1');
  assert.equal(chain('login.response.body.$..items[0].id'), 'i0');
  assert.equal(chain('login.response.body.data.id'), '42');
  assert.equal(chain('login.response.body.data.items[0].id'), 'i0');
  assert.equal(chain('login.response.body.$.data'), '{"id":42,"items":[{"id":"i0"},{"id":"i1"}]}');
  assert.equal(chain('login.response.body.$.ok'), 'true');
  assert.equal(chain('login.response.body.*'), LOGIN.response!.body);
  assert.equal(chain('login.response.body.$'), JSON.stringify(JSON.parse(LOGIN.response!.body!)));
  assert.equal(chain('login.response.headers.X-Token'), 'abc');
  assert.equal(chain('login.response.headers.x-token'), 'abc');
  assert.equal(chain("login.response.headers['Content-Type']"), 'application/json');
  assert.equal(chain('login.response.headers["Content-Type"]'), 'application/json');
  assert.equal(chain('login.response.headers.Set-Cookie'), 'a=1, b=2');
  assert.equal(chain('login.request.body.$.user'), 'ann');
  assert.equal(chain('login.request.headers.Content-Type'), 'application/json');
  assert.equal(chain('login.response.body.$.missing'), undefined);
  assert.equal(chain('login.response.headers.X-None'), undefined);
});

test('chaining: XPath over XML bodies', () => {
  assert.equal(chain('x.response.body.//user[2]/name', XML), 'Bob');
  assert.equal(chain('x.response.body./root/user/@id', XML), '7');
  assert.equal(chain('x.response.body.count(//user)', XML), undefined); // not a path: treated as JSONPath, body is not JSON
  assert.equal(chain('x.response.body.//nothing', XML), undefined);
});

test('chaining through the resolver: needs for unsent requests, diagnostics for missing ones', () => {
  const file = emptyFile([], ['login', 'me']);
  const named = new Map<string, NamedExchange>();
  const r = new VariableResolver(file, ctx({ named }), loadEnvironments(ctx()), 'me');
  const out = r.substituteText(text('Bearer {{login.response.body.$.token}} {{ghost.response.body.$.x}} {{me.response.body.*}}', 3));
  assert.equal(out.complete, false);
  assert.deepEqual(r.needs, ['login']);
  assert.deepEqual(
    r.diagnostics.map((d) => d.code),
    ['WL_VAR_UNRESOLVED', 'WL_VAR_CYCLE'],
  );
  assert.match(r.diagnostics[0].message, /ghost/);
  named.set('login', LOGIN);
  const r2 = new VariableResolver(file, ctx({ named }), loadEnvironments(ctx()), 'me');
  assert.equal(r2.substituteText(text('Bearer {{login.response.body.$.token}}', 3)).text, 'Bearer t-123');
  assert.deepEqual(r2.needs, []);
});

test('paths: dirname, resolve, folders up to the root, POSIX and Windows', () => {
  assert.equal(dirname('/a/b/c.http'), '/a/b');
  assert.equal(resolvePath('/a/b', './x/../y.json'), '/a/b/y.json');
  assert.equal(resolvePath('/a/b', '/abs.json'), '/abs.json');
  assert.equal(resolvePath('C:\\w\\api', '..\\data\\x.json'), 'C:\\w\\data\\x.json');
  assert.deepEqual(foldersUpTo('/w/a/b', '/w'), ['/w/a/b', '/w/a', '/w']);
  assert.deepEqual(foldersUpTo('C:\\W\\a', 'c:\\w'), ['C:\\W\\a', 'C:\\W']);
  assert.deepEqual(foldersUpTo('/wx/a', '/w'), ['/wx/a']);
});

test('REST Client settings flatten to extraEnv: the environment over its $shared; odd values never throw', () => {
  const settings = { $shared: { host: 'shared', version: 1 }, local: { host: 'local-host' }, other: 'not an object' };
  assert.deepEqual(flattenRestClientSettings(settings, 'local'), { host: 'local-host', version: '1' });
  assert.deepEqual(flattenRestClientSettings(settings, undefined), { host: 'shared', version: '1' });
  assert.deepEqual(flattenRestClientSettings('junk', 'local'), {});
  // Unflattened settings passed straight through: object values are not variables.
  const c = ctx({ extraEnv: settings as unknown as Record<string, string> });
  const r = new VariableResolver(emptyFile(), c, loadEnvironments(c));
  assert.equal(r.substituteText(text('{{local}}', 0)).complete, false);
});
