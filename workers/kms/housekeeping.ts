/**
 * Housekeeping: the vault's periodic work, kept apart from request handling. It runs what is due:
 * automatic rotation of enabled keys whose NextRotationDate has come, destruction of keys whose
 * deletion window has passed (key, versions and aliases removed), and deletion of imported key
 * material whose ValidTo has come (the key goes back to PendingImport). Each is its own
 * transaction with one AwsServiceEvent record, as AWS logs these to CloudTrail. An unlocked vault
 * idle for longer than its lock's idle time is locked (lockIfIdle). Called when the
 * vault opens and every minute after (workers/kms.worker.ts).
 */
import type { AuditResource, VaultChange } from '../api.ts';
import { addDays } from '../clock.ts';
import { VaultStore } from '../keystore/vault-store.ts';
import { auditDraft, type AuditedVault } from './audited-call.ts';
import { keyArn } from './identifiers.ts';
import { newKeyVersion, rotateWrite } from './key-versions.ts';
import { removeImportedMaterial } from './operations/import.ts';

/**
 * The schedule does not drift with housekeeping's timing: the next rotation is one period
 * after the one that was due. If the vault was closed for longer than a period, one rotation
 * catches up and the next is a full period from now.
 */
function nextAutomaticRotation(due: Date, periodInDays: number, now: Date): Date {
  const next = addDays(due, periodInDays);
  return next > now ? next : addDays(now, periodInDays);
}

/** Runs what is due now; returns how many events it wrote. */
export function runHousekeeping(vault: AuditedVault): Promise<number> {
  return navigator.locks.request(vault.lockName, async () => {
    const { store } = vault;
    const now = vault.clock.now();
    let events = (await lockIfIdle(vault)) ? 1 : 0;
    const touched: string[] = [];
    // Only keys with a date that has come (indexes on NextRotationDate, DeletionDate, ValidTo).
    for (const key of await store.listDueKeys(now)) {
      const arn = keyArn(store.vaultId, key.KeyId);
      touched.push(key.KeyId);
      const resources: AuditResource[] = [
        { accountId: store.vaultId, type: 'AWS::KMS::Key', ARN: arn },
      ];
      const serviceEvent = (eventName: string, details: Record<string, unknown>) =>
        auditDraft(vault, {
          eventName,
          eventTime: now,
          requestParameters: null,
          resources,
          readOnly: false,
          eventType: 'AwsServiceEvent',
          additionalEventData: details,
        });
      if (key.KeyState === 'PendingDeletion' && key.DeletionDate && key.DeletionDate <= now) {
        await store.commit(
          (tx) => VaultStore.deleteKeyEverywhere(tx, key.KeyId),
          serviceEvent('DeleteKey', { keyId: arn, deletionDate: key.DeletionDate.toISOString() }),
        );
        events++;
      } else if (key.Origin === 'EXTERNAL' && key.ValidTo && key.ValidTo <= now) {
        const version = await store.getKeyVersion(key.KeyId, key.CurrentVersion);
        await store.commit(
          removeImportedMaterial(key),
          serviceEvent('DeleteExpiredKeyMaterial', {
            keyId: arn,
            validTo: key.ValidTo.toISOString(),
            ...(version && { keyMaterialId: version.KeyMaterialId }),
          }),
        );
        events++;
      } else if (
        // A locked vault cannot seal new material: the rotation waits for the next unlock.
        !vault.keys.locked &&
        key.KeyState === 'Enabled' &&
        key.RotationEnabled &&
        key.NextRotationDate &&
        key.NextRotationDate <= now
      ) {
        const version = await newKeyVersion(
          key.KeyId,
          key.CurrentVersion + 1,
          key.KeySpec,
          key.KeyUsage,
          now,
          vault.keys.custody((await store.getVaultRecord())?.Recovery?.Recipient),
          'AUTOMATIC',
        );
        await store.commit(
          rotateWrite(
            {
              ...key,
              NextRotationDate: nextAutomaticRotation(
                key.NextRotationDate,
                key.RotationPeriodInDays!,
                now,
              ),
            },
            version,
          ),
          serviceEvent('RotateKey', {
            keyId: arn,
            rotationType: 'AUTOMATIC',
            keyMaterialId: version.KeyMaterialId,
          }),
        );
        events++;
      }
    }
    if (events > 0) {
      const change: VaultChange = { eventName: 'Housekeeping', keyIds: touched };
      vault.channel.postMessage(change);
    }
    return events;
  });
}

/** What the vault-changed channel carries when a core locks itself: that tab's page redraws. */
export const AUTO_LOCK_EVENT = 'AutoLockVault';

/**
 * Locks this core when it is unlocked and the person made no call for the lock's idle time:
 * the vault key and every CryptoKey opened with it are dropped, and an AwsServiceEvent
 * LockVault record says why. Only this tab's core locks (other tabs keep their own idle time).
 * Resolves with whether it locked.
 */
export async function lockIfIdle(vault: AuditedVault): Promise<boolean> {
  const now = vault.clock.now();
  if (!vault.keys.idleExpired(now)) return false;
  vault.keys.lock();
  try {
    await vault.store.commit(
      undefined,
      auditDraft(vault, {
        eventName: 'LockVault',
        eventTime: now,
        requestParameters: null,
        resources: [],
        readOnly: false,
        eventType: 'AwsServiceEvent',
        additionalEventData: { reason: 'IDLE' },
      }),
    );
  } finally {
    const change: VaultChange = { eventName: AUTO_LOCK_EVENT, keyIds: [] };
    vault.channel.postMessage(change);
  }
  return true;
}
