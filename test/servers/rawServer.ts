// A hand-written HTTP/1.1 server over net: it sees pipelined requests as they arrive (how many
// were outstanding on the socket) and misbehaves on purpose for the fault tests.
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface RawSeen {
  path: string;
  remotePort: number;
  /** Requests received on this socket and not yet answered when this one arrived (itself included). */
  outstanding: number;
}

export interface RawServer {
  url: string;
  port: number;
  seen: RawSeen[];
  waitFor(n: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Paths: `/ok?ms=N` answers after N ms (answers on one socket go in order);
 * `/reset-before-headers`, `/reset-mid-body`, `/truncated-chunked`, `/malformed-status`,
 * `/never` (reads the request, never answers), `/ok-then-fin` (answers, then closes without a header saying so), `/close-before-headers` (FIN, no answer),
 * `/http10` (answers `HTTP/1.0` and closes, as a 1.0 server does), `/http10-ka` (answers `HTTP/1.0` with `Connection: keep-alive` and keeps the socket).
 */
export async function startRawServer(): Promise<RawServer> {
  const seen: RawSeen[] = [];
  const waits: Array<{ n: number; resolve: () => void }> = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buf = '';
    let outstanding = 0;
    let queue = Promise.resolve();
    socket.on('data', (d) => {
      buf += d.toString('latin1');
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) break;
        const head = buf.slice(0, end);
        buf = buf.slice(end + 4);
        const path = head.split(' ')[1] ?? '/';
        outstanding++;
        seen.push({ path, remotePort: socket.remotePort as number, outstanding });
        for (const w of waits.splice(0)) {
          if (seen.length >= w.n) w.resolve();
          else waits.push(w);
        }
        queue = queue
          .then(() => answer(socket, path))
          .then(() => {
            outstanding--;
          });
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    seen,
    waitFor: (n) => new Promise<void>((resolve) => (seen.length >= n ? resolve() : waits.push({ n, resolve }))),
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

function answer(socket: net.Socket, path: string): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  const url = new URL(path, 'http://x');
  switch (url.pathname) {
    case '/reset-before-headers':
      socket.resetAndDestroy();
      return Promise.resolve();
    case '/reset-mid-body':
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789', () => setTimeout(() => socket.resetAndDestroy(), 20));
      return new Promise(() => undefined);
    case '/truncated-chunked':
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n', () => socket.end());
      return new Promise(() => undefined);
    case '/malformed-status':
      socket.write('HTTP/1.1 2OO KO\r\nContent-Length: 0\r\n\r\n');
      return Promise.resolve();
    case '/close-before-headers':
      socket.end();
      return new Promise(() => undefined);
    case '/ok-then-fin':
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', () => setTimeout(() => socket.end(), 30));
      return new Promise(() => undefined);
    case '/never':
      return new Promise(() => undefined);
    case '/http10':
      socket.end('HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok');
      return new Promise(() => undefined);
    case '/http10-ka':
      socket.write('HTTP/1.0 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok');
      return Promise.resolve();
    default: {
      const ms = Number(url.searchParams.get('ms') ?? 0);
      return new Promise((resolve) =>
        setTimeout(() => {
          if (!socket.destroyed) socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${path.length}\r\nContent-Type: text/plain\r\n\r\n${path}`);
          resolve();
        }, ms),
      );
    }
  }
}
