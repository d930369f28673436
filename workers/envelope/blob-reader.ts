/**
 * Reads a Blob front to back — never whole — in slices of SLICE_BYTES
 * (`Blob.slice(...).arrayBuffer()`), handing out exact lengths from them. Each slice costs a
 * fixed setup and a round trip to the browser's blob store, so larger slices read faster and
 * for less CPU. Measured in a Chromium worker on a 1 GiB File on disk, in three runs of
 * `npm run bench -- --only files --file-mib 1024` (slices alone, MiB/s): 1 MiB × 8 in flight
 * 463–525, 4 MiB × 2 651–661, 4 MiB × 8 (the earlier setting) 758–836, 16 MiB × 2 949–983,
 * 16 MiB × 4 1035–1182; one Blob.slice per 512 KiB frame 227–253; FileReaderSync 429–527. Four
 * 16 MiB slices ahead took the core worker's buffers to 224 MiB at the peak of the 2 GiB heap
 * test, two keep them at 114–162 MiB (the same 32 MiB read ahead as before): two it is. A BYOB
 * reader on `File.stream()` would read into one reused buffer, but in Chromium 156 such reads
 * stall now and then — no error, no progress — on disk and OPFS Files alike, so it is not used;
 * the default reader's chunks (250–600 KiB) would need copies to make frames of.
 *
 * PREFETCH_SLICES slices are read while the caller works on the current one (32 MiB at most).
 * Every slice has its own buffer, so the bytes returned stay valid after later reads (the frame
 * pipeline holds several frames at once). A read within a slice is a view of it; a read that
 * straddles slices gets a copy of exactly its own bytes, and the reader goes on in the last slice
 * it touched — so a ciphertext, whose frames do not line up with slices, costs a copy of one
 * frame per slice, not of the whole slice.
 */
import type { Bytes } from '../crypto/bytes.ts';
import { KmsError } from '../errors.ts';

/** The size of a slice (a read longer than one gets a slice of its own length). */
export const SLICE_BYTES = 16 * 1024 * 1024;
/** Slices being read ahead of the caller. */
export const PREFETCH_SLICES = 2;

export class BlobReader {
  private buffer: Bytes = new Uint8Array(0);
  /** Absolute offset of buffer[0]. */
  private bufferStart: number;
  private offset: number;
  /** Absolute offset of the first byte not yet asked for. */
  private requested: number;
  /** The next slices, already being read while the caller works on the current one. */
  private prefetched: Promise<Bytes>[] = [];

  constructor(
    private readonly blob: Blob,
    start = 0,
  ) {
    this.bufferStart = start;
    this.offset = start;
    this.requested = start;
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
    const from = this.offset - this.bufferStart;
    const bytes =
      this.buffer.length - from >= length
        ? this.buffer.subarray(from, from + length)
        : await this.fill(from, length);
    this.offset += length;
    return bytes;
  }

  /** Stops reading: slices read ahead are dropped. Safe to call more than once. */
  async close(): Promise<void> {
    this.prefetched = [];
  }

  /**
   * The `length` bytes at the position when the buffer does not hold them whole (its bytes from
   * `from` on are the first of them): the next slices are taken, each becoming the buffer in
   * turn, until they are covered. Within one new slice, the read is a view of it; otherwise
   * exactly its bytes are copied into an array of their own.
   */
  private async fill(from: number, length: number): Promise<Bytes> {
    const head = this.buffer.subarray(from);
    let out: Bytes | undefined;
    let held = 0;
    if (head.length > 0) {
      out = new Uint8Array(length);
      out.set(head);
      held = head.length;
    }
    while (held < length) {
      if (this.prefetched.length === 0) this.prefetched.push(this.readSlice(length - held));
      this.readAhead();
      const slice = await this.prefetched.shift()!;
      this.bufferStart += this.buffer.length;
      this.buffer = slice;
      if (!out) {
        if (slice.length >= length) break;
        out = new Uint8Array(length);
      }
      const take = Math.min(slice.length, length - held);
      out.set(slice.subarray(0, take), held);
      held += take;
    }
    this.readAhead();
    return out ?? this.buffer.subarray(0, length);
  }

  /** Keeps PREFETCH_SLICES slices being read, up to the end of the blob. */
  private readAhead(): void {
    while (this.prefetched.length < PREFETCH_SLICES && this.requested < this.blob.size) {
      const chunk = this.readSlice(SLICE_BYTES);
      chunk.catch(() => undefined); // observed by the read that takes it
      this.prefetched.push(chunk);
    }
  }

  /** The next `length` bytes of the blob (fewer at its end), in a buffer of their own. */
  private async readSlice(length: number): Promise<Bytes> {
    const start = this.requested;
    const fetch = Math.min(Math.max(length, SLICE_BYTES), this.blob.size - start);
    this.requested += fetch;
    const bytes = new Uint8Array(await this.blob.slice(start, start + fetch).arrayBuffer());
    if (bytes.length !== fetch) {
      throw new KmsError(
        'KMSInternalException',
        'The input file changed while it was being read (it is shorter than it was). Nothing was written.',
      );
    }
    return bytes;
  }
}
