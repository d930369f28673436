/**
 * Signing: GetPublicKey, Sign and Verify with asymmetric keys (RSA, NIST ECC, secp256k1,
 * Ed25519), with AWS KMS semantics. Verify also takes — not in AWS — a caller's public key, so a
 * signature can be checked without holding the signer's key. SignFile and VerifyFile
 * (operations/file-signing.ts) reuse the checks here.
 */
import type {
  GetPublicKeyResponse,
  KeyIdRequest,
  SignerChoice,
  SignRequest,
  SignResponse,
  VerifyRequest,
  VerifyResponse,
} from '../../api.ts';
import {
  algorithmLists,
  HASH_LENGTH,
  isAsymmetricKeySpec,
  MESSAGE_TYPES,
  SIGNING_ALGORITHMS,
  signingProfile,
  type MessageType,
  type SigningAlgorithm,
} from '../../key-specs.ts';
import { verifyWithPublicKey } from '../../crypto/public-key-verification.ts';
import { parsePublicKey, subjectPublicKey, type PublicKeyInfo } from '../../crypto/public-key.ts';
import { signSecp256k1, verifySecp256k1 } from '../../crypto/secp256k1.ts';
import { requireWebCryptoCapable, signMessage, verifyMessage } from '../../crypto/signing.ts';
import { withUnwrappedSecret, wrappedKeyAad } from '../../crypto/wrapped-key.ts';
import { KmsError, validationError } from '../../errors.ts';
import {
  asymmetricMaterial,
  heldKey,
  requireListed,
  requireParameter,
  requireUsage,
} from '../key-checks.ts';
import type { OperationGroup } from '../operation.ts';
import type { OperationContext } from '../operation-context.ts';
import { checkBytes, checkEnum } from '../validation.ts';

/** AWS's limits: Message 1–4096 bytes; Signature up to 6144. */
export const MAX_MESSAGE_BYTES = 4096;
const MAX_SIGNATURE_BYTES = 6144;

// --- GetPublicKey -----------------------------------------------------------------------------

async function getPublicKey(
  context: OperationContext,
  request: KeyIdRequest,
): Promise<GetPublicKeyResponse> {
  const key = await context.resolveKey('keyId', request.KeyId, 'use');
  if (!isAsymmetricKeySpec(key.KeySpec)) {
    throw new KmsError(
      'UnsupportedOperationException',
      `${context.arn(key.KeyId)} is a ${key.KeySpec} key, which has no public key; GetPublicKey needs an asymmetric key.`,
    );
  }
  const { material } = await asymmetricMaterial(context, key, 'public');
  return {
    KeyId: context.arn(key.KeyId),
    PublicKey: new Uint8Array(material.PublicKey),
    KeySpec: key.KeySpec,
    CustomerMasterKeySpec: key.KeySpec,
    KeyUsage: key.KeyUsage,
    ...algorithmLists(key.KeySpec, key.KeyUsage),
  };
}

// --- Sign and Verify --------------------------------------------------------------------------

export interface SigningInput {
  message: Uint8Array<ArrayBuffer>;
  messageType: MessageType;
  algorithm: SigningAlgorithm;
}

/** Message, MessageType and SigningAlgorithm at the door, with AWS's DIGEST length rule. */
export function checkSigningInput(request: Omit<SignRequest, 'KeyId'>): SigningInput {
  const message = checkBytes('message', request.Message, 1, MAX_MESSAGE_BYTES);
  const messageType = checkEnum('messageType', request.MessageType, MESSAGE_TYPES) ?? 'RAW';
  const algorithm = requireParameter(
    'signingAlgorithm',
    checkEnum('signingAlgorithm', request.SigningAlgorithm, SIGNING_ALGORITHMS),
  );
  const profile = signingProfile(algorithm);
  if (messageType === 'EXTERNAL_MU' && algorithm !== 'ML_DSA_SHAKE_256') {
    throw new KmsError(
      'ValidationException',
      'MessageType EXTERNAL_MU applies only to ML_DSA_SHAKE_256.',
    );
  }
  if (profile && !profile.messageTypes.includes(messageType)) {
    throw new KmsError(
      'ValidationException',
      `${algorithm} takes MessageType ${profile.messageTypes.join(' or ')}, not ${messageType}.`,
    );
  }
  if (profile && messageType === 'DIGEST' && message.length !== HASH_LENGTH[profile.hash]) {
    throw new KmsError(
      'ValidationException',
      // AWS's wording (LocalStack snapshot test_sign_verify, bad-digest).
      `Digest is invalid length for algorithm ${algorithm}.`,
    );
  }
  return { message, messageType, algorithm };
}

/**
 * The KeyId of a signing call resolved and checked — state, SIGN_VERIFY usage, the algorithm in
 * the key's list — before any work: Sign and Verify here, SignFile and VerifyFile
 * (file-signing.ts) before they read a file.
 */
export async function requireSigningKey(
  context: OperationContext,
  keyId: unknown,
  algorithm: SigningAlgorithm,
  operation: string,
) {
  const key = await context.resolveKey('keyId', keyId, 'use');
  requireUsage(context, key, 'SIGN_VERIFY', operation);
  requireListed(key, algorithm, algorithmLists(key.KeySpec, key.KeyUsage)?.SigningAlgorithms);
  if (!isAsymmetricKeySpec(key.KeySpec)) {
    throw new KmsError(
      'UnsupportedOperationException',
      `${key.KeySpec} keys are not supported by this version of Pocket KMS.`,
    );
  }
  return { key, keySpec: key.KeySpec };
}

async function signingKey(
  context: OperationContext,
  keyId: unknown,
  input: SigningInput,
  operation: string,
  use: 'public' | 'private',
) {
  const { key, keySpec } = await requireSigningKey(context, keyId, input.algorithm, operation);
  return { key, keySpec, ...(await asymmetricMaterial(context, key, use)) };
}

export async function sign(context: OperationContext, request: SignRequest): Promise<SignResponse> {
  const input = checkSigningInput(request);
  const { key, keySpec, material, cryptoKey } = await signingKey(
    context,
    request.KeyId,
    input,
    'Sign',
    'private',
  );
  let signature: Uint8Array<ArrayBuffer>;
  if (keySpec === 'ECC_SECG_P256K1') {
    // Custody WRAPPED: the secret exists unwrapped only inside this callback.
    signature = await withUnwrappedSecret(
      heldKey(cryptoKey),
      heldKey(material.WrappedPrivateKey),
      wrappedKeyAad(key.KeyId, keySpec),
      (secret) => signSecp256k1(secret, input.messageType, input.message),
    );
  } else {
    const runnable = requireWebCryptoCapable(input.algorithm, input.messageType);
    signature = await signMessage(
      heldKey(material.PrivateKeys[runnable]),
      keySpec,
      runnable,
      input.messageType,
      input.message,
    );
  }
  return { KeyId: context.arn(key.KeyId), Signature: signature, SigningAlgorithm: input.algorithm };
}

/**
 * Who verifies: a vault key, or — not in AWS — a public key given as DER bytes or PEM, JWK JSON
 * or base64 DER text (public-key.ts parsePublicKey), so a signature can be checked without
 * holding the signer's key. Exactly one of the two.
 */
export function checkSignerChoice(
  request: SignerChoice,
): { keyId: unknown } | { publicKey: PublicKeyInfo } {
  const hasKeyId = request.KeyId !== undefined && request.KeyId !== null;
  const hasPublicKey = request.PublicKey !== undefined && request.PublicKey !== null;
  if (hasKeyId === hasPublicKey) {
    throw new KmsError(
      'ValidationException',
      'Specify either KeyId (a vault key) or PublicKey (DER, PEM or JWK), but not both.',
    );
  }
  if (hasKeyId) return { keyId: request.KeyId };
  if (!(request.PublicKey instanceof Uint8Array) && typeof request.PublicKey !== 'string') {
    throw validationError('publicKey', undefined, 'Member must be a Uint8Array or a string');
  }
  return { publicKey: parsePublicKey(request.PublicKey) };
}

async function verify(context: OperationContext, request: VerifyRequest): Promise<VerifyResponse> {
  const signer = checkSignerChoice(request);
  const input = checkSigningInput(request);
  const signature = checkBytes('signature', request.Signature, 1, MAX_SIGNATURE_BYTES);
  const { valid, verifiedBy } = await verifySignature(context, signer, input, signature, 'Verify');
  if (!valid) {
    throw new KmsError(
      'KMSInvalidSignatureException',
      `The signature is not valid for this message under ${describeSigner(verifiedBy)} and ${input.algorithm}.`,
    );
  }
  return { ...verifiedBy, SignatureValid: true, SigningAlgorithm: input.algorithm };
}

/** Who a verification was made with: a vault key (its ARN) or a caller's public key (its spec). */
export type VerifiedBy = { KeyId: string } | { PublicKeySpec: PublicKeyInfo['KeySpec'] };

export function describeSigner(verifiedBy: VerifiedBy): string {
  return 'KeyId' in verifiedBy
    ? verifiedBy.KeyId
    : `the given ${verifiedBy.PublicKeySpec} public key`;
}

/**
 * Checks `signature` over the checked `input` with a vault key (resolved and checked for
 * `operation`: state, usage, algorithm) or a caller's public key. Verify and VerifyFile both
 * come here, each wording its own failure.
 */
export async function verifySignature(
  context: OperationContext,
  signer: ReturnType<typeof checkSignerChoice>,
  input: SigningInput,
  signature: Uint8Array<ArrayBuffer>,
  operation: string,
): Promise<{ valid: boolean; verifiedBy: VerifiedBy }> {
  if ('publicKey' in signer) {
    const { publicKey } = signer;
    return {
      valid: await verifyWithPublicKey(
        publicKey,
        input.algorithm,
        input.messageType,
        input.message,
        signature,
      ),
      verifiedBy: { PublicKeySpec: publicKey.KeySpec },
    };
  }
  const { key, keySpec, material } = await signingKey(
    context,
    signer.keyId,
    input,
    operation,
    'public',
  );
  let valid: boolean;
  if (keySpec === 'ECC_SECG_P256K1') {
    // Verification needs only the public key: nothing is unwrapped.
    valid = verifySecp256k1(
      subjectPublicKey(material.PublicKey),
      input.messageType,
      input.message,
      signature,
    );
  } else {
    const runnable = requireWebCryptoCapable(input.algorithm, input.messageType);
    valid = await verifyMessage(
      heldKey(material.PublicKeys[runnable]),
      keySpec,
      runnable,
      input.messageType,
      input.message,
      signature,
    );
  }
  return { valid, verifiedBy: { KeyId: context.arn(key.KeyId) } };
}

const SIGNING_FIELDS = ['KeyId', 'Message', 'MessageType', 'SigningAlgorithm'] as const;

export const signingOperations = {
  getPublicKey: {
    eventName: 'GetPublicKey',
    mutates: false,
    fields: ['KeyId'],
    async run(context, request) {
      return { response: await getPublicKey(context, request) };
    },
  },
  sign: {
    eventName: 'Sign',
    mutates: false,
    fields: SIGNING_FIELDS,
    async run(context, request) {
      return { response: await sign(context, request) };
    },
  },
  verify: {
    eventName: 'Verify',
    mutates: false,
    fields: [...SIGNING_FIELDS, 'Signature', 'PublicKey'],
    async run(context, request) {
      return { response: await verify(context, request) };
    },
  },
} satisfies OperationGroup;
