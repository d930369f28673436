/**
 * The sandbox vault's clock (issue 13 §1): AdvanceClock and SetClock move it forward only, each
 * with its audit record; the offset is stored in the sandbox's own database and outlives the
 * core; housekeeping runs at every move, so rotation, deletion after the window and imported
 * material's expiry happen at the simulated time with their AwsServiceEvent records. A vault
 * opened without `sandbox` has no clock operations at all.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import type { AuditEvent } from '../../workers/api.ts';
import { DAY_MS } from '../../workers/clock.ts';
import { Kms, type Kms as KmsVault } from '../../workers/kms/kms.ts';
import { importMaterial, newKeyMaterial } from './support/key-import.ts';
import { ManualClock, TEST_EPOCH } from './support/manual-clock.ts';
import {
  auditRecords,
  expectKmsError,
  openSandboxForTest,
  openVaultForTest,
  utf8,
} from './support/vault.ts';

const HOUR_MS = 60 * 60 * 1000;

function clockOf(kms: KmsVault) {
  const clock = kms.sandboxClock?.(undefined);
  if (!clock) throw new Error('not a sandbox vault');
  return clock;
}

function serviceEvents(records: AuditEvent[], eventName: string): AuditEvent[] {
  return records.filter((r) => r.eventType === 'AwsServiceEvent' && r.eventName === eventName);
}

describe('the sandbox clock', () => {
  it('starts at the base clock, moves forward by Days and Hours, and audits the move at the time it was asked', async () => {
    const { kms, vaultName } = await openSandboxForTest();
    const clock = clockOf(kms);
    expect(await clock.describeClock()).toEqual({
      Date: new Date(TEST_EPOCH),
      OffsetInMilliseconds: 0,
    });

    const moved = await clock.advanceClock({ Days: 1, Hours: 2 });
    expect(moved).toEqual({
      Date: new Date(TEST_EPOCH + DAY_MS + 2 * HOUR_MS),
      OffsetInMilliseconds: DAY_MS + 2 * HOUR_MS,
      PreviousDate: new Date(TEST_EPOCH),
      HousekeepingEvents: 0,
    });
    expect((await clock.describeClock()).Date).toEqual(moved.Date);
    // Every date the core returns reads the same clock.
    const { KeyMetadata } = await kms.createKey();
    expect(KeyMetadata.CreationDate).toEqual(moved.Date);

    const advance = (await auditRecords(vaultName)).find((r) => r.eventName === 'AdvanceClock');
    expect(advance).toMatchObject({
      eventType: 'AwsApiCall',
      eventTime: new Date(TEST_EPOCH).toISOString(),
      requestParameters: { days: 1, hours: 2 },
      readOnly: false,
    });
    expect(advance!.errorCode).toBeUndefined();
  });

  it('setClock moves to a later date; an earlier one is ValidationException and leaves the clock where it was', async () => {
    const { kms, vaultName } = await openSandboxForTest();
    const clock = clockOf(kms);
    const later = new Date(TEST_EPOCH + 30 * DAY_MS);
    expect((await clock.setClock({ Date: later })).Date).toEqual(later);
    // The same instant again is allowed (not earlier); a millisecond before is not.
    expect((await clock.setClock({ Date: later })).OffsetInMilliseconds).toBe(30 * DAY_MS);
    const refused = await expectKmsError(
      clock.setClock({ Date: new Date(later.getTime() - 1) }),
      'ValidationException',
    );
    expect(refused.message).toContain('only moves forward');
    expect((await clock.describeClock()).Date).toEqual(later);
    const records = await auditRecords(vaultName);
    expect(records.filter((r) => r.eventName === 'SetClock').map((r) => r.errorCode)).toEqual([
      undefined,
      undefined,
      'ValidationException',
    ]);
  });

  it('refuses what is not a forward move with ValidationException, and nothing moves', async () => {
    const { kms } = await openSandboxForTest();
    const clock = clockOf(kms);
    await expectKmsError(clock.advanceClock({}), 'ValidationException');
    await expectKmsError(clock.advanceClock({ Days: 0, Hours: 0 }), 'ValidationException');
    await expectKmsError(clock.advanceClock({ Days: -1 }), 'ValidationException');
    await expectKmsError(clock.advanceClock({ Hours: 1.5 }), 'ValidationException');
    await expectKmsError(clock.advanceClock({ Days: 36_501 }), 'ValidationException');
    await expectKmsError(
      clock.advanceClock({ Days: '1' } as unknown as { Days: number }),
      'ValidationException',
    );
    await expectKmsError(clock.setClock({} as { Date: Date }), 'ValidationException');
    await expectKmsError(clock.setClock({ Date: new Date(Number.NaN) }), 'ValidationException');
    expect((await clock.describeClock()).OffsetInMilliseconds).toBe(0);
  });

  it('keeps its offset in the sandbox database: a new core on the same vault reads the same now', async () => {
    const base = new ManualClock();
    const vaultName = `sandbox-${crypto.randomUUID()}`;
    const first = await openSandboxForTest(base, vaultName);
    await clockOf(first.kms).advanceClock({ Days: 400 });
    first.kms.close();

    base.advanceMs(5 * HOUR_MS); // time passes on the system clock while the tab is closed
    const again = await Kms.open({ vaultName, clock: base, sandbox: true });
    onTestFinished(() => again.close());
    expect(await clockOf(again).describeClock()).toEqual({
      Date: new Date(TEST_EPOCH + 400 * DAY_MS + 5 * HOUR_MS),
      OffsetInMilliseconds: 400 * DAY_MS,
    });
  });

  it('AdvanceClock adds exactly its length to the offset while the system clock ticks between reads', async () => {
    // A base clock one millisecond later at every read: aiming at `now + length` and taking the
    // offset from a second read made a 400-day move 1 ms short (seen once in a clean-clone run).
    const ticking = new ManualClock();
    const now = ticking.now.bind(ticking);
    ticking.now = () => {
      ticking.advanceMs(1);
      return now();
    };
    const { kms } = await openSandboxForTest(ticking, `sandbox-${crypto.randomUUID()}`);
    const clock = clockOf(kms);
    expect((await clock.advanceClock({ Days: 400 })).OffsetInMilliseconds).toBe(400 * DAY_MS);
    expect((await clock.advanceClock({ Hours: 1 })).OffsetInMilliseconds).toBe(
      400 * DAY_MS + HOUR_MS,
    );
    expect((await clock.describeClock()).OffsetInMilliseconds).toBe(400 * DAY_MS + HOUR_MS);
  });

  it('a vault opened without sandbox has no clock operations: its time is its clock, unmoved', async () => {
    const { kms, clock } = await openVaultForTest();
    expect(kms.sandboxClock).toBeUndefined();
    const { KeyMetadata } = await kms.createKey();
    expect(KeyMetadata.CreationDate).toEqual(clock.now());
  });
});

describe('housekeeping at simulated times', () => {
  it('automatic rotation fires when the clock reaches the period, not before, recorded at that time', async () => {
    const { kms, vaultName } = await openSandboxForTest();
    const clock = clockOf(kms);
    const { KeyMetadata } = await kms.createKey();
    await kms.enableKeyRotation({ KeyId: KeyMetadata.KeyId, RotationPeriodInDays: 90 });
    const { CiphertextBlob } = await kms.encrypt({
      KeyId: KeyMetadata.KeyId,
      Plaintext: utf8('v1'),
    });

    expect((await clock.advanceClock({ Days: 89 })).HousekeepingEvents).toBe(0);
    expect((await kms.listKeyRotations({ KeyId: KeyMetadata.KeyId })).Rotations).toEqual([]);

    const due = new Date(TEST_EPOCH + 90 * DAY_MS);
    const moved = await clock.advanceClock({ Days: 1 });
    expect(moved.Date).toEqual(due);
    expect(moved.HousekeepingEvents).toBe(1);
    const { Rotations } = await kms.listKeyRotations({ KeyId: KeyMetadata.KeyId });
    expect(Rotations).toHaveLength(1);
    expect(Rotations[0]).toMatchObject({ RotationType: 'AUTOMATIC', RotationDate: due });
    const status = await kms.getKeyRotationStatus({ KeyId: KeyMetadata.KeyId });
    expect(status.NextRotationDate).toEqual(new Date(due.getTime() + 90 * DAY_MS));

    const [rotate] = serviceEvents(await auditRecords(vaultName), 'RotateKey');
    expect(rotate).toMatchObject({
      eventTime: due.toISOString(),
      additionalEventData: {
        rotationType: 'AUTOMATIC',
        keyMaterialId: Rotations[0]!.KeyMaterialId,
      },
    });
    // The old ciphertext still decrypts, with version 1's material.
    const old = await kms.decrypt({ CiphertextBlob });
    expect(old.KeyMaterialId).toBe(KeyMetadata.CurrentKeyMaterialId);
  });

  it('a key scheduled for deletion is destroyed when the clock passes its window, recorded at that time', async () => {
    const { kms, vaultName } = await openSandboxForTest();
    const clock = clockOf(kms);
    const { KeyMetadata } = await kms.createKey();
    await kms.createAlias({ AliasName: 'alias/doomed', TargetKeyId: KeyMetadata.KeyId });
    const { CiphertextBlob } = await kms.encrypt({
      KeyId: KeyMetadata.KeyId,
      Plaintext: utf8('x'),
    });
    const { DeletionDate } = await kms.scheduleKeyDeletion({
      KeyId: KeyMetadata.KeyId,
      PendingWindowInDays: 7,
    });
    expect(DeletionDate).toEqual(new Date(TEST_EPOCH + 7 * DAY_MS));

    expect((await clock.advanceClock({ Days: 6, Hours: 23 })).HousekeepingEvents).toBe(0);
    expect((await kms.describeKey({ KeyId: KeyMetadata.KeyId })).KeyMetadata.KeyState).toBe(
      'PendingDeletion',
    );
    expect((await clock.advanceClock({ Hours: 1 })).HousekeepingEvents).toBe(1);
    await expectKmsError(kms.describeKey({ KeyId: KeyMetadata.KeyId }), 'NotFoundException');
    await expectKmsError(kms.describeKey({ KeyId: 'alias/doomed' }), 'NotFoundException');
    await expectKmsError(kms.decrypt({ CiphertextBlob }), 'InvalidCiphertextException');

    const [deleted] = serviceEvents(await auditRecords(vaultName), 'DeleteKey');
    expect(deleted).toMatchObject({
      eventTime: DeletionDate.toISOString(),
      additionalEventData: { keyId: KeyMetadata.Arn, deletionDate: DeletionDate.toISOString() },
    });
  });

  it('imported key material expires when the clock reaches ValidTo, recorded at that time', async () => {
    const { kms, vaultName } = await openSandboxForTest();
    const clock = clockOf(kms);
    const { KeyMetadata } = await kms.createKey({ Origin: 'EXTERNAL' });
    const validTo = new Date(TEST_EPOCH + 2 * DAY_MS);
    await importMaterial(kms, KeyMetadata.KeyId, newKeyMaterial(), { validTo });
    const { CiphertextBlob } = await kms.encrypt({
      KeyId: KeyMetadata.KeyId,
      Plaintext: utf8('x'),
    });

    expect(
      (await clock.setClock({ Date: new Date(validTo.getTime() - 1) })).HousekeepingEvents,
    ).toBe(0);
    expect((await kms.decrypt({ CiphertextBlob })).KeyId).toBe(KeyMetadata.Arn);
    expect((await clock.setClock({ Date: validTo })).HousekeepingEvents).toBe(1);
    const { KeyMetadata: after } = await kms.describeKey({ KeyId: KeyMetadata.KeyId });
    expect(after.KeyState).toBe('PendingImport');
    await expectKmsError(kms.decrypt({ CiphertextBlob }), 'KMSInvalidStateException');

    const [expired] = serviceEvents(await auditRecords(vaultName), 'DeleteExpiredKeyMaterial');
    expect(expired).toMatchObject({
      eventTime: validTo.toISOString(),
      additionalEventData: { keyId: KeyMetadata.Arn, validTo: validTo.toISOString() },
    });
  });

  it('the log stays one valid chain across the moves and the events they cause', async () => {
    const { kms } = await openSandboxForTest();
    const { KeyMetadata } = await kms.createKey();
    await kms.enableKeyRotation({ KeyId: KeyMetadata.KeyId, RotationPeriodInDays: 90 });
    await clockOf(kms).advanceClock({ Days: 365 });
    expect((await kms.verifyAuditLog()).Valid).toBe(true);
    expect((await kms.listKeyRotations({ KeyId: KeyMetadata.KeyId })).Rotations).toHaveLength(1);
  });
});
