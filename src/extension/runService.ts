// Sends what the person asked for and routes the results to the views. Runner placement: the
// runner (undici, ws, bundled into dist/extension.js) runs here, in the extension host. VS Code's
// proxy support patches node:http/https and global fetch; undici's own Client/Pool do not go
// through either, and the integration suite proves it against a server's view of its sockets.
//
// Single sends (Send Request, Send with New Connection, Connect WebSocket) share one long-lived
// "interactive" engine and run, so a second click reuses the first click's connection — the point
// of the product. Send All and Compare are runs of their own, through runFile like `wirelane run`.
import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import { formatError, WlError, type ErrorInfo } from '../core/errors';
import { parseHttpFile } from '../core/httpfile/index';
import type { HttpFile } from '../core/httpfile/ast';
import type { ResolvedRequest } from '../core/request';
import { OPEN_REASON_TEXT, type Connection, type ConnectionMode, type Exchange } from '../core/timeline/model';
import { RunRecorder } from '../core/timeline/recorder';
import { summarize } from '../core/timeline/summary';
import { loadEnvironments, loadImports, resolveRegion, type NamedExchange, type ResolveContext } from '../core/variables/index';
import { runFile, type FileRunOptions, type FileRunResult } from '../runner/fileRunner';
import { AskAnswerer, type PromptFn } from '../runner/asks';
import { OAuthTokens } from '../runner/auth/oauth2';
import { tlsFromEnvironment, type TlsFromEnvironment } from '../runner/http/clientCert';
import { HttpEngine, type SendResult } from '../runner/http/engine';
import { parseProxy } from '../runner/http/proxy';
import { openWebSocket, type WsSessionHandle } from '../runner/ws/session';
import { environmentGetter, ScriptHost, type CheckResult, type RegionChecks } from '../runner/scripts/host';
import type { Recording } from './recording';
import type { ResponseDocuments } from './responseView';
import type { WirelaneSettings } from './settings';
import type { TimelinePanel } from './timelinePanel';
import { Shaper } from '../runner/net/conditions';

export interface SendOutcome {
  exchange?: Exchange;
  error?: ErrorInfo;
  /** The request's `client.test` results, `??` lines and failed scripts. */
  checks?: CheckResult[];
  document?: vscode.TextDocument;
}

export interface RunServiceDeps {
  log: vscode.LogOutputChannel;
  timeline: TimelinePanel;
  responses: ResponseDocuments;
  recording: Recording;
  settings: () => WirelaneSettings;
  /** The environment a send from `doc` uses: the selected one, else the file's only one. */
  environmentFor: (doc: vscode.TextDocument) => string | undefined;
  /** The environment names `doc`'s environment files define (to offer Select Environment). */
  environmentNames: (doc: vscode.TextDocument) => string[];
  /** Tell the language server a named request has a response (chained references, hovers). */
  namedResponse: (uri: string, name: string, exchange: NamedExchange) => void;
  /** Every user-facing message goes through here (the tests read them). */
  notify: (level: 'info' | 'warning' | 'error', message: string, ...actions: string[]) => Thenable<string | undefined>;
}

interface Interactive {
  engine: HttpEngine;
  recorder: RunRecorder;
  key: string;
}

const MAX_CHAIN_DEPTH = 8;

export class RunService implements vscode.Disposable {
  private interactive: Interactive | undefined;
  private readonly running = new Set<AbortController>();
  private readonly named = new Map<string, Map<string, NamedExchange>>();
  private readonly sessions = new Set<WsSessionHandle>();
  /** Latest finished Send All / Compare results, for the tests and Reveal. */
  lastRun: FileRunResult | undefined;
  /** OAuth2 tokens for this editor session, kept until they expire. */
  private readonly tokens = new OAuthTokens();

  /** `# @prompt` / `{{$input}}`: an input box; a secret one is masked (and never recorded). */
  private readonly prompt: PromptFn = async (name, description, { secret }) =>
    vscode.window.showInputBox({ title: `Wirelane: ${name}`, prompt: description ?? `Value for {{${name}}}`, password: secret, ignoreFocusOut: true });

  /** `client.global` values: kept across sends and runs until the window closes. */
  readonly globals = new Map<string, string>();

  constructor(private readonly deps: RunServiceDeps) {}

  get isRunning(): boolean {
    return this.running.size > 0;
  }

  /** Aborts every run in progress (Cancel command, progress Cancel button). */
  cancelAll(): number {
    const n = this.running.size;
    for (const c of this.running) c.abort(new WlError('WL_CANCELLED', 'cancelled by the user', { phase: 'send' }));
    return n;
  }

  private track<T>(title: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    this.running.add(controller);
    void vscode.commands.executeCommand('setContext', 'wirelane.running', true);
    return Promise.resolve(
      vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (_p, token) => {
        token.onCancellationRequested(() => controller.abort(new WlError('WL_CANCELLED', 'cancelled by the user', { phase: 'send' })));
        return work(controller.signal);
      }),
    ).finally(() => {
      this.running.delete(controller);
      if (!this.running.size) void vscode.commands.executeCommand('setContext', 'wirelane.running', false);
    });
  }

  private resolveContext(doc: vscode.TextDocument, s: WirelaneSettings): ResolveContext {
    const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
    return {
      filePath: doc.uri.fsPath,
      workspaceRoot: folder?.uri.fsPath ?? dirname(doc.uri.fsPath),
      envName: this.deps.environmentFor(doc),
      readFile: (p) => {
        try {
          return readFileSync(p, 'utf8');
        } catch {
          return undefined;
        }
      },
      fileExists: (p) => existsSync(p),
      // An untrusted file must not pull the machine's environment variables into requests.
      processEnv: vscode.workspace.isTrusted ? process.env : {},
      named: this.namedFor(doc.uri),
      extraEnv: s.restClientEnv,
    };
  }

  /**
   * The editor's session, shown in the timeline, with the environment's SSLConfiguration: its
   * client certificate rides the session's TLS connections.
   */
  private async openSession(doc: vscode.TextDocument, s: WirelaneSettings): Promise<{ session: Interactive; tls: TlsFromEnvironment } | { failed: SendOutcome }> {
    let tls: TlsFromEnvironment;
    try {
      tls = s.environment ? await tlsFromEnvironment(loadEnvironments(this.resolveContext(doc, s)), s.environment, this.prompt) : {};
    } catch (err) {
      return { failed: this.failed(err, doc) };
    }
    const session = this.interactiveFor(s, tls);
    this.showInTimeline([session.recorder], 'editor session');
    return { session, tls };
  }

  /** The context plus what `# @import` brings (variables and named requests of other files). */
  private contextWithImports(doc: vscode.TextDocument, file: HttpFile, s: WirelaneSettings): ResolveContext {
    const ctx = this.resolveContext(doc, s);
    const imported = loadImports(ctx.filePath, file, { readFile: ctx.readFile, parse: parseHttpFile }).files;
    if (imported.length) ctx.imports = imported.map((f) => f.file);
    return ctx;
  }

  private proxyLogged: string | undefined;

  /**
   * A proxy URL that cannot be used stops the send with WL_PROXY (never a silent direct
   * connection); a usable one is named in the log once (without its credentials).
   */
  private checkProxy(s: WirelaneSettings): WlError | undefined {
    if (!s.proxy) return undefined;
    try {
      const plan = parseProxy(s.proxy);
      if (this.proxyLogged !== plan.origin) {
        this.proxyLogged = plan.origin;
        const direct = s.proxy.noProxy?.length ? ` (direct: ${s.proxy.noProxy.join(', ')})` : '';
        this.deps.log.info(`HTTP requests go through the proxy ${plan.origin}${direct}; WebSocket and HTTP/1.0 requests connect directly.`);
      }
      return undefined;
    } catch (err) {
      return err instanceof WlError ? err : new WlError('WL_PROXY', String(err));
    }
  }

  private namedFor(uri: vscode.Uri): Map<string, NamedExchange> {
    let m = this.named.get(uri.toString());
    if (!m) {
      m = new Map();
      this.named.set(uri.toString(), m);
    }
    return m;
  }

  private interactiveFor(s: WirelaneSettings, tls: TlsFromEnvironment = {}): Interactive {
    const proxy = s.proxy && !this.checkProxy(s) ? s.proxy : undefined;
    const cert = tls.clientCert;
    const key = JSON.stringify([s.mode, s.verifyTls, s.timeoutMs, s.bodyLimitBytes, proxy, s.network, tls.insecure, cert && [cert.from, cert.cert?.length, cert.key?.length, cert.pfx?.length]]);
    if (this.interactive && this.interactive.key === key) return this.interactive;
    if (this.interactive) void this.interactive.engine.close();
    const recorder = new RunRecorder({ mode: s.mode, label: 'editor', environment: s.environment });
    if (s.network) recorder.run.network = s.network;
    const network = s.network ? new Shaper(s.network) : undefined;
    const engine = new HttpEngine({
      recorder,
      mode: s.mode,
      insecure: !s.verifyTls || tls.insecure,
      timeoutMs: s.timeoutMs,
      bodyLimitBytes: s.bodyLimitBytes,
      proxy,
      network,
      ...(cert ? { clientCert: cert } : {}),
    });
    this.interactive = { engine, recorder, key };
    this.deps.recording.attach(recorder);
    return this.interactive;
  }

  /** Closes the editor's connections; the next send opens fresh ones (and a new timeline run). */
  async resetInteractive(): Promise<void> {
    const i = this.interactive;
    this.interactive = undefined;
    if (i) {
      await i.engine.close();
      i.recorder.finish();
    }
  }

  private showInTimeline(recorders: RunRecorder[], title: string): void {
    const feed = this.deps.timeline.feed;
    if (recorders.length === 1 && feed.has(recorders[0])) return;
    feed.reset(title);
    for (const r of recorders) feed.attach(r);
  }

  /** The request region at a 0-based line, resolved (sending what it needs first). */
  regionAt(file: HttpFile, line: number): number {
    return file.regions.findIndex((r) => r.request && line >= r.range.start.line && line <= r.range.end.line);
  }

  /**
   * The request region at a 0-based line, resolved with what is known now. `request` is missing
   * when it refers to named responses not sent yet (`needs`): sending sends those first.
   */
  async resolveAt(doc: vscode.TextDocument, line: number): Promise<{ file: HttpFile; regionIndex: number; request?: ResolvedRequest; needs: string[] }> {
    const file = parseHttpFile(doc.getText());
    const regionIndex = this.regionAt(file, line);
    if (regionIndex < 0) throw new WlError('WL_USAGE', 'There is no request at the cursor. Put the cursor inside a request (below its ###).', { source: { file: doc.uri.fsPath, line: line + 1 } });
    const res = resolveRegion(file, regionIndex, this.contextWithImports(doc, file, this.deps.settings()));
    if (!res.request && !res.needs.length && !res.asks.length) {
      const d = res.diagnostics.find((x) => x.severity === 'error') ?? res.diagnostics[0];
      throw new WlError(d?.code ?? 'WL_RESOLVE', d?.message ?? 'This request could not be resolved.', { phase: 'resolve', source: { file: doc.uri.fsPath, line: (d?.range.start.line ?? line) + 1 } });
    }
    return { file, regionIndex, request: res.request, needs: res.needs };
  }

  /** Like resolveAt, but the request must be complete (Copy as cURL). */
  async resolvedRequestAt(doc: vscode.TextDocument, line: number): Promise<ResolvedRequest> {
    const r = await this.resolveAt(doc, line);
    if (!r.request) throw new WlError('WL_VAR_UNRESOLVED', `This request uses the response of ${r.needs.map((n) => `'${n}'`).join(', ')}: send it first.`, { phase: 'resolve' });
    return r.request;
  }

  private async confirmUntrusted(what: string): Promise<boolean> {
    if (vscode.workspace.isTrusted) return true;
    const ok = 'Send';
    const answer = await vscode.window.showWarningMessage(
      `This workspace is not trusted. ${what}?`,
      { modal: true, detail: 'Requests from an untrusted .http file can reach any host your machine can reach and send local files as bodies.' },
      ok,
    );
    return answer === ok;
  }

  /** Send Request / Send with New Connection: the request at `line`, in the editor's session. */
  async sendAt(doc: vscode.TextDocument, line: number, opts: { newConnection?: boolean } = {}): Promise<SendOutcome> {
    const s = this.deps.settings();
    let resolved: Awaited<ReturnType<RunService['resolveAt']>>;
    try {
      resolved = await this.resolveAt(doc, line);
    } catch (err) {
      return this.failed(err, doc);
    }
    const { file, regionIndex } = resolved;
    const node = file.regions[regionIndex].request!;
    if (node.kind === 'websocket') return this.connectWebSocketAt(doc, line);
    const what = resolved.request ? `${resolved.request.method} ${resolved.request.url}` : `${node.method} ${node.url.text}`.trim();
    if (!(await this.confirmUntrusted(`Send ${what}${resolved.needs.length ? ` (and ${resolved.needs.join(', ')} first)` : ''}`)))
      return { error: { code: 'WL_CANCELLED', message: 'not sent: not confirmed' } };
    const badProxy = this.checkProxy(s);
    if (badProxy) return this.failed(badProxy, doc);
    const opened = await this.openSession(doc, s);
    if ('failed' in opened) return opened.failed;
    const { session } = opened;
    const title = `Wirelane: ${what}`;
    return this.track(title, async (signal) => {
      const sent = await this.sendRegion(doc, file, regionIndex, session, signal, [], opts.newConnection ? 'new' : undefined);
      if (sent.error && !sent.exchange) return this.failed(sent.error, doc);
      const ex = sent.exchange!;
      const connection = ex.connectionId ? session.recorder.connection(ex.connectionId) : undefined;
      this.logExchange(ex, connection);
      const document = await this.deps.responses.show(
        { exchange: ex, connection, body: sent.body, bodyFile: sent.bodyFile },
        { reuseTab: s.reuseResponseTab, key: `${doc.uri.toString()}#${regionIndex}` },
      );
      const entry = this.deps.timeline.feed.entryIndex(ex);
      if (entry !== undefined) this.deps.timeline.reveal(entry);
      if (ex.error) this.reportError(ex.error);
      return { exchange: ex, error: ex.error, document, checks: sent.checks };
    });
  }

  private async sendRegion(
    doc: vscode.TextDocument,
    file: HttpFile,
    regionIndex: number,
    session: Interactive,
    signal: AbortSignal,
    chain: number[],
    directive?: 'new',
  ): Promise<Partial<SendResult> & { error?: ErrorInfo; checks?: CheckResult[] }> {
    // Scripts run only in a trusted workspace; otherwise they are reported as not run.
    const scripts = new ScriptHost({
      shownFile: vscode.workspace.asRelativePath(doc.uri),
      filePath: doc.uri.fsPath,
      lines: doc.getText().split(/\r?\n/),
      globals: this.globals,
      allowScripts: vscode.workspace.isTrusted,
      envGet: environmentGetter(this.resolveContext(doc, this.deps.settings())),
    });
    try {
      const requestVars = new Map<string, string>();
      const pre = await scripts.preRequest(file.regions[regionIndex], requestVars);
      const ctx: ResolveContext = { ...this.contextWithImports(doc, file, this.deps.settings()), scriptVariable: (n) => requestVars.get(n) ?? this.globals.get(n) };
      let res = resolveRegion(file, regionIndex, ctx);
      // Typed values and OAuth2 tokens first; a token request is an exchange of this session.
      if (res.asks.length) {
        const answerer = new AskAnswerer({ prompt: this.prompt, tokens: this.tokens, onSecrets: (v) => this.deps.recording.addSecrets(v) });
        try {
          await answerer.answer(res.asks, file, ctx, session.engine, { file: doc.uri.fsPath, line: file.regions[regionIndex].request!.range.start.line + 1 }, signal);
        } catch (err) {
          return { error: err instanceof WlError ? err.toInfo() : { code: 'WL_INTERNAL', message: String(err) } };
        }
        res = resolveRegion(file, regionIndex, ctx);
        if (res.request && answerer.secrets.size) res.request.secrets.push(...answerer.secrets);
      }
      // Chaining: send the named requests this one refers to first (bounded, no cycles).
      for (let round = 0; res.needs.length && round < MAX_CHAIN_DEPTH; round++) {
        for (const need of res.needs) {
          if (ctx.named.has(need)) continue;
          const j = file.regions.findIndex((r) => r.request && (r.name === need || (!r.name && r.title === need)));
          if (j < 0 || j === regionIndex || chain.includes(j) || chain.length >= MAX_CHAIN_DEPTH) {
            const err = { code: 'WL_VAR_UNRESOLVED', message: j < 0 ? `no request named '${need}' to send first` : `'${need}' depends on this request (a cycle)`, phase: 'resolve' as const };
            return { error: err };
          }
          const first = await this.sendRegion(doc, file, j, session, signal, [...chain, regionIndex]);
          if (first.error && !first.exchange) return first;
        }
        res = resolveRegion(file, regionIndex, ctx);
        if (res.needs.some((n) => !ctx.named.has(n))) break;
      }
      const req = res.request;
      if (!req) {
        const d = res.diagnostics.find((x) => x.severity === 'error') ?? res.diagnostics[0];
        return { error: { code: d?.code ?? 'WL_RESOLVE', message: d?.message ?? 'could not be resolved', phase: 'resolve', source: { file: doc.uri.fsPath, line: (d?.range.start.line ?? 0) + 1 } } };
      }
      if (directive) req.connection = directive;
      this.deps.recording.addSecrets(req.secrets);
      const sent = await session.engine.send(req, { signal });
      const ex = sent.exchange;
      if (req.name && ex.response && !ex.error) {
        const named: NamedExchange = {
          request: { url: ex.request.url, method: req.method, headers: ex.request.headers, body: req.body?.kind === 'bytes' ? Buffer.from(req.body.data).toString('utf8') : undefined },
          response: { status: ex.response.status, headers: ex.response.headers, body: sent.body?.toString('utf8') ?? ex.response.body?.text },
        };
        ctx.named.set(req.name, named);
        this.deps.namedResponse(doc.uri.toString(), req.name, named);
      }
      const after =
        ex.response && !ex.error
          ? await scripts.afterResponse(
              file.regions[regionIndex],
              { exchange: ex, connection: ex.connectionId ? session.recorder.connection(ex.connectionId) : undefined, body: sent.body?.toString('utf8') },
              requestVars,
            )
          : undefined;
      const checks = this.logChecks(vscode.workspace.asRelativePath(doc.uri), pre, after);
      return checks.length ? { ...sent, checks } : sent;
    } finally {
      scripts.dispose();
    }
  }

  /** Script logs and test outcomes go to the log; failures also to a notification. */
  private logChecks(shown: string, ...parts: Array<RegionChecks | undefined>): CheckResult[] {
    const checks = parts.flatMap((p) => p?.checks ?? []);
    for (const l of parts.flatMap((p) => p?.logs ?? [])) this.deps.log.info(`[script] ${l}`);
    for (const c of checks) {
      if (c.passed) this.deps.log.info(`✓ ${c.name} (${shown}:${c.source.line})`);
      else if (c.error) this.deps.log.warn(`✗ ${c.name}: ${formatError(c.error)}`);
    }
    const untrusted = checks.filter((c) => c.error?.code === 'WL_SCRIPTS_UNTRUSTED');
    if (untrusted.length) void this.deps.notify('warning', `Wirelane: ${untrusted.length} script(s) and \`?? js\` line(s) were not run: this workspace is not trusted.`);
    const failed = checks.filter((c) => !c.passed && c.error?.code !== 'WL_SCRIPTS_UNTRUSTED');
    if (failed.length) {
      void this.deps
        .notify('warning', `Wirelane: ${failed.length} of ${checks.length} test(s) failed. First: ${failed[0].error ? formatError(failed[0].error) : failed[0].name}`, 'Show Log')
        .then((a) => {
          if (a === 'Show Log') this.deps.log.show(true);
        });
    }
    return checks;
  }

  /** Send All in File: one run through runFile (the same code as `wirelane run`). */
  async sendAll(doc: vscode.TextDocument, mode?: ConnectionMode): Promise<FileRunResult | undefined> {
    const s = this.deps.settings();
    if (!(await this.confirmUntrusted(`Send every request in ${vscode.workspace.asRelativePath(doc.uri)}`))) return undefined;
    const badProxy = this.checkProxy(s);
    if (badProxy) {
      this.failed(badProxy, doc);
      return undefined;
    }
    const m = mode ?? s.mode;
    const envName = this.deps.environmentFor(doc);
    const recorder = new RunRecorder({ mode: m, environment: envName, file: vscode.workspace.asRelativePath(doc.uri) });
    this.showInTimeline([recorder], `${vscode.workspace.asRelativePath(doc.uri)} · ${m}`);
    this.deps.timeline.show();
    this.deps.recording.attach(recorder);
    const result = await this.track(`Wirelane: sending ${vscode.workspace.asRelativePath(doc.uri)}`, (signal) =>
      runFile({ ...this.fileRunOptions(doc.uri, doc.getText(), s, m, signal, recorder), envName }).catch((err) => {
        this.failed(err, doc);
        return undefined;
      }),
    );
    if (!result) return undefined;
    this.lastRun = result;
    this.logChecks(vscode.workspace.asRelativePath(doc.uri), ...result.results.map((r) => ({ checks: r.checks ?? [], logs: r.logs ?? [] })));
    for (const r of result.results)
      if (r.exchange)
        this.logExchange(
          r.exchange,
          result.run.connections.find((c) => c.id === r.exchange!.connectionId),
        );
    for (const r of result.results) {
      if (r.name && r.exchange?.response && !r.error) {
        this.deps.namedResponse(doc.uri.toString(), r.name, {
          request: { url: r.exchange.request.url, method: r.exchange.request.method, headers: r.exchange.request.headers },
          response: { status: r.exchange.response.status, headers: r.exchange.response.headers, body: r.body?.toString('utf8') },
        });
      }
    }
    const sum = summarize(result.run);
    const errors = [...result.results.filter((r) => r.error).map((r) => r.error!), ...result.skipped.map((x) => x.error)];
    const summary = `${sum.exchanges} request(s) on ${sum.connections} connection(s), ${sum.handshakesSaved} handshake(s) saved (${m})`;
    if (errors.length) this.reportError(errors[0], `${summary}; ${errors.length} failed. First: `);
    else void this.deps.notify('info', `Wirelane: ${summary}.`);
    return result;
  }

  /**
   * The Testing view's run of one file: every request in order, scripts only in a trusted
   * workspace (asked once per run when untrusted, as for Send All). Undefined when not confirmed.
   */
  async runForTests(uri: vscode.Uri, text: string, signal: AbortSignal, confirmed: boolean): Promise<FileRunResult | undefined> {
    if (!confirmed && !(await this.confirmUntrusted(`Run the tests of ${vscode.workspace.asRelativePath(uri)} (their requests are sent)`))) return undefined;
    const s = this.deps.settings();
    const badProxy = this.checkProxy(s);
    if (badProxy) throw badProxy;
    const recorder = new RunRecorder({ mode: s.mode, environment: s.environment, file: vscode.workspace.asRelativePath(uri), label: 'tests' });
    this.deps.recording.attach(recorder);
    return runFile(this.fileRunOptions(uri, text, s, s.mode, signal, recorder));
  }

  /** What Send All and the Testing view pass to runFile: the settings, trust, and the window's globals. */
  private fileRunOptions(uri: vscode.Uri, text: string, s: WirelaneSettings, mode: ConnectionMode, signal: AbortSignal, recorder: RunRecorder): FileRunOptions {
    return {
      file: uri.fsPath,
      text,
      envName: s.environment,
      mode,
      insecure: !s.verifyTls,
      proxy: s.proxy,
      network: s.network,
      timeoutMs: s.timeoutMs,
      bodyLimitBytes: s.bodyLimitBytes,
      signal,
      recorder,
      workspaceRoot: vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath,
      // An untrusted file must not pull the machine's environment variables into requests, nor run scripts.
      processEnv: vscode.workspace.isTrusted ? process.env : {},
      extraEnv: s.restClientEnv,
      allowScripts: vscode.workspace.isTrusted,
      globals: this.globals,
      prompt: this.prompt,
      tokens: this.tokens,
      onEvent: (e) => {
        if (e.type === 'resolved') this.deps.recording.addSecrets(e.request.secrets);
        if (e.type === 'secrets') this.deps.recording.addSecrets(e.values);
      },
    };
  }

  /** Compare Modes: the same file in each mode, drawn side by side in the timeline. */
  async compare(doc: vscode.TextDocument): Promise<FileRunResult[]> {
    const s = this.deps.settings();
    if (!(await this.confirmUntrusted(`Send every request in ${vscode.workspace.asRelativePath(doc.uri)} once per mode (${s.compareModes.join(', ')})`))) return [];
    const badProxy = this.checkProxy(s);
    if (badProxy) {
      this.failed(badProxy, doc);
      return [];
    }
    const envName = this.deps.environmentFor(doc);
    const recorders = s.compareModes.map((mode) => new RunRecorder({ mode, idPrefix: `${mode}/`, label: mode, environment: envName, file: vscode.workspace.asRelativePath(doc.uri) }));
    this.showInTimeline(recorders, `compare ${vscode.workspace.asRelativePath(doc.uri)}`);
    this.deps.timeline.show();
    const results: FileRunResult[] = [];
    await this.track('Wirelane: comparing connection modes', async (signal) => {
      for (let i = 0; i < recorders.length && !signal.aborted; i++) {
        this.deps.recording.attach(recorders[i]);
        try {
          results.push(await runFile({ ...this.fileRunOptions(doc.uri, doc.getText(), s, s.compareModes[i], signal, recorders[i]), envName }));
        } catch (err) {
          this.failed(err, doc);
          break;
        }
      }
    });
    // The numbers are drawn in the timeline's compare table (the panel shown above), from the
    // same summary the CLI prints; the notification repeats them in one line per mode.
    if (results.length) {
      const lines = results.map((r) => {
        const x = summarize(r.run);
        return `${r.run.mode}: ${x.exchanges} requests, ${x.connections} connections, ${x.handshakesSaved} handshakes saved, ${Math.round(x.totalMs)} ms`;
      });
      void this.deps.notify('info', `Wirelane compare — ${lines.join('; ')}. The table is in the timeline panel.`, 'Open Timeline').then((a) => {
        if (a === 'Open Timeline') this.deps.timeline.show(false);
      });
    }
    return results;
  }

  /** Connect WebSocket: opens the session at the cursor and runs its script; the session view takes over. */
  async connectWebSocketAt(doc: vscode.TextDocument, line: number): Promise<SendOutcome & { handle?: WsSessionHandle }> {
    const s = this.deps.settings();
    let req: ResolvedRequest;
    try {
      req = await this.resolvedRequestAt(doc, line);
    } catch (err) {
      return this.failed(err, doc);
    }
    if (req.kind !== 'websocket') return this.failed(new WlError('WL_USAGE', 'The request at the cursor is not a WEBSOCKET request.'), doc);
    if (!(await this.confirmUntrusted(`Open a WebSocket to ${req.url}`))) return { error: { code: 'WL_CANCELLED', message: 'not confirmed' } };
    const opened = await this.openSession(doc, s);
    if ('failed' in opened) return opened.failed;
    const { session, tls } = opened;
    this.deps.recording.addSecrets(req.secrets);
    return this.track(`Wirelane: WebSocket ${req.url}`, async (signal) => {
      let handle: WsSessionHandle;
      try {
        // The session outlives this progress notification: only the handshake and the script are cancellable here.
        handle = await openWebSocket(req, { recorder: session.recorder, insecure: !s.verifyTls || tls.insecure || req.insecure, timeoutMs: req.timeoutMs ?? s.timeoutMs, clientCert: tls.clientCert });
      } catch (err) {
        return this.failed(err, doc);
      }
      this.sessions.add(handle);
      void handle.closed.finally(() => this.sessions.delete(handle));
      const onAbort = () => void handle.close(1000, 'cancelled');
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        if (req.wsSteps.length) await handle.runScript(req.wsSteps);
      } catch (err) {
        const info = err instanceof WlError ? err.toInfo() : { code: 'WL_INTERNAL', message: String(err) };
        this.reportError(info);
        return { exchange: handle.exchange, error: info, handle };
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
      return { exchange: handle.exchange, handle };
    });
  }

  /** One line per exchange in the Output channel: what was sent, what came back, on which connection and why. */
  private logExchange(ex: Exchange, c: Connection | undefined): void {
    const took = ex.endedAt !== undefined ? ` in ${(ex.endedAt - ex.startedAt).toFixed(0)} ms` : '';
    const outcome = ex.response ? `${ex.response.status}${ex.response.statusText ? ` ${ex.response.statusText}` : ''}` : ex.error ? ex.error.code : 'no response';
    const conn = ex.connectionId ? ` on ${ex.connectionId} (${ex.reused ? 'reused' : `new: ${c?.openDetail ?? (c ? OPEN_REASON_TEXT[c.openReason] : 'opened for it')}`})` : '';
    const line = `${ex.request.method} ${ex.request.url} → ${outcome}${took}${conn}`;
    if (ex.error && ex.error.code !== 'WL_CANCELLED') this.deps.log.warn(line);
    else this.deps.log.info(line);
  }

  private failed(err: unknown, doc?: vscode.TextDocument): SendOutcome {
    const info: ErrorInfo =
      err instanceof WlError
        ? err.toInfo()
        : typeof err === 'object' && err && 'code' in err && 'message' in err
          ? (err as ErrorInfo)
          : { code: 'WL_INTERNAL', message: err instanceof Error ? err.message : String(err) };
    if (!info.source && doc) info.source = { file: doc.uri.fsPath, line: 0 };
    if (doc && info.phase === 'resolve' && !this.deps.environmentFor(doc) && this.deps.environmentNames(doc).length) {
      this.reportNoEnvironment(info);
      return { error: info };
    }
    this.reportError(info);
    return { error: info };
  }

  /**
   * A variable is missing and the file has environments, none selected: the likely fix is to pick
   * one, so say that in words and offer the command rather than a bare error code.
   */
  private reportNoEnvironment(info: ErrorInfo): void {
    const where = info.source && info.source.line > 0 ? ` (${vscode.workspace.asRelativePath(info.source.file)}:${info.source.line})` : '';
    this.deps.log.warn(formatError(info));
    const pick = 'Select Environment';
    void this.deps.notify('warning', `Wirelane: not sent — ${info.message}${where}. Select an environment from http-client.env.json first.`, pick).then((a) => {
      if (a === pick) void vscode.commands.executeCommand('wirelane.selectEnvironment');
    });
  }

  private reportError(info: ErrorInfo, prefix = ''): void {
    const shown = info.source ? { ...info, source: { file: vscode.workspace.asRelativePath(info.source.file), line: info.source.line } } : info;
    if (shown.source && shown.source.line <= 0) delete shown.source;
    if (info.code === 'WL_CANCELLED') {
      // The person asked for it: information, not an error.
      this.deps.log.info(`${prefix}${formatError(shown)}`);
      void this.deps.notify('info', `Wirelane: ${prefix}${info.message}`);
      return;
    }
    this.deps.log.error(`${prefix}${formatError(shown)}`);
    void this.deps.notify('error', `Wirelane: ${prefix}${formatError(shown)}`, 'Open Timeline', 'Show Log').then((a) => {
      if (a === 'Open Timeline') this.deps.timeline.show(false);
      if (a === 'Show Log') this.deps.log.show(true);
    });
  }

  async dispose(): Promise<void> {
    this.cancelAll();
    for (const h of this.sessions) await h.close(1001, 'VS Code is closing').catch(() => undefined);
    await this.resetInteractive();
  }
}
