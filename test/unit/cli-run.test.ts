// `wirelane run` end to end through main(): real servers on 127.0.0.1:0 that record the client
// port of every request; the HAR must name the same sockets, for every entry, in every mode.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import type { Har, HarEntry } from '../../src/core/har/types';
import { cli } from './cliHarness';

interface Seen {
  path: string;
  port: number;
}

let server: Server;
let wss: WebSocketServer;
let base = '';
let wsBase = '';
let seen: Seen[] = [];
let seenWs: number[] = [];
let wsMessages: string[] = [];
let seenAuth: string[] = [];
/** Resolves when the server's /slow request ends: true when the client went away before the answer. */
let slowClosedEarly: (early: boolean) => void = () => undefined;
const sockets = new Set<Socket>();
let dir = '';

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wl-cli-'));
  server = createServer(async (req, res) => {
    seen.push({ path: req.url ?? '', port: req.socket.remotePort ?? 0 });
    seenAuth.push(String(req.headers.authorization ?? ''));
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (status: number, obj: unknown, headers: Record<string, string> = {}) => {
      const text = JSON.stringify(obj);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
      res.end(text);
    };
    if (url.pathname === '/login') return send(200, { token: 'tkn-123' });
    if (url.pathname === '/slow') {
      const t = setTimeout(() => send(200, { slow: true }), 5000);
      res.on('close', () => {
        clearTimeout(t);
        slowClosedEarly(!res.writableFinished);
      });
      return;
    }
    if (url.pathname === '/me') return send(req.headers.authorization === 'Bearer tkn-123' ? 200 : 401, { me: true });
    if (url.pathname === '/close') return send(200, { closing: true }, { connection: 'close' });
    if (url.pathname === '/echo') return send(200, { body, query: url.search, key: req.headers['x-api-key'] ?? '' }, { 'set-cookie': 'sid=server-cookie-value; HttpOnly' });
    return send(200, { path: url.pathname });
  });
  server.keepAliveTimeout = 10_000;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  wss = new WebSocketServer({ server });
  wss.on('connection', (ws, req) => {
    seenWs.push(req.socket.remotePort ?? 0);
    ws.on('message', (m) => {
      wsMessages.push(m.toString());
      ws.send(`echo:${m.toString()}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
  wsBase = `ws://127.0.0.1:${port}`;
});

after(async () => {
  for (const c of wss.clients) c.terminate();
  wss.close();
  for (const s of sockets) s.destroy();
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

function reset() {
  seen = [];
  seenWs = [];
  wsMessages = [];
  seenAuth = [];
}

const MIXED = `
### login
# @name login
POST {{host}}/login
Content-Type: application/json

{"user": "ada"}

### me: chained on login's token
# @name me
GET {{host}}/me
Authorization: Bearer {{login.response.body.$.token}}

### a
GET {{host}}/a

### the server closes after this one
GET {{host}}/close

### b
GET {{host}}/b

### c
GET {{host}}/c

### chat
# @name chat
WEBSOCKET {{ws}}/chat

hello
=== wait-for-server
second
=== wait-for-server
`;

function writeFile(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** Every HTTP entry's local port is the port the server saw, and entries share a connection exactly when the server saw one socket. */
function assertGroundTruth(har: Har): HarEntry[] {
  const http = har.log.entries.filter((e) => e.response.status !== 101);
  assert.equal(http.length, seen.length, 'one HAR entry per request the server saw');
  http.forEach((e, i) => {
    assert.equal(e._wirelane?.localPort, seen[i].port, `entry ${i} (${e.request.url}) names local port ${e._wirelane?.localPort}, the server saw ${seen[i].port}`);
    assert.ok(e.connection, `entry ${i} has no connection`);
  });
  for (let i = 0; i < http.length; i++) {
    for (let j = i + 1; j < http.length; j++) {
      assert.equal(http[i].connection === http[j].connection, seen[i].port === seen[j].port, `entries ${i} and ${j}: same connection in HAR must mean same socket on the server`);
    }
  }
  const conns = new Map((har.log._wirelane?.connections ?? []).map((c) => [c.id, c]));
  for (const e of har.log.entries) assert.equal(conns.get(e.connection!)?.localPort, e._wirelane?.localPort, 'log._wirelane.connections agrees with the entry');
  return http;
}

test("run (keep-alive): table, chaining, WebSocket frames, and a HAR whose connections are the server's sockets", async () => {
  reset();
  const file = writeFile('mixed.http', MIXED);
  const harPath = join(dir, 'keep.har');
  const r = await cli(['run', file, '--var', `host=${base}`, '--var', `ws=${wsBase}`, '--har', harPath]);
  assert.equal(r.code, 0, r.out + r.err);
  const har = JSON.parse(readFileSync(harPath, 'utf8')) as Har;
  const http = assertGroundTruth(har);
  // Chaining: the second request carried the token from the first response.
  assert.equal(seenAuth[1], 'Bearer tkn-123');
  assert.equal(http[1].response.status, 200);
  // Keep-alive: login, me, a, close ride one socket; the server's Connection: close forces a new one for b.
  assert.equal(new Set(seen.slice(0, 4).map((s) => s.port)).size, 1);
  assert.notEqual(seen[4].port, seen[3].port);
  assert.equal(http[4]._wirelane?.reused, false);
  assert.equal(http[1]._wirelane?.reused, true);
  const c2 = har.log._wirelane?.connections.find((c) => c.id === http[4].connection);
  assert.equal(c2?.openReason, 'server-closed');
  const c1 = har.log._wirelane?.connections.find((c) => c.id === http[0].connection);
  assert.equal(c1?.closeReason, 'server-connection-close');
  // The 101 entry: its local port is the socket the ws server saw; frames in order.
  const ws = har.log.entries.find((e) => e.response.status === 101)!;
  assert.equal(ws._wirelane?.localPort, seenWs[0]);
  assert.deepEqual(wsMessages, ['hello', 'second']);
  const frames = (ws._webSocketMessages ?? []).filter((m) => m.opcode === 1).map((m) => `${m.type}:${m.data}`);
  assert.deepEqual(frames, ['send:hello', 'receive:echo:hello', 'send:second', 'receive:echo:second']);
  // The table a person reads.
  assert.match(r.out, /#\s+name\s+method\s+url\s+status\s+conn\s+reuse\s+ms/);
  assert.match(r.out, /login\s+POST\s+\S+\/login\s+200\s+c1\s+new/);
  assert.match(r.out, /me\s+GET\s+\S+\/me\s+200\s+c1\s+reused/);
  assert.match(r.out, /→ text\s+hello/);
  assert.match(r.out, /7 exchanges on 3 connections, 4 handshakes saved by reuse, 1 WebSocket session/);
  assert.ok(!r.out.includes('\u001b['), 'no colour when stdout is not a terminal');
});

test('run (close mode): a new socket per request, each one the server saw', async () => {
  reset();
  const file = writeFile('mixed-close.http', MIXED);
  const harPath = join(dir, 'close.har');
  const r = await cli(['run', file, '--mode', 'close', '--var', `host=${base}`, '--var', `ws=${wsBase}`, '--har', harPath, '--json']);
  assert.equal(r.code, 0, r.out + r.err);
  const har = JSON.parse(readFileSync(harPath, 'utf8')) as Har;
  const http = assertGroundTruth(har);
  assert.equal(new Set(http.map((e) => e.connection)).size, http.length);
  assert.ok(http.every((e) => e._wirelane?.reused === false));
  const json = JSON.parse(r.out) as { mode: string; exchanges: Array<{ connection: string; reused: boolean; status: number }> };
  assert.equal(json.mode, 'close');
  assert.equal(json.exchanges.length, 7);
  assert.deepEqual(
    json.exchanges.map((x) => x.connection),
    har.log.entries.map((e) => e.connection),
  );
});

test('run: a failed request is a row with its error, the run goes on, exit 1', async () => {
  reset();
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const deadPort = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const file = writeFile('fail.http', `GET http://127.0.0.1:${deadPort}/nobody\n\n###\nWEBSOCKET ws://127.0.0.1:${deadPort}/ws\n\n###\nGET {{host}}/after\n`);
  const harPath = join(dir, 'fail.har');
  const r = await cli(['run', file, '--var', `host=${base}`, '--har', harPath]);
  assert.equal(r.code, 1, r.out + r.err);
  assert.match(r.out, /WL_CONNECT_REFUSED/);
  assert.deepEqual(
    seen.map((s) => s.path),
    ['/after'],
  );
  const har = JSON.parse(readFileSync(harPath, 'utf8')) as Har;
  assert.equal(har.log.entries.length, 3);
  assert.equal(har.log.entries[0]._wirelane?.error?.code, 'WL_CONNECT_REFUSED');
  assert.equal(har.log.entries[1]._wirelane?.error?.code, 'WL_CONNECT_REFUSED');
  assert.equal(har.log.entries[2].response.status, 200);
  assert.equal((r.out.match(/WL_CONNECT_REFUSED/g) ?? []).length >= 2, true, r.out);
});

test('run: exit 2 for a parse error (the other requests still run) and for bad usage; never a stack trace', async () => {
  reset();
  const file = writeFile('bad.http', `GET {{host}}/ok\n\n###\nGET {{host}}/x\nHost localhost\n`);
  const r = await cli(['run', file, '--var', `host=${base}`]);
  assert.equal(r.code, 2, r.out + r.err);
  assert.match(r.out, /skipped .*WL_PARSE_HEADER_NAME.*bad\.http:5/);
  assert.deepEqual(
    seen.map((s) => s.path),
    ['/ok'],
  );
  for (const args of [
    ['run'],
    ['run', join(dir, 'missing.http')],
    ['run', file, '--mode', 'fast'],
    ['run', file, '--bogus'],
    ['run', file, '--timeout', 'soon'],
    ['run', file, '--har', join(file, 'not-a-dir', 'x.har')],
    ['compare', file, '--modes', 'close,turbo'],
  ]) {
    const u = await cli(args);
    assert.equal(u.code, 2, `${args.join(' ')} → ${u.code} ${u.err}`);
    assert.ok(!/\n\s+at /.test(u.err), 'no stack trace');
  }
  const named = await cli(['run', file, '--var', `host=${base}`, '--name', 'nope']);
  assert.equal(named.code, 2);
  assert.match(named.err, /no request named 'nope'/);
});

test('run: secrets from the private environment and credential headers never reach the HAR unless --keep-secrets', async () => {
  reset();
  const sub = mkdtempSync(join(dir, 'env-'));
  const secret = 'pv-secret-4711-xyz';
  writeFileSync(join(sub, 'http-client.env.json'), JSON.stringify({ dev: { host: base } }));
  writeFileSync(join(sub, 'http-client.private.env.json'), JSON.stringify({ dev: { apiKey: secret } }));
  const file = join(sub, 'secret.http');
  writeFileSync(
    file,
    `POST {{host}}/echo?key={{apiKey}}\nX-Api-Key: {{apiKey}}\nAuthorization: Bearer plain-auth-token\nCookie: session=cookie-value-1\nContent-Type: application/json\n\n{"apiKey": "{{apiKey}}"}\n`,
  );
  const redactedPath = join(sub, 'redacted.har');
  const r = await cli(['run', file, '--env', 'dev', '--har', redactedPath]);
  assert.equal(r.code, 0, r.out + r.err);
  const text = readFileSync(redactedPath, 'utf8');
  for (const s of [secret, 'plain-auth-token', 'cookie-value-1', 'server-cookie-value']) assert.ok(!text.includes(s), `${s} is in the HAR`);
  assert.ok(text.includes('[redacted]'));
  // The server did get the real values.
  assert.equal(seenAuth[0], 'Bearer plain-auth-token');
  const keptPath = join(sub, 'kept.har');
  const k = await cli(['run', file, '--env', 'dev', '--har', keptPath, '--keep-secrets']);
  assert.equal(k.code, 0);
  const kept = readFileSync(keptPath, 'utf8');
  for (const s of [secret, 'plain-auth-token', 'cookie-value-1']) assert.ok(kept.includes(s), `${s} missing with --keep-secrets`);
});

test('compare: the same requests per mode, fresh connections each, ids prefixed by mode', async () => {
  reset();
  const file = writeFile('cmp.http', `GET {{host}}/1\n\n###\nGET {{host}}/2\n\n###\nGET {{host}}/3\n`);
  const harPath = join(dir, 'cmp.har');
  const r = await cli(['compare', file, '--modes', 'close,keep-alive', '--var', `host=${base}`, '--json', '--har', harPath]);
  assert.equal(r.code, 0, r.out + r.err);
  const json = JSON.parse(r.out) as { modes: Array<{ mode: string; connections: number; exchanges: number; reused: number }> };
  assert.deepEqual(
    json.modes.map((m) => [m.mode, m.exchanges, m.connections, m.reused]),
    [
      ['close', 3, 3, 0],
      ['keep-alive', 3, 1, 2],
    ],
  );
  assert.equal(new Set(seen.map((s) => s.port)).size, 4, 'the server saw 3 + 1 sockets');
  const har = JSON.parse(readFileSync(harPath, 'utf8')) as Har;
  assert.deepEqual(
    har.log.entries.map((e) => e.connection),
    ['close/c1', 'close/c2', 'close/c3', 'keep-alive/c1', 'keep-alive/c1', 'keep-alive/c1'],
  );
  har.log.entries.forEach((e, i) => assert.equal(e._wirelane?.localPort, seen[i].port));
  const text = await cli(['compare', file, '--modes', 'close,keep-alive', '--var', `host=${base}`]);
  assert.match(text.out, /connections opened\s+3\s+1/);
});

test('demo: starts its servers, runs examples/demo.http and compare, writes demo.har', async () => {
  const out = join(dir, 'demo-out');
  const r = await cli(['demo', '--out', out]);
  assert.equal(r.code, 0, r.out + r.err);
  const har = JSON.parse(readFileSync(join(out, 'demo.har'), 'utf8')) as Har;
  assert.ok(har.log.entries.length >= 10);
  assert.ok(har.log.entries.some((e) => e.response.status === 101 && (e._webSocketMessages?.length ?? 0) > 0));
  const m = /server-side check: (\d+) of (\d+) exchanges/.exec(r.out);
  assert.ok(m && m[1] === m[2], `ground truth: ${m?.[0]}`);
  assert.match(r.out, /close\s+keep-alive\s+pipeline:4\s+h2/);
  const cmp = JSON.parse(readFileSync(join(out, 'compare.har'), 'utf8')) as Har;
  assert.ok(cmp.log._wirelane?.runs?.length === 4);
});

test('run: a `# @keep-open` session stays open for --duration, then closes with 1000', async () => {
  reset();
  const file = writeFile('keep.http', `# @keep-open\nWEBSOCKET {{ws}}/live\n\nping-me\n=== wait-for-server\n`);
  const harPath = join(dir, 'keep-open.har');
  const t = Date.now();
  const r = await cli(['run', file, '--var', `ws=${wsBase}`, '--duration', '150', '--har', harPath]);
  assert.equal(r.code, 0, r.out + r.err);
  assert.ok(Date.now() - t >= 150, 'closed before --duration');
  const ws = (JSON.parse(readFileSync(harPath, 'utf8')) as Har).log.entries[0];
  assert.equal(ws._wirelane?.websocket?.closeCode, 1000);
  assert.equal(ws._wirelane?.localPort, seenWs[0]);
});

test('run: --run-timeout cancels what is in flight and sends nothing more', async () => {
  reset();
  const file = writeFile('slow.http', `GET {{host}}/slow\n\n###\nGET {{host}}/a\n\n###\nGET {{host}}/b\n`);
  const closed = new Promise<boolean>((resolve) => (slowClosedEarly = resolve));
  const r = await cli(['run', file, '--var', `host=${base}`, '--run-timeout', '150']);
  assert.equal(r.code, 1, r.out + r.err);
  // The server saw the client give up on /slow (its answer comes only after 5 s).
  assert.equal(await closed, true);
  assert.deepEqual(
    seen.map((s) => s.path),
    ['/slow'],
  );
  assert.match(r.out, /not sent 2 requests/);
});
