/**
 * GatheringSink (workers/envelope/gathering-sink.ts): small writes reach the sink it wraps in
 * chunks, in order, byte for byte; its one buffer is reused only where the sink is done with the
 * bytes when its write settles (copiesOnWrite), and a sink that keeps them gets a chunk of its
 * own each time; a large write goes straight through; abort discards what was gathered.
 */
import { describe, expect, test } from 'vitest';
import type { ByteSink } from '../../workers/envelope/byte-sink.ts';
import { MemorySink } from '../../workers/envelope/byte-sink.ts';
import { GatheringSink } from '../../workers/envelope/gathering-sink.ts';
import { pseudoRandomBytes } from '../pseudo-random-bytes.ts';

/** Records each write, copying its bytes as a file would, with the buffer it came in. */
class CopyingSink implements ByteSink<Uint8Array[]> {
  readonly copiesOnWrite = true;
  readonly writes: { bytes: Uint8Array; buffer: ArrayBufferLike }[] = [];
  aborted = false;
  write(bytes: Uint8Array): void {
    this.writes.push({ bytes: bytes.slice(), buffer: bytes.buffer });
  }
  async close(): Promise<Uint8Array[]> {
    return this.writes.map(({ bytes }) => bytes);
  }
  async abort(): Promise<void> {
    this.aborted = true;
  }
}

const concat = (parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

describe('GatheringSink', () => {
  test('gathers small writes into chunks, in order, reusing its buffer for a sink that copies', async () => {
    const inner = new CopyingSink();
    const sink = new GatheringSink(inner, 1000);
    const input = pseudoRandomBytes(4321, 5);
    const sizes = [16, 300, 16, 300, 1, 999, 2, 2687];
    let at = 0;
    for (const size of sizes) {
      const bytes = input.slice(at, at + size);
      await sink.write(bytes);
      bytes.fill(0); // the writer may reuse its bytes at once
      at += size;
    }
    expect(at).toBe(input.length);
    const chunks = await sink.close();
    expect(chunks.map((chunk) => chunk.length)).toEqual([1000, 1000, 1000, 1000, 321]);
    expect(concat(chunks)).toEqual(input);
    expect(new Set(inner.writes.map(({ buffer }) => buffer)).size).toBe(1);
  });

  test('a sink that keeps its bytes gets a chunk of its own each time', async () => {
    const inner = new MemorySink();
    const sink = new GatheringSink(inner, 1000);
    const input = pseudoRandomBytes(3500, 6);
    for (let at = 0; at < input.length; at += 700) await sink.write(input.slice(at, at + 700));
    expect(await sink.close()).toEqual(input);
  });

  test('a write of a chunk or more, with nothing gathered, goes straight through to a sink that copies', async () => {
    const inner = new CopyingSink();
    const sink = new GatheringSink(inner, 1000);
    const large = pseudoRandomBytes(2500, 7);
    await sink.write(large);
    await sink.write(large.subarray(0, 10));
    await sink.write(large);
    await sink.close();
    expect(inner.writes[0]!.buffer).toBe(large.buffer);
    expect(inner.writes.map(({ bytes }) => bytes.length)).toEqual([2500, 1000, 1000, 510]);
    expect(concat(inner.writes.map(({ bytes }) => bytes))).toEqual(
      concat([large, large.subarray(0, 10), large]),
    );
  });

  test('abort discards what was gathered and aborts the sink', async () => {
    const inner = new CopyingSink();
    const sink = new GatheringSink(inner, 1000);
    await sink.write(new Uint8Array(999));
    await sink.abort();
    expect(inner.aborted).toBe(true);
    expect(inner.writes).toEqual([]);
  });

  test('a failed write of the sink reaches the writer', async () => {
    const full: ByteSink<void> = {
      copiesOnWrite: true,
      write: () => {
        throw new DOMException(
          'The output file could not be written in full.',
          'QuotaExceededError',
        );
      },
      close: async () => undefined,
      abort: async () => undefined,
    };
    const sink = new GatheringSink(full, 1000);
    await sink.write(new Uint8Array(999));
    await expect(sink.write(new Uint8Array(1))).rejects.toMatchObject({
      name: 'QuotaExceededError',
    });
  });
});
