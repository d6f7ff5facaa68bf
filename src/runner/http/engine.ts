// The HTTP engine: sends ResolvedRequests over undici in the run's connection mode and
// records every Connection and Exchange through the RunRecorder (via ConnectionTracker).
//
// Pooling is ours, not undici's Agent: one undici Client per connection slot, so "strictly
// sequential requests reuse the idle socket" holds by construction and every new connection
// has a reason we can name (first, previous closed, idle timeout, pool busy, forced).

import type { buildConnector, Dispatcher } from 'undici';
import { newConnector, undiciClient, type Client } from './undiciCore';
import net, { type Socket } from 'node:net';
import tls from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CookieJar } from 'tough-cookie';
import type { RunRecorder } from '../../core/timeline/recorder';
import { OPEN_REASON_TEXT, type ConnectionMode, type Exchange, type ExchangeResponse, type Timings } from '../../core/timeline/model';
import type { ResolvedRequest } from '../../core/request';
import { WlError, type SourceLocation } from '../../core/errors';
import { ConnectionTracker, trackerNow as now, type ExchangeTrace, type OpenIntent, type PoolSlot, type TrackedConnection } from './tracker';
import { toWlError, type ExchangeStage } from './errors';
import { bytesRef, isTextMime, prepareBody, readBody, type PreparedBody, type ReadBodyResult } from './body';
import { ExchangeHandler } from './exchangeHandler';
import { canAnswer, digestAuthorization, parseDigestChallenge } from './digest';
import { sendHttp10 } from './http10';
import { bypassesProxy, parseProxy, requestTunnel, type ProxyOptions, type ProxyPlan } from './proxy';
import type { Shaper } from '../net/conditions';
import { connectShaped } from './shapedConnect';
import { H2_STREAMS_IN_FLIGHT } from '../../core/timeline/prediction';

export interface EngineOptions {
  recorder: RunRecorder;
  mode: ConnectionMode;
  insecure?: boolean;
  timeoutMs?: number;
  bodyLimitBytes?: number;
  tempDir?: string;
  cookies?: boolean;
  signal?: AbortSignal;
  /** Extra trusted CA certificates (PEM), e.g. a company CA; the system roots stay trusted too. */
  ca?: string | string[];
  /**
   * A forward proxy: http:// requests go to it in absolute form, https:// ones through a CONNECT
   * tunnel; `noProxy` hosts go direct. Connections record `proxy` (the URL without credentials).
   */
  proxy?: ProxyOptions;
  /** Simulated network conditions for every connection of the run (one Shaper per run). */
  network?: Shaper;
  /** A client certificate for every TLS connection of this engine (the environment's SSLConfiguration). */
  clientCert?: { cert?: Buffer; key?: Buffer; pfx?: Buffer; passphrase?: string };
}

export interface SendResult {
  exchange: Exchange;
  body?: Buffer;
  bodyFile?: string;
}

/** undici closes an idle connection this long before the server's `Keep-Alive: timeout=`. */
const KEEP_ALIVE_MARGIN_MS = 500;
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_BODY_LIMIT = 10 * 1024 * 1024;
const MAX_REDIRECTS = 10;
/** Headers HTTP/2 forbids (RFC 9113 §8.2.2); undici would refuse them. */
const H2_FORBIDDEN = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host']);

interface Slot extends PoolSlot {
  key: string;
  h2: boolean;
  client: Client;
  busy: number;
  lastUsed: number;
  /** Reason for this slot's first connection, set when the slot is made. */
  intent?: OpenIntent;
  /** Why this slot speaks h2 when the run's mode doesn't (a request line's `HTTP/2`). */
  h2Because?: string;
  /** `forward`: the connection is to the proxy itself (absolute-form requests); `tunnel`: CONNECT, then TLS to the target. */
  via?: { plan: ProxyPlan; kind: 'forward' | 'tunnel' };
}

interface Attempt {
  method: string;
  url: URL;
  /** url.href, path+query and origin, read once: URL getters build strings on every call. */
  href: string;
  path: string;
  origin: string;
  headers: Array<[string, string]>;
  body?: PreparedBody;
  /** Set when a redirect or auth retry follows: the hop number in the chain. */
  hop: number;
}

function header(headers: Array<[string, string]>, name: string): string | undefined {
  const n = name.toLowerCase();
  for (const [k, v] of headers) if (k.toLowerCase() === n) return v;
  return undefined;
}

function withoutHeader(headers: Array<[string, string]>, ...names: string[]): Array<[string, string]> {
  const drop = new Set(names.map((n) => n.toLowerCase()));
  return headers.filter(([k]) => !drop.has(k.toLowerCase()));
}

function rawToPairs(raw: unknown[] | undefined): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (!raw) return out;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const k = raw[i];
    const v = raw[i + 1];
    const key = latin1(k);
    const keep = SENSITIVE.test(key) ? latin1Text : latin1;
    if (Array.isArray(v)) for (const x of v) out.push([key, keep(x)]);
    else out.push([key, keep(v)]);
  }
  return out;
}

function hasSetCookie(headers: Array<[string, string]>): boolean {
  for (const [k] of headers) if (k.length === 10 && k.toLowerCase() === 'set-cookie') return true;
  return false;
}

function urlParts(url: URL): { url: URL; href: string; path: string; origin: string } {
  // For http(s) the origin is scheme://host[:port] (default port already dropped from `host`);
  // the `origin` getter costs several µs per call on Node 20.
  return { url, href: url.href, path: url.pathname + url.search, origin: `${url.protocol}//${url.host}` };
}

function latin1Text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('latin1');
  return Buffer.from(v as Uint8Array).toString('latin1');
}

function latin1(v: unknown): string {
  return intern(latin1Text(v));
}

/** Values never put in the intern table (it is shared by the engines of the process). */
const SENSITIVE = /^(?:authorization|proxy-authorization|cookie|set-cookie)$/i;

/**
 * Header names and most values repeat from exchange to exchange; a run keeps every exchange,
 * so one shared copy of each short string is what keeps the garbage collector's work (it
 * copies every string that survives) from growing with each recorded header.
 */
const interned = new Map<string, string>();
const INTERN_MAX_LENGTH = 64;
const INTERN_MAX_ENTRIES = 4096;
function intern(s: string): string {
  if (s.length > INTERN_MAX_LENGTH) return s;
  const known = interned.get(s);
  if (known !== undefined) return known;
  // Full: values that vary (dates, ids) filled it; start over rather than grow without bound.
  if (interned.size >= INTERN_MAX_ENTRIES) interned.clear();
  // A slice may point into a larger string (the whole header block); keep a flat copy.
  const flat = (' ' + s).slice(1);
  interned.set(flat, flat);
  return flat;
}

/** Header lines undici actually wrote (HTTP/1.1: after the request line; h2: all). */
function sentHeaderPairs(text: string | undefined, h2: boolean): Array<[string, string]> | undefined {
  if (text === undefined) return undefined;
  const out: Array<[string, string]> = [];
  let at = h2 ? 0 : text.indexOf('\r\n') + 2;
  if (at === 1) return out;
  while (at < text.length) {
    let end = text.indexOf('\r\n', at);
    if (end < 0) end = text.length;
    const colon = text.indexOf(':', at);
    if (colon > at && colon < end) {
      const name = intern(text.slice(at, colon));
      const value = text.slice(colon + 1, end).trim();
      out.push([name, SENSITIVE.test(name) ? value : intern(value)]);
    }
    at = end + 2;
  }
  return out;
}

export class HttpEngine {
  private readonly recorder: RunRecorder;
  private readonly mode: ConnectionMode;
  private readonly tracker: ConnectionTracker;
  private readonly pools = new Map<string, Slot[]>();
  private readonly originsSeen = new Set<string>();
  private readonly connectors = new Map<string, ReturnType<typeof buildConnector>>();
  private readonly jar = new CookieJar();
  private jarUsed = false;
  private readonly bodyLimit: number;
  private readonly tempDir: string;
  private closed = false;
  private readonly pipelineDepth: number;
  private readonly inFlight = new Set<ExchangeAbort>();
  private watchdog: NodeJS.Timeout | undefined;
  private watchdogAt = Infinity;
  private readonly proxy: ProxyPlan | undefined;

  constructor(private readonly opts: EngineOptions) {
    this.proxy = opts.proxy ? parseProxy(opts.proxy) : undefined;
    this.recorder = opts.recorder;
    this.mode = opts.mode;
    this.bodyLimit = opts.bodyLimitBytes ?? DEFAULT_BODY_LIMIT;
    this.tempDir = opts.tempDir ?? join(tmpdir(), 'wirelane');
    const m = /^pipeline:(\d+)$/.exec(this.mode);
    this.pipelineDepth = m ? Math.max(1, Number(m[1])) : 1;
    // One listener for the run, not one per request: cancelling aborts every exchange in flight.
    opts.signal?.addEventListener(
      'abort',
      () => {
        for (const a of this.inFlight) this.abortForRun(a);
      },
      { once: true },
    );
    this.tracker = new ConnectionTracker({ recorder: opts.recorder, mode: opts.mode, keepAliveMarginMs: KEEP_ALIVE_MARGIN_MS });
  }

  /** Never rejects for network/HTTP failures: the exchange carries `error`. */
  async send(req: ResolvedRequest, callOpts: { signal?: AbortSignal } = {}): Promise<SendResult> {
    let url: URL;
    let body: PreparedBody | undefined;
    try {
      url = new URL(req.url);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new WlError('WL_REQUEST_INVALID', `Only http: and https: URLs can be sent here, not ${url.protocol}`, { phase: 'send', source: req.source });
      }
      body = prepareBody(req.body);
    } catch (e) {
      return { exchange: this.failedBeforeSend(req, toWlError(e, 'queued', req.source)) };
    }
    let attempt: Attempt = { method: req.method.toUpperCase(), ...urlParts(url), headers: req.headers.slice(), body, hop: 0 };
    // `Authorization: Digest user pass` is answered after the server's challenge, not sent as is.
    let digest: { user: string; pass: string; tried: boolean } | undefined;
    const auth = header(attempt.headers, 'authorization');
    const dm = auth ? /^Digest\s+(\S+)\s+(\S+)\s*$/i.exec(auth) : null;
    if (req.digestAuth) {
      digest = { user: req.digestAuth.user, pass: req.digestAuth.password, tried: false };
    } else if (dm) {
      digest = { user: dm[1], pass: dm[2], tried: false };
      attempt.headers = withoutHeader(attempt.headers, 'authorization');
    }
    for (;;) {
      const result = await this.sendOnce(req, attempt, callOpts.signal);
      const res = result.exchange.response;
      if (result.exchange.error || !res) return result;
      if (res.status === 401 && digest && !digest.tried) {
        const challenge = res.headers
          .filter(([k]) => k.toLowerCase() === 'www-authenticate')
          .map(([, v]) => parseDigestChallenge(v))
          .find((c) => c && canAnswer(c));
        if (challenge) {
          digest.tried = true;
          const uri = attempt.path;
          attempt = {
            ...attempt,
            hop: attempt.hop + 1,
            headers: [...attempt.headers, ['Authorization', digestAuthorization(challenge, digest.user, digest.pass, attempt.method, uri)]],
          };
          continue;
        }
      }
      const location = res.redirectURL;
      if (location && !req.noRedirect && [301, 302, 303, 307, 308].includes(res.status)) {
        if (attempt.hop >= MAX_REDIRECTS) return result;
        let next: URL;
        try {
          next = new URL(location, attempt.url);
        } catch {
          return result;
        }
        if (next.protocol !== 'http:' && next.protocol !== 'https:') return result;
        let method = attempt.method;
        let nextBody = attempt.body;
        let headers = attempt.headers;
        if (res.status === 303 ? method !== 'HEAD' : (res.status === 301 || res.status === 302) && method === 'POST') {
          method = 'GET';
          nextBody = undefined;
          headers = withoutHeader(headers, 'content-type', 'content-length', 'transfer-encoding');
        }
        if (next.origin !== attempt.origin) headers = withoutHeader(headers, 'authorization', 'cookie', 'proxy-authorization');
        attempt = { method, ...urlParts(next), headers, body: nextBody, hop: attempt.hop + 1 };
        continue;
      }
      return result;
    }
  }

  private failedBeforeSend(req: ResolvedRequest, err: WlError): Exchange {
    const ex = this.recorder.startExchange({
      name: req.name,
      source: req.source,
      reused: false,
      mode: this.mode,
      request: { method: req.method, url: req.url, httpVersion: req.httpVersion ?? 'HTTP/1.1', headers: req.headers },
      startedAt: Date.now(),
      timings: { blocked: -1, dns: -1, connect: -1, ssl: -1, send: -1, wait: -1, receive: -1 },
      error: err.toInfo(),
    });
    this.recorder.endExchange(ex);
    return ex;
  }

  private slotKey(origin: string, insecure: boolean, h2: boolean): string {
    return `${origin}|${insecure ? 'i' : 'v'}|${h2 ? 'h2' : 'h1'}`;
  }

  private connectorFor(insecure: boolean, h2: boolean): ReturnType<typeof buildConnector> {
    const key = `${insecure}|${h2}`;
    let c = this.connectors.get(key);
    if (!c) {
      // Shared per engine so TLS sessions resume across this run's connections, like a browser.
      const ca = this.opts.ca === undefined ? undefined : [...tls.rootCertificates, ...(Array.isArray(this.opts.ca) ? this.opts.ca : [this.opts.ca])];
      const cc = this.opts.clientCert;
      const client = cc
        ? { ...(cc.cert ? { cert: cc.cert } : {}), ...(cc.key ? { key: cc.key } : {}), ...(cc.pfx ? { pfx: cc.pfx } : {}), ...(cc.passphrase !== undefined ? { passphrase: cc.passphrase } : {}) }
        : {};
      c = newConnector({ rejectUnauthorized: !insecure, allowH2: h2, timeout: 10_000, ...(ca ? { ca } : {}), ...client } as buildConnector.BuildOptions);
      this.connectors.set(key, c);
    }
    return c;
  }

  private newSlot(origin: string, key: string, insecure: boolean, h2: boolean, intent?: OpenIntent, h2Because?: string, via?: Slot['via']): Slot {
    const base = this.connectorFor(insecure, h2);
    let slot: Slot;
    const connector = (
      via?.kind === 'tunnel'
        ? (o: buildConnector.Options, cb: buildConnector.Callback) => this.connectTunnel(slot, via.plan, base, o, streamsOnH2(slot, cb, this.pipelineDepth))
        : (o: buildConnector.Options, cb: buildConnector.Callback) => {
            cb = streamsOnH2(slot, cb, this.pipelineDepth);
            const tc = this.tracker.beginConnect(slot, o.protocol === 'https:');
            if (this.opts.network) return connectShaped(this.opts.network, base, o, cb, this.tracker, tc);
            const socket = base(o, cb) as unknown as Socket;
            this.tracker.attachSocket(tc, socket);
            return socket;
          }
    ) as buildConnector.connector;
    const client = new (undiciClient())(origin, {
      connect: connector,
      pipelining: this.pipelineDepth,
      allowH2: h2,
      keepAliveTimeoutThreshold: KEEP_ALIVE_MARGIN_MS,
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    slot = {
      origin,
      key,
      h2,
      client,
      busy: 0,
      lastUsed: 0,
      intent,
      h2Because,
      via,
      proxy: via?.plan.origin,
      nextOpen: () => this.openIntent(slot),
    };
    const list = this.pools.get(key);
    if (list) list.push(slot);
    else this.pools.set(key, [slot]);
    return slot;
  }

  /** Why the slot's next connection opens: asked by the tracker when undici starts connecting. */
  private openIntent(slot: Slot): OpenIntent {
    const why = this.openIntentBare(slot);
    let detail = slot.h2Because ? `${why.detail} (HTTP/2: ${slot.h2Because})` : why.detail;
    if (slot.via) {
      detail +=
        slot.via.kind === 'tunnel'
          ? `; via proxy ${slot.via.plan.origin} (CONNECT tunnel, TLS to the server inside it)`
          : `; via proxy ${slot.via.plan.origin} (http:// requests to every host share the connections to the proxy)`;
    }
    return { reason: why.reason, detail };
  }

  /**
   * The connector of a slot whose https:// connections go through the proxy: TCP to the proxy
   * (the socket the tracker records: its local port is what the proxy saw), CONNECT, then
   * undici's own TLS connector over that socket.
   */
  private connectTunnel(slot: Slot, plan: ProxyPlan, base: ReturnType<typeof buildConnector>, o: buildConnector.Options, cb: buildConnector.Callback): Socket {
    const tc = this.tracker.beginConnect(slot, true);
    const raw = this.opts.network ? this.opts.network.connect(plan) : net.connect({ host: plan.host, port: plan.port });
    this.tracker.attachSocket(tc, raw);
    raw.setNoDelay(true);
    const target = `${o.hostname.includes(':') && !o.hostname.startsWith('[') ? `[${o.hostname}]` : o.hostname}:${o.port || 443}`;
    requestTunnel(raw, target, plan.authorization, 10_000, (err) => {
      if (err) {
        cb(err, null);
        return;
      }
      const secure = base({ ...o, httpSocket: raw } as buildConnector.Options, cb) as unknown as tls.TLSSocket;
      this.tracker.attachTunnelTls(tc, secure);
    });
    return raw;
  }

  private openIntentBare(slot: Slot): OpenIntent {
    const intent = slot.intent;
    slot.intent = undefined;
    if (!this.originsSeen.has(slot.origin)) {
      this.originsSeen.add(slot.origin);
      return intent?.reason === 'forced' ? intent : { reason: 'first', detail: `first connection to ${slot.origin}` };
    }
    if (intent) return intent;
    const prev = slot.last;
    if (!prev) return { reason: 'first', detail: `first connection of this pool slot to ${slot.origin}` };
    const id = prev.conn.id;
    switch (prev.conn.closeReason) {
      case 'server-connection-close':
        if (prev.nonPersistent) return { reason: 'server-closed', detail: `previous connection ${id} was non-persistent: the server answered HTTP/1.0 without keep-alive` };
        return { reason: 'server-closed', detail: `previous connection ${id} was closed by the server (Connection: close)` };
      case 'server-closed':
        if (prev.nonPersistent) return { reason: 'server-closed', detail: `previous connection ${id} was non-persistent: the server answered HTTP/1.0 without keep-alive and closed it` };
        return { reason: 'server-closed', detail: `previous connection ${id} was closed by the server (FIN)` };
      case 'idle-timeout':
        return { reason: 'idle-timeout', detail: `previous connection ${id} timed out while idle: ${prev.conn.closeDetail ?? ''}`.trim() };
      case 'client-closed':
        return { reason: 'forced', detail: `previous connection ${id} ended: ${prev.conn.closeDetail ?? 'closed by Wirelane'}` };
      case 'cancelled':
        return { reason: 'forced', detail: `previous connection ${id} was closed when a request was cancelled` };
      default:
        return { reason: 'server-closed', detail: `previous connection ${id} ended with an error (${prev.conn.closeDetail ?? 'error'})` };
    }
  }

  private pickSlot(req: ResolvedRequest, url: URL, origin: string, insecure: boolean, wantH2: boolean, via?: Slot['via']): Slot {
    // HTTP/2 is negotiated by ALPN, so only over TLS. Cleartext h2 would need prior knowledge
    // (undici's useH2c), which an HTTP/1.1-only server answers with an error, not a fallback.
    const h2 = wantH2 && url.protocol === 'https:';
    // Through a forward proxy every http:// request rides the connections to the proxy.
    if (via?.kind === 'forward') origin = via.plan.origin;
    const key = via ? `${this.slotKey(origin, insecure, h2)}|via ${via.kind}` : this.slotKey(origin, insecure, h2);
    const list = this.pools.get(key) ?? [];
    const h2Because = h2 && this.mode !== 'h2' ? `\`HTTP/2\` in the request line at ${req.source.file}:${req.source.line}` : undefined;
    if (req.connection === 'new') {
      return this.newSlot(origin, key, insecure, h2, { reason: 'forced', detail: `\`# @connection new\` at ${req.source.file}:${req.source.line}` }, h2Because, via);
    }
    if (h2 || this.pipelineDepth > 1) {
      // One connection carries everything; concurrency is streams or the pipeline.
      const last = list[list.length - 1];
      if (last) return last;
      return this.newSlot(origin, key, insecure, h2, undefined, h2Because, via);
    }
    let best: Slot | undefined;
    for (const s of list) {
      if (s.busy === 0 && s.current && !s.current.closed && (!best || s.lastUsed > best.lastUsed)) best = s;
    }
    if (best) return best;
    for (const s of list) {
      if (s.busy === 0 && (!best || s.lastUsed > best.lastUsed)) best = s;
    }
    if (best) return best;
    if (list.length > 0) {
      const busy = list
        .map((s) => s.current?.conn.id ?? s.connecting?.conn.id)
        .filter(Boolean)
        .join(', ');
      return this.newSlot(origin, key, insecure, h2, { reason: 'pool-busy', detail: `every connection to ${origin} was busy${busy ? ` (${busy})` : ''}` }, undefined, via);
    }
    return this.newSlot(origin, key, insecure, h2, undefined, undefined, via);
  }

  private async sendOnce(req: ResolvedRequest, a: Attempt, callSignal?: AbortSignal): Promise<SendResult> {
    const t0 = now();
    const insecure = req.insecure ?? this.opts.insecure ?? false;
    const useJar = (this.opts.cookies ?? true) && !req.noCookieJar;
    let headers = a.headers;
    if (useJar && this.jarUsed) {
      const cookie = await this.jar.getCookieString(a.href);
      if (cookie) {
        const own = header(headers, 'cookie');
        headers = [...withoutHeader(headers, 'cookie'), ['Cookie', own ? `${own}; ${cookie}` : cookie]];
      }
    }
    if (header(headers, 'accept-encoding') === undefined) headers = [...headers, ['Accept-Encoding', 'gzip, deflate, br']];
    if (a.body && header(headers, 'content-length') === undefined && req.body?.kind !== 'bytes') {
      headers = [...headers, ['Content-Length', String(a.body.length)]];
    }
    const mime = header(headers, 'content-type');
    // Every field the exchange will get is present from the start: adding properties later
    // changes the object's hidden class on each store, which cost ~30% of the engine's time.
    const exchange = this.recorder.startExchange({
      name: req.name,
      source: req.source,
      connectionId: undefined,
      reused: false,
      streamId: undefined,
      mode: this.mode,
      response: undefined,
      endedAt: undefined,
      error: undefined,
      request: {
        method: a.method,
        url: a.href,
        httpVersion: req.httpVersion === 'HTTP/1.0' ? 'HTTP/1.0' : 'HTTP/1.1',
        headers,
        body: a.body ? a.body.ref(mime, this.bodyLimit) : undefined,
      },
      startedAt: Date.now(),
      timings: { blocked: -1, dns: -1, connect: -1, ssl: -1, send: -1, wait: -1, receive: -1 },
    });

    // One abort per exchange: the run's signal, the caller's, and the timeout all fire it.
    const timeoutMs = req.timeoutMs ?? this.opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const abort = new ExchangeAbort(req.source, timeoutMs, timeoutMs > 0 ? performance.now() + timeoutMs : Infinity);
    this.inFlight.add(abort);
    this.armWatchdog(abort.deadline);
    if (this.opts.signal?.aborted) this.abortForRun(abort);
    else if (callSignal?.aborted) abort.cancel();
    if (callSignal) callSignal.addEventListener('abort', abort.cancelListener, { once: true });

    const closeWhy =
      this.mode === 'close'
        ? 'Wirelane sent Connection: close (mode close)'
        : req.connection === 'close'
          ? `Wirelane sent Connection: close (\`# @connection close\` at ${req.source.file}:${req.source.line})`
          : undefined;
    const trace: ExchangeTrace = {
      exchange,
      t0,
      conn: undefined,
      closeWhy,
      tSend: undefined,
      tBodySent: undefined,
      tHeaders: undefined,
      tDone: undefined,
      sentHeaderText: undefined,
      responseRawHeaders: undefined,
      hideProxyAuth: false,
    };

    if (req.httpVersion === 'HTTP/1.0') {
      try {
        return await sendHttp10({
          engine: this.http10Host(),
          req,
          attempt: a,
          headers,
          trace,
          signal: abort,
          insecure,
          clientCert: this.opts.clientCert,
          bodyLimit: this.bodyLimit,
          tempDir: this.tempDir,
          useJar,
          proxy: this.proxy && !bypassesProxy(this.proxy, a.url) ? this.proxy : undefined,
        });
      } finally {
        this.release(abort, callSignal);
      }
    }

    if (this.closed) {
      this.release(abort, callSignal);
      exchange.error = new WlError('WL_CANCELLED', 'The engine was closed', { source: req.source, phase: 'connect' }).toInfo();
      this.recorder.endExchange(exchange);
      return { exchange };
    }

    const wantH2 = this.mode === 'h2' || req.httpVersion === 'HTTP/2';
    let slot: Slot | undefined;
    let stage: ExchangeStage = 'queued';
    const viaProxy = this.proxy && !bypassesProxy(this.proxy, a.url) ? this.proxy : undefined;
    const via: Slot['via'] = viaProxy ? { plan: viaProxy, kind: a.url.protocol === 'https:' ? 'tunnel' : 'forward' } : undefined;
    try {
      slot = this.pickSlot(req, a.url, a.origin, insecure, wantH2, via);
      const s = slot;
      s.busy++;
      s.lastUsed = t0;
      const h2 = s.h2;
      const sendHeaders: string[] = [];
      for (const [k, v] of headers) {
        if (h2 && H2_FORBIDDEN.has(k.toLowerCase())) continue;
        sendHeaders.push(k, v);
      }
      let path = a.path;
      if (via?.kind === 'forward') {
        // Absolute form to the proxy; undici would otherwise send the proxy's own Host.
        path = a.href;
        if (header(headers, 'host') === undefined) sendHeaders.push('Host', a.url.host);
        if (viaProxy!.authorization && header(headers, 'proxy-authorization') === undefined) {
          sendHeaders.push('Proxy-Authorization', viaProxy!.authorization);
          trace.hideProxyAuth = true;
        }
      }
      const reqBody = a.body?.make() ?? null;
      const handler = new ExchangeHandler(this.tracker, trace, abort, this.bodyLimit, a.method === 'HEAD');
      this.tracker.claimDispatch(
        trace,
        s.client,
        {
          path,
          method: a.method,
          headers: sendHeaders,
          body: reqBody as never,
          // false keeps HEAD requests reusable too (undici closes after HEAD by default).
          reset: closeWhy !== undefined,
          // undici holds back the next pipelined request until headers arrive unless told it won't block.
          blocking: this.pipelineDepth > 1 ? false : undefined,
        } as Dispatcher.DispatchOptions,
        handler as unknown as Dispatcher.DispatchHandler,
      );
      const res = await handler.response;
      stage = 'receiving';
      const respHeaders = rawToPairs(res.raw);
      const encoding = header(respHeaders, 'content-encoding');
      const tc = trace.conn;
      const onH2 = tc?.conn.protocol === 'h2';
      if (onH2) exchange.request.httpVersion = 'HTTP/2';
      else if (wantH2 && tc) this.noteNoH2(tc, req, a.url);
      const response: ExchangeResponse = {
        status: res.status,
        statusText: res.statusText,
        httpVersion: onH2 ? 'HTTP/2' : (tc?.responseVersion ?? 'HTTP/1.1'),
        headers: respHeaders,
        body: undefined,
        encodedSize: undefined,
        redirectURL: undefined,
      };
      exchange.response = response;
      const location = header(respHeaders, 'location');
      if (location && res.status >= 300 && res.status < 400) {
        try {
          response.redirectURL = new URL(location, a.url).href;
        } catch {
          response.redirectURL = location;
        }
      }
      if (useJar && hasSetCookie(respHeaders)) await this.storeCookies(respHeaders, a.url);
      const read: ReadBodyResult = res.stream
        ? await readBody(res.stream, a.method === 'HEAD' ? undefined : encoding, this.bodyLimit, this.tempDir)
        : collected(res.chunks!, res.size, trace.tDone ?? now());
      this.release(abort, callSignal);
      const respMime = header(respHeaders, 'content-type');
      response.encodedSize = read.encodedSize;
      if (read.file) {
        response.body = { size: read.size, mimeType: respMime, file: read.file };
      } else if (read.buffer) {
        response.body = read.size === 0 ? { size: 0, mimeType: respMime } : bytesRef(read.buffer, respMime, this.bodyLimit);
        if (response.body.text !== undefined && !isTextMime(respMime)) delete response.body.text;
      }
      this.finishTimings(trace, read.receivedAt);
      exchange.endedAt = Date.now();
      s.busy--;
      this.recorder.endExchange(exchange);
      return { exchange, body: read.buffer, bodyFile: read.file };
    } catch (e) {
      this.release(abort, callSignal);
      if (slot) slot.busy--;
      const tc = trace.conn;
      if (stage !== 'receiving') {
        if (!tc) stage = slot?.connecting || slot?.failedConnect ? 'connecting' : 'queued';
        else if (trace.tHeaders !== undefined) stage = 'receiving';
        else if (trace.tBodySent !== undefined || trace.tSend !== undefined) stage = trace.tBodySent !== undefined ? 'waiting' : 'sending';
      }
      let err = toWlError(e, stage, req.source);
      if (abort.kind === 'timeout' && err.code === 'WL_TIMEOUT' && !err.phase) {
        err = new WlError('WL_TIMEOUT', err.message, { phase: stage === 'queued' ? 'connect' : phaseOf(stage), source: req.source });
      } else if (abort.kind === 'cancel' && err.code === 'WL_CANCELLED' && !err.phase) {
        err = new WlError('WL_CANCELLED', err.message, { phase: phaseOf(stage), source: req.source });
      }
      const pending = tc ? undefined : (slot?.connecting ?? slot?.failedConnect);
      if (!via && err.phase === 'connect' && pending?.tls && pending.conn.connectedAt !== undefined && pending.conn.secureAt === undefined) {
        // TCP had connected and the handshake had begun: the failure belongs to TLS, not to the connect.
        err = new WlError(err.code, err.message, { phase: 'tls', hint: err.hint, source: err.source, cause: err });
      }
      if (via && err.phase === 'connect' && err.code !== 'WL_PROXY' && err.code !== 'WL_CANCELLED' && !err.code.startsWith('WL_TLS')) {
        // "Connection refused" alone would point at the server; it was the proxy.
        err = new WlError(err.code, `${err.message}; connecting to the proxy ${via.plan.origin}`, { phase: err.phase, hint: err.hint, source: err.source, cause: err });
      }
      if (tc) {
        if (abort.kind === 'cancel') this.tracker.markClosing(tc, 'cancelled', 'the request on it was cancelled');
        else if (abort.kind === 'timeout') this.tracker.markClosing(tc, 'error', `WL_TIMEOUT: ${abort.reason?.message ?? 'no response in time'}, so Wirelane closed it`);
        else tc.failure = `${err.code} (${err.phase ?? stage})`;
      } else if (slot?.failedConnect && !slot.current) {
        // The request never reached a socket: it waited on the connection attempt that failed.
        exchange.connectionId = slot.failedConnect.conn.id;
      } else if (slot?.connecting && abort.kind) {
        exchange.connectionId = slot.connecting.conn.id;
        this.tracker.markClosing(slot.connecting, abort.kind === 'cancel' ? 'cancelled' : 'error', abort.kind === 'cancel' ? 'cancelled while connecting' : 'WL_TIMEOUT while connecting');
        // undici keeps connecting for requests that no longer exist; stop it.
        slot.connecting.socket?.destroy();
      }
      exchange.error = err.toInfo();
      this.finishTimings(trace, now());
      exchange.endedAt = Date.now();
      this.recorder.endExchange(exchange);
      return { exchange };
    }
  }

  /** HTTP/2 was asked for but this connection speaks HTTP/1.1: say why on the connection, once. */
  private noteNoH2(tc: TrackedConnection, req: ResolvedRequest, url: URL): void {
    if (this.h2Noted.has(tc)) return;
    this.h2Noted.add(tc);
    const asked = this.mode === 'h2' ? 'mode h2' : `\`HTTP/2\` at ${req.source.file}:${req.source.line}`;
    const why =
      url.protocol === 'http:'
        ? 'http:// URLs go over HTTP/1.1 (HTTP/2 is negotiated by TLS ALPN; Wirelane does not send cleartext h2c)'
        : `the server chose ${tc.conn.tls?.alpn || 'http/1.1'} in TLS ALPN`;
    const c = tc.conn;
    this.recorder.updateConnection(c.id, { openDetail: `${c.openDetail ?? OPEN_REASON_TEXT[c.openReason]}; ${asked} asked for HTTP/2, but ${why}, so this connection carries HTTP/1.1` });
  }
  private readonly h2Noted = new WeakSet<TrackedConnection>();

  /** `AbortSignal.timeout(ms)` as the run's signal is the whole-run time limit: WL_TIMEOUT, not WL_CANCELLED. */
  private abortForRun(a: ExchangeAbort): void {
    const reason = this.opts.signal?.reason as { name?: string } | undefined;
    if (reason?.name === 'TimeoutError') a.timeout('The run’s time limit was reached');
    else a.cancel();
  }

  private release(abort: ExchangeAbort, callSignal: AbortSignal | undefined): void {
    this.inFlight.delete(abort);
    if (callSignal) callSignal.removeEventListener('abort', abort.cancelListener);
  }

  /**
   * One timer for every exchange's deadline, armed for the earliest: sequential requests with
   * the same timeout never re-arm it, so a timeout costs nothing per request.
   */
  private armWatchdog(deadline: number): void {
    if (deadline === Infinity || deadline >= this.watchdogAt) return;
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdogAt = deadline;
    this.watchdog = setTimeout(this.onWatchdog, Math.max(0, deadline - performance.now()));
    this.watchdog.unref?.();
  }

  private readonly onWatchdog = (): void => {
    this.watchdog = undefined;
    this.watchdogAt = Infinity;
    const t = performance.now();
    let next = Infinity;
    for (const a of this.inFlight) {
      if (a.deadline <= t + 1) a.timeout();
      else if (a.deadline < next) next = a.deadline;
    }
    if (next !== Infinity) {
      this.watchdogAt = next;
      this.watchdog = setTimeout(this.onWatchdog, Math.max(0, next - t));
      this.watchdog.unref?.();
    }
  };

  private async storeCookies(headers: Array<[string, string]>, url: URL): Promise<void> {
    for (const [k, v] of headers) {
      if (k.toLowerCase() !== 'set-cookie') continue;
      this.jarUsed = true;
      await this.jar.setCookie(v, url.href, { ignoreError: true });
    }
  }

  /** HAR timings from the tracker's times; connection setup counts only for the request that waited on it. */
  private finishTimings(trace: ExchangeTrace, endAt: number): void {
    const t: Timings = trace.exchange.timings;
    const tc = trace.conn;
    const sentHeaders = sentHeaderPairs(trace.sentHeaderText, tc?.conn.protocol === 'h2');
    if (sentHeaders) trace.exchange.request.headers = trace.hideProxyAuth ? sentHeaders.filter(([k]) => k.toLowerCase() !== 'proxy-authorization') : sentHeaders;
    if (!tc || trace.tSend === undefined) return;
    const c = tc.conn;
    let setup = 0;
    if (!trace.exchange.reused && c.openedAt >= trace.t0 - 1) {
      const lookupEnd = tc.lookupAt;
      t.dns = lookupEnd !== undefined ? lookupEnd - c.openedAt : -1;
      const tcpStart = lookupEnd ?? c.openedAt;
      const ready = c.secureAt ?? c.connectedAt ?? tcpStart;
      // HAR 1.2: `connect` includes `ssl`.
      t.connect = Math.max(0, ready - tcpStart);
      t.ssl = c.secureAt !== undefined && c.connectedAt !== undefined ? c.secureAt - c.connectedAt : -1;
      setup = ready - c.openedAt;
    }
    t.blocked = Math.max(0, trace.tSend - trace.t0 - setup);
    const bodySent = trace.tBodySent ?? trace.tSend;
    t.send = Math.max(0, bodySent - trace.tSend);
    if (trace.tHeaders !== undefined) {
      t.wait = Math.max(0, trace.tHeaders - bodySent);
      t.receive = Math.max(0, endAt - trace.tHeaders);
    } else {
      t.wait = Math.max(0, endAt - bodySent);
    }
    t.blocked = round3(t.blocked);
    t.dns = round3(t.dns);
    t.connect = round3(t.connect);
    t.ssl = round3(t.ssl);
    t.send = round3(t.send);
    t.wait = round3(t.wait);
    t.receive = round3(t.receive);
  }

  private http10Host() {
    return {
      recorder: this.recorder,
      mode: this.mode,
      network: this.opts.network,
      originsSeen: this.originsSeen,
      jar: this.jar,
      storeCookies: (h: Array<[string, string]>, u: URL) => this.storeCookies(h, u),
      finishTimings: (t: ExchangeTrace, at: number) => this.finishTimings(t, at),
      connections: this.http10Open,
    };
  }
  private readonly http10Open = new Set<{ close(reason: 'client-closed'): void; closed: Promise<void> }>();

  /** Close every pool; connections still open get closeReason 'client-closed' and closedAt. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.watchdog) clearTimeout(this.watchdog);
    for (const tc of this.tracker.live) this.tracker.markClosing(tc, 'client-closed', 'closed by Wirelane at the end of the run');
    const waits: Array<Promise<unknown>> = [];
    for (const list of this.pools.values()) for (const s of list) waits.push(s.client.destroy().catch(() => undefined));
    for (const h of this.http10Open) h.close('client-closed');
    await Promise.all(waits);
    await Promise.all([...this.tracker.live].map((tc) => Promise.race([tc.closedPromise, new Promise((r) => setTimeout(r, 1000).unref())])));
    await Promise.all([...this.http10Open].map((h) => h.closed));
    this.tracker.dispose();
    // Recorded values (an API key header too) shouldn't outlive the run in a shared table.
    interned.clear();
  }
}

/**
 * Aborts one exchange: the dispatch handler (`listener`) or, for HTTP/1.0, `once('abort')`.
 * Not an AbortSignal or EventEmitter: creating those per request showed at thousands of requests.
 */
export class ExchangeAbort {
  aborted = false;
  reason: WlError | undefined;
  kind: 'cancel' | 'timeout' | undefined;
  listener: { aborted(reason: WlError): void } | undefined = undefined;
  private onceAbort: Array<() => void> | undefined = undefined;
  private cancelFn: (() => void) | undefined = undefined;

  constructor(
    private readonly source: SourceLocation,
    readonly timeoutMs: number,
    /** performance.now() past which the exchange times out; Infinity for none. */
    readonly deadline: number,
  ) {}

  once(_e: 'abort', f: () => void): void {
    (this.onceAbort ??= []).push(f);
  }

  off(_e: 'abort', f: () => void): void {
    const i = this.onceAbort?.indexOf(f) ?? -1;
    if (i >= 0) this.onceAbort!.splice(i, 1);
  }

  private fire(kind: 'cancel' | 'timeout', reason: WlError): void {
    if (this.aborted) return;
    this.kind = kind;
    this.aborted = true;
    this.reason = reason;
    this.listener?.aborted(reason);
    const fs = this.onceAbort;
    this.onceAbort = undefined;
    if (fs) for (const f of fs) f();
  }

  cancel(): void {
    this.fire('cancel', new WlError('WL_CANCELLED', 'The request was cancelled', { source: this.source }));
  }

  /** `cancel` as a stable function, for an AbortSignal listener (made only when one is given). */
  get cancelListener(): () => void {
    return (this.cancelFn ??= () => this.cancel());
  }

  timeout(message = `No complete response within ${this.timeoutMs} ms`): void {
    this.fire('timeout', new WlError('WL_TIMEOUT', message, { source: this.source }));
  }
}

/**
 * undici's `pipelining` (1 here outside pipeline:N) also caps an HTTP/2 session's streams in
 * flight; once ALPN chose h2, lift it so the requests really are multiplexed. A connection of
 * an h2 slot whose server chose HTTP/1.1 keeps the mode's depth (no accidental pipelining).
 */
function streamsOnH2(slot: { h2: boolean; client: Client }, cb: buildConnector.Callback, http1Depth: number): buildConnector.Callback {
  if (!slot.h2) return cb;
  return ((err: Error | null, socket: { alpnProtocol?: string } | null) => {
    (cb as (e: Error | null, s: unknown) => void)(err, socket);
    if (!err) slot.client.pipelining = socket?.alpnProtocol === 'h2' ? H2_STREAMS_IN_FLIGHT : http1Depth;
  }) as buildConnector.Callback;
}

/** Microsecond precision; -1 (not applicable) stays. */
function round3(ms: number): number {
  return ms === -1 ? -1 : Math.round(ms * 1000) / 1000;
}

function collected(chunks: Buffer[], size: number, receivedAt: number): ReadBodyResult {
  const buffer = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
  return { buffer, size, encodedSize: size, decoded: false, receivedAt };
}

function phaseOf(stage: ExchangeStage): 'connect' | 'send' | 'wait' | 'receive' {
  return stage === 'queued' || stage === 'connecting' ? 'connect' : stage === 'sending' ? 'send' : stage === 'waiting' ? 'wait' : 'receive';
}
