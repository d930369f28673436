/**
 * Sealing and opening the ciphertext blobs of symmetric keys (docs/FORMAT.md, "Ciphertext blob"):
 * AES-256-GCM under the key's version, with the blob header and the encryption context as
 * additional data. Encrypt, GenerateDataKey*, ReEncrypt and GenerateDataKeyPair* seal;
 * Decrypt and ReEncrypt open.
 */
import type { EncryptionContext } from '../api.ts';
import { AES_GCM_IV_LENGTH, aesGcmDecrypt, aesGcmEncrypt } from '../crypto/aes-gcm.ts';
import { randomBytes } from '../crypto/random.ts';
import { KmsError } from '../errors.ts';
import { encodeBlobHeader, joinBlob, parseBlob } from '../formats/ciphertext-blob.ts';
import { serializeEncryptionContext } from '../formats/encryption-context.ts';
import type { KeyRecord, KeyVersionRecord } from '../keystore/vault-store.ts';
import { requireSymmetricEncryptionKey } from './key-checks.ts';
import { requireKeyState } from './key-state.ts';
import type { OperationContext } from './operation-context.ts';
import { checkBytes } from './validation.ts';

/** AWS's limit on CiphertextBlob. */
export const MAX_CIPHERTEXT_BYTES = 6144;

/** Seals plaintext under the key's current version into a ciphertext blob. */
export async function sealBlob(
  context: OperationContext,
  key: KeyRecord,
  plaintext: Uint8Array<ArrayBuffer>,
  encryptionContext: EncryptionContext,
): Promise<{ blob: Uint8Array<ArrayBuffer>; version: KeyVersionRecord }> {
  requireSymmetricEncryptionKey(context, key);
  const version = await context.currentVersion(key);
  const header = encodeBlobHeader({
    vaultId: context.vaultId,
    keyId: key.KeyId,
    keyVersion: version.Version,
    iv: randomBytes(AES_GCM_IV_LENGTH),
  });
  const aad = joinBlob(header, serializeEncryptionContext(encryptionContext));
  const sealed = await aesGcmEncrypt(
    await context.cryptoKey(key, version),
    header.subarray(-AES_GCM_IV_LENGTH),
    plaintext,
    aad,
  );
  return { blob: joinBlob(header, sealed), version };
}

export interface BlobToOpen {
  blob: unknown;
  blobParameter: string;
  /** The caller's KeyId for the blob, if given: it must name the key that sealed it. */
  expectedKeyId: unknown;
  keyIdParameter: string;
  encryptionContext: EncryptionContext;
}

/**
 * Opens a blob: finds the key and version it names, checks the caller's KeyId (if any) and the
 * key's state, then authenticates. Every structural or authentication failure is one
 * InvalidCiphertextException (DESIGN §4): nothing tells an attacker which check failed.
 */
export async function openBlob(
  context: OperationContext,
  { blob: blobValue, blobParameter, expectedKeyId, keyIdParameter, encryptionContext }: BlobToOpen,
): Promise<{ key: KeyRecord; version: KeyVersionRecord; plaintext: Uint8Array<ArrayBuffer> }> {
  const bytes = checkBytes(blobParameter, blobValue, 1, MAX_CIPHERTEXT_BYTES);
  const invalid = new KmsError(
    'InvalidCiphertextException',
    'The ciphertext is not valid: it was changed, was made with a different encryption context, or names a key this vault does not hold.',
  );
  const blob = parseBlob(bytes);
  if (!blob) throw invalid;
  const key = await context.store.getKey(blob.keyId);
  if (expectedKeyId !== undefined) {
    // Whatever that key's type or usage, a key that did not seal the blob is the wrong key
    // (AWS's answer and wording: LocalStack snapshot test_error_messaging_for_invalid_keys).
    const expected = await context.resolveKey(keyIdParameter, expectedKeyId, 'read');
    if (expected.KeyId !== blob.keyId) {
      throw new KmsError(
        'IncorrectKeyException',
        'The key ID in the request does not identify a CMK that can perform this operation.',
      );
    }
  }
  // A blob of another vault whose key this vault does not hold: say which vault made it (its
  // id is in the clear in the header), so the person knows whose backup would open it.
  if (!key && blob.vaultId !== undefined && blob.vaultId !== context.vaultId) {
    throw new KmsError(
      'InvalidCiphertextException',
      `This ciphertext was made by vault ${blob.vaultId}, not this one: restore that vault's backup to decrypt it.`,
    );
  }
  // A blob is only ever sealed by a symmetric key: one naming another key is not genuine.
  if (!key || key.KeySpec !== 'SYMMETRIC_DEFAULT') throw invalid;
  context.touch(key.KeyId);
  requireKeyState(context.arn(key.KeyId), key.KeyState, 'use');
  const version = await context.store.getKeyVersion(key.KeyId, blob.keyVersion);
  if (!version) throw invalid;
  const aad = joinBlob(blob.header, serializeEncryptionContext(encryptionContext));
  const cryptoKey = await context.cryptoKey(key, version);
  const plaintext = await aesGcmDecrypt(cryptoKey, blob.iv, blob.sealed, aad);
  if (!plaintext) throw invalid;
  return { key, version, plaintext };
}
