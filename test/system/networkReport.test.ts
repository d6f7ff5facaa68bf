// A compare under simulated network conditions, drawn in Chromium as a user opens the report:
// the badge says the link was simulated, and every mode shows the textbook model beside its
// measured time. Real servers on 127.0.0.1:0 (HTTP/1.1 and HTTP/2 over TLS).

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { compareModes } from '../../src/cli/commands/compare';
import { writeHtmlReport } from '../../src/cli/htmlReport';
import { startH2Server, type RecordingServer } from '../servers/recordingServer';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = resolve(__dirname, '../..');
const ART = join(ROOT, 'test-artifacts');
const haveAssets = existsSync(join(ROOT, 'media/dist/timeline.js'));
const skip = !existsSync(CHROMIUM) ? `Chromium not found at ${CHROMIUM}` : !haveAssets ? 'media/dist missing: run `npm run build` first' : false;

let server: RecordingServer;
let browser: Browser;

before(async () => {
  if (skip) return;
  mkdirSync(ART, { recursive: true });
  server = await startH2Server();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('compare report with conditions: a "simulated network" badge and the model beside each mode', { skip }, async () => {
  const file = join(ART, 'network-compare.http');
  writeFileSync(file, [1, 2, 3, 4, 5, 6].map((i) => `### r${i}\nGET ${server.url}/items/${i}\n`).join('\n'));
  const results = await compareModes({ file, modes: ['close', 'keep-alive', 'pipeline:3', 'h2'], insecure: true, network: { rttMs: 40, downKbps: 1638.4, upKbps: 750, preset: 'slow-4g' } });
  for (const r of results) assert.equal(r.result.failed, false, `${r.mode} failed`);
  const html = join(ART, 'network-compare.html');
  assert.equal(
    await writeHtmlReport(
      results.map((r) => r.result.run),
      html,
      { title: 'compare under simulated network' },
    ),
    true,
  );

  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`file://${html}`);
  await page.waitForSelector('.wl-network');
  const badge = await page.textContent('.wl-network');
  assert.match(badge ?? '', /^simulated network: Slow 4G \(adjusted\) — RTT 40 ms, down 1\.6 Mbit\/s, up 750 kbit\/s\. /);
  const rows = await page.$$eval('.wl-model tbody tr', (trs) => trs.map((tr) => Array.from(tr.children).map((c) => c.textContent ?? '')));
  assert.deepEqual(
    rows.map((r) => r[0]),
    ['close', 'keep-alive', 'pipeline:3', 'h2'],
  );
  // close: 6 × 2 RTT + 6 TLS 1.3 handshakes = 18 RTT; keep-alive 1 + 6 + 1 = 8; pipeline:3 1 + 2 + 1 = 4; h2 1 + 1 + 1 = 3.
  assert.deepEqual(
    rows.map((r) => /= (\d+) RTT/.exec(r[4]!)?.[1]),
    ['18', '8', '4', '3'],
  );
  for (const r of rows) {
    const ratio = Number(/×([\d.]+)/.exec(r[3]!)?.[1]);
    assert.ok(ratio >= 0.95, `${r[0]}: measured/model ${ratio} under 0.95 would mean the simulation skipped round trips`);
  }
  await page.screenshot({ path: join(ART, 'network-compare.png') });
  assert.deepEqual(errors, []);
  await page.close();
});
