/**
 * The one WebCrypto AES-GCM wrapper the core uses (the Wycheproof tests drive this same module).
 * Keys are created non-extractable: script can use them but never read their bytes.
 */
import type { Bytes } from './bytes.ts';

export type { Bytes };

export const AES_GCM_IV_LENGTH = 12;
export const AES_GCM_TAG_LENGTH = 16;

/** A new non-extractable AES-256-GCM key, generated inside the worker. */
export function generateAesGcmKey(): Promise<CryptoKey> {
  return crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, [
    'encrypt',
    'decrypt',
  ]) as Promise<CryptoKey>;
}

/**
 * Imports raw key bytes as a non-extractable AES-GCM key. Chromium refuses 192-bit AES keys
 * (OperationError), so only 16- and 32-byte keys are accepted here.
 */
export function importAesGcmKey(raw: Bytes): Promise<CryptoKey> {
  if (raw.length !== 16 && raw.length !== 32) {
    throw new RangeError(`AES-GCM key must be 16 or 32 bytes, got ${raw.length}`);
  }
  return crypto.subtle.importKey('raw', raw, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
}

/** Returns ciphertext ‖ tag (tagLength bytes). */
export async function aesGcmEncrypt(
  key: CryptoKey,
  iv: Bytes,
  plaintext: Bytes,
  additionalData: Bytes,
  tagLength = AES_GCM_TAG_LENGTH,
): Promise<Bytes> {
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData, tagLength: tagLength * 8 },
    key,
    plaintext,
  );
  return new Uint8Array(sealed);
}

/**
 * Opens ciphertext ‖ tag. Returns null when authentication fails, so the caller decides which
 * named error that is; any other failure (a key that cannot decrypt, say) still throws.
 */
export async function aesGcmDecrypt(
  key: CryptoKey,
  iv: Bytes,
  sealed: Bytes,
  additionalData: Bytes,
  tagLength = AES_GCM_TAG_LENGTH,
): Promise<Bytes | null> {
  if (sealed.length < tagLength) return null;
  try {
    const opened = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv, additionalData, tagLength: tagLength * 8 },
      key,
      sealed,
    );
    return new Uint8Array(opened);
  } catch (error) {
    // WebCrypto reports a failed tag check as OperationError and nothing more (spec §AES-GCM).
    if (error instanceof DOMException && error.name === 'OperationError') return null;
    throw error;
  }
}
