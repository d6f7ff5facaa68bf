// Run(s) → HAR 1.2 with `connection`, `serverIPAddress`, `timings`, Chrome's
// `_webSocketMessages` and the `_wirelane` fields of DESIGN.md ("Contracts"). Pure: the
// streaming file writer (src/runner/harFile.ts) and the CLI decide where the bytes go.

import type { Connection, Exchange, Run, Timings, WsFrame, WsSession } from '../timeline/model';
import type { NetworkConditions } from '../network';
import type { Har, HarEntry, HarLog, HarNameValue, HarPostData, HarTimings, HarWebSocketMessage, WirelaneConnectionExt } from './types';
import { createRedactor, credentialValues, REDACTED, type Redactor } from './redact';

export { createRedactor, credentialValues, REDACTED, SECRET_HEADERS, type Redactor } from './redact';

export const HAR_CREATOR = 'Wirelane';

export interface HarWriteOptions {
  /** Values from private environments (every `ResolvedRequest.secrets` of the run). */
  secrets?: Iterable<string>;
  /** Write credentials and secrets as they were (`--keep-secrets`). */
  keepSecrets?: boolean;
  creatorVersion?: string;
}

/** What converting one exchange needs to know about the rest of the run. */
export interface EntryContext {
  connection(id: string): Connection | undefined;
  session(id: string): WsSession | undefined;
  redactor: Redactor;
  /** Leave `_webSocketMessages` out (the streaming writer splices its own, already serialized). */
  omitFrames?: boolean;
}

export function emptyHarLog(creatorVersion = '0.1.0'): HarLog {
  return { version: '1.2', creator: { name: HAR_CREATOR, version: creatorVersion }, pages: [], entries: [], _wirelane: { connections: [], runs: [] } };
}

export function toHar(runs: Run | Run[], opts: HarWriteOptions = {}): Har {
  const list = Array.isArray(runs) ? runs : [runs];
  const redactor = createRedactor(opts.secrets ?? [], opts.keepSecrets);
  const log = emptyHarLog(opts.creatorVersion);
  for (const run of list) {
    const ctx = contextFor(run, redactor);
    for (const ex of run.exchanges) log.entries.push(exchangeToEntry(ex, ctx));
    for (const c of run.connections) log._wirelane!.connections.push(connectionToHar(c));
    log._wirelane!.runs!.push(runToHar(run));
  }
  const network = networkOfRuns(list);
  if (network) log._wirelane!.network = network;
  return { log };
}

export function contextFor(run: Run, redactor: Redactor): EntryContext {
  const conns = new Map(run.connections.map((c) => [c.id, c]));
  const sessions = new Map(run.sessions.map((s) => [s.id, s]));
  return { connection: (id) => conns.get(id) ?? run.connections.find((c) => c.id === id), session: (id) => sessions.get(id) ?? run.sessions.find((s) => s.id === id), redactor };
}

/** `log._wirelane.network`: the first recorded run's simulated conditions (each run has its own in `runs[]`). */
export function networkOfRuns(runs: Run[]): NetworkConditions | undefined {
  const c = runs.find((r) => r.network)?.network;
  return c ? { rttMs: c.rttMs, downKbps: c.downKbps, upKbps: c.upKbps, ...(c.preset ? { preset: c.preset } : {}) } : undefined;
}

export function runToHar(run: Run): NonNullable<NonNullable<HarLog['_wirelane']>['runs']>[number] {
  return {
    id: run.id,
    mode: run.mode,
    label: run.label,
    environment: run.environment,
    file: run.file,
    startedAt: iso(run.startedAt),
    endedAt: run.endedAt === undefined ? undefined : iso(run.endedAt),
    network: run.network,
  };
}

export function connectionToHar(c: Connection): WirelaneConnectionExt {
  return {
    id: c.id,
    origin: c.origin,
    protocol: c.protocol,
    localPort: c.localPort,
    remotePort: c.remotePort,
    openReason: c.openReason,
    openDetail: c.openDetail,
    closeReason: c.closedAt === undefined && c.closeReason !== 'open' ? 'open' : c.closeReason,
    closeDetail: c.closeDetail,
    openedAt: iso(c.openedAt),
    closedAt: c.closedAt === undefined ? undefined : iso(c.closedAt),
    tls: c.tls,
    mode: c.mode,
    proxy: c.proxy,
  };
}

export function frameToHar(f: WsFrame, redactor: Redactor): HarWebSocketMessage {
  return { type: f.dir, time: f.time / 1000, opcode: f.opcode, data: redactor.text(f.data) };
}

export function exchangeToEntry(ex: Exchange, ctx: EntryContext): HarEntry {
  const req = ex.request;
  const res = ex.response;
  // The exchange's own credentials are scrubbed wherever its entry repeats them (an echoing server).
  // Per entry, not per file: a run whose cookie changes on every response would otherwise make
  // every entry search for every cookie ever seen.
  const r = ctx.redactor.withSecrets?.(credentialValues(req.headers, res?.headers)) ?? ctx.redactor;
  const conn = ex.connectionId ? ctx.connection(ex.connectionId) : undefined;
  const url = r.text(req.url);
  const reqHeaders = req.headers.map(([name, value]) => ({ name, value: r.header(name, value) }));
  const resHeaders = (res?.headers ?? []).map(([name, value]) => ({ name, value: r.header(name, value) }));
  const reqContentType = headerValue(req.headers, 'content-type');
  const resContentType = res?.body?.mimeType ?? headerValue(res?.headers ?? [], 'content-type') ?? 'x-unknown';
  const timings = harTimings(ex.timings);
  const end = ex.endedAt ?? ex.startedAt;

  let postData: HarPostData | undefined;
  if (req.body && req.body.size > 0) {
    postData = { mimeType: req.body.mimeType ?? reqContentType ?? 'application/octet-stream' };
    if (req.body.text !== undefined) postData.text = r.text(req.body.text);
    else if (req.body.base64 !== undefined) {
      postData.text = req.body.base64;
      postData._encoding = 'base64';
    }
    if (req.body.file) postData._file = req.body.file;
  }

  const content: HarEntry['response']['content'] = { size: res?.body?.size ?? 0, mimeType: resContentType };
  if (res?.body?.text !== undefined) content.text = r.text(res.body.text);
  else if (res?.body?.base64 !== undefined) {
    content.text = res.body.base64;
    content.encoding = 'base64';
  }
  if (res?.body?.file) content._file = res.body.file;

  const entry: HarEntry = {
    startedDateTime: iso(ex.startedAt),
    time: Math.max(0, end - ex.startedAt),
    request: {
      method: req.method,
      url,
      httpVersion: req.httpVersion || 'HTTP/1.1',
      cookies: requestCookies(req.headers, r),
      headers: reqHeaders,
      queryString: queryString(url),
      ...(postData ? { postData } : {}),
      headersSize: -1,
      bodySize: req.body?.size ?? 0,
    },
    response: {
      status: res?.status ?? 0,
      statusText: res?.statusText ?? '',
      httpVersion: res?.httpVersion || (res ? req.httpVersion || 'HTTP/1.1' : ''),
      cookies: responseCookies(res?.headers ?? [], r),
      headers: resHeaders,
      content,
      redirectURL: res?.redirectURL ? r.text(res.redirectURL) : '',
      headersSize: -1,
      bodySize: res?.encodedSize ?? (res?.body ? res.body.size : -1),
      ...(ex.error ? { _error: `${ex.error.code}: ${r.text(ex.error.message)}` } : {}),
    },
    cache: {},
    timings,
  };
  if (conn?.remoteAddress) entry.serverIPAddress = conn.remoteAddress;
  if (ex.connectionId) entry.connection = ex.connectionId;
  entry._wirelane = {
    reused: ex.reused,
    localPort: conn?.localPort,
    remotePort: conn?.remotePort,
    streamId: ex.streamId,
    requestName: ex.name,
    source: ex.source ? { file: ex.source.file, line: ex.source.line } : undefined,
    mode: ex.mode,
    error: ex.error ? { code: ex.error.code, message: r.text(ex.error.message), phase: ex.error.phase, hint: ex.error.hint } : undefined,
  };
  const session = ex.sessionId ? ctx.session(ex.sessionId) : undefined;
  if (session || ex.sessionId) {
    entry._resourceType = 'websocket';
    if (session) {
      if (!ctx.omitFrames) entry._webSocketMessages = session.frames.map((f) => frameToHar(f, r));
      entry._wirelane.websocket = {
        closeCode: session.closeCode,
        closeReason: session.closeReason === undefined ? undefined : r.text(session.closeReason),
        closedBy: session.closedBy,
        totalFrames: session.totalFrames,
        droppedFrames: ctx.omitFrames ? 0 : session.droppedFrames,
        protocol: session.protocol,
        extensions: session.extensions,
        error: session.error ? { code: session.error.code, message: r.text(session.error.message), phase: session.error.phase, hint: session.error.hint } : undefined,
      };
    }
  }
  return entry;
}

/** HAR requires send/wait/receive ≥ 0; the optional phases keep -1 for "not applicable". */
export function harTimings(t: Timings): HarTimings {
  const nn = (v: number) => (Number.isFinite(v) && v >= 0 ? v : 0);
  const opt = (v: number) => (Number.isFinite(v) && v >= 0 ? v : -1);
  return { blocked: opt(t.blocked), dns: opt(t.dns), connect: opt(t.connect), ssl: opt(t.ssl), send: nn(t.send), wait: nn(t.wait), receive: nn(t.receive) };
}

function iso(ms: number): string {
  const d = new Date(Number.isFinite(ms) ? ms : 0);
  return Number.isNaN(d.getTime()) ? new Date(0).toISOString() : d.toISOString();
}

function headerValue(headers: Array<[string, string]>, name: string): string | undefined {
  for (const [n, v] of headers) if (n.toLowerCase() === name) return v;
  return undefined;
}

function queryString(url: string): HarNameValue[] {
  const q = url.indexOf('?');
  if (q < 0) return [];
  const hash = url.indexOf('#', q);
  const out: HarNameValue[] = [];
  try {
    for (const [name, value] of new URLSearchParams(url.slice(q + 1, hash < 0 ? undefined : hash))) out.push({ name, value });
  } catch {
    // A query that does not parse is still in the URL; the list is a convenience.
  }
  return out;
}

function requestCookies(headers: Array<[string, string]>, r: Redactor): HarNameValue[] {
  const out: HarNameValue[] = [];
  for (const [n, v] of headers) {
    if (n.toLowerCase() !== 'cookie') continue;
    for (const part of v.split(';')) {
      const eq = part.indexOf('=');
      if (eq <= 0) continue;
      out.push({ name: part.slice(0, eq).trim(), value: r.active ? REDACTED : part.slice(eq + 1).trim() });
    }
  }
  return out;
}

function responseCookies(headers: Array<[string, string]>, r: Redactor): HarNameValue[] {
  const out: HarNameValue[] = [];
  for (const [n, v] of headers) {
    if (n.toLowerCase() !== 'set-cookie') continue;
    const first = v.split(';')[0] ?? '';
    const eq = first.indexOf('=');
    if (eq <= 0) continue;
    out.push({ name: first.slice(0, eq).trim(), value: r.active ? REDACTED : first.slice(eq + 1).trim() });
  }
  return out;
}
