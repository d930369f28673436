/**
 * Data key pairs: GenerateDataKeyPair and GenerateDataKeyPairWithoutPlaintext. The private key,
 * as PKCS #8, is sealed under the symmetric key KeyId (so Decrypt opens it) and — unless asked
 * without plaintext — returned in the clear too.
 */
import type { GenerateDataKeyPairRequest, GenerateDataKeyPairResponse } from '../../api.ts';
import { generateDataKeyPair as generatePair } from '../../crypto/data-key-pair.ts';
import { DATA_KEY_PAIR_SPECS, UNSUPPORTED_KEY_SPECS } from '../../key-specs.ts';
import { KmsError } from '../../errors.ts';
import { sealBlob } from '../ciphertext-blobs.ts';
import { requireParameter, requireSymmetricEncryptionKey } from '../key-checks.ts';
import type { OperationGroup } from '../operation.ts';
import type { OperationContext } from '../operation-context.ts';
import { checkEncryptionContext, checkEnum } from '../validation.ts';

async function generateDataKeyPair(
  context: OperationContext,
  request: GenerateDataKeyPairRequest,
  withPlaintext: boolean,
): Promise<GenerateDataKeyPairResponse> {
  const spec = requireParameter(
    'keyPairSpec',
    checkEnum('keyPairSpec', request.KeyPairSpec, [...DATA_KEY_PAIR_SPECS, 'SM2'] as const),
  );
  if (spec === 'SM2')
    throw new KmsError('UnsupportedOperationException', UNSUPPORTED_KEY_SPECS.SM2!);
  const encryptionContext = checkEncryptionContext('encryptionContext', request.EncryptionContext);
  const key = await context.resolveKey('keyId', request.KeyId, 'use');
  requireSymmetricEncryptionKey(context, key);
  const pair = await generatePair(spec);
  try {
    const { blob, version } = await sealBlob(context, key, pair.privateKey, encryptionContext);
    return {
      KeyId: context.arn(key.KeyId),
      KeyPairSpec: spec,
      PrivateKeyCiphertextBlob: blob,
      PrivateKeyPlaintext: withPlaintext ? pair.privateKey : new Uint8Array(0),
      PublicKey: pair.publicKey,
      KeyMaterialId: version.KeyMaterialId,
    };
  } finally {
    if (!withPlaintext) pair.privateKey.fill(0);
  }
}

const FIELDS = ['KeyId', 'KeyPairSpec', 'EncryptionContext'] as const;

export const dataKeyPairOperations = {
  generateDataKeyPair: {
    eventName: 'GenerateDataKeyPair',
    mutates: false,
    fields: FIELDS,
    async run(context, request) {
      return { response: await generateDataKeyPair(context, request, true) };
    },
  },
  generateDataKeyPairWithoutPlaintext: {
    eventName: 'GenerateDataKeyPairWithoutPlaintext',
    mutates: false,
    fields: FIELDS,
    async run(context, request) {
      const { PrivateKeyPlaintext: _wiped, ...response } = await generateDataKeyPair(
        context,
        request,
        false,
      );
      return { response };
    },
  },
} satisfies OperationGroup;
