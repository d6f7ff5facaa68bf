// The extension's entry (dist/extension.js): a small bundle that VS Code loads and runs first. It
// registers the code lens provider, so "Send" is drawn as soon as VS Code asks, then loads the
// rest of the extension (dist/extension-main.js: the language client, the runner, the views; main.ts)
// and activates it. The exports and activate()/deactivate() are main.ts's: the API is its WirelaneApi.
import * as vscode from 'vscode';
import { HttpCodeLensProvider } from './codeLenses';
import type * as Main from './main';

/** The longest the rest of the extension waits for VS Code's first lens request. */
const LENS_FIRST_MS = 1000;

let main: typeof Main | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<Main.WirelaneApi> {
  const lenses = new HttpCodeLensProvider();
  context.subscriptions.push(lenses, vscode.languages.registerCodeLensProvider({ language: 'http' }, lenses));
  // VS Code asks for lenses only after a debounce (~375 ms cold, more under load). When an .http
  // document is what activated us, the rest waits for that first request: compiling the large
  // bundle and starting the language server (whose registrations make the editor ask for symbols,
  // folding and links) otherwise delays the lens request and its answer by 100–400 ms on a loaded
  // machine. The language server starts that much later (BENCHMARKS.md, "Extension in code-server").
  const lensesWanted = vscode.workspace.textDocuments.some((d) => d.languageId === 'http') && vscode.workspace.getConfiguration('editor', { languageId: 'http' }).get<boolean>('codeLens') !== false;
  if (lensesWanted) await Promise.race([lenses.firstAnswer, new Promise((r) => setTimeout(r, LENS_FIRST_MS))]);
  // A few ms for the answer (or the registration) to leave this process before the host is busy compiling.
  await new Promise((r) => setTimeout(r, 20));
  // A plain require of the sibling bundle (kept out of this one by the build).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  main = require('./extension-main.js') as typeof Main;
  return main.activate(context);
}

export async function deactivate(): Promise<void> {
  await main?.deactivate();
}
