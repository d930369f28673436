/**
 * Reads a Blob front to back in slices — never whole. `Blob.slice` + `arrayBuffer()` is the
 * fastest way to take exact frames from a File in a worker (`File.stream()` yields 64 KiB chunks
 * in Chromium, which would have to be re-framed; see ../shared/TOOLCHAIN.md).
 *
 * Each fetch reads `readAhead` bytes (or what is needed, if more), so a frame-sized read-ahead
 * takes one slice per frame however the frame is then split into fields.
 */
import type { Bytes } from '../crypto/aes-gcm.ts';

export class BlobReader {
  private buffer: Bytes = new Uint8Array(0);
  /** Absolute offset of buffer[0]. */
  private bufferStart: number;
  private offset: number;

  constructor(
    private readonly blob: Blob,
    start = 0,
    public readAhead = 64 * 1024,
  ) {
    this.bufferStart = start;
    this.offset = start;
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
   * unchanged) when the blob ends first. The bytes may be a view into a shared buffer: treat them
   * as read-only.
   */
  async read(length: number): Promise<Bytes | null> {
    if (length > this.remaining) return null;
    const bufferEnd = this.bufferStart + this.buffer.length;
    const available = bufferEnd - this.offset;
    if (available < length) {
      const fetchEnd = Math.min(
        this.blob.size,
        Math.max(this.offset + length, bufferEnd + this.readAhead),
      );
      const fresh = new Uint8Array(await this.blob.slice(bufferEnd, fetchEnd).arrayBuffer());
      if (available > 0) {
        const joined = new Uint8Array(available + fresh.length);
        joined.set(this.buffer.subarray(this.offset - this.bufferStart), 0);
        joined.set(fresh, available);
        this.buffer = joined;
      } else {
        this.buffer = fresh;
      }
      this.bufferStart = this.offset;
    }
    const from = this.offset - this.bufferStart;
    this.offset += length;
    return this.buffer.subarray(from, from + length);
  }
}
