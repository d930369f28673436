/**
 * The KMS: a dispatcher from each operation of workers/api.ts to its entry in the operation
 * table (workers/kms/operations/), through the audited call (workers/kms/audited-call.ts),
 * which writes exactly one audit record per call. Periodic work is in housekeeping.ts.
 */
import { KMS_OPERATIONS, vaultChangedChannel, type KmsApi, type SandboxClockApi } from '../api.ts';
import { systemClock, type Clock } from '../clock.ts';
import { DEFAULT_SCRYPT_WORK_FACTOR } from '../crypto/age.ts';
import {
  DEFAULT_VAULT_NAME,
  VaultStore,
  type UpgradeProgressListener,
} from '../keystore/vault-store.ts';
import { auditedCall, type AuditedVault } from './audited-call.ts';
import { runHousekeeping } from './housekeeping.ts';
import type { Operation } from './operation.ts';
import { OPERATIONS } from './operations/index.ts';
import { SandboxClock, sandboxClockEntries, type ClockMove } from './sandbox-clock.ts';
import { VaultKeys } from './vault-keys.ts';

/** Changes in another tab after which this core reads the vault lock's settings again. */
const LOCK_CHANGES = new Set([
  'SetUpVaultLock',
  'ChangeVaultLock',
  'RemoveVaultLock',
  'RestoreVaultBackup',
]);

export interface KmsOptions {
  /** IndexedDB database name; tests give each vault its own. */
  vaultName?: string;
  clock?: Clock;
  /** Shown in audit records as the caller's user agent. */
  userAgent?: string;
  /** log2 of scrypt's N for recovery passphrases; age's default (18) unless a test asks less. */
  scryptWorkFactor?: number;
  /**
   * The sandbox vault (issue 13 §1): `clock` (the system clock when not given) plus the offset
   * stored in this vault, moved forward by the clock operations (sandbox-clock.ts).
   */
  sandbox?: boolean;
  /** Told how far a schema upgrade has come, while opening runs one (VaultStore.open). */
  onUpgradeProgress?: UpgradeProgressListener;
}

/** The sandbox's clock operations; ResetSandbox is the worker's (it closes this vault). */
export type SandboxClockOperations = Pick<
  SandboxClockApi,
  'advanceClock' | 'setClock' | 'describeClock'
>;

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
  /**
   * A sandbox vault's clock operations, audited as `as` audits; each move runs housekeeping at
   * the new time. Undefined for any other vault.
   */
  readonly sandboxClock?: (userAgent: string | undefined) => SandboxClockOperations;
  close(): void;
};

async function open(options: KmsOptions = {}): Promise<Kms> {
  const store = await VaultStore.open(
    options.vaultName ?? DEFAULT_VAULT_NAME,
    options.onUpgradeProgress,
  );
  // Keys in this core's memory: none until an unlock (a new core of a locked vault is locked).
  const keys = new VaultKeys();
  const record = await store.getVaultRecord();
  keys.refresh(record?.Lock);
  const clock = options.sandbox
    ? new SandboxClock(options.clock ?? systemClock, record?.SandboxClockOffset ?? 0)
    : (options.clock ?? systemClock);
  const vault: AuditedVault = {
    keys,
    store,
    clock,
    scryptWorkFactor: options.scryptWorkFactor ?? DEFAULT_SCRYPT_WORK_FACTOR,
    userAgent: options.userAgent ?? navigator.userAgent,
    lockName: `pocket-kms:${store.name}:write`,
    channel: new BroadcastChannel(vaultChangedChannel(store.name)),
  };
  vault.channel.onmessage = (event: MessageEvent<{ eventName?: string }>) => {
    const { eventName } = event.data;
    // A restore in another tab can give the vault a new id (operations/recovery.ts).
    if (eventName === 'RestoreVaultBackup') void store.refreshVaultId();
    // Lock now locks every tab; a lock set up, changed or removed elsewhere is read again.
    if (eventName === 'LockVault') keys.lock();
    if (eventName !== undefined && LOCK_CHANGES.has(eventName)) {
      void store.getVaultRecord().then((record) => keys.refresh(record?.Lock));
    }
    // Another tab moved the sandbox's clock: read its offset again.
    if (
      clock instanceof SandboxClock &&
      (eventName === 'AdvanceClock' || eventName === 'SetClock')
    ) {
      void store.getVaultRecord().then((record) => {
        clock.offsetInMilliseconds = record?.SandboxClockOffset ?? 0;
      });
    }
  };
  // Each move is one audited call; housekeeping then runs at the new time, once the move is
  // committed (it takes the same write lock).
  const moved = async (move: Promise<ClockMove>) => ({
    ...(await move),
    HousekeepingEvents: await runHousekeeping(vault),
  });
  const clockEntries = clock instanceof SandboxClock ? sandboxClockEntries(clock) : undefined;
  const sandboxClock = clockEntries
    ? (userAgent: string | undefined): SandboxClockOperations => ({
        advanceClock: (request) =>
          moved(auditedCall(vault, clockEntries.advanceClock, request, [], userAgent)),
        setClock: (request) =>
          moved(auditedCall(vault, clockEntries.setClock, request, [], userAgent)),
        describeClock: (request) =>
          auditedCall(vault, clockEntries.describeClock, request, [], userAgent),
      })
    : undefined;
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
    sandboxClock,
    close() {
      vault.channel.close();
      store.close();
    },
  };
}

export const Kms = { open };
