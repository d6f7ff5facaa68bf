// The WebSocket session view: live frame list, composer (text / JSON / binary as hex), ping,
// close with a code. Messages: src/protocol/wsSession.ts. Frames also stream into the timeline
// through the recorder. Frame data is shown with textContent, never parsed as HTML.
import * as vscode from 'vscode';
import type { WsFrame } from '../core/timeline/model';
import type { HostToWsViewMessage, WsViewToHostMessage } from '../protocol/wsSession';
import type { WsSessionHandle } from '../runner/ws/session';
import { besideColumn } from './columns';
import { inlineScriptHtml } from './webviewHtml';

const BATCH_MS = 50;

export function parseHex(s: string): Uint8Array {
  const clean = s.replace(/0x/gi, '').replace(/[\s,:]/g, '');
  if (!/^([0-9a-f]{2})*$/i.test(clean)) throw new Error('Binary frames are written as pairs of hex digits, e.g. "01 ff 7a".');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export class WsSessionView implements vscode.Disposable {
  static readonly viewType = 'wirelane.wsSession';
  readonly panel: vscode.WebviewPanel;
  private pending: WsFrame[] = [];
  private timer: NodeJS.Timeout | undefined;
  private ready = false;
  private readonly subscriptions: vscode.Disposable[] = [];
  /** Outcome of the last composer action (for the tests). */
  lastError: string | undefined;

  constructor(
    readonly handle: WsSessionHandle,
    private readonly notify: (message: string) => void,
  ) {
    const s = handle.session;
    this.panel = vscode.window.createWebviewPanel(
      WsSessionView.viewType,
      `WebSocket ${shortUrl(s.url)}`,
      { viewColumn: besideColumn(), preserveFocus: true },
      { enableScripts: true, localResourceRoots: [] },
    );
    this.panel.webview.html = inlineScriptHtml(this.panel.webview, 'WebSocket session', BODY, CSS, SCRIPT);
    this.subscriptions.push(this.panel.webview.onDidReceiveMessage((m: WsViewToHostMessage) => void this.onMessage(m)));
    const off = handle.onFrame((f) => {
      this.pending.push(f);
      if (!this.timer) this.timer = setTimeout(() => this.flush(), BATCH_MS);
    });
    this.subscriptions.push({ dispose: off });
    void handle.closed.then(() => {
      this.flush();
      this.postState();
    });
    this.panel.onDidDispose(() => {
      // Closing the view ends the session: nothing else would.
      void handle.close(1000, 'session view closed').catch(() => undefined);
      this.dispose();
    });
  }

  private post(m: HostToWsViewMessage): void {
    if (this.ready) void this.panel.webview.postMessage(m);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.pending.length) return;
    const frames = this.pending;
    this.pending = [];
    this.post({ type: 'frames', frames });
  }

  private postState(): void {
    const s = this.handle.session;
    this.post({
      type: 'state',
      state: s.closedAt !== undefined ? 'closed' : 'open',
      url: s.url,
      connectionId: s.connectionId ?? this.handle.exchange.connectionId,
      closeCode: s.closeCode,
      closeReason: s.closeReason,
      closedBy: s.closedBy,
      error: s.error ? `${s.error.code}: ${s.error.message}` : undefined,
    });
  }

  private async onMessage(m: WsViewToHostMessage): Promise<void> {
    this.lastError = undefined;
    try {
      switch (m?.type) {
        case 'ready':
          this.ready = true;
          this.postState();
          this.pending = [];
          this.post({ type: 'frames', frames: [...this.handle.session.frames] });
          break;
        case 'send':
          if (m.format === 'hex') await this.handle.sendBinary(parseHex(String(m.data)));
          else if (m.format === 'json') {
            try {
              JSON.parse(String(m.data));
            } catch (err) {
              throw new Error(`Not valid JSON: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
            }
            await this.handle.sendText(String(m.data));
          } else await this.handle.sendText(String(m.data));
          this.post({ type: 'sent', ok: true });
          break;
        case 'ping':
          await this.handle.ping();
          break;
        case 'close': {
          const code = Number(m.code);
          await this.handle.close(Number.isInteger(code) && (code === 1000 || (code >= 3000 && code <= 4999)) ? code : 1000, String(m.reason ?? '').slice(0, 120));
          break;
        }
      }
    } catch (err) {
      this.lastError = err instanceof Error ? err.message : String(err);
      if (m?.type === 'send') this.post({ type: 'sent', ok: false, error: this.lastError });
      this.notify(`Wirelane WebSocket: ${this.lastError}`);
    }
  }

  /** The same actions the composer's buttons post (the tests drive the view through these). */
  receive(m: WsViewToHostMessage): Promise<void> {
    return this.onMessage(m);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.subscriptions) d.dispose();
  }
}

function shortUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname}`;
  } catch {
    return url;
  }
}

const BODY = `
<header><span id="state">connecting…</span> <span id="url"></span></header>
<ol id="frames" aria-label="frames"></ol>
<form id="composer">
  <textarea id="data" rows="3" placeholder="Message (Enter sends, Shift+Enter for a new line)"></textarea>
  <div class="row">
    <select id="format" aria-label="format"><option value="text">Text</option><option value="json">JSON</option><option value="hex">Binary (hex)</option></select>
    <button type="submit" id="send">Send</button>
    <button type="button" id="ping">Ping</button>
    <span class="sep"></span>
    <input id="code" type="number" value="1000" min="1000" max="4999" aria-label="close code">
    <input id="reason" type="text" placeholder="reason" aria-label="close reason">
    <button type="button" id="close">Close</button>
  </div>
</form>`;

const CSS = `
body { overflow-x: hidden; font-family: var(--vscode-font-family); color: var(--vscode-foreground); display: flex; flex-direction: column; height: 100vh; margin: 0; padding: 0 8px; box-sizing: border-box; }
header { padding: 6px 0; border-bottom: 1px solid var(--vscode-panel-border); }
#state { font-weight: 600; }
#frames { flex: 1; overflow: auto; list-style: none; margin: 0; padding: 4px 0; font-family: var(--vscode-editor-font-family); font-size: var(--vscode-editor-font-size); }
#frames li { padding: 2px 4px; border-bottom: 1px solid var(--vscode-panel-border); white-space: pre-wrap; word-break: break-all; }
#frames li .meta { color: var(--vscode-descriptionForeground); margin-right: 8px; }
#frames li.send .dir { color: var(--vscode-charts-blue); }
#frames li.receive .dir { color: var(--vscode-charts-green); }
#frames li.control { color: var(--vscode-descriptionForeground); }
form { border-top: 1px solid var(--vscode-panel-border); padding: 6px 0; }
textarea { width: 100%; box-sizing: border-box; background: var(--vscode-input-background); color: var(--vscode-input-foreground); border: 1px solid var(--vscode-input-border, transparent); font-family: var(--vscode-editor-font-family); }
.row { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin-top: 4px; }
.sep { flex: 1; }
#code { width: 5em; }
button { background: var(--vscode-button-background); color: var(--vscode-button-foreground); border: none; padding: 3px 10px; cursor: pointer; }
button:disabled, textarea:disabled, input:disabled, select:disabled { opacity: 0.5; cursor: default; }
input, select { background: var(--vscode-input-background); color: var(--vscode-input-foreground); border: 1px solid var(--vscode-input-border, transparent); }`;

// Runs in the webview. Plain ES2020, no imports; every value shown goes through textContent.
const SCRIPT = `(() => {
  const vscode = acquireVsCodeApi();
  const list = document.getElementById('frames');
  const state = document.getElementById('state');
  const urlEl = document.getElementById('url');
  const names = { 1: 'text', 2: 'binary', 8: 'close', 9: 'ping', 10: 'pong' };
  const MAX = 2000;
  function add(f) {
    const li = document.createElement('li');
    li.className = f.dir + (f.opcode >= 8 ? ' control' : '');
    li.dataset.dir = f.dir;
    li.dataset.opcode = String(f.opcode);
    const meta = document.createElement('span');
    meta.className = 'meta';
    const dir = document.createElement('span');
    dir.className = 'dir';
    dir.textContent = f.dir === 'send' ? '\\u2191' : '\\u2193';
    meta.append(dir, ' ' + new Date(f.time).toISOString().slice(11, 23) + ' ' + (names[f.opcode] || ('op ' + f.opcode)) + ' ' + f.size + ' B');
    const data = document.createElement('span');
    data.className = 'data';
    data.textContent = f.data + (f.truncated ? ' \\u2026' : '');
    li.append(meta, data);
    list.append(li);
    while (list.childElementCount > MAX) list.firstElementChild.remove();
  }
  window.addEventListener('message', (e) => {
    const m = e.data;
    if (!m || typeof m !== 'object') return;
    if (m.type === 'frames') {
      const atEnd = list.scrollTop + list.clientHeight >= list.scrollHeight - 4;
      for (const f of m.frames) add(f);
      if (atEnd) list.scrollTop = list.scrollHeight;
    } else if (m.type === 'state') {
      urlEl.textContent = m.url + (m.connectionId ? ' \\u00b7 ' + m.connectionId : '');
      state.textContent = m.state === 'open' ? 'open' : 'closed' + (m.closeCode ? ' ' + m.closeCode : '') + (m.closeReason ? ' ' + m.closeReason : '') + (m.closedBy ? ' by ' + m.closedBy : '') + (m.error ? ' \\u2014 ' + m.error : '');
      document.body.dataset.state = m.state;
      // A closed session takes no more messages: the composer says so by being disabled.
      for (const c of document.querySelectorAll('#composer textarea, #composer input, #composer select, #composer button')) c.disabled = m.state !== 'open';
    } else if (m.type === 'sent') {
      if (m.ok) {
        dataEl.value = '';
        dataEl.focus();
      }
    }
  });
  const dataEl = document.getElementById('data');
  const form = document.getElementById('composer');
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (dataEl.disabled) return;
    vscode.postMessage({ type: 'send', format: document.getElementById('format').value, data: dataEl.value });
  });
  // Enter sends (as in a chat); Shift+Enter, or Enter while composing an IME word, is a new line.
  dataEl.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  document.getElementById('ping').addEventListener('click', () => vscode.postMessage({ type: 'ping' }));
  document.getElementById('close').addEventListener('click', () => vscode.postMessage({ type: 'close', code: Number(document.getElementById('code').value), reason: document.getElementById('reason').value }));
  vscode.postMessage({ type: 'ready' });
})();`;
