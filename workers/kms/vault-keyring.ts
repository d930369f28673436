/**
 * The vault's keys as a keyring for file messages — docs/FORMAT.md §4.8, "Vault keys".
 *
 * Wrapping uses the *current* version of each chosen symmetric key; the entry's key name,
 * `<VaultId>/<KeyId>#v<version>` in namespace `pocket-kms`, says exactly which material it used,
 * so unwrapping looks up that version (every version of a key keeps decrypting after rotation),
 * and a vault without the key can say which vault made the file. Names written before the
 * vault id was added (`<KeyId>#v<version>`) are still read.
 *
 * A key with imported material and a RawAesKeyring identity (bring your own key) wraps under
 * exactly that (namespace, name) instead, and its entries are found by that identity — so an AWS
 * Encryption SDK raw AES keyring holding the same 32 bytes reads and writes the same files.
 *
 * The keyring reads the vault through VaultStore (the one IndexedDB door) and reports every
 * key it touches to the caller, which puts it in the audit record's resources.
 */
import type { EncryptionContext } from '../api.ts';
import type { Bytes } from '../crypto/aes-gcm.ts';
import { KmsError } from '../errors.ts';
import type { Keyring, UnwrappedDataKey } from '../envelope/keyring.ts';
import type { EncryptedDataKey } from '../envelope/message-header.ts';
import {
  parseRawAesEntry,
  unwrapDataKey,
  wrapDataKey,
  type RawAesIdentity,
} from '../envelope/raw-aes-keyring.ts';
import type { KeyRecord, KeyVersionRecord, VaultStore } from '../keystore/vault-store.ts';
import { requireKeyState } from './key-state.ts';

/** The key namespace of every vault key's entries; reserved (imported identities use another). */
export const VAULT_KEY_NAMESPACE = 'pocket-kms';

const KEY_NAME_PATTERN =
  /^(?:(\d{12})\/)?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})#v([1-9][0-9]{0,9})$/;
const MAX_U32 = 0xffffffff;

/**
 * `<VaultId>/<KeyId>#v<version>`: the 12-digit vault id, "/", the lower-case UUID, "#v", the
 * version in decimal without leading zeros.
 */
export function vaultKeyName(vaultId: string, keyId: string, version: number): string {
  return `${vaultId}/${keyId}#v${version}`;
}

/** What a vault key name names; `vaultId` is absent in names written before it was added. */
export interface NamedKeyVersion {
  vaultId?: string;
  keyId: string;
  version: number;
}

/** The vault, key and version a vault key name names, or null when it is not one. */
export function parseVaultKeyName(keyName: string): NamedKeyVersion | null {
  const match = KEY_NAME_PATTERN.exec(keyName);
  if (!match) return null;
  const version = Number(match[3]);
  if (version > MAX_U32) return null;
  return { ...(match[1] !== undefined && { vaultId: match[1] }), keyId: match[2]!, version };
}

/** The identity a key's entries carry: its imported RawAesKeyring, else the vault key name. */
export function wrappingIdentity(
  vaultId: string,
  key: KeyRecord,
  version: KeyVersionRecord,
): RawAesIdentity {
  return key.RawAesKeyring
    ? { keyNamespace: key.RawAesKeyring.KeyNamespace, keyName: key.RawAesKeyring.KeyName }
    : {
        keyNamespace: VAULT_KEY_NAMESPACE,
        keyName: vaultKeyName(vaultId, key.KeyId, version.Version),
      };
}

/**
 * The vault key and version a (namespace, key name) pair names: in `pocket-kms` by the key name,
 * in any other namespace by the identity of an imported key (whose one version is its current
 * one). Null when the pair names nothing this vault knows.
 */
export async function identifiedKey(
  store: VaultStore,
  keyNamespace: string,
  keyName: string,
): Promise<NamedKeyVersion | null> {
  if (keyNamespace === VAULT_KEY_NAMESPACE) return parseVaultKeyName(keyName);
  const key = await store.getKeyByRawAesIdentity({ KeyNamespace: keyNamespace, KeyName: keyName });
  return key ? { keyId: key.KeyId, version: key.CurrentVersion } : null;
}

/** The vault key and version a raw-AES entry names (identifiedKey), or null. */
async function entryKey(store: VaultStore, edk: EncryptedDataKey): Promise<NamedKeyVersion | null> {
  const keyName = parseRawAesEntry(edk)?.keyName;
  return keyName === undefined ? null : identifiedKey(store, edk.providerId, keyName);
}

export interface WrappingTarget {
  key: KeyRecord;
  /** The key's current version: the one that wraps. */
  version: KeyVersionRecord;
}

export interface VaultKeyringOptions {
  store: VaultStore;
  /** This vault's id: new entries name it; entries of another vault's keys are reported so. */
  vaultId: string;
  /** The ARN of a key id, for messages and the audit record. */
  arn: (keyId: string) => string;
  /** Called with each key the keyring touches (the audit record's resources). */
  touch: (keyId: string) => void;
  /** The CryptoKey of a version (VaultLockedException while the vault is locked). */
  cryptoKeyOf: (key: KeyRecord, version: KeyVersionRecord) => Promise<CryptoKey>;
  /** Encrypting: the keys (already resolved and checked by the caller) to wrap for. */
  targets?: readonly WrappingTarget[];
  /** Decrypting: when the caller named a key, only its entries are tried (AWS's KeyId rule). */
  onlyKeyId?: string;
}

export class VaultKeyring implements Keyring {
  /** Set by unwrap: the key and version that opened the message. */
  used: { key: KeyRecord; version: KeyVersionRecord } | undefined;

  constructor(private readonly options: VaultKeyringOptions) {}

  async wrap(dataKey: Bytes, encryptionContext: EncryptionContext): Promise<EncryptedDataKey[]> {
    const targets = this.options.targets ?? [];
    if (targets.length === 0) throw new Error('VaultKeyring: no keys to wrap for');
    const entries: EncryptedDataKey[] = [];
    for (const { key, version } of targets) {
      const identity = wrappingIdentity(this.options.vaultId, key, version);
      const cryptoKey = await this.options.cryptoKeyOf(key, version);
      entries.push(await wrapDataKey(cryptoKey, identity, dataKey, encryptionContext));
    }
    return entries;
  }

  /**
   * Tries each vault entry in header order; the first that unwraps wins. When none does, the
   * most telling error: an entry that failed to unwrap (InvalidCiphertextException), then a key
   * that cannot be used (DisabledException, KMSInvalidStateException, InvalidKeyUsageException
   * for a key that is not a symmetric encryption key), then a KeyId the file has
   * no entry for (IncorrectKeyException), then NotFoundException.
   */
  async unwrap(
    encryptedDataKeys: readonly EncryptedDataKey[],
    encryptionContext: EncryptionContext,
  ): Promise<UnwrappedDataKey> {
    const { store, arn, touch, onlyKeyId, vaultId, cryptoKeyOf } = this.options;
    let unwrapFailure: KmsError | undefined;
    let stateFailure: KmsError | undefined;
    let skippedForKeyId = false;
    const missing: string[] = [];
    const otherVaults = new Set<string>();
    for (const edk of encryptedDataKeys) {
      const named = await entryKey(store, edk);
      if (!named) continue;
      if (onlyKeyId !== undefined && named.keyId !== onlyKeyId) {
        skippedForKeyId = true;
        continue;
      }
      const key = await store.getKey(named.keyId);
      if (!key) {
        missing.push(`${arn(named.keyId)} (version ${named.version})`);
        if (named.vaultId !== undefined && named.vaultId !== vaultId)
          otherVaults.add(named.vaultId);
        continue;
      }
      touch(key.KeyId);
      if (key.KeySpec !== 'SYMMETRIC_DEFAULT' || key.KeyUsage !== 'ENCRYPT_DECRYPT') {
        // Only symmetric encryption keys wrap file data keys; a file naming another is not ours.
        stateFailure ??= new KmsError(
          'InvalidKeyUsageException',
          `${arn(key.KeyId)} is a ${key.KeySpec} ${key.KeyUsage} key: it cannot have wrapped a file's data key.`,
        );
        continue;
      }
      try {
        requireKeyState(arn(key.KeyId), key.KeyState, 'use');
      } catch (error) {
        stateFailure ??= error as KmsError;
        continue;
      }
      const version = await store.getKeyVersion(key.KeyId, named.version);
      if (!version) {
        missing.push(`${arn(named.keyId)} (version ${named.version})`);
        continue;
      }
      const dataKey = await unwrapDataKey(await cryptoKeyOf(key, version), edk, encryptionContext);
      if (dataKey) {
        this.used = { key, version };
        return { dataKey, encryptedDataKey: edk };
      }
      unwrapFailure ??= new KmsError(
        'InvalidCiphertextException',
        `The encrypted data key for ${arn(key.KeyId)} (version ${version.Version}) does not unwrap: the file was changed, or it was made with another encryption context.`,
      );
    }
    if (unwrapFailure) throw unwrapFailure;
    if (stateFailure) throw stateFailure;
    if (onlyKeyId !== undefined && skippedForKeyId && missing.length === 0) {
      throw new KmsError(
        'IncorrectKeyException',
        'The key ID in the request does not identify a KMS key that can perform this operation: the file was not encrypted under it.',
      );
    }
    if (missing.length > 0 && otherVaults.size > 0) {
      const vaults = [...otherVaults];
      throw new KmsError(
        'NotFoundException',
        vaults.length === 1
          ? `This file was made by vault ${vaults[0]}, not this one: restore that vault's backup to decrypt it.`
          : `This file was made by vaults ${vaults.join(' and ')}, not this one: restore one of their backups to decrypt it.`,
      );
    }
    throw new KmsError(
      'NotFoundException',
      missing.length > 0
        ? `The file was encrypted under keys this vault does not hold: ${missing.join(', ')}.`
        : 'The file names no key of this vault: it was encrypted elsewhere, or under a key imported with its own key namespace.',
    );
  }
}
