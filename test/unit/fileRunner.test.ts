// runFile in the concurrent modes: independent requests overlap, chained ones wait for what they need.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createSecureServer } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { runFile } from '../../src/runner/fileRunner';
import { RunRecorder } from '../../src/core/timeline/recorder';
import { toHar } from '../../src/core/har/write';

const FILE = `
### login
# @name login
GET {{host}}/login

### me
# @name me
GET {{host}}/me?token={{login.response.body.$.token}}

###
GET {{host}}/a

###
GET {{host}}/b

###
GET {{host}}/c
`;

test('pipeline:4 sends independent requests together and a chained one only after the response it needs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wl-fr-'));
  const events: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    events.push(`in:${path}`);
    // login is slow, so a runner that waited for it before /a, /b, /c would be visible.
    setTimeout(
      () => {
        inFlight--;
        events.push(`out:${path}`);
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(path === '/login' ? { token: 'T1' } : { path, query: req.url }));
      },
      path === '/login' ? 60 : 5,
    );
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const file = join(dir, 'p.http');
    writeFileSync(file, FILE);
    const recorder = new RunRecorder({ mode: 'pipeline:4' });
    const res = await runFile({ file, mode: 'pipeline:4', recorder, extraEnv: { host: `http://127.0.0.1:${(server.address() as AddressInfo).port}` } });
    assert.equal(res.failed, false, JSON.stringify(res.results.map((r) => r.error)));
    assert.equal(res.run.exchanges.length, 5);
    assert.ok(events.indexOf('in:/me') > events.indexOf('out:/login'), `me was sent before login answered: ${events.join(' ')}`);
    assert.ok(events.indexOf('in:/a') < events.indexOf('out:/login'), `independent requests waited for login: ${events.join(' ')}`);
    assert.ok(maxInFlight > 1, 'nothing overlapped');
    const me = res.results.find((r) => r.name === 'me');
    assert.match(me?.body?.toString() ?? '', /token=T1/);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  }
});

test('h2: every request a stream on the one TLS connection the server saw', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wl-fr-h2-'));
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], { keyType: 'ec', algorithm: 'sha256' });
  const ports: number[] = [];
  const server = createSecureServer({ key: pems.private, cert: pems.cert }, (req, res) => {
    ports.push(req.stream.session?.socket.remotePort ?? -1);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(new URL(req.url, 'https://x').pathname === '/login' ? { token: 'T2' } : { ok: true }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const file = join(dir, 'h.http');
    writeFileSync(file, FILE);
    const recorder = new RunRecorder({ mode: 'h2' });
    const res = await runFile({ file, mode: 'h2', insecure: true, recorder, extraEnv: { host: `https://127.0.0.1:${(server.address() as AddressInfo).port}` } });
    assert.equal(res.failed, false, JSON.stringify(res.results.map((r) => r.error)));
    const har = toHar(res.run);
    assert.equal(ports.length, 5);
    assert.equal(new Set(ports).size, 1);
    assert.equal(new Set(har.log.entries.map((e) => e.connection)).size, 1);
    for (const e of har.log.entries) assert.equal(e._wirelane?.localPort, ports[0]);
    const streams = har.log.entries.map((e) => e._wirelane?.streamId);
    assert.equal(new Set(streams).size, 5, `stream ids ${streams.join(',')}`);
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
