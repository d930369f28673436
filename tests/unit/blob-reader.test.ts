/**
 * BlobReader (workers/envelope/blob-reader.ts): exact lengths from slices read ahead, across
 * slice boundaries, longer than a slice, to the last byte; the end of the blob; a file that
 * shrinks while it is read.
 */
import { describe, expect, test } from 'vitest';
import { BlobReader, PREFETCH_SLICES, SLICE_BYTES } from '../../workers/envelope/blob-reader.ts';
import { pseudoRandomBytes } from './envelope-fixtures.ts';

const SOURCE = pseudoRandomBytes(2 * SLICE_BYTES + 12_345, 7);

/** The bytes at SOURCE[from, from + length)? (toEqual walks megabytes element by element.) */
function isSource(bytes: Uint8Array | null, from: number, length = SOURCE.length - from): boolean {
  return bytes !== null && Buffer.compare(bytes, SOURCE.subarray(from, from + length)) === 0;
}

describe('BlobReader', () => {
  test('hands out exactly the bytes asked for, in order, whatever the lengths', async () => {
    const reader = new BlobReader(new Blob([SOURCE]));
    // Small reads, one straddling the first slice boundary, one longer than a slice, then the rest.
    const lengths = [1, 15, SLICE_BYTES - 100, 200, SLICE_BYTES + 3, 0];
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

  test('bytes handed out stay as they were after later reads', async () => {
    const reader = new BlobReader(new Blob([SOURCE]));
    const step = Math.floor(SLICE_BYTES / 3) + 17; // some reads inside a slice, some across two
    const held = [];
    while (reader.remaining >= step) held.push(await reader.read(step));
    expect(held.length).toBe(Math.floor(SOURCE.length / step));
    held.forEach((bytes, i) => expect(isSource(bytes, i * step, step)).toBe(true));
  });

  test('starts where it is told', async () => {
    const reader = new BlobReader(new Blob([SOURCE]), SLICE_BYTES + 5);
    expect(reader.position).toBe(SLICE_BYTES + 5);
    expect(isSource(await reader.read(10), SLICE_BYTES + 5, 10)).toBe(true);
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

  test('reads ahead no more than PREFETCH_SLICES slices', async () => {
    const oneSlice = new Blob([new Uint8Array(SLICE_BYTES)]);
    const sliced: number[] = [];
    const blob = new (class extends Blob {
      override slice(start?: number, end?: number): Blob {
        sliced.push(start!);
        return super.slice(start, end);
      }
    })(Array.from({ length: 20 }, () => oneSlice)); // parts that are Blobs are referenced, not copied
    const reader = new BlobReader(blob);
    await reader.read(1);
    expect(sliced).toEqual(Array.from({ length: 1 + PREFETCH_SLICES }, (_, i) => i * SLICE_BYTES));
  });

  test('a file that turns out shorter than its size is refused in words (KMSInternalException)', async () => {
    // A File read from disk that shrank after it was chosen: its slices come back short.
    const shrunk = new (class extends Blob {
      override slice(start?: number, end?: number): Blob {
        return super.slice(start, Math.max(start!, end! - 1));
      }
    })([SOURCE]);
    const reader = new BlobReader(shrunk);
    await expect(reader.read(10)).rejects.toMatchObject({
      name: 'KMSInternalException',
      message: expect.stringContaining('changed while it was being read'),
    });
  });
});
