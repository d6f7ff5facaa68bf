// Runs the same mocha suite in desktop VS Code downloaded by @vscode/test-electron (laptops with
// internet; on the CI machines use runInCodeServer.ts). Runs it once per http.proxySupport value.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runTests } from '@vscode/test-electron';

const repo = resolve(__dirname, '..', '..');

async function main(): Promise<number> {
  let failed = 0;
  for (const [name, settings] of [
    ['proxy-off', { 'http.proxySupport': 'off' }],
    ['proxy-default', {}],
  ] as const) {
    const workspace = mkdtempSync(join(tmpdir(), `wl-ws-${name}-`));
    const userData = mkdtempSync(join(tmpdir(), `wl-ud-${name}-`));
    mkdirSync(join(userData, 'User'), { recursive: true });
    writeFileSync(join(userData, 'User', 'settings.json'), JSON.stringify(settings));
    try {
      await runTests({
        extensionDevelopmentPath: repo,
        extensionTestsPath: join(repo, 'dist', 'test', 'integration', 'index.js'),
        launchArgs: [workspace, '--user-data-dir', userData, '--disable-extensions', '--disable-workspace-trust'],
        extensionTestsEnv: {
          WIRELANE_IT_RESULTS: join(repo, 'test-artifacts', 'vscode', `integration-electron-${name}.txt`),
          WIRELANE_IT_VARIANT: name,
          WIRELANE_PLAIN_NODE: process.execPath,
          WIRELANE_REPO: repo,
        },
      });
    } catch {
      failed++;
    } finally {
      rmSync(workspace, { recursive: true, force: true });
      rmSync(userData, { recursive: true, force: true });
    }
  }
  return failed ? 1 : 0;
}

main().then(
  (c) => process.exit(c),
  (e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
