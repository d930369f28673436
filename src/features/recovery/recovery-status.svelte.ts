/**
 * What the app knows about recovery, for every page that shows it: the core's describeRecovery
 * (set up or not, which keys are not recoverable, the last backup), whether the vault needs a
 * backup, the first-run prompt's "skip" (remembered in this browser), and a recovery key that
 * was just made and not yet confirmed as stored. One instance lives for the page (App.svelte),
 * so leaving the recovery page does not lose a recovery key that is shown only once.
 *
 * It also asks for persistent storage at the two moments issue 11 names: when the vault gets
 * its first key version, and after each backup (StoragePersistence.ask; headless Chromium and
 * many browsers answer no, which the banner then reports).
 */
import type {
  DescribeRecoveryResponse,
  RecoveryMethod,
  UnrecoverableKey,
} from '../../../workers/api.ts';
import { onVaultChanged, type KmsClient } from '../../kms/client.ts';
import type { StoragePersistence } from '../../shell/storage-persistence.svelte.ts';
import { coalesce, throttle } from '../../ui/coalesce.ts';

/**
 * The least time between two re-reads after vault changes. DescribeRecovery reads the id of
 * every key and version (no record), so re-reading after each change of a burst (a script
 * making 2,000 keys) would cost O(keys) per change and one audit record each (issue 16); the
 * banner can be a second late (or more: CHANGE_REFRESH_IDLE_FACTOR, below).
 */
const CHANGE_REFRESH_INTERVAL_MS = 1000;

/**
 * And the idle time after a re-read, as a multiple of how long it took: at most 1/20 of the
 * core's time goes to the banner, however many keys the vault holds. A once-a-second re-read
 * alone let that share grow with the vault — measured with the 2,000-key test
 * (tests/e2e/scale-keys.spec.ts), it was what made the later createKeys slower than the first.
 */
const CHANGE_REFRESH_IDLE_FACTOR = 19;

/** localStorage: the person chose "Skip for now" on the first-run prompt. */
const FIRST_RUN_SKIPPED = 'pocket-kms:recovery-prompt-skipped';

/** A recovery key to show on the recovery sheet, until the person says it is stored. */
export interface RecoverySheetData {
  RecoveryKey: string;
  VaultId: string;
  SetUpDate: Date;
  Methods: RecoveryMethod[];
  /** Set up for the first time, or a rotation that replaced an earlier recovery key. */
  reason: 'set-up' | 'rotated';
}

export type BackupNeed = 'none' | 'no-backup' | 'stale-backup' | 'storage-not-persistent';

export class RecoveryStatus {
  description = $state.raw<DescribeRecoveryResponse | null>(null);
  error = $state.raw<unknown>(null);
  /** The vault id (the account id in every ARN and audit record); '' until read. */
  vaultId = $state('');
  sheet = $state.raw<RecoverySheetData | null>(null);
  firstRunSkipped = $state(readFirstRunSkipped());

  readonly refresh: () => Promise<void>;
  readonly #refreshAfterChange = throttle(
    () => this.refresh(),
    CHANGE_REFRESH_INTERVAL_MS,
    CHANGE_REFRESH_IDLE_FACTOR,
  );

  constructor(
    private readonly client: KmsClient,
    private readonly storage: StoragePersistence,
  ) {
    this.refresh = coalesce(() => this.#load());
  }

  /** Starts following the vault (call once, from App's mount); returns the function that stops. */
  start(): () => void {
    void this.refresh();
    const stopListening = onVaultChanged((eventName) => {
      // A backup restored into an empty vault gives the vault the backup's id.
      if (eventName === 'RestoreVaultBackup') this.vaultId = '';
      this.#refreshAfterChange.run();
      if (eventName === 'ExportVaultBackup') void this.storage.ask();
    });
    // A recovery key is shown once: closing the tab before it is stored would lose it.
    const guard = (event: BeforeUnloadEvent): void => {
      if (!this.sheet) return;
      event.preventDefault();
      event.returnValue = '';
    };
    addEventListener('beforeunload', guard);
    return () => {
      stopListening();
      this.#refreshAfterChange.cancel();
      removeEventListener('beforeunload', guard);
    };
  }

  get setUp(): boolean {
    return this.description?.RecoverySetUp ?? false;
  }

  /** Whether the vault holds any key version (a key that could be lost). */
  get hasKeys(): boolean {
    return this.description?.NewestKeyVersionDate !== undefined;
  }

  /** The versions of `keyId` that cannot be recovered, when some cannot. */
  unrecoverable(keyId: string): UnrecoverableKey | undefined {
    return this.description?.UnrecoverableKeys.find((key) => key.KeyId === keyId);
  }

  /** True when the last backup is at least as new as the newest key version. */
  get backupCurrent(): boolean {
    const last = this.description?.LastBackupDate;
    const newest = this.description?.NewestKeyVersionDate;
    return last !== undefined && (newest === undefined || last.getTime() >= newest.getTime());
  }

  /**
   * Why the banner asks for a backup: the vault holds keys and either no backup has every
   * version, or the browser may clear its storage (issue 11 §3). 'none' while unknown.
   */
  get backupNeed(): BackupNeed {
    if (!this.description || !this.hasKeys) return 'none';
    if (!this.description.LastBackupDate) return 'no-backup';
    if (!this.backupCurrent) return 'stale-backup';
    const state = this.storage.state;
    if (state === 'not-persistent' || state === 'unknown') return 'storage-not-persistent';
    return 'none';
  }

  /** The first-run prompt: before the first key, recovery not set up, not skipped. */
  get offerFirstRun(): boolean {
    return this.description !== null && !this.setUp && !this.hasKeys && !this.firstRunSkipped;
  }

  skipFirstRun(): void {
    this.firstRunSkipped = true;
    try {
      localStorage.setItem(FIRST_RUN_SKIPPED, 'true');
    } catch {
      // Storage refused (a private window's quota): the skip holds for this page only.
    }
  }

  /** Shows the recovery sheet for a key just made; it stays until confirmStored(). */
  async showSheet(data: Omit<RecoverySheetData, 'VaultId'>): Promise<void> {
    const VaultId = this.vaultId || (await this.#loadVaultId());
    this.sheet = { ...data, VaultId };
  }

  confirmStored(): void {
    this.sheet = null;
  }

  async #load(): Promise<void> {
    const hadKeys = this.description === null ? undefined : this.hasKeys;
    try {
      this.description = await this.client.describeRecovery();
      this.error = null;
    } catch (error) {
      this.error = error;
      return;
    }
    if (!this.vaultId) await this.#loadVaultId();
    // The vault's first key version, made while this page was open: ask to keep the storage.
    if (hadKeys === false && this.hasKeys) void this.storage.ask();
  }

  /**
   * The vault id, which describeRecovery does not return: the account id of the newest audit
   * record (every ARN carries it too). '' while the log is empty.
   */
  async #loadVaultId(): Promise<string> {
    try {
      const { Events } = await this.client.listAuditEvents({ Limit: 1 });
      this.vaultId = Events[0]?.recipientAccountId ?? '';
    } catch {
      // The sheet then says the id is unknown; the recovery key works without it.
    }
    return this.vaultId;
  }
}

function readFirstRunSkipped(): boolean {
  try {
    return localStorage.getItem(FIRST_RUN_SKIPPED) === 'true';
  } catch {
    return false;
  }
}
