// The textbook's prediction for a run under simulated network conditions, to set beside what
// was measured. Pure: counts come from the recorded run, the conditions from the run.
//
// With RTT the round-trip time, N the requests, C the TCP connections opened, h the handshake
// round trips TLS adds per connection (TLS 1.3: 1, TLS 1.2: 2, none: 0), W the requests in
// flight at once:
//
//   non-persistent (close):  T = N × 2 RTT                    (connect + request, each request)
//                               + C × h RTT                   (each TLS handshake)
//   persistent (keep-alive): T = C × (1 + h) RTT + N × 1 RTT  (handshake once, then one RTT each)
//   pipelining (pipeline:W): T = C × (1 + h) RTT + ⌈N / W⌉ RTT (one RTT per window of W)
//   HTTP/2 (h2):             T = C × (1 + h) RTT + ⌈N / W⌉ RTT (W = streams in flight, 64 here)
//
// plus the transmission time of the bytes on the bandwidth-limited links
// (bytes × 8 / kbit/s, per direction). The model leaves out server think time, TCP slow start
// (only large bodies feel it), requests that wait on an earlier response (chaining), and the
// host's own work; the explanation names whichever of these shows in the measurement.

import { TCP_INITIAL_WINDOW, type NetworkConditions } from '../network';
import type { Run } from './model';
import { connectionUse, establishedIds, subRun, summarize } from './summary';

/** Streams Wirelane keeps in flight on one HTTP/2 connection (the file runner's gate). */
export const H2_STREAMS_IN_FLIGHT = 64;

export interface PredictionInput {
  mode: string;
  /** Requests sent (HTTP exchanges and WebSocket upgrades). */
  requests: number;
  /** TCP connections opened. */
  connections: number;
  /** Handshake round trips TLS added, over all connections (1 per TLS 1.3, 2 per TLS 1.2). */
  tlsRoundTrips: number;
  tls12: number;
  tls13: number;
  bytesDown: number;
  bytesUp: number;
  /** Measured: first request sent → last response complete, ms. */
  measuredMs: number;
  /** Measured server time: the part of each response's wait beyond one RTT, summed (sequential modes). */
  serverMs: number;
  /** The longest single wait beyond one RTT (what delays a window in the concurrent modes). */
  maxServerMs: number;
}

export interface Prediction {
  modelMs: number;
  /** The formula with this run's numbers, e.g. "5 × 2 RTT + 5 × 1 RTT (TLS 1.3) = 15 RTT". */
  formula: string;
  /** measured / model; undefined when the model predicts ~0 (no RTT). */
  ratio?: number;
  /** Why measured and model differ, in a sentence or two. */
  explanation: string;
}

function windowOf(mode: string): number {
  if (mode === 'h2') return H2_STREAMS_IN_FLIGHT;
  const m = /^pipeline:(\d+)$/.exec(mode);
  return m ? Math.max(1, Number(m[1])) : 1;
}

const r1 = (x: number) => Math.round(x * 10) / 10;

/** The counts of one mode of a run (a compare run, or the modes merged in one read HAR). */
export function predictionInput(run: Run, mode: string = run.mode): PredictionInput {
  // Counts and the measured total are the summary's, so the model sits beside the same numbers every view shows.
  const part = subRun(run, (e) => (e.mode ?? run.mode) === mode);
  const sum = summarize(part);
  const exchanges = part.exchanges;
  const est = establishedIds(part);
  const used = new Set(exchanges.filter((e) => connectionUse(e, (id) => est.has(id)) !== 'none').map((e) => e.connectionId!));
  const conns = part.connections.filter((c) => used.has(c.id));
  let tls12 = 0;
  let tls13 = 0;
  for (const c of conns) {
    if (!c.tls && c.secureAt === undefined) continue;
    if (c.tls?.version === 'TLSv1.3') tls13++;
    else tls12++;
  }
  let bytesDown = 0;
  let bytesUp = 0;
  let serverMs = 0;
  let maxServerMs = 0;
  const rtt = run.network?.rttMs ?? 0;
  for (const e of exchanges) {
    bytesDown += Math.max(0, e.response?.encodedSize ?? e.response?.body?.size ?? 0);
    bytesUp += Math.max(0, e.request.body?.size ?? 0);
    if (e.timings.wait > rtt) {
      serverMs += e.timings.wait - rtt;
      maxServerMs = Math.max(maxServerMs, e.timings.wait - rtt);
    }
  }
  return {
    mode,
    requests: sum.exchanges,
    connections: sum.connections,
    tlsRoundTrips: tls13 + 2 * tls12,
    tls12,
    tls13,
    bytesDown,
    bytesUp,
    measuredMs: sum.totalMs,
    serverMs,
    maxServerMs,
  };
}

/** The textbook's time for this mode under `net`, and how the measurement compares. */
export function predict(i: PredictionInput, net: NetworkConditions): Prediction {
  const rtt = net.rttMs;
  const w = windowOf(i.mode);
  const sequential = w === 1;
  const requestRtts = sequential ? i.requests : Math.ceil(i.requests / w);
  const handshakeRtts = i.connections;
  const rtts = handshakeRtts + i.tlsRoundTrips + requestRtts;
  const transmitMs = (net.downKbps > 0 ? (i.bytesDown * 8) / net.downKbps : 0) + (net.upKbps > 0 ? (i.bytesUp * 8) / net.upKbps : 0);
  const modelMs = rtts * rtt + transmitMs;

  const parts: string[] = [];
  if (i.mode === 'close' && i.connections === i.requests) parts.push(`${i.requests} × 2 RTT`);
  else {
    if (handshakeRtts) parts.push(`${handshakeRtts} × 1 RTT (TCP)`);
    parts.push(sequential ? `${i.requests} × 1 RTT` : `⌈${i.requests} / ${w}⌉ × 1 RTT`);
  }
  if (i.tls13) parts.push(`${i.tls13} × 1 RTT (TLS 1.3)`);
  if (i.tls12) parts.push(`${i.tls12} × 2 RTT (TLS 1.2)`);
  let formula = `${parts.join(' + ')} = ${rtts} RTT = ${r1(rtts * rtt)} ms`;
  if (transmitMs > 0) formula += ` + ${r1(transmitMs)} ms transmission`;

  const ratio = modelMs > 0.5 ? i.measuredMs / modelMs : undefined;
  return { modelMs, formula, ratio, explanation: explain(i, modelMs, ratio, sequential) };
}

function explain(i: PredictionInput, modelMs: number, ratio: number | undefined, sequential: boolean): string {
  if (ratio === undefined) return 'No round trip to count: on loopback the textbook predicts ~0 ms; simulate one with --rtt or --network.';
  const diff = i.measuredMs - modelMs;
  if (ratio < 0.95) {
    const why = sequential ? 'some requests did not wait on the previous one' : 'more requests were in flight than one window';
    return `${r1(-diff)} ms under the model: ${why}.`;
  }
  const why: string[] = [];
  // What the measurement can name: the server's time (in sequential modes every wait adds up;
  // with requests in flight together, the slowest one holds back the rest of its window).
  let named = 0;
  if (sequential && i.serverMs > Math.max(1, 0.02 * modelMs)) {
    named = Math.min(diff, i.serverMs);
    why.push(`${r1(i.serverMs)} ms of it is the server's own time (each wait beyond one RTT)`);
  }
  if (!sequential && i.maxServerMs > Math.max(1, 0.02 * modelMs)) {
    named = Math.min(diff, i.maxServerMs);
    why.push(`the slowest response spent ${r1(i.maxServerMs)} ms at the server${i.mode === 'h2' ? '' : ', and the responses pipelined behind it waited (head-of-line blocking)'}`);
  }
  if (i.bytesDown > TCP_INITIAL_WINDOW) why.push('slow start: a body over 10 segments takes extra round trips');
  const rest = diff - named;
  if (!sequential && rest > 0.3 * modelMs) why.push(`${r1(rest)} ms more: requests that waited on earlier responses (chained), or more requests than one window`);
  else if (rest > Math.max(1, 0.02 * modelMs))
    why.push(`${why.length ? 'the other ' : ''}${r1(rest)} ms: ${i.tls12 + i.tls13 > 0 ? 'TLS handshake work, ' : ''}timers and the local network stack, a few ms per round trip`);
  let text = `${diff >= 0 ? '+' : ''}${r1(diff)} ms beyond the model${why.length ? `: ${why.join('; ')}` : ''}.`;
  if (i.tls12) text += ` (The model counts each TLS 1.2 handshake as 2 RTT, TLS 1.3 as 1.)`;
  return text;
}
