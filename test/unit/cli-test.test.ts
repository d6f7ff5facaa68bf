// `wirelane test`: exit codes, the JUnit/TAP/JSON reporters and --output, against a real local
// server; once through the built dist/cli.js to prove the bundle finds its QuickJS engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { DOMParser } from '@xmldom/xmldom';
import { cli } from './cliHarness';

async function server() {
  const seen: string[] = [];
  const sockets = new Set<Socket>();
  const s = createServer((req, res) => {
    seen.push(req.url ?? '');
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ id: 7, name: 'a & <b>' }));
  });
  s.on('connection', (c: Socket) => {
    sockets.add(c);
    c.on('close', () => sockets.delete(c));
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return {
    seen,
    url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`,
    close: async () => {
      for (const c of sockets) c.destroy();
      await new Promise<void>((r) => s.close(() => r()));
    },
  };
}

const PASSING = `### item
GET {{host}}/item

> {%
client.test("id is 7", () => client.assert(response.body.id === 7, "id"));
client.global.set("id", response.body.id);
%}
?? status == 200

### again
GET {{host}}/item/{{id}}

?? connection reused
`;

const FAILING = `### item
GET {{host}}/item

> {% client.test("name", () => client.assert(response.body.name === "x", "name was " + response.body.name)); %}
?? status == 404
`;

/** A server and a folder holding ok.http (all pass) and bad.http (two failures), for one test. */
async function withFiles(use: (f: { ok: string; bad: string; dir: string; host: string; seen: string[] }) => Promise<void>): Promise<void> {
  const api = await server();
  const dir = mkdtempSync(join(tmpdir(), 'wl-clitest-'));
  try {
    const ok = join(dir, 'ok.http');
    const bad = join(dir, 'bad.http');
    writeFileSync(ok, PASSING);
    writeFileSync(bad, FAILING);
    await use({ ok, bad, dir, host: `host=${api.url}`, seen: api.seen });
  } finally {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('all passing: exit 0, text lists each test; a failing file: exit 1 with code and line', () =>
  withFiles(async ({ ok, bad, host, seen }) => {
    const r = await cli(['test', ok, '--var', host]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /✓ id is 7/);
    assert.match(r.out, /✓ \?\? connection reused/);
    assert.match(r.out, /3 passed, 0 failed/);
    assert.deepEqual(seen, ['/item', '/item/7']);

    const f = await cli(['test', ok, bad, '--var', host]);
    assert.equal(f.code, 1);
    assert.match(f.out, /✗ name\n\s+WL_ASSERTION_FAILED .*bad\.http:4 name was a & <b>/);
    assert.match(f.out, /✗ \?\? status == 404\n\s+WL_ASSERTION_FAILED .*bad\.http:5 expected status == 404, got 200/);
    assert.match(f.out, /3 passed, 2 failed/);
  }));

test('--reporter junit writes XML a parser accepts, with a failure per failed test; tap and json agree', () =>
  withFiles(async ({ ok, bad, dir, host }) => {
    const out = join(dir, 'junit.xml');
    const r = await cli(['test', ok, bad, '--var', host, '--reporter', 'junit', '--output', out]);
    assert.equal(r.code, 1);
    const errors: string[] = [];
    const doc = new DOMParser({ onError: (level, msg) => void errors.push(`${level}: ${msg}`) }).parseFromString(readFileSync(out, 'utf8'), 'text/xml');
    assert.deepEqual(errors, []);
    const root = doc.documentElement!;
    assert.equal(root.nodeName, 'testsuites');
    assert.equal(root.getAttribute('tests'), '5');
    assert.equal(root.getAttribute('failures'), '2');
    const cases = Array.from(doc.getElementsByTagName('testcase'));
    assert.equal(cases.length, 5);
    const failures = Array.from(doc.getElementsByTagName('failure'));
    assert.deepEqual(
      failures.map((x) => x.getAttribute('type')),
      ['WL_ASSERTION_FAILED', 'WL_ASSERTION_FAILED'],
    );
    assert.equal(failures[0].getAttribute('message'), 'name was a & <b>');
    const failedCase = cases.find((c) => c.getElementsByTagName('failure').length > 0);
    assert.equal(failedCase?.getAttribute('line'), '4');

    const tap = await cli(['test', ok, bad, '--var', host, '--reporter', 'tap']);
    assert.equal(tap.code, 1);
    const lines = tap.out.split('\n');
    assert.equal(lines[0], 'TAP version 13');
    assert.equal(lines[1], '1..5');
    assert.equal(lines.filter((l) => /^ok \d+ - /.test(l)).length, 3);
    assert.equal(lines.filter((l) => /^not ok \d+ - /.test(l)).length, 2);

    const json = await cli(['test', ok, '--var', host, '--reporter', 'json']);
    const parsed = JSON.parse(json.out);
    assert.equal(json.code, 0);
    assert.deepEqual([parsed.tests, parsed.passed, parsed.failed], [3, 3, 0]);
    assert.deepEqual(
      parsed.files[0].requests.map((q: { name: string }) => q.name),
      ['item', 'again'],
    );
  }));

test('bad usage is exit 2', async () => {
  assert.equal((await cli(['test'])).code, 2);
  assert.equal((await cli(['test', 'nope.http'])).code, 2);
  assert.equal((await cli(['test', 'test/fixtures/http/wild.http', '--reporter', 'xml'])).code, 2);
});

test('the built dist/cli.js runs scripts from its own dist/quickjs.js and .wasm', () =>
  withFiles(async ({ ok, host, seen }) => {
    const res = await new Promise<{ code: number; out: string }>((resolve) => {
      execFile(process.execPath, ['dist/cli.js', 'test', ok, '--var', host, '--reporter', 'json'], (err, stdout) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout }));
    });
    assert.equal(res.code, 0, res.out);
    assert.equal(JSON.parse(res.out).passed, 3);
    assert.deepEqual(seen, ['/item', '/item/7']);
  }));

test('wirelane run says what scripts logged and which failed (exit 1); check reports nothing for handlers and ?? lines', () =>
  withFiles(async ({ dir, host, seen }) => {
    const file = join(dir, 'run.http');
    writeFileSync(file, `GET {{host}}/a\n\n> {%\nclient.log("id", response.body.id);\nundefined.x;\n%}\n?? status == 200\n\n###\nGET {{host}}/b\n`);
    const r = await cli(['run', file, '--var', host]);
    assert.equal(r.code, 1, r.out + r.err);
    assert.match(r.out, /log id 7/);
    assert.match(r.out, /script failed WL_SCRIPT_ERROR .*run\.http:5: TypeError/);
    assert.match(r.out, /1 of 1 tests passed/);
    assert.deepEqual(seen, ['/a', '/b'], 'the run went on after the failing script');
    const checked = join(dir, 'check.http');
    writeFileSync(checked, readFileSync(file, 'utf8').replace(/\{\{host\}\}/g, 'http://127.0.0.1:1'));
    const c = await cli(['check', checked]);
    assert.equal(c.code, 0);
    assert.doesNotMatch(c.out, /WL_PARSE_NOT_SUPPORTED|WL_ASSERTION/);
  }));
