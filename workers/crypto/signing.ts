/**
 * Signing and verification with WebCrypto, in AWS KMS's algorithms and encodings — the one
 * wrapper the core uses (and the Wycheproof tests drive):
 *
 * - RSASSA_PSS_SHA_256/384/512: RSASSA-PSS (RFC 8017 §8.1), MGF1 with the same hash, salt length
 *   = hash length, as AWS KMS uses.
 * - RSASSA_PKCS1_V1_5_SHA_256/384/512: RSASSA-PKCS1-v1_5 (RFC 8017 §8.2).
 * - ECDSA_SHA_256/384/512 on P-256/384/521: WebCrypto signs and verifies IEEE P1363 (r ‖ s);
 *   AWS returns DER (RFC 3279 §2.2.3), so signatures are converted both ways (der.ts, strict).
 * - ED25519_SHA_512: PureEdDSA (RFC 8032 §5.1) over the RAW message.
 *
 * WebCrypto hashes the message inside sign() and verify(), so it cannot sign or verify a
 * digest computed elsewhere: MessageType DIGEST — and ED25519_PH_SHA_512, which AWS defines on
 * a DIGEST only — are refused, saying so (CryptoInputError 'unsupported', which the API names
 * UnsupportedOperationException). secp256k1 keys (custody WRAPPED) go through secp256k1.ts
 * instead, which can.
 *
 * A verification failure is `false`, never an exception: the caller names it
 * (KMSInvalidSignatureException).
 */
import { DerError, ecdsaDerToP1363, ecdsaP1363ToDer, type Bytes } from './der.ts';
import {
  CURVE_SCALAR_LENGTH,
  isRsaKeySpec,
  namedCurve,
  signingProfile,
  type AsymmetricKeySpec,
  type HashName,
  type MessageType,
  type NistKeySpec,
  type SigningAlgorithm,
} from '../key-specs.ts';
import { CryptoInputError } from './input-error.ts';
import { importSpki } from './public-key.ts';

/** The algorithms a WebCrypto-held key signs with. */
export type WebCryptoSigningAlgorithm = Exclude<
  SigningAlgorithm,
  'ED25519_PH_SHA_512' | 'SM2DSA' | 'ML_DSA_SHAKE_256'
>;

function hashOf(algorithm: SigningAlgorithm): HashName {
  const profile = signingProfile(algorithm);
  if (!profile)
    throw new CryptoInputError('unsupported', `${algorithm} is not supported by Pocket KMS.`);
  return profile.hash;
}

/**
 * The WebCrypto algorithm a key must be generated or imported with to run `algorithm` on a key
 * of `keySpec`. RSA keys are bound to one scheme and one hash in WebCrypto, so an RSA signing
 * key is held as one CryptoKey per algorithm; EC and Ed25519 keys are not.
 */
export function signingKeyParameters(
  keySpec: AsymmetricKeySpec,
  algorithm: WebCryptoSigningAlgorithm,
): RsaHashedImportParams | EcKeyImportParams | Algorithm {
  if (algorithm.startsWith('RSASSA_PSS_')) return { name: 'RSA-PSS', hash: hashOf(algorithm) };
  if (algorithm.startsWith('RSASSA_PKCS1_V1_5_'))
    return { name: 'RSASSA-PKCS1-v1_5', hash: hashOf(algorithm) };
  if (algorithm === 'ED25519_SHA_512') return { name: 'Ed25519' };
  return { name: 'ECDSA', namedCurve: namedCurve(keySpec as NistKeySpec) };
}

function operationParameters(
  algorithm: WebCryptoSigningAlgorithm,
): AlgorithmIdentifier | RsaPssParams | EcdsaParams {
  const hash = hashOf(algorithm);
  if (algorithm.startsWith('RSASSA_PSS_')) {
    // AWS KMS: "salt length is the length of the hash" (RSASSA_PSS_SHA_* in the Sign reference).
    return { name: 'RSA-PSS', saltLength: hash === 'SHA-256' ? 32 : hash === 'SHA-384' ? 48 : 64 };
  }
  if (algorithm.startsWith('RSASSA_PKCS1_V1_5_')) return { name: 'RSASSA-PKCS1-v1_5' };
  if (algorithm === 'ED25519_SHA_512') return { name: 'Ed25519' };
  return { name: 'ECDSA', hash };
}

/** Whether a key of this spec can run the algorithm at all (the KeyMetadata list decides use). */
function checkPairing(keySpec: AsymmetricKeySpec, algorithm: SigningAlgorithm): void {
  const rsa = algorithm.startsWith('RSASSA_');
  const fits =
    (rsa && isRsaKeySpec(keySpec)) ||
    (algorithm.startsWith('ED25519_') && keySpec === 'ECC_NIST_EDWARDS25519') ||
    (algorithm.startsWith('ECDSA_') && keySpec.startsWith('ECC_NIST_P'));
  if (!fits) throw new RangeError(`${algorithm} does not run on a ${keySpec} key`);
}

/**
 * Refuses what a WebCrypto-held key cannot do, with the reason and what to do instead.
 * Returns the algorithm narrowed to the ones WebCrypto runs.
 */
export function requireWebCryptoCapable(
  algorithm: SigningAlgorithm,
  messageType: MessageType,
): WebCryptoSigningAlgorithm {
  if (algorithm === 'ED25519_PH_SHA_512') {
    throw new CryptoInputError(
      'unsupported',
      'ED25519_PH_SHA_512 (HashEdDSA) is not available: this key is a non-extractable WebCrypto key, and WebCrypto implements only pure Ed25519. Sign the message itself with ED25519_SHA_512 and MessageType RAW.',
    );
  }
  if (algorithm === 'SM2DSA' || algorithm === 'ML_DSA_SHAKE_256') {
    throw new CryptoInputError('unsupported', `${algorithm} is not supported by Pocket KMS.`);
  }
  if (messageType !== 'RAW') {
    throw new CryptoInputError(
      'unsupported',
      `MessageType ${messageType} is not available for this key: it is a non-extractable WebCrypto key, and WebCrypto computes the ${hashOf(algorithm)} digest itself inside sign and verify, so it cannot use a digest computed elsewhere. Send the message itself with MessageType RAW (up to 4096 bytes); to sign a larger file, sign a small statement that contains its digest.`,
    );
  }
  return algorithm;
}

/**
 * Signs `message` (RAW) with a private CryptoKey held for `algorithm`. ECDSA signatures come
 * back DER-encoded, as AWS KMS returns them.
 */
export async function signMessage(
  privateKey: CryptoKey,
  keySpec: AsymmetricKeySpec,
  algorithm: SigningAlgorithm,
  messageType: MessageType,
  message: Bytes,
): Promise<Bytes> {
  const runnable = requireWebCryptoCapable(algorithm, messageType);
  checkPairing(keySpec, runnable);
  const signature = new Uint8Array(
    await crypto.subtle.sign(operationParameters(runnable), privateKey, message),
  );
  return runnable.startsWith('ECDSA_') ? ecdsaP1363ToDer(signature) : signature;
}

/**
 * Verifies an ECDSA signature in P1363 form (r ‖ s) over a RAW message: the step `verifyMessage`
 * takes after decoding DER. WebCrypto returns false for a wrong length or an out-of-range r or s.
 */
export async function verifyEcdsaP1363(
  publicKey: CryptoKey,
  algorithm: 'ECDSA_SHA_256' | 'ECDSA_SHA_384' | 'ECDSA_SHA_512',
  message: Bytes,
  signature: Bytes,
): Promise<boolean> {
  return crypto.subtle.verify(operationParameters(algorithm), publicKey, signature, message);
}

/**
 * Verifies a signature in AWS's encoding (DER for ECDSA) over a RAW message. Any malformed
 * signature — including DER that is not strictly DER — is `false`.
 */
export async function verifyMessage(
  publicKey: CryptoKey,
  keySpec: AsymmetricKeySpec,
  algorithm: SigningAlgorithm,
  messageType: MessageType,
  message: Bytes,
  signature: Bytes,
): Promise<boolean> {
  const runnable = requireWebCryptoCapable(algorithm, messageType);
  checkPairing(keySpec, runnable);
  if (
    runnable === 'ECDSA_SHA_256' ||
    runnable === 'ECDSA_SHA_384' ||
    runnable === 'ECDSA_SHA_512'
  ) {
    let p1363: Bytes;
    try {
      p1363 = ecdsaDerToP1363(signature, CURVE_SCALAR_LENGTH[keySpec as NistKeySpec]);
    } catch (error) {
      if (error instanceof DerError) return false;
      throw error;
    }
    return verifyEcdsaP1363(publicKey, runnable, message, p1363);
  }
  return crypto.subtle.verify(operationParameters(runnable), publicKey, signature, message);
}

/** A public CryptoKey for verifying `algorithm` with the key in `spki`. */
export function importVerifyKey(
  spki: Bytes,
  keySpec: AsymmetricKeySpec,
  algorithm: WebCryptoSigningAlgorithm,
): Promise<CryptoKey> {
  checkPairing(keySpec, algorithm);
  return importSpki(spki, signingKeyParameters(keySpec, algorithm), ['verify']);
}
