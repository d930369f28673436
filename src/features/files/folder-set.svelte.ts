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
 * A picked folder needs `showDirectoryPicker` (Chromium desktop). Where the browser has none, the
 * results go to the browser's private storage and the set ends with one tar archive of them all
 * (paths kept), streamed from those files when saved — never read into memory.
 */
import type { EncryptionContext } from '../../../workers/api.ts';
import { tarBlobParts, type StreamedTarMember } from '../../../workers/formats/tar.ts';
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

/**
 * Where a set's results go: into a folder the person picks, or — where the browser cannot write
 * into a folder — into the browser's private storage, then one tar archive to save.
 */
export type FolderTarget = 'folder' | 'archive';

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
  /** The folder picked for the results, once picked (target `folder`). */
  destination = $state.raw<FileSystemDirectoryHandle | null>(null);
  /** The results as one tar archive, once done (target `archive`): its parts stay on disk. */
  archive = $state.raw<File | null>(null);
  /** The archive was saved (the browser has its own copy). */
  saved = $state(false);
  /** The outputs the archive is made of, to discard when the set is removed. */
  outputIds: string[] = [];
  readonly controller = new AbortController();

  constructor(
    readonly name: string,
    readonly entries: readonly FolderEntry[],
    readonly settings: JobSettings,
    readonly target: FolderTarget = 'folder',
  ) {
    this.totalBytes = entries.reduce((sum, entry) => sum + entry.file.size, 0);
    if (target === 'archive') this.status = 'waiting';
  }

  get secondsLeft(): number | undefined {
    return this.rate > 0 ? (this.totalBytes - this.bytesDone) / this.rate : undefined;
  }

  cancel(): void {
    if (this.status === 'choosing' || this.status === 'waiting') this.status = 'cancelled';
    this.controller.abort();
  }

  /**
   * Runs the set — into `destination`/`name`/… (target `folder`), or into one archive whose
   * members are `name`/… — every file in turn. Resolves when the set has finished, every file
   * done or failed, or was cancelled. Progress is what the core reports, as often as it reports
   * it (every few MiB).
   */
  async run(client: KmsClient): Promise<void> {
    this.status = 'running';
    const started = performance.now();
    let root: FileSystemDirectoryHandle | undefined;
    if (this.target === 'folder') {
      try {
        root = await this.destination!.getDirectoryHandle(this.name, { create: true });
      } catch (error) {
        // The picked folder refused a new folder (permission withdrawn, a file of that name).
        this.failures = [{ path: this.name, error }];
        this.status = 'done';
        return;
      }
    }
    let finishedBytes = 0;
    const failures: FolderFailure[] = [];
    const members: StreamedTarMember[] = [];
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
      const run = (Output?: FileSystemFileHandle) =>
        runOne(client, entry.file, kind, this.settings, onFileProgress, this.controller, Output);
      try {
        if (root) await writeInto(root, entry, kind, run);
        else {
          const { Output, OutputId } = await run();
          this.outputIds.push(OutputId!);
          members.push({
            name: [this.name, ...entry.folders, Output.name].join('/'),
            data: Output,
          });
        }
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
    if (this.controller.signal.aborted) {
      this.status = 'cancelled';
      return;
    }
    if (members.length > 0) {
      // The archive's modification time; a value, never reactive state.
      // eslint-disable-next-line svelte/prefer-svelte-reactivity -- not state (above)
      const now = new Date();
      this.archive = new File(tarBlobParts(members, now), `${this.name}.tar`, {
        type: 'application/x-tar',
      });
    }
    this.status = 'done';
  }
}

/** One file encrypted or decrypted, into `Output` when given, else into private storage. */
function runOne(
  client: KmsClient,
  Input: File,
  kind: JobKind,
  { keyIds, encryptionContext }: { keyIds: string[]; encryptionContext: EncryptionContext },
  onProgress: (bytesDone: number) => void,
  controller: AbortController,
  Output?: FileSystemFileHandle,
) {
  const output = Output ? { Output } : {};
  return kind === 'encrypt'
    ? client.encryptFile(
        { Input, KeyIds: keyIds, EncryptionContext: encryptionContext, ...output },
        onProgress,
        controller.signal,
      )
    : client.decryptFile(
        { Input, EncryptionContext: encryptionContext, ...output },
        onProgress,
        controller.signal,
      );
}

/**
 * Runs one file into its place under `root`. A result file this call created is removed again
 * when the run fails or is cancelled; one that was there before keeps its bytes (the core
 * changes it only once the whole result is good).
 */
async function writeInto(
  root: FileSystemDirectoryHandle,
  entry: FolderEntry,
  kind: JobKind,
  run: (Output: FileSystemFileHandle) => Promise<unknown>,
): Promise<void> {
  let folder = root;
  for (const name of entry.folders)
    folder = await folder.getDirectoryHandle(name, { create: true });
  const name = suggestedOutputName(entry.file, kind);
  const existed = await folder.getFileHandle(name).then(
    () => true,
    () => false,
  );
  try {
    await run(await folder.getFileHandle(name, { create: true }));
  } catch (error) {
    if (!existed) await folder.removeEntry(name).catch(() => {});
    throw error;
  }
}
