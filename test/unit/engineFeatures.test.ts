// Redirects, cookies, decoding, bodies, auth, cancellation, big bodies, HTTP/1.0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpEngine, type EngineOptions } from '../../src/runner/http/engine';
import { RunRecorder } from '../../src/core/timeline/recorder';
import type { Run } from '../../src/core/timeline/model';
import { DIGEST_CREDENTIALS, startRecordingServer, type RecordingServer } from '../servers/recordingServer';
import { startRawServer } from '../servers/rawServer';
import { assertGroundTruth, request } from './engineHelpers';

async function session(body: (e: HttpEngine, s: RecordingServer) => Promise<void>, extra: Partial<EngineOptions> = {}): Promise<{ run: Run; server: RecordingServer }> {
  const server = await startRecordingServer();
  const recorder = new RunRecorder();
  const engine = new HttpEngine({ recorder, mode: 'keep-alive', ...extra });
  try {
    await body(engine, server);
  } finally {
    await engine.close();
    await server.close();
  }
  return { run: recorder.finish(), server };
}

test('redirects: each hop is an exchange on the reused connection; @no-redirect stops', async () => {
  const { run, server } = await session(async (e, s) => {
    const r = await e.send(request(`${s.url}/redirect?to=/redirect%3Fto%3D/final`));
    assert.equal(r.exchange.response?.status, 200);
    assert.equal(r.body?.toString(), 'ok /final');
    assert.equal(r.exchange.request.url, `${s.url}/final`);
    const n = await e.send(request(`${s.url}/redirect?to=/final`, { noRedirect: true }));
    assert.equal(n.exchange.response?.status, 302);
    assert.equal(n.exchange.response?.redirectURL, `${s.url}/final`);
    const post = await e.send(request(`${s.url}/redirect?to=/after-post&status=303`, { method: 'POST', body: { kind: 'bytes', data: Buffer.from('x') } }));
    assert.equal(post.exchange.request.method, 'GET');
  });
  assert.equal(run.exchanges.length, 6);
  assertGroundTruth(run, server.seen);
  assert.equal(run.connections.length, 1);
  assert.equal(server.seen[5].method, 'GET');
});

test('cookies: Set-Cookie is stored and sent back; @no-cookie-jar leaves it out', async () => {
  await session(async (e, s) => {
    await e.send(request(`${s.url}/set-cookie`));
    const r = await e.send(request(`${s.url}/echo-cookie`));
    assert.equal(r.body?.toString(), 'session=abc123; theme=dark');
    const off = await e.send(request(`${s.url}/echo-cookie`, { noCookieJar: true }));
    assert.equal(off.body?.toString(), '');
  });
});

test('gzip, br and deflate are decoded; encoded and decoded sizes both recorded', async () => {
  await session(async (e, s) => {
    for (const enc of ['gzip', 'br', 'deflate']) {
      const r = await e.send(request(`${s.url}/${enc}`));
      assert.equal(r.body?.toString(), 'hello '.repeat(1000), enc);
      const res = r.exchange.response!;
      assert.equal(res.body?.size, 6000);
      assert.ok((res.encodedSize ?? 0) > 0 && (res.encodedSize ?? 0) < 6000, `${enc} encoded ${res.encodedSize}`);
      assert.equal(res.body?.text?.length, 6000);
    }
    assert.match(String(s.seen[0].headers['accept-encoding']), /gzip/);
  });
});

test('bodies: bytes, a streamed file, and parts arrive intact', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wl-body-'));
  const file = join(dir, 'data.bin');
  const fileData = Buffer.alloc(300_000, 7);
  writeFileSync(file, fileData);
  try {
    await session(async (e, s) => {
      const a = await e.send(request(`${s.url}/echo`, { method: 'POST', headers: [['Content-Type', 'application/json']], body: { kind: 'bytes', data: Buffer.from('{"a":1}') } }));
      assert.equal(a.body?.toString(), '{"a":1}');
      assert.equal(a.exchange.request.body?.text, '{"a":1}');
      const b = await e.send(request(`${s.url}/echo`, { method: 'PUT', body: { kind: 'file', path: file } }));
      assert.ok(b.body?.equals(fileData));
      assert.equal(b.exchange.request.body?.file, file);
      assert.equal(s.seen[1].headers['content-length'], String(fileData.length));
      const c = await e.send(
        request(`${s.url}/echo`, {
          method: 'POST',
          headers: [['Content-Type', 'multipart/form-data; boundary=X']],
          body: {
            kind: 'parts',
            parts: [
              { kind: 'bytes', data: Buffer.from('--X\r\n\r\n') },
              { kind: 'file', path: file },
              { kind: 'bytes', data: Buffer.from('\r\n--X--\r\n') },
            ],
          },
        }),
      );
      assert.equal(c.body?.length, fileData.length + 7 + 9);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Digest auth (MD5 and SHA-256) answers the challenge; Basic passes through', async () => {
  const { run, server } = await session(async (e, s) => {
    const md5 = await e.send(request(`${s.url}/digest`, { digestAuth: { user: DIGEST_CREDENTIALS.user, password: DIGEST_CREDENTIALS.password } }));
    assert.equal(md5.exchange.response?.status, 200);
    assert.equal(md5.body?.toString(), 'digest ok');
    const sha = await e.send(request(`${s.url}/digest?alg=SHA-256`, { headers: [['Authorization', `Digest ${DIGEST_CREDENTIALS.user} ${DIGEST_CREDENTIALS.password}`]] }));
    assert.equal(sha.body?.toString(), 'digest ok');
    const wrong = await e.send(request(`${s.url}/digest`, { digestAuth: { user: 'alice', password: 'nope' } }));
    assert.equal(wrong.exchange.response?.status, 401);
    await e.send(request(`${s.url}/basic`, { headers: [['Authorization', 'Basic YWxpY2U6c2VjcmV0']] }));
  });
  assert.equal(run.exchanges.length, 7, 'challenge + answer are two exchanges each');
  assert.equal(server.seen[6].headers.authorization, 'Basic YWxpY2U6c2VjcmV0');
  assert.equal(server.seen[0].headers.authorization, undefined, 'no credentials before the challenge');
});

test('cancel: the caller’s signal and the run’s signal give WL_CANCELLED and close the connection as cancelled', async () => {
  const server = await startRawServer();
  const runAc = new AbortController();
  const recorder = new RunRecorder();
  const engine = new HttpEngine({ recorder, mode: 'keep-alive', signal: runAc.signal });
  try {
    const ac = new AbortController();
    const p = engine.send(request(`${server.url}/never`), { signal: ac.signal });
    await server.waitFor(1);
    ac.abort();
    const r = await p;
    assert.equal(r.exchange.error?.code, 'WL_CANCELLED');
    assert.equal(r.exchange.error?.phase, 'wait');
    const ok = await engine.send(request(`${server.url}/ok`));
    assert.equal(ok.exchange.response?.status, 200);
    const p2 = engine.send(request(`${server.url}/never`));
    await server.waitFor(3);
    runAc.abort();
    assert.equal((await p2).exchange.error?.code, 'WL_CANCELLED');
    assert.equal((await engine.send(request(`${server.url}/ok`))).exchange.error?.code, 'WL_CANCELLED', 'a cancelled run sends nothing more');
  } finally {
    await engine.close();
    await server.close();
  }
  const run = recorder.finish();
  assert.equal(run.connections[0].closeReason, 'cancelled');
  assert.equal(run.connections[0].localPort, server.seen[0].remotePort);
  assert.equal(run.connections.find((c) => c.id === run.exchanges[2].connectionId)?.closeReason, 'cancelled');
  assert.equal(server.seen.length, 3);
});

test('whole-run time limit (AbortSignal.timeout as the run signal) gives WL_TIMEOUT, not WL_CANCELLED', async () => {
  const server = await startRawServer();
  const recorder = new RunRecorder();
  const engine = new HttpEngine({ recorder, mode: 'keep-alive', signal: AbortSignal.timeout(300) });
  try {
    const ok = await engine.send(request(`${server.url}/ok`));
    assert.equal(ok.exchange.response?.status, 200);
    const r = await engine.send(request(`${server.url}/never`));
    assert.equal(r.exchange.error?.code, 'WL_TIMEOUT');
    assert.equal(r.exchange.error?.phase, 'wait');
    assert.match(r.exchange.error?.message ?? '', /run/);
  } finally {
    await engine.close();
    await server.close();
  }
  const run = recorder.finish();
  assert.equal(run.connections[0].closeReason, 'error');
  assert.match(run.connections[0].closeDetail ?? '', /WL_TIMEOUT/);
});

test('a body over the limit streams to a file with bounded memory (200 MB, 1 MB limit)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wl-big-'));
  try {
    let peak = 0;
    const before = process.memoryUsage();
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    await session(
      async (e, s) => {
        const r = await e.send(request(`${s.url}/big?mb=200`));
        assert.equal(r.exchange.error, undefined);
        assert.equal(r.body, undefined);
        assert.ok(r.bodyFile?.startsWith(dir));
        assert.equal(statSync(r.bodyFile!).size, 200 * 1024 * 1024);
        assert.equal(r.exchange.response?.body?.file, r.bodyFile);
        assert.equal(r.exchange.response?.body?.size, 200 * 1024 * 1024);
        const small = await e.send(request(`${s.url}/big?mb=0.5`));
        assert.equal(small.body?.length, 512 * 1024);
      },
      { bodyLimitBytes: 1024 * 1024, tempDir: dir },
    );
    clearInterval(timer);
    const grown = (peak - before.rss) / 1024 / 1024;
    assert.ok(grown < 120, `rss grew by ${grown.toFixed(0)} MB while receiving 200 MB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('HEAD keeps the connection (undici would close it by default)', async () => {
  const { run, server } = await session(async (e, s) => {
    await e.send(request(`${s.url}/a`, { method: 'HEAD' }));
    await e.send(request(`${s.url}/b`));
  });
  assertGroundTruth(run, server.seen);
  assert.equal(run.connections.length, 1);
});

test('HTTP/1.0 goes out as HTTP/1.0 on its own connection', async () => {
  const { run, server } = await session(async (e, s) => {
    const r = await e.send(request(`${s.url}/old`, { httpVersion: 'HTTP/1.0' }));
    assert.equal(r.exchange.error, undefined, JSON.stringify(r.exchange.error));
    assert.equal(r.body?.toString(), 'ok /old');
    await e.send(request(`${s.url}/new`));
  });
  assert.equal(server.seen[0].httpVersion, '1.0');
  assertGroundTruth(run, server.seen);
  assert.equal(run.connections[0].protocol, 'http/1.0');
  assert.notEqual(run.connections[0].closeReason, 'open');
  assert.equal(run.exchanges[0].request.httpVersion, 'HTTP/1.0');
});
