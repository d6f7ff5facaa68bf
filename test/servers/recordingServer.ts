// HTTP/1.1 test server on 127.0.0.1:0 that records, for every request, the client port the
// server saw (`req.socket.remotePort`): the ground truth the tracker's connections are checked against.
import http from 'node:http';
import https from 'node:https';
import http2 from 'node:http2';
import zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { selfSignedCert } from './certs';

export interface SeenRequest {
  method: string;
  url: string;
  remotePort: number;
  httpVersion: string;
  headers: http.IncomingHttpHeaders;
  /** HTTP/2 only. */
  streamId?: number;
  body: string;
}

export interface RecordingServer {
  url: string;
  port: number;
  seen: SeenRequest[];
  /** Resolves when the server has seen `n` requests in total. */
  waitFor(n: number): Promise<void>;
  /** Sockets the server has accepted, by client port. */
  sockets: number[];
  close(): Promise<void>;
}

export interface RecordingOptions {
  keepAliveTimeout?: number;
  maxRequestsPerSocket?: number;
  tls?: boolean;
  /** Certificate to serve instead of the default self-signed one for 127.0.0.1. */
  cert?: { key: string; cert: string };
}

const DIGEST_USER = 'alice';
const DIGEST_PASS = 'secret';

/**
 * Routes: `/close` answers with Connection: close; `/slow?ms=N` waits; `/gzip`, `/br`,
 * `/deflate` send an encoded body; `/set-cookie`, `/echo-cookie`; `/redirect?to=PATH`;
 * `/digest` (user alice, password secret, MD5 or `?alg=SHA-256`); `/big?mb=N` streams N MB;
 * `/echo` returns the request body; anything else answers `ok <path>`.
 */
function handler(seen: SeenRequest[], notify: () => void) {
  return (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const stream = (req as http2.Http2ServerRequest).stream;
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        remotePort: req.socket.remotePort ?? (stream?.session?.socket.remotePort as number),
        httpVersion: req.httpVersion,
        headers: req.headers as http.IncomingHttpHeaders,
        streamId: stream?.id,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      notify();
      const r = res as http.ServerResponse;
      const body = `ok ${url.pathname}`;
      switch (url.pathname) {
        case '/close':
          r.setHeader('Connection', 'close');
          r.end(body);
          return;
        case '/slow':
          setTimeout(() => r.end(body), Number(url.searchParams.get('ms') ?? 100));
          return;
        case '/gzip':
        case '/br':
        case '/deflate': {
          const text = 'hello '.repeat(1000);
          const enc = url.pathname === '/gzip' ? zlib.gzipSync(text) : url.pathname === '/br' ? zlib.brotliCompressSync(text) : zlib.deflateSync(text);
          r.setHeader('Content-Encoding', url.pathname.slice(1));
          r.setHeader('Content-Type', 'text/plain');
          r.end(enc);
          return;
        }
        case '/set-cookie':
          r.setHeader('Set-Cookie', ['session=abc123; Path=/', 'theme=dark; Path=/']);
          r.end(body);
          return;
        case '/echo-cookie':
          r.end(String(req.headers.cookie ?? ''));
          return;
        case '/echo':
          r.setHeader('Content-Type', String(req.headers['content-type'] ?? 'application/octet-stream'));
          r.end(Buffer.concat(chunks));
          return;
        case '/redirect':
          r.statusCode = Number(url.searchParams.get('status') ?? 302);
          r.setHeader('Location', url.searchParams.get('to') ?? '/');
          r.end();
          return;
        case '/digest': {
          const alg = url.searchParams.get('alg') ?? 'MD5';
          const realm = 'wirelane';
          const nonce = 'dcd98b7102dd2f0e8b11d0f600bfb0c093';
          const auth = String(req.headers.authorization ?? '');
          const p = Object.fromEntries([...auth.matchAll(/(\w+)=(?:"([^"]*)"|([^\s,]*))/g)].map((m) => [m[1], m[2] ?? m[3]]));
          const H = (s: string) =>
            createHash(alg === 'SHA-256' ? 'sha256' : 'md5')
              .update(s)
              .digest('hex');
          const expected = H(`${H(`${DIGEST_USER}:${realm}:${DIGEST_PASS}`)}:${nonce}:${p.nc}:${p.cnonce}:auth:${H(`${req.method}:${p.uri}`)}`);
          if (auth.startsWith('Digest ') && p.response === expected && p.username === DIGEST_USER) {
            r.end('digest ok');
            return;
          }
          r.statusCode = 401;
          r.setHeader('WWW-Authenticate', `Digest realm="${realm}", qop="auth", algorithm=${alg}, nonce="${nonce}", opaque="5ccc069c403ebaf9f0171e9517f40e41"`);
          r.end('who are you');
          return;
        }
        case '/big': {
          const total = Number(url.searchParams.get('mb') ?? 1) * 1024 * 1024;
          const chunk = Buffer.alloc(64 * 1024, 0x61);
          r.setHeader('Content-Type', 'application/octet-stream');
          r.setHeader('Content-Length', String(total));
          let sent = 0;
          const pump = (): void => {
            while (sent < total) {
              const n = Math.min(chunk.length, total - sent);
              sent += n;
              if (!r.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
                r.once('drain', pump);
                return;
              }
            }
            r.end();
          };
          pump();
          return;
        }
        default:
          r.setHeader('Content-Type', 'text/plain');
          r.end(body);
      }
    });
  };
}

function waiter(seen: SeenRequest[]) {
  const waits: Array<{ n: number; resolve: () => void }> = [];
  return {
    notify: () => {
      for (const w of waits.splice(0)) {
        if (seen.length >= w.n) w.resolve();
        else waits.push(w);
      }
    },
    waitFor: (n: number) => new Promise<void>((resolve) => (seen.length >= n ? resolve() : waits.push({ n, resolve }))),
  };
}

export async function startRecordingServer(opts: RecordingOptions = {}): Promise<RecordingServer> {
  const seen: SeenRequest[] = [];
  const w = waiter(seen);
  const h = handler(seen, w.notify);
  const server = opts.tls ? https.createServer(opts.cert ?? (await selfSignedCert()), h as http.RequestListener) : http.createServer(h as http.RequestListener);
  if (opts.keepAliveTimeout !== undefined) server.keepAliveTimeout = opts.keepAliveTimeout;
  if (opts.maxRequestsPerSocket !== undefined) server.maxRequestsPerSocket = opts.maxRequestsPerSocket;
  const sockets: number[] = [];
  server.on(opts.tls ? 'secureConnection' : 'connection', (s) => sockets.push(s.remotePort));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    seen,
    sockets,
    waitFor: w.waitFor,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** HTTP/2 over TLS (ALPN h2, with http/1.1 allowed) and a generated certificate. */
export async function startH2Server(): Promise<RecordingServer> {
  const seen: SeenRequest[] = [];
  const w = waiter(seen);
  const server = http2.createSecureServer({ ...(await selfSignedCert()), allowHTTP1: true }, handler(seen, w.notify) as never);
  const sockets: number[] = [];
  const open = new Set<import('node:net').Socket>();
  server.on('secureConnection', (s) => {
    sockets.push(s.remotePort);
    open.add(s);
    s.on('close', () => open.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    seen,
    sockets,
    waitFor: w.waitFor,
    close: () =>
      new Promise<void>((r) => {
        for (const s of open) s.destroy();
        server.close(() => r());
      }),
  };
}

export const DIGEST_CREDENTIALS = { user: DIGEST_USER, password: DIGEST_PASS };
