// The docs a user reads must say what the code does: the glossary lists exactly the HAR
// contract's reasons, with the words the editor and the CLI print, and the README links only
// to files inside the repository.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CLOSE_REASON_TEXT, OPEN_REASON_TEXT } from '../../src/core/timeline/model';

const rows = (md: string, heading: string): Map<string, string> => {
  const section = md.split(/^## /m).find((s) => s.startsWith(heading)) ?? '';
  const out = new Map<string, string>();
  for (const m of section.matchAll(/^\| `([a-z-]+)` \| ([^|]+) \|/gm)) out.set(m[1], m[2].trim());
  return out;
};

test('the glossary explains every openReason and closeReason, in the words the tools print', () => {
  const md = readFileSync('docs/glossary.md', 'utf8');
  const open = rows(md, 'Why a connection opened');
  const close = rows(md, 'Why a connection closed');
  assert.deepEqual([...open.keys()].sort(), Object.keys(OPEN_REASON_TEXT).sort());
  assert.deepEqual([...close.keys()].sort(), Object.keys(CLOSE_REASON_TEXT).sort());
  for (const [k, text] of Object.entries(OPEN_REASON_TEXT)) assert.equal(open.get(k), text, k);
  for (const [k, text] of Object.entries(CLOSE_REASON_TEXT)) assert.equal(close.get(k), text, k);
});

test('README and docs link only to files that exist in the repository', () => {
  for (const file of ['README.md', 'docs/syntax.md', 'docs/glossary.md']) {
    const md = readFileSync(file, 'utf8');
    assert.doesNotMatch(md, /\.\.\/shared\//, `${file} points outside the repository`);
    for (const [, target] of md.matchAll(/\]\(([^)#]+)(?:#[^)]*)?\)/g)) {
      if (/^[a-z]+:/.test(target)) continue;
      assert.ok(existsSync(join(dirname(file), target)), `${file} links to ${target}, which does not exist`);
    }
  }
  const readme = readFileSync('README.md', 'utf8');
  assert.match(readme, /\(docs\/syntax\.md\)/);
  assert.match(readme, /\(docs\/glossary\.md\)/);
});
