/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { SendOutcome } from '../../src/extension/runService';
import { closeAllEditors, diagnosticsFor, openFile, startServer, wirelane } from './helpers';

suite('language server in VS Code', () => {
  teardown(closeAllEditors);

  test('diagnostics arrive from the server for an unresolved variable, and clear when it is defined', async () => {
    await wirelane();
    const editor = await openFile('lsp/diag.http', 'GET http://127.0.0.1:9/{{missingVar}}\n');
    const diags = await diagnosticsFor(editor.document.uri, (d) => d.some((x) => x.message.includes('missingVar')));
    const d = diags.find((x) => x.message.includes('missingVar'))!;
    assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(d.range.start.line, 0);
    await editor.edit((e) => e.insert(new vscode.Position(0, 0), '@missingVar = ok\n\n'));
    await diagnosticsFor(editor.document.uri, (ds) => !ds.some((x) => x.message.includes('missingVar')));
  });

  test('completion offers file variables inside {{ }}', async () => {
    await wirelane();
    const editor = await openFile('lsp/complete.http', '@apiHost = 127.0.0.1:9\n\nGET http://{{\n');
    const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', editor.document.uri, new vscode.Position(2, 13), '{');
    const labels = list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    assert.ok(
      labels.some((l) => l.includes('apiHost')),
      `completion labels: ${labels.slice(0, 20).join(', ')}`,
    );
  });

  test('the "Send" code lens carries a command this extension runs', async () => {
    const api = await wirelane();
    await api.runs.resetInteractive();
    const server = await startServer();
    try {
      const editor = await openFile('lsp/lens.http', `# a comment\n\nGET ${server.url}/json\n`);
      let lenses: vscode.CodeLens[] = [];
      for (let i = 0; i < 50 && !lenses.length; i++) {
        lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', editor.document.uri)) ?? [];
        if (!lenses.length) await new Promise((r) => setTimeout(r, 100));
      }
      const send = lenses.find((l) => l.command?.title === 'Send');
      assert.ok(send?.command, `lenses: ${lenses.map((l) => l.command?.title).join(', ')}`);
      assert.equal(send.command.command, 'wirelane.sendRequest');
      const out = (await vscode.commands.executeCommand(send.command.command, ...(send.command.arguments ?? []))) as SendOutcome;
      assert.equal(out.exchange?.response?.status, 200);
      assert.equal(server.seen.length, 1);
    } finally {
      await server.close();
    }
  });

  test('code lenses follow an edit at once (drawn in the extension host, no wait for the server)', async () => {
    await wirelane();
    const editor = await openFile('lsp/lens-edit.http', 'GET http://127.0.0.1:9/a\n');
    const sendLines = async () =>
      ((await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', editor.document.uri)) ?? [])
        .filter((l) => l.command?.title === 'Send')
        .map((l) => l.range.start.line);
    assert.deepEqual(await sendLines(), [0]);
    await editor.edit((e) => e.insert(new vscode.Position(0, 0), 'GET http://127.0.0.1:9/b\n\n###\n'));
    assert.deepEqual(await sendLines(), [0, 3]);
  });
});
