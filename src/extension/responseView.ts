// Responses as read-only virtual documents (scheme wirelane-response). The facts people ask
// about — status, time, which connection, new or reused and why — sit on top as comments of
// the body's language (jsonc `//`, HTML/XML `<!-- -->`), so the document stays valid for its
// language service. Large bodies are opened from the engine's temp file, never as one big string.
import { createHash } from 'node:crypto';
import * as vscode from 'vscode';
import { RESPONSE_SCHEME, besideColumn } from './columns';
import { formatError } from '../core/errors';
import { OPEN_REASON_TEXT, type Connection, type Exchange } from '../core/timeline/model';
import { connectionUses } from '../core/timeline/summary';

const KEEP = 50;

export interface ResponseShown {
  exchange: Exchange;
  connection?: Connection;
  body?: Uint8Array | string;
  bodyFile?: string;
}

type Kind = { ext: string; language: string; open: string; close: string; prefix: string };
const KINDS: Record<string, Kind> = {
  json: { ext: 'json', language: 'jsonc', open: '', close: '', prefix: '// ' },
  html: { ext: 'html', language: 'html', open: '<!--', close: '-->', prefix: '  ' },
  xml: { ext: 'xml', language: 'xml', open: '<!--', close: '-->', prefix: '  ' },
  text: { ext: 'txt', language: 'plaintext', open: '', close: '', prefix: '' },
};

function header(headers: Array<[string, string]> | undefined, name: string): string | undefined {
  return headers?.find(([k]) => k.toLowerCase() === name)?.[1];
}

function kindOf(contentType: string | undefined, body: string): Kind {
  const ct = (contentType ?? '').toLowerCase();
  if (/[/+]json\b/.test(ct)) return KINDS.json;
  if (ct.includes('html')) return KINDS.html;
  if (/[/+]xml\b/.test(ct)) return KINDS.xml;
  if (!ct) {
    const t = body.trimStart();
    if (t.startsWith('{') || t.startsWith('[')) return KINDS.json;
    if (/^<!doctype html|^<html/i.test(t)) return KINDS.html;
    if (t.startsWith('<?xml')) return KINDS.xml;
  }
  return KINDS.text;
}

const ms = (n: number | undefined) => (n === undefined || n < 0 ? '–' : `${n.toFixed(1)} ms`);

function isTextual(contentType: string | undefined): boolean {
  const ct = (contentType ?? '').toLowerCase();
  return ct === '' || ct.startsWith('text/') || /json|xml|javascript|html|x-www-form-urlencoded|graphql|yaml|csv/.test(ct);
}

/** The facts block: status, timing, connection. Exported for the tests and the hover. */
export function factLines(shown: ResponseShown): string[] {
  const { exchange: ex, connection: c } = shown;
  const lines: string[] = [];
  const res = ex.response;
  const total = ex.endedAt !== undefined ? ex.endedAt - ex.startedAt : undefined;
  if (res) lines.push(`${res.httpVersion} ${res.status} ${res.statusText}`.trim() + `  ·  ${ms(total)}`);
  if (ex.error) lines.push(`error ${formatError(ex.error)}`);
  const where = ex.source ? `  (${ex.source.file.split(/[\\/]/).pop()}:${ex.source.line})` : '';
  lines.push(`${ex.request.method} ${ex.request.url}${where}`);
  if (ex.connectionId && connectionUses({ exchanges: [ex], connections: c ? [c] : [], sessions: [] })[0] === 'none') {
    lines.push(`connection attempt ${ex.connectionId} failed: never established${c?.closeDetail ? ` (${c.closeDetail})` : ''}`);
  } else if (ex.connectionId) {
    const why = ex.reused ? 'reused' : `new: ${c?.openDetail ?? (c ? OPEN_REASON_TEXT[c.openReason] : 'opened for this request')}`;
    const ends = c?.localPort ? `  ·  ${c.localAddress ?? '127.0.0.1'}:${c.localPort} → ${c.remoteAddress ?? '?'}:${c.remotePort ?? '?'}` : '';
    const proto = c?.protocol ? `  ·  ${c.protocol}` : '';
    const stream = ex.streamId !== undefined ? `  ·  stream ${ex.streamId}` : '';
    lines.push(`connection ${ex.connectionId} (${why})${proto}${stream}${ends}`);
    if (c?.proxy) lines.push(`via proxy ${c.proxy} (reuse refers to the connection to the proxy)`);
  } else if (!ex.error) {
    lines.push('connection: none recorded');
  }
  const t = ex.timings;
  lines.push(`timings: blocked ${ms(t.blocked)} · dns ${ms(t.dns)} · connect ${ms(t.connect)} · tls ${ms(t.ssl)} · send ${ms(t.send)} · wait ${ms(t.wait)} · receive ${ms(t.receive)}`);
  return lines;
}

export function renderResponse(shown: ResponseShown): { text: string; kind: Kind } {
  const res = shown.exchange.response;
  const ct = header(res?.headers, 'content-type');
  let body = '';
  let note: string | undefined;
  if (shown.bodyFile) {
    note = `body (${res?.body?.size ?? '?'} bytes) is larger than wirelane.bodyLimitBytes: opened from ${shown.bodyFile}`;
  } else if (shown.body !== undefined) {
    if (typeof shown.body === 'string') body = shown.body;
    else if (isTextual(ct)) body = Buffer.from(shown.body).toString('utf8');
    else note = `binary body, ${shown.body.byteLength} bytes (${ct ?? 'no content-type'})`;
  } else if (res?.body?.text !== undefined) {
    body = res.body.text;
  }
  const kind = kindOf(ct, body);
  if (kind === KINDS.json && body) {
    try {
      body = JSON.stringify(JSON.parse(body), null, 2);
    } catch {
      // Invalid JSON is shown as it came.
    }
  }
  const facts = factLines(shown);
  if (res) {
    facts.push('');
    for (const [k, v] of res.headers) facts.push(`${k}: ${v}`);
  }
  if (note) facts.push('', note);
  const commented = kind.open ? [kind.open, ...facts.map((l) => kind.prefix + l.replace(/--/g, '- -')), kind.close] : facts.map((l) => (kind.prefix + l).trimEnd());
  return { text: `${commented.join('\n')}\n\n${body}`, kind };
}

export class ResponseDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private seq = 0;
  private readonly registration: vscode.Disposable;

  constructor() {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(RESPONSE_SCHEME, this);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? '// This response is no longer kept. Send the request again.';
  }

  /**
   * Opens the response tab, or refreshes the one already showing the same request (`key`: the
   * file and request it came from), so sending a request again never piles up tabs. With
   * reuseTab every response shares one tab. Returns the document shown.
   */
  async show(shown: ResponseShown, opts: { reuseTab: boolean; preserveFocus?: boolean; key?: string }): Promise<vscode.TextDocument> {
    const { text, kind } = renderResponse(shown);
    const ex = shown.exchange;
    const label = (ex.name ?? `${ex.request.method} ${safePath(ex.request.url)}`).replace(/[\\/:*?"<>|]+/g, '_').slice(0, 60);
    const folder = opts.key ? createHash('sha1').update(opts.key).digest('hex').slice(0, 10) : String(++this.seq);
    const uri = opts.reuseTab ? vscode.Uri.from({ scheme: RESPONSE_SCHEME, path: `/Response.${kind.ext}` }) : vscode.Uri.from({ scheme: RESPONSE_SCHEME, path: `/${folder}/${label}.${kind.ext}` });
    // The same request answered with another type or under another name: its old tab goes.
    const stale = opts.reuseTab ? (p: string) => p.startsWith('/Response.') : (p: string) => p.startsWith(`/${folder}/`);
    await this.closeTabs((u) => u.toString() !== uri.toString() && stale(u.path));
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    // A tab shown again is refreshed through onDidChange; wait for the new text to arrive so the
    // caller (and the person) never reads the previous response.
    const refreshed = open && open.getText() !== text ? textArrived(open, text) : undefined;
    this.contents.set(uri.toString(), text);
    if (this.contents.size > KEEP) this.contents.delete(this.contents.keys().next().value!);
    this.changed.fire(uri);
    await refreshed;
    let doc = await vscode.workspace.openTextDocument(uri);
    if (doc.languageId !== kind.language) doc = await vscode.languages.setTextDocumentLanguage(doc, kind.language);
    const viewColumn = besideColumn((t) => t.input instanceof vscode.TabInputText && t.input.uri.scheme === RESPONSE_SCHEME);
    await vscode.window.showTextDocument(doc, { viewColumn, preview: false, preserveFocus: opts.preserveFocus ?? true });
    if (shown.bodyFile) {
      await vscode.window.showTextDocument(vscode.Uri.file(shown.bodyFile), { viewColumn, preview: true, preserveFocus: true });
    }
    return doc;
  }

  private async closeTabs(match: (uri: vscode.Uri) => boolean): Promise<void> {
    const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputText && t.input.uri.scheme === RESPONSE_SCHEME && match(t.input.uri));
    if (tabs.length) await vscode.window.tabGroups.close(tabs, true);
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
  }
}

function textArrived(doc: vscode.TextDocument, text: string): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      sub.dispose();
      clearTimeout(timer);
      resolve();
    };
    const sub = vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.document === doc && doc.getText() === text) done();
    });
    // The document may have been closed meanwhile: then it opens fresh with the new text.
    const timer = setTimeout(done, 3000);
  });
}

function safePath(url: string): string {
  try {
    const u = new URL(url);
    return u.pathname === '/' ? u.host : (u.pathname.split('/').filter(Boolean).pop() ?? u.host);
  } catch {
    return 'response';
  }
}
