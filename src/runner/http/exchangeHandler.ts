// The undici dispatch handler of one exchange. Using undici's handler API directly (instead of
// `client.request`) gives the tracker its times and raw headers without diagnostics-channel
// publishes, and keeps a small body as the chunks undici parsed: no response stream, no
// AbortSignal, no header object built for every response.

import { Readable } from 'node:stream';
import type { ConnectionTracker, ExchangeTrace } from './tracker';
import type { ExchangeAbort } from './engine';

/** How the body of a final response is delivered to the engine. */
export interface ResponseStart {
  status: number;
  statusText: string;
  /** Raw name/value pairs (Buffers or strings) as undici parsed them. */
  raw: unknown[];
  /** Set when the body is streamed (unknown or large size, or encoded); else the body was collected. */
  stream?: Readable;
  /** Collected body (no stream): the chunks as they arrived. */
  chunks?: Buffer[];
  size: number;
}

type Resolve = (r: ResponseStart) => void;
type Reject = (e: unknown) => void;

export class ExchangeHandler {
  private abortUndici: ((err?: Error) => void) | undefined;
  private start: ResponseStart | undefined;
  private settled = false;
  private resume: (() => void) | undefined;
  private resolve!: Resolve;
  private reject!: Reject;
  /** Resolves once the body is complete (collected) or the stream can be read (streamed). */
  readonly response: Promise<ResponseStart>;

  constructor(
    private readonly tracker: ConnectionTracker,
    private readonly trace: ExchangeTrace,
    private readonly abort: ExchangeAbort,
    /** Bodies up to this size (by Content-Length, not encoded) are collected in memory. */
    private readonly collectLimit: number,
    private readonly head: boolean,
  ) {
    this.response = new Promise<ResponseStart>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    abort.listener = this;
  }

  /** Called by ExchangeAbort when the exchange is cancelled or times out. */
  aborted(reason: Error): void {
    // Like undici's own request API: a request still queued is aborted when it reaches a socket.
    this.abortUndici?.(reason);
  }

  onConnect(abort: (err?: Error) => void): void {
    if (this.abort.aborted) {
      abort(this.abort.reason);
      return;
    }
    this.abortUndici = abort;
  }

  onRequestSent(): void {
    this.tracker.requestSent(this.trace);
  }

  onHeaders(status: number, raw: unknown[], resume: () => void, statusText: string): boolean {
    if (status < 200) return true;
    this.tracker.responseHeaders(this.trace, raw);
    const start: ResponseStart = { status, statusText: statusText ?? '', raw, stream: undefined, chunks: undefined, size: 0 };
    this.start = start;
    if (this.head || this.collectable(raw)) {
      start.chunks = [];
      return true;
    }
    this.resume = resume;
    start.stream = new Readable({ read: () => this.resume?.() });
    // Errors reach the reader through its iteration; until it starts, they must not go unheard.
    start.stream.on('error', noop);
    this.settle();
    return true;
  }

  /** Known small and not encoded: collect it. Anything else streams (decoding, spilling to disk). */
  private collectable(raw: unknown[]): boolean {
    let length: number | undefined;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const k = raw[i] as { length: number };
      if (k.length === 16 && lower(k) === 'content-encoding') {
        const v = lower(raw[i + 1]).trim();
        if (v !== '' && v !== 'identity') return false;
      } else if (k.length === 14 && lower(k) === 'content-length') {
        const v = text(raw[i + 1]).trim();
        if (!/^\d+$/.test(v)) return false;
        length = Number(v);
      }
    }
    return length !== undefined && length <= this.collectLimit;
  }

  onData(chunk: Buffer): boolean {
    const start = this.start!;
    start.size += chunk.length;
    if (start.chunks) {
      start.chunks.push(chunk);
      return true;
    }
    return start.stream!.push(chunk);
  }

  onComplete(): void {
    this.tracker.requestDone(this.trace);
    this.abort.listener = undefined;
    const start = this.start;
    if (start?.stream) start.stream.push(null);
    else if (start) this.settle();
    else this.onError(new Error('The response ended without a final status'));
  }

  onError(err: Error): void {
    this.tracker.requestDone(this.trace, err as { code?: string });
    this.abort.listener = undefined;
    const stream = this.start?.stream;
    if (stream) {
      stream.destroy(err);
    } else if (!this.settled) {
      this.settled = true;
      this.reject(err);
    }
  }

  private settle(): void {
    if (this.settled || !this.start) return;
    this.settled = true;
    this.resolve(this.start);
  }
}

function noop(): void {}

function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('latin1');
  if (Array.isArray(v)) return v.map(text).join(', ');
  return Buffer.from(v as Uint8Array).toString('latin1');
}

function lower(v: unknown): string {
  return text(v).toLowerCase();
}
