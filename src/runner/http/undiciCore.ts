// The two parts of undici the engine uses, loaded without undici's index. The index requires
// every dispatcher, fetch, cookies, the mock agent and more (about 85 ms of a CLI run's start-up,
// more than the parts used here cost); undici 7 has no `exports` map, so these paths are public
// files of the package. Types come from undici's own declarations.
import type * as undici from 'undici';

/* eslint-disable @typescript-eslint/no-require-imports */
export const Client = require('undici/lib/dispatcher/client.js') as typeof undici.Client;
export type Client = undici.Client;

export const newConnector = require('undici/lib/core/connect.js') as typeof undici.buildConnector;
