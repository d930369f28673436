/**
 * A folder's worth of files, encrypted or decrypted into a folder the person picks (issue 14 §3):
 * every file of the chosen or dropped folder, each encrypted — or, when it is an AWS Encryption
 * SDK message, decrypted — into the same relative path under the picked folder, one after
 * another, with one progress bar, rate and time left for the whole set, and one Cancel.
 *
 * Each result is written through the core's direct output (encryptFile/decryptFile `Output`), so
 * a result appears under its name only once it is whole and authenticated. A file that fails is
 * named with its reason and leaves no file behind; the others are done. Cancel stops the set: the
 * running file's output is removed, the files not reached are left undone.
 *
 * Needs `showDirectoryPicker` (Chromium desktop). Where the browser has none, the Files page queues
 * a folder's files one by one instead, each kept in the browser until saved.
 */
import type { EncryptionContext } from '../../../workers/api.ts';
import type { KmsClient } from '../../kms/client.ts';
import { isEncryptionSdkMessage } from './message-kind.ts';
import { suggestedOutputName, type JobKind, type JobSettings } from './file-queue.svelte.ts';

/** One file of a folder: its folders below the chosen one, and the file. */
export interface FolderEntry {
  folders: string[];
  file: File;
}

/** `choosing`: waits for the person to pick the folder the results go to. */
export type FolderSetStatus = 'choosing' | 'waiting' | 'running' | 'done' | 'cancelled';

/** `showDirectoryPicker`, where the browser has it; the DOM lib does not declare it yet. */
type DirectoryPicker = (options?: {
  id?: string;
  mode?: 'read' | 'readwrite';
}) => Promise<FileSystemDirectoryHandle>;

export function directoryPicker(): DirectoryPicker | undefined {
  const picker = (globalThis as { showDirectoryPicker?: unknown }).showDirectoryPicker;
  return typeof picker === 'function' ? (picker as DirectoryPicker).bind(globalThis) : undefined;
}

/** The entries of files chosen with `<input webkitdirectory>`: their relative paths, split. */
export function entriesOfChosenFolder(files: readonly File[]): {
  name: string;
  entries: FolderEntry[];
} {
  const entries = files.map((file) => {
    const parts = (file.webkitRelativePath || file.name).split('/');
    return { top: parts[0] ?? '', folders: parts.slice(1, -1), file };
  });
  return {
    name: entries[0]?.top || 'folder',
    entries: entries.map(({ folders, file }) => ({ folders, file })),
  };
}

/** Every file below a dropped folder (DataTransferItem.webkitGetAsEntry), with its folders. */
export async function entriesOfDroppedFolder(
  folder: FileSystemDirectoryEntry,
): Promise<FolderEntry[]> {
  const entries: FolderEntry[] = [];
  const walk = async (directory: FileSystemDirectoryEntry, folders: string[]): Promise<void> => {
    const reader = directory.createReader();
    // readEntries answers in batches (100 in Chromium) until it answers none.
    for (;;) {
      const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
        reader.readEntries(resolve, reject),
      );
      if (batch.length === 0) return;
      for (const entry of batch) {
        if (entry.isDirectory) {
          await walk(entry as FileSystemDirectoryEntry, [...folders, entry.name]);
        } else {
          const file = await new Promise<File>((resolve, reject) =>
            (entry as FileSystemFileEntry).file(resolve, reject),
          );
          entries.push({ folders, file });
        }
      }
    }
  };
  await walk(folder, []);
  return entries;
}

/** What one file of the set came to, when it did not come to a result. */
export interface FolderFailure {
  path: string;
  error: unknown;
}

let nextSetId = 1;

export class FolderSet {
  readonly id = nextSetId++;
  status = $state<FolderSetStatus>('choosing');
  bytesDone = $state(0);
  readonly totalBytes: number;
  rate = $state(0);
  filesDone = $state(0);
  /** The relative path of the file being worked on. */
  current = $state('');
  failures = $state.raw<FolderFailure[]>([]);
  /** The folder picked for the results, once picked. */
  destination = $state.raw<FileSystemDirectoryHandle | null>(null);
  readonly controller = new AbortController();

  constructor(
    readonly name: string,
    readonly entries: readonly FolderEntry[],
    readonly settings: JobSettings,
  ) {
    this.totalBytes = entries.reduce((sum, entry) => sum + entry.file.size, 0);
  }

  get secondsLeft(): number | undefined {
    return this.rate > 0 ? (this.totalBytes - this.bytesDone) / this.rate : undefined;
  }

  cancel(): void {
    if (this.status === 'choosing' || this.status === 'waiting') this.status = 'cancelled';
    this.controller.abort();
  }

  /**
   * Runs the set into `destination`/`name`/…: every file in turn. Resolves when the set has
   * finished, every file done or failed, or was cancelled. Progress is what the core reports, as
   * often as it reports it (every few MiB).
   */
  async run(client: KmsClient, destination: FileSystemDirectoryHandle): Promise<void> {
    this.status = 'running';
    const started = performance.now();
    let root: FileSystemDirectoryHandle;
    try {
      root = await destination.getDirectoryHandle(this.name, { create: true });
    } catch (error) {
      // The picked folder refused a new folder (permission withdrawn, a file of that name).
      this.failures = [{ path: this.name, error }];
      this.status = 'done';
      return;
    }
    let finishedBytes = 0;
    const failures: FolderFailure[] = [];
    for (const entry of this.entries) {
      if (this.controller.signal.aborted) break;
      const path = [...entry.folders, entry.file.name].join('/');
      this.current = path;
      const kind: JobKind = (await isEncryptionSdkMessage(entry.file)) ? 'decrypt' : 'encrypt';
      const onFileProgress = (bytesDone: number): void => {
        this.bytesDone = finishedBytes + bytesDone;
        const seconds = (performance.now() - started) / 1000;
        if (seconds > 0) this.rate = this.bytesDone / seconds;
      };
      try {
        await writeResult(
          client,
          root,
          entry,
          kind,
          this.settings,
          onFileProgress,
          this.controller,
        );
        this.filesDone++;
      } catch (error) {
        if (error instanceof Error && error.name === 'OperationCancelledException') break;
        failures.push({ path, error });
        this.failures = [...failures];
      }
      finishedBytes += entry.file.size;
      this.bytesDone = finishedBytes;
    }
    this.current = '';
    this.status = this.controller.signal.aborted ? 'cancelled' : 'done';
  }
}

/**
 * Encrypts or decrypts one file into its place under `root`. A result file this call created is
 * removed again when the call fails or is cancelled; one that was there before keeps its bytes
 * (the core changes it only once the whole result is good).
 */
async function writeResult(
  client: KmsClient,
  root: FileSystemDirectoryHandle,
  entry: FolderEntry,
  kind: JobKind,
  { keyIds, encryptionContext }: { keyIds: string[]; encryptionContext: EncryptionContext },
  onProgress: (bytesDone: number) => void,
  controller: AbortController,
): Promise<void> {
  let folder = root;
  for (const name of entry.folders)
    folder = await folder.getDirectoryHandle(name, { create: true });
  const name = suggestedOutputName(entry.file, kind);
  const existed = await folder.getFileHandle(name).then(
    () => true,
    () => false,
  );
  const Output = await folder.getFileHandle(name, { create: true });
  try {
    if (kind === 'encrypt') {
      await client.encryptFile(
        { Input: entry.file, KeyIds: keyIds, EncryptionContext: encryptionContext, Output },
        onProgress,
        controller.signal,
      );
    } else {
      await client.decryptFile(
        { Input: entry.file, EncryptionContext: encryptionContext, Output },
        onProgress,
        controller.signal,
      );
    }
  } catch (error) {
    if (!existed) await folder.removeEntry(name).catch(() => {});
    throw error;
  }
}
