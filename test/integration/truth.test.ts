/// <reference types="mocha" />
// Truth inside VS Code: the extension host patches node:http/https (and global fetch) for proxy
// support. Wirelane's runner uses undici's own Client, bundled into the extension; this suite
// proves, against the server's own view of its client sockets, that a keep-alive file groups its
// requests onto connections exactly as `wirelane run` does in plain Node. The runner runs the
// suite twice: "http.proxySupport": "off" and at its default.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { get, Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { FileRunResult } from '../../src/runner/fileRunner';
import type { Har } from '../../src/core/har/types';
import { note, openFile, partition, serverPerTest, until, wirelane, type TestServer } from './helpers';

const variant = process.env.WIRELANE_IT_VARIANT ?? 'unknown';

function keepAliveFile(base: string): string {
  // Expected on the wire: 1-3 share a socket; /close makes the server end it; 4-5 share the
  // next; 6 asks for a new connection.
  return [
    `### r1\nGET ${base}/r/1`,
    `### r2\nGET ${base}/r/2`,
    `### r3\nGET ${base}/close?r=3`,
    `### r4\nGET ${base}/r/4`,
    `### r5\nPOST ${base}/r/5\nContent-Type: application/json\n\n{"n": 5}`,
    `### r6\n# @connection new\nGET ${base}/r/6`,
    '',
  ].join('\n\n');
}

function runCli(file: string, har: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const node = process.env.WIRELANE_PLAIN_NODE ?? 'node';
  const repo = process.env.WIRELANE_REPO ?? join(__dirname, '..', '..', '..');
  return new Promise((resolve) => {
    execFile(node, [join(repo, 'dist', 'cli.js'), 'run', file, '--har', har], { timeout: 30_000, env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

suite(`truth inside VS Code (http.proxySupport ${variant})`, () => {
  let server!: TestServer;
  serverPerTest((s) => (server = s));

  test('Send All of a keep-alive file: same connection grouping in VS Code as `wirelane run` in plain Node, and as the server saw', async () => {
    const api = await wirelane();
    const proxySupport = vscode.workspace.getConfiguration('http').get('proxySupport');
    const editor = await openFile('truth/keepalive.http', keepAliveFile(server.url));
    const result = (await vscode.commands.executeCommand('wirelane.sendAll', editor.document.uri.toString(), 0)) as FileRunResult;
    assert.ok(result, 'Send All returned its run');
    assert.equal(result.failed, false, JSON.stringify(result.results.map((r) => r.error).filter(Boolean)));
    const inVsCode = server.seen.splice(0);
    assert.equal(inVsCode.length, 6);

    const serverGroupsVsCode = partition(inVsCode, (s) => s.remotePort);
    const modelGroupsVsCode = partition(result.run.exchanges, (e) => e.connectionId);
    assert.deepEqual(serverGroupsVsCode, [[0, 1, 2], [3, 4], [5]], 'the server saw the expected sockets');
    assert.deepEqual(modelGroupsVsCode, serverGroupsVsCode, 'the timeline model groups as the server saw');
    // Local ports recorded by Wirelane are the ports the server saw.
    for (const [i, ex] of result.run.exchanges.entries()) {
      assert.equal(result.run.connections.find((c) => c.id === ex.connectionId)?.localPort, inVsCode[i].remotePort, `exchange ${i} local port`);
    }

    const out = mkdtempSync(join(tmpdir(), 'wl-truth-'));
    const cli = await runCli(editor.document.uri.fsPath, join(out, 'cli.har'));
    assert.equal(cli.code, 0, cli.stderr + cli.stdout);
    const inNode = server.seen.splice(0);
    const har = JSON.parse(readFileSync(join(out, 'cli.har'), 'utf8')) as Har;
    rmSync(out, { recursive: true, force: true });
    const serverGroupsNode = partition(inNode, (s) => s.remotePort);
    const harGroupsNode = partition(har.log.entries, (e) => e.connection);
    assert.deepEqual(harGroupsNode, serverGroupsNode, 'the CLI HAR groups as the server saw');
    assert.deepEqual(serverGroupsVsCode, serverGroupsNode, 'VS Code and plain Node used the same connections for the same file');
    note(`truth[${variant}, http.proxySupport=${proxySupport}]: VS Code groups ${JSON.stringify(serverGroupsVsCode)} = plain Node ${JSON.stringify(serverGroupsNode)}`);

    // The timeline panel received every exchange.
    await until('the timeline to hold 6 entries', () => api.timeline.isReady && api.timeline.feed.snapshot().log.entries.length === 6);
    const snap = api.timeline.feed.snapshot();
    assert.deepEqual(
      partition(snap.log.entries, (e) => e.connection),
      serverGroupsVsCode,
    );
  });

  test('what VS Code does to node:http in this host (the reason Wirelane uses undici directly)', async () => {
    // Not Wirelane's code: shows the patching the suite guards against is real in this variant.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    for (let i = 0; i < 3; i++) {
      await new Promise<void>((resolve, reject) => {
        get(`${server.url}/r/${i}`, { agent }, (res) => {
          res.resume();
          res.on('end', () => resolve());
        }).on('error', reject);
      });
    }
    agent.destroy();
    const sockets = new Set(server.seen.map((s) => s.remotePort)).size;
    note(`node:http keep-alive agent in the extension host [${variant}]: 3 requests on ${sockets} socket(s)`);
    if (variant === 'proxy-off') assert.equal(sockets, 1, 'with http.proxySupport off, node:http keeps its agent');
  });
});
