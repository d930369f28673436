/**
 * encryptFile, decryptFile and inspectCiphertext on a real vault in Chromium (docs/FORMAT.md
 * §4.8: vault keys as `pocket-kms` / `<KeyId>#v<version>`). The page thread has no OPFS sync
 * access handles, so outputs here are in-memory Files; tests/browser/envelope-opfs.test.ts covers
 * the OPFS sink in a worker.
 */
import { describe, expect, test } from 'vitest';
import { auditRecords, expectKmsError, openTestVault, openVaultForTest } from './support/vault.ts';
import { pseudoRandomBytes } from '../pseudo-random-bytes.ts';

async function bytes(blob: Blob): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await blob.arrayBuffer());
}

describe('file operations on vault keys', () => {
  test('encrypt under two keys, decrypt with either, names and sizes as documented', async () => {
    const vault = await openVaultForTest();
    const { kms } = vault;
    const mine = (await kms.createKey({ Description: 'mine' })).KeyMetadata;
    const recovery = (await kms.createKey({ Description: 'recovery' })).KeyMetadata;
    await kms.createAlias({ AliasName: 'alias/recovery', TargetKeyId: recovery.KeyId });
    const input = new File([pseudoRandomBytes(200_000)], 'notes.txt');
    const progress: number[] = [];
    const encrypted = await kms.encryptFile(
      {
        Input: input,
        KeyIds: [mine.KeyId, 'alias/recovery', mine.Arn],
        EncryptionContext: { purpose: 'backup' },
        FrameLength: 65536,
      },
      (done) => progress.push(done),
    );
    expect(encrypted.Output.name).toBe('notes.txt.encrypted');
    expect(encrypted.Output.size).toBe(encrypted.CiphertextLength);
    expect(encrypted.KeyIds).toEqual([mine.Arn, recovery.Arn]);
    expect(encrypted.AlgorithmSuiteId).toBe('0x0478');
    expect(encrypted.FrameLength).toBe(65536);
    expect(encrypted.FrameCount).toBe(4);
    expect(progress.at(-1)).toBe(200_000);

    const inspected = await kms.inspectCiphertext({ Input: encrypted.Output });
    expect(inspected.EncryptedDataKeys).toEqual([
      {
        ProviderId: 'pocket-kms',
        KeyName: `${kms.vaultId}/${mine.KeyId}#v1`,
        KeyId: mine.Arn,
        KeyVersion: 1,
        HeldByVault: true,
        KeyState: 'Enabled',
      },
      {
        ProviderId: 'pocket-kms',
        KeyName: `${kms.vaultId}/${recovery.KeyId}#v1`,
        KeyId: recovery.Arn,
        KeyVersion: 1,
        HeldByVault: true,
        KeyState: 'Enabled',
      },
    ]);
    expect(inspected.FrameCount).toBe(4);
    expect(inspected.PlaintextLength).toBe(200_000);
    expect(inspected.Fields[0]).toEqual({ Name: 'Version', Offset: 0, Length: 1, Value: '0x02' });

    const decrypted = await kms.decryptFile({
      Input: encrypted.Output,
      EncryptionContext: { purpose: 'backup' },
    });
    expect(decrypted.Output.name).toBe('notes.txt');
    expect(decrypted.KeyId).toBe(mine.Arn);
    expect(decrypted.KeyVersion).toBe(1);
    expect(decrypted.EncryptionContext).toEqual({ purpose: 'backup' });
    expect(await bytes(decrypted.Output)).toEqual(pseudoRandomBytes(200_000));

    // The recovery key alone opens it when the first key cannot be used.
    await kms.disableKey({ KeyId: mine.KeyId });
    const viaRecovery = await kms.decryptFile({ Input: encrypted.Output });
    expect(viaRecovery.KeyId).toBe(recovery.Arn);
  });

  test('rotation: new files use the new version, old files keep decrypting with theirs', async () => {
    const vault = await openVaultForTest();
    const { kms } = vault;
    const key = (await kms.createKey()).KeyMetadata;
    const before = await kms.encryptFile({
      Input: new Blob([pseudoRandomBytes(10)]),
      KeyIds: [key.KeyId],
    });
    await kms.rotateKeyOnDemand({ KeyId: key.KeyId });
    const after = await kms.encryptFile({
      Input: new Blob([pseudoRandomBytes(10)]),
      KeyIds: [key.KeyId],
    });
    expect(
      (await kms.inspectCiphertext({ Input: after.Output })).EncryptedDataKeys[0]!.KeyName,
    ).toBe(`${kms.vaultId}/${key.KeyId}#v2`);
    expect((await kms.decryptFile({ Input: before.Output })).KeyVersion).toBe(1);
    expect((await kms.decryptFile({ Input: after.Output })).KeyVersion).toBe(2);
    expect(before.Output.name).toBe('data.encrypted');
  });

  test('the errors the issue names', async () => {
    const vault = await openVaultForTest();
    const { kms } = vault;
    const key = (await kms.createKey()).KeyMetadata;
    const other = (await kms.createKey()).KeyMetadata;
    const encrypted = await kms.encryptFile({
      Input: new Blob([pseudoRandomBytes(1000)]),
      KeyIds: [key.KeyId],
      EncryptionContext: { a: '1' },
    });

    await expectKmsError(
      kms.encryptFile({ Input: new Blob([]), KeyIds: [key.KeyId], FrameLength: 4095 }),
      'ValidationException',
    );
    await expectKmsError(
      kms.encryptFile({ Input: new Blob([]), KeyIds: [] }),
      'ValidationException',
    );
    await expectKmsError(
      kms.encryptFile({
        Input: new Blob([]),
        KeyIds: [key.KeyId],
        EncryptionContext: { 'aws-crypto-x': '1' },
      }),
      'ValidationException',
    );
    await expectKmsError(
      kms.decryptFile({ Input: encrypted.Output, KeyId: other.KeyId }),
      'IncorrectKeyException',
    );
    await expectKmsError(
      kms.decryptFile({ Input: encrypted.Output, EncryptionContext: { a: '2' } }),
      'InvalidCiphertextException',
    );
    const changed = await bytes(encrypted.Output);
    changed[changed.length - 1]! ^= 1;
    const error = await expectKmsError(
      kms.decryptFile({ Input: new Blob([changed]) }),
      'InvalidCiphertextException',
    );
    expect(error.message).toMatch(/frame 1 \(the final frame\)/);
    await kms.disableKey({ KeyId: key.KeyId });
    await expectKmsError(kms.decryptFile({ Input: encrypted.Output }), 'DisabledException');
    await kms.enableKey({ KeyId: key.KeyId });
    await kms.scheduleKeyDeletion({ KeyId: key.KeyId, PendingWindowInDays: 7 });
    await expectKmsError(kms.decryptFile({ Input: encrypted.Output }), 'KMSInvalidStateException');

    // Another vault holds neither key: NotFoundException, and inspection says so.
    const elsewhere = await openTestVault();
    try {
      await expectKmsError(
        elsewhere.kms.decryptFile({ Input: encrypted.Output }),
        'NotFoundException',
      );
      const inspected = await elsewhere.kms.inspectCiphertext({ Input: encrypted.Output });
      expect(inspected.EncryptedDataKeys[0]!.HeldByVault).toBe(false);
    } finally {
      await elsewhere.dispose();
    }
  });

  test('audit records log sizes, ids and the encryption context, never bytes', async () => {
    const vault = await openVaultForTest();
    const { kms } = vault;
    const key = (await kms.createKey()).KeyMetadata;
    const secret = 'top secret plaintext';
    const encrypted = await kms.encryptFile({
      Input: new File([secret], 's.txt'),
      KeyIds: [key.KeyId],
      EncryptionContext: { project: 'x' },
    });
    await kms.decryptFile({ Input: encrypted.Output });
    await kms.inspectCiphertext({ Input: encrypted.Output });
    const records = await auditRecords(vault.vaultName);
    const encryptRecord = records.find((record) => record.eventName === 'EncryptFile')!;
    expect(encryptRecord.requestParameters).toMatchObject({
      input: { byteLength: secret.length },
      encryptionContext: { project: 'x' },
      keyIds: [key.KeyId],
    });
    expect(encryptRecord.responseElements).toMatchObject({
      plaintextLength: secret.length,
      messageId: encrypted.MessageId,
      keyIds: [key.Arn],
    });
    expect(encryptRecord.resources.map((resource) => resource.ARN)).toEqual([key.Arn]);
    const decryptRecord = records.find((record) => record.eventName === 'DecryptFile')!;
    expect(decryptRecord.responseElements).toMatchObject({
      keyId: key.Arn,
      keyVersion: 1,
      encryptionContext: { project: 'x' },
    });
    expect(records.find((record) => record.eventName === 'InspectCiphertext')).toBeDefined();
    expect(JSON.stringify(records)).not.toContain('secret plaintext');
  });

  test('a file of another vault says which vault made it; its entries name that vault', async () => {
    const maker = await openVaultForTest();
    const key = (await maker.kms.createKey()).KeyMetadata;
    const encrypted = await maker.kms.encryptFile({
      Input: new File(['elsewhere'], 'e.txt'),
      KeyIds: [key.KeyId],
    });
    const other = await openVaultForTest();
    const error = await expectKmsError(
      other.kms.decryptFile({ Input: encrypted.Output }),
      'NotFoundException',
    );
    expect(error.message).toBe(
      `This file was made by vault ${maker.kms.vaultId}, not this one: restore that vault's backup to decrypt it.`,
    );
    const inspected = await other.kms.inspectCiphertext({ Input: encrypted.Output });
    expect(inspected.EncryptedDataKeys[0]).toMatchObject({
      KeyName: `${maker.kms.vaultId}/${key.KeyId}#v1`,
      KeyId: key.Arn,
      HeldByVault: false,
    });
  });
});
