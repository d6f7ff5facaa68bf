// Bundles every entry point with esbuild. Any error exits non-zero (the build must fail loudly).
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync } from 'node:fs';

const production = process.argv.includes('--production');
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
};

const entries = [
  { entryPoints: ['src/extension/main.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  { entryPoints: ['src/server/main.ts'], outfile: 'dist/server.js' },
  { entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
];

try {
  mkdirSync('dist', { recursive: true });
  for (const e of entries) {
    if (!existsSync(e.entryPoints[0])) throw new Error(`missing entry point ${e.entryPoints[0]}`);
    await esbuild.build({ ...common, ...e });
  }
  if (existsSync('media/src/main.ts')) {
    await esbuild.build({
      entryPoints: ['media/src/main.ts'],
      outfile: 'media/dist/timeline.js',
      bundle: true,
      platform: 'browser',
      format: 'iife',
      target: 'es2022',
      sourcemap: false,
      minify: production,
      logLevel: 'warning',
    });
  }
  if (existsSync('media/src/timeline.css')) {
    await esbuild.build({ entryPoints: ['media/src/timeline.css'], outfile: 'media/dist/timeline.css', bundle: true, logLevel: 'warning', minify: production });
  }
} catch (err) {
  console.error(`build failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
