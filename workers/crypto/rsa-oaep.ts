/**
 * RSAES-OAEP (RFC 8017 §7.1) with WebCrypto, as AWS KMS runs it: RSAES_OAEP_SHA_1 and
 * RSAES_OAEP_SHA_256, MGF1 with the same hash, empty label. WebCrypto binds an RSA-OAEP key to
 * one hash, so a key is held as one CryptoKey per algorithm.
 *
 * Decryption failures — wrong key, changed ciphertext, bad padding — are `null`, one outcome
 * with no detail, so a caller cannot become a padding oracle (Manger's attack); the caller
 * names it (InvalidCiphertextException).
 */
import type { Bytes } from './der.ts';
import { HASH_LENGTH, oaepHash, type RsaEncryptionAlgorithm } from '../key-specs.ts';

const EMPTY_LABEL = new Uint8Array(0);

export function rsaOaepKeyParameters(algorithm: RsaEncryptionAlgorithm): RsaHashedImportParams {
  return { name: 'RSA-OAEP', hash: oaepHash(algorithm) };
}

/** The longest plaintext this key takes with this algorithm: k − 2·hLen − 2 (RFC 8017 §7.1.1). */
export function rsaOaepMaxPlaintext(key: CryptoKey, algorithm: RsaEncryptionAlgorithm): number {
  const { modulusLength } = key.algorithm as KeyAlgorithm & { modulusLength: number };
  return Math.ceil(modulusLength / 8) - 2 * HASH_LENGTH[oaepHash(algorithm)] - 2;
}

/**
 * Encrypts with a public key held for `algorithm`. `label` exists for the Wycheproof vectors;
 * AWS KMS, and therefore the core, always uses the empty label.
 */
export async function rsaOaepEncrypt(
  publicKey: CryptoKey,
  algorithm: RsaEncryptionAlgorithm,
  plaintext: Bytes,
  label: Bytes = EMPTY_LABEL,
): Promise<Bytes> {
  const max = rsaOaepMaxPlaintext(publicKey, algorithm);
  if (plaintext.length > max)
    throw new RangeError(
      `${algorithm} with this key takes at most ${max} bytes, got ${plaintext.length}`,
    );
  return new Uint8Array(
    await crypto.subtle.encrypt({ name: 'RSA-OAEP', label }, publicKey, plaintext),
  );
}

/** Decrypts; `null` for any ciphertext that does not decrypt under this key and algorithm. */
export async function rsaOaepDecrypt(
  privateKey: CryptoKey,
  ciphertext: Bytes,
  label: Bytes = EMPTY_LABEL,
): Promise<Bytes | null> {
  try {
    return new Uint8Array(
      await crypto.subtle.decrypt({ name: 'RSA-OAEP', label }, privateKey, ciphertext),
    );
  } catch (error) {
    // WebCrypto reports every decryption failure as OperationError (WebCrypto §RSA-OAEP, decrypt).
    if (error instanceof DOMException && error.name === 'OperationError') return null;
    throw error;
  }
}

/** A non-extractable private key from PKCS #8 (key creation, and the Wycheproof vectors). */
export function importRsaOaepPrivateKey(
  pkcs8: Bytes,
  algorithm: RsaEncryptionAlgorithm,
): Promise<CryptoKey> {
  return crypto.subtle.importKey('pkcs8', pkcs8, rsaOaepKeyParameters(algorithm), false, [
    'decrypt',
  ]);
}
