/// <reference types="mocha" />
// `wirelane.network` inside VS Code: the status bar item says which conditions are on, and Send
// All runs every connection through the simulated link (2 RTT for the request that opened the
// connection, 1 RTT for the one that reused it), on the client port the server saw.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { FileRunResult } from '../../src/runner/fileRunner';
import { openFile, serverPerTest, until, wirelane, type TestServer } from './helpers';

suite('network conditions (wirelane.network)', () => {
  let server: TestServer;
  serverPerTest((s) => (server = s));

  teardown(async () => {
    await vscode.workspace.getConfiguration('wirelane').update('network', undefined, vscode.ConfigurationTarget.Workspace);
  });

  test('the status bar follows the setting; Send All pays the simulated round trips', async () => {
    const api = await wirelane();
    assert.equal(api.networkStatus.text, '$(pulse) real network');
    await vscode.workspace.getConfiguration('wirelane').update('network', 'slow-4g', vscode.ConfigurationTarget.Workspace);
    await until('status shows Slow 4G', () => api.networkStatus.text === '$(pulse) Slow 4G');
    const rtt = 80;
    await vscode.workspace.getConfiguration('wirelane').update('network', `${rtt}/0/0`, vscode.ConfigurationTarget.Workspace);
    await until('status shows the custom RTT', () => api.networkStatus.text === `$(pulse) RTT ${rtt} ms`);

    const editor = await openFile('network/two.http', `### a\nGET ${server.url}/text\n\n### b\nGET ${server.url}/json\n`);
    const result = (await vscode.commands.executeCommand('wirelane.sendAll', editor.document.uri.toString(), 0)) as FileRunResult;
    assert.equal(result.failed, false, JSON.stringify(result.results.map((r) => r.error).filter(Boolean)));
    assert.deepEqual(result.run.network, { rttMs: rtt, downKbps: 0, upKbps: 0 });
    const [first, second] = result.run.exchanges;
    assert.equal(second.reused, true);
    assert.ok(first.endedAt! - first.startedAt >= 2 * rtt, 'a new connection: connect + request');
    assert.ok(second.endedAt! - second.startedAt >= rtt, 'a reused connection: one round trip');
    assert.equal(result.run.connections[0].localPort, server.seen[0].remotePort, 'the server saw the recorded port');
  });
});
