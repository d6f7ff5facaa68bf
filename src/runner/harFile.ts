// A HAR recording written while the run goes on, valid on disk at every instant: each flush
// writes a complete file next to the target and renames it over it (rename(2) is atomic), so a
// run killed at any moment (SIGKILL, power button on the laptop lid) leaves the last complete
// HAR. Entries are serialized once, when their exchange ends; WebSocket frames are serialized
// as they arrive and joined in chunks, so a flood costs O(1) per frame. Flushes are throttled
// and spaced in proportion to their own cost, which bounds the writer to a small share of the
// run's time however large the file grows.

import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RunRecorder, RunEvent } from '../core/timeline/recorder';
import type { Exchange, Run } from '../core/timeline/model';
import { connectionToHar, contextFor, createRedactor, credentialValues, emptyHarLog, exchangeToEntry, frameToHar, networkOfRuns, runToHar, type Redactor } from '../core/har/write';

export interface HarFileOptions {
  path: string;
  secrets?: Iterable<string>;
  keepSecrets?: boolean;
  /** Minimum time between two flushes (ms). Default 100. */
  throttleMs?: number;
  /** Frames kept in the recording per WebSocket session; later ones are counted as dropped. Default 250,000. */
  maxFramesPerSession?: number;
  creatorVersion?: string;
  /** Called after each flush that put a complete file in place (not after a failed one). */
  onFlush?: () => void;
}

interface Attached {
  run: Run;
  order: number;
  off: () => void;
}

interface Slot {
  runOrder: number;
  run: Run;
  exchange: Exchange;
  json?: string;
  sessionId?: string;
}

interface FrameLog {
  /** Serialized frames joined in chunks of CHUNK. */
  chunks: string[];
  pending: string[];
  count: number;
  dropped: number;
}

const CHUNK = 512;
/** Longest wait between two flushes, whatever a flush costs (test/system/crash.test.ts). */
const MAX_SPACING_MS = 400;

export class HarFileWriter {
  readonly path: string;
  private readonly tmpPath: string;
  private readonly throttleMs: number;
  private readonly maxFrames: number;
  private readonly keepSecrets: boolean;
  private readonly creatorVersion: string;
  private readonly onFlush?: () => void;
  private secrets = new Set<string>();
  private redactor: Redactor;
  private readonly attached: Attached[] = [];
  private readonly slots: Slot[] = [];
  private readonly slotByExchange = new Map<Exchange, Slot>();
  private readonly frames = new Map<string, FrameLog>();
  private timer: NodeJS.Timeout | undefined;
  private lastFlushAt = 0;
  private lastFlushCostMs = 0;
  private dirty = false;
  private closed = false;
  /** Flushes done (for tests and the bench). */
  flushes = 0;
  /** The last write failure (disk full, folder removed); the run goes on without its recording. */
  lastError: Error | undefined;

  constructor(opts: HarFileOptions) {
    this.path = opts.path;
    this.tmpPath = `${opts.path}.${process.pid}.tmp`;
    this.throttleMs = opts.throttleMs ?? 100;
    this.maxFrames = opts.maxFramesPerSession ?? 250_000;
    this.keepSecrets = opts.keepSecrets ?? false;
    this.creatorVersion = opts.creatorVersion ?? '0.1.0';
    this.onFlush = opts.onFlush;
    for (const s of opts.secrets ?? []) this.secrets.add(s);
    this.redactor = createRedactor(this.secrets, this.keepSecrets);
    try {
      mkdirSync(dirname(this.path), { recursive: true });
    } catch {
      // flushNow reports the failure in lastError
    }
    // A valid (empty) recording exists from the first instant.
    this.flushNow();
  }

  /** Values that must not reach the file; call before the request that uses them is sent. */
  addSecrets(values: Iterable<string>): void {
    let added = false;
    for (const v of values) {
      if (!this.secrets.has(v)) {
        this.secrets.add(v);
        added = true;
      }
    }
    if (added) this.redactor = createRedactor(this.secrets, this.keepSecrets);
  }

  /** Records this run (a compare attaches one recorder per mode, in order). */
  attach(recorder: RunRecorder): () => void {
    const a: Attached = { run: recorder.run, order: this.attached.length, off: () => undefined };
    a.off = recorder.on((e) => this.onEvent(a, e));
    this.attached.push(a);
    // Exchanges that ended before attaching still belong in the file.
    for (const ex of recorder.run.exchanges) if (ex.endedAt !== undefined || ex.sessionId) this.addSlot(a, ex);
    this.markDirty();
    return a.off;
  }

  private onEvent(a: Attached, e: RunEvent): void {
    if (this.closed) return;
    switch (e.type) {
      case 'exchange-end':
        this.addSlot(a, e.exchange);
        break;
      case 'session': {
        const ex = a.run.exchanges[e.session.exchangeIndex];
        // Frames are serialized as they arrive: the upgrade's credentials must be known before the first.
        if (ex && !this.keepSecrets) this.addSecrets(credentialValues(ex.request.headers, ex.response?.headers));
        if (ex) this.addSlot(a, ex).sessionId = e.session.id;
        this.frameLog(e.session.id);
        break;
      }
      case 'frame': {
        const log = this.frameLog(e.session.id);
        if (log.count >= this.maxFrames) {
          log.dropped++;
          return; // the file does not change; no flush needed
        }
        log.pending.push(JSON.stringify(frameToHar(e.frame, this.redactor)));
        log.count++;
        if (log.pending.length >= CHUNK) {
          log.chunks.push(log.pending.join(','));
          log.pending = [];
        }
        break;
      }
      case 'session-end': {
        const ex = a.run.exchanges[e.session.exchangeIndex];
        const slot = ex ? this.slotByExchange.get(ex) : undefined;
        if (slot) slot.json = undefined;
        break;
      }
      case 'run-end':
        this.markDirty(true);
        return;
      default:
        break;
    }
    this.markDirty();
  }

  private frameLog(sessionId: string): FrameLog {
    let log = this.frames.get(sessionId);
    if (!log) {
      log = { chunks: [], pending: [], count: 0, dropped: 0 };
      this.frames.set(sessionId, log);
    }
    return log;
  }

  private addSlot(a: Attached, ex: Exchange): Slot {
    let slot = this.slotByExchange.get(ex);
    if (!slot) {
      slot = { runOrder: a.order, run: a.run, exchange: ex, sessionId: ex.sessionId };
      this.slots.push(slot);
      this.slotByExchange.set(ex, slot);
    } else {
      slot.json = undefined; // ended again (a late error): serialize anew
    }
    return slot;
  }

  private markDirty(urgent = false): void {
    this.dirty = true;
    if (this.closed) return;
    if (urgent) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.flushNow();
      return;
    }
    if (this.timer) return;
    // Spacing grows with the cost of a flush: at most ~10% of the time goes to rewriting; but
    // never past MAX_SPACING_MS, or one slow flush (a busy disk) would leave the file seconds
    // behind and break the promise that a killed run keeps everything older than a second.
    const interval = Math.min(MAX_SPACING_MS, Math.max(this.throttleMs, this.lastFlushCostMs * 9));
    const wait = Math.max(0, this.lastFlushAt + interval - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.dirty) this.flushNow();
    }, wait);
    this.timer.unref();
  }

  /** Writes the whole recording now (temp file + rename). Never throws; see `lastError`. */
  flushNow(): void {
    const started = Date.now();
    this.dirty = false;
    let fd: number | undefined;
    let flushed = false;
    try {
      fd = openSync(this.tmpPath, 'w');
      this.writeTo(fd);
      closeSync(fd);
      fd = undefined;
      renameSync(this.tmpPath, this.path);
      this.flushes++;
      this.lastError = undefined;
      flushed = true;
    } catch (err) {
      this.lastError = err instanceof Error ? err : new Error(String(err));
      if (fd !== undefined) {
        try {
          closeSync(fd);
        } catch {
          // already failing; the error above is the one to report
        }
      }
      try {
        rmSync(this.tmpPath, { force: true });
      } catch {
        // best effort
      }
    }
    this.lastFlushAt = Date.now();
    this.lastFlushCostMs = this.lastFlushAt - started;
    if (flushed && this.onFlush) {
      try {
        this.onFlush();
      } catch {
        // a listener's failure is not the recording's
      }
    }
  }

  private writeTo(fd: number): void {
    const log = emptyHarLog(this.creatorVersion);
    const head = JSON.stringify({ version: log.version, creator: log.creator, pages: [] });
    writeSync(fd, `{"log":${head.slice(0, -1)},"entries":[\n`);
    const ordered = [...this.slots].sort((x, y) => x.runOrder - y.runOrder || x.exchange.index - y.exchange.index);
    const ctxByRun = new Map<Run, ReturnType<typeof contextFor>>();
    let first = true;
    let batch: string[] = [];
    for (const slot of ordered) {
      let ctx = ctxByRun.get(slot.run);
      if (!ctx) {
        ctx = { ...contextFor(slot.run, this.redactor), omitFrames: true };
        ctxByRun.set(slot.run, ctx);
      }
      if (slot.sessionId) {
        // Session entries change until the session ends (close code, frame counts).
        const entry = exchangeToEntry(slot.exchange, ctx);
        const frames = this.frames.get(slot.sessionId);
        if (entry._wirelane?.websocket && frames) entry._wirelane.websocket.droppedFrames = frames.dropped;
        const base = JSON.stringify(entry);
        batch.push(`${first ? '' : ',\n'}${base.slice(0, -1)},"_webSocketMessages":[`);
        if (frames) {
          let sep = '';
          for (const c of frames.chunks) {
            batch.push(sep + c);
            sep = ',';
          }
          if (frames.pending.length) batch.push(sep + frames.pending.join(','));
        }
        batch.push(']}');
      } else {
        if (slot.json === undefined) slot.json = JSON.stringify(exchangeToEntry(slot.exchange, ctx));
        batch.push(first ? slot.json : `,\n${slot.json}`);
      }
      first = false;
      if (batch.length >= 256) {
        writeSync(fd, batch.join(''));
        batch = [];
      }
    }
    if (batch.length) writeSync(fd, batch.join(''));
    const connections = this.attached.flatMap((a) => a.run.connections.map(connectionToHar));
    const runs = this.attached.map((a) => runToHar(a.run));
    const network = networkOfRuns(this.attached.map((a) => a.run));
    writeSync(fd, `\n],"_wirelane":${JSON.stringify({ connections, runs, network })}}}\n`);
  }

  /** Final flush; stops listening. Secrets added late are applied to every entry now. */
  close(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const slot of this.slots) slot.json = undefined;
    this.flushNow();
    this.closed = true;
    for (const a of this.attached) a.off();
  }

  /** Sessions recorded so far with the frames the file holds (for tests and the CLI's summary). */
  frameCounts(): Map<string, { recorded: number; dropped: number }> {
    const out = new Map<string, { recorded: number; dropped: number }>();
    for (const [id, f] of this.frames) out.set(id, { recorded: f.count, dropped: f.dropped });
    return out;
  }
}
