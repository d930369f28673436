/**
 * Signing keys through the Kms class in Chromium (issue 4): createKey with AWS's KeySpec ×
 * KeyUsage rules and algorithm lists, custody of the private keys in IndexedDB, getPublicKey,
 * sign and verify with every algorithm — each signature also verified by an implementation the
 * vault does not use (noble for ECDSA and Ed25519, bare WebCrypto for RSA) with nothing but the
 * exported public key — and the refusals: key usage, key state, tampering, DIGEST.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import type { KeyUsage, SigningAlgorithm } from '../../workers/api.ts';
import { verifyWithPublicKey } from '../../workers/crypto/public-key-verification.ts';
import {
  describeSpki,
  parsePublicKey,
  spkiToJwk,
  spkiToPem,
  subjectPublicKey,
} from '../../workers/crypto/public-key.ts';
import type { KeyVersionRecord } from '../../workers/keystore/vault-store.ts';
import { Kms } from '../../workers/kms/kms.ts';
import {
  auditRecords,
  expectKmsError,
  openVaultForTest,
  readStore,
  utf8,
} from './support/vault.ts';

async function kms(): Promise<Kms> {
  return (await openVaultForTest()).kms;
}

async function createKey(
  k: Kms,
  KeySpec: string,
  KeyUsage: KeyUsage = 'SIGN_VERIFY',
): Promise<string> {
  return (await k.createKey({ KeySpec, KeyUsage })).KeyMetadata.KeyId;
}

/** Verifies with code the vault does not use for that algorithm, given only the SPKI. */
async function verifyIndependently(
  spki: Uint8Array,
  algorithm: SigningAlgorithm,
  message: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  const point = subjectPublicKey(new Uint8Array(spki));
  const { KeySpec } = describeSpki(spki);
  if (algorithm === 'ED25519_SHA_512') return ed25519.verify(signature, message, point);
  if (algorithm.startsWith('ECDSA_')) {
    const curve = {
      ECC_NIST_P256: p256,
      ECC_NIST_P384: p384,
      ECC_NIST_P521: p521,
      ECC_SECG_P256K1: secp256k1,
    }[KeySpec as string]!;
    // noble hashes with the curve's own hash (SHA-256/384/512), as AWS pairs them.
    return curve.verify(signature, message, point, { format: 'der', lowS: false });
  }
  const hash = `SHA-${algorithm.slice(-3)}`;
  const pss = algorithm.startsWith('RSASSA_PSS_');
  const name = pss ? 'RSA-PSS' : 'RSASSA-PKCS1-v1_5';
  const key = await crypto.subtle.importKey('spki', new Uint8Array(spki), { name, hash }, false, [
    'verify',
  ]);
  return crypto.subtle.verify(
    { name, saltLength: Number(algorithm.slice(-3)) / 8 },
    key,
    new Uint8Array(signature),
    new Uint8Array(message),
  );
}

describe('createKey: asymmetric and HMAC specs with AWS rules', () => {
  it("creates every KeySpec × KeyUsage AWS allows, with AWS's algorithm lists and the key's custody", async () => {
    const k = await kms();
    const cases: [string, KeyUsage, Record<string, string[]>, string][] = [
      [
        'RSA_2048',
        'SIGN_VERIFY',
        {
          SigningAlgorithms: [
            'RSASSA_PKCS1_V1_5_SHA_256',
            'RSASSA_PKCS1_V1_5_SHA_384',
            'RSASSA_PKCS1_V1_5_SHA_512',
            'RSASSA_PSS_SHA_256',
            'RSASSA_PSS_SHA_384',
            'RSASSA_PSS_SHA_512',
          ],
        },
        'WEBCRYPTO',
      ],
      [
        'RSA_2048',
        'ENCRYPT_DECRYPT',
        { EncryptionAlgorithms: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'] },
        'WEBCRYPTO',
      ],
      ['ECC_NIST_P256', 'SIGN_VERIFY', { SigningAlgorithms: ['ECDSA_SHA_256'] }, 'WEBCRYPTO'],
      ['ECC_NIST_P384', 'SIGN_VERIFY', { SigningAlgorithms: ['ECDSA_SHA_384'] }, 'WEBCRYPTO'],
      ['ECC_NIST_P521', 'SIGN_VERIFY', { SigningAlgorithms: ['ECDSA_SHA_512'] }, 'WEBCRYPTO'],
      ['ECC_NIST_P256', 'KEY_AGREEMENT', { KeyAgreementAlgorithms: ['ECDH'] }, 'WEBCRYPTO'],
      ['ECC_SECG_P256K1', 'SIGN_VERIFY', { SigningAlgorithms: ['ECDSA_SHA_256'] }, 'WRAPPED'],
      [
        'ECC_NIST_EDWARDS25519',
        'SIGN_VERIFY',
        { SigningAlgorithms: ['ED25519_SHA_512', 'ED25519_PH_SHA_512'] },
        'WEBCRYPTO',
      ],
      ['HMAC_256', 'GENERATE_VERIFY_MAC', { MacAlgorithms: ['HMAC_SHA_256'] }, 'WEBCRYPTO'],
      ['HMAC_512', 'GENERATE_VERIFY_MAC', { MacAlgorithms: ['HMAC_SHA_512'] }, 'WEBCRYPTO'],
    ];
    for (const [KeySpec, KeyUsage, lists, custody] of cases) {
      const { KeyMetadata } = await k.createKey({ KeySpec, KeyUsage });
      const label = `${KeySpec} ${KeyUsage}`;
      expect(
        [KeyMetadata.KeySpec, KeyMetadata.KeyUsage, KeyMetadata.KeyState, KeyMetadata.Custody],
        label,
      ).toEqual([KeySpec, KeyUsage, 'Enabled', custody]);
      const present = Object.fromEntries(
        (
          [
            'EncryptionAlgorithms',
            'SigningAlgorithms',
            'MacAlgorithms',
            'KeyAgreementAlgorithms',
          ] as const
        )
          .filter((field) => KeyMetadata[field] !== undefined)
          .map((field) => [field, KeyMetadata[field]]),
      );
      expect(present, label).toEqual(lists);
      expect((await k.describeKey({ KeyId: KeyMetadata.KeyId })).KeyMetadata, label).toEqual(
        KeyMetadata,
      );
    }
    const symmetric = (await k.createKey()).KeyMetadata;
    expect([symmetric.EncryptionAlgorithms, symmetric.Custody]).toEqual([
      ['SYMMETRIC_DEFAULT'],
      'WEBCRYPTO',
    ]);
  });

  it('refuses pairs AWS does not allow (ValidationException) and specs it cannot hold (UnsupportedOperationException, with the reason), creating nothing', async () => {
    const k = await kms();
    await expectKmsError(k.createKey({ KeySpec: 'ECC_NIST_P256' }), 'ValidationException');
    await expectKmsError(
      k.createKey({ KeySpec: 'ECC_SECG_P256K1', KeyUsage: 'KEY_AGREEMENT' }),
      'ValidationException',
    );
    await expectKmsError(
      k.createKey({ KeySpec: 'ECC_NIST_EDWARDS25519', KeyUsage: 'ENCRYPT_DECRYPT' }),
      'ValidationException',
    );
    await expectKmsError(
      k.createKey({ KeySpec: 'RSA_2048', KeyUsage: 'GENERATE_VERIFY_MAC' }),
      'ValidationException',
    );
    await expectKmsError(
      k.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'SIGN_VERIFY' }),
      'ValidationException',
    );
    await expectKmsError(
      k.createKey({ KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'SIGN_VERIFY' }),
      'ValidationException',
    );
    const hmac224 = await expectKmsError(
      k.createKey({ KeySpec: 'HMAC_224', KeyUsage: 'GENERATE_VERIFY_MAC' }),
      'UnsupportedOperationException',
    );
    expect(hmac224.message).toMatch(/WebCrypto has no SHA-224/);
    await expectKmsError(
      k.createKey({ KeySpec: 'ML_DSA_65', KeyUsage: 'SIGN_VERIFY' }),
      'UnsupportedOperationException',
    );
    expect((await k.listKeys()).Keys).toEqual([]);
  });

  it('asymmetric and HMAC keys are not rotated: every rotation call → UnsupportedOperationException', async () => {
    const k = await kms();
    for (const keyId of [
      await createKey(k, 'ECC_NIST_P256'),
      await createKey(k, 'HMAC_256', 'GENERATE_VERIFY_MAC'),
    ]) {
      await expectKmsError(k.enableKeyRotation({ KeyId: keyId }), 'UnsupportedOperationException');
      await expectKmsError(k.disableKeyRotation({ KeyId: keyId }), 'UnsupportedOperationException');
      await expectKmsError(k.rotateKeyOnDemand({ KeyId: keyId }), 'UnsupportedOperationException');
      expect((await k.getKeyRotationStatus({ KeyId: keyId })).KeyRotationEnabled).toBe(false);
    }
  });
});

describe('custody in IndexedDB', () => {
  it('private, HMAC and wrapping keys are non-extractable CryptoKeys; the secp256k1 secret is stored only sealed; all survive a reopen', async () => {
    const vault = await openVaultForTest();
    const k = vault.kms;
    const ids = {
      rsa: await createKey(k, 'RSA_2048'),
      p384: await createKey(k, 'ECC_NIST_P384'),
      ed: await createKey(k, 'ECC_NIST_EDWARDS25519'),
      k1: await createKey(k, 'ECC_SECG_P256K1'),
      ecdh: await createKey(k, 'ECC_NIST_P521', 'KEY_AGREEMENT'),
      hmac: await createKey(k, 'HMAC_384', 'GENERATE_VERIFY_MAC'),
    };
    const versions = await readStore<KeyVersionRecord>(vault.vaultName, 'keyVersions');
    expect(versions).toHaveLength(6);
    for (const version of versions) {
      const secretKeys = [
        version.CryptoKey!,
        ...Object.values(version.Asymmetric?.PrivateKeys ?? {}),
      ];
      for (const key of secretKeys) {
        expect(key, version.KeyId).toBeInstanceOf(CryptoKey);
        expect(key.extractable, version.KeyId).toBe(false);
        for (const format of ['pkcs8', 'jwk', 'raw'] as const) {
          await expect(
            crypto.subtle.exportKey(format, key),
            `${version.KeyId} ${format}`,
          ).rejects.toThrow();
        }
      }
    }
    const byId = new Map(versions.map((version) => [version.KeyId, version]));
    expect(Object.keys(byId.get(ids.rsa)!.Asymmetric!.PrivateKeys).sort()).toEqual([
      'RSASSA_PKCS1_V1_5_SHA_256',
      'RSASSA_PKCS1_V1_5_SHA_384',
      'RSASSA_PKCS1_V1_5_SHA_512',
      'RSASSA_PSS_SHA_256',
      'RSASSA_PSS_SHA_384',
      'RSASSA_PSS_SHA_512',
    ]);
    const k1 = byId.get(ids.k1)!;
    expect(k1.CryptoKey!.algorithm).toEqual({ name: 'AES-GCM', length: 256 });
    expect(k1.Asymmetric!.PrivateKeys).toEqual({});
    expect(k1.Asymmetric!.WrappedPrivateKey!.Sealed.length).toBe(32 + 16);
    expect(byId.get(ids.hmac)!.CryptoKey!.algorithm).toMatchObject({
      name: 'HMAC',
      length: 384,
      hash: { name: 'SHA-384' },
    });

    // Reopen the same vault: the stored keys still work, and describe the same.
    const reopened = await Kms.open({
      vaultName: vault.vaultName,
      clock: vault.clock,
      userAgent: 'vitest-browser',
    });
    try {
      for (const [keyId, algorithm] of [
        [ids.rsa, 'RSASSA_PSS_SHA_384'],
        [ids.p384, 'ECDSA_SHA_384'],
        [ids.ed, 'ED25519_SHA_512'],
        [ids.k1, 'ECDSA_SHA_256'],
      ] as const) {
        const { Signature } = await reopened.sign({
          KeyId: keyId,
          Message: utf8('after reopen'),
          SigningAlgorithm: algorithm,
        });
        expect(
          (
            await k.verify({
              KeyId: keyId,
              Message: utf8('after reopen'),
              Signature,
              SigningAlgorithm: algorithm,
            })
          ).SignatureValid,
        ).toBe(true);
      }
      const { Mac } = await reopened.generateMac({
        KeyId: ids.hmac,
        Message: utf8('m'),
        MacAlgorithm: 'HMAC_SHA_384',
      });
      expect(Mac).toHaveLength(48);
    } finally {
      reopened.close();
    }
  });
});

describe('getPublicKey', () => {
  it('returns the DER SubjectPublicKeyInfo, spec, usage and algorithms; symmetric and HMAC keys have none', async () => {
    const k = await kms();
    const keyId = await createKey(k, 'ECC_NIST_P256');
    const response = await k.getPublicKey({ KeyId: keyId });
    expect(response.KeyId).toBe((await k.describeKey({ KeyId: keyId })).KeyMetadata.Arn);
    expect([response.KeySpec, response.KeyUsage, response.SigningAlgorithms]).toEqual([
      'ECC_NIST_P256',
      'SIGN_VERIFY',
      ['ECDSA_SHA_256'],
    ]);
    expect(describeSpki(response.PublicKey).KeySpec).toBe('ECC_NIST_P256');
    expect(response.PublicKey).toHaveLength(91);
    await expectKmsError(
      k.getPublicKey({ KeyId: (await k.createKey()).KeyMetadata.KeyId }),
      'UnsupportedOperationException',
    );
    await expectKmsError(
      k.getPublicKey({ KeyId: await createKey(k, 'HMAC_256', 'GENERATE_VERIFY_MAC') }),
      'UnsupportedOperationException',
    );
  });
});

describe('sign and verify', () => {
  it('signs with every algorithm of every signing spec; each signature verifies in the vault and, with only the public key, in another implementation', async () => {
    const k = await kms();
    const specs: [string, SigningAlgorithm[]][] = [
      [
        'RSA_2048',
        [
          'RSASSA_PKCS1_V1_5_SHA_256',
          'RSASSA_PKCS1_V1_5_SHA_384',
          'RSASSA_PKCS1_V1_5_SHA_512',
          'RSASSA_PSS_SHA_256',
          'RSASSA_PSS_SHA_384',
          'RSASSA_PSS_SHA_512',
        ],
      ],
      ['ECC_NIST_P256', ['ECDSA_SHA_256']],
      ['ECC_NIST_P384', ['ECDSA_SHA_384']],
      ['ECC_NIST_P521', ['ECDSA_SHA_512']],
      ['ECC_SECG_P256K1', ['ECDSA_SHA_256']],
      ['ECC_NIST_EDWARDS25519', ['ED25519_SHA_512']],
    ];
    const message = utf8('The quick brown fox signs the lazy dog.');
    for (const [spec, algorithms] of specs) {
      const keyId = await createKey(k, spec);
      const { PublicKey } = await k.getPublicKey({ KeyId: keyId });
      for (const algorithm of algorithms) {
        const label = `${spec} ${algorithm}`;
        const signed = await k.sign({
          KeyId: keyId,
          Message: message,
          MessageType: 'RAW',
          SigningAlgorithm: algorithm,
        });
        expect(signed.SigningAlgorithm, label).toBe(algorithm);
        if (algorithm.startsWith('ECDSA_'))
          expect(signed.Signature[0], `${label}: DER SEQUENCE`).toBe(0x30);
        if (algorithm === 'ED25519_SHA_512') expect(signed.Signature, label).toHaveLength(64);
        if (spec === 'RSA_2048') expect(signed.Signature, label).toHaveLength(256);
        const verified = await k.verify({
          KeyId: keyId,
          Message: message,
          Signature: signed.Signature,
          SigningAlgorithm: algorithm,
        });
        expect(verified, label).toEqual({
          KeyId: signed.KeyId,
          SignatureValid: true,
          SigningAlgorithm: algorithm,
        });
        expect(
          await verifyIndependently(PublicKey, algorithm, message, signed.Signature),
          `${label}: independent verify`,
        ).toBe(true);
        // What a person without the vault does: take the PEM, JWK or DER and verify with it.
        for (const given of [spkiToPem(PublicKey), spkiToJwk(PublicKey), PublicKey]) {
          const publicKey = parsePublicKey(given);
          expect(
            await verifyWithPublicKey(
              publicKey,
              algorithm,
              'RAW',
              message,
              new Uint8Array(signed.Signature),
            ),
            `${label}: verify with only the public key`,
          ).toBe(true);
          expect(
            await verifyWithPublicKey(
              publicKey,
              algorithm,
              'RAW',
              utf8('other'),
              new Uint8Array(signed.Signature),
            ),
            `${label}: another message`,
          ).toBe(false);
        }
      }
    }
  });

  it('a tampered message or signature → KMSInvalidSignatureException, for every custody', async () => {
    const k = await kms();
    for (const [spec, algorithm] of [
      ['ECC_NIST_P256', 'ECDSA_SHA_256'],
      ['ECC_NIST_EDWARDS25519', 'ED25519_SHA_512'],
      ['RSA_2048', 'RSASSA_PSS_SHA_256'],
      ['ECC_SECG_P256K1', 'ECDSA_SHA_256'],
    ] as const) {
      const keyId = await createKey(k, spec);
      const message = utf8('pay 10 EUR');
      const { Signature } = await k.sign({
        KeyId: keyId,
        Message: message,
        SigningAlgorithm: algorithm,
      });
      await expectKmsError(
        k.verify({
          KeyId: keyId,
          Message: utf8('pay 99 EUR'),
          Signature,
          SigningAlgorithm: algorithm,
        }),
        'KMSInvalidSignatureException',
      );
      const flipped = new Uint8Array(Signature);
      flipped[flipped.length - 1]! ^= 0x01;
      await expectKmsError(
        k.verify({
          KeyId: keyId,
          Message: message,
          Signature: flipped,
          SigningAlgorithm: algorithm,
        }),
        'KMSInvalidSignatureException',
      );
      await expectKmsError(
        k.verify({
          KeyId: keyId,
          Message: message,
          Signature: Signature.subarray(1),
          SigningAlgorithm: algorithm,
        }),
        'KMSInvalidSignatureException',
      );
    }
  });

  it('verify with only a public key (PEM, DER, JWK) — not in AWS: valid, tampered, wrong spec, and exactly one of KeyId / PublicKey', async () => {
    const k = await kms();
    const message = utf8('checked by someone who holds no vault key');
    for (const [KeySpec, SigningAlgorithm] of [
      ['ECC_NIST_P256', 'ECDSA_SHA_256'],
      ['ECC_SECG_P256K1', 'ECDSA_SHA_256'],
      ['ECC_NIST_EDWARDS25519', 'ED25519_SHA_512'],
      ['RSA_2048', 'RSASSA_PSS_SHA_256'],
    ] as const) {
      const { KeyId } = (await k.createKey({ KeySpec, KeyUsage: 'SIGN_VERIFY' })).KeyMetadata;
      const { PublicKey } = await k.getPublicKey({ KeyId });
      const { Signature } = await k.sign({ KeyId, Message: message, SigningAlgorithm });
      for (const given of [PublicKey, spkiToPem(PublicKey), JSON.stringify(spkiToJwk(PublicKey))]) {
        const verified = await k.verify({
          PublicKey: given,
          Message: message,
          Signature,
          SigningAlgorithm,
        });
        expect(verified).toEqual({
          PublicKeySpec: KeySpec,
          SignatureValid: true,
          SigningAlgorithm,
        });
      }
      await expectKmsError(
        k.verify({ PublicKey, Message: utf8('changed'), Signature, SigningAlgorithm }),
        'KMSInvalidSignatureException',
      );
    }
    const { KeyId } = (await k.createKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }))
      .KeyMetadata;
    const { PublicKey } = await k.getPublicKey({ KeyId });
    const { Signature } = await k.sign({
      KeyId,
      Message: message,
      SigningAlgorithm: 'ECDSA_SHA_256',
    });
    await expectKmsError(
      k.verify({ PublicKey, Message: message, Signature, SigningAlgorithm: 'RSASSA_PSS_SHA_256' }),
      'InvalidKeyUsageException',
    );
    await expectKmsError(
      k.verify({
        KeyId,
        PublicKey,
        Message: message,
        Signature,
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
      'ValidationException',
    );
    await expectKmsError(
      k.verify({ Message: message, Signature, SigningAlgorithm: 'ECDSA_SHA_256' }),
      'ValidationException',
    );
    await expectKmsError(
      k.verify({
        PublicKey: 'not a key',
        Message: message,
        Signature,
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
      'ValidationException',
    );
  });

  it('the wrong key usage or an algorithm the key lacks → InvalidKeyUsageException', async () => {
    const k = await kms();
    const encryptionKey = await createKey(k, 'RSA_2048', 'ENCRYPT_DECRYPT');
    const symmetric = (await k.createKey()).KeyMetadata.KeyId;
    const p256Key = await createKey(k, 'ECC_NIST_P256');
    const signRequest = { Message: utf8('m'), SigningAlgorithm: 'RSASSA_PSS_SHA_256' };
    await expectKmsError(
      k.sign({ KeyId: encryptionKey, ...signRequest }),
      'InvalidKeyUsageException',
    );
    await expectKmsError(k.sign({ KeyId: symmetric, ...signRequest }), 'InvalidKeyUsageException');
    await expectKmsError(
      k.verify({ KeyId: encryptionKey, ...signRequest, Signature: new Uint8Array(256) }),
      'InvalidKeyUsageException',
    );
    await expectKmsError(
      k.sign({ KeyId: p256Key, Message: utf8('m'), SigningAlgorithm: 'ECDSA_SHA_384' }),
      'InvalidKeyUsageException',
    );
    await expectKmsError(k.sign({ KeyId: p256Key, ...signRequest }), 'InvalidKeyUsageException');
    await expectKmsError(
      k.encrypt({ KeyId: p256Key, Plaintext: utf8('m') }),
      'InvalidKeyUsageException',
    );
    await expectKmsError(
      k.generateDataKey({ KeyId: p256Key, KeySpec: 'AES_256' }),
      'InvalidKeyUsageException',
    );
  });

  it('a disabled key → DisabledException; a key pending deletion → KMSInvalidStateException', async () => {
    const k = await kms();
    const keyId = await createKey(k, 'ECC_NIST_P256');
    const { Signature } = await k.sign({
      KeyId: keyId,
      Message: utf8('m'),
      SigningAlgorithm: 'ECDSA_SHA_256',
    });
    await k.disableKey({ KeyId: keyId });
    await expectKmsError(
      k.sign({ KeyId: keyId, Message: utf8('m'), SigningAlgorithm: 'ECDSA_SHA_256' }),
      'DisabledException',
    );
    await expectKmsError(
      k.verify({ KeyId: keyId, Message: utf8('m'), Signature, SigningAlgorithm: 'ECDSA_SHA_256' }),
      'DisabledException',
    );
    await expectKmsError(k.getPublicKey({ KeyId: keyId }), 'DisabledException');
    await k.enableKey({ KeyId: keyId });
    await k.scheduleKeyDeletion({ KeyId: keyId });
    await expectKmsError(
      k.sign({ KeyId: keyId, Message: utf8('m'), SigningAlgorithm: 'ECDSA_SHA_256' }),
      'KMSInvalidStateException',
    );
  });

  it('DIGEST: WebCrypto-held keys refuse it and say to use RAW; secp256k1 signs a 32-byte digest; a wrong digest length → ValidationException', async () => {
    const k = await kms();
    const p256Key = await createKey(k, 'ECC_NIST_P256');
    const digest = sha256(utf8('a large file'));
    const refused = await expectKmsError(
      k.sign({
        KeyId: p256Key,
        Message: digest,
        MessageType: 'DIGEST',
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
      'UnsupportedOperationException',
    );
    expect(refused.message).toMatch(
      /WebCrypto computes the SHA-256 digest itself.*MessageType RAW/,
    );
    await expectKmsError(
      k.sign({
        KeyId: p256Key,
        Message: digest.subarray(1),
        MessageType: 'DIGEST',
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
      'ValidationException',
    );

    const k1Key = await createKey(k, 'ECC_SECG_P256K1');
    const { Signature } = await k.sign({
      KeyId: k1Key,
      Message: digest,
      MessageType: 'DIGEST',
      SigningAlgorithm: 'ECDSA_SHA_256',
    });
    // A signature over SHA-256(message) is a signature over the message.
    expect(
      (
        await k.verify({
          KeyId: k1Key,
          Message: utf8('a large file'),
          MessageType: 'RAW',
          Signature,
          SigningAlgorithm: 'ECDSA_SHA_256',
        })
      ).SignatureValid,
    ).toBe(true);
    expect(
      (
        await k.verify({
          KeyId: k1Key,
          Message: digest,
          MessageType: 'DIGEST',
          Signature,
          SigningAlgorithm: 'ECDSA_SHA_256',
        })
      ).SignatureValid,
    ).toBe(true);
    await expectKmsError(
      k.sign({
        KeyId: k1Key,
        Message: new Uint8Array(33),
        MessageType: 'DIGEST',
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
      'ValidationException',
    );
  });

  it('Ed25519: ED25519_PH_SHA_512 → UnsupportedOperationException (WebCrypto has pure Ed25519 only); ED25519_SHA_512 with DIGEST → ValidationException', async () => {
    const k = await kms();
    const keyId = await createKey(k, 'ECC_NIST_EDWARDS25519');
    const refused = await expectKmsError(
      k.sign({
        KeyId: keyId,
        Message: new Uint8Array(64),
        MessageType: 'DIGEST',
        SigningAlgorithm: 'ED25519_PH_SHA_512',
      }),
      'UnsupportedOperationException',
    );
    expect(refused.message).toMatch(/ED25519_SHA_512 and MessageType RAW/);
    await expectKmsError(
      k.sign({
        KeyId: keyId,
        Message: new Uint8Array(64),
        MessageType: 'DIGEST',
        SigningAlgorithm: 'ED25519_SHA_512',
      }),
      'ValidationException',
    );
    await expectKmsError(
      k.sign({
        KeyId: keyId,
        Message: utf8('m'),
        MessageType: 'RAW',
        SigningAlgorithm: 'ED25519_PH_SHA_512',
      }),
      'ValidationException',
    );
  });

  it('secp256k1 signatures are low-S (s ≤ n/2)', async () => {
    const k = await kms();
    const keyId = await createKey(k, 'ECC_SECG_P256K1');
    for (let i = 0; i < 16; i++) {
      const { Signature } = await k.sign({
        KeyId: keyId,
        Message: utf8(`message ${i}`),
        SigningAlgorithm: 'ECDSA_SHA_256',
      });
      expect(secp256k1.Signature.fromBytes(Signature, 'der').hasHighS(), `signature ${i}`).toBe(
        false,
      );
    }
  });

  it('Message is 1 to 4096 bytes: 0 and 4097 → ValidationException, 4096 signs', async () => {
    const k = await kms();
    const keyId = await createKey(k, 'ECC_NIST_EDWARDS25519');
    await expectKmsError(
      k.sign({ KeyId: keyId, Message: new Uint8Array(0), SigningAlgorithm: 'ED25519_SHA_512' }),
      'ValidationException',
    );
    await expectKmsError(
      k.sign({ KeyId: keyId, Message: new Uint8Array(4097), SigningAlgorithm: 'ED25519_SHA_512' }),
      'ValidationException',
    );
    await expectKmsError(
      k.sign({ KeyId: keyId, Message: new Uint8Array(1) } as never),
      'ValidationException',
    );
    expect(
      (
        await k.sign({
          KeyId: keyId,
          Message: new Uint8Array(4096),
          SigningAlgorithm: 'ED25519_SHA_512',
        })
      ).Signature,
    ).toHaveLength(64);
  });

  it('each call writes one audit record, with the message and signature logged only by size', async () => {
    const vault = await openVaultForTest();
    const k = vault.kms;
    const keyId = await createKey(k, 'ECC_NIST_P256');
    const before = (await auditRecords(vault.vaultName)).length;
    const { Signature } = await k.sign({
      KeyId: keyId,
      Message: utf8('audited'),
      SigningAlgorithm: 'ECDSA_SHA_256',
    });
    await expectKmsError(
      k.verify({
        KeyId: keyId,
        Message: utf8('tampered'),
        Signature,
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
      'KMSInvalidSignatureException',
    );
    const records = (await auditRecords(vault.vaultName)).slice(before);
    expect(records.map((record) => [record.eventName, record.errorCode])).toEqual([
      ['Sign', undefined],
      ['Verify', 'KMSInvalidSignatureException'],
    ]);
    expect(records[0]!.requestParameters).toMatchObject({
      message: { byteLength: 7 },
      signingAlgorithm: 'ECDSA_SHA_256',
    });
    expect(records[1]!.requestParameters).toMatchObject({
      signature: { byteLength: Signature.length },
    });
    expect(records[0]!.responseElements).toBeNull();
    expect(records[0]!.resources.map((resource) => resource.ARN)).toEqual([
      (await k.describeKey({ KeyId: keyId })).KeyMetadata.Arn,
    ]);
  });
});
