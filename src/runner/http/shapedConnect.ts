// The undici connector for a run under simulated network conditions: TCP through the run's
// Shaper, then (https) undici's own TLS connector over the shaped stream, so the handshake pays
// its round trips. The tracker sees the shaped TCP socket (its ports are the real socket's, what
// the server saw; its 'connect' comes one RTT after the start) and the TLS socket undici writes on.

import type { buildConnector } from 'undici';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Shaper } from '../net/conditions';
import type { ConnectionTracker, TrackedConnection } from './tracker';

export function connectShaped(
  shaper: Shaper,
  base: ReturnType<typeof buildConnector>,
  o: buildConnector.Options,
  cb: buildConnector.Callback,
  tracker: ConnectionTracker,
  tc: TrackedConnection,
): Socket {
  const https = o.protocol === 'https:';
  const tcp = shaper.connect({ host: o.hostname, port: Number(o.port || (https ? 443 : 80)) });
  tracker.attachSocket(tc, tcp);
  if (https) {
    const secure = base({ ...o, httpSocket: tcp } as buildConnector.Options, cb) as unknown as TLSSocket;
    tracker.attachTunnelTls(tc, secure);
    return secure;
  }
  let settled = false;
  const onError = (err: Error) => {
    if (settled) return;
    settled = true;
    cb(err, null);
  };
  tcp.once('error', onError);
  tcp.once('connect', () => {
    if (settled) return;
    settled = true;
    tcp.off('error', onError);
    cb(null, tcp as never);
  });
  return tcp;
}
