// Turns any HAR (ours, Chrome's, Playwright's, Firefox's) into what the timeline draws:
// groups (origin, or mode + origin in a compare) of lanes (one per TCP connection) of bars.
// HARs come from anywhere: every field is read defensively and nothing is invented — without
// connection ids there are no connection lanes, only one lane per origin.
// Pure: the renderer (media/src) draws from it, and the report writer (src/cli) uses it to pick
// what the first screen needs.

import type { Har, HarEntry, WirelaneConnectionExt } from '../har/types';
import type { PackedFrames } from '../har/packedFrames';
import type { CloseReason, OpenReason } from './model';
// The reason texts are plain constants in a dependency-free module: one wording everywhere.
import { CLOSE_REASON_TEXT, OPEN_REASON_TEXT } from './model';
// Counts and totals come from the one summary the CLI and every other view use, over the same HAR.
import { readHar, type HarReadResult } from '../har/read';
import { connectionUses, subRun, summarize, type ConnectionUse, type RunSummary } from './summary';

export const PHASES = ['blocked', 'dns', 'connect', 'ssl', 'send', 'wait', 'receive'] as const;
export type PhaseName = (typeof PHASES)[number];
export const PHASE_LABEL: Record<PhaseName, string> = {
  blocked: 'blocked (queued)',
  dns: 'DNS lookup',
  connect: 'TCP connect',
  ssl: 'TLS handshake',
  send: 'request sent',
  wait: 'waiting for the first byte',
  receive: 'receiving the response',
};

const MAX_SUB_ROWS = 16;

/** Row heights of the lane list (px): a group header, a WebSocket lane, and a lane's bars. */
export const GROUP_H = 26;
export const BAR_H = 14;
export const BAR_GAP = 3;
export const WS_LANE_H = 64;
export const MIN_LANE_H = 54;

/** A lane's height in a wide panel (a narrow one may wrap the reasons into more lines). */
export function laneHeight(lane: Lane): number {
  if (lane.ws) return WS_LANE_H;
  return Math.max(MIN_LANE_H, 8 + lane.subRows * BAR_H + (lane.subRows - 1) * BAR_GAP);
}

export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx' | 'failed';

export interface Bar {
  entry: number;
  /** ms on the lane's time base (0 = start of the run or of its mode in a compare). */
  start: number;
  end: number;
  /** ms per phase (>= 0), in PHASES order. */
  phases: number[];
  /** ms of the wait spent behind earlier responses on the same HTTP/1.x connection (pipelining). */
  headOfLine: number;
  /** Opened its connection (paid the handshake), reused one, or never rode one (refused, DNS failure, no connection ids). */
  use: ConnectionUse;
  sub: number;
  method: string;
  url: string;
  name: string;
  status: number;
  statusText: string;
  statusClass: StatusClass;
  errorCode: string;
  origin: string;
  search: string;
  isWebSocket: boolean;
}

export interface WsTrack {
  entry: number;
  /** Frame times on the lane's time base, ascending. */
  times: Float64Array;
  /** 0 sent, 1 received. */
  dirs: Uint8Array;
  opcodes: Uint8Array;
  /** Index of each frame in the entry's `_webSocketMessages`. */
  src: Uint32Array;
  count: number;
}

export interface ConnectionFacts {
  id: string;
  protocol: string;
  localPort?: number;
  remotePort?: number;
  remoteAddress?: string;
  tlsVersion?: string;
  alpn?: string;
  cipher?: string;
  openReason?: string;
  openText: string;
  closeReason?: string;
  closeText: string;
  openedAt?: number;
  closedAt?: number;
  mode?: string;
  /** The proxy that carried the connection: reuse then refers to the connection to the proxy. */
  proxy?: string;
}

export interface Lane {
  key: string;
  /** The HAR `connection` value; undefined for an origin lane (no connection ids in the HAR). */
  connectionId?: string;
  origin: string;
  mode: string;
  group: Group;
  bars: Bar[];
  subRows: number;
  start: number;
  end: number;
  facts: ConnectionFacts;
  ws?: WsTrack;
  /** A TCP connection was made (it has a local port or carried an exchange); false for a refused attempt. */
  established: boolean;
  isH2: boolean;
  label1: string;
  label2: string;
  label3: string;
  aria: string;
}

export interface Group {
  key: string;
  origin: string;
  mode: string;
  lanes: Lane[];
  exchangeCount: number;
  /** Lanes of established connections, and of connection attempts that failed. */
  connections: number;
  failedAttempts: number;
}

export interface ModeSummary extends RunSummary {
  mode: string;
}

export interface TimelineModel {
  groups: Group[];
  lanes: Lane[];
  /** Indexed by entry; undefined for entries that could not be read. */
  bars: Array<Bar | undefined>;
  laneOfEntry: Array<Lane | undefined>;
  tMin: number;
  tMax: number;
  hasConnectionIds: boolean;
  isCompare: boolean;
  modes: ModeSummary[];
  total: ModeSummary;
  origins: string[];
  entries: HarEntry[];
  connectionsById: Map<string, WirelaneConnectionExt>;
  creator: string;
  unreadable: number;
  /** Sections (modes) in order and the time each starts at (its lanes' time base in a compare). */
  sections: { order: string[]; start: Array<[string, number]> };
}

/**
 * What a first-screen copy of a HAR (see firstScreenCopy) carries about the whole HAR: the model
 * built from the copy takes these instead of computing them from the part it holds.
 */
export interface FirstScreenFacts {
  /** `log.entries` length of the whole HAR. */
  entryCount: number;
  /** Index in the whole HAR of each entry of the copy. */
  index: number[];
  sections: TimelineModel['sections'];
  tMin: number;
  tMax: number;
  total: ModeSummary;
  modes: ModeSummary[];
  origins: string[];
  unreadable: number;
  groups: Array<{ key: string; exchangeCount: number; connections: number; failedAttempts: number }>;
  /** Height of every row of the whole HAR in a wide panel, px. */
  height: number;
}

function num(x: unknown, dflt = 0): number {
  return typeof x === 'number' && Number.isFinite(x) ? x : dflt;
}
function str(x: unknown, dflt = ''): string {
  return typeof x === 'string' ? x : typeof x === 'number' ? String(x) : dflt;
}
function obj(x: unknown): Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : {};
}
function parseTime(x: unknown): number | undefined {
  if (typeof x === 'number' && Number.isFinite(x)) return x;
  if (typeof x !== 'string') return undefined;
  const t = Date.parse(x);
  return Number.isFinite(t) ? t : undefined;
}

export function originOf(url: string): string {
  try {
    const u = new URL(url);
    if (u.protocol === 'ws:' || u.protocol === 'wss:' || u.protocol === 'http:' || u.protocol === 'https:') return `${u.protocol}//${u.host}`;
    return u.protocol;
  } catch {
    return '(no origin)';
  }
}

export function statusClassOf(status: number, failed: boolean): StatusClass {
  if (failed || status <= 0) return 'failed';
  if (status < 200) return '1xx';
  if (status < 300) return '2xx';
  if (status < 400) return '3xx';
  if (status < 500) return '4xx';
  return '5xx';
}

/** HAR 1.2 says `ssl` is included in `connect`; some writers add it separately. Decide by which reading matches `time`. */
function phasesOf(e: HarEntry): number[] {
  const t = obj(e.timings);
  const p = PHASES.map((k) => Math.max(0, num(t[k], 0)));
  const sum = p.reduce((a, b) => a + b, 0);
  const total = num(e.time, -1);
  const ssl = p[3]!;
  if (ssl > 0 && p[2]! >= ssl && total >= 0 && Math.abs(sum - ssl - total) < Math.abs(sum - total)) p[2] = p[2]! - ssl;
  return p;
}

function wsTimeMs(x: unknown): number | undefined {
  const t = typeof x === 'string' ? parseTime(x) : num(x, NaN);
  if (t === undefined || !Number.isFinite(t)) return undefined;
  // Chrome writes seconds since the epoch; tolerate milliseconds too.
  return t < 1e11 ? t * 1000 : t;
}

/**
 * `whole`: `har` is a first-screen copy (its entries at their indices in the whole HAR, the rest
 * missing); the counts, time bases and time range of the whole HAR are taken from it.
 */
export function buildModel(har: Har | unknown, whole?: FirstScreenFacts): TimelineModel {
  const log = obj(obj(har).log);
  const entries = (Array.isArray(log.entries) ? log.entries : []) as HarEntry[];
  const wl = obj(log._wirelane);
  const connList = (Array.isArray(wl.connections) ? wl.connections : []) as WirelaneConnectionExt[];
  const connectionsById = new Map<string, WirelaneConnectionExt>();
  for (const c of connList) {
    const id = str(obj(c).id);
    if (id) connectionsById.set(id, c);
  }
  const runs = (Array.isArray(wl.runs) ? wl.runs : []).map(obj);
  const creator = `${str(obj(log.creator).name, 'unknown')} ${str(obj(log.creator).version)}`.trim();

  // Sections: one per recorded run (a compare has one per mode; a demo adds its own run), else
  // one per `_wirelane.mode`. Each section gets its own lane groups and, when there are several,
  // its own clock starting at 0 so they line up side by side.
  const runList = runs
    .map((r) => ({ id: str(r.id), mode: str(r.mode), label: str(r.label), start: parseTime(r.startedAt), end: parseTime(r.endedAt) }))
    .filter((r): r is { id: string; mode: string; label: string; start: number; end: number | undefined } => r.start !== undefined)
    .sort((x, y) => x.start - y.start);
  const sectionName = (r: (typeof runList)[number]): string => (r.label && r.label !== r.mode ? `${r.label} · ${r.mode}` : r.mode || r.label || r.id);
  const modeOrder: string[] = [...(whole?.sections.order ?? [])];
  for (const r of runList) {
    const m = sectionName(r);
    if (m && !modeOrder.includes(m)) modeOrder.push(m);
  }
  const sectionOf = (mode: string, start: number): string => {
    let best: (typeof runList)[number] | undefined;
    for (const r of runList) if ((!mode || r.mode === mode) && r.start - 1 <= start && (r.end === undefined || start <= r.end + 1)) best = r;
    if (!best) for (const r of runList) if ((!mode || r.mode === mode) && r.start - 1 <= start) best = r;
    const m = best ? sectionName(best) : mode;
    if (m && !modeOrder.includes(m)) modeOrder.push(m);
    return m;
  };
  const entryMode = (e: HarEntry, start: number): string => sectionOf(str(obj(obj(e)._wirelane).mode), start);

  // Pass 1: absolute times and the time base of each mode.
  let hasConnectionIds = false;
  const abs: Array<{ start: number; mode: string; conn: string } | undefined> = [];
  const modeStart = new Map<string, number>();
  let unreadable = 0;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    const start = parseTime(obj(e).startedDateTime);
    if (!e || typeof e !== 'object' || start === undefined) {
      abs.push(undefined);
      unreadable++;
      continue;
    }
    const conn = str((e as HarEntry).connection);
    if (conn) hasConnectionIds = true;
    const mode = entryMode(e as HarEntry, start);
    abs.push({ start, mode, conn });
    const ms = modeStart.get(mode);
    if (ms === undefined || start < ms) modeStart.set(mode, start);
  }
  for (const c of connList) {
    const t = parseTime(obj(c).openedAt);
    if (t === undefined) continue;
    const m = sectionOf(str(obj(c).mode), t);
    if (modeStart.has(m)) modeStart.set(m, Math.min(modeStart.get(m)!, t));
  }
  for (const [m, t] of whole?.sections.start ?? []) modeStart.set(m, t);
  const isCompare = modeOrder.length > 1;
  let globalStart = Infinity;
  for (const v of modeStart.values()) globalStart = Math.min(globalStart, v);
  if (!Number.isFinite(globalStart)) globalStart = 0;
  // In a compare each mode starts at 0 so the modes line up side by side; otherwise one clock.
  const baseOf = (mode: string): number => (isCompare ? (modeStart.get(mode) ?? globalStart) : globalStart);

  let read: HarReadResult | undefined;
  try {
    read = readHar(har);
  } catch {
    read = undefined; // no entries array: nothing to draw or count
  }
  // Without connection ids nothing says which exchange opened or reused a connection.
  const useOfEntry: ConnectionUse[] = new Array(entries.length).fill('none');
  if (read && hasConnectionIds) {
    const uses = connectionUses(read.run);
    read.entryIndex.forEach((entry, k) => (useOfEntry[entry] = uses[k]!));
  }

  const lanesByKey = new Map<string, Lane>();
  const groupsByKey = new Map<string, Group>();
  const bars: Array<Bar | undefined> = new Array(entries.length);
  const laneOfEntry: Array<Lane | undefined> = new Array(entries.length);

  const laneFor = (key: string, connectionId: string | undefined, origin: string, mode: string, base: number): Lane => {
    let lane = lanesByKey.get(key);
    if (lane) return lane;
    const gkey = `${mode}\u0000${origin}`;
    let group = groupsByKey.get(gkey);
    if (!group) {
      group = { key: gkey, origin, mode, lanes: [], exchangeCount: 0, connections: 0, failedAttempts: 0 };
      groupsByKey.set(gkey, group);
    }
    const c = connectionId ? obj(connectionsById.get(connectionId)) : {};
    const tls = obj(c.tls);
    const openReason = str(c.openReason) || undefined;
    const closeReason = str(c.closeReason) || undefined;
    const openedAt = parseTime(c.openedAt);
    const closedAt = parseTime(c.closedAt);
    const facts: ConnectionFacts = {
      id: connectionId ?? '',
      protocol: str(c.protocol),
      localPort: typeof c.localPort === 'number' ? c.localPort : undefined,
      remotePort: typeof c.remotePort === 'number' ? c.remotePort : undefined,
      tlsVersion: str(tls.version) || undefined,
      alpn: str(tls.alpn) || undefined,
      cipher: str(tls.cipher) || undefined,
      openReason,
      openText: str(c.openDetail) || (openReason ? (OPEN_REASON_TEXT[openReason as OpenReason] ?? openReason) : ''),
      closeReason,
      closeText: str(c.closeDetail) || (closeReason ? (CLOSE_REASON_TEXT[closeReason as CloseReason] ?? closeReason) : ''),
      openedAt: openedAt === undefined ? undefined : openedAt - base,
      closedAt: closedAt === undefined ? undefined : closedAt - base,
      mode: str(c.mode) || mode || undefined,
      proxy: str(c.proxy) || undefined,
    };
    lane = {
      key,
      connectionId,
      origin,
      mode,
      group,
      bars: [],
      subRows: 1,
      start: facts.openedAt ?? Infinity,
      end: facts.closedAt ?? -Infinity,
      facts,
      established: false,
      isH2: false,
      label1: '',
      label2: '',
      label3: '',
      aria: '',
    };
    lanesByKey.set(key, lane);
    group.lanes.push(lane);
    return lane;
  };

  for (let i = 0; i < entries.length; i++) {
    const a = abs[i];
    if (!a) continue;
    const e = entries[i]!;
    const req = obj(e.request);
    const res = obj(e.response);
    const ext = obj(e._wirelane);
    const url = str(req.url);
    const conn = a.conn ? connectionsById.get(a.conn) : undefined;
    const origin = str(obj(conn).origin) || originOf(url);
    const base = baseOf(a.mode);
    const start = a.start - base;
    const phases = phasesOf(e);
    const phaseSum = phases.reduce((x, y) => x + y, 0);
    const time = num(e.time, -1);
    const duration = time >= 0 ? Math.max(time, 0) : phaseSum;
    const status = num(res.status, 0);
    const err = obj(ext.error);
    const errorCode = str(err.code) || (str(res._error) ? 'error' : '');
    const failed = !!errorCode || status <= 0;
    const wsMessages = Array.isArray(e._webSocketMessages) ? e._webSocketMessages : undefined;
    const packed = obj((e as { _wlFrames?: unknown })._wlFrames) as Partial<PackedFrames>;
    const isWebSocket = status === 101 || !!wsMessages || Array.isArray(packed.dt) || str(e._resourceType) === 'websocket';
    const key = a.conn ? `c\u0000${a.mode}\u0000${a.conn}` : `o\u0000${a.mode}\u0000${origin}`;
    const lane = laneFor(key, a.conn || undefined, origin, a.mode, base);
    const method = str(req.method, '?');
    const name = str(ext.requestName);
    const bar: Bar = {
      entry: i,
      start,
      end: start + duration,
      phases,
      headOfLine: 0,
      use: useOfEntry[i] ?? 'none',
      sub: 0,
      method,
      url,
      name,
      status,
      statusText: str(res.statusText),
      statusClass: statusClassOf(status, failed),
      errorCode,
      origin,
      search: `${method} ${url} ${name} ${status} ${errorCode} ${a.conn}`.toLowerCase(),
      isWebSocket,
    };
    bars[i] = bar;
    laneOfEntry[i] = lane;
    lane.bars.push(bar);
    lane.group.exchangeCount++;
    if (str(res.httpVersion).toLowerCase().includes('2') || str(req.httpVersion).toLowerCase() === 'h2') lane.isH2 = true;
    if (!lane.facts.protocol) lane.facts.protocol = str(res.httpVersion) || str(req.httpVersion);
    if (!lane.facts.localPort && typeof ext.localPort === 'number') lane.facts.localPort = ext.localPort;
    if (!lane.facts.remotePort) {
      const rp = typeof ext.remotePort === 'number' ? ext.remotePort : typeof e._serverPort === 'number' ? e._serverPort : undefined;
      if (rp !== undefined) lane.facts.remotePort = rp;
    }
    if (!lane.facts.remoteAddress && str(e.serverIPAddress)) lane.facts.remoteAddress = str(e.serverIPAddress);
    if (wsMessages && wsMessages.length > 0 && !lane.ws) {
      const n = wsMessages.length;
      const times = new Float64Array(n);
      const dirs = new Uint8Array(n);
      const opcodes = new Uint8Array(n);
      const src = new Uint32Array(n);
      let count = 0;
      for (let k = 0; k < n; k++) {
        const m = obj(wsMessages[k]);
        const t = wsTimeMs(m.time);
        if (t === undefined) continue;
        times[count] = t - base;
        dirs[count] = str(m.type) === 'send' ? 0 : 1;
        opcodes[count] = num(m.opcode, 1);
        src[count] = k;
        count++;
      }
      // Frames are normally in order; sort only when they are not.
      let sorted = true;
      for (let k = 1; k < count; k++)
        if (times[k]! < times[k - 1]!) {
          sorted = false;
          break;
        }
      if (!sorted) {
        const idx = Array.from({ length: count }, (_, k) => k).sort((x, y) => times[x]! - times[y]!);
        const t2 = idx.map((k) => times[k]!),
          d2 = idx.map((k) => dirs[k]!),
          o2 = idx.map((k) => opcodes[k]!),
          s2 = idx.map((k) => src[k]!);
        times.set(t2);
        dirs.set(d2);
        opcodes.set(o2);
        src.set(s2);
      }
      lane.ws = { entry: i, times: times.subarray(0, count), dirs: dirs.subarray(0, count), opcodes: opcodes.subarray(0, count), src: src.subarray(0, count), count };
      if (count > 0) lane.end = Math.max(lane.end, times[count - 1]!);
    } else if (Array.isArray(packed.dt) && packed.dt.length > 0 && !lane.ws) {
      lane.ws = unpackFrames(packed, i, base);
      if (lane.ws.count > 0) lane.end = Math.max(lane.end, lane.ws.times[lane.ws.count - 1]!);
    }
  }

  // Lanes: times, overlap rows, head-of-line waits, labels.
  let tMin = Infinity;
  let tMax = -Infinity;
  for (const lane of lanesByKey.values()) {
    lane.bars.sort((x, y) => x.start - y.start || x.entry - y.entry);
    const rowEnds: number[] = [];
    let prevEnd = -Infinity;
    for (const b of lane.bars) {
      lane.start = Math.min(lane.start, b.start);
      lane.end = Math.max(lane.end, b.end);
      let r = rowEnds.findIndex((end) => end <= b.start + 1e-9);
      if (r < 0) {
        if (rowEnds.length < MAX_SUB_ROWS) {
          r = rowEnds.length;
          rowEnds.push(b.end);
        } else r = b.entry % MAX_SUB_ROWS; // beyond this many at once rows are shared: bounded height
      }
      rowEnds[r] = Math.max(rowEnds[r] ?? -Infinity, b.end);
      b.sub = r;
      if (lane.connectionId && !lane.isH2) {
        // HTTP/1.x answers in order: the part of this wait before the previous response ended
        // was spent behind it (head-of-line), not in the server.
        const waitStart = b.start + b.phases[0]! + b.phases[1]! + b.phases[2]! + b.phases[3]! + b.phases[4]!;
        const waitEnd = waitStart + b.phases[5]!;
        if (prevEnd > waitStart) b.headOfLine = Math.min(prevEnd, waitEnd) - waitStart;
      }
      prevEnd = Math.max(prevEnd, b.end);
    }
    lane.subRows = Math.max(1, rowEnds.length);
    if (!Number.isFinite(lane.start)) lane.start = 0;
    if (!Number.isFinite(lane.end)) lane.end = lane.start;
    tMin = Math.min(tMin, lane.start);
    tMax = Math.max(tMax, lane.end);
    lane.established = !!lane.connectionId && (lane.facts.localPort !== undefined || lane.bars.some((b) => b.use !== 'none'));
    labelLane(lane, hasConnectionIds);
  }
  if (!Number.isFinite(tMin)) {
    tMin = 0;
    tMax = 1;
  }
  if (tMax <= tMin) tMax = tMin + 1;

  const modeRank = (m: string): number => {
    const i = modeOrder.indexOf(m);
    return i < 0 ? modeOrder.length : i;
  };
  const groups = [...groupsByKey.values()];
  for (const g of groups) g.lanes.sort((x, y) => x.start - y.start || x.key.localeCompare(y.key));
  groups.sort((x, y) => modeRank(x.mode) - modeRank(y.mode) || x.lanes[0]!.start - y.lanes[0]!.start);
  const lanes = groups.flatMap((g) => g.lanes);

  const summaryOf = (mode: string): ModeSummary => {
    if (!read) return { mode, ...summarize({ exchanges: [], connections: [], sessions: [] }) };
    const r = read;
    // Entries the timeline cannot place (no start time) are counted nowhere.
    const pick = (entry: number): boolean => !!laneOfEntry[entry] && (mode === '*' || laneOfEntry[entry]!.mode === mode);
    return { mode, ...summarize(subRun(r.run, (_, k) => pick(r.entryIndex[k]!))) };
  };
  // A first-screen copy takes the whole HAR's counts: counting its part would be wasted.
  const modes = whole ? whole.modes : isCompare ? modeOrder.map((m) => summaryOf(m)) : [];
  const total = whole ? whole.total : summaryOf('*');
  if (isCompare && !whole) total.totalMs = modes.reduce((a, m) => a + m.totalMs, 0);
  for (const g of groups) {
    g.connections = g.lanes.filter((l) => l.connectionId && l.established).length;
    g.failedAttempts = g.lanes.filter((l) => l.connectionId && !l.established).length;
  }
  const origins = [...new Set(lanes.map((l) => l.origin))].sort();
  const sections = { order: modeOrder, start: [...modeStart] };
  if (!whole) return { groups, lanes, bars, laneOfEntry, tMin, tMax, hasConnectionIds, isCompare, modes, total, origins, entries, connectionsById, creator, unreadable, sections };
  for (const g of groups) {
    const w = whole.groups.find((x) => x.key === g.key);
    if (w) Object.assign(g, { exchangeCount: w.exchangeCount, connections: w.connections, failedAttempts: w.failedAttempts });
  }
  return {
    groups,
    lanes,
    bars,
    laneOfEntry,
    tMin: whole.tMin,
    tMax: whole.tMax,
    hasConnectionIds,
    isCompare,
    modes: whole.modes,
    total: whole.total,
    origins: whole.origins,
    entries,
    connectionsById,
    creator,
    unreadable: whole.unreadable,
    sections: whole.sections,
  };
}

function unpackFrames(p: Partial<PackedFrames>, entry: number, base: number): WsTrack {
  const dt = p.dt as unknown[];
  const n = dt.length;
  const times = new Float64Array(n);
  const dirs = new Uint8Array(n);
  const opcodes = new Uint8Array(n).fill(1);
  const src = new Uint32Array(n);
  const dir = typeof p.dir === 'string' ? p.dir : '';
  let t = num(p.t0) - base;
  for (let k = 0; k < n; k++) {
    t += Math.max(0, num(dt[k]));
    times[k] = t;
    dirs[k] = dir.charCodeAt(k) === 115 /* s */ ? 0 : 1;
    src[k] = k;
  }
  for (const op of Array.isArray(p.ops) ? p.ops : []) {
    if (Array.isArray(op) && typeof op[0] === 'number' && op[0] >= 0 && op[0] < n) opcodes[op[0]] = num(op[1], 1);
  }
  return { entry, times, dirs, opcodes, src, count: n };
}

function labelLane(lane: Lane, harHasConnectionIds: boolean): void {
  const f = lane.facts;
  if (!f.protocol && lane.isH2) f.protocol = 'h2';
  if (lane.ws && f.protocol && !/websocket/i.test(f.protocol)) f.protocol = `${f.protocol} → websocket`;
  if (lane.ws && !f.protocol) f.protocol = 'websocket';
  const parts: string[] = [];
  if (lane.connectionId) {
    parts.push(lane.connectionId);
    // A failed attempt spoke no protocol.
    if (f.protocol && lane.established) parts.push(f.protocol);
    if (f.localPort !== undefined) parts.push(`local :${f.localPort}`);
    if (f.tlsVersion) parts.push(f.tlsVersion);
    if (f.proxy) parts.push(`via proxy ${f.proxy}`);
  } else {
    parts.push(harHasConnectionIds ? 'no connection' : 'no connection id');
    if (f.protocol) parts.push(f.protocol);
    parts.push(`${lane.bars.length} exchange${lane.bars.length === 1 ? '' : 's'}`);
  }
  lane.label1 = parts.join(' · ');
  if (lane.connectionId && !lane.established && lane.bars.length > 0) {
    // A refused or unreachable attempt: no TCP connection was made, so nothing opened or reused.
    lane.label2 = 'connection attempt failed: never established';
    lane.label3 = f.closeText || 'no TCP connection';
    lane.aria = `Connection attempt ${lane.connectionId} to ${lane.origin} failed (${lane.label3}); ${lane.bars.length} exchanges never got a connection`;
  } else if (lane.connectionId) {
    const open = f.openText ? `opened: ${f.openText}` : 'opened: reason not recorded';
    const close = f.closeReason === 'open' ? 'still open' : f.closeText ? `closed: ${f.closeText.replace(/^closed /, '')}` : 'closed: not recorded';
    lane.label2 = open;
    lane.label3 = close;
    lane.aria = `Connection ${lane.connectionId} to ${lane.origin}, ${f.protocol || 'protocol unknown'}${f.localPort !== undefined ? `, local port ${f.localPort}` : ''}${f.tlsVersion ? `, ${f.tlsVersion}` : ''}${f.proxy ? `, via proxy ${f.proxy}` : ''}; ${open}; ${close}; ${lane.bars.length} exchanges`;
  } else if (harHasConnectionIds) {
    lane.label2 = 'never got a TCP connection';
    lane.label3 = lane.bars.every((b) => b.statusClass === 'failed') ? 'failed before connecting' : 'the HAR names no connection for these';
    lane.aria = `Exchanges to ${lane.origin} without a TCP connection; ${lane.bars.length} exchanges`;
  } else {
    lane.label2 = 'the HAR records no connection ids:';
    lane.label3 = 'every exchange to this origin';
    lane.aria = `All exchanges to ${lane.origin} (the HAR records no connection ids); ${lane.bars.length} exchanges`;
  }
}

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms === 0) return '0 ms';
  const a = Math.abs(ms);
  if (a >= 60_000) return `${(ms / 60_000).toFixed(1)} min`;
  if (a >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (a >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (a >= 100) return `${ms.toFixed(0)} ms`;
  if (a >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

export function summaryOfBar(b: Bar, lane: Lane | undefined): string {
  const status = b.statusClass === 'failed' ? `failed${b.errorCode ? ` (${b.errorCode})` : ''}` : `${b.status}${b.statusText ? ` ${b.statusText}` : ''}`;
  const conn = lane?.connectionId ? ` on ${lane.connectionId}` : '';
  const how = b.use === 'opened' ? ', opened the connection (paid the handshake)' : b.use === 'reused' ? ', reused the connection' : '';
  return `${b.name ? `${b.name}: ` : ''}${b.method} ${b.url} → ${status}, ${formatMs(b.end - b.start)}${conn}${how}${b.headOfLine > 0.05 ? `, waited ${formatMs(b.headOfLine)} behind earlier responses` : ''}`;
}

/** How far down the first screen reaches, px: a tall window and the rows drawn ahead of the scroll. */
export const FIRST_SCREEN_PX = 1500;

/**
 * The part of a (quick-start) HAR the first screen draws: the entries of the lanes in the top
 * `px` of the lane list, the connections they rode, and the facts of the whole (`_wlFirstScreen`).
 * `model` is buildModel(har).
 */
export function firstScreenCopy(har: Har, model: TimelineModel, px = FIRST_SCREEN_PX): { log: Record<string, unknown>; _wlFirstScreen: FirstScreenFacts } {
  const log = obj(obj(har).log);
  const all = (Array.isArray(log.entries) ? log.entries : []) as unknown[];
  const picked: number[] = [];
  const conns = new Set<string>();
  const groups: FirstScreenFacts['groups'] = [];
  let y = 0;
  for (const g of model.groups) {
    const headerIn = y < px;
    if (headerIn) groups.push({ key: g.key, exchangeCount: g.exchangeCount, connections: g.connections, failedAttempts: g.failedAttempts });
    y += GROUP_H;
    for (const lane of g.lanes) {
      // A group drawn has at least its first lane (a group without lanes would not be drawn).
      if (y < px || (headerIn && lane === g.lanes[0])) {
        for (const b of lane.bars) picked.push(b.entry);
        if (lane.connectionId) conns.add(lane.connectionId);
      }
      y += laneHeight(lane);
    }
  }
  picked.sort((a, b) => a - b);
  const wl = obj(log._wirelane);
  const connections = Array.isArray(wl.connections) ? wl.connections.filter((c) => conns.has(str(obj(c).id))) : wl.connections;
  return {
    log: { ...log, ...(log._wirelane ? { _wirelane: { ...wl, connections } } : {}), entries: picked.map((i) => all[i]) },
    _wlFirstScreen: {
      entryCount: all.length,
      index: picked,
      sections: model.sections,
      tMin: model.tMin,
      tMax: model.tMax,
      total: model.total,
      modes: model.modes,
      origins: model.origins,
      unreadable: model.unreadable,
      groups,
      height: y,
    },
  };
}

/** The HAR a first-screen copy stands for: its entries at their indices, the rest missing. */
export function harOfFirstScreen(copy: { log?: unknown; _wlFirstScreen?: FirstScreenFacts }): Har | undefined {
  const fs = copy._wlFirstScreen;
  const log = obj(copy.log);
  if (!fs || !Array.isArray(log.entries) || !Array.isArray(fs.index)) return undefined;
  const list = log.entries as unknown[];
  const entries = new Array<HarEntry>(fs.entryCount);
  fs.index.forEach((i, k) => (entries[i] = list[k] as HarEntry));
  return { log: { ...(log as unknown as Har['log']), entries } };
}
