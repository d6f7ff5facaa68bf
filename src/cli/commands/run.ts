// `wirelane run FILE`: sends the file's requests and WebSocket scripts, prints one row per
// exchange (which connection, new or reused, how long) and writes a HAR on request.

import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { WlError, formatError, type ErrorInfo } from '../../core/errors';
import type { ConnectionMode } from '../../core/timeline/model';
import { RunRecorder } from '../../core/timeline/recorder';
import { runFile, type FileRunEvent, type FileRunOptions, type FileRunResult, type SkippedRegion } from '../../runner/fileRunner';
import { HarFileWriter } from '../../runner/harFile';
import { renderRunTable, runToJson, styleFor, summaryLine, type Style } from '../table';
import { writeHtmlReport } from '../htmlReport';
import { io } from '../io';
import { terminalPrompt } from '../prompt';
import { parseProxy, proxyFromEnv, splitNoProxy, type ProxyOptions } from '../../runner/http/proxy';
import { describeNetwork, resolveNetwork, type NetworkConditions } from '../../core/network';

const MODE_RE = /^(keep-alive|close|h2|pipeline:[1-9][0-9]*)$/;

export function parseMode(value: string | undefined, fallback: ConnectionMode = 'keep-alive'): ConnectionMode {
  if (value === undefined) return fallback;
  if (!MODE_RE.test(value)) throw new WlError('WL_USAGE', `unknown mode '${value}': use keep-alive, close, pipeline:N or h2`);
  return value as ConnectionMode;
}

export function parseMs(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new WlError('WL_USAGE', `${flag} needs milliseconds, got '${value}'`);
  return n;
}

/** `--var name=value` pairs, for values a script passes without an environment file. */
export function parseVars(values: string[] | undefined): Record<string, string> | undefined {
  if (!values?.length) return undefined;
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new WlError('WL_USAGE', `--var needs NAME=VALUE, got '${v}'`);
    out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}

export function parseCli<T extends Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new WlError('WL_USAGE', err instanceof Error ? err.message.split('\n')[0] : String(err));
  }
}

export function requireFile(positionals: string[], what = 'a .http file'): string {
  if (positionals.length !== 1) throw new WlError('WL_USAGE', positionals.length ? `expected one file, got ${positionals.length}` : `expected ${what}`);
  const file = resolvePath(positionals[0]);
  if (!existsSync(file)) throw new WlError('WL_USAGE', `no such file: ${positionals[0]}`);
  return file;
}

/** A one-line "[12/200] name" on a terminal; nothing anywhere else. */
export class Progress {
  private done = 0;
  private total = 0;
  private lastDraw = 0;
  private shown = false;
  // Short runs finish before a progress line would help; it appears only after this.
  private readonly quietUntil = Date.now() + 300;
  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly enabled = Boolean(stream.isTTY),
  ) {}
  onEvent(e: FileRunEvent, label = ''): void {
    if (!this.enabled) return;
    if (e.type === 'planned') this.total = e.total;
    else if (e.type === 'done' || e.type === 'skipped') this.done++;
    else return;
    const now = Date.now();
    if (now < this.quietUntil || (now - this.lastDraw < 100 && this.done < this.total)) return;
    this.lastDraw = now;
    const what = e.type === 'done' ? (e.result.name ?? e.result.exchange?.request.url ?? '') : e.type === 'skipped' ? (e.skipped.name ?? '') : '';
    const cols = this.stream.columns || 80;
    const line = `${label}[${this.done}/${this.total}] ${what}`.slice(0, cols - 1);
    this.stream.write(`\r\u001b[K${line}`);
    this.shown = true;
  }
  clear(): void {
    if (this.shown) this.stream.write('\r\u001b[K');
    this.shown = false;
  }
}

/** First Ctrl-C cancels the run (its table and HAR are still written); a second one exits. */
export function cancelOnSigint(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  let count = 0;
  const handler = () => {
    count++;
    if (count === 1) controller.abort(new WlError('WL_CANCELLED', 'cancelled with Ctrl-C', { phase: 'send' }));
    else process.exit(130);
  };
  process.on('SIGINT', handler);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', handler) };
}

export function skippedLines(skipped: SkippedRegion[], style: Style): string[] {
  // After a Ctrl-C or a run timeout, one line says how many were not sent instead of hundreds.
  const cancelled = skipped.filter((s) => s.error.code === 'WL_CANCELLED');
  const lines = skipped.filter((s) => s.error.code !== 'WL_CANCELLED').map((s) => `${style.yellow('skipped')} ${s.name ? `${s.name} ` : ''}${formatError(s.error as ErrorInfo)}`);
  if (cancelled.length) lines.push(`${style.yellow('not sent')} ${cancelled.length} request${cancelled.length === 1 ? '' : 's'}: the run was cancelled or timed out`);
  return lines;
}

/** The recording is opened before anything is sent: a path that cannot be written is bad usage. */
export function openHar(path: string | undefined, keepSecrets?: boolean): HarFileWriter | undefined {
  if (!path) return undefined;
  const har = new HarFileWriter({ path: resolvePath(path), keepSecrets });
  if (har.lastError) {
    har.close();
    throw new WlError('WL_USAGE', `cannot write the HAR to ${path}: ${har.lastError.message}`);
  }
  return har;
}

/** `--proxy URL` (with NO_PROXY), else HTTPS_PROXY / HTTP_PROXY / NO_PROXY; `--proxy off` connects directly. */
export function proxyOption(flag: string | undefined, env: Record<string, string | undefined> = process.env): ProxyOptions | undefined {
  if (flag !== undefined && /^(?:off|none|direct|)$/i.test(flag.trim())) return undefined;
  const opts = flag !== undefined ? { url: flag.trim(), noProxy: splitNoProxy(env.NO_PROXY ?? env.no_proxy) } : proxyFromEnv(env);
  if (!opts) return undefined;
  try {
    parseProxy(opts);
  } catch (e) {
    throw new WlError('WL_USAGE', `${flag !== undefined ? '--proxy' : 'HTTPS_PROXY/HTTP_PROXY'}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return opts;
}

/** What scripts said (`client.log`) and scripts that failed; test outcomes are `wirelane test`'s to report. */
export function scriptLines(result: FileRunResult, style: Style): string[] {
  const lines: string[] = [];
  for (const r of result.results) {
    for (const l of r.logs ?? []) lines.push(style.dim(`log ${r.name ? `${r.name}: ` : ''}${l}`));
    for (const c of r.checks ?? []) if (c.kind === 'script' && !c.passed && c.error) lines.push(`${style.red('script failed')} ${formatError(c.error)}`);
  }
  const tests = result.results.flatMap((r) => (r.checks ?? []).filter((c) => c.kind !== 'script'));
  const failed = tests.filter((c) => !c.passed).length;
  if (tests.length) lines.push(style.dim(`${tests.length - failed} of ${tests.length} tests passed (details: wirelane test)`));
  return lines;
}

export function exitCodeFor(result: FileRunResult): number {
  if (result.parseFailed) return 2;
  return result.failed ? 1 : 0;
}

/** Options `run` and `compare` share: what to send, how, and where to write it. */
export const SENDING_OPTIONS = {
  env: { type: 'string' },
  name: { type: 'string', multiple: true },
  insecure: { type: 'boolean' },
  proxy: { type: 'string' },
  timeout: { type: 'string' },
  har: { type: 'string' },
  html: { type: 'string' },
  json: { type: 'boolean' },
  'keep-secrets': { type: 'boolean' },
  var: { type: 'string', multiple: true },
  rtt: { type: 'string' },
  down: { type: 'string' },
  up: { type: 'string' },
  network: { type: 'string' },
} as const;

/** `--network PRESET|RTT/DOWN/UP|off`, `--rtt MS`, `--down KBPS`, `--up KBPS`: simulated conditions, or none. */
export function networkOption(values: { network?: string; rtt?: string; down?: string; up?: string }): NetworkConditions | undefined {
  return resolveNetwork(values);
}

/** The line that says the timings were taken under simulated conditions. */
export function networkLine(c: NetworkConditions | undefined, style: Style): string[] {
  return c ? [style.yellow(`${describeNetwork(c)} (timings are of the simulated link, not your network)`)] : [];
}

/** The terminal prompt, with the progress line cleared while a question is on screen. */
function promptWithProgress(progress: Progress): FileRunOptions['prompt'] {
  const ask = terminalPrompt();
  return ask && ((name, description, o) => (progress.clear(), ask(name, description, o)));
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCli(argv, {
    ...SENDING_OPTIONS,
    mode: { type: 'string' },
    'run-timeout': { type: 'string' },
    duration: { type: 'string' },
  });
  const file = requireFile(positionals);
  const mode = parseMode(values.mode);
  const timeoutMs = parseMs(values.timeout, '--timeout');
  const runTimeoutMs = parseMs(values['run-timeout'], '--run-timeout');
  const keepOpenMs = parseMs(values.duration, '--duration');
  const extraEnv = parseVars(values.var);
  const proxy = proxyOption(values.proxy);
  const network = networkOption(values);
  const style = values.json ? styleFor({ isTTY: false }) : styleFor(io.out);

  const recorder = new RunRecorder({ mode, environment: values.env });
  const har = openHar(values.har, values['keep-secrets']);
  har?.attach(recorder);
  const progress = new Progress(process.stderr);
  const sigint = cancelOnSigint();
  let result: FileRunResult;
  try {
    result = await runFile({
      file,
      envName: values.env,
      names: values.name,
      mode,
      insecure: values.insecure,
      proxy,
      network,
      timeoutMs,
      runTimeoutMs,
      keepOpenMs,
      extraEnv,
      recorder,
      signal: sigint.signal,
      prompt: promptWithProgress(progress),
      onEvent: (e) => {
        if (e.type === 'resolved') har?.addSecrets(e.request.secrets);
        if (e.type === 'secrets') har?.addSecrets(e.values);
        progress.onEvent(e);
      },
    });
  } catch (err) {
    progress.clear();
    har?.close();
    if (err instanceof WlError) {
      process.stderr.write(`wirelane: ${formatError(err.toInfo())}\n`);
      return err.code === 'WL_USAGE' || err.code === 'WL_FILE_NOT_FOUND' || err.code.startsWith('WL_PARSE') ? 2 : 1;
    }
    throw err;
  } finally {
    sigint.dispose();
  }
  progress.clear();
  for (const s of result.secrets) har?.addSecrets([s]);
  har?.close();
  if (har?.lastError) process.stderr.write(`wirelane: could not write ${values.har}: ${har.lastError.message}\n`);

  const htmlWritten = values.html ? await writeHtmlReport([result.run], resolvePath(values.html), { secrets: result.secrets, keepSecrets: values['keep-secrets'] }) : undefined;

  if (values.json) {
    const checks = result.results.filter((r) => r.checks?.length || r.logs?.length).map((r) => ({ index: r.exchange?.index, name: r.name, checks: r.checks ?? [], logs: r.logs ?? [] }));
    const out = { ...(runToJson(result.run) as object), network, skipped: result.skipped, checks, har: values.har, html: htmlWritten ? values.html : undefined };
    io.out.write(JSON.stringify(out, null, 2) + '\n');
  } else {
    const lines = [renderRunTable(result.run, { style, width: io.out.columns || 120 })];
    lines.push(...skippedLines(result.skipped, style));
    lines.push(...scriptLines(result, style));
    lines.push('', summaryLine(result.run, style), ...networkLine(network, style));
    if (har && !har.lastError) lines.push(style.dim(`HAR written to ${values.har}`));
    if (values.html && htmlWritten) lines.push(style.dim(`report written to ${values.html}`));
    io.out.write(lines.join('\n') + '\n');
  }
  const code = exitCodeFor(result);
  return htmlWritten === false ? Math.max(code, 1) : code;
}
