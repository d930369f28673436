/**
 * Custody WRAPPED: a private key WebCrypto cannot hold (secp256k1) is stored only sealed with
 * AES-256-GCM under a non-extractable wrapping CryptoKey, and opened inside the worker for the
 * one call that needs it. The wrapping key is injected: the keystore keeps it next to the sealed
 * bytes, so the browser's profile holds the two together — the same protection as a
 * non-extractable key at rest, but the secret is in script memory for the length of one call.
 *
 * `withUnwrappedSecret` zeroes the bytes it hands out as soon as the callback settles. A library
 * that copies the secret (noble turns it into a bigint, which JavaScript cannot wipe) keeps its
 * copy until garbage collection; docs/ARCHITECTURE.md says so.
 */
import { AES_GCM_IV_LENGTH, aesGcmDecrypt, aesGcmEncrypt } from './aes-gcm.ts';
import { concatBytes, type Bytes } from './bytes.ts';
import { randomBytes } from './random.ts';

/** A sealed secret: AES-256-GCM ciphertext ‖ tag, and its IV. */
export interface WrappedKey {
  Iv: Uint8Array<ArrayBuffer>;
  Sealed: Uint8Array<ArrayBuffer>;
}

const AAD_PREFIX = new TextEncoder().encode('pocket-kms wrapped private key v1\0');

/**
 * The AAD that binds a sealed secret to its key: the same bytes sealed for another key (or
 * another spec) do not open.
 */
export function wrappedKeyAad(keyId: string, keySpec: string): Bytes {
  return concatBytes([AAD_PREFIX, new TextEncoder().encode(`${keyId}\0${keySpec}`)]);
}

export async function wrapSecret(
  wrappingKey: CryptoKey,
  secret: Bytes,
  aad: Bytes,
): Promise<WrappedKey> {
  const iv = randomBytes(AES_GCM_IV_LENGTH);
  return { Iv: iv, Sealed: await aesGcmEncrypt(wrappingKey, iv, secret, aad) };
}

/**
 * Opens the sealed secret, runs `use` with it, and zeroes it afterwards — whether `use` returns
 * or throws. A seal that does not open means the stored record was changed or mixed up: that
 * is an internal error, not the caller's.
 */
export async function withUnwrappedSecret<T>(
  wrappingKey: CryptoKey,
  wrapped: WrappedKey,
  aad: Bytes,
  use: (secret: Bytes) => T | Promise<T>,
): Promise<T> {
  const secret = await aesGcmDecrypt(wrappingKey, wrapped.Iv, wrapped.Sealed, aad);
  if (!secret)
    throw new Error('wrapped private key does not open: the stored key record is damaged');
  try {
    return await use(secret);
  } finally {
    secret.fill(0);
  }
}
