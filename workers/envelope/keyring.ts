/**
 * The keyring interface of the envelope: whoever holds the master keys wraps a message's data key
 * for each of them and unwraps it again — docs/FORMAT.md §4.8. The envelope code (encrypt- and
 * decrypt-message.ts) never sees a master key, only this interface.
 *
 * Implementations: raw-aes-keyring.ts (fixed wrapping keys, used by tests and interop) and
 * workers/kms/vault-keyring.ts (the vault's keys and versions); the Learn section's lesson 1
 * keyring (src/features/learn/envelope-lesson.ts) generates through the sandbox's GenerateDataKey.
 */
import type { EncryptionContext } from '../api.ts';
import type { Bytes } from '../crypto/aes-gcm.ts';
import type { EncryptedDataKey } from './message-header.ts';

export interface UnwrappedDataKey {
  /** The 32 plaintext bytes of the data key. The caller zeroes them once it has derived keys. */
  dataKey: Bytes;
  /** The entry that unwrapped. */
  encryptedDataKey: EncryptedDataKey;
}

/** A data key a keyring made (Keyring.generate), with its entries. */
export interface GeneratedDataKey {
  dataKey: Bytes;
  encryptedDataKeys: EncryptedDataKey[];
}

export interface Keyring {
  /**
   * Wraps `dataKey` once for every master key the keyring was made with, each bound to
   * `encryptionContext`. Resolves to at least one entry, in the keyring's order; rejects with a
   * KmsError if any master key cannot be used (a message is never written for fewer keys than
   * the caller chose).
   */
  wrap(dataKey: Bytes, encryptionContext: EncryptionContext): Promise<EncryptedDataKey[]>;

  /**
   * Optional: the keyring makes the message's data key itself, with its entries — as the AWS
   * Encryption SDK's KMS keyring does with GenerateDataKey (keyring-interface.md, OnEncrypt: a
   * keyring MAY generate the plaintext data key). Without it, the envelope makes 32 random bytes
   * and calls `wrap`. The envelope zeroes `dataKey` once it has derived the message's keys.
   */
  generate?(encryptionContext: EncryptionContext): Promise<GeneratedDataKey>;

  /**
   * The data key from the first entry that unwraps under `encryptionContext` (the message's whole
   * context). Entries the keyring does not recognise are skipped. When none unwraps it rejects
   * with a KmsError: NotFoundException when no entry names a key it holds,
   * DisabledException / KMSInvalidStateException / IncorrectKeyException when the keys named
   * cannot be used, InvalidCiphertextException when a named key's entry fails to unwrap.
   */
  unwrap(
    encryptedDataKeys: readonly EncryptedDataKey[],
    encryptionContext: EncryptionContext,
  ): Promise<UnwrappedDataKey>;
}
