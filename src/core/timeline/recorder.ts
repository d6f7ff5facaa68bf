// The one place a run's model is mutated. The HTTP tracker and the WebSocket runner both
// write here; the CLI table, the live timeline panel and the streaming HAR writer listen.

import type { Connection, ConnectionMode, Exchange, Run, WsFrame, WsSession } from './model';

export type RunEvent =
  | { type: 'connection'; connection: Connection }
  | { type: 'connection-update'; connection: Connection }
  | { type: 'exchange-start'; exchange: Exchange }
  | { type: 'exchange-end'; exchange: Exchange }
  | { type: 'session'; session: WsSession }
  | { type: 'frame'; session: WsSession; frame: WsFrame }
  | { type: 'session-end'; session: WsSession }
  | { type: 'run-end'; run: Run };

export type RunListener = (e: RunEvent) => void;

export interface RecorderOptions {
  mode?: ConnectionMode;
  /** Prefix for connection ids (`close/` in a compare); ids are `${prefix}c1`, `${prefix}c2`, … */
  idPrefix?: string;
  /** Frames kept in memory per WebSocket session; older ones are dropped from view (still emitted). */
  maxFramesInMemory?: number;
  label?: string;
  environment?: string;
  file?: string;
}

export class RunRecorder {
  readonly run: Run;
  private readonly listeners = new Set<RunListener>();
  private connectionSeq = 0;
  private sessionSeq = 0;
  private readonly idPrefix: string;
  private readonly maxFrames: number;

  constructor(opts: RecorderOptions = {}) {
    this.idPrefix = opts.idPrefix ?? '';
    this.maxFrames = opts.maxFramesInMemory ?? 5000;
    this.run = {
      id: `run-${Date.now().toString(36)}`,
      mode: opts.mode ?? 'keep-alive',
      label: opts.label,
      environment: opts.environment,
      file: opts.file,
      startedAt: Date.now(),
      connections: [],
      exchanges: [],
      sessions: [],
    };
  }

  on(listener: RunListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: RunEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // A listener's failure (a closed panel, a full disk) must not break the run.
      }
    }
  }

  nextConnectionId(): string {
    return `${this.idPrefix}c${++this.connectionSeq}`;
  }

  connection(id: string): Connection | undefined {
    return this.run.connections.find((c) => c.id === id);
  }

  addConnection(c: Connection): Connection {
    this.run.connections.push(c);
    this.emit({ type: 'connection', connection: c });
    return c;
  }

  updateConnection(id: string, patch: Partial<Connection>): void {
    const c = this.connection(id);
    if (!c) return;
    Object.assign(c, patch);
    this.emit({ type: 'connection-update', connection: c });
  }

  /** Adds an exchange; its `index` is set to its position in the run. */
  startExchange(e: Omit<Exchange, 'index'>): Exchange {
    const ex: Exchange = { ...e, index: this.run.exchanges.length };
    this.run.exchanges.push(ex);
    this.emit({ type: 'exchange-start', exchange: ex });
    return ex;
  }

  endExchange(ex: Exchange): void {
    if (ex.endedAt === undefined) ex.endedAt = Date.now();
    this.emit({ type: 'exchange-end', exchange: ex });
  }

  startSession(s: Omit<WsSession, 'id' | 'frames' | 'totalFrames' | 'droppedFrames'>): WsSession {
    const session: WsSession = { ...s, id: `ws${++this.sessionSeq}`, frames: [], totalFrames: 0, droppedFrames: 0 };
    this.run.sessions.push(session);
    this.emit({ type: 'session', session });
    return session;
  }

  addFrame(session: WsSession, frame: WsFrame): void {
    session.totalFrames++;
    session.frames.push(frame);
    if (session.frames.length > this.maxFrames) {
      // Drop in chunks so a flood costs amortized O(1) per frame.
      const drop = Math.max(1, Math.floor(this.maxFrames / 10));
      session.frames.splice(0, drop);
      session.droppedFrames += drop;
    }
    this.emit({ type: 'frame', session, frame });
  }

  endSession(session: WsSession): void {
    if (session.closedAt === undefined) session.closedAt = Date.now();
    this.emit({ type: 'session-end', session });
  }

  finish(): Run {
    this.run.endedAt = Date.now();
    for (const c of this.run.connections) {
      if (c.closedAt === undefined) c.closeReason = 'open';
    }
    this.emit({ type: 'run-end', run: this.run });
    return this.run;
  }
}
