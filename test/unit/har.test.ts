// HAR write/read (pure core) and the crash-safe streaming writer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import fc from 'fast-check';
import { toHar, REDACTED } from '../../src/core/har/write';
import { readHar } from '../../src/core/har/read';
import { WlError } from '../../src/core/errors';
import { RunRecorder } from '../../src/core/timeline/recorder';
import { NO_TIMINGS, type Exchange } from '../../src/core/timeline/model';
import { HarFileWriter } from '../../src/runner/harFile';

const SECRET = 'tok-9f8e7d6c5b4a';

function sampleRun() {
  const rec = new RunRecorder({ mode: 'keep-alive', label: 'sample', environment: 'dev' });
  const t0 = 1_750_000_000_000;
  rec.addConnection({
    id: 'c1',
    origin: 'http://127.0.0.1:8080',
    protocol: 'http/1.1',
    localAddress: '127.0.0.1',
    localPort: 50001,
    remoteAddress: '127.0.0.1',
    remotePort: 8080,
    openedAt: t0,
    connectedAt: t0 + 1,
    openReason: 'first',
    closeReason: 'server-connection-close',
    closedAt: t0 + 50,
    requestCount: 2,
  });
  rec.addConnection({
    id: 'c2',
    origin: 'ws://127.0.0.1:9090',
    protocol: 'websocket',
    localPort: 50002,
    remoteAddress: '127.0.0.1',
    remotePort: 9090,
    openedAt: t0 + 60,
    openReason: 'first',
    closeReason: 'open',
    requestCount: 1,
  });
  const base = (over: Partial<Exchange>): Omit<Exchange, 'index'> => ({
    reused: false,
    request: { method: 'GET', url: 'http://127.0.0.1:8080/', httpVersion: 'HTTP/1.1', headers: [] },
    startedAt: t0,
    endedAt: t0 + 10,
    timings: { ...NO_TIMINGS, connect: 1, send: 0.5, wait: 5, receive: 1 },
    ...over,
  });
  const a = rec.startExchange(
    base({
      name: 'login',
      connectionId: 'c1',
      source: { file: 'api.http', line: 3 },
      request: {
        method: 'POST',
        url: `http://127.0.0.1:8080/login?key=${SECRET}&x=1`,
        httpVersion: 'HTTP/1.1',
        headers: [
          ['Authorization', 'Basic dXNlcjpwYXNz'],
          ['Cookie', 'sid=abc; theme=dark'],
          ['X-Api-Key', SECRET],
        ],
        body: { size: 30, text: `{"secret":"${SECRET}"}`, mimeType: 'application/json' },
      },
      response: {
        status: 200,
        statusText: 'OK',
        httpVersion: 'HTTP/1.1',
        headers: [
          ['Set-Cookie', 'sid=zzz; HttpOnly'],
          ['Content-Type', 'application/json'],
        ],
        body: { size: 20, text: `{"echo":"${SECRET}"}` },
      },
    }),
  );
  rec.endExchange(a);
  const b = rec.startExchange(base({ connectionId: 'c1', reused: true, startedAt: t0 + 20, endedAt: t0 + 25, error: { code: 'WL_RESET', message: 'socket reset', phase: 'receive', hint: 'retry' } }));
  rec.endExchange(b);
  const ws = rec.startExchange(
    base({
      name: 'chat',
      connectionId: 'c2',
      startedAt: t0 + 60,
      endedAt: t0 + 62,
      request: { method: 'GET', url: 'ws://127.0.0.1:9090/chat', httpVersion: 'HTTP/1.1', headers: [] },
      response: { status: 101, statusText: 'Switching Protocols', httpVersion: 'HTTP/1.1', headers: [] },
    }),
  );
  const s = rec.startSession({ exchangeIndex: ws.index, connectionId: 'c2', url: 'ws://127.0.0.1:9090/chat', openedAt: t0 + 62 });
  ws.sessionId = s.id;
  rec.endExchange(ws);
  rec.addFrame(s, { dir: 'send', opcode: 1, time: t0 + 63, size: 5, data: `hi ${SECRET}` });
  rec.addFrame(s, { dir: 'receive', opcode: 1, time: t0 + 64, size: 5, data: 'hello' });
  s.closeCode = 1000;
  s.closedBy = 'client';
  rec.endSession(s);
  return { rec, run: rec.finish(), t0 };
}

test('toHar writes connection, serverIPAddress, timings, _wirelane and Chrome WebSocket messages', () => {
  const { run, t0 } = sampleRun();
  const har = toHar(run, { keepSecrets: true });
  assert.equal(har.log.version, '1.2');
  assert.equal(har.log.entries.length, 3);
  const [a, b, w] = har.log.entries;
  assert.equal(a.connection, 'c1');
  assert.equal(b.connection, 'c1');
  assert.equal(a.serverIPAddress, '127.0.0.1');
  assert.deepEqual(a._wirelane?.source, { file: 'api.http', line: 3 });
  assert.equal(a._wirelane?.localPort, 50001);
  assert.equal(a._wirelane?.requestName, 'login');
  assert.equal(b._wirelane?.reused, true);
  assert.equal(b._wirelane?.error?.code, 'WL_RESET');
  assert.equal(b.response.status, 0);
  assert.ok(b.response._error?.includes('WL_RESET'));
  assert.equal(a.timings.dns, -1);
  assert.equal(a.timings.wait, 5);
  assert.equal(b.timings.send >= 0 && b.timings.wait >= 0 && b.timings.receive >= 0, true);
  assert.deepEqual(
    a.request.queryString.map((q) => q.name),
    ['key', 'x'],
  );
  assert.equal(w.response.status, 101);
  assert.equal(w._resourceType, 'websocket');
  assert.deepEqual(
    w._webSocketMessages?.map((m) => [m.type, m.opcode, m.time]),
    [
      ['send', 1, (t0 + 63) / 1000],
      ['receive', 1, (t0 + 64) / 1000],
    ],
  );
  assert.equal(w._wirelane?.websocket?.closeCode, 1000);
  const conns = har.log._wirelane?.connections ?? [];
  assert.deepEqual(
    conns.map((c) => [c.id, c.localPort, c.openReason, c.closeReason]),
    [
      ['c1', 50001, 'first', 'server-connection-close'],
      ['c2', 50002, 'first', 'open'],
    ],
  );
  assert.equal(har.log._wirelane?.runs?.[0].environment, 'dev');
});

test('redaction by default: credential headers and every secret value anywhere; --keep-secrets keeps them', () => {
  const { run } = sampleRun();
  const redacted = JSON.stringify(toHar(run, { secrets: [SECRET] }));
  assert.ok(!redacted.includes(SECRET), 'secret value left in the HAR');
  assert.ok(!redacted.includes('dXNlcjpwYXNz'), 'Authorization left in the HAR');
  assert.ok(!redacted.includes('sid=abc') && !redacted.includes('zzz'), 'cookies left in the HAR');
  assert.ok(redacted.includes(REDACTED));
  const kept = JSON.stringify(toHar(run, { secrets: [SECRET], keepSecrets: true }));
  assert.ok(kept.includes(SECRET) && kept.includes('dXNlcjpwYXNz') && kept.includes('sid=abc'));
});

test('readHar reads our own HAR back: connections, reuse, errors, frames', () => {
  const { run } = sampleRun();
  const back = readHar(JSON.stringify(toHar(run, { keepSecrets: true })));
  assert.equal(back.groupingExact, true);
  assert.deepEqual(
    back.run.exchanges.map((x) => [x.connectionId, x.reused]),
    [
      ['c1', false],
      ['c1', true],
      ['c2', false],
    ],
  );
  assert.equal(back.run.connections[0].closeReason, 'server-connection-close');
  assert.equal(back.run.exchanges[1].error?.code, 'WL_RESET');
  assert.equal(back.run.sessions.length, 1);
  assert.deepEqual(
    back.run.sessions[0].frames.map((f) => [f.dir, f.time]),
    run.sessions[0].frames.map((f) => [f.dir, f.time]),
  );
  assert.equal(back.run.sessions[0].closeCode, 1000);
});

test('readHar reads a Chrome-like HAR (numeric connection ids, _webSocketMessages) and a Playwright one (_serverPort only)', () => {
  const chrome = {
    log: {
      version: '1.2',
      creator: { name: 'WebInspector', version: '537.36' },
      pages: [],
      entries: [
        {
          startedDateTime: '2025-01-01T00:00:00.000Z',
          time: 12.5,
          request: { method: 'GET', url: 'https://example.test/a', httpVersion: 'http/2.0', headers: [{ name: ':method', value: 'GET' }] },
          response: { status: 200, statusText: '', httpVersion: 'http/2.0', headers: [], content: { size: 3, mimeType: 'text/plain', text: 'abc' } },
          timings: { blocked: 1, dns: -1, connect: -1, ssl: -1, send: 0.1, wait: 10, receive: 1 },
          serverIPAddress: '[::1]',
          connection: '48213',
        },
        { startedDateTime: '2025-01-01T00:00:00.020Z', time: 3, request: { method: 'GET', url: 'https://example.test/b' }, response: { status: 200 }, timings: {}, connection: '48213' },
        {
          startedDateTime: '2025-01-01T00:00:01.000Z',
          time: 5,
          request: { method: 'GET', url: 'wss://example.test/ws' },
          response: { status: 101 },
          _resourceType: 'websocket',
          connection: '48999',
          _webSocketMessages: [
            { type: 'send', time: 1735689601.5, opcode: 1, data: 'x' },
            { type: 'receive', time: 1735689601.6, opcode: 1, data: 'y' },
          ],
        },
      ],
    },
  };
  const r = readHar(JSON.stringify(chrome));
  assert.deepEqual(
    r.run.exchanges.map((x) => [x.connectionId, x.reused]),
    [
      ['c1', false],
      ['c1', true],
      ['c2', false],
    ],
  );
  assert.equal(r.run.connections[0].protocol, 'h2');
  assert.equal(r.run.sessions[0].frames[0].time, 1735689601500);
  assert.equal(r.run.connections[1].protocol, 'websocket');

  const playwright = {
    log: {
      version: '1.2',
      creator: { name: 'Playwright' },
      entries: [
        { startedDateTime: '2025-01-01T00:00:00.000Z', time: 1, request: { method: 'GET', url: 'http://localhost:3000/' }, response: { status: 200 }, serverIPAddress: '127.0.0.1', _serverPort: 3000 },
        {
          startedDateTime: '2025-01-01T00:00:00.010Z',
          time: 1,
          request: { method: 'GET', url: 'http://localhost:3000/x' },
          response: { status: 200 },
          serverIPAddress: '127.0.0.1',
          _serverPort: 3000,
        },
      ],
    },
  };
  const p = readHar(playwright);
  assert.equal(p.groupingExact, false);
  assert.equal(new Set(p.run.exchanges.map((x) => x.connectionId)).size, 1);
  assert.equal(p.run.connections[0].remotePort, 3000);
  assert.ok(p.warnings.length > 0);
});

test('readHar: garbage is WL_HAR_INVALID or a best-effort run, never a crash', () => {
  for (const bad of ['', 'not json', '{', 'null', '[]', '{"log":{}}', '{"log":{"entries":{}}}']) {
    assert.throws(
      () => readHar(bad),
      (e: unknown) => e instanceof WlError && e.code === 'WL_HAR_INVALID',
      bad,
    );
  }
  const weird = readHar({
    log: {
      entries: [
        null,
        1,
        'x',
        { request: 5, response: 'no', timings: null, startedDateTime: 'yesterday', _webSocketMessages: [null, { time: 'x' }] },
        { connection: {}, _wirelane: { error: 7, websocket: [] } },
      ],
    },
  });
  assert.equal(weird.run.exchanges.length, 2);
  fc.assert(
    fc.property(fc.jsonValue(), (v) => {
      try {
        readHar({ log: { entries: [v, { request: v, response: v, timings: v, _wirelane: v, connection: v, _webSocketMessages: v }], _wirelane: { connections: [v], runs: v } } });
        readHar(JSON.stringify(v));
      } catch (e) {
        if (!(e instanceof WlError) || e.code !== 'WL_HAR_INVALID') throw e;
      }
    }),
    { numRuns: 300 },
  );
});

test('HarFileWriter: the file is a valid HAR after each flush and holds every exchange and frame at close', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wl-har-'));
  try {
    const path = join(dir, 'out', 'rec.har');
    const w = new HarFileWriter({ path, throttleMs: 5, secrets: [SECRET] });
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')).log.entries, []);
    const rec = new RunRecorder({ mode: 'keep-alive' });
    w.attach(rec);
    rec.addConnection({ id: 'c1', origin: 'http://x', protocol: 'http/1.1', localPort: 1234, openedAt: Date.now(), openReason: 'first', closeReason: 'open', requestCount: 0 });
    const t = Date.now();
    for (let i = 0; i < 1000; i++) {
      const ex = rec.startExchange({
        connectionId: 'c1',
        reused: i > 0,
        request: { method: 'GET', url: `http://x/${i}?k=${SECRET}`, httpVersion: 'HTTP/1.1', headers: [] },
        response: { status: 200, statusText: 'OK', httpVersion: 'HTTP/1.1', headers: [] },
        startedAt: t,
        timings: NO_TIMINGS,
      });
      rec.endExchange(ex);
    }
    const ws = rec.startExchange({
      connectionId: 'c1',
      reused: false,
      request: { method: 'GET', url: 'ws://x/', httpVersion: 'HTTP/1.1', headers: [] },
      response: { status: 101, statusText: '', httpVersion: 'HTTP/1.1', headers: [] },
      startedAt: t,
      timings: NO_TIMINGS,
    });
    const s = rec.startSession({ exchangeIndex: ws.index, url: 'ws://x/', openedAt: t });
    ws.sessionId = s.id;
    rec.endExchange(ws);
    const started = Date.now();
    for (let i = 0; i < 100_000; i++) rec.addFrame(s, { dir: 'receive', opcode: 1, time: t + i, size: 3, data: `m${i}` });
    const floodMs = Date.now() - started;
    // Let a throttled flush happen mid-run, then check the file is whole.
    await new Promise((r) => setTimeout(r, 30));
    const mid = JSON.parse(readFileSync(path, 'utf8'));
    assert.ok(Array.isArray(mid.log.entries));
    rec.endSession(s);
    rec.finish();
    w.close();
    const text = readFileSync(path, 'utf8');
    assert.ok(!text.includes(SECRET));
    const har = JSON.parse(text);
    assert.equal(har.log.entries.length, 1001);
    assert.equal(har.log.entries[1000]._webSocketMessages.length, 100_000);
    assert.equal(har.log.entries[1000]._webSocketMessages[99_999].data, 'm99999');
    assert.equal(har.log._wirelane.connections[0].localPort, 1234);
    assert.ok(!existsSync(`${path}.${process.pid}.tmp`));
    // Generous: 100k frames must cost well under a second (O(1) per frame, not per file size).
    assert.ok(floodMs < 3000, `flood took ${floodMs} ms`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('HarFileWriter: a process SIGKILLed mid-run leaves a valid HAR', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wl-har-kill-'));
  try {
    const path = join(dir, 'killed.har');
    const script = join(dir, 'child.ts');
    const here = join(__dirname, '..', '..', 'src');
    writeFileSync(
      script,
      `import { HarFileWriter } from ${JSON.stringify(join(here, 'runner', 'harFile'))};
import { RunRecorder } from ${JSON.stringify(join(here, 'core', 'timeline', 'recorder'))};
let i = 0;
let announced = false;
// onFlush runs right after a flush put the file in place, between the steps below: the file then
// holds all i exchanges. A "ready" sent at a count alone raced the first flush, and a kill before it
// found the (valid) empty recording.
const w = new HarFileWriter({
  path: ${JSON.stringify(path)},
  throttleMs: 1,
  onFlush: () => {
    if (announced || i === 0) return;
    announced = true;
    process.stdout.write('ready ' + i + '\\n');
  },
});
const rec = new RunRecorder();
w.attach(rec);
// Bounded in time; this handle also keeps the child alive when only the writer's (unref'd) timer is left.
setTimeout(() => process.exit(3), 20_000);
const big = 'x'.repeat(2000);
function step() {
  for (let k = 0; k < 50; k++) {
    const ex = rec.startExchange({ reused: false, request: { method: 'GET', url: 'http://x/' + i++, httpVersion: 'HTTP/1.1', headers: [] }, response: { status: 200, statusText: 'OK', httpVersion: 'HTTP/1.1', headers: [], body: { size: big.length, text: big } }, startedAt: Date.now(), timings: { blocked: -1, dns: -1, connect: -1, ssl: -1, send: 0, wait: 0, receive: 0 } });
    rec.endExchange(ex);
  }
  // Bounded in count: after that only the writer's pending flush is left to come.
  if (i < 20_000) setImmediate(step);
}
step();
`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const flushed = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /ready (\d+)\n/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', (code) => reject(new Error(`child exited early (${code})`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const har = JSON.parse(readFileSync(path, 'utf8'));
    assert.ok(har.log.entries.length >= flushed, `the killed run kept ${har.log.entries.length} entries, but ${flushed} were flushed before the kill`);
    assert.equal(har.log.entries.at(-1).request.url.startsWith('http://x/'), true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
