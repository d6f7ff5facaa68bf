// Extension entry: activate() is the composition root. It wires the language client, the runner
// (in this extension host process), the response documents, the timeline panel, the HAR editor,
// WebSocket session views, recording and the status bar, and registers the commands.
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { LensCommands, NamedResponseNotification, SelectEnvironmentNotification, EnvironmentsRequest } from '../protocol/lsp';
import { fromCurl, toCurl } from './curl';
import { HarEditorProvider, HAR_VIEW_TYPE } from './harEditor';
import { EnvironmentChoice } from './environment';
import { createLanguageClient } from './languageClient';
import { Recording } from './recording';
import { ResponseDocuments } from './responseView';
import { RunService } from './runService';
import { HttpTestController } from './testing';
import { readSettings } from './settings';
import { WirelaneStatusBar } from './statusBar';
import { NetworkStatusItem } from './networkPicker';
import { TimelinePanel } from './timelinePanel';
import { WsSessionView } from './wsSessionView';

/** What activate() returns: the tests drive and observe the extension through it. */
export interface WirelaneApi {
  client: LanguageClient;
  runs: RunService;
  timeline: TimelinePanel;
  responses: ResponseDocuments;
  harEditor: HarEditorProvider;
  recording: Recording;
  statusBar: WirelaneStatusBar;
  /** The status bar item of simulated network conditions (`wirelane.network`). */
  networkStatus: NetworkStatusItem;
  wsViews: Set<WsSessionView>;
  /** The Testing view's controller (requests with handlers or `??` lines). */
  tests: HttpTestController;
  /** Every notification shown, newest last. */
  notifications: Array<{ level: string; message: string }>;
  /** What went to the Output channel (level and message), newest last, bounded. */
  logged: Array<{ level: string; message: string }>;
  clientReady: Promise<void>;
  /** How long activate() itself took, in ms (loading the bundle comes before it; the integration suite reports both). */
  activateMs: number;
}

let api: WirelaneApi | undefined;

export function activate(context: vscode.ExtensionContext): WirelaneApi {
  const activateStart = performance.now();
  const logged: WirelaneApi['logged'] = [];
  const log = remembering(vscode.window.createOutputChannel('Wirelane', { log: true }), logged);
  context.subscriptions.push(log);
  const version = String(context.extension.packageJSON.version ?? '0.0.0');
  const notifications: WirelaneApi['notifications'] = [];
  const notify = (level: 'info' | 'warning' | 'error', message: string, ...actions: string[]): Thenable<string | undefined> => {
    notifications.push({ level, message });
    if (notifications.length > 100) notifications.shift();
    if (level === 'error') return vscode.window.showErrorMessage(message, ...actions);
    if (level === 'warning') return vscode.window.showWarningMessage(message, ...actions);
    return vscode.window.showInformationMessage(message, ...actions);
  };

  const openSource = (file: string, line: number) => {
    // Sources from runFile are relative to the extension host's cwd when under it; ours are absolute.
    const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    const candidates = isAbsolute(file) ? [file] : [join(process.cwd(), file), ...folders.map((f) => join(f, file))];
    const path = candidates.find((p) => existsSync(p)) ?? candidates[0];
    const pos = new vscode.Position(Math.max(0, line - 1), 0);
    void vscode.window.showTextDocument(vscode.Uri.file(path), { selection: new vscode.Range(pos, pos), viewColumn: vscode.ViewColumn.One });
  };

  const envChoice = new EnvironmentChoice(context.workspaceState);
  const settings = () => readSettings(envChoice);
  const client = createLanguageClient(context, log, envChoice.selected());
  const clientReady = client.start().catch((err) => {
    log.error(`language server failed to start: ${err instanceof Error ? err.message : String(err)}`);
  });
  context.subscriptions.push({ dispose: () => void client.stop().catch(() => undefined) });

  const responses = new ResponseDocuments();
  const timeline = new TimelinePanel(context.extensionUri, openSource);
  const recording = new Recording();
  const statusBar = new WirelaneStatusBar(recording, () => {
    const doc = vscode.window.activeTextEditor?.document;
    if (!doc || doc.languageId !== 'http') return envChoice.selected();
    const env = envChoice.forDocument(doc);
    return env.name && env.lone ? `${env.name} (the only one)` : env.name;
  });
  const harEditor = new HarEditorProvider(context.extensionUri, openSource);
  const wsViews = new Set<WsSessionView>();
  const networkStatus = new NetworkStatusItem();
  context.subscriptions.push(responses, timeline, recording, statusBar, networkStatus, HarEditorProvider.register(context, harEditor));
  recording.onDidChange(() => {
    statusBar.update();
    void vscode.commands.executeCommand('setContext', 'wirelane.recording', recording.active);
  });
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (!e.affectsConfiguration('wirelane.environment')) return;
      // Set by hand in settings: that wins over an earlier pick.
      await envChoice.forgetPick();
      if (client.isRunning()) await client.sendNotification(SelectEnvironmentNotification.type, { name: envChoice.selected() ?? null });
      statusBar.update();
    }),
    vscode.window.onDidChangeActiveTextEditor(() => statusBar.update()),
  );

  const runs = new RunService({
    log,
    timeline,
    responses,
    recording,
    settings,
    environmentFor: (doc) => envChoice.forDocument(doc).name,
    environmentNames: (doc) => envChoice.forDocument(doc).names,
    notify,
    namedResponse: (uri, name, exchange) => {
      if (client.isRunning()) void client.sendNotification(NamedResponseNotification.type, { uri, name, exchange });
    },
  });
  context.subscriptions.push({ dispose: () => void runs.dispose() });
  const tests = new HttpTestController(runs);
  context.subscriptions.push(tests);

  /** The document and 0-based line a command acts on: lens arguments `[uri, line]`, else the active editor. */
  async function target(args: unknown[]): Promise<{ doc: vscode.TextDocument; line: number } | undefined> {
    const [uriArg, lineArg] = args;
    if (typeof uriArg === 'string' || uriArg instanceof vscode.Uri) {
      const uri = typeof uriArg === 'string' ? vscode.Uri.parse(uriArg) : uriArg;
      const doc = await vscode.workspace.openTextDocument(uri);
      const line = typeof lineArg === 'number' ? lineArg : vscode.window.activeTextEditor?.document === doc ? vscode.window.activeTextEditor.selection.active.line : 0;
      return { doc, line };
    }
    const editor = vscode.window.activeTextEditor;
    if (!editor || editor.document.languageId !== 'http') {
      void notify('warning', 'Wirelane: open a .http file and put the cursor in a request first.');
      return undefined;
    }
    return { doc: editor.document, line: editor.selection.active.line };
  }

  const register = (id: string, fn: (...args: unknown[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));

  register(LensCommands.sendRequest, async (...args) => {
    const t = await target(args);
    return t && runs.sendAt(t.doc, t.line);
  });
  register(LensCommands.sendRequestNewConnection, async (...args) => {
    const t = await target(args);
    return t && runs.sendAt(t.doc, t.line, { newConnection: true });
  });
  register('wirelane.sendAll', async (...args) => {
    const t = await target(args);
    return t && runs.sendAll(t.doc);
  });
  register(LensCommands.compareModes, async (...args) => {
    const t = await target(args);
    return t && runs.compare(t.doc);
  });
  register('wirelane.cancel', () => {
    const n = runs.cancelAll();
    if (!n) void notify('info', 'Wirelane: nothing is running.');
    return n;
  });
  register(LensCommands.connectWebSocket, async (...args) => {
    const t = await target(args);
    if (!t) return undefined;
    const out = await runs.connectWebSocketAt(t.doc, t.line);
    if (out.handle) {
      const view = new WsSessionView(out.handle, (m) => void notify('error', m));
      wsViews.add(view);
      view.panel.onDidDispose(() => wsViews.delete(view));
      return { ...out, view };
    }
    return out;
  });
  register('wirelane.openTimeline', () => {
    timeline.show(false);
    return timeline;
  });
  /** The timeline entry of the latest exchange sent from the request region holding `line`. */
  const entryAt = (doc: vscode.TextDocument, line: number): number | undefined => {
    const file = doc.uri.fsPath;
    const start = lineRangeStart(doc, line);
    const end = lineRangeEnd(doc, line);
    return timeline.feed.entryIndexWhere((ex) => !!ex.source && (ex.source.file === file || file.endsWith(`/${ex.source.file}`)) && ex.source.line - 1 >= start && ex.source.line - 1 <= end);
  };
  register('wirelane.revealInTimeline', async (...args) => {
    const t = await target(args);
    if (!t) return undefined;
    const entry = entryAt(t.doc, t.line);
    timeline.show(false);
    if (entry === undefined) void notify('info', 'Wirelane: this request has not been sent in the timeline shown.');
    else timeline.reveal(entry);
    return entry;
  });
  // The open timeline follows the cursor: moving into a request selects its latest exchange.
  let followTimer: NodeJS.Timeout | undefined;
  let followed: number | undefined;
  context.subscriptions.push(
    vscode.window.onDidChangeTextEditorSelection((e) => {
      if (e.textEditor.document.languageId !== 'http' || !timeline.isOpen) return;
      if (followTimer) clearTimeout(followTimer);
      followTimer = setTimeout(() => {
        const entry = entryAt(e.textEditor.document, e.selections[0].active.line);
        if (entry !== undefined && entry !== followed) timeline.reveal(entry);
        followed = entry;
      }, 150);
    }),
    { dispose: () => followTimer && clearTimeout(followTimer) },
  );
  register('wirelane.openRecording', async (uriArg?: unknown) => {
    let uri = uriArg instanceof vscode.Uri ? uriArg : undefined;
    if (!uri) {
      const folder = vscode.workspace.workspaceFolders?.[0];
      const picked = await vscode.window.showOpenDialog({
        canSelectMany: false,
        filters: { 'HTTP Archive': ['har'] },
        defaultUri: folder ? vscode.Uri.joinPath(folder.uri, readSettings().recordingFolder) : undefined,
        openLabel: 'Open in Wirelane Timeline',
      });
      uri = picked?.[0];
    }
    if (uri) await vscode.commands.executeCommand('vscode.openWith', uri, HAR_VIEW_TYPE);
    return uri;
  });
  register('wirelane.startRecording', async (nameArg?: unknown) => {
    const s = readSettings();
    const name =
      typeof nameArg === 'string' ? nameArg : await vscode.window.showInputBox({ title: 'Start Recording', prompt: `Name of the recording (saved in ${s.recordingFolder})`, value: 'session' });
    if (name === undefined) return undefined;
    try {
      const file = recording.start(name, { folder: s.recordingFolder, redactSecrets: s.redactSecrets, version });
      // The editor session starts over so the recording holds whole connections, not ones opened before it.
      await runs.resetInteractive();
      void notify('info', `Wirelane: recording to ${vscode.workspace.asRelativePath(file)}${s.redactSecrets ? '' : ' (secrets NOT redacted)'}.`);
      return file;
    } catch (err) {
      void notify('error', `Wirelane: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  });
  register('wirelane.stopRecording', async () => {
    const file = recording.stop();
    if (!file) {
      void notify('info', 'Wirelane: not recording.');
      return undefined;
    }
    void notify('info', `Wirelane: recording saved to ${vscode.workspace.asRelativePath(file)}.`, 'Open').then((a) => {
      if (a === 'Open') void vscode.commands.executeCommand('vscode.openWith', file, HAR_VIEW_TYPE);
    });
    return file;
  });
  register('wirelane.selectEnvironment', async (nameArg?: unknown) => {
    let name: string | null | undefined = typeof nameArg === 'string' ? nameArg : nameArg === null ? null : undefined;
    if (name === undefined) {
      const uri = vscode.window.activeTextEditor?.document.uri.toString();
      let names: string[] = [];
      try {
        names = (await client.sendRequest(EnvironmentsRequest.type, { uri })).names;
      } catch (err) {
        log.warn(`environments request failed: ${err instanceof Error ? err.message : String(err)}`);
      }
      const none = '$(circle-slash) No environment';
      const pick = await vscode.window.showQuickPick([none, ...names], {
        title: 'Wirelane: Select Environment',
        placeHolder: names.length ? 'Environment from http-client.env.json' : 'No http-client.env.json found',
      });
      if (pick === undefined) return undefined;
      name = pick === none ? null : pick;
    }
    // Kept in the workspace's state: picking an environment never writes .vscode/settings.json.
    await envChoice.pick(name);
    if (client.isRunning()) await client.sendNotification(SelectEnvironmentNotification.type, { name });
    statusBar.update();
    return name;
  });
  register('wirelane.copyAsCurl', async (...args) => {
    const t = await target(args);
    if (!t) return undefined;
    try {
      const request = await runs.resolvedRequestAt(t.doc, t.line);
      const cmd = toCurl(request);
      await vscode.env.clipboard.writeText(cmd);
      void notify('info', 'Wirelane: curl command copied.');
      return cmd;
    } catch (err) {
      void notify('error', `Wirelane: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  });
  register('wirelane.importCurl', async (cmdArg?: unknown) => {
    const clip = await vscode.env.clipboard.readText();
    const cmd =
      typeof cmdArg === 'string' ? cmdArg : await vscode.window.showInputBox({ title: 'Import from cURL', prompt: 'Paste a curl command', value: clip.trim().startsWith('curl') ? clip.trim() : '' });
    if (!cmd) return undefined;
    let region: string;
    try {
      region = fromCurl(cmd);
    } catch (err) {
      void notify('error', `Wirelane: cannot import: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
    const editor = vscode.window.activeTextEditor;
    if (editor && editor.document.languageId === 'http') {
      const line = editor.selection.active.line;
      const at = new vscode.Position(line, 0);
      const prefix = line > 0 && editor.document.lineAt(line - 1).text.trim() !== '' ? '\n' : '';
      await editor.edit((e) => e.insert(at, prefix + region + '\n'));
      return editor.document;
    }
    const doc = await vscode.workspace.openTextDocument({ language: 'http', content: region });
    await vscode.window.showTextDocument(doc);
    return doc;
  });

  if (!vscode.workspace.isTrusted) {
    log.info('Untrusted workspace: every send asks first; environment variables, TLS and proxy settings from the workspace are not used.');
  }
  context.subscriptions.push(vscode.workspace.onDidGrantWorkspaceTrust(() => log.info('Workspace trusted: requests are sent without asking.')));

  api = { client, runs, timeline, responses, harEditor, recording, statusBar, networkStatus, wsViews, tests, notifications, logged, clientReady: clientReady.then(() => undefined), activateMs: 0 };
  api.activateMs = performance.now() - activateStart;
  return api;
}

/** The Output channel, also keeping what was written at each level (the tests read it). */
function remembering(channel: vscode.LogOutputChannel, into: WirelaneApi['logged']): vscode.LogOutputChannel {
  const levels = new Set(['trace', 'debug', 'info', 'warn', 'error']);
  return new Proxy(channel, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof prop !== 'string' || !levels.has(prop) || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
      return (message: string | Error, ...args: unknown[]) => {
        into.push({ level: prop, message: message instanceof Error ? message.message : message });
        if (into.length > 500) into.splice(0, 100);
        return (value as (...a: unknown[]) => void).call(target, message, ...args);
      };
    },
  });
}

/** Start line of the region holding `line`: the nearest `###` at or above it. */
function lineRangeStart(doc: vscode.TextDocument, line: number): number {
  for (let l = line; l >= 0; l--) if (doc.lineAt(l).text.startsWith('###')) return l;
  return 0;
}

/** Last line of the region holding `line`: the line before the next `###`. */
function lineRangeEnd(doc: vscode.TextDocument, line: number): number {
  for (let l = line + 1; l < doc.lineCount; l++) if (doc.lineAt(l).text.startsWith('###')) return l - 1;
  return doc.lineCount - 1;
}

export async function deactivate(): Promise<void> {
  if (!api) return;
  const a = api;
  api = undefined;
  a.recording.stop();
  await a.runs.dispose();
  await a.client.stop().catch(() => undefined);
}
