// "Open Recording": any .har (ours, a browser's) in a custom read-only editor drawn by the
// timeline renderer. Registered with priority "option" so other HAR tools stay the default,
// except for recordings in .wirelane/sessions, which are ours.
import * as vscode from 'vscode';
import { readHar } from '../core/har/read';
import type { Har } from '../core/har/types';
import type { HostToTimelineMessage, TimelineToHostMessage } from '../protocol/webview';
import { timelineHtml, timelineWebviewOptions } from './webviewHtml';

export const HAR_VIEW_TYPE = 'wirelane.har';
/** The same editor, but the default for recordings in .wirelane/sessions: clicking one there opens the timeline. */
export const HAR_RECORDING_VIEW_TYPE = 'wirelane.harRecording';

class HarDocument implements vscode.CustomDocument {
  constructor(
    readonly uri: vscode.Uri,
    readonly har: Har | undefined,
    readonly error: string | undefined,
    readonly warnings: string[],
  ) {}
  dispose(): void {}
}

export class HarEditorProvider implements vscode.CustomReadonlyEditorProvider<HarDocument> {
  /** Open editors by file, with what they were sent (for the tests). */
  readonly opened = new Map<string, { webview: vscode.Webview; posted: HostToTimelineMessage[]; ready: boolean }>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly openSource: (file: string, line: number) => void,
  ) {}

  static register(context: vscode.ExtensionContext, provider: HarEditorProvider): vscode.Disposable {
    const options = { webviewOptions: { retainContextWhenHidden: false }, supportsMultipleEditorsPerDocument: true };
    return vscode.Disposable.from(vscode.window.registerCustomEditorProvider(HAR_VIEW_TYPE, provider, options), vscode.window.registerCustomEditorProvider(HAR_RECORDING_VIEW_TYPE, provider, options));
  }

  async openCustomDocument(uri: vscode.Uri): Promise<HarDocument> {
    try {
      const bytes = await vscode.workspace.fs.readFile(uri);
      const text = new TextDecoder().decode(bytes);
      const read = readHar(text, vscode.workspace.asRelativePath(uri));
      return new HarDocument(uri, JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) as Har, undefined, read.warnings);
    } catch (err) {
      return new HarDocument(uri, undefined, err instanceof Error ? err.message : String(err), []);
    }
  }

  async resolveCustomEditor(doc: HarDocument, panel: vscode.WebviewPanel): Promise<void> {
    const title = vscode.workspace.asRelativePath(doc.uri);
    if (!doc.har) {
      panel.webview.options = { enableScripts: false };
      panel.webview.html = `<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'"></head><body><p></p></body></html>`;
      void vscode.window.showErrorMessage(`Wirelane: cannot open ${title}: ${doc.error}`);
      return;
    }
    const state = { webview: panel.webview, posted: [] as HostToTimelineMessage[], ready: false };
    this.opened.set(doc.uri.toString(), state);
    panel.onDidDispose(() => this.opened.delete(doc.uri.toString()));
    panel.webview.options = timelineWebviewOptions(this.extensionUri);
    panel.webview.onDidReceiveMessage((m: TimelineToHostMessage) => {
      if (m?.type === 'ready') {
        state.ready = true;
        const load: HostToTimelineMessage = { type: 'load', har: doc.har!, title };
        state.posted.push(load);
        void panel.webview.postMessage(load);
      } else if (m?.type === 'openSource' && typeof m.file === 'string' && Number.isInteger(m.line)) {
        this.openSource(m.file, m.line);
      }
    });
    panel.webview.html = timelineHtml(panel.webview, this.extensionUri, title);
    if (doc.warnings.length) void vscode.window.showWarningMessage(`Wirelane: ${title}: ${doc.warnings.slice(0, 3).join('; ')}`);
  }
}
