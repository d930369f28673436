/**
 * What the app knows about the vault lock (issue 12; DESIGN §10), for the header, the locked
 * banner, the unlock dialog and the Security page: the core's describeVaultLock, read in the
 * background. One instance lives for the page (App.svelte).
 *
 * It re-reads after the lock's own events (at once), after any other change to the vault while
 * the Security page shows the counts (at most once a second: new key versions change the counts
 * and the unsealable list; watch()), when a call
 * was refused with VaultLockedException, when the tab becomes visible again, and — while this
 * tab is unlocked under a lock with an idle time, and shown — every POLL_INTERVAL_MS: the core
 * locks itself after its idle time and says so (AutoLockVault), and this is the fallback for a
 * page that missed it. Each read is an audit record (hidden from Activity as a background read),
 * so the page does not poll when nothing can change by itself.
 */
import type { DescribeVaultLockResponse } from '../../../workers/api.ts';
import { onVaultChanged, type KmsClient } from '../../kms/client.ts';
import { coalesce, throttle } from '../../ui/coalesce.ts';
import { onVaultLockedReported } from './unlock-dialog.svelte.ts';

/** The events after which the lock state is read again without delay. */
export const LOCK_EVENTS: readonly string[] = [
  'SetUpVaultLock',
  'UnlockVault',
  'LockVault',
  'ChangeVaultLock',
  'RemoveVaultLock',
  'AutoLockVault',
];

const POLL_INTERVAL_MS = 30_000;
/** The least time between two re-reads after other vault changes (a script making keys). */
const CHANGE_REFRESH_INTERVAL_MS = 1000;

export class LockStatus {
  description = $state.raw<DescribeVaultLockResponse | null>(null);
  error = $state.raw<unknown>(null);

  readonly refresh: () => Promise<void>;
  readonly #refreshAfterChange = throttle(() => void this.refresh(), CHANGE_REFRESH_INTERVAL_MS);
  /**
   * Views that show the key counts (the Security page): only while one is open are the counts
   * read (IncludeKeys: every version of the vault) and other changes read again.
   */
  #watchers = 0;

  constructor(private readonly client: KmsClient) {
    this.refresh = coalesce(() => this.#load());
  }

  /** Starts following the vault (call once, from App's mount); returns the function that stops. */
  start(): () => void {
    void this.refresh();
    const stopListening = onVaultChanged((eventName) => {
      if (LOCK_EVENTS.includes(eventName)) void this.refresh();
      // Other changes alter only the key counts and lists: read them while a view shows them.
      else if (this.#watchers > 0) this.#refreshAfterChange.run();
    });
    const stopReports = onVaultLockedReported(() => void this.refresh());
    const poll = setInterval(() => {
      if (this.#mayLockItself && document.visibilityState === 'visible') void this.refresh();
    }, POLL_INTERVAL_MS);
    const visible = (): void => {
      if (document.visibilityState === 'visible') void this.refresh();
    };
    document.addEventListener('visibilitychange', visible);
    return () => {
      stopListening();
      stopReports();
      clearInterval(poll);
      this.#refreshAfterChange.cancel();
      document.removeEventListener('visibilitychange', visible);
    };
  }

  /**
   * Declares a view that shows the key counts and the unsealable keys (call from an $effect;
   * returns the cleanup): while one is open, every change to the vault is read (at most once a
   * second). Without one, the header needs only the lock's own events, and a vault of 10,000
   * keys is not re-read for each new key.
   */
  watch(): () => void {
    // The first view to open reads the counts, which no read made while none was open.
    if (this.#watchers++ === 0) void this.refresh();
    return () => {
      this.#watchers--;
    };
  }

  /** Whether the vault has a lock. */
  get setUp(): boolean {
    return this.description?.LockSetUp ?? false;
  }

  /** Whether this tab's core holds no key material under a lock. */
  get locked(): boolean {
    return this.description?.Locked ?? false;
  }

  /** Unlocked under a lock with an idle time: the core may lock itself without a call. */
  get #mayLockItself(): boolean {
    const lock = this.description;
    return lock !== null && lock.LockSetUp && !lock.Locked && (lock.IdleMinutes ?? 0) > 0;
  }

  get hasPassphrase(): boolean {
    return this.description?.Methods.includes('PASSPHRASE') ?? false;
  }

  get hasPasskey(): boolean {
    return this.description?.Methods.includes('PASSKEY') ?? false;
  }

  async #load(): Promise<void> {
    try {
      this.description = await this.client.describeVaultLock({ IncludeKeys: this.#watchers > 0 });
      this.error = null;
    } catch (error) {
      this.error = error;
    }
  }
}
