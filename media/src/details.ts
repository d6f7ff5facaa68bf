// The details pane of one exchange: headers, body (text / pretty JSON / hex), timings,
// connection facts, error with code and hint, WebSocket frames as a filterable list.
// Everything from the HAR goes in as text.

import type { HarEntry, HarNameValue, HarWebSocketMessage } from '../../src/core/har/types';
import { clear, el } from './dom';
import { formatMs, PHASE_LABEL, PHASES, summaryOfBar, type Bar, type Lane, type TimelineModel } from '../../src/core/timeline/lanes';

const TEXT_LIMIT = 200_000;
const HEX_LIMIT = 16_384;
const FRAME_ROW_H = 22;

export interface DetailsHost {
  openSource?: (file: string, line: number) => void;
  close: () => void;
}

function obj(x: unknown): Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : {};
}
function str(x: unknown): string {
  return typeof x === 'string' ? x : typeof x === 'number' || typeof x === 'boolean' ? String(x) : '';
}

function section(parent: HTMLElement, title: string): HTMLElement {
  const s = el('section', 'wl-d-section');
  s.append(el('h3', undefined, title));
  parent.append(s);
  return s;
}

function kvTable(rows: Array<[string, string]>, label: string): HTMLTableElement {
  const t = el('table', 'wl-kv', undefined, { 'aria-label': label });
  const body = el('tbody');
  for (const [k, v] of rows) {
    const tr = el('tr');
    tr.append(el('th', undefined, k, { scope: 'row' }), el('td', undefined, v));
    body.append(tr);
  }
  t.append(body);
  return t;
}

function headersTable(h: unknown, label: string): HTMLElement {
  const list = Array.isArray(h) ? (h as HarNameValue[]) : [];
  if (list.length === 0) return el('p', 'wl-muted', 'none recorded');
  return kvTable(
    list.map((x) => [str(obj(x).name), str(obj(x).value)]),
    label,
  );
}

function decodeBase64(b64: string): Uint8Array | undefined {
  try {
    const bin = atob(b64.replace(/\s+/g, ''));
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return undefined;
  }
}

export function hexDump(bytes: Uint8Array, limit = HEX_LIMIT): string {
  const lines: string[] = [];
  const n = Math.min(bytes.length, limit);
  for (let off = 0; off < n; off += 16) {
    const row = bytes.subarray(off, Math.min(off + 16, n));
    const hex = Array.from(row, (b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = Array.from(row, (b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${off.toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  ${ascii}`);
  }
  if (bytes.length > n) lines.push(`… ${bytes.length - n} more bytes`);
  return lines.join('\n');
}

function looksBinary(text: string): boolean {
  const n = Math.min(text.length, 4096);
  let odd = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 0xfffd) odd++;
  }
  return n > 0 && odd / n > 0.1;
}

/** A body viewer with Text / JSON / Hex tabs; the default follows the content. */
function bodyView(parent: HTMLElement, text: string, encoding: string, mimeType: string, label: string): void {
  let bytes: Uint8Array;
  let asText: string;
  if (encoding === 'base64') {
    bytes = decodeBase64(text) ?? new Uint8Array();
    asText = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  } else {
    asText = text;
    bytes = new TextEncoder().encode(text.slice(0, HEX_LIMIT));
  }
  let pretty: string | undefined;
  if (/json/i.test(mimeType) || /^\s*[[{]/.test(asText)) {
    try {
      pretty = JSON.stringify(JSON.parse(asText), null, 2);
    } catch {
      pretty = undefined;
    }
  }
  const binary = encoding === 'base64' ? looksBinary(asText) : false;
  const views: Array<[string, () => string]> = [['Text', () => (asText.length > TEXT_LIMIT ? `${asText.slice(0, TEXT_LIMIT)}\n… ${asText.length - TEXT_LIMIT} more characters` : asText)]];
  if (pretty !== undefined) views.push(['JSON', () => (pretty!.length > TEXT_LIMIT ? `${pretty!.slice(0, TEXT_LIMIT)}\n…` : pretty!)]);
  views.push(['Hex', () => hexDump(bytes)]);
  const initial = binary ? 'Hex' : pretty !== undefined ? 'JSON' : 'Text';
  const tabs = el('div', 'wl-tabs', undefined, { role: 'tablist', 'aria-label': `${label} view` });
  const pre = el('pre', 'wl-body', undefined, { role: 'tabpanel', 'aria-label': label, tabindex: '0' });
  const buttons: HTMLButtonElement[] = [];
  const show = (name: string): void => {
    for (const b of buttons) b.setAttribute('aria-selected', String(b.dataset.view === name));
    pre.textContent = views.find((v) => v[0] === name)![1]();
    // A hex dump keeps its columns; text wraps.
    pre.classList.toggle('wl-hex', name === 'Hex');
  };
  for (const [name] of views) {
    const b = el('button', 'wl-tab', name, { role: 'tab', type: 'button' });
    b.dataset.view = name;
    b.addEventListener('click', () => show(name));
    buttons.push(b);
    tabs.append(b);
  }
  parent.append(tabs, pre);
  show(initial);
}

const OPCODE_NAME: Record<number, string> = { 0: 'continuation', 1: 'text', 2: 'binary', 8: 'close', 9: 'ping', 10: 'pong' };

function framesView(parent: HTMLElement, messages: HarWebSocketMessage[], openedAt: number): void {
  const controls = el('div', 'wl-frames-controls');
  const search = el('input', 'wl-input', undefined, { type: 'search', placeholder: 'filter frames', 'aria-label': 'Filter frames by text' });
  const dir = el('select', 'wl-input', undefined, { 'aria-label': 'Frame direction' });
  for (const [v, t] of [
    ['', 'both directions'],
    ['send', 'sent ▲'],
    ['receive', 'received ▼'],
  ])
    dir.append(el('option', undefined, t, { value: v! }));
  const count = el('span', 'wl-muted');
  controls.append(search, dir, count);
  const list = el('div', 'wl-frames', undefined, { role: 'list', 'aria-label': 'WebSocket frames', tabindex: '0' });
  const spacer = el('div', 'wl-frames-spacer');
  list.append(spacer);
  parent.append(controls, list);
  let shown: number[] = [];
  const rowEls = new Map<number, HTMLElement>();
  const timeOf = (m: HarWebSocketMessage): number => {
    const t = typeof m.time === 'number' ? m.time : NaN;
    return t < 1e11 ? t * 1000 : t;
  };
  const draw = (): void => {
    const top = list.scrollTop;
    const h = list.clientHeight || 300;
    const first = Math.max(0, Math.floor(top / FRAME_ROW_H) - 5);
    const last = Math.min(shown.length, Math.ceil((top + h) / FRAME_ROW_H) + 5);
    for (const [i, r] of rowEls)
      if (i < first || i >= last) {
        r.remove();
        rowEls.delete(i);
      }
    for (let i = first; i < last; i++) {
      if (rowEls.has(i)) continue;
      const m = obj(messages[shown[i]!]) as unknown as HarWebSocketMessage;
      const sent = str(m.type) === 'send';
      const data = str(m.data);
      const row = el('div', `wl-frame ${sent ? 'sent' : 'received'}`, undefined, { role: 'listitem' });
      row.style.top = `${i * FRAME_ROW_H}px`;
      const op = typeof m.opcode === 'number' ? m.opcode : 1;
      row.append(
        el('span', 'wl-f-time', `+${formatMs(timeOf(m) - openedAt)}`),
        el('span', 'wl-f-dir', sent ? '▲ sent' : '▼ recv'),
        el('span', 'wl-f-op', OPCODE_NAME[op] ?? `op ${op}`),
        el('span', 'wl-f-size', `${data.length} ch`),
        el('span', 'wl-f-data', data.length > 300 ? `${data.slice(0, 300)}…` : data),
      );
      list.append(row);
      rowEls.set(i, row);
    }
  };
  const refilter = (): void => {
    const q = search.value.toLowerCase();
    const d = dir.value;
    shown = [];
    for (let i = 0; i < messages.length; i++) {
      const m = obj(messages[i]);
      if (d && str(m.type) !== d) continue;
      if (q && !str(m.data).toLowerCase().includes(q)) continue;
      shown.push(i);
    }
    count.textContent = `${shown.length} of ${messages.length} frames`;
    spacer.style.height = `${shown.length * FRAME_ROW_H}px`;
    for (const r of rowEls.values()) r.remove();
    rowEls.clear();
    draw();
  };
  list.addEventListener('scroll', () => requestAnimationFrame(draw), { passive: true });
  search.addEventListener('input', refilter);
  dir.addEventListener('change', refilter);
  refilter();
}

/** `full` is the whole entry (headers, bodies, frames); the model may hold only a quick-start copy. */
export function renderDetails(pane: HTMLElement, model: TimelineModel, index: number, full: HarEntry | undefined, host: DetailsHost): void {
  clear(pane);
  const e = obj(full ?? model.entries[index]) as unknown as HarEntry;
  const bar: Bar | undefined = model.bars[index];
  const lane: Lane | undefined = model.laneOfEntry[index];
  const req = obj(e.request);
  const res = obj(e.response);
  const ext = obj(e._wirelane);
  const head = el('div', 'wl-d-head');
  const close = el('button', 'wl-btn wl-d-close', '✕', { type: 'button', 'aria-label': 'Close details', title: 'Close (Esc)' });
  close.addEventListener('click', () => host.close());
  const title = el('h2', 'wl-d-title', `${str(req.method)} ${str(req.url)}`);
  head.append(close, title);
  pane.append(head);
  if (bar) pane.append(el('p', 'wl-d-summary', summaryOfBar(bar, lane)));
  const src = obj(ext.source);
  if (str(src.file) && host.openSource) {
    const b = el('button', 'wl-btn wl-link', `Open ${str(src.file)}:${str(src.line)}`, { type: 'button' });
    b.addEventListener('click', () => host.openSource!(str(src.file), Number(src.line) || 1));
    pane.append(b);
  }

  const err = obj(ext.error);
  if (str(err.code) || str(res._error)) {
    const s = section(pane, 'Error');
    s.classList.add('wl-d-error');
    s.append(
      kvTable(
        [
          ['code', str(err.code) || '(none)'],
          ['phase', str(err.phase) || '–'],
          ['message', str(err.message) || str(res._error)],
          ['hint', str(err.hint) || '–'],
        ],
        'Error',
      ),
    );
  }

  const t = section(pane, 'Timings');
  const rows: Array<[string, string]> = [];
  if (bar) {
    PHASES.forEach((p, i) => {
      if (p === 'wait' && bar.headOfLine > 0.05) {
        rows.push(['waiting behind earlier responses (head-of-line)', formatMs(bar.headOfLine)]);
        rows.push([PHASE_LABEL.wait, formatMs(bar.phases[i]! - bar.headOfLine)]);
      } else rows.push([PHASE_LABEL[p], bar.phases[i]! > 0 ? formatMs(bar.phases[i]!) : '–']);
    });
    rows.push(['total', formatMs(bar.end - bar.start)]);
    rows.push(['started', `${formatMs(bar.start)} after ${model.isCompare ? 'its mode’s' : 'the'} first request`]);
  }
  t.append(kvTable(rows, 'Timings'));

  const c = section(pane, 'Connection');
  if (lane?.connectionId) {
    const f = lane.facts;
    const facts: Array<[string, string]> = [
      ['id', lane.connectionId],
      ['origin', lane.origin],
      ['protocol', f.protocol || '–'],
      ['this exchange', bar?.use === 'opened' ? 'opened it (paid the handshake)' : bar?.use === 'reused' ? 'reused it' : 'never rode it: failed before the connection was established'],
      ['local port', f.localPort !== undefined ? String(f.localPort) : '–'],
      ['remote', `${f.remoteAddress ?? str(e.serverIPAddress)}${f.remotePort !== undefined ? `:${f.remotePort}` : ''}` || '–'],
      ['TLS', [f.tlsVersion, f.alpn && `ALPN ${f.alpn}`, f.cipher].filter(Boolean).join(', ') || 'none'],
      ['opened because', f.openText || 'not recorded'],
      ['closed because', f.closeText || 'not recorded'],
      ['exchanges carried', String(lane.bars.length)],
    ];
    if (f.mode) facts.push(['mode', f.mode]);
    if (f.proxy) facts.push(['via proxy', `${f.proxy} (reuse refers to the connection to the proxy)`]);
    if (typeof ext.streamId === 'number') facts.push(['HTTP/2 stream', String(ext.streamId)]);
    c.append(kvTable(facts, 'Connection'));
  } else {
    c.append(
      el(
        'p',
        'wl-muted',
        model.hasConnectionIds
          ? 'No TCP connection carried this exchange (it failed before one was made, or the HAR names none).'
          : 'This HAR does not record which TCP connection carried this exchange.',
      ),
    );
    if (typeof e._serverPort === 'number' || str(e.serverIPAddress))
      c.append(kvTable([['server', `${str(e.serverIPAddress)}${typeof e._serverPort === 'number' ? `:${e._serverPort}` : ''}`]], 'Server'));
  }

  const rq = section(pane, 'Request headers');
  rq.append(headersTable(req.headers, 'Request headers'));
  const pd = obj(req.postData);
  if (str(pd.text)) {
    const b = section(pane, 'Request body');
    bodyView(b, str(pd.text), '', str(pd.mimeType), 'Request body');
  }
  const rs = section(pane, `Response headers${typeof res.status === 'number' && res.status > 0 ? ` — ${res.status} ${str(res.statusText)}` : ''}`);
  rs.append(headersTable(res.headers, 'Response headers'));
  const content = obj(res.content);
  if (str(content.text)) {
    const b = section(pane, 'Response body');
    bodyView(b, str(content.text), str(content.encoding), str(content.mimeType), 'Response body');
  } else if (str(content._file)) {
    section(pane, 'Response body').append(el('p', 'wl-muted', `saved to ${str(content._file)}`));
  }

  if (Array.isArray(e._webSocketMessages)) {
    const ws = obj(ext.websocket);
    const s = section(pane, 'WebSocket frames');
    const facts: Array<[string, string]> = [];
    if (typeof ws.closeCode === 'number') facts.push(['close', `${ws.closeCode}${str(ws.closeReason) ? ` ${str(ws.closeReason)}` : ''}${str(ws.closedBy) ? ` (by ${str(ws.closedBy)})` : ''}`]);
    if (typeof ws.droppedFrames === 'number' && ws.droppedFrames > 0) facts.push(['not recorded', `${ws.droppedFrames} frames (past the limit)`]);
    if (facts.length) s.append(kvTable(facts, 'WebSocket'));
    const opened = Date.parse(str(e.startedDateTime));
    framesView(s, e._webSocketMessages, Number.isFinite(opened) ? opened : 0);
  }
}
