/**
 * A ByteSink that writes straight to a file the caller chose — a FileSystemFileHandle from
 * `showSaveFilePicker`, or any other handle with the same interface (an OPFS file, in the tests) —
 * through `createWritable()` (File System spec, FileSystemWritableFileStream).
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
 * Staging: bytes handed to `write()` cost Chromium a copy into a blob and the browser's writes
 * from it — measured in a worker, a GiB in 4 MiB writes ran at 173–276 MiB/s for 5–8 CPU s,
 * whatever the write size (1 to 64 MiB) — while a disk-backed Blob handed to `write()` is copied
 * file to file: 383–510 MiB/s for about half the CPU. So for an output of STAGE_FROM_BYTES or
 * more, where this context has sync access handles (the core worker), the sink writes into two
 * scratch files of STAGE_BYTES in its own OPFS folder (opfs-sink.ts `createScratchFiles`) and
 * hands each full one to the writable as a Blob while it fills the other. The scratch files are
 * working copies like an OPFS output: a crash leaves them to the next start's sweep, and close and
 * abort remove them.
 *
 * Quota: the swap file of a file outside the Origin Private File System is not counted against
 * the origin's quota (Chromium; tests/e2e/files-picked-quota.spec.ts); that of an OPFS file is.
 * The scratch files need 2 × STAGE_BYTES of it: where the quota refuses them, or there are no sync
 * access handles (the page thread), the sink gathers small writes into 4 MiB ones and hands over
 * the bytes themselves.
 */
import { concatBytes, type Bytes } from '../crypto/bytes.ts';
import { validationError } from '../errors.ts';
import type { ByteSink } from './byte-sink.ts';
import { createScratchFiles, type ScratchFiles } from './opfs-sink.ts';

/**
 * Without staging, small writes (a frame header is 20 bytes) are gathered up to this many bytes
 * before one write reaches the stream: every `write()` is a round trip to the browser's file
 * service.
 */
const GATHER_BYTES = 4 * 1024 * 1024;
/** The size of a scratch file: handed over as one Blob (64 MiB measured fastest of 16, 64, all). */
export const STAGE_BYTES = 64 * 1024 * 1024;
/**
 * Outputs expected smaller than this are not staged: two scratch files made and removed for each
 * would cost more than they save (a folder of many small files goes file by file).
 */
export const STAGE_FROM_BYTES = 16 * 1024 * 1024;

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
  /** With staging: the scratch file being filled (0 or 1), its bytes so far, and the last hand-over. */
  private current = 0;
  private staged = 0;
  private handedOver: Promise<void> = Promise.resolve();

  private constructor(
    private readonly handle: FileSystemFileHandle,
    private readonly writable: FileSystemWritableFileStream,
    private readonly scratch: ScratchFiles | undefined,
  ) {}

  /**
   * Opens `handle` for writing, its existing content not kept (the swap file starts empty). A
   * refusal — no write permission in this context (NotAllowedError), a file another writer holds
   * (NoModificationAllowedError), a file gone (NotFoundError) — is a ValidationException naming
   * `parameter`: the caller chose the file. `expectedSize`: about how many bytes will be written
   * (the input's size); from STAGE_FROM_BYTES on, they are staged.
   */
  static async open(
    parameter: string,
    handle: FileSystemFileHandle,
    expectedSize: number,
  ): Promise<WritableSink> {
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
    const scratch =
      expectedSize >= STAGE_FROM_BYTES ? await createScratchFiles(2, STAGE_BYTES) : undefined;
    try {
      await scratch?.files[0]!.open();
    } catch (error) {
      await scratch?.remove();
      await writable.abort().catch(() => undefined);
      throw error;
    }
    return new WritableSink(handle, writable, scratch);
  }

  /** Staged bytes are copied into a scratch file at once; gathered ones are kept until written. */
  get copiesOnWrite(): boolean {
    return this.scratch !== undefined;
  }

  async write(bytes: Bytes): Promise<void> {
    if (this.state !== 'open') throw new Error(`write to a ${this.state} writable sink`);
    if (this.scratch) return this.stage(this.scratch, bytes);
    this.gathered.push(bytes);
    this.gatheredLength += bytes.length;
    if (this.gatheredLength >= GATHER_BYTES) await this.writeGathered();
  }

  private async stage(scratch: ScratchFiles, bytes: Bytes): Promise<void> {
    for (let offset = 0; offset < bytes.length;) {
      const take = Math.min(bytes.length - offset, STAGE_BYTES - this.staged);
      scratch.files[this.current]!.write(bytes.subarray(offset, offset + take), this.staged);
      this.staged += take;
      offset += take;
      if (this.staged === STAGE_BYTES) await this.handOver(scratch);
    }
  }

  /**
   * Hands the full scratch file to the stream and goes on in the other one — once the stream has
   * taken that one's earlier contents: the stream writes in order, and a scratch file is opened
   * again only when the write it was handed to has finished.
   */
  private async handOver(scratch: ScratchFiles): Promise<void> {
    const earlier = this.handedOver;
    await this.passOn(scratch);
    this.current = 1 - this.current;
    this.staged = 0;
    await earlier;
    await scratch.files[this.current]!.open();
  }

  /** Starts the stream's write of the scratch file being filled, as far as it is filled. */
  private async passOn(scratch: ScratchFiles): Promise<void> {
    const contents = await scratch.files[this.current]!.contents(this.staged);
    this.handedOver = this.writable.write(contents);
    this.handedOver.catch(() => undefined); // observed at the next hand-over or at close
  }

  private async writeGathered(): Promise<void> {
    if (this.gatheredLength === 0) return;
    const chunk = this.gathered.length === 1 ? this.gathered[0]! : concatBytes(this.gathered);
    this.gathered = [];
    this.gatheredLength = 0;
    await this.writable.write(chunk);
  }

  /** Writes what is left and commits: only now does the chosen file change. */
  async close(): Promise<File> {
    if (this.state !== 'open') throw new Error(`close of a ${this.state} writable sink`);
    if (this.scratch) {
      const earlier = this.handedOver;
      if (this.staged > 0) await this.passOn(this.scratch);
      await earlier;
      await this.handedOver;
    } else {
      await this.writeGathered();
    }
    await this.writable.close();
    this.state = 'closed';
    await this.scratch?.remove();
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
    await this.scratch?.remove();
  }
}
