// A request after variables were substituted: what the runner sends. Produced by
// src/core/variables from a Region of the AST; consumed by src/runner.

import type { SourceLocation } from './errors';

export type RequestBody =
  | { kind: 'bytes'; data: Uint8Array }
  /** A file streamed as the body (`< ./big.bin`). Path is absolute. */
  | { kind: 'file'; path: string }
  /** Text and files in order (multipart with `< file` inside parts). */
  | { kind: 'parts'; parts: Array<{ kind: 'bytes'; data: Uint8Array } | { kind: 'file'; path: string }> };

export type ConnectionDirective = 'new' | 'close' | 'reuse';

export type WsScriptStep = { kind: 'send'; data: string; line: number } | { kind: 'wait'; line: number };

export interface ResolvedRequest {
  kind: 'http' | 'websocket';
  /** Index of the region in the file. */
  regionIndex: number;
  name?: string;
  title?: string;
  source: SourceLocation;
  method: string;
  url: string;
  httpVersion?: 'HTTP/1.0' | 'HTTP/1.1' | 'HTTP/2';
  headers: Array<[string, string]>;
  body?: RequestBody;
  connection?: ConnectionDirective;
  timeoutMs?: number;
  insecure?: boolean;
  noRedirect?: boolean;
  noCookieJar?: boolean;
  /** WebSocket: keep the session open after the script (CLI waits for Ctrl-C / --duration). */
  keepOpen?: boolean;
  wsSteps: WsScriptStep[];
  /** Values that came from private environments: never written to a recording. */
  secrets: string[];
  /**
   * `Authorization: Digest user pass` as written: the resolver removes that header (it would
   * send the password in clear) and the engine answers the server's Digest challenge with these.
   */
  digestAuth?: { user: string; password: string };
}
