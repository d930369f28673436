/**
 * The Files page's queue: every dropped or chosen file becomes a job that encrypts it (anything
 * that is not an AWS Encryption SDK message) or decrypts it (a message, recognised by content:
 * message-kind.ts). Jobs run one after another — the core is one worker — each with its progress,
 * its rate and time left, a cancel (AbortController → OperationCancelledException), and, once
 * done, its output: a disk-backed File in the core's OPFS directory, saved through an object URL.
 *
 * Where the browser has `showSaveFilePicker` (Chromium desktop), the person may instead have each
 * result saved straight to a file they choose (`direct`): a job then waits until they pick its
 * destination (the picker needs a click of its own), and the core writes there (encryptFile's
 * Output), changing the file only once the whole result is good — nothing to save or discard
 * afterwards (issue 14 §1).
 *
 * Removing a job cancels it if it runs, revokes its object URL and asks the core to discard the
 * output (discardFileOutput), so a finished file stays on disk only while it is in the queue.
 *
 * The page's queue is one instance for the tab (fileQueue()), not one per visit to the Files page:
 * leaving the page and coming back finds every job where it was, running ones included, with
 * their Save and Remove (issue 11 §3). While a job runs or waits, or a result has not been saved,
 * closing or reloading the tab asks first (beforeunload): the output lives in the core's private
 * storage. Finished outputs outlive the tab: the next visit lists them (listFileOutputs,
 * FromEarlierVisit) with Save and Remove.
 */
import type {
  DecryptFileResponse,
  EncryptFileResponse,
  EncryptionContext,
  StoredFileOutput,
  WrittenToHandle,
} from '../../../workers/api.ts';
import { type KmsClient, backgroundKms, kms, onVaultChanged } from '../../kms/client.ts';
import { directoryPicker, FolderSet, type FolderEntry } from './folder-set.svelte.ts';
import { isEncryptionSdkMessage } from './message-kind.ts';

export type JobKind = 'encrypt' | 'decrypt';
/** `choosing`: waits for the person to pick the file its result goes to (direct output). */
export type JobStatus = 'choosing' | 'waiting' | 'running' | 'done' | 'failed' | 'cancelled';

/** `showSaveFilePicker`, where the browser has it; the DOM lib does not declare it yet. */
type SaveFilePicker = (options?: { suggestedName?: string }) => Promise<FileSystemFileHandle>;

function saveFilePicker(): SaveFilePicker | undefined {
  const picker = (globalThis as { showSaveFilePicker?: unknown }).showSaveFilePicker;
  return typeof picker === 'function' ? (picker as SaveFilePicker).bind(globalThis) : undefined;
}

/** The name the core would give the result (workers/kms/operations/files.ts), as a suggestion. */
export function suggestedOutputName(file: File, kind: JobKind): string {
  if (kind === 'encrypt') return `${file.name || 'data'}.encrypted`;
  const name = file.name || 'data.encrypted';
  return /\.encrypted$/i.test(name) && name.length > '.encrypted'.length
    ? name.slice(0, -'.encrypted'.length)
    : `${name}.decrypted`;
}

/** What a job is run with: the keys (encrypt) and the context (encrypt: stored; decrypt: required). */
export interface JobSettings {
  keyIds: string[];
  encryptionContext: EncryptionContext;
}

/** Progress is shown at most this often, so a 20 GB file does not re-render the page 40,000 times. */
const PROGRESS_INTERVAL_MS = 200;

let nextJobId = 1;

export class FileJob {
  readonly id = nextJobId++;
  status = $state<JobStatus>('waiting');
  bytesDone = $state(0);
  totalBytes = $state(0);
  /** Bytes per second since the job started, once there is something to measure. */
  rate = $state(0);
  error = $state.raw<unknown>(null);
  result = $state.raw<
    | EncryptFileResponse
    | DecryptFileResponse
    | WrittenToHandle<EncryptFileResponse>
    | WrittenToHandle<DecryptFileResponse>
    | null
  >(null);
  /** The object URL of the output, for the Save link; revoked when the job is removed. */
  url = $state('');
  /** The person pressed Save (the browser then has its own copy), or the result went to their file. */
  saved = $state(false);
  /** The file the person picked for the result (direct output), or null: OPFS, then Save. */
  destination = $state.raw<FileSystemFileHandle | null>(null);

  readonly controller = new AbortController();
  startedAt = 0;

  constructor(
    readonly file: File,
    readonly kind: JobKind,
    readonly settings: JobSettings,
    direct = false,
  ) {
    this.totalBytes = file.size;
    if (direct) this.status = 'choosing';
  }

  /** Seconds left at the current rate, or undefined before there is a rate. */
  get secondsLeft(): number | undefined {
    return this.rate > 0 ? (this.totalBytes - this.bytesDone) / this.rate : undefined;
  }

  /** The file to inspect: the dropped ciphertext, or the ciphertext this job made. */
  get ciphertext(): File | undefined {
    if (this.kind === 'decrypt') return this.file;
    return this.status === 'done' ? this.result?.Output : undefined;
  }
}

export class FileQueue {
  jobs = $state<FileJob[]>([]);
  /** Finished outputs left by an earlier visit (a tab since closed or reloaded), oldest first. */
  earlier = $state.raw<StoredFileOutput[]>([]);
  /** What listing them failed with, or null. */
  earlierError = $state.raw<unknown>(null);
  /** The browser's save picker, or undefined where there is none (Firefox, Safari, mobile). */
  readonly #picker = saveFilePicker();
  /** Whether results can go straight to a file the person picks. */
  readonly canSaveDirectly = this.#picker !== undefined;
  /** Results of files added from now on go straight to a picked file (only if canSaveDirectly). */
  direct = $state(false);
  /** Folders added, each encrypted or decrypted into a folder the person picks (issue 14 §3). */
  sets = $state<FolderSet[]>([]);
  readonly #directoryPicker = directoryPicker();
  /** Whether a folder's results can go into a picked folder; else they become one archive. */
  readonly canSaveFolders = this.#directoryPicker !== undefined;
  #running = false;

  /**
   * `client` for what a person starts; `background` for the page's own listing of earlier
   * results (a background read, which Activity hides unless asked).
   */
  constructor(
    private readonly client: KmsClient,
    private readonly background: KmsClient = client,
  ) {}

  /** True while closing the tab would lose work: a job runs or waits, or a result is unsaved. */
  get hasUnsavedWork(): boolean {
    return (
      this.jobs.some(
        (job) =>
          job.status === 'running' ||
          job.status === 'waiting' ||
          job.status === 'choosing' ||
          (job.status === 'done' && !job.saved),
      ) ||
      this.sets.some(
        (set) =>
          (set.status !== 'done' && set.status !== 'cancelled') ||
          (set.archive !== null && !set.saved),
      )
    );
  }

  /** Lists the results an earlier visit stored and nobody removed. */
  async loadEarlier(): Promise<void> {
    try {
      const { Outputs } = await this.background.listFileOutputs();
      this.earlier = Outputs.filter((output) => output.FromEarlierVisit);
      this.earlierError = null;
    } catch (error) {
      this.earlierError = error;
    }
  }

  /**
   * Deletes an earlier visit's result from the browser's private storage, and only then takes it
   * off the list: a reload right after Remove must not bring it back. One already gone
   * (NotFoundException) leaves the list too; any other failure keeps it listed and is shown.
   */
  async removeEarlier(output: StoredFileOutput): Promise<void> {
    try {
      await this.client.discardFileOutput({ OutputId: output.OutputId });
    } catch (error) {
      if (!(error instanceof Error && error.name === 'NotFoundException')) {
        this.earlierError = error;
        return;
      }
    }
    this.earlier = this.earlier.filter((listed) => listed.OutputId !== output.OutputId);
  }

  /** Asks before the tab closes or reloads while hasUnsavedWork; returns the function that stops. */
  guardUnload(): () => void {
    const guard = (event: BeforeUnloadEvent): void => {
      if (!this.hasUnsavedWork) return;
      // Chromium shows its own generic question; the text is not used by any current browser.
      event.preventDefault();
      event.returnValue = '';
    };
    addEventListener('beforeunload', guard);
    return () => removeEventListener('beforeunload', guard);
  }

  /** Queues `files`: each is looked at (three bytes) to decide whether it is encrypted or decrypted. */
  async add(files: readonly File[], settings: JobSettings): Promise<void> {
    const kinds = await Promise.all(
      files.map(async (file): Promise<JobKind> =>
        (await isEncryptionSdkMessage(file)) ? 'decrypt' : 'encrypt',
      ),
    );
    const direct = this.direct && this.canSaveDirectly;
    files.forEach((file, index) =>
      this.jobs.push(new FileJob(file, kinds[index]!, settings, direct)),
    );
    void this.#runWaiting();
  }

  /**
   * Adds a folder's files as one set: it waits for the person to pick the folder its results go
   * into, or — where the browser cannot write into a folder — runs at once into one archive.
   */
  addFolder(name: string, entries: readonly FolderEntry[], settings: JobSettings): void {
    if (entries.length === 0) return;
    this.sets.push(
      new FolderSet(name, entries, settings, this.canSaveFolders ? 'folder' : 'archive'),
    );
    void this.#runWaiting();
  }

  /** Asks which folder `set`'s results go into (from a click: the picker needs one), and queues it. */
  async chooseFolderDestination(set: FolderSet): Promise<void> {
    if (set.status !== 'choosing' || !this.#directoryPicker) return;
    let folder: FileSystemDirectoryHandle;
    try {
      folder = await this.#directoryPicker({ id: 'pocket-kms-results', mode: 'readwrite' });
    } catch (error) {
      if (error instanceof Error && error.name === 'AbortError') return;
      set.failures = [{ path: set.name, error }];
      set.status = 'done';
      return;
    }
    if (set.status !== 'choosing') return; // cancelled while the picker was open
    set.destination = folder;
    set.status = 'waiting';
    void this.#runWaiting();
  }

  /**
   * Takes a folder set off the page, cancelling it if it runs. Results in a picked folder stay;
   * an archive's files in private storage are discarded.
   */
  async removeFolder(set: FolderSet): Promise<void> {
    set.cancel();
    this.sets = this.sets.filter((listed) => listed !== set);
    // A set still running discards what it made once it stops (#runWaiting).
    for (const OutputId of set.outputIds.splice(0)) {
      await this.client.discardFileOutput({ OutputId });
    }
  }

  /**
   * Asks where `job`'s result goes (call it from a click: the picker needs one) and queues the
   * job. Dismissing the picker leaves the job waiting for a choice.
   */
  async chooseDestination(job: FileJob): Promise<void> {
    if (job.status !== 'choosing' || !this.#picker) return;
    let handle: FileSystemFileHandle;
    try {
      handle = await this.#picker({ suggestedName: suggestedOutputName(job.file, job.kind) });
    } catch (error) {
      if (error instanceof Error && error.name === 'AbortError') return;
      job.error = error;
      job.status = 'failed';
      return;
    }
    if (job.status !== 'choosing') return; // removed or cancelled while the picker was open
    job.destination = handle;
    job.status = 'waiting';
    void this.#runWaiting();
  }

  /** Stops a job: a waiting one never starts; a running one is aborted and its partial output removed. */
  cancel(job: FileJob): void {
    if (job.status === 'waiting' || job.status === 'choosing') job.status = 'cancelled';
    job.controller.abort();
  }

  /** Takes a job off the queue and lets go of its output (object URL and the file on disk). */
  async remove(job: FileJob): Promise<void> {
    this.cancel(job);
    this.jobs = this.jobs.filter((queued) => queued !== job);
    if (job.url) URL.revokeObjectURL(job.url);
    job.url = '';
    if (job.result?.OutputId)
      await this.client.discardFileOutput({ OutputId: job.result.OutputId });
  }

  /** Runs waiting jobs and folder sets, one at a time (the core is one worker), until none is left. */
  async #runWaiting(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      for (let next = this.#nextWaiting(); next; next = this.#nextWaiting()) {
        if (next instanceof FileJob) await this.#run(next);
        else {
          await next.run(this.client);
          // Removed or cancelled while it ran: what it kept in private storage goes.
          if (next.status === 'cancelled' || !this.sets.includes(next)) {
            for (const OutputId of next.outputIds.splice(0)) {
              await this.client.discardFileOutput({ OutputId });
            }
          }
        }
      }
    } finally {
      this.#running = false;
    }
  }

  #nextWaiting(): FileJob | FolderSet | undefined {
    return (
      this.jobs.find((job) => job.status === 'waiting') ??
      this.sets.find((set) => set.status === 'waiting')
    );
  }

  async #run(job: FileJob): Promise<void> {
    job.status = 'running';
    job.startedAt = performance.now();
    let shownAt = 0;
    const onProgress = (bytesDone: number, totalBytes: number): void => {
      const now = performance.now();
      if (now - shownAt < PROGRESS_INTERVAL_MS && bytesDone < totalBytes) return;
      shownAt = now;
      job.bytesDone = bytesDone;
      job.totalBytes = totalBytes;
      const seconds = (now - job.startedAt) / 1000;
      if (seconds > 0) job.rate = bytesDone / seconds;
    };
    try {
      const { keyIds, encryptionContext } = job.settings;
      const output = job.destination ? { Output: job.destination } : {};
      const result =
        job.kind === 'encrypt'
          ? await this.client.encryptFile(
              { Input: job.file, KeyIds: keyIds, EncryptionContext: encryptionContext, ...output },
              onProgress,
              job.controller.signal,
            )
          : await this.client.decryptFile(
              { Input: job.file, EncryptionContext: encryptionContext, ...output },
              onProgress,
              job.controller.signal,
            );
      job.result = result;
      job.bytesDone = job.totalBytes;
      if (result.OutputId === undefined) {
        // Written to the person's own file: already saved, nothing to discard.
        job.saved = true;
        job.status = 'done';
      } else if (this.jobs.includes(job)) {
        job.url = URL.createObjectURL(result.Output);
        job.status = 'done';
      } else {
        // Removed while it ran, and the core finished before it saw the cancel: let the output go.
        await this.client.discardFileOutput({ OutputId: result.OutputId });
      }
    } catch (error) {
      job.error = error;
      job.status =
        error instanceof Error && error.name === 'OperationCancelledException'
          ? 'cancelled'
          : 'failed';
    }
  }
}

let shared: FileQueue | undefined;

/**
 * The tab's one Files queue, made on the first visit to the Files page and kept for the life of
 * the page, so that moving between pages neither loses jobs nor strands their outputs.
 */
export function fileQueue(): FileQueue {
  if (!shared) {
    shared = new FileQueue(kms(), backgroundKms());
    shared.guardUnload();
    const queue = shared;
    void queue.loadEarlier();
    // A tab that ended after this list was made (the one a reload replaced, still ending when
    // this page started) leaves its results to this one: list again when the core says so.
    onVaultChanged((eventName) => {
      if (eventName === 'FileOutputsChanged') void queue.loadEarlier();
    });
  }
  return shared;
}

/** "12.3 MB/s" — decimal megabytes, as disks and downloads are measured. */
function formatRate(bytesPerSecond: number): string {
  return `${(bytesPerSecond / 1e6).toFixed(1)} MB/s`;
}

/** "4 s left", "2 min 5 s left". */
function formatTimeLeft(seconds: number): string {
  const whole = Math.max(0, Math.ceil(seconds));
  if (whole < 60) return `${whole} s left`;
  return `${Math.floor(whole / 60)} min ${whole % 60} s left`;
}

/** "3.0 MB of 12.0 MB · 45.1 MB/s · 4 s left": how far a running job or set is. */
export function progressText(work: {
  bytesDone: number;
  totalBytes: number;
  rate: number;
  secondsLeft: number | undefined;
}): string {
  return [
    `${formatSize(work.bytesDone)} of ${formatSize(work.totalBytes)}`,
    ...(work.rate > 0 ? [formatRate(work.rate)] : []),
    ...(work.secondsLeft !== undefined ? [formatTimeLeft(work.secondsLeft)] : []),
  ].join(' · ');
}

/** "1.5 MB", "200 kB", "12 bytes". */
export function formatSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} bytes`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e9).toFixed(2)} GB`;
}
