// `# @import` / `run` lines and `# @prompt` / `{{$input}}` values, run against a real local
// server that records what it received.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFile } from '../../src/runner/fileRunner';
import { RunRecorder } from '../../src/core/timeline/recorder';
import { toHar } from '../../src/core/har/write';
import { parseHttpFile } from '../../src/core/httpfile/index';
import { importDiagnostics } from '../../src/core/variables/index';
import { cli } from './cliHarness';

interface Seen {
  path: string;
  body: string;
  port: number;
}

async function recordingServer(): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      seen.push({ path: req.url ?? '', body, port: req.socket.remotePort ?? 0 });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(req.url === '/login' ? { token: 'T-42' } : { ok: true }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function tempDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'wl-imp-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

test('@import brings named requests and file variables; run #name and run ./file.http send at their place', async () => {
  const srv = await recordingServer();
  const dir = tempDir({
    'common.http': `@host = ${srv.url}\n\n### login\nPOST {{host}}/login\n\n### health\nGET {{host}}/health\n`,
    'main.http': '# @import ./common.http\n\n###\nrun #login\n\n### items\nGET {{host}}/items?t={{login.response.body.$.token}}\n\n###\nrun ./common.http\n',
  });
  try {
    const recorder = new RunRecorder({ mode: 'keep-alive' });
    let planned = -1;
    const r = await runFile({ file: join(dir, 'main.http'), mode: 'keep-alive', recorder, onEvent: (e) => e.type === 'planned' && (planned = e.total) });
    assert.deepEqual(r.skipped, []);
    // The progress line counts what `run` lines send: #login, items, and common.http's two.
    assert.equal(planned, 4);
    assert.deepEqual(
      srv.seen.map((s) => s.path),
      ['/login', '/items?t=T-42', '/login', '/health'],
    );
    assert.deepEqual(
      r.results.map((x) => [x.name, x.file?.replace(/.*\//, '')]),
      [
        ['login', 'common.http'],
        ['items', undefined],
        ['login', 'common.http'],
        ['health', 'common.http'],
      ],
    );
    // The imported requests rode the same keep-alive connection as the file's own.
    assert.equal(new Set(srv.seen.map((s) => s.port)).size, 1);
    assert.equal(r.failed, false);
  } finally {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('run cycles, unknown run targets and missing imports are coded, and the rest still runs', async () => {
  const srv = await recordingServer();
  const dir = tempDir({
    'a.http': `###\nrun ./b.http\n\n###\nGET ${srv.url}/a\n`,
    'b.http': `###\nrun ./a.http\n\n###\nGET ${srv.url}/b\n`,
    'c.http': `# @import ./nowhere.http\n\n###\nrun #ghost\n\n###\nGET ${srv.url}/c\n`,
  });
  try {
    const a = await runFile({ file: join(dir, 'a.http'), mode: 'keep-alive', recorder: new RunRecorder({ mode: 'keep-alive' }) });
    assert.deepEqual(
      srv.seen.map((s) => s.path),
      ['/b', '/a'],
    );
    assert.deepEqual(
      a.skipped.map((s) => s.error.code),
      ['WL_RUN_CYCLE'],
    );
    assert.match(a.skipped[0].error.message, /a\.http is already running \(.*a\.http → .*b\.http → .*a\.http\)/);
    assert.equal(a.skipped[0].file?.replace(/.*\//, ''), 'b.http');

    const c = await runFile({ file: join(dir, 'c.http'), mode: 'keep-alive', recorder: new RunRecorder({ mode: 'keep-alive' }) });
    assert.deepEqual(
      c.skipped.map((s) => [s.error.code, s.error.source?.line]),
      [
        ['WL_IMPORT_NOT_FOUND', 1],
        ['WL_RUN_UNKNOWN', 4],
      ],
    );
    assert.deepEqual(
      srv.seen.map((s) => s.path),
      ['/b', '/a', '/c'],
    );

    // The editor and `check` see the same problems, on the lines that hold them.
    const read = (p: string): string | undefined => {
      try {
        return readFileSync(p, 'utf8');
      } catch {
        return undefined;
      }
    };
    const diags = importDiagnostics(join(dir, 'c.http'), parseHttpFile(read(join(dir, 'c.http'))!), { readFile: read, parse: parseHttpFile }).diagnostics;
    assert.deepEqual(
      diags.map((d) => [d.code, d.severity, d.range.start.line, d.range.start.character]),
      [
        ['WL_IMPORT_NOT_FOUND', 'error', 0, 10],
        ['WL_RUN_UNKNOWN', 'error', 3, 4],
      ],
    );
    writeFileSync(join(dir, 'x.http'), '# @import ./y.http\nGET http://127.0.0.1/x\n');
    writeFileSync(join(dir, 'y.http'), '# @import ./x.http\nGET http://127.0.0.1/y\n');
    const cyc = importDiagnostics(join(dir, 'x.http'), parseHttpFile(read(join(dir, 'x.http'))!), { readFile: read, parse: parseHttpFile }).diagnostics;
    assert.deepEqual(
      cyc.map((d) => [d.code, d.severity]),
      [['WL_IMPORT_CYCLE', 'warning']],
    );
  } finally {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

const PROMPTS = (url: string) => `# @prompt username Your login name
# @prompt password
POST ${url}/login
Content-Type: application/json

{"user": "{{username}}", "password": "{{password}}"}

###
POST ${url}/verify

otp={{$input otp}}
`;

test('@prompt and {{$input}} are asked through the injected prompt once each; a password is masked and redacted', async () => {
  const srv = await recordingServer();
  const dir = tempDir({ 'p.http': PROMPTS(srv.url) });
  try {
    const asked: Array<[string, string | undefined, boolean]> = [];
    const answers: Record<string, string> = { username: 'ada', password: 's3cret-pw', otp: '123456' };
    const recorder = new RunRecorder({ mode: 'keep-alive' });
    const r = await runFile({
      file: join(dir, 'p.http'),
      mode: 'keep-alive',
      recorder,
      prompt: async (name, description, o) => {
        asked.push([name, description, o.secret]);
        return answers[name];
      },
    });
    assert.deepEqual(r.skipped, []);
    assert.deepEqual(asked, [
      ['username', 'Your login name', false],
      ['password', undefined, true],
      ['otp', undefined, true],
    ]);
    assert.deepEqual(
      srv.seen.map((s) => s.body),
      ['{"user": "ada", "password": "s3cret-pw"}', 'otp=123456'],
    );
    // The recording never holds what was typed for a secret.
    const har = JSON.stringify(toHar(r.run, { secrets: r.secrets }));
    assert.ok(r.secrets.includes('s3cret-pw'));
    assert.doesNotMatch(har, /s3cret-pw/);
    assert.doesNotMatch(har, /123456/);
    assert.match(har, /ada/);
  } finally {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CLI: --var answers prompts; without a terminal a prompt is a coded error naming the variable, never a hang', async () => {
  const srv = await recordingServer();
  const dir = tempDir({ 'p.http': PROMPTS(srv.url) });
  try {
    const none = await cli(['run', join(dir, 'p.http')]);
    assert.equal(none.code, 1);
    assert.match(none.out, /skipped .*WL_VAR_PROMPT.*username.*--var username=VALUE/);
    assert.match(none.out, /skipped .*WL_VAR_PROMPT.*otp/);
    assert.equal(srv.seen.length, 0);
    const given = await cli(['run', join(dir, 'p.http'), '--var', 'username=bob', '--var', 'password=pw', '--var', 'otp=999']);
    assert.equal(given.code, 0, given.out + given.err);
    assert.deepEqual(
      srv.seen.map((s) => s.body),
      ['{"user": "bob", "password": "pw"}', 'otp=999'],
    );
  } finally {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('requests sent side by side (pipeline:4) that need the same value ask for it once', async () => {
  const srv = await recordingServer();
  const dir = tempDir({ 'q.http': `POST ${srv.url}/a\n\nk={{$input key}}\n\n###\nPOST ${srv.url}/b\n\nk={{$input key}}\n` });
  try {
    let asks = 0;
    const r = await runFile({ file: join(dir, 'q.http'), mode: 'pipeline:4', recorder: new RunRecorder({ mode: 'pipeline:4' }), prompt: async () => (asks++, 'v1') });
    assert.deepEqual(r.skipped, []);
    assert.equal(asks, 1);
    assert.deepEqual(srv.seen.map((s) => s.body).sort(), ['k=v1', 'k=v1']);
  } finally {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
