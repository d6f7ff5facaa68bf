// The timeline view: summary strip, toolbar (zoom, filters, legend), time axis, and the lanes.
// Only what is on screen exists in the DOM: rows are virtualized vertically, bars horizontally,
// WebSocket frames are ticks on one canvas per visible lane.
//
// DOM contract (tests and screen readers rely on it): each visible lane is an element with
// `data-connection-id` = the HAR `connection` value (origin lanes, for HARs without connection
// ids, carry `data-origin` instead); each visible exchange is an element with `data-entry` =
// its index in `log.entries`, inside its lane's element.

import type { Har, HarEntry, WirelaneConnectionExt } from '../../src/core/har/types';
import type { NetworkConditions } from '../../src/core/network';
import { renderDetails } from './details';
import { renderNetworkNote } from './network';
import { clear, el, whenIdle } from './dom';
import {
  BAR_GAP,
  BAR_H,
  buildModel,
  formatMs,
  GROUP_H,
  harOfFirstScreen,
  laneHeight,
  PHASE_LABEL,
  PHASES,
  summaryOfBar,
  WS_LANE_H,
  type Bar,
  type FirstScreenFacts,
  type Group,
  type Lane,
  type TimelineModel,
  type WsTrack,
} from '../../src/core/timeline/lanes';

/** Below this panel width the reasons wrap (taller lanes) and the details pane sits under the chart. */
const NARROW_PX = 560;
/** Line height of the lane label's text (.wl-l1, .wl-l2) and the most lines a reason may wrap to. */
const LABEL_LINE_H = 15;
const MAX_REASON_LINES = 4;
const OVERSCAN_PX = 300;
/**
 * A redraw on an animation frame creates lanes and bars for at most this long; what is left waits
 * for the next frame (nearest the view first). Positioning what exists is never cut short. Zooming
 * out over 500 connections or jumping to the far end of the lanes made hundreds of elements in one
 * frame (up to 100 ms: dropped frames).
 */
const CREATE_BUDGET_MS = 6;
const MIN_MS_PER_PX = 0.0005;

type Row = { kind: 'group'; group: Group; top: number; height: number } | { kind: 'lane'; lane: Lane; top: number; height: number; bars: Bar[] };

export interface TimelineHost {
  openSource?: (file: string, line: number) => void;
  selected?: (entry: number) => void;
  title?: string;
}

interface Filters {
  origin: string;
  status: string;
  connection: string;
  text: string;
}

interface LaneView {
  el: HTMLElement;
  track: HTMLElement;
  bars: Map<number, HTMLElement>;
  canvas?: HTMLCanvasElement;
  life?: HTMLElement;
  top: number;
}

export class Timeline {
  private har: Har = { log: { version: '1.2', creator: { name: '', version: '' }, entries: [] } };
  private model: TimelineModel = buildModel(this.har);
  private rows: Row[] = [];
  private collapsed = new Set<string>();
  private filters: Filters = { origin: '', status: '', connection: '', text: '' };
  private viewStart = 0;
  private msPerPx = 1;
  private autoFit = true;
  private selected = -1;
  private narrow = false;
  /** Narrow mode: a hidden label that wraps reasons as the lanes do, and the line counts it gave. */
  private reasonProbe?: { probe: HTMLElement; width: number; lines: Map<string, number> };
  private focused = -1;
  private scheduled = false;
  private readonly laneViews = new Map<string, LaneView>();
  private readonly groupViews = new Map<string, HTMLElement>();
  private firstPaint?: number;

  private readonly summaryEl: HTMLElement;
  private readonly toolbarEl: HTMLElement;
  private readonly axisTrack: HTMLElement;
  private readonly gridEl: HTMLElement;
  private readonly rowsEl: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly detailsEl: HTMLElement;
  private readonly tooltip: HTMLElement;
  private readonly status: HTMLElement;
  private originSel!: HTMLSelectElement;
  private statusSel!: HTMLSelectElement;
  private connSel!: HTMLSelectElement;
  private searchInput!: HTMLInputElement;

  constructor(
    private readonly root: HTMLElement,
    private readonly host: TimelineHost = {},
  ) {
    clear(root);
    root.classList.add('wl');
    this.summaryEl = el('header', 'wl-summary', undefined, { 'aria-label': 'Summary' });
    this.toolbarEl = el('div', 'wl-toolbar', undefined, { role: 'toolbar', 'aria-label': 'Zoom and filters' });
    const main = el('div', 'wl-main');
    const chart = el('div', 'wl-chart');
    const axis = el('div', 'wl-axis', undefined, { 'aria-hidden': 'true' });
    axis.append(el('div', 'wl-axis-label', 'connection'));
    this.axisTrack = el('div', 'wl-axis-track', undefined, { title: 'Wheel to zoom, drag to pan' });
    axis.append(this.axisTrack);
    const body = el('div', 'wl-chart-body');
    this.gridEl = el('div', 'wl-grid', undefined, { 'aria-hidden': 'true' });
    this.rowsEl = el('div', 'wl-rows', undefined, {
      tabindex: '0',
      role: 'region',
      'aria-label': 'Connection lanes. Arrow keys move between exchanges, Enter opens details, + and - zoom, 0 fits all.',
    });
    this.spacer = el('div', 'wl-spacer');
    this.rowsEl.append(this.spacer);
    body.append(this.gridEl, this.rowsEl);
    chart.append(axis, body);
    this.detailsEl = el('aside', 'wl-details', undefined, { 'aria-label': 'Exchange details', hidden: '' });
    main.append(chart, this.detailsEl);
    this.tooltip = el('div', 'wl-tooltip', undefined, { role: 'tooltip', hidden: '' });
    this.status = el('div', 'wl-sr', undefined, { 'aria-live': 'polite' });
    root.append(this.summaryEl, this.toolbarEl, main, this.tooltip, this.status);
    this.buildToolbar();
    this.bindEvents(axis);
    // VS Code switches themes by changing <body>'s class: redraw the canvas colours.
    new MutationObserver(() => this.schedule()).observe(document.body, { attributes: true, attributeFilter: ['class'] });
    this.measure();
    const resized = new ResizeObserver(() => {
      this.measure();
      const narrow = this.size.root > 0 && this.size.root < NARROW_PX;
      if (narrow !== this.narrow) {
        this.narrow = narrow;
        this.root.classList.toggle('wl-narrow', narrow);
        this.layoutRows();
        this.renderNow();
      }
      if (this.autoFit) this.fit(false);
      this.schedule();
    });
    resized.observe(this.rowsEl);
    resized.observe(this.root);
  }

  // Sizes and the scroll position are read when they change (resize, scroll), never while
  // drawing: a read after DOM changes forces a layout of the whole page in the middle of the
  // script (about 90 ms of the first paint of a 10,000-exchange report).
  private size = { root: 0, rows: 0, rowsHeight: 0, scrollTop: 0 };

  private measure(): void {
    this.size = { root: this.root.clientWidth, rows: this.rowsEl.clientWidth, rowsHeight: this.rowsEl.clientHeight, scrollTop: this.rowsEl.scrollTop };
  }

  // ——— data ———

  private fullLoader?: () => HarEntry[] | undefined;
  private fullEntries?: HarEntry[];

  /**
   * The model was built from a quick-start copy without headers, bodies and frame data; `loader`
   * returns the whole entries (same order) and is called once, when details are first needed.
   */
  setFullEntries(loader: () => HarEntry[] | undefined): void {
    this.fullLoader = loader;
    this.fullEntries = undefined;
  }

  private fullEntry(i: number, load = true): HarEntry | undefined {
    if (!this.fullLoader) return this.model.entries[i];
    if (!this.fullEntries && load) {
      const all = this.fullLoader();
      if (all && all.length === this.model.entries.length) {
        this.fullEntries = all;
        // Connections, runs and times are in both copies: the model stays as it is.
        this.model.entries = all;
        this.fullLoader = undefined;
      }
    }
    return this.fullEntries?.[i] ?? this.model.entries[i];
  }

  /** Set while the model holds only the first screen's lanes: the whole HAR's facts. */
  private firstScreen?: FirstScreenFacts;
  private completer?: () => Har | undefined;

  /**
   * Draws the first screen from a first-screen copy (src/core/timeline/lanes.ts firstScreenCopy);
   * `completer` returns the whole (quick-start) HAR once it can be read, for complete().
   */
  loadFirstScreen(copy: { log?: unknown; _wlFirstScreen?: FirstScreenFacts } | undefined, title: string | undefined, completer: () => Har | undefined): boolean {
    const har = copy ? harOfFirstScreen(copy) : undefined;
    if (!har || !copy?._wlFirstScreen) return false;
    this.load(har, title, copy._wlFirstScreen);
    this.completer = completer;
    return true;
  }

  /** True when the model holds every lane (it always does unless drawn from a first-screen copy). */
  get isComplete(): boolean {
    return !this.firstScreen;
  }

  /**
   * Builds the model of the whole HAR after a first screen and redraws in place: same view, same
   * selection. False when the whole HAR cannot be read yet.
   */
  complete(): boolean {
    if (!this.firstScreen) return true;
    const t0 = performance.now();
    const har = this.completer?.();
    if (!har) return false;
    this.firstScreen = undefined;
    this.completer = undefined;
    this.har = har;
    this.rebuild();
    this.renderNow();
    performance.measure('wl-model-complete', { start: t0 });
    return true;
  }

  load(har: Har | undefined, title?: string, firstScreen?: FirstScreenFacts): void {
    this.firstScreen = firstScreen;
    this.completer = undefined;
    this.fullLoader = undefined;
    this.fullEntries = undefined;
    this.har = har && typeof har === 'object' && har.log && Array.isArray(har.log.entries) ? har : { log: { version: '1.2', creator: { name: '', version: '' }, entries: [] } };
    if (title !== undefined) this.host.title = title;
    this.selected = -1;
    this.focused = -1;
    this.autoFit = true;
    this.rebuild();
    // Draw now rather than on the next frame: the first picture should not wait (for the rows
    // ahead of the scroll either: they follow on the next frame).
    this.renderNow(Infinity, 0);
  }

  append(entries: HarEntry[], connections: WirelaneConnectionExt[], updates?: Array<{ index: number; entry: HarEntry }>, network?: NetworkConditions): void {
    const log = this.har.log;
    if (network) (log._wirelane ??= { connections: [] }).network = network;
    for (const e of entries) log.entries.push(e);
    for (const u of updates ?? []) if (u.index >= 0 && u.index < log.entries.length) log.entries[u.index] = u.entry;
    if (connections.length) {
      log._wirelane ??= { connections: [] };
      const list = log._wirelane.connections;
      for (const c of connections) {
        const i = list.findIndex((x) => x.id === c.id);
        if (i >= 0) list[i] = c;
        else list.push(c);
      }
    }
    this.rebuild();
  }

  clearAll(title?: string): void {
    this.load({ log: { version: '1.2', creator: { name: '', version: '' }, entries: [] } }, title);
  }

  reveal(entry: number): void {
    this.complete();
    const bar = this.model.bars[entry];
    if (!bar) return;
    const lane = this.model.laneOfEntry[entry]!;
    this.collapsed.delete(lane.group.key);
    if (!this.passes(bar)) {
      this.filters = { origin: '', status: '', connection: '', text: '' };
      this.syncFilterControls();
    }
    this.layoutRows();
    // Revealed from outside (the editor's cursor, a send): show it, but never take the keyboard.
    this.select(entry, true, false);
  }

  private rebuild(): void {
    this.model = buildModel(this.har, this.firstScreen);
    performance.mark('wl-model-built');
    // For tests and the bench: every lane can be drawn now.
    if (!this.firstScreen) document.documentElement.dataset.wlComplete = String(this.model.entries.length);
    this.renderSummary();
    this.fillFilterOptions();
    this.layoutRows();
    if (this.autoFit) this.fit(false);
    for (const v of this.laneViews.values()) v.el.remove();
    this.laneViews.clear();
    for (const g of this.groupViews.values()) g.remove();
    this.groupViews.clear();
    // Open details show the connection as it is now (a live run closes connections after the
    // exchange was selected): the lane and the details read the same facts.
    if (!this.detailsEl.hidden && this.selected >= 0 && this.model.bars[this.selected]) {
      renderDetails(this.detailsEl, this.model, this.selected, this.fullEntry(this.selected, false), { openSource: this.host.openSource, close: () => this.closeDetails() });
    }
    this.schedule();
  }

  // ——— summary strip and toolbar ———

  private renderSummary(): void {
    const m = this.model;
    const s = this.summaryEl;
    clear(s);
    const title = el('h1', 'wl-title', this.host.title || 'Connection timeline');
    s.append(title);
    const stats = el('div', 'wl-stats');
    const stat = (label: string, value: string, hint?: string): void => {
      const d = el('div', 'wl-stat', undefined, hint ? { title: hint } : undefined);
      d.append(el('span', 'wl-stat-value', value), el('span', 'wl-stat-label', label));
      stats.append(d);
    };
    const t = m.total;
    stat('exchanges', String(t.exchanges));
    if (m.hasConnectionIds) {
      stat('TCP connections', String(t.connections));
      stat('handshakes paid', String(t.handshakesPaid), 'exchanges that opened a new connection (DNS, TCP connect, TLS)');
      stat('handshakes saved', String(t.handshakesSaved), 'exchanges that reused an open connection');
    }
    stat(m.isCompare ? 'total (all modes)' : 'total time', formatMs(t.totalMs));
    stat('median exchange', formatMs(t.medianMs));
    if (t.failed) stat('failed', String(t.failed));
    s.append(stats);
    if (!m.hasConnectionIds && m.entries.length > 0) {
      s.append(
        el(
          'p',
          'wl-note',
          `This HAR (${m.creator || 'unknown writer'}) does not record which TCP connection carried each request, so exchanges are grouped by origin, one lane each — connections are not guessed.`,
        ),
      );
    }
    if (m.unreadable) s.append(el('p', 'wl-note', `${m.unreadable} entries without a readable start time are not drawn.`));
    if (m.isCompare) {
      const table = el('table', 'wl-compare', undefined, { 'aria-label': 'Modes compared' });
      const head = el('tr');
      for (const h of ['mode', 'exchanges', 'connections', 'handshakes paid', 'saved', 'total', 'median', 'failed']) head.append(el('th', undefined, h, { scope: 'col' }));
      const thead = el('thead');
      thead.append(head);
      const tbody = el('tbody');
      const best = Math.min(...m.modes.map((x) => x.totalMs));
      for (const x of m.modes) {
        const tr = el('tr');
        tr.append(
          el('th', undefined, x.mode || '(none)', { scope: 'row' }),
          el('td', undefined, String(x.exchanges)),
          el('td', undefined, String(x.connections)),
          el('td', undefined, String(x.handshakesPaid)),
          el('td', undefined, String(x.handshakesSaved)),
          el('td', x.totalMs === best ? 'wl-best' : undefined, formatMs(x.totalMs)),
          el('td', undefined, formatMs(x.medianMs)),
          el('td', undefined, String(x.failed)),
        );
        tbody.append(tr);
      }
      table.append(thead, tbody);
      const wrap = el('div', 'wl-compare-wrap');
      wrap.append(table);
      s.append(wrap);
    }
    renderNetworkNote(s, this.har, m);
  }

  private buildToolbar(): void {
    const tb = this.toolbarEl;
    const btn = (text: string, label: string, fn: () => void): void => {
      const b = el('button', 'wl-btn', text, { type: 'button', 'aria-label': label, title: label });
      b.addEventListener('click', fn);
      tb.append(b);
    };
    btn('−', 'Zoom out (-)', () => this.zoomBy(2));
    btn('+', 'Zoom in (+)', () => this.zoomBy(0.5));
    btn('Fit', 'Fit everything (0)', () => this.fit(true));
    btn('▸▸', 'Collapse or expand all origins', () => this.toggleAll());
    this.originSel = el('select', 'wl-input', undefined, { 'aria-label': 'Filter by origin' });
    this.statusSel = el('select', 'wl-input', undefined, { 'aria-label': 'Filter by status' });
    for (const [v, t] of [
      ['', 'any status'],
      ['2xx', '2xx'],
      ['3xx', '3xx'],
      ['4xx', '4xx'],
      ['5xx', '5xx'],
      ['1xx', '1xx (upgrades)'],
      ['failed', 'failed'],
    ])
      this.statusSel.append(el('option', undefined, t, { value: v! }));
    this.connSel = el('select', 'wl-input', undefined, { 'aria-label': 'Filter by connection' });
    this.searchInput = el('input', 'wl-input wl-search', undefined, { type: 'search', placeholder: 'search URL, method, status', 'aria-label': 'Search exchanges' });
    tb.append(this.originSel, this.statusSel, this.connSel, this.searchInput);
    const onFilter = (): void => {
      this.complete();
      this.filters = { origin: this.originSel.value, status: this.statusSel.value, connection: this.connSel.value, text: this.searchInput.value.trim().toLowerCase() };
      this.layoutRows();
      this.renderNow();
    };
    for (const s of [this.originSel, this.statusSel, this.connSel]) s.addEventListener('change', onFilter);
    this.searchInput.addEventListener('input', onFilter);
    const legend = el('div', 'wl-legend', undefined, { 'aria-label': 'Legend' });
    for (const p of PHASES) {
      const item = el('span', 'wl-legend-item');
      item.append(el('span', `wl-swatch ph-${p}`), document.createTextNode(p === 'ssl' ? 'tls' : p));
      item.title = PHASE_LABEL[p];
      legend.append(item);
    }
    const hol = el('span', 'wl-legend-item', undefined, { title: 'waiting behind earlier responses on the same connection' });
    hol.append(el('span', 'wl-swatch ph-hol'), document.createTextNode('head-of-line'));
    const mk = el('span', 'wl-legend-item', undefined, { title: 'this exchange opened the connection and paid DNS/TCP/TLS' });
    mk.append(el('span', 'wl-mark-new-sample', '●'), document.createTextNode('new connection'));
    const ru = el('span', 'wl-legend-item', undefined, { title: 'this exchange reused an open connection' });
    ru.append(el('span', 'wl-mark-reused-sample', '○'), document.createTextNode('reused'));
    const ws = el('span', 'wl-legend-item', undefined, { title: 'WebSocket frames: sent above the line, received below' });
    ws.append(el('span', 'wl-ws-sample', '▲▼'), document.createTextNode('ws frames'));
    legend.append(hol, mk, ru, ws);
    tb.append(legend);
  }

  private fillFilterOptions(): void {
    const keep = (s: HTMLSelectElement, opts: Array<[string, string]>): void => {
      const v = s.value;
      clear(s);
      for (const [value, text] of opts) s.append(el('option', undefined, text, { value }));
      s.value = opts.some((o) => o[0] === v) ? v : '';
    };
    keep(this.originSel, [['', 'all origins'], ...this.model.origins.map((o): [string, string] => [o, o])]);
    const conns = this.model.lanes.filter((l) => l.connectionId).map((l): [string, string] => [l.key, `${l.mode && this.model.isCompare ? `${l.mode} · ` : ''}${l.connectionId}`]);
    keep(this.connSel, [['', this.model.hasConnectionIds ? 'all connections' : 'no connection ids'], ...conns]);
    this.connSel.disabled = !this.model.hasConnectionIds;
    this.filters.origin = this.originSel.value;
    this.filters.connection = this.connSel.value;
  }

  private syncFilterControls(): void {
    this.originSel.value = this.filters.origin;
    this.statusSel.value = this.filters.status;
    this.connSel.value = this.filters.connection;
    this.searchInput.value = this.filters.text;
  }

  // ——— layout ———

  private passes(b: Bar): boolean {
    const f = this.filters;
    if (f.status && b.statusClass !== f.status) return false;
    if (f.origin && b.origin !== f.origin) return false;
    if (f.text && !b.search.includes(f.text)) return false;
    return true;
  }

  private filtering(): boolean {
    const f = this.filters;
    return !!(f.origin || f.status || f.connection || f.text);
  }

  private laneHeight(lane: Lane): number {
    const bars = laneHeight(lane);
    if (lane.ws || !this.narrow) return bars;
    // Tall enough for the reasons wrapped to the label's width: nothing is cut off.
    const width = this.labelWidth() - 21; // the label's padding (2 × 10) and border
    const lines = 1 + this.reasonLines(lane.label2, width) + this.reasonLines(lane.label3, width);
    return Math.max(bars, 8 + lines * LABEL_LINE_H);
  }

  /** Lines `text` wraps to in a lane label `width` px wide: laid out once by the browser, then remembered. */
  private reasonLines(text: string, width: number): number {
    if (!text) return 1;
    if (this.reasonProbe && this.reasonProbe.width !== width) {
      this.reasonProbe.probe.remove();
      this.reasonProbe = undefined;
    }
    if (!this.reasonProbe) {
      const probe = el('div', 'wl-l2', undefined, { 'aria-hidden': 'true' });
      probe.style.cssText = `position:absolute;visibility:hidden;left:-9999px;top:0;width:${width}px;white-space:normal;overflow-wrap:anywhere;display:block`;
      this.root.append(probe);
      this.reasonProbe = { probe, width, lines: new Map() };
    }
    let n = this.reasonProbe.lines.get(text);
    if (n === undefined) {
      this.reasonProbe.probe.textContent = text;
      n = Math.min(MAX_REASON_LINES, Math.max(1, Math.round(this.reasonProbe.probe.getBoundingClientRect().height / LABEL_LINE_H)));
      this.reasonProbe.lines.set(text, n);
    }
    return n;
  }

  private layoutRows(): void {
    const rows: Row[] = [];
    let y = 0;
    const filtering = this.filtering();
    for (const g of this.model.groups) {
      if (this.filters.origin && g.origin !== this.filters.origin) continue;
      const laneRows: Row[] = [];
      for (const lane of g.lanes) {
        if (this.filters.connection && lane.key !== this.filters.connection) continue;
        const bars = filtering ? lane.bars.filter((b) => this.passes(b)) : lane.bars;
        if (filtering && bars.length === 0) continue;
        laneRows.push({ kind: 'lane', lane, bars, top: 0, height: this.laneHeight(lane) });
      }
      if (laneRows.length === 0) continue;
      rows.push({ kind: 'group', group: g, top: y, height: GROUP_H });
      y += GROUP_H;
      if (this.collapsed.has(g.key)) continue;
      for (const r of laneRows) {
        r.top = y;
        y += r.height;
        rows.push(r);
      }
    }
    this.rows = rows;
    // Drawn from a first-screen copy: the list is as tall as the whole HAR's (lanes below appear when the model is complete).
    if (this.firstScreen && !filtering && this.collapsed.size === 0) y = Math.max(y, this.firstScreen.height);
    this.spacer.style.height = `${y}px`;
    for (const v of this.laneViews.values()) v.el.remove();
    this.laneViews.clear();
    for (const g of this.groupViews.values()) g.remove();
    this.groupViews.clear();
  }

  private trackWidth(): number {
    const w = this.size.rows - this.labelWidth();
    return Math.max(50, w);
  }

  private labelWidth(): number {
    const w = this.size.root;
    return w < 700 ? 200 : w < 1100 ? 300 : 360;
  }

  // ——— zoom and pan ———

  fit(user: boolean): void {
    const span = this.model.tMax - this.model.tMin;
    const w = this.trackWidth();
    this.msPerPx = Math.max(MIN_MS_PER_PX, (span * 1.04) / w);
    this.viewStart = this.model.tMin - span * 0.02;
    if (user) this.autoFit = true;
    this.schedule();
  }

  private zoomBy(factor: number, atPx?: number): void {
    const w = this.trackWidth();
    const x = atPx ?? this.zoomAnchorPx(w);
    const t = this.viewStart + x * this.msPerPx;
    const span = this.model.tMax - this.model.tMin;
    const maxMsPerPx = Math.max((span * 4) / w, MIN_MS_PER_PX);
    this.msPerPx = Math.min(maxMsPerPx, Math.max(MIN_MS_PER_PX, this.msPerPx * factor));
    this.viewStart = t - x * this.msPerPx;
    this.autoFit = false;
    this.schedule();
  }

  /**
   * Where the buttons and keys zoom around: the selected exchange when it is in view, else the
   * middle of the data that is in view — never the empty middle of the track, which would push
   * the bars out of the picture.
   */
  private zoomAnchorPx(w: number): number {
    const viewEnd = this.viewStart + w * this.msPerPx;
    const b = this.selected >= 0 ? this.model.bars[this.selected] : undefined;
    let t: number;
    if (b && b.end >= this.viewStart && b.start <= viewEnd) t = (Math.max(b.start, this.viewStart) + Math.min(b.end, viewEnd)) / 2;
    else {
      const from = Math.max(this.viewStart, this.model.tMin);
      const to = Math.min(viewEnd, this.model.tMax);
      t = from <= to ? (from + to) / 2 : (this.model.tMin + this.model.tMax) / 2;
    }
    return Math.min(w, Math.max(0, (t - this.viewStart) / this.msPerPx));
  }

  private panBy(px: number): void {
    this.viewStart += px * this.msPerPx;
    this.autoFit = false;
    this.schedule();
  }

  private toggleAll(): void {
    this.complete();
    const all = this.model.groups.every((g) => this.collapsed.has(g.key));
    this.collapsed.clear();
    if (!all) for (const g of this.model.groups) this.collapsed.add(g.key);
    this.layoutRows();
    this.renderNow();
  }

  private toggleGroup(key: string): void {
    this.complete();
    if (this.collapsed.has(key)) this.collapsed.delete(key);
    else this.collapsed.add(key);
    this.layoutRows();
    this.renderNow();
    // The header was redrawn: keep keyboard focus on it.
    this.groupViews.get(key)?.focus({ preventScroll: true });
  }

  // ——— events ———

  private bindEvents(axis: HTMLElement): void {
    this.rowsEl.addEventListener(
      'scroll',
      () => {
        this.size.scrollTop = this.rowsEl.scrollTop;
        this.schedule();
      },
      { passive: true },
    );
    const onWheel = (ev: WheelEvent, zoomAlways: boolean): void => {
      const rect = this.rowsEl.getBoundingClientRect();
      const x = ev.clientX - rect.left - this.labelWidth();
      if (ev.ctrlKey || ev.metaKey || zoomAlways) {
        ev.preventDefault();
        this.zoomBy(Math.exp(ev.deltaY * 0.002), Math.max(0, x));
      } else if (ev.shiftKey || Math.abs(ev.deltaX) > Math.abs(ev.deltaY)) {
        ev.preventDefault();
        this.panBy(ev.shiftKey && ev.deltaX === 0 ? ev.deltaY : ev.deltaX);
      }
    };
    this.rowsEl.addEventListener('wheel', (ev) => onWheel(ev, false), { passive: false });
    axis.addEventListener('wheel', (ev) => onWheel(ev, true), { passive: false });

    let drag: { x: number; moved: boolean; id: number } | undefined;
    const onDown = (ev: PointerEvent): void => {
      if (ev.button !== 0) return;
      const target = ev.target as HTMLElement;
      if (!target.closest('.wl-lane-track') && !target.closest('.wl-axis-track')) return;
      drag = { x: ev.clientX, moved: false, id: ev.pointerId };
    };
    const onMove = (ev: PointerEvent): void => {
      if (drag && ev.pointerId === drag.id && (ev.buttons & 1) === 1) {
        const dx = ev.clientX - drag.x;
        if (drag.moved || Math.abs(dx) > 4) {
          if (!drag.moved) (ev.currentTarget as HTMLElement).setPointerCapture?.(ev.pointerId);
          drag.moved = true;
          drag.x = ev.clientX;
          this.panBy(-dx);
          this.tooltip.hidden = true;
          return;
        }
      }
      this.hover(ev);
    };
    const onUp = (ev: PointerEvent): void => {
      if (!drag || ev.pointerId !== drag.id) return;
      const wasDrag = drag.moved;
      drag = undefined;
      if (wasDrag) return;
      const barEl = (ev.target as HTMLElement).closest<HTMLElement>('[data-entry]');
      if (barEl) this.select(Number(barEl.dataset.entry), false);
    };
    for (const t of [this.rowsEl, axis]) {
      t.addEventListener('pointerdown', onDown);
      t.addEventListener('pointermove', onMove);
      t.addEventListener('pointerup', onUp);
    }
    this.rowsEl.addEventListener('pointerleave', () => (this.tooltip.hidden = true));
    this.rowsEl.addEventListener('click', (ev) => {
      const g = (ev.target as HTMLElement).closest<HTMLElement>('.wl-group');
      if (g?.dataset.group !== undefined) this.toggleGroup(g.dataset.group);
    });
    this.rowsEl.addEventListener('keydown', (ev) => this.onKey(ev));
    this.root.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape' && !this.detailsEl.hidden) {
        this.closeDetails();
        ev.preventDefault();
      }
    });
  }

  private hover(ev: PointerEvent): void {
    const target = ev.target as HTMLElement;
    const barEl = target.closest<HTMLElement>('[data-entry]');
    let text = '';
    if (barEl) {
      const i = Number(barEl.dataset.entry);
      const b = this.model.bars[i];
      if (b) text = summaryOfBar(b, this.model.laneOfEntry[i]);
    } else if (target instanceof HTMLCanvasElement) {
      text = this.frameAt(target, ev);
    } else {
      const laneEl = target.closest<HTMLElement>('.wl-lane-label');
      if (laneEl) text = laneEl.parentElement?.getAttribute('aria-label') ?? '';
    }
    if (!text) {
      this.tooltip.hidden = true;
      return;
    }
    this.tooltip.textContent = text;
    this.tooltip.hidden = false;
    const r = this.root.getBoundingClientRect();
    const tw = this.tooltip.offsetWidth;
    const x = Math.min(ev.clientX - r.left + 14, r.width - tw - 8);
    this.tooltip.style.left = `${Math.max(4, x)}px`;
    this.tooltip.style.top = `${ev.clientY - r.top + 18}px`;
  }

  private frameAt(canvas: HTMLCanvasElement, ev: PointerEvent): string {
    const key = canvas.dataset.lane;
    const lane = this.model.lanes.find((l) => l.key === key);
    if (!lane?.ws) return '';
    const ws = lane.ws;
    const rect = canvas.getBoundingClientRect();
    const t = this.viewStart + (ev.clientX - rect.left) * this.msPerPx;
    const tol = 4 * this.msPerPx;
    const i = lowerBound(ws.times, t - tol);
    if (i >= ws.count || ws.times[i]! > t + tol) return `WebSocket: ${ws.count} frames — click the 101 bar for the list`;
    const msgs = this.fullEntry(ws.entry, false)?._webSocketMessages ?? [];
    const m = msgs[ws.src[i]!];
    let n = 0;
    while (i + n < ws.count && ws.times[i + n]! <= t + tol) n++;
    const data = typeof m?.data === 'string' ? m.data : '';
    return `${ws.dirs[i] === 0 ? '▲ sent' : '▼ received'} at ${formatMs(ws.times[i]!)}: ${data.length > 120 ? `${data.slice(0, 120)}…` : data}${n > 1 ? ` (+${n - 1} more frames here)` : ''}`;
  }

  private onKey(ev: KeyboardEvent): void {
    this.complete();
    const k = ev.key;
    if (k === '+' || k === '=') return void (ev.preventDefault(), this.zoomBy(0.5));
    if (k === '-' || k === '_') return void (ev.preventDefault(), this.zoomBy(2));
    if (k === '0') return void (ev.preventDefault(), this.fit(true));
    const target = ev.target as HTMLElement;
    const g = target.closest<HTMLElement>('.wl-group');
    if (g && (k === 'Enter' || k === ' ') && g.dataset.group !== undefined) {
      ev.preventDefault();
      this.toggleGroup(g.dataset.group);
      return;
    }
    const laneRows = this.rows.filter((r): r is Extract<Row, { kind: 'lane' }> => r.kind === 'lane');
    if (laneRows.length === 0) return;
    const onBar = target.closest<HTMLElement>('[data-entry]');
    let cur = onBar ? Number(onBar.dataset.entry) : this.focused >= 0 ? this.focused : this.selected;
    let li = cur >= 0 ? laneRows.findIndex((r) => r.bars.some((b) => b.entry === cur)) : -1;
    if (li < 0) {
      li = 0;
      cur = -1;
    }
    const bars = laneRows[li]!.bars;
    const bi = bars.findIndex((b) => b.entry === cur);
    let next: number;
    if (k === 'ArrowRight') next = bars[Math.min(bars.length - 1, bi + 1)]?.entry ?? -1;
    else if (k === 'ArrowLeft') next = bars[Math.max(0, bi - 1)]?.entry ?? -1;
    else if (k === 'Home') next = bars[0]?.entry ?? -1;
    else if (k === 'End') next = bars[bars.length - 1]?.entry ?? -1;
    else if (k === 'ArrowDown' || k === 'ArrowUp') {
      const to = laneRows[k === 'ArrowDown' ? Math.min(laneRows.length - 1, li + 1) : Math.max(0, li - 1)]!;
      const t = bi >= 0 ? bars[bi]!.start : this.viewStart;
      let best = to.bars[0]!;
      for (const b of to.bars) if (Math.abs(b.start - t) < Math.abs(best.start - t)) best = b;
      next = best.entry;
    } else if ((k === 'Enter' || k === ' ') && cur >= 0) {
      ev.preventDefault();
      this.select(cur, true);
      return;
    } else return;
    ev.preventDefault();
    if (next < 0) return;
    this.focusEntry(next);
  }

  private focusEntry(entry: number): void {
    this.focused = entry;
    this.ensureVisible(entry);
    const b = this.model.bars[entry];
    if (b) this.status.textContent = summaryOfBar(b, this.model.laneOfEntry[entry]);
    this.renderNow();
    const node = this.rowsEl.querySelector<HTMLElement>(`[data-entry="${entry}"]`);
    node?.focus({ preventScroll: true });
  }

  private ensureVisible(entry: number): void {
    const b = this.model.bars[entry];
    if (!b) return;
    const row = this.rows.find((r) => r.kind === 'lane' && r.lane === this.model.laneOfEntry[entry]);
    if (row) {
      const top = this.rowsEl.scrollTop;
      const h = this.rowsEl.clientHeight;
      if (row.top < top || row.top + row.height > top + h) {
        this.rowsEl.scrollTop = Math.max(0, row.top - h / 3);
        this.size.scrollTop = this.rowsEl.scrollTop;
      }
    }
    const w = this.trackWidth();
    const viewEnd = this.viewStart + w * this.msPerPx;
    if (b.end < this.viewStart || b.start > viewEnd) {
      this.viewStart = b.start - (w * this.msPerPx) / 3;
      this.autoFit = false;
    }
  }

  private select(entry: number, reveal: boolean, takeFocus = true): void {
    if (!this.model.bars[entry]) return;
    this.selected = entry;
    this.focused = entry;
    if (reveal) this.ensureVisible(entry);
    this.detailsEl.hidden = false;
    renderDetails(this.detailsEl, this.model, entry, this.fullEntry(entry), { openSource: this.host.openSource, close: () => this.closeDetails() });
    this.host.selected?.(entry);
    // The details panel narrows the lanes now, not at the next resize callback.
    this.measure();
    this.renderNow();
    if (takeFocus) this.rowsEl.querySelector<HTMLElement>(`[data-entry="${entry}"]`)?.focus({ preventScroll: true });
  }

  private closeDetails(): void {
    this.detailsEl.hidden = true;
    const sel = this.selected;
    this.selected = -1;
    this.measure();
    this.renderNow();
    if (sel >= 0) this.rowsEl.querySelector<HTMLElement>(`[data-entry="${sel}"]`)?.focus({ preventScroll: true });
  }

  // ——— drawing ———

  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.renderNow(performance.now() + CREATE_BUDGET_MS);
    });
  }

  /** ms from navigation start to the end of the first drawing of a non-empty HAR (for the bench). */
  get firstPaintMs(): number | undefined {
    return this.firstPaint;
  }

  /** Time (performance.now()) after which no more lanes or bars are created in this redraw. */
  private createUntil = Infinity;
  private createdAll = true;

  /**
   * Draws what is in view. With `createUntil`, element creation stops then and resumes next frame;
   * `overscanUntil` is the same for the rows drawn ahead of the scroll, above and below the view.
   */
  renderNow(createUntil = Infinity, overscanUntil = createUntil): void {
    this.createdAll = true;
    const w = this.trackWidth();
    const lw = this.labelWidth();
    this.root.style.setProperty('--wl-label-w', `${lw}px`);
    const viewEnd = this.viewStart + w * this.msPerPx;
    this.drawAxis(w, viewEnd);
    const top = this.size.scrollTop - OVERSCAN_PX;
    const bottom = this.size.scrollTop + this.size.rowsHeight + OVERSCAN_PX;
    // Binary search for the first row that reaches into view.
    let lo = 0,
      hi = this.rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const r = this.rows[mid]!;
      if (r.top + r.height < top) lo = mid + 1;
      else hi = mid;
    }
    const seenLanes = new Set<string>();
    const seenGroups = new Set<string>();
    let end = lo;
    while (end < this.rows.length && this.rows[end]!.top <= bottom) end++;
    // Rows in view first, then the overscan: when creation is cut short, the view is complete.
    const inView = (r: Row): boolean => r.top + r.height >= this.size.scrollTop && r.top <= this.size.scrollTop + this.size.rowsHeight;
    for (const pass of [true, false]) {
      this.createUntil = pass ? createUntil : overscanUntil;
      for (let i = lo; i < end; i++) {
        const r = this.rows[i]!;
        if (inView(r) !== pass) continue;
        if (r.kind === 'group') {
          seenGroups.add(r.group.key);
          this.drawGroup(r.group, r.top);
        } else {
          seenLanes.add(r.lane.key);
          this.drawLane(r, w, viewEnd);
        }
      }
    }
    for (const [k, v] of this.laneViews)
      if (!seenLanes.has(k)) {
        v.el.remove();
        this.laneViews.delete(k);
      }
    for (const [k, g] of this.groupViews)
      if (!seenGroups.has(k)) {
        g.remove();
        this.groupViews.delete(k);
      }
    this.createUntil = Infinity;
    if (!this.createdAll) this.schedule();
    if (this.firstPaint === undefined && this.model.entries.length > 0) {
      // Read the tick colours while nothing is waiting to be styled: read in the frame that first
      // draws a WebSocket lane, it forced a style pass of every new element (a dropped frame).
      if (this.model.lanes.some((l) => l.ws)) whenIdle(() => this.tickColors(), 1000, 50);
      this.firstPaint = performance.now();
      document.documentElement.dataset.wlPainted = String(this.model.entries.length);
    }
  }

  private drawAxis(w: number, viewEnd: number): void {
    clear(this.axisTrack);
    clear(this.gridEl);
    this.gridEl.style.left = `${this.labelWidth()}px`;
    const span = viewEnd - this.viewStart;
    const raw = (span / w) * 110;
    const pow = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? raw;
    const first = Math.ceil(this.viewStart / step) * step;
    for (let t = first, n = 0; t <= viewEnd && n < 60; t += step, n++) {
      const x = (t - this.viewStart) / this.msPerPx;
      const tick = el('div', 'wl-tick', formatTick(Math.abs(t) < step / 1000 ? 0 : t, step));
      tick.style.left = `${x}px`;
      this.axisTrack.append(tick);
      const line = el('div', 'wl-gridline');
      line.style.left = `${x}px`;
      this.gridEl.append(line);
    }
  }

  private drawGroup(g: Group, top: number): void {
    let e = this.groupViews.get(g.key);
    const collapsed = this.collapsed.has(g.key);
    if (!e) {
      e = el('div', 'wl-group', undefined, { role: 'button', tabindex: '0' });
      e.dataset.group = g.key;
      const conns = g.connections;
      const failedAttempts = g.failedAttempts;
      const text = `${g.mode && this.model.isCompare ? `${g.mode} · ` : ''}${g.origin}`;
      const attempts = failedAttempts ? `${failedAttempts} failed connection attempt${failedAttempts === 1 ? '' : 's'}, ` : '';
      const detail = `${conns ? `${conns} connection${conns === 1 ? '' : 's'}, ` : ''}${attempts}${g.exchangeCount} exchange${g.exchangeCount === 1 ? '' : 's'}`;
      e.append(el('span', 'wl-caret', collapsed ? '▸' : '▾'), el('span', 'wl-group-name', text), el('span', 'wl-group-detail', detail));
      e.setAttribute('aria-label', `${text}: ${detail}`);
      e.setAttribute('aria-expanded', String(!collapsed));
      this.spacer.append(e);
      this.groupViews.set(g.key, e);
    }
    e.style.top = `${top}px`;
  }

  private drawLane(r: Extract<Row, { kind: 'lane' }>, w: number, viewEnd: number): void {
    const lane = r.lane;
    let v = this.laneViews.get(lane.key);
    if (!v) {
      if (!this.mayCreate()) return;
      const e = el('div', `wl-lane${lane.ws ? ' wl-lane-ws' : ''}`, undefined, { role: 'group', 'aria-label': lane.aria });
      if (lane.connectionId !== undefined) {
        e.dataset.connectionId = lane.connectionId;
        e.dataset.established = String(lane.established);
      } else e.dataset.origin = lane.origin;
      e.style.height = `${r.height}px`;
      const label = el('div', 'wl-lane-label');
      const l1 = el('div', 'wl-l1');
      if (lane.connectionId) {
        l1.append(el('span', 'wl-conn-id', lane.connectionId), document.createTextNode(lane.label1.slice(lane.connectionId.length)));
      } else l1.textContent = lane.label1;
      label.append(l1, el('div', 'wl-l2', lane.label2), el('div', 'wl-l2', lane.label3));
      label.title = lane.aria;
      const track = el('div', 'wl-lane-track');
      e.append(label, track);
      v = { el: e, track, bars: new Map(), top: -1 };
      if (lane.connectionId) {
        v.life = el('div', `wl-life${lane.facts.closeReason === 'open' ? ' open' : ''}`);
        track.append(v.life);
      }
      if (lane.ws) {
        v.canvas = el('canvas', 'wl-ws-canvas', undefined, { 'aria-hidden': 'true' });
        v.canvas.dataset.lane = lane.key;
        track.append(v.canvas);
      }
      this.spacer.append(e);
      this.laneViews.set(lane.key, v);
    }
    if (v.top !== r.top) {
      v.el.style.top = `${r.top}px`;
      v.top = r.top;
    }
    const px = (t: number): number => (t - this.viewStart) / this.msPerPx;
    if (v.life) {
      const s = lane.facts.openedAt ?? lane.start;
      const e = lane.facts.closedAt ?? lane.end;
      const x0 = Math.max(-10, px(s));
      const x1 = Math.min(w + 10, px(e));
      v.life.hidden = x1 < 0 || x0 > w;
      v.life.style.left = `${x0}px`;
      v.life.style.width = `${Math.max(1, x1 - x0)}px`;
    }
    const wanted = new Set<number>();
    const bars = r.bars;
    const rowsH = lane.subRows * BAR_H + (lane.subRows - 1) * BAR_GAP;
    const rowTop = Math.max(4, Math.floor((r.height - rowsH - 6) / 2));
    // Bars are sorted by start: skip past the right edge early.
    for (let i = 0; i < bars.length; i++) {
      const b = bars[i]!;
      if (b.start > viewEnd) break;
      if (b.end < this.viewStart - 2 * this.msPerPx) continue;
      let be = v.bars.get(b.entry);
      if (!be) {
        if (!this.mayCreate()) continue;
        be = this.makeBar(b, lane);
        v.track.append(be);
        v.bars.set(b.entry, be);
      }
      wanted.add(b.entry);
      const x = px(b.start);
      const width = Math.max(3, (b.end - b.start) / this.msPerPx);
      // Clamp far-off-screen geometry: layout precision degrades with huge coordinates.
      const cx = Math.max(-1e5, x);
      be.style.left = `${cx}px`;
      be.style.width = `${Math.min(width - (cx - x), 4e6)}px`;
      if (lane.ws) be.style.top = `${(WS_LANE_H - BAR_H) / 2}px`;
      else be.style.top = `${rowTop + b.sub * (BAR_H + BAR_GAP)}px`;
      be.classList.toggle('selected', b.entry === this.selected);
      be.classList.toggle('narrow', width < 64);
      be.tabIndex = b.entry === this.focused || (this.focused < 0 && i === 0) ? 0 : -1;
    }
    for (const [k, be] of v.bars)
      if (!wanted.has(k)) {
        be.remove();
        v.bars.delete(k);
      }
    if (v.canvas && lane.ws) this.drawTicks(v.canvas, lane, w, viewEnd);
  }

  /** False once this redraw's creation time is used up (the rest is created on the next frame). */
  private mayCreate(): boolean {
    if (this.createUntil === Infinity) return true;
    if (this.createdAll && performance.now() < this.createUntil) return true;
    this.createdAll = false;
    return false;
  }

  private makeBar(b: Bar, lane: Lane): HTMLElement {
    const cls = `wl-bar st-${b.statusClass}${b.use === 'opened' ? ' new' : b.use === 'reused' ? ' reused' : ''}${b.isWebSocket ? ' ws' : ''}`;
    const be = el('div', cls, undefined, { role: 'button', 'aria-label': summaryOfBar(b, lane), tabindex: '-1' });
    be.dataset.entry = String(b.entry);
    const segs = el('div', 'wl-segs');
    const total = b.phases.reduce((a, ms) => a + Math.max(0, ms), 0);
    if (b.headOfLine <= 0 && total > 0) {
      // The phases as colour stops of one background rather than one element each: zooming
      // restyles and lays out every bar in view, and a few hundred bars of 7 elements each cost
      // dropped frames. (A head-of-line wait keeps its hatched element.)
      const stops: string[] = [];
      let at = 0;
      PHASES.forEach((p, i) => {
        const ms = b.phases[i]!;
        if (ms <= 0) return;
        stops.push(`var(--ph-${p}) ${((100 * at) / total).toFixed(3)}% ${((100 * (at + ms)) / total).toFixed(3)}%`);
        at += ms;
      });
      segs.style.background = stops.length === 1 ? stops[0]!.split(' ')[0]! : `linear-gradient(to right, ${stops.join(', ')})`;
    } else
      PHASES.forEach((p, i) => {
        let ms = b.phases[i]!;
        if (p === 'wait' && b.headOfLine > 0) {
          const h = el('span', 'wl-seg ph-hol');
          h.style.flexGrow = String(b.headOfLine);
          segs.append(h);
          ms -= b.headOfLine;
        }
        if (ms <= 0) return;
        const s = el('span', `wl-seg ph-${p}`);
        s.style.flexGrow = String(ms);
        segs.append(s);
      });
    if (!segs.firstChild && total <= 0) segs.append(el('span', 'wl-seg ph-none'));
    be.append(segs);
    const path = (() => {
      try {
        const u = new URL(b.url);
        return u.pathname + u.search;
      } catch {
        return b.url;
      }
    })();
    const label = b.statusClass === 'failed' ? `✕ ${b.errorCode || 'failed'} ${path}` : `${b.status} ${b.name || `${b.method} ${path}`}`;
    be.append(el('span', 'wl-bar-text', label));
    return be;
  }

  private colors?: { key: string; sent: string; recv: string; ctrl: string; line: string };

  /** Reading computed style forces a style pass: once per theme, not once per frame. */
  private tickColors(): { sent: string; recv: string; ctrl: string; line: string } {
    const key = `${document.body.className}|${matchMedia('(prefers-color-scheme: dark)').matches}`;
    if (this.colors?.key !== key) {
      const cs = getComputedStyle(this.root);
      const v = (name: string, dflt: string): string => cs.getPropertyValue(name).trim() || dflt;
      this.colors = { key, sent: v('--wl-ws-sent', '#3b82f6'), recv: v('--wl-ws-recv', '#16a34a'), ctrl: v('--wl-ws-close', '#dc2626'), line: v('--wl-fg-muted', '#888') };
    }
    return this.colors;
  }

  private drawTicks(canvas: HTMLCanvasElement, lane: Lane, w: number, viewEnd: number): void {
    const ws = lane.ws!;
    const dpr = window.devicePixelRatio || 1;
    const h = WS_LANE_H;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
      canvas.style.width = `${w}px`;
      canvas.style.height = `${h}px`;
    }
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const { sent, recv, ctrl, line } = this.tickColors();
    const mid = h / 2;
    const bar = this.model.bars[ws.entry];
    const startX = bar ? Math.max(0, (bar.end - this.viewStart) / this.msPerPx) : 0;
    const endT = lane.end;
    ctx.fillStyle = line;
    ctx.globalAlpha = 0.5;
    ctx.fillRect(startX, mid - 0.5, Math.max(0, Math.min(w, (endT - this.viewStart) / this.msPerPx) - startX), 1);
    ctx.globalAlpha = 1;
    const lo = lowerBound(ws.times, this.viewStart - this.msPerPx);
    const last = [-1, -1];
    for (let i = lo; i < ws.count;) {
      const t = ws.times[i]!;
      if (t > viewEnd) break;
      const x = Math.floor((t - this.viewStart) / this.msPerPx);
      const d = ws.dirs[i]!;
      const op = ws.opcodes[i]!;
      // Close frames are drawn below, each of them.
      if (op !== 8 && last[d] !== x) {
        last[d] = x;
        const len = op === 9 || op === 10 ? 8 : 18;
        ctx.fillStyle = d === 0 ? sent : recv;
        if (d === 0) ctx.fillRect(x, mid - 5 - len, 1.5, len);
        else ctx.fillRect(x, mid + 5, 1.5, len);
      }
      // Many frames in one pixel column draw once: once both directions are drawn in this
      // column, skip to the next one (bounded work at any zoom: 100,000 frames fit zoomed out).
      i = last[0] === x && last[1] === x ? Math.max(i + 1, lowerBound(ws.times, this.viewStart + (x + 1) * this.msPerPx, i + 1)) : i + 1;
    }
    ctx.fillStyle = ctrl;
    for (const i of closeFrames(ws)) {
      const t = ws.times[i]!;
      if (t < this.viewStart - this.msPerPx || t > viewEnd) continue;
      ctx.fillRect(Math.floor((t - this.viewStart) / this.msPerPx) - 1, 4, 3, h - 8);
    }
  }
}

/** Axis labels with as many decimals as the step needs, so neighbours read alike. */
function formatTick(t: number, step: number): string {
  if (t === 0) return '0';
  if (step >= 1000) return `${(t / 1000).toFixed(Math.max(0, -Math.floor(Math.log10(step / 1000))))} s`;
  return `${t.toFixed(Math.max(0, -Math.floor(Math.log10(step))))} ms`;
}

const closeFrameIndex = new WeakMap<WsTrack, number[]>();

/** Indices of a lane's close frames (opcode 8), found once. */
function closeFrames(ws: WsTrack): number[] {
  let list = closeFrameIndex.get(ws);
  if (!list) {
    list = [];
    for (let i = 0; i < ws.count; i++) if (ws.opcodes[i] === 8) list.push(i);
    closeFrameIndex.set(ws, list);
  }
  return list;
}

function lowerBound(a: Float64Array, t: number, from = 0): number {
  let lo = from,
    hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
