// A recording WebSocket server for tests: it remembers, per upgrade, the client's port as the
// server saw it, the headers, and every frame it received and sent, in order. Tests compare
// Wirelane's model against this record.

import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/** Self-signed for `localhost`, 127.0.0.1 and ::1, valid until 2126 (test use only). */
export const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBrDCCAVOgAwIBAgITZBuuIInnjCR3V/g/pndL57WUyTAKBggqhkjOPQQDAjAU
MRIwEAYDVQQDDAlsb2NhbGhvc3QwIBcNMjYxMTIyMDAzMzE1WhgPMjEyNjEwMjkw
MDMzMTVaMBQxEjAQBgNVBAMMCWxvY2FsaG9zdDBZMBMGByqGSM49AgEGCCqGSM49
AwEHA0IABMtSoynb966cbtjuhoz/XD6YkMQAo5uy6QBqlDtikkJ6DAfD/J+rww/J
1fPoshMK3ObMp067rDD6vk5DGsawyGqjgYEwfzAdBgNVHQ4EFgQUr4t6quZ8cSu5
8u0MWTGfrVxuyTkwHwYDVR0jBBgwFoAUr4t6quZ8cSu58u0MWTGfrVxuyTkwDwYD
VR0TAQH/BAUwAwEB/zAsBgNVHREEJTAjgglsb2NhbGhvc3SHBH8AAAGHEAAAAAAA
AAAAAAAAAAAAAAEwCgYIKoZIzj0EAwIDRwAwRAIgTcHMh5ItOGQref5JeKTB6kCP
7UoSujZM8ZvBUkEO16kCIGzPi/vlIOvlYRr1/oiJfbLKE6BUMvozCQ0leWgPFQbc
-----END CERTIFICATE-----
`;
export const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgxYoXMHnwFhaoRk/S
065YiBplHKNDF3Dpz9BZBJqjHGehRANCAATLUqMp2/eunG7Y7oaM/1w+mJDEAKOb
sukAapQ7YpJCegwHw/yfq8MPydXz6LITCtzmzKdOu6ww+r5OQxrGsMhq
-----END PRIVATE KEY-----
`;

export interface ServerFrame {
  /** 1 text, 2 binary, 8 close, 9 ping, 10 pong — as in the timeline model. */
  opcode: number;
  /** Payload as received/sent (close: the reason). */
  data: Buffer;
  closeCode?: number;
}

export interface Peer {
  ws: WebSocket;
  /** The client's port on the upgrade's socket, as the server saw it. */
  remotePort: number;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  path: string;
  protocol: string;
  extensions: string;
  received: ServerFrame[];
  sent: ServerFrame[];
  send(data: string | Buffer, cb?: (err?: Error) => void): void;
  /** Resolves with the close the server saw (1006 when the socket just dropped). */
  closed: Promise<{ code: number; reason: string }>;
}

export interface WsServerOptions {
  tls?: boolean;
  perMessageDeflate?: boolean;
  /** Answer every upgrade with this status instead of 101. */
  refuse?: { status: number; headers?: Record<string, string>; body?: string; keepOpen?: boolean };
  /** What to do with a message; default: echo it back. */
  onMessage?: (peer: Peer, data: Buffer, isBinary: boolean) => void;
  onConnection?: (peer: Peer) => void;
  /** Do not store received payloads over this size (the flood would otherwise pin them); counts still kept. */
  keepPayloadBytes?: number;
}

export interface RecordingWsServer {
  url: string;
  port: number;
  peers: Peer[];
  /** Raw upgrade requests seen, including refused ones: the client port and headers. */
  upgrades: Array<{ remotePort: number; headers: http.IncomingHttpHeaders }>;
  /** Resolves with the next peer (or the first if one already connected and none was taken). */
  nextPeer(): Promise<Peer>;
  close(): Promise<void>;
}

export async function startWsServer(opts: WsServerOptions = {}): Promise<RecordingWsServer> {
  const server = opts.tls ? https.createServer({ cert: TEST_CERT, key: TEST_KEY }) : http.createServer();
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: opts.perMessageDeflate ?? false,
    handleProtocols: (protocols) => {
      // Pick the last offered, so a test can tell negotiation from echoing the first.
      const list = [...protocols];
      return list.length ? list[list.length - 1] : false;
    },
  });
  const peers: Peer[] = [];
  const upgrades: RecordingWsServer['upgrades'] = [];
  const sockets = new Set<Socket>();
  let taken = 0;
  const peerWaiters: Array<(p: Peer) => void> = [];

  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
    upgrades.push({ remotePort: req.socket.remotePort!, headers: req.headers });
    if (opts.refuse) {
      const r = opts.refuse;
      const body = r.body ?? '';
      const extra = Object.entries(r.headers ?? {})
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('');
      socket.write(
        `HTTP/1.1 ${r.status} ${http.STATUS_CODES[r.status] ?? 'Refused'}\r\n${extra}Content-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${r.keepOpen ? '' : 'Connection: close\r\n'}\r\n${body}`,
      );
      if (!r.keepOpen) socket.end();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const keep = opts.keepPayloadBytes ?? Infinity;
      const trim = (b: Buffer): Buffer => (b.length > keep ? Buffer.alloc(0) : Buffer.from(b));
      let resolveClosed!: (v: { code: number; reason: string }) => void;
      const peer: Peer = {
        ws,
        remotePort: req.socket.remotePort!,
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        path: req.url ?? '',
        protocol: ws.protocol,
        extensions: ws.extensions,
        received: [],
        sent: [],
        send(data, cb) {
          const isBinary = Buffer.isBuffer(data);
          peer.sent.push({ opcode: isBinary ? 2 : 1, data: trim(Buffer.from(data)) });
          ws.send(data, { binary: isBinary }, cb);
        },
        closed: new Promise((r) => (resolveClosed = r)),
      };
      peers.push(peer);
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        peer.received.push({ opcode: isBinary ? 2 : 1, data: trim(data) });
        if (opts.onMessage) opts.onMessage(peer, data, isBinary);
        else if (ws.readyState === ws.OPEN) peer.send(isBinary ? data : data.toString('utf8'));
      });
      ws.on('ping', (data: Buffer) => {
        peer.received.push({ opcode: 9, data: Buffer.from(data) });
        // ws answered it already (autoPong on the server side).
        peer.sent.push({ opcode: 10, data: Buffer.from(data) });
      });
      ws.on('pong', (data: Buffer) => peer.received.push({ opcode: 10, data: Buffer.from(data) }));
      ws.on('error', () => {
        // A dropped client is a normal test case; the close event records it.
      });
      ws.on('close', (code: number, reason: Buffer) => {
        if (code !== 1006) peer.received.push({ opcode: 8, data: Buffer.from(reason), closeCode: code });
        resolveClosed({ code, reason: reason.toString('utf8') });
      });
      opts.onConnection?.(peer);
      const w = peerWaiters.shift();
      if (w) {
        taken++;
        w(peer);
      }
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${opts.tls ? 'wss' : 'ws'}://127.0.0.1:${port}`,
    port,
    peers,
    upgrades,
    nextPeer() {
      if (peers.length > taken) return Promise.resolve(peers[taken++]);
      return new Promise<Peer>((r) => peerWaiters.push(r));
    },
    async close() {
      for (const c of wss.clients) c.terminate();
      for (const s of sockets) s.destroy();
      wss.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A server-side `ws.close(code, reason)` that also lands in the peer's record. */
export function serverClose(peer: Peer, code: number, reason: string): void {
  peer.sent.push({ opcode: 8, data: Buffer.from(reason), closeCode: code });
  peer.ws.close(code, reason);
}
