// Start/Stop Recording: every run while recording is written to
// <workspace>/<wirelane.recording.folder>/<date>-<name>.har by the crash-safe HarFileWriter
// (temp file + atomic rename on each flush). It writes through node:fs, not workspace.fs: a
// rename is what makes a VS Code killed mid-recording leave a valid file, and workspace.fs has
// no atomic replace. Recordings therefore need a workspace folder on the local disk (file: scheme).
import * as vscode from 'vscode';
import { HarFileWriter } from '../runner/harFile';
import type { RunRecorder } from '../core/timeline/recorder';

export class Recording implements vscode.Disposable {
  private writer: HarFileWriter | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private offs: Array<() => void> = [];
  name: string | undefined;

  get active(): boolean {
    return this.writer !== undefined;
  }

  get file(): vscode.Uri | undefined {
    return this.writer ? vscode.Uri.file(this.writer.path) : undefined;
  }

  get lastError(): Error | undefined {
    return this.writer?.lastError;
  }

  /** Starts writing; returns the file. Throws when there is no local workspace folder. */
  start(name: string, opts: { folder: string; redactSecrets: boolean; version: string }): vscode.Uri {
    if (this.writer) this.stop();
    const root = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
    if (!root) throw new Error('Recording needs a workspace folder on this machine: open a folder first.');
    const safe =
      name
        .trim()
        .replace(/[^\w.-]+/g, '-')
        .replace(/^-+|-+$/g, '') || 'session';
    const d = new Date();
    const pad = (n: number) => String(n).padStart(2, '0');
    const stamp = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;
    const target = vscode.Uri.joinPath(root.uri, ...opts.folder.split(/[\\/]+/).filter(Boolean), `${stamp}-${safe}.har`);
    this.writer = new HarFileWriter({ path: target.fsPath, keepSecrets: !opts.redactSecrets, creatorVersion: opts.version });
    if (this.writer.lastError) {
      const err = this.writer.lastError;
      this.writer = undefined;
      throw new Error(`Cannot write ${target.fsPath}: ${err.message}`);
    }
    this.name = safe;
    this.changed.fire();
    return target;
  }

  /** Records this run from now on (no-op when not recording). */
  attach(recorder: RunRecorder): void {
    if (this.writer) this.offs.push(this.writer.attach(recorder));
  }

  /** Values from private environments: redacted from the file unless the user opted out. */
  addSecrets(values: Iterable<string>): void {
    this.writer?.addSecrets(values);
  }

  stop(): vscode.Uri | undefined {
    const w = this.writer;
    if (!w) return undefined;
    w.close();
    this.offs = [];
    this.writer = undefined;
    this.name = undefined;
    this.changed.fire();
    return vscode.Uri.file(w.path);
  }

  dispose(): void {
    this.stop();
    this.changed.dispose();
  }
}
