/**
 * Reads a Blob front to back — never whole — handing out exactly the lengths asked for, from
 * one reused buffer: a BYOB reader on `Blob.stream()` fills it (`read(view, { min })`), so reading
 * a file allocates no memory per read. Each fill asks for at least what the read needs and takes
 * whatever more the stream has at hand, up to the buffer's end (1 MiB): the reads that follow are
 * served from the buffer, so a file read in 32 KiB frames costs the stream a read per chunk it
 * hands over, not one per frame.
 *
 * Why reuse, measured (issue 14 §2; `npm run bench -- --only files`, per-thread CPU from /proc):
 * the core worker's one thread is what limits encryptFile, busy 0.9–0.97 of the time, and most of
 * that time was the kernel's — first-touch page faults on fresh memory, about 2 µs a page on the
 * machine measured. Slices read with `Blob.slice(...).arrayBuffer()` are new buffers each time (a
 * GiB of them is 266,000 faults), and AES-GCM's results as many again. Reading into one reused
 * buffer halved the faults and took the bare arrangement (reader, AES-GCM, OPFS writes) from
 * 381–467 MiB/s to 618–735 on 1 GiB. The stream is held while it is read (streamsBeingRead).
 *
 * The bytes a read returns are a view of the reader's buffer, valid until the next read: a later
 * read may move the unread bytes to the buffer's front and hand the buffer to the stream (which
 * detaches it — a view kept too long reads as empty, it never shows other bytes). Use them, or
 * copy them, before reading again. AES-GCM copies its input when called, so a frame may be read,
 * handed to it, and the next frame read at once.
 *
 * Where `Blob.stream()` is not a byte stream (no BYOB reader), its chunks are copied into the same
 * buffer instead (nothing is detached there: a view kept too long may show later bytes). A Blob
 * that ends before its size (a File that shrank on disk since it was chosen) is refused by name.
 */
import type { Bytes } from '../crypto/bytes.ts';
import { KmsError } from '../errors.ts';

/** The buffer's first size; a longer read grows it to twice its own length. */
const FIRST_BUFFER_BYTES = 1024 * 1024;

/**
 * Fills a view from the stream: at least `min` bytes of it, or less at the stream's end (`done`);
 * more if the stream has them at hand.
 */
type Fill = (
  view: Uint8Array<ArrayBuffer>,
  min: number,
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
  /** The buffer's bytes read from the stream and not yet handed out: [start, end). */
  private start = 0;
  private end = 0;
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
      this.fill = async (view, min) => {
        const { value, done } = await reader.read(view, { min });
        // No value only when the stream was cancelled: the buffer went with it.
        return { filled: value ?? new Uint8Array(0), done };
      };
    } else {
      const reader = stream.getReader();
      this.reader = reader;
      let rest: Uint8Array = new Uint8Array(0);
      this.fill = async (view, min) => {
        let at = 0;
        while (at < min) {
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
        return { filled: view.subarray(0, at), done: false };
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
    if (this.end - this.start < length) await this.fillAtLeast(length);
    const bytes = new Uint8Array(this.buffer, this.start, length);
    this.start += length;
    this.offset += length;
    return bytes;
  }

  /**
   * Moves the unread bytes to the buffer's front (growing it if `length` would not fit) and reads
   * from the stream until at least `length` are held — as many more as the stream hands over.
   */
  private async fillAtLeast(length: number): Promise<void> {
    const held = this.end - this.start;
    if (this.buffer.byteLength < length) {
      const grown = new Uint8Array(Math.max(2 * length, FIRST_BUFFER_BYTES));
      grown.set(new Uint8Array(this.buffer, this.start, held));
      this.buffer = grown.buffer;
    } else if (this.start > 0) {
      new Uint8Array(this.buffer).copyWithin(0, this.start, this.end);
    }
    this.start = 0;
    this.end = held;
    while (this.end < length) {
      const { filled, done } = await this.fill(
        new Uint8Array(this.buffer, this.end),
        length - this.end,
      );
      this.buffer = filled.buffer;
      this.end += filled.length;
      if (done && this.end < length) {
        throw new KmsError(
          'KMSInternalException',
          'The input file changed while it was being read (it is shorter than it was). Nothing was written.',
        );
      }
    }
  }

  /** Stops reading and lets the stream go. Call it when done, whatever happened; safe twice. */
  async close(): Promise<void> {
    streamsBeingRead.delete(this.stream);
    await this.reader.cancel().catch(() => undefined);
  }
}
