// Code lenses served in the extension host: VS Code draws "Send" as soon as the extension's small
// start-up bundle is loaded, without waiting for the language server's process, its initialize
// round trip and a request. The lenses are requestLenses() — the server builds its LSP lenses (for
// other editors) with the same function. One incremental parser per open document, as in the server.
import * as vscode from 'vscode';
import { createIncrementalParser, type HttpFile, type IncrementalParser } from '../core/httpfile';
import { requestLenses } from '../protocol/lenses';

export class HttpCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly parsed = new Map<string, { parser: IncrementalParser; version: number; file: HttpFile }>();
  private readonly closed = vscode.workspace.onDidCloseTextDocument((doc) => this.parsed.delete(doc.uri.toString()));
  private answered: () => void = () => undefined;
  /** Resolves once VS Code has asked for lenses the first time (the answer is on its way). */
  readonly firstAnswer = new Promise<void>((resolve) => (this.answered = resolve));

  provideCodeLenses(doc: vscode.TextDocument, token: vscode.CancellationToken): vscode.CodeLens[] {
    const uri = doc.uri.toString();
    const lenses = requestLenses(uri, this.parse(doc), () => token.isCancellationRequested).map((l) => {
      const at = new vscode.Range(l.line, 0, l.line, 0);
      return new vscode.CodeLens(at, { title: l.title, command: l.command, arguments: l.arguments });
    });
    this.answered();
    return lenses;
  }

  private parse(doc: vscode.TextDocument): HttpFile {
    const key = doc.uri.toString();
    let entry = this.parsed.get(key);
    if (entry?.version === doc.version) return entry.file;
    const parser = entry?.parser ?? createIncrementalParser();
    entry = { parser, version: doc.version, file: parser.parse(doc.getText()) };
    this.parsed.set(key, entry);
    return entry.file;
  }

  dispose(): void {
    this.closed.dispose();
    this.parsed.clear();
  }
}
