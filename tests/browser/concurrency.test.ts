/**
 * Two vault instances on one database (as two tabs each run their own core worker) rotating
 * the same key at once (issue 2, acceptance "Two tabs rotating the same key at once end with a
 * linear version history"). The Web Lock serializes them; this proves the result.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { aesGcmEncrypt } from '../../workers/crypto/aes-gcm.ts';
import { encodeBlobHeader, joinBlob, parseBlob } from '../../workers/formats/ciphertext-blob.ts';
import { serializeEncryptionContext } from '../../workers/formats/encryption-context.ts';
import { Kms } from '../../workers/kms/kms.ts';
import type { KeyVersionRecord } from '../../workers/keystore/vault-store.ts';
import { ManualClock } from './support/manual-clock.ts';
import { auditRecords, openVaultForTest, readStore, utf8 } from './support/vault.ts';

const ROTATIONS_PER_INSTANCE = 6;

describe('two instances on one vault', () => {
  it('rotating the same key concurrently end with versions 1..N: no gap, no duplicate, each version decrypts', async () => {
    const clock = new ManualClock();
    const vault = await openVaultForTest(clock);
    const first = vault.kms;
    const second = await Kms.open({ vaultName: vault.vaultName, clock, userAgent: 'second tab' });
    // onTestFinished callbacks run last-registered first: this core closes before the vault's
    // database is deleted.
    onTestFinished(() => second.close());
    expect(second.vaultId).toBe(first.vaultId);
    const { KeyMetadata } = await first.createKey();
    const keyId = KeyMetadata.KeyId;

    // Each task rotates, then encrypts with whatever version is current at that moment.
    const task = async (kms: Kms, n: number) => {
      await kms.rotateKeyOnDemand({ KeyId: keyId });
      return kms.encrypt({ KeyId: keyId, Plaintext: utf8(`${kms === first ? 'A' : 'B'}${n}`) });
    };
    const encrypted = await Promise.all(
      Array.from({ length: ROTATIONS_PER_INSTANCE }, (_, n) => [
        task(first, n),
        task(second, n),
      ]).flat(),
    );

    const total = 1 + 2 * ROTATIONS_PER_INSTANCE;
    const versions = (await readStore<KeyVersionRecord>(vault.vaultName, 'keyVersions')).filter(
      (v) => v.KeyId === keyId,
    );
    expect(versions.map((v) => v.Version)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(new Set(versions.map((v) => v.KeyMaterialId)).size).toBe(total);
    const { KeyMetadata: described } = await second.describeKey({ KeyId: keyId });
    expect(described.CurrentKeyMaterialId).toBe(versions.at(-1)!.KeyMaterialId);

    const rotations = await first.listKeyRotations({ KeyId: keyId });
    expect(rotations.Rotations).toHaveLength(2 * ROTATIONS_PER_INSTANCE);
    expect(rotations.Rotations.every((rotation) => rotation.RotationType === 'ON_DEMAND')).toBe(
      true,
    );

    // Every ciphertext made during the race decrypts, from either instance, with the version it names.
    for (const [index, result] of encrypted.entries()) {
      const version = parseBlob(result.CiphertextBlob)!.keyVersion;
      const opened = await (index % 2 ? first : second).decrypt({
        CiphertextBlob: result.CiphertextBlob,
      });
      expect(opened.KeyMaterialId).toBe(versions.find((v) => v.Version === version)!.KeyMaterialId);
    }

    // Every version's material decrypts: seal a blob under each stored version as FORMAT.md §2
    // says, and decrypt it through the API.
    for (const record of versions) {
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const header = encodeBlobHeader({
        vaultId: first.vaultId,
        keyId,
        keyVersion: record.Version,
        iv,
      });
      const sealed = await aesGcmEncrypt(
        record.CryptoKey!,
        iv,
        utf8(`version ${record.Version}`),
        joinBlob(header, serializeEncryptionContext({})),
      );
      const opened = await first.decrypt({ CiphertextBlob: joinBlob(header, sealed) });
      expect(opened.KeyMaterialId).toBe(record.KeyMaterialId);
      expect(new TextDecoder().decode(opened.Plaintext)).toBe(`version ${record.Version}`);
    }

    // One shared audit chain: each rotation logged once, no failures, the chain intact.
    const records = await auditRecords(vault.vaultName);
    const rotateRecords = records.filter((record) => record.eventName === 'RotateKeyOnDemand');
    expect(rotateRecords).toHaveLength(2 * ROTATIONS_PER_INSTANCE);
    expect(rotateRecords.every((record) => record.errorCode === undefined)).toBe(true);
    expect(records.map((record) => record.sequence)).toEqual(records.map((_, i) => i + 1));
    expect(await second.verifyAuditLog()).toMatchObject({ Valid: true });
  }, 120_000);

  it('running housekeeping at once rotate a due key once and destroy an expired key once', async () => {
    const clock = new ManualClock();
    const vault = await openVaultForTest(clock);
    const first = vault.kms;
    const second = await Kms.open({ vaultName: vault.vaultName, clock });
    onTestFinished(() => second.close());
    const rotating = (await first.createKey()).KeyMetadata;
    const doomed = (await first.createKey()).KeyMetadata;
    await first.enableKeyRotation({ KeyId: rotating.KeyId, RotationPeriodInDays: 90 });
    await second.scheduleKeyDeletion({ KeyId: doomed.KeyId, PendingWindowInDays: 7 });
    clock.advanceDays(91);

    const events = await Promise.all([
      first.runHousekeeping(),
      second.runHousekeeping(),
      first.runHousekeeping(),
      second.runHousekeeping(),
    ]);
    expect(events.reduce((sum, n) => sum + n, 0)).toBe(2);

    const versions = (await readStore<KeyVersionRecord>(vault.vaultName, 'keyVersions')).map(
      (v) => [v.KeyId, v.Version],
    );
    expect(versions).toEqual([
      [rotating.KeyId, 1],
      [rotating.KeyId, 2],
    ]);
    const serviceEvents = (await auditRecords(vault.vaultName))
      .filter((record) => record.eventType === 'AwsServiceEvent')
      .map((record) => record.eventName)
      .sort();
    expect(serviceEvents).toEqual(['DeleteKey', 'RotateKey']);
    expect(await first.verifyAuditLog()).toMatchObject({ Valid: true });
  }, 120_000);

  it('share the 25 on-demand rotation limit: 30 concurrent rotations give 25 versions and 5 LimitExceededException', async () => {
    const clock = new ManualClock();
    const vault = await openVaultForTest(clock);
    const first = vault.kms;
    const second = await Kms.open({ vaultName: vault.vaultName, clock });
    onTestFinished(() => second.close());
    const { KeyMetadata } = await first.createKey();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) =>
        (i % 2 ? first : second).rotateKeyOnDemand({ KeyId: KeyMetadata.KeyId }),
      ),
    );
    const rejected = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(25);
    expect(rejected.map((outcome) => (outcome as PromiseRejectedResult).reason.name)).toEqual(
      Array<string>(5).fill('LimitExceededException'),
    );
    const versions = (await readStore<KeyVersionRecord>(vault.vaultName, 'keyVersions')).map(
      (v) => v.Version,
    );
    expect(versions).toEqual(Array.from({ length: 26 }, (_, i) => i + 1));
  }, 120_000);
});
