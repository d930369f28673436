/**
 * The KeySpec × KeyUsage table and algorithm lists (workers/key-specs.ts) against AWS
 * KMS's documentation ("Key spec reference", DescribeKey examples): which pairs exist, the lists
 * KeyMetadata carries and their order, the MessageTypes each signing algorithm takes, and the
 * RSAES-OAEP plaintext limits.
 */
import { describe, expect, it } from 'vitest';
import {
  KEY_SPECS,
  KEY_USAGES,
  SIGNING_ALGORITHMS,
  UNSUPPORTED_KEY_SPECS,
  algorithmLists,
  custodyOf,
  oaepMaxPlaintextLength,
  signingProfile,
  usagesFor,
  type KeySpec,
} from '../../workers/key-specs.ts';

describe('KeySpec × KeyUsage, as AWS allows', () => {
  const expectedUsages: Record<KeySpec, string[]> = {
    SYMMETRIC_DEFAULT: ['ENCRYPT_DECRYPT'],
    RSA_2048: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'],
    RSA_3072: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'],
    RSA_4096: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'],
    ECC_NIST_P256: ['SIGN_VERIFY', 'KEY_AGREEMENT'],
    ECC_NIST_P384: ['SIGN_VERIFY', 'KEY_AGREEMENT'],
    ECC_NIST_P521: ['SIGN_VERIFY', 'KEY_AGREEMENT'],
    ECC_SECG_P256K1: ['SIGN_VERIFY'],
    ECC_NIST_EDWARDS25519: ['SIGN_VERIFY'],
    HMAC_224: ['GENERATE_VERIFY_MAC'],
    HMAC_256: ['GENERATE_VERIFY_MAC'],
    HMAC_384: ['GENERATE_VERIFY_MAC'],
    HMAC_512: ['GENERATE_VERIFY_MAC'],
    ML_DSA_44: ['SIGN_VERIFY'],
    ML_DSA_65: ['SIGN_VERIFY'],
    ML_DSA_87: ['SIGN_VERIFY'],
    SM2: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY', 'KEY_AGREEMENT'],
  };

  for (const keySpec of KEY_SPECS) {
    it(`${keySpec} allows exactly ${expectedUsages[keySpec].join(', ')}`, () => {
      expect(usagesFor(keySpec)).toEqual(expectedUsages[keySpec]);
      for (const usage of KEY_USAGES) {
        expect(algorithmLists(keySpec, usage) !== undefined, `${keySpec} × ${usage}`).toBe(
          expectedUsages[keySpec].includes(usage),
        );
      }
    });
  }
});

describe('algorithm lists in KeyMetadata', () => {
  it('RSA signing keys list PKCS #1 v1.5 first, then PSS, as DescribeKey returns them', () => {
    expect(algorithmLists('RSA_2048', 'SIGN_VERIFY')).toEqual({
      SigningAlgorithms: [
        'RSASSA_PKCS1_V1_5_SHA_256',
        'RSASSA_PKCS1_V1_5_SHA_384',
        'RSASSA_PKCS1_V1_5_SHA_512',
        'RSASSA_PSS_SHA_256',
        'RSASSA_PSS_SHA_384',
        'RSASSA_PSS_SHA_512',
      ],
    });
  });

  it('RSA encryption keys list OAEP with SHA-1 and SHA-256 only', () => {
    expect(algorithmLists('RSA_4096', 'ENCRYPT_DECRYPT')).toEqual({
      EncryptionAlgorithms: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'],
    });
  });

  it('each NIST curve signs with its own hash and agrees keys with ECDH', () => {
    expect(algorithmLists('ECC_NIST_P256', 'SIGN_VERIFY')).toEqual({
      SigningAlgorithms: ['ECDSA_SHA_256'],
    });
    expect(algorithmLists('ECC_NIST_P384', 'SIGN_VERIFY')).toEqual({
      SigningAlgorithms: ['ECDSA_SHA_384'],
    });
    expect(algorithmLists('ECC_NIST_P521', 'SIGN_VERIFY')).toEqual({
      SigningAlgorithms: ['ECDSA_SHA_512'],
    });
    expect(algorithmLists('ECC_NIST_P384', 'KEY_AGREEMENT')).toEqual({
      KeyAgreementAlgorithms: ['ECDH'],
    });
  });

  it('secp256k1, Ed25519, HMAC and symmetric keys carry their single lists', () => {
    expect(algorithmLists('ECC_SECG_P256K1', 'SIGN_VERIFY')).toEqual({
      SigningAlgorithms: ['ECDSA_SHA_256'],
    });
    expect(algorithmLists('ECC_NIST_EDWARDS25519', 'SIGN_VERIFY')).toEqual({
      SigningAlgorithms: ['ED25519_SHA_512', 'ED25519_PH_SHA_512'],
    });
    expect(algorithmLists('HMAC_384', 'GENERATE_VERIFY_MAC')).toEqual({
      MacAlgorithms: ['HMAC_SHA_384'],
    });
    expect(algorithmLists('SYMMETRIC_DEFAULT', 'ENCRYPT_DECRYPT')).toEqual({
      EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
    });
  });

  it('hands out copies: editing a returned list does not edit the table', () => {
    algorithmLists('ECC_NIST_P256', 'SIGN_VERIFY')!.SigningAlgorithms!.push('ECDSA_SHA_512');
    expect(algorithmLists('ECC_NIST_P256', 'SIGN_VERIFY')).toEqual({
      SigningAlgorithms: ['ECDSA_SHA_256'],
    });
  });
});

describe('what each algorithm takes', () => {
  it('Ed25519 pure takes RAW only, Ed25519ph DIGEST only; every other supported algorithm takes both', () => {
    expect(signingProfile('ED25519_SHA_512')).toEqual({ hash: 'SHA-512', messageTypes: ['RAW'] });
    expect(signingProfile('ED25519_PH_SHA_512')).toEqual({
      hash: 'SHA-512',
      messageTypes: ['DIGEST'],
    });
    for (const algorithm of SIGNING_ALGORITHMS.filter((name) => /^(RSASSA|ECDSA)_/.test(name))) {
      expect(signingProfile(algorithm)?.messageTypes, algorithm).toEqual(['RAW', 'DIGEST']);
      expect(signingProfile(algorithm)?.hash, algorithm).toBe(`SHA-${algorithm.slice(-3)}`);
    }
    expect(signingProfile('SM2DSA')).toBeUndefined();
  });

  it("OAEP plaintext limits are AWS's: k − 2·hLen − 2", () => {
    expect([
      oaepMaxPlaintextLength('RSA_2048', 'RSAES_OAEP_SHA_1'),
      oaepMaxPlaintextLength('RSA_2048', 'RSAES_OAEP_SHA_256'),
      oaepMaxPlaintextLength('RSA_3072', 'RSAES_OAEP_SHA_1'),
      oaepMaxPlaintextLength('RSA_3072', 'RSAES_OAEP_SHA_256'),
      oaepMaxPlaintextLength('RSA_4096', 'RSAES_OAEP_SHA_1'),
      oaepMaxPlaintextLength('RSA_4096', 'RSAES_OAEP_SHA_256'),
    ]).toEqual([214, 190, 342, 318, 470, 446]);
  });

  it('only secp256k1 is held WRAPPED; HMAC_224 and the key specs of later versions are refused with a reason', () => {
    expect(KEY_SPECS.filter((keySpec) => custodyOf(keySpec) === 'WRAPPED')).toEqual([
      'ECC_SECG_P256K1',
    ]);
    expect(Object.keys(UNSUPPORTED_KEY_SPECS).sort()).toEqual([
      'HMAC_224',
      'ML_DSA_44',
      'ML_DSA_65',
      'ML_DSA_87',
      'SM2',
    ]);
    expect(UNSUPPORTED_KEY_SPECS.HMAC_224).toMatch(/WebCrypto has no SHA-224/);
  });
});
