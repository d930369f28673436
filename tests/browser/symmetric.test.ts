/**
 * The symmetric operations beyond encrypt/decrypt: reEncrypt, the data-key operations and
 * generateRandom (DESIGN §3, "symmetric").
 */
import { describe, expect, it } from 'vitest';
import { parseBlob } from '../../workers/formats/ciphertext-blob.ts';
import { expectKmsError, openVaultForTest, utf8 } from './support/vault.ts';

const decoder = new TextDecoder();

describe('reEncrypt', () => {
  it('moves a ciphertext to another key and another context; only the new pair opens it', async () => {
    const vault = await openVaultForTest();
    const { kms } = vault;
    const source = (await kms.createKey()).KeyMetadata;
    const destination = (await kms.createKey()).KeyMetadata;
    const sourceContext = { stage: 'draft' };
    const destinationContext = { stage: 'final', owner: 'ada' };
    const original = await kms.encrypt({
      KeyId: source.KeyId,
      Plaintext: utf8('moving day'),
      EncryptionContext: sourceContext,
    });

    const moved = await kms.reEncrypt({
      CiphertextBlob: original.CiphertextBlob,
      SourceEncryptionContext: sourceContext,
      DestinationKeyId: destination.KeyId,
      DestinationEncryptionContext: destinationContext,
    });
    expect(moved).toMatchObject({
      SourceKeyId: source.Arn,
      KeyId: destination.Arn,
      SourceEncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      DestinationEncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      SourceKeyMaterialId: source.CurrentKeyMaterialId,
      DestinationKeyMaterialId: destination.CurrentKeyMaterialId,
    });
    expect(moved).not.toHaveProperty('Plaintext');
    expect(parseBlob(moved.CiphertextBlob)!.keyId).toBe(destination.KeyId);

    const opened = await kms.decrypt({
      CiphertextBlob: moved.CiphertextBlob,
      EncryptionContext: destinationContext,
    });
    expect(decoder.decode(opened.Plaintext)).toBe('moving day');
    expect(opened.KeyId).toBe(destination.Arn);
    await expectKmsError(
      kms.decrypt({ CiphertextBlob: moved.CiphertextBlob, EncryptionContext: sourceContext }),
      'InvalidCiphertextException',
    );
    await expectKmsError(
      kms.decrypt({
        CiphertextBlob: moved.CiphertextBlob,
        KeyId: source.KeyId,
        EncryptionContext: destinationContext,
      }),
      'IncorrectKeyException',
    );
  });

  it('re-encrypts under the same key (new version after a rotation) and checks the source context and SourceKeyId', async () => {
    const vault = await openVaultForTest();
    const { kms } = vault;
    const key = (await kms.createKey()).KeyMetadata;
    const other = (await kms.createKey()).KeyMetadata;
    const original = await kms.encrypt({
      KeyId: key.KeyId,
      Plaintext: utf8('v1'),
      EncryptionContext: { a: '1' },
    });
    await kms.rotateKeyOnDemand({ KeyId: key.KeyId });
    await expectKmsError(
      kms.reEncrypt({ CiphertextBlob: original.CiphertextBlob, DestinationKeyId: key.KeyId }),
      'InvalidCiphertextException',
    );
    await expectKmsError(
      kms.reEncrypt({
        CiphertextBlob: original.CiphertextBlob,
        SourceEncryptionContext: { a: '1' },
        SourceKeyId: other.KeyId,
        DestinationKeyId: key.KeyId,
      }),
      'IncorrectKeyException',
    );
    const moved = await kms.reEncrypt({
      CiphertextBlob: original.CiphertextBlob,
      SourceEncryptionContext: { a: '1' },
      SourceKeyId: key.Arn,
      DestinationKeyId: key.KeyId,
    });
    expect(parseBlob(moved.CiphertextBlob)!.keyVersion).toBe(2);
    expect((await kms.decrypt({ CiphertextBlob: moved.CiphertextBlob })).KeyMaterialId).toBe(
      (await kms.describeKey({ KeyId: key.KeyId })).KeyMetadata.CurrentKeyMaterialId,
    );
  });

  it('refuses a disabled destination with DisabledException, and a disabled source too', async () => {
    const vault = await openVaultForTest();
    const { kms } = vault;
    const source = (await kms.createKey()).KeyMetadata;
    const destination = (await kms.createKey()).KeyMetadata;
    const { CiphertextBlob } = await kms.encrypt({ KeyId: source.KeyId, Plaintext: utf8('x') });
    await kms.disableKey({ KeyId: destination.KeyId });
    await expectKmsError(
      kms.reEncrypt({ CiphertextBlob, DestinationKeyId: destination.KeyId }),
      'DisabledException',
    );
    await kms.enableKey({ KeyId: destination.KeyId });
    await kms.disableKey({ KeyId: source.KeyId });
    await expectKmsError(
      kms.reEncrypt({ CiphertextBlob, DestinationKeyId: destination.KeyId }),
      'DisabledException',
    );
  });
});

describe('generateDataKey', () => {
  it.each([
    ['KeySpec AES_256', { KeySpec: 'AES_256' }, 32],
    ['KeySpec AES_128', { KeySpec: 'AES_128' }, 16],
    ['NumberOfBytes 1', { NumberOfBytes: 1 }, 1],
    ['NumberOfBytes 64', { NumberOfBytes: 64 }, 64],
    ['NumberOfBytes 1024', { NumberOfBytes: 1024 }, 1024],
  ])(
    'with %s returns a plaintext of that size that decrypts from its CiphertextBlob',
    async (_what, spec, length) => {
      const vault = await openVaultForTest();
      const { kms } = vault;
      const key = (await kms.createKey()).KeyMetadata;
      const context = { purpose: 'envelope' };
      const dataKey = await kms.generateDataKey({
        KeyId: key.KeyId,
        EncryptionContext: context,
        ...spec,
      });
      expect(dataKey.KeyId).toBe(key.Arn);
      expect(dataKey.KeyMaterialId).toBe(key.CurrentKeyMaterialId);
      expect(dataKey.Plaintext).toBeInstanceOf(Uint8Array);
      expect(dataKey.Plaintext.length).toBe(length);
      expect(dataKey.CiphertextBlob.length).toBe(length + 54);
      const opened = await kms.decrypt({
        CiphertextBlob: dataKey.CiphertextBlob,
        EncryptionContext: context,
      });
      expect([...opened.Plaintext]).toEqual([...dataKey.Plaintext]);
      await expectKmsError(
        kms.decrypt({ CiphertextBlob: dataKey.CiphertextBlob }),
        'InvalidCiphertextException',
      );
    },
  );

  it('gives a different data key every call', async () => {
    const vault = await openVaultForTest();
    const key = (await vault.kms.createKey()).KeyMetadata;
    const keys = new Set<string>();
    for (let i = 0; i < 8; i++) {
      keys.add(
        (await vault.kms.generateDataKey({ KeyId: key.KeyId, KeySpec: 'AES_256' })).Plaintext.join(
          ',',
        ),
      );
    }
    expect(keys.size).toBe(8);
  });

  it('generateDataKeyWithoutPlaintext has no Plaintext, and its CiphertextBlob decrypts to a key of the asked size', async () => {
    const vault = await openVaultForTest();
    const { kms } = vault;
    const key = (await kms.createKey()).KeyMetadata;
    const withoutPlaintext = await kms.generateDataKeyWithoutPlaintext({
      KeyId: key.KeyId,
      KeySpec: 'AES_128',
      EncryptionContext: { a: 'b' },
    });
    expect(withoutPlaintext).not.toHaveProperty('Plaintext');
    expect(Object.keys(withoutPlaintext).sort()).toEqual([
      'CiphertextBlob',
      'KeyId',
      'KeyMaterialId',
    ]);
    expect(withoutPlaintext.KeyId).toBe(key.Arn);
    const opened = await kms.decrypt({
      CiphertextBlob: withoutPlaintext.CiphertextBlob,
      EncryptionContext: { a: 'b' },
    });
    expect(opened.Plaintext.length).toBe(16);
    // Not the zeros the core wiped its copy with: a real random key.
    expect(opened.Plaintext.some((byte) => byte !== 0)).toBe(true);
  });
});

describe('generateRandom', () => {
  it.each([1, 2, 16, 32, 1023, 1024])('returns exactly %i random bytes', async (length) => {
    const vault = await openVaultForTest();
    const { Plaintext } = await vault.kms.generateRandom({ NumberOfBytes: length });
    expect(Plaintext).toBeInstanceOf(Uint8Array);
    expect(Plaintext.length).toBe(length);
  });

  it('returns different bytes each call and not all zeros', async () => {
    const vault = await openVaultForTest();
    const first = (await vault.kms.generateRandom({ NumberOfBytes: 32 })).Plaintext;
    const second = (await vault.kms.generateRandom({ NumberOfBytes: 32 })).Plaintext;
    expect([...first]).not.toEqual([...second]);
    expect(first.some((byte) => byte !== 0)).toBe(true);
  });
});
