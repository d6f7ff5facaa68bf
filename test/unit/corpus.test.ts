// A corpus of files written the way real repositories write them (httpYac's host convention,
// JetBrains handlers and OAuth2, REST Client, Kulala import/run, prompts, mTLS environments,
// .NET templates) plus one truly broken file: at most one file may fail to parse, and only that one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseHttpFile } from '../../src/core/httpfile/index';
import { importDiagnostics, variableDiagnostics } from '../../src/core/variables/index';

const CORPUS = join(__dirname, '..', 'fixtures', 'http', 'corpus');

function httpFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) => (statSync(join(dir, f)).isDirectory() ? httpFiles(join(dir, f)) : /\.(http|rest)$/.test(f) ? [join(dir, f)] : []));
}

test('corpus: only the truly broken file has a parse error', () => {
  const files = httpFiles(CORPUS);
  assert.ok(files.length >= 12, `corpus has ${files.length} files`);
  const failing = new Map<string, string[]>();
  for (const f of files) {
    const errors = parseHttpFile(readFileSync(f, 'utf8')).diagnostics.filter((d) => d.severity === 'error');
    if (errors.length)
      failing.set(
        relative(CORPUS, f),
        errors.map((d) => `${d.range.start.line + 1} ${d.code} ${d.message}`),
      );
  }
  assert.deepEqual([...failing.keys()], ['broken.http'], JSON.stringify([...failing], null, 1));
  assert.deepEqual(failing.get('broken.http'), ['4 WL_PARSE_HEADER_NAME "{"name": "Rex", "tag": "dog"}" is not a header (it looks like the body): a blank line is needed between headers and body']);
});

test('corpus: path-only requests and a /* */ note under the headers parse as written', () => {
  const f = parseHttpFile(readFileSync(join(CORPUS, 'httpyac-httpbin.http'), 'utf8'));
  const reqs = f.regions.filter((r) => r.request).map((r) => [r.request!.method, r.request!.url.text, r.request!.target, r.request!.headers.map((h) => h.name)]);
  assert.deepEqual(reqs, [
    ['GET', '/json', 'path', ['Accept']],
    ['POST', '/post', 'path', ['Content-Type']],
    ['GET', '/headers', 'path', ['X-Trace']],
  ]);
});

test('corpus with the dev environment: imports, prompts, $auth ids and env hosts resolve; what is left is named', () => {
  const problems: string[] = [];
  for (const f of httpFiles(CORPUS)) {
    const file = parseHttpFile(readFileSync(f, 'utf8'));
    const ctx = {
      filePath: f,
      workspaceRoot: CORPUS,
      envName: 'dev',
      readFile: (p: string) => (existsSync(p) ? readFileSync(p, 'utf8') : undefined),
      processEnv: {},
      named: new Map(),
    };
    const imported = importDiagnostics(f, file, { readFile: ctx.readFile, parse: parseHttpFile });
    const all = [...file.diagnostics, ...imported.diagnostics, ...variableDiagnostics(file, { ...ctx, imports: imported.files.map((x) => x.file) })];
    for (const d of all) if (d.severity === 'error') problems.push(`${relative(CORPUS, f)}:${d.range.start.line + 1} ${d.code} ${d.message}`);
  }
  assert.deepEqual(problems, [
    'broken.http:4 WL_PARSE_HEADER_NAME "{"name": "Rex", "tag": "dog"}" is not a header (it looks like the body): a blank line is needed between headers and body',
    // jetbrains-chain.http's auth_token is set by its response handler (`client.global.set`): a name a
    // script of the file sets is defined, so the only error left is the truly broken file's.
  ]);
});
