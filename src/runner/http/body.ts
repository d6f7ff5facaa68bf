// Request bodies (bytes, streamed files, multipart parts) and response bodies (decoded,
// kept in memory up to a limit, streamed to a temp file past it, so memory stays bounded).

import { createReadStream, createWriteStream, mkdirSync, statSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pipeline, type Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate, constants as zlibConstants } from 'node:zlib';
import type { Transform } from 'node:stream';
import type { RequestBody } from '../../core/request';
import type { BodyRef } from '../../core/timeline/model';

const TEXT_TYPES = /^(text\/|application\/(?:[\w.+-]*\+)?(?:json|xml|javascript|x-www-form-urlencoded|graphql|yaml|x-ndjson)\b|image\/svg\+xml)/i;

export function isTextMime(mime: string | undefined): boolean {
  return mime === undefined || mime === '' || TEXT_TYPES.test(mime.trim());
}

/** A body undici can send, made fresh for each attempt (redirects and Digest resend it). */
export interface PreparedBody {
  length: number;
  make(): Uint8Array | AsyncIterable<Uint8Array> | Readable | null;
  ref(mime: string | undefined, limit: number): BodyRef;
}

export function prepareBody(body: RequestBody | undefined): PreparedBody | undefined {
  if (!body) return undefined;
  if (body.kind === 'bytes') {
    const data = body.data;
    return {
      length: data.byteLength,
      make: () => data,
      ref: (mime, limit) => bytesRef(data, mime, limit),
    };
  }
  if (body.kind === 'file') {
    const size = statSync(body.path).size;
    const path = body.path;
    return { length: size, make: () => createReadStream(path), ref: (mime) => ({ size, mimeType: mime, file: path }) };
  }
  const parts = body.parts.map((p) => (p.kind === 'bytes' ? { ...p, size: p.data.byteLength } : { ...p, size: statSync(p.path).size }));
  const length = parts.reduce((n, p) => n + p.size, 0);
  return {
    length,
    make: () =>
      (async function* () {
        for (const p of parts) {
          if (p.kind === 'bytes') yield p.data;
          else for await (const chunk of createReadStream(p.path)) yield chunk as Buffer;
        }
      })(),
    ref: (mime, limit) => {
      if (parts.every((p) => p.kind === 'bytes') && length <= limit) {
        return bytesRef(Buffer.concat(parts.map((p) => (p as { data: Uint8Array }).data)), mime, limit);
      }
      return { size: length, mimeType: mime, text: parts.map((p) => (p.kind === 'bytes' ? Buffer.from(p.data).toString('utf8') : `< ${p.path}\n`)).join(''), truncated: true };
    },
  };
}

export function bytesRef(data: Uint8Array, mime: string | undefined, limit: number): BodyRef {
  const size = data.byteLength;
  const slice = size > limit ? data.subarray(0, limit) : data;
  const buf = Buffer.from(slice.buffer, slice.byteOffset, slice.byteLength);
  const ref: BodyRef = { size, mimeType: mime };
  if (isTextMime(mime)) ref.text = buf.toString('utf8');
  else ref.base64 = buf.toString('base64');
  if (size > limit) ref.truncated = true;
  return ref;
}

export function decoderFor(contentEncoding: string | undefined): Transform | undefined {
  if (!contentEncoding) return undefined;
  // Several codings apply in order; undo the last one only if it is the only one we know.
  const codings = contentEncoding
    .toLowerCase()
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s && s !== 'identity');
  if (codings.length !== 1) return undefined;
  // Servers often end gzip/deflate streams without a final flush; accept what arrived.
  const lenient = { flush: zlibConstants.Z_SYNC_FLUSH, finishFlush: zlibConstants.Z_SYNC_FLUSH };
  switch (codings[0]) {
    case 'gzip':
    case 'x-gzip':
      return createGunzip(lenient);
    case 'deflate':
      return createInflate(lenient);
    case 'br':
      return createBrotliDecompress({ flush: zlibConstants.BROTLI_OPERATION_FLUSH, finishFlush: zlibConstants.BROTLI_OPERATION_FLUSH });
    default:
      return undefined;
  }
}

export interface ReadBodyResult {
  buffer?: Buffer;
  file?: string;
  size: number;
  encodedSize: number;
  decoded: boolean;
  /** When the last byte arrived from the network. */
  receivedAt: number;
}

/**
 * Drains `body`, decoding it when `contentEncoding` is one we know. Keeps up to `limit` bytes
 * in memory; past that, everything goes to a temp file written with backpressure.
 */
export async function readBody(body: Readable, contentEncoding: string | undefined, limit: number, tempDir: string, contentLength?: number): Promise<ReadBodyResult> {
  if (contentLength !== undefined && contentLength <= limit && !decoderFor(contentEncoding) && typeof (body as { arrayBuffer?: unknown }).arrayBuffer === 'function') {
    // Known small and not encoded: let undici collect it in one piece (the common case, and the cheapest).
    const ab = await (body as unknown as { arrayBuffer(): Promise<ArrayBuffer> }).arrayBuffer();
    const buffer = Buffer.from(ab);
    return { buffer, size: buffer.length, encodedSize: buffer.length, decoded: false, receivedAt: performance.timeOrigin + performance.now() };
  }
  let encodedSize = 0;
  let receivedAt = 0;
  const decoder = decoderFor(contentEncoding);
  let source: AsyncIterable<Buffer>;
  if (decoder) {
    body.on('data', (c: Buffer) => {
      encodedSize += c.length;
    });
    body.once('end', () => {
      receivedAt = performance.timeOrigin + performance.now();
    });
    pipeline(body, decoder, () => {
      // Errors surface through the iteration below.
    });
    source = decoder;
  } else {
    source = body;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let file: WriteStream | undefined;
  let path: string | undefined;
  try {
    for await (const chunk of source) {
      size += chunk.length;
      if (!decoder) encodedSize = size;
      if (!file) {
        if (size <= limit) {
          chunks.push(chunk);
          continue;
        }
        mkdirSync(tempDir, { recursive: true });
        path = join(tempDir, `body-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`);
        file = createWriteStream(path);
        for (const c of chunks) file.write(c);
        chunks.length = 0;
      }
      if (!file.write(chunk)) {
        // events.once rejects on 'error' while waiting and removes both listeners when it settles;
        // a separate once(file, 'error') per wait would pile up listeners on a 1 GB body.
        await once(file, 'drain');
      }
    }
  } catch (e) {
    if (file && path) {
      // A body that failed half-way is no body: don't leave the part that arrived on disk.
      const partial = path;
      const f = file;
      f.destroy();
      if (!f.closed) await new Promise<void>((resolve) => f.once('close', () => resolve()));
      await unlink(partial).catch(() => undefined);
    }
    throw e;
  }
  if (!decoder || receivedAt === 0) receivedAt = performance.timeOrigin + performance.now();
  if (file) {
    const f = file;
    await new Promise<void>((resolve, reject) => {
      f.once('error', reject);
      f.end(() => resolve());
    });
    return { file: path, size, encodedSize, decoded: !!decoder, receivedAt };
  }
  return { buffer: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size), size, encodedSize, decoded: !!decoder, receivedAt };
}
