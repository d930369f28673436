/**
 * Key derivation and key commitment for suites 0x0478 and 0x0578 — docs/FORMAT.md §4.3
 * (aws-encryption-sdk-specification, framework/algorithm-suites.md, "Key Derivation" and
 * transitive-requirements.md, "HKDF Encryption Key" and "Commit Key").
 *
 * Everything runs in WebCrypto: the data key becomes a non-extractable HKDF key, the content key
 * a non-extractable AES-256-GCM key. Only the commitment (public: it is written in the header)
 * comes back as bytes.
 */
import type { Bytes } from '../crypto/aes-gcm.ts';
import type { AlgorithmSuite } from './algorithm-suites.ts';
import { COMMITMENT_LENGTH, MESSAGE_ID_LENGTH } from './message-header.ts';

export const DATA_KEY_LENGTH = 32;

/** "DERIVEKEY" and "COMMITKEY" as ASCII bytes (serialize/src/kdf_info.ts). */
const DERIVE_KEY_LABEL = new TextEncoder().encode('DERIVEKEY');
const COMMIT_KEY_LABEL = new TextEncoder().encode('COMMITKEY');

export interface MessageKeys {
  /** AES-256-GCM, non-extractable, encrypt and decrypt: the header tag and every frame. */
  contentKey: CryptoKey;
  /** The 32-byte commitment, the header's algorithm suite data. */
  commitment: Bytes;
}

/**
 * The HKDF-SHA-512 `info` of each derivation (§4.3): the suite id (big-endian u16) ‖ "DERIVEKEY"
 * for the content key, "COMMITKEY" for the commitment. The salt of both is the message id.
 */
export function keyDerivationInfo(suite: AlgorithmSuite): {
  contentKeyInfo: Bytes;
  commitKeyInfo: Bytes;
} {
  const contentKeyInfo = new Uint8Array(2 + DERIVE_KEY_LABEL.length);
  contentKeyInfo[0] = suite.id >>> 8;
  contentKeyInfo[1] = suite.id & 0xff;
  contentKeyInfo.set(DERIVE_KEY_LABEL, 2);
  return { contentKeyInfo, commitKeyInfo: COMMIT_KEY_LABEL.slice() };
}

/**
 * Derives the content key and the commitment from a 32-byte data key and the message id.
 * The data key bytes are not kept: the caller zeroes them once this resolves.
 */
export async function deriveMessageKeys(
  dataKey: Bytes,
  suite: AlgorithmSuite,
  messageId: Bytes,
): Promise<MessageKeys> {
  if (dataKey.length !== DATA_KEY_LENGTH)
    throw new RangeError(`data key must be ${DATA_KEY_LENGTH} bytes`);
  if (messageId.length !== MESSAGE_ID_LENGTH)
    throw new RangeError(`message id must be ${MESSAGE_ID_LENGTH} bytes`);
  const hkdfKey = await crypto.subtle.importKey('raw', dataKey, 'HKDF', false, [
    'deriveKey',
    'deriveBits',
  ]);
  const { contentKeyInfo, commitKeyInfo } = keyDerivationInfo(suite);
  // WebCrypto's HKDF runs extract and expand in one call: both outputs share the same PRK
  // because salt and IKM are the same.
  const [contentKey, commitment] = await Promise.all([
    crypto.subtle.deriveKey(
      { name: 'HKDF', hash: 'SHA-512', salt: messageId, info: contentKeyInfo },
      hkdfKey,
      { name: 'AES-GCM', length: 256 },
      false,
      ['encrypt', 'decrypt'],
    ),
    crypto.subtle.deriveBits(
      { name: 'HKDF', hash: 'SHA-512', salt: messageId, info: commitKeyInfo },
      hkdfKey,
      COMMITMENT_LENGTH * 8,
    ),
  ]);
  return { contentKey, commitment: new Uint8Array(commitment) };
}

/** Equality whose running time depends only on the lengths, not on where the bytes differ. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
}
