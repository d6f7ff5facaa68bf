/// <reference types="mocha" />
// Scripts inside a real VS Code: Send Request runs a response handler (its global reaches the next
// request, as the local server saw), and the Testing view lists and runs the file's tests.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { SendOutcome } from '../../src/extension/runService';
import { closeAllEditors, lineOf, openFile, startServer, until, wirelane, type TestServer } from './helpers';

suite('scripts and the Testing view', () => {
  let server: TestServer;
  setup(async () => {
    server = await startServer();
    const api = await wirelane();
    await api.runs.resetInteractive();
    api.runs.globals.clear();
  });
  teardown(async () => {
    await server.close();
    await closeAllEditors();
  });

  test('Send Request runs the response handler: the global it sets is sent by the next request', async () => {
    const editor = await openFile(
      'scripts-send.http',
      `### login\nPOST ${server.url}/login\n\n> {%\nclient.global.set("tok", response.body.path);\nclient.test("status 200", () => client.assert(response.status === 200, "status"));\n%}\n\n### me\nGET ${server.url}/me\nAuthorization: Bearer {{tok}}\n`,
    );
    const uri = editor.document.uri.toString();
    const a = (await vscode.commands.executeCommand('wirelane.sendRequest', uri, 1)) as SendOutcome;
    assert.deepEqual(
      a.checks?.map((c) => [c.name, c.passed, c.source.line]),
      [['status 200', true, 6]],
    );
    const b = (await vscode.commands.executeCommand('wirelane.sendRequest', uri, lineOf(editor.document, 'GET'))) as SendOutcome;
    assert.equal(b.error, undefined, JSON.stringify(b.error));
    assert.equal(server.seen[1].headers.authorization, 'Bearer /login');
  });

  test('the Testing view lists requests with handlers or ?? lines, runs them, and reports each at its line', async () => {
    const api = await wirelane();
    const text = [
      '### login', // 0
      `POST ${server.url}/login`,
      '',
      '> {%',
      'client.global.set("tok", response.body.path);',
      'client.test("has a path", () => client.assert(response.body.path === "/login"));',
      '%}',
      '',
      '### me', // 8
      `GET ${server.url}/me`,
      'Authorization: Bearer {{tok}}',
      '',
      '?? status == 200',
      '?? header content-type includes json',
      '?? connection reused',
      '',
      '### plain', // 16
      `GET ${server.url}/plain`,
      '',
      '### wrong', // 19
      `GET ${server.url}/wrong`,
      '',
      '> {%',
      'client.test("is 404", () => {',
      '  client.assert(response.status === 404, "got " + response.status);',
      '});',
      '%}',
      '?? status == 404',
      '',
    ].join('\n');
    const editor = await openFile('scripts-tests.http', text);
    const uri = editor.document.uri.toString();
    const fileItem = await until('the file in the Testing view', () => {
      const f = api.tests.controller.items.get(uri);
      return f && f.children.size === 3 ? f : undefined;
    });
    const ids: string[] = [];
    fileItem.children.forEach((c) => void ids.push(c.label));
    assert.deepEqual(ids, ['login', 'me', 'wrong'], 'a request without handler or ?? is not a test');

    await vscode.commands.executeCommand('testing.runAll');
    const outcome = (id: string) => api.tests.outcomes.get(id);
    await until('the run to report the last request', () => outcome(`${uri}#3`), 20_000);

    assert.equal(server.seen.find((s) => s.url === '/me')?.headers.authorization, 'Bearer /login', 'the handler’s global reached the next request');
    const ports = server.seen.map((s) => s.remotePort);
    assert.equal(ports[0], ports[1], 'the server saw /me on the connection /login opened');
    // Item ids are the file's URI and the region's index: login 0, me 1, plain 2, wrong 3.
    assert.equal(outcome(`${uri}#0`)?.state, 'passed');
    assert.equal(outcome(`${uri}#0#test:has a path`)?.state, 'passed');
    assert.equal(outcome(`${uri}#1`)?.state, 'passed');
    assert.equal(outcome(`${uri}#1#??14`)?.state, 'passed', '?? connection reused');
    assert.equal(outcome(`${uri}#3`)?.state, 'failed');
    const failedTest = outcome(`${uri}#3#test:is 404`);
    assert.equal(failedTest?.state, 'failed');
    assert.match(failedTest?.message ?? '', /WL_ASSERTION_FAILED: got 200/);
    assert.equal(failedTest?.location?.range.start.line, 24, 'the failure points at the client.assert line');
    const failedLine = outcome(`${uri}#3#??27`);
    assert.equal(failedLine?.state, 'failed');
    assert.match(failedLine?.message ?? '', /expected status == 404, got 200/);
    assert.equal(failedLine?.location?.range.start.line, 27);
    // The dynamic client.test children now live in the tree, at their lines.
    const wrong = fileItem.children.get(`${uri}#3`);
    assert.equal(wrong?.children.get(`${uri}#3#test:is 404`)?.range?.start.line, 23);
  });
});
