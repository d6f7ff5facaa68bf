// Which environment a send uses. A person's pick lives in the workspace's state (Select
// Environment never writes .vscode/settings.json); the `wirelane.environment` setting still
// works for those who keep it in settings; and a file whose environment files define exactly
// one environment uses that one without being asked.
import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import { environmentNames, loadEnvironments, loneEnvironment } from '../core/variables/environments';

const KEY = 'wirelane.selectedEnvironment';

export class EnvironmentChoice {
  constructor(private readonly state: vscode.Memento) {}

  /** The environment the person picked ('' for none), else the setting; undefined when neither names one. */
  selected(): string | undefined {
    const picked = this.state.get<string>(KEY);
    if (picked !== undefined) return picked || undefined;
    return vscode.workspace.getConfiguration('wirelane').get<string>('environment', '').trim() || undefined;
  }

  async pick(name: string | null): Promise<void> {
    await this.state.update(KEY, name ?? '');
  }

  /** The setting changed by hand: it wins over an earlier pick. */
  async forgetPick(): Promise<void> {
    await this.state.update(KEY, undefined);
  }

  /** Environment names visible from a file, and the one a send from it uses. */
  forFile(filePath: string, workspaceRoot?: string): { names: string[]; name: string | undefined; lone: boolean } {
    const env = loadEnvironments({ filePath, workspaceRoot: workspaceRoot ?? dirname(filePath), readFile });
    const names = environmentNames(env);
    const selected = this.selected();
    if (selected) return { names, name: selected, lone: false };
    const lone = loneEnvironment(env);
    return { names, name: lone, lone: lone !== undefined };
  }

  forDocument(doc: vscode.TextDocument): { names: string[]; name: string | undefined; lone: boolean } {
    if (doc.uri.scheme !== 'file') return { names: [], name: this.selected(), lone: false };
    return this.forFile(doc.uri.fsPath, vscode.workspace.getWorkspaceFolder(doc.uri)?.uri.fsPath);
  }
}

function readFile(p: string): string | undefined {
  try {
    return existsSync(p) ? readFileSync(p, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}
