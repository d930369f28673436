/**
 * HMAC (RFC 2104) with WebCrypto for HMAC_256/384/512 keys, as AWS KMS's GenerateMac and
 * VerifyMac run it: the key is as long as the hash output (AWS's HMAC key specs), the tag is the
 * full hash output. Keys are non-extractable.
 *
 * HMAC_224 is refused: WebCrypto has no SHA-224, and computing it in script would need the key
 * bytes in script — exactly what custody by a non-extractable key rules out.
 *
 * Verification is WebCrypto's own verify (a constant-time comparison inside the browser), and
 * only a full-length tag is accepted: a truncated tag is a different, weaker MAC that AWS's
 * VerifyMac does not accept either.
 */
import type { Bytes } from './der.ts';
import { HASH_LENGTH, macHash, type HmacKeySpec, type MacAlgorithm } from '../key-specs.ts';
import { CryptoInputError } from './input-error.ts';

type WebCryptoHmacHash = 'SHA-256' | 'SHA-384' | 'SHA-512';

const HMAC_224_REFUSAL =
  'HMAC_224 is not supported: WebCrypto has no SHA-224, so HMAC-SHA-224 could only run in script with the key bytes exposed, and Pocket KMS never exposes key bytes. Use HMAC_256.';

function webCryptoHash(algorithm: MacAlgorithm): WebCryptoHmacHash {
  const hash = macHash(algorithm);
  if (hash === 'SHA-224' || hash === 'SHA-1')
    throw new CryptoInputError('unsupported', HMAC_224_REFUSAL);
  return hash;
}

/** The MAC algorithm of an HMAC key spec (HMAC_256 → HMAC_SHA_256). */
export function macAlgorithmOf(keySpec: HmacKeySpec): MacAlgorithm {
  return `HMAC_SHA_${keySpec.slice('HMAC_'.length)}` as MacAlgorithm;
}

/** A new non-extractable HMAC key of the spec's length (256, 384 or 512 bits). */
export function generateHmacKey(keySpec: HmacKeySpec): Promise<CryptoKey> {
  const hash = webCryptoHash(macAlgorithmOf(keySpec));
  return crypto.subtle.generateKey({ name: 'HMAC', hash, length: HASH_LENGTH[hash] * 8 }, false, [
    'sign',
    'verify',
  ]) as Promise<CryptoKey>;
}

/** A non-extractable HMAC key from raw bytes (for importing key material and test vectors). */
export function importHmacKey(raw: Bytes, algorithm: MacAlgorithm): Promise<CryptoKey> {
  if (raw.length === 0) throw new RangeError('an HMAC key must not be empty');
  return crypto.subtle.importKey(
    'raw',
    raw,
    { name: 'HMAC', hash: webCryptoHash(algorithm) },
    false,
    ['sign', 'verify'],
  );
}

/** The hash algorithm a key was made for, which fixes its MAC algorithm and tag length. */
function keyHash(key: CryptoKey): WebCryptoHmacHash {
  // The WebWorker lib has no HmacKeyAlgorithm type; the shape is WebCrypto §HMAC's.
  return (key.algorithm as KeyAlgorithm & { hash: KeyAlgorithm }).hash.name as WebCryptoHmacHash;
}

export function macLength(key: CryptoKey): number {
  return HASH_LENGTH[keyHash(key)];
}

export async function generateMac(key: CryptoKey, message: Bytes): Promise<Bytes> {
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, message));
}

/** True only for the full-length tag of `message` under `key`. */
export async function verifyMac(key: CryptoKey, message: Bytes, mac: Bytes): Promise<boolean> {
  // The expected length is public (it is the algorithm's), so checking it first leaks nothing.
  if (mac.length !== macLength(key)) return false;
  return crypto.subtle.verify('HMAC', key, mac, message);
}
