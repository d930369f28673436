/**
 * Gathers a message's many small writes (a frame header, a 32 KiB frame) into chunks of
 * GATHER_BYTES before they reach the sink it wraps.
 *
 * Each write to an OPFS sync access handle costs the browser a round trip of its own, whatever its
 * size: a GiB in 32 KiB writes ran at 510 MiB/s and kept two of the browser's threads busy for a
 * second, in 512 KiB writes at 3386 MiB/s with neither (docs/ARCHITECTURE.md "File outputs"). So
 * the writes are copied into one buffer and handed over a chunk at a time. The buffer is reused
 * for the next chunk where the sink is done with the bytes when its write settles
 * (`copiesOnWrite`); where it keeps them (memory, Blob parts) each chunk is a buffer of its own.
 *
 * Either way a write's bytes are copied (or written, by a sink that copies) before the write
 * settles, so this sink `copiesOnWrite`: the writer may then reuse or free them.
 */
import type { Bytes } from '../crypto/bytes.ts';
import type { ByteSink } from './byte-sink.ts';

export const GATHER_BYTES = 1024 * 1024;

export class GatheringSink<Result> implements ByteSink<Result> {
  readonly copiesOnWrite = true;
  private buffer: Uint8Array<ArrayBuffer>;
  private length = 0;

  constructor(
    private readonly sink: ByteSink<Result>,
    private readonly chunkBytes = GATHER_BYTES,
  ) {
    this.buffer = new Uint8Array(chunkBytes);
  }

  async write(bytes: Bytes): Promise<void> {
    // A write of a chunk or more, with nothing gathered, goes straight through where it may.
    if (this.length === 0 && bytes.length >= this.chunkBytes && this.sink.copiesOnWrite) {
      await this.sink.write(bytes);
      return;
    }
    for (let at = 0; at < bytes.length;) {
      const take = Math.min(bytes.length - at, this.chunkBytes - this.length);
      this.buffer.set(bytes.subarray(at, at + take), this.length);
      this.length += take;
      at += take;
      if (this.length === this.chunkBytes) await this.flush();
    }
  }

  async close(): Promise<Result> {
    await this.flush();
    return this.sink.close();
  }

  abort(): Promise<void> {
    this.length = 0;
    return this.sink.abort();
  }

  private async flush(): Promise<void> {
    if (this.length === 0) return;
    const chunk = this.buffer.subarray(0, this.length);
    this.length = 0;
    if (!this.sink.copiesOnWrite) this.buffer = new Uint8Array(this.chunkBytes);
    await this.sink.write(chunk);
  }
}
