// The Testing view: every request of an .http file that has a response handler (`> {% %}`,
// `> file.js`) or `??` lines is a test item; its `??` lines are children from the start, its
// `client.test` blocks become children when they first run. Running an item runs its file's
// requests in order through the same runFile as `wirelane test` (a request's handler may set
// what a later one sends) and reports each outcome at the line it belongs to.

import { dirname, isAbsolute, resolve as resolvePath } from 'node:path';
import * as vscode from 'vscode';
import { formatError, type ErrorInfo, type SourceLocation } from '../core/errors';
import type { HttpFile } from '../core/httpfile/ast';
import { parseHttpFile } from '../core/httpfile/index';
import type { FileRunResult } from '../runner/fileRunner';
import { ScriptHost } from '../runner/scripts/host';
import type { RunService } from './runService';

const HTTP_GLOB = '**/*.{http,rest}';
const isHttpDoc = (d: vscode.TextDocument) => d.uri.scheme === 'file' && (d.languageId === 'http' || /\.(http|rest)$/i.test(d.uri.fsPath));

interface ItemData {
  kind: 'file' | 'request' | 'check';
  uri: vscode.Uri;
  regionIndex?: number;
}

export type Outcome = { state: 'passed' | 'failed' | 'errored' | 'skipped'; message?: string; location?: vscode.Location };

export class HttpTestController implements vscode.Disposable {
  readonly controller: vscode.TestController;
  /** The last outcome of every item by id, as reported to VS Code (what the integration suite reads). */
  readonly outcomes = new Map<string, Outcome>();
  private readonly data = new WeakMap<vscode.TestItem, ItemData>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly runs: RunService) {
    const ctrl = (this.controller = vscode.tests.createTestController('wirelane', 'Wirelane .http tests'));
    ctrl.resolveHandler = async (item) => {
      if (!item) await this.discoverWorkspace();
    };
    ctrl.refreshHandler = () => this.discoverWorkspace();
    ctrl.createRunProfile('Run', vscode.TestRunProfileKind.Run, (request, token) => this.run(request, token), true);
    for (const d of vscode.workspace.textDocuments) if (isHttpDoc(d)) this.update(d.uri, d.getText());
    this.disposables.push(
      ctrl,
      vscode.workspace.onDidOpenTextDocument((d) => isHttpDoc(d) && this.update(d.uri, d.getText())),
      vscode.workspace.onDidChangeTextDocument((e) => isHttpDoc(e.document) && this.update(e.document.uri, e.document.getText())),
    );
  }

  /** All .http/.rest files of the workspace (the Testing view asks when it opens). */
  async discoverWorkspace(): Promise<void> {
    const files = await vscode.workspace.findFiles(HTTP_GLOB, '**/node_modules/**', 500);
    for (const uri of files) {
      if (vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString())) continue;
      try {
        this.update(uri, new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)));
      } catch {
        // a file that vanished or cannot be read has no tests
      }
    }
  }

  /** Re-reads a file's test items from its text: one per request with checks, `??` lines under it. */
  update(uri: vscode.Uri, text: string): void {
    const file = parseHttpFile(text);
    const id = uri.toString();
    const regions = file.regions.map((r, i) => ({ r, i })).filter(({ r }) => ScriptHost.hasChecks(r));
    if (regions.length === 0) {
      this.controller.items.delete(id);
      return;
    }
    let fileItem = this.controller.items.get(id);
    if (!fileItem) {
      fileItem = this.controller.createTestItem(id, vscode.workspace.asRelativePath(uri), uri);
      this.data.set(fileItem, { kind: 'file', uri });
      this.controller.items.add(fileItem);
    }
    const children: vscode.TestItem[] = [];
    for (const { r, i } of regions) {
      const req = r.request!;
      const reqId = `${id}#${i}`;
      const item = fileItem.children.get(reqId) ?? this.controller.createTestItem(reqId, r.name ?? r.title ?? `${req.method} ${req.url.text}`, uri);
      item.label = r.name ?? r.title ?? `${req.method} ${req.url.text}`;
      item.range = new vscode.Range(req.range.start.line, 0, req.range.start.line, req.range.end.character);
      this.data.set(item, { kind: 'request', uri, regionIndex: i });
      // `??` lines are known before the run; `client.test` children added by earlier runs stay.
      const kept: vscode.TestItem[] = [];
      item.children.forEach((c) => {
        if (!c.id.includes('#??')) kept.push(c);
      });
      const assertions = req.assertions.map((a) => {
        const child = this.controller.createTestItem(`${reqId}#??${a.range.start.line}`, `?? ${a.text}`, uri);
        child.range = new vscode.Range(a.range.start.line, 0, a.range.start.line, a.range.end.character);
        this.data.set(child, { kind: 'check', uri, regionIndex: i });
        return child;
      });
      item.children.replace([...kept, ...assertions]);
      children.push(item);
    }
    fileItem.children.replace(children);
  }

  private async run(request: vscode.TestRunRequest, token: vscode.CancellationToken): Promise<void> {
    const run = this.controller.createTestRun(request);
    const controller = new AbortController();
    const cancel = token.onCancellationRequested(() => controller.abort());
    // Which requests of which files: a file item means all of its requests.
    const wanted = new Map<string, { uri: vscode.Uri; regions: Set<number> }>();
    const excluded = new Set((request.exclude ?? []).map((x) => x.id));
    const add = (item: vscode.TestItem) => {
      if (excluded.has(item.id)) return;
      const d = this.data.get(item);
      if (!d) return;
      const entry = wanted.get(d.uri.toString()) ?? { uri: d.uri, regions: new Set<number>() };
      wanted.set(d.uri.toString(), entry);
      if (d.kind === 'file') item.children.forEach((c) => !excluded.has(c.id) && entry.regions.add(this.data.get(c)?.regionIndex ?? -1));
      else if (d.regionIndex !== undefined) entry.regions.add(d.regionIndex);
    };
    if (request.include) request.include.forEach(add);
    else this.controller.items.forEach(add);

    let confirmed = false;
    try {
      for (const { uri, regions } of wanted.values()) {
        if (token.isCancellationRequested) break;
        const fileItem = this.controller.items.get(uri.toString());
        if (!fileItem) continue;
        const items = [...regions].map((i) => fileItem.children.get(`${uri.toString()}#${i}`)).filter((x): x is vscode.TestItem => !!x);
        for (const it of items) run.started(it);
        const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
        const text = open ? open.getText() : new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
        this.update(uri, text);
        let result: FileRunResult | undefined;
        try {
          result = await this.runs.runForTests(uri, text, controller.signal, confirmed || vscode.workspace.isTrusted);
        } catch (err) {
          const info = err && typeof err === 'object' && 'code' in err ? (err as ErrorInfo) : { code: 'WL_INTERNAL', message: String(err) };
          for (const it of items) this.mark(run, it, 'errored', new vscode.TestMessage(formatError(info)));
          continue;
        }
        if (!result) {
          for (const it of items) this.mark(run, it, 'skipped');
          continue;
        }
        confirmed = true;
        this.report(run, uri, parseHttpFile(text), result, items);
      }
    } finally {
      cancel.dispose();
      run.end();
    }
  }

  private locate(uri: vscode.Uri, shownFile: string, source: SourceLocation | undefined, fallbackLine: number): vscode.Location {
    if (!source) return new vscode.Location(uri, new vscode.Position(fallbackLine, 0));
    // A `> handler.js` outcome points into that file, beside the .http file.
    const target = source.file === shownFile || source.file === uri.fsPath ? uri : vscode.Uri.file(isAbsolute(source.file) ? source.file : resolvePath(dirname(uri.fsPath), source.file));
    return new vscode.Location(target, new vscode.Position(Math.max(0, source.line - 1), 0));
  }

  private report(run: vscode.TestRun, uri: vscode.Uri, file: HttpFile, result: FileRunResult, items: vscode.TestItem[]): void {
    const shownFile = result.run.file ?? '';
    for (const item of items) {
      const regionIndex = this.data.get(item)?.regionIndex ?? -1;
      const line = file.regions[regionIndex]?.request?.range.start.line ?? 0;
      const r = result.results.find((x) => x.regionIndex === regionIndex);
      const notSent = r?.error ?? result.skipped.find((x) => x.regionIndex === regionIndex)?.error;
      const ex = r?.exchange;
      const duration = ex?.endedAt !== undefined ? ex.endedAt - ex.startedAt : undefined;
      if (!r || notSent) {
        const msg = new vscode.TestMessage(notSent ? formatError(notSent) : 'not sent');
        msg.location = this.locate(uri, shownFile, notSent?.source, line);
        this.mark(run, item, 'errored', msg, duration);
        item.children.forEach((c) => this.mark(run, c, 'skipped'));
        continue;
      }
      for (const l of r.logs ?? []) run.appendOutput(`${l}\r\n`, new vscode.Location(uri, new vscode.Position(line, 0)), item);
      let failed = 0;
      const seen = new Set<string>();
      for (const c of r.checks ?? []) {
        const childId = c.kind === 'assertion' ? `${item.id}#??${c.source.line - 1}` : `${item.id}#${c.kind}:${c.name}`;
        let child = item.children.get(childId);
        if (!child) {
          child = this.controller.createTestItem(childId, c.name, this.locate(uri, shownFile, c.source, line).uri);
          this.data.set(child, { kind: 'check', uri, regionIndex });
          item.children.add(child);
        }
        child.range = new vscode.Range(c.source.line - 1, 0, c.source.line - 1, 0);
        seen.add(childId);
        if (c.passed) this.mark(run, child, 'passed');
        else if (c.error?.code === 'WL_SCRIPTS_UNTRUSTED') {
          this.mark(run, child, 'skipped');
          run.appendOutput(`${c.name}: not run, this workspace is not trusted\r\n`, undefined, child);
        } else {
          failed++;
          const msg = new vscode.TestMessage(c.error ? `${c.error.code}: ${c.error.message}` : 'failed');
          msg.location = this.locate(uri, shownFile, c.error?.source ?? c.source, line);
          this.mark(run, child, 'failed', msg);
        }
      }
      item.children.forEach((c) => {
        if (!seen.has(c.id)) this.mark(run, c, 'skipped');
      });
      if (failed) {
        const msg = new vscode.TestMessage(`${failed} of ${r.checks?.length ?? 0} check(s) failed`);
        msg.location = new vscode.Location(uri, new vscode.Position(line, 0));
        this.mark(run, item, 'failed', msg, duration);
      } else this.mark(run, item, 'passed', undefined, duration);
    }
  }

  /** Reports to VS Code and remembers it. */
  private mark(run: vscode.TestRun, item: vscode.TestItem, state: Outcome['state'], message?: vscode.TestMessage, duration?: number): void {
    this.outcomes.set(item.id, { state, message: message ? String(message.message) : undefined, location: message?.location });
    if (state === 'passed') run.passed(item, duration);
    else if (state === 'skipped') run.skipped(item);
    else if (state === 'failed') run.failed(item, message ?? new vscode.TestMessage('failed'), duration);
    else run.errored(item, message ?? new vscode.TestMessage('error'), duration);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
