// Drives the real language server over stdio with vscode-jsonrpc, as an editor would.
// Used by test/unit/server*.test.ts and bench/server.bench.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';

export interface PublishedDiagnostics {
  uri: string;
  version?: number;
  diagnostics: Array<{ range: { start: { line: number; character: number }; end: { line: number; character: number } }; severity?: number; code?: string | number; message: string; source?: string }>;
}

export interface HarnessOptions {
  /** Workspace folder sent in `initialize`. */
  root: string;
  /** `dist` runs the built dist/server.js; `source` runs src/server/main.ts through tsx (default). */
  entry?: 'dist' | 'source';
  initializationOptions?: Record<string, unknown>;
  /** Client capabilities sent in `initialize` (default: none, as the most basic client). */
  capabilities?: Record<string, unknown>;
  /** Extra node flags for the server process (e.g. --cpu-prof when looking at a slow path). */
  nodeArgs?: string[];
}

export class ServerHarness {
  readonly published: PublishedDiagnostics[] = [];
  readonly logs: string[] = [];
  /** The server's answer to `initialize`. */
  capabilities: Record<string, unknown> = {};
  private waiters: Array<{ match: (p: PublishedDiagnostics) => boolean; resolve: (p: PublishedDiagnostics) => void }> = [];
  private exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly connection: MessageConnection,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    connection.onNotification('textDocument/publishDiagnostics', (p: PublishedDiagnostics) => {
      this.published.push(p);
      const still: typeof this.waiters = [];
      for (const w of this.waiters) {
        if (w.match(p)) w.resolve(p);
        else still.push(w);
      }
      this.waiters = still;
    });
    connection.onNotification('window/logMessage', (p: { message: string }) => {
      this.logs.push(p.message);
    });
  }

  static async start(opts: HarnessOptions): Promise<ServerHarness> {
    const root = process.cwd();
    const args = opts.entry === 'dist' ? [join(root, 'dist/server.js'), '--stdio'] : ['--import', 'tsx', join(root, 'src/server/main.ts'), '--stdio'];
    const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stderr?.on('data', () => {});
    const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    const h = new ServerHarness(child, connection);
    connection.listen();
    const init = await connection.sendRequest<{ capabilities: Record<string, unknown> }>('initialize', {
      processId: process.pid,
      rootUri: pathToFileURL(opts.root).toString(),
      workspaceFolders: [{ uri: pathToFileURL(opts.root).toString(), name: 'ws' }],
      capabilities: opts.capabilities ?? {},
      initializationOptions: opts.initializationOptions ?? {},
    });
    h.capabilities = init.capabilities;
    await connection.sendNotification('initialized', {});
    return h;
  }

  /** Resolves with the first publishDiagnostics for `uri` (at `version`, if given) from now on, or already received. */
  diagnostics(uri: string, version?: number, timeoutMs = 20000): Promise<PublishedDiagnostics> {
    const match = (p: PublishedDiagnostics) => p.uri === uri && (version === undefined || p.version === version);
    const seen = this.published.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no diagnostics for ${uri} v${version} within ${timeoutMs} ms; logs: ${this.logs.join('\n')}`)), timeoutMs);
      this.waiters.push({
        match,
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p);
        },
      });
    });
  }

  /** The first publication for `uri` after the first `seen` publications (of any document): a re-check not caused by an edit. */
  diagnosticsAfter(uri: string, seen: number, timeoutMs = 20000): Promise<PublishedDiagnostics> {
    const done = this.published.slice(seen).find((p) => p.uri === uri);
    if (done) return Promise.resolve(done);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no new diagnostics for ${uri} within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        match: (p) => p.uri === uri,
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p);
        },
      });
    });
  }

  open(uri: string, text: string, version = 1): Promise<void> {
    return this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'http', version, text } });
  }

  change(uri: string, version: number, changes: Array<{ range?: { start: { line: number; character: number }; end: { line: number; character: number } }; text: string }>): Promise<void> {
    return this.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: changes });
  }

  request<R>(method: string, params: unknown): Promise<R> {
    return this.connection.sendRequest(method, params) as Promise<R>;
  }

  notify(method: string, params: unknown): Promise<void> {
    return this.connection.sendNotification(method, params);
  }

  /** shutdown + exit, as the protocol asks; kills the process if it does not leave within 5 s. */
  async stop(): Promise<number | null> {
    const kill = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    try {
      await this.connection.sendRequest('shutdown');
      await this.connection.sendNotification('exit');
    } catch {
      this.child.kill('SIGKILL');
    }
    const code = await this.exited;
    clearTimeout(kill);
    this.connection.dispose();
    return code;
  }
}

/** `### rN` regions with a named login, variables, JSON bodies: a realistic large file. */
export function generateRequests(count: number): string {
  const parts = ['@host = localhost:8080', '@token = secret', ''];
  for (let i = 0; i < count; i++) {
    if (i === 0) {
      parts.push('### login', '# @name login', 'POST http://{{host}}/login', 'Content-Type: application/json', '', '{"user": "u"}', '');
      continue;
    }
    parts.push(`### request ${i}`, `GET http://{{host}}/items/${i}?q={{$randomInt 1 10}}`, 'Accept: application/json', 'Authorization: Bearer {{login.response.body.$.token}}', '');
  }
  return parts.join('\n');
}
