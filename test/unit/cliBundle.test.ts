// The built CLI (dist/, as `npm test` builds it before the unit tests): dist/cli.js loads only
// itself for --version and --help, a command its own bundle, and undici and the JSONPath/XPath
// libraries (dist/lazy-*.js) only when a run needs them. Against a real server on 127.0.0.1:0.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');

let server: Server;
let base: string;
let dir: string;
const seen: string[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wl-clibundle-'));
  server = createServer((req, res) => {
    seen.push(req.url ?? '');
    if (req.url === '/xml') {
      res.setHeader('content-type', 'application/xml');
      res.end('<a><b>from-xpath</b></a>');
      return;
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ token: 'from-jsonpath' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs main(args) of the built dist/cli.js in a fresh process; returns its exit code and the dist files it loaded. */
function runBuilt(args: string[]): Promise<{ code: number; loaded: string[]; out: string }> {
  const script = `const m = require(${JSON.stringify(CLI)});
m.main(${JSON.stringify(args)}).then((code) => {
  const loaded = Object.keys(require.cache).filter((f) => f.startsWith(${JSON.stringify(join(ROOT, 'dist'))}));
  process.stderr.write('\\nLOADED ' + JSON.stringify(loaded) + '\\n');
  process.exitCode = code;
});`;
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['-e', script], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.on('error', fail);
    child.on('exit', (code) => {
      const m = /LOADED (\[.*\])/.exec(err);
      if (!m) return fail(new Error(`no module list; stderr: ${err}`));
      done({ code: code ?? -1, loaded: (JSON.parse(m[1]) as string[]).map((f) => basename(f)).sort(), out });
    });
  });
}

test('--version and --help load dist/cli.js alone', async () => {
  const v = await runBuilt(['--version']);
  assert.equal(v.code, 0);
  assert.match(v.out, /^\d+\.\d+\.\d+/);
  assert.deepEqual(v.loaded, ['cli.js']);
  const h = await runBuilt(['--help']);
  assert.equal(h.code, 0);
  assert.match(h.out, /wirelane run FILE/);
  assert.deepEqual(h.loaded, ['cli.js']);
});

test('check loads its own bundle, and neither undici nor the selector libraries', async () => {
  writeFileSync(join(dir, 'ok.http'), `### a\nGET ${base}/a\n`);
  const r = await runBuilt(['check', 'ok.http']);
  assert.equal(r.code, 0, r.out);
  assert.deepEqual(r.loaded, ['cli-check.js', 'cli.js']);
});

test('run loads undici with the first request, and JSONPath/XPath only for a reference that selects', async () => {
  writeFileSync(join(dir, 'plain.http'), `### a\nGET ${base}/plain\n`);
  const plain = await runBuilt(['run', 'plain.http']);
  assert.equal(plain.code, 0, plain.out);
  assert.deepEqual(plain.loaded, ['cli-run.js', 'cli.js', 'lazy-undiciParts.js']);
  assert.ok(seen.includes('/plain'));

  writeFileSync(
    join(dir, 'chain.http'),
    [
      `### login`,
      `# @name login`,
      `GET ${base}/login`,
      '',
      `### xml`,
      `# @name x`,
      `GET ${base}/xml`,
      '',
      `### use`,
      `GET ${base}/use/{{login.response.body.$.token}}/{{x.response.body.//b}}`,
      '',
    ].join('\n'),
  );
  const chained = await runBuilt(['run', 'chain.http']);
  assert.equal(chained.code, 0, chained.out);
  assert.deepEqual(chained.loaded, ['cli-run.js', 'cli.js', 'lazy-selectors.js', 'lazy-undiciParts.js']);
  // What the server saw: the values selected from the earlier responses, through the lazily loaded libraries.
  assert.ok(seen.includes('/use/from-jsonpath/from-xpath'), JSON.stringify(seen));
});
