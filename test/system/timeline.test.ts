// The timeline renderer in Debian's Chromium (playwright-core): lanes and bars against the HAR,
// details, keyboard, filters, foreign and hostile HARs, a HAR recorded by Chromium itself, and
// virtualization. Screenshots go to test-artifacts/ for people to look at.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import * as esbuild from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Har } from '../../src/core/har/types';
import type { HostToTimelineMessage, TimelineToHostMessage } from '../../src/protocol/webview';
import { renderReportHtml, type ReportAssets } from '../../src/cli/reportHtml';
import * as fx from '../fixtures/har/generate';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ROOT = resolve(__dirname, '../..');
const ART = join(ROOT, 'test-artifacts');
const skip = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM} (apt-get install chromium): timeline tests skipped`;
if (skip) console.log(`# ${skip}`);

/** The renderer built from the current sources, so the test never draws a stale media/dist. */
export async function buildAssets(): Promise<ReportAssets> {
  const js = await esbuild.build({ entryPoints: [join(ROOT, 'media/src/main.ts')], bundle: true, write: false, platform: 'browser', format: 'iife', target: 'es2022', logLevel: 'silent' });
  const css = await esbuild.build({ entryPoints: [join(ROOT, 'media/src/timeline.css')], bundle: true, write: false, logLevel: 'silent' });
  return { js: js.outputFiles[0]!.text, css: css.outputFiles[0]!.text };
}

interface Drawn {
  entry: number;
  lane: string | null;
  origin: string | null;
  left: number;
  top: number;
  width: number;
}

describe('timeline renderer in Chromium', { skip }, () => {
  let browser: Browser;
  let assets: ReportAssets;

  before(async () => {
    mkdirSync(ART, { recursive: true });
    assets = await buildAssets();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  after(async () => {
    await browser?.close();
  });

  async function open(har: Har, name: string, opts: { width?: number; height?: number; dark?: boolean } = {}): Promise<{ page: Page; errors: string[] }> {
    const file = join(ART, `timeline-${name}.html`);
    writeFileSync(file, renderReportHtml(har, assets, { title: `${name}.har` }));
    const page = await browser.newPage({ viewport: { width: opts.width ?? 1400, height: opts.height ?? 1000 }, colorScheme: opts.dark ? 'dark' : 'light' });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('html[data-wl-painted]');
    return { page, errors };
  }

  const drawn = (page: Page): Promise<Drawn[]> =>
    page.evaluate(() =>
      Array.from(document.querySelectorAll<HTMLElement>('[data-entry]')).map((e) => {
        const r = e.getBoundingClientRect();
        return {
          entry: Number(e.dataset.entry),
          lane: e.closest('[data-connection-id]')?.getAttribute('data-connection-id') ?? null,
          origin: e.closest('[data-origin]')?.getAttribute('data-origin') ?? null,
          left: r.left,
          top: r.top,
          width: r.width,
        };
      }),
    );

  const laneIds = (page: Page): Promise<string[]> => page.$$eval('[data-connection-id]', (ls) => ls.map((l) => l.getAttribute('data-connection-id')!));

  /** Every entry drawn once, inside the lane of its HAR `connection`; one lane per connection id. */
  async function assertLanesMatch(page: Page, har: Har): Promise<Drawn[]> {
    const bars = await drawn(page);
    const ids = await laneIds(page);
    const expected = new Set(har.log.entries.map((e) => e.connection).filter((c): c is string => !!c));
    assert.deepEqual(new Set(ids), expected, 'one lane per connection id');
    assert.equal(ids.length, expected.size, 'no connection drawn twice');
    assert.deepEqual(
      bars.map((b) => b.entry).sort((a, b) => a - b),
      har.log.entries.map((_, i) => i),
      'each entry drawn exactly once',
    );
    for (const b of bars) assert.equal(b.lane, har.log.entries[b.entry]!.connection ?? null, `entry ${b.entry} sits in lane ${har.log.entries[b.entry]!.connection}`);
    return bars;
  }

  for (const [name, make] of Object.entries({
    'keep-alive': fx.keepAliveHar,
    close: fx.closeHar,
    pipeline: fx.pipelineHar,
    h2: fx.h2Har,
    websocket: fx.websocketHar,
    failed: fx.failedHar,
    mixed: fx.mixedHar,
    compare: fx.compareHar,
  })) {
    test(`${name}: one lane per connection, every exchange in its lane`, async () => {
      const har = make();
      const { page, errors } = await open(har, name, { height: 2600 });
      const bars = await assertLanesMatch(page, har);
      // Bars follow the clock: a later start is never drawn further left on the same lane.
      const byLane = new Map<string, Drawn[]>();
      for (const b of bars) byLane.set(b.lane ?? '', [...(byLane.get(b.lane ?? '') ?? []), b]);
      for (const list of byLane.values()) {
        list.sort((a, b) => Date.parse(har.log.entries[a.entry]!.startedDateTime) - Date.parse(har.log.entries[b.entry]!.startedDateTime));
        for (let i = 1; i < list.length; i++) assert.ok(list[i]!.left >= list[i - 1]!.left - 1, `entry ${list[i]!.entry} drawn after ${list[i - 1]!.entry}`);
      }
      assert.deepEqual(errors, []);
      await page.screenshot({ path: join(ART, `timeline-${name}.png`), fullPage: false });
      await page.close();
    });
  }

  test('lane labels say why each connection opened and closed; the summary counts handshakes', async () => {
    const { page } = await open(fx.keepAliveHar(), 'labels');
    const c2 = await page.textContent('[data-connection-id="c2"] .wl-lane-label');
    assert.match(c2!, /c2 · http\/1\.1 · local :\d+/);
    assert.match(c2!, /opened: previous connection c1 was closed by the server \(Connection: close\)/);
    assert.match(c2!, /closed: server sent Connection: close/);
    assert.match((await page.textContent('[data-connection-id="c3"] .wl-lane-label'))!, /still open/);
    const summary = await page.textContent('.wl-summary');
    assert.match(summary!, /12\s*exchanges/);
    assert.match(summary!, /3\s*TCP connections/);
    assert.match(summary!, /3\s*handshakes paid/);
    assert.match(summary!, /9\s*handshakes saved/);
    assert.equal(await page.locator('.wl-bar.new').count(), 3, 'a new-connection marker on the three bars that paid the handshake');
    assert.equal(await page.locator('.wl-bar.reused').count(), 9);
    await page.close();
  });

  test('pipelining shows head-of-line waits; HTTP/2 streams overlap on one lane; WebSocket ticks above and below', async () => {
    let { page } = await open(fx.pipelineHar(), 'pipeline-hol');
    assert.ok((await page.locator('[data-connection-id="c1"] .ph-hol').count()) >= 3, 'three pipelined requests waited behind the first');
    await page.close();
    ({ page } = await open(fx.h2Har(), 'h2-overlap'));
    const bars = await drawn(page);
    assert.ok(new Set(bars.map((b) => Math.round(b.top))).size > 4, 'concurrent streams stacked in rows of one lane');
    await page.close();
    ({ page } = await open(fx.websocketHar(), 'ws-ticks'));
    const ink = await page.$eval('[data-connection-id="c2"] canvas', (c) => {
      const cv = c as HTMLCanvasElement;
      const d = cv.getContext('2d')!.getImageData(0, 0, cv.width, cv.height).data;
      let above = 0,
        below = 0;
      for (let y = 0; y < cv.height; y++)
        for (let x = 0; x < cv.width; x++) {
          if (d[(y * cv.width + x) * 4 + 3]! === 0) continue;
          if (y < cv.height / 2 - 3) above++;
          else if (y > cv.height / 2 + 3) below++;
        }
      return { above, below };
    });
    assert.ok(ink.above > 0 && ink.below > 0, `sent frames above the line, received below (${JSON.stringify(ink)})`);
    await page.close();
  });

  test('click and keyboard through details: error code and hint, bodies as JSON/hex, frames list', async () => {
    const { page, errors } = await open(fx.failedHar(), 'details');
    await page.click('[data-entry="1"]');
    const pane = page.locator('.wl-details');
    await pane.waitFor();
    assert.match((await pane.textContent())!, /WL_CONNECT_REFUSED/);
    assert.match((await pane.textContent())!, /Nothing is listening on that host and port/);
    assert.match((await pane.textContent())!, /does not record which TCP connection|Connection/);
    await page.click('[data-entry="3"]');
    assert.match((await pane.locator('.wl-body').textContent())!, /"error": "database unavailable"/, 'JSON body pretty-printed');
    await page.click('[data-entry="5"]');
    assert.match((await pane.locator('.wl-body').textContent())!, /^00000000 {2}89 50 4e 47/, 'binary body as hex');
    await page.screenshot({ path: join(ART, 'timeline-details.png') });
    // Keyboard: from the selected bar, → moves along the lane, Enter opens, Escape closes.
    await page.focus('[data-entry="3"]');
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.entry), '4');
    await page.keyboard.press('Enter');
    assert.match((await pane.locator('.wl-d-title').textContent())!, /\/missing$/);
    await page.keyboard.press('Escape');
    assert.equal(await pane.isHidden(), true);
    assert.equal(await page.getAttribute('[data-entry="4"]', 'role'), 'button');
    assert.match((await page.getAttribute('[data-entry="4"]', 'aria-label'))!, /GET http:\/\/127\.0\.0\.1:8080\/missing → 404 Not Found/);
    assert.deepEqual(errors, []);
    await page.close();

    const ws = await open(fx.websocketHar(), 'ws-details');
    await ws.page.click('[data-entry="1"]');
    const frames = ws.page.locator('.wl-frames-controls');
    assert.match((await frames.textContent())!, /41 of 41 frames/);
    await ws.page.fill('.wl-frames-controls input', '"seq":4}');
    assert.match((await frames.textContent())!, /2 of 41 frames/);
    await ws.page.selectOption('.wl-frames-controls select', 'receive');
    assert.match((await frames.textContent())!, /1 of 41 frames/);
    await ws.page.screenshot({ path: join(ART, 'timeline-ws-details.png') });
    await ws.page.close();
  });

  test('filters by status, origin, connection and text; groups collapse', async () => {
    const har = fx.mixedHar();
    const { page } = await open(har, 'filters');
    await page.selectOption('select[aria-label="Filter by origin"]', 'https://127.0.0.1:8443');
    assert.deepEqual(await laneIds(page), ['c4']);
    await page.selectOption('select[aria-label="Filter by origin"]', '');
    await page.fill('input[aria-label="Search exchanges"]', 'item7');
    assert.deepEqual(
      (await drawn(page)).map((b) => b.entry),
      [6],
    );
    await page.fill('input[aria-label="Search exchanges"]', '');
    await page.selectOption('select[aria-label="Filter by status"]', '1xx');
    assert.deepEqual(await laneIds(page), ['c6'], 'only the WebSocket upgrade is a 1xx');
    await page.selectOption('select[aria-label="Filter by status"]', '');
    const connKey = await page.$eval('select[aria-label="Filter by connection"]', (s) => Array.from((s as HTMLSelectElement).options).find((o) => o.text.endsWith('c2'))!.value);
    await page.selectOption('select[aria-label="Filter by connection"]', connKey);
    assert.deepEqual(await laneIds(page), ['c2']);
    await page.selectOption('select[aria-label="Filter by connection"]', '');
    await page.click('.wl-group:has-text("https://127.0.0.1:8443")');
    assert.ok(!(await laneIds(page)).includes('c4'), 'collapsed origin hides its lanes');
    assert.equal(await page.getAttribute('.wl-group:has-text("https://127.0.0.1:8443")', 'aria-expanded'), 'false');
    await page.close();
  });

  test('compare: a lane group per mode and the modes side by side in the summary', async () => {
    const { page } = await open(fx.compareHar(), 'compare-dark', { dark: true, height: 1100 });
    const groups = await page.$$eval('.wl-group .wl-group-name', (g) => g.map((x) => x.textContent));
    assert.deepEqual(groups, ['close · http://127.0.0.1:8080', 'keep-alive · http://127.0.0.1:8080', 'pipeline:4 · http://127.0.0.1:8080', 'h2 · https://127.0.0.1:8443']);
    const rows = await page.$$eval('.wl-compare tbody tr', (trs) => trs.map((tr) => Array.from(tr.children).map((c) => c.textContent)));
    assert.deepEqual(
      rows.map((r) => [r[0], r[1], r[2], r[3]]),
      [
        ['close', '6', '6', '6'],
        ['keep-alive', '6', '1', '1'],
        ['pipeline:4', '6', '2', '2'],
        ['h2', '6', '1', '1'],
      ],
    );
    // Each mode starts at 0 on the axis: the first bar of every group lines up.
    const bars = await drawn(page);
    const firstLeft = ['close/c1', 'keep-alive/c1', 'pipeline:4/c1', 'h2/c1'].map((id) => Math.min(...bars.filter((b) => b.lane === id).map((b) => b.left)));
    assert.ok(Math.max(...firstLeft) - Math.min(...firstLeft) < 2, `modes aligned at their start (${firstLeft})`);
    await page.screenshot({ path: join(ART, 'timeline-compare-dark.png') });
    await page.close();
  });

  test('foreign HARs: Chrome connection ids are lanes; Playwright (no ids) is grouped by origin and says so', async () => {
    const chromeHar = fx.chromeLikeHar();
    let { page } = await open(chromeHar, 'chrome-like');
    await assertLanesMatch(page, chromeHar);
    assert.deepEqual((await laneIds(page)).sort(), ['1001', '1002', '1003']);
    await page.close();
    ({ page } = await open(fx.playwrightLikeHar(), 'playwright-like'));
    assert.equal(await page.locator('[data-connection-id]').count(), 0, 'no connections invented');
    assert.equal(await page.locator('[data-origin]').count(), 1);
    assert.equal(await page.locator('[data-origin] [data-entry]').count(), 12);
    assert.match((await page.textContent('.wl-summary'))!, /does not record which TCP connection/);
    assert.doesNotMatch((await page.textContent('.wl-summary'))!, /TCP connections/);
    await page.close();
  });

  test('a hostile HAR runs nothing: every field is text, the CSP holds', async () => {
    const har = fx.hostileHar();
    const file = join(ART, 'timeline-hostile.html');
    const html = renderReportHtml(har, assets);
    // Not one payload survives as markup in the file itself.
    assert.equal((html.match(/<script/gi) ?? []).length, 3, 'the two JSON blocks and the renderer, nothing else');
    assert.doesNotMatch(html, /<img|<svg|<iframe|<\/script><script>window/i);
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1]!;
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    writeFileSync(file, html);
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const dialogs: string[] = [];
    const violations: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('html[data-wl-painted]');
    const n = har.log.entries.length;
    for (let i = 0; i < n; i++) {
      const bar = page.locator(`[data-entry="${i}"]`);
      await bar.hover();
      await bar.click();
      for (const tab of await page.locator('.wl-tab').all()) await tab.click();
    }
    const title = await page.textContent('.wl-d-title');
    assert.ok(title!.includes('</script><script>window.__pwned=2;alert(2)</script>') || title!.includes('<'), 'payloads shown as text');
    assert.ok((await page.textContent('.wl-lane-label'))!.includes('<'), 'connection ids and reasons shown as text');
    await page.screenshot({ path: join(ART, 'timeline-hostile.png') });
    const state = await page.evaluate(() => ({
      pwned: (window as unknown as { __pwned?: unknown }).__pwned,
      injected: document.querySelectorAll('#wirelane-timeline img, #wirelane-timeline svg, #wirelane-timeline iframe, #wirelane-timeline script, #wirelane-timeline style').length,
    }));
    assert.deepEqual(state, { pwned: undefined, injected: 0 });
    assert.deepEqual(dialogs, []);
    assert.deepEqual(violations, [], 'nothing even tried to run');
    // The CSP is live: a script added at run time (as an injection would) is refused.
    await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__pwned = "csp-bypassed"';
      document.body.append(s);
    });
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), undefined);
    assert.ok(violations.length >= 1, 'the injected script was reported as a CSP violation');
    await page.close();
  });

  test('webview entry: ready, load, append, reveal and openSource messages', async () => {
    // As the VS Code panel hosts it: no embedded data, a nonce CSP, acquireVsCodeApi provided.
    const file = join(ART, 'timeline-webview.html');
    const nonce = 'dGVzdG5vbmNl';
    writeFileSync(
      file,
      `<!doctype html><html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'">` +
        `<style nonce="${nonce}">${assets.css}</style></head><body class="vscode-dark"><div id="wirelane-timeline"></div><script nonce="${nonce}">${assets.js}</script></body></html>`,
    );
    const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
    // A string: tsx would wrap these functions in a naming helper the page does not have.
    await page.addInitScript('window.__posted = []; window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(m) });');
    await page.goto(pathToFileURL(file).href);
    const posted = (): Promise<TimelineToHostMessage[]> => page.evaluate(() => (window as unknown as { __posted: TimelineToHostMessage[] }).__posted);
    await page.waitForFunction(() => (window as unknown as { __posted: Array<{ type: string }> }).__posted.some((m) => m.type === 'ready'));
    const full = fx.keepAliveHar();
    const send = (m: HostToTimelineMessage): Promise<void> => page.evaluate((msg) => window.postMessage(msg, '*'), m);
    const first: Har = structuredClone(full);
    first.log.entries = first.log.entries.slice(0, 5);
    first.log._wirelane!.connections = first.log._wirelane!.connections.slice(0, 1);
    await send({ type: 'load', har: first, title: 'demo.http · keep-alive' });
    await page.waitForSelector('[data-connection-id="c1"] [data-entry="4"]');
    assert.deepEqual(await laneIds(page), ['c1']);
    await send({ type: 'append', entries: full.log.entries.slice(5), connections: full.log._wirelane!.connections });
    await page.waitForSelector('[data-connection-id="c3"] [data-entry="11"]');
    await assertLanesMatch(page, full);
    assert.match((await page.textContent('[data-connection-id="c1"] .wl-lane-label'))!, /closed: server sent Connection: close/, 'the updated connection replaced the old one');
    await send({ type: 'reveal', entry: 7 });
    await page.waitForSelector('.wl-details:not([hidden])');
    assert.match((await page.textContent('.wl-d-title'))!, /\/items\/8$/);
    await page.click('.wl-details .wl-link');
    const msgs = await posted();
    assert.ok(msgs.some((m) => m.type === 'selected' && m.entry === 7));
    assert.ok(msgs.some((m) => m.type === 'openSource' && m.file === 'examples/demo.http' && m.line === 31));
    await page.screenshot({ path: join(ART, 'timeline-webview-dark.png') });
    await page.close();
  });

  test('virtualized: a large HAR keeps only visible lanes and bars in the DOM', async () => {
    const har = fx.bigHar({ exchanges: 2000, connections: 100, frames: 20_000 });
    const { page } = await open(har, 'virtual', { height: 900 });
    const lanes = await page.locator('[data-connection-id]').count();
    const bars = await page.locator('[data-entry]').count();
    assert.ok(lanes > 5 && lanes < 40, `only visible lanes drawn (${lanes} of 101)`);
    assert.ok(bars < 800, `only visible bars drawn (${bars} of 2001)`);
    // Everything is reachable: scroll to the end and the WebSocket lane appears with its 101.
    await page.$eval('.wl-rows', (r) => (r.scrollTop = r.scrollHeight));
    await page.waitForSelector('[data-connection-id="c101"] [data-entry="2000"]');
    await page.evaluate(() => (window as unknown as { wirelaneTimeline: { reveal(i: number): void } }).wirelaneTimeline.reveal(0));
    await page.waitForSelector('[data-connection-id="c1"] [data-entry="0"].selected');
    await page.close();
  });

  test('a HAR recorded by Chromium itself, with CDP connection ids, is drawn one lane per connection', async () => {
    // A page with many resources over keep-alive; the server notes which socket served each URL.
    const socketOf = new Map<string, number>();
    let nextSocket = 0;
    const server: Server = createServer((req, res) => {
      const sock = req.socket as typeof req.socket & { wlId?: number };
      sock.wlId ??= ++nextSocket;
      socketOf.set(req.url!, sock.wlId);
      if (req.url === '/') {
        const imgs = Array.from({ length: 24 }, (_, i) => `<img src="/img/${i}.svg" width="16" height="16">`).join('');
        const scripts = Array.from({ length: 4 }, (_, i) => `<link rel="stylesheet" href="/css/${i}.css">`).join('');
        res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><title>many</title>${scripts}<body>${imgs}</body>`);
        return;
      }
      // A little server time so the browser opens several connections and reuses them.
      const t = setTimeout(() => {
        if (req.url!.endsWith('.svg'))
          res.writeHead(200, { 'content-type': 'image/svg+xml' }).end('<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16"><rect width="16" height="16" fill="teal"/></svg>');
        else if (req.url!.endsWith('.css')) res.writeHead(200, { 'content-type': 'text/css' }).end('body{margin:0}');
        else res.writeHead(404).end();
      }, 15);
      req.on('close', () => clearTimeout(t));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const harPath = join(ART, 'chromium-recorded.har');
    try {
      const context = await browser.newContext({ recordHar: { path: harPath } });
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      const connOf = new Map<string, string>();
      cdp.on('Network.responseReceived', (e: { response: { url: string; connectionId?: number } }) => {
        if (e.response.connectionId !== undefined) connOf.set(e.response.url, String(e.response.connectionId));
      });
      await cdp.send('Network.enable');
      await page.goto(`http://127.0.0.1:${port}/`, { waitUntil: 'load' });
      await context.close();
      const raw = JSON.parse(readFileSync(harPath, 'utf8')) as Har;
      const ours = raw.log.entries.filter((e) => e.request.url.startsWith(`http://127.0.0.1:${port}/`));
      assert.ok(ours.length >= 29, `the page and its 28 resources were recorded (${ours.length})`);
      assert.ok(
        raw.log.entries.every((e) => e.connection === undefined),
        'Playwright writes no connection ids',
      );

      // Playwright's own HAR: no ids, so one origin lane and a note.
      let shown = await open(raw, 'chromium-playwright-raw');
      assert.equal(await shown.page.locator('[data-connection-id]').count(), 0);
      assert.match((await shown.page.textContent('.wl-summary'))!, /does not record which TCP connection/);
      await shown.page.screenshot({ path: join(ART, 'timeline-chromium-playwright-raw.png') });
      await shown.page.close();

      // Merge Chrome's connection ids; they must match the sockets the server saw.
      const merged = structuredClone(raw);
      for (const e of merged.log.entries) {
        const id = connOf.get(e.request.url);
        if (id !== undefined) e.connection = id;
      }
      const byConn = new Map<string, Set<number>>();
      for (const e of merged.log.entries) {
        if (!e.connection) continue;
        const path = new URL(e.request.url).pathname;
        const s = socketOf.get(path);
        assert.ok(s !== undefined, `server saw ${path}`);
        byConn.set(e.connection, (byConn.get(e.connection) ?? new Set()).add(s));
      }
      for (const [id, socks] of byConn) assert.equal(socks.size, 1, `Chrome connection ${id} is one server socket`);
      const sockets = [...byConn.values()].map((s) => [...s][0]);
      assert.equal(new Set(sockets).size, byConn.size, 'distinct connection ids are distinct sockets');
      assert.ok(byConn.size >= 2 && byConn.size < ours.length, `several connections, reused (${byConn.size} for ${ours.length} requests)`);

      shown = await open(merged, 'chromium-recorded', { height: 1400 });
      await assertLanesMatch(shown.page, merged);
      await shown.page.screenshot({ path: join(ART, 'timeline-chromium-recorded.png') });
      await shown.page.close();
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
