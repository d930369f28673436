/**
 * Key material for every KeySpec × KeyUsage, on one path: the secret is made as bytes inside the
 * worker (generateSecret), handed to the caller — which seals it for recovery (DESIGN §10) — and
 * then imported as non-extractable CryptoKeys (importSecret). A restore imports the same bytes
 * the same way, so a restored key is the key that was backed up. The bytes never leave the
 * worker and are zeroed by the caller once sealed and imported.
 *
 * The secret's form, per spec (docs/FORMAT.md, "Vault backups"):
 * - SYMMETRIC_DEFAULT: the 32 bytes of the AES-256 key.
 * - HMAC_*: the raw HMAC key, as long as the hash output (32, 48 or 64 bytes).
 * - RSA_*, ECC_NIST_*, ECC_NIST_EDWARDS25519: the private key as PKCS #8 DER.
 * - ECC_SECG_P256K1: the 32-byte secret scalar.
 *
 * Custody WEBCRYPTO: the private key is a non-extractable CryptoKey. WebCrypto binds an RSA key
 * to one scheme and one hash, while an AWS RSA key serves several algorithms, so an RSA key is
 * imported once per algorithm. A key pair is generated extractable only to export its PKCS #8
 * here; the extractable CryptoKeys are dropped. Custody WRAPPED (secp256k1): the secret is sealed
 * under a fresh non-extractable AES-256-GCM wrapping key (wrapped-key.ts).
 *
 * In every case the public key is kept as DER SubjectPublicKeyInfo (what GetPublicKey returns)
 * and, for verify and encrypt, as public CryptoKeys.
 */
import {
  algorithmLists,
  HASH_LENGTH,
  isHmacKeySpec,
  isRsaKeySpec,
  macHash,
  rsaModulusBits,
  type HmacKeySpec,
  type KeyAgreementAlgorithm,
  type KeySpec,
  type KeyUsage,
  type NistKeySpec,
  type RsaEncryptionAlgorithm,
  type RsaKeySpec,
  type SigningAlgorithm,
} from '../key-specs.ts';
import { generateAesGcmKey, importAesGcmKey } from './aes-gcm.ts';
import type { Bytes } from './bytes.ts';
import { ecdhKeyParameters } from './ecdh.ts';
import { importHmacKey, macAlgorithmOf } from './hmac.ts';
import { CryptoInputError } from './input-error.ts';
import { ecPointToSpki, importSpki } from './public-key.ts';
import { randomBytes } from './random.ts';
import { rsaOaepKeyParameters } from './rsa-oaep.ts';
import {
  generateSecp256k1Key,
  secp256k1PublicPoint,
  SECP256K1_SECRET_LENGTH,
} from './secp256k1.ts';
import { signingKeyParameters, type WebCryptoSigningAlgorithm } from './signing.ts';
import { wrapSecret, wrappedKeyAad, type WrappedKey } from './wrapped-key.ts';

/** The AWS algorithm a CryptoKey is held for. */
export type AlgorithmKeyName = SigningAlgorithm | RsaEncryptionAlgorithm | KeyAgreementAlgorithm;

/** What the keystore keeps for an asymmetric key besides the version's CryptoKey. */
export interface AsymmetricKeyMaterial {
  /** DER SubjectPublicKeyInfo, as GetPublicKey returns it. */
  PublicKey: Uint8Array<ArrayBuffer>;
  /** WEBCRYPTO custody: a non-extractable private CryptoKey per algorithm. Empty when WRAPPED. */
  PrivateKeys: Partial<Record<AlgorithmKeyName, CryptoKey>>;
  /** Public CryptoKeys per algorithm, for verify and encrypt (none for ECDH or secp256k1). */
  PublicKeys: Partial<Record<AlgorithmKeyName, CryptoKey>>;
  /** WRAPPED custody: the sealed secret; the version's CryptoKey is its wrapping key. */
  WrappedPrivateKey?: WrappedKey;
}

export interface KeyMaterial {
  /**
   * The version's CryptoKey: the AES key, the HMAC key, the first private key (WEBCRYPTO
   * custody), or the wrapping key (WRAPPED custody).
   */
  cryptoKey: CryptoKey;
  asymmetric?: AsymmetricKeyMaterial;
}

const RSA_PUBLIC_EXPONENT = Uint8Array.of(1, 0, 1);
const AES_256_KEY_LENGTH = 32;

function requireAllowed(keySpec: KeySpec, keyUsage: KeyUsage): void {
  if (!algorithmLists(keySpec, keyUsage))
    throw new RangeError(`AWS does not allow ${keySpec} with ${keyUsage}`);
}

async function exportSpki(publicKey: CryptoKey): Promise<Bytes> {
  return new Uint8Array(await crypto.subtle.exportKey('spki', publicKey));
}

async function exportPkcs8(pair: CryptoKeyPair): Promise<Bytes> {
  return new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey));
}

/** The algorithm a NIST or Edwards signing key is imported for (its first in AWS's list). */
function signingAlgorithmOf(
  keySpec: NistKeySpec | 'ECC_NIST_EDWARDS25519',
): WebCryptoSigningAlgorithm {
  return keySpec === 'ECC_NIST_EDWARDS25519'
    ? 'ED25519_SHA_512'
    : (algorithmLists(keySpec, 'SIGN_VERIFY')!.SigningAlgorithms![0] as WebCryptoSigningAlgorithm);
}

function hmacKeyLength(keySpec: HmacKeySpec): number {
  return HASH_LENGTH[macHash(macAlgorithmOf(keySpec))];
}

/** New key material as bytes, in the form the module comment gives. The caller zeroes it. */
export async function generateSecret(keySpec: KeySpec, keyUsage: KeyUsage): Promise<Bytes> {
  requireAllowed(keySpec, keyUsage);
  if (keySpec === 'SYMMETRIC_DEFAULT') return randomBytes(AES_256_KEY_LENGTH);
  if (isHmacKeySpec(keySpec)) return randomBytes(hmacKeyLength(keySpec));
  if (keySpec === 'ECC_SECG_P256K1') return generateSecp256k1Key().secretKey;
  if (isRsaKeySpec(keySpec)) {
    const pair = (await crypto.subtle.generateKey(
      {
        name: 'RSA-PSS',
        modulusLength: rsaModulusBits(keySpec),
        publicExponent: RSA_PUBLIC_EXPONENT,
        hash: 'SHA-256',
      },
      true,
      ['sign', 'verify'],
    )) as CryptoKeyPair;
    return exportPkcs8(pair);
  }
  if (keySpec === 'ECC_NIST_EDWARDS25519' || keyUsage === 'SIGN_VERIFY') {
    const spec = keySpec as NistKeySpec | 'ECC_NIST_EDWARDS25519';
    const parameters = signingKeyParameters(spec, signingAlgorithmOf(spec));
    return exportPkcs8(
      (await crypto.subtle.generateKey(parameters, true, ['sign', 'verify'])) as CryptoKeyPair,
    );
  }
  if (keyUsage === 'KEY_AGREEMENT') {
    return exportPkcs8(
      (await crypto.subtle.generateKey(ecdhKeyParameters(keySpec as NistKeySpec), true, [
        'deriveBits',
      ])) as CryptoKeyPair,
    );
  }
  throw new RangeError(`${keySpec} keys are not generated here`);
}

/**
 * The public key (SPKI) of a PKCS #8 private key. WebCrypto cannot derive it from a
 * non-extractable key, so the private key is imported extractable once, here, read as a JWK,
 * and only its public members are imported again.
 */
async function publicSpkiOf(
  pkcs8: Bytes,
  parameters: RsaHashedImportParams | EcKeyImportParams | Algorithm,
  purpose: 'SIGN_VERIFY' | 'KEY_AGREEMENT',
): Promise<Bytes> {
  const agreement = purpose === 'KEY_AGREEMENT';
  const extractable = await crypto.subtle.importKey('pkcs8', pkcs8, parameters, true, [
    agreement ? 'deriveBits' : 'sign',
  ]);
  // The private members of an RSA or EC JWK; what is left is the public key.
  const {
    d: _d,
    p: _p,
    q: _q,
    dp: _dp,
    dq: _dq,
    qi: _qi,
    ...jwk
  } = await crypto.subtle.exportKey('jwk', extractable);
  const publicKey = await crypto.subtle.importKey(
    'jwk',
    { ...jwk, key_ops: agreement ? [] : ['verify'] },
    parameters,
    true,
    agreement ? [] : ['verify'],
  );
  return exportSpki(publicKey);
}

async function rsaMaterial(
  keySpec: RsaKeySpec,
  keyUsage: KeyUsage,
  pkcs8: Bytes,
): Promise<KeyMaterial> {
  const lists = algorithmLists(keySpec, keyUsage)!;
  const algorithms = (
    keyUsage === 'SIGN_VERIFY' ? lists.SigningAlgorithms! : lists.EncryptionAlgorithms!
  ) as (WebCryptoSigningAlgorithm | RsaEncryptionAlgorithm)[];
  const spki = await publicSpkiOf(
    pkcs8,
    { name: 'RSA-PSS', hash: 'SHA-256' } as RsaHashedImportParams,
    'SIGN_VERIFY',
  );
  const material: AsymmetricKeyMaterial = { PublicKey: spki, PrivateKeys: {}, PublicKeys: {} };
  for (const algorithm of algorithms) {
    const oaep = algorithm === 'RSAES_OAEP_SHA_1' || algorithm === 'RSAES_OAEP_SHA_256';
    const parameters = oaep
      ? rsaOaepKeyParameters(algorithm)
      : signingKeyParameters(keySpec, algorithm);
    material.PrivateKeys[algorithm] = await crypto.subtle.importKey(
      'pkcs8',
      pkcs8,
      parameters,
      false,
      [oaep ? 'decrypt' : 'sign'],
    );
    material.PublicKeys[algorithm] = await importSpki(spki, parameters, [
      oaep ? 'encrypt' : 'verify',
    ]);
  }
  return { cryptoKey: material.PrivateKeys[algorithms[0]!]!, asymmetric: material };
}

async function signingPairMaterial(
  keySpec: NistKeySpec | 'ECC_NIST_EDWARDS25519',
  pkcs8: Bytes,
): Promise<KeyMaterial> {
  const algorithm = signingAlgorithmOf(keySpec);
  const parameters = signingKeyParameters(keySpec, algorithm);
  const spki = await publicSpkiOf(pkcs8, parameters, 'SIGN_VERIFY');
  const privateKey = await crypto.subtle.importKey('pkcs8', pkcs8, parameters, false, ['sign']);
  return {
    cryptoKey: privateKey,
    asymmetric: {
      PublicKey: spki,
      PrivateKeys: { [algorithm]: privateKey },
      PublicKeys: { [algorithm]: await importSpki(spki, parameters, ['verify']) },
    },
  };
}

async function agreementMaterial(keySpec: NistKeySpec, pkcs8: Bytes): Promise<KeyMaterial> {
  const parameters = ecdhKeyParameters(keySpec);
  const spki = await publicSpkiOf(pkcs8, parameters, 'KEY_AGREEMENT');
  const privateKey = await crypto.subtle.importKey('pkcs8', pkcs8, parameters, false, [
    'deriveBits',
  ]);
  return {
    cryptoKey: privateKey,
    asymmetric: { PublicKey: spki, PrivateKeys: { ECDH: privateKey }, PublicKeys: {} },
  };
}

async function secp256k1Material(keyId: string, secret: Bytes): Promise<KeyMaterial> {
  const wrappingKey = await generateAesGcmKey();
  const wrapped = await wrapSecret(wrappingKey, secret, wrappedKeyAad(keyId, 'ECC_SECG_P256K1'));
  return {
    cryptoKey: wrappingKey,
    asymmetric: {
      PublicKey: ecPointToSpki('ECC_SECG_P256K1', secp256k1PublicPoint(secret)),
      PrivateKeys: {},
      PublicKeys: {},
      WrappedPrivateKey: wrapped,
    },
  };
}

/**
 * Imports key material given as bytes (generateSecret's, or a backup's) as the CryptoKeys the
 * vault holds. `keyId` binds WRAPPED material to its key. Bytes of the wrong form for the spec
 * are a CryptoInputError('invalid').
 */
export async function importSecret(
  keySpec: KeySpec,
  keyUsage: KeyUsage,
  keyId: string,
  secret: Bytes,
): Promise<KeyMaterial> {
  requireAllowed(keySpec, keyUsage);
  try {
    if (keySpec === 'SYMMETRIC_DEFAULT') {
      if (secret.length !== AES_256_KEY_LENGTH) throw new RangeError('not 32 bytes');
      return { cryptoKey: await importAesGcmKey(secret) };
    }
    if (isHmacKeySpec(keySpec)) {
      return { cryptoKey: await importHmacKey(secret, macAlgorithmOf(keySpec)) };
    }
    if (keySpec === 'ECC_SECG_P256K1') {
      if (secret.length !== SECP256K1_SECRET_LENGTH) throw new RangeError('not 32 bytes');
      return await secp256k1Material(keyId, secret);
    }
    if (isRsaKeySpec(keySpec)) return await rsaMaterial(keySpec, keyUsage, secret);
    if (keySpec === 'ECC_NIST_EDWARDS25519' || keyUsage === 'SIGN_VERIFY') {
      return await signingPairMaterial(keySpec as NistKeySpec | 'ECC_NIST_EDWARDS25519', secret);
    }
    if (keyUsage === 'KEY_AGREEMENT')
      return await agreementMaterial(keySpec as NistKeySpec, secret);
  } catch (error) {
    if (error instanceof CryptoInputError) throw error;
    throw new CryptoInputError(
      'invalid',
      `The key material is not a ${keySpec} key: its bytes do not import as one.`,
    );
  }
  throw new RangeError(`${keySpec} keys are not imported here`);
}

/**
 * New key material: the secret as bytes, and the CryptoKeys made from them. The caller seals
 * the secret (or not) and then zeroes it.
 */
export async function generateKeyMaterial(
  keySpec: KeySpec,
  keyUsage: KeyUsage,
  keyId: string,
): Promise<KeyMaterial & { secret: Bytes }> {
  const secret = await generateSecret(keySpec, keyUsage);
  return { secret, ...(await importSecret(keySpec, keyUsage, keyId, secret)) };
}
