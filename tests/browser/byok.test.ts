/**
 * Bring your own key (issue 3 §3; docs/API.md, "Importing key material"): EXTERNAL keys,
 * GetParametersForImport, ImportKeyMaterial and DeleteImportedKeyMaterial against the real
 * IndexedDB and WebCrypto of Chromium. The user's side — wrapping the material under the
 * vault's RSA public key — is done here with WebCrypto RSA-OAEP (support/key-import.ts).
 */
import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../../workers/clock.ts';
import { Kms } from '../../workers/kms/kms.ts';
import { TEST_EPOCH } from './support/manual-clock.ts';
import {
  importMaterial,
  newKeyMaterial,
  wrapKeyMaterial,
  type WrappingAlgorithm,
} from './support/key-import.ts';
import {
  auditRecords,
  deleteDatabase,
  expectKmsError,
  openRaw,
  openVaultForTest,
  utf8,
} from './support/vault.ts';

async function externalKey(kms: Kms): Promise<string> {
  return (await kms.createKey({ Origin: 'EXTERNAL', Description: 'imported' })).KeyMetadata.KeyId;
}

async function parameters(
  kms: Kms,
  keyId: string,
  algorithm: WrappingAlgorithm = 'RSAES_OAEP_SHA_256',
  spec: 'RSA_2048' | 'RSA_3072' | 'RSA_4096' = 'RSA_2048',
) {
  return kms.getParametersForImport({
    KeyId: keyId,
    WrappingAlgorithm: algorithm,
    WrappingKeySpec: spec,
  });
}

/** The IndexedDB records of a key, read as any script on the origin could. */
async function storedRecords(vaultName: string, keyId: string) {
  const db = await openRaw(vaultName);
  try {
    return {
      versions: (await db.getAll('keyVersions')).filter((version) => version.KeyId === keyId),
      importParameters: await db.get('importParameters', keyId),
    };
  } finally {
    db.close();
  }
}

describe('EXTERNAL keys before import', () => {
  it('start PendingImport with Origin EXTERNAL and no key material, and refuse use', async () => {
    const vault = await openVaultForTest();
    const { kms } = vault;
    const { KeyMetadata } = await kms.createKey({ Origin: 'EXTERNAL' });
    expect(KeyMetadata.Origin).toBe('EXTERNAL');
    expect(KeyMetadata.KeyState).toBe('PendingImport');
    expect(KeyMetadata.Enabled).toBe(false);
    expect(KeyMetadata.CurrentKeyMaterialId).toBeUndefined();
    expect(KeyMetadata.ExpirationModel).toBeUndefined();
    expect((await kms.describeKey({ KeyId: KeyMetadata.KeyId })).KeyMetadata).toEqual(KeyMetadata);
    expect((await storedRecords(vault.vaultName, KeyMetadata.KeyId)).versions).toEqual([]);

    const KeyId = KeyMetadata.KeyId;
    await expectKmsError(kms.encrypt({ KeyId, Plaintext: utf8('x') }), 'KMSInvalidStateException');
    await expectKmsError(
      kms.generateDataKey({ KeyId, KeySpec: 'AES_256' }),
      'KMSInvalidStateException',
    );
    await expectKmsError(kms.enableKey({ KeyId }), 'KMSInvalidStateException');
    await expectKmsError(kms.rotateKeyOnDemand({ KeyId }), 'KMSInvalidStateException');
    await expectKmsError(
      kms.encryptFile({ Input: new Blob(['x']), KeyIds: [KeyId] }),
      'KMSInvalidStateException',
    );
    await expectKmsError(kms.deleteImportedKeyMaterial({ KeyId }), 'KMSInvalidStateException');
  });

  it('only symmetric keys can be EXTERNAL; other origins stay unsupported', async () => {
    const vault = await openVaultForTest();
    const { kms } = vault;
    await expectKmsError(
      kms.createKey({ Origin: 'EXTERNAL', KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' }),
      'UnsupportedOperationException',
    );
    await expectKmsError(
      kms.createKey({ Origin: 'EXTERNAL', KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }),
      'UnsupportedOperationException',
    );
    await expectKmsError(
      kms.createKey({ Origin: 'AWS_CLOUDHSM' }),
      'UnsupportedOperationException',
    );
    await expectKmsError(kms.createKey({ Origin: 'ELSEWHERE' }), 'ValidationException');
  });
});

describe('the import flow', () => {
  const cases = [
    { algorithm: 'RSAES_OAEP_SHA_256', spec: 'RSA_2048', bits: 2048 },
    { algorithm: 'RSAES_OAEP_SHA_1', spec: 'RSA_3072', bits: 3072 },
    { algorithm: 'RSAES_OAEP_SHA_256', spec: 'RSA_4096', bits: 4096 },
    { algorithm: 'RSAES_OAEP_SHA_1', spec: 'RSA_2048', bits: 2048 },
  ] as const;

  for (const { algorithm, spec, bits } of cases) {
    it(`${algorithm} with ${spec}: parameters, wrap, import, encrypt and decrypt`, async () => {
      const vault = await openVaultForTest();
      const { kms, clock } = vault;
      const KeyId = await externalKey(kms);
      const given = await parameters(kms, KeyId, algorithm, spec);
      expect(given.KeyId).toBe((await kms.describeKey({ KeyId })).KeyMetadata.Arn);
      expect(given.ParametersValidTo.getTime()).toBe(TEST_EPOCH + DAY_MS);
      expect(given.ImportToken.length).toBeGreaterThan(0);
      // PublicKey is DER SubjectPublicKeyInfo of an RSA key of the requested size.
      const publicKey = await crypto.subtle.importKey(
        'spki',
        new Uint8Array(given.PublicKey),
        { name: 'RSA-OAEP', hash: algorithm === 'RSAES_OAEP_SHA_1' ? 'SHA-1' : 'SHA-256' },
        true,
        ['encrypt'],
      );
      expect((publicKey.algorithm as RsaHashedKeyAlgorithm).modulusLength).toBe(bits);

      clock.advanceMs(DAY_MS - 1);
      const material = newKeyMaterial();
      const imported = await kms.importKeyMaterial({
        KeyId,
        ImportToken: given.ImportToken,
        EncryptedKeyMaterial: await wrapKeyMaterial(given.PublicKey, material, algorithm),
        ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
      });
      expect(imported.KeyMaterialId).toMatch(/^[0-9a-f]{64}$/);

      const { KeyMetadata } = await kms.describeKey({ KeyId });
      expect(KeyMetadata).toMatchObject({
        KeyState: 'Enabled',
        Enabled: true,
        Origin: 'EXTERNAL',
        ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
        CurrentKeyMaterialId: imported.KeyMaterialId,
      });
      expect(KeyMetadata.ValidTo).toBeUndefined();

      const context = { purpose: 'byok' };
      const { CiphertextBlob } = await kms.encrypt({
        KeyId,
        Plaintext: utf8('hello'),
        EncryptionContext: context,
      });
      const opened = await kms.decrypt({ CiphertextBlob, EncryptionContext: context });
      expect(new TextDecoder().decode(opened.Plaintext)).toBe('hello');
      expect(opened.KeyMaterialId).toBe(imported.KeyMaterialId);

      // The parameters were used up; the audit log holds sizes, never the bytes.
      expect((await storedRecords(vault.vaultName, KeyId)).importParameters).toBeUndefined();
      const importRecord = (await auditRecords(vault.vaultName)).find(
        (r) => r.eventName === 'ImportKeyMaterial',
      )!;
      expect(importRecord.requestParameters).toMatchObject({
        importToken: { byteLength: given.ImportToken.length },
        encryptedKeyMaterial: { byteLength: bits / 8 },
      });
    });
  }

  it('keeps the imported key and the RSA private key non-extractable in IndexedDB', async () => {
    const vault = await openVaultForTest();
    const { kms } = vault;
    const KeyId = await externalKey(kms);
    const given = await parameters(kms, KeyId);
    const { importParameters } = await storedRecords(vault.vaultName, KeyId);
    expect(importParameters.PrivateKey).toBeInstanceOf(CryptoKey);
    expect(importParameters.PrivateKey.extractable).toBe(false);
    await expect(crypto.subtle.exportKey('pkcs8', importParameters.PrivateKey)).rejects.toThrow();

    await kms.importKeyMaterial({
      KeyId,
      ImportToken: given.ImportToken,
      EncryptedKeyMaterial: await wrapKeyMaterial(given.PublicKey, newKeyMaterial()),
      ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
    });
    const [version] = (await storedRecords(vault.vaultName, KeyId)).versions;
    expect(version.CryptoKey).toBeInstanceOf(CryptoKey);
    expect(version.CryptoKey.extractable).toBe(false);
    expect(version.CryptoKey.algorithm).toMatchObject({ name: 'AES-GCM', length: 256 });
    await expect(crypto.subtle.exportKey('raw', version.CryptoKey)).rejects.toThrow();
  });

  it('a key takes the same material again (changing its expiration), never different material', async () => {
    const vault = await openVaultForTest();
    const { kms, clock } = vault;
    const KeyId = await externalKey(kms);
    const material = newKeyMaterial();
    const first = await importMaterial(kms, KeyId, material);
    const again = await importMaterial(kms, KeyId, material, {
      validTo: new Date(clock.now().getTime() + 10 * DAY_MS),
    });
    expect(again.KeyMaterialId).toBe(first.KeyMaterialId);
    expect((await kms.describeKey({ KeyId })).KeyMetadata).toMatchObject({
      ExpirationModel: 'KEY_MATERIAL_EXPIRES',
      ValidTo: new Date(clock.now().getTime() + 10 * DAY_MS),
      CurrentKeyMaterialId: first.KeyMaterialId,
    });
    await expectKmsError(
      importMaterial(kms, KeyId, newKeyMaterial()),
      'IncorrectKeyMaterialException',
    );
    // Still the first material, still enabled.
    expect((await kms.describeKey({ KeyId })).KeyMetadata).toMatchObject({
      KeyState: 'Enabled',
      CurrentKeyMaterialId: first.KeyMaterialId,
    });

    // The same bytes in another key give another KeyMaterialId (the id is bound to the key).
    const other = await externalKey(kms);
    expect((await importMaterial(kms, other, material)).KeyMaterialId).not.toBe(
      first.KeyMaterialId,
    );
  });

  it('a disabled key with material stays Disabled when its material is imported again', async () => {
    const vault = await openVaultForTest();
    const { kms } = vault;
    const KeyId = await externalKey(kms);
    const material = newKeyMaterial();
    await importMaterial(kms, KeyId, material);
    await kms.disableKey({ KeyId });
    await importMaterial(kms, KeyId, material);
    expect((await kms.describeKey({ KeyId })).KeyMetadata.KeyState).toBe('Disabled');
  });
});

describe('import errors, named as AWS names them', () => {
  it('a token of another key, a replaced token, a used token and garbage: InvalidImportTokenException', async () => {
    const vault = await openVaultForTest();
    const { kms } = vault;
    const keyA = await externalKey(kms);
    const keyB = await externalKey(kms);
    const forB = await parameters(kms, keyB);
    const wrappedForB = await wrapKeyMaterial(forB.PublicKey, newKeyMaterial());
    await parameters(kms, keyA);
    await expectKmsError(
      kms.importKeyMaterial({
        KeyId: keyA,
        ImportToken: forB.ImportToken,
        EncryptedKeyMaterial: wrappedForB,
        ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
      }),
      'InvalidImportTokenException',
    );
    await expectKmsError(
      kms.importKeyMaterial({
        KeyId: keyB,
        ImportToken: utf8('not a token'),
        EncryptedKeyMaterial: wrappedForB,
        ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
      }),
      'InvalidImportTokenException',
    );

    // A newer GetParametersForImport replaces the older token.
    const newer = await parameters(kms, keyB);
    await expectKmsError(
      kms.importKeyMaterial({
        KeyId: keyB,
        ImportToken: forB.ImportToken,
        EncryptedKeyMaterial: wrappedForB,
        ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
      }),
      'InvalidImportTokenException',
    );
    const material = newKeyMaterial();
    const wrapped = await wrapKeyMaterial(newer.PublicKey, material);
    await kms.importKeyMaterial({
      KeyId: keyB,
      ImportToken: newer.ImportToken,
      EncryptedKeyMaterial: wrapped,
      ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
    });
    // Parameters are single-use.
    await expectKmsError(
      kms.importKeyMaterial({
        KeyId: keyB,
        ImportToken: newer.ImportToken,
        EncryptedKeyMaterial: wrapped,
        ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
      }),
      'InvalidImportTokenException',
    );
  });

  it('a token older than 24 hours: ExpiredImportTokenException', async () => {
    const vault = await openVaultForTest();
    const { kms, clock } = vault;
    const KeyId = await externalKey(kms);
    const given = await parameters(kms, KeyId);
    const wrapped = await wrapKeyMaterial(given.PublicKey, newKeyMaterial());
    clock.advanceMs(DAY_MS + 1);
    await expectKmsError(
      kms.importKeyMaterial({
        KeyId,
        ImportToken: given.ImportToken,
        EncryptedKeyMaterial: wrapped,
        ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
      }),
      'ExpiredImportTokenException',
    );
    expect((await kms.describeKey({ KeyId })).KeyMetadata.KeyState).toBe('PendingImport');
  });

  it('material wrapped wrongly: InvalidCiphertextException; not 32 bytes: IncorrectKeyMaterialException', async () => {
    const vault = await openVaultForTest();
    const { kms } = vault;
    const KeyId = await externalKey(kms);
    const given = await parameters(kms, KeyId, 'RSAES_OAEP_SHA_256', 'RSA_2048');
    const material = newKeyMaterial();
    const attempt = (EncryptedKeyMaterial: Uint8Array) =>
      kms.importKeyMaterial({
        KeyId,
        ImportToken: given.ImportToken,
        EncryptedKeyMaterial,
        ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
      });
    // The other OAEP hash than the parameters were made for.
    await expectKmsError(
      attempt(await wrapKeyMaterial(given.PublicKey, material, 'RSAES_OAEP_SHA_1')),
      'InvalidCiphertextException',
    );
    const changed = await wrapKeyMaterial(given.PublicKey, material);
    changed[17]! ^= 0x01;
    await expectKmsError(attempt(changed), 'InvalidCiphertextException');
    await expectKmsError(
      attempt(crypto.getRandomValues(new Uint8Array(256))),
      'InvalidCiphertextException',
    );
    await expectKmsError(
      attempt(await wrapKeyMaterial(given.PublicKey, material.subarray(0, 16))),
      'IncorrectKeyMaterialException',
    );
    await expectKmsError(
      attempt(await wrapKeyMaterial(given.PublicKey, new Uint8Array(33))),
      'IncorrectKeyMaterialException',
    );
    // None of that used up the parameters or changed the key.
    expect((await kms.describeKey({ KeyId })).KeyMetadata.KeyState).toBe('PendingImport');
    await attempt(await wrapKeyMaterial(given.PublicKey, material));
    expect((await kms.describeKey({ KeyId })).KeyMetadata.KeyState).toBe('Enabled');
  });

  it('ExpirationModel and ValidTo: ValidationException unless ValidTo is given exactly when the material expires', async () => {
    const vault = await openVaultForTest();
    const { kms, clock } = vault;
    const KeyId = await externalKey(kms);
    const given = await parameters(kms, KeyId);
    const EncryptedKeyMaterial = await wrapKeyMaterial(given.PublicKey, newKeyMaterial());
    const base = { KeyId, ImportToken: given.ImportToken, EncryptedKeyMaterial };
    const later = new Date(clock.now().getTime() + DAY_MS);
    for (const wrong of [
      { ExpirationModel: 'KEY_MATERIAL_EXPIRES' },
      { ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE', ValidTo: later },
      // AWS's default model is KEY_MATERIAL_EXPIRES, so leaving both out needs a ValidTo.
      {},
      { ExpirationModel: 'KEY_MATERIAL_EXPIRES', ValidTo: new Date(clock.now().getTime() - 1) },
      {
        ExpirationModel: 'KEY_MATERIAL_EXPIRES',
        ValidTo: new Date(clock.now().getTime() + 366 * DAY_MS),
      },
      { ExpirationModel: 'SOMETIMES' },
    ]) {
      await expectKmsError(kms.importKeyMaterial({ ...base, ...wrong }), 'ValidationException');
    }
    await expectKmsError(
      kms.importKeyMaterial({ KeyId, ImportToken: given.ImportToken } as never),
      'ValidationException',
    );
    await kms.importKeyMaterial({
      ...base,
      ExpirationModel: 'KEY_MATERIAL_EXPIRES',
      ValidTo: later,
    });
    expect((await kms.describeKey({ KeyId })).KeyMetadata).toMatchObject({
      ExpirationModel: 'KEY_MATERIAL_EXPIRES',
      ValidTo: later,
    });
  });

  it('GetParametersForImport: AWS wrapping choices this build lacks, invalid pairs, non-EXTERNAL keys', async () => {
    const vault = await openVaultForTest();
    const { kms } = vault;
    const KeyId = await externalKey(kms);
    const ask = (WrappingAlgorithm: string, WrappingKeySpec: string) =>
      kms.getParametersForImport({ KeyId, WrappingAlgorithm, WrappingKeySpec });
    await expectKmsError(
      ask('RSA_AES_KEY_WRAP_SHA_256', 'RSA_4096'),
      'UnsupportedOperationException',
    );
    await expectKmsError(
      ask('RSA_AES_KEY_WRAP_SHA_1', 'RSA_2048'),
      'UnsupportedOperationException',
    );
    await expectKmsError(ask('RSAES_PKCS1_V1_5', 'RSA_2048'), 'UnsupportedOperationException');
    await expectKmsError(ask('SM2PKE', 'SM2'), 'UnsupportedOperationException');
    await expectKmsError(ask('SM2PKE', 'RSA_2048'), 'ValidationException');
    await expectKmsError(ask('RSAES_OAEP_SHA_256', 'SM2'), 'ValidationException');
    await expectKmsError(ask('RSAES_OAEP_SHA_256', 'RSA_1024'), 'ValidationException');
    await expectKmsError(
      kms.getParametersForImport({ KeyId, WrappingKeySpec: 'RSA_2048' } as never),
      'ValidationException',
    );
    const local = (await kms.createKey()).KeyMetadata.KeyId;
    await expectKmsError(
      kms.getParametersForImport({
        KeyId: local,
        WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
        WrappingKeySpec: 'RSA_2048',
      }),
      'UnsupportedOperationException',
    );
    await expectKmsError(
      kms.getParametersForImport({
        KeyId: crypto.randomUUID(),
        WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
        WrappingKeySpec: 'RSA_2048',
      }),
      'NotFoundException',
    );
    await expectKmsError(
      kms.deleteImportedKeyMaterial({ KeyId: local }),
      'UnsupportedOperationException',
    );
    await kms.scheduleKeyDeletion({ KeyId });
    await expectKmsError(ask('RSAES_OAEP_SHA_256', 'RSA_2048'), 'KMSInvalidStateException');
  });

  it('imported material is not rotated: UnsupportedOperationException', async () => {
    const vault = await openVaultForTest();
    const { kms } = vault;
    const KeyId = await externalKey(kms);
    await importMaterial(kms, KeyId, newKeyMaterial());
    await expectKmsError(kms.rotateKeyOnDemand({ KeyId }), 'UnsupportedOperationException');
    await expectKmsError(kms.enableKeyRotation({ KeyId }), 'UnsupportedOperationException');
    expect((await kms.getKeyRotationStatus({ KeyId })).KeyRotationEnabled).toBe(false);
  });

  it('RawAesKeyring: the vault namespace is reserved, an identity belongs to one key and never changes', async () => {
    const vault = await openVaultForTest();
    const { kms } = vault;
    const KeyId = await externalKey(kms);
    const material = newKeyMaterial();
    await expectKmsError(
      importMaterial(kms, KeyId, material, {
        rawAesKeyring: { KeyNamespace: 'pocket-kms', KeyName: 'x' },
      }),
      'ValidationException',
    );
    await expectKmsError(
      importMaterial(kms, KeyId, material, {
        rawAesKeyring: { KeyNamespace: 'aws-kms', KeyName: 'x' },
      }),
      'ValidationException',
    );
    await expectKmsError(
      importMaterial(kms, KeyId, material, { rawAesKeyring: { KeyNamespace: '', KeyName: 'x' } }),
      'ValidationException',
    );
    const identity = { KeyNamespace: 'my-org', KeyName: 'backup-key' };
    await importMaterial(kms, KeyId, material, { rawAesKeyring: identity });
    expect((await kms.describeKey({ KeyId })).KeyMetadata.RawAesKeyring).toEqual(identity);
    await expectKmsError(
      importMaterial(kms, KeyId, material, { rawAesKeyring: { ...identity, KeyName: 'renamed' } }),
      'ValidationException',
    );
    await importMaterial(kms, KeyId, material);
    expect((await kms.describeKey({ KeyId })).KeyMetadata.RawAesKeyring).toEqual(identity);
    const other = await externalKey(kms);
    await expectKmsError(
      importMaterial(kms, other, newKeyMaterial(), { rawAesKeyring: identity }),
      'AlreadyExistsException',
    );
  });
});

describe('deleting and expiring imported material', () => {
  it('DeleteImportedKeyMaterial: PendingImport, the material gone, and only the same material comes back', async () => {
    const vault = await openVaultForTest();
    const { kms } = vault;
    const KeyId = await externalKey(kms);
    const material = newKeyMaterial();
    const { KeyMaterialId } = await importMaterial(kms, KeyId, material);
    const { CiphertextBlob } = await kms.encrypt({ KeyId, Plaintext: utf8('kept') });

    expect(await kms.deleteImportedKeyMaterial({ KeyId })).toEqual({
      KeyId: (await kms.describeKey({ KeyId })).KeyMetadata.Arn,
      KeyMaterialId,
    });
    const { KeyMetadata } = await kms.describeKey({ KeyId });
    expect(KeyMetadata.KeyState).toBe('PendingImport');
    // AWS keeps naming the deleted material (LocalStack snapshot test_import_key_symmetric,
    // describe-key-after-deleted-import).
    expect(KeyMetadata.CurrentKeyMaterialId).toBe(KeyMaterialId);
    expect(KeyMetadata.ExpirationModel).toBeUndefined();
    expect((await storedRecords(vault.vaultName, KeyId)).versions).toEqual([]);
    await expectKmsError(kms.decrypt({ CiphertextBlob }), 'KMSInvalidStateException');
    await expectKmsError(kms.deleteImportedKeyMaterial({ KeyId }), 'KMSInvalidStateException');

    await expectKmsError(
      importMaterial(kms, KeyId, newKeyMaterial()),
      'IncorrectKeyMaterialException',
    );
    expect((await importMaterial(kms, KeyId, material)).KeyMaterialId).toBe(KeyMaterialId);
    const opened = await kms.decrypt({ CiphertextBlob });
    expect(new TextDecoder().decode(opened.Plaintext)).toBe('kept');
  });

  it('material expiring at ValidTo is deleted by housekeeping, audited as a service event', async () => {
    const vault = await openVaultForTest();
    const { kms, clock, vaultName } = vault;
    const KeyId = await externalKey(kms);
    const material = newKeyMaterial();
    const validTo = new Date(clock.now().getTime() + 2 * DAY_MS);
    const { KeyMaterialId } = await importMaterial(kms, KeyId, material, { validTo });
    const { CiphertextBlob } = await kms.encrypt({ KeyId, Plaintext: utf8('until then') });

    clock.advanceMs(2 * DAY_MS - 1);
    expect(await kms.runHousekeeping()).toBe(0);
    expect((await kms.describeKey({ KeyId })).KeyMetadata.KeyState).toBe('Enabled');

    clock.advanceMs(1);
    expect(await kms.runHousekeeping()).toBe(1);
    const { KeyMetadata } = await kms.describeKey({ KeyId });
    expect(KeyMetadata).toMatchObject({ KeyState: 'PendingImport', Origin: 'EXTERNAL' });
    expect(KeyMetadata.ValidTo).toBeUndefined();
    expect((await storedRecords(vaultName, KeyId)).versions).toEqual([]);
    const expired = (await auditRecords(vaultName)).find(
      (r) => r.eventName === 'DeleteExpiredKeyMaterial',
    )!;
    expect(expired).toMatchObject({
      eventType: 'AwsServiceEvent',
      additionalEventData: {
        keyId: KeyMetadata.Arn,
        validTo: validTo.toISOString(),
        keyMaterialId: KeyMaterialId,
      },
    });
    expect(expired.resources.map((resource) => resource.ARN)).toEqual([KeyMetadata.Arn]);
    await expectKmsError(kms.decrypt({ CiphertextBlob }), 'KMSInvalidStateException');
    expect(await kms.runHousekeeping()).toBe(0);

    await importMaterial(kms, KeyId, material);
    expect(new TextDecoder().decode((await kms.decrypt({ CiphertextBlob })).Plaintext)).toBe(
      'until then',
    );
  });

  it('destroying an EXTERNAL key removes its import parameters too', async () => {
    const vault = await openVaultForTest();
    const { kms, clock } = vault;
    const KeyId = await externalKey(kms);
    await parameters(kms, KeyId);
    await kms.scheduleKeyDeletion({ KeyId, PendingWindowInDays: 7 });
    clock.advanceDays(7);
    expect(await kms.runHousekeeping()).toBe(1);
    expect((await storedRecords(vault.vaultName, KeyId)).importParameters).toBeUndefined();
    await expectKmsError(kms.describeKey({ KeyId }), 'NotFoundException');
  });
});

describe('schema upgrade', () => {
  it('a version 1 vault opens as version 2 with its keys, versions and audit log kept', async () => {
    const vault = await openVaultForTest();
    const { kms, clock, vaultName } = vault;
    const { KeyMetadata } = await kms.createKey({ Description: 'from v1' });
    const { CiphertextBlob } = await kms.encrypt({
      KeyId: KeyMetadata.KeyId,
      Plaintext: utf8('old data'),
    });
    kms.close();

    // Rebuild the same contents in a database at schema version 1 (no importParameters store).
    const source = await openRaw(vaultName);
    const stores = ['vault', 'keys', 'keyVersions', 'aliases', 'audit'] as const;
    const contents = Object.fromEntries(
      await Promise.all(stores.map(async (name) => [name, await source.getAll(name)])),
    );
    source.close();
    const oldName = `${vaultName}-v1`;
    const old = await openDB(oldName, 1, {
      upgrade(database) {
        database.createObjectStore('vault', { keyPath: 'id' });
        database.createObjectStore('keys', { keyPath: 'KeyId' });
        database.createObjectStore('keyVersions', { keyPath: ['KeyId', 'Version'] });
        database
          .createObjectStore('aliases', { keyPath: 'AliasName' })
          .createIndex('byTarget', 'TargetKeyId');
        database.createObjectStore('audit', { keyPath: 'sequence' });
      },
    });
    for (const name of stores) for (const record of contents[name]) await old.put(name, record);
    old.close();

    const upgraded = await Kms.open({ vaultName: oldName, clock, userAgent: 'vitest-browser' });
    try {
      expect(
        (await upgraded.describeKey({ KeyId: KeyMetadata.KeyId })).KeyMetadata.Description,
      ).toBe('from v1');
      expect(new TextDecoder().decode((await upgraded.decrypt({ CiphertextBlob })).Plaintext)).toBe(
        'old data',
      );
      expect((await upgraded.verifyAuditLog()).Valid).toBe(true);
      const KeyId = await externalKey(upgraded);
      await importMaterial(upgraded, KeyId, newKeyMaterial(), {
        rawAesKeyring: { KeyNamespace: 'n', KeyName: 'k' },
      });
      expect((await upgraded.describeKey({ KeyId })).KeyMetadata.KeyState).toBe('Enabled');
    } finally {
      upgraded.close();
      await deleteDatabase(oldName);
    }
  });
});
