/**
 * AWS KMS's KeySpec × KeyUsage table and the algorithm lists KeyMetadata carries for each pair,
 * exactly as AWS KMS returns them (developer guide, "Key spec reference";
 * docs.aws.amazon.com/kms/latest/developerguide/symm-asymm-choose-key-spec.html), plus what
 * each algorithm means for the code that runs it: its hash, its digest length, and which
 * MessageType it takes.
 *
 * Pure data and lookups: no WebCrypto here, so the table is unit-tested in Node.
 */

export const SYMMETRIC_KEY_SPECS = ['SYMMETRIC_DEFAULT'] as const;
export const RSA_KEY_SPECS = ['RSA_2048', 'RSA_3072', 'RSA_4096'] as const;
export const NIST_KEY_SPECS = ['ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521'] as const;
export const HMAC_KEY_SPECS = ['HMAC_224', 'HMAC_256', 'HMAC_384', 'HMAC_512'] as const;

/** Every KeySpec AWS defines; the ones this build cannot create are refused by `createKey`. */
export const KEY_SPECS = [
  ...SYMMETRIC_KEY_SPECS,
  ...RSA_KEY_SPECS,
  ...NIST_KEY_SPECS,
  'ECC_SECG_P256K1',
  'ECC_NIST_EDWARDS25519',
  ...HMAC_KEY_SPECS,
  'ML_DSA_44',
  'ML_DSA_65',
  'ML_DSA_87',
  'SM2',
] as const;
export type KeySpec = (typeof KEY_SPECS)[number];

export const KEY_USAGES = [
  'ENCRYPT_DECRYPT',
  'SIGN_VERIFY',
  'GENERATE_VERIFY_MAC',
  'KEY_AGREEMENT',
] as const;
export type KeyUsage = (typeof KEY_USAGES)[number];

export type RsaKeySpec = (typeof RSA_KEY_SPECS)[number];
export type NistKeySpec = (typeof NIST_KEY_SPECS)[number];
export type HmacKeySpec = (typeof HMAC_KEY_SPECS)[number];
/** The key pairs whose public key can be exported and parsed. */
export type AsymmetricKeySpec =
  RsaKeySpec | NistKeySpec | 'ECC_SECG_P256K1' | 'ECC_NIST_EDWARDS25519';

export const ENCRYPTION_ALGORITHMS = [
  'SYMMETRIC_DEFAULT',
  'RSAES_OAEP_SHA_1',
  'RSAES_OAEP_SHA_256',
  'SM2PKE',
] as const;
export type EncryptionAlgorithm = (typeof ENCRYPTION_ALGORITHMS)[number];
export type RsaEncryptionAlgorithm = 'RSAES_OAEP_SHA_1' | 'RSAES_OAEP_SHA_256';

export const SIGNING_ALGORITHMS = [
  'RSASSA_PSS_SHA_256',
  'RSASSA_PSS_SHA_384',
  'RSASSA_PSS_SHA_512',
  'RSASSA_PKCS1_V1_5_SHA_256',
  'RSASSA_PKCS1_V1_5_SHA_384',
  'RSASSA_PKCS1_V1_5_SHA_512',
  'ECDSA_SHA_256',
  'ECDSA_SHA_384',
  'ECDSA_SHA_512',
  'ED25519_SHA_512',
  'ED25519_PH_SHA_512',
  'SM2DSA',
  'ML_DSA_SHAKE_256',
] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

export const MAC_ALGORITHMS = [
  'HMAC_SHA_224',
  'HMAC_SHA_256',
  'HMAC_SHA_384',
  'HMAC_SHA_512',
] as const;
export type MacAlgorithm = (typeof MAC_ALGORITHMS)[number];

export const KEY_AGREEMENT_ALGORITHMS = ['ECDH'] as const;
export type KeyAgreementAlgorithm = (typeof KEY_AGREEMENT_ALGORITHMS)[number];

export const MESSAGE_TYPES = ['RAW', 'DIGEST', 'EXTERNAL_MU'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

/** GenerateDataKeyPair's KeyPairSpec values this build generates (AWS also has SM2, China only). */
export const DATA_KEY_PAIR_SPECS = [
  ...RSA_KEY_SPECS,
  ...NIST_KEY_SPECS,
  'ECC_SECG_P256K1',
  'ECC_NIST_EDWARDS25519',
] as const;
export type DataKeyPairSpec = (typeof DATA_KEY_PAIR_SPECS)[number];

/**
 * How a key's private material is held (not in AWS; Pocket KMS says it in KeyMetadata.Custody):
 * - `WEBCRYPTO`: non-extractable WebCrypto CryptoKeys in IndexedDB — script can use them, never
 *   read them.
 * - `WRAPPED`: WebCrypto lacks the algorithm (secp256k1), so the private key is stored only
 *   AES-GCM-sealed under a non-extractable wrapping key, unsealed inside the worker for one call
 *   and wiped after it.
 */
export type KeyCustody = 'WEBCRYPTO' | 'WRAPPED';

/** The algorithm lists of KeyMetadata and GetPublicKey; only the list that applies is present. */
export interface AlgorithmLists {
  EncryptionAlgorithms?: EncryptionAlgorithm[];
  SigningAlgorithms?: SigningAlgorithm[];
  MacAlgorithms?: MacAlgorithm[];
  KeyAgreementAlgorithms?: KeyAgreementAlgorithm[];
}

const RSA_SIGNING: SigningAlgorithm[] = [
  // AWS lists PKCS #1 v1.5 first (DescribeKey of an RSA signing key, developer guide).
  'RSASSA_PKCS1_V1_5_SHA_256',
  'RSASSA_PKCS1_V1_5_SHA_384',
  'RSASSA_PKCS1_V1_5_SHA_512',
  'RSASSA_PSS_SHA_256',
  'RSASSA_PSS_SHA_384',
  'RSASSA_PSS_SHA_512',
];

/**
 * Every KeySpec × KeyUsage pair AWS allows, with its algorithm lists. A pair missing here is one
 * AWS refuses (ValidationException), e.g. ECC_SECG_P256K1 with KEY_AGREEMENT.
 */
const KEY_SPEC_TABLE: Record<KeySpec, Partial<Record<KeyUsage, AlgorithmLists>>> = {
  SYMMETRIC_DEFAULT: { ENCRYPT_DECRYPT: { EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'] } },
  RSA_2048: {
    ENCRYPT_DECRYPT: { EncryptionAlgorithms: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'] },
    SIGN_VERIFY: { SigningAlgorithms: RSA_SIGNING },
  },
  RSA_3072: {
    ENCRYPT_DECRYPT: { EncryptionAlgorithms: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'] },
    SIGN_VERIFY: { SigningAlgorithms: RSA_SIGNING },
  },
  RSA_4096: {
    ENCRYPT_DECRYPT: { EncryptionAlgorithms: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'] },
    SIGN_VERIFY: { SigningAlgorithms: RSA_SIGNING },
  },
  ECC_NIST_P256: {
    SIGN_VERIFY: { SigningAlgorithms: ['ECDSA_SHA_256'] },
    KEY_AGREEMENT: { KeyAgreementAlgorithms: ['ECDH'] },
  },
  ECC_NIST_P384: {
    SIGN_VERIFY: { SigningAlgorithms: ['ECDSA_SHA_384'] },
    KEY_AGREEMENT: { KeyAgreementAlgorithms: ['ECDH'] },
  },
  ECC_NIST_P521: {
    SIGN_VERIFY: { SigningAlgorithms: ['ECDSA_SHA_512'] },
    KEY_AGREEMENT: { KeyAgreementAlgorithms: ['ECDH'] },
  },
  ECC_SECG_P256K1: { SIGN_VERIFY: { SigningAlgorithms: ['ECDSA_SHA_256'] } },
  ECC_NIST_EDWARDS25519: {
    SIGN_VERIFY: { SigningAlgorithms: ['ED25519_SHA_512', 'ED25519_PH_SHA_512'] },
  },
  HMAC_224: { GENERATE_VERIFY_MAC: { MacAlgorithms: ['HMAC_SHA_224'] } },
  HMAC_256: { GENERATE_VERIFY_MAC: { MacAlgorithms: ['HMAC_SHA_256'] } },
  HMAC_384: { GENERATE_VERIFY_MAC: { MacAlgorithms: ['HMAC_SHA_384'] } },
  HMAC_512: { GENERATE_VERIFY_MAC: { MacAlgorithms: ['HMAC_SHA_512'] } },
  ML_DSA_44: { SIGN_VERIFY: { SigningAlgorithms: ['ML_DSA_SHAKE_256'] } },
  ML_DSA_65: { SIGN_VERIFY: { SigningAlgorithms: ['ML_DSA_SHAKE_256'] } },
  ML_DSA_87: { SIGN_VERIFY: { SigningAlgorithms: ['ML_DSA_SHAKE_256'] } },
  SM2: {
    ENCRYPT_DECRYPT: { EncryptionAlgorithms: ['SM2PKE'] },
    SIGN_VERIFY: { SigningAlgorithms: ['SM2DSA'] },
    KEY_AGREEMENT: { KeyAgreementAlgorithms: ['ECDH'] },
  },
};

/**
 * KeySpecs AWS defines that this build cannot create, each with the reason given to the caller
 * (UnsupportedOperationException).
 */
export const UNSUPPORTED_KEY_SPECS: Partial<Record<KeySpec, string>> = {
  HMAC_224:
    'WebCrypto has no SHA-224, so an HMAC_224 key could only be computed by script holding the key bytes, and Pocket KMS never exposes key bytes. Use HMAC_256.',
  ML_DSA_44: 'ML-DSA keys are not supported by this version of Pocket KMS.',
  ML_DSA_65: 'ML-DSA keys are not supported by this version of Pocket KMS.',
  ML_DSA_87: 'ML-DSA keys are not supported by this version of Pocket KMS.',
  SM2: 'SM2 keys exist only in AWS China Regions and are not supported by Pocket KMS.',
};

/** The algorithm lists for a pair AWS allows, or undefined when AWS refuses the pair. */
export function algorithmLists(keySpec: KeySpec, keyUsage: KeyUsage): AlgorithmLists | undefined {
  const lists = KEY_SPEC_TABLE[keySpec][keyUsage];
  if (!lists) return undefined;
  // Copies, so a caller that edits a response cannot edit the table.
  const copy: AlgorithmLists = {};
  if (lists.EncryptionAlgorithms) copy.EncryptionAlgorithms = [...lists.EncryptionAlgorithms];
  if (lists.SigningAlgorithms) copy.SigningAlgorithms = [...lists.SigningAlgorithms];
  if (lists.MacAlgorithms) copy.MacAlgorithms = [...lists.MacAlgorithms];
  if (lists.KeyAgreementAlgorithms) copy.KeyAgreementAlgorithms = [...lists.KeyAgreementAlgorithms];
  return copy;
}

/** The key usages AWS allows with a spec, in KEY_USAGES order. */
export function usagesFor(keySpec: KeySpec): KeyUsage[] {
  return KEY_USAGES.filter((usage) => KEY_SPEC_TABLE[keySpec][usage] !== undefined);
}

export function custodyOf(keySpec: KeySpec): KeyCustody {
  return keySpec === 'ECC_SECG_P256K1' ? 'WRAPPED' : 'WEBCRYPTO';
}

export function isAsymmetricKeySpec(keySpec: string): keySpec is AsymmetricKeySpec {
  return (
    (RSA_KEY_SPECS as readonly string[]).includes(keySpec) ||
    (NIST_KEY_SPECS as readonly string[]).includes(keySpec) ||
    keySpec === 'ECC_SECG_P256K1' ||
    keySpec === 'ECC_NIST_EDWARDS25519'
  );
}

export function isRsaKeySpec(keySpec: string): keySpec is RsaKeySpec {
  return (RSA_KEY_SPECS as readonly string[]).includes(keySpec);
}

export function isHmacKeySpec(keySpec: string): keySpec is HmacKeySpec {
  return (HMAC_KEY_SPECS as readonly string[]).includes(keySpec);
}

/** RSA modulus length in bits. */
export function rsaModulusBits(keySpec: RsaKeySpec): 2048 | 3072 | 4096 {
  return keySpec === 'RSA_2048' ? 2048 : keySpec === 'RSA_3072' ? 3072 : 4096;
}

export type HashName = 'SHA-1' | 'SHA-224' | 'SHA-256' | 'SHA-384' | 'SHA-512';

export const HASH_LENGTH: Record<HashName, number> = {
  'SHA-1': 20,
  'SHA-224': 28,
  'SHA-256': 32,
  'SHA-384': 48,
  'SHA-512': 64,
};

/** What running a signing algorithm takes. */
export interface SigningAlgorithmProfile {
  /** The hash applied to a RAW message (and whose length a DIGEST must have). */
  hash: HashName;
  /** MessageTypes AWS accepts with this algorithm. */
  messageTypes: readonly MessageType[];
}

const SIGNING_PROFILES: Partial<Record<SigningAlgorithm, SigningAlgorithmProfile>> = {
  RSASSA_PSS_SHA_256: { hash: 'SHA-256', messageTypes: ['RAW', 'DIGEST'] },
  RSASSA_PSS_SHA_384: { hash: 'SHA-384', messageTypes: ['RAW', 'DIGEST'] },
  RSASSA_PSS_SHA_512: { hash: 'SHA-512', messageTypes: ['RAW', 'DIGEST'] },
  RSASSA_PKCS1_V1_5_SHA_256: { hash: 'SHA-256', messageTypes: ['RAW', 'DIGEST'] },
  RSASSA_PKCS1_V1_5_SHA_384: { hash: 'SHA-384', messageTypes: ['RAW', 'DIGEST'] },
  RSASSA_PKCS1_V1_5_SHA_512: { hash: 'SHA-512', messageTypes: ['RAW', 'DIGEST'] },
  ECDSA_SHA_256: { hash: 'SHA-256', messageTypes: ['RAW', 'DIGEST'] },
  ECDSA_SHA_384: { hash: 'SHA-384', messageTypes: ['RAW', 'DIGEST'] },
  ECDSA_SHA_512: { hash: 'SHA-512', messageTypes: ['RAW', 'DIGEST'] },
  // AWS: ED25519_SHA_512 (PureEdDSA) requires RAW; ED25519_PH_SHA_512 (HashEdDSA) requires DIGEST.
  ED25519_SHA_512: { hash: 'SHA-512', messageTypes: ['RAW'] },
  ED25519_PH_SHA_512: { hash: 'SHA-512', messageTypes: ['DIGEST'] },
};

/** The profile of a signing algorithm this build runs, or undefined (SM2DSA, ML-DSA). */
export function signingProfile(algorithm: SigningAlgorithm): SigningAlgorithmProfile | undefined {
  return SIGNING_PROFILES[algorithm];
}

export function macHash(algorithm: MacAlgorithm): HashName {
  return algorithm === 'HMAC_SHA_224'
    ? 'SHA-224'
    : algorithm === 'HMAC_SHA_256'
      ? 'SHA-256'
      : algorithm === 'HMAC_SHA_384'
        ? 'SHA-384'
        : 'SHA-512';
}

export function oaepHash(algorithm: RsaEncryptionAlgorithm): 'SHA-1' | 'SHA-256' {
  return algorithm === 'RSAES_OAEP_SHA_1' ? 'SHA-1' : 'SHA-256';
}

/**
 * The longest plaintext RSAES-OAEP takes: k − 2·hLen − 2 bytes (RFC 8017 §7.1.1), where k is the
 * modulus length in bytes. For AWS's key sizes: 214/190 (2048), 342/318 (3072), 470/446 (4096)
 * bytes with SHA-1/SHA-256 — the limits of AWS's "RSA key specs for encryption" table.
 */
export function oaepMaxPlaintextLength(
  keySpec: RsaKeySpec,
  algorithm: RsaEncryptionAlgorithm,
): number {
  return rsaModulusBits(keySpec) / 8 - 2 * HASH_LENGTH[oaepHash(algorithm)] - 2;
}

/** The named curve of an elliptic-curve spec, as WebCrypto and JWK name it. */
export function namedCurve(keySpec: NistKeySpec): 'P-256' | 'P-384' | 'P-521' {
  return keySpec === 'ECC_NIST_P256' ? 'P-256' : keySpec === 'ECC_NIST_P384' ? 'P-384' : 'P-521';
}

/** Bytes of a field element / scalar on each curve (P1363 signatures are two of these). */
export const CURVE_SCALAR_LENGTH: Record<NistKeySpec | 'ECC_SECG_P256K1', number> = {
  ECC_NIST_P256: 32,
  ECC_NIST_P384: 48,
  ECC_NIST_P521: 66,
  ECC_SECG_P256K1: 32,
};
