// The two parts of undici the engine uses, loaded without undici's index and only when the
// first connection is made. The index requires every dispatcher, fetch, cookies, the mock agent
// and more (about 85 ms of a CLI run's start-up, more than the parts used here cost); the
// extension host loads the runner on activation but sends nothing until asked. undici 7 has no
// `exports` map, so these paths are public files of the package. Types come from undici's own
// declarations.
import type * as undici from 'undici';

export type Client = undici.Client;

let clientClass: typeof undici.Client | undefined;
let connectorFactory: typeof undici.buildConnector | undefined;

/** undici's Client class (lib/dispatcher/client.js), loaded on first use. */
export function undiciClient(): typeof undici.Client {
  return (clientClass ??= require('undici/lib/dispatcher/client.js') as typeof undici.Client);
}

/** undici's buildConnector (lib/core/connect.js), loaded on first use. */
export function newConnector(options: undici.buildConnector.BuildOptions): ReturnType<typeof undici.buildConnector> {
  connectorFactory ??= require('undici/lib/core/connect.js') as typeof undici.buildConnector;
  return connectorFactory(options);
}
