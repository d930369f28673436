/**
 * ECDSA_SHA_256 on secp256k1 (SEC 2 §2.4.1) through @noble/curves, because WebCrypto has no
 * secp256k1. Keys of this spec have custody WRAPPED (wrapped-key.ts): the 32-byte secret is
 * unwrapped for one call and wiped by the caller right after.
 *
 * - Signing produces low-S signatures (s ≤ n/2, BIP 62's rule that Bitcoin and Ethereum need),
 *   DER-encoded as AWS KMS returns ECDSA signatures, with hedged nonces (RFC 6979 plus fresh
 *   randomness, noble's `extraEntropy`).
 * - Verification is plain ECDSA, as AWS KMS and OpenSSL verify it: a high-S signature that is
 *   otherwise valid is accepted. DER is decoded strictly by der.ts, not by noble, so every curve
 *   (WebCrypto's P-curves too) shares one definition of "valid DER" and one set of refusal
 *   messages; noble's parser is as strict, but bound to a curve (it also refuses r or s outside
 *   [1, n−1], which ECDSA verification then reports as `false` anyway).
 * - Unlike WebCrypto, noble signs a digest computed elsewhere, so MessageType DIGEST (exactly 32
 *   bytes of SHA-256) is allowed here.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { DerError, ecdsaDerToP1363, type Bytes } from './der.ts';
import type { MessageType } from '../key-specs.ts';

export const SECP256K1_SECRET_LENGTH = 32;
export const SECP256K1_DIGEST_LENGTH = 32;

/** The uncompressed public point (0x04 ‖ x ‖ y, 65 bytes) of a secret key. */
export function secp256k1PublicPoint(secretKey: Uint8Array): Bytes {
  return new Uint8Array(secp256k1.getPublicKey(secretKey, false));
}

/** A new secret key and its uncompressed public point. */
export function generateSecp256k1Key(): { secretKey: Bytes; publicPoint: Bytes } {
  const secretKey = new Uint8Array(secp256k1.utils.randomSecretKey());
  return { secretKey, publicPoint: secp256k1PublicPoint(secretKey) };
}

function checkMessage(messageType: MessageType, message: Uint8Array): { prehash: boolean } {
  if (messageType === 'DIGEST') {
    if (message.length !== SECP256K1_DIGEST_LENGTH) {
      throw new RangeError(
        `a DIGEST for ECDSA_SHA_256 is ${SECP256K1_DIGEST_LENGTH} bytes, got ${message.length}`,
      );
    }
    return { prehash: false };
  }
  if (messageType !== 'RAW')
    throw new RangeError(`MessageType ${messageType} does not apply to ECDSA`);
  return { prehash: true };
}

/** ECDSA_SHA_256 signature, DER-encoded and low-S. RAW messages are hashed with SHA-256 here. */
export function signSecp256k1(
  secretKey: Uint8Array,
  messageType: MessageType,
  message: Uint8Array,
): Bytes {
  const { prehash } = checkMessage(messageType, message);
  // DER (X.690 has one encoding of a pair of integers) straight from noble.
  return new Uint8Array(
    secp256k1.sign(message, secretKey, { prehash, lowS: true, format: 'der', extraEntropy: true }),
  );
}

/** Verifies r ‖ s (64 bytes). Malformed signatures and invalid keys are `false`. */
export function verifySecp256k1P1363(
  publicPoint: Uint8Array,
  messageType: MessageType,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  const { prehash } = checkMessage(messageType, message);
  if (signature.length !== 2 * SECP256K1_SECRET_LENGTH) return false;
  try {
    return secp256k1.verify(signature, message, publicPoint, {
      prehash,
      lowS: false,
      format: 'compact',
    });
  } catch {
    // noble throws for r or s outside [1, n−1] and for points not on the curve.
    return false;
  }
}

/** Verifies a DER signature (AWS's encoding), strictly decoded. */
export function verifySecp256k1(
  publicPoint: Uint8Array,
  messageType: MessageType,
  message: Uint8Array,
  signature: Bytes,
): boolean {
  let p1363: Bytes;
  try {
    p1363 = ecdsaDerToP1363(signature, SECP256K1_SECRET_LENGTH);
  } catch (error) {
    if (error instanceof DerError) return false;
    throw error;
  }
  return verifySecp256k1P1363(publicPoint, messageType, message, p1363);
}
