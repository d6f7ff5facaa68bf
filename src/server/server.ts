// The language server: wires the document store, the analyses, the diagnostics scheduler and
// every feature to an LSP connection. Any LSP client works; VS Code is one of them.
import {
  DidChangeWatchedFilesNotification,
  ErrorCodes,
  ResponseError,
  TextDocuments,
  TextDocumentSyncKind,
  type CancellationToken,
  type Connection,
  type InitializeParams,
  type InitializeResult,
  type WorkspaceEdit,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { resolveRegion, type ResolveContext } from '../core/variables';
import { environmentNames } from '../core/variables/environments';
import {
  EnvironmentsRequest,
  NamedResponseNotification,
  RequestAtRequest,
  SelectEnvironmentNotification,
  requestToWire,
  type EnvironmentsParams,
  type EnvironmentsResult,
  type NamedResponseParams,
  type RequestAtParams,
  type RequestAtResult,
  type SelectEnvironmentParams,
} from '../protocol/lsp';
import { Analyses } from './analysis';
import { complete } from './completion';
import { quickFixes } from './quickFixes';
import { DiagnosticsScheduler } from './diagnostics';
import { hover } from './hover';
import { codeLenses, definitions, documentLinks, documentSymbols, foldingRanges, references, renameEdits, targetAt } from './navigation';
import { runSafe, runSafeVoid, type Logger } from './safe';
import { regionIndexAt } from './text';
import { Workspace, uriToPath } from './workspace';
import { existsSync } from 'node:fs';

export interface ServerOptions {
  /** Debounce between a change and its diagnostics run (initializationOptions.diagnosticsDelayMs overrides). */
  diagnosticsDelayMs?: number;
}

export function startServer(connection: Connection, options: ServerOptions = {}): void {
  const documents = new TextDocuments(TextDocument);
  const analyses = new Analyses();
  const workspace = new Workspace();
  const log: Logger = { error: (m) => connection.console.error(m) };

  const resolveContext = (uri: string): ResolveContext => ({
    filePath: workspace.filePathOf(uri),
    workspaceRoot: workspace.root,
    envName: workspace.envFor(workspace.filePathOf(uri)) ?? undefined,
    readFile: workspace.readFile,
    fileExists: (p) => existsSync(p),
    processEnv: process.env,
    named: workspace.namedFor(uri),
    extraEnv: workspace.extraEnv,
  });

  let trace = false;
  const diagnostics = new DiagnosticsScheduler(
    {
      connection,
      analyses,
      log,
      document: (uri) => documents.get(uri),
      resolveContext,
      contextVersion: (uri) => String(workspace.namedVersion(uri)),
      trace: (m) => trace && connection.console.log(m),
    },
    options.diagnosticsDelayMs ?? 30,
  );
  const recheckAll = () => {
    for (const d of documents.all()) diagnostics.schedule(d.uri, 0);
  };

  let watchFiles = false;
  // Clients that cannot take snippets get plain text (`${1:x}` would be typed in literally).
  let snippets = false;
  connection.onInitialize((params: InitializeParams): InitializeResult => {
    watchFiles = params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    snippets = params.capabilities.textDocument?.completion?.completionItem?.snippetSupport === true;
    const rootUri = params.workspaceFolders?.[0]?.uri ?? params.rootUri ?? undefined;
    workspace.root = (rootUri ? uriToPath(rootUri) : undefined) ?? params.rootPath ?? undefined;
    const init = (params.initializationOptions ?? {}) as { environment?: unknown; diagnosticsDelayMs?: unknown; environmentVariables?: unknown; trace?: unknown; codeLenses?: unknown };
    trace = init.trace === true;
    if (typeof init.environment === 'string' && init.environment !== '') workspace.selectedEnv = init.environment;
    if (typeof init.diagnosticsDelayMs === 'number' && init.diagnosticsDelayMs >= 0) diagnostics.delayMs = init.diagnosticsDelayMs;
    if (init.environmentVariables && typeof init.environmentVariables === 'object') workspace.extraEnv = init.environmentVariables as Record<string, string>;
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        completionProvider: { triggerCharacters: ['{', '@', '$', '.', ':'] },
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: ['quickfix'] },
        // `codeLenses: false`: the client draws the lenses itself (VS Code's extension does, in-process,
        // from the same requestLenses()), so the server does not offer them twice. Other clients get them.
        ...(init.codeLenses === false ? {} : { codeLensProvider: { resolveProvider: false } }),
        documentSymbolProvider: true,
        foldingRangeProvider: true,
        documentLinkProvider: { resolveProvider: false },
        definitionProvider: true,
        referencesProvider: true,
        renameProvider: { prepareProvider: true },
      },
      serverInfo: { name: 'wirelane', version: '0.1.0' },
    };
  });

  // Environment files and .env change outside the editor: ask the client to tell us.
  connection.onInitialized(() =>
    runSafeVoid(log, 'initialized', () => {
      if (!watchFiles) return;
      void connection.client
        .register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/{http-client.env.json,http-client.private.env.json,.env}' }] })
        .catch((err: unknown) => log.error(`file watcher registration failed: ${String(err)}`));
    }),
  );

  // TextDocuments reports an open as a content change too: check an opened document at once,
  // debounce only real edits.
  const justOpened = new Map<string, number>();
  documents.onDidOpen((e) =>
    runSafeVoid(log, 'didOpen', () => {
      justOpened.set(e.document.uri, e.document.version);
      diagnostics.opened(e.document.uri);
    }),
  );
  documents.onDidChangeContent((e) =>
    runSafeVoid(log, 'didChange', () => {
      const opened = justOpened.get(e.document.uri);
      justOpened.delete(e.document.uri);
      if (opened === e.document.version) return;
      diagnostics.schedule(e.document.uri);
    }),
  );
  documents.onDidClose((e) =>
    runSafeVoid(log, 'didClose', () => {
      diagnostics.cancel(e.document.uri);
      analyses.forget(e.document.uri);
      workspace.named.delete(e.document.uri);
      void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
    }),
  );
  // Env files and .env changed on disk: the read cache re-stats them, so a re-check is enough.
  connection.onDidChangeWatchedFiles(() =>
    runSafeVoid(log, 'didChangeWatchedFiles', () => {
      diagnostics.resetCaches();
      recheckAll();
    }),
  );

  // vscode-languageserver bundles its own vscode-jsonrpc (9.x) while src/protocol's message types
  // come from the client's (10.x): the server registers by method name, typed by the shared params.
  connection.onNotification(SelectEnvironmentNotification.method, (p: SelectEnvironmentParams) =>
    runSafeVoid(log, SelectEnvironmentNotification.method, () => {
      workspace.selectedEnv = p && typeof p.name === 'string' && p.name !== '' ? p.name : null;
      recheckAll();
    }),
  );
  connection.onNotification(NamedResponseNotification.method, (p: NamedResponseParams) =>
    runSafeVoid(log, NamedResponseNotification.method, () => {
      workspace.setNamed(p.uri, p.name, p.exchange);
      diagnostics.schedule(p.uri, 0);
    }),
  );

  connection.onRequest(EnvironmentsRequest.method, (p: EnvironmentsParams | undefined, token: CancellationToken) =>
    runSafe<EnvironmentsResult, void>(log, EnvironmentsRequest.method, token, { names: [], selected: workspace.selectedEnv, files: [] }, () => {
      const filePath = p?.uri ? workspace.filePathOf(p.uri) : `${workspace.root ?? process.cwd()}/untitled.http`;
      const env = workspace.environments(filePath);
      return { names: environmentNames(env), selected: workspace.selectedEnv, files: env.files.map((f) => f.path) };
    }),
  );
  connection.onRequest(RequestAtRequest.method, (p: RequestAtParams, token: CancellationToken) =>
    runSafe<RequestAtResult | null, void>(log, RequestAtRequest.method, token, null, () => {
      const doc = documents.get(p.uri);
      if (!doc) return null;
      const file = analyses.get(doc).file;
      const index = regionIndexAt(file, p.line);
      if (index < 0 || !file.regions[index].request) return { regionIndex: -1, needs: [], diagnostics: [] };
      const regionRange = file.regions[index].range;
      const parseProblems = file.diagnostics.filter((d) => d.severity === 'error' && d.range.start.line >= regionRange.start.line && d.range.start.line <= regionRange.end.line);
      const res = resolveRegion(file, index, resolveContext(p.uri));
      const request = parseProblems.length === 0 && res.request ? requestToWire(res.request) : undefined;
      return { regionIndex: index, request, needs: res.needs, diagnostics: [...parseProblems, ...res.diagnostics] };
    }),
  );

  connection.onCompletion((p, token) =>
    runSafe(log, 'completion', token, [], () => {
      const doc = documents.get(p.textDocument.uri);
      if (!doc) return [];
      // The last parse is enough for names; don't make the user wait for a re-parse.
      const file = analyses.peek(doc.uri)?.file ?? analyses.get(doc).file;
      return complete({
        doc,
        position: p.position,
        file,
        env: workspace.environments(workspace.filePathOf(doc.uri)),
        envName: workspace.envFor(workspace.filePathOf(doc.uri)),
        extraEnv: workspace.extraEnv,
        namedHeaders: (name) =>
          workspace
            .namedFor(doc.uri)
            .get(name)
            ?.response?.headers.map(([k]) => k) ?? [],
        snippets,
      });
    }),
  );
  connection.onCodeAction((p, token) =>
    runSafe(log, 'codeAction', token, [], () => {
      const doc = documents.get(p.textDocument.uri);
      if (!doc || !p.context.diagnostics.length) return [];
      const filePath = workspace.filePathOf(doc.uri);
      return quickFixes({
        doc,
        file: analyses.get(doc).file,
        diagnostics: p.context.diagnostics.filter((d) => d.source === 'wirelane'),
        env: workspace.environments(filePath),
        envName: workspace.envFor(filePath),
        extraEnv: workspace.extraEnv,
      });
    }),
  );
  connection.onHover((p, token) =>
    runSafe(log, 'hover', token, null, () => {
      const doc = documents.get(p.textDocument.uri);
      if (!doc) return null;
      const filePath = workspace.filePathOf(doc.uri);
      return hover({
        doc,
        position: p.position,
        file: analyses.get(doc).file,
        ctx: resolveContext(doc.uri),
        env: workspace.environments(filePath),
        dotenv: () => workspace.dotenv(filePath),
      });
    }),
  );
  connection.onCodeLens((p, token) =>
    runSafe(log, 'codeLens', token, [], () => {
      const doc = documents.get(p.textDocument.uri);
      return doc ? codeLenses(doc.uri, analyses.get(doc).file, () => token.isCancellationRequested) : [];
    }),
  );
  connection.onDocumentSymbol((p, token) =>
    runSafe(log, 'documentSymbol', token, [], () => {
      const doc = documents.get(p.textDocument.uri);
      return doc ? documentSymbols(analyses.get(doc).file, doc) : [];
    }),
  );
  connection.onFoldingRanges((p, token) =>
    runSafe(log, 'foldingRange', token, [], () => {
      const doc = documents.get(p.textDocument.uri);
      return doc ? foldingRanges(doc, analyses.get(doc).file) : [];
    }),
  );
  connection.onDocumentLinks((p, token) =>
    runSafe(log, 'documentLink', token, [], () => {
      const doc = documents.get(p.textDocument.uri);
      return doc ? documentLinks(workspace.filePathOf(doc.uri), analyses.get(doc).file) : [];
    }),
  );
  connection.onDefinition((p, token) =>
    runSafe(log, 'definition', token, [], () => {
      const doc = documents.get(p.textDocument.uri);
      if (!doc) return [];
      const file = analyses.get(doc).file;
      const target = targetAt(doc, file, p.position);
      if (!target) return [];
      return definitions(doc.uri, file, target, workspace.environments(workspace.filePathOf(doc.uri)), workspace.envFor(workspace.filePathOf(doc.uri)), workspace.readFile);
    }),
  );
  connection.onReferences((p, token) =>
    runSafe(log, 'references', token, [], () => {
      const doc = documents.get(p.textDocument.uri);
      if (!doc) return [];
      const file = analyses.get(doc).file;
      const target = targetAt(doc, file, p.position);
      return target ? references(doc.uri, file, target, p.context.includeDeclaration, () => token.isCancellationRequested) : [];
    }),
  );
  connection.onPrepareRename((p, token) =>
    runSafe(log, 'prepareRename', token, null, () => {
      const doc = documents.get(p.textDocument.uri);
      if (!doc) return null;
      const file = analyses.get(doc).file;
      const target = targetAt(doc, file, p.position);
      if (!target) return null;
      if (target.kind === 'variable' && !file.variables.some((v) => v.name === target.name)) return null;
      return { range: target.range, placeholder: target.name };
    }),
  );
  connection.onRenameRequest((p, token) =>
    runSafe<WorkspaceEdit | ResponseError<void> | null, void>(log, 'rename', token, null, () => {
      const doc = documents.get(p.textDocument.uri);
      if (!doc) return null;
      const file = analyses.get(doc).file;
      const target = targetAt(doc, file, p.position);
      if (!target) return null;
      const edit = renameEdits(doc.uri, file, target, p.newName);
      // A rename that would break the file is refused with a message the editor shows.
      if ('error' in edit) return new ResponseError<void>(ErrorCodes.InvalidParams, edit.error);
      return edit;
    }),
  );

  connection.onShutdown(() => diagnostics.dispose());
  documents.listen(connection);
  connection.listen();
}
