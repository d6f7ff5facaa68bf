// `wirelane report HAR --html PATH` as a user runs it: exit codes, messages, and a file that
// holds the renderer, a strict CSP and the HAR as inert JSON.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { hostileHar, keepAliveHar } from '../fixtures/har/generate';

const ROOT = resolve(__dirname, '../..');
const ART = join(ROOT, 'test-artifacts', 'report-cli');
const haveAssets = existsSync(join(ROOT, 'media/dist/timeline.js')) && existsSync(join(ROOT, 'media/dist/timeline.css'));

function wirelane(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('report: bad usage and files that are not HARs exit 2 with a message, never a stack', () => {
  mkdirSync(ART, { recursive: true });
  const notHar = join(ART, 'not-a-har.json');
  writeFileSync(notHar, '{"hello": 1}');
  const broken = join(ART, 'broken.har');
  writeFileSync(broken, '{"log": {"entries": [');
  for (const [args, msg] of [
    [[], /which HAR file\?/],
    [[notHar], /where to write the report\?/],
    [[notHar, '--html'], /--html needs a path/],
    [[notHar, '--html', join(ART, 'x.html')], /WL_HAR_INVALID.*not a HAR/],
    [[broken, '--html', join(ART, 'x.html')], /WL_HAR_INVALID.*not JSON/],
    [[join(ART, 'missing.har'), '--html', join(ART, 'x.html')], /WL_FILE_NOT_FOUND/],
    [[notHar, '--bogus'], /unknown option '--bogus'/],
  ] as Array<[string[], RegExp]>) {
    const r = wirelane('report', ...args);
    assert.equal(r.code, 2, `exit 2 for ${args.join(' ')}: ${r.err}`);
    assert.match(r.err, msg);
    assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
  }
});

test('report: writes one self-contained file with a strict CSP and inert data', { skip: haveAssets ? false : 'media/dist missing: run `npm run build` first' }, () => {
  mkdirSync(ART, { recursive: true });
  const harFile = join(ART, 'hostile.har');
  writeFileSync(harFile, JSON.stringify(hostileHar()));
  const out = join(ART, 'hostile.html');
  const r = wirelane('report', harFile, '--html', out);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /wrote .*hostile\.html \(8 exchanges, 3 connections\)/);
  const html = readFileSync(out, 'utf8');
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
  assert.match(csp, /^default-src 'none'; script-src 'sha256-[A-Za-z0-9+/=]+'; style-src 'sha256-/);
  assert.doesNotMatch(csp, /unsafe/);
  assert.doesNotMatch(html, /<(img|svg|iframe)\b/i, 'no payload survives as markup');
  assert.equal((html.match(/<\/script>/gi) ?? []).length, 3, 'only our three script elements close');
  // The embedded JSON is the HAR, byte for byte once `\u003c` is read back.
  const json = /<script type="application\/json" id="wirelane-har">([^]*?)<\/script>/.exec(html)![1]!;
  assert.deepEqual(JSON.parse(json), JSON.parse(JSON.stringify(hostileHar())));

  const plain = join(ART, 'keep-alive.har');
  writeFileSync(plain, JSON.stringify(keepAliveHar()));
  const r2 = wirelane('report', plain, `--html=${join(ART, 'keep-alive.html')}`);
  assert.equal(r2.code, 0, r2.err);
  assert.match(r2.out, /12 exchanges, 3 connections/);
});
