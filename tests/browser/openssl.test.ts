/**
 * OpenSSL CLI cross-checks (issue 4 acceptance), the vault in Chromium and `openssl` in Node
 * through Vitest browser commands (tests/browser/commands/openssl.ts):
 * - every signing algorithm of every signing key spec: a vault signature verifies with
 *   `openssl` and the public key `getPublicKey` exported, and a signFile signature file passes
 *   the verification block of docs/FORMAT.md §5.3 run exactly as written; a changed message or
 *   file fails both;
 * - data encrypted by `openssl pkeyutl` (OAEP SHA-1 and SHA-256) with an exported RSA public key
 *   decrypts in the vault;
 * - exported public keys parse with `openssl pkey -pubin` as DER and PEM, and OpenSSL reads the
 *   same numbers as the JWK export holds;
 * - a data key pair's PKCS #8 private key parses with `openssl pkey` and yields its public key.
 */
import { describe, expect, it } from 'vitest';
import { commands } from 'vitest/browser';
import type { KeyUsage, SigningAlgorithm } from '../../workers/api.ts';
import { DATA_KEY_PAIR_SPECS } from '../../workers/key-specs.ts';
import { spkiToJwk, spkiToPem } from '../../workers/crypto/public-key.ts';
import { fromBase64, fromBase64Url } from '../../workers/encoding.ts';
import type { Kms } from '../../workers/kms/kms.ts';
import { expectKmsError, openVaultForTest, toBase64, toHex, utf8 } from './support/vault.ts';

/** RSA key generation and a process per openssl call: slow on a busy two-core machine. */
const SLOW = 180_000;

async function kms(): Promise<Kms> {
  return (await openVaultForTest()).kms;
}

async function createKey(k: Kms, KeySpec: string, KeyUsage: KeyUsage): Promise<string> {
  return (await k.createKey({ KeySpec, KeyUsage })).KeyMetadata.KeyId;
}

function text(value: string): string {
  return toBase64(utf8(value));
}

function bytesOf(base64: string | undefined): Uint8Array {
  const bytes = base64 === undefined ? undefined : fromBase64(base64);
  if (!bytes) throw new Error('openssl wrote no such file');
  return bytes;
}

const RSA_SIGNING: SigningAlgorithm[] = [
  'RSASSA_PSS_SHA_256',
  'RSASSA_PSS_SHA_384',
  'RSASSA_PSS_SHA_512',
  'RSASSA_PKCS1_V1_5_SHA_256',
  'RSASSA_PKCS1_V1_5_SHA_384',
  'RSASSA_PKCS1_V1_5_SHA_512',
];

const SIGNING_SPECS: [string, SigningAlgorithm[]][] = [
  ['RSA_2048', RSA_SIGNING],
  ['RSA_3072', RSA_SIGNING],
  ['RSA_4096', RSA_SIGNING],
  ['ECC_NIST_P256', ['ECDSA_SHA_256']],
  ['ECC_NIST_P384', ['ECDSA_SHA_384']],
  ['ECC_NIST_P521', ['ECDSA_SHA_512']],
  ['ECC_SECG_P256K1', ['ECDSA_SHA_256']],
  ['ECC_NIST_EDWARDS25519', ['ED25519_SHA_512']],
];

/** The openssl command that verifies `signature.bin` over `message.bin` with `pub.pem`. */
function opensslVerifyArgs(algorithm: SigningAlgorithm): string[] {
  if (algorithm === 'ED25519_SHA_512') {
    return [
      'pkeyutl',
      '-verify',
      '-pubin',
      '-inkey',
      'pub.pem',
      '-rawin',
      '-in',
      'message.bin',
      '-sigfile',
      'signature.bin',
    ];
  }
  const digest = `-sha${algorithm.slice(-3)}`;
  const pss = algorithm.startsWith('RSASSA_PSS_')
    ? ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:-1']
    : [];
  return [
    'dgst',
    digest,
    ...pss,
    '-verify',
    'pub.pem',
    '-signature',
    'signature.bin',
    'message.bin',
  ];
}

describe('signatures made in the vault verify with openssl', () => {
  it.each(SIGNING_SPECS)(
    '%s, each algorithm: sign (RAW) and signFile, checked with the exported public key',
    async (KeySpec, algorithms) => {
      const k = await kms();
      const message = utf8('Pay Bob 100 EUR — signed in Pocket KMS');
      const file = new File([utf8('minutes of the meeting\n'.repeat(5000))], 'minutes.txt');
      const changedFile = new File(
        [utf8('minutes of the meeting\n'.repeat(4999) + 'minutes of the meetinG\n')],
        'minutes.txt',
      );
      const keyId = await createKey(k, KeySpec, 'SIGN_VERIFY');
      const pem = spkiToPem((await k.getPublicKey({ KeyId: keyId })).PublicKey);
      // Another key of the same spec: its public key must not verify this key's signatures.
      const otherPem = spkiToPem(
        (await k.getPublicKey({ KeyId: await createKey(k, KeySpec, 'SIGN_VERIFY') })).PublicKey,
      );
      for (const SigningAlgorithm of algorithms) {
        const label = `${KeySpec} ${SigningAlgorithm}`;
        const { Signature } = await k.sign({ KeyId: keyId, Message: message, SigningAlgorithm });
        const files = { 'pub.pem': text(pem), 'signature.bin': toBase64(Signature) };
        const good = await commands.openssl({
          files: { ...files, 'message.bin': toBase64(message) },
          args: opensslVerifyArgs(SigningAlgorithm),
        });
        expect([good.status, good.stdout.trim(), good.stderr], label).toEqual([
          0,
          SigningAlgorithm === 'ED25519_SHA_512'
            ? 'Signature Verified Successfully'
            : 'Verified OK',
          '',
        ]);
        const bad = await commands.openssl({
          files: { ...files, 'message.bin': toBase64(utf8('Pay Bob 900 EUR')) },
          args: opensslVerifyArgs(SigningAlgorithm),
        });
        expect(bad.status, label).not.toBe(0);

        const { SignatureFile } = await k.signFile({
          Input: file,
          KeyId: keyId,
          SigningAlgorithm,
        });
        const signatureFile = toBase64(new Uint8Array(await SignatureFile.arrayBuffer()));
        const documented = {
          file: 'minutes.txt',
          signatureFile: 'minutes.txt.sig',
          publicKey: 'pub.pem',
        };
        const original = toBase64(new Uint8Array(await file.arrayBuffer()));
        const changed = toBase64(new Uint8Array(await changedFile.arrayBuffer()));
        // As the reader runs it: the saved block, with plain sh or bash (no -e of the caller's).
        for (const shell of ['sh', 'bash'] as const) {
          const run = (minutes: string, publicKey: string) =>
            commands.verifyAsDocumented({
              ...documented,
              shell,
              files: {
                'minutes.txt': minutes,
                'minutes.txt.sig': signatureFile,
                'pub.pem': text(publicKey),
              },
            });
          const at = `${label} (${shell})`;
          const checked = await run(original, pem);
          expect([checked.status, checked.stderr], at).toEqual([0, '']);
          expect(checked.stdout, at).toContain('minutes.txt: OK');
          expect(checked.stdout, at).toMatch(/^(Verified OK|Signature Verified Successfully)$/m);
          expect(checked.stdout, at).toContain('"sha256":');

          // Another key: the signature check fails, and the script stops there — no "OK" for
          // the file after it, no statement, a non-zero exit (issue 15: it printed
          // "Verification failure", then "minutes.txt: OK", and exited 0).
          const wrongKey = await run(original, otherPem);
          expect(wrongKey.status, at).not.toBe(0);
          expect(wrongKey.stdout, at).not.toContain(': OK');
          expect(wrongKey.stdout, at).not.toContain('"sha256":');
          expect(wrongKey.stdout + wrongKey.stderr, at).toMatch(/Verification failure|fail/i);

          // A changed file: the signature is good, the file's hash is not, and it stops there.
          const tampered = await run(changed, pem);
          expect(tampered.status, at).not.toBe(0);
          expect(tampered.stdout, at).toContain('minutes.txt: FAILED');
          expect(tampered.stdout, at).not.toContain('"sha256":');
        }
      }
    },
    SLOW,
  );
});

describe('openssl encrypts, the vault decrypts', () => {
  it.each(['RSA_2048', 'RSA_3072', 'RSA_4096'])(
    '%s: RSAES-OAEP with SHA-1 and SHA-256, at the longest plaintext each allows',
    async (KeySpec) => {
      const k = await kms();
      const keyId = await createKey(k, KeySpec, 'ENCRYPT_DECRYPT');
      const pem = spkiToPem((await k.getPublicKey({ KeyId: keyId })).PublicKey);
      const bits = Number(KeySpec.slice(4));
      for (const [EncryptionAlgorithm, md, hashLength] of [
        ['RSAES_OAEP_SHA_1', 'sha1', 20],
        ['RSAES_OAEP_SHA_256', 'sha256', 32],
      ] as const) {
        const label = `${KeySpec} ${EncryptionAlgorithm}`;
        const plaintext = new Uint8Array(bits / 8 - 2 * hashLength - 2);
        crypto.getRandomValues(plaintext);
        const encrypted = await commands.openssl({
          files: { 'pub.pem': text(pem), 'plain.bin': toBase64(plaintext) },
          args: [
            'pkeyutl',
            '-encrypt',
            '-pubin',
            '-inkey',
            'pub.pem',
            '-pkeyopt',
            'rsa_padding_mode:oaep',
            '-pkeyopt',
            `rsa_oaep_md:${md}`,
            '-in',
            'plain.bin',
            '-out',
            'cipher.bin',
          ],
          outputs: ['cipher.bin'],
        });
        expect([encrypted.status, encrypted.stderr], label).toEqual([0, '']);
        const CiphertextBlob = bytesOf(encrypted.outputs['cipher.bin']);
        const decrypted = await k.decrypt({ CiphertextBlob, KeyId: keyId, EncryptionAlgorithm });
        expect(toHex(decrypted.Plaintext), label).toBe(toHex(plaintext));
        // The hash is part of the scheme: the other OAEP algorithm does not open it.
        await expectKmsError(
          k.decrypt({
            CiphertextBlob,
            KeyId: keyId,
            EncryptionAlgorithm: md === 'sha1' ? 'RSAES_OAEP_SHA_256' : 'RSAES_OAEP_SHA_1',
          }),
          'InvalidCiphertextException',
        );
      }
    },
    SLOW,
  );
});

/** The hex bytes of the indented block that follows `heading:` in `openssl pkey -text`. */
function textBlock(output: string, heading: string): string {
  const lines = output.split('\n');
  const start = lines.indexOf(`${heading}:`);
  if (start < 0) throw new Error(`openssl printed no "${heading}:" block`);
  let hex = '';
  for (const line of lines.slice(start + 1)) {
    if (!/^\s+[0-9a-f:]+$/.test(line)) break;
    hex += line.replace(/[\s:]/g, '');
  }
  return hex;
}

describe('exported public keys parse with openssl', () => {
  it(
    'DER and PEM with `openssl pkey -pubin`, re-encoded byte for byte; the JWK holds the numbers OpenSSL reads',
    async () => {
      const k = await kms();
      const cases: [string, KeyUsage, string][] = [
        ['RSA_2048', 'SIGN_VERIFY', 'Modulus:'],
        ['RSA_3072', 'ENCRYPT_DECRYPT', 'Modulus:'],
        ['ECC_NIST_P256', 'SIGN_VERIFY', 'ASN1 OID: prime256v1'],
        ['ECC_NIST_P384', 'SIGN_VERIFY', 'ASN1 OID: secp384r1'],
        ['ECC_NIST_P521', 'KEY_AGREEMENT', 'ASN1 OID: secp521r1'],
        ['ECC_SECG_P256K1', 'SIGN_VERIFY', 'ASN1 OID: secp256k1'],
        ['ECC_NIST_EDWARDS25519', 'SIGN_VERIFY', 'ED25519 Public-Key:'],
      ];
      for (const [KeySpec, KeyUsage, identifies] of cases) {
        const label = `${KeySpec} ${KeyUsage}`;
        const der = (await k.getPublicKey({ KeyId: await createKey(k, KeySpec, KeyUsage) }))
          .PublicKey;
        for (const [inform, name, body] of [
          ['DER', 'pub.der', toBase64(der)],
          ['PEM', 'pub.pem', text(spkiToPem(der))],
        ] as const) {
          const parsed = await commands.openssl({
            files: { [name]: body },
            args: [
              'pkey',
              '-pubin',
              '-inform',
              inform,
              '-in',
              name,
              '-outform',
              'DER',
              '-out',
              'round.der',
            ],
            outputs: ['round.der'],
          });
          expect([parsed.status, parsed.stderr], `${label} ${inform}`).toEqual([0, '']);
          expect(toHex(bytesOf(parsed.outputs['round.der'])), `${label} ${inform}`).toBe(
            toHex(der),
          );
        }
        const described = await commands.openssl({
          files: { 'pub.der': toBase64(der) },
          args: ['pkey', '-pubin', '-inform', 'DER', '-in', 'pub.der', '-noout', '-text'],
        });
        expect(described.status, label).toBe(0);
        expect(described.stdout, label).toContain(identifies);
        const jwk = spkiToJwk(der);
        const b64url = (value: string): string => toHex(fromBase64Url(value) ?? new Uint8Array());
        if (jwk.kty === 'RSA') {
          expect(textBlock(described.stdout, 'Modulus').replace(/^00/, ''), label).toBe(
            b64url(jwk.n),
          );
          expect(jwk.e, label).toBe('AQAB');
          expect(described.stdout, label).toContain('Exponent: 65537 (0x10001)');
        } else if (jwk.kty === 'EC') {
          expect(textBlock(described.stdout, 'pub'), label).toBe(
            `04${b64url(jwk.x)}${b64url(jwk.y)}`,
          );
        } else {
          expect(textBlock(described.stdout, 'pub'), label).toBe(b64url(jwk.x));
        }
      }
    },
    SLOW,
  );
});

describe('data key pairs: the PKCS #8 private key parses with openssl', () => {
  it.each(DATA_KEY_PAIR_SPECS)(
    '%s: `openssl pkey -inform DER` reads the private key and derives the returned public key',
    async (KeyPairSpec) => {
      const k = await kms();
      const keyId = await createKey(k, 'SYMMETRIC_DEFAULT', 'ENCRYPT_DECRYPT');
      const pair = await k.generateDataKeyPair({ KeyId: keyId, KeyPairSpec });
      const parsed = await commands.openssl({
        files: { 'private.der': toBase64(pair.PrivateKeyPlaintext) },
        args: [
          'pkey',
          '-inform',
          'DER',
          '-in',
          'private.der',
          '-pubout',
          '-outform',
          'DER',
          '-out',
          'public.der',
        ],
        outputs: ['public.der'],
      });
      expect([parsed.status, parsed.stderr], KeyPairSpec).toEqual([0, '']);
      expect(toHex(bytesOf(parsed.outputs['public.der'])), KeyPairSpec).toBe(toHex(pair.PublicKey));
      const checked = await commands.openssl({
        files: { 'private.der': toBase64(pair.PrivateKeyPlaintext) },
        args: ['pkey', '-inform', 'DER', '-in', 'private.der', '-check', '-noout'],
      });
      expect(checked.status, `${KeyPairSpec} -check: ${checked.stderr}`).toBe(0);
    },
    SLOW,
  );
});
