// One status bar item: recording state and the selected environment.
import * as vscode from 'vscode';
import type { Recording } from './recording';

export class WirelaneStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('wirelane.status', vscode.StatusBarAlignment.Left, 50);

  constructor(
    private readonly recording: Recording,
    private readonly environment: () => string | undefined,
  ) {
    this.item.name = 'Wirelane';
    this.update();
  }

  update(): void {
    const env = this.environment() ?? 'no environment';
    if (this.recording.active) {
      this.item.text = `$(record) Wirelane REC · ${env}`;
      this.item.tooltip = `Recording to ${this.recording.file?.fsPath}. Click to stop.`;
      this.item.command = 'wirelane.stopRecording';
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    } else {
      this.item.text = `$(radio-tower) ${env}`;
      this.item.tooltip = 'Wirelane environment. Click to select another.';
      this.item.command = 'wirelane.selectEnvironment';
      this.item.backgroundColor = undefined;
    }
    this.item.show();
  }

  get text(): string {
    return this.item.text;
  }

  dispose(): void {
    this.item.dispose();
  }
}
