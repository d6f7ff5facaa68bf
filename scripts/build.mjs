// Bundles every entry point with esbuild. Any error exits non-zero (the build must fail loudly).
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';

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

// The script sandbox (QuickJS) is its own bundle, loaded only when a file has scripts: it
// keeps `wirelane --version` and extension activation as fast as before.
const QUICKJS = ['quickjs-emscripten-core', '@jitl/quickjs-wasmfile-release-sync'];
const entries = [
  { entryPoints: ['src/extension/main.ts'], outfile: 'dist/extension.js', external: ['vscode', ...QUICKJS] },
  { entryPoints: ['src/server/main.ts'], outfile: 'dist/server.js', external: QUICKJS },
  { entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' }, external: QUICKJS },
  // The engine's ES module glue reads import.meta.url, which a CommonJS bundle lacks: give it this file's URL.
  {
    entryPoints: ['src/runner/scripts/quickjsLib.ts'],
    outfile: 'dist/quickjs.js',
    define: { 'import.meta.url': '__wirelaneModuleUrl' },
    banner: { js: "const __wirelaneModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  },
];

try {
  mkdirSync('dist', { recursive: true });
  for (const e of entries) {
    if (!existsSync(e.entryPoints[0])) throw new Error(`missing entry point ${e.entryPoints[0]}`);
    await esbuild.build({ ...common, ...e });
  }
  copyFileSync(createRequire(import.meta.url).resolve('@jitl/quickjs-wasmfile-release-sync/wasm'), 'dist/quickjs.wasm');
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
