// The standalone timeline report: one self-contained HTML file that opens in any browser.
// The HAR travels as inert JSON (`<script type="application/json">`, `<` escaped) and is read by
// the same renderer the VS Code panel uses: a small quick-start copy before the script (it paints
// from that at once) and the whole HAR after it (parsed only when details are opened); in a big
// report, only a first-screen copy precedes the script and the quick-start copy follows it; a CSP meta tag allows only this file's own script
// and style, by hash, so nothing from the HAR can ever run.

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Har } from '../core/har/types';
import { WlError } from '../core/errors';
import { EMBEDDED_HAR_ELEMENT_ID, EMBEDDED_INDEX_ELEMENT_ID, FIRST_SCREEN_ELEMENT_ID, TIMELINE_ROOT_ELEMENT_ID } from '../protocol/webview';
import { buildModel, firstScreenCopy } from '../core/timeline/lanes';
import { packFrames } from '../core/har/packedFrames';

export interface ReportAssets {
  js: string;
  css: string;
}

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

function escapeHtmlText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JSON that cannot end its `<script>` element or open a comment: every `<` becomes `\u003c`. */
export function inertJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function isObj(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

/**
 * What the lanes need to paint, without headers, bodies and frame data: a few hundred bytes per
 * entry, so the first paint does not wait for a multi-megabyte HAR. Field-picking only — how the
 * HAR is read stays in the renderer.
 */
export function quickStartCopy(har: Har): unknown {
  const log: Record<string, unknown> = isObj(har) && isObj(har.log) ? har.log : {};
  const entries = Array.isArray(log.entries) ? log.entries : [];
  const pick = (o: unknown, keys: string[]): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    if (isObj(o)) for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
    return out;
  };
  const wl = isObj(log._wirelane) ? log._wirelane : {};
  const known = new Set((Array.isArray(wl.connections) ? wl.connections : []).map((c: unknown) => (isObj(c) ? String(c.id) : '')));
  return {
    log: {
      ...pick(log, ['version', 'creator', 'browser', 'comment', '_wirelane']),
      entries: entries.map((e: unknown) => {
        if (!isObj(e)) return e;
        const light: Record<string, unknown> = pick(e, ['startedDateTime', 'time', 'timings', 'connection', '_resourceType']);
        // Ports and addresses of a known connection are in log._wirelane.connections already.
        if (!known.has(String(e.connection))) Object.assign(light, pick(e, ['serverIPAddress', '_serverPort']));
        if (isObj(e._wirelane)) light._wirelane = pick(e._wirelane, ['reused', 'mode', 'requestName', 'error', 'streamId', ...(known.has(String(e.connection)) ? [] : ['localPort', 'remotePort'])]);
        light.request = pick(e.request, ['method', 'url', 'httpVersion', 'bodySize']);
        light.response = pick(e.response, ['status', 'statusText', 'httpVersion', '_error', 'bodySize']);
        if (Array.isArray(e._webSocketMessages)) {
          const packed = packFrames(e._webSocketMessages);
          if (packed) light._wlFrames = packed;
          else light._webSocketMessages = [];
        }
        return light;
      }),
    },
  };
}

/** Above this size of the quick-start copy the report carries a first-screen copy before the script. */
const FIRST_SCREEN_MIN_CHARS = 256 * 1024;

/** The HAR as a self-contained HTML page. Pure: same input, same output. */
export function renderReportHtml(har: Har, assets: ReportAssets, opts: { title?: string } = {}): string {
  // A bundle that contained `</script` (in a string) would end its element early.
  const js = assets.js.replace(/<\/(script)/gi, '<\\/$1');
  const css = assets.css.replace(/<\/(style)/gi, '<\\/$1');
  const csp = ["default-src 'none'", `script-src ${sha256(js)}`, `style-src ${sha256(css)}`, 'img-src data:', "base-uri 'none'", "form-action 'none'"].join('; ');
  const title = `Wirelane timeline — ${opts.title ?? har?.log?.creator?.name ?? 'HAR'}`;
  const quick = quickStartCopy(har) as Har;
  const quickJson = inertJson(quick);
  const quickBlock = `<script type="application/json" id="${EMBEDDED_INDEX_ELEMENT_ID}">${quickJson}</script>\n`;
  // The browser runs the script only after reading everything before it: a big report puts
  // only the first screen's lanes there, and the rest after.
  const first = quickJson.length > FIRST_SCREEN_MIN_CHARS ? inertJson(firstScreenCopy(quick, buildModel(quick))) : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtmlText(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escapeHtmlText(title)}</title>
<style>${css}</style>
</head>
<body class="wl-standalone">
<div id="${TIMELINE_ROOT_ELEMENT_ID}"></div>
${first ? `<script type="application/json" id="${FIRST_SCREEN_ELEMENT_ID}">${first}</script>\n<script>${js}</script>\n${quickBlock}` : `${quickBlock}<script>${js}</script>\n`}<script type="application/json" id="${EMBEDDED_HAR_ELEMENT_ID}">${inertJson(har)}</script>
</body>
</html>
`;
}

/** media/dist next to the running code: dist/cli.js → ../media/dist; src/cli/*.ts (tsx) → ../../media/dist. */
export function findMediaDist(from: string = __dirname): string | undefined {
  let dir = resolve(from);
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'media', 'dist');
    if (existsSync(join(candidate, 'timeline.js')) && existsSync(join(candidate, 'timeline.css'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

export async function loadReportAssets(): Promise<ReportAssets> {
  const dir = findMediaDist();
  if (!dir) {
    throw new WlError('WL_REPORT_ASSETS', `the timeline renderer (media/dist/timeline.js and timeline.css) was not found near ${__dirname}`, {
      hint: 'Run `npm run build` first; the report needs the bundled renderer.',
    });
  }
  const [js, css] = await Promise.all([readFile(join(dir, 'timeline.js'), 'utf8'), readFile(join(dir, 'timeline.css'), 'utf8')]);
  return { js, css };
}

export async function writeReportHtml(har: Har, outPath: string, opts: { title?: string } = {}): Promise<void> {
  const assets = await loadReportAssets();
  await writeFile(outPath, renderReportHtml(har, assets, opts), 'utf8');
}

/** Throws WL_HAR_INVALID unless `value` has the shape every reader needs: `log.entries` as an array. */
export function assertHarShape(value: unknown, where: string): asserts value is Har {
  const log = value !== null && typeof value === 'object' ? (value as { log?: unknown }).log : undefined;
  if (!log || typeof log !== 'object' || !Array.isArray((log as { entries?: unknown }).entries)) {
    throw new WlError('WL_HAR_INVALID', `${where}: not a HAR (expected an object with log.entries as a list)`);
  }
}
