// Bundles every entry point with esbuild. Any error exits non-zero (the build must fail loudly).
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

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
const CLI_COMMANDS = readdirSync('src/cli/commands').filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3));
const cliCommandsExternal = {
  name: 'cli-commands-external',
  setup(build) {
    build.onResolve({ filter: /^\.\/commands\/[\w-]+$/ }, (args) => {
      if (!args.importer.endsWith(join('src', 'cli', 'main.ts'))) return undefined;
      return { path: `./cli-${args.path.slice('./commands/'.length)}.js`, external: true };
    });
  },
};

const entries = [
  { entryPoints: ['src/extension/main.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  { entryPoints: ['src/server/main.ts'], outfile: 'dist/server.js' },
  { entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' }, plugins: [cliCommandsExternal], supported: { 'dynamic-import': false } },
  ...CLI_COMMANDS.map((name) => ({ entryPoints: [`src/cli/commands/${name}.ts`], outfile: `dist/cli-${name}.js` })),
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
