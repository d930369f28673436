/**
 * A ByteSink that writes a file in the Origin Private File System through a synchronous access
 * handle — available only in dedicated workers (File System spec, createSyncAccessHandle), which
 * is where the core runs. Measured in Chromium (../shared/TOOLCHAIN.md): writes land in the page
 * cache and a flush costs the disk's real speed, so the sink flushes once, at close.
 *
 * Each sink owns a fresh directory `pocket-kms-output/<random id>/` holding one file with the
 * name the caller asked for, so two jobs never collide and the returned File has that name.
 * Closing returns the disk-backed File (`getFile()`): reading it costs no memory. Aborting
 * closes the handle and removes the directory with the partial file.
 *
 * The returned File stays readable until its directory is removed: the owner of the output
 * (the UI, once the user has saved it) calls `removeOpfsOutput`, or `clearOpfsOutputs` at start.
 */
import type { Bytes } from '../crypto/aes-gcm.ts';
import { randomUuid } from '../crypto/random.ts';
import { FileSink, type ByteSink } from './byte-sink.ts';

export const OUTPUT_DIRECTORY = 'pocket-kms-output';

/** The part of FileSystemSyncAccessHandle we use; declared here so DOM-lib code type-checks too. */
interface SyncAccessHandle {
  write(buffer: Bytes, options?: { at?: number }): number;
  flush(): void;
  close(): void;
}
type SyncFileHandle = FileSystemFileHandle & {
  createSyncAccessHandle(): Promise<SyncAccessHandle>;
};

/** Whether this context can open sync access handles (a dedicated worker with OPFS). */
export function opfsSyncAccessAvailable(): boolean {
  return (
    typeof navigator !== 'undefined' &&
    typeof navigator.storage?.getDirectory === 'function' &&
    typeof FileSystemFileHandle !== 'undefined' &&
    'createSyncAccessHandle' in FileSystemFileHandle.prototype
  );
}

async function outputRoot(): Promise<FileSystemDirectoryHandle> {
  const root = await navigator.storage.getDirectory();
  return root.getDirectoryHandle(OUTPUT_DIRECTORY, { create: true });
}

export class OpfsSink implements ByteSink<File> {
  private position = 0;
  private state: 'open' | 'closed' | 'aborted' = 'open';

  private constructor(
    private readonly parent: FileSystemDirectoryHandle,
    /** The job directory's name inside OUTPUT_DIRECTORY. */
    readonly directoryName: string,
    private readonly fileHandle: SyncFileHandle,
    private readonly handle: SyncAccessHandle,
  ) {}

  /** Creates `pocket-kms-output/<random id>/<fileName>` and opens it for writing. */
  static async create(fileName: string): Promise<OpfsSink> {
    const parent = await outputRoot();
    const directoryName = randomUuid();
    const directory = await parent.getDirectoryHandle(directoryName, { create: true });
    try {
      const fileHandle = (await directory.getFileHandle(fileName, {
        create: true,
      })) as SyncFileHandle;
      const handle = await fileHandle.createSyncAccessHandle();
      return new OpfsSink(parent, directoryName, fileHandle, handle);
    } catch (error) {
      await parent.removeEntry(directoryName, { recursive: true }).catch(() => undefined);
      throw error;
    }
  }

  /** Bytes written so far. */
  get size(): number {
    return this.position;
  }

  write(bytes: Bytes): void {
    if (this.state !== 'open') throw new Error(`write to a ${this.state} OPFS sink`);
    const written = this.handle.write(bytes, { at: this.position });
    // A short write means the disk or the quota is full; the caller aborts, which cleans up.
    if (written !== bytes.length)
      throw new DOMException('The output file could not be written in full.', 'QuotaExceededError');
    this.position += written;
  }

  async close(): Promise<File> {
    if (this.state !== 'open') throw new Error(`close of a ${this.state} OPFS sink`);
    this.handle.flush();
    this.handle.close();
    this.state = 'closed';
    return this.fileHandle.getFile();
  }

  async abort(): Promise<void> {
    if (this.state === 'aborted') return;
    if (this.state === 'open') {
      try {
        this.handle.close();
      } catch {
        // Already closed by a failed close(): removal below is what matters.
      }
    }
    this.state = 'aborted';
    await this.parent.removeEntry(this.directoryName, { recursive: true }).catch(() => undefined);
  }
}

/** Removes one output once its owner is done with it (the File then stops being readable). */
export async function removeOpfsOutput(directoryName: string): Promise<void> {
  const parent = await outputRoot();
  await parent.removeEntry(directoryName, { recursive: true }).catch(() => undefined);
}

/** Removes every output directory, e.g. leftovers of an earlier session. */
export async function clearOpfsOutputs(): Promise<void> {
  const root = await navigator.storage.getDirectory();
  await root.removeEntry(OUTPUT_DIRECTORY, { recursive: true }).catch(() => undefined);
}

/**
 * Where a file operation's output goes: OPFS when this context has sync access handles (the core
 * worker), else Blob parts in memory (the page thread, where browser tests open a vault).
 */
export async function createOutputSink(fileName: string): Promise<ByteSink<File>> {
  return opfsSyncAccessAvailable() ? OpfsSink.create(fileName) : new FileSink(fileName);
}
