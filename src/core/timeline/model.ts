// The timeline model: connections, the exchanges that rode on them, WebSocket sessions.
// Filled by the runner's ConnectionTracker from socket-level ground truth; drawn by the
// renderer; written to and read from HAR. Times are epoch milliseconds (fractional).

import type { ErrorInfo, SourceLocation } from '../errors';
import type { NetworkConditions } from '../network';

export type OpenReason = 'first' | 'server-closed' | 'idle-timeout' | 'pool-busy' | 'forced' | 'upgrade';
export type CloseReason = 'server-connection-close' | 'server-closed' | 'idle-timeout' | 'client-closed' | 'error' | 'cancelled' | 'open';
export type ConnectionMode = 'keep-alive' | 'close' | `pipeline:${number}` | 'h2';

export interface TlsInfo {
  version?: string;
  alpn?: string;
  cipher?: string;
  servername?: string;
  authorized?: boolean;
  authorizationError?: string;
}

export interface Connection {
  /** `c1`, `c2`, … per run (prefixed by mode in a compare: `close/c1`). */
  id: string;
  origin: string;
  protocol: string; // 'http/1.1' | 'h2' | 'websocket' | 'http/1.0'
  localAddress?: string;
  localPort?: number;
  remoteAddress?: string;
  remotePort?: number;
  tls?: TlsInfo;
  openedAt: number;
  connectedAt?: number;
  secureAt?: number;
  closedAt?: number;
  openReason: OpenReason;
  /** Words for people: "previous connection c1 closed by server (Connection: close)". */
  openDetail?: string;
  closeReason: CloseReason;
  closeDetail?: string;
  mode?: ConnectionMode;
  /** Exchanges carried. */
  requestCount: number;
  /** When a proxy carried the connection, its URL (reuse then refers to the proxy connection). */
  proxy?: string;
}

/** HAR-style timings in ms; -1 when not applicable. */
export interface Timings {
  blocked: number;
  dns: number;
  connect: number;
  ssl: number;
  send: number;
  wait: number;
  receive: number;
}

export interface BodyRef {
  size: number;
  mimeType?: string;
  /** Text bodies up to the limit. */
  text?: string;
  /** Binary bodies up to the limit. */
  base64?: string;
  /** Past the limit the body is on disk. */
  file?: string;
  truncated?: boolean;
}

export interface ExchangeRequest {
  method: string;
  url: string;
  httpVersion: string;
  headers: Array<[string, string]>;
  body?: BodyRef;
}

export interface ExchangeResponse {
  status: number;
  statusText: string;
  httpVersion: string;
  headers: Array<[string, string]>;
  body?: BodyRef;
  /** Bytes on the wire (before decoding), when known. */
  encodedSize?: number;
  redirectURL?: string;
}

export interface Exchange {
  /** Index within the run (0-based), equal to the HAR entry index for a single run. */
  index: number;
  name?: string;
  source?: SourceLocation;
  connectionId?: string;
  reused: boolean;
  streamId?: number;
  mode?: ConnectionMode;
  request: ExchangeRequest;
  response?: ExchangeResponse;
  startedAt: number;
  endedAt?: number;
  timings: Timings;
  error?: ErrorInfo;
  /** Set on the 101 exchange of a WebSocket session. */
  sessionId?: string;
}

export interface WsFrame {
  dir: 'send' | 'receive';
  /** 1 text, 2 binary, 8 close, 9 ping, 10 pong. */
  opcode: number;
  time: number;
  size: number;
  /** Text as is (up to a limit); binary as base64. */
  data: string;
  truncated?: boolean;
}

export interface WsSession {
  id: string;
  exchangeIndex: number;
  connectionId?: string;
  url: string;
  protocol?: string;
  extensions?: string;
  openedAt: number;
  closedAt?: number;
  closeCode?: number;
  closeReason?: string;
  closedBy?: 'client' | 'server' | 'abnormal';
  /** Frames kept in memory (the last N); the rest went to the recording only. */
  frames: WsFrame[];
  totalFrames: number;
  droppedFrames: number;
  error?: ErrorInfo;
}

export interface Run {
  id: string;
  mode: ConnectionMode;
  label?: string;
  /** Environment name only, never its values. */
  environment?: string;
  file?: string;
  startedAt: number;
  endedAt?: number;
  connections: Connection[];
  exchanges: Exchange[];
  sessions: WsSession[];
  /** Simulated network conditions the run's connections went through (absent: the real network). */
  network?: NetworkConditions;
}

export const NO_TIMINGS: Timings = { blocked: -1, dns: -1, connect: -1, ssl: -1, send: -1, wait: -1, receive: -1 };

export const OPEN_REASON_TEXT: Record<OpenReason, string> = {
  first: 'first connection to this origin',
  'server-closed': 'previous connection was closed by the server',
  'idle-timeout': 'previous connection timed out while idle',
  'pool-busy': 'every open connection was busy',
  forced: 'a new connection was asked for',
  upgrade: 'opened for a WebSocket upgrade',
};

export const CLOSE_REASON_TEXT: Record<CloseReason, string> = {
  'server-connection-close': 'server sent Connection: close',
  'server-closed': 'server closed the connection',
  'idle-timeout': 'closed after the idle timeout',
  'client-closed': 'closed by Wirelane',
  error: 'closed by an error',
  cancelled: 'closed when the run was cancelled',
  open: 'still open',
};
