/**
 * HMAC keys, RSA encryption keys, data key pairs and key agreement through the Kms class in
 * Chromium (issue 4): generateMac/verifyMac, encrypt/decrypt with RSAES-OAEP (including data a
 * third party encrypted with only the exported public key), generateDataKeyPair(+Without
 * Plaintext) with PKCS #8 private keys that other code can use, and deriveSharedSecret agreeing
 * with a peer that holds only our public key — each with its refusals by exact error name.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { describe, expect, it } from 'vitest';
import type { DataKeyPairSpec, KeyUsage } from '../../workers/api.ts';
import { OID, parseEcPrivateKeyPkcs8 } from '../../workers/crypto/der.ts';
import { describeSpki, subjectPublicKey } from '../../workers/crypto/public-key.ts';
import type { Kms } from '../../workers/kms/kms.ts';
import { expectKmsError, openVaultForTest, toHex, utf8 } from './support/vault.ts';

async function kms(): Promise<Kms> {
  return (await openVaultForTest()).kms;
}

async function createKey(k: Kms, KeySpec: string, KeyUsage: KeyUsage): Promise<string> {
  return (await k.createKey({ KeySpec, KeyUsage })).KeyMetadata.KeyId;
}

describe('HMAC keys', () => {
  it('generateMac gives a full-length tag that verifyMac accepts, for HMAC_256, HMAC_384 and HMAC_512', async () => {
    const k = await kms();
    for (const [spec, algorithm, length] of [
      ['HMAC_256', 'HMAC_SHA_256', 32],
      ['HMAC_384', 'HMAC_SHA_384', 48],
      ['HMAC_512', 'HMAC_SHA_512', 64],
    ] as const) {
      const keyId = await createKey(k, spec, 'GENERATE_VERIFY_MAC');
      const { Mac, MacAlgorithm } = await k.generateMac({
        KeyId: keyId,
        Message: utf8('authentic'),
        MacAlgorithm: algorithm,
      });
      expect([Mac.length, MacAlgorithm], spec).toEqual([length, algorithm]);
      expect(
        toHex(
          (
            await k.generateMac({
              KeyId: keyId,
              Message: utf8('authentic'),
              MacAlgorithm: algorithm,
            })
          ).Mac,
        ),
        `${spec}: deterministic`,
      ).toBe(toHex(Mac));
      const verified = await k.verifyMac({
        KeyId: keyId,
        Message: utf8('authentic'),
        Mac,
        MacAlgorithm: algorithm,
      });
      expect([verified.MacValid, verified.MacAlgorithm], spec).toEqual([true, algorithm]);
    }
  });

  it('a changed message, a changed or truncated MAC → KMSInvalidMacException; the wrong algorithm or key → InvalidKeyUsageException', async () => {
    const k = await kms();
    const keyId = await createKey(k, 'HMAC_256', 'GENERATE_VERIFY_MAC');
    const { Mac } = await k.generateMac({
      KeyId: keyId,
      Message: utf8('authentic'),
      MacAlgorithm: 'HMAC_SHA_256',
    });
    await expectKmsError(
      k.verifyMac({ KeyId: keyId, Message: utf8('authentiC'), Mac, MacAlgorithm: 'HMAC_SHA_256' }),
      'KMSInvalidMacException',
    );
    const flipped = new Uint8Array(Mac);
    flipped[0]! ^= 0x80;
    await expectKmsError(
      k.verifyMac({
        KeyId: keyId,
        Message: utf8('authentic'),
        Mac: flipped,
        MacAlgorithm: 'HMAC_SHA_256',
      }),
      'KMSInvalidMacException',
    );
    await expectKmsError(
      k.verifyMac({
        KeyId: keyId,
        Message: utf8('authentic'),
        Mac: Mac.subarray(0, 16),
        MacAlgorithm: 'HMAC_SHA_256',
      }),
      'KMSInvalidMacException',
    );
    await expectKmsError(
      k.generateMac({ KeyId: keyId, Message: utf8('m'), MacAlgorithm: 'HMAC_SHA_512' }),
      'InvalidKeyUsageException',
    );
    const signingKey = await createKey(k, 'ECC_NIST_P256', 'SIGN_VERIFY');
    await expectKmsError(
      k.generateMac({ KeyId: signingKey, Message: utf8('m'), MacAlgorithm: 'HMAC_SHA_256' }),
      'InvalidKeyUsageException',
    );
    await expectKmsError(
      k.encrypt({ KeyId: keyId, Plaintext: utf8('m') }),
      'InvalidKeyUsageException',
    );
    await expectKmsError(
      k.generateMac({ KeyId: keyId, Message: new Uint8Array(4097), MacAlgorithm: 'HMAC_SHA_256' }),
      'ValidationException',
    );
    await k.disableKey({ KeyId: keyId });
    await expectKmsError(
      k.generateMac({ KeyId: keyId, Message: utf8('m'), MacAlgorithm: 'HMAC_SHA_256' }),
      'DisabledException',
    );
  });
});

describe('RSA encryption keys', () => {
  it('encrypt and decrypt with RSAES_OAEP_SHA_1 and _SHA_256 up to AWS plaintext limits (214 and 190 bytes for RSA_2048)', async () => {
    const k = await kms();
    const keyId = await createKey(k, 'RSA_2048', 'ENCRYPT_DECRYPT');
    for (const [algorithm, limit] of [
      ['RSAES_OAEP_SHA_1', 214],
      ['RSAES_OAEP_SHA_256', 190],
    ] as const) {
      const plaintext = crypto.getRandomValues(new Uint8Array(limit));
      const encrypted = await k.encrypt({
        KeyId: keyId,
        Plaintext: plaintext,
        EncryptionAlgorithm: algorithm,
      });
      expect([encrypted.CiphertextBlob.length, encrypted.EncryptionAlgorithm], algorithm).toEqual([
        256,
        algorithm,
      ]);
      const decrypted = await k.decrypt({
        KeyId: keyId,
        CiphertextBlob: encrypted.CiphertextBlob,
        EncryptionAlgorithm: algorithm,
      });
      expect(toHex(decrypted.Plaintext), algorithm).toBe(toHex(plaintext));
      await expectKmsError(
        k.encrypt({
          KeyId: keyId,
          Plaintext: new Uint8Array(limit + 1),
          EncryptionAlgorithm: algorithm,
        }),
        'ValidationException',
      );
    }
  });

  it('decrypts what a third party encrypted with only the exported public key (WebCrypto, as OpenSSL pkeyutl would)', async () => {
    const k = await kms();
    const keyId = await createKey(k, 'RSA_2048', 'ENCRYPT_DECRYPT');
    const { PublicKey, EncryptionAlgorithms } = await k.getPublicKey({ KeyId: keyId });
    expect(EncryptionAlgorithms).toEqual(['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256']);
    for (const [algorithm, hash] of [
      ['RSAES_OAEP_SHA_1', 'SHA-1'],
      ['RSAES_OAEP_SHA_256', 'SHA-256'],
    ] as const) {
      const outside = await crypto.subtle.importKey(
        'spki',
        new Uint8Array(PublicKey),
        { name: 'RSA-OAEP', hash },
        false,
        ['encrypt'],
      );
      const ciphertext = new Uint8Array(
        await crypto.subtle.encrypt({ name: 'RSA-OAEP' }, outside, utf8(`secret for ${algorithm}`)),
      );
      const { Plaintext } = await k.decrypt({
        KeyId: keyId,
        CiphertextBlob: ciphertext,
        EncryptionAlgorithm: algorithm,
      });
      expect(new TextDecoder().decode(Plaintext)).toBe(`secret for ${algorithm}`);
    }
  });

  it('refuses: no algorithm or the other hash (InvalidKeyUsageException), no KeyId or an encryption context (ValidationException), a changed ciphertext (InvalidCiphertextException)', async () => {
    const k = await kms();
    const keyId = await createKey(k, 'RSA_2048', 'ENCRYPT_DECRYPT');
    await expectKmsError(
      k.encrypt({ KeyId: keyId, Plaintext: utf8('m') }),
      'InvalidKeyUsageException',
    );
    const { CiphertextBlob } = await k.encrypt({
      KeyId: keyId,
      Plaintext: utf8('m'),
      EncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
    });
    await expectKmsError(
      k.decrypt({ CiphertextBlob, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }),
      'ValidationException',
    );
    await expectKmsError(
      k.decrypt({ KeyId: keyId, CiphertextBlob, EncryptionAlgorithm: 'RSAES_OAEP_SHA_1' }),
      'InvalidCiphertextException',
    );
    await expectKmsError(
      k.encrypt({
        KeyId: keyId,
        Plaintext: utf8('m'),
        EncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
        EncryptionContext: { purpose: 'test' },
      }),
      'ValidationException',
    );
    const changed = new Uint8Array(CiphertextBlob);
    changed[100]! ^= 0x01;
    await expectKmsError(
      k.decrypt({
        KeyId: keyId,
        CiphertextBlob: changed,
        EncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
      }),
      'InvalidCiphertextException',
    );
    await expectKmsError(
      k.decrypt({
        KeyId: keyId,
        CiphertextBlob: CiphertextBlob.subarray(1),
        EncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
      }),
      'InvalidCiphertextException',
    );
    const symmetric = (await k.createKey()).KeyMetadata.KeyId;
    await expectKmsError(
      k.decrypt({ KeyId: symmetric, CiphertextBlob, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }),
      'InvalidKeyUsageException',
    );
    await expectKmsError(
      k.generateDataKey({ KeyId: keyId, KeySpec: 'AES_256' }),
      'InvalidKeyUsageException',
    );
    const signingKey = await createKey(k, 'RSA_2048', 'SIGN_VERIFY');
    await expectKmsError(
      k.encrypt({
        KeyId: signingKey,
        Plaintext: utf8('m'),
        EncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
      }),
      'InvalidKeyUsageException',
    );
  });
});

describe('generateDataKeyPair', () => {
  async function usablePrivateKey(
    spec: DataKeyPairSpec,
    pkcs8: Uint8Array,
    publicKey: Uint8Array,
  ): Promise<boolean> {
    const message = utf8('data key pair');
    if (spec === 'ECC_SECG_P256K1') {
      const { curveOid, privateScalar, publicPoint } = parseEcPrivateKeyPkcs8(
        new Uint8Array(pkcs8),
      );
      expect(curveOid).toBe(OID.secp256k1);
      expect(toHex(publicPoint!)).toBe(toHex(subjectPublicKey(new Uint8Array(publicKey))));
      const signature = secp256k1.sign(message, privateScalar);
      return secp256k1.verify(signature, message, publicPoint!);
    }
    const algorithm =
      spec === 'ECC_NIST_EDWARDS25519'
        ? { name: 'Ed25519' }
        : spec.startsWith('RSA_')
          ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }
          : {
              name: 'ECDSA',
              namedCurve: {
                ECC_NIST_P256: 'P-256',
                ECC_NIST_P384: 'P-384',
                ECC_NIST_P521: 'P-521',
              }[spec as string]!,
              hash: 'SHA-256',
            };
    const privateKey = await crypto.subtle.importKey(
      'pkcs8',
      new Uint8Array(pkcs8),
      algorithm,
      false,
      ['sign'],
    );
    const publicCryptoKey = await crypto.subtle.importKey(
      'spki',
      new Uint8Array(publicKey),
      algorithm,
      false,
      ['verify'],
    );
    const signature = await crypto.subtle.sign(algorithm, privateKey, message);
    return crypto.subtle.verify(algorithm, publicCryptoKey, signature, message);
  }

  it('returns a PKCS #8 private key that matches the public key, and the same key sealed so that decrypt opens it, for every KeyPairSpec', async () => {
    const k = await kms();
    const wrappingKey = (await k.createKey()).KeyMetadata.KeyId;
    const specs: DataKeyPairSpec[] = [
      'RSA_2048',
      'ECC_NIST_P256',
      'ECC_NIST_P384',
      'ECC_NIST_P521',
      'ECC_SECG_P256K1',
      'ECC_NIST_EDWARDS25519',
    ];
    for (const spec of specs) {
      const pair = await k.generateDataKeyPair({
        KeyId: wrappingKey,
        KeyPairSpec: spec,
        EncryptionContext: { owner: 'test' },
      });
      expect(pair.KeyPairSpec, spec).toBe(spec);
      expect(describeSpki(pair.PublicKey).KeySpec, spec).toBe(spec);
      expect(
        await usablePrivateKey(spec, pair.PrivateKeyPlaintext, pair.PublicKey),
        `${spec}: private key signs, public key verifies`,
      ).toBe(true);
      const opened = await k.decrypt({
        CiphertextBlob: pair.PrivateKeyCiphertextBlob,
        EncryptionContext: { owner: 'test' },
      });
      expect(toHex(opened.Plaintext), `${spec}: sealed copy`).toBe(toHex(pair.PrivateKeyPlaintext));
      await expectKmsError(
        k.decrypt({ CiphertextBlob: pair.PrivateKeyCiphertextBlob }),
        'InvalidCiphertextException',
      );
    }
  });

  it('WithoutPlaintext returns no private key, only the sealed one; a non-symmetric KeyId → InvalidKeyUsageException; SM2 → UnsupportedOperationException', async () => {
    const k = await kms();
    const wrappingKey = (await k.createKey()).KeyMetadata.KeyId;
    const pair = await k.generateDataKeyPairWithoutPlaintext({
      KeyId: wrappingKey,
      KeyPairSpec: 'ECC_NIST_P256',
    });
    expect(Object.keys(pair).sort()).toEqual([
      'KeyId',
      'KeyMaterialId',
      'KeyPairSpec',
      'PrivateKeyCiphertextBlob',
      'PublicKey',
    ]);
    const { Plaintext } = await k.decrypt({ CiphertextBlob: pair.PrivateKeyCiphertextBlob });
    expect(
      await crypto.subtle.importKey(
        'pkcs8',
        new Uint8Array(Plaintext),
        { name: 'ECDSA', namedCurve: 'P-256' },
        false,
        ['sign'],
      ),
    ).toBeInstanceOf(CryptoKey);
    const rsaKey = await createKey(k, 'RSA_2048', 'ENCRYPT_DECRYPT');
    await expectKmsError(
      k.generateDataKeyPair({ KeyId: rsaKey, KeyPairSpec: 'ECC_NIST_P256' }),
      'InvalidKeyUsageException',
    );
    await expectKmsError(
      k.generateDataKeyPair({ KeyId: wrappingKey, KeyPairSpec: 'SM2' }),
      'UnsupportedOperationException',
    );
    await expectKmsError(
      k.generateDataKeyPair({ KeyId: wrappingKey, KeyPairSpec: 'RSA_1024' }),
      'ValidationException',
    );
    await expectKmsError(
      k.generateDataKeyPair({ KeyId: wrappingKey } as never),
      'ValidationException',
    );
  });
});

describe('deriveSharedSecret', () => {
  it('agrees with a peer that has only our public key, on P-256, P-384 and P-521', async () => {
    const k = await kms();
    for (const [spec, curve, length] of [
      ['ECC_NIST_P256', 'P-256', 32],
      ['ECC_NIST_P384', 'P-384', 48],
      ['ECC_NIST_P521', 'P-521', 66],
    ] as const) {
      const keyId = await createKey(k, spec, 'KEY_AGREEMENT');
      const { PublicKey, KeyAgreementAlgorithms } = await k.getPublicKey({ KeyId: keyId });
      expect(KeyAgreementAlgorithms).toEqual(['ECDH']);
      const peer = (await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: curve }, false, [
        'deriveBits',
      ])) as CryptoKeyPair;
      const peerSpki = new Uint8Array(await crypto.subtle.exportKey('spki', peer.publicKey));
      const derived = await k.deriveSharedSecret({
        KeyId: keyId,
        KeyAgreementAlgorithm: 'ECDH',
        PublicKey: peerSpki,
      });
      expect(
        [derived.SharedSecret.length, derived.KeyAgreementAlgorithm, derived.KeyOrigin],
        spec,
      ).toEqual([length, 'ECDH', 'POCKET_KMS']);
      const ours = await crypto.subtle.importKey(
        'spki',
        new Uint8Array(PublicKey),
        { name: 'ECDH', namedCurve: curve },
        false,
        [],
      );
      const peerSide = new Uint8Array(
        await crypto.subtle.deriveBits({ name: 'ECDH', public: ours }, peer.privateKey, length * 8),
      );
      expect(toHex(derived.SharedSecret), spec).toBe(toHex(peerSide));
    }
  });

  it('refuses a peer on another curve or a malformed key (ValidationException), a signing key (InvalidKeyUsageException), and a disabled key (DisabledException)', async () => {
    const k = await kms();
    const keyId = await createKey(k, 'ECC_NIST_P256', 'KEY_AGREEMENT');
    const p384 = (await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-384' }, true, [
      'deriveBits',
    ])) as CryptoKeyPair;
    const p384Spki = new Uint8Array(await crypto.subtle.exportKey('spki', p384.publicKey));
    await expectKmsError(
      k.deriveSharedSecret({ KeyId: keyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: p384Spki }),
      'ValidationException',
    );
    const { PublicKey } = await k.getPublicKey({ KeyId: keyId });
    const offCurve = new Uint8Array(PublicKey);
    offCurve[offCurve.length - 1]! ^= 0x01;
    await expectKmsError(
      k.deriveSharedSecret({ KeyId: keyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: offCurve }),
      'ValidationException',
    );
    await expectKmsError(
      k.deriveSharedSecret({
        KeyId: keyId,
        KeyAgreementAlgorithm: 'ECDH',
        PublicKey: utf8('not a key'),
      }),
      'ValidationException',
    );
    await expectKmsError(
      k.deriveSharedSecret({ KeyId: keyId, PublicKey } as never),
      'ValidationException',
    );
    const signingKey = await createKey(k, 'ECC_NIST_P256', 'SIGN_VERIFY');
    await expectKmsError(
      k.deriveSharedSecret({ KeyId: signingKey, KeyAgreementAlgorithm: 'ECDH', PublicKey }),
      'InvalidKeyUsageException',
    );
    await expectKmsError(
      k.sign({ KeyId: keyId, Message: utf8('m'), SigningAlgorithm: 'ECDSA_SHA_256' }),
      'InvalidKeyUsageException',
    );
    await k.disableKey({ KeyId: keyId });
    await expectKmsError(
      k.deriveSharedSecret({ KeyId: keyId, KeyAgreementAlgorithm: 'ECDH', PublicKey }),
      'DisabledException',
    );
  });
});
