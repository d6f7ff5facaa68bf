// undici's Client and connector, required by undiciCore.ts with the engine's first connection.
// A module of its own so the build can make it a bundle of its own (dist/lazy-undiciParts.js):
// the extension, the CLI and the server then neither compile nor run undici until a request is sent.
import type * as undici from 'undici';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use (a bundle of its own), see scripts/build.mjs
export const Client = require('undici/lib/dispatcher/client.js') as typeof undici.Client;
// eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use (a bundle of its own), see scripts/build.mjs
export const buildConnector = require('undici/lib/core/connect.js') as typeof undici.buildConnector;
