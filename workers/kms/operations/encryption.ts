/**
 * Encryption: Encrypt, Decrypt, ReEncrypt, GenerateDataKey, GenerateDataKeyWithoutPlaintext,
 * GenerateRandom. Symmetric keys seal ciphertext blobs (workers/kms/ciphertext-blobs.ts); RSA
 * keys encrypt with RSAES-OAEP, whose ciphertext names no key.
 */
import type { DecryptResponse, EncryptionContext, EncryptResponse } from '../../api.ts';
import {
  algorithmLists,
  ENCRYPTION_ALGORITHMS,
  isRsaKeySpec,
  oaepMaxPlaintextLength,
  type EncryptionAlgorithm,
  type RsaEncryptionAlgorithm,
} from '../../crypto/key-specs.ts';
import { randomBytes } from '../../crypto/random.ts';
import { rsaOaepDecrypt, rsaOaepEncrypt } from '../../crypto/rsa-oaep.ts';
import { KmsError, validationError } from '../../errors.ts';
import type { KeyRecord } from '../../keystore/vault-store.ts';
import { MAX_CIPHERTEXT_BYTES, openBlob, sealBlob } from '../ciphertext-blobs.ts';
import { asymmetricMaterial, heldKey, invalidKeyUsage, requireListed } from '../key-checks.ts';
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
  if (!isRsaKeySpec(key.KeySpec) || key.KeyUsage !== 'ENCRYPT_DECRYPT') {
    throw invalidKeyUsage(
      `${context.arn(key.KeyId)} is a ${key.KeySpec} ${key.KeyUsage} key; ${operation} needs an encryption key.`,
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
): Promise<EncryptResponse> {
  const algorithm = rsaAlgorithm(context, key, requested, 'Encrypt');
  refuseContext(encryptionContext);
  const max = oaepMaxPlaintextLength(
    key.KeySpec as Parameters<typeof oaepMaxPlaintextLength>[0],
    algorithm,
  );
  if (plaintext.length > max) {
    throw new KmsError(
      'ValidationException',
      `${algorithm} with a ${key.KeySpec} key encrypts at most ${max} bytes; the plaintext is ${plaintext.length}.`,
    );
  }
  const { version, material } = await asymmetricMaterial(context, key);
  return {
    KeyId: context.arn(key.KeyId),
    CiphertextBlob: await rsaOaepEncrypt(
      heldKey(material.PublicKeys[algorithm]),
      algorithm,
      plaintext,
    ),
    EncryptionAlgorithm: algorithm,
    KeyMaterialId: version.KeyMaterialId,
  };
}

/**
 * Decrypt with an RSA key. An RSA ciphertext does not name its key, so KeyId is required (as in
 * AWS); every ciphertext that does not open is one InvalidCiphertextException.
 */
async function decryptWithRsaKey(
  context: OperationContext,
  request: { CiphertextBlob?: unknown; KeyId?: unknown },
  requested: RsaEncryptionAlgorithm,
  encryptionContext: EncryptionContext,
): Promise<DecryptResponse> {
  const ciphertext = checkBytes('ciphertextBlob', request.CiphertextBlob, 1, MAX_CIPHERTEXT_BYTES);
  if (request.KeyId === undefined || request.KeyId === null) {
    throw new KmsError(
      'ValidationException',
      `KeyId is required to decrypt with ${requested}: an RSA ciphertext does not name its key.`,
    );
  }
  const key = await context.resolveKey('keyId', request.KeyId, 'use');
  const algorithm = rsaAlgorithm(context, key, requested, 'Decrypt');
  refuseContext(encryptionContext);
  const { version, material } = await asymmetricMaterial(context, key);
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
    KeyMaterialId: version.KeyMaterialId,
    KeyVersion: version.Version,
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
      const { blob, version } = await sealBlob(context, key, plaintext, encryptionContext);
      return {
        response: {
          KeyId: context.arn(key.KeyId),
          CiphertextBlob: blob,
          EncryptionAlgorithm: algorithm,
          KeyMaterialId: version.KeyMaterialId,
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
          response: await decryptWithRsaKey(context, request, requested, encryptionContext),
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
          KeyVersion: version.Version,
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
      const sourceAlgorithm = checkSymmetricAlgorithm(
        'sourceEncryptionAlgorithm',
        request.SourceEncryptionAlgorithm,
      );
      const destinationAlgorithm = checkSymmetricAlgorithm(
        'destinationEncryptionAlgorithm',
        request.DestinationEncryptionAlgorithm,
      );
      const destination = await context.resolveKey(
        'destinationKeyId',
        request.DestinationKeyId,
        'use',
      );
      const source = await openBlob(context, {
        blob: request.CiphertextBlob,
        blobParameter: 'ciphertextBlob',
        expectedKeyId: request.SourceKeyId,
        keyIdParameter: 'sourceKeyId',
        encryptionContext: sourceContext,
      });
      // The plaintext stays in this function: it is sealed again and never returned.
      const { blob, version } = await sealBlob(
        context,
        destination,
        source.plaintext,
        destinationContext,
      );
      source.plaintext.fill(0);
      return {
        response: {
          CiphertextBlob: blob,
          SourceKeyId: context.arn(source.key.KeyId),
          KeyId: context.arn(destination.KeyId),
          SourceEncryptionAlgorithm: sourceAlgorithm,
          DestinationEncryptionAlgorithm: destinationAlgorithm,
          SourceKeyMaterialId: source.version.KeyMaterialId,
          DestinationKeyMaterialId: version.KeyMaterialId,
        },
      };
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
      if (length === undefined)
        throw validationError('numberOfBytes', undefined, 'Member must not be null');
      return { response: { Plaintext: randomBytes(length) } };
    },
  },
} satisfies OperationGroup;
