// Person-level test: a person opens an .http file in code-server, clicks the "Send" code lens,
// reads the response tab, sends the whole file, opens the timeline, and reads the lanes in the
// webview. Driven from outside VS Code with playwright-core; screenshots go to test-artifacts/vscode/.
import { appendFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, join } from 'node:path';
import type { Browser, Frame, Page } from 'playwright-core';
import { WebSocketServer } from 'ws';

export interface PersonLevelOptions {
  browser: Browser;
  url: string;
  workspace: string;
  artifacts: string;
}

interface Lane {
  connectionId: string;
  entries: number[];
}

async function step<T>(page: Page, artifacts: string, name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    await page.screenshot({ path: join(artifacts, `ui-failed-${name}.png`) }).catch(() => {});
    throw new Error(`step "${name}": ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row').first().waitFor({ timeout: 10_000 });
  await page.keyboard.press('Enter');
}

/** The frame of a webview whose document holds `selector` (webviews are nested same-origin iframes). */
async function webviewFrame(page: Page, selector: string, timeoutMs: number): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const f of page.frames()) {
      try {
        if (await f.$(selector)) return f;
      } catch {
        // frame navigated away while we looked
      }
    }
    await page.waitForTimeout(200);
  }
  throw new Error(`no webview frame shows ${selector} within ${timeoutMs} ms`);
}

export async function runPersonLevel(opts: PersonLevelOptions): Promise<number> {
  const { artifacts } = opts;
  const ports: number[] = [];
  const server = createServer((req, res) => {
    ports.push(req.socket.remotePort ?? -1);
    const close = req.url?.startsWith('/close');
    res.writeHead(200, { 'content-type': 'application/json', ...(close ? { connection: 'close' } : {}) });
    res.end(JSON.stringify({ path: req.url, clientPort: req.socket.remotePort }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  wss.on('connection', (ws) => ws.on('message', (data, binary) => ws.send(binary ? data : `echo: ${data.toString()}`, { binary })));
  writeFileSync(join(opts.workspace, 'chat.http'), `### chat\nWEBSOCKET ws://127.0.0.1:${(wss.address() as AddressInfo).port}/chat\n\n{"hello": "from the file"}\n=== wait-for-server\n`);
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  writeFileSync(
    join(opts.workspace, 'people.http'),
    [`### list people\nGET ${base}/people\nAccept: application/json`, `### one person\nGET ${base}/people/1`, `### last one, server closes\nGET ${base}/close/people/2`, `### after the close\nGET ${base}/people/3`, ''].join('\n\n'),
  );
  const page = await opts.browser.newPage({ viewport: { width: 1600, height: 1000 } });
  const log: string[] = [];
  try {
    await page.goto(opts.url);
    await step(page, artifacts, 'workbench', () => page.waitForSelector('.monaco-workbench', { timeout: 60_000 }));
    let clicked = 0;
    await step(page, artifacts, 'open-file', async () => {
      await page.waitForSelector('.explorer-folders-view, .monaco-workbench .part.sidebar', { timeout: 30_000 });
      // As a person would: click the file in the Explorer.
      const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'people.http' }).first();
      await row.waitFor({ timeout: 15_000 });
      clicked = performance.now();
      await row.click({ timeout: 15_000 });
      await page.locator('.tab', { hasText: 'people.http' }).first().waitFor({ timeout: 15_000 });
    });
    const sendLens = page.locator('.codelens-decoration a', { hasText: /^Send$/ }).first();
    await step(page, artifacts, 'code-lens', () => sendLens.waitFor({ timeout: 90_000 }));
    // What a person waits for: from the click on the file to the lenses drawn (reported, never asserted).
    const lensLine = `code lenses drawn ${(performance.now() - clicked).toFixed(0)} ms after the click on people.http (person-level, ${basename(artifacts) === 'vsix' ? 'installed .vsix' : 'development build'})`;
    log.push(lensLine);
    appendFileSync(join(artifacts, 'startup-timings.txt'), `${new Date().toISOString()} ${lensLine}\n`);
    await page.screenshot({ path: join(artifacts, 'ui-01-http-file-with-lenses.png') });
    await step(page, artifacts, 'click-send', async () => {
      await sendLens.click();
      // The response tab: a read-only editor whose first line is the status line.
      await page.locator('.view-lines', { hasText: 'HTTP/1.1 200 OK' }).first().waitFor({ timeout: 30_000 });
    });
    if (ports.length !== 1) throw new Error(`the server saw ${ports.length} requests after one click`);
    const responseText = (await page.locator('.view-lines', { hasText: 'HTTP/1.1 200 OK' }).first().innerText()).replace(/\u00a0/g, ' ');
    if (!/connection c1/.test(responseText)) throw new Error(`response tab lacks the connection facts:\n${responseText}`);
    log.push(`response tab: ${responseText.split('\n').slice(0, 3).join(' | ')}`);
    await page.screenshot({ path: join(artifacts, 'ui-02-response-tab.png') });

    await step(page, artifacts, 'send-all', async () => {
      await page.locator('.tab', { hasText: 'people.http' }).first().click();
      await runCommand(page, 'Wirelane: Send All in File');
    });
    const frame = await step(page, artifacts, 'timeline-lanes', async () => {
      await runCommand(page, 'Wirelane: Open Timeline');
      const f = await webviewFrame(page, '[data-connection-id] [data-entry]', 30_000);
      // Wait until all four exchanges of the Send All are drawn.
      await f.waitForFunction(() => document.querySelectorAll('[data-entry]').length >= 4, undefined, { timeout: 20_000 });
      return f;
    });
    const lanes: Lane[] = await frame.$$eval('[data-connection-id]', (els) =>
      els.map((el) => ({
        connectionId: el.getAttribute('data-connection-id') ?? '',
        entries: Array.from(el.querySelectorAll('[data-entry]')).map((b) => Number(b.getAttribute('data-entry'))),
      })),
    );
    await page.screenshot({ path: join(artifacts, 'ui-03-timeline.png') });
    const drawn = lanes.filter((l) => l.entries.length).map((l) => l.entries.sort((a, b) => a - b));
    // What the server saw for the Send All (the 4 requests after the lens click).
    const sendAll = ports.slice(1);
    const byPort = new Map<number, number[]>();
    sendAll.forEach((p, i) => byPort.set(p, [...(byPort.get(p) ?? []), i]));
    const seen = [...byPort.values()];
    log.push(`timeline lanes: ${JSON.stringify(lanes)}; server saw ${JSON.stringify(seen)}`);
    if (JSON.stringify(drawn) !== JSON.stringify(seen)) throw new Error(`lanes ${JSON.stringify(drawn)} differ from the server's sockets ${JSON.stringify(seen)}`);
    if (JSON.stringify(seen) !== JSON.stringify([[0, 1, 2], [3]])) throw new Error(`server grouping ${JSON.stringify(seen)} is not the expected [[0,1,2],[3]]`);

    // A WebSocket session: the "Connect" lens opens the session view; type a message, see the echo.
    await step(page, artifacts, 'websocket', async () => {
      await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'chat.http' }).first().click();
      const connect = page.locator('.codelens-decoration a', { hasText: /^Connect$/ }).first();
      await connect.waitFor({ timeout: 30_000 });
      await connect.click();
      const f = await webviewFrame(page, '#frames li[data-dir="receive"]', 30_000);
      await f.fill('#data', 'typed by a person');
      await f.click('#send');
      await f.waitForFunction(() => Array.from(document.querySelectorAll('#frames li .data')).some((e) => e.textContent === 'echo: typed by a person'), undefined, { timeout: 15_000 });
      const frames = await f.$$eval('#frames li', (els) => els.map((e) => `${e.getAttribute('data-dir')} ${e.querySelector('.data')?.textContent}`));
      log.push(`websocket view frames: ${JSON.stringify(frames)}`);
      await page.screenshot({ path: join(artifacts, 'ui-04-websocket-session.png') });
    });
    writeFileSync(join(artifacts, 'ui-result.txt'), `ok\n${log.join('\n')}\n`);
    console.log(log.join('\n'));
    return 0;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    writeFileSync(join(artifacts, 'ui-result.txt'), `FAIL ${msg}\n${log.join('\n')}\n`);
    console.error(`person-level test failed: ${msg}`);
    return 1;
  } finally {
    await page.close().catch(() => {});
    server.closeAllConnections();
    server.close();
    for (const c of wss.clients) c.terminate();
    wss.close();
  }
}
