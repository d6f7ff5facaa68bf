// Proxies on real sockets: a small forward proxy (absolute-form GET and CONNECT) that records the
// client port of every proxied request and tunnel, and target servers that record their own.
// What the Connection says (localPort, proxy) must be what the proxy saw.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http, { type IncomingMessage, type Server } from 'node:http';
import https from 'node:https';
import net, { type AddressInfo, type Socket } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpEngine, type EngineOptions } from '../../src/runner/http/engine';
import { RunRecorder } from '../../src/core/timeline/recorder';
import type { Run } from '../../src/core/timeline/model';
import { toHar } from '../../src/core/har/write';
import { readHar } from '../../src/core/har/read';
import { bypassesProxy, parseProxy, proxyFromEnv } from '../../src/runner/http/proxy';
import { main } from '../../src/cli/main';
import { io } from '../../src/cli/io';
import type { Har } from '../../src/core/har/types';
import { selfSignedCert } from '../servers/certs';
import { openTunnel } from '../servers/connectTunnel';
import { request } from './engineHelpers';
import { buildModel } from '../../src/core/timeline/lanes';

interface ProxySeen {
  kind: 'forward' | 'connect';
  /** The client's port on the connection to the proxy. */
  port: number;
  target: string;
  auth?: string;
}

const USER = 'ada';
const PASS = 's3cret-proxy-pw';
const BASIC = `Basic ${Buffer.from(`${USER}:${PASS}`).toString('base64')}`;

let proxy: Server;
let proxyUrl = '';
let proxySeen: ProxySeen[] = [];
/** When set, the proxy answers 407 unless Proxy-Authorization is this. */
let requireAuth: string | undefined;
let target: Server;
let targetUrl = '';
let targetSeen: Array<{ port: number; path: string; host?: string; proxyAuth?: string }> = [];
let secure: https.Server;
let secureUrl = '';
let secureSeen: Array<{ port: number; path: string }> = [];
let ca = '';
const sockets = new Set<Socket>();
let dir = '';

function track(s: Socket): void {
  sockets.add(s);
  s.once('close', () => sockets.delete(s));
}

function listen(s: net.Server): Promise<number> {
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)));
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wl-proxy-'));
  target = http.createServer((req, res) => {
    targetSeen.push({ port: req.socket.remotePort!, path: req.url!, host: req.headers.host, proxyAuth: req.headers['proxy-authorization'] });
    res.setHeader('Content-Type', 'text/plain');
    res.end(`target ${req.url}`);
  });
  target.on('connection', track);
  targetUrl = `http://127.0.0.1:${await listen(target)}`;

  const cert = await selfSignedCert();
  ca = cert.cert;
  secure = https.createServer({ key: cert.key, cert: cert.cert }, (req, res) => {
    secureSeen.push({ port: req.socket.remotePort!, path: req.url! });
    res.end(`secure ${req.url}`);
  });
  secure.on('connection', track);
  secureUrl = `https://127.0.0.1:${await listen(secure)}`;

  // The proxy forwards with an agent of its own that keeps no sockets: what it saw from us is all that matters.
  const upstream = new http.Agent({ keepAlive: false });
  proxy = http.createServer((req: IncomingMessage, res) => {
    const auth = req.headers['proxy-authorization'];
    proxySeen.push({ kind: 'forward', port: req.socket.remotePort!, target: req.url!, auth });
    if (requireAuth && auth !== requireAuth) {
      res.writeHead(407, { 'Proxy-Authenticate': 'Basic realm="test"' }).end();
      return;
    }
    const url = new URL(req.url!);
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const out = http.request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method: req.method, headers, agent: upstream }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    out.on('error', () => res.writeHead(502).end());
    req.pipe(out);
  });
  proxy.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const auth = req.headers['proxy-authorization'];
    proxySeen.push({ kind: 'connect', port: client.remotePort!, target: req.url!, auth });
    if (requireAuth && auth !== requireAuth) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    openTunnel(req.url!, client, head, track);
  });
  proxy.on('connection', track);
  proxyUrl = `http://127.0.0.1:${await listen(proxy)}`;
});

after(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all([proxy, target, secure].map((s) => new Promise((r) => s.close(r))));
  rmSync(dir, { recursive: true, force: true });
});

function reset(): void {
  proxySeen = [];
  targetSeen = [];
  secureSeen = [];
  requireAuth = undefined;
}

async function withEngine(extra: Partial<EngineOptions>, body: (e: HttpEngine) => Promise<void>): Promise<Run> {
  reset();
  const recorder = new RunRecorder();
  const engine = new HttpEngine({ recorder, mode: 'keep-alive', ...extra });
  try {
    await body(engine);
  } finally {
    await engine.close();
  }
  return recorder.finish();
}

function withCredentials(url: string): string {
  return url.replace('http://', `http://${USER}:${PASS}@`);
}

test('http:// through the proxy: absolute form, one keep-alive connection to the proxy, its port is what the proxy saw', async () => {
  requireAuth = BASIC;
  const run = await withEngine({ proxy: { url: withCredentials(proxyUrl) } }, async (e) => {
    requireAuth = BASIC;
    for (const p of ['/a', '/b?x=1', '/c']) {
      const r = await e.send(request(`${targetUrl}${p}`, { headers: [['Authorization', 'Bearer user-token']] }));
      assert.equal(r.exchange.error, undefined, JSON.stringify(r.exchange.error));
      assert.equal(r.body?.toString(), `target ${p}`);
    }
  });
  assert.deepEqual(
    proxySeen.map((s) => [s.kind, s.target, s.auth]),
    [
      ['forward', `${targetUrl}/a`, BASIC],
      ['forward', `${targetUrl}/b?x=1`, BASIC],
      ['forward', `${targetUrl}/c`, BASIC],
    ],
  );
  assert.equal(run.connections.length, 1);
  const c = run.connections[0];
  assert.equal(c.proxy, proxyUrl);
  assert.equal(c.origin, proxyUrl, 'the connection is to the proxy');
  assert.match(c.openDetail ?? '', new RegExp(`via proxy ${proxyUrl.replace(/[.]/g, '\\.')}`));
  for (const [i, ex] of run.exchanges.entries()) {
    assert.equal(ex.connectionId, c.id);
    assert.equal(ex.reused, i > 0);
    assert.equal(c.localPort, proxySeen[i].port, `exchange ${i}: the proxy saw our port`);
    assert.equal(ex.request.url, `${targetUrl}${['/a', '/b?x=1', '/c'][i]}`);
    assert.ok(!ex.request.headers.some(([k]) => k.toLowerCase() === 'proxy-authorization'), 'the proxy credentials are not part of the recorded request');
  }
  // The target got the request with its own Host, without the proxy's credentials.
  assert.deepEqual(
    targetSeen.map((s) => [s.path, s.host, s.proxyAuth]),
    [
      ['/a', targetUrl.slice(7), undefined],
      ['/b?x=1', targetUrl.slice(7), undefined],
      ['/c', targetUrl.slice(7), undefined],
    ],
  );

  // Written with --keep-secrets (nothing redacted): the proxy credentials are still nowhere.
  const file = join(dir, 'proxy.har');
  writeFileSync(file, JSON.stringify(toHar(run, { keepSecrets: true })));
  const text = readFileSync(file, 'utf8');
  assert.ok(!text.includes(PASS) && !text.includes(BASIC.slice(6)) && !text.includes(`${USER}:`), 'no proxy credentials in the HAR');
  assert.ok(text.includes('Bearer user-token'), 'the request’s own header is kept with --keep-secrets (the grep above can fail)');
  const har = JSON.parse(text) as Har;
  assert.equal(har.log._wirelane?.connections[0].proxy, proxyUrl);
  const back = readHar(har);
  assert.equal(back.run.connections[0].proxy, proxyUrl);
  // The timeline's lane says it in words.
  const lane = buildModel(har).lanes.find((l) => l.connectionId === c.id)!;
  assert.match(lane.label1, new RegExp(`via proxy ${proxyUrl.replace(/[.]/g, '\\.')}$`));
  assert.match(lane.aria, /via proxy/);
});

test('https:// through a CONNECT tunnel: the tunnel’s TCP port is what the proxy saw; TLS to the server inside it', async () => {
  const run = await withEngine({ proxy: { url: withCredentials(proxyUrl) }, ca }, async (e) => {
    requireAuth = BASIC;
    for (const p of ['/s1', '/s2']) {
      const r = await e.send(request(`${secureUrl}${p}`));
      assert.equal(r.exchange.error, undefined, JSON.stringify(r.exchange.error));
      assert.equal(r.body?.toString(), `secure ${p}`);
    }
  });
  assert.deepEqual(
    proxySeen.map((s) => [s.kind, s.target, s.auth]),
    [['connect', secureUrl.slice(8), BASIC]],
  );
  assert.equal(run.connections.length, 1);
  const c = run.connections[0];
  assert.equal(c.localPort, proxySeen[0].port);
  assert.equal(c.proxy, proxyUrl);
  assert.equal(c.origin, secureUrl);
  assert.ok(c.tls?.version?.startsWith('TLSv1'), 'TLS to the server inside the tunnel');
  assert.equal(c.tls?.authorized, true);
  assert.match(c.openDetail ?? '', /via proxy .*CONNECT/);
  assert.deepEqual(
    run.exchanges.map((x) => [x.connectionId, x.reused]),
    [
      [c.id, false],
      [c.id, true],
    ],
  );
  // Both requests reached the server on the one socket the proxy opened for the tunnel.
  assert.equal(secureSeen.length, 2);
  assert.equal(secureSeen[0].port, secureSeen[1].port);
  const text = JSON.stringify(toHar(run, { keepSecrets: true }));
  assert.ok(!text.includes(PASS) && !text.includes(BASIC.slice(6)));
});

test('a refused tunnel is WL_PROXY on a failed connection; a refused forward request is the proxy’s 407', async () => {
  const run = await withEngine({ proxy: { url: proxyUrl }, ca }, async (e) => {
    requireAuth = BASIC;
    const r = await e.send(request(`${secureUrl}/x`));
    assert.equal(r.exchange.error?.code, 'WL_PROXY');
    assert.equal(r.exchange.error?.phase, 'connect');
    assert.match(r.exchange.error?.message ?? '', /407/);
    const f = await e.send(request(`${targetUrl}/y`));
    assert.equal(f.exchange.response?.status, 407);
  });
  assert.equal(secureSeen.length + targetSeen.length, 0, 'nothing reached the servers');
  const tunnel = run.connections.find((c) => c.id === run.exchanges[0].connectionId)!;
  assert.equal(tunnel.closeReason, 'error');
  assert.equal(tunnel.localPort, proxySeen[0].port);
});

test('a proxy that is not listening: WL_CONNECT_REFUSED that names the proxy, for http:// and https://', async () => {
  // A port that was just free: nothing listens there.
  const probe = net.createServer();
  const port = await listen(probe);
  await new Promise((r) => probe.close(r));
  const dead = `http://127.0.0.1:${port}`;
  const run = await withEngine({ proxy: { url: dead }, ca }, async (e) => {
    for (const u of [`${targetUrl}/x`, `${secureUrl}/y`]) {
      const r = await e.send(request(u));
      assert.equal(r.exchange.error?.code, 'WL_CONNECT_REFUSED', u);
      assert.match(r.exchange.error?.message ?? '', new RegExp(`connecting to the proxy ${dead.replace(/[.]/g, '\\.')}$`));
    }
  });
  assert.equal(targetSeen.length + secureSeen.length, 0);
  assert.ok(run.connections.every((c) => c.proxy === dead && c.closeReason === 'error'));
});

test('HTTP/1.0 requests go through the proxy too: absolute form for http://, a tunnel for https://', async () => {
  const run = await withEngine({ proxy: { url: withCredentials(proxyUrl) }, ca }, async (e) => {
    requireAuth = BASIC;
    const r = await e.send(request(`${targetUrl}/old`, { httpVersion: 'HTTP/1.0' }));
    assert.equal(r.exchange.error, undefined, JSON.stringify(r.exchange.error));
    assert.equal(r.body?.toString(), 'target /old');
    // HTTP/1.0's own socket path takes no extra CA: trust this self-signed server per request.
    const t = await e.send(request(`${secureUrl}/old-tls`, { httpVersion: 'HTTP/1.0', insecure: true }));
    assert.equal(t.exchange.error, undefined, JSON.stringify(t.exchange.error));
    assert.equal(t.body?.toString(), 'secure /old-tls');
  });
  assert.deepEqual(
    proxySeen.map((s) => [s.kind, s.target, s.auth]),
    [
      ['forward', `${targetUrl}/old`, BASIC],
      ['connect', secureUrl.slice(8), BASIC],
    ],
  );
  assert.equal(run.connections.length, 2);
  for (const [i, c] of run.connections.entries()) {
    assert.equal(c.protocol, 'http/1.0');
    assert.equal(c.proxy, proxyUrl);
    assert.equal(c.localPort, proxySeen[i].port);
    assert.match(c.openDetail ?? '', /via proxy/);
  }
  assert.notEqual(run.connections[1].secureAt, undefined, 'TLS inside the tunnel');
  const text = JSON.stringify(toHar(run, { keepSecrets: true }));
  assert.ok(!text.includes(PASS) && !text.includes(BASIC.slice(6)), 'no proxy credentials in the HAR');
});

test('NO_PROXY hosts go direct: the target saw our port, the proxy saw nothing', async () => {
  const run = await withEngine({ proxy: { url: proxyUrl, noProxy: ['example.org', '127.0.0.1'] } }, async (e) => {
    const r = await e.send(request(`${targetUrl}/direct`));
    assert.equal(r.exchange.error, undefined);
  });
  assert.equal(proxySeen.length, 0);
  assert.equal(targetSeen.length, 1);
  assert.equal(run.connections[0].localPort, targetSeen[0].port);
  assert.equal(run.connections[0].proxy, undefined);
  assert.doesNotMatch(run.connections[0].openDetail ?? '', /proxy/);
});

test('NO_PROXY matching and the environment', () => {
  const plan = parseProxy({ url: 'http://u:p@proxy.test:3128', noProxy: ['.corp.test', 'example.com', 'localhost', 'api.test:8443', '[::1]'] });
  assert.equal(plan.origin, 'http://proxy.test:3128');
  assert.equal(plan.authorization, `Basic ${Buffer.from('u:p').toString('base64')}`);
  const by = (u: string) => bypassesProxy(plan, new URL(u));
  assert.equal(by('http://a.corp.test/'), true);
  assert.equal(by('http://corp.test/'), false, '.corp.test is only for subdomains');
  assert.equal(by('https://example.com/'), true);
  assert.equal(by('https://www.example.com/'), true);
  assert.equal(by('https://notexample.com/'), false);
  assert.equal(by('http://localhost:8080/'), true);
  assert.equal(by('http://127.0.0.1:8080/'), false, '127.0.0.1 only when written');
  assert.equal(by('https://api.test:8443/'), true);
  assert.equal(by('https://api.test/'), false, 'the port must match');
  assert.equal(by('http://[::1]:9/'), true);
  assert.equal(bypassesProxy(parseProxy({ url: 'p:1', noProxy: ['*'] }), new URL('http://x.y/')), true);
  assert.equal(parseProxy({ url: '127.0.0.1:3128' }).origin, 'http://127.0.0.1:3128');
  assert.throws(() => parseProxy({ url: 'socks5://127.0.0.1:1080' }), { code: 'WL_PROXY' });
  assert.deepEqual(proxyFromEnv({ HTTP_PROXY: 'http://h:1', NO_PROXY: 'localhost, .corp' }), { url: 'http://h:1', noProxy: ['localhost', '.corp'] });
  assert.equal(proxyFromEnv({ https_proxy: 'http://s:2', HTTP_PROXY: 'http://h:1' })?.url, 'http://s:2');
  assert.equal(proxyFromEnv({}), undefined);
});

test('wirelane run --proxy: the HAR names the proxy on its connection and holds no proxy credentials', async () => {
  reset();
  const file = join(dir, 'p.http');
  writeFileSync(file, `GET ${targetUrl}/one\n\n###\nGET ${targetUrl}/two\n`);
  const harPath = join(dir, 'run.har');
  const saved = io.out;
  const out: string[] = [];
  io.out = { write: (t: string) => void out.push(t), isTTY: false, columns: 160 };
  // NO_PROXY from the environment applies to --proxy too (as in curl); CI sets it for loopback,
  // so this test runs without it.
  const noProxy = { NO_PROXY: process.env.NO_PROXY, no_proxy: process.env.no_proxy };
  delete process.env.NO_PROXY;
  delete process.env.no_proxy;
  let code: number;
  try {
    code = await main(['run', file, '--proxy', withCredentials(proxyUrl), '--har', harPath, '--keep-secrets']);
  } finally {
    io.out = saved;
    for (const [k, v] of Object.entries(noProxy)) if (v !== undefined) process.env[k] = v;
  }
  assert.equal(code, 0, out.join(''));
  assert.equal(proxySeen.length, 2);
  const text = readFileSync(harPath, 'utf8');
  assert.ok(!text.includes(PASS) && !text.includes(BASIC.slice(6)));
  const har = JSON.parse(text) as Har;
  const conns = har.log._wirelane!.connections;
  assert.equal(conns.length, 1);
  assert.equal(conns[0].proxy, proxyUrl);
  assert.equal(conns[0].localPort, proxySeen[0].port);
  assert.equal(conns[0].localPort, proxySeen[1].port);
});
