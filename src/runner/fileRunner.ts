// Runs the requests of one `.http` file: parse, resolve each region in order (a named
// request's response feeds later ones; a request that needs one sends it first), send HTTP
// through the HttpEngine and WebSocket regions through openWebSocket, and record everything
// into the caller's RunRecorder. A failed request is a row with its error and the run goes on;
// a region that does not parse or resolve is reported and skipped. `wirelane run/compare/demo`
// and the editor's "Send all" use this.

import { readFileSync, existsSync } from 'node:fs';
import { isAbsolute, relative, resolve as resolvePath, dirname } from 'node:path';
import { parseHttpFile } from '../core/httpfile/index';
import type { HttpFile, ParseDiagnostic, Region } from '../core/httpfile/ast';
import { findNamedRegion, loadEnvironments, loadImports, parseRunTarget, resolveRegion, type NamedExchange, type ResolveContext } from '../core/variables/index';
import type { Directive } from '../core/httpfile/ast';
import type { ResolvedRequest } from '../core/request';
import type { ConnectionMode, Exchange, Run, WsSession } from '../core/timeline/model';
import type { RunRecorder } from '../core/timeline/recorder';
import { WlError, type ErrorInfo } from '../core/errors';
import { HttpEngine, type SendResult } from './http/engine';
import type { ProxyOptions } from './http/proxy';
import { openWebSocket } from './ws/session';
import { Shaper } from './net/conditions';
import { H2_STREAMS_IN_FLIGHT } from '../core/timeline/prediction';
import type { NetworkConditions } from '../core/network';
import { AskAnswerer, type PromptFn } from './asks';
import type { OAuthTokens } from './auth/oauth2';
import { tlsFromEnvironment } from './http/clientCert';
import { environmentGetter, ScriptHost, type CheckResult } from './scripts/host';
import type { ScriptLimits } from './scripts/sandbox';

export interface FileRunOptions {
  /** Path of the .http file (absolute, or relative to the current directory). */
  file: string;
  /** The file's text when the caller has it (an unsaved editor buffer); else it is read. */
  text?: string;
  envName?: string;
  /** Run only these requests (by `@name` or `###` title), plus the ones they need. */
  names?: string[];
  mode: ConnectionMode;
  insecure?: boolean;
  /** A forward proxy for HTTP requests (WebSocket and HTTP/1.0 requests still connect directly). */
  proxy?: ProxyOptions;
  /** Simulated network conditions for every connection of the run (HTTP, h2, WebSocket, proxies). */
  network?: NetworkConditions;
  /** Default per-request timeout (a region's `# @timeout` wins). */
  timeoutMs?: number;
  /** Whole-run timeout: what is still running is cancelled, the rest is not sent. */
  runTimeoutMs?: number;
  signal?: AbortSignal;
  recorder: RunRecorder;
  workspaceRoot?: string;
  bodyLimitBytes?: number;
  tempDir?: string;
  /** Variables that win over environment files (the demo's server URLs, editor settings). */
  extraEnv?: Record<string, string>;
  processEnv?: Record<string, string | undefined>;
  /** How long a `# @keep-open` WebSocket session stays open; default until `signal` aborts. */
  keepOpenMs?: number;
  /**
   * Run `< {% %}` / `> {% %}` scripts and `?? js` lines (default true: the CLI is the user's own
   * command). False in an untrusted workspace: they are reported as not run.
   */
  allowScripts?: boolean;
  /** `client.global` values. Pass one Map to share them across runs (the editor does); default one per run. */
  globals?: Map<string, string>;
  scriptLimits?: ScriptLimits;
  /** Calls recorder.finish() at the end (default true). */
  finish?: boolean;
  onEvent?: (e: FileRunEvent) => void;
  /**
   * Asks the user for a `# @prompt` / `{{$input}}` value (a TTY prompt, an input box). Without it,
   * a value that neither the file, the environment nor `extraEnv` defines is a WL_VAR_PROMPT error.
   */
  prompt?: PromptFn;
  /** OAuth2 tokens kept across runs (the editor's session); else requested once per run. */
  tokens?: OAuthTokens;
}

export interface RegionResult {
  regionIndex: number;
  /** The file the region is in, when not the file that was run (`run ./other.http`, an imported request). */
  file?: string;
  name?: string;
  kind: 'http' | 'websocket';
  exchange?: Exchange;
  session?: WsSession;
  /** Decoded response body when it stayed under the body limit (for chaining and the editor). */
  body?: Buffer;
  bodyFile?: string;
  error?: ErrorInfo;
  /** `client.test` results, `??` lines and failed scripts of this request, in the order they ran. */
  checks?: CheckResult[];
  /** What its scripts wrote with `client.log`. */
  logs?: string[];
}

export interface SkippedRegion {
  regionIndex: number;
  /** As RegionResult.file. */
  file?: string;
  name?: string;
  error: ErrorInfo;
}

export type FileRunEvent =
  | { type: 'planned'; total: number }
  /** Before the request goes out: its secrets are known (a recording must redact them from now on). */
  | { type: 'resolved'; regionIndex: number; request: ResolvedRequest }
  /** Values to redact from now on that no request carries yet (an OAuth2 token, a typed password). */
  | { type: 'secrets'; values: string[] }
  | { type: 'skipped'; skipped: SkippedRegion }
  | { type: 'done'; result: RegionResult };

export interface FileRunResult {
  run: Run;
  results: RegionResult[];
  skipped: SkippedRegion[];
  /** Every value from private environments that any request used. */
  secrets: string[];
  /** A request or WebSocket session failed (network, TLS, timeout), or a script threw, timed out or ran out of memory. */
  failed: boolean;
  /** A region was skipped because the file does not parse there. */
  parseFailed: boolean;
}

const isConcurrent = (mode: ConnectionMode) => mode === 'h2' || mode.startsWith('pipeline:');

function inFlightFor(mode: ConnectionMode): number {
  if (mode === 'h2') return H2_STREAMS_IN_FLIGHT;
  const n = Number(mode.slice('pipeline:'.length));
  return Number.isInteger(n) && n > 0 ? Math.min(n, 64) : 1;
}

/** Admits callers in arrival order, `limit` at a time. */
class Gate {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly limit: number) {}
  async enter(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  leave(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}

export function displayPath(file: string, cwd = process.cwd()): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

function regionLabel(r: Region): string | undefined {
  return r.name ?? r.title;
}

function bodyText(req: ResolvedRequest): string | undefined {
  if (req.body?.kind !== 'bytes') return undefined;
  return Buffer.from(req.body.data).toString('utf8');
}

function errorInfo(err: unknown, fallback: ErrorInfo['source']): ErrorInfo {
  if (err instanceof WlError) {
    const info = err.toInfo();
    return { ...info, source: info.source ?? fallback };
  }
  return { code: 'WL_INTERNAL', message: err instanceof Error ? err.message : String(err), source: fallback };
}

/** One `.http` file of the run: the one run, a file it imports, or one a `run ./x.http` line runs. */
interface Doc {
  path: string;
  shown: string;
  file: HttpFile;
  ctx: ResolveContext;
  /** The first parse (or import) error in each region: that region is skipped. */
  regionErrors: Map<number, ParseDiagnostic>;
  imports: Doc[];
}

export async function runFile(opts: FileRunOptions): Promise<FileRunResult> {
  const filePath = resolvePath(opts.file);
  const shown = displayPath(filePath);
  let text = opts.text;
  if (text === undefined) {
    try {
      text = readFileSync(filePath, 'utf8');
    } catch {
      throw new WlError('WL_FILE_NOT_FOUND', `cannot read ${shown}`, { phase: 'parse' });
    }
  }
  const recorder = opts.recorder;
  if (!recorder.run.file) recorder.run.file = shown;
  if (opts.envName && !recorder.run.environment) recorder.run.environment = opts.envName;

  const named = new Map<string, NamedExchange>();
  const asked = new Map<string, string>();
  // Every region looks for the same environment files; one read per path per run is enough.
  const files = new Map<string, string | undefined>();
  const readFile = (p: string): string | undefined => {
    if (files.has(p)) return files.get(p);
    let content: string | undefined;
    try {
      content = readFileSync(p, 'utf8');
    } catch {
      content = undefined;
    }
    files.set(p, content);
    return content;
  };
  // Env files are searched from the file's folder up to here: the current folder when the
  // file lies below it (a project root), else the file's own folder.
  const workspaceRoot = opts.workspaceRoot ?? (displayPath(filePath) !== filePath ? process.cwd() : dirname(filePath));
  const contextFor = (path: string): ResolveContext => ({
    filePath: path,
    workspaceRoot,
    envName: opts.envName,
    readFile,
    fileExists: (p: string) => existsSync(p),
    processEnv: opts.processEnv ?? process.env,
    named,
    extraEnv: opts.extraEnv,
    asked,
  });

  const docs = new Map<string, Doc>();
  function loadDoc(path: string, parsed: HttpFile): Doc {
    const known = docs.get(path);
    if (known) return known;
    const ctx = contextFor(path);
    const doc: Doc = { path, shown: displayPath(path), file: parsed, ctx, regionErrors: new Map(), imports: [] };
    docs.set(path, doc);
    const imp = loadImports(path, parsed, { readFile, parse: parseHttpFile });
    ctx.imports = imp.files.map((f) => f.file);
    for (const d of [...parsed.diagnostics, ...imp.diagnostics]) {
      if (d.severity !== 'error') continue;
      const i = parsed.regions.findIndex((r) => d.range.start.line >= r.range.start.line && d.range.start.line <= r.range.end.line);
      if (i >= 0 && !doc.regionErrors.has(i)) doc.regionErrors.set(i, d);
    }
    doc.imports = imp.files.map((f) => loadDoc(f.path, f.file));
    return doc;
  }
  /** A file a `run` line names, parsed once per run; undefined when it cannot be read. */
  const docAt = (path: string): Doc | undefined => {
    const known = docs.get(path);
    if (known) return known;
    const content = readFile(path);
    return content === undefined ? undefined : loadDoc(path, parseHttpFile(content));
  };
  const main = loadDoc(filePath, parseHttpFile(text));
  const file = main.file;

  const results: RegionResult[] = [];
  const skipped: SkippedRegion[] = [];
  const secrets = new Set<string>();
  const emit = (e: FileRunEvent) => {
    try {
      opts.onEvent?.(e);
    } catch {
      // a listener (progress line, editor view) must not stop the run
    }
  };
  const answerer = new AskAnswerer({
    prompt: opts.prompt,
    tokens: opts.tokens,
    onSecrets: (values) => {
      for (const v of values) secrets.add(v);
      emit({ type: 'secrets', values });
    },
  });

  // The environment's SSLConfiguration: a client certificate for this run's TLS connections.
  const tlsEnv = opts.envName ? await tlsFromEnvironment(loadEnvironments(main.ctx), opts.envName, opts.prompt) : {};
  if (tlsEnv.clientCert?.passphrase) answerer.secrets.add(tlsEnv.clientCert.passphrase);

  // Cancellation from the caller and the whole-run timeout share one signal.
  const controller = new AbortController();
  const onAbort = () => controller.abort(opts.signal?.reason ?? new WlError('WL_CANCELLED', 'the run was cancelled', { phase: 'send' }));
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });
  const runTimer =
    opts.runTimeoutMs && opts.runTimeoutMs > 0
      ? setTimeout(() => controller.abort(new WlError('WL_TIMEOUT', `the whole run took longer than ${opts.runTimeoutMs} ms`, { phase: 'wait' })), opts.runTimeoutMs)
      : undefined;
  const signal = controller.signal;

  // One shaper per run: its links (bandwidth) are shared by all the run's connections.
  const shaper = opts.network ? new Shaper(opts.network) : undefined;
  if (opts.network) recorder.run.network = { ...opts.network };
  const engine = new HttpEngine({
    recorder,
    mode: opts.mode,
    insecure: opts.insecure || tlsEnv.insecure,
    timeoutMs: opts.timeoutMs,
    bodyLimitBytes: opts.bodyLimitBytes,
    tempDir: opts.tempDir,
    signal,
    proxy: opts.proxy,
    network: shaper,
    ...(tlsEnv.clientCert ? { clientCert: tlsEnv.clientCert } : {}),
  });

  const started = new Map<string, Promise<void>>();

  // Regions with a request, and regions holding `run` lines (they run where they stand).
  const hasRun = (r: Region) => r.directives.some((d) => d.name === 'run');
  const runnable = file.regions.map((r, i) => (r.request || hasRun(r) ? i : -1)).filter((i) => i >= 0);

  // Scripts: a host per file of the run (its lines name the script's place); the sandbox itself
  // loads only when a script actually runs. `client.global` is shared by all of them.
  const globals = opts.globals ?? new Map<string, string>();
  const scriptHosts = new Map<Doc, ScriptHost>();
  const hostFor = (doc: Doc): ScriptHost => {
    let h = scriptHosts.get(doc);
    if (!h) {
      h = new ScriptHost({
        shownFile: doc.shown,
        filePath: doc.path,
        lines: (doc === main ? text : readFileSync(doc.path, 'utf8')).split(/\r?\n/),
        globals,
        allowScripts: opts.allowScripts !== false,
        limits: opts.scriptLimits,
        envGet: environmentGetter(doc.ctx),
      });
      scriptHosts.set(doc, h);
    }
    return h;
  };
  let selected = runnable;
  if (opts.names && opts.names.length) {
    const want = new Set(opts.names);
    selected = runnable.filter((i) => {
      const r = file.regions[i];
      return (r.name !== undefined && want.has(r.name)) || (r.title !== undefined && want.has(r.title));
    });
    const found = new Set(selected.flatMap((i) => [file.regions[i].name, file.regions[i].title]));
    const missing = opts.names.filter((n) => !found.has(n));
    if (missing.length) {
      await engine.close();
      if (runTimer) clearTimeout(runTimer);
      throw new WlError('WL_USAGE', `no request named ${missing.map((m) => `'${m}'`).join(', ')} in ${shown}`);
    }
  }
  // `run` lines add requests: one for `run #name`, a file's requests for `run ./file.http` (one level deep).
  const runCount = (doc: Doc, r: Region): number =>
    r.directives.reduce((n, d) => {
      if (d.name !== 'run') return n;
      const t = parseRunTarget(d.value, doc.path);
      if (!t || t.kind === 'request') return n + (t ? 1 : 0);
      const other = t.path === doc.path ? undefined : docAt(t.path);
      return other ? n + other.file.regions.filter((x) => x.request).length : n;
    }, 0);
  emit({ type: 'planned', total: selected.reduce((n, i) => n + (file.regions[i].request ? 1 : 0) + runCount(main, file.regions[i]), 0) });

  const concurrent = isConcurrent(opts.mode);
  const gate = new Gate(concurrent ? inFlightFor(opts.mode) : 1);

  const skip = (doc: Doc, regionIndex: number, error: ErrorInfo) => {
    const s: SkippedRegion = { regionIndex, name: regionLabel(doc.file.regions[regionIndex]), error, ...(doc === main ? {} : { file: doc.shown }) };
    skipped.push(s);
    emit({ type: 'skipped', skipped: s });
  };
  const sourceOf = (doc: Doc, regionIndex: number, line?: number) => ({
    file: doc.shown,
    line: (line ?? doc.file.regions[regionIndex].request?.range.start.line ?? doc.file.regions[regionIndex].range.start.line) + 1,
  });

  // An import that cannot be read, in a region with nothing to send, is still reported.
  for (const [i, d] of main.regionErrors) {
    if (!file.regions[i].request && !hasRun(file.regions[i])) skip(main, i, { code: d.code, message: d.message, phase: 'resolve', source: sourceOf(main, i, d.range.start.line) });
  }
  /** A named request of this file, else of its imports. */
  const byName = (doc: Doc, name: string): [Doc, number] | undefined => {
    for (const d of [doc, ...doc.imports]) {
      const j = d.file.regions.findIndex((r) => r.request && (r.name === name || (r.name === undefined && r.title === name)));
      if (j >= 0) return [d, j];
    }
    return undefined;
  };

  function runRegion(doc: Doc, i: number, chain: string[]): Promise<void> {
    const key = `${doc.path}#${i}`;
    let p = started.get(key);
    if (!p) {
      p = doRegion(doc, i, chain, doc.ctx, [main.path], []);
      started.set(key, p);
    }
    return p;
  }

  /** `run #name` / `run ./file.http` at its place in the file; an error is reported and the run goes on. */
  async function runLine(doc: Doc, i: number, d: Directive, runningFiles: string[], runningRegions: string[]): Promise<void> {
    const at = sourceOf(doc, i, d.range.start.line);
    const fail = (code: string, message: string) => skip(doc, i, { code, message, phase: 'resolve', source: at });
    const target = parseRunTarget(d.value, doc.path);
    if (!target) return fail('WL_RUN_UNKNOWN', '`run` needs `#request-name` or a file path: `run #login`, `run ./setup.http`');
    // `run … (@host=example.com)` sets variables for that run only.
    const overrides = Object.entries(target.overrides);
    const withOverrides = (ctx: ResolveContext): ResolveContext =>
      overrides.length ? { ...ctx, asked: new Map([...asked, ...overrides.map(([k, v]): [string, string] => [`prompt:${k}`, v])]) } : ctx;
    if (target.kind === 'request') {
      let hit: [Doc, number] | undefined;
      for (const c of [doc, ...doc.imports]) {
        const j = findNamedRegion(c.file, target.name);
        if (j >= 0) {
          hit = [c, j];
          break;
        }
      }
      if (!hit)
        return fail(
          'WL_RUN_UNKNOWN',
          `run #${target.name}: no request named "${target.name}" in ${doc.shown}${doc.imports.length ? ' or its imports' : ' (import the file that defines it: `# @import ./other.http`)'}`,
        );
      const [td, j] = hit;
      const key = `${td.path}#${j}`;
      if (runningRegions.includes(key)) return fail('WL_RUN_CYCLE', `run #${target.name} runs a request that is already running (a cycle of run lines)`);
      await doRegion(td, j, [], withOverrides(td.ctx), runningFiles, [...runningRegions, key]);
      return;
    }
    if (runningFiles.includes(target.path)) {
      return fail('WL_RUN_CYCLE', `run ${d.value.trim()}: ${displayPath(target.path)} is already running (${[...runningFiles, target.path].map((f) => displayPath(f)).join(' → ')})`);
    }
    const other = docAt(target.path);
    if (!other) return fail('WL_RUN_NOT_FOUND', `cannot run ${d.value.trim()}: no such file (looked at ${target.path})`);
    for (let k = 0; k < other.file.regions.length; k++) {
      const r = other.file.regions[k];
      if (r.request || hasRun(r)) await doRegion(other, k, [], withOverrides(other.ctx), [...runningFiles, target.path], runningRegions);
    }
  }

  async function doRegion(doc: Doc, i: number, chain: string[], ctx: ResolveContext, runningFiles: string[], runningRegions: string[]): Promise<void> {
    const region = doc.file.regions[i];
    for (const d of region.directives) {
      if (d.name !== 'run' || signal.aborted) continue;
      await runLine(doc, i, d, runningFiles, runningRegions);
    }
    if (!region.request) return;
    if (signal.aborted) return skip(doc, i, { code: 'WL_CANCELLED', message: 'not sent: the run was cancelled or timed out', source: sourceOf(doc, i) });
    const parseErr = doc.regionErrors.get(i);
    if (parseErr) {
      return skip(doc, i, {
        code: parseErr.code || 'WL_PARSE',
        message: parseErr.message,
        phase: parseErr.code.startsWith('WL_PARSE') ? 'parse' : 'resolve',
        source: sourceOf(doc, i, parseErr.range.start.line),
      });
    }

    // Variables from this request's pre-request scripts, then from `client.global`, win over the file's.
    const scriptHost = hostFor(doc);
    const requestVars = new Map<string, string>();
    const rctx: ResolveContext = { ...ctx, scriptVariable: (n) => requestVars.get(n) ?? globals.get(n) };
    const pre = await scriptHost.preRequest(region, requestVars);
    let res = resolveRegion(doc.file, i, rctx);
    for (let round = 0; (res.needs.length > 0 || res.asks.length > 0) && round < 8; round++) {
      if (res.needs.length === 0) {
        try {
          await answerer.answer(res.asks, doc.file, rctx, engine, sourceOf(doc, i), signal);
        } catch (err) {
          return skip(doc, i, errorInfo(err, sourceOf(doc, i)));
        }
        res = resolveRegion(doc.file, i, rctx);
        continue;
      }
      const label = regionLabel(region);
      for (const need of res.needs) {
        if (named.has(need)) continue;
        const hit = byName(doc, need);
        if (!hit || (hit[0] === doc && hit[1] === i) || chain.includes(need)) {
          return skip(doc, i, {
            code: 'WL_VAR_UNRESOLVED',
            message: !hit ? `no request named '${need}' to send first` : `'${need}' depends on this request (a cycle)`,
            phase: 'resolve',
            source: sourceOf(doc, i),
          });
        }
        await runRegion(hit[0], hit[1], label ? [...chain, label] : chain);
      }
      const missing = res.needs.filter((n) => !named.has(n));
      if (missing.length) {
        return skip(doc, i, { code: 'WL_VAR_UNRESOLVED', message: `needs the response of '${missing[0]}', which failed or was not sent`, phase: 'resolve', source: sourceOf(doc, i) });
      }
      res = resolveRegion(doc.file, i, rctx);
    }
    let req = res.request;
    if (!req) {
      const d = res.diagnostics.find((x) => x.severity === 'error') ?? res.diagnostics[0];
      return skip(doc, i, {
        code: d?.code ?? 'WL_RESOLVE',
        message: d?.message ?? 'this request could not be resolved',
        phase: d?.code?.startsWith('WL_PARSE') ? 'parse' : 'resolve',
        source: sourceOf(doc, i, d?.range.start.line),
      });
    }
    // A `###` title is the request's name when it has no `@name` (HTTP-SYNTAX.md).
    if (!req.name && req.title) req = { ...req, name: req.title };
    // Typed secrets (a prompted password) reach the request through plain variables: redact them too.
    if (answerer.secrets.size) req = { ...req, secrets: [...new Set([...req.secrets, ...answerer.secrets])] };
    for (const s of req.secrets) secrets.add(s);
    emit({ type: 'resolved', regionIndex: i, request: req });

    const result = req.kind === 'websocket' ? await sendWebSocket(i, req) : await sendHttp(i, req);
    if (doc !== main) result.file = doc.shown;
    const ex = result.exchange;
    const after =
      ex?.response && !result.error
        ? await scriptHost.afterResponse(region, { exchange: ex, connection: recorder.run.connections.find((c) => c.id === ex.connectionId), body: result.body?.toString('utf8') }, requestVars)
        : undefined;
    const checks = [...pre.checks, ...(after?.checks ?? [])];
    if (checks.length) result.checks = checks;
    const logs = [...pre.logs, ...(after?.logs ?? [])];
    if (logs.length) result.logs = logs;
    results.push(result);
    emit({ type: 'done', result });
  }

  async function sendHttp(i: number, req: ResolvedRequest): Promise<RegionResult> {
    await gate.enter();
    let sent: SendResult | undefined;
    let error: ErrorInfo | undefined;
    try {
      sent = await engine.send(req, { signal });
    } catch (err) {
      error = errorInfo(err, req.source);
    } finally {
      gate.leave();
    }
    const exchange = sent?.exchange;
    error = error ?? exchange?.error;
    if (req.name && exchange) {
      named.set(req.name, {
        request: { url: exchange.request.url || req.url, method: req.method, headers: exchange.request.headers.length ? exchange.request.headers : req.headers, body: bodyText(req) },
        response:
          exchange.response && !exchange.error
            ? { status: exchange.response.status, headers: exchange.response.headers, body: sent?.body?.toString('utf8') ?? exchange.response.body?.text }
            : undefined,
      });
      if (!exchange.response || exchange.error) named.delete(req.name);
    }
    return { regionIndex: i, name: req.name ?? req.title, kind: 'http', exchange, body: sent?.body, bodyFile: sent?.bodyFile, error };
  }

  async function sendWebSocket(i: number, req: ResolvedRequest): Promise<RegionResult> {
    // A session's frames read best when nothing else is in flight around it.
    await gate.enter();
    const result: RegionResult = { regionIndex: i, name: req.name ?? req.title, kind: 'websocket' };
    try {
      const handle = await openWebSocket(req, {
        recorder,
        insecure: opts.insecure || tlsEnv.insecure || req.insecure,
        timeoutMs: req.timeoutMs ?? opts.timeoutMs,
        signal,
        network: shaper,
        clientCert: tlsEnv.clientCert,
      });
      result.exchange = handle.exchange;
      result.session = handle.session;
      try {
        await handle.runScript(req.wsSteps);
        if (req.keepOpen && !signal.aborted) await waitKeepOpen(handle.closed, opts.keepOpenMs, signal);
      } catch (err) {
        result.error = errorInfo(err, req.source);
      } finally {
        await handle.close(1000, result.error ? 'script failed' : 'done').catch(() => undefined);
      }
      if (!result.error && handle.session.error) result.error = handle.session.error;
      if (req.name) named.set(req.name, { request: { url: req.url, method: req.method, headers: req.headers } });
    } catch (err) {
      result.error = errorInfo(err, req.source);
      // openWebSocket recorded the failed upgrade before rejecting.
      result.exchange = [...recorder.run.exchanges].reverse().find((x) => x.source?.line === req.source.line && x.error);
    } finally {
      gate.leave();
    }
    return result;
  }

  try {
    if (!concurrent) {
      for (const i of selected) await runRegion(main, i, []);
    } else {
      const pending: Promise<void>[] = [];
      for (const i of selected) {
        if (file.regions[i].request?.kind === 'websocket') {
          // Sessions run alone: wait for the requests before, and finish before the next.
          await Promise.all(pending);
          await runRegion(main, i, []);
        } else {
          pending.push(runRegion(main, i, []));
        }
      }
      await Promise.all(pending);
    }
  } finally {
    if (runTimer) clearTimeout(runTimer);
    opts.signal?.removeEventListener('abort', onAbort);
    for (const h of scriptHosts.values()) h.dispose();
    await engine.close().catch(() => undefined);
  }
  const run = opts.finish === false ? recorder.run : recorder.finish();
  results.sort((a, b) => (a.exchange?.index ?? Infinity) - (b.exchange?.index ?? Infinity));
  const scriptFailed = results.some((r) => r.checks?.some((c) => c.kind === 'script' && !c.passed && c.error?.code !== 'WL_SCRIPTS_UNTRUSTED'));
  const failed = scriptFailed || results.some((r) => r.error) || skipped.some((s) => !s.error.code.startsWith('WL_PARSE'));
  const parseFailed = skipped.some((s) => s.error.code.startsWith('WL_PARSE'));
  return { run, results, skipped, secrets: [...secrets], failed, parseFailed };
}

function waitKeepOpen(closed: Promise<void>, ms: number | undefined, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = ms !== undefined && ms >= 0 ? setTimeout(done, ms) : undefined;
    function done() {
      if (timer) clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
    closed.then(done, done);
  });
}
