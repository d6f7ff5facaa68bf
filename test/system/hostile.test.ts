// HAR fuzzing of the reader and of the HTML report in Chromium. HARs are made by fast-check
// from real recordings (the fixtures) by mutation: fields deleted, given the wrong type
// (null, numbers, NaN-ish, arrays, objects), strings swapped for script payloads or for huge
// strings; plus one variant per fixture where EVERY string is a payload. The reader must return
// or throw WL_HAR_INVALID, never anything else; the report must render with no uncaught error,
// nothing executed (no dialog, no global set, no injected element, no CSP report).
// test/system/timeline.test.ts covers one hand-made hostile HAR; this is the fuzzed breadth.

import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import * as esbuild from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { readHar } from '../../src/core/har/read';
import { WlError } from '../../src/core/errors';
import { renderReportHtml, type ReportAssets } from '../../src/cli/reportHtml';
import type { Har } from '../../src/core/har/types';
import * as fx from '../fixtures/har/generate';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ROOT = resolve(__dirname, '../..');
const SEED = Number(process.env.WL_FUZZ_SEED ?? 20261122);
const skip = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM} (apt-get install chromium)`;

/** Each payload, if it ever ran, would set window.__pwned (or open a dialog). */
const PAYLOADS = [
  '<img src=x onerror="window.__pwned=1;alert(1)">',
  '</script><script>window.__pwned=2;alert(2)</script>',
  '<svg onload="window.__pwned=3">',
  '"><iframe src="javascript:window.__pwned=4">',
  '<!--<script>window.__pwned=5</script>-->',
  'javascript:window.__pwned=6//',
  '${window.__pwned=7}',
  '\u2028<style>*{background:url(javascript:window.__pwned=8)}</style>',
  '\'><a href="javascript:window.__pwned=9" id=wlx>x</a>',
  '<math><mtext><table><mglyph><style><img src=x onerror=window.__pwned=10>',
  '<scr<script>ipt>window.__pwned=11</scr</script>ipt>',
  '</style></script><base href="javascript:window.__pwned=12//">',
  '\u0000<script>window.__pwned=13</script>',
  '<details open ontoggle="window.__pwned=14">',
  '{{constructor.constructor("window.__pwned=15")()}}',
  '<meta http-equiv="refresh" content="0;url=javascript:window.__pwned=16">',
];
const KEYS_HOSTILE = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];

const BASES: Array<[string, () => Har]> = [
  ['keep-alive', fx.keepAliveHar],
  ['h2', fx.h2Har],
  ['websocket', fx.websocketHar],
  ['failed', fx.failedHar],
  ['mixed', fx.mixedHar],
  ['hostile', fx.hostileHar],
  ['chrome', fx.chromeLikeHar],
];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const payload = fc.constantFrom(...PAYLOADS);
const hugeString = fc.constantFrom(200_000, 1_000_000).chain((n) => payload.map((p) => p + 'W'.repeat(n)));
const wrongType: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(null, true, false, 0, -1, 1e308, -1e-308, '', [], {}, [null], { length: 5 }, '-1', 'NaN', '1e999'),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  payload,
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
);

type Op = { kind: 'delete' } | { kind: 'set'; value: Json } | { kind: 'huge'; value: string } | { kind: 'key'; key: string; value: Json };
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Op>({ kind: 'delete' }) },
  { weight: 5, arbitrary: wrongType.map<Op>((value) => ({ kind: 'set', value })) },
  { weight: 1, arbitrary: hugeString.map<Op>((value) => ({ kind: 'huge', value })) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...KEYS_HOSTILE), wrongType).map<Op>(([key, value]) => ({ kind: 'key', key, value })) },
);

/** Every (container, key) in the tree, in a stable order. */
function slots(root: Json): Array<[Json[] | { [k: string]: Json }, string | number]> {
  const out: Array<[Json[] | { [k: string]: Json }, string | number]> = [];
  const walk = (n: Json): void => {
    if (Array.isArray(n)) {
      n.forEach((v, i) => {
        out.push([n, i]);
        walk(v);
      });
    } else if (n && typeof n === 'object') {
      for (const k of Object.keys(n)) {
        out.push([n, k]);
        walk(n[k]);
      }
    }
  };
  walk(root);
  return out;
}

function mutate(base: Har, ops: Array<[number, Op]>): Json {
  const root = JSON.parse(JSON.stringify(base)) as Json;
  for (const [at, o] of ops) {
    const all = slots(root);
    if (all.length === 0) break;
    const [parent, key] = all[at % all.length];
    const p = parent as Record<string | number, Json>;
    if (o.kind === 'delete') {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete p[key];
    } else if (o.kind === 'set') p[key] = o.value;
    else if (o.kind === 'huge') p[key] = o.value;
    else {
      // A hostile key next to the slot (defineProperty so `__proto__` is an own data key, as JSON.parse makes it).
      const target = p[key];
      if (target && typeof target === 'object' && !Array.isArray(target)) Object.defineProperty(target, o.key, { value: o.value, enumerable: true, writable: true, configurable: true });
    }
  }
  return root;
}

const mutatedHar = fc.tuple(fc.constantFrom(...BASES), fc.array(fc.tuple(fc.nat(), op), { minLength: 1, maxLength: 14 })).map(([[name, make], ops]) => ({ name, har: mutate(make(), ops) }));

/** The base HAR with every string, keys kept, replaced by a payload (the field's own name in it, to tell them apart). */
function everyFieldPayload(h: Har): Json {
  let i = 0;
  const walk = (n: Json, key: string): Json => {
    if (typeof n === 'string') return `${PAYLOADS[i++ % PAYLOADS.length]}${key}`;
    if (Array.isArray(n)) return n.map((v) => walk(v, key));
    if (n && typeof n === 'object') return Object.fromEntries(Object.entries(n).map(([k, v]) => [k, walk(v, k)]));
    return n;
  };
  return walk(JSON.parse(JSON.stringify(h)) as Json, 'root');
}

function assertReaderSurvives(v: unknown): void {
  for (const input of [v, JSON.stringify(v)]) {
    try {
      const r = readHar(input);
      assert.ok(Array.isArray(r.run.exchanges) && Array.isArray(r.run.connections) && Array.isArray(r.run.sessions));
      for (const x of r.run.exchanges) assert.equal(typeof x.startedAt, 'number');
    } catch (e) {
      if (!(e instanceof WlError) || e.code !== 'WL_HAR_INVALID') throw e;
    }
  }
}

/** Every script element of a report, in order: the quick-start copy, the renderer, the full HAR. */
const SCRIPTS = ['<script type="application/json" id="wirelane-har-index">', '<script>', '<script type="application/json" id="wirelane-har">'];
/** A big report's: a first-screen copy before the renderer, the quick-start copy after it. */
const SCRIPTS_BIG = ['<script type="application/json" id="wirelane-first-screen">', '<script>', SCRIPTS[0], SCRIPTS[2]];

/**
 * The file itself carries no live markup: only our scripts (three, or four in a big report), in
 * their order, the CSP without unsafe-*. Returns how many script elements the page should have.
 */
function assertInertHtml(html: string): number {
  const openers = html.match(/<script[^>]*>/gi) ?? [];
  const expected = openers.length === SCRIPTS_BIG.length ? SCRIPTS_BIG : SCRIPTS;
  assert.deepEqual(openers, expected, 'the JSON blocks and the renderer, nothing else');
  assert.equal((html.match(/<\/script/gi) ?? []).length, expected.length);
  assert.equal((html.match(/<style/gi) ?? []).length, 1);
  assert.equal((html.match(/<meta/gi) ?? []).length, 4, 'charset, CSP, viewport, color-scheme: no payload meta (refresh) tag');
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
  assert.match(csp, /default-src 'none'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  return expected.length;
}

/** Like fc.assert, but a counterexample holding a megabyte string is shown cut short. */
function check<T>(arb: fc.Arbitrary<T>, body: (v: T) => void, numRuns: number): void {
  const out = fc.check(fc.property(arb, body), { numRuns, seed: SEED });
  if (out.failed) {
    const ex = JSON.stringify(out.counterexample).slice(0, 600);
    assert.fail(`seed ${SEED}, after ${out.numRuns} runs: ${out.errorInstance instanceof Error ? out.errorInstance.message.slice(0, 600) : String(out.errorInstance)}\ncounterexample (cut): ${ex}`);
  }
}

test('the HAR reader: 250 mutated recordings and every-field payloads give a run or WL_HAR_INVALID, never another error', () => {
  check(mutatedHar, ({ har }) => assertReaderSurvives(har), 250);
  for (const [, make] of BASES) assertReaderSurvives(everyFieldPayload(make()));
});

test('renderReportHtml: never throws, and the file holds no markup from the HAR (250 mutated HARs)', () => {
  const assets: ReportAssets = { js: 'void 0', css: '' };
  check(mutatedHar, ({ har }) => void assertInertHtml(renderReportHtml(har as unknown as Har, assets, { title: PAYLOADS[1] })), 250);
  // Anything JSON.parse can give (the report command reads a file).
  for (const bad of [null, 1, 'x', [], {}, { log: null }, { log: { entries: 'x' } }]) assertInertHtml(renderReportHtml(bad as unknown as Har, assets));
});

describe('the report in Chromium, fed fuzzed HARs', { skip }, () => {
  let browser: Browser;
  let assets: ReportAssets;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wl-hostile-'));
    const js = await esbuild.build({ entryPoints: [join(ROOT, 'media/src/main.ts')], bundle: true, write: false, platform: 'browser', format: 'iife', target: 'es2022', logLevel: 'silent' });
    const css = await esbuild.build({ entryPoints: [join(ROOT, 'media/src/timeline.css')], bundle: true, write: false, logLevel: 'silent' });
    assets = { js: js.outputFiles[0]!.text, css: css.outputFiles[0]!.text };
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  after(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  interface Watch {
    errors: string[];
    dialogs: string[];
    violations: string[];
    requests: string[];
  }

  async function newWatchedPage(): Promise<{ page: Page; w: Watch }> {
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    const w: Watch = { errors: [], dialogs: [], violations: [], requests: [] };
    page.on('pageerror', (e) => w.errors.push(e.message));
    page.on('dialog', (d) => {
      w.dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) w.violations.push(m.text());
      else if (m.type() === 'error') w.errors.push(m.text());
    });
    // Nothing but the file itself may load: a payload that fetched would show here.
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) w.requests.push(r.url());
    });
    return { page, w };
  }

  /** Opens the report, clicks through the first bars and every details tab, then checks nothing ran. */
  /** Whether each opened report drew bars (fuzzing must not only ever produce empty timelines). */
  const drawn: boolean[] = [];

  async function openAndPoke(page: Page, w: Watch, har: Json, name: string): Promise<void> {
    const file = join(dir, `${name}.html`);
    const html = renderReportHtml(har as unknown as Har, assets, { title: name });
    const scripts = assertInertHtml(html);
    writeFileSync(file, html);
    await page.goto(pathToFileURL(file).href);
    // A HAR with no usable entry draws an empty timeline (no data-wl-painted); either way the
    // renderer must be up and the page loaded, with nothing thrown.
    try {
      await page.waitForFunction(() => document.readyState === 'complete' && (window as unknown as { wirelaneTimeline?: unknown }).wirelaneTimeline !== undefined, undefined, { timeout: 20_000 });
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    } catch {
      assert.fail(`${name}: the renderer never came up; errors: ${w.errors.join(' | ').slice(0, 800)}; HAR (cut): ${JSON.stringify(har).slice(0, 800)}`);
    }
    drawn.push((await page.locator('html[data-wl-painted]').count()) > 0);
    // Events go straight to the elements: fuzzed timings stack bars on top of each other.
    const bars = page.locator('[data-entry]');
    const n = Math.min(await bars.count(), 3);
    for (let i = 0; i < n; i++) {
      const bar = bars.nth(i);
      await bar.dispatchEvent('mouseover');
      await bar.dispatchEvent('click');
      for (const tab of await page.locator('.wl-tab').all()) await tab.dispatchEvent('click');
      await page.keyboard.press('ArrowRight');
    }
    const state = await page.evaluate(() => ({
      pwned: (window as unknown as { __pwned?: unknown }).__pwned,
      // What the payloads would create if parsed as markup (the renderer's own drawing is divs and text).
      injected: document.querySelectorAll(
        '#wirelane-timeline img, #wirelane-timeline iframe, #wirelane-timeline script, #wirelane-timeline style, #wirelane-timeline math, #wirelane-timeline meta, #wirelane-timeline base, #wirelane-timeline details[ontoggle], #wlx',
      ).length,
      scripts: document.scripts.length,
    }));
    assert.equal(state.pwned, undefined, `${name}: a payload ran`);
    assert.equal(state.scripts, scripts, `${name}: a script element appeared`);
    assert.deepEqual(w.dialogs, [], `${name}: a dialog opened`);
    assert.deepEqual(w.errors, [], `${name}: the renderer threw`);
    assert.deepEqual(w.violations, [], `${name}: something tried to run or load`);
    assert.deepEqual(w.requests, [], `${name}: something was fetched`);
    assert.equal(state.injected, 0, `${name}: payload markup in the DOM`);
    assert.equal(
      await page
        .locator('#wirelane-timeline [onerror], #wirelane-timeline [onload], #wirelane-timeline [ontoggle], #wirelane-timeline [href^="javascript:"], #wirelane-timeline [src^="javascript:"]')
        .count(),
      0,
      `${name}: payload attributes in the DOM`,
    );
  }

  test('every field a script payload, for each recording kind: drawn, clickable, nothing runs', { timeout: 120_000 }, async () => {
    const { page, w } = await newWatchedPage();
    try {
      for (const [name, make] of BASES) await openAndPoke(page, w, everyFieldPayload(make()), `every-field-${name}`);
    } finally {
      await page.close();
    }
  });

  test('16 fuzzed HARs (wrong types, missing fields, hostile keys, huge strings): no uncaught error, nothing runs', { timeout: 180_000 }, async () => {
    const samples = fc.sample(mutatedHar, { numRuns: 16, seed: SEED });
    const { page, w } = await newWatchedPage();
    try {
      drawn.length = 0;
      for (let i = 0; i < samples.length; i++) await openAndPoke(page, w, samples[i].har, `fuzz-${i}-${samples[i].name}`);
      const painted = drawn.filter(Boolean).length;
      console.log(`fuzzed reports: ${painted} of ${drawn.length} drew bars, the rest an empty timeline`);
      assert.ok(painted >= drawn.length / 2, 'most mutated HARs still have entries to draw');
    } finally {
      await page.close();
    }
  });

  test('huge strings: a 20 MB body, a 1 MB URL and 100,000 frames open without hanging the page', { timeout: 120_000 }, async () => {
    const h = JSON.parse(JSON.stringify(fx.websocketHar())) as Har;
    const e0 = h.log.entries[0];
    e0.request.url = `http://127.0.0.1/${'u'.repeat(1_000_000)}${PAYLOADS[0]}`;
    e0.response.content = { size: 20 * 1024 * 1024, mimeType: 'text/html', text: `${PAYLOADS[1]}${'b'.repeat(20 * 1024 * 1024)}` };
    const ws = h.log.entries.find((e) => Array.isArray(e._webSocketMessages));
    assert.ok(ws);
    ws._webSocketMessages = Array.from({ length: 100_000 }, (_, k) => ({ type: k % 2 ? 'receive' : 'send', time: 1_768_478_400 + k / 1000, opcode: 1, data: PAYLOADS[k % PAYLOADS.length] }));
    const { page, w } = await newWatchedPage();
    try {
      const started = Date.now();
      await openAndPoke(page, w, h as unknown as Json, 'huge');
      console.log(`huge HAR (20 MB body, 1 MB URL, 100,000 frames): painted and poked in ${Date.now() - started} ms`);
    } finally {
      await page.close();
    }
  });
});
