// Simulated network conditions in the editor: a status bar item that says which conditions the
// next sends run under, and a quick pick of presets (or a custom RTT/DOWN/UP) that writes the
// `wirelane.network` setting.
import * as vscode from 'vscode';
import { describeNetwork, findPreset, NETWORK_PRESETS, resolveNetwork, type NetworkConditions } from '../core/network';
import { networkSetting } from './settings';

export const SELECT_NETWORK_COMMAND = 'wirelane.selectNetwork';

function label(c: NetworkConditions | undefined): string {
  if (!c) return 'real network';
  const p = c.preset ? findPreset(c.preset) : undefined;
  return p ? p.label : `RTT ${c.rttMs} ms`;
}

export class NetworkStatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('wirelane.network', vscode.StatusBarAlignment.Left, 49);
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor() {
    this.item.name = 'Wirelane network conditions';
    this.item.command = SELECT_NETWORK_COMMAND;
    this.subscriptions.push(
      vscode.commands.registerCommand(SELECT_NETWORK_COMMAND, () => this.pick()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('wirelane.network')) this.update();
      }),
    );
    this.update();
  }

  private current(): NetworkConditions | undefined {
    return networkSetting(vscode.workspace.getConfiguration('wirelane').get<string>('network', 'off'));
  }

  update(): void {
    const c = this.current();
    this.item.text = `$(pulse) ${label(c)}`;
    this.item.tooltip = c
      ? `Wirelane: ${describeNetwork(c)}. Every connection is shaped; timings are of the simulated link. Click to change.`
      : 'Wirelane: requests use the real network (no simulated conditions). Click to simulate a slower link.';
    this.item.backgroundColor = c ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.show();
  }

  get text(): string {
    return this.item.text;
  }

  async pick(): Promise<void> {
    type Item = vscode.QuickPickItem & { value?: string };
    const items: Item[] = [
      { label: 'Off', description: 'the real network', value: 'off' },
      ...NETWORK_PRESETS.map((p): Item => ({ label: p.label, description: describeNetwork(p).replace(/^simulated network: [^—]*— /, ''), detail: p.source, value: p.preset })),
      { label: 'Custom…', description: 'RTT / down / up' },
    ];
    const chosen = await vscode.window.showQuickPick(items, { title: 'Wirelane: simulate network conditions', placeHolder: `now: ${label(this.current())}` });
    if (!chosen) return;
    let value = chosen.value;
    if (value === undefined) {
      value = await vscode.window.showInputBox({
        title: 'Custom network conditions',
        prompt: 'RTT in ms, down and up in kbit/s (0 = unlimited)',
        placeHolder: '100/1600/750',
        validateInput: (v) => {
          try {
            return resolveNetwork({ network: v }) ? undefined : 'give at least an RTT';
          } catch (e) {
            return e instanceof Error ? e.message : String(e);
          }
        },
      });
      if (value === undefined) return;
    }
    const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    await vscode.workspace.getConfiguration('wirelane').update('network', value, target);
    this.update();
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.item.dispose();
  }
}
