// WebSocket sessions over the `ws` package, with the socket observed from its first moment:
// we create the TCP/TLS socket ourselves (ws's `createConnection`), so the timeline sees the
// connect, the TLS handshake, the upgrade exchange on that socket, and then every frame.
// Frames are recorded through the RunRecorder, which keeps only the last N in memory; this
// module holds no per-frame buffers of its own (only counters and bounded previews).

import * as net from 'node:net';
import * as tls from 'node:tls';
import { performance } from 'node:perf_hooks';
import type { ClientRequest, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import WebSocket from 'ws';
import { WlError, type SourceLocation } from '../../core/errors';
import type { ResolvedRequest, WsScriptStep } from '../../core/request';
import type { RunRecorder } from '../../core/timeline/recorder';
import { CLOSE_REASON_TEXT, NO_TIMINGS, type CloseReason, type Exchange, type ExchangeResponse, type Timings, type TlsInfo, type WsFrame, type WsSession } from '../../core/timeline/model';
import { toWlError, type ExchangeStage } from '../http/errors';
import { DEFAULT_FRAME_DATA_BYTES, asBuffer, binaryPreview, textPreview } from './framePreview';
import type { Shaper } from '../net/conditions';

export interface WsOptions {
  recorder: RunRecorder;
  insecure?: boolean;
  /** Handshake and each wait-for-server, default 10000 (a request's `# @timeout` wins). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Payload bytes kept per frame in the model (default 64 KiB); the rest is counted, not kept. */
  maxFrameDataBytes?: number;
  /** Simulated network conditions (the run's Shaper, shared with its HTTP connections). */
  network?: Shaper;
  /** The environment's client certificate (SSLConfiguration), presented on wss:// connections. */
  clientCert?: { cert?: Buffer; key?: Buffer; pfx?: Buffer; passphrase?: string };
}

export interface WsSessionHandle {
  session: WsSession;
  exchange: Exchange;
  sendText(text: string): Promise<void>;
  sendBinary(data: Uint8Array): Promise<void>;
  ping(data?: Uint8Array): Promise<void>;
  close(code?: number, reason?: string): Promise<void>;
  runScript(steps: ResolvedRequest['wsSteps']): Promise<void>;
  onFrame(listener: (f: WsFrame) => void): () => void;
  readonly closed: Promise<void>;
}

export const DEFAULT_WS_TIMEOUT_MS = 10_000;
/** Above this many queued bytes a send waits for earlier sends to reach the socket. */
const SEND_HIGH_WATER_BYTES = 1024 * 1024;
const REFUSED_BODY_LIMIT = 64 * 1024;
/** Headers ws writes itself; a value from the file would be overwritten or break the handshake. */
const WS_OWNED_HEADERS = new Set(['sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions', 'connection', 'upgrade']);

const OPCODE_TEXT = 1;
const OPCODE_BINARY = 2;
const OPCODE_CLOSE = 8;
const OPCODE_PING = 9;
const OPCODE_PONG = 10;

/** Epoch milliseconds with sub-millisecond precision, like the rest of the timeline. */
const now = (): number => performance.timeOrigin + performance.now();

/**
 * Opens a WebSocket for a resolved `WEBSOCKET` request. Resolves once the 101 was accepted;
 * rejects (WL_WS_UPGRADE_REFUSED, WL_CONNECT_REFUSED, WL_TIMEOUT, WL_TLS_CERT, …) only after
 * the failed upgrade exchange was recorded.
 */
export function openWebSocket(req: ResolvedRequest, opts: WsOptions): Promise<WsSessionHandle> {
  return new Promise<WsSessionHandle>((resolve, reject) => {
    new TrackedSession(req, opts, resolve, reject).start();
  });
}

/**
 * ws answers a server's close frame by calling `close()` on the instance itself; overriding it
 * is how the close frames of both directions show up at the moment they happen.
 */
class TrackedWebSocket extends WebSocket {
  closeCalled?: (code: number | undefined, reason: string | Buffer | undefined) => void;

  override close(code?: number, data?: string | Buffer): void {
    this.closeCalled?.(code, data);
    super.close(code, data);
  }
}

interface Moments {
  start: number;
  opened?: number;
  lookup?: number;
  connected?: number;
  secure?: number;
  sent?: number;
  response?: number;
}

class TrackedSession implements WsSessionHandle {
  session!: WsSession;
  exchange!: Exchange;
  readonly closed: Promise<void>;

  private readonly recorder: RunRecorder;
  private readonly timeoutMs: number;
  private readonly frameLimit: number;
  private readonly insecure: boolean;
  private readonly network: Shaper | undefined;
  private readonly clientCert: WsOptions['clientCert'];
  private readonly t: Moments = { start: now() };
  private readonly listeners = new Set<(f: WsFrame) => void>();
  private readonly pendingSends = new Set<Promise<void>>();
  private readonly signal?: AbortSignal;
  private readonly onAbort = (): void => this.cancel();

  private ws?: TrackedWebSocket;
  private socket?: net.Socket;
  private connectionId?: string;
  private isTls = false;
  private settled = false;
  private handshakeTimer?: NodeJS.Timeout;
  private refusing = false;
  private resolveClosed!: () => void;

  private clientInitiated = false;
  private serverCloseSeen = false;
  private clientCloseSent = false;
  private cancelled = false;
  private closeReasonOverride?: CloseReason;
  private socketError?: Error;
  private isClosed = false;

  /** Data messages received vs. those a `wait-for-server` step already took. */
  private received = 0;
  private consumed = 0;
  private waiter?: { resolve(): void; reject(e: WlError): void };

  constructor(
    private readonly req: ResolvedRequest,
    opts: WsOptions,
    private readonly resolveOpen: (h: WsSessionHandle) => void,
    private readonly rejectOpen: (e: WlError) => void,
  ) {
    this.recorder = opts.recorder;
    this.timeoutMs = req.timeoutMs ?? opts.timeoutMs ?? DEFAULT_WS_TIMEOUT_MS;
    this.frameLimit = opts.maxFrameDataBytes ?? DEFAULT_FRAME_DATA_BYTES;
    this.insecure = opts.insecure === true || req.insecure === true;
    this.network = opts.network;
    this.clientCert = opts.clientCert;
    this.closed = new Promise<void>((r) => (this.resolveClosed = r));
    this.signal = opts.signal;
  }

  start(): void {
    if (this.signal?.aborted) {
      this.failHandshake(new WlError('WL_CANCELLED', 'The run was cancelled before the WebSocket opened', { phase: 'connect', source: this.req.source }));
      return;
    }
    let url: URL;
    try {
      url = new URL(this.req.url);
    } catch {
      this.failHandshake(new WlError('WL_REQUEST_INVALID', `Not a valid URL: ${this.req.url}`, { phase: 'resolve', source: this.req.source }));
      return;
    }
    if (url.protocol === 'http:') url.protocol = 'ws:';
    else if (url.protocol === 'https:') url.protocol = 'wss:';
    if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
      this.failHandshake(new WlError('WL_REQUEST_INVALID', `A WebSocket URL starts with ws:// or wss://, not ${url.protocol}//`, { phase: 'resolve', source: this.req.source }));
      return;
    }
    this.isTls = url.protocol === 'wss:';
    const { headers, protocols } = splitHeaders(this.req.headers);

    this.signal?.addEventListener('abort', this.onAbort, { once: true });
    this.handshakeTimer = setTimeout(() => this.onHandshakeTimeout(), this.timeoutMs);

    let ws: TrackedWebSocket;
    try {
      ws = new TrackedWebSocket(url, protocols, {
        // Repeated headers stay arrays: Node writes one line per value, as the file had them.
        headers: headers as Record<string, string>,
        perMessageDeflate: true,
        // We answer pings ourselves so the pong is recorded as a sent frame.
        autoPong: false,
        followRedirects: false,
        rejectUnauthorized: !this.insecure,
        createConnection: ((o: { host: string; port: number | string }) => this.connect(o.host, Number(o.port), url)) as unknown as typeof net.createConnection,
        finishRequest: (r: ClientRequest) => this.onRequestReady(r, url),
        // Not in @types/ws: how long ws waits for the server's close frame before dropping the socket.
        ...({ closeTimeout: this.timeoutMs } as object),
      });
    } catch (e) {
      // ws validates subprotocols and the URL synchronously.
      this.failHandshake(new WlError('WL_REQUEST_INVALID', `The WebSocket request cannot be sent as written: ${(e as Error).message}`, { phase: 'resolve', source: this.req.source, cause: e }));
      return;
    }
    this.ws = ws;
    ws.closeCalled = (code, reason) => this.onCloseCalled(code, reason);
    ws.on('upgrade', (res: IncomingMessage) => this.onResponse(res));
    ws.on('unexpected-response', (_r: ClientRequest, res: IncomingMessage) => this.onRefused(res));
    ws.on('open', () => this.onOpen());
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => this.onMessage(asBuffer(data), isBinary));
    ws.on('ping', (data: Buffer) => this.onPing(data));
    ws.on('pong', (data: Buffer) => this.record('receive', OPCODE_PONG, textPreview(data, this.frameLimit), data.length));
    ws.on('error', (err: Error) => this.onError(err));
    ws.on('close', (code: number, reason: Buffer) => this.onClose(code, reason));
  }

  // ---- the socket ---------------------------------------------------------------------------

  private connect(host: string, port: number, url: URL): net.Socket {
    const servername = net.isIP(host) ? undefined : host;
    // Under simulated conditions TCP goes through the run's shaper and TLS runs over it.
    const tcp = this.network?.connect({ host, port });
    const socket: net.Socket = this.isTls
      ? tls.connect({ ...(tcp ? { socket: tcp } : { host, port }), servername, rejectUnauthorized: !this.insecure, ALPNProtocols: ['http/1.1'], ...this.clientCert })
      : (tcp ?? net.connect({ host, port }));
    this.track(socket, url, servername, tcp ?? socket);
    return socket;
  }

  /**
   * Records the socket the upgrade rides on: the one `connect` made or, inside VS Code, the
   * one its proxy support's agent made (the patched http.request hands ws an agent, and an
   * agent never calls the request's own createConnection). Either way, the socket is the truth.
   */
  private track(socket: net.Socket, url: URL, servername: string | undefined, transport: net.Socket = socket): void {
    if (this.socket) return;
    this.socket = socket;
    this.t.opened = now();
    const id = this.recorder.nextConnectionId();
    this.connectionId = id;
    this.recorder.addConnection({
      id,
      origin: url.origin,
      protocol: 'http/1.1',
      openedAt: this.t.opened,
      openReason: 'upgrade',
      openDetail: `opened for the WebSocket upgrade to ${url.host}${url.pathname}`,
      closeReason: 'open',
      requestCount: 1,
    });
    this.ensureExchange().connectionId = id;

    const onConnect = (): void => {
      this.t.connected ??= now();
      this.recorder.updateConnection(id, {
        connectedAt: this.t.connected,
        localAddress: transport.localAddress,
        localPort: transport.localPort,
        remoteAddress: transport.remoteAddress,
        remotePort: transport.remotePort,
      });
    };
    const onSecure = (): void => {
      this.t.secure ??= now();
      this.recorder.updateConnection(id, { secureAt: this.t.secure, tls: tlsInfo(socket as tls.TLSSocket, servername) });
    };
    transport.once('lookup', () => (this.t.lookup = now()));
    // An agent's socket may be connected already when it is handed over.
    if (transport.connecting || transport.remotePort === undefined) transport.once('connect', onConnect);
    else onConnect();
    if (this.isTls) {
      // alpnProtocol is null until the handshake completes (then a name or false).
      const alpn = (socket as tls.TLSSocket).alpnProtocol as string | false | null | undefined;
      if (alpn !== null && alpn !== undefined) onSecure();
      else socket.once('secureConnect', onSecure);
    }
    socket.on('error', (err) => (this.socketError ??= err));
    socket.once('close', () => this.connectionClosed());
  }

  /** Called when the socket closed, or at once when a failed handshake destroys it (so the caller sees it closed). */
  private connectionClosed(): void {
    if (this.connectionId === undefined || this.recorder.connection(this.connectionId)?.closedAt !== undefined) return;
    const reason: CloseReason = this.closeReasonOverride ?? (this.cancelled ? 'cancelled' : this.clientInitiated ? 'client-closed' : this.socketError ? 'error' : 'server-closed');
    const detail = this.socketError && reason === 'error' ? `${CLOSE_REASON_TEXT.error}: ${(this.socketError as NodeJS.ErrnoException).code ?? this.socketError.message}` : undefined;
    this.recorder.updateConnection(this.connectionId, { closedAt: now(), closeReason: reason, closeDetail: detail });
  }

  private onRequestReady(r: ClientRequest, url: URL): void {
    r.once('socket', (socket: net.Socket) => this.track(socket, url, net.isIP(url.hostname.replace(/^\[|\]$/g, '')) ? undefined : url.hostname));
    this.ensureExchange().request.headers = writtenHeaders(r);
    r.once('finish', () => (this.t.sent = now()));
    r.end();
  }

  // ---- the handshake ------------------------------------------------------------------------

  private ensureExchange(): Exchange {
    if (!this.exchange) {
      this.exchange = this.recorder.startExchange({
        name: this.req.name,
        source: this.req.source,
        connectionId: this.connectionId,
        reused: false,
        request: { method: 'GET', url: this.req.url, httpVersion: 'HTTP/1.1', headers: this.req.headers.map(([k, v]) => [k, v]) },
        startedAt: this.t.start,
        timings: { ...NO_TIMINGS },
      });
    }
    return this.exchange;
  }

  private onResponse(res: IncomingMessage): void {
    this.t.response = now();
    this.ensureExchange().response = responseOf(res);
  }

  private onRefused(res: IncomingMessage): void {
    this.refusing = true;
    this.onResponse(res);
    const chunks: Buffer[] = [];
    let kept = 0;
    let total = 0;
    const finish = (): void => {
      if (this.settled) return;
      const body = Buffer.concat(chunks);
      const response = this.exchange.response!;
      response.body = { size: total, mimeType: headerValue(response.headers, 'content-type'), text: textPreview(body, REFUSED_BODY_LIMIT).data };
      if (total > kept) response.body.truncated = true;
      this.failHandshake(this.refusedError(), this.refusedCloseReason());
    };
    res.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (kept < REFUSED_BODY_LIMIT) {
        const part = chunk.subarray(0, REFUSED_BODY_LIMIT - kept);
        chunks.push(Buffer.from(part));
        kept += part.length;
      }
      if (kept >= REFUSED_BODY_LIMIT) finish();
    });
    res.once('end', finish);
    res.once('error', finish);
    res.once('close', finish);
  }

  private refusedError(): WlError {
    const r = this.exchange.response!;
    const status = `${r.status}${r.statusText ? ` ${r.statusText}` : ''}`;
    return new WlError('WL_WS_UPGRADE_REFUSED', `The server answered ${status} instead of 101 Switching Protocols`, { phase: 'websocket', source: this.req.source });
  }

  private refusedCloseReason(): CloseReason {
    const connection = headerValue(this.exchange.response?.headers ?? [], 'connection') ?? '';
    if (/\bclose\b/i.test(connection)) return 'server-connection-close';
    return this.socket?.destroyed ? 'server-closed' : 'client-closed';
  }

  private onHandshakeTimeout(): void {
    if (this.settled) return;
    if (this.refusing) {
      // The refusal's body never ended: report the refusal with what arrived.
      this.failHandshake(this.refusedError(), this.refusedCloseReason());
      return;
    }
    const connected = this.t.connected !== undefined && (!this.isTls || this.t.secure !== undefined);
    const err = connected
      ? new WlError('WL_TIMEOUT', `No answer to the WebSocket upgrade within ${this.timeoutMs} ms`, { phase: 'wait', source: this.req.source })
      : new WlError('WL_CONNECT_TIMEOUT', `The connection did not complete within ${this.timeoutMs} ms`, { phase: this.t.connected ? 'tls' : 'connect', source: this.req.source });
    this.failHandshake(err, 'error');
  }

  private stage(): ExchangeStage {
    if (this.t.connected === undefined || (this.isTls && this.t.secure === undefined)) return 'connecting';
    if (this.t.sent === undefined) return 'sending';
    return 'waiting';
  }

  private failHandshake(err: WlError, closeReason?: CloseReason): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.handshakeTimer);
    this.signal?.removeEventListener('abort', this.onAbort);
    const ex = this.ensureExchange();
    ex.error = err.toInfo();
    const end = now();
    ex.endedAt = end;
    ex.timings = this.timings(end);
    this.recorder.endExchange(ex);
    if (closeReason) this.closeReasonOverride = closeReason;
    this.isClosed = true;
    // terminate() during CONNECTING aborts the request and destroys the socket; its 'error' is ignored below.
    this.ws?.terminate();
    this.socket?.destroy();
    this.connectionClosed();
    this.resolveClosed();
    this.rejectOpen(err);
  }

  private onOpen(): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.handshakeTimer);
    const ws = this.ws!;
    const ex = this.ensureExchange();
    const at = this.t.response ?? now();
    this.recorder.updateConnection(this.connectionId!, { protocol: 'websocket' });
    this.session = this.recorder.startSession({
      exchangeIndex: ex.index,
      connectionId: this.connectionId,
      url: this.req.url,
      protocol: ws.protocol || undefined,
      extensions: ex.response ? headerValue(ex.response.headers, 'sec-websocket-extensions') : undefined,
      openedAt: now(),
    });
    ex.sessionId = this.session.id;
    ex.endedAt = at;
    ex.timings = this.timings(at);
    this.recorder.endExchange(ex);
    this.resolveOpen(this);
  }

  private timings(end: number): Timings {
    const t = this.t;
    if (t.opened === undefined) return { ...NO_TIMINGS };
    const tcpStart = t.lookup ?? t.opened;
    const ready = this.isTls ? t.secure : t.connected;
    const sent = t.sent ?? (t.response !== undefined ? ready : undefined);
    const timings: Timings = {
      blocked: t.opened - t.start,
      dns: t.lookup !== undefined ? t.lookup - t.opened : -1,
      // HAR: `connect` includes the TLS handshake, which `ssl` repeats.
      connect: t.connected !== undefined ? (t.secure ?? t.connected) - tcpStart : -1,
      ssl: t.secure !== undefined && t.connected !== undefined ? t.secure - t.connected : -1,
      send: sent !== undefined && ready !== undefined ? Math.max(0, sent - ready) : -1,
      wait: t.response !== undefined && sent !== undefined ? Math.max(0, t.response - sent) : -1,
      receive: t.response !== undefined ? Math.max(0, end - t.response) : -1,
    };
    // Microseconds are as far as the clock is meaningful (and as the HTTP engine rounds).
    for (const k of Object.keys(timings) as Array<keyof Timings>) if (timings[k] !== -1) timings[k] = Math.round(timings[k] * 1000) / 1000;
    return timings;
  }

  private cancel(): void {
    this.cancelled = true;
    if (!this.settled) {
      this.failHandshake(new WlError('WL_CANCELLED', 'The run was cancelled during the WebSocket handshake', { phase: 'websocket', source: this.req.source }), 'cancelled');
      return;
    }
    if (this.isClosed) return;
    this.clientInitiated = true;
    const err = new WlError('WL_CANCELLED', 'The run was cancelled; the WebSocket was dropped', { phase: 'websocket', source: this.req.source });
    this.session.error ??= err.toInfo();
    this.waiter?.reject(err);
    this.ws?.terminate();
  }

  // ---- the session --------------------------------------------------------------------------

  private record(dir: WsFrame['dir'], opcode: number, preview: { data: string; truncated?: boolean }, size: number): void {
    const frame: WsFrame = { dir, opcode, time: now(), size, data: preview.data };
    if (preview.truncated) frame.truncated = true;
    this.recorder.addFrame(this.session, frame);
    for (const l of this.listeners) {
      try {
        l(frame);
      } catch {
        // A subscriber's failure must not break the session.
      }
    }
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (isBinary) this.record('receive', OPCODE_BINARY, binaryPreview(data, this.frameLimit), data.length);
    else this.record('receive', OPCODE_TEXT, textPreview(data, this.frameLimit), data.length);
    this.received++;
    if (this.waiter) {
      this.consumed++;
      this.waiter.resolve();
    }
  }

  private onPing(data: Buffer): void {
    this.record('receive', OPCODE_PING, textPreview(data, this.frameLimit), data.length);
    const ws = this.ws!;
    if (ws.readyState !== WebSocket.OPEN) return;
    this.record('send', OPCODE_PONG, textPreview(data, this.frameLimit), data.length);
    ws.pong(data);
  }

  private onCloseCalled(code: number | undefined, reason: string | Buffer | undefined): void {
    if (!this.session) return;
    const ws = this.ws!;
    // ws sets this before it answers a close frame; reading it is the only way to tell its echo from a call of ours.
    const frameReceived = (ws as unknown as { _closeFrameReceived?: boolean })._closeFrameReceived === true;
    if (frameReceived && !this.serverCloseSeen) {
      this.serverCloseSeen = true;
      this.recordClose('receive', code, reason);
    }
    if (ws.readyState === WebSocket.OPEN && !this.clientCloseSent) {
      this.clientCloseSent = true;
      if (!this.serverCloseSeen) this.clientInitiated = true;
      this.recordClose('send', code, reason);
    }
  }

  private recordClose(dir: WsFrame['dir'], code: number | undefined, reason: string | Buffer | undefined): void {
    const reasonBuf = reason === undefined ? Buffer.alloc(0) : Buffer.isBuffer(reason) ? reason : Buffer.from(reason);
    const size = code === undefined || code === 1005 ? 0 : 2 + reasonBuf.length;
    this.record(dir, OPCODE_CLOSE, textPreview(reasonBuf, this.frameLimit), size);
  }

  private onError(err: Error): void {
    if (!this.settled) {
      if (this.refusing) return;
      if (this.t.response !== undefined) {
        // A 101 arrived but ws rejected it (bad Sec-WebSocket-Accept, a subprotocol not asked for…).
        this.failHandshake(
          new WlError('WL_PROTOCOL', `The server's 101 response is not a valid WebSocket handshake: ${err.message}`, { phase: 'websocket', source: this.req.source, cause: err }),
          'client-closed',
        );
        return;
      }
      this.failHandshake(toWlError(err, this.stage(), this.req.source), 'error');
      return;
    }
    if (!this.session || this.isClosed) return;
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const wl = code.startsWith('WS_ERR_')
      ? new WlError('WL_PROTOCOL', `The server sent an invalid WebSocket frame (${code}: ${err.message})`, { phase: 'websocket', source: this.req.source, cause: err })
      : toWlError(err, 'receiving', this.req.source);
    this.session.error ??= wl.toInfo();
  }

  private onClose(code: number, reason: Buffer): void {
    if (!this.session) return;
    this.isClosed = true;
    this.signal?.removeEventListener('abort', this.onAbort);
    const reasonText = reason.toString('utf8');
    // 1006 means no close frame arrived; any other code came in one we had no chance to see earlier.
    if (code !== 1006 && !this.serverCloseSeen) {
      this.serverCloseSeen = true;
      this.recordClose('receive', code === 1005 ? undefined : code, reason);
    }
    const s = this.session;
    s.closeCode = code;
    if (reasonText) s.closeReason = reasonText;
    s.closedBy = this.clientInitiated ? 'client' : this.serverCloseSeen ? 'server' : 'abnormal';
    s.closedAt = now();
    const err =
      s.closedBy === 'abnormal'
        ? new WlError('WL_WS_CLOSED', `The connection dropped without a close frame (code 1006)`, { phase: 'websocket', source: this.req.source })
        : new WlError('WL_WS_CLOSED', `The WebSocket closed (code ${code}${reasonText ? ` ${reasonText}` : ''}) before the script finished`, { phase: 'websocket', source: this.req.source });
    if (this.waiter) {
      s.error ??= err.toInfo();
      this.waiter.reject(err);
    }
    this.recorder.endSession(s);
    this.resolveClosed();
  }

  // ---- the handle ---------------------------------------------------------------------------

  onFrame(listener: (f: WsFrame) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private closedError(source?: SourceLocation): WlError {
    const s = this.session;
    const how = s.closedBy ? ` (closed by ${s.closedBy}, code ${s.closeCode ?? 1006})` : '';
    return new WlError('WL_WS_CLOSED', `The WebSocket is closed${how}`, { phase: 'websocket', source: source ?? this.req.source });
  }

  private async send(payload: string | Uint8Array, opcode: number, source?: SourceLocation): Promise<void> {
    const ws = this.ws!;
    // Wait for earlier sends to reach the socket, so a loop of big sends cannot queue without bound.
    while (ws.bufferedAmount > SEND_HIGH_WATER_BYTES && this.pendingSends.size > 0 && ws.readyState === WebSocket.OPEN) {
      await Promise.race(this.pendingSends);
    }
    if (ws.readyState !== WebSocket.OPEN) throw this.closedError(source);
    if (typeof payload === 'string') {
      const size = Buffer.byteLength(payload);
      const preview = size <= this.frameLimit ? { data: payload } : textPreview(Buffer.from(payload), this.frameLimit);
      this.record('send', OPCODE_TEXT, preview, size);
    } else if (opcode === OPCODE_PING) {
      this.record('send', OPCODE_PING, textPreview(payload, this.frameLimit), payload.byteLength);
    } else {
      this.record('send', OPCODE_BINARY, binaryPreview(payload, this.frameLimit), payload.byteLength);
    }
    let failed: Error | undefined;
    const done = new Promise<void>((resolve) => {
      const cb = (err?: Error): void => {
        failed = err;
        resolve();
      };
      if (opcode === OPCODE_PING) ws.ping(payload, undefined, cb);
      else ws.send(payload, { binary: opcode === OPCODE_BINARY }, cb);
    });
    this.pendingSends.add(done);
    try {
      await done;
    } finally {
      this.pendingSends.delete(done);
    }
    if (failed) throw this.closedError(source);
  }

  sendText(text: string): Promise<void> {
    return this.send(text, OPCODE_TEXT);
  }

  sendBinary(data: Uint8Array): Promise<void> {
    return this.send(data, OPCODE_BINARY);
  }

  ping(data?: Uint8Array): Promise<void> {
    return this.send(data ?? new Uint8Array(0), OPCODE_PING);
  }

  async close(code = 1000, reason = ''): Promise<void> {
    // ws throws on these; checking first keeps a bad code from being recorded as a sent frame.
    if (!isValidCloseCode(code)) throw new WlError('WL_REQUEST_INVALID', `${code} is not a close code a client may send (use 1000, or 3000–4999)`, { phase: 'websocket', source: this.req.source });
    if (Buffer.byteLength(reason) > 123) throw new WlError('WL_REQUEST_INVALID', 'A close reason is at most 123 bytes', { phase: 'websocket', source: this.req.source });
    const ws = this.ws!;
    if (ws.readyState === WebSocket.OPEN) ws.close(code, reason);
    return this.closed;
  }

  private waitForServer(source: SourceLocation): Promise<void> {
    // Counting from the session's start: a message that arrived before this step still counts once.
    if (this.received > this.consumed) {
      this.consumed++;
      return Promise.resolve();
    }
    if (this.isClosed) return Promise.reject(this.closedError(source));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new WlError('WL_WS_TIMEOUT', `No message from the server within ${this.timeoutMs} ms (=== wait-for-server)`, { phase: 'websocket', source }));
      }, this.timeoutMs);
      this.waiter = {
        resolve: () => {
          clearTimeout(timer);
          this.waiter = undefined;
          resolve();
        },
        reject: (e) => {
          clearTimeout(timer);
          this.waiter = undefined;
          reject(new WlError(e.code, e.message, { phase: e.phase, hint: e.hint, source }));
        },
      };
    });
  }

  async runScript(steps: ResolvedRequest['wsSteps']): Promise<void> {
    try {
      for (const step of steps ?? ([] as WsScriptStep[])) {
        const source: SourceLocation = { file: this.req.source.file, line: step.line };
        if (step.kind === 'send') await this.send(step.data, OPCODE_TEXT, source);
        else await this.waitForServer(source);
      }
    } catch (e) {
      if (e instanceof WlError) this.session.error ??= e.toInfo();
      throw e;
    }
  }
}

// ---- helpers --------------------------------------------------------------------------------

/** The file's headers for ws: `Sec-WebSocket-Protocol` becomes the subprotocol list ws negotiates. */
function splitHeaders(pairs: Array<[string, string]>): { headers: OutgoingHttpHeaders; protocols: string[] } {
  const headers: OutgoingHttpHeaders = {};
  const spelling = new Map<string, string>();
  const protocols: string[] = [];
  for (const [name, value] of pairs) {
    const lower = name.toLowerCase();
    if (lower === 'sec-websocket-protocol') {
      for (const p of value.split(',')) {
        const t = p.trim();
        if (t && !protocols.includes(t)) protocols.push(t);
      }
      continue;
    }
    if (WS_OWNED_HEADERS.has(lower)) continue;
    const key = spelling.get(lower) ?? name;
    spelling.set(lower, key);
    const prev = headers[key];
    headers[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [String(prev), value];
  }
  return { headers, protocols };
}

/** The request headers as written on the socket, in order, with the spelling used. */
function writtenHeaders(r: ClientRequest): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const seen = new Set<string>();
  for (const name of r.getRawHeaderNames()) {
    const lower = name.toLowerCase();
    if (seen.has(lower)) continue;
    seen.add(lower);
    const v = r.getHeader(name);
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [String(v)]) out.push([name, one]);
  }
  return out;
}

/** RFC 6455 §7.4: the codes an endpoint may put in a close frame. */
function isValidCloseCode(code: number): boolean {
  return Number.isInteger(code) && ((code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999));
}

function responseOf(res: IncomingMessage): ExchangeResponse {
  const headers: Array<[string, string]> = [];
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) headers.push([res.rawHeaders[i], res.rawHeaders[i + 1]]);
  return { status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', httpVersion: `HTTP/${res.httpVersion}`, headers };
}

function headerValue(headers: Array<[string, string]>, name: string): string | undefined {
  const values = headers.filter(([k]) => k.toLowerCase() === name).map(([, v]) => v);
  return values.length ? values.join(', ') : undefined;
}

function tlsInfo(s: tls.TLSSocket, servername: string | undefined): TlsInfo {
  const info: TlsInfo = { authorized: s.authorized };
  const version = s.getProtocol();
  if (version) info.version = version;
  if (s.alpnProtocol) info.alpn = s.alpnProtocol;
  const cipher = s.getCipher();
  if (cipher) info.cipher = cipher.name;
  if (servername) info.servername = servername;
  if (s.authorizationError) info.authorizationError = String(s.authorizationError);
  return info;
}
