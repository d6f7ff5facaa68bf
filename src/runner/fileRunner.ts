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
import { resolveRegion, type NamedExchange, type ResolveContext } from '../core/variables/index';
import type { ResolvedRequest } from '../core/request';
import type { ConnectionMode, Exchange, Run, WsSession } from '../core/timeline/model';
import type { RunRecorder } from '../core/timeline/recorder';
import { WlError, type ErrorInfo } from '../core/errors';
import { HttpEngine, type SendResult } from './http/engine';
import type { ProxyOptions } from './http/proxy';
import { openWebSocket } from './ws/session';
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
}

export interface RegionResult {
  regionIndex: number;
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
  name?: string;
  error: ErrorInfo;
}

export type FileRunEvent =
  | { type: 'planned'; total: number }
  /** Before the request goes out: its secrets are known (a recording must redact them from now on). */
  | { type: 'resolved'; regionIndex: number; request: ResolvedRequest }
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
  if (mode === 'h2') return 64;
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
  const file: HttpFile = parseHttpFile(text);
  const recorder = opts.recorder;
  if (!recorder.run.file) recorder.run.file = shown;
  if (opts.envName && !recorder.run.environment) recorder.run.environment = opts.envName;

  const named = new Map<string, NamedExchange>();
  // Every region looks for the same environment files; one read per path per run is enough.
  const files = new Map<string, string | undefined>();
  const ctx: ResolveContext = {
    filePath,
    // Env files are searched from the file's folder up to here: the current folder when the
    // file lies below it (a project root), else the file's own folder.
    workspaceRoot: opts.workspaceRoot ?? (displayPath(filePath) !== filePath ? process.cwd() : dirname(filePath)),
    envName: opts.envName,
    readFile: (p) => {
      if (files.has(p)) return files.get(p);
      let content: string | undefined;
      try {
        content = readFileSync(p, 'utf8');
      } catch {
        content = undefined;
      }
      files.set(p, content);
      return content;
    },
    fileExists: (p: string) => existsSync(p),
    processEnv: opts.processEnv ?? process.env,
    named,
    extraEnv: opts.extraEnv,
  };

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

  const engine = new HttpEngine({
    recorder,
    mode: opts.mode,
    insecure: opts.insecure,
    timeoutMs: opts.timeoutMs,
    bodyLimitBytes: opts.bodyLimitBytes,
    tempDir: opts.tempDir,
    signal,
    proxy: opts.proxy,
  });

  const results: RegionResult[] = [];
  const skipped: SkippedRegion[] = [];
  const secrets = new Set<string>();
  const started = new Map<number, Promise<void>>();
  const emit = (e: FileRunEvent) => {
    try {
      opts.onEvent?.(e);
    } catch {
      // a listener (progress line, editor view) must not stop the run
    }
  };

  const regionErrors = new Map<number, ParseDiagnostic>();
  for (const d of file.diagnostics) {
    if (d.severity !== 'error') continue;
    const i = file.regions.findIndex((r) => d.range.start.line >= r.range.start.line && d.range.start.line <= r.range.end.line);
    if (i >= 0 && !regionErrors.has(i)) regionErrors.set(i, d);
  }

  // Scripts: a host per run; the sandbox itself loads only when a script actually runs.
  const globals = opts.globals ?? new Map<string, string>();
  const scriptHost = new ScriptHost({
    shownFile: shown,
    filePath,
    lines: text.split(/\r?\n/),
    globals,
    allowScripts: opts.allowScripts !== false,
    limits: opts.scriptLimits,
    envGet: environmentGetter(ctx),
  });

  const runnable = file.regions.map((r, i) => (r.request ? i : -1)).filter((i) => i >= 0);
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
  emit({ type: 'planned', total: selected.length });

  const concurrent = isConcurrent(opts.mode);
  const gate = new Gate(concurrent ? inFlightFor(opts.mode) : 1);

  const skip = (regionIndex: number, error: ErrorInfo) => {
    const s: SkippedRegion = { regionIndex, name: regionLabel(file.regions[regionIndex]), error };
    skipped.push(s);
    emit({ type: 'skipped', skipped: s });
  };
  const sourceOf = (regionIndex: number, line?: number) => ({ file: shown, line: (line ?? file.regions[regionIndex].request?.range.start.line ?? file.regions[regionIndex].range.start.line) + 1 });

  const byName = (name: string) => file.regions.findIndex((r) => r.request && (r.name === name || (r.name === undefined && r.title === name)));

  function runRegion(i: number, chain: string[]): Promise<void> {
    let p = started.get(i);
    if (!p) {
      p = doRegion(i, chain);
      started.set(i, p);
    }
    return p;
  }

  async function doRegion(i: number, chain: string[]): Promise<void> {
    const region = file.regions[i];
    if (signal.aborted) return skip(i, { code: 'WL_CANCELLED', message: 'not sent: the run was cancelled or timed out', source: sourceOf(i) });
    const parseErr = regionErrors.get(i);
    if (parseErr) return skip(i, { code: parseErr.code || 'WL_PARSE', message: parseErr.message, phase: 'parse', source: sourceOf(i, parseErr.range.start.line) });

    // Variables from this request's pre-request scripts, then from `client.global`, win over the file's.
    const requestVars = new Map<string, string>();
    const rctx: ResolveContext = { ...ctx, scriptVariable: (n) => requestVars.get(n) ?? globals.get(n) };
    const pre = await scriptHost.preRequest(region, requestVars);
    let res = resolveRegion(file, i, rctx);
    for (let round = 0; res.needs.length > 0 && round < 8; round++) {
      const label = regionLabel(region);
      for (const need of res.needs) {
        if (named.has(need)) continue;
        const j = byName(need);
        if (j < 0 || j === i || chain.includes(need)) {
          return skip(i, { code: 'WL_VAR_UNRESOLVED', message: j < 0 ? `no request named '${need}' to send first` : `'${need}' depends on this request (a cycle)`, phase: 'resolve', source: sourceOf(i) });
        }
        await runRegion(j, label ? [...chain, label] : chain);
      }
      const missing = res.needs.filter((n) => !named.has(n));
      if (missing.length) {
        return skip(i, { code: 'WL_VAR_UNRESOLVED', message: `needs the response of '${missing[0]}', which failed or was not sent`, phase: 'resolve', source: sourceOf(i) });
      }
      res = resolveRegion(file, i, rctx);
    }
    let req = res.request;
    if (!req) {
      const d = res.diagnostics.find((x) => x.severity === 'error') ?? res.diagnostics[0];
      return skip(i, {
        code: d?.code ?? 'WL_RESOLVE',
        message: d?.message ?? 'this request could not be resolved',
        phase: d?.code?.startsWith('WL_PARSE') ? 'parse' : 'resolve',
        source: sourceOf(i, d?.range.start.line),
      });
    }
    // A `###` title is the request's name when it has no `@name` (HTTP-SYNTAX.md).
    if (!req.name && req.title) req = { ...req, name: req.title };
    for (const s of req.secrets) secrets.add(s);
    emit({ type: 'resolved', regionIndex: i, request: req });

    const result = req.kind === 'websocket' ? await sendWebSocket(i, req) : await sendHttp(i, req);
    const ex = result.exchange;
    const after = ex?.response && !result.error ? await scriptHost.afterResponse(region, { exchange: ex, connection: recorder.run.connections.find((c) => c.id === ex.connectionId), body: result.body?.toString('utf8') }, requestVars) : undefined;
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
        response: exchange.response && !exchange.error ? { status: exchange.response.status, headers: exchange.response.headers, body: sent?.body?.toString('utf8') ?? exchange.response.body?.text } : undefined,
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
      const handle = await openWebSocket(req, { recorder, insecure: opts.insecure || req.insecure, timeoutMs: req.timeoutMs ?? opts.timeoutMs, signal });
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
      for (const i of selected) await runRegion(i, []);
    } else {
      const pending: Promise<void>[] = [];
      for (const i of selected) {
        if (file.regions[i].request?.kind === 'websocket') {
          // Sessions run alone: wait for the requests before, and finish before the next.
          await Promise.all(pending);
          await runRegion(i, []);
        } else {
          pending.push(runRegion(i, []));
        }
      }
      await Promise.all(pending);
    }
  } finally {
    if (runTimer) clearTimeout(runTimer);
    opts.signal?.removeEventListener('abort', onAbort);
    scriptHost.dispose();
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
