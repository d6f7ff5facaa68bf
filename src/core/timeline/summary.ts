// Every count and total a person reads about a run — the CLI's summary line and table, the
// compare table, `--json`, the timeline's summary strip and compare table, the HTML report —
// comes from `summarize` here, so no two views can disagree. It reads only what a recording
// (HAR) keeps, with times as the HAR keeps them, so a live run and the HAR written from it
// give the same numbers.

import type { Connection, Exchange, Run } from './model';

export interface RunSummary {
  /** Exchanges (requests sent or attempted, WebSocket upgrades included). */
  exchanges: number;
  /** TCP connections established by the exchanges (a refused or unreachable attempt is not one). */
  connections: number;
  /** One per established connection. */
  tcpHandshakes: number;
  /** Established connections that completed (or at least reached) a TLS handshake. */
  tlsHandshakes: number;
  /** Exchanges that opened the connection they rode on (paid TCP, and TLS if any). */
  handshakesPaid: number;
  /** Exchanges that rode a connection an earlier exchange had opened. A failed request that never got a socket saves nothing. */
  handshakesSaved: number;
  /** Same as `handshakesSaved` (kept for scripts reading `--json`). */
  reused: number;
  failed: number;
  sessions: number;
  frames: number;
  /** Wall time from the first exchange's start to the last exchange's end. */
  totalMs: number;
  medianMs: number;
}

/** What an exchange did with its connection. */
export type ConnectionUse = 'opened' | 'reused' | 'none';

type Summarizable = Pick<Run, 'exchanges' | 'connections' | 'sessions'>;

/** Ids of the connections that were really established (a local port, or a response came back on it). */
export function establishedIds(run: Summarizable): Set<string> {
  const out = new Set<string>();
  for (const c of run.connections) if (c.localPort !== undefined) out.add(c.id);
  for (const ex of run.exchanges) if (ex.connectionId && ex.response && ex.response.status > 0) out.add(ex.connectionId);
  return out;
}

/** `opened` / `reused` for an exchange that rode an established connection, else `none`. */
export function connectionUse(ex: Pick<Exchange, 'connectionId' | 'reused'>, established: (id: string) => boolean): ConnectionUse {
  if (!ex.connectionId || !established(ex.connectionId)) return 'none';
  return ex.reused ? 'reused' : 'opened';
}

/** Each exchange's use of its connection, in exchange order (the timeline draws these). */
export function connectionUses(run: Summarizable): ConnectionUse[] {
  const est = establishedIds(run);
  return run.exchanges.map((ex) => connectionUse(ex, (id) => est.has(id)));
}

// The HAR keeps a start time in whole milliseconds and the duration exactly: use the same.
const startOf = (ex: Exchange): number => Math.trunc(ex.startedAt);
const durationOf = (ex: Exchange): number | undefined => (ex.endedAt === undefined ? undefined : Math.max(0, ex.endedAt - ex.startedAt));

export function summarize(run: Summarizable): RunSummary {
  const est = establishedIds(run);
  const used = new Set<string>();
  let paid = 0;
  let saved = 0;
  let failed = 0;
  let first = Infinity;
  let last = -Infinity;
  const times: number[] = [];
  for (const ex of run.exchanges) {
    const use = connectionUse(ex, (id) => est.has(id));
    if (use !== 'none') used.add(ex.connectionId!);
    if (use === 'opened') paid++;
    else if (use === 'reused') saved++;
    if (ex.error) failed++;
    const d = durationOf(ex);
    const s = startOf(ex);
    first = Math.min(first, s);
    last = Math.max(last, s + (d ?? 0));
    if (d !== undefined) times.push(d);
  }
  const conns = run.connections.filter((c) => used.has(c.id));
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  const byId = new Map(run.exchanges.map((x) => [x.index, x]));
  failed += run.sessions.filter((s) => s.error && !byId.get(s.exchangeIndex)?.error).length;
  return {
    exchanges: run.exchanges.length,
    connections: used.size,
    tcpHandshakes: used.size,
    tlsHandshakes: conns.filter(isTls).length,
    handshakesPaid: paid,
    handshakesSaved: saved,
    reused: saved,
    failed,
    sessions: run.sessions.length,
    frames: run.sessions.reduce((n, s) => n + s.totalFrames, 0),
    totalMs: Number.isFinite(first) ? last - first : 0,
    medianMs: times.length === 0 ? 0 : times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2,
  };
}

function isTls(c: Connection): boolean {
  if (c.tls !== undefined) return true;
  // Through a forward proxy the origin is the target's; only a tunnel (https/wss) carries TLS.
  return /^(https|wss):/i.test(c.origin);
}

/** The part of a run whose exchanges `pick` selects, with the connections and sessions they name. */
export function subRun(run: Summarizable, pick: (ex: Exchange, i: number) => boolean): Summarizable {
  const exchanges = run.exchanges.filter(pick);
  const ids = new Set(exchanges.map((x) => x.connectionId).filter((x): x is string => !!x));
  const sessionIds = new Set(exchanges.map((x) => x.sessionId).filter((x): x is string => !!x));
  return { exchanges, connections: run.connections.filter((c) => ids.has(c.id)), sessions: run.sessions.filter((s) => sessionIds.has(s.id)) };
}
