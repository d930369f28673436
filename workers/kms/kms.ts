/**
 * The KMS: a dispatcher from each operation of workers/api.ts to its entry in the operation
 * table (workers/kms/operations/), through the audited call (workers/kms/audited-call.ts),
 * which writes exactly one audit record per call. Periodic work is in housekeeping.ts.
 */
import { KMS_OPERATIONS, vaultChangedChannel, type KmsApi } from '../api.ts';
import { systemClock, type Clock } from '../clock.ts';
import { DEFAULT_SCRYPT_WORK_FACTOR } from '../crypto/age.ts';
import { DEFAULT_VAULT_NAME, VaultStore } from '../keystore/vault-store.ts';
import { auditedCall, type AuditedVault } from './audited-call.ts';
import { runHousekeeping } from './housekeeping.ts';
import type { Operation } from './operation.ts';
import { OPERATIONS } from './operations/index.ts';

export interface KmsOptions {
  /** IndexedDB database name; tests give each vault its own. */
  vaultName?: string;
  clock?: Clock;
  /** Shown in audit records as the caller's user agent. */
  userAgent?: string;
  /** log2 of scrypt's N for recovery passphrases; age's default (18) unless a test asks less. */
  scryptWorkFactor?: number;
}

/** An open vault: every operation of the API, plus what the worker needs to run it. */
export type Kms = KmsApi & {
  readonly vaultId: string;
  /**
   * The same operations, each audited with `userAgent` as the caller's user agent (the UI's own
   * calls, background reads); see audited-call.ts for which it is honoured.
   */
  as(userAgent: string | undefined): KmsApi;
  /** Runs due rotations, deletions and expiries (housekeeping.ts); resolves with the count. */
  runHousekeeping(): Promise<number>;
  close(): void;
};

async function open(options: KmsOptions = {}): Promise<Kms> {
  const store = await VaultStore.open(options.vaultName ?? DEFAULT_VAULT_NAME);
  const vault: AuditedVault = {
    store,
    clock: options.clock ?? systemClock,
    scryptWorkFactor: options.scryptWorkFactor ?? DEFAULT_SCRYPT_WORK_FACTOR,
    userAgent: options.userAgent ?? navigator.userAgent,
    lockName: `pocket-kms:${store.name}:write`,
    channel: new BroadcastChannel(vaultChangedChannel(store.name)),
  };
  // A restore in another tab can give the vault a new id (operations/recovery.ts).
  vault.channel.onmessage = (event: MessageEvent<{ eventName?: string }>) => {
    if (event.data.eventName === 'RestoreVaultBackup') void store.refreshVaultId();
  };
  const operationsAs = (userAgent: string | undefined): KmsApi =>
    Object.fromEntries(
      KMS_OPERATIONS.map((name) => {
        const operation = OPERATIONS[name] as Operation<unknown, unknown, unknown[]>;
        return [
          name,
          (request?: unknown, ...extra: unknown[]) =>
            auditedCall(vault, operation, request, extra, userAgent),
        ];
      }),
    ) as unknown as KmsApi;
  return {
    ...operationsAs(undefined),
    as: operationsAs,
    get vaultId() {
      return store.vaultId;
    },
    runHousekeeping: () => runHousekeeping(vault),
    close() {
      vault.channel.close();
      store.close();
    },
  };
}

export const Kms = { open };
