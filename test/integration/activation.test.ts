/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, openFile, wirelane } from './helpers';

suite('activation', () => {
  test('opening an .http file activates the extension and starts the language server', async () => {
    await openFile('activation.http', 'GET http://127.0.0.1:1/\n');
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const api = await wirelane();
    assert.equal(ext.isActive, true);
    assert.equal(api.client.isRunning(), true, 'language client running');
    assert.match(api.statusBar.text, /no environment|\$\(radio-tower\)/);
  });

  test('every contributed command is registered', async () => {
    await wirelane();
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const contributed: string[] = ext.packageJSON.contributes.commands.map((c: { command: string }) => c.command);
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.filter((c) => !registered.has(c));
    assert.deepEqual(missing, []);
    assert.ok(contributed.length >= 14, `${contributed.length} commands`);
  });

  test('the HAR viewer is offered as an option, not the default editor for *.har', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const editors = ext.packageJSON.contributes.customEditors;
    assert.equal(editors[0].priority, 'option');
    assert.equal(ext.packageJSON.capabilities.untrustedWorkspaces.supported, 'limited');
  });
});
