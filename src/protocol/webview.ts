// Messages between a timeline host (the VS Code panel, the HAR custom editor) and the
// timeline renderer in media/. Declared once here; the renderer imports these with `import type`.
// The standalone HTML report has no host: it embeds the HAR as inert JSON instead.

import type { Har, HarEntry, WirelaneConnectionExt } from '../core/har/types';
import type { NetworkConditions } from '../core/network';

/** host → renderer: draw this HAR, replacing whatever is shown. */
export interface LoadMessage {
  type: 'load';
  har: Har;
  /** Shown in the summary strip ("demo.http · keep-alive"). */
  title?: string;
}

/**
 * host → renderer: a live run grew. Entries are appended to `log.entries` in order (their index
 * continues the count); a connection whose id is already known replaces the old one (it closed).
 * Hosts batch these (one message per animation frame or per ~50 ms), never one per frame event.
 */
export interface AppendMessage {
  type: 'append';
  entries: HarEntry[];
  connections: WirelaneConnectionExt[];
  /**
   * Replacements for entries already sent (an exchange that was in flight has finished, or a
   * WebSocket session received frames): index in `log.entries` → the whole new entry.
   */
  updates?: Array<{ index: number; entry: HarEntry }>;
  /** The simulated network conditions of the runs shown (`log._wirelane.network`), when there are any. */
  network?: NetworkConditions;
}

/** host → renderer: select this exchange (index in `log.entries`), scroll it into view, open its details. */
export interface RevealMessage {
  type: 'reveal';
  entry: number;
}

/** host → renderer: forget everything (a new run started in a panel that shows only the latest). */
export interface ClearMessage {
  type: 'clear';
  /** The title of what is shown next (a Send All, a Compare, the editor session). */
  title?: string;
}

export type HostToTimelineMessage = LoadMessage | AppendMessage | RevealMessage | ClearMessage;

/** renderer → host: the script is running and listens; the host sends `load` after this. */
export interface ReadyMessage {
  type: 'ready';
}

/** renderer → host: open the .http file at this 1-based line (from `_wirelane.source`). */
export interface OpenSourceMessage {
  type: 'openSource';
  file: string;
  line: number;
}

/** renderer → host: the person selected an exchange (hosts may sync the response view). */
export interface SelectedMessage {
  type: 'selected';
  entry: number;
}

export type TimelineToHostMessage = ReadyMessage | OpenSourceMessage | SelectedMessage;

/** Id of the `<script type="application/json">` element the standalone report embeds the HAR in. */
export const EMBEDDED_HAR_ELEMENT_ID = 'wirelane-har';
/** Id of the element the renderer draws into. */
export const TIMELINE_ROOT_ELEMENT_ID = 'wirelane-timeline';

/**
 * The standalone report's quick-start copy of the HAR: every entry without headers, bodies and
 * frame data, WebSocket frames packed as below. The renderer paints from it while the browser is
 * still reading the full HAR (embedded after the script), which it parses only for details.
 */
export const EMBEDDED_INDEX_ELEMENT_ID = 'wirelane-har-index';

/**
 * A big report's first-screen copy (src/core/timeline/lanes.ts firstScreenCopy), before the
 * script; the quick-start copy then follows the script. The renderer paints from it at once.
 */
export const FIRST_SCREEN_ELEMENT_ID = 'wirelane-first-screen';

export type { PackedFrames } from '../core/har/packedFrames';
