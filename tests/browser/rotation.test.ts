/**
 * Key rotation (issue 2, acceptance "Rotation"): versioned key material, on-demand and
 * automatic rotation, the 25-rotation limit, and state rules.
 */
import { describe, expect, it } from 'vitest';
import { addDays } from '../../workers/clock.ts';
import { parseBlob } from '../../workers/formats/ciphertext-blob.ts';
import type { KeyVersionRecord } from '../../workers/keystore/vault-store.ts';
import {
  auditRecords,
  expectKmsError,
  openVaultForTest,
  readStore,
  utf8,
} from './support/vault.ts';

function blobVersion(blob: Uint8Array): number {
  const parsed = parseBlob(blob);
  expect(parsed).not.toBeNull();
  return parsed!.keyVersion;
}

describe('rotateKeyOnDemand', () => {
  it('makes new ciphertexts name version 2 while version-1 ciphertexts still decrypt with version 1', async () => {
    const vault = await openVaultForTest();
    const { kms } = vault;
    const { KeyMetadata } = await kms.createKey();
    const keyId = KeyMetadata.KeyId;
    const before = await kms.encrypt({
      KeyId: keyId,
      Plaintext: utf8('before'),
      EncryptionContext: { v: '1' },
    });
    expect(blobVersion(before.CiphertextBlob)).toBe(1);
    expect(parseBlob(before.CiphertextBlob)!.keyId).toBe(keyId);

    const rotated = await kms.rotateKeyOnDemand({ KeyId: keyId });
    expect(rotated.KeyId).toBe(KeyMetadata.Arn);
    const version1 = KeyMetadata.CurrentKeyMaterialId;
    const version2 = (await kms.describeKey({ KeyId: keyId })).KeyMetadata.CurrentKeyMaterialId;
    expect(version2).not.toBe(version1);

    const after = await kms.encrypt({ KeyId: keyId, Plaintext: utf8('after') });
    expect(blobVersion(after.CiphertextBlob)).toBe(2);

    const old = await kms.decrypt({
      CiphertextBlob: before.CiphertextBlob,
      EncryptionContext: { v: '1' },
    });
    expect(new TextDecoder().decode(old.Plaintext)).toBe('before');
    expect(old.KeyMaterialId).toBe(version1);

    const fresh = await kms.decrypt({ CiphertextBlob: after.CiphertextBlob });
    expect(new TextDecoder().decode(fresh.Plaintext)).toBe('after');
    expect(fresh.KeyMaterialId).toBe(version2);
  });

  it('is listed by listKeyRotations with RotationType ON_DEMAND, its date and its KeyMaterialId', async () => {
    const vault = await openVaultForTest();
    const { kms, clock } = vault;
    const { KeyMetadata } = await kms.createKey();
    expect((await kms.listKeyRotations({ KeyId: KeyMetadata.KeyId })).Rotations).toEqual([]);

    clock.advanceDays(3);
    const rotationDate = clock.now();
    await kms.rotateKeyOnDemand({ KeyId: KeyMetadata.KeyId });
    const { KeyMetadata: described } = await kms.describeKey({ KeyId: KeyMetadata.KeyId });
    const encrypted = await kms.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: utf8('x') });
    const decrypted = await kms.decrypt({ CiphertextBlob: encrypted.CiphertextBlob });

    const listed = await kms.listKeyRotations({ KeyId: KeyMetadata.KeyId });
    expect(listed.Truncated).toBe(false);
    expect(listed.Rotations).toEqual([
      {
        KeyId: KeyMetadata.Arn,
        KeyMaterialId: described.CurrentKeyMaterialId,
        RotationDate: rotationDate,
        RotationType: 'ON_DEMAND',
      },
    ]);
    expect(described.CurrentKeyMaterialId).not.toBe(KeyMetadata.CurrentKeyMaterialId);
    expect(decrypted.KeyMaterialId).toBe(described.CurrentKeyMaterialId);
  });

  it('keeps every version: ciphertexts of versions 1 to 6 each decrypt with their own version', async () => {
    const vault = await openVaultForTest();
    const { kms } = vault;
    const { KeyMetadata } = await kms.createKey();
    const blobs: Uint8Array[] = [];
    const materials: (string | undefined)[] = [];
    for (let version = 1; version <= 6; version++) {
      if (version > 1) await kms.rotateKeyOnDemand({ KeyId: KeyMetadata.KeyId });
      materials.push(
        (await kms.describeKey({ KeyId: KeyMetadata.KeyId })).KeyMetadata.CurrentKeyMaterialId,
      );
      const { CiphertextBlob } = await kms.encrypt({
        KeyId: KeyMetadata.KeyId,
        Plaintext: utf8(`v${version}`),
      });
      expect(blobVersion(CiphertextBlob)).toBe(version);
      blobs.push(CiphertextBlob);
    }
    for (const [index, blob] of blobs.entries()) {
      const opened = await kms.decrypt({ CiphertextBlob: blob });
      expect(opened.KeyMaterialId).toBe(materials[index]);
      expect(new TextDecoder().decode(opened.Plaintext)).toBe(`v${index + 1}`);
    }
    const rotations = await kms.listKeyRotations({ KeyId: KeyMetadata.KeyId, Limit: 2 });
    expect(rotations.Rotations).toHaveLength(2);
    expect(rotations.Truncated).toBe(true);
    const rest = await kms.listKeyRotations({
      KeyId: KeyMetadata.KeyId,
      Marker: rotations.NextMarker!,
    });
    expect(rest.Rotations).toHaveLength(3);
    expect(rest.Truncated).toBe(false);
  });

  it('allows 25 on-demand rotations and refuses the 26th with LimitExceededException', async () => {
    const vault = await openVaultForTest();
    const { kms } = vault;
    const { KeyMetadata } = await kms.createKey();
    for (let i = 0; i < 25; i++) await kms.rotateKeyOnDemand({ KeyId: KeyMetadata.KeyId });
    await expectKmsError(
      kms.rotateKeyOnDemand({ KeyId: KeyMetadata.KeyId }),
      'LimitExceededException',
    );
    const versions = await readStore<KeyVersionRecord>(vault.vaultName, 'keyVersions');
    expect(versions.map((v) => v.Version)).toEqual(Array.from({ length: 26 }, (_, i) => i + 1));
    const { CiphertextBlob } = await kms.encrypt({
      KeyId: KeyMetadata.KeyId,
      Plaintext: utf8('x'),
    });
    expect(blobVersion(CiphertextBlob)).toBe(26);
  }, 120_000);

  it('refuses a disabled key with DisabledException and a key pending deletion with KMSInvalidStateException', async () => {
    const vault = await openVaultForTest();
    const { kms } = vault;
    const { KeyMetadata } = await kms.createKey();
    await kms.disableKey({ KeyId: KeyMetadata.KeyId });
    await expectKmsError(kms.rotateKeyOnDemand({ KeyId: KeyMetadata.KeyId }), 'DisabledException');
    await expectKmsError(kms.enableKeyRotation({ KeyId: KeyMetadata.KeyId }), 'DisabledException');
    await kms.scheduleKeyDeletion({ KeyId: KeyMetadata.KeyId, PendingWindowInDays: 7 });
    await expectKmsError(
      kms.rotateKeyOnDemand({ KeyId: KeyMetadata.KeyId }),
      'KMSInvalidStateException',
    );
    const versions = await readStore<KeyVersionRecord>(vault.vaultName, 'keyVersions');
    expect(versions.map((v) => v.Version)).toEqual([1]);
  });

  it('refuses an unknown key with NotFoundException', async () => {
    const vault = await openVaultForTest();
    await expectKmsError(
      vault.kms.rotateKeyOnDemand({ KeyId: crypto.randomUUID() }),
      'NotFoundException',
    );
    await expectKmsError(vault.kms.rotateKeyOnDemand({ KeyId: 'alias/none' }), 'NotFoundException');
  });
});

describe('automatic rotation', () => {
  it('reports RotationPeriodInDays and NextRotationDate once enabled (default 365 days)', async () => {
    const vault = await openVaultForTest();
    const { kms, clock } = vault;
    const { KeyMetadata } = await kms.createKey();
    expect(await kms.getKeyRotationStatus({ KeyId: KeyMetadata.KeyId })).toEqual({
      KeyId: KeyMetadata.Arn,
      KeyRotationEnabled: false,
    });
    await kms.enableKeyRotation({ KeyId: KeyMetadata.KeyId });
    expect(await kms.getKeyRotationStatus({ KeyId: KeyMetadata.KeyId })).toEqual({
      KeyId: KeyMetadata.Arn,
      KeyRotationEnabled: true,
      RotationPeriodInDays: 365,
      NextRotationDate: addDays(clock.now(), 365),
    });
    await kms.disableKeyRotation({ KeyId: KeyMetadata.KeyId });
    expect((await kms.getKeyRotationStatus({ KeyId: KeyMetadata.KeyId })).KeyRotationEnabled).toBe(
      false,
    );
  });

  it('fires when the clock passes NextRotationDate: AUTOMATIC rotation audited as RotateKey, AwsServiceEvent', async () => {
    const vault = await openVaultForTest();
    const { kms, clock } = vault;
    const { KeyMetadata } = await kms.createKey();
    const before = await kms.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: utf8('old') });
    await kms.enableKeyRotation({ KeyId: KeyMetadata.KeyId, RotationPeriodInDays: 90 });
    const { NextRotationDate } = await kms.getKeyRotationStatus({ KeyId: KeyMetadata.KeyId });
    expect(NextRotationDate).toEqual(addDays(clock.now(), 90));

    // Not yet due: nothing happens.
    clock.set(new Date(NextRotationDate!.getTime() - 1));
    expect(await kms.runHousekeeping()).toBe(0);
    expect((await kms.listKeyRotations({ KeyId: KeyMetadata.KeyId })).Rotations).toEqual([]);

    clock.advanceMs(60_000);
    const rotatedAt = clock.now();
    expect(await kms.runHousekeeping()).toBe(1);

    const { KeyMetadata: described } = await kms.describeKey({ KeyId: KeyMetadata.KeyId });
    expect((await kms.listKeyRotations({ KeyId: KeyMetadata.KeyId })).Rotations).toEqual([
      {
        KeyId: KeyMetadata.Arn,
        KeyMaterialId: described.CurrentKeyMaterialId,
        RotationDate: rotatedAt,
        RotationType: 'AUTOMATIC',
      },
    ]);
    // The schedule does not drift with housekeeping's timing: one period after the date that was due.
    expect((await kms.getKeyRotationStatus({ KeyId: KeyMetadata.KeyId })).NextRotationDate).toEqual(
      addDays(NextRotationDate!, 90),
    );

    const events = (await auditRecords(vault.vaultName)).filter(
      (event) => event.eventName === 'RotateKey',
    );
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event).toMatchObject({
      eventName: 'RotateKey',
      eventType: 'AwsServiceEvent',
      eventTime: rotatedAt.toISOString(),
      eventSource: 'kms.pkms.local',
      managementEvent: true,
      resources: [{ type: 'AWS::KMS::Key', ARN: KeyMetadata.Arn }],
      additionalEventData: {
        rotationType: 'AUTOMATIC',
        keyMaterialId: described.CurrentKeyMaterialId,
      },
    });
    expect(event!.errorCode).toBeUndefined();

    // The new version encrypts; the old one still decrypts.
    const after = await kms.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: utf8('new') });
    expect(blobVersion(after.CiphertextBlob)).toBe(2);
    expect((await kms.decrypt({ CiphertextBlob: before.CiphertextBlob })).KeyMaterialId).toBe(
      KeyMetadata.CurrentKeyMaterialId,
    );

    // Running housekeeping again at the same time does nothing more.
    expect(await kms.runHousekeeping()).toBe(0);
  });

  it('after a vault closed for several periods, catches up with one rotation and schedules the next a period from now', async () => {
    const vault = await openVaultForTest();
    const { kms, clock } = vault;
    const { KeyMetadata } = await kms.createKey();
    await kms.enableKeyRotation({ KeyId: KeyMetadata.KeyId, RotationPeriodInDays: 90 });
    clock.advanceDays(400);
    expect(await kms.runHousekeeping()).toBe(1);
    expect(await kms.runHousekeeping()).toBe(0);
    expect((await kms.getKeyRotationStatus({ KeyId: KeyMetadata.KeyId })).NextRotationDate).toEqual(
      addDays(clock.now(), 90),
    );
    expect(
      (await kms.listKeyRotations({ KeyId: KeyMetadata.KeyId })).Rotations.map(
        (r) => r.RotationType,
      ),
    ).toEqual(['AUTOMATIC']);
  });

  it('does not count automatic rotations against the 25 on-demand rotations', async () => {
    const vault = await openVaultForTest();
    const { kms, clock } = vault;
    const { KeyMetadata } = await kms.createKey();
    await kms.enableKeyRotation({ KeyId: KeyMetadata.KeyId, RotationPeriodInDays: 90 });
    clock.advanceDays(91);
    expect(await kms.runHousekeeping()).toBe(1);
    for (let i = 0; i < 25; i++) await kms.rotateKeyOnDemand({ KeyId: KeyMetadata.KeyId });
    await expectKmsError(
      kms.rotateKeyOnDemand({ KeyId: KeyMetadata.KeyId }),
      'LimitExceededException',
    );
    const types = (await kms.listKeyRotations({ KeyId: KeyMetadata.KeyId })).Rotations.map(
      (r) => r.RotationType,
    );
    expect(types).toEqual(['AUTOMATIC', ...Array<string>(25).fill('ON_DEMAND')]);
  }, 120_000);

  it('skips a disabled key whose rotation is due', async () => {
    const vault = await openVaultForTest();
    const { kms, clock } = vault;
    const { KeyMetadata } = await kms.createKey();
    await kms.enableKeyRotation({ KeyId: KeyMetadata.KeyId, RotationPeriodInDays: 90 });
    await kms.disableKey({ KeyId: KeyMetadata.KeyId });
    clock.advanceDays(100);
    expect(await kms.runHousekeeping()).toBe(0);
    const versions = await readStore<KeyVersionRecord>(vault.vaultName, 'keyVersions');
    expect(versions.map((v) => v.Version)).toEqual([1]);
  });
});
