// `wirelane compare FILE`: the same requests in several connection modes, side by side —
// connections opened, TCP/TLS handshakes, total and per-request time. Each mode gets a fresh
// engine (no connection survives from one mode to the next) and ids prefixed by the mode.

import { resolve as resolvePath } from 'node:path';
import type { ConnectionMode } from '../../core/timeline/model';
import { RunRecorder } from '../../core/timeline/recorder';
import { runFile, type FileRunResult } from '../../runner/fileRunner';
import { HarFileWriter } from '../../runner/harFile';
import { renderCompareTable, styleFor, summarize, summaryLine, type Style } from '../table';
import { writeHtmlReport } from '../htmlReport';
import { io } from '../io';
import { cancelOnSigint, networkLine, networkOption, openHar, parseCli, parseMode, parseMs, parseVars, Progress, proxyOption, requireFile, SENDING_OPTIONS, skippedLines } from './run';
import type { NetworkConditions } from '../../core/network';
import { predict, predictionInput, type Prediction } from '../../core/timeline/prediction';
import { terminalPrompt } from '../prompt';
import type { ProxyOptions } from '../../runner/http/proxy';
import { WlError } from '../../core/errors';

export const DEFAULT_MODES: ConnectionMode[] = ['close', 'keep-alive', 'pipeline:4', 'h2'];

export function parseModes(value: string | undefined): ConnectionMode[] {
  if (value === undefined) return DEFAULT_MODES;
  const modes = value
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean)
    .map((m) => parseMode(m));
  if (modes.length === 0) throw new WlError('WL_USAGE', '--modes needs at least one mode');
  return [...new Set(modes)];
}

export interface CompareOptions {
  file: string;
  modes: ConnectionMode[];
  envName?: string;
  names?: string[];
  insecure?: boolean;
  proxy?: ProxyOptions;
  /** Simulated network conditions, the same for every mode. */
  network?: NetworkConditions;
  timeoutMs?: number;
  extraEnv?: Record<string, string>;
  signal?: AbortSignal;
  har?: HarFileWriter;
  progress?: Progress;
}

export async function compareModes(o: CompareOptions): Promise<Array<{ mode: ConnectionMode; result: FileRunResult }>> {
  const out: Array<{ mode: ConnectionMode; result: FileRunResult }> = [];
  for (const mode of o.modes) {
    if (o.signal?.aborted) break;
    const recorder = new RunRecorder({ mode, idPrefix: `${mode}/`, label: mode, environment: o.envName });
    o.har?.attach(recorder);
    const result = await runFile({
      file: o.file,
      envName: o.envName,
      names: o.names,
      mode,
      insecure: o.insecure,
      proxy: o.proxy,
      network: o.network,
      timeoutMs: o.timeoutMs,
      extraEnv: o.extraEnv,
      prompt: terminalPrompt(),
      recorder,
      signal: o.signal,
      // A compare measures connections, not sessions held open for a person.
      keepOpenMs: 0,
      onEvent: (e) => {
        if (e.type === 'resolved') o.har?.addSecrets(e.request.secrets);
        if (e.type === 'secrets') o.har?.addSecrets(e.values);
        o.progress?.onEvent(e, `${mode} `);
      },
    });
    out.push({ mode, result });
  }
  o.progress?.clear();
  return out;
}

/** The textbook's prediction for a mode's run, when it ran under simulated conditions. */
export function predictionOf(run: FileRunResult['run']): Prediction | undefined {
  return run.network ? predict(predictionInput(run), run.network) : undefined;
}

const fmtMs = (ms: number) => `${Math.round(ms)} ms`;

export function renderCompare(results: Array<{ mode: ConnectionMode; result: FileRunResult }>, style: Style): string {
  const lines = [
    renderCompareTable(
      results.map((r) => ({ mode: r.mode, run: r.result.run })),
      style,
    ),
    '',
  ];
  for (const r of results) {
    lines.push(`${style.bold(r.mode.padEnd(11))} ${summaryLine(r.result.run, style)}`);
    for (const l of skippedLines(r.result.skipped, style)) lines.push(`            ${l}`);
    for (const x of r.result.results) if (x.error) lines.push(`            ${style.red('✗')} ${x.name ?? x.exchange?.request.url ?? ''} ${x.error.code}: ${x.error.message}`);
  }
  const network = results.find((r) => r.result.run.network)?.result.run.network;
  if (network) {
    lines.push('', ...networkLine(network, style), style.bold('measured (first request → last response) beside the textbook model:'));
    for (const r of results) {
      const p = predictionOf(r.result.run);
      if (!p) continue;
      const m = predictionInput(r.result.run).measuredMs;
      lines.push(`${style.bold(r.mode.padEnd(11))} measured ${fmtMs(m)}, model ${fmtMs(p.modelMs)}${p.ratio !== undefined ? ` (×${p.ratio.toFixed(2)})` : ''}: ${p.formula}`);
      lines.push(`            ${style.dim(p.explanation)}`);
    }
  }
  return lines.join('\n');
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCli(argv, { ...SENDING_OPTIONS, modes: { type: 'string' } });
  const file = requireFile(positionals);
  const modes = parseModes(values.modes);
  const proxy = proxyOption(values.proxy);
  const network = networkOption(values);
  const har = openHar(values.har, values['keep-secrets']);
  const sigint = cancelOnSigint();
  let results;
  try {
    results = await compareModes({
      file,
      modes,
      envName: values.env,
      names: values.name,
      insecure: values.insecure,
      proxy,
      network,
      timeoutMs: parseMs(values.timeout, '--timeout'),
      extraEnv: parseVars(values.var),
      signal: sigint.signal,
      har,
      progress: new Progress(process.stderr),
    });
  } finally {
    sigint.dispose();
    har?.close();
  }
  const secrets = [...new Set(results.flatMap((r) => r.result.secrets))];
  const html = values.html
    ? await writeHtmlReport(
        results.map((r) => r.result.run),
        resolvePath(values.html),
        { secrets, keepSecrets: values['keep-secrets'], title: 'compare' },
      )
    : undefined;
  if (values.json) {
    const out = results.map((r) => {
      const p = predictionOf(r.result.run);
      const model = p ? { measuredMs: predictionInput(r.result.run).measuredMs, modelMs: p.modelMs, ratio: p.ratio, formula: p.formula, explanation: p.explanation } : undefined;
      return { mode: r.mode, ...summarize(r.result.run), skipped: r.result.skipped.length, model };
    });
    io.out.write(JSON.stringify({ file: positionals[0], network, modes: out, har: values.har, html: html ? values.html : undefined }, null, 2) + '\n');
  } else {
    const style = styleFor(io.out);
    let text = renderCompare(results, style);
    if (har && !har.lastError) text += `\n${style.dim(`HAR written to ${values.har}`)}`;
    if (html) text += `\n${style.dim(`report written to ${values.html}`)}`;
    io.out.write(text + '\n');
  }
  if (results.some((r) => r.result.parseFailed)) return 2;
  return results.some((r) => r.result.failed) || html === false ? 1 : 0;
}
