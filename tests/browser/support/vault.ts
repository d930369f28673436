/**
 * Helpers for tests that drive the core directly in Chromium: a fresh vault per test (its own
 * IndexedDB database), direct reads of that database, and the one way tests check a refusal.
 */
import { openDB, type IDBPDatabase } from 'idb';
import { expect, onTestFinished } from 'vitest';
import type { AuditEvent } from '../../../workers/api.ts';
import { KmsError, type KmsErrorName } from '../../../workers/errors.ts';
import { Kms } from '../../../workers/kms/kms.ts';
import { ManualClock } from './manual-clock.ts';

export const STORES = [
  'vault',
  'keys',
  'keyVersions',
  'aliases',
  'audit',
  'importParameters',
] as const;
export type StoreName = (typeof STORES)[number];

export interface TestVault {
  kms: Kms;
  clock: ManualClock;
  vaultName: string;
  /** Closes the core and deletes the database. */
  dispose(): Promise<void>;
}

/** A vault of its own for one test, on a manual clock. */
export async function openTestVault(clock = new ManualClock()): Promise<TestVault> {
  const vaultName = `test-${crypto.randomUUID()}`;
  // A cheap scrypt for recovery passphrases: tests make many; the app uses age's default (18).
  const kms = await Kms.open({
    vaultName,
    clock,
    userAgent: 'vitest-browser',
    scryptWorkFactor: 10,
  });
  return {
    kms,
    clock,
    vaultName,
    async dispose() {
      kms.close();
      await deleteDatabase(vaultName);
    },
  };
}

/**
 * A vault of its own for the running test, disposed (closed, database deleted) when that test
 * finishes. Call it from a test body or a helper the test calls, not from beforeAll: a vault
 * shared by several tests uses openTestVault and disposes it in afterAll.
 */
export async function openVaultForTest(clock?: ManualClock): Promise<TestVault> {
  const vault = await openTestVault(clock);
  onTestFinished(() => vault.dispose());
  return vault;
}

/**
 * A sandbox vault of its own for the running test (Kms.open with `sandbox`: its clock is `base`
 * plus the offset it stores), closed and deleted when the test finishes.
 */
export async function openSandboxForTest(
  base = new ManualClock(),
  vaultName = `sandbox-${crypto.randomUUID()}`,
): Promise<{ kms: Kms; base: ManualClock; vaultName: string }> {
  const kms = await Kms.open({ vaultName, clock: base, sandbox: true, userAgent: 'vitest' });
  onTestFinished(async () => {
    kms.close();
    await deleteDatabase(vaultName);
  });
  return { kms, base, vaultName };
}

export function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error);
    // Another connection is still open (a second Kms on the same vault): the delete completes
    // once it closes; do not wait for it here.
    request.onblocked = () => resolve();
  });
}

/** Opens the vault's database directly, as a test (or an attacker with script access) can. */
export function openRaw(vaultName: string): Promise<IDBPDatabase> {
  return openDB(vaultName);
}

export async function readStore<T = unknown>(vaultName: string, store: StoreName): Promise<T[]> {
  const db = await openRaw(vaultName);
  try {
    return (await db.getAll(store)) as T[];
  } finally {
    db.close();
  }
}

export async function auditRecords(vaultName: string): Promise<AuditEvent[]> {
  return readStore<AuditEvent>(vaultName, 'audit');
}

export async function auditCount(vaultName: string): Promise<number> {
  const db = await openRaw(vaultName);
  try {
    return await db.count('audit');
  } finally {
    db.close();
  }
}

/**
 * Awaits `promise`, expects it to reject with a KmsError named `name`, and returns that error.
 * A call that succeeds fails the test with the name it should have thrown.
 */
export async function expectKmsError(
  promise: Promise<unknown>,
  name: KmsErrorName,
): Promise<KmsError> {
  const outcome = await promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok) throw new Error(`expected ${name}, but the call succeeded`);
  expect(outcome.error).toBeInstanceOf(KmsError);
  expect((outcome.error as KmsError).name, (outcome.error as KmsError).message).toBe(name);
  return outcome.error as KmsError;
}

/** Bytes of a readable message, for plaintexts. */
export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(text);
}

/** The tree's one codec (workers/encoding.ts), for tests that show or compare bytes. */
export { toBase64, toHex } from '../../../workers/encoding.ts';
