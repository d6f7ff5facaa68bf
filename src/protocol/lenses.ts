// The code lenses of a parsed .http file, built once for every editor: the language server turns
// them into LSP CodeLens for any client, and the extension serves them in-process to VS Code (no
// round trip to the server, so they appear before the server has started). No vscode-jsonrpc here:
// the extension's small start-up bundle imports this file.
import type { HttpFile } from '../core/httpfile/ast';

/** Commands the code lenses carry; the extension registers them under these ids. Arguments: `[uri, line]` (0-based line of the request or `###`). */
export const LensCommands = {
  sendRequest: 'wirelane.sendRequest',
  sendRequestNewConnection: 'wirelane.sendRequestNewConnection',
  compareModes: 'wirelane.compareModes',
  connectWebSocket: 'wirelane.connectWebSocket',
} as const;
export type LensCommandArgs = [uri: string, line: number];

export interface RequestLens {
  /** 0-based line of the request's method; the lens sits above it, at character 0. */
  line: number;
  title: string;
  command: (typeof LensCommands)[keyof typeof LensCommands];
  arguments: LensCommandArgs;
}

/** Send / Send with new connection / Compare modes above each HTTP request, Connect above each WebSocket; `[]` once `isCancelled()`. */
export function requestLenses(uri: string, file: HttpFile, isCancelled: () => boolean = () => false): RequestLens[] {
  const out: RequestLens[] = [];
  for (const region of file.regions) {
    const req = region.request;
    if (!req) continue;
    if ((out.length & 1023) === 0 && isCancelled()) return [];
    const line = req.methodRange.start.line;
    const lens = (title: string, command: RequestLens['command']): RequestLens => ({ line, title, command, arguments: [uri, line] });
    if (req.kind === 'websocket') out.push(lens('Connect', LensCommands.connectWebSocket));
    else out.push(lens('Send', LensCommands.sendRequest), lens('Send with new connection', LensCommands.sendRequestNewConnection), lens('Compare modes', LensCommands.compareModes));
  }
  return out;
}
