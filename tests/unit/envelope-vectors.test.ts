/**
 * The AWS Encryption SDK message format v2 commitment vectors (tests/vectors/esdk-commitment/,
 * extracted from aws/aws-encryption-sdk-javascript modules/decrypt-node/test/fixtures.ts,
 * Apache-2.0) through our own decoder. Their data keys are wrapped by AWS KMS, so each vector's
 * `decrypted-dek` is handed over by a static keyring; everything after the keyring is ours:
 * header parsing, key derivation, commitment, header tag, frames (1-byte to 2 KiB, and the C
 * ESDK's non-framed bodies), footer signatures. `status: false` vectors must fail on the
 * commitment.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { aesGcmEncrypt, importAesGcmKey } from '../../workers/crypto/aes-gcm.ts';
import { deriveMessageKeys } from '../../workers/envelope/key-derivation.ts';
import { decodeHeader } from '../../workers/envelope/message-header.ts';
import { expectRefused, ourDecrypt, StaticKeyring } from './envelope-fixtures.ts';

interface CommitmentVector {
  comment: string;
  ciphertext: string;
  'decrypted-dek': string;
  'message-id': string;
  commitment: string;
  'content-encryption-key'?: string;
  'encryption-context': Record<string, string>;
  'plaintext-frames': string[];
  status: boolean;
  exception: string | null;
}

const file = JSON.parse(
  readFileSync(
    new URL(
      '../vectors/esdk-commitment/message-format-v2-commitment-vectors.json',
      import.meta.url,
    ),
    'utf8',
  ),
) as { tests: CommitmentVector[] };

const base64 = (text: string): Uint8Array<ArrayBuffer> =>
  new Uint8Array(Buffer.from(text, 'base64'));

describe('ESDK message format v2 commitment vectors', () => {
  test('the file holds 46 vectors, 5 of them expected failures', () => {
    expect(file.tests).toHaveLength(46);
    expect(file.tests.filter((vector) => !vector.status)).toHaveLength(5);
  });

  for (const vector of file.tests) {
    test(`${vector.comment}: ${vector.status ? 'decrypts' : `fails (${vector.exception})`}`, async () => {
      const message = base64(vector.ciphertext);
      const keyring = new StaticKeyring(base64(vector['decrypted-dek']));

      // Our key derivation reproduces the vector's commitment and content key. For the
      // expected failures the header carries another key's commitment: that is why they fail.
      const decoded = decodeHeader(message);
      if ('needed' in decoded) throw new Error('vector header incomplete');
      expect(Buffer.from(decoded.header.messageId).toString('base64')).toBe(vector['message-id']);
      const keys = await deriveMessageKeys(
        base64(vector['decrypted-dek']),
        decoded.header.suite,
        decoded.header.messageId,
      );
      const derived = Buffer.from(keys.commitment).toString('base64');
      const inHeader = Buffer.from(decoded.header.commitment).toString('base64');
      if (vector.status) {
        expect(derived).toBe(vector.commitment);
        expect(inHeader).toBe(vector.commitment);
      } else {
        expect(derived).not.toBe(inHeader);
        expect([derived, inHeader]).toContain(vector.commitment);
      }
      if (vector.status && vector['content-encryption-key']) {
        // The content key is non-extractable: compare what it and the vector's key encrypt.
        const iv = new Uint8Array(12);
        const probe = new Uint8Array(32).fill(0x5a);
        const expected = await aesGcmEncrypt(
          await importAesGcmKey(base64(vector['content-encryption-key'])),
          iv,
          probe,
          iv,
        );
        expect(await aesGcmEncrypt(keys.contentKey, iv, probe, iv)).toEqual(expected);
      }

      if (vector.status) {
        const opened = await ourDecrypt(message, { keyring });
        expect(Buffer.from(opened.plaintext).toString('utf8')).toBe(
          vector['plaintext-frames'].join(''),
        );
        expect(opened.encryptionContext).toEqual(vector['encryption-context']);
      } else {
        expect(vector.exception).toBe('EXCEPTION: Invalid commitment');
        await expectRefused(message, /^Decryption failed: commitment:/, { keyring });
      }
    });
  }
});
