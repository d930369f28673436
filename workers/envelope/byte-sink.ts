/**
 * Where the envelope writes its output. The caller chooses: a file in the Origin Private File
 * System (opfs-sink.ts), memory (below), or anything else with these three methods.
 *
 * Contract (decrypt-message.ts relies on it for "no unauthenticated byte is ever visible"):
 * nothing written is visible to anyone until `close` resolves with the result; `abort`
 * discards everything written so far.
 */
import { concatBytes, type Bytes } from '../crypto/bytes.ts';

export interface ByteSink<Result> {
  /**
   * True when `write` is done with the bytes once it settles (it copied them to a file, say): the
   * writer may then reuse or free them. Otherwise the sink may keep a reference to them, and the
   * writer never reuses a buffer it has written.
   */
  readonly copiesOnWrite?: boolean;
  /**
   * Appends `bytes`. Rejects if the bytes cannot be stored (quota exceeded, say).
   */
  write(bytes: Bytes): void | Promise<void>;
  /** Everything has been written: finish and hand over the result. Called at most once. */
  close(): Promise<Result>;
  /** Discards everything written. Safe to call more than once and after a failed write; never rejects. */
  abort(): Promise<void>;
}

/** Keeps the bytes in memory; closes to one Uint8Array. For small outputs and tests. */
export class MemorySink implements ByteSink<Bytes> {
  state: 'open' | 'closed' | 'aborted' = 'open';
  private chunks: Bytes[] = [];
  private length = 0;

  /** Bytes written and not discarded. */
  get bytesHeld(): number {
    return this.length;
  }

  write(bytes: Bytes): void {
    if (this.state !== 'open') throw new Error(`write to a ${this.state} sink`);
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  async close(): Promise<Bytes> {
    if (this.state !== 'open') throw new Error(`close of a ${this.state} sink`);
    this.state = 'closed';
    const out = concatBytes(this.chunks);
    this.chunks = [];
    return out;
  }

  async abort(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'aborted';
    this.chunks = [];
    this.length = 0;
  }
}

/**
 * Keeps the bytes as Blob parts and closes to a File. Where OPFS sync access handles are missing
 * (the main thread, where the browser tests open a vault), this is the fallback; the browser may
 * page large Blobs to disk but nothing guarantees it.
 */
export class FileSink implements ByteSink<File> {
  private parts: Bytes[] = [];

  constructor(
    private readonly name: string,
    private readonly type = 'application/octet-stream',
  ) {}

  write(bytes: Bytes): void {
    this.parts.push(bytes);
  }

  async close(): Promise<File> {
    const file = new File(this.parts, this.name, { type: this.type });
    this.parts = [];
    return file;
  }

  async abort(): Promise<void> {
    this.parts = [];
  }
}
