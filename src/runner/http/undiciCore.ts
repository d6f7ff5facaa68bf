// The two parts of undici the engine uses, loaded without undici's index and only when the
// first connection is made. The index requires every dispatcher, fetch, cookies, the mock agent
// and more (about 85 ms of a CLI run's start-up, more than the parts used here cost); the
// extension host loads the runner on activation but sends nothing until asked. undici 7 has no
// `exports` map, so the paths in undiciParts.ts are public files of the package.
import type * as undici from 'undici';

export type Client = undici.Client;

let parts: typeof import('./undiciParts') | undefined;
// eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use (a bundle of its own), see scripts/build.mjs
const load = (): typeof import('./undiciParts') => (parts ??= require('./undiciParts') as typeof import('./undiciParts'));

/** undici's Client class (lib/dispatcher/client.js), loaded on first use. */
export function undiciClient(): typeof undici.Client {
  return load().Client;
}

/** undici's buildConnector (lib/core/connect.js), loaded on first use. */
export function newConnector(options: undici.buildConnector.BuildOptions): ReturnType<typeof undici.buildConnector> {
  return load().buildConnector(options);
}
