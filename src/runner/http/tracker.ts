// ConnectionTracker: turns undici's diagnostics channels and the sockets' own events into
// Connections and the connection side of Exchanges. Ground truth is the socket undici wrote
// a request on (`undici:client:sendHeaders` carries both), never timing.
//
// Diagnostics channels are process-global, so a tracker only takes what is its own: connect
// events whose `connector` is one it registered, sockets its connectors made, and requests
// it claimed at creation (the `request:create` publish happens synchronously inside the
// engine's own `dispatch` call, so a per-tracker slot can't see another engine's request).

import diagnosticsChannel from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { RunRecorder } from '../../core/timeline/recorder';
import type { CloseReason, Connection, ConnectionMode, Exchange, OpenReason } from '../../core/timeline/model';

export interface OpenIntent {
  reason: OpenReason;
  detail: string;
}

/** One undici Client: at most one TCP connection at a time (HTTP/1.1 or one h2 session). */
export interface PoolSlot {
  origin: string;
  /** Asked at `beforeConnect`: why the connection that is starting now opens. */
  nextOpen(): OpenIntent;
  connecting?: TrackedConnection;
  current?: TrackedConnection;
  /** The slot's most recently closed connection. */
  last?: TrackedConnection;
  /** The last connection attempt that failed (refused, TLS…), for the exchange waiting on it. */
  failedConnect?: TrackedConnection;
  /** The proxy (URL without credentials) this slot's connections go through. */
  proxy?: string;
}

export interface TrackedConnection {
  conn: Connection;
  slot: PoolSlot;
  socket?: Socket;
  tls: boolean;
  lookupAt?: number;
  /** Requests written on this connection. */
  sent: number;
  inFlight: number;
  idleSince: number;
  /** Seconds, from the server's `Keep-Alive: timeout=N`. */
  keepAliveHint?: number;
  serverSaidClose?: string;
  /** The version on the server's status line (`HTTP/1.0` or `HTTP/1.1`), read from the first response's bytes. */
  responseVersion?: string;
  /** The server answered HTTP/1.0 without `Connection: keep-alive`: one response, then the connection ends. */
  nonPersistent?: boolean;
  clientSaidClose?: string;
  closingBy?: { reason: CloseReason; detail: string };
  failure?: string;
  /** undici's error code for an exchange that failed on this connection. */
  brokenBy?: string;
  remoteEndedAt?: number;
  closed: boolean;
  closedPromise: Promise<void>;
  resolveClosed: () => void;
}

/** One request as the tracker sees it; the engine owns the Exchange and reads the times. */
export interface ExchangeTrace {
  exchange: Exchange;
  t0: number;
  conn?: TrackedConnection;
  /** Why this request asked for `Connection: close`, if it did. */
  closeWhy?: string;
  tSend?: number;
  tBodySent?: number;
  tHeaders?: number;
  tDone?: number;
  sentHeaderText?: string;
  responseRawHeaders?: unknown[];
  /** The engine added Proxy-Authorization for the proxy: not part of what the user's request recorded. */
  hideProxyAuth?: boolean;
}

// Only what a request handler can't see: connections, and which socket a request was written
// on. Body sent, response headers and the end come from the engine's own dispatch handler
// (requestSent/responseHeaders/requestDone), so undici publishes nothing else per request.
const CHANNELS = ['undici:client:beforeConnect', 'undici:client:connected', 'undici:client:connectError', 'undici:client:sendHeaders', 'undici:request:create'] as const;

const now = (): number => performance.timeOrigin + performance.now();

function headerText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('latin1');
  if (v instanceof Uint8Array) return Buffer.from(v).toString('latin1');
  if (Array.isArray(v)) return v.map(headerText).join(', ');
  return String(v);
}

export interface TrackerOptions {
  recorder: RunRecorder;
  mode: ConnectionMode;
  /** undici closes an idle connection this many ms before the server's Keep-Alive hint. */
  keepAliveMarginMs: number;
}

export class ConnectionTracker {
  private readonly slots = new WeakMap<object, PoolSlot>();
  private readonly sockets = new WeakMap<object, TrackedConnection>();
  private readonly requests = new WeakMap<object, ExchangeTrace>();
  private claim?: ExchangeTrace;
  private lastBeforeConnect?: { connector: object; at: number };
  /** Connections not closed yet. */
  readonly live = new Set<TrackedConnection>();
  private readonly handlers: Array<[string, (msg: unknown) => void]> = [];
  private disposed = false;

  constructor(private readonly opts: TrackerOptions) {
    // diagnostics_channel messages are untyped; each handler declares the shape it reads.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const on: Record<(typeof CHANNELS)[number], (m: any) => void> = {
      'undici:client:beforeConnect': this.onBeforeConnect.bind(this),
      'undici:client:connected': this.onConnected.bind(this),
      'undici:client:connectError': this.onConnectError.bind(this),
      'undici:client:sendHeaders': this.onSendHeaders.bind(this),
      'undici:request:create': this.onCreate.bind(this),
    };
    for (const name of CHANNELS) {
      const fn = on[name];
      diagnosticsChannel.subscribe(name, fn);
      this.handlers.push([name, fn]);
    }
  }

  /** `client.dispatch(opts, handler)`, claiming the request undici creates for `trace`. */
  claimDispatch<O, H>(trace: ExchangeTrace, client: { dispatch(o: O, h: H): boolean }, opts: O, handler: H): void {
    this.claim = trace;
    try {
      client.dispatch(opts, handler);
    } finally {
      this.claim = undefined;
    }
  }

  /** Called by the slot's connector with the socket it just created. */
  attachSocket(tc: TrackedConnection, socket: Socket): void {
    if (tc.socket) return;
    tc.socket = socket;
    this.sockets.set(socket, tc);
    socket.once('lookup', () => {
      tc.lookupAt = now();
    });
    socket.once('connect', () => {
      tc.conn.connectedAt = now();
      this.fillAddresses(tc, socket);
    });
    if (tc.tls) {
      socket.once('secureConnect', () => {
        tc.conn.secureAt = now();
        this.fillTls(tc, socket as TLSSocket);
      });
    }
    socket.once('end', () => {
      tc.remoteEndedAt = now();
    });
    socket.once('close', () => this.finish(tc));
  }

  private fillAddresses(tc: TrackedConnection, socket: Socket): void {
    const c = tc.conn;
    // A TLS socket inside a proxy tunnel may not know the TCP addresses; the tunnel's socket did.
    c.localAddress = socket.localAddress ?? c.localAddress;
    c.localPort = socket.localPort ?? c.localPort;
    c.remoteAddress = socket.remoteAddress ?? c.remoteAddress;
    c.remotePort = socket.remotePort ?? c.remotePort;
  }

  /**
   * The TLS socket opened inside a proxy's CONNECT tunnel (the tunnel's TCP socket went through
   * attachSocket): undici writes requests on this one, so it is what names the connection.
   */
  attachTunnelTls(tc: TrackedConnection, socket: TLSSocket): void {
    this.sockets.set(socket, tc);
    tc.socket = socket;
    socket.once('secureConnect', () => {
      tc.conn.secureAt = now();
      this.fillTls(tc, socket);
    });
    socket.once('end', () => {
      tc.remoteEndedAt ??= now();
    });
    socket.once('close', () => this.finish(tc));
  }

  private fillTls(tc: TrackedConnection, s: TLSSocket): void {
    const cipher = s.getCipher?.();
    tc.conn.tls = {
      version: s.getProtocol?.() ?? undefined,
      alpn: typeof s.alpnProtocol === 'string' ? s.alpnProtocol : undefined,
      cipher: cipher?.name,
      servername: typeof (s as { servername?: unknown }).servername === 'string' ? (s as { servername: string }).servername : undefined,
      authorized: s.authorized,
      authorizationError: s.authorizationError ? String(s.authorizationError) : undefined,
    };
  }

  private onBeforeConnect(m: { connector: object }): void {
    // undici wraps the connector it was given, so the slot is learnt when our connector runs,
    // which undici does synchronously right after publishing this.
    this.lastBeforeConnect = { connector: m.connector, at: now() };
  }

  /** Called by a slot's connector as undici starts a connection: records the Connection. */
  beginConnect(slot: PoolSlot, https: boolean): TrackedConnection {
    const before = this.lastBeforeConnect;
    this.lastBeforeConnect = undefined;
    if (before) this.slots.set(before.connector, slot);
    const intent = slot.nextOpen();
    let resolveClosed!: () => void;
    const closedPromise = new Promise<void>((r) => (resolveClosed = r));
    const conn: Connection = {
      id: this.opts.recorder.nextConnectionId(),
      origin: slot.origin,
      protocol: 'http/1.1',
      openedAt: before?.at ?? now(),
      openReason: intent.reason,
      openDetail: intent.detail,
      closeReason: 'open',
      mode: this.opts.mode,
      requestCount: 0,
    };
    if (slot.proxy) conn.proxy = slot.proxy;
    const tc: TrackedConnection = {
      conn,
      slot,
      socket: undefined,
      tls: https,
      lookupAt: undefined,
      sent: 0,
      inFlight: 0,
      idleSince: conn.openedAt,
      keepAliveHint: undefined,
      serverSaidClose: undefined,
      clientSaidClose: undefined,
      closingBy: undefined,
      failure: undefined,
      brokenBy: undefined,
      remoteEndedAt: undefined,
      closed: false,
      closedPromise,
      resolveClosed,
    };
    slot.connecting = tc;
    this.live.add(tc);
    this.opts.recorder.addConnection(conn);
    return tc;
  }

  private onConnected(m: { connector: object; socket: Socket & { alpnProtocol?: string | false } }): void {
    const slot = this.slots.get(m.connector);
    const tc = slot?.connecting;
    if (!slot || !tc) return;
    slot.connecting = undefined;
    slot.current = tc;
    tc.idleSince = now();
    if (tc.conn.connectedAt === undefined) tc.conn.connectedAt = tc.idleSince;
    this.fillAddresses(tc, m.socket);
    if (tc.tls && !tc.conn.tls) this.fillTls(tc, m.socket as TLSSocket);
    tc.conn.protocol = m.socket.alpnProtocol === 'h2' ? 'h2' : 'http/1.1';
    if (tc.conn.protocol !== 'h2') this.readStatusLineVersion(tc, m.socket);
    this.opts.recorder.updateConnection(tc.conn.id, {});
  }

  /**
   * undici does not say which version the server's status line carried, and a 1.0 server
   * answers a 1.1 request with `HTTP/1.0`. The first bytes the connection receives are the
   * first status line: read them, then stop listening. With undici reading through
   * 'readable', a 'data' listener only sees the chunks undici reads (Node's streams give
   * 'readable' precedence), so this takes nothing from the parser.
   */
  private readStatusLineVersion(tc: TrackedConnection, socket: Socket): void {
    let head = '';
    const onData = (chunk: Buffer | string): void => {
      head += typeof chunk === 'string' ? chunk.slice(0, 16) : chunk.toString('latin1', 0, Math.min(chunk.length, 16));
      if (head.length < 9) return;
      socket.off('data', onData);
      const m = /^HTTP\/(1\.[01]) /.exec(head);
      if (!m) return;
      tc.responseVersion = `HTTP/${m[1]}`;
      if (m[1] !== '1.0') return;
      tc.conn.protocol = 'http/1.0';
      this.opts.recorder.updateConnection(tc.conn.id, {});
    };
    socket.on('data', onData);
    socket.once('close', () => socket.off('data', onData));
  }

  private onConnectError(m: { connector: object; error: { code?: string } }): void {
    const slot = this.slots.get(m.connector);
    const tc = slot?.connecting;
    if (!slot || !tc) return;
    slot.connecting = undefined;
    slot.failedConnect = tc;
    tc.closingBy ??= { reason: 'error', detail: `connection failed (${m.error?.code ?? 'error'})` };
    this.finish(tc);
  }

  private onCreate(m: { request: object }): void {
    if (this.claim) {
      this.requests.set(m.request, this.claim);
      this.claim = undefined;
    }
  }

  private onSendHeaders(m: { request: object; headers: string; socket: Socket }): void {
    const trace = this.requests.get(m.request);
    const tc = this.sockets.get(m.socket);
    if (!trace || !tc) return;
    trace.conn = tc;
    trace.tSend = now();
    trace.sentHeaderText = m.headers;
    const ex = trace.exchange;
    ex.connectionId = tc.conn.id;
    ex.reused = tc.sent > 0;
    tc.sent++;
    tc.inFlight++;
    if (tc.conn.protocol === 'h2') {
      // Client-initiated streams are odd and numbered in the order the session opened them.
      ex.streamId = 2 * tc.sent - 1;
    } else if (m.headers.includes('\r\nconnection: close\r\n')) {
      tc.clientSaidClose = trace.closeWhy ?? 'Wirelane sent Connection: close';
    }
    tc.conn.requestCount++;
    // The count is updated in place; listeners hear about a connection's first request, and
    // of later ones through each exchange's events, which name the connection.
    if (tc.sent === 1) this.opts.recorder.updateConnection(tc.conn.id, {});
  }

  /** The request's body (or its headers, without one) is on the wire. */
  requestSent(trace: ExchangeTrace): void {
    trace.tBodySent = now();
  }

  /** Final response headers (raw name/value pairs as undici parsed them) arrived. */
  responseHeaders(trace: ExchangeTrace, raw: unknown[]): void {
    trace.tHeaders = now();
    trace.responseRawHeaders = raw;
    const tc = trace.conn;
    if (!tc || tc.conn.protocol === 'h2') return;
    let keepAlive = false;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const k = raw[i];
      // `connection` and `keep-alive` are both 10 long: most headers are skipped without making a string.
      const len = (k as { length: number }).length;
      if (len !== 10) continue;
      const name = headerText(k).toLowerCase();
      if (name === 'connection') {
        const v = headerText(raw[i + 1]).toLowerCase();
        const tokens = v.split(',').map((t) => t.trim());
        if (tokens.includes('close')) tc.serverSaidClose = 'Connection: close';
        if (tokens.includes('keep-alive')) keepAlive = true;
      } else if (name === 'keep-alive') {
        const match = /(?:^|[\s,])timeout\s*=\s*(\d+)/i.exec(headerText(raw[i + 1]));
        if (match) tc.keepAliveHint = Number(match[1]);
      }
    }
    // HTTP/1.0 is non-persistent unless the server agrees to keep-alive (RFC 9112 §9.3).
    if (tc.responseVersion === 'HTTP/1.0' && !keepAlive) tc.nonPersistent = true;
  }

  /** The exchange ended (complete, or failed with `error`). */
  requestDone(trace: ExchangeTrace, error?: { code?: string; name?: string }): void {
    if (trace.tDone !== undefined) return;
    trace.tDone = now();
    const tc = trace.conn;
    if (tc) {
      if (error) tc.brokenBy ??= error.code ?? error.name ?? 'error';
      tc.inFlight = Math.max(0, tc.inFlight - 1);
      tc.idleSince = trace.tDone;
    }
  }

  /** Marks why Wirelane is about to close a connection (cancel, timeout, end of run). */
  markClosing(tc: TrackedConnection, reason: CloseReason, detail: string): void {
    if (!tc.closed && !tc.closingBy) tc.closingBy = { reason, detail };
  }

  private closeReasonOf(tc: TrackedConnection, at: number): { reason: CloseReason; detail: string } {
    // A non-persistent connection whose one response is complete was over whatever Wirelane did next.
    const over = tc.nonPersistent && tc.inFlight === 0 && !tc.brokenBy && !tc.clientSaidClose;
    if (tc.closingBy && !(over && tc.closingBy.reason === 'client-closed')) return tc.closingBy;
    if (tc.remoteEndedAt !== undefined && (tc.brokenBy || tc.inFlight > 0)) {
      return { reason: 'server-closed', detail: 'server closed it (FIN) before the response was complete' };
    }
    if (tc.failure) return { reason: 'error', detail: `closed after ${tc.failure}` };
    if (tc.brokenBy) return { reason: 'error', detail: `closed after an exchange failed (${tc.brokenBy})` };
    // Asked for by the request: the server's echo of Connection: close is only its agreement.
    if (tc.clientSaidClose) return { reason: 'client-closed', detail: tc.clientSaidClose };
    if (tc.serverSaidClose) return { reason: 'server-connection-close', detail: `server sent ${tc.serverSaidClose}` };
    if (over) {
      // The response said the connection ends with it. Who closes first is then a race between
      // the server's close and undici's teardown on the complete response: say which only when
      // the server's FIN was seen before the socket closed.
      const what = 'non-persistent: the server answered HTTP/1.0 without Connection: keep-alive, which means one response per connection (HTTP/1.0’s default)';
      return tc.remoteEndedAt !== undefined
        ? { reason: 'server-closed', detail: `${what}, and the server closed it after that response (its FIN came first)` }
        : { reason: 'server-connection-close', detail: `${what}, so it ended with that response` };
    }
    const idleMs = Math.round(at - tc.idleSince);
    const hint = tc.keepAliveHint;
    if (hint !== undefined && hint * 1000 - this.opts.keepAliveMarginMs <= 0 && tc.remoteEndedAt === undefined) {
      return { reason: 'idle-timeout', detail: `server’s Keep-Alive: timeout=${hint} left no time to reuse it, so Wirelane closed it` };
    }
    if (tc.remoteEndedAt !== undefined) {
      if (hint !== undefined && idleMs >= hint * 1000 - 250) {
        return { reason: 'idle-timeout', detail: `server closed it after ${idleMs} ms idle (its Keep-Alive: timeout=${hint})` };
      }
      return { reason: 'server-closed', detail: `server closed it (FIN) after ${idleMs} ms idle` };
    }
    if (tc.inFlight === 0) {
      const why = hint !== undefined ? `server’s Keep-Alive: timeout=${hint}` : 'no Keep-Alive hint from the server';
      return { reason: 'idle-timeout', detail: `Wirelane closed it after ${idleMs} ms idle (${why})` };
    }
    return { reason: 'error', detail: 'closed while a request was in flight' };
  }

  private finish(tc: TrackedConnection): void {
    if (tc.closed) return;
    tc.closed = true;
    const at = now();
    const { reason, detail } = this.closeReasonOf(tc, at);
    tc.conn.closedAt = at;
    tc.conn.closeReason = reason;
    tc.conn.closeDetail = detail;
    this.live.delete(tc);
    const slot = tc.slot;
    if (slot.current === tc) slot.current = undefined;
    if (slot.connecting === tc) slot.connecting = undefined;
    slot.last = tc;
    this.opts.recorder.updateConnection(tc.conn.id, {});
    tc.resolveClosed();
  }

  /** Unsubscribes; call after every socket is closed. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const [name, fn] of this.handlers) diagnosticsChannel.unsubscribe(name, fn);
  }
}

export { now as trackerNow };
