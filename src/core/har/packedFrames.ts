// WebSocket frames of a HAR entry packed for the timeline's quick-start copy: times as deltas and
// directions as one string, without the frame data. Written by the report writer (src/cli), read
// by the lane model (src/core/timeline/lanes.ts).

/** `_webSocketMessages` in the quick-start copy (field `_wlFrames` of the entry). */
export interface PackedFrames {
  /** Time of the first frame, ms since the epoch. */
  t0: number;
  /** ms from the previous frame (the first is 0), rounded to µs. */
  dt: number[];
  /** One character per frame: `s` sent, `r` received. */
  dir: string;
  /** Frames whose opcode is not 1 (text): [index, opcode]. */
  ops: Array<[number, number]>;
}

function isObj(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

export function packFrames(messages: unknown[]): PackedFrames | undefined {
  const dt: number[] = [];
  let dir = '';
  const ops: Array<[number, number]> = [];
  let t0 = NaN;
  let prev = NaN;
  for (const m of messages) {
    if (!isObj(m) || typeof m.time !== 'number' || !Number.isFinite(m.time)) continue;
    // Chrome's convention is seconds since the epoch; tolerate milliseconds.
    const t = m.time < 1e11 ? m.time * 1000 : m.time;
    if (Number.isNaN(t0)) t0 = prev = t;
    dt.push(Math.round((t - prev) * 1000) / 1000);
    prev = t;
    dir += m.type === 'send' ? 's' : 'r';
    const op = typeof m.opcode === 'number' ? m.opcode : 1;
    if (op !== 1) ops.push([dt.length - 1, op]);
  }
  return dt.length ? { t0, dt, dir, ops } : undefined;
}
