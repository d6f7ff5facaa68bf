// Bundles every entry point with esbuild. Any error exits non-zero (the build must fail loudly).
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

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

// The CLI is split so start-up loads only what the command needs: dist/cli.js (the bin) holds
// the argument dispatch, usage and version; each command is its own bundle, dist/cli-NAME.js,
// which main.ts's `import('./commands/NAME')` loads on demand (undici, the resolver's JSONPath
// and XPath libraries and the demo's certificate generator are never read for `--version`).
const CLI_COMMANDS = readdirSync('src/cli/commands')
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3));
const cliCommandsExternal = {
  name: 'cli-commands-external',
  setup(build) {
    build.onResolve({ filter: /^\.\/commands\/[\w-]+$/ }, (args) => {
      if (!args.importer.endsWith(join('src', 'cli', 'main.ts'))) return undefined;
      return { path: `./cli-${args.path.slice('./commands/'.length)}.js`, external: true };
    });
  },
};

// Libraries a run needs only when it sends (undici) or selects from a response (JSONPath, XPath)
// are bundles of their own, dist/lazy-NAME.js, which the code requires on first use: the
// extension, the server and the CLI neither compile nor run them at start-up.
const LAZY = { undiciParts: 'src/runner/http/undiciParts.ts', selectors: 'src/core/variables/selectors.ts' };
const lazyModules = {
  name: 'lazy-modules',
  setup(build) {
    build.onResolve({ filter: /^\.\/(undiciParts|selectors)$/ }, (args) => {
      const name = args.path.slice(2);
      // Only the on-demand require next to the module (undiciCore.ts, chaining.ts), not an import.
      if (args.kind !== 'require-call' || resolve(args.resolveDir, `${name}.ts`) !== resolve(LAZY[name])) return undefined;
      return { path: `./lazy-${name}.js`, external: true };
    });
  },
};

// The script sandbox (QuickJS) is its own bundle, loaded only when a file has scripts: it
// keeps `wirelane --version` and extension activation as fast as before.
const QUICKJS = ['quickjs-emscripten-core', '@jitl/quickjs-wasmfile-release-sync'];
// The extension starts from a small bundle, dist/extension.js (entry.ts: the code lens provider and
// the parser), which registers the lenses and then requires dist/extension-main.js (main.ts: the
// language client, the runner, the views): "Send" is drawn without waiting for the large bundle.
const extensionMainExternal = {
  name: 'extension-main-external',
  setup(build) {
    build.onResolve({ filter: /^\.\/extension-main\.js$/ }, () => ({ path: './extension-main.js', external: true }));
  },
};
const entries = [
  { entryPoints: ['src/extension/entry.ts'], outfile: 'dist/extension.js', external: ['vscode'], plugins: [extensionMainExternal] },
  { entryPoints: ['src/extension/main.ts'], outfile: 'dist/extension-main.js', external: ['vscode', ...QUICKJS], plugins: [lazyModules] },
  { entryPoints: ['src/server/main.ts'], outfile: 'dist/server.js', external: QUICKJS, plugins: [lazyModules] },
  { entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' }, external: QUICKJS, plugins: [cliCommandsExternal], supported: { 'dynamic-import': false } },
  ...CLI_COMMANDS.map((name) => ({ entryPoints: [`src/cli/commands/${name}.ts`], outfile: `dist/cli-${name}.js`, external: QUICKJS, plugins: [lazyModules] })),
  // The engine's ES module glue reads import.meta.url, which a CommonJS bundle lacks: give it this file's URL.
  {
    entryPoints: ['src/runner/scripts/quickjsLib.ts'],
    outfile: 'dist/quickjs.js',
    define: { 'import.meta.url': '__wirelaneModuleUrl' },
    banner: { js: "const __wirelaneModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  },
  ...Object.entries(LAZY).map(([name, entry]) => ({ entryPoints: [entry], outfile: `dist/lazy-${name}.js` })),
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
