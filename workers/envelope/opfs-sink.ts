/**
 * A ByteSink that writes a file in the Origin Private File System through a synchronous access
 * handle — available only in dedicated workers (File System spec, createSyncAccessHandle), which
 * is where the core runs. Measured in a Chromium worker (bench/files.mjs): setting the expected
 * size up front (`truncate`) makes the writes that follow much faster — a write that grows the
 * file asks the browser for quota first, one inside it does not — and `flush` (fsync) costs
 * the disk's real speed. The sink never flushes: its file is a working copy that lives only while
 * the tab is open (a crash loses the tab and its outputs together, and the next start sweeps
 * them); the durable copy is the one the user saves. Writes are visible to `getFile` without it.
 *
 * Ownership: every worker (one per tab) writes under its own directory
 * `pocket-kms-output/<owner id>/` and holds the Web Lock `pocket-kms-output:<owner id>` for its
 * whole life; the browser releases the lock when the worker ends (tab closed, reloaded, crashed).
 * Each job gets `<owner id>/<output id>/<file name>`, so two jobs never collide and the returned
 * File has the name the caller asked for.
 *
 * Closing writes a completion marker beside the file and returns the disk-backed File
 * (`getFile()`): reading it costs no memory. Aborting closes the handle and removes the job
 * directory with the partial file. A finished output stays until someone discards it
 * (`discardOutput`), even after its tab has closed: a later visit lists it (`listOutputs`) so the
 * person can still save or remove it. `sweepAbandonedOutputs` removes only what an ended tab left
 * unfinished (a job directory without its marker: a crash mid-way, whose partial file — perhaps
 * unauthenticated plaintext — must never be offered) and never touches a tab that is still open.
 */
import type { Bytes } from '../crypto/bytes.ts';
import { randomUuid } from '../crypto/random.ts';
import { FileSink, type ByteSink } from './byte-sink.ts';

export const OUTPUT_DIRECTORY = 'pocket-kms-output';
/** The sandbox vault's outputs (issue 13 §1): a folder of their own, never the person's. */
export const SANDBOX_OUTPUT_DIRECTORY = 'pocket-kms-sandbox-output';
/** This context's output folder: OUTPUT_DIRECTORY, or the sandbox core's (useOutputDirectory). */
let outputDirectory = OUTPUT_DIRECTORY;
/** Written beside an output's file once it is complete: `{ "created": "<ISO date>" }`. */
const COMPLETE_MARKER = '.complete';

/** A sink whose result can later be discarded by its id (the job directory's name). */
export type OutputSink = ByteSink<File> & { readonly outputId: string };

/** The part of FileSystemSyncAccessHandle we use; declared here so DOM-lib code type-checks too. */
interface SyncAccessHandle {
  write(buffer: Bytes, options?: { at?: number }): number;
  truncate(size: number): void;
  close(): void;
}
type SyncFileHandle = FileSystemFileHandle & {
  createSyncAccessHandle(): Promise<SyncAccessHandle>;
};
/** Directory listing; Chromium has it, the TypeScript DOM lib does not declare it yet. */
type ListableDirectory = FileSystemDirectoryHandle & { keys(): AsyncIterable<string> };

/** Whether this context can open sync access handles (a dedicated worker with OPFS). */
export function opfsSyncAccessAvailable(): boolean {
  return (
    typeof navigator !== 'undefined' &&
    typeof navigator.storage?.getDirectory === 'function' &&
    typeof FileSystemFileHandle !== 'undefined' &&
    'createSyncAccessHandle' in FileSystemFileHandle.prototype
  );
}

/** Chooses this context's output folder; called once, when a core starts, before any output. */
export function useOutputDirectory(name: string): void {
  outputDirectory = name;
}

async function outputRoot(): Promise<FileSystemDirectoryHandle> {
  const root = await navigator.storage.getDirectory();
  return root.getDirectoryHandle(outputDirectory, { create: true });
}

function ownerLockName(ownerId: string): string {
  return `${outputDirectory}:${ownerId}`;
}

/** Ends this context's ownership: its lock is released, and the next output claims anew. */
let releaseOwnership: (() => void) | undefined;

/**
 * Removes this context's whole output folder, every owner's outputs in it (the sandbox starting
 * over): this context's ownership ends first, so the next output claims a new directory.
 */
export async function removeOutputDirectory(): Promise<void> {
  releaseOwnership?.();
  releaseOwnership = undefined;
  ownership = undefined;
  const root = await navigator.storage.getDirectory();
  await root.removeEntry(outputDirectory, { recursive: true }).catch((error: unknown) => {
    if (!(error instanceof DOMException && error.name === 'NotFoundError')) throw error;
  });
}

export interface OutputOwnership {
  /** This context's directory name inside OUTPUT_DIRECTORY. */
  ownerId: string;
  directory: FileSystemDirectoryHandle;
}

let ownership: Promise<OutputOwnership> | undefined;

/**
 * This context's own output directory, claimed on first use. The lock is taken *before* the
 * directory exists, so a sweep that lists a directory and then finds its lock free knows that
 * its owner has ended (sweepAbandonedOutputs relies on that order).
 */
export function ownOutputs(): Promise<OutputOwnership> {
  ownership ??= claimOwnership().catch((error: unknown) => {
    ownership = undefined;
    throw error;
  });
  return ownership;
}

async function claimOwnership(): Promise<OutputOwnership> {
  const ownerId = randomUuid();
  await new Promise<void>((granted, refused) => {
    // The callback's promise settles only at removeOutputDirectory: the lock is held until this
    // context ends.
    navigator.locks
      .request(ownerLockName(ownerId), () => {
        granted();
        return new Promise<void>((release) => {
          releaseOwnership = release;
        });
      })
      .catch(refused);
  });
  const root = await outputRoot();
  return { ownerId, directory: await root.getDirectoryHandle(ownerId, { create: true }) };
}

/** The names of a directory's entries. */
export async function namesIn(directory: FileSystemDirectoryHandle): Promise<string[]> {
  const names: string[] = [];
  for await (const name of (directory as ListableDirectory).keys()) names.push(name);
  return names;
}

/**
 * Every output directory, whether it is this context's own, and whether its owner is still
 * alive (holds its lock). Directories are listed before the locks are queried: a directory that
 * appears in the listing already had its lock (claimOwnership), so a live owner is never missed.
 */
async function owners(): Promise<{ ownerId: string; own: boolean; live: boolean }[]> {
  const own = await ownOutputs();
  const names = await namesIn(await outputRoot());
  const { held = [] } = await navigator.locks.query();
  const locked = new Set(held.map((lock) => lock.name));
  return names.map((ownerId) => ({
    ownerId,
    own: ownerId === own.ownerId,
    live: locked.has(ownerLockName(ownerId)),
  }));
}

/** The output directories of contexts that have ended, and this context's own. */
async function reachableOwners(): Promise<{ ownerId: string; own: boolean }[]> {
  return (await owners()).filter((owner) => owner.own || !owner.live);
}

/**
 * Removes what contexts that have ended left unfinished — job directories without the
 * completion marker — and their owner directories once empty. Returns the removed job ids.
 */
export async function sweepAbandonedOutputs(): Promise<string[]> {
  const root = await outputRoot();
  const removed: string[] = [];
  for (const { ownerId, own } of await reachableOwners()) {
    if (own) continue;
    const owner = await root.getDirectoryHandle(ownerId);
    let kept = 0;
    for (const outputId of await namesIn(owner)) {
      const job = await owner.getDirectoryHandle(outputId).catch(() => undefined);
      if (job && (await namesIn(job)).includes(COMPLETE_MARKER)) {
        kept++;
        continue;
      }
      await owner.removeEntry(outputId, { recursive: true }).then(
        () => removed.push(outputId),
        // Still in use after all (a handle open): it is tried again at the next start.
        () => kept++,
      );
    }
    if (kept === 0) await root.removeEntry(ownerId, { recursive: true }).catch(() => undefined);
  }
  return removed;
}

/**
 * Calls `onEnded` each time another context whose outputs exist here ends (its owner lock is
 * released): a tab closed or reloaded, whose finished outputs listOutputs now offers. A reloaded
 * tab's worker can still hold its lock for a moment after the new one starts, so a list made at
 * start-up may miss its outputs; this says when to list again. Requests for live owners' locks
 * simply wait; each is granted, and at once released, when that owner ends.
 */
export async function watchEndedOwners(onEnded: () => void): Promise<void> {
  for (const { ownerId, own, live } of await owners()) {
    if (own || !live) continue;
    navigator.locks
      .request(ownerLockName(ownerId), () => {
        onEnded();
      })
      .catch(() => undefined);
  }
}

/** A finished output this context may read and discard. */
export interface StoredOutput {
  outputId: string;
  file: File;
  created: Date;
  /** Made by a tab that has since closed (an earlier visit), not by this one. */
  earlier: boolean;
}

/** The finished outputs of this context and of ended ones, oldest first. */
export async function listOutputs(): Promise<StoredOutput[]> {
  if (!opfsSyncAccessAvailable()) return [];
  const root = await outputRoot();
  const outputs: StoredOutput[] = [];
  for (const { ownerId, own } of await reachableOwners()) {
    // Another worker's start-up sweep or a discard may remove what this walk is reading: an
    // owner or a job that is gone midway is simply not listed.
    const found = await ownerOutputs(root, ownerId).catch((error: unknown) => {
      if (error instanceof DOMException && error.name === 'NotFoundError') return [];
      throw error;
    });
    for (const output of found) outputs.push({ ...output, earlier: !own });
  }
  return outputs.sort((a, b) => a.created.getTime() - b.created.getTime());
}

/** The finished outputs in one owner's directory; skips a job removed while it is read. */
async function ownerOutputs(
  root: FileSystemDirectoryHandle,
  ownerId: string,
): Promise<Omit<StoredOutput, 'earlier'>[]> {
  const owner = await root.getDirectoryHandle(ownerId);
  const outputs: Omit<StoredOutput, 'earlier'>[] = [];
  for (const outputId of await namesIn(owner)) {
    try {
      const job = await owner.getDirectoryHandle(outputId);
      const names = await namesIn(job);
      const fileName = names.find((name) => name !== COMPLETE_MARKER);
      if (!names.includes(COMPLETE_MARKER) || fileName === undefined) continue;
      const marker = await (await job.getFileHandle(COMPLETE_MARKER)).getFile();
      const created = new Date((JSON.parse(await marker.text()) as { created: string }).created);
      const file = await (await job.getFileHandle(fileName)).getFile();
      outputs.push({ outputId, file, created });
    } catch (error) {
      if (!(error instanceof DOMException && error.name === 'NotFoundError')) throw error;
    }
  }
  return outputs;
}

export class OpfsSink implements ByteSink<File> {
  /** A sync access handle's write copies the bytes into the file before it returns. */
  readonly copiesOnWrite = true;
  private position = 0;
  private state: 'open' | 'closed' | 'aborted' = 'open';

  private constructor(
    private readonly parent: FileSystemDirectoryHandle,
    /** The job directory's name inside this context's own output directory. */
    readonly outputId: string,
    private readonly fileHandle: SyncFileHandle,
    private readonly handle: SyncAccessHandle,
    /** The size set at creation; closing trims what was not written. */
    private readonly expectedSize: number,
  ) {}

  /**
   * Creates `pocket-kms-output/<owner id>/<output id>/<fileName>`, opens it for writing and
   * sets its size to `expectedSize` (an estimate: writing past it grows the file, closing trims
   * what was not used). The file stays sparse until written, so a full disk or quota still
   * shows as a short write (QuotaExceededError, in write).
   */
  static async create(fileName: string, expectedSize = 0): Promise<OpfsSink> {
    const parent = (await ownOutputs()).directory;
    const outputId = randomUuid();
    const directory = await parent.getDirectoryHandle(outputId, { create: true });
    try {
      const fileHandle = (await directory.getFileHandle(fileName, {
        create: true,
      })) as SyncFileHandle;
      const handle = await fileHandle.createSyncAccessHandle();
      try {
        if (expectedSize > 0) handle.truncate(expectedSize);
      } catch (error) {
        handle.close();
        throw error;
      }
      return new OpfsSink(parent, outputId, fileHandle, handle, expectedSize);
    } catch (error) {
      await parent.removeEntry(outputId, { recursive: true }).catch(() => undefined);
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
    if (this.expectedSize > this.position) this.handle.truncate(this.position);
    this.handle.close();
    this.state = 'closed';
    // The marker says the output is whole: only marked outputs outlive their tab.
    const job = await this.parent.getDirectoryHandle(this.outputId);
    const marker = await (
      await job.getFileHandle(COMPLETE_MARKER, { create: true })
    ).createWritable();
    await marker.write(JSON.stringify({ created: new Date().toISOString() }));
    await marker.close();
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
    await this.parent.removeEntry(this.outputId, { recursive: true }).catch(() => undefined);
  }
}

/** Ids of finished outputs held in memory (FileSink fallback), so they can be discarded by id. */
const memoryOutputs = new Set<string>();

/** The in-memory fallback with an id, registered once it has produced its File. */
class MemoryOutputSink extends FileSink {
  readonly outputId = randomUuid();

  override async close(): Promise<File> {
    const file = await super.close();
    memoryOutputs.add(this.outputId);
    return file;
  }
}

/**
 * Removes one finished output of this context or of an ended one (the File then stops being
 * readable; for an in-memory output, the id is forgotten and the File is freed once nothing
 * refers to it). Resolves false when there is no such output: discarded already, never made, or
 * made by another tab that is still open — whose outputs are never touched.
 */
export async function discardOutput(outputId: string): Promise<boolean> {
  if (memoryOutputs.delete(outputId)) return true;
  if (!opfsSyncAccessAvailable()) return false;
  const root = await outputRoot();
  for (const { ownerId } of await reachableOwners()) {
    const owner = await root.getDirectoryHandle(ownerId).catch(() => undefined);
    // An owner directory removed meanwhile (another worker's sweep) holds nothing to discard.
    const names = owner ? await namesIn(owner).catch(() => []) : [];
    if (!owner || !names.includes(outputId)) continue;
    await owner.removeEntry(outputId, { recursive: true });
    return true;
  }
  return false;
}

/**
 * Where a file operation's output goes: OPFS when this context has sync access handles (the core
 * worker), else Blob parts in memory (the page thread, where browser tests open a vault).
 * `expectedSize` becomes the file's size up front (OpfsSink.create).
 */
export async function createOutputSink(fileName: string, expectedSize = 0): Promise<OutputSink> {
  return opfsSyncAccessAvailable()
    ? OpfsSink.create(fileName, expectedSize)
    : new MemoryOutputSink(fileName);
}

/**
 * One scratch file of a staged picked output (writable-sink.ts): written through a sync access
 * handle, then handed over whole as a disk-backed Blob.
 */
export class ScratchFile {
  private access: SyncAccessHandle | undefined;

  constructor(private readonly handle: SyncFileHandle) {}

  /** Opens the file for writing again; its earlier bytes are overwritten from offset 0. */
  async open(): Promise<void> {
    this.access ??= await this.handle.createSyncAccessHandle();
  }

  /** Writes `bytes` at `at`, inside the size reserved when the file was made. */
  write(bytes: Bytes, at: number): void {
    if (!this.access) throw new Error('write to a closed scratch file');
    const written = this.access.write(bytes, { at });
    if (written !== bytes.length)
      throw new DOMException(
        'The scratch file could not be written in full.',
        'QuotaExceededError',
      );
  }

  /**
   * Closes the file and returns its first `length` bytes as a disk-backed Blob, valid until the
   * file is opened again.
   */
  async contents(length: number): Promise<Blob> {
    this.close();
    return (await this.handle.getFile()).slice(0, length);
  }

  close(): void {
    this.access?.close();
    this.access = undefined;
  }
}

export interface ScratchFiles {
  readonly files: ScratchFile[];
  /** Closes and removes every scratch file. Never rejects. */
  remove(): Promise<void>;
}

/**
 * `count` scratch files of `size` bytes each, the size reserved up front (the writes that follow
 * need no quota), in a job directory of this context's own: it has no completion marker, so it is
 * never listed, and a crash leaves it to sweepAbandonedOutputs. Undefined where there are no sync
 * access handles (the page thread) or the quota refuses the reservation: the caller then writes
 * without staging.
 */
export async function createScratchFiles(
  count: number,
  size: number,
): Promise<ScratchFiles | undefined> {
  if (!opfsSyncAccessAvailable()) return undefined;
  let parent: FileSystemDirectoryHandle | undefined;
  const jobId = randomUuid();
  const files: ScratchFile[] = [];
  const remove = async (): Promise<void> => {
    for (const file of files) {
      try {
        file.close();
      } catch {
        // already closed: removal below is what matters
      }
    }
    await parent?.removeEntry(jobId, { recursive: true }).catch(() => undefined);
  };
  try {
    parent = (await ownOutputs()).directory;
    const directory = await parent.getDirectoryHandle(jobId, { create: true });
    for (let index = 0; index < count; index++) {
      const handle = (await directory.getFileHandle(`stage-${index}`, {
        create: true,
      })) as SyncFileHandle;
      const access = await handle.createSyncAccessHandle();
      try {
        access.truncate(size);
      } finally {
        access.close();
      }
      files.push(new ScratchFile(handle));
    }
    return { files, remove };
  } catch {
    await remove();
    return undefined;
  }
}
