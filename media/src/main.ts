// Entry of the timeline renderer. Two ways in: the standalone report embeds the HAR as inert JSON
// (`<script type="application/json" id="wirelane-har">`); a VS Code webview gets it from its
// host through messages (src/protocol/webview.ts), announcing itself with `{type: 'ready'}`.

import type { Har, HarEntry } from '../../src/core/har/types';
import type { HostToTimelineMessage, TimelineToHostMessage } from '../../src/protocol/webview';
import { Timeline } from './timeline';
import { whenIdle } from './dom';

// Same values as EMBEDDED_HAR_ELEMENT_ID / TIMELINE_ROOT_ELEMENT_ID / EMBEDDED_INDEX_ELEMENT_ID /
// FIRST_SCREEN_ELEMENT_ID in src/protocol/webview.ts.
const EMBEDDED_ID = 'wirelane-har';
const ROOT_ID = 'wirelane-timeline';
const INDEX_ID = 'wirelane-har-index';
const FIRST_SCREEN_ID = 'wirelane-first-screen';

interface VsCodeApi {
  postMessage(msg: TimelineToHostMessage): void;
}
declare const acquireVsCodeApi: (() => VsCodeApi) | undefined;

declare global {
  interface Window {
    /** For tests and the bench: the live renderer. */
    wirelaneTimeline?: Timeline;
  }
}

function parseJson(e: HTMLElement): Har | undefined {
  try {
    return JSON.parse(e.textContent ?? '') as Har;
  } catch {
    return undefined;
  }
}

function start(): void {
  let root = document.getElementById(ROOT_ID);
  if (!root) {
    root = document.createElement('div');
    root.id = ROOT_ID;
    document.body.append(root);
  }
  const vscode = typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : undefined;
  const post = (m: TimelineToHostMessage): void => vscode?.postMessage(m);
  const timeline = new Timeline(root, {
    openSource: vscode ? (file, line) => post({ type: 'openSource', file, line }) : undefined,
    selected: vscode ? (entry) => post({ type: 'selected', entry }) : undefined,
  });
  window.wirelaneTimeline = timeline;

  const first = document.getElementById(FIRST_SCREEN_ID);
  const index = document.getElementById(INDEX_ID);
  const embedded = document.getElementById(EMBEDDED_ID);
  const fullEntries = (): HarEntry[] | undefined => {
    const full = document.getElementById(EMBEDDED_ID);
    if (!full || document.readyState === 'loading') return undefined;
    const har = parseJson(full);
    full.textContent = '';
    return Array.isArray(har?.log?.entries) ? har!.log.entries : undefined;
  };
  const title = document.title.replace(/^Wirelane timeline — /, '') || undefined;
  if (first) {
    performance.mark('wl-script-start');
    // A big report: the first screen's lanes come before this script, the quick-start copy of
    // every entry and the full HAR after it. Paint the first screen now; build the rest once
    // the browser has read the whole file, when it is idle.
    const completer = (): Har | undefined => {
      const quick = document.getElementById(INDEX_ID);
      if (!quick || document.readyState === 'loading') return undefined;
      const har = parseJson(quick);
      quick.textContent = '';
      timeline.setFullEntries(fullEntries);
      return har;
    };
    if (timeline.loadFirstScreen(parseJson(first) as Parameters<Timeline['loadFirstScreen']>[0], title, completer)) {
      first.textContent = '';
      const later = (): void => whenIdle(() => timeline.complete(), 500, 0);
      if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', later);
      else later();
      return;
    }
    // An unreadable first screen: draw everything once the whole file is read.
    document.addEventListener('DOMContentLoaded', () => {
      const quick = document.getElementById(INDEX_ID);
      timeline.load(quick ? parseJson(quick) : undefined, title);
      timeline.setFullEntries(fullEntries);
    });
    return;
  }
  if (index || embedded) {
    performance.mark('wl-script-start');
    if (index) {
      // Paint from the quick-start copy now; the full HAR comes after this script in the file.
      timeline.load(parseJson(index), title);
      index.textContent = '';
      timeline.setFullEntries(fullEntries);
    } else {
      timeline.load(parseJson(embedded!), title);
      // The text can be tens of MB: let it go once parsed.
      embedded!.textContent = '';
    }
    return;
  }

  window.addEventListener('message', (ev: MessageEvent) => {
    const m = ev.data as HostToTimelineMessage | undefined;
    if (!m || typeof m !== 'object') return;
    switch (m.type) {
      case 'load':
        timeline.load(m.har, m.title);
        break;
      case 'append':
        timeline.append(Array.isArray(m.entries) ? m.entries : [], Array.isArray(m.connections) ? m.connections : [], m.updates, m.network);
        break;
      case 'reveal':
        if (typeof m.entry === 'number') timeline.reveal(m.entry);
        break;
      case 'clear':
        timeline.clearAll(typeof m.title === 'string' ? m.title : undefined);
        break;
    }
  });
  post({ type: 'ready' });
}

// The script sits in <body> after the root element: start at once, without waiting for the rest
// of the document (in the report, the full HAR that follows can be tens of MB).
if (document.body) start();
else document.addEventListener('DOMContentLoaded', start);
