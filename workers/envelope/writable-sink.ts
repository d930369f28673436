/**
 * A ByteSink that writes straight to a file the caller chose — a FileSystemFileHandle from
 * `showSaveFilePicker`, or any other handle with the same interface (an OPFS file, in the tests) —
 * through `createWritable()` (File System spec, FileSystemWritableFileStream). Unlike OpfsSink it
 * needs no sync access handle, so it works in the core worker and on the page thread alike.
 *
 * Why it keeps the ByteSink contract (nothing visible until `close`, `abort` discards): a writable
 * stream writes to a swap file (Chromium: `<name>.crswap` beside a picked file) and replaces the
 * target with it only when `close()` resolves; `abort()` — every failure and cancel calls it —
 * throws the swap file away. So the chosen file keeps whatever it held before — its old bytes, or
 * nothing — until the last frame has been authenticated and decrypt-message.ts closes the sink.
 * Note that `showSaveFilePicker` itself (spec step "set entry's binary data to an empty byte
 * sequence", Chromium) empties a file the person chose to replace as soon as the picker returns:
 * what this sink guarantees is that no byte of ours appears there unless the whole message was
 * good.
 *
 * Quota: the swap file of a file outside the Origin Private File System is not counted against
 * the origin's quota (Chromium); that of an OPFS file is.
 */
import { concatBytes, type Bytes } from '../crypto/bytes.ts';
import { validationError } from '../errors.ts';
import type { ByteSink } from './byte-sink.ts';

/**
 * Small writes (a frame header is 20 bytes) are gathered up to this many bytes before one write
 * reaches the stream: every `write()` is a round trip to the browser's file service.
 */
const GATHER_BYTES = 4 * 1024 * 1024;

/** The request's Output: a FileSystemFileHandle, or a ValidationException naming `parameter`. */
export function checkOutputHandle(parameter: string, value: unknown): FileSystemFileHandle {
  if (
    typeof FileSystemFileHandle === 'undefined' ||
    !(value instanceof FileSystemFileHandle) ||
    typeof value.createWritable !== 'function'
  ) {
    throw validationError(parameter, undefined, 'Member must be a FileSystemFileHandle');
  }
  return value;
}

export class WritableSink implements ByteSink<File> {
  private state: 'open' | 'closed' | 'aborted' = 'open';
  private gathered: Bytes[] = [];
  private gatheredLength = 0;

  private constructor(
    private readonly handle: FileSystemFileHandle,
    private readonly writable: FileSystemWritableFileStream,
  ) {}

  /**
   * Opens `handle` for writing, its existing content not kept (the swap file starts empty). A
   * refusal — no write permission in this context (NotAllowedError), a file another writer holds
   * (NoModificationAllowedError), a file gone (NotFoundError) — is a ValidationException naming
   * `parameter`: the caller chose the file.
   */
  static async open(parameter: string, handle: FileSystemFileHandle): Promise<WritableSink> {
    let writable: FileSystemWritableFileStream;
    try {
      writable = await handle.createWritable({ keepExistingData: false });
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      throw validationError(
        parameter,
        undefined,
        `Member must be a file this page may write (the browser refused to open it: ${name})`,
      );
    }
    return new WritableSink(handle, writable);
  }

  async write(bytes: Bytes): Promise<void> {
    if (this.state !== 'open') throw new Error(`write to a ${this.state} writable sink`);
    this.gathered.push(bytes);
    this.gatheredLength += bytes.length;
    if (this.gatheredLength >= GATHER_BYTES) await this.writeGathered();
  }

  private async writeGathered(): Promise<void> {
    if (this.gatheredLength === 0) return;
    const chunk = this.gathered.length === 1 ? this.gathered[0]! : concatBytes(this.gathered);
    this.gathered = [];
    this.gatheredLength = 0;
    await this.writable.write(chunk);
  }

  /** Writes what is gathered and commits: only now does the chosen file change. */
  async close(): Promise<File> {
    if (this.state !== 'open') throw new Error(`close of a ${this.state} writable sink`);
    await this.writeGathered();
    await this.writable.close();
    this.state = 'closed';
    return this.handle.getFile();
  }

  async abort(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'aborted';
    this.gathered = [];
    this.gatheredLength = 0;
    // After a failed write or close the stream is errored and abort() rejects: the swap file
    // is discarded either way.
    await this.writable.abort().catch(() => undefined);
  }
}
