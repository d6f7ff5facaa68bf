// The extension's entry (dist/extension.js): a small bundle that VS Code loads and runs first. It
// registers the code lens provider, so "Send" is drawn as soon as VS Code asks, then loads the
// rest of the extension (dist/extension-main.js: the language client, the runner, the views; main.ts)
// and activates it. The exports and activate()/deactivate() are main.ts's: the API is its WirelaneApi.
import * as vscode from 'vscode';
import { HttpCodeLensProvider } from './codeLenses';
import type * as Main from './main';

let main: typeof Main | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<Main.WirelaneApi> {
  const lenses = new HttpCodeLensProvider();
  context.subscriptions.push(lenses, vscode.languages.registerCodeLensProvider({ language: 'http' }, lenses));
  // One turn of the event loop first: the registration reaches VS Code (and it can ask for lenses)
  // before the host spends its time compiling the large bundle.
  await new Promise((r) => setTimeout(r, 0));
  // A plain require of the sibling bundle (kept out of this one by the build).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  main = require('./extension-main.js') as typeof Main;
  return main.activate(context);
}

export async function deactivate(): Promise<void> {
  await main?.deactivate();
}
