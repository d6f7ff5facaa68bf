// Bundles the mocha suite that runs inside a real VS Code (code-server or @vscode/test-electron)
// into dist/test/integration/: index.js (the extensionTestsPath entry) and one file per *.test.ts.
// `vscode` comes from the extension host; mocha stays external so the host loads it from node_modules.
import * as esbuild from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const dir = 'test/integration';
const tests = readdirSync(dir)
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => join(dir, f));

try {
  rmSync('dist/test/integration', { recursive: true, force: true });
  await esbuild.build({
    entryPoints: [join(dir, 'index.ts'), ...tests],
    outdir: 'dist/test/integration',
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    external: ['vscode', 'mocha', 'playwright-core'],
    logLevel: 'warning',
  });
} catch (err) {
  console.error(`integration build failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
