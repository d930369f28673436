/**
 * signFile and verifyFile through the Kms class in Chromium (issue 4, "Files"; docs/FORMAT.md
 * §5): a round trip for every signing family, verified with the vault key and with only the
 * public key as DER, PEM and JWK; the statement checked against a SHA-256 computed here; one
 * changed byte in the file, the statement or the signature; unreadable signature files; wrong,
 * disabled and non-signing keys; progress and cancel.
 */
import { describe, expect, it } from 'vitest';
import type { KeyUsage, SigningAlgorithm } from '../../workers/api.ts';
import { spkiToJwk, spkiToPem } from '../../workers/crypto/public-key.ts';
import {
  decodeStatement,
  encodeSignatureFile,
  parseSignatureFile,
} from '../../workers/formats/signature-file.ts';
import { HASH_CHUNK_BYTES } from '../../workers/kms/operations/file-signing.ts';
import type { Kms } from '../../workers/kms/kms.ts';
import { TEST_EPOCH } from './support/manual-clock.ts';
import { auditRecords, expectKmsError, openVaultForTest, toHex, utf8 } from './support/vault.ts';

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

async function sha256Hex(blob: Blob): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer())));
}

/** A file whose bytes depend on its position, so a shifted or dropped chunk changes its hash. */
function patternedFile(size: number, name = 'report.bin'): File {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + (i >>> 12)) & 0xff;
  return new File([bytes], name);
}

/** The signature file with its statement or signature bytes changed by `edit`, re-encoded. */
async function editedSignatureFile(
  signatureFile: Blob,
  edit: (parts: ReturnType<typeof parseSignatureFile>) => void,
): Promise<File> {
  const parts = parseSignatureFile(await signatureFile.text());
  edit(parts);
  return new File([encodeSignatureFile(parts)], 'edited.sig');
}

const FAMILIES: [string, SigningAlgorithm[]][] = [
  [
    'RSA_2048',
    [
      'RSASSA_PSS_SHA_256',
      'RSASSA_PSS_SHA_384',
      'RSASSA_PSS_SHA_512',
      'RSASSA_PKCS1_V1_5_SHA_256',
      'RSASSA_PKCS1_V1_5_SHA_384',
      'RSASSA_PKCS1_V1_5_SHA_512',
    ],
  ],
  ['ECC_NIST_P256', ['ECDSA_SHA_256']],
  ['ECC_NIST_P384', ['ECDSA_SHA_384']],
  ['ECC_NIST_P521', ['ECDSA_SHA_512']],
  ['ECC_SECG_P256K1', ['ECDSA_SHA_256']],
  ['ECC_NIST_EDWARDS25519', ['ED25519_SHA_512']],
];

describe('signFile → verifyFile round trips', () => {
  it('every signing key spec and algorithm: the statement names the file, the signature file carries it, both verifiers accept it', async () => {
    const k = await kms();
    const file = patternedFile(70_001);
    const expectedSha256 = await sha256Hex(file);
    for (const [KeySpec, algorithms] of FAMILIES) {
      const keyId = await createKey(k, KeySpec);
      const { PublicKey } = await k.getPublicKey({ KeyId: keyId });
      for (const SigningAlgorithm of algorithms) {
        const label = `${KeySpec} ${SigningAlgorithm}`;
        const signed = await k.signFile({ Input: file, KeyId: keyId, SigningAlgorithm });
        expect(
          [
            signed.KeyId.endsWith(`:key/${keyId}`),
            signed.SigningAlgorithm,
            signed.Name,
            signed.Length,
            signed.Sha256,
          ],
          label,
        ).toEqual([true, SigningAlgorithm, 'report.bin', 70_001, expectedSha256]);
        expect(decodeStatement(signed.Statement), label).toEqual({
          fileName: 'report.bin',
          fileSize: 70_001,
          sha256: expectedSha256,
          signingAlgorithm: SigningAlgorithm,
          keyId: signed.KeyId,
          signingTime: new Date(TEST_EPOCH).toISOString(),
        });
        expect(signed.SignatureFile.name, label).toBe('report.bin.sig');
        const parts = parseSignatureFile(await signed.SignatureFile.text());
        expect([parts.signingAlgorithm, parts.keyId], label).toEqual([
          SigningAlgorithm,
          signed.KeyId,
        ]);
        expect(parts.statement, label).toEqual(signed.Statement);
        expect(parts.signature, label).toEqual(signed.Signature);
        // The statement is signed as `sign` signs a RAW message: `verify` accepts it as is.
        await k.verify({
          KeyId: keyId,
          Message: signed.Statement,
          Signature: signed.Signature,
          SigningAlgorithm,
        });

        const byKey = await k.verifyFile({
          Input: file,
          SignatureFile: signed.SignatureFile,
          KeyId: keyId,
        });
        expect(byKey, label).toEqual({
          SignatureValid: true,
          SigningAlgorithm,
          Name: 'report.bin',
          Length: 70_001,
          Sha256: expectedSha256,
          KeyId: signed.KeyId,
        });
        const byPublicKey = await k.verifyFile({
          Input: file,
          SignatureFile: signed.SignatureFile,
          PublicKey,
        });
        expect(byPublicKey, label).toEqual({
          SignatureValid: true,
          SigningAlgorithm,
          Name: 'report.bin',
          Length: 70_001,
          Sha256: expectedSha256,
          PublicKeySpec: KeySpec,
        });
      }
    }
  });

  it('the public key may be DER bytes, PEM text or JWK JSON text; a renamed file still verifies and reports its signed name', async () => {
    const k = await kms();
    const keyId = await createKey(k, 'ECC_NIST_P384');
    const der = (await k.getPublicKey({ KeyId: keyId })).PublicKey;
    const file = patternedFile(1234, 'minutes.txt');
    const { SignatureFile } = await k.signFile({
      Input: file,
      KeyId: keyId,
      SigningAlgorithm: 'ECDSA_SHA_384',
    });
    const renamed = new File([file], 'renamed.txt');
    for (const PublicKey of [der, spkiToPem(der), JSON.stringify(spkiToJwk(der))]) {
      const result = await k.verifyFile({ Input: renamed, SignatureFile, PublicKey });
      expect([result.SignatureValid, result.Name, result.PublicKeySpec]).toEqual([
        true,
        'minutes.txt',
        'ECC_NIST_P384',
      ]);
    }
  });

  it('signs an empty file and a Blob without a name (data, data.sig)', async () => {
    const k = await kms();
    const keyId = await createKey(k, 'ECC_NIST_EDWARDS25519');
    const signed = await k.signFile({
      Input: new Blob([]),
      KeyId: keyId,
      SigningAlgorithm: 'ED25519_SHA_512',
    });
    expect([signed.Name, signed.Length, signed.SignatureFile.name, signed.Sha256]).toEqual([
      'data',
      0,
      'data.sig',
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    ]);
    const verified = await k.verifyFile({
      Input: new Blob([]),
      SignatureFile: signed.SignatureFile,
      KeyId: keyId,
    });
    expect(verified.SignatureValid).toBe(true);
  });
});

describe('tampering and unreadable signature files', () => {
  it('one byte changed in the file, the statement or the signature → KMSInvalidSignatureException saying which', async () => {
    const k = await kms();
    const keyId = await createKey(k, 'ECC_NIST_P256');
    const { PublicKey } = await k.getPublicKey({ KeyId: keyId });
    const file = patternedFile(10_000);
    const { SignatureFile } = await k.signFile({
      Input: file,
      KeyId: keyId,
      SigningAlgorithm: 'ECDSA_SHA_256',
    });
    const bytes = new Uint8Array(await file.arrayBuffer());
    bytes[5_000]! ^= 0x01;
    const changedFile = new File([bytes], file.name);
    const changedStatement = await editedSignatureFile(SignatureFile, (parts) => {
      parts.statement[parts.statement.length - 3]! ^= 0x01;
    });
    const changedSignature = await editedSignatureFile(SignatureFile, (parts) => {
      parts.signature[parts.signature.length - 1]! ^= 0x01;
    });
    const longerFile = new File([file, new Uint8Array(1)], file.name);
    for (const verifier of [{ KeyId: keyId }, { PublicKey }]) {
      const fileError = await expectKmsError(
        k.verifyFile({ Input: changedFile, SignatureFile, ...verifier }),
        'KMSInvalidSignatureException',
      );
      expect(fileError.message).toContain("the file's SHA-256 differs from the signed statement");
      const sizeError = await expectKmsError(
        k.verifyFile({ Input: longerFile, SignatureFile, ...verifier }),
        'KMSInvalidSignatureException',
      );
      expect(sizeError.message).toContain("the file's SHA-256 differs from the signed statement");
      for (const signatureFile of [changedStatement, changedSignature]) {
        const error = await expectKmsError(
          k.verifyFile({ Input: file, SignatureFile: signatureFile, ...verifier }),
          'KMSInvalidSignatureException',
        );
        expect(error.message).toContain('the signature does not match the statement');
      }
    }
  });

  it('a truncated, garbled, oversized or inconsistent signature file → ValidationException', async () => {
    const k = await kms();
    const keyId = await createKey(k, 'ECC_NIST_P256');
    const file = patternedFile(100);
    const { SignatureFile } = await k.signFile({
      Input: file,
      KeyId: keyId,
      SigningAlgorithm: 'ECDSA_SHA_256',
    });
    const text = await SignatureFile.text();
    const broken = [
      text.slice(0, text.length / 2),
      text.split('\n').slice(0, 4).join('\n'),
      text.replace('Pocket KMS detached signature v1', 'Pocket KMS detached signature v2'),
      text.replace('algorithm: ECDSA_SHA_256', 'algorithm: ECDSA_SHA_999'),
      text.replace(/statement: (.)/, 'statement: *'),
      text.replace(/signature: .*/, 'signature: '),
      '',
    ];
    const garbled = new Uint8Array(600);
    crypto.getRandomValues(garbled);
    garbled[0] = 0xff; // not UTF-8 text
    for (const signatureFile of [
      ...broken.map((body) => new File([body], 'broken.sig')),
      new File([garbled], 'garbled.sig'),
      new File([new Uint8Array(16 * 1024 + 1)], 'huge.sig'),
    ]) {
      await expectKmsError(
        k.verifyFile({ Input: file, SignatureFile: signatureFile, KeyId: keyId }),
        'ValidationException',
      );
    }
  });

  it('the algorithm line is part of what is checked: changing it to another RSA scheme fails', async () => {
    const k = await kms();
    const keyId = await createKey(k, 'RSA_2048');
    const file = patternedFile(100);
    const { SignatureFile } = await k.signFile({
      Input: file,
      KeyId: keyId,
      SigningAlgorithm: 'RSASSA_PSS_SHA_256',
    });
    const other = new File(
      [(await SignatureFile.text()).replace('RSASSA_PSS_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_256')],
      'other.sig',
    );
    await expectKmsError(
      k.verifyFile({ Input: file, SignatureFile: other, KeyId: keyId }),
      'KMSInvalidSignatureException',
    );
  });
});

describe('keys and parameters', () => {
  it('another key or public key → KMSInvalidSignatureException; a public key of another family → InvalidKeyUsageException', async () => {
    const k = await kms();
    const signer = await createKey(k, 'ECC_NIST_P256');
    const stranger = await createKey(k, 'ECC_NIST_P256');
    const edwards = await createKey(k, 'ECC_NIST_EDWARDS25519');
    const file = patternedFile(500);
    const { SignatureFile } = await k.signFile({
      Input: file,
      KeyId: signer,
      SigningAlgorithm: 'ECDSA_SHA_256',
    });
    await expectKmsError(
      k.verifyFile({ Input: file, SignatureFile, KeyId: stranger }),
      'KMSInvalidSignatureException',
    );
    await expectKmsError(
      k.verifyFile({
        Input: file,
        SignatureFile,
        PublicKey: (await k.getPublicKey({ KeyId: stranger })).PublicKey,
      }),
      'KMSInvalidSignatureException',
    );
    await expectKmsError(
      k.verifyFile({ Input: file, SignatureFile, KeyId: edwards }),
      'InvalidKeyUsageException',
    );
    await expectKmsError(
      k.verifyFile({
        Input: file,
        SignatureFile,
        PublicKey: (await k.getPublicKey({ KeyId: edwards })).PublicKey,
      }),
      'InvalidKeyUsageException',
    );
  });

  it('a disabled key → DisabledException for signFile and verifyFile; the public key still verifies', async () => {
    const k = await kms();
    const keyId = await createKey(k, 'ECC_SECG_P256K1');
    const { PublicKey } = await k.getPublicKey({ KeyId: keyId });
    const file = patternedFile(300);
    const { SignatureFile } = await k.signFile({
      Input: file,
      KeyId: keyId,
      SigningAlgorithm: 'ECDSA_SHA_256',
    });
    await k.disableKey({ KeyId: keyId });
    await expectKmsError(
      k.signFile({ Input: file, KeyId: keyId, SigningAlgorithm: 'ECDSA_SHA_256' }),
      'DisabledException',
    );
    await expectKmsError(
      k.verifyFile({ Input: file, SignatureFile, KeyId: keyId }),
      'DisabledException',
    );
    expect((await k.verifyFile({ Input: file, SignatureFile, PublicKey })).SignatureValid).toBe(
      true,
    );
  });

  it('ENCRYPT_DECRYPT keys (symmetric and RSA) → InvalidKeyUsageException; an algorithm the key lacks → InvalidKeyUsageException', async () => {
    const k = await kms();
    const file = patternedFile(10);
    const symmetric = await createKey(k, 'SYMMETRIC_DEFAULT', 'ENCRYPT_DECRYPT');
    const rsa = await createKey(k, 'RSA_2048', 'ENCRYPT_DECRYPT');
    const p256 = await createKey(k, 'ECC_NIST_P256');
    for (const keyId of [symmetric, rsa]) {
      await expectKmsError(
        k.signFile({ Input: file, KeyId: keyId, SigningAlgorithm: 'RSASSA_PSS_SHA_256' }),
        'InvalidKeyUsageException',
      );
    }
    await expectKmsError(
      k.signFile({ Input: file, KeyId: p256, SigningAlgorithm: 'ECDSA_SHA_384' }),
      'InvalidKeyUsageException',
    );
  });

  it('refuses bad parameters with ValidationException before reading the file', async () => {
    const k = await kms();
    const keyId = await createKey(k, 'ECC_NIST_EDWARDS25519');
    const file = patternedFile(10);
    const { SignatureFile, Statement } = await k.signFile({
      Input: file,
      KeyId: keyId,
      SigningAlgorithm: 'ED25519_SHA_512',
    });
    const { PublicKey } = await k.getPublicKey({ KeyId: keyId });
    const refused: (() => Promise<unknown>)[] = [
      () => k.signFile({ Input: file, KeyId: keyId, SigningAlgorithm: 'ED25519_PH_SHA_512' }),
      () => k.signFile({ Input: file, KeyId: keyId, SigningAlgorithm: 'ED25519' }),
      () => k.signFile({ Input: file, KeyId: keyId } as never),
      () =>
        k.signFile({
          Input: Statement,
          KeyId: keyId,
          SigningAlgorithm: 'ED25519_SHA_512',
        } as never),
      () =>
        k.signFile({
          Input: new File(['x'], 'n'.repeat(4000)),
          KeyId: keyId,
          SigningAlgorithm: 'ED25519_SHA_512',
        }),
      () => k.verifyFile({ Input: file, SignatureFile }),
      () => k.verifyFile({ Input: file, SignatureFile, KeyId: keyId, PublicKey }),
      () => k.verifyFile({ Input: file, SignatureFile: Statement, KeyId: keyId } as never),
      () => k.verifyFile({ Input: file, SignatureFile, PublicKey: utf8('not a key') }),
    ];
    for (const call of refused) await expectKmsError(call(), 'ValidationException');
  });
});

describe('progress, cancel and the audit record', () => {
  it('reports progress up to the size of a multi-chunk file, and a cancel → OperationCancelledException', async () => {
    const k = await kms();
    const keyId = await createKey(k, 'ECC_NIST_P256');
    const file = patternedFile(2 * HASH_CHUNK_BYTES + 17);
    const reports: [number, number][] = [];
    const signed = await k.signFile(
      { Input: file, KeyId: keyId, SigningAlgorithm: 'ECDSA_SHA_256' },
      (done, total) => reports.push([done, total]),
    );
    expect(signed.Sha256).toBe(await sha256Hex(file));
    expect(reports[0]).toEqual([0, file.size]);
    expect(reports.at(-1)).toEqual([file.size, file.size]);

    const already = new AbortController();
    already.abort();
    await expectKmsError(
      k.signFile(
        { Input: file, KeyId: keyId, SigningAlgorithm: 'ECDSA_SHA_256' },
        undefined,
        already.signal,
      ),
      'OperationCancelledException',
    );
    // Cancelled at the first progress report, while the first chunk is being read.
    const midway = new AbortController();
    await expectKmsError(
      k.verifyFile(
        { Input: file, SignatureFile: signed.SignatureFile, KeyId: keyId },
        () => midway.abort(),
        midway.signal,
      ),
      'OperationCancelledException',
    );
  });

  it('one record per call: sizes and the hash, never the statement or signature bytes', async () => {
    const vault = await openVaultForTest();
    const k = vault.kms;
    const keyId = await createKey(k, 'ECC_NIST_P256');
    const file = patternedFile(64, 'secret-plan.txt');
    const signed = await k.signFile({
      Input: file,
      KeyId: keyId,
      SigningAlgorithm: 'ECDSA_SHA_256',
    });
    await k.verifyFile({ Input: file, SignatureFile: signed.SignatureFile, KeyId: keyId });
    const records = (await auditRecords(vault.vaultName)).filter((record) =>
      ['SignFile', 'VerifyFile', 'Sign', 'Verify'].includes(record.eventName),
    );
    expect(records.map((record) => record.eventName)).toEqual(['SignFile', 'VerifyFile']);
    const [signRecord, verifyRecord] = records as [(typeof records)[0], (typeof records)[0]];
    expect(signRecord.requestParameters).toEqual({
      input: { byteLength: 64 },
      keyId,
      signingAlgorithm: 'ECDSA_SHA_256',
    });
    expect(signRecord.responseElements).toEqual({
      keyId: signed.KeyId,
      signingAlgorithm: 'ECDSA_SHA_256',
      length: 64,
      sha256: signed.Sha256,
    });
    expect(verifyRecord.resources.map((resource) => resource.ARN)).toEqual([signed.KeyId]);
    expect(JSON.stringify(records)).not.toContain(btoa(String.fromCharCode(...signed.Signature)));
  });
});
