/**
 * src/features/files/message-kind.ts: which dropped files the Files page decrypts. Real messages
 * from our encoder and from the AWS Encryption SDK (both committing suites) are recognised by
 * their first three bytes; plaintexts, a format-1 message and short files are not.
 */
import { describe, expect, test } from 'vitest';
import {
  isEncryptionSdkMessage,
  startsEncryptionSdkMessage,
} from '../../src/features/files/message-kind.ts';
import {
  ourEncrypt,
  pseudoRandomBytes,
  SUITE_0478,
  SUITE_0578,
  sdkEncrypt,
} from './envelope-fixtures.ts';

describe('recognising an AWS Encryption SDK message by content', () => {
  test('messages from our encoder and from the SDK, suites 0x0478 and 0x0578', async () => {
    const plaintext = pseudoRandomBytes(1000);
    const messages = {
      ours: await ourEncrypt(plaintext),
      'sdk 0x0478': await sdkEncrypt(plaintext, { suiteId: SUITE_0478 }),
      'sdk 0x0578': await sdkEncrypt(plaintext, { suiteId: SUITE_0578 }),
    };
    for (const [source, message] of Object.entries(messages)) {
      expect(startsEncryptionSdkMessage(message), source).toBe(true);
      expect(await isEncryptionSdkMessage(new Blob([message])), source).toBe(true);
    }
  });

  test('an empty message (zero-byte plaintext) is still a message', async () => {
    expect(await isEncryptionSdkMessage(new Blob([await ourEncrypt(new Uint8Array(0))]))).toBe(
      true,
    );
  });

  test.each([
    ['empty file', []],
    ['two bytes only', [0x02, 0x04]],
    ['text', [...new TextEncoder().encode('hello world')]],
    ['format 1, suite 0x0178 (no key commitment)', [0x01, 0x80, 0x01, 0x78]],
    ['format 2 byte with a format-1 suite id', [0x02, 0x01, 0x78]],
    ['format 2 byte with an unknown suite id', [0x02, 0x04, 0x79]],
    ['a PNG signature', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a]],
  ])('not a message: %s', async (_name, bytes) => {
    const prefix = Uint8Array.from(bytes);
    expect(startsEncryptionSdkMessage(prefix)).toBe(false);
    expect(await isEncryptionSdkMessage(new Blob([prefix]))).toBe(false);
  });
});
