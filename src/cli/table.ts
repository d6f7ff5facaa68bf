// What `wirelane run` and `compare` print: tables a person reads at a glance. Pure
// formatting over the timeline model; colour is decided by the caller (TTY and NO_COLOR).

import { OPEN_REASON_TEXT, type Connection, type Exchange, type Run, type WsFrame, type WsSession } from '../core/timeline/model';
import { connectionUses, summarize } from '../core/timeline/summary';

export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

const ansi = (open: number, close: number) => (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;
export const COLOR: Style = { bold: ansi(1, 22), dim: ansi(2, 22), red: ansi(31, 39), green: ansi(32, 39), yellow: ansi(33, 39), cyan: ansi(36, 39) };
const id = (s: string) => s;
export const PLAIN: Style = { bold: id, dim: id, red: id, green: id, yellow: id, cyan: id };

/** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function styleFor(stream: { isTTY?: boolean }, env: Record<string, string | undefined> = process.env): Style {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return PLAIN;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0') return COLOR;
  return stream.isTTY ? COLOR : PLAIN;
}

// eslint-disable-next-line no-control-regex
const ANSI_RE = /\u001b\[[0-9;]*m/g;
const visible = (s: string) => s.replace(ANSI_RE, '').length;
const pad = (s: string, w: number, right = false) => {
  const n = Math.max(0, w - visible(s));
  return right ? ' '.repeat(n) + s : s + ' '.repeat(n);
};

/** Shortens in the middle so the host and the end of the path both stay readable. */
export function ellipsize(s: string, max: number): string {
  if (s.length <= max || max < 8) return s;
  const keepEnd = Math.floor((max - 1) / 3);
  return `${s.slice(0, max - 1 - keepEnd)}…${s.slice(s.length - keepEnd)}`;
}

export function formatMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 10) return ms.toFixed(1);
  if (ms < 10_000) return ms.toFixed(0);
  return `${(ms / 1000).toFixed(1)}s`;
}

export function exchangeMs(ex: Exchange): number | undefined {
  return ex.endedAt === undefined ? undefined : ex.endedAt - ex.startedAt;
}

export { summarize, type RunSummary } from '../core/timeline/summary';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function summaryLine(run: Run, style: Style = PLAIN): string {
  const s = summarize(run);
  let line = `${plural(s.exchanges, 'exchange')} on ${plural(s.connections, 'connection')}, ${plural(s.handshakesSaved, 'handshake')} saved by reuse`;
  if (s.sessions) line += `, ${plural(s.sessions, 'WebSocket session')} (${plural(s.frames, 'frame')})`;
  if (s.failed) line += `, ${style.red(`${s.failed} failed`)}`;
  return `${line} — ${formatMs(s.totalMs)} ms`;
}

function statusCell(ex: Exchange, style: Style): string {
  if (ex.error) return style.red(ex.error.code);
  const st = ex.response?.status;
  if (st === undefined) return style.dim('…');
  const s = String(st);
  if (st >= 500) return style.red(s);
  if (st >= 400) return style.yellow(s);
  if (st >= 300) return style.cyan(s);
  return style.green(s);
}

const OPCODES: Record<number, string> = { 1: 'text', 2: 'binary', 8: 'close', 9: 'ping', 10: 'pong' };

function frameLines(frames: WsFrame[], session: WsSession, style: Style, width: number): string[] {
  const texts = frames.map((f) => ellipsize(f.data.replace(/\s+/g, ' '), Math.max(20, width - 34)));
  const w = Math.max(0, ...texts.map((t) => t.length));
  return frames.map((f, i) => {
    const arrow = f.dir === 'send' ? style.cyan('→') : style.green('←');
    const at = `+${formatMs(f.time - session.openedAt)} ms`;
    return `      ${arrow} ${pad(OPCODES[f.opcode] ?? `op${f.opcode}`, 6)} ${pad(texts[i], w)}  ${style.dim(at)}`;
  });
}

export interface TableOptions {
  style?: Style;
  /** Terminal width; URLs are shortened to fit. */
  width?: number;
  /** WebSocket frames listed per session (the rest are counted). Default 20. */
  maxFrames?: number;
}

/** One row per exchange, WebSocket frames under their session's row, errors under theirs. */
export function renderRunTable(run: Run, opts: TableOptions = {}): string {
  const style = opts.style ?? PLAIN;
  const width = Math.max(80, opts.width ?? 120);
  const maxFrames = opts.maxFrames ?? 20;
  const sessions = new Map(run.sessions.map((s) => [s.id, s]));
  const connections = new Map(run.connections.map((c) => [c.id, c]));
  const header = ['#', 'name', 'method', 'url', 'status', 'conn', 'reuse', 'ms'];
  const rows: string[][] = [];
  const extra = new Map<number, string[]>();
  const uses = connectionUses(run);
  for (const ex of run.exchanges) {
    const use = uses[ex.index] ?? 'none';
    rows.push([
      String(ex.index + 1),
      ellipsize(ex.name ?? '', 24),
      ex.sessionId ? 'WS' : ex.request.method,
      ex.request.url,
      statusCell(ex, style),
      ex.connectionId ?? '–',
      use === 'reused' ? style.dim('reused') : use === 'opened' ? style.bold('new') : ex.connectionId ? style.dim('none') : '',
      formatMs(exchangeMs(ex)),
    ]);
    const lines: string[] = [];
    // Why this exchange needed a new connection, in the words of docs/glossary.md.
    const opened = ex.connectionId && !ex.reused ? connections.get(ex.connectionId) : undefined;
    if (opened) lines.push(style.dim(`      ↳ ${opened.id} opened: ${opened.openDetail ?? OPEN_REASON_TEXT[opened.openReason]}`));
    if (ex.error) lines.push(`      ${style.red('✗')} ${ex.error.phase ? `(${ex.error.phase}) ` : ''}${ex.error.message}${ex.error.hint ? style.dim(` — ${ex.error.hint}`) : ''}`);
    const s = ex.sessionId ? sessions.get(ex.sessionId) : undefined;
    if (s) {
      const shown = s.frames.slice(0, maxFrames);
      lines.push(...frameLines(shown, s, style, width));
      const hidden = s.totalFrames - shown.length;
      if (hidden > 0) lines.push(style.dim(`      … ${plural(hidden, 'more frame')} (all in the HAR)`));
      const close = s.closeCode !== undefined ? `closed ${s.closeCode}${s.closeReason ? ` ${s.closeReason}` : ''} by ${s.closedBy ?? 'unknown'}` : s.closedAt === undefined ? 'still open' : 'closed';
      lines.push(style.dim(`      ${close} after ${formatMs((s.closedAt ?? Date.now()) - s.openedAt)} ms`));
      if (s.error && !ex.error) lines.push(`      ${style.red('✗')} ${s.error.code}: ${s.error.message}`);
    }
    if (lines.length) extra.set(rows.length - 1, lines);
  }
  const widths = header.map((h, i) => Math.max(visible(h), ...rows.map((r) => visible(r[i]))));
  const fixed = widths.reduce((a, b) => a + b, 0) - widths[3] + 2 * (header.length - 1);
  const urlMax = Math.max(24, width - fixed);
  if (widths[3] > urlMax) {
    widths[3] = urlMax;
    for (const r of rows) r[3] = ellipsize(r[3], urlMax);
  }
  const right = new Set([0, 7]);
  const fmt = (r: string[]) =>
    r
      .map((c, i) => pad(c, widths[i], right.has(i)))
      .join('  ')
      .trimEnd();
  const out = [style.bold(fmt(header))];
  rows.forEach((r, i) => {
    out.push(fmt(r));
    for (const l of extra.get(i) ?? []) out.push(l);
  });
  return out.join('\n');
}

export interface ModeResult {
  mode: string;
  run: Run;
}

/** Modes side by side: what each cost in connections, handshakes and time. */
export function renderCompareTable(results: ModeResult[], style: Style = PLAIN): string {
  const sums = results.map((r) => summarize(r.run));
  const best = (vals: number[], i: number) => vals[i] === Math.min(...vals);
  const lines: Array<[string, (i: number) => string]> = [
    ['exchanges', (i) => String(sums[i].exchanges)],
    [
      'connections opened',
      (i) =>
        mark(
          String(sums[i].connections),
          best(
            sums.map((s) => s.connections),
            i,
          ),
        ),
    ],
    ['TCP handshakes', (i) => String(sums[i].tcpHandshakes)],
    ['TLS handshakes', (i) => String(sums[i].tlsHandshakes)],
    ['handshakes saved', (i) => String(sums[i].handshakesSaved)],
    ['failed', (i) => (sums[i].failed ? style.red(String(sums[i].failed)) : '0')],
    [
      'total ms',
      (i) =>
        mark(
          formatMs(sums[i].totalMs),
          best(
            sums.map((s) => s.totalMs),
            i,
          ),
        ),
    ],
    [
      'median ms / request',
      (i) =>
        mark(
          formatMs(sums[i].medianMs),
          best(
            sums.map((s) => s.medianMs),
            i,
          ),
        ),
    ],
  ];
  function mark(s: string, isBest: boolean): string {
    return isBest && results.length > 1 ? style.green(s) : s;
  }
  const header = ['', ...results.map((r) => r.mode)];
  const rows = lines.map(([label, f]) => [label, ...results.map((_, i) => f(i))]);
  const widths = header.map((h, i) => Math.max(visible(h), ...rows.map((r) => visible(r[i]))));
  const fmt = (r: string[]) => r.map((c, i) => pad(c, widths[i], i > 0)).join('  ');
  return [style.bold(fmt(header)), ...rows.map(fmt)].join('\n');
}

/** For `--json`: the run as rows a script can use without knowing the timeline model. */
export function runToJson(run: Run): unknown {
  const conns = new Map<string, Connection>(run.connections.map((c) => [c.id, c]));
  const sessions = new Map(run.sessions.map((s) => [s.id, s]));
  return {
    mode: run.mode,
    environment: run.environment,
    file: run.file,
    summary: summarize(run),
    exchanges: run.exchanges.map((ex) => {
      const c = ex.connectionId ? conns.get(ex.connectionId) : undefined;
      const s = ex.sessionId ? sessions.get(ex.sessionId) : undefined;
      return {
        index: ex.index + 1,
        name: ex.name,
        method: ex.request.method,
        url: ex.request.url,
        status: ex.response?.status,
        connection: ex.connectionId,
        reused: ex.reused,
        localPort: c?.localPort,
        streamId: ex.streamId,
        ms: exchangeMs(ex),
        source: ex.source,
        error: ex.error,
        ...(s ? { websocket: { frames: s.totalFrames, closeCode: s.closeCode, closeReason: s.closeReason, closedBy: s.closedBy } } : {}),
      };
    }),
    connections: run.connections.map((c) => ({
      id: c.id,
      origin: c.origin,
      protocol: c.protocol,
      localPort: c.localPort,
      openReason: c.openReason,
      closeReason: c.closeReason,
      requests: c.requestCount,
    })),
  };
}
