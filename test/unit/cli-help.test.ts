// The CLI a newcomer meets first: `--version` and `CMD --help` from the built binary, and the run
// table saying why each new connection opened (against a real server that closes a connection).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SENDING_OPTIONS } from '../../src/cli/commands/run';
import { cli } from './cliHarness';

const bin = join(process.cwd(), 'dist', 'cli.js');
const wirelane = (...args: string[]) => execFileSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

let server: Server;
let base = '';
const ports: number[] = [];
let dir = '';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wl-cli-help-'));
  server = createServer((req, res) => {
    ports.push(req.socket.remotePort ?? -1);
    res.writeHead(200, req.url === '/close' ? { connection: 'close' } : {});
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server.closeAllConnections();
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

test('--version prints the package version and ends with a newline', () => {
  const version = JSON.parse(readFileSync('package.json', 'utf8')).version as string;
  assert.equal(wirelane('--version'), `${version}\n`);
});

test('every command answers --help on stdout with exit 0, naming every option it accepts', () => {
  for (const cmd of ['check', 'run', 'compare', 'report', 'demo', 'test']) {
    const out = wirelane(cmd, '--help');
    assert.match(out, new RegExp(`^Usage: wirelane ${cmd}\\b`), cmd);
    assert.equal(wirelane('help', cmd), out, `wirelane help ${cmd}`);
    assert.equal(wirelane(cmd, 'whatever.http', '-h'), out, `${cmd} FILE -h`);
  }
  const run = wirelane('run', '--help');
  const compare = wirelane('compare', '--help');
  for (const opt of [...Object.keys(SENDING_OPTIONS), 'mode', 'run-timeout', 'duration']) assert.match(run, new RegExp(`--${opt}\\b`), `run --help names --${opt}`);
  for (const opt of [...Object.keys(SENDING_OPTIONS), 'modes']) assert.match(compare, new RegExp(`--${opt}\\b`), `compare --help names --${opt}`);
  assert.match(wirelane('--help'), /wirelane CMD --help/);
});

test('the run table says, under each new connection, why it opened', async () => {
  const file = join(dir, 'why.http');
  writeFileSync(file, `### a\nGET ${base}/a\n\n### bye\nGET ${base}/close\n\n### b\nGET ${base}/b\n`);
  const { code, out } = await cli(['run', file]);
  assert.equal(code, 0, out);
  // What the server saw: /a and /close on one socket, /b on a second.
  assert.equal(new Set(ports.slice(-3, -1)).size, 1);
  assert.notEqual(ports.at(-1), ports.at(-2));
  const lines = out.split('\n');
  const row = (n: number) => lines.findIndex((l) => new RegExp(`^\\s*${n}\\s`).test(l));
  assert.match(lines[row(1) + 1], /↳ c1 opened: first connection to http:\/\/127\.0\.0\.1:\d+/);
  assert.match(lines[row(2) + 1], /^\s*3\s/, 'a reused connection gets no reason line');
  assert.match(lines[row(3) + 1], /↳ c2 opened: previous connection c1 was closed by the server \(Connection: close\)/);
});
