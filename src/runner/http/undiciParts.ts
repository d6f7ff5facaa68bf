// undici's Client and connector, required by undiciCore.ts with the engine's first connection.
// A module of its own so the build can make it a bundle of its own (dist/lazy-undiciParts.js):
// the extension, the CLI and the server then neither compile nor run undici until a request is sent.
import type * as undici from 'undici';

export const Client = require('undici/lib/dispatcher/client.js') as typeof undici.Client;
export const buildConnector = require('undici/lib/core/connect.js') as typeof undici.buildConnector;
