/**
 * Shared fixtures of the envelope tests (Node): one raw AES-256 wrapping key held both by our
 * RawAesKeyring and by @aws-crypto/client-node's RawAesKeyringNode, deterministic plaintexts,
 * and helpers that run our encoder and decoder into an in-memory sink.
 */
import {
  AlgorithmSuiteIdentifier,
  buildClient,
  CommitmentPolicy,
  RawAesKeyringNode,
  RawAesWrappingSuiteIdentifier,
} from '@aws-crypto/client-node';
import { expect } from 'vitest';
import type { EncryptionContext } from '../../workers/api.ts';
import { importAesGcmKey, type Bytes } from '../../workers/crypto/aes-gcm.ts';
import { KmsError } from '../../workers/errors.ts';
import { MemorySink } from '../../workers/envelope/byte-sink.ts';
import { decryptMessage } from '../../workers/envelope/decrypt-message.ts';
import { encryptMessage } from '../../workers/envelope/encrypt-message.ts';
import type { Keyring, UnwrappedDataKey } from '../../workers/envelope/keyring.ts';
import type { EncryptedDataKey } from '../../workers/envelope/message-header.ts';
import { RawAesKeyring, type RawAesIdentity } from '../../workers/envelope/raw-aes-keyring.ts';

/** The shared wrapping key: bytes 0x00 … 0x1f. */
export const WRAPPING_KEY = Uint8Array.from({ length: 32 }, (_, i) => i);
/** A vault-style identity (docs/FORMAT.md §4.8): namespace pocket-kms, key name <KeyId>#v<version>. */
export const IDENTITY: RawAesIdentity = {
  keyNamespace: 'pocket-kms',
  keyName: '1234abcd-12ab-34cd-56ef-1234567890ab#v1',
};

export const SUITE_0478 = AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY;
export const SUITE_0578 =
  AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384;

export const sdk = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

/**
 * The SDK's keyring for the same key. `utf8Sorting: true` makes its keyring AAD use UTF-8 order
 * like its header (aws/aws-encryption-sdk-javascript#428; docs/FORMAT.md §4.8).
 */
export function sdkKeyring(
  options: { utf8Sorting?: boolean; identity?: RawAesIdentity; key?: Uint8Array } = {},
): RawAesKeyringNode {
  const identity = options.identity ?? IDENTITY;
  return new RawAesKeyringNode({
    keyName: identity.keyName,
    keyNamespace: identity.keyNamespace,
    // A copy: RawAesKeyringNode zeroes the buffer it is given (material-management wipes it).
    unencryptedMasterKey: new Uint8Array(options.key ?? WRAPPING_KEY),
    wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
    utf8Sorting: options.utf8Sorting ?? true,
  });
}

export async function ourKeyring(
  identity: RawAesIdentity = IDENTITY,
  key: Uint8Array = WRAPPING_KEY,
): Promise<RawAesKeyring> {
  return new RawAesKeyring([{ identity, wrappingKey: await importAesGcmKey(new Uint8Array(key)) }]);
}

/** Hands out one fixed data key for any message: drives the commitment vectors, whose keys are in KMS. */
export class StaticKeyring implements Keyring {
  constructor(private readonly dataKey: Uint8Array) {}

  async wrap(): Promise<EncryptedDataKey[]> {
    throw new Error('StaticKeyring only unwraps');
  }

  async unwrap(edks: readonly EncryptedDataKey[]): Promise<UnwrappedDataKey> {
    return { dataKey: new Uint8Array(this.dataKey), encryptedDataKey: edks[0]! };
  }
}

export { pseudoRandomBytes } from '../pseudo-random-bytes.ts';

export async function ourEncrypt(
  plaintext: Uint8Array,
  options: { frameLength?: number; encryptionContext?: EncryptionContext; keyring?: Keyring } = {},
): Promise<Bytes> {
  const { result } = await encryptMessage({
    input: new Blob([new Uint8Array(plaintext)]),
    keyring: options.keyring ?? (await ourKeyring()),
    sink: new MemorySink(),
    ...(options.frameLength !== undefined && { frameLength: options.frameLength }),
    ...(options.encryptionContext && { encryptionContext: options.encryptionContext }),
  });
  return result;
}

export async function ourDecrypt(
  message: Uint8Array,
  options: { keyring?: Keyring; expectedEncryptionContext?: EncryptionContext } = {},
) {
  const sink = new MemorySink();
  const decrypted = await decryptMessage({
    input: new Blob([new Uint8Array(message)]),
    keyring: options.keyring ?? (await ourKeyring()),
    sink,
    ...(options.expectedEncryptionContext && {
      expectedEncryptionContext: options.expectedEncryptionContext,
    }),
  });
  return { ...decrypted, plaintext: decrypted.result };
}

/**
 * Decrypts and expects a KmsError with `name` whose message matches `part`, the sink aborted
 * and holding nothing: no byte released.
 */
export async function expectRefused(
  message: Uint8Array,
  part: RegExp,
  options: { keyring?: Keyring; name?: string; expectedEncryptionContext?: EncryptionContext } = {},
): Promise<KmsError> {
  const sink = new MemorySink();
  let caught: unknown;
  try {
    await decryptMessage({
      input: new Blob([new Uint8Array(message)]),
      keyring: options.keyring ?? (await ourKeyring()),
      sink,
      ...(options.expectedEncryptionContext && {
        expectedEncryptionContext: options.expectedEncryptionContext,
      }),
    });
  } catch (error) {
    caught = error;
  }
  expect(caught, 'decryption must fail').toBeInstanceOf(KmsError);
  const error = caught as KmsError;
  expect(error.name).toBe(options.name ?? 'InvalidCiphertextException');
  expect(error.message).toMatch(part);
  expect(sink.state).toBe('aborted');
  expect(sink.bytesHeld).toBe(0);
  return error;
}

export async function sdkEncrypt(
  plaintext: Uint8Array,
  options: {
    suiteId?: AlgorithmSuiteIdentifier;
    frameLength?: number;
    encryptionContext?: EncryptionContext;
    keyring?: RawAesKeyringNode;
  },
): Promise<Uint8Array<ArrayBuffer>> {
  const { result } = await sdk.encrypt(options.keyring ?? sdkKeyring(), plaintext, {
    suiteId: options.suiteId ?? SUITE_0478,
    ...(options.frameLength !== undefined && { frameLength: options.frameLength }),
    ...(options.encryptionContext && { encryptionContext: options.encryptionContext }),
  });
  return new Uint8Array(result);
}

export async function sdkDecrypt(message: Uint8Array, keyring: RawAesKeyringNode = sdkKeyring()) {
  const { plaintext, messageHeader } = await sdk.decrypt(keyring, message);
  return { plaintext: new Uint8Array(plaintext), messageHeader };
}

/** Splits a framed message we made into header, frames and the rest, using the known lengths. */
export function splitFrames(
  message: Uint8Array,
  headerLength: number,
  frameLength: number,
  frameCount: number,
) {
  const frames: Uint8Array[] = [];
  let offset = headerLength;
  for (let i = 1; i < frameCount; i++) {
    frames.push(message.slice(offset, offset + frameLength + 32));
    offset += frameLength + 32;
  }
  const view = new DataView(message.buffer, message.byteOffset + offset);
  const finalLength = 40 + view.getUint32(20);
  frames.push(message.slice(offset, offset + finalLength));
  return {
    header: message.slice(0, headerLength),
    frames,
    rest: message.slice(offset + finalLength),
  };
}

/** Runs `check` for 0 … count − 1, `width` at a time: WebCrypto calls overlap in its thread pool. */
export async function inBatches(
  count: number,
  check: (index: number) => Promise<void>,
  width = 32,
): Promise<void> {
  for (let start = 0; start < count; start += width) {
    await Promise.all(
      Array.from({ length: Math.min(width, count - start) }, (_, i) => check(start + i)),
    );
  }
}
