/**
 * Reads a Blob front to back — never whole — handing out exactly the lengths asked for, each
 * into the same reused buffer: a BYOB reader on `Blob.stream()` fills it (`read(view, { min })`),
 * so reading a file allocates no memory per read.
 *
 * Why reuse, measured (issue 14 §2; `npm run bench -- --only files`, per-thread CPU from /proc):
 * the core worker's one thread is what limits encryptFile, busy 0.9–0.97 of the time, and most of
 * that time was the kernel's — first-touch page faults on fresh memory, about 2 µs a page on the
 * machine measured. Slices read with `Blob.slice(...).arrayBuffer()` are new buffers each time (a
 * GiB of them is 266,000 faults), and AES-GCM's results as many again. Reading into one reused
 * buffer halved the faults and took the bare arrangement (reader, AES-GCM, OPFS writes) from
 * 381–467 MiB/s to 618–735 on 1 GiB. The stream is held while it is read (streamsBeingRead).
 *
 * The bytes a read returns are a view of the reader's buffer, valid until the next read: the
 * next read hands that buffer to the stream (which detaches it — a view kept too long reads as
 * empty, it never shows other bytes). Use them, or copy them, before reading again. AES-GCM copies
 * its input when called, so a frame may be read, handed to it, and the next frame read at once.
 *
 * Where `Blob.stream()` is not a byte stream (no BYOB reader), its chunks are copied into the same
 * buffer instead. A Blob that ends before its size (a File that shrank on disk since it was
 * chosen) is refused by name.
 */
import type { Bytes } from '../crypto/bytes.ts';
import { KmsError } from '../errors.ts';

/** The buffer's first size; a longer read grows it to its own length. */
const FIRST_BUFFER_BYTES = 1024 * 1024;

/** Fills a view from the stream: all of it, or less at the stream's end (`done`). */
type Fill = (
  view: Uint8Array<ArrayBuffer>,
) => Promise<{ filled: Uint8Array<ArrayBuffer>; done: boolean }>;

/**
 * The streams being read, held from here until their reader closes. A Blob's stream that only
 * the read waiting on it refers to can be collected while the read waits, which then never
 * settles — no error, no progress: in Chromium 156, `encryptFile` of a 1 GiB File stalled in
 * its fourth run twice in two tries without this, and never in thirty runs with it (the stalls
 * an earlier note here gave as the reason not to read this way).
 */
const streamsBeingRead = new Set<ReadableStream>();

/**
 * Every YIELD_BYTES read, the reader lets the worker's other tasks run. Reads of bytes the stream
 * already holds settle without leaving the microtask queue, so a loop of reads and AES-GCM calls
 * can run for seconds without one task between — and the cancel of the call, a message on a
 * port, waited until the end (a cancelled encrypt of 256 MiB ran to completion).
 */
const YIELD_BYTES = 8 * 1024 * 1024;

/** Resolves after the tasks already queued in this worker (a message to itself, not a timer). */
function yieldToTasks(): Promise<void> {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      port2.close();
      resolve();
    };
    port2.postMessage(null);
  });
}

export class BlobReader {
  private buffer = new ArrayBuffer(FIRST_BUFFER_BYTES);
  private offset: number;
  /** Bytes read since the reader last let other tasks run. */
  private sinceYield = 0;
  private readonly size: number;
  private readonly fill: Fill;
  private readonly stream: ReadableStream<Uint8Array>;
  private readonly reader: ReadableStreamBYOBReader | ReadableStreamDefaultReader<Uint8Array>;

  constructor(blob: Blob, start = 0) {
    this.size = blob.size;
    this.offset = start;
    const stream = (start > 0 ? blob.slice(start) : blob).stream();
    this.stream = stream;
    streamsBeingRead.add(stream);
    let byob: ReadableStreamBYOBReader | undefined;
    try {
      byob = stream.getReader({ mode: 'byob' });
    } catch {
      // not a byte stream: chunks are copied (below)
    }
    if (byob) {
      const reader = byob;
      this.reader = reader;
      this.fill = async (view) => {
        const { value, done } = await reader.read(view, { min: view.length });
        // No value only when the stream was cancelled: the buffer went with it.
        return { filled: value ?? new Uint8Array(0), done };
      };
    } else {
      const reader = stream.getReader();
      this.reader = reader;
      let rest: Uint8Array = new Uint8Array(0);
      this.fill = async (view) => {
        let at = 0;
        while (at < view.length) {
          if (rest.length === 0) {
            const { value, done } = await reader.read();
            if (done) return { filled: view.subarray(0, at), done: true };
            rest = value;
          }
          const take = Math.min(rest.length, view.length - at);
          view.set(rest.subarray(0, take), at);
          rest = rest.subarray(take);
          at += take;
        }
        return { filled: view, done: false };
      };
    }
  }

  /** Absolute offset of the next unread byte. */
  get position(): number {
    return this.offset;
  }

  get remaining(): number {
    return this.size - this.offset;
  }

  /**
   * Exactly `length` bytes from the position, which then moves past them; or null (position
   * unchanged) when the blob ends first. Not re-entrant: await one read before the next. The
   * bytes are valid until the next read (see above): treat them as read-only.
   */
  async read(length: number): Promise<Bytes | null> {
    if (length > this.remaining) return null;
    if (this.sinceYield >= YIELD_BYTES) {
      this.sinceYield = 0;
      await yieldToTasks();
    }
    this.sinceYield += length;
    if (this.buffer.byteLength < length) this.buffer = new ArrayBuffer(length);
    let filled = 0;
    while (filled < length) {
      const { filled: got, done } = await this.fill(
        new Uint8Array(this.buffer, filled, length - filled),
      );
      this.buffer = got.buffer;
      filled += got.length;
      if (done && filled < length) {
        throw new KmsError(
          'KMSInternalException',
          'The input file changed while it was being read (it is shorter than it was). Nothing was written.',
        );
      }
    }
    this.offset += length;
    return new Uint8Array(this.buffer, 0, length);
  }

  /** Stops reading and lets the stream go. Call it when done, whatever happened; safe twice. */
  async close(): Promise<void> {
    streamsBeingRead.delete(this.stream);
    await this.reader.cancel().catch(() => undefined);
  }
}
