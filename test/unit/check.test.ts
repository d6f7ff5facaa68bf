// `wirelane check` run as a real process, as users and CI call it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const FX = 'test/fixtures/http';

function check(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'check', ...args], { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err && typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : err ? -1 : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

test('realistic files from the three dialects: exit 0, no error lines', async () => {
  const files = ['rest-client.http', 'jetbrains.http', 'httpyac.http', 'wild.http', 'crlf.http', 'bom.http'].map((f) => `${FX}/${f}`);
  const r = await check('--env', 'dev', ...files);
  assert.equal(r.stderr, '');
  assert.equal(r.code, 0, r.stdout);
  assert.doesNotMatch(r.stdout, / error /);
  // Informational lines are still printed in the documented shape.
  assert.match(r.stdout, /^test\/fixtures\/http\/wild\.http:\d+:\d+ info WL_PARSE_NOT_SUPPORTED not supported: /m);
});

test('broken files: exit 1 and file:line:col severity code message on the right lines', async () => {
  const r = await check(`${FX}/broken/missing-blank-line.http`, `${FX}/broken/bad-header-name.http`, `${FX}/broken/unclosed-variable.http`, `${FX}/broken/bad-builtin.http`);
  assert.equal(r.code, 1);
  const lines = r.stdout.trim().split('\n');
  assert.deepEqual(lines, [
    `${FX}/broken/missing-blank-line.http:6:1 error WL_PARSE_HEADER_NAME "{"name": "oops"}" is not a header (it looks like the body): a blank line is needed between headers and body`,
    `${FX}/broken/bad-header-name.http:5:1 error WL_PARSE_HEADER_NAME invalid header name "X Custom Header": a header name is letters, digits and !#$%&'*+-.^_\`|~ without spaces`,
    `${FX}/broken/unclosed-variable.http:4:5 error WL_PARSE_VAR_UNCLOSED \`}}\` is missing: the variable reference \`{{host/items\` is not closed on this line`,
    `${FX}/broken/bad-builtin.http:6:20 error WL_PARSE_VAR_SYNTAX unexpected \`]\` in \`{{$timestamp]}}\`: a built-in is \`{{$name}}\` or \`{{$name arguments}}\``,
  ]);
});

test('--json: the same diagnostics as data; unresolved variables come from the resolver', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wl-check-'));
  try {
    const file = join(dir, 'a.http');
    // BOM + CRLF: columns on line 1 are counted as editors show them (without the BOM).
    writeFileSync(file, '\uFEFFGET http://127.0.0.1/{{missing}}\r\nX Y: 1\r\n');
    const r = await check('--json', file);
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout) as { files: Array<{ file: string; diagnostics: Array<{ line: number; column: number; severity: string; code: string; message: string }> }> };
    assert.equal(out.files.length, 1);
    const d = out.files[0].diagnostics.map((x) => [x.line, x.column, x.severity, x.code]);
    assert.deepEqual(
      d.find((x) => x[3] === 'WL_PARSE_HEADER_NAME'),
      [2, 1, 'error', 'WL_PARSE_HEADER_NAME'],
    );
    const unresolved = out.files[0].diagnostics.find((x) => x.code === 'WL_VAR_UNRESOLVED');
    assert.ok(unresolved, JSON.stringify(out));
    assert.equal(unresolved.line, 1);
    assert.equal(unresolved.column, 22);
    assert.match(unresolved.message, /missing/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad usage and unreadable files: exit 2 with a message, never a stack trace', async () => {
  const none = await check();
  assert.equal(none.code, 2);
  assert.match(none.stderr, /Usage: wirelane check/);
  const missing = await check(`${FX}/does-not-exist.http`);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read .*does-not-exist\.http: no such file/);
  const folder = await check('--bogus', FX);
  assert.equal(folder.code, 2);
  for (const r of [none, missing, folder]) assert.doesNotMatch(r.stderr, /\n\s+at /);
});

test('a path-only URL is fine when the chosen environment defines host', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wl-check-'));
  try {
    writeFileSync(join(dir, 'http-client.env.json'), '{"dev": {"host": "http://127.0.0.1:8080"}}');
    writeFileSync(join(dir, 'a.http'), 'GET /api/x\n');
    const withEnv = await check('--env', 'dev', join(dir, 'a.http'));
    assert.equal(withEnv.code, 0, withEnv.stdout);
    const without = await check(join(dir, 'a.http'));
    // Environments exist but none is chosen: the host may well live in one (a warning naming host, not a parse error).
    assert.equal(without.code, 0, without.stdout);
    assert.match(without.stdout, /a\.http:1:5 warning WL_VAR_UNRESOLVED variable host is not defined .*pass --env NAME/);
    writeFileSync(join(dir, 'b.http'), 'GET /api/x\n');
    rmSync(join(dir, 'http-client.env.json'));
    const none = await check(join(dir, 'b.http'));
    assert.equal(none.code, 1);
    assert.match(none.stdout, /b\.http:1:5 error WL_VAR_UNRESOLVED variable host is not defined /);
    assert.doesNotMatch(none.stdout, /WL_PARSE/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unknown method is the warning the editor shows (WL_METHOD_UNKNOWN with the nearest method); exit 0, it is sent as written', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wl-check-'));
  try {
    const file = join(dir, 'a.http');
    writeFileSync(file, 'GTE http://127.0.0.1/a\n\n###\nFROB http://127.0.0.1/b\n\n###\nget http://127.0.0.1/c\n');
    const r = await check(file);
    assert.equal(r.code, 0, r.stdout);
    assert.deepEqual(r.stdout.trim().split('\n'), [
      `${file}:1:1 warning WL_METHOD_UNKNOWN unknown method GTE: it is sent as written; did you mean GET?`,
      `${file}:4:1 warning WL_METHOD_UNKNOWN unknown method FROB: it is sent as written`,
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
