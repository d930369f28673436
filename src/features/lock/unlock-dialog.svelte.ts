/**
 * The one unlock dialog of the page (issue 12 §3), opened from anywhere: the header's Unlock
 * button, the locked banner, and every error notice that reports VaultLockedException. The
 * header's LockControl renders the dialog and binds it to `unlockDialog.open`.
 *
 * A notice that reports VaultLockedException also tells the lock status to re-read at once
 * (`reportVaultLocked`): the core may have locked itself (idle time) since the last read.
 */

export const unlockDialog = $state({ open: false });

// eslint-disable-next-line svelte/prefer-svelte-reactivity -- listeners, not state
const lockedListeners = new Set<() => void>();

export function openUnlockDialog(): void {
  unlockDialog.open = true;
}

/** A call was refused with VaultLockedException: whoever shows the lock state re-reads it. */
export function reportVaultLocked(): void {
  for (const listener of lockedListeners) listener();
}

/** Calls `listener` on each reportVaultLocked(); returns the function that stops. */
export function onVaultLockedReported(listener: () => void): () => void {
  lockedListeners.add(listener);
  return () => lockedListeners.delete(listener);
}
