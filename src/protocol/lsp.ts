// Custom LSP messages between the extension (client) and the language server, declared once.
// Each namespace has the `method` string and a typed RequestType/NotificationType; both sides
// import from here so a renamed method cannot drift (the vscode-eslint habit).
import { NotificationType, RequestType } from 'vscode-jsonrpc';
import type { ResolvedRequest } from '../core/request';
import type { ParseDiagnostic } from '../core/httpfile/ast';

// The lens commands live with the lenses (lenses.ts); re-exported so both sides keep importing them from here.
export { LensCommands, type LensCommandArgs } from './lenses';

export interface RequestAtParams {
  uri: string;
  /** 0-based line anywhere inside the region. */
  line: number;
}

/** Bytes cross JSON-RPC as base64 (a Uint8Array would arrive as an object of numbered keys). */
export type WireBytes = { kind: 'bytes'; base64: string };
export type WireBody = WireBytes | { kind: 'file'; path: string } | { kind: 'parts'; parts: Array<WireBytes | { kind: 'file'; path: string }> };
export type WireResolvedRequest = Omit<ResolvedRequest, 'body'> & { body?: WireBody };

function bytesToWire(data: Uint8Array): WireBytes {
  return { kind: 'bytes', base64: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64') };
}

export function requestToWire(r: ResolvedRequest): WireResolvedRequest {
  const { body, ...rest } = r;
  if (!body) return rest;
  if (body.kind === 'bytes') return { ...rest, body: bytesToWire(body.data) };
  if (body.kind === 'file') return { ...rest, body };
  return { ...rest, body: { kind: 'parts', parts: body.parts.map((p) => (p.kind === 'bytes' ? bytesToWire(p.data) : p)) } };
}

export function requestFromWire(w: WireResolvedRequest): ResolvedRequest {
  const { body, ...rest } = w;
  const bytes = (b: WireBytes) => ({ kind: 'bytes' as const, data: new Uint8Array(Buffer.from(b.base64, 'base64')) });
  if (!body) return rest;
  if (body.kind === 'bytes') return { ...rest, body: bytes(body) };
  if (body.kind === 'file') return { ...rest, body };
  return { ...rest, body: { kind: 'parts', parts: body.parts.map((p) => (p.kind === 'bytes' ? bytes(p) : p)) } };
}

export interface RequestAtResult {
  /** Index of the region in the parsed file, or -1 when the position is in no request region. */
  regionIndex: number;
  /** Present when the region has a request and everything resolved; `requestFromWire` turns it back into a ResolvedRequest. */
  request?: WireResolvedRequest;
  /** Named requests that must run first (chaining), in order. */
  needs: string[];
  /** Why the request cannot be sent (unresolved variables, parse errors), with stable codes. */
  diagnostics: ParseDiagnostic[];
}

/** client → server: the request at a line of a document, resolved with the selected environment. */
export namespace RequestAtRequest {
  export const method = 'wirelane/requestAt' as const;
  export const type = new RequestType<RequestAtParams, RequestAtResult | null, void>(method);
}

export interface EnvironmentsParams {
  /** Environments are searched from this document's folder up to the workspace root. */
  uri?: string;
}

export interface EnvironmentsResult {
  names: string[];
  selected: string | null;
  /** Environment files that were read, for the picker's detail line. */
  files: string[];
}

/** client → server: the environment names visible from a document, and the selected one. */
export namespace EnvironmentsRequest {
  export const method = 'wirelane/environments' as const;
  export const type = new RequestType<EnvironmentsParams, EnvironmentsResult, void>(method);
}

export interface SelectEnvironmentParams {
  /** `null` selects no environment (only `$shared` and file variables apply). */
  name: string | null;
}

/** client → server: the user picked an environment; the server re-checks open documents with it. */
export namespace SelectEnvironmentNotification {
  export const method = 'wirelane/selectEnvironment' as const;
  export const type = new NotificationType<SelectEnvironmentParams>(method);
}

export interface NamedResponseParams {
  uri: string;
  name: string;
  exchange: {
    request: { url: string; method: string; headers: Array<[string, string]>; body?: string };
    response?: { status: number; headers: Array<[string, string]>; body?: string };
  };
}

/** client → server: a named request got a response; chained `{{name.response…}}` references now resolve and hover shows the value. */
export namespace NamedResponseNotification {
  export const method = 'wirelane/namedResponse' as const;
  export const type = new NotificationType<NamedResponseParams>(method);
}
