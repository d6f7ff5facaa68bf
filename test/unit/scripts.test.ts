// Response handlers, pre-request scripts and `??` assertions, run by runFile against real
// servers on 127.0.0.1:0: what the server saw proves that a value set by a script reached the
// next request, and the server's client ports prove the connection facts assertions check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFile, type FileRunResult } from '../../src/runner/fileRunner';
import { RunRecorder } from '../../src/core/timeline/recorder';
import type { ConnectionMode } from '../../src/core/timeline/model';
import { startH2Server, startRecordingServer } from '../servers/recordingServer';
import { parseAssertion } from '../../src/core/httpfile/assertions';
import { parseHttpFile } from '../../src/core/httpfile/index';
import { variableDiagnostics } from '../../src/core/variables/index';

interface Seen {
  url: string;
  headers: IncomingMessage['headers'];
  port: number;
}

/** /login answers a token as JSON; everything else echoes what it got as JSON. */
async function apiServer() {
  const seen: Seen[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers, port: req.socket.remotePort ?? 0 });
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.setHeader('x-trace', 'a');
      if (req.url === '/login') res.end(JSON.stringify({ token: 'T-42', user: { id: 7, roles: ['admin', 'dev'] } }));
      else res.end(JSON.stringify({ url: req.url, auth: req.headers.authorization ?? null }));
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    seen,
    host: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function runText(
  text: string,
  host: string,
  opts: { mode?: ConnectionMode; allowScripts?: boolean; files?: Record<string, string>; insecure?: boolean; timeoutMs?: number; memoryBytes?: number } = {},
): Promise<FileRunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'wl-scripts-'));
  try {
    const file = join(dir, 'api.http');
    writeFileSync(file, text);
    for (const [name, content] of Object.entries(opts.files ?? {})) writeFileSync(join(dir, name), content);
    const mode = opts.mode ?? 'keep-alive';
    return await runFile({
      file,
      mode,
      recorder: new RunRecorder({ mode }),
      extraEnv: { host },
      allowScripts: opts.allowScripts,
      insecure: opts.insecure,
      scriptLimits: { timeoutMs: opts.timeoutMs, memoryBytes: opts.memoryBytes },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const failures = (r: FileRunResult) => r.results.flatMap((x) => (x.checks ?? []).filter((c) => !c.passed).map((c) => `${c.name}: ${c.error?.code} ${c.error?.message}`));

test('a handler sets a global from the JSON body; the next request sends it, as the server saw', async () => {
  const api = await apiServer();
  try {
    const r = await runText(
      `### login
POST {{host}}/login

> {%
  client.test("token present", function () {
    client.assert(response.status === 200, "status");
    client.assert(response.body.token === "T-42", "token");
    client.assert(response.headers.valueOf("X-Trace") === "a", "header");
    client.assert(response.contentType.mimeType === "application/json", "mime " + response.contentType.mimeType);
  });
  client.global.set("token", response.body.token);
  client.global.set("roles", response.body.user.roles);
  client.log("got", response.body.user.id);
%}

### me
GET {{host}}/me
Authorization: Bearer {{token}}

?? status == 200
?? body $.auth == Bearer T-42
?? header content-type includes json
`,
      api.host,
    );
    assert.deepEqual(failures(r), []);
    assert.equal(api.seen[1].headers.authorization, 'Bearer T-42');
    assert.deepEqual(r.results[0].logs, ['got 7']);
    assert.deepEqual(
      r.results[0].checks?.map((c) => [c.name, c.passed, c.source.line]),
      [['token present', true, 5]],
    );
    assert.deepEqual(
      r.results[1].checks?.map((c) => c.passed),
      [true, true, true],
    );
    assert.equal(r.failed, false);
  } finally {
    await api.close();
  }
});

test('a pre-request script sets a request variable and computes an HMAC the server receives', async () => {
  const api = await apiServer();
  try {
    const r = await runText(
      `### signed
< {%
  const sig = crypto.hmac.sha256().withTextSecret("k3y").updateWithText("GET /signed").digest().toHex();
  request.variables.set("sig", sig);
  request.variables.set("sha", crypto.sha1().updateWithText("abc").digest().toBase64());
%}
GET {{host}}/signed
X-Sig: {{sig}}
X-Sha: {{sha}}
`,
      api.host,
    );
    assert.deepEqual(failures(r), []);
    assert.equal(api.seen[0].headers['x-sig'], createHmac('sha256', 'k3y').update('GET /signed').digest('hex'));
    assert.equal(api.seen[0].headers['x-sha'], createHash('sha1').update('abc').digest('base64'));
  } finally {
    await api.close();
  }
});

test('failing tests and asserts are reported at their lines; a throwing script is WL_SCRIPT_ERROR with its line, and the run goes on', async () => {
  const api = await apiServer();
  try {
    const r = await runText(
      `### one
GET {{host}}/one

> {%
client.test("wrong status", () => {
  client.assert(response.status === 404, "expected 404");
});
client.test("passes", () => {});
const x = null;
x.boom();
%}

### two
GET {{host}}/two

> {% client.assert(false, "top-level assert") %}
?? status == 201
?? timing nonsense < 1
`,
      api.host,
    );
    assert.equal(api.seen.length, 2, 'the second request was not sent after a failing script');
    const one = r.results[0].checks ?? [];
    assert.deepEqual(
      one.map((c) => [c.name, c.passed, c.source.line, c.error?.code, c.error?.source?.line]),
      [
        ['wrong status', false, 5, 'WL_ASSERTION_FAILED', 6],
        ['passes', true, 8, undefined, undefined],
        ['script', false, 10, 'WL_SCRIPT_ERROR', 10],
      ],
    );
    assert.match(one[2].error?.message ?? '', /TypeError/);
    const two = r.results[1].checks ?? [];
    assert.deepEqual(
      two.map((c) => [c.passed, c.source.line, c.error?.code]),
      [
        [false, 16, 'WL_ASSERTION_FAILED'],
        [false, 17, 'WL_ASSERTION_FAILED'],
        [false, 18, 'WL_ASSERTION_INVALID'],
      ],
    );
    assert.equal(two[1].error?.message, 'expected status == 201, got 200');
    assert.equal(r.failed, true, 'a script error fails the run');
  } finally {
    await api.close();
  }
});

test('the sandbox has no require, process, fetch or timers; a script that never ends times out and the next request and script still run', async () => {
  const api = await apiServer();
  try {
    const r = await runText(
      `### probe
GET {{host}}/probe

> {% client.log(typeof require, typeof process, typeof fetch, typeof setTimeout, typeof globalThis.__wl); %}

### forever
GET {{host}}/forever

> {%
while (true) {}
%}

### after
GET {{host}}/after

> {%
const mine = 1;
globalThis.client = null;
%}
?? status == 200

### isolated
GET {{host}}/isolated

> {% client.test("fresh scope and API", () => client.assert(typeof mine === 'undefined' && typeof client.global.set === 'function')); %}
`,
      api.host,
      { timeoutMs: 200 },
    );
    assert.deepEqual(r.results[0].logs, ['undefined undefined undefined undefined undefined']);
    assert.equal(r.results[1].checks?.[0].error?.code, 'WL_SCRIPT_TIMEOUT');
    assert.deepEqual(
      api.seen.map((s) => s.url),
      ['/probe', '/forever', '/after', '/isolated'],
    );
    assert.equal(r.results[2].checks?.[0].passed, true, JSON.stringify(r.results[2].checks));
    // After a timeout the next scripts run in a new context; one script's declarations and
    // overwrites do not reach the next.
    assert.deepEqual(
      r.results[3].checks?.map((c) => [c.name, c.passed, c.error?.message]),
      [['fresh scope and API', true, undefined]],
    );
  } finally {
    await api.close();
  }
});

test('a script that allocates without end fails with WL_SCRIPT_MEMORY', async () => {
  const api = await apiServer();
  try {
    const r = await runText(`GET {{host}}/m\n\n> {%\nconst a = [];\nwhile (true) a.push(new Array(100000).fill(1));\n%}\n`, api.host, { timeoutMs: 60000, memoryBytes: 1024 * 1024 });
    assert.equal(r.results[0].checks?.[0].error?.code, 'WL_SCRIPT_MEMORY');
  } finally {
    await api.close();
  }
});

test('> file.js handlers run from the file beside the .http file; an untrusted run skips scripts and says so', async () => {
  const api = await apiServer();
  try {
    const text = `GET {{host}}/f\n\n> handler.js\n\n###\nGET {{host}}/g\nX-Token: {{t}}\n`;
    const files = { 'handler.js': 'client.global.set("t", response.body.url);\nclient.test("from file", () => client.assert(false, "nope"));\n' };
    const r = await runText(text, api.host, { files });
    assert.equal(api.seen[1].headers['x-token'], '/f');
    assert.deepEqual(
      r.results[0].checks?.map((c) => [c.source.file, c.source.line, c.passed]),
      [['handler.js', 2, false]],
    );

    const before = api.seen.length;
    const u = await runText(`GET {{host}}/u\n\n> {% client.global.set("t", "x") %}\n?? status == 200\n?? js response.status == 200\n`, api.host, { files, allowScripts: false });
    assert.equal(api.seen.length, before + 1, 'the request itself is still sent');
    assert.deepEqual(
      u.results[0].checks?.map((c) => [c.kind, c.passed, c.error?.code]),
      [
        ['script', false, 'WL_SCRIPTS_UNTRUSTED'],
        ['assertion', true, undefined],
        ['assertion', false, 'WL_SCRIPTS_UNTRUSTED'],
      ],
    );
    assert.equal(u.failed, false, 'scripts not run in an untrusted workspace do not fail the run');
  } finally {
    await api.close();
  }
});

test('?? connection reused|new agrees with the client ports the server saw', async () => {
  const server = await startRecordingServer();
  try {
    const text = `GET {{host}}/a\n\n?? connection new\n?? protocol http/1.1\n?? timing connect < 5000\n\n###\nGET {{host}}/b\n\n?? connection reused\n?? timing connect < 1\n\n###\n# @connection new\nGET {{host}}/c\n\n?? connection reused\n`;
    const r = await runText(text, server.url);
    assert.equal(server.seen[0].remotePort, server.seen[1].remotePort);
    assert.notEqual(server.seen[1].remotePort, server.seen[2].remotePort);
    assert.deepEqual(
      r.results.map((x) => x.checks?.map((c) => c.passed)),
      [[true, true, true], [true, true], [false]],
    );
    assert.equal(r.results[2].checks?.[0].error?.message, `expected connection ${r.results[2].exchange?.connectionId} == reused, got "new"`);
  } finally {
    await server.close();
  }
});

test('?? protocol h2 and ?? tls TLSv1.3 read the TLS connection the request rode on', async () => {
  const server = await startH2Server();
  try {
    const r = await runText(`GET {{host}}/x\n\n?? protocol h2\n?? tls TLSv1.3\n?? tls TLSv1.2\n?? duration < 60000\n`, server.url, { mode: 'h2', insecure: true });
    assert.deepEqual(
      r.results[0].checks?.map((c) => c.passed),
      [true, true, false, true],
    );
    assert.equal(server.seen.length, 1);
  } finally {
    await server.close();
  }
});

test('?? js evaluates in the sandbox with response in scope', async () => {
  const api = await apiServer();
  try {
    const r = await runText(
      `POST {{host}}/login\n\n?? js response.parsedBody.user.roles.length == 2\n?? js response.body.user.id > 5\n?? js response.body.nope.x == 1\n?? body $.user.roles[0] == admin\n`,
      api.host,
    );
    const c = r.results[0].checks ?? [];
    assert.deepEqual(
      c.map((x) => x.passed),
      [true, true, false, true],
    );
    assert.equal(c[2].error?.code, 'WL_SCRIPT_ERROR');
  } finally {
    await api.close();
  }
});

test('parseAssertion reads every documented form and rejects the rest with a reason', () => {
  const ok = (t: string) => {
    const p = parseAssertion(t);
    assert.ok(p.ok, `${t}: ${p.ok ? '' : p.message}`);
    return p.assertion;
  };
  assert.deepEqual(ok('status == 200'), { subject: 'status', arg: undefined, op: '==', expected: '200' });
  assert.deepEqual(ok('header Content-Type includes json'), { subject: 'header', arg: 'Content-Type', op: 'includes', expected: 'json' });
  assert.deepEqual(ok('body $.a.b == "x y"'), { subject: 'body', arg: '$.a.b', op: '==', expected: 'x y' });
  assert.deepEqual(ok('connection reused'), { subject: 'connection', arg: undefined, op: '==', expected: 'reused' });
  assert.deepEqual(ok('timing connect < 50'), { subject: 'timing', arg: 'connect', op: '<', expected: '50' });
  assert.deepEqual(ok('js response.body.ok isTrue'), { subject: 'js', arg: 'response.body.ok', op: 'isTrue', expected: undefined });
  for (const bad of ['statuss == 200', 'status 200', 'connection maybe', 'timing later < 5', 'status ==', 'header exists x']) {
    assert.equal(parseAssertion(bad).ok, false, bad);
  }
  const f = parseHttpFile('GET http://x/\n\n?? status == 200\n?? nonsense\n');
  assert.deepEqual(
    f.diagnostics.map((d) => [d.code, d.range.start.line]),
    [['WL_ASSERTION_INVALID', 3]],
  );
});

test('a variable a script sets is no error before the run (editor, check); only the others are', () => {
  const text = `### login\nPOST http://127.0.0.1:1/login\n\n> {% client.global.set("token", response.body.token); %}\n\n### me\nGET http://127.0.0.1:1/me\nAuthorization: Bearer {{token}} {{other}}\n`;
  const f = parseHttpFile(text);
  const diags = variableDiagnostics(f, { filePath: '/tmp/x.http', readFile: () => undefined, processEnv: {}, named: new Map() });
  assert.deepEqual(
    diags.map((d) => d.message.split(' ').slice(0, 2).join(' ')),
    ['variable other'],
  );
});

test('> missing.js fails with WL_SCRIPT_FILE at its line; the ?? lines of the request are still checked', async () => {
  const api = await apiServer();
  try {
    const r = await runText(`GET {{host}}/x\n\n> ./missing.js\n?? status == 200\n`, api.host);
    assert.deepEqual(
      r.results[0].checks?.map((c) => [c.error?.code, c.source.line, c.passed]),
      [
        ['WL_SCRIPT_FILE', 3, false],
        [undefined, 4, true],
      ],
    );
  } finally {
    await api.close();
  }
});
