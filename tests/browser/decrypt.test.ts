/**
 * Decrypt and the ciphertext blob (FORMAT.md §2; issue 2, acceptance "Wrong encryption
 * context…"): what opens, and that every tampering, every truncation and every wrong context is
 * one InvalidCiphertextException; key states and a wrong KeyId give their own named errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyMetadata } from '../../workers/api.ts';
import { aesGcmEncrypt } from '../../workers/crypto/aes-gcm.ts';
import { fromHex } from '../../workers/encoding.ts';
import { joinBlob, parseBlob } from '../../workers/formats/ciphertext-blob.ts';
import { serializeEncryptionContext } from '../../workers/formats/encryption-context.ts';
import type { KeyVersionRecord } from '../../workers/keystore/vault-store.ts';
import {
  expectKmsError,
  openTestVault,
  openVaultForTest,
  readStore,
  utf8,
  type TestVault,
} from './support/vault.ts';

const decoder = new TextDecoder();

async function vaultWithKey(): Promise<{ vault: TestVault; key: KeyMetadata }> {
  const vault = await openVaultForTest();
  const { KeyMetadata } = await vault.kms.createKey({ Description: 'decrypt tests' });
  return { vault, key: KeyMetadata };
}

describe('decrypt', () => {
  it('needs no KeyId: the blob names key and version', async () => {
    const { vault, key } = await vaultWithKey();
    const { CiphertextBlob, KeyId } = await vault.kms.encrypt({
      KeyId: key.KeyId,
      Plaintext: utf8('attack at dawn'),
    });
    expect(KeyId).toBe(key.Arn);
    expect(CiphertextBlob.length).toBe('attack at dawn'.length + 54);
    const opened = await vault.kms.decrypt({ CiphertextBlob });
    expect(decoder.decode(opened.Plaintext)).toBe('attack at dawn');
    expect(opened).toMatchObject({
      KeyId: key.Arn,
      EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      KeyMaterialId: key.CurrentKeyMaterialId,
    });
  });

  it('works with the KeyId given as key id, key ARN, alias name and alias ARN', async () => {
    const { vault, key } = await vaultWithKey();
    const { kms } = vault;
    await kms.createAlias({ AliasName: 'alias/decrypt-me', TargetKeyId: key.KeyId });
    const aliasArn = `arn:pkms:kms:local:${kms.vaultId}:alias/decrypt-me`;
    const { Aliases } = await kms.listAliases({ KeyId: key.KeyId });
    expect(Aliases.map((alias) => alias.AliasArn)).toEqual([aliasArn]);

    for (const keyId of [key.KeyId, key.Arn, 'alias/decrypt-me', aliasArn]) {
      const { CiphertextBlob, KeyId } = await kms.encrypt({ KeyId: keyId, Plaintext: utf8(keyId) });
      expect(KeyId, `encrypt via ${keyId}`).toBe(key.Arn);
      const opened = await kms.decrypt({ CiphertextBlob, KeyId: keyId });
      expect(decoder.decode(opened.Plaintext), `decrypt via ${keyId}`).toBe(keyId);
    }
  });

  it('refuses a KeyId that names another key with IncorrectKeyException (by id, ARN and alias)', async () => {
    const { vault, key } = await vaultWithKey();
    const { kms } = vault;
    const other = (await kms.createKey()).KeyMetadata;
    await kms.createAlias({ AliasName: 'alias/other', TargetKeyId: other.KeyId });
    const { CiphertextBlob } = await kms.encrypt({ KeyId: key.KeyId, Plaintext: utf8('mine') });
    for (const wrong of [other.KeyId, other.Arn, 'alias/other']) {
      await expectKmsError(kms.decrypt({ CiphertextBlob, KeyId: wrong }), 'IncorrectKeyException');
    }
  });

  it('refuses a KeyId that names no key with NotFoundException', async () => {
    const { vault, key } = await vaultWithKey();
    const { CiphertextBlob } = await vault.kms.encrypt({ KeyId: key.KeyId, Plaintext: utf8('x') });
    await expectKmsError(
      vault.kms.decrypt({ CiphertextBlob, KeyId: crypto.randomUUID() }),
      'NotFoundException',
    );
    await expectKmsError(
      vault.kms.decrypt({ CiphertextBlob, KeyId: 'alias/missing' }),
      'NotFoundException',
    );
  });

  it('opens only with the exact encryption context; any other → InvalidCiphertextException', async () => {
    const { vault, key } = await vaultWithKey();
    const { kms } = vault;
    const context = { purpose: 'backup', 'user é': '😀' };
    const { CiphertextBlob } = await kms.encrypt({
      KeyId: key.KeyId,
      Plaintext: utf8('ctx'),
      EncryptionContext: context,
    });

    // Same pairs in another insertion order: the canonical form is the same.
    const reordered = { 'user é': '😀', purpose: 'backup' };
    expect(
      decoder.decode(
        (await kms.decrypt({ CiphertextBlob, EncryptionContext: reordered })).Plaintext,
      ),
    ).toBe('ctx');

    const wrongContexts: (Record<string, string> | undefined)[] = [
      undefined,
      {},
      { purpose: 'backup' },
      { purpose: 'Backup', 'user é': '😀' },
      { Purpose: 'backup', 'user é': '😀' },
      { ...context, extra: '' },
      { purpose: 'backup', 'user é': '😀 ' },
    ];
    for (const wrong of wrongContexts) {
      await expectKmsError(
        kms.decrypt({ CiphertextBlob, EncryptionContext: wrong }),
        'InvalidCiphertextException',
      );
    }
  });

  it('refuses a context given on decrypt when none was given on encrypt', async () => {
    const { vault, key } = await vaultWithKey();
    const { CiphertextBlob } = await vault.kms.encrypt({
      KeyId: key.KeyId,
      Plaintext: utf8('no ctx'),
    });
    await expectKmsError(
      vault.kms.decrypt({ CiphertextBlob, EncryptionContext: { a: '' } }),
      'InvalidCiphertextException',
    );
  });

  it('binds a "__proto__" context key like any other key', async () => {
    const { vault, key } = await vaultWithKey();
    const context = JSON.parse('{"__proto__":"bound"}') as Record<string, string>;
    const { CiphertextBlob } = await vault.kms.encrypt({
      KeyId: key.KeyId,
      Plaintext: utf8('p'),
      EncryptionContext: context,
    });
    await expectKmsError(vault.kms.decrypt({ CiphertextBlob }), 'InvalidCiphertextException');
    expect(
      decoder.decode(
        (await vault.kms.decrypt({ CiphertextBlob, EncryptionContext: context })).Plaintext,
      ),
    ).toBe('p');
  });
});

describe('a tampered ciphertext blob', () => {
  let shared: TestVault;
  let blob: Uint8Array;
  const CONTEXT = { file: 'notes.txt' };

  beforeAll(async () => {
    shared = await openTestVault();
    const { KeyMetadata } = await shared.kms.createKey();
    // A second version, so that changing the key-version field can also land on a real version.
    await shared.kms.rotateKeyOnDemand({ KeyId: KeyMetadata.KeyId });
    blob = (
      await shared.kms.encrypt({
        KeyId: KeyMetadata.KeyId,
        Plaintext: utf8('sixteen bytes!!!'),
        EncryptionContext: CONTEXT,
      })
    ).CiphertextBlob;
    expect(blob.length).toBe(16 + 54);
    expect(parseBlob(blob)!.keyVersion).toBe(2);
    expect(
      decoder.decode(
        (await shared.kms.decrypt({ CiphertextBlob: blob, EncryptionContext: CONTEXT })).Plaintext,
      ),
    ).toBe('sixteen bytes!!!');
  });
  afterAll(() => shared.dispose());

  it('with any single byte changed, at every position (xor 0x01 and xor 0xFF) → InvalidCiphertextException', async () => {
    let tried = 0;
    for (let position = 0; position < blob.length; position++) {
      for (const mask of [0x01, 0xff]) {
        const changed = new Uint8Array(blob);
        changed[position]! ^= mask;
        const error = await expectKmsError(
          shared.kms.decrypt({ CiphertextBlob: changed, EncryptionContext: CONTEXT }),
          'InvalidCiphertextException',
        );
        expect(error.message).not.toContain('sixteen');
        tried++;
      }
    }
    expect(tried).toBe(2 * 70);
  }, 120_000);

  it('with its key version changed to the other existing version → InvalidCiphertextException', async () => {
    const changed = new Uint8Array(blob);
    new DataView(changed.buffer).setUint32(22, 1); // the key version (FORMAT.md §2, version 2)
    await expectKmsError(
      shared.kms.decrypt({ CiphertextBlob: changed, EncryptionContext: CONTEXT }),
      'InvalidCiphertextException',
    );
  });

  it('truncated to every length from 1 to its length − 1 → InvalidCiphertextException', async () => {
    for (let length = 1; length < blob.length; length++) {
      await expectKmsError(
        shared.kms.decrypt({ CiphertextBlob: blob.slice(0, length), EncryptionContext: CONTEXT }),
        'InvalidCiphertextException',
      );
    }
  }, 120_000);

  it('truncated to zero bytes is a missing parameter (AWS: CiphertextBlob is 1–6144 bytes) → ValidationException', async () => {
    const error = await expectKmsError(
      shared.kms.decrypt({ CiphertextBlob: new Uint8Array(0), EncryptionContext: CONTEXT }),
      'ValidationException',
    );
    expect(error.message).toContain('ciphertextBlob');
  });

  it('with bytes appended (1, 16 and 100) → InvalidCiphertextException', async () => {
    for (const extra of [1, 16, 100]) {
      const longer = new Uint8Array(blob.length + extra);
      longer.set(blob);
      await expectKmsError(
        shared.kms.decrypt({ CiphertextBlob: longer, EncryptionContext: CONTEXT }),
        'InvalidCiphertextException',
      );
    }
  });

  it('over 6144 bytes → ValidationException naming ciphertextBlob', async () => {
    const error = await expectKmsError(
      shared.kms.decrypt({ CiphertextBlob: new Uint8Array(6145) }),
      'ValidationException',
    );
    expect(error.message).toContain('ciphertextBlob');
  });

  it('is still intact: the original decrypts after all the attempts', async () => {
    const opened = await shared.kms.decrypt({ CiphertextBlob: blob, EncryptionContext: CONTEXT });
    expect(decoder.decode(opened.Plaintext)).toBe('sixteen bytes!!!');
  });
});

describe('key states on decrypt and encrypt', () => {
  it('refuses a disabled key with DisabledException, and works again after enableKey', async () => {
    const { vault, key } = await vaultWithKey();
    const { kms } = vault;
    const { CiphertextBlob } = await kms.encrypt({ KeyId: key.KeyId, Plaintext: utf8('d') });
    await kms.disableKey({ KeyId: key.KeyId });
    expect((await kms.describeKey({ KeyId: key.KeyId })).KeyMetadata).toMatchObject({
      KeyState: 'Disabled',
      Enabled: false,
    });
    const error = await expectKmsError(kms.decrypt({ CiphertextBlob }), 'DisabledException');
    expect(error.message).toBe(`${key.Arn} is disabled.`);
    await expectKmsError(
      kms.encrypt({ KeyId: key.KeyId, Plaintext: utf8('d') }),
      'DisabledException',
    );
    await expectKmsError(
      kms.generateDataKey({ KeyId: key.KeyId, KeySpec: 'AES_256' }),
      'DisabledException',
    );
    await kms.enableKey({ KeyId: key.KeyId });
    expect(decoder.decode((await kms.decrypt({ CiphertextBlob })).Plaintext)).toBe('d');
  });

  it('refuses a key pending deletion with KMSInvalidStateException', async () => {
    const { vault, key } = await vaultWithKey();
    const { kms } = vault;
    const { CiphertextBlob } = await kms.encrypt({ KeyId: key.KeyId, Plaintext: utf8('p') });
    await kms.scheduleKeyDeletion({ KeyId: key.KeyId, PendingWindowInDays: 7 });
    await expectKmsError(kms.decrypt({ CiphertextBlob }), 'KMSInvalidStateException');
    await expectKmsError(
      kms.encrypt({ KeyId: key.KeyId, Plaintext: utf8('p') }),
      'KMSInvalidStateException',
    );
    await expectKmsError(
      kms.generateDataKeyWithoutPlaintext({ KeyId: key.KeyId, KeySpec: 'AES_256' }),
      'KMSInvalidStateException',
    );
  });

  it('refuses a blob of a key this vault does not hold with InvalidCiphertextException', async () => {
    const { vault, key } = await vaultWithKey();
    const { CiphertextBlob } = await vault.kms.encrypt({
      KeyId: key.KeyId,
      Plaintext: utf8('elsewhere'),
    });
    const other = await openTestVault();
    try {
      const error = await expectKmsError(
        other.kms.decrypt({ CiphertextBlob }),
        'InvalidCiphertextException',
      );
      // The blob names the vault that made it (issue 11 §3): the message says whose backup opens it.
      expect(error.message).toBe(
        `This ciphertext was made by vault ${vault.kms.vaultId}, not this one: restore that vault's backup to decrypt it.`,
      );
    } finally {
      await other.dispose();
    }
  });

  it('still decrypts a version-1 blob (no vault id), as written before version 2', async () => {
    const { vault, key } = await vaultWithKey();
    const [record] = (await readStore<KeyVersionRecord>(vault.vaultName, 'keyVersions')).filter(
      (version) => version.KeyId === key.KeyId,
    );
    const iv = crypto.getRandomValues(new Uint8Array(12));
    // FORMAT.md §2, version 1: 0x01 ‖ KeyId ‖ key version ‖ IV; AAD = that header ‖ context.
    const header = new Uint8Array(33);
    header[0] = 0x01;
    header.set(fromHex(key.KeyId.replaceAll('-', ''))!, 1);
    new DataView(header.buffer).setUint32(17, 1);
    header.set(iv, 21);
    const sealed = await aesGcmEncrypt(
      record!.CryptoKey!,
      iv,
      utf8('old blob'),
      joinBlob(header, serializeEncryptionContext({ v: '1' })),
    );
    const opened = await vault.kms.decrypt({
      CiphertextBlob: joinBlob(header, sealed),
      EncryptionContext: { v: '1' },
    });
    expect(decoder.decode(opened.Plaintext)).toBe('old blob');
    expect(opened.KeyMaterialId).toBe(key.CurrentKeyMaterialId);
  });
});
