// Starts the Wirelane language server (dist/server.js, over IPC) and shows its log in the "Wirelane" output.
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { SERVER_NODE_FLAGS } from '../protocol/serverProcess';

export function createLanguageClient(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, environment: string | undefined): LanguageClient {
  const module = vscode.Uri.joinPath(context.extensionUri, 'dist', 'server.js').fsPath;
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc, options: { execArgv: [...SERVER_NODE_FLAGS] } },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: [...SERVER_NODE_FLAGS, '--nolazy', '--inspect=6019'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ language: 'http' }],
    outputChannel: log,
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/{http-client.env.json,http-client.private.env.json,.env}') },
    // The extension provides the code lenses itself (codeLenses.ts), before the server is up.
    initializationOptions: { environment: environment ?? null, codeLenses: false },
  };
  return new LanguageClient('wirelane', 'Wirelane Language Server', serverOptions, clientOptions);
}
