// Secrets never reach a recording: a real `wirelane run --har --html` against a server that
// sets cookies and echoes what it gets. The test greps the bytes of every file written for each
// credential — Authorization (Bearer, Basic as typed and as sent in Base64), Proxy-Authorization,
// Cookie (typed, and the one the jar sends back), Set-Cookie, and private-environment values in
// the URL (plain and percent-encoded), headers, body, the echoed response, a WebSocket frame and
// an error message. With --keep-secrets every one of them is there, so the grep can fail.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import net from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { cli } from './cliHarness';

const PRIVATE_KEY = 'pk_live-7Gq2#Zx!9&w';
const PRIVATE_PASS = 'hunter2-correct-horse';
const BEARER = 'bearer-tok-5d41402abc4b2a76';
const PROXY_AUTH = 'proxy-cred-0c8f2b';
const COOKIE = 'sid-typed-77a1c9e0';
const SET_COOKIE = 'srv-session-e3b0c442';

let dir = '';
let server: Server;
let wss: WebSocketServer;
let base = '';
let refusedPort = 0;
const sockets = new Set<Socket>();
/** What the server received, to prove the real values were sent. */
const got: string[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wl-secrets-'));
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      got.push(`${req.url} ${JSON.stringify(req.headers)} ${body}`);
      if (req.url?.startsWith('/login')) res.setHeader('Set-Cookie', [`session=${SET_COOKIE}; Path=/; HttpOnly`]);
      res.setHeader('Content-Type', 'application/json');
      // Echo the URL and body back: a private value in the response must be redacted as well.
      // `/mirror` also echoes the credential headers, as httpbin's /headers does.
      const mirror = req.url?.startsWith('/mirror') ? { auth: req.headers.authorization ?? null, cookie: req.headers.cookie ?? null } : {};
      res.end(JSON.stringify({ url: req.url, body, ...mirror }));
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => ws.on('message', (d) => ws.send(`echo ${d.toString()}`)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  refusedPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
});

after(async () => {
  for (const c of wss.clients) c.terminate();
  wss.close();
  for (const s of sockets) s.destroy();
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

function workspace(): string {
  const ws = mkdtempSync(join(dir, 'ws-'));
  writeFileSync(join(ws, 'http-client.env.json'), JSON.stringify({ dev: { host: base, user: 'ada' } }));
  writeFileSync(join(ws, 'http-client.private.env.json'), JSON.stringify({ dev: { apiKey: PRIVATE_KEY, password: PRIVATE_PASS } }));
  writeFileSync(
    join(ws, 'api.http'),
    `### login: sets a cookie the jar keeps
POST http://{{host}}/login?key={{apiKey}}
Authorization: Basic {{user}} {{password}}
Content-Type: application/json

{"user": "{{user}}", "password": "{{password}}"}

### me: the jar sends the cookie back, typed credentials too
GET http://{{host}}/me?k={{%apiKey}}
Authorization: Bearer ${BEARER}
Proxy-Authorization: Basic ${PROXY_AUTH}
Cookie: typed=${COOKIE}
X-Api-Key: {{apiKey}}

### socket
WEBSOCKET ws://{{host}}/chat
X-Api-Key: {{apiKey}}

key {{apiKey}}
=== wait-for-server

### refused: the URL with a private value lands in an error message
# @timeout 2000
GET http://127.0.0.1:${refusedPort}/down?key={{apiKey}}
`,
  );
  return ws;
}

/** Every form a value can take in a file: as is, percent-encoded, and the Basic credentials in Base64. */
function needles(): Array<[string, string]> {
  return [
    ['private value', PRIVATE_KEY],
    ['private value, percent-encoded', encodeURIComponent(PRIVATE_KEY)],
    ['private password', PRIVATE_PASS],
    ['Basic credentials in Base64', Buffer.from(`ada:${PRIVATE_PASS}`).toString('base64')],
    ['Authorization: Bearer', BEARER],
    ['Proxy-Authorization', PROXY_AUTH],
    ['Cookie typed in the file', COOKIE],
    ['Set-Cookie from the server (and the cookie the jar sent back)', SET_COOKIE],
  ];
}

function leaksIn(bytes: Buffer): string[] {
  return needles()
    .filter(([, value]) => bytes.indexOf(Buffer.from(value, 'utf8')) >= 0)
    .map(([name]) => name);
}

async function record(ws: string, extra: string[]): Promise<{ har: Buffer; html?: Buffer; out: string; code: number }> {
  const harPath = join(ws, 'rec.har');
  const htmlPath = join(ws, 'rec.html');
  const r = await cli(['run', join(ws, 'api.http'), '--env', 'dev', '--har', harPath, '--html', htmlPath, '--timeout', '5000', ...extra], 200);
  return { har: readFileSync(harPath), html: existsSync(htmlPath) ? readFileSync(htmlPath) : undefined, out: r.out + r.err, code: r.code };
}

test('a recording (HAR and HTML report) holds no credential header and no private value, in any form', async () => {
  got.length = 0;
  const ws = workspace();
  const r = await record(ws, []);
  assert.equal(r.code, 1, `the refused request fails the run: ${r.out}`);
  // The server did receive the real values: there was something to leak.
  const seen = got.join('\n');
  for (const v of [PRIVATE_KEY, BEARER, PROXY_AUTH, COOKIE, SET_COOKIE]) assert.ok(seen.includes(v), `the server never got ${v}`);
  const har = JSON.parse(r.har.toString('utf8'));
  assert.equal(har.log.entries.length, 4, 'every request is in the recording');
  assert.equal(har.log.entries[3]._wirelane.error.code, 'WL_CONNECT_REFUSED');
  assert.ok(har.log.entries[2]._webSocketMessages.length >= 2, 'the frames are recorded');
  const files: Array<[string, Buffer]> = [['HAR', r.har]];
  if (r.html) files.push(['HTML report', r.html]);
  for (const [what, bytes] of files) {
    assert.deepEqual(leaksIn(bytes), [], `found in the ${what}`);
    assert.ok(bytes.includes(Buffer.from('[redacted]')), `${what} says what it hid`);
  }
  const printed = needles().filter(([, v]) => r.out.includes(v));
  if (printed.length)
    console.log(
      `note: the terminal table shows ${printed.map(([n]) => n).join(', ')} (not a recording): ${r.out
        .split('\n')
        .find((l) => printed.some(([, v]) => l.includes(v)))
        ?.slice(0, 160)}`,
    );
});

test('opted out with --keep-secrets: every value is in the file (the grep above can fail)', async () => {
  const ws = workspace();
  const r = await record(ws, ['--keep-secrets']);
  for (const [name, value] of needles()) assert.notEqual(r.har.indexOf(Buffer.from(value, 'utf8')), -1, `${name} missing with --keep-secrets`);
});

test('a server that echoes the credential headers in its body (httpbin /headers): the echo is redacted too', async () => {
  const ws = mkdtempSync(join(dir, 'mirror-'));
  writeFileSync(join(ws, 'mirror.http'), `GET http://${base}/mirror\nAuthorization: Bearer ${BEARER}\nCookie: typed=${COOKIE}\n`);
  const harPath = join(ws, 'mirror.har');
  const r = await cli(['run', join(ws, 'mirror.http'), '--har', harPath], 200);
  assert.equal(r.code, 0, r.out + r.err);
  const bytes = readFileSync(harPath);
  assert.ok(bytes.includes(Buffer.from('[redacted]')), 'the headers themselves are redacted');
  assert.deepEqual(leaksIn(bytes), [], 'credential values repeated in the response body');
});

test("an exchange's credentials are scrubbed everywhere in its entry: URL, headers, bodies, WebSocket frames (toHar and the streaming writer)", async () => {
  const { RunRecorder } = await import('../../src/core/timeline/recorder');
  const { toHar } = await import('../../src/core/har/write');
  const { HarFileWriter } = await import('../../src/runner/harFile');
  const TOKEN = 'ws-bearer-9a8b7c6d';
  const JAR = 'jar-cookie-1f2e3d';
  const BASIC = Buffer.from('ann:pw-basic-4c5d').toString('base64');
  const SET = 'set-by-server-8e9f';
  const values = [TOKEN, JAR, BASIC, 'ann:pw-basic-4c5d', SET];
  const dirOut = mkdtempSync(join(dir, 'entry-'));
  const record = (keepSecrets: boolean) => {
    const rec = new RunRecorder({ mode: 'keep-alive' });
    const path = join(dirOut, `stream-${keepSecrets}.har`);
    const writer = new HarFileWriter({ path, throttleMs: 1, keepSecrets });
    writer.attach(rec);
    const t0 = 1_750_000_000_000;
    const timings = { blocked: -1, dns: -1, connect: -1, ssl: -1, send: 0, wait: 0, receive: 0 };
    const http = rec.startExchange({
      reused: false,
      startedAt: t0,
      endedAt: t0 + 1,
      timings,
      request: {
        method: 'POST',
        url: `http://127.0.0.1:9/x?jar=${JAR}`,
        httpVersion: 'HTTP/1.1',
        headers: [
          ['Authorization', `Basic ${BASIC}`],
          ['Cookie', `jar=${JAR}`],
        ],
        body: { size: 10, text: `{"echo":"${JAR}"}` },
      },
      response: {
        status: 200,
        statusText: 'OK',
        httpVersion: 'HTTP/1.1',
        headers: [['Set-Cookie', `s=${SET}; Path=/`]],
        body: { size: 10, text: `{"headers":{"Authorization":"Basic ${BASIC}","user":"ann:pw-basic-4c5d","set":"${SET}"}}` },
      },
    });
    rec.endExchange(http);
    const ws = rec.startExchange({
      reused: false,
      startedAt: t0 + 2,
      endedAt: t0 + 3,
      timings,
      request: { method: 'GET', url: `ws://127.0.0.1:9/chat?access_token=${TOKEN}`, httpVersion: 'HTTP/1.1', headers: [['Authorization', `Bearer ${TOKEN}`]] },
      response: { status: 101, statusText: 'Switching Protocols', httpVersion: 'HTTP/1.1', headers: [] },
    });
    const s = rec.startSession({ exchangeIndex: ws.index, url: 'ws://127.0.0.1:9/chat', openedAt: t0 + 3 });
    ws.sessionId = s.id;
    rec.endExchange(ws);
    rec.addFrame(s, { dir: 'receive', opcode: 1, time: t0 + 4, size: 40, data: `you sent Authorization: Bearer ${TOKEN}` });
    rec.endSession(s);
    const run = rec.finish();
    writer.close();
    return [JSON.stringify(toHar(run, { keepSecrets })), readFileSync(path, 'utf8')];
  };
  for (const text of record(false)) {
    assert.deepEqual(
      values.filter((v) => text.includes(v)),
      [],
      text.slice(0, 400),
    );
    assert.ok(text.includes('you sent Authorization: [redacted]'), 'the frame is kept, the credential replaced');
  }
  for (const text of record(true))
    assert.deepEqual(
      values.filter((v) => !text.includes(v)),
      [],
      'all there with keepSecrets',
    );
});
