// The servers `wirelane demo` talks to, on 127.0.0.1 ephemeral ports. Each one makes a
// connection behaviour visible: a keep-alive server that closes after a few requests per
// connection, a route that answers `Connection: close`, a slow route, JSON routes for
// chaining, HTTP/2 over TLS with a certificate made at start, and a WebSocket echo/chat.

import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createSecureServer, type Http2SecureServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';

export interface DemoServers {
  /** `http://127.0.0.1:PORT` — HTTP/1.1 keep-alive, `requestsPerConnection` per socket. */
  http: string;
  /** `https://127.0.0.1:PORT` — HTTP/2 (and HTTP/1.1 by ALPN) over a self-signed certificate. */
  h2: string;
  /** `ws://127.0.0.1:PORT` — WebSocket echo at /echo, chat at /chat. */
  ws: string;
  /** Variables for `examples/demo.http`. */
  variables: Record<string, string>;
  /** Client ports each server saw, per request, in order (for tests and the demo's own check). */
  seen: Array<{ server: 'http' | 'h2' | 'ws'; path: string; remotePort: number }>;
  close(): Promise<void>;
}

export interface DemoOptions {
  /** Requests one HTTP/1.1 connection may carry before the server answers `Connection: close`. Default 3. */
  requestsPerConnection?: number;
  /** Idle keep-alive timeout of the HTTP/1.1 server (ms). Default 5000. */
  keepAliveTimeoutMs?: number;
}

type Req = IncomingMessage | Http2ServerRequest;
type Res = ServerResponse | Http2ServerResponse;

const USER = { id: 7, name: 'Ada', email: 'ada@example.test' };

function readBody(req: Req): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= 1 << 20) chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(''));
  });
}

function json(res: Res, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  (res as ServerResponse).writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...extra });
  res.end(text);
}

/** Routes shared by the HTTP/1.1 and the HTTP/2 server. */
function makeHandler(tokens: Set<string>, label: string) {
  return async (req: Req, res: Res): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://demo');
    const path = url.pathname;
    if (path === '/login' && req.method === 'POST') {
      const body = await readBody(req);
      let user = 'ada';
      try {
        const parsed = JSON.parse(body || '{}') as { user?: unknown };
        if (typeof parsed.user === 'string') user = parsed.user;
      } catch {
        return json(res, 400, { error: 'body must be JSON: {"user": "…", "password": "…"}' });
      }
      const token = randomBytes(12).toString('hex');
      tokens.add(token);
      return json(res, 200, { token, user });
    }
    if (path === '/me') {
      const auth = String(req.headers.authorization ?? '');
      const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
      if (!tokens.has(token)) return json(res, 401, { error: 'send Authorization: Bearer <token from /login>' });
      return json(res, 200, USER);
    }
    if (path === '/close') {
      // HTTP/2 forbids the Connection header; only HTTP/1.1 closes here.
      const extra: Record<string, string> = req.httpVersionMajor === 2 ? {} : { connection: 'close' };
      return json(res, 200, { closing: req.httpVersionMajor !== 2 }, extra);
    }
    if (path === '/slow') {
      const ms = Math.min(Math.max(Number(url.searchParams.get('ms') ?? 300) || 0, 0), 5000);
      const t = setTimeout(() => json(res, 200, { waitedMs: ms }), ms);
      req.on('close', () => clearTimeout(t));
      return;
    }
    if (path.startsWith('/items/')) {
      const id = path.slice('/items/'.length);
      return json(res, 200, { id, name: `item ${id}`, server: label });
    }
    if (path === '/' || path === '/hello') return json(res, 200, { hello: 'world', server: label, protocol: `HTTP/${req.httpVersion}` });
    return json(res, 404, { error: `no route ${path}` });
  };
}

async function makeCertificate(): Promise<{ key: string; cert: string }> {
  const selfsigned = await import('selfsigned');
  const generate =
    (selfsigned as unknown as { generate: typeof import('selfsigned').generate }).generate ??
    (selfsigned as unknown as { default: { generate: typeof import('selfsigned').generate } }).default.generate;
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 7 * 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}

function listen(server: Server | Http2SecureServer): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

export async function startDemoServers(opts: DemoOptions = {}): Promise<DemoServers> {
  const tokens = new Set<string>();
  const seen: DemoServers['seen'] = [];
  const sockets = new Set<Socket>();

  const httpHandler = makeHandler(tokens, 'http/1.1');
  const http = createHttpServer((req, res) => {
    seen.push({ server: 'http', path: req.url ?? '/', remotePort: req.socket.remotePort ?? 0 });
    void httpHandler(req, res);
  });
  // Node answers the last allowed request with `Connection: close` itself.
  http.maxRequestsPerSocket = opts.requestsPerConnection ?? 3;
  http.keepAliveTimeout = opts.keepAliveTimeoutMs ?? 5000;
  http.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  const { key, cert } = await makeCertificate();
  const h2Handler = makeHandler(tokens, 'h2');
  const h2 = createSecureServer({ key, cert, allowHTTP1: true }, (req, res) => {
    seen.push({ server: 'h2', path: req.url ?? '/', remotePort: req.socket?.remotePort ?? 0 });
    void h2Handler(req, res);
  });
  h2.on('secureConnection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  const wsHttp = createHttpServer((_req, res) => json(res, 426, { error: 'this port speaks WebSocket: /echo or /chat' }));
  wsHttp.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const wss = new WebSocketServer({ server: wsHttp, perMessageDeflate: false });
  const chat = new Set<WebSocket>();
  wss.on('connection', (socket, req) => {
    const path = req.url ?? '/';
    seen.push({ server: 'ws', path, remotePort: req.socket.remotePort ?? 0 });
    if (path.startsWith('/chat')) {
      chat.add(socket);
      socket.on('close', () => chat.delete(socket));
      // The server speaks first: a WebSocket is not request/response.
      socket.send(JSON.stringify({ from: 'server', text: 'welcome to the demo chat', members: chat.size }));
      socket.on('message', (data, isBinary) => {
        for (const peer of chat) peer.send(isBinary ? data : JSON.stringify({ from: 'echo', text: data.toString() }), { binary: isBinary });
        // …and again a moment later, unasked.
        const t = setTimeout(() => {
          if (socket.readyState === socket.OPEN) socket.send(JSON.stringify({ from: 'server', text: 'typing done', at: new Date().toISOString() }));
        }, 20);
        socket.once('close', () => clearTimeout(t));
      });
    } else {
      socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
    }
  });

  const [httpPort, h2Port, wsPort] = await Promise.all([listen(http), listen(h2), listen(wsHttp)]);
  const urls = { http: `http://127.0.0.1:${httpPort}`, h2: `https://127.0.0.1:${h2Port}`, ws: `ws://127.0.0.1:${wsPort}` };
  return {
    ...urls,
    variables: { ...urls, user: 'ada', password: 'demo-password' },
    seen,
    async close() {
      for (const c of wss.clients) c.terminate();
      wss.close();
      for (const s of sockets) s.destroy();
      await Promise.all(
        [http, h2, wsHttp].map(
          (s) =>
            new Promise<void>((resolve) => {
              (s as Server).close(() => resolve());
            }),
        ),
      );
    },
  };
}
