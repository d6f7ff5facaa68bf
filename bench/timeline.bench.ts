// Timeline renderer at scale, in Debian's Chromium: first paint of the standalone report for
// 10,000 exchanges over 500 connections + a WebSocket with 100,000 frames, frame times during
// zoom / pan / scroll, and the page's JS heap. Baseline: the 12-exchange keep-alive report's
// first paint in the same browser, same run (the ratio is the figure; absolute times are context).
//
//   npm run bench -- timeline        (builds media/dist first)

import { mkdirSync, writeFileSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { loadReportAssets, renderReportHtml } from '../src/cli/reportHtml';
import { bigHar, keepAliveHar } from '../test/fixtures/har/generate';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ROOT = resolve(__dirname, '..');
const OUT = join(ROOT, 'bench/out');
const WORK = join(ROOT, 'test-artifacts');
const RUNS = 3;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : NaN;
};
const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))]! : NaN;
};
const f1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : '–');

interface Paint {
  /** Main-thread CPU ms (CDP ThreadTime) when the first paint was seen: robust against a busy machine. */
  cpu: number;
  firstPaint: number;
  /** The browser's own first-contentful-paint entry: when pixels were produced. */
  fcp: number;
  scriptStart: number;
  domContentLoaded: number;
}

async function openReport(browser: Browser, file: string): Promise<{ page: Page; paint: Paint }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const threadTime = async (): Promise<number> =>
    ((await cdp.send('Performance.getMetrics')) as { metrics: Array<{ name: string; value: number }> }).metrics.find((m) => m.name === 'ThreadTime')?.value ?? NaN;
  const cpu0 = await threadTime();
  await page.goto(pathToFileURL(file).href, { waitUntil: 'commit' });
  await page.waitForSelector('html[data-wl-painted]', { timeout: 120_000 });
  const cpu = ((await threadTime()) - cpu0) * 1000;
  await cdp.detach();
  // The mark is set at the end of the first drawing; the frame it paints in follows.
  const paint = await page.evaluate(
    () =>
      new Promise<Paint>((done) =>
        requestAnimationFrame(() => {
          const tl = (window as unknown as { wirelaneTimeline: { firstPaintMs: number } }).wirelaneTimeline;
          const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
          const mark = performance.getEntriesByName('wl-script-start')[0];
          const fcp = performance.getEntriesByName('first-contentful-paint')[0];
          done({ cpu: 0, firstPaint: tl.firstPaintMs, fcp: fcp ? fcp.startTime : NaN, scriptStart: mark ? mark.startTime : NaN, domContentLoaded: nav ? nav.domContentLoadedEventStart : NaN });
        }),
      ),
  );
  return { page, paint: { ...paint, cpu } };
}

async function heapMb(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  await cdp.send('HeapProfiler.collectGarbage');
  const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: Array<{ name: string; value: number }> };
  await cdp.detach();
  return (metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? NaN) / 1e6;
}

/** Zoom, pan and scroll with the wheel while recording every animation frame's interval and each redraw's cost. */
async function interact(page: Page): Promise<{ frames: number[]; renders: number[] }> {
  // As a string: tsx would wrap named functions in a helper the page does not have.
  await page.evaluate(`(() => {
    const w = window;
    w.__frames = [];
    w.__renders = [];
    w.__run = true;
    const tl = w.wirelaneTimeline;
    const orig = tl.renderNow.bind(tl);
    tl.renderNow = (...args) => {
      const s = performance.now();
      orig(...args);
      w.__renders.push(performance.now() - s);
    };
    let last = performance.now();
    const tick = (t) => {
      w.__frames.push(t - last);
      last = t;
      if (w.__run) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  })()`);
  const box = (await page.locator('.wl-rows').boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
  await page.keyboard.down('Control');
  for (let i = 0; i < 10; i++) await page.mouse.wheel(0, -120); // zoom in around the pointer
  await page.keyboard.up('Control');
  await page.keyboard.down('Shift');
  for (let i = 0; i < 10; i++) await page.mouse.wheel(0, 200); // pan right
  await page.keyboard.up('Shift');
  for (let i = 0; i < 20; i++) await page.mouse.wheel(0, 600); // scroll lanes
  await page.keyboard.down('Control');
  for (let i = 0; i < 10; i++) await page.mouse.wheel(0, 120); // zoom back out
  await page.keyboard.up('Control');
  await page.locator('.wl-rows').evaluate((r) => (r.scrollTop = r.scrollHeight)); // to the WebSocket lane
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  return page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __renders: number[]; __run: boolean };
    w.__run = false;
    return { frames: w.__frames.slice(1), renders: w.__renders };
  });
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  mkdirSync(WORK, { recursive: true });
  const assets = await loadReportAssets();
  const smallFile = join(WORK, 'bench-small.html');
  const bigFile = join(WORK, 'bench-big.html');
  writeFileSync(smallFile, renderReportHtml(keepAliveHar(), assets, { title: 'small' }));
  writeFileSync(bigFile, renderReportHtml(bigHar(), assets, { title: 'big' }));
  const bigBytes = statSync(bigFile).size;

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  const small: Paint[] = [];
  const big: Paint[] = [];
  const complete: number[][] = [];
  let frames: number[] = [];
  let renders: number[] = [];
  let heapAfterPaint = NaN,
    heapAfterInteraction = NaN,
    heapWithDetails = NaN,
    domNodes = NaN;
  try {
    for (let run = 0; run < RUNS; run++) {
      // Alternate so both see the same machine load.
      let o = await openReport(browser, smallFile);
      small.push(o.paint);
      await o.page.close();
      o = await openReport(browser, bigFile);
      big.push(o.paint);
      // A big report paints its first screen, then builds the whole model in one task when
      // the browser is idle: its time is reported apart, and interaction starts after it.
      await o.page.waitForSelector('html[data-wl-complete]', { timeout: 120_000 });
      complete.push(
        await o.page.evaluate(() => {
          const m = performance.getEntriesByName('wl-model-complete')[0];
          return m ? [m.startTime + m.duration, m.duration] : [NaN, NaN];
        }),
      );
      if (run === RUNS - 1) {
        heapAfterPaint = await heapMb(o.page);
        domNodes = await o.page.evaluate(() => document.getElementsByTagName('*').length);
        ({ frames, renders } = await interact(o.page));
        heapAfterInteraction = await heapMb(o.page);
        // Opening details parses the full HAR (headers, bodies, 100,000 frames) once.
        await o.page.evaluate('window.wirelaneTimeline.reveal(10000)');
        await o.page.waitForSelector('.wl-frames .wl-frame');
        heapWithDetails = await heapMb(o.page);
      }
      await o.page.close();
    }
  } finally {
    await browser.close();
  }

  const sp = median(small.map((p) => p.firstPaint));
  const bp = median(big.map((p) => p.firstPaint));
  const slow = frames.filter((f) => f > 1000 / 60 + 1).length;
  const load = loadavg()[0]!;
  const md = `## timeline

Standalone report in headless Chromium (${CHROMIUM}), viewport 1400×900, median of ${RUNS} loads.
Big: 10,000 exchanges over 500 connections + one WebSocket lane with 100,000 frames (${(bigBytes / 1e6).toFixed(1)} MB HTML).
Baseline: the 12-exchange keep-alive report in the same browser, alternating loads. Machine load average ${load.toFixed(1)} (2 cores shared).

| measure | small (baseline) | big | ratio big/small |
|---|---:|---:|---:|
| first paint, ms from navigation start | ${f1(sp)} | ${f1(bp)} | ${f1(bp / sp)}× |
| browser's first-contentful-paint, ms from navigation start | ${f1(median(small.map((p) => p.fcp)))} | ${f1(median(big.map((p) => p.fcp)))} | ${f1(median(big.map((p) => p.fcp)) / median(small.map((p) => p.fcp)))}× |
| main-thread CPU until the paint was seen, ms | ${f1(median(small.map((p) => p.cpu)))} | ${f1(median(big.map((p) => p.cpu)))} | ${f1(median(big.map((p) => p.cpu)) / median(small.map((p) => p.cpu)))}× |
| renderer script start, ms | ${f1(median(small.map((p) => p.scriptStart)))} | ${f1(median(big.map((p) => p.scriptStart)))} | |
| DOMContentLoaded (whole file parsed) if before the frame after the paint, ms | ${f1(median(small.map((p) => p.domContentLoaded)))} | ${f1(median(big.map((p) => p.domContentLoaded)))} | |
| every lane drawable (whole model built), ms from navigation start | | ${f1(median(complete.map((c) => c[0]!)))} | |
| the task that builds the whole model, ms | | ${f1(median(complete.map((c) => c[1]!)))} | |

Interaction on the big report, after its whole model is built (ctrl+wheel zoom ×20, shift+wheel pan ×10, wheel scroll ×20, jump to the last lane):

| measure | value |
|---|---:|
| animation frames recorded | ${frames.length} |
| frame interval p50 / p95 / max, ms | ${f1(pct(frames, 0.5))} / ${f1(pct(frames, 0.95))} / ${f1(Math.max(...frames))} |
| frames longer than 17.7 ms | ${slow} (${f1((100 * slow) / Math.max(1, frames.length))} %) |
| redraw cost p50 / p95 / max, ms (${renders.length} redraws) | ${f1(pct(renders, 0.5))} / ${f1(pct(renders, 0.95))} / ${f1(Math.max(...renders))} |
| DOM elements after first paint | ${domNodes} |
| JS heap after first paint, MB | ${f1(heapAfterPaint)} |
| JS heap after interaction, MB | ${f1(heapAfterInteraction)} |
| JS heap with details open (full HAR parsed), MB | ${f1(heapWithDetails)} |

Raw first paints (ms): small ${small.map((p) => f1(p.firstPaint)).join(', ')}; big ${big.map((p) => f1(p.firstPaint)).join(', ')}.
`;
  writeFileSync(join(OUT, 'timeline.md'), md);
  process.stdout.write(md);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
