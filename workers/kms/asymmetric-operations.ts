/**
 * The asymmetric and HMAC operations of the KMS (issue 4) with AWS KMS semantics: GetPublicKey,
 * Sign, Verify, GenerateMac, VerifyMac, GenerateDataKeyPair(+WithoutPlaintext),
 * DeriveSharedSecret, and Encrypt/Decrypt with RSA keys; plus the KeySpec × KeyUsage rules of
 * CreateKey and the algorithm lists of KeyMetadata.
 *
 * Each operation is called by its method in kms.ts inside `call` (which writes the one audit
 * record) and follows the same order as every other operation: parameters checked at the door,
 * then the key resolved with its state rule, then the key's usage and algorithm checked, then
 * the crypto (workers/crypto/). Refusals are KmsErrors named as AWS names them; messages carry
 * ARNs, algorithm names and sizes, never key bytes, messages or plaintext.
 */
import type {
  SignerChoice,
  DecryptResponse,
  DeriveSharedSecretRequest,
  DeriveSharedSecretResponse,
  EncryptionContext,
  EncryptResponse,
  GenerateDataKeyPairRequest,
  GenerateDataKeyPairResponse,
  GenerateMacRequest,
  GenerateMacResponse,
  GetPublicKeyResponse,
  KeyIdRequest,
  SignRequest,
  SignResponse,
  VerifyMacRequest,
  VerifyMacResponse,
  VerifyRequest,
  VerifyResponse,
} from '../api.ts';
import { generateDataKeyPair as generatePair } from '../crypto/data-key-pair.ts';
import { deriveSharedSecret as deriveSecret } from '../crypto/ecdh.ts';
import { generateMac as computeMac, verifyMac as checkMac } from '../crypto/hmac.ts';
import { generateKeyMaterial, type AsymmetricKeyMaterial } from '../crypto/key-generation.ts';
import {
  DATA_KEY_PAIR_SPECS,
  HASH_LENGTH,
  KEY_AGREEMENT_ALGORITHMS,
  KEY_SPECS,
  KEY_USAGES,
  MAC_ALGORITHMS,
  MESSAGE_TYPES,
  SIGNING_ALGORITHMS,
  UNSUPPORTED_KEY_SPECS,
  algorithmLists,
  custodyOf,
  isAsymmetricKeySpec,
  isRsaKeySpec,
  oaepMaxPlaintextLength,
  signingProfile,
  usagesFor,
  type AlgorithmLists,
  type EncryptionAlgorithm,
  type KeyCustody,
  type KeySpec,
  type KeyUsage,
  type MessageType,
  type RsaEncryptionAlgorithm,
  type SigningAlgorithm,
} from '../crypto/key-specs.ts';
import { verifyWithPublicKey } from '../crypto/public-key-verification.ts';
import { parsePublicKey, subjectPublicKey, type PublicKeyInfo } from '../crypto/public-key.ts';
import { randomBytes, toHex } from '../crypto/random.ts';
import { rsaOaepDecrypt, rsaOaepEncrypt } from '../crypto/rsa-oaep.ts';
import { signSecp256k1, verifySecp256k1 } from '../crypto/secp256k1.ts';
import { requireWebCryptoCapable, signMessage, verifyMessage } from '../crypto/signing.ts';
import { withUnwrappedSecret, wrappedKeyAad } from '../crypto/wrapped-key.ts';
import { KmsError, validationError } from '../errors.ts';
import type { KeyRecord, KeyVersionRecord } from '../keystore/vault-store.ts';
import type { StateRule } from './key-state.ts';
import { checkBytes, checkEncryptionContext, checkEnum } from './validation.ts';

/** What these operations need from the KMS: kms.ts gives it per call (its `vaultAccess`). */
export interface KeyAccess {
  arn(keyId: string): string;
  /** Resolves a KeyId parameter (id, ARN, alias), touches the key for the audit record, checks its state. */
  resolveKey(parameter: string, value: unknown, rule: StateRule): Promise<KeyRecord>;
  currentVersion(key: KeyRecord): Promise<KeyVersionRecord>;
}

/** AWS's limits: Message 1–4096 bytes; Signature, Mac and CiphertextBlob up to 6144; PublicKey up to 8192. */
export const MAX_MESSAGE_BYTES = 4096;
const MAX_SIGNATURE_BYTES = 6144;
const MAX_MAC_BYTES = 6144;
const MAX_CIPHERTEXT_BYTES = 6144;
const MAX_PUBLIC_KEY_BYTES = 8192;

function invalidKeyUsage(message: string): KmsError {
  return new KmsError('InvalidKeyUsageException', message);
}

function requireParameter<T>(parameter: string, value: T | undefined): T {
  if (value === undefined) throw validationError(parameter, undefined, 'Member must not be null');
  return value;
}

// --- CreateKey, DescribeKey, rotation ---------------------------------------------------------

/**
 * CreateKey's KeySpec and KeyUsage, with AWS's rules: KeySpec defaults to SYMMETRIC_DEFAULT and
 * KeyUsage to ENCRYPT_DECRYPT; a pair AWS does not allow is a ValidationException; a spec this
 * build cannot create is an UnsupportedOperationException that says why.
 */
export function checkKeySpecAndUsage(
  keySpecValue: unknown,
  keyUsageValue: unknown,
): { keySpec: KeySpec; keyUsage: KeyUsage } {
  const keySpec = checkEnum('keySpec', keySpecValue, KEY_SPECS) ?? 'SYMMETRIC_DEFAULT';
  const keyUsage = checkEnum('keyUsage', keyUsageValue, KEY_USAGES) ?? 'ENCRYPT_DECRYPT';
  const refusal = UNSUPPORTED_KEY_SPECS[keySpec];
  if (refusal) throw new KmsError('UnsupportedOperationException', refusal);
  if (!algorithmLists(keySpec, keyUsage)) {
    throw new KmsError(
      'ValidationException',
      `KeyUsage ${keyUsage} is not compatible with KeySpec ${keySpec}: ${keySpec} keys allow ${usagesFor(keySpec).join(' or ')}.`,
    );
  }
  return { keySpec, keyUsage };
}

/** Version 1 of a new asymmetric or HMAC key: its material generated inside the worker. */
export async function newKeyVersion(
  keyId: string,
  keySpec: KeySpec,
  keyUsage: KeyUsage,
  now: Date,
): Promise<KeyVersionRecord> {
  const material = await generateKeyMaterial(keySpec, keyUsage, keyId);
  return {
    KeyId: keyId,
    Version: 1,
    KeyMaterialId: toHex(randomBytes(32)),
    CryptoKey: material.cryptoKey,
    CreationDate: now,
    ...(material.asymmetric && { Asymmetric: material.asymmetric }),
  };
}

/** KeyMetadata's algorithm list for the key's usage, and its custody. */
export function keyAlgorithms(key: KeyRecord): AlgorithmLists & { Custody: KeyCustody } {
  return { ...algorithmLists(key.KeySpec, key.KeyUsage), Custody: custodyOf(key.KeySpec) };
}

/** AWS rotates only symmetric encryption keys; asymmetric and HMAC keys refuse every rotation call. */
export function requireRotatable(arn: string, key: KeyRecord): void {
  if (key.KeySpec !== 'SYMMETRIC_DEFAULT') {
    throw new KmsError(
      'UnsupportedOperationException',
      `${arn} is a ${key.KeySpec} key; only symmetric encryption keys (SYMMETRIC_DEFAULT) can be rotated. To change asymmetric or HMAC key material, create a new key and move its alias.`,
    );
  }
  // Imported material is never replaced by the vault (workers/kms/key-import.ts): a rotation
  // would need new material from the user, which this build does not take.
  if (key.Origin === 'EXTERNAL') {
    throw new KmsError(
      'UnsupportedOperationException',
      `${arn} has imported key material (Origin EXTERNAL), which cannot be rotated. To change it, create a new EXTERNAL key, import the new material and move the alias.`,
    );
  }
}

/** Encrypt, GenerateDataKey*, ReEncrypt and GenerateDataKeyPair* seal with symmetric keys only. */
export function requireSymmetricEncryptionKey(arn: string, key: KeyRecord): void {
  if (key.KeySpec !== 'SYMMETRIC_DEFAULT' || key.KeyUsage !== 'ENCRYPT_DECRYPT') {
    throw invalidKeyUsage(
      `${arn} is a ${key.KeySpec} ${key.KeyUsage} key; this operation needs a symmetric encryption key (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT).`,
    );
  }
}

// --- key checks shared by the operations ------------------------------------------------------

function requireUsage(vault: KeyAccess, key: KeyRecord, usage: KeyUsage, operation: string): void {
  if (key.KeyUsage !== usage) {
    throw invalidKeyUsage(
      `${vault.arn(key.KeyId)} has KeyUsage ${key.KeyUsage}; ${operation} needs a ${usage} key.`,
    );
  }
}

function requireListed<T extends string>(
  key: KeyRecord,
  algorithm: T,
  listed: readonly T[] | undefined,
): void {
  if (!listed?.includes(algorithm)) {
    throw invalidKeyUsage(
      `Algorithm ${algorithm} is incompatible with key spec ${key.KeySpec}${listed ? `; this key supports ${listed.join(', ')}` : ''}.`,
    );
  }
}

async function asymmetricMaterial(
  vault: KeyAccess,
  key: KeyRecord,
): Promise<{ version: KeyVersionRecord; material: AsymmetricKeyMaterial }> {
  const version = await vault.currentVersion(key);
  if (!version.Asymmetric) throw new Error('asymmetric key material missing from the key version');
  return { version, material: version.Asymmetric };
}

function heldKey<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('the key version holds no CryptoKey for this algorithm');
  return value;
}

// --- GetPublicKey -----------------------------------------------------------------------------

export async function getPublicKey(
  vault: KeyAccess,
  request: KeyIdRequest,
): Promise<GetPublicKeyResponse> {
  const key = await vault.resolveKey('keyId', request.KeyId, 'use');
  if (!isAsymmetricKeySpec(key.KeySpec)) {
    throw new KmsError(
      'UnsupportedOperationException',
      `${vault.arn(key.KeyId)} is a ${key.KeySpec} key, which has no public key; GetPublicKey needs an asymmetric key.`,
    );
  }
  const { material } = await asymmetricMaterial(vault, key);
  return {
    KeyId: vault.arn(key.KeyId),
    PublicKey: new Uint8Array(material.PublicKey),
    KeySpec: key.KeySpec,
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
function checkSigningInput(request: Omit<SignRequest, 'KeyId'>): SigningInput {
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
      `Digest is invalid length for algorithm ${algorithm}: a ${profile.hash} digest is ${HASH_LENGTH[profile.hash]} bytes, this one is ${message.length}.`,
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
  vault: KeyAccess,
  keyId: unknown,
  algorithm: SigningAlgorithm,
  operation: string,
) {
  const key = await vault.resolveKey('keyId', keyId, 'use');
  requireUsage(vault, key, 'SIGN_VERIFY', operation);
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
  vault: KeyAccess,
  keyId: unknown,
  input: SigningInput,
  operation: string,
) {
  const { key, keySpec } = await requireSigningKey(vault, keyId, input.algorithm, operation);
  return { key, keySpec, ...(await asymmetricMaterial(vault, key)) };
}

export async function sign(vault: KeyAccess, request: SignRequest): Promise<SignResponse> {
  const input = checkSigningInput(request);
  const { key, keySpec, version, material } = await signingKey(vault, request.KeyId, input, 'Sign');
  let signature: Uint8Array<ArrayBuffer>;
  if (keySpec === 'ECC_SECG_P256K1') {
    // Custody WRAPPED: the secret exists unwrapped only inside this callback.
    signature = await withUnwrappedSecret(
      version.CryptoKey,
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
  return { KeyId: vault.arn(key.KeyId), Signature: signature, SigningAlgorithm: input.algorithm };
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

export async function verify(vault: KeyAccess, request: VerifyRequest): Promise<VerifyResponse> {
  const signer = checkSignerChoice(request);
  const input = checkSigningInput(request);
  const signature = checkBytes('signature', request.Signature, 1, MAX_SIGNATURE_BYTES);
  const { valid, verifiedBy } = await verifySignature(vault, signer, input, signature, 'Verify');
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
  vault: KeyAccess,
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
  const { key, keySpec, material } = await signingKey(vault, signer.keyId, input, operation);
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
  return { valid, verifiedBy: { KeyId: vault.arn(key.KeyId) } };
}

// --- GenerateMac and VerifyMac ----------------------------------------------------------------

function checkMacInput(request: GenerateMacRequest) {
  const message = checkBytes('message', request.Message, 1, MAX_MESSAGE_BYTES);
  const algorithm = requireParameter(
    'macAlgorithm',
    checkEnum('macAlgorithm', request.MacAlgorithm, MAC_ALGORITHMS),
  );
  return { message, algorithm };
}

async function resolveMacKey(
  vault: KeyAccess,
  request: GenerateMacRequest,
  algorithm: (typeof MAC_ALGORITHMS)[number],
  operation: string,
) {
  const key = await vault.resolveKey('keyId', request.KeyId, 'use');
  requireUsage(vault, key, 'GENERATE_VERIFY_MAC', operation);
  requireListed(key, algorithm, algorithmLists(key.KeySpec, key.KeyUsage)?.MacAlgorithms);
  return { key, version: await vault.currentVersion(key) };
}

export async function generateMac(
  vault: KeyAccess,
  request: GenerateMacRequest,
): Promise<GenerateMacResponse> {
  const { message, algorithm } = checkMacInput(request);
  const { key, version } = await resolveMacKey(vault, request, algorithm, 'GenerateMac');
  return {
    KeyId: vault.arn(key.KeyId),
    Mac: await computeMac(version.CryptoKey, message),
    MacAlgorithm: algorithm,
  };
}

export async function verifyMac(
  vault: KeyAccess,
  request: VerifyMacRequest,
): Promise<VerifyMacResponse> {
  const { message, algorithm } = checkMacInput(request);
  const mac = checkBytes('mac', request.Mac, 1, MAX_MAC_BYTES);
  const { key, version } = await resolveMacKey(vault, request, algorithm, 'VerifyMac');
  if (!(await checkMac(version.CryptoKey, message, mac))) {
    throw new KmsError(
      'KMSInvalidMacException',
      `The MAC is not valid for this message under ${vault.arn(key.KeyId)} and ${algorithm}.`,
    );
  }
  return { KeyId: vault.arn(key.KeyId), MacValid: true, MacAlgorithm: algorithm };
}

// --- DeriveSharedSecret -----------------------------------------------------------------------

export async function deriveSharedSecret(
  vault: KeyAccess,
  request: DeriveSharedSecretRequest,
): Promise<DeriveSharedSecretResponse> {
  const algorithm = requireParameter(
    'keyAgreementAlgorithm',
    checkEnum('keyAgreementAlgorithm', request.KeyAgreementAlgorithm, KEY_AGREEMENT_ALGORITHMS),
  );
  const peer = checkBytes('publicKey', request.PublicKey, 1, MAX_PUBLIC_KEY_BYTES);
  const key = await vault.resolveKey('keyId', request.KeyId, 'use');
  requireUsage(vault, key, 'KEY_AGREEMENT', 'DeriveSharedSecret');
  requireListed(key, algorithm, algorithmLists(key.KeySpec, key.KeyUsage)?.KeyAgreementAlgorithms);
  const { material } = await asymmetricMaterial(vault, key);
  return {
    KeyId: vault.arn(key.KeyId),
    SharedSecret: await deriveSecret(heldKey(material.PrivateKeys.ECDH), peer),
    KeyAgreementAlgorithm: algorithm,
    KeyOrigin: key.Origin,
  };
}

// --- GenerateDataKeyPair ----------------------------------------------------------------------

/** Seals plaintext under a symmetric key's current version (kms.ts's `seal`). */
export type Seal = (
  key: KeyRecord,
  plaintext: Uint8Array<ArrayBuffer>,
  context: EncryptionContext,
) => Promise<{ blob: Uint8Array<ArrayBuffer>; version: KeyVersionRecord }>;

/**
 * A data key pair: the private key as PKCS #8, sealed under the symmetric key `KeyId` (so
 * `decrypt` opens it) and — unless `withPlaintext` is false — returned in the clear too.
 */
export async function generateDataKeyPair(
  vault: KeyAccess,
  seal: Seal,
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
  const key = await vault.resolveKey('keyId', request.KeyId, 'use');
  requireSymmetricEncryptionKey(vault.arn(key.KeyId), key);
  const pair = await generatePair(spec);
  try {
    const { blob, version } = await seal(key, pair.privateKey, encryptionContext);
    return {
      KeyId: vault.arn(key.KeyId),
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

// --- Encrypt and Decrypt with RSA keys --------------------------------------------------------

function rsaAlgorithm(
  vault: KeyAccess,
  key: KeyRecord,
  requested: EncryptionAlgorithm | undefined,
  operation: string,
): RsaEncryptionAlgorithm {
  if (!isRsaKeySpec(key.KeySpec) || key.KeyUsage !== 'ENCRYPT_DECRYPT') {
    throw invalidKeyUsage(
      `${vault.arn(key.KeyId)} is a ${key.KeySpec} ${key.KeyUsage} key; ${operation} needs an encryption key.`,
    );
  }
  const algorithm = requested ?? 'SYMMETRIC_DEFAULT';
  requireListed(key, algorithm, algorithmLists(key.KeySpec, key.KeyUsage)?.EncryptionAlgorithms);
  return algorithm as RsaEncryptionAlgorithm;
}

function refuseContext(context: EncryptionContext): void {
  if (Object.keys(context).length > 0) {
    throw new KmsError(
      'ValidationException',
      'EncryptionContext is supported only with symmetric encryption keys; RSAES-OAEP has no place for it.',
    );
  }
}

/** Encrypt with an asymmetric key (already resolved): RSAES-OAEP with the public key. */
export async function encryptWithAsymmetricKey(
  vault: KeyAccess,
  key: KeyRecord,
  plaintext: Uint8Array<ArrayBuffer>,
  requested: EncryptionAlgorithm | undefined,
  encryptionContext: EncryptionContext,
): Promise<EncryptResponse> {
  const algorithm = rsaAlgorithm(vault, key, requested, 'Encrypt');
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
  const { version, material } = await asymmetricMaterial(vault, key);
  return {
    KeyId: vault.arn(key.KeyId),
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
export async function decryptWithAsymmetricKey(
  vault: KeyAccess,
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
  const key = await vault.resolveKey('keyId', request.KeyId, 'use');
  const algorithm = rsaAlgorithm(vault, key, requested, 'Decrypt');
  refuseContext(encryptionContext);
  const { version, material } = await asymmetricMaterial(vault, key);
  const plaintext = await rsaOaepDecrypt(heldKey(material.PrivateKeys[algorithm]), ciphertext);
  if (!plaintext) {
    throw new KmsError(
      'InvalidCiphertextException',
      `The ciphertext does not decrypt under ${vault.arn(key.KeyId)} with ${algorithm}.`,
    );
  }
  return {
    KeyId: vault.arn(key.KeyId),
    Plaintext: plaintext,
    EncryptionAlgorithm: algorithm,
    KeyMaterialId: version.KeyMaterialId,
    KeyVersion: version.Version,
  };
}

/** The encryption algorithms that name an RSA key (Decrypt then needs KeyId). */
export function isRsaEncryptionAlgorithm(
  algorithm: EncryptionAlgorithm | undefined,
): algorithm is RsaEncryptionAlgorithm {
  return algorithm === 'RSAES_OAEP_SHA_1' || algorithm === 'RSAES_OAEP_SHA_256';
}
