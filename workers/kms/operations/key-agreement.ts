/** Key agreement: DeriveSharedSecret (ECDH) with NIST ECC KEY_AGREEMENT keys. */
import { deriveSharedSecret as deriveSecret } from '../../crypto/ecdh.ts';
import { algorithmLists, KEY_AGREEMENT_ALGORITHMS } from '../../key-specs.ts';
import {
  asymmetricMaterial,
  heldKey,
  requireListed,
  requireParameter,
  requireUsage,
} from '../key-checks.ts';
import type { OperationGroup } from '../operation.ts';
import { checkBytes, checkEnum } from '../validation.ts';

/** AWS's limit on PublicKey. */
const MAX_PUBLIC_KEY_BYTES = 8192;

export const keyAgreementOperations = {
  deriveSharedSecret: {
    eventName: 'DeriveSharedSecret',
    mutates: false,
    fields: ['KeyId', 'KeyAgreementAlgorithm', 'PublicKey'],
    async run(context, request) {
      const algorithm = requireParameter(
        'keyAgreementAlgorithm',
        checkEnum('keyAgreementAlgorithm', request.KeyAgreementAlgorithm, KEY_AGREEMENT_ALGORITHMS),
      );
      const peer = checkBytes('publicKey', request.PublicKey, 1, MAX_PUBLIC_KEY_BYTES);
      const key = await context.resolveKey('keyId', request.KeyId, 'use');
      requireUsage(context, key, 'KEY_AGREEMENT', 'DeriveSharedSecret');
      requireListed(
        key,
        algorithm,
        algorithmLists(key.KeySpec, key.KeyUsage)?.KeyAgreementAlgorithms,
      );
      const { material } = await asymmetricMaterial(context, key, 'private');
      return {
        response: {
          KeyId: context.arn(key.KeyId),
          SharedSecret: await deriveSecret(heldKey(material.PrivateKeys.ECDH), peer),
          KeyAgreementAlgorithm: algorithm,
          KeyOrigin: key.Origin,
        },
      };
    },
  },
} satisfies OperationGroup;
