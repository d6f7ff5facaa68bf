// Shared by the integration tests (bundled into each *.test.js). Real servers on 127.0.0.1:0,
// the real vscode API, and the extension's exported API for what the UI shows.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import type { WirelaneApi } from '../../src/extension/main';

export const EXTENSION_ID = 'wirelane.wirelane';

export async function wirelane(): Promise<WirelaneApi> {
  const ext = vscode.extensions.getExtension<WirelaneApi>(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} not found`);
  const api = await ext.activate();
  await api.clientReady;
  return api;
}

export function workspaceDir(): string {
  const f = vscode.workspace.workspaceFolders?.[0];
  if (!f) throw new Error('the suite needs a workspace folder');
  return f.uri.fsPath;
}

/** Writes a file into the workspace and opens it in an editor. */
export async function openFile(rel: string, text: string): Promise<vscode.TextEditor> {
  const path = join(workspaceDir(), rel);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path));
  return vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One });
}

export function lineOf(doc: vscode.TextDocument, needle: string): number {
  for (let i = 0; i < doc.lineCount; i++) if (doc.lineAt(i).text.includes(needle)) return i;
  throw new Error(`"${needle}" is not in ${doc.uri.fsPath}`);
}

/** Polls a condition that has no event of its own (webview state, notifications); bounded in time. */
export async function until<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; ; i++) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, Math.min(25 * (i + 1), 200)));
  }
}

export interface SeenRequest {
  method: string;
  url: string;
  remotePort: number;
  headers: IncomingMessage['headers'];
}

export interface TestServer {
  url: string;
  port: number;
  seen: SeenRequest[];
  /** Client ports of sockets the server saw closed. */
  closedPorts: number[];
  server: Server;
  close(): Promise<void>;
}

/**
 * A local HTTP/1.1 keep-alive server that records, per request, the client port it came from.
 * Routes: /json, /html, /xml, /text, /close (answers with Connection: close), /slow (answers
 * only when the client goes away or after 20 s), anything else → JSON echo of method and path.
 */
export async function startServer(handler?: (req: IncomingMessage, res: ServerResponse) => boolean): Promise<TestServer> {
  const seen: SeenRequest[] = [];
  const closedPorts: number[] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', remotePort: req.socket.remotePort ?? -1, headers: req.headers });
    if (handler?.(req, res)) return;
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/html') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><html><body><h1>hello</h1></body></html>');
    if (path === '/xml') return void res.writeHead(200, { 'content-type': 'application/xml' }).end('<?xml version="1.0"?><a><b>1</b></a>');
    if (path === '/text') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('plain words');
    if (path === '/close') return void res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' }).end('bye');
    if (path === '/slow') {
      const t = setTimeout(() => res.end('late'), 20_000);
      res.on('close', () => clearTimeout(t));
      return;
    }
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, path, body, port: req.socket.remotePort }));
    });
  });
  server.on('connection', (s) => {
    const port = s.remotePort ?? -1;
    s.on('close', () => closedPorts.push(port));
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    seen,
    closedPorts,
    server,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Requests grouped by the client port they came on, in order: [[0,1,2],[3,4]] (indexes into `items`). */
export function partition<T>(items: T[], key: (t: T) => string | number | undefined): number[][] {
  const groups = new Map<string | number | undefined, number[]>();
  items.forEach((t, i) => {
    const k = key(t);
    groups.set(k, [...(groups.get(k) ?? []), i]);
  });
  return [...groups.values()];
}

/** Resolves with the document's diagnostics once `pred` holds for them (on the diagnostics event). */
export function diagnosticsFor(uri: vscode.Uri, pred: (d: readonly vscode.Diagnostic[]) => boolean, timeoutMs = 15_000): Promise<readonly vscode.Diagnostic[]> {
  const now = vscode.languages.getDiagnostics(uri);
  if (pred(now)) return Promise.resolve(now);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`no matching diagnostics within ${timeoutMs} ms; have ${JSON.stringify(vscode.languages.getDiagnostics(uri))}`));
    }, timeoutMs);
    const sub = vscode.languages.onDidChangeDiagnostics((e) => {
      if (!e.uris.some((u) => u.toString() === uri.toString())) return;
      const d = vscode.languages.getDiagnostics(uri);
      if (pred(d)) {
        clearTimeout(timer);
        sub.dispose();
        resolve(d);
      }
    });
  });
}

/** Appends a line to the results file (what a reader of the CI log needs beyond pass/fail). */
export function note(line: string): void {
  const file = process.env.WIRELANE_IT_RESULTS;
  if (!file) return;
  appendFileSync(file, `note ${line}\n`);
}

export async function closeAllEditors(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

/** Registers mocha setup/teardown: a fresh recording server for each test, editors closed after it. */
export function serverPerTest(use: (server: TestServer) => void): void {
  let server: TestServer | undefined;
  setup(async () => {
    server = await startServer();
    use(server);
  });
  teardown(async () => {
    await server?.close();
    await closeAllEditors();
  });
}
