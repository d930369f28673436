/**
 * Bring your own key, interop (issue 3 §3; docs/FORMAT.md §4.8): a key imported with a
 * RawAesKeyring identity reads and writes the same files as an AWS Encryption SDK raw AES keyring
 * holding the same 32 bytes, namespace and name. The SDK (@aws-crypto/client-node) runs in Node
 * through Vitest browser commands (tests/browser/commands/esdk.ts); the vault runs here, in
 * Chromium, on real IndexedDB, WebCrypto and OPFS. Also: the README's openssl commands, run as
 * written, make material this vault imports.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from 'vitest/browser';
import { createKmsClient } from '../../src/kms/client.ts';
import type { EncryptionContext } from '../../workers/api.ts';
import type { Kms } from '../../workers/kms/kms.ts';
import { pseudoRandomBytes } from '../pseudo-random-bytes.ts';
import type { EsdkRawAesKey } from './commands/esdk.ts';
import { importMaterial, newKeyMaterial } from './support/key-import.ts';
import { stagingFolders } from './support/staging.ts';
import { expectKmsError, openTestVault, toBase64, type TestVault } from './support/vault.ts';
import { fromBase64 as decodeBase64 } from '../../workers/encoding.ts';

const KiB = 1024;
const IDENTITY = { KeyNamespace: 'acme-backups', KeyName: 'offsite-2026 🔑' };
const NON_ASCII_CONTEXT: EncryptionContext = {
  purpose: 'Prüfung ✓ — naïve café',
  Department: '研究開発',
  'schlüssel-🔑': 'wert 😀',
};

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const bytes = decodeBase64(text);
  if (!bytes) throw new Error('not base64');
  return bytes;
}

async function bytesOf(blob: Blob): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await blob.arrayBuffer());
}

/** For megabytes: a deep equality element by element takes most of a minute. */
async function digest(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  return toBase64(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)));
}

let vault: TestVault;
let keyId = '';
let keyArn = '';
let sdkKey: EsdkRawAesKey;

beforeAll(async () => {
  vault = await openTestVault();
  keyId = (await vault.kms.createKey({ Origin: 'EXTERNAL', Description: 'shared with the SDK' }))
    .KeyMetadata.KeyId;
  keyArn = (await vault.kms.describeKey({ KeyId: keyId })).KeyMetadata.Arn;
  const material = newKeyMaterial();
  sdkKey = {
    keyBase64: toBase64(material),
    keyNamespace: IDENTITY.KeyNamespace,
    keyName: IDENTITY.KeyName,
  };
  await importMaterial(vault.kms, keyId, material, { rawAesKeyring: IDENTITY });
}, 60_000);

afterAll(async () => {
  await vault?.dispose();
});

// Generous timeouts: two shared cores, and bytes cross to Node as base64 over the command channel.
const SLOW = { timeout: 120_000 };

describe('vault → AWS Encryption SDK', SLOW, () => {
  const cases = [
    { frameLength: 64 * KiB, size: 0 },
    { frameLength: 64 * KiB, size: 64 * KiB - 1 },
    { frameLength: 64 * KiB, size: 64 * KiB },
    { frameLength: 64 * KiB, size: 64 * KiB + 1 },
    { frameLength: 512 * KiB, size: 512 * KiB + 1 },
  ];
  for (const { frameLength, size } of cases) {
    it(`frame length ${frameLength}, ${size} bytes`, async () => {
      const plaintext = pseudoRandomBytes(size, size + frameLength);
      const encrypted = await vault.kms.encryptFile({
        Input: new File([plaintext], 'data.bin'),
        KeyIds: [keyId],
        FrameLength: frameLength,
        EncryptionContext: { size: String(size) },
      });
      expect(encrypted.KeyIds).toEqual([keyArn]);
      const opened = await commands.esdkDecrypt({
        key: sdkKey,
        messageBase64: toBase64(await bytesOf(encrypted.Output)),
      });
      expect(opened.suiteId).toBe(0x0478);
      expect(opened.frameLength).toBe(frameLength);
      expect(opened.encryptionContext).toEqual({ size: String(size) });
      expect(fromBase64(opened.plaintextBase64)).toEqual(plaintext);
    });
  }

  it('a file written straight to a chosen file (an OPFS handle standing in for the picker)', async () => {
    const plaintext = pseudoRandomBytes(3 * 64 * KiB + 17, 14);
    const root = await navigator.storage.getDirectory();
    const name = `esdk-direct-${crypto.randomUUID()}.encrypted`;
    const handle = await root.getFileHandle(name, { create: true });
    try {
      const encrypted = await vault.kms.encryptFile({
        Input: new File([plaintext], 'data.bin'),
        KeyIds: [keyId],
        FrameLength: 64 * KiB,
        Output: handle,
      });
      expect(encrypted).not.toHaveProperty('OutputId');
      const opened = await commands.esdkDecrypt({
        key: sdkKey,
        messageBase64: toBase64(await bytesOf(await handle.getFile())),
      });
      expect(opened.frameLength).toBe(64 * KiB);
      expect(fromBase64(opened.plaintextBase64)).toEqual(plaintext);
    } finally {
      await root.removeEntry(name);
    }
  });

  it('a file of 16 MiB the core worker writes straight to a chosen file, staged', async () => {
    // The core worker stages a chosen file's bytes in OPFS scratch files from 16 MiB on
    // (writable-sink.ts; file-output-direct.test.ts watches the scratch files while it runs); the
    // vault above runs on this page, which has no sync access handles and writes without them.
    const client = createKmsClient();
    const { KeyId } = (
      await client.createKey({
        Origin: 'EXTERNAL',
        Description: 'shared with the SDK, in the core',
      })
    ).KeyMetadata;
    await importMaterial(client as unknown as Kms, KeyId, fromBase64(sdkKey.keyBase64), {
      rawAesKeyring: IDENTITY,
    });
    const plaintext = pseudoRandomBytes(16 * 1024 * KiB + 3, 15);
    const root = await navigator.storage.getDirectory();
    const name = `esdk-staged-${crypto.randomUUID()}.encrypted`;
    const handle = await root.getFileHandle(name, { create: true });
    try {
      const before = await stagingFolders();
      await client.encryptFile({
        Input: new File([plaintext], 'data.bin'),
        KeyIds: [KeyId],
        Output: handle,
      });
      expect(await stagingFolders()).toBe(before);
      const opened = await commands.esdkDecrypt({
        key: sdkKey,
        messageBase64: toBase64(await bytesOf(await handle.getFile())),
      });
      expect(await digest(fromBase64(opened.plaintextBase64))).toBe(await digest(plaintext));
    } finally {
      await root.removeEntry(name);
    }
  });

  it('an encryption context with non-ASCII keys and values', async () => {
    const plaintext = pseudoRandomBytes(10_000, 5);
    const encrypted = await vault.kms.encryptFile({
      Input: new File([plaintext], 'note.txt'),
      KeyIds: [keyId],
      EncryptionContext: NON_ASCII_CONTEXT,
    });
    const opened = await commands.esdkDecrypt({
      key: sdkKey,
      messageBase64: toBase64(await bytesOf(encrypted.Output)),
    });
    expect(opened.encryptionContext).toEqual(NON_ASCII_CONTEXT);
    expect(fromBase64(opened.plaintextBase64)).toEqual(plaintext);
  });

  it('the entry names exactly the imported identity, which inspectCiphertext maps to the key', async () => {
    const encrypted = await vault.kms.encryptFile({
      Input: new Blob([pseudoRandomBytes(100, 1)]),
      KeyIds: [keyId],
    });
    const inspected = await vault.kms.inspectCiphertext({ Input: encrypted.Output });
    expect(inspected.EncryptedDataKeys).toEqual([
      {
        ProviderId: IDENTITY.KeyNamespace,
        KeyName: IDENTITY.KeyName,
        KeyId: keyArn,
        KeyVersion: 1,
        HeldByVault: true,
        KeyState: 'Enabled',
      },
    ]);
  });
});

describe('AWS Encryption SDK → vault', SLOW, () => {
  const cases = [
    { suite: '0x0478', frameLength: 512, size: 0 },
    { suite: '0x0478', frameLength: 512, size: 512 },
    { suite: '0x0478', frameLength: 4 * KiB, size: 4 * KiB + 1 },
    { suite: '0x0478', frameLength: 64 * KiB, size: 200_000 },
    { suite: '0x0578', frameLength: 512, size: 0 },
    { suite: '0x0578', frameLength: 4 * KiB, size: 4 * KiB - 1 },
    { suite: '0x0578', frameLength: 64 * KiB, size: 64 * KiB },
  ] as const;
  for (const { suite, frameLength, size } of cases) {
    it(`suite ${suite}, frame length ${frameLength}, ${size} bytes`, async () => {
      const plaintext = pseudoRandomBytes(size, 3 * size + frameLength);
      const message = await commands.esdkEncrypt({
        key: sdkKey,
        plaintextBase64: toBase64(plaintext),
        suite,
        frameLength,
        encryptionContext: { size: String(size) },
      });
      const decrypted = await vault.kms.decryptFile({
        Input: new File([fromBase64(message)], 'sdk.bin.encrypted'),
        EncryptionContext: { size: String(size) },
      });
      expect(decrypted.KeyId).toBe(keyArn);
      expect(decrypted.AlgorithmSuiteId).toBe(suite);
      expect(decrypted.FrameLength).toBe(frameLength);
      expect(decrypted.Output.name).toBe('sdk.bin');
      expect(await bytesOf(decrypted.Output)).toEqual(plaintext);
    });
  }

  it('9 MiB signed by the SDK, its frames opened in the frame worker (8 MiB and more)', async () => {
    const plaintext = pseudoRandomBytes(9 * 1024 * KiB + 7, 16);
    const message = await commands.esdkEncrypt({
      key: sdkKey,
      plaintextBase64: toBase64(plaintext),
      suite: '0x0578',
      frameLength: 64 * KiB,
      encryptionContext: { size: 'large' },
    });
    const decrypted = await vault.kms.decryptFile({
      Input: new Blob([fromBase64(message)]),
      EncryptionContext: { size: 'large' },
    });
    expect(decrypted.AlgorithmSuiteId).toBe('0x0578');
    expect(await digest(await bytesOf(decrypted.Output))).toBe(await digest(plaintext));
  });

  it('an encryption context with non-ASCII keys and values (suite 0x0578)', async () => {
    const plaintext = pseudoRandomBytes(9_999, 9);
    const message = await commands.esdkEncrypt({
      key: sdkKey,
      plaintextBase64: toBase64(plaintext),
      suite: '0x0578',
      frameLength: 4 * KiB,
      encryptionContext: NON_ASCII_CONTEXT,
    });
    const decrypted = await vault.kms.decryptFile({ Input: new Blob([fromBase64(message)]) });
    expect(decrypted.EncryptionContext).toMatchObject(NON_ASCII_CONTEXT);
    expect(decrypted.EncryptionContext['aws-crypto-public-key']).toBeDefined();
    expect(await bytesOf(decrypted.Output)).toEqual(plaintext);
  });

  it('another key under the same identity: InvalidCiphertextException', async () => {
    const impostor = { ...sdkKey, keyBase64: toBase64(newKeyMaterial()) };
    const message = await commands.esdkEncrypt({
      key: impostor,
      plaintextBase64: toBase64(pseudoRandomBytes(10, 2)),
      suite: '0x0478',
      frameLength: 4 * KiB,
      encryptionContext: {},
    });
    await expectKmsError(
      vault.kms.decryptFile({ Input: new Blob([fromBase64(message)]) }),
      'InvalidCiphertextException',
    );
  });

  it('an identity no key holds: NotFoundException', async () => {
    const stranger = { ...sdkKey, keyName: 'someone else' };
    const message = await commands.esdkEncrypt({
      key: stranger,
      plaintextBase64: toBase64(pseudoRandomBytes(10, 3)),
      suite: '0x0478',
      frameLength: 4 * KiB,
      encryptionContext: {},
    });
    await expectKmsError(
      vault.kms.decryptFile({ Input: new Blob([fromBase64(message)]) }),
      'NotFoundException',
    );
    const inspected = await vault.kms.inspectCiphertext({ Input: new Blob([fromBase64(message)]) });
    expect(inspected.EncryptedDataKeys).toEqual([
      { ProviderId: IDENTITY.KeyNamespace, KeyName: 'someone else', HeldByVault: false },
    ]);
  });
});

describe('the README commands', () => {
  it('openssl rand and pkeyutl, run exactly as the README shows, make material that imports and works', async () => {
    const { kms } = vault;
    const KeyId = (await kms.createKey({ Origin: 'EXTERNAL' })).KeyMetadata.KeyId;
    const given = await kms.getParametersForImport({
      KeyId,
      WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
      WrappingKeySpec: 'RSA_2048',
    });
    const made = await commands.opensslWrapAsReadme(toBase64(given.PublicKey));
    expect(made.commands).toEqual([
      'openssl rand -out key.bin 32',
      'openssl pkeyutl -encrypt -in key.bin -out key.wrapped -inkey wrapping-key.der -keyform DER -pubin -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 -pkeyopt rsa_mgf1_md:sha256',
    ]);
    const material = fromBase64(made.keyBase64);
    expect(material.length).toBe(32);
    await kms.importKeyMaterial({
      KeyId,
      ImportToken: given.ImportToken,
      EncryptedKeyMaterial: fromBase64(made.wrappedBase64),
      RawAesKeyring: { KeyNamespace: 'readme', KeyName: 'key.bin' },
      ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
    });
    expect((await kms.describeKey({ KeyId })).KeyMetadata.KeyState).toBe('Enabled');
    // The vault now holds exactly key.bin: the SDK with key.bin opens what the vault encrypts.
    const encrypted = await kms.encryptFile({
      Input: new Blob(['made with openssl']),
      KeyIds: [KeyId],
    });
    const opened = await commands.esdkDecrypt({
      key: { keyBase64: made.keyBase64, keyNamespace: 'readme', keyName: 'key.bin' },
      messageBase64: toBase64(await bytesOf(encrypted.Output)),
    });
    expect(atob(opened.plaintextBase64)).toBe('made with openssl');
  });
});

describe('after the material is deleted', () => {
  it('files under the identity name the key but wait for the material: KMSInvalidStateException', async () => {
    const message = await commands.esdkEncrypt({
      key: sdkKey,
      plaintextBase64: toBase64(pseudoRandomBytes(10, 4)),
      suite: '0x0478',
      frameLength: 4 * KiB,
      encryptionContext: {},
    });
    await vault.kms.deleteImportedKeyMaterial({ KeyId: keyId });
    await expectKmsError(
      vault.kms.decryptFile({ Input: new Blob([fromBase64(message)]) }),
      'KMSInvalidStateException',
    );
    const inspected = await vault.kms.inspectCiphertext({ Input: new Blob([fromBase64(message)]) });
    expect(inspected.EncryptedDataKeys[0]).toMatchObject({
      KeyId: keyArn,
      HeldByVault: false,
      KeyState: 'PendingImport',
    });
  });
});
