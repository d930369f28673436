/**
 * Encryption: Encrypt, Decrypt, ReEncrypt, GenerateDataKey, GenerateDataKeyWithoutPlaintext,
 * GenerateRandom. Symmetric keys seal ciphertext blobs (workers/kms/ciphertext-blobs.ts); RSA
 * keys encrypt with RSAES-OAEP, whose ciphertext names no key.
 */
import type { EncryptionContext } from '../../api.ts';
import {
  algorithmLists,
  ENCRYPTION_ALGORITHMS,
  isRsaKeySpec,
  oaepMaxPlaintextLength,
  type EncryptionAlgorithm,
  type RsaEncryptionAlgorithm,
} from '../../key-specs.ts';
import { randomBytes } from '../../crypto/random.ts';
import { rsaOaepDecrypt, rsaOaepEncrypt } from '../../crypto/rsa-oaep.ts';
import { KmsError } from '../../errors.ts';
import type { KeyRecord } from '../../keystore/vault-store.ts';
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

/** A symmetric key takes only SYMMETRIC_DEFAULT. */
function checkSymmetricAlgorithm(parameter: string, value: unknown): 'SYMMETRIC_DEFAULT' {
  const algorithm = checkEnum(parameter, value, ENCRYPTION_ALGORITHMS) ?? 'SYMMETRIC_DEFAULT';
  if (algorithm !== 'SYMMETRIC_DEFAULT') {
    throw invalidKeyUsage(
      `${algorithm} is not a valid encryption algorithm for a SYMMETRIC_DEFAULT key.`,
    );
  }
  return algorithm;
}

/** A ciphertext opened: by a symmetric key (with its KeyMaterialId) or an RSA key. */
interface Opened {
  KeyId: string;
  Plaintext: Uint8Array<ArrayBuffer>;
  EncryptionAlgorithm: EncryptionAlgorithm;
  KeyMaterialId?: string;
}

/** A plaintext sealed: by a symmetric key (with its KeyMaterialId) or an RSA key. */
interface Sealed {
  KeyId: string;
  CiphertextBlob: Uint8Array<ArrayBuffer>;
  EncryptionAlgorithm: EncryptionAlgorithm;
  KeyMaterialId?: string;
}

/** The encryption algorithms that name an RSA key (Decrypt then needs KeyId). */
function isRsaEncryptionAlgorithm(
  algorithm: EncryptionAlgorithm | undefined,
): algorithm is RsaEncryptionAlgorithm {
  return algorithm === 'RSAES_OAEP_SHA_1' || algorithm === 'RSAES_OAEP_SHA_256';
}

function rsaAlgorithm(
  context: OperationContext,
  key: KeyRecord,
  requested: EncryptionAlgorithm | undefined,
  operation: string,
): RsaEncryptionAlgorithm {
  requireUsage(context, key, 'ENCRYPT_DECRYPT', operation);
  if (!isRsaKeySpec(key.KeySpec)) {
    throw invalidKeyUsage(
      `${context.arn(key.KeyId)} is a ${key.KeySpec} key; ${operation} with ${requested ?? 'SYMMETRIC_DEFAULT'} needs an RSA or symmetric encryption key.`,
    );
  }
  const algorithm = requested ?? 'SYMMETRIC_DEFAULT';
  requireListed(key, algorithm, algorithmLists(key.KeySpec, key.KeyUsage)?.EncryptionAlgorithms);
  return algorithm as RsaEncryptionAlgorithm;
}

function refuseContext(encryptionContext: EncryptionContext): void {
  if (Object.keys(encryptionContext).length > 0) {
    throw new KmsError(
      'ValidationException',
      'EncryptionContext is supported only with symmetric encryption keys; RSAES-OAEP has no place for it.',
    );
  }
}

/** Encrypt with an RSA key (already resolved): RSAES-OAEP with the public key. */
async function encryptWithRsaKey(
  context: OperationContext,
  key: KeyRecord,
  plaintext: Uint8Array<ArrayBuffer>,
  requested: EncryptionAlgorithm | undefined,
  encryptionContext: EncryptionContext,
): Promise<Sealed> {
  const algorithm = rsaAlgorithm(context, key, requested, 'Encrypt');
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
  const { material } = await asymmetricMaterial(context, key);
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

/**
 * Decrypt with an RSA key. An RSA ciphertext does not name its key, so KeyId is required (as in
 * AWS); every ciphertext that does not open is one InvalidCiphertextException.
 */
async function decryptWithRsaKey(
  context: OperationContext,
  given: { blob: unknown; keyId: unknown; keyIdParameter: 'keyId' | 'sourceKeyId' },
  requested: RsaEncryptionAlgorithm,
  encryptionContext: EncryptionContext,
): Promise<Opened> {
  const ciphertext = checkBytes('ciphertextBlob', given.blob, 1, MAX_CIPHERTEXT_BYTES);
  if (given.keyId === undefined || given.keyId === null) {
    const name = given.keyIdParameter === 'keyId' ? 'KeyId' : 'SourceKeyId';
    throw new KmsError(
      'ValidationException',
      `${name} is required to decrypt with ${requested}: an RSA ciphertext does not name its key.`,
    );
  }
  const key = await context.resolveKey(given.keyIdParameter, given.keyId, 'use');
  const algorithm = rsaAlgorithm(context, key, requested, context.operation);
  refuseContext(encryptionContext);
  const { material } = await asymmetricMaterial(context, key);
  const plaintext = await rsaOaepDecrypt(heldKey(material.PrivateKeys[algorithm]), ciphertext);
  if (!plaintext) {
    throw new KmsError(
      'InvalidCiphertextException',
      `The ciphertext does not decrypt under ${context.arn(key.KeyId)} with ${algorithm}.`,
    );
  }
  return {
    KeyId: context.arn(key.KeyId),
    Plaintext: plaintext,
    EncryptionAlgorithm: algorithm,
  };
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

/** ReEncrypt's symmetric source: the blob names its key; SourceKeyId, if given, must match. */
async function openSymmetric(
  context: OperationContext,
  request: { CiphertextBlob?: unknown; SourceKeyId?: unknown },
  requested: EncryptionAlgorithm | undefined,
  encryptionContext: EncryptionContext,
): Promise<Opened> {
  const algorithm = checkSymmetricAlgorithm('sourceEncryptionAlgorithm', requested);
  const { key, version, plaintext } = await openBlob(context, {
    blob: request.CiphertextBlob,
    blobParameter: 'ciphertextBlob',
    expectedKeyId: request.SourceKeyId,
    keyIdParameter: 'sourceKeyId',
    encryptionContext,
  });
  return {
    KeyId: context.arn(key.KeyId),
    Plaintext: plaintext,
    EncryptionAlgorithm: algorithm,
    KeyMaterialId: version.KeyMaterialId,
  };
}

/** ReEncrypt's symmetric destination. */
async function sealSymmetric(
  context: OperationContext,
  key: KeyRecord,
  plaintext: Uint8Array<ArrayBuffer>,
  requested: EncryptionAlgorithm | undefined,
  encryptionContext: EncryptionContext,
): Promise<Sealed> {
  const algorithm = checkSymmetricAlgorithm('destinationEncryptionAlgorithm', requested);
  const { blob, version } = await sealBlob(context, key, plaintext, encryptionContext);
  return {
    KeyId: context.arn(key.KeyId),
    CiphertextBlob: blob,
    EncryptionAlgorithm: algorithm,
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
      if (key.KeySpec !== 'SYMMETRIC_DEFAULT') {
        return {
          response: await encryptWithRsaKey(context, key, plaintext, requested, encryptionContext),
        };
      }
      const algorithm = checkSymmetricAlgorithm('encryptionAlgorithm', requested);
      const { blob } = await sealBlob(context, key, plaintext, encryptionContext);
      return {
        response: {
          KeyId: context.arn(key.KeyId),
          CiphertextBlob: blob,
          EncryptionAlgorithm: algorithm,
        },
      };
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
      if (isRsaEncryptionAlgorithm(requested)) {
        return {
          response: await decryptWithRsaKey(
            context,
            { blob: request.CiphertextBlob, keyId: request.KeyId, keyIdParameter: 'keyId' },
            requested,
            encryptionContext,
          ),
        };
      }
      const algorithm = checkSymmetricAlgorithm('encryptionAlgorithm', requested);
      const { key, version, plaintext } = await openBlob(context, {
        blob: request.CiphertextBlob,
        blobParameter: 'ciphertextBlob',
        expectedKeyId: request.KeyId,
        keyIdParameter: 'keyId',
        encryptionContext,
      });
      return {
        response: {
          KeyId: context.arn(key.KeyId),
          Plaintext: plaintext,
          EncryptionAlgorithm: algorithm,
          KeyMaterialId: version.KeyMaterialId,
        },
      };
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
      const sourceRequested = checkEnum(
        'sourceEncryptionAlgorithm',
        request.SourceEncryptionAlgorithm,
        ENCRYPTION_ALGORITHMS,
      );
      const destinationRequested = checkEnum(
        'destinationEncryptionAlgorithm',
        request.DestinationEncryptionAlgorithm,
        ENCRYPTION_ALGORITHMS,
      );
      const destination = await context.resolveKey(
        'destinationKeyId',
        request.DestinationKeyId,
        'use',
      );
      // The source: an RSA ciphertext names no key, so SourceKeyId and the algorithm say which
      // (AWS API reference, ReEncrypt); a symmetric blob names its own key.
      const source = isRsaEncryptionAlgorithm(sourceRequested)
        ? await decryptWithRsaKey(
            context,
            {
              blob: request.CiphertextBlob,
              keyId: request.SourceKeyId,
              keyIdParameter: 'sourceKeyId',
            },
            sourceRequested,
            sourceContext,
          )
        : await openSymmetric(context, request, sourceRequested, sourceContext);
      // The plaintext stays in this function: it is sealed again and never returned.
      try {
        const sealed =
          destination.KeySpec === 'SYMMETRIC_DEFAULT'
            ? await sealSymmetric(
                context,
                destination,
                source.Plaintext,
                destinationRequested,
                destinationContext,
              )
            : await encryptWithRsaKey(
                context,
                destination,
                source.Plaintext,
                destinationRequested,
                destinationContext,
              );
        return {
          response: {
            CiphertextBlob: sealed.CiphertextBlob,
            SourceKeyId: source.KeyId,
            KeyId: sealed.KeyId,
            SourceEncryptionAlgorithm: source.EncryptionAlgorithm,
            DestinationEncryptionAlgorithm: sealed.EncryptionAlgorithm,
            // Each present only for a symmetric key, as in AWS.
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
      if (length === undefined)
        throw new KmsError('ValidationException', 'NumberOfBytes is required.');
      return { response: { Plaintext: randomBytes(length) } };
    },
  },
} satisfies OperationGroup;
