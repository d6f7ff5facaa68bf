// `wirelane run` on a real terminal (a pty made by util-linux `script`): `# @prompt` asks on it,
// a password is not echoed, and the server receives what was typed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');
const hasScript = spawnSync('script', ['--version']).status === 0;

test('CLI on a terminal: prompts are asked there, the password without echo', { timeout: 30_000, skip: hasScript ? false : 'util-linux `script` is not installed' }, async () => {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    let b = '';
    req.on('data', (c: Buffer) => (b += c.toString('utf8')));
    req.on('end', () => {
      bodies.push(b);
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const dir = mkdtempSync(join(tmpdir(), 'wl-tty-'));
  try {
    const file = join(dir, 'p.http');
    writeFileSync(file, `# @prompt user Who are you\n# @prompt password\nPOST http://127.0.0.1:${(server.address() as AddressInfo).port}/login\n\nu={{user}}&p={{password}}\n`);
    const child = spawn('script', ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} run ${JSON.stringify(file)}`, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    const answers: Array<[RegExp, string]> = [
      [/Who are you \(user\): $/, 'ada\r'],
      [/\(password\) \[hidden\]: $/, 'pw-not-echoed\r'],
    ];
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      const next = answers[0];
      // eslint-disable-next-line no-control-regex
      if (next && next[0].test(out.replace(/\u001b\[[0-9;]*[A-Za-z]/g, ''))) {
        answers.shift();
        child.stdin.write(next[1]);
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0, out);
    assert.deepEqual(bodies, ['u=ada&p=pw-not-echoed']);
    assert.match(out, /ada/);
    assert.doesNotMatch(out, /pw-not-echoed/);
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
