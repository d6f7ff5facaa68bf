// `HTTP/1.0` on the request line: undici only speaks HTTP/1.1, so these few requests go over
// a plain socket of their own. HTTP/1.0 is non-persistent here: one connection per request,
// closed after the response (Wirelane does not offer `Connection: keep-alive` on 1.0).

import net from 'node:net';
import tls from 'node:tls';
import { Readable } from 'node:stream';
import type { RunRecorder } from '../../core/timeline/recorder';
import type { CloseReason, Connection, ConnectionMode, ExchangeResponse } from '../../core/timeline/model';
import type { ResolvedRequest } from '../../core/request';
import { WlError } from '../../core/errors';
import { toWlError, type ExchangeStage } from './errors';
import { bytesRef, readBody, type PreparedBody } from './body';
import { trackerNow as now, type ExchangeTrace, type TrackedConnection } from './tracker';
import { requestTunnel, type ProxyPlan } from './proxy';
import type { Shaper } from '../net/conditions';

interface Host {
  recorder: RunRecorder;
  mode: ConnectionMode;
  /** Simulated network conditions: TCP through the shaper, TLS over the shaped stream. */
  network?: Shaper;
  originsSeen: Set<string>;
  storeCookies(h: Array<[string, string]>, u: URL): Promise<void>;
  finishTimings(t: ExchangeTrace, at: number): void;
  connections: Set<{ close(reason: 'client-closed'): void; closed: Promise<void> }>;
}

export interface Http10Args {
  engine: Host;
  req: ResolvedRequest;
  attempt: { method: string; url: URL; body?: PreparedBody };
  headers: Array<[string, string]>;
  trace: ExchangeTrace;
  /** Fires 'abort' once, with `reason` set (see ExchangeAbort). */
  signal: { aborted: boolean; reason: unknown; once(e: 'abort', f: () => void): unknown; off(e: 'abort', f: () => void): unknown };
  insecure: boolean;
  /** The environment's client certificate (SSLConfiguration) for https:// targets. */
  clientCert?: { cert?: Buffer; key?: Buffer; pfx?: Buffer; passphrase?: string };
  bodyLimit: number;
  tempDir: string;
  useJar: boolean;
  /** The proxy this request goes through (NO_PROXY already applied): absolute form for http://, a CONNECT tunnel for https://. */
  proxy?: ProxyPlan;
}

const MAX_HEAD = 64 * 1024;

export async function sendHttp10(a: Http10Args): Promise<{ exchange: ExchangeTrace['exchange']; body?: Buffer; bodyFile?: string }> {
  const { engine, req, attempt, trace } = a;
  const ex = trace.exchange;
  const url = attempt.url;
  const isTls = url.protocol === 'https:';
  const port = Number(url.port || (isTls ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const proxy = a.proxy;
  const first = !engine.originsSeen.has(url.origin);
  engine.originsSeen.add(url.origin);
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  const conn: Connection = {
    id: engine.recorder.nextConnectionId(),
    origin: url.origin,
    protocol: 'http/1.0',
    openedAt: now(),
    openReason: first ? 'first' : 'forced',
    openDetail: first ? `first connection to ${url.origin}` : 'HTTP/1.0 opens a connection for each request',
    closeReason: 'open',
    mode: engine.mode,
    requestCount: 0,
  };
  if (proxy) {
    conn.proxy = proxy.origin;
    if (!isTls) conn.origin = proxy.origin;
    conn.openDetail += `; via proxy ${proxy.origin}${isTls ? ' (CONNECT tunnel, TLS to the server inside it)' : ''}`;
  }
  engine.recorder.addConnection(conn);
  const tc = { conn, lookupAt: undefined as number | undefined } as unknown as TrackedConnection;
  trace.conn = tc;
  ex.connectionId = conn.id;
  let closing: { reason: CloseReason; detail: string } | undefined;
  let remoteEnded = false;
  const tlsOptions = { servername: net.isIP(host) ? undefined : host, rejectUnauthorized: !a.insecure, ALPNProtocols: ['http/1.1'], ...a.clientCert };
  // Through a proxy the TCP connection (the one recorded) is to the proxy; TLS, if any, runs inside the tunnel.
  const shaper = engine.network;
  const tcp = (h: string, p: number): net.Socket => (shaper ? shaper.connect({ host: h, port: p }) : net.connect({ host: h, port: p }));
  // Shaped, TLS runs over the shaped TCP stream (as through a tunnel), so the handshake pays its round trips.
  const tlsInside = isTls && (proxy !== undefined || shaper !== undefined);
  const raw: net.Socket = proxy ? tcp(proxy.host, proxy.port) : isTls && !shaper ? tls.connect({ host, port, ...tlsOptions }) : tcp(host, port);
  let socket = raw;
  const handle = {
    closed,
    close(reason: 'client-closed') {
      closing ??= { reason, detail: 'closed by Wirelane at the end of the run' };
      socket.destroy();
      raw.destroy();
    },
  };
  engine.connections.add(handle);
  raw.once('lookup', () => (tc.lookupAt = now()));
  raw.once('connect', () => {
    conn.connectedAt = now();
    conn.localAddress = raw.localAddress;
    conn.localPort = raw.localPort;
    conn.remoteAddress = raw.remoteAddress;
    conn.remotePort = raw.remotePort;
  });
  const onEnd = () => (remoteEnded = true);
  const onClose = () => {
    if (conn.closedAt !== undefined) return;
    conn.closedAt = now();
    const c =
      closing ??
      (remoteEnded
        ? { reason: 'server-closed' as const, detail: 'HTTP/1.0: the server ended the response by closing' }
        : { reason: 'client-closed' as const, detail: 'HTTP/1.0: closed by Wirelane after the response' });
    conn.closeReason = c.reason;
    conn.closeDetail = c.detail;
    engine.recorder.updateConnection(conn.id, {});
    engine.connections.delete(handle);
    resolveClosed();
  };
  raw.once('end', onEnd);
  raw.once('close', onClose);
  let stage: ExchangeStage = 'connecting';
  const onAbort = (): void => {
    const r = a.signal.reason as WlError;
    closing ??= r?.code === 'WL_CANCELLED' ? { reason: 'cancelled', detail: 'the request on it was cancelled' } : { reason: 'error', detail: `${r?.code ?? 'aborted'}: Wirelane closed it` };
    socket.destroy(r);
    raw.destroy();
  };
  if (a.signal.aborted) onAbort();
  else a.signal.once('abort', onAbort);
  try {
    if (tlsInside) {
      if (proxy)
        await new Promise<void>((resolve, reject) => requestTunnel(raw, `${net.isIPv6(host) ? `[${host}]` : host}:${port}`, proxy.authorization, 10_000, (err) => (err ? reject(err) : resolve())));
      socket = tls.connect({ socket: raw, ...tlsOptions });
      socket.once('end', onEnd);
      socket.once('close', onClose);
    }
    await new Promise<void>((resolve, reject) => {
      socket.once(isTls ? 'secureConnect' : 'connect', () => resolve());
      socket.once('error', reject);
    });
    if (isTls) conn.secureAt = now();
    engine.recorder.updateConnection(conn.id, {});
    stage = 'sending';
    const forward = proxy && !isTls;
    const lines = [`${attempt.method} ${forward ? url.href : `${url.pathname}${url.search}`} HTTP/1.0`];
    if (!a.headers.some(([k]) => k.toLowerCase() === 'host')) lines.push(`Host: ${url.host}`);
    for (const [k, v] of a.headers) if (k.toLowerCase() !== 'connection') lines.push(`${k}: ${v}`);
    const head = `${lines.join('\r\n')}\r\n\r\n`;
    // The proxy's credentials go on the wire only, never into what is recorded.
    const proxyAuth = forward && proxy.authorization && !a.headers.some(([k]) => k.toLowerCase() === 'proxy-authorization') ? `Proxy-Authorization: ${proxy.authorization}\r\n` : '';
    trace.tSend = now();
    trace.sentHeaderText = head.slice(0, -2);
    conn.requestCount = 1;
    socket.write(proxyAuth ? `${head.slice(0, -2)}${proxyAuth}\r\n` : head);
    const body = attempt.body?.make();
    if (body instanceof Uint8Array) socket.write(body);
    else if (body) for await (const chunk of body as AsyncIterable<Uint8Array>) if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r));
    trace.tBodySent = now();
    stage = 'waiting';
    // Read the status line and headers, then hand the rest of the socket to the body reader.
    const reader = socket[Symbol.asyncIterator]();
    let buf = Buffer.alloc(0);
    let end = -1;
    while (end < 0) {
      const next = await reader.next();
      if (next.done) throw Object.assign(new Error('connection closed before the response headers'), { code: 'UND_ERR_SOCKET' });
      buf = Buffer.concat([buf, next.value as Buffer]);
      end = buf.indexOf('\r\n\r\n');
      if (end < 0 && buf.length > MAX_HEAD) throw Object.assign(new Error('response head too large'), { code: 'UND_ERR_HEADERS_OVERFLOW' });
    }
    trace.tHeaders = now();
    stage = 'receiving';
    const headLines = buf.subarray(0, end).toString('latin1').split('\r\n');
    const status = /^HTTP\/(1\.[01]) (\d{3})(?: (.*))?$/.exec(headLines[0]);
    if (!status) throw Object.assign(new Error(`malformed status line: ${headLines[0].slice(0, 80)}`), { code: 'HPE_INVALID_CONSTANT' });
    const respHeaders: Array<[string, string]> = [];
    for (const l of headLines.slice(1)) {
      const c = l.indexOf(':');
      if (c > 0) respHeaders.push([l.slice(0, c), l.slice(c + 1).trim()]);
    }
    const response: ExchangeResponse = { status: Number(status[2]), statusText: status[3] ?? '', httpVersion: `HTTP/${status[1]}`, headers: respHeaders };
    ex.response = response;
    const get = (n: string) => respHeaders.find(([k]) => k.toLowerCase() === n)?.[1];
    const loc = get('location');
    if (loc && response.status >= 300 && response.status < 400) response.redirectURL = new URL(loc, url).href;
    if (a.useJar) await engine.storeCookies(respHeaders, url);
    const cl = get('content-length');
    let remaining = cl !== undefined && /^\d+$/.test(cl) ? Number(cl) : Infinity;
    if (attempt.method === 'HEAD' || response.status === 204 || response.status === 304) remaining = 0;
    const rest = buf.subarray(end + 4);
    const bodyStream = Readable.from(
      (async function* () {
        if (remaining === 0) return;
        if (rest.length) {
          const take = rest.subarray(0, Math.min(rest.length, remaining));
          remaining -= take.length;
          yield take;
        }
        while (remaining > 0) {
          const next = await reader.next();
          if (next.done) {
            if (remaining !== Infinity) throw Object.assign(new Error('body shorter than Content-Length'), { code: 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' });
            return;
          }
          const chunk = next.value as Buffer;
          const take = remaining === Infinity ? chunk : chunk.subarray(0, Math.min(chunk.length, remaining));
          remaining -= take.length;
          yield take;
        }
      })(),
    );
    const read = await readBody(bodyStream, get('content-encoding'), a.bodyLimit, a.tempDir);
    response.encodedSize = read.encodedSize;
    const mime = get('content-type');
    response.body = read.file ? { size: read.size, mimeType: mime, file: read.file } : read.buffer && read.size ? bytesRef(read.buffer, mime, a.bodyLimit) : { size: 0, mimeType: mime };
    engine.finishTimings(trace, read.receivedAt);
    socket.end();
    socket.destroySoon?.();
    ex.endedAt = Date.now();
    engine.recorder.endExchange(ex);
    return { exchange: ex, body: read.buffer, bodyFile: read.file };
  } catch (e) {
    const reason = a.signal.aborted ? a.signal.reason : e;
    const err = toWlError(reason, stage, req.source);
    const info = err.toInfo();
    if (!info.phase) info.phase = stage === 'connecting' ? 'connect' : stage === 'sending' ? 'send' : stage === 'waiting' ? 'wait' : 'receive';
    closing ??= { reason: 'error', detail: `closed after ${info.code}` };
    socket.destroy();
    ex.error = info;
    engine.finishTimings(trace, now());
    ex.endedAt = Date.now();
    engine.recorder.endExchange(ex);
    return { exchange: ex };
  } finally {
    a.signal.off('abort', onAbort);
  }
}
