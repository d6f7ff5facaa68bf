// HAR → the timeline model. HARs come from anywhere (ours, Chrome, Firefox, Playwright,
// proxies, hand edits), so every field is checked before use; what cannot be read becomes a
// warning, and only a file with no `log.entries` array at all is refused (WL_HAR_INVALID).

import { WlError, type ErrorInfo, type Phase } from '../errors';
import type { CloseReason, Connection, Exchange, OpenReason, Run, Timings, WsFrame, WsSession } from '../timeline/model';
import { networkFromJson } from '../network';

export interface HarReadResult {
  run: Run;
  /** Runs recorded in the file (`log._wirelane.runs`); one synthesized run for foreign HARs. */
  runs: Array<{ id: string; mode: string; label?: string; environment?: string; file?: string; startedAt: number; endedAt?: number }>;
  /** Who wrote it (`log.creator.name`). */
  creator: string;
  /** True when the connection grouping came from `_wirelane` or `connection`; false when guessed from addresses. */
  groupingExact: boolean;
  warnings: string[];
  /** `entryIndex[i]` is the `log.entries` index run.exchanges[i] was read from (unreadable entries are skipped). */
  entryIndex: number[];
}

const OPEN_REASONS = new Set<OpenReason>(['first', 'server-closed', 'idle-timeout', 'pool-busy', 'forced', 'upgrade']);
const CLOSE_REASONS = new Set<CloseReason>(['server-connection-close', 'server-closed', 'idle-timeout', 'client-closed', 'error', 'cancelled', 'open']);
const PHASES = new Set<Phase>(['parse', 'resolve', 'dns', 'connect', 'tls', 'send', 'wait', 'receive', 'websocket']);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function time(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v !== 'string') return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

function nameValues(v: unknown): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const h of arr(v)) {
    if (!isObj(h)) continue;
    const name = str(h.name);
    if (name === undefined) continue;
    out.push([name, str(h.value) ?? '']);
  }
  return out;
}

function timings(v: unknown): Timings {
  const t = isObj(v) ? v : {};
  const f = (k: string) => {
    const n = num(t[k]);
    return n === undefined || n < 0 ? -1 : n;
  };
  return { blocked: f('blocked'), dns: f('dns'), connect: f('connect'), ssl: f('ssl'), send: f('send'), wait: f('wait'), receive: f('receive') };
}

export function readHar(input: string | unknown, fileLabel = 'HAR'): HarReadResult {
  let doc: unknown = input;
  if (typeof input === 'string') {
    try {
      doc = JSON.parse(input.charCodeAt(0) === 0xfeff ? input.slice(1) : input);
    } catch (err) {
      throw new WlError('WL_HAR_INVALID', `${fileLabel} is not JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const log = isObj(doc) && isObj(doc.log) ? doc.log : undefined;
  if (!log || !Array.isArray(log.entries)) throw new WlError('WL_HAR_INVALID', `${fileLabel} has no log.entries array`);

  const warnings: string[] = [];
  const creator = isObj(log.creator) ? (str(log.creator.name) ?? 'unknown') : 'unknown';
  const ext = isObj(log._wirelane) ? log._wirelane : undefined;

  const connections: Connection[] = [];
  const connById = new Map<string, Connection>();
  for (const c of arr(ext?.connections)) {
    if (!isObj(c)) continue;
    const id = str(c.id);
    if (id === undefined || connById.has(id)) continue;
    const openReason = OPEN_REASONS.has(c.openReason as OpenReason) ? (c.openReason as OpenReason) : 'first';
    const closeReason = CLOSE_REASONS.has(c.closeReason as CloseReason) ? (c.closeReason as CloseReason) : 'open';
    const conn: Connection = {
      id,
      origin: str(c.origin) ?? '',
      protocol: str(c.protocol) ?? 'http/1.1',
      localPort: num(c.localPort),
      remotePort: num(c.remotePort),
      tls: isObj(c.tls) ? (c.tls as Connection['tls']) : undefined,
      openedAt: time(c.openedAt) ?? 0,
      closedAt: time(c.closedAt),
      openReason,
      openDetail: str(c.openDetail),
      closeReason,
      closeDetail: str(c.closeDetail),
      mode: str(c.mode) as Connection['mode'],
      requestCount: 0,
    };
    const proxy = str(c.proxy);
    if (proxy) conn.proxy = proxy;
    connections.push(conn);
    connById.set(id, conn);
  }
  const fromOurs = connections.length > 0;
  let groupingExact = true;

  // Foreign HARs: Chrome's `connection` is an opaque id; Playwright has only `_serverPort`;
  // some have neither. Ids become c1, c2, … in order of first appearance.
  const foreignIds = new Map<string, string>();
  const exchanges: Exchange[] = [];
  const entryIndex: number[] = [];
  const sessions: WsSession[] = [];
  const entries = log.entries as unknown[];
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (!isObj(e)) {
      warnings.push(`entry ${i} is not an object; skipped`);
      continue;
    }
    const req = isObj(e.request) ? e.request : {};
    const res = isObj(e.response) ? e.response : undefined;
    const wl = isObj(e._wirelane) ? e._wirelane : undefined;
    const startedAt = time(e.startedDateTime) ?? 0;
    const url = str(req.url) ?? '';
    const t = timings(e.timings);
    const total = num(e.time);
    const status = res ? (num(res.status) ?? 0) : 0;

    let origin: string;
    try {
      origin = url ? new URL(url).origin : '';
    } catch {
      origin = '';
    }
    const serverIp = str(e.serverIPAddress);
    let connectionId = str(e.connection);
    if (connectionId !== undefined && !connById.has(connectionId)) {
      let id = foreignIds.get(`id:${connectionId}`);
      if (!id) {
        id = fromOurs ? connectionId : `c${foreignIds.size + 1}`;
        foreignIds.set(`id:${connectionId}`, id);
      }
      connectionId = id;
    } else if (connectionId === undefined && (serverIp || num(e._serverPort) !== undefined)) {
      // Only the server's address is known: entries to the same one are drawn as one
      // connection, and the reader says the grouping is a guess.
      groupingExact = false;
      const key = `addr:${origin}|${serverIp ?? ''}|${num(e._serverPort) ?? ''}`;
      let id = foreignIds.get(key);
      if (!id) {
        id = `c${foreignIds.size + 1}`;
        foreignIds.set(key, id);
      }
      connectionId = id;
    }

    let conn = connectionId ? connById.get(connectionId) : undefined;
    const isWs = Array.isArray(e._webSocketMessages) || e._resourceType === 'websocket' || (status === 101 && /^wss?:/i.test(url));
    if (connectionId && !conn) {
      conn = {
        id: connectionId,
        origin,
        protocol: isWs ? 'websocket' : normalizeProtocol(str(res?.httpVersion) ?? str(req.httpVersion)),
        remoteAddress: serverIp,
        remotePort: num(wl?.remotePort) ?? num(e._serverPort),
        localPort: num(wl?.localPort),
        openedAt: startedAt,
        openReason: isWs ? 'upgrade' : 'first',
        closeReason: 'open',
        requestCount: 0,
      };
      connections.push(conn);
      connById.set(connectionId, conn);
    }
    if (conn) {
      if (!conn.remoteAddress && serverIp) conn.remoteAddress = serverIp;
      if (conn.openedAt === 0 || startedAt < conn.openedAt) conn.openedAt = startedAt;
    }
    const reused = typeof wl?.reused === 'boolean' ? wl.reused : conn ? conn.requestCount > 0 : false;
    if (conn) conn.requestCount++;

    const errInfo = readError(wl?.error, res?._error);
    const content = res && isObj(res.content) ? res.content : undefined;
    const sum = [t.blocked, t.dns, t.connect, t.send, t.wait, t.receive].reduce((a, b) => a + (b > 0 ? b : 0), 0);
    const ex: Exchange = {
      index: exchanges.length,
      name: str(wl?.requestName),
      source: isObj(wl?.source) && str(wl.source.file) !== undefined ? { file: str(wl.source.file)!, line: num(wl.source.line) ?? 0 } : undefined,
      connectionId,
      reused,
      streamId: num(wl?.streamId),
      mode: str(wl?.mode) as Exchange['mode'],
      request: {
        method: str(req.method) ?? 'GET',
        url,
        httpVersion: str(req.httpVersion) ?? '',
        headers: nameValues(req.headers),
        body: isObj(req.postData) ? { size: num(req.bodySize) ?? (str(req.postData.text) ?? '').length, mimeType: str(req.postData.mimeType), text: str(req.postData.text) } : undefined,
      },
      response:
        res && status > 0
          ? {
              status,
              statusText: str(res.statusText) ?? '',
              httpVersion: str(res.httpVersion) ?? '',
              headers: nameValues(res.headers),
              body: content
                ? {
                    size: num(content.size) ?? 0,
                    mimeType: str(content.mimeType),
                    ...(content.encoding === 'base64' ? { base64: str(content.text) } : { text: str(content.text) }),
                    file: str(content._file),
                  }
                : undefined,
              encodedSize: num(res.bodySize),
              redirectURL: str(res.redirectURL) || undefined,
            }
          : undefined,
      startedAt,
      endedAt: startedAt + (total !== undefined && total >= 0 ? total : sum),
      timings: t,
      error: errInfo,
    };
    exchanges.push(ex);
    entryIndex.push(i);

    if (isWs) {
      const wsExt = isObj(wl?.websocket) ? wl.websocket : {};
      const frames: WsFrame[] = [];
      for (const m of arr(e._webSocketMessages)) {
        if (!isObj(m)) continue;
        const data = str(m.data) ?? '';
        const tm = num(m.time);
        frames.push({
          dir: m.type === 'send' ? 'send' : 'receive',
          opcode: num(m.opcode) ?? 1,
          // Chrome writes seconds since the epoch; a value that large in ms would be year 50000+.
          time: tm === undefined ? startedAt : tm < 1e11 ? tm * 1000 : tm,
          size: data.length,
          data,
        });
      }
      const closedBy = wsExt.closedBy === 'client' || wsExt.closedBy === 'server' || wsExt.closedBy === 'abnormal' ? wsExt.closedBy : undefined;
      const session: WsSession = {
        id: `ws${sessions.length + 1}`,
        exchangeIndex: ex.index,
        connectionId,
        url,
        protocol: str(wsExt.protocol),
        extensions: str(wsExt.extensions),
        openedAt: startedAt,
        closedAt: frames.length ? frames[frames.length - 1].time : undefined,
        closeCode: num(wsExt.closeCode),
        closeReason: str(wsExt.closeReason),
        closedBy,
        frames,
        totalFrames: num(wsExt.totalFrames) ?? frames.length,
        droppedFrames: num(wsExt.droppedFrames) ?? 0,
        error: readError(wsExt.error, undefined),
      };
      sessions.push(session);
      ex.sessionId = session.id;
      if (conn && !fromOurs) conn.protocol = 'websocket';
    }
  }

  // Foreign HARs do not say when a connection closed: the end of its last exchange is the best bound.
  if (!fromOurs) {
    for (const c of connections) {
      const last = exchanges.filter((x) => x.connectionId === c.id).reduce((m, x) => Math.max(m, x.endedAt ?? x.startedAt), c.openedAt);
      c.closedAt = undefined;
      c.closeDetail = `last used ${new Date(last).toISOString()}`;
    }
  }
  if (!groupingExact) warnings.push('this HAR names no connections; exchanges to the same server address are drawn on one connection');

  const runs: HarReadResult['runs'] = [];
  for (const r of arr(ext?.runs)) {
    if (!isObj(r)) continue;
    runs.push({
      id: str(r.id) ?? `run${runs.length + 1}`,
      mode: str(r.mode) ?? 'keep-alive',
      label: str(r.label),
      environment: str(r.environment),
      file: str(r.file),
      startedAt: time(r.startedAt) ?? 0,
      endedAt: time(r.endedAt),
    });
  }
  const startedAt = exchanges.length ? Math.min(...exchanges.map((x) => x.startedAt)) : 0;
  const endedAt = exchanges.length ? Math.max(...exchanges.map((x) => x.endedAt ?? x.startedAt)) : 0;
  const firstRun = runs[0];
  const run: Run = {
    id: firstRun?.id ?? 'har',
    mode: (firstRun?.mode as Run['mode']) ?? 'keep-alive',
    label: runs.length > 1 ? runs.map((r) => r.label ?? r.mode).join(' vs ') : (firstRun?.label ?? creator),
    environment: firstRun?.environment,
    file: firstRun?.file,
    startedAt,
    endedAt,
    connections,
    exchanges,
    sessions,
  };
  const network = networkFromJson(ext?.network);
  if (network) run.network = network;
  if (runs.length === 0) runs.push({ id: run.id, mode: run.mode, label: run.label, startedAt, endedAt });
  return { run, runs, creator, groupingExact, warnings, entryIndex };
}

function normalizeProtocol(v: string | undefined): string {
  const p = (v ?? '').toLowerCase();
  if (p === 'h2' || p === 'http/2' || p === 'http/2.0') return 'h2';
  if (p === 'http/1.0') return 'http/1.0';
  if (p === 'h3' || p === 'http/3') return 'h3';
  return 'http/1.1';
}

function readError(wlErr: unknown, harErr: unknown): ErrorInfo | undefined {
  if (isObj(wlErr) && str(wlErr.code)) {
    const phase = PHASES.has(wlErr.phase as Phase) ? (wlErr.phase as Phase) : undefined;
    return { code: str(wlErr.code)!, message: str(wlErr.message) ?? '', phase, hint: str(wlErr.hint) };
  }
  const msg = str(harErr);
  return msg ? { code: 'WL_HAR_ERROR', message: msg } : undefined;
}
