/**
 * Encryption: Encrypt, Decrypt, ReEncrypt, GenerateDataKey, GenerateDataKeyWithoutPlaintext,
 * GenerateRandom. Symmetric keys seal ciphertext blobs (workers/kms/ciphertext-blobs.ts), which
 * name their key and version; RSA keys encrypt with RSAES-OAEP, whose ciphertext names no key, so
 * decrypting one needs the key and the algorithm (AWS API reference, Decrypt and ReEncrypt).
 * Encrypt and ReEncrypt's destination go through `encryptWith`; Decrypt and ReEncrypt's source
 * through `decryptWith`.
 */
import type { EncryptionContext } from '../../api.ts';
import { randomBytes } from '../../crypto/random.ts';
import { rsaOaepDecrypt, rsaOaepEncrypt } from '../../crypto/rsa-oaep.ts';
import { KmsError } from '../../errors.ts';
import type { KeyRecord } from '../../keystore/vault-store.ts';
import {
  algorithmLists,
  ENCRYPTION_ALGORITHMS,
  isRsaKeySpec,
  oaepMaxPlaintextLength,
  type EncryptionAlgorithm,
  type RsaEncryptionAlgorithm,
} from '../../key-specs.ts';
import { MAX_CIPHERTEXT_BYTES, openBlob, sealBlob } from '../ciphertext-blobs.ts';
import {
  asymmetricMaterial,
  heldKey,
  invalidKeyUsage,
  requireListed,
  requireUsage,
} from '../key-checks.ts';
import type { OperationGroup } from '../operation.ts';
import type { OperationContext } from '../operation-context.ts';
import { checkBytes, checkEncryptionContext, checkEnum, checkInteger } from '../validation.ts';

/** AWS's limit on Plaintext. */
const MAX_PLAINTEXT_BYTES = 4096;
const DATA_KEY_SPECS = ['AES_256', 'AES_128'] as const;

/** A plaintext sealed, by a symmetric key (with its KeyMaterialId) or an RSA key. */
interface Sealed {
  KeyId: string;
  CiphertextBlob: Uint8Array<ArrayBuffer>;
  EncryptionAlgorithm: EncryptionAlgorithm;
  KeyMaterialId?: string;
}

/** A ciphertext opened, by a symmetric key (with its KeyMaterialId) or an RSA key. */
interface Opened {
  KeyId: string;
  Plaintext: Uint8Array<ArrayBuffer>;
  EncryptionAlgorithm: EncryptionAlgorithm;
  KeyMaterialId?: string;
}

/** The encryption algorithms that name an RSA key (the ciphertext then needs its KeyId). */
function isRsaEncryptionAlgorithm(
  algorithm: EncryptionAlgorithm | undefined,
): algorithm is RsaEncryptionAlgorithm {
  return algorithm === 'RSAES_OAEP_SHA_1' || algorithm === 'RSAES_OAEP_SHA_256';
}

/** A symmetric key takes only SYMMETRIC_DEFAULT. */
function checkSymmetricAlgorithm(
  parameter: string,
  requested: EncryptionAlgorithm | undefined,
): 'SYMMETRIC_DEFAULT' {
  if (requested !== undefined && requested !== 'SYMMETRIC_DEFAULT') {
    throw invalidKeyUsage(
      `${requested} is not a valid encryption algorithm for a SYMMETRIC_DEFAULT key (${parameter}).`,
    );
  }
  return 'SYMMETRIC_DEFAULT';
}

/** An RSA ENCRYPT_DECRYPT key, and the algorithm in its list. */
function checkRsaKey(
  context: OperationContext,
  key: KeyRecord,
  requested: EncryptionAlgorithm | undefined,
): RsaEncryptionAlgorithm {
  requireUsage(context, key, 'ENCRYPT_DECRYPT', context.operation);
  if (!isRsaKeySpec(key.KeySpec)) {
    throw invalidKeyUsage(
      `${context.arn(key.KeyId)} is a ${key.KeySpec} key; ${context.operation} needs an RSA or symmetric encryption key.`,
    );
  }
  const algorithm = requested ?? 'SYMMETRIC_DEFAULT';
  requireListed(key, algorithm, algorithmLists(key.KeySpec, key.KeyUsage)?.EncryptionAlgorithms);
  return algorithm as RsaEncryptionAlgorithm;
}

/** AWS API reference: an encryption context is valid only with symmetric encryption keys. */
function refuseContext(encryptionContext: EncryptionContext): void {
  if (Object.keys(encryptionContext).length > 0) {
    throw new KmsError(
      'ValidationException',
      'EncryptionContext is supported only with symmetric encryption keys; RSAES-OAEP has no place for it.',
    );
  }
}

/**
 * Encrypts `plaintext` under `key` (already resolved and state-checked): a blob under a
 * symmetric key's current version, or RSAES-OAEP with an RSA key's public key.
 */
async function encryptWith(
  context: OperationContext,
  key: KeyRecord,
  plaintext: Uint8Array<ArrayBuffer>,
  requested: EncryptionAlgorithm | undefined,
  encryptionContext: EncryptionContext,
  algorithmParameter: string,
): Promise<Sealed> {
  if (key.KeySpec === 'SYMMETRIC_DEFAULT') {
    const algorithm = checkSymmetricAlgorithm(algorithmParameter, requested);
    const { blob, version } = await sealBlob(context, key, plaintext, encryptionContext);
    return {
      KeyId: context.arn(key.KeyId),
      CiphertextBlob: blob,
      EncryptionAlgorithm: algorithm,
      KeyMaterialId: version.KeyMaterialId,
    };
  }
  const algorithm = checkRsaKey(context, key, requested);
  refuseContext(encryptionContext);
  const max = oaepMaxPlaintextLength(
    key.KeySpec as Parameters<typeof oaepMaxPlaintextLength>[0],
    algorithm,
  );
  // AWS's wording (LocalStack snapshot test_encrypt_validate_plaintext_size_per_key_type).
  if (plaintext.length > max) {
    throw new KmsError(
      'ValidationException',
      `Algorithm ${algorithm} and key spec ${key.KeySpec} cannot encrypt data larger than ${max} bytes.`,
    );
  }
  const { material } = await asymmetricMaterial(context, key, 'public');
  return {
    KeyId: context.arn(key.KeyId),
    CiphertextBlob: await rsaOaepEncrypt(
      heldKey(material.PublicKeys[algorithm]),
      algorithm,
      plaintext,
    ),
    EncryptionAlgorithm: algorithm,
  };
}

interface CiphertextToOpen {
  blob: unknown;
  keyId: unknown;
  keyIdParameter: 'keyId' | 'sourceKeyId';
  requested: EncryptionAlgorithm | undefined;
  algorithmParameter: string;
  encryptionContext: EncryptionContext;
}

/**
 * Decrypts a ciphertext. An RSA algorithm names an RSA ciphertext, which needs its KeyId; any
 * other is a symmetric blob, which names its own key (a KeyId, if given, must be that key).
 */
async function decryptWith(context: OperationContext, given: CiphertextToOpen): Promise<Opened> {
  const { requested, encryptionContext } = given;
  if (!isRsaEncryptionAlgorithm(requested)) {
    const algorithm = checkSymmetricAlgorithm(given.algorithmParameter, requested);
    const { key, version, plaintext } = await openBlob(context, {
      blob: given.blob,
      blobParameter: 'ciphertextBlob',
      expectedKeyId: given.keyId,
      keyIdParameter: given.keyIdParameter,
      encryptionContext,
    });
    return {
      KeyId: context.arn(key.KeyId),
      Plaintext: plaintext,
      EncryptionAlgorithm: algorithm,
      KeyMaterialId: version.KeyMaterialId,
    };
  }
  const ciphertext = checkBytes('ciphertextBlob', given.blob, 1, MAX_CIPHERTEXT_BYTES);
  if (given.keyId === undefined || given.keyId === null) {
    const name = given.keyIdParameter === 'keyId' ? 'KeyId' : 'SourceKeyId';
    throw new KmsError(
      'ValidationException',
      `${name} is required to decrypt with ${requested}: an RSA ciphertext does not name its key.`,
    );
  }
  const key = await context.resolveKey(given.keyIdParameter, given.keyId, 'use');
  const algorithm = checkRsaKey(context, key, requested);
  refuseContext(encryptionContext);
  const { material } = await asymmetricMaterial(context, key, 'private');
  const plaintext = await rsaOaepDecrypt(heldKey(material.PrivateKeys[algorithm]), ciphertext);
  if (!plaintext) {
    throw new KmsError(
      'InvalidCiphertextException',
      `The ciphertext does not decrypt under ${context.arn(key.KeyId)} with ${algorithm}.`,
    );
  }
  return { KeyId: context.arn(key.KeyId), Plaintext: plaintext, EncryptionAlgorithm: algorithm };
}

/** GenerateDataKey and GenerateDataKeyWithoutPlaintext: a random data key, sealed. */
async function dataKey(
  context: OperationContext,
  request: {
    KeyId?: unknown;
    KeySpec?: unknown;
    NumberOfBytes?: unknown;
    EncryptionContext?: unknown;
  },
) {
  const keySpec = checkEnum('keySpec', request.KeySpec, DATA_KEY_SPECS);
  const numberOfBytes = checkInteger('numberOfBytes', request.NumberOfBytes, 1, 1024);
  if ((keySpec === undefined) === (numberOfBytes === undefined)) {
    throw new KmsError(
      'ValidationException',
      'Specify either KeySpec or NumberOfBytes, but not both.',
    );
  }
  const encryptionContext = checkEncryptionContext('encryptionContext', request.EncryptionContext);
  const key = await context.resolveKey('keyId', request.KeyId, 'use');
  const plaintext = randomBytes(numberOfBytes ?? (keySpec === 'AES_128' ? 16 : 32));
  const { blob, version } = await sealBlob(context, key, plaintext, encryptionContext);
  return {
    KeyId: context.arn(key.KeyId),
    CiphertextBlob: blob,
    Plaintext: plaintext,
    KeyMaterialId: version.KeyMaterialId,
  };
}

const DATA_KEY_FIELDS = ['KeyId', 'KeySpec', 'NumberOfBytes', 'EncryptionContext'] as const;

export const encryptionOperations = {
  encrypt: {
    eventName: 'Encrypt',
    mutates: false,
    fields: ['KeyId', 'Plaintext', 'EncryptionContext', 'EncryptionAlgorithm'],
    async run(context, request) {
      const plaintext = checkBytes('plaintext', request.Plaintext, 1, MAX_PLAINTEXT_BYTES);
      const encryptionContext = checkEncryptionContext(
        'encryptionContext',
        request.EncryptionContext,
      );
      const requested = checkEnum(
        'encryptionAlgorithm',
        request.EncryptionAlgorithm,
        ENCRYPTION_ALGORITHMS,
      );
      const key = await context.resolveKey('keyId', request.KeyId, 'use');
      // AWS's Encrypt response has no KeyMaterialId (AWS API reference, Encrypt).
      const { KeyMaterialId: _materialId, ...response } = await encryptWith(
        context,
        key,
        plaintext,
        requested,
        encryptionContext,
        'encryptionAlgorithm',
      );
      return { response };
    },
  },

  decrypt: {
    eventName: 'Decrypt',
    mutates: false,
    fields: ['CiphertextBlob', 'KeyId', 'EncryptionContext', 'EncryptionAlgorithm'],
    async run(context, request) {
      const encryptionContext = checkEncryptionContext(
        'encryptionContext',
        request.EncryptionContext,
      );
      const requested = checkEnum(
        'encryptionAlgorithm',
        request.EncryptionAlgorithm,
        ENCRYPTION_ALGORITHMS,
      );
      const response = await decryptWith(context, {
        blob: request.CiphertextBlob,
        keyId: request.KeyId,
        keyIdParameter: 'keyId',
        requested,
        algorithmParameter: 'encryptionAlgorithm',
        encryptionContext,
      });
      return { response };
    },
  },

  reEncrypt: {
    eventName: 'ReEncrypt',
    mutates: false,
    fields: [
      'CiphertextBlob',
      'SourceEncryptionContext',
      'SourceKeyId',
      'DestinationKeyId',
      'DestinationEncryptionContext',
      'SourceEncryptionAlgorithm',
      'DestinationEncryptionAlgorithm',
    ],
    async run(context, request) {
      const sourceContext = checkEncryptionContext(
        'sourceEncryptionContext',
        request.SourceEncryptionContext,
      );
      const destinationContext = checkEncryptionContext(
        'destinationEncryptionContext',
        request.DestinationEncryptionContext,
      );
      const sourceAlgorithm = checkEnum(
        'sourceEncryptionAlgorithm',
        request.SourceEncryptionAlgorithm,
        ENCRYPTION_ALGORITHMS,
      );
      const destinationAlgorithm = checkEnum(
        'destinationEncryptionAlgorithm',
        request.DestinationEncryptionAlgorithm,
        ENCRYPTION_ALGORITHMS,
      );
      const destination = await context.resolveKey(
        'destinationKeyId',
        request.DestinationKeyId,
        'use',
      );
      const source = await decryptWith(context, {
        blob: request.CiphertextBlob,
        keyId: request.SourceKeyId,
        keyIdParameter: 'sourceKeyId',
        requested: sourceAlgorithm,
        algorithmParameter: 'sourceEncryptionAlgorithm',
        encryptionContext: sourceContext,
      });
      // The plaintext stays in this function: it is sealed again and never returned.
      try {
        const sealed = await encryptWith(
          context,
          destination,
          source.Plaintext,
          destinationAlgorithm,
          destinationContext,
          'destinationEncryptionAlgorithm',
        );
        return {
          response: {
            CiphertextBlob: sealed.CiphertextBlob,
            SourceKeyId: source.KeyId,
            KeyId: sealed.KeyId,
            SourceEncryptionAlgorithm: source.EncryptionAlgorithm,
            DestinationEncryptionAlgorithm: sealed.EncryptionAlgorithm,
            // Each only for a symmetric key, as in AWS (AWS API reference, ReEncrypt).
            ...(source.KeyMaterialId !== undefined && {
              SourceKeyMaterialId: source.KeyMaterialId,
            }),
            ...(sealed.KeyMaterialId !== undefined && {
              DestinationKeyMaterialId: sealed.KeyMaterialId,
            }),
          },
        };
      } finally {
        source.Plaintext.fill(0);
      }
    },
  },

  generateDataKey: {
    eventName: 'GenerateDataKey',
    mutates: false,
    fields: DATA_KEY_FIELDS,
    async run(context, request) {
      return { response: await dataKey(context, request) };
    },
  },

  generateDataKeyWithoutPlaintext: {
    eventName: 'GenerateDataKeyWithoutPlaintext',
    mutates: false,
    fields: DATA_KEY_FIELDS,
    async run(context, request) {
      const { Plaintext, ...response } = await dataKey(context, request);
      Plaintext.fill(0);
      return { response };
    },
  },

  generateRandom: {
    eventName: 'GenerateRandom',
    mutates: false,
    fields: ['NumberOfBytes'],
    async run(_context, request) {
      const length = checkInteger('numberOfBytes', request.NumberOfBytes, 1, 1024);
      // AWS's wording (LocalStack snapshot test_generate_random_invalid_number_of_bytes[None]).
      if (length === undefined) {
        throw new KmsError('ValidationException', 'NumberOfBytes is required.');
      }
      return { response: { Plaintext: randomBytes(length) } };
    },
  },
} satisfies OperationGroup;
