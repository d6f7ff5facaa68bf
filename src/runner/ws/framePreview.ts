// What a frame's payload looks like in the timeline model. Only a bounded copy is kept, so a
// flood of frames or one huge frame cannot pin the socket's buffers or grow memory past
// `maxFramesInMemory × limit`.

export const DEFAULT_FRAME_DATA_BYTES = 64 * 1024;

export interface FramePreview {
  data: string;
  truncated?: boolean;
}

/** Cuts UTF-8 bytes at a character boundary at or below `limit`, so the text never ends in U+FFFD. */
function utf8Cut(buf: Uint8Array, limit: number): number {
  let end = limit;
  // Step back over continuation bytes (10xxxxxx) to the lead byte, which then is excluded.
  while (end > 0 && (buf[end] & 0xc0) === 0x80) end--;
  return end;
}

export function textPreview(payload: Uint8Array, limit: number): FramePreview {
  const buf = Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  if (buf.length <= limit) return { data: buf.toString('utf8') };
  return { data: buf.toString('utf8', 0, utf8Cut(buf, limit)), truncated: true };
}

export function binaryPreview(payload: Uint8Array, limit: number): FramePreview {
  const buf = Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  if (buf.length <= limit) return { data: buf.toString('base64') };
  return { data: buf.toString('base64', 0, limit), truncated: true };
}

/** ws hands a message as one Buffer, an ArrayBuffer, or fragments, depending on binaryType. */
export function asBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
