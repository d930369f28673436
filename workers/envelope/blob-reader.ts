/**
 * Reads a Blob front to back — never whole — through its byte stream with a BYOB reader, each
 * read filling a fresh buffer of `readAhead` bytes (`read(view, { min })`). Measured in a
 * Chromium worker on a disk-backed File (bench/files.mjs, `npm run bench -- --only files`): one
 * stream read per frame is several times faster than a `Blob.slice(...).arrayBuffer()` per
 * frame, whose per-slice setup dominates; `File.stream()`'s default reader yields chunks of
 * whatever size the pipe holds, which would have to be re-framed anyway.
 *
 * The next few chunks are read while the caller works on the current one. Every chunk has its own
 * buffer, so the bytes returned stay valid after later reads (the frame pipeline holds several
 * frames at once); a read that straddles two chunks gets a joined copy.
 */
import type { Bytes } from '../crypto/aes-gcm.ts';
import { KmsError } from '../errors.ts';

/** Chunks read ahead of the caller: BYOB reads queue on the stream and are filled in order. */
const PREFETCH_CHUNKS = 3;

export class BlobReader {
  private buffer: Bytes = new Uint8Array(0);
  /** Absolute offset of buffer[0]. */
  private bufferStart: number;
  private offset: number;
  /** Absolute offset of the next byte the stream will deliver. */
  private streamPosition: number;
  private stream: ReadableStreamBYOBReader | undefined;
  /** The next chunks, already being read while the caller works on the current one. */
  private prefetched: Promise<Bytes>[] = [];

  constructor(
    private readonly blob: Blob,
    start = 0,
    public readAhead = 64 * 1024,
  ) {
    this.bufferStart = start;
    this.offset = start;
    this.streamPosition = start;
  }

  /** Absolute offset of the next unread byte. */
  get position(): number {
    return this.offset;
  }

  get remaining(): number {
    return this.blob.size - this.offset;
  }

  /**
   * Exactly `length` bytes from the position, which then moves past them; or null (position
   * unchanged) when the blob ends first. Not re-entrant: await one read before the next. The
   * bytes are a view into a buffer no later read writes to: treat them as read-only.
   */
  async read(length: number): Promise<Bytes | null> {
    if (length > this.remaining) return null;
    const available = this.bufferStart + this.buffer.length - this.offset;
    if (available < length) await this.fill(available, length);
    const from = this.offset - this.bufferStart;
    this.offset += length;
    return this.buffer.subarray(from, from + length);
  }

  /** Stops reading: the stream is cancelled and the file let go. Safe to call more than once. */
  async close(): Promise<void> {
    const stream = this.stream;
    this.stream = undefined;
    this.prefetched = [];
    await stream?.cancel().catch(() => undefined);
  }

  /**
   * Makes the buffer start at the position and hold at least `length` bytes: the `available`
   * unread bytes, then whole chunks. Then starts reading the next chunk.
   */
  private async fill(available: number, length: number): Promise<void> {
    const parts = [this.buffer.subarray(this.offset - this.bufferStart)];
    let held = available;
    while (held < length) {
      const chunk = await this.nextChunk(length - held);
      parts.push(chunk);
      held += chunk.length;
    }
    this.buffer = available === 0 && parts.length === 2 ? parts[1]! : concat(parts, held);
    this.bufferStart = this.offset;
    while (this.prefetched.length < PREFETCH_CHUNKS && this.streamPosition < this.blob.size) {
      const chunk = this.readChunk(this.readAhead);
      chunk.catch(() => undefined); // observed by the read that takes it
      this.prefetched.push(chunk);
    }
  }

  private async nextChunk(wanted: number): Promise<Bytes> {
    return this.prefetched.shift() ?? this.readChunk(Math.max(wanted, this.readAhead));
  }

  /** The next `length` bytes of the stream (fewer at its end), in a buffer of their own. */
  private async readChunk(length: number): Promise<Bytes> {
    const fetch = Math.min(length, this.blob.size - this.streamPosition);
    this.streamPosition += fetch;
    this.stream ??= this.blob
      .slice(this.streamPosition - fetch)
      .stream()
      .getReader({ mode: 'byob' });
    // `min` fills the whole view unless the stream ends first; the view's buffer is transferred
    // and comes back as `value.buffer`.
    const { value } = await this.stream.read(new Uint8Array(fetch), { min: fetch });
    if (!value || value.byteLength !== fetch) {
      throw new KmsError(
        'KMSInternalException',
        'The input file changed while it was being read (it is shorter than it was). Nothing was written.',
      );
    }
    return new Uint8Array(value.buffer, value.byteOffset, fetch);
  }
}

function concat(parts: Bytes[], length: number): Bytes {
  const joined = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  return joined;
}
