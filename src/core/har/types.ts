// HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/) with Chrome's WebSocket
// extension and Wirelane's `_wirelane` fields (DESIGN.md, "Contracts other tools rely on").
// Readers must treat every field as possibly missing or of the wrong type: HARs come from anywhere.

import type { CloseReason, OpenReason, TlsInfo } from '../timeline/model';
import type { NetworkConditions } from '../network';

export interface HarNameValue {
  name: string;
  value: string;
  comment?: string;
}

export interface HarPostData {
  mimeType: string;
  text?: string;
  params?: Array<{ name: string; value?: string; fileName?: string; contentType?: string }>;
  /** `base64` when `text` holds a binary body (HAR 1.2 has no such field for requests). */
  _encoding?: string;
  /** The body was streamed from this file. */
  _file?: string;
}

export interface HarRequest {
  method: string;
  url: string;
  httpVersion: string;
  cookies: HarNameValue[];
  headers: HarNameValue[];
  queryString: HarNameValue[];
  postData?: HarPostData;
  headersSize: number;
  bodySize: number;
}

export interface HarContent {
  size: number;
  compression?: number;
  mimeType: string;
  text?: string;
  encoding?: string;
  _file?: string;
}

export interface HarResponse {
  status: number;
  statusText: string;
  httpVersion: string;
  cookies: HarNameValue[];
  headers: HarNameValue[];
  content: HarContent;
  redirectURL: string;
  headersSize: number;
  bodySize: number;
  _error?: string;
}

export interface HarTimings {
  blocked?: number;
  dns?: number;
  connect?: number;
  send: number;
  wait: number;
  receive: number;
  ssl?: number;
}

export interface HarWebSocketMessage {
  type: 'send' | 'receive';
  /** Seconds since the epoch (Chrome's convention). */
  time: number;
  opcode: number;
  data: string;
}

export interface WirelaneEntryExt {
  reused: boolean;
  localPort?: number;
  remotePort?: number;
  streamId?: number;
  requestName?: string;
  source?: { file: string; line: number };
  mode?: string;
  error?: { code: string; message: string; phase?: string; hint?: string };
  websocket?: {
    closeCode?: number;
    closeReason?: string;
    closedBy?: string;
    totalFrames: number;
    droppedFrames: number;
    protocol?: string;
    extensions?: string;
    error?: { code: string; message: string; phase?: string; hint?: string };
  };
}

export interface HarEntry {
  pageref?: string;
  startedDateTime: string;
  time: number;
  request: HarRequest;
  response: HarResponse;
  cache: Record<string, unknown>;
  timings: HarTimings;
  serverIPAddress?: string;
  connection?: string;
  comment?: string;
  _webSocketMessages?: HarWebSocketMessage[];
  _wirelane?: WirelaneEntryExt;
  /** Playwright writes the server port here and no `connection`. */
  _serverPort?: number;
  _resourceType?: string;
}

export interface WirelaneConnectionExt {
  id: string;
  origin?: string;
  protocol: string;
  localPort?: number;
  remotePort?: number;
  openReason: OpenReason;
  openDetail?: string;
  closeReason: CloseReason;
  closeDetail?: string;
  openedAt: string;
  closedAt?: string;
  tls?: TlsInfo;
  mode?: string;
  /** The proxy that carried the connection (URL without credentials); reuse then refers to the proxy connection. */
  proxy?: string;
}

export interface HarLog {
  version: string;
  creator: { name: string; version: string; comment?: string };
  browser?: { name: string; version: string };
  pages?: Array<{ startedDateTime: string; id: string; title: string; pageTimings: Record<string, number> }>;
  entries: HarEntry[];
  comment?: string;
  _wirelane?: {
    connections: WirelaneConnectionExt[];
    runs?: Array<{ id: string; mode: string; label?: string; environment?: string; file?: string; startedAt: string; endedAt?: string; network?: NetworkConditions }>;
    /** The simulated network conditions of the recorded run(s); absent for the real network. */
    network?: NetworkConditions;
  };
}

export interface Har {
  log: HarLog;
}
