// Simulated network conditions at the packet level: every connection of a run goes through a
// ShapedSocket that wraps the real TCP socket. Unlike request-level throttling (which adds a
// delay to each request as a whole), the bytes themselves are delayed, so everything that runs
// over the connection pays what it would on a slow link:
//
// - connect completes one RTT after it starts (SYN out, SYN-ACK back);
// - each chunk written arrives at the peer RTT/2 after its last bit left, and so does each chunk
//   the peer sent; TLS runs over the shaped stream (`tls.connect({socket})`), so its handshake
//   pays its real round trips (1 for TLS 1.3, 2 for TLS 1.2), and so do HTTP/2 and WebSocket;
// - bandwidth serialises the bytes of each direction through one queue per run (a Link), shared
//   by all the run's connections, like one access link;
// - TCP slow start: each connection and direction starts with cwnd = 10 segments of 1460 bytes
//   (RFC 6928); a round's bytes are acknowledged one RTT after the round began and cwnd grows by
//   the bytes acknowledged (so it doubles per RTT while the sender keeps it full). After an idle
//   period longer than the retransmission timeout, cwnd restarts at the initial window (RFC 5681
//   §4.1); the RTO is taken as max(200 ms, 3 × RTT): RFC 6298's first RTO (SRTT + 4 × RTT/2)
//   with Linux's 200 ms floor. There is no loss, so no congestion avoidance is modelled.
//
// The real socket stays what the server sees: its local/remote ports are the ShapedSocket's.

import net from 'node:net';
import { Duplex } from 'node:stream';
import { TCP_INITIAL_WINDOW as INITIAL_WINDOW, type NetworkConditions } from '../../core/network';

/** Chunks are cut to at most this many bytes, so delivery is progressive even at low bandwidth. */
const PIECE = 16 * 1024;
/** Bytes held for the application before the real socket is paused (the shaper's receive window). */
const READ_HIGH_WATER = 1024 * 1024;
/** Bytes queued on the way out before a write waits (back-pressure to the writer). */
const WRITE_HIGH_WATER = 64 * 1024;

const clock = (): number => performance.now();

/** One direction of the run's access link: bytes leave it one after another at `kbps`. */
export class Link {
  private freeAt = 0;
  constructor(readonly kbps: number) {}
  /** When the last bit of `bytes`, offered at `at`, has left the link. kbit/s is bits per ms. */
  serialise(at: number, bytes: number): number {
    if (!(this.kbps > 0)) return at;
    const start = Math.max(at, this.freeAt);
    this.freeAt = start + (bytes * 8) / this.kbps;
    return this.freeAt;
  }
}

/** The sender's congestion window on one connection, one direction (slow start only). */
class SlowStart {
  cwnd = INITIAL_WINDOW;
  private roundEnd = -Infinity;
  private inRound = 0;
  private lastSent = -Infinity;
  constructor(private readonly rtt: number) {}

  /**
   * Cuts `bytes` offered at `at` into pieces no larger than what the window lets out, each
   * with the earliest time it may start; a piece that does not fit waits for the round's ACKs.
   */
  plan(at: number, bytes: number, out: Array<[number, number]>): void {
    const rto = Math.max(200, 3 * this.rtt);
    if (this.rtt > 0 && at - this.lastSent > rto && this.lastSent !== -Infinity) {
      this.cwnd = Math.min(this.cwnd, INITIAL_WINDOW);
      this.roundEnd = -Infinity;
      this.inRound = 0;
    }
    let t = at;
    let left = bytes;
    while (left > 0) {
      if (this.rtt === 0) {
        out.push([t, Math.min(left, PIECE)]);
        left -= Math.min(left, PIECE);
        continue;
      }
      if (t >= this.roundEnd) {
        // The previous round's bytes were acknowledged: the window grows by them.
        this.cwnd += this.inRound;
        this.inRound = 0;
        this.roundEnd = t + this.rtt;
      }
      const room = this.cwnd - this.inRound;
      if (room <= 0) {
        t = this.roundEnd;
        continue;
      }
      const take = Math.min(left, room, PIECE);
      out.push([t, take]);
      this.inRound += take;
      left -= take;
      if (left > 0 && this.inRound >= this.cwnd) t = this.roundEnd;
    }
    this.lastSent = t;
  }
}

/** One run's conditions: the shared links, and a way to open shaped connections. */
export class Shaper {
  readonly down: Link;
  readonly up: Link;
  readonly halfRtt: number;
  constructor(readonly conditions: NetworkConditions) {
    this.down = new Link(conditions.downKbps);
    this.up = new Link(conditions.upKbps);
    this.halfRtt = conditions.rttMs / 2;
  }

  /** `net.connect(opts)`, shaped. Typed as a net.Socket: it has the parts HTTP, TLS and ws use. */
  connect(opts: { host: string; port: number }): net.Socket {
    const raw = net.connect({ host: opts.host.replace(/^\[|\]$/g, ''), port: opts.port, allowHalfOpen: true });
    // The delays are the simulation's; the real socket must not add Nagle's (TLS over a Duplex
    // never reaches it with setNoDelay).
    raw.setNoDelay(true);
    return new ShapedSocket(raw, this) as unknown as net.Socket;
  }
}

interface Piece {
  at: number;
  data: Buffer | null;
  /** Called once the piece was handed on (a write's callback). */
  done?: () => void;
}

/**
 * A real TCP socket seen through the simulated link. Writes reach the real socket (and so the
 * server) late; what the server sent reaches the reader late. Socket-like: ports, addresses,
 * `connecting`, 'connect', setNoDelay/setKeepAlive/setTimeout/ref/unref delegate to the real one.
 */
export class ShapedSocket extends Duplex {
  connecting = true;
  private readonly startedAt = clock();
  private readonly upWindow: SlowStart;
  private readonly downWindow: SlowStart;
  private readonly outQ: Piece[] = [];
  private readonly inQ: Piece[] = [];
  private outTimer: NodeJS.Timeout | undefined;
  private inTimer: NodeJS.Timeout | undefined;
  private heldIn = 0;
  private heldOut = 0;
  private readPaused = false;
  private rawPaused = false;
  private pendingWrite: (() => void) | undefined;
  private rawFull = false;
  private beforeConnect: Array<[Buffer, () => void]> = [];
  private unrefd = false;
  private readonly plan: Array<[number, number]> = [];

  constructor(
    private readonly raw: net.Socket,
    private readonly shaper: Shaper,
  ) {
    super({ allowHalfOpen: false });
    const rtt = shaper.conditions.rttMs;
    this.upWindow = new SlowStart(rtt);
    this.downWindow = new SlowStart(rtt);
    raw.once('lookup', (...args: unknown[]) => this.emit('lookup', ...args));
    raw.once('connect', () => this.after(this.startedAt + rtt, () => this.onConnected()));
    raw.on('data', (chunk: Buffer) => this.incoming(chunk));
    raw.once('end', () => this.incomingEnd());
    raw.on('timeout', () => this.emit('timeout'));
    raw.on('error', (err) => {
      // A refused connect is known one RTT after it began (the RST comes back); later errors
      // come in order with the data before them.
      if (this.connecting) this.after(this.startedAt + rtt, () => this.destroy(err));
      else this.queueIn({ at: Math.max(clock() + this.shaper.halfRtt, this.lastInAt()), data: null, done: () => this.destroy(err) });
    });
    raw.once('close', () => {
      // The peer's close reaches us after the data it sent before it.
      if (!this.destroyed) this.queueIn({ at: Math.max(clock() + this.shaper.halfRtt, this.lastInAt()), data: null, done: () => this.destroy() });
    });
  }

  // ——— what callers read on a net.Socket ———
  get localPort(): number | undefined {
    return this.raw.localPort;
  }
  get localAddress(): string | undefined {
    return this.raw.localAddress;
  }
  get remotePort(): number | undefined {
    return this.raw.remotePort;
  }
  get remoteAddress(): string | undefined {
    return this.raw.remoteAddress;
  }
  get remoteFamily(): string | undefined {
    return this.raw.remoteFamily;
  }
  get bytesRead(): number {
    return this.raw.bytesRead;
  }
  get bytesWritten(): number {
    return this.raw.bytesWritten;
  }
  get readyState(): string {
    return this.connecting ? 'opening' : this.raw.readyState;
  }
  address(): ReturnType<net.Socket['address']> {
    return this.raw.address();
  }
  setNoDelay(noDelay?: boolean): this {
    this.raw.setNoDelay(noDelay);
    return this;
  }
  setKeepAlive(enable?: boolean, delay?: number): this {
    this.raw.setKeepAlive(enable, delay);
    return this;
  }
  setTimeout(ms: number, cb?: () => void): this {
    this.raw.setTimeout(ms);
    if (cb) this.once('timeout', cb);
    return this;
  }
  ref(): this {
    this.unrefd = false;
    this.raw.ref();
    this.outTimer?.ref();
    this.inTimer?.ref();
    return this;
  }
  unref(): this {
    this.unrefd = true;
    this.raw.unref();
    this.outTimer?.unref();
    this.inTimer?.unref();
    return this;
  }

  // ——— connect ———
  private after(at: number, fn: () => void): void {
    const wait = at - clock();
    if (wait <= 0) fn();
    else {
      // A timer measures from the event loop's cached time, which can lag the clock: it may fire
      // up to a millisecond before `at`. Checked again, so a simulated round trip is never short.
      const t = setTimeout(() => this.after(at, fn), Math.ceil(wait));
      if (this.unrefd) t.unref();
    }
  }

  private onConnected(): void {
    if (this.destroyed) return;
    this.connecting = false;
    this.emit('connect');
    this.emit('ready');
    const held = this.beforeConnect;
    this.beforeConnect = [];
    for (const [chunk, cb] of held) this.send(chunk, cb);
    if (this.endAfterConnect) this.finalNow(this.endAfterConnect);
    this.pumpIn();
  }

  // ——— client → server ———
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.connecting) this.beforeConnect.push([chunk, () => cb()]);
    else this.send(chunk, () => cb());
  }

  private send(chunk: Buffer, cb: () => void): void {
    const plan = this.plan;
    plan.length = 0;
    this.upWindow.plan(clock(), chunk.length, plan);
    let offset = 0;
    for (let i = 0; i < plan.length; i++) {
      const [start, size] = plan[i];
      const leaves = this.shaper.up.serialise(start, size);
      const piece = offset === 0 && size === chunk.length ? chunk : chunk.subarray(offset, offset + size);
      offset += size;
      this.outQ.push({ at: leaves + this.shaper.halfRtt, data: piece });
      this.heldOut += size;
    }
    // The writer may go on while little is queued; past that it waits, like a full send buffer.
    if (this.heldOut < WRITE_HIGH_WATER) cb();
    else this.pendingWrite = cb;
    this.pumpOut();
  }

  private pumpOut(): void {
    if (this.outTimer || this.rawFull) return;
    const t = clock();
    while (this.outQ.length && this.outQ[0].at <= t && !this.rawFull) {
      const p = this.outQ.shift()!;
      if (p.data) {
        this.heldOut -= p.data.length;
        // A server that reads slowly holds the rest back (TCP flow control), however the link runs.
        if (!this.raw.destroyed && !this.raw.write(p.data)) {
          this.rawFull = true;
          this.raw.once('drain', () => {
            this.rawFull = false;
            this.pumpOut();
          });
        }
      }
      p.done?.();
    }
    if (this.pendingWrite && this.heldOut < WRITE_HIGH_WATER) {
      const cb = this.pendingWrite;
      this.pendingWrite = undefined;
      cb();
    }
    if (this.outQ.length && !this.rawFull) {
      this.outTimer = setTimeout(
        () => {
          this.outTimer = undefined;
          this.pumpOut();
        },
        Math.max(0, this.outQ[0].at - t),
      );
      if (this.unrefd) this.outTimer.unref();
    }
  }

  private endAfterConnect: (() => void) | undefined;

  override _final(cb: (err?: Error | null) => void): void {
    if (this.connecting) this.endAfterConnect = () => cb();
    else this.finalNow(() => cb());
  }

  /** The FIN follows the data written before it. */
  private finalNow(cb: () => void): void {
    const last = this.outQ.length ? this.outQ[this.outQ.length - 1].at : 0;
    this.outQ.push({ at: Math.max(last, clock() + this.shaper.halfRtt), data: null, done: () => this.raw.end() });
    cb();
    this.pumpOut();
  }

  // ——— server → client ———
  private lastInAt(): number {
    return this.inQ.length ? this.inQ[this.inQ.length - 1].at : 0;
  }

  private incoming(chunk: Buffer): void {
    const plan = this.plan;
    plan.length = 0;
    this.downWindow.plan(clock(), chunk.length, plan);
    let offset = 0;
    for (let i = 0; i < plan.length; i++) {
      const [start, size] = plan[i];
      const arrives = this.shaper.down.serialise(start, size) + this.shaper.halfRtt;
      const piece = offset === 0 && size === chunk.length ? chunk : chunk.subarray(offset, offset + size);
      offset += size;
      this.queueIn({ at: arrives, data: piece });
      this.heldIn += size;
    }
    if (this.heldIn > READ_HIGH_WATER && !this.rawPaused) {
      this.rawPaused = true;
      this.raw.pause();
    }
  }

  private incomingEnd(): void {
    this.queueIn({ at: Math.max(clock() + this.shaper.halfRtt, this.lastInAt()), data: null, done: () => this.push(null) });
  }

  private queueIn(p: Piece): void {
    this.inQ.push(p);
    this.pumpIn();
  }

  private pumpIn(): void {
    if (this.inTimer || this.readPaused || this.connecting || this.destroyed) return;
    const t = clock();
    while (this.inQ.length && this.inQ[0].at <= t && !this.readPaused) {
      const p = this.inQ.shift()!;
      if (p.data) {
        this.heldIn -= p.data.length;
        if (!this.push(p.data)) this.readPaused = true;
      }
      p.done?.();
      if (this.destroyed) return;
    }
    if (this.rawPaused && this.heldIn < READ_HIGH_WATER / 2) {
      this.rawPaused = false;
      this.raw.resume();
    }
    if (this.inQ.length && !this.readPaused) {
      this.inTimer = setTimeout(
        () => {
          this.inTimer = undefined;
          this.pumpIn();
        },
        Math.max(0, this.inQ[0].at - t),
      );
      if (this.unrefd) this.inTimer.unref();
    }
  }

  override _read(): void {
    if (!this.readPaused) return;
    this.readPaused = false;
    this.pumpIn();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (this.outTimer) clearTimeout(this.outTimer);
    if (this.inTimer) clearTimeout(this.inTimer);
    this.outTimer = this.inTimer = undefined;
    this.outQ.length = 0;
    this.inQ.length = 0;
    this.raw.destroy();
    cb(err);
  }
}
