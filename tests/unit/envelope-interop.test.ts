/**
 * Interop with the AWS Encryption SDK for JavaScript (@aws-crypto/client-node 5.0.2, commitment
 * policy REQUIRE_ENCRYPT_REQUIRE_DECRYPT), both ways, through a raw AES-256 keyring holding the
 * same key, namespace and name (docs/FORMAT.md §4).
 */
import { describe, expect, test } from 'vitest';
import {
  IDENTITY,
  ourDecrypt,
  ourEncrypt,
  pseudoRandomBytes,
  sdk,
  sdkDecrypt,
  sdkEncrypt,
  sdkKeyring,
  SUITE_0478,
  SUITE_0578,
} from './envelope-fixtures.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Frame lengths × plaintext sizes on, one before and one after a frame boundary. */
function boundarySizes(frameLength: number): number[] {
  return [0, frameLength - 1, frameLength, frameLength + 1, 2 * frameLength];
}

const NON_ASCII_CONTEXT = {
  purpose: 'Prüfung ✓ — naïve café',
  Department: '研究開発',
  'schlüssel-🔑': 'wert 😀',
  zzz: '',
};

// Generous timeouts: two shared cores, and the 4 MiB cases move tens of MiB through two implementations.
const SLOW = { timeout: 60_000 };

describe('ours → SDK (suite 0x0478)', SLOW, () => {
  for (const frameLength of [4 * KiB, 64 * KiB, 512 * KiB, 4 * MiB]) {
    const sizes =
      frameLength === 4 * MiB
        ? [0, frameLength - 1, frameLength, frameLength + 1]
        : boundarySizes(frameLength);
    test.each(sizes)(`frame length ${frameLength}, %i bytes`, async (size) => {
      const plaintext = pseudoRandomBytes(size, size + frameLength);
      const message = await ourEncrypt(plaintext, {
        frameLength,
        encryptionContext: { size: String(size) },
      });
      const { plaintext: opened, messageHeader } = await sdkDecrypt(message);
      expect(messageHeader.suiteId).toBe(SUITE_0478);
      expect(messageHeader.frameLength).toBe(frameLength);
      expect({ ...messageHeader.encryptionContext }).toEqual({ size: String(size) });
      expect(opened.length).toBe(size);
      expect(Buffer.compare(opened, plaintext)).toBe(0);
    });
  }

  test('an encryption context with non-ASCII keys and values', async () => {
    const plaintext = pseudoRandomBytes(10_000, 7);
    const message = await ourEncrypt(plaintext, {
      frameLength: 4 * KiB,
      encryptionContext: NON_ASCII_CONTEXT,
    });
    const { plaintext: opened, messageHeader } = await sdkDecrypt(message);
    expect({ ...messageHeader.encryptionContext }).toEqual(NON_ASCII_CONTEXT);
    expect(Buffer.compare(opened, plaintext)).toBe(0);
  });

  test('the raw AES entry names our namespace and key name', async () => {
    const message = await ourEncrypt(new Uint8Array(1), { frameLength: 4 * KiB });
    const { messageHeader } = await sdkDecrypt(message);
    expect(messageHeader.encryptedDataKeys).toHaveLength(1);
    expect(messageHeader.encryptedDataKeys[0]!.providerId).toBe(IDENTITY.keyNamespace);
    expect(messageHeader.encryptedDataKeys[0]!.providerInfo.startsWith(IDENTITY.keyName)).toBe(
      true,
    );
  });
});

describe('SDK → ours (suite 0x0478)', SLOW, () => {
  for (const frameLength of [512, 4 * KiB, 64 * KiB, 512 * KiB, 4 * MiB]) {
    const sizes =
      frameLength === 4 * MiB
        ? [0, frameLength - 1, frameLength, frameLength + 1]
        : boundarySizes(frameLength);
    test.each(sizes)(`frame length ${frameLength}, %i bytes`, async (size) => {
      const plaintext = pseudoRandomBytes(size, 3 * size + frameLength);
      const message = await sdkEncrypt(plaintext, {
        suiteId: SUITE_0478,
        frameLength,
        encryptionContext: { size: String(size) },
      });
      const opened = await ourDecrypt(message);
      expect(opened.suite.id).toBe(0x0478);
      expect(opened.frameLength).toBe(frameLength);
      expect(opened.encryptionContext).toEqual({ size: String(size) });
      expect(opened.plaintextLength).toBe(size);
      // The SDK writes an empty final frame on an exact multiple; both forms decrypt.
      expect(opened.frameCount).toBe(Math.floor(size / frameLength) + 1);
      expect(Buffer.compare(opened.plaintext, plaintext)).toBe(0);
    });
  }

  test('an encryption context with non-ASCII keys and values', async () => {
    const plaintext = pseudoRandomBytes(10_000, 9);
    const message = await sdkEncrypt(plaintext, {
      frameLength: 4 * KiB,
      encryptionContext: NON_ASCII_CONTEXT,
    });
    const opened = await ourDecrypt(message);
    expect(opened.encryptionContext).toEqual(NON_ASCII_CONTEXT);
    expect(Buffer.compare(opened.plaintext, plaintext)).toBe(0);
  });

  test('an SDK keyring in its default localeCompare order (#428) still decrypts here', async () => {
    // 'Purpose' < 'department' in UTF-8 order, the other way round for localeCompare.
    const context = { Purpose: 'backup', department: 'finance', émigré: 'ü' };
    const plaintext = pseudoRandomBytes(5000, 11);
    const message = await sdkEncrypt(plaintext, {
      frameLength: 4 * KiB,
      encryptionContext: context,
      keyring: sdkKeyring({ utf8Sorting: false }),
    });
    const opened = await ourDecrypt(message);
    expect(opened.encryptionContext).toEqual(context);
    expect(Buffer.compare(opened.plaintext, plaintext)).toBe(0);
  });
});

describe('SDK → ours (suite 0x0578, ECDSA P-384 footer)', SLOW, () => {
  const cases: [number, number][] = [];
  for (const frameLength of [512, 4 * KiB, 64 * KiB])
    for (const size of boundarySizes(frameLength)) cases.push([frameLength, size]);
  cases.push([512 * KiB, 512 * KiB + 1], [4 * MiB, 4 * MiB + 1]);
  test.each(cases)('frame length %i, %i bytes', async (frameLength, size) => {
    const plaintext = pseudoRandomBytes(size, size + 5 * frameLength);
    const message = await sdkEncrypt(plaintext, {
      suiteId: SUITE_0578,
      frameLength,
      encryptionContext: { purpose: 'interop' },
    });
    const opened = await ourDecrypt(message);
    expect(opened.suite.id).toBe(0x0578);
    expect(opened.encryptionContext.purpose).toBe('interop');
    expect(opened.encryptionContext['aws-crypto-public-key']).toMatch(/^[A-Za-z0-9+/]{66}==$/);
    expect(Buffer.compare(opened.plaintext, plaintext)).toBe(0);
  });

  test('the SDK default: suite 0x0578, 4 KiB frames, a non-ASCII context', async () => {
    const plaintext = pseudoRandomBytes(20_000, 13);
    const { result } = await sdk.encrypt(sdkKeyring(), plaintext, {
      encryptionContext: NON_ASCII_CONTEXT,
    });
    const opened = await ourDecrypt(new Uint8Array(result));
    expect(opened.suite.id).toBe(0x0578);
    expect(opened.frameLength).toBe(4096);
    expect(Buffer.compare(opened.plaintext, plaintext)).toBe(0);
  });
});
