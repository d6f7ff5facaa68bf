// The timeline panel: one per workspace, drawn by media/dist/timeline.js, fed live by TimelineFeed.
import * as vscode from 'vscode';
import type { HostToTimelineMessage, TimelineToHostMessage } from '../protocol/webview';
import { besideColumn } from './columns';
import { TimelineFeed } from './timelineFeed';
import { timelineHtml, timelineWebviewOptions } from './webviewHtml';

export const TIMELINE_VIEW_TYPE = 'wirelane.timeline';

export class TimelinePanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private ready = false;
  readonly feed: TimelineFeed;
  /** Every message posted to the renderer, newest last (bounded), for the integration tests. */
  readonly posted: HostToTimelineMessage[] = [];
  private readonly readyEmitter = new vscode.EventEmitter<void>();
  readonly onDidBecomeReady = this.readyEmitter.event;
  private selected: number | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly openSource: (file: string, line: number) => void,
  ) {
    this.feed = new TimelineFeed((m) => this.post(m));
  }

  get isOpen(): boolean {
    return this.panel !== undefined;
  }

  get isReady(): boolean {
    return this.ready;
  }

  show(preserveFocus = true): void {
    if (this.panel) {
      this.panel.reveal(undefined, preserveFocus);
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      TIMELINE_VIEW_TYPE,
      'Wirelane Timeline',
      { viewColumn: besideColumn(), preserveFocus },
      {
        ...timelineWebviewOptions(this.extensionUri),
        retainContextWhenHidden: true,
      },
    );
    this.panel = panel;
    this.ready = false;
    panel.webview.onDidReceiveMessage((m: TimelineToHostMessage) => this.onMessage(m));
    panel.onDidDispose(() => {
      this.panel = undefined;
      this.ready = false;
    });
    panel.webview.html = timelineHtml(panel.webview, this.extensionUri, 'Wirelane Timeline');
  }

  reveal(entry: number): void {
    this.post({ type: 'reveal', entry });
  }

  private onMessage(m: TimelineToHostMessage): void {
    switch (m?.type) {
      case 'ready':
        this.ready = true;
        this.feed.flush();
        this.send({ type: 'load', har: this.feed.snapshot(), title: this.feed.title });
        if (this.selected !== undefined) this.send({ type: 'reveal', entry: this.selected });
        this.readyEmitter.fire();
        break;
      case 'openSource':
        if (typeof m.file === 'string' && Number.isInteger(m.line)) this.openSource(m.file, m.line);
        break;
      case 'selected':
        break;
    }
  }

  private post(m: HostToTimelineMessage): void {
    if (m.type === 'reveal') this.selected = m.entry;
    if (m.type === 'clear') this.selected = undefined;
    if (!this.panel) return;
    // Before `ready` the renderer gets everything at once in `load`.
    if (!this.ready) return;
    this.send(m);
  }

  private send(m: HostToTimelineMessage): void {
    this.posted.push(m);
    if (this.posted.length > 200) this.posted.splice(0, 100);
    void this.panel?.webview.postMessage(m);
  }

  dispose(): void {
    this.feed.dispose();
    this.panel?.dispose();
    this.readyEmitter.dispose();
  }
}
