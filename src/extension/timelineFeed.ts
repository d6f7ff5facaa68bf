// Turns recorder events into batched timeline messages (src/protocol/webview.ts): entries are
// appended in the order exchanges start, in-flight ones are replaced when they end, connections
// are resent when they change. One message per ~50 ms at most, however fast events arrive.
import { connectionToHar, contextFor, createRedactor, exchangeToEntry, type EntryContext } from '../core/har/write';
import type { Har, HarEntry, WirelaneConnectionExt } from '../core/har/types';
import { emptyHarLog } from '../core/har/write';
import type { Exchange } from '../core/timeline/model';
import type { NetworkConditions } from '../core/network';
import type { RunEvent, RunRecorder } from '../core/timeline/recorder';
import type { AppendMessage, HostToTimelineMessage } from '../protocol/webview';

const BATCH_MS = 50;

export class TimelineFeed {
  private readonly entries: HarEntry[] = [];
  private readonly indexOf = new Map<Exchange, number>();
  private readonly connections = new Map<string, WirelaneConnectionExt>();
  private readonly recorders: Array<{ recorder: RunRecorder; ctx: EntryContext; off: () => void }> = [];
  private pending: AppendMessage = { type: 'append', entries: [], connections: [], updates: [] };
  private pendingConnections = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  /** Messages sent (batches), for tests. */
  batches = 0;
  title = 'Wirelane timeline';
  /** The simulated conditions of the runs shown (the first attached run's). */
  private network: NetworkConditions | undefined;

  constructor(private readonly post: (m: HostToTimelineMessage) => void) {}

  /** The whole timeline as a HAR, for a renderer that just became ready. */
  snapshot(): Har {
    const log = emptyHarLog();
    log.entries = [...this.entries];
    log._wirelane!.connections = [...this.connections.values()];
    if (this.network) log._wirelane!.network = this.network;
    return { log };
  }

  /** Starts over with these recorders (a Send All or Compare replaces what is shown). */
  reset(title: string): void {
    for (const r of this.recorders) r.off();
    this.recorders.length = 0;
    this.entries.length = 0;
    this.indexOf.clear();
    this.connections.clear();
    this.pending = { type: 'append', entries: [], connections: [], updates: [] };
    this.pendingConnections.clear();
    this.network = undefined;
    this.title = title;
    this.post({ type: 'clear', title });
  }

  attach(recorder: RunRecorder): void {
    // The panel is on the person's own screen: it shows what was sent, unredacted, like the response tab.
    const ctx = contextFor(recorder.run, createRedactor([], true));
    const off = recorder.on((e) => this.onEvent(ctx, e));
    this.recorders.push({ recorder, ctx, off });
    if (recorder.run.network && !this.network) this.network = this.pending.network = recorder.run.network;
    for (const c of recorder.run.connections) this.touchConnection(c.id, connectionToHar(c));
    for (const ex of recorder.run.exchanges) this.upsert(ex, ctx);
    this.schedule();
  }

  has(recorder: RunRecorder): boolean {
    return this.recorders.some((r) => r.recorder === recorder);
  }

  entryIndex(ex: Exchange): number | undefined {
    return this.indexOf.get(ex);
  }

  entryIndexWhere(pred: (ex: Exchange) => boolean): number | undefined {
    let found: number | undefined;
    for (const [ex, i] of this.indexOf) if (pred(ex)) found = i; // the latest wins
    return found;
  }

  private onEvent(ctx: EntryContext, e: RunEvent): void {
    switch (e.type) {
      case 'connection':
      case 'connection-update':
        this.touchConnection(e.connection.id, connectionToHar(e.connection));
        break;
      case 'exchange-start':
      case 'exchange-end':
        this.upsert(e.exchange, ctx);
        break;
      case 'session':
      case 'frame':
      case 'session-end': {
        const run = this.recorders.find((r) => r.ctx === ctx)?.recorder.run;
        const ex = run?.exchanges[e.session.exchangeIndex];
        if (ex) this.upsert(ex, ctx);
        break;
      }
      case 'run-end':
        for (const c of e.run.connections) this.touchConnection(c.id, connectionToHar(c));
        break;
    }
    this.schedule();
  }

  private touchConnection(id: string, c: WirelaneConnectionExt): void {
    this.connections.set(id, c);
    this.pendingConnections.add(id);
  }

  private upsert(ex: Exchange, ctx: EntryContext): void {
    const entry = exchangeToEntry(ex, ctx);
    const i = this.indexOf.get(ex);
    if (i === undefined) {
      this.indexOf.set(ex, this.entries.length);
      this.entries.push(entry);
      this.pending.entries.push(entry);
      return;
    }
    this.entries[i] = entry;
    const firstNew = this.entries.length - this.pending.entries.length;
    if (i >= firstNew) this.pending.entries[i - firstNew] = entry;
    else {
      const u = this.pending.updates!.find((x) => x.index === i);
      if (u) u.entry = entry;
      else this.pending.updates!.push({ index: i, entry });
    }
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), BATCH_MS);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const m = this.pending;
    m.connections = [...this.pendingConnections].map((id) => this.connections.get(id)!).filter(Boolean);
    if (!m.entries.length && !m.connections.length && !m.updates!.length) return;
    this.pending = { type: 'append', entries: [], connections: [], updates: [] };
    this.pendingConnections.clear();
    if (!m.updates!.length) delete m.updates;
    this.batches++;
    this.post(m);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const r of this.recorders) r.off();
  }
}
