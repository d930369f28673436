/**
 * BlobReader (workers/envelope/blob-reader.ts): exact lengths into one reused buffer, reads
 * longer than the buffer, to the last byte; the end of the blob; the contract that a read's bytes
 * last until the next read; a stream that is not a byte stream; a file that shrinks while it is
 * read, or that the browser can no longer read.
 */
import { describe, expect, test } from 'vitest';
import { BlobReader } from '../../workers/envelope/blob-reader.ts';
import { pseudoRandomBytes } from './envelope-fixtures.ts';

const MIB = 1024 * 1024;
const SOURCE = pseudoRandomBytes(3 * MIB + 12_345, 7);

/** The bytes at SOURCE[from, from + length)? (toEqual walks megabytes element by element.) */
function isSource(bytes: Uint8Array | null, from: number, length = SOURCE.length - from): boolean {
  return bytes !== null && Buffer.compare(bytes, SOURCE.subarray(from, from + length)) === 0;
}

/** A Blob of SOURCE whose stream() is `stream` instead of its own. */
function blobStreaming(stream: () => ReadableStream<Uint8Array>): Blob {
  return new (class extends Blob {
    override stream(): ReadableStream<Uint8Array<ArrayBuffer>> {
      return stream() as ReadableStream<Uint8Array<ArrayBuffer>>;
    }
  })([SOURCE]);
}

/** SOURCE (or `bytes`) as a stream of plain chunks of `chunk` bytes: no BYOB reader. */
function plainStream(chunk: number, bytes = SOURCE, error?: Error): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.length) {
        if (error) controller.error(error);
        else controller.close();
        return;
      }
      controller.enqueue(bytes.slice(at, at + chunk));
      at += chunk;
    },
  });
}

describe('BlobReader', () => {
  test('hands out exactly the bytes asked for, in order, whatever the lengths', async () => {
    const reader = new BlobReader(new Blob([SOURCE]));
    // Small reads, one as long as the first buffer, one longer (the buffer grows), then the rest.
    const lengths = [1, 15, MIB, 200, MIB + 3, 0];
    let at = 0;
    for (const length of lengths) {
      const bytes = await reader.read(length);
      expect(isSource(bytes, at, length)).toBe(true);
      at += length;
      expect(reader.position).toBe(at);
    }
    const rest = await reader.read(reader.remaining);
    expect(isSource(rest, at)).toBe(true);
    expect(reader.remaining).toBe(0);
    await reader.close();
  });

  test("a read's bytes last until the next read; kept longer they read as empty, never as other bytes", async () => {
    const reader = new BlobReader(new Blob([SOURCE]));
    // Small reads come from what the reader read ahead; the longer ones make it read again,
    // moving what it held to the buffer's front and handing the buffer to the stream (detached).
    const kept: { bytes: Uint8Array; from: number }[] = [];
    let at = 0;
    for (const length of [1000, 1000, 300_000, MIB, 7, MIB + 1]) {
      const bytes = (await reader.read(length))!;
      expect(isSource(bytes, at, length)).toBe(true);
      kept.push({ bytes, from: at });
      at += length;
    }
    for (const { bytes, from } of kept) {
      expect(bytes.length === 0 || isSource(bytes, from, bytes.length)).toBe(true);
    }
    expect(kept[0]!.bytes.length).toBe(0);
  });

  test('reads ahead: many small reads take few reads of the stream', async () => {
    let streamReads = 0;
    const reader = new BlobReader(
      blobStreaming(() => {
        const stream = new Blob([SOURCE]).stream();
        const getReader = stream.getReader.bind(stream) as (options: {
          mode: 'byob';
        }) => ReadableStreamBYOBReader;
        Object.assign(stream, {
          getReader: (options: { mode: 'byob' }) => {
            const byob = getReader(options);
            const read = byob.read.bind(byob);
            return Object.assign(byob, {
              read: (...args: Parameters<typeof read>) => {
                streamReads++;
                return read(...args);
              },
            });
          },
        });
        return stream;
      }),
    );
    let at = 0;
    while (reader.remaining >= 32 * 1024) {
      expect(isSource(await reader.read(32 * 1024), at, 32 * 1024)).toBe(true);
      at += 32 * 1024;
    }
    expect(at).toBe(96 * 32 * 1024);
    expect(streamReads).toBeLessThan(96 / 4);
  });

  test('starts where it is told', async () => {
    const reader = new BlobReader(new Blob([SOURCE]), MIB + 5);
    expect(reader.position).toBe(MIB + 5);
    expect(reader.remaining).toBe(SOURCE.length - MIB - 5);
    expect(isSource(await reader.read(10), MIB + 5, 10)).toBe(true);
  });

  test('a read past the end returns null and leaves the position where it was', async () => {
    const reader = new BlobReader(new Blob([SOURCE.subarray(0, 100)]));
    expect(isSource(await reader.read(60), 0, 60)).toBe(true);
    expect(await reader.read(41)).toBeNull();
    expect(reader.position).toBe(60);
    expect(isSource(await reader.read(40), 60, 40)).toBe(true);
    expect(await reader.read(1)).toBeNull();
  });

  test('an empty blob reads nothing', async () => {
    const reader = new BlobReader(new Blob([]));
    expect(reader.remaining).toBe(0);
    expect(await reader.read(0)).toEqual(new Uint8Array(0));
    expect(await reader.read(1)).toBeNull();
  });

  test('reads a stream that is not a byte stream, its chunks copied into the buffer', async () => {
    const reader = new BlobReader(blobStreaming(() => plainStream(100_003)));
    const lengths = [4, 100_000, 3, MIB + 7, 512 * 1024];
    let at = 0;
    for (const length of lengths) {
      expect(isSource(await reader.read(length), at, length)).toBe(true);
      at += length;
    }
    expect(isSource(await reader.read(reader.remaining), at)).toBe(true);
  });

  test('a file that turns out shorter than its size is refused in words (KMSInternalException)', async () => {
    // A File read from disk that shrank after it was chosen: its stream ends early.
    const short = SOURCE.subarray(0, SOURCE.length - 1);
    for (const stream of [() => new Blob([short]).stream(), () => plainStream(65_536, short)]) {
      const reader = new BlobReader(blobStreaming(stream));
      expect(isSource(await reader.read(MIB), 0, MIB)).toBe(true);
      await expect(reader.read(reader.remaining)).rejects.toMatchObject({
        name: 'KMSInternalException',
        message: expect.stringContaining('changed while it was being read'),
      });
    }
  });

  test("a stream's own failure reaches the caller under its name (toKmsError words it)", async () => {
    const gone = new DOMException('The file could not be read.', 'NotReadableError');
    const reader = new BlobReader(
      blobStreaming(() => plainStream(65_536, SOURCE.subarray(0, MIB), gone)),
    );
    await expect(reader.read(2 * MIB)).rejects.toMatchObject({ name: 'NotReadableError' });
    await reader.close();
  });
});
