/**
 * Key deletion (issue 2, acceptance "After the deletion window…"): scheduling, the window,
 * destruction by housekeeping with nothing of the key left in IndexedDB, and cancellation.
 */
import { describe, expect, it } from 'vitest';
import { addDays } from '../../workers/clock.ts';
import type {
  AliasRecord,
  KeyRecord,
  KeyVersionRecord,
} from '../../workers/keystore/vault-store.ts';
import {
  auditRecords,
  expectKmsError,
  openVaultForTest,
  readStore,
  utf8,
} from './support/vault.ts';

async function materialOf(vaultName: string, keyId: string) {
  return {
    keys: (await readStore<KeyRecord>(vaultName, 'keys')).filter(
      (record) => record.KeyId === keyId,
    ),
    keyVersions: (await readStore<KeyVersionRecord>(vaultName, 'keyVersions')).filter(
      (record) => record.KeyId === keyId,
    ),
    aliases: (await readStore<AliasRecord>(vaultName, 'aliases')).filter(
      (record) => record.TargetKeyId === keyId,
    ),
  };
}

describe('scheduleKeyDeletion', () => {
  it('defaults to a 30-day window and returns DeletionDate; describeKey shows PendingDeletion', async () => {
    const vault = await openVaultForTest();
    const { kms, clock } = vault;
    const { KeyMetadata } = await kms.createKey();
    const scheduled = await kms.scheduleKeyDeletion({ KeyId: KeyMetadata.KeyId });
    expect(scheduled).toEqual({
      KeyId: KeyMetadata.Arn,
      DeletionDate: addDays(clock.now(), 30),
      KeyState: 'PendingDeletion',
      PendingWindowInDays: 30,
    });
    expect((await kms.describeKey({ KeyId: KeyMetadata.KeyId })).KeyMetadata).toMatchObject({
      KeyState: 'PendingDeletion',
      Enabled: false,
      DeletionDate: addDays(clock.now(), 30),
      PendingDeletionWindowInDays: 30,
    });
    await expectKmsError(
      kms.scheduleKeyDeletion({ KeyId: KeyMetadata.KeyId }),
      'KMSInvalidStateException',
    );
    await expectKmsError(kms.enableKey({ KeyId: KeyMetadata.KeyId }), 'KMSInvalidStateException');
    await expectKmsError(kms.disableKey({ KeyId: KeyMetadata.KeyId }), 'KMSInvalidStateException');
    await expectKmsError(
      kms.createAlias({ AliasName: 'alias/late', TargetKeyId: KeyMetadata.KeyId }),
      'KMSInvalidStateException',
    );
  });

  it('destroys the key after the window: describeKey → NotFoundException, and no keys/keyVersions/aliases record remains', async () => {
    const vault = await openVaultForTest();
    const { kms, clock, vaultName } = vault;
    const { KeyMetadata } = await kms.createKey({ Description: 'doomed' });
    const keyId = KeyMetadata.KeyId;
    const survivor = (await kms.createKey({ Description: 'survivor' })).KeyMetadata;
    await kms.rotateKeyOnDemand({ KeyId: keyId });
    await kms.rotateKeyOnDemand({ KeyId: keyId });
    await kms.createAlias({ AliasName: 'alias/doomed-1', TargetKeyId: keyId });
    await kms.createAlias({ AliasName: 'alias/doomed-2', TargetKeyId: keyId });
    await kms.createAlias({ AliasName: 'alias/survivor', TargetKeyId: survivor.KeyId });
    const { CiphertextBlob } = await kms.encrypt({ KeyId: keyId, Plaintext: utf8('lost forever') });
    const before = await materialOf(vaultName, keyId);
    expect([before.keys.length, before.keyVersions.length, before.aliases.length]).toEqual([
      1, 3, 2,
    ]);

    const { DeletionDate } = await kms.scheduleKeyDeletion({
      KeyId: keyId,
      PendingWindowInDays: 7,
    });

    // One millisecond before the window ends: still there.
    clock.set(new Date(DeletionDate.getTime() - 1));
    expect(await kms.runHousekeeping()).toBe(0);
    expect((await kms.describeKey({ KeyId: keyId })).KeyMetadata.KeyState).toBe('PendingDeletion');

    clock.set(DeletionDate);
    expect(await kms.runHousekeeping()).toBe(1);

    await expectKmsError(kms.describeKey({ KeyId: keyId }), 'NotFoundException');
    await expectKmsError(kms.describeKey({ KeyId: 'alias/doomed-1' }), 'NotFoundException');
    await expectKmsError(kms.decrypt({ CiphertextBlob }), 'InvalidCiphertextException');
    expect(await materialOf(vaultName, keyId)).toEqual({ keys: [], keyVersions: [], aliases: [] });
    expect((await kms.listKeys()).Keys.map((entry) => entry.KeyId)).toEqual([survivor.KeyId]);
    expect((await kms.listAliases()).Aliases.map((alias) => alias.AliasName)).toEqual([
      'alias/survivor',
    ]);

    // No stored record of any kind still mentions the key, except the audit log.
    for (const store of ['vault', 'keys', 'keyVersions', 'aliases'] as const) {
      const records = await readStore<Record<string, unknown>>(vaultName, store);
      const text = JSON.stringify(records.map(({ CryptoKey: _key, ...rest }) => rest));
      expect(text, store).not.toContain(keyId);
    }

    const deleteEvents = (await auditRecords(vaultName)).filter(
      (event) => event.eventName === 'DeleteKey',
    );
    expect(deleteEvents).toHaveLength(1);
    expect(deleteEvents[0]).toMatchObject({
      eventType: 'AwsServiceEvent',
      eventTime: DeletionDate.toISOString(),
      resources: [{ type: 'AWS::KMS::Key', ARN: KeyMetadata.Arn }],
      additionalEventData: { keyId: KeyMetadata.Arn, deletionDate: DeletionDate.toISOString() },
    });
    expect(deleteEvents[0]!.errorCode).toBeUndefined();

    // A second run finds nothing more to do.
    expect(await kms.runHousekeeping()).toBe(0);
    expect((await kms.verifyAuditLog()).Valid).toBe(true);
  });

  it('cancelKeyDeletion within the window leaves the key Disabled; after enableKey it encrypts and decrypts again', async () => {
    const vault = await openVaultForTest();
    const { kms, clock } = vault;
    const { KeyMetadata } = await kms.createKey();
    const { CiphertextBlob } = await kms.encrypt({
      KeyId: KeyMetadata.KeyId,
      Plaintext: utf8('saved'),
    });
    const { DeletionDate } = await kms.scheduleKeyDeletion({
      KeyId: KeyMetadata.KeyId,
      PendingWindowInDays: 7,
    });

    clock.set(new Date(DeletionDate.getTime() - 60_000));
    expect(await kms.cancelKeyDeletion({ KeyId: KeyMetadata.KeyId })).toEqual({
      KeyId: KeyMetadata.Arn,
    });
    const { KeyMetadata: cancelled } = await kms.describeKey({ KeyId: KeyMetadata.KeyId });
    expect(cancelled.KeyState).toBe('Disabled');
    expect(cancelled.Enabled).toBe(false);
    expect(cancelled.DeletionDate).toBeUndefined();
    expect(cancelled.PendingDeletionWindowInDays).toBeUndefined();
    await expectKmsError(kms.decrypt({ CiphertextBlob }), 'DisabledException');

    // Past the old deletion date, housekeeping leaves the cancelled key alone.
    clock.advanceDays(30);
    expect(await kms.runHousekeeping()).toBe(0);

    await kms.enableKey({ KeyId: KeyMetadata.KeyId });
    expect(new TextDecoder().decode((await kms.decrypt({ CiphertextBlob })).Plaintext)).toBe(
      'saved',
    );
    const fresh = await kms.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: utf8('again') });
    expect(
      new TextDecoder().decode(
        (await kms.decrypt({ CiphertextBlob: fresh.CiphertextBlob })).Plaintext,
      ),
    ).toBe('again');
  });

  it('cancelKeyDeletion of a key not pending deletion → KMSInvalidStateException', async () => {
    const vault = await openVaultForTest();
    const { KeyMetadata } = await vault.kms.createKey();
    await expectKmsError(
      vault.kms.cancelKeyDeletion({ KeyId: KeyMetadata.KeyId }),
      'KMSInvalidStateException',
    );
  });

  it('deleting a disabled key works too, and an unknown key → NotFoundException', async () => {
    const vault = await openVaultForTest();
    const { kms, clock } = vault;
    const { KeyMetadata } = await kms.createKey();
    await kms.disableKey({ KeyId: KeyMetadata.KeyId });
    await kms.scheduleKeyDeletion({ KeyId: KeyMetadata.KeyId, PendingWindowInDays: 7 });
    clock.advanceDays(7);
    expect(await kms.runHousekeeping()).toBe(1);
    await expectKmsError(kms.describeKey({ KeyId: KeyMetadata.KeyId }), 'NotFoundException');
    await expectKmsError(
      kms.scheduleKeyDeletion({ KeyId: crypto.randomUUID() }),
      'NotFoundException',
    );
  });
});
