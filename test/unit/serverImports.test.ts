// The language server on `import`/`run` lines, prompts and `$auth.token`: coded diagnostics for
// what cannot work, nothing ("not supported" included) for what now runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ServerHarness } from './serverHarness';

test('language server: unknown import file and run target are coded; imported variables, prompts and auth ids resolve', async () => {
  const root = mkdtempSync(join(tmpdir(), 'wl-srv-imp-'));
  writeFileSync(join(root, 'common.http'), '@host = http://127.0.0.1:9\n\n### login\nPOST {{host}}/login\n');
  writeFileSync(
    join(root, 'http-client.env.json'),
    JSON.stringify({ dev: { Security: { Auth: { api: { Type: 'OAuth2', 'Grant Type': 'Client Credentials', 'Token URL': 'http://127.0.0.1:9/t' } } } } }),
  );
  const h = await ServerHarness.start({ root, initializationOptions: { diagnosticsDelayMs: 5, environment: 'dev' } });
  try {
    const uri = pathToFileURL(join(root, 'main.http')).toString();
    const text = [
      '# @import ./common.http', //                       0
      '# @import ./missing.http', //                      1
      '', //                                              2
      '###', //                                           3
      'run #login', //                                    4
      'run #nobody', //                                   5
      'run ./gone.http', //                               6
      '', //                                              7
      '### me', //                                        8
      '# @prompt password Your password', //              9
      'GET {{host}}/me?p={{password}}&otp={{$input otp}}', // 10
      'Authorization: Bearer {{$auth.token("api")}}', //  11
      'X-Other: {{$auth.token("unknown-id")}}', //        12
      '', //                                              13
    ].join('\n');
    await h.open(uri, text, 1);
    const d = (await h.diagnostics(uri, 1)).diagnostics;
    const got = d.map((x) => [x.range.start.line, x.code, x.severity]);
    assert.deepEqual(
      got,
      [
        [1, 'WL_IMPORT_NOT_FOUND', 1],
        [5, 'WL_RUN_UNKNOWN', 1],
        [6, 'WL_RUN_NOT_FOUND', 1],
        [12, 'WL_AUTH_UNKNOWN', 1],
      ],
      JSON.stringify(d, null, 1),
    );
    assert.match(d[1].message, /run #nobody: no request named "nobody" in this file or in common\.http/);
    assert.match(d[3].message, /no auth configuration "unknown-id" under Security\.Auth in environment "dev" \(defined: api\)/);
  } finally {
    await h.stop();
    rmSync(root, { recursive: true, force: true });
  }
});
