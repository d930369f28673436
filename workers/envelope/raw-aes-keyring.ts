/**
 * Raw-AES-keyring encrypted data keys — docs/FORMAT.md §4.8 (aws-encryption-sdk-specification,
 * framework/raw-aes-keyring.md; @aws-crypto/raw-keyring, raw_aes_encrypted_data_keys.ts):
 *
 *   provider id   = key namespace (UTF-8)
 *   provider info = key name (UTF-8, not length-prefixed) ‖ u32 tag bits (128) ‖ u32 IV length (12) ‖ IV
 *   ciphertext    = AES-256-GCM(wrapping key, IV, data key, AAD = serialized context) ‖ tag
 *
 * The wrapping key is any AES-GCM CryptoKey with encrypt/decrypt (the vault's keys are
 * non-extractable); the AES-GCM calls go through workers/crypto/aes-gcm.ts.
 */
import type { EncryptionContext } from '../api.ts';
import {
  AES_GCM_IV_LENGTH,
  AES_GCM_TAG_LENGTH,
  aesGcmDecrypt,
  aesGcmEncrypt,
  type Bytes,
} from '../crypto/aes-gcm.ts';
import { randomBytes } from '../crypto/random.ts';
import { KmsError } from '../errors.ts';
import { serializeEncryptionContext } from '../formats/encryption-context.ts';
import { constantTimeEqual, DATA_KEY_LENGTH } from './key-derivation.ts';
import type { Keyring, UnwrappedDataKey } from './keyring.ts';
import { concatBytes } from '../crypto/bytes.ts';
import type { EncryptedDataKey } from './message-header.ts';

export const RAW_AES_TAG_LENGTH_BITS = AES_GCM_TAG_LENGTH * 8;
/** Tag bits, IV length and IV after the key name. */
const PROVIDER_INFO_SUFFIX_LENGTH = 4 + 4 + AES_GCM_IV_LENGTH;
const WRAPPED_DATA_KEY_LENGTH = DATA_KEY_LENGTH + AES_GCM_TAG_LENGTH;

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Who a raw AES wrapping key is: the pair an AWS Encryption SDK raw AES keyring is built with. */
export interface RawAesIdentity {
  keyNamespace: string;
  keyName: string;
}

export function encodeProviderInfo(keyName: string, iv: Bytes): Bytes {
  if (iv.length !== AES_GCM_IV_LENGTH) throw new RangeError('IV must be 12 bytes');
  const name = utf8.encode(keyName);
  const info = new Uint8Array(name.length + PROVIDER_INFO_SUFFIX_LENGTH);
  info.set(name, 0);
  const view = new DataView(info.buffer);
  view.setUint32(name.length, RAW_AES_TAG_LENGTH_BITS);
  view.setUint32(name.length + 4, AES_GCM_IV_LENGTH);
  info.set(iv, name.length + 8);
  return info;
}

/**
 * The key name and IV of an entry in the raw-AES layout, or null when it is not one: wrong tag
 * or IV length, a ciphertext that is not 48 bytes, or a key name that is not UTF-8.
 */
export function parseRawAesEntry(edk: EncryptedDataKey): { keyName: string; iv: Bytes } | null {
  const info = edk.providerInfo;
  if (
    info.length < PROVIDER_INFO_SUFFIX_LENGTH ||
    edk.ciphertext.length !== WRAPPED_DATA_KEY_LENGTH
  )
    return null;
  const nameLength = info.length - PROVIDER_INFO_SUFFIX_LENGTH;
  const view = new DataView(info.buffer, info.byteOffset, info.byteLength);
  if (
    view.getUint32(nameLength) !== RAW_AES_TAG_LENGTH_BITS ||
    view.getUint32(nameLength + 4) !== AES_GCM_IV_LENGTH
  ) {
    return null;
  }
  let keyName: string;
  try {
    keyName = strictUtf8.decode(info.subarray(0, nameLength));
  } catch {
    return null;
  }
  return { keyName, iv: info.slice(nameLength + 8) };
}

/** The candidate AADs for unwrapping: §1 (UTF-8) order, then the legacy localeCompare order if it differs. */
function unwrapAads(encryptionContext: EncryptionContext): Bytes[] {
  const canonical = serializeEncryptionContext(encryptionContext);
  const keys = Object.keys(encryptionContext).sort((a, b) => a.localeCompare(b));
  if (keys.length < 2) return [canonical];
  // aws/aws-encryption-sdk-javascript#428: the SDK's raw AES keyrings default to localeCompare
  // order for this AAD. The entries are encoded by the one serializer, one pair at a time.
  const parts: Uint8Array[] = [canonical.subarray(0, 2)];
  for (const key of keys)
    parts.push(serializeEncryptionContext({ [key]: encryptionContext[key]! }).subarray(2));
  const legacy = concatBytes(parts);
  return constantTimeEqual(legacy, canonical) ? [canonical] : [canonical, legacy];
}

/** One encrypted data key for `dataKey` under `wrappingKey`, bound to the encryption context. */
export async function wrapDataKey(
  wrappingKey: CryptoKey,
  identity: RawAesIdentity,
  dataKey: Bytes,
  encryptionContext: EncryptionContext,
): Promise<EncryptedDataKey> {
  if (dataKey.length !== DATA_KEY_LENGTH) throw new RangeError('data key must be 32 bytes');
  const iv = randomBytes(AES_GCM_IV_LENGTH);
  const ciphertext = await aesGcmEncrypt(
    wrappingKey,
    iv,
    dataKey,
    serializeEncryptionContext(encryptionContext),
  );
  return {
    providerId: identity.keyNamespace,
    providerInfo: encodeProviderInfo(identity.keyName, iv),
    ciphertext,
  };
}

/** Whether the entry is in the raw-AES layout and names exactly this identity. */
export function isEntryFor(identity: RawAesIdentity, edk: EncryptedDataKey): boolean {
  return (
    edk.providerId === identity.keyNamespace && parseRawAesEntry(edk)?.keyName === identity.keyName
  );
}

/**
 * The data key from an entry for `identity` (check with isEntryFor first), or null when it does
 * not authenticate: another key of the same name, another encryption context, or changed bytes.
 */
export async function unwrapDataKey(
  wrappingKey: CryptoKey,
  edk: EncryptedDataKey,
  encryptionContext: EncryptionContext,
): Promise<Bytes | null> {
  const entry = parseRawAesEntry(edk);
  if (!entry) return null;
  for (const aad of unwrapAads(encryptionContext)) {
    const dataKey = await aesGcmDecrypt(wrappingKey, entry.iv, edk.ciphertext, aad);
    if (dataKey) return dataKey;
  }
  return null;
}

/** How an entry is shown in messages: namespace and key name. */
export function describeEntry(edk: EncryptedDataKey): string {
  const name = parseRawAesEntry(edk)?.keyName;
  return name === undefined ? `'${edk.providerId}'` : `'${edk.providerId}' key '${name}'`;
}

/** A keyring over fixed wrapping keys: what an AWS Encryption SDK raw AES keyring holds. */
export class RawAesKeyring implements Keyring {
  constructor(
    private readonly keys: readonly { identity: RawAesIdentity; wrappingKey: CryptoKey }[],
  ) {
    if (keys.length === 0) throw new RangeError('a keyring needs at least one wrapping key');
  }

  wrap(dataKey: Bytes, encryptionContext: EncryptionContext): Promise<EncryptedDataKey[]> {
    return Promise.all(
      this.keys.map(({ identity, wrappingKey }) =>
        wrapDataKey(wrappingKey, identity, dataKey, encryptionContext),
      ),
    );
  }

  async unwrap(
    encryptedDataKeys: readonly EncryptedDataKey[],
    encryptionContext: EncryptionContext,
  ): Promise<UnwrappedDataKey> {
    let failed: EncryptedDataKey | undefined;
    for (const edk of encryptedDataKeys) {
      for (const { identity, wrappingKey } of this.keys) {
        if (!isEntryFor(identity, edk)) continue;
        const dataKey = await unwrapDataKey(wrappingKey, edk, encryptionContext);
        if (dataKey) return { dataKey, encryptedDataKey: edk };
        failed = edk;
      }
    }
    if (failed) {
      throw new KmsError(
        'InvalidCiphertextException',
        `The encrypted data key for ${describeEntry(failed)} does not unwrap: the file was changed, or it was made with another encryption context or another key of the same name.`,
      );
    }
    throw new KmsError(
      'NotFoundException',
      `None of the file's encrypted data keys is for a key this keyring holds (the file names ${encryptedDataKeys.map(describeEntry).join(', ')}).`,
    );
  }
}
