/**
 * Public keys in DER, PEM and JWK (workers/crypto/public-key.ts, formats/pem.ts,
 * workers/encoding.ts), checked against keys OpenSSL made (tests/vectors/openssl/keys.json):
 * every form parses to the same key and spec, the exports are OpenSSL's bytes and JWKs, and
 * every malformed or unsupported input is refused with the exact error name.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OID, encodeSpki } from '../../workers/crypto/der.ts';
import type { AsymmetricKeySpec } from '../../workers/key-specs.ts';
import {
  describeSpki,
  jwkToSpki,
  parsePublicKey,
  spkiToJwk,
  spkiToPem,
} from '../../workers/crypto/public-key.ts';
import { KmsError, toKmsError, type KmsErrorName } from '../../workers/errors.ts';
import { fromBase64, fromBase64Url, toBase64, toBase64Url } from '../../workers/encoding.ts';
import { decodePem, encodePem } from '../../workers/formats/pem.ts';
import { fromHex, toHex } from '../../workers/encoding.ts';

/** Hex from a vector file: the tree's strict codec, which refuses anything else. */
function hex(text: string): Uint8Array<ArrayBuffer> {
  const bytes = fromHex(text);
  if (!bytes) throw new Error(`not hex in a vector: ${text.slice(0, 16)}…`);
  return bytes;
}

interface OpenSslKey {
  publicKeyDer: string;
  publicKeyPem: string;
  publicKeyJwk: Record<string, string>;
  privateKeyPkcs8: string;
  rsaPublicKeyPem?: string;
}
const OPENSSL = JSON.parse(
  readFileSync(new URL('../vectors/openssl/keys.json', import.meta.url), 'utf8'),
) as {
  keys: Record<AsymmetricKeySpec, OpenSslKey>;
};
const SPECS = Object.keys(OPENSSL.keys) as AsymmetricKeySpec[];

function refusal(run: () => unknown, name: KmsErrorName, message: RegExp): void {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = toKmsError(error); // as the API door names it
  }
  expect(thrown, 'expected a KmsError').toBeInstanceOf(KmsError);
  expect((thrown as KmsError).name).toBe(name);
  expect((thrown as KmsError).message).toMatch(message);
}

describe('public keys OpenSSL made, in every form', () => {
  for (const keySpec of SPECS) {
    const key = OPENSSL.keys[keySpec];
    it(`${keySpec}: DER, PEM, JWK, base64 DER and file bytes all parse to the same key and spec`, () => {
      const forms: unknown[] = [
        hex(key.publicKeyDer),
        key.publicKeyPem,
        new TextEncoder().encode(key.publicKeyPem),
        key.publicKeyJwk,
        JSON.stringify(key.publicKeyJwk),
        toBase64(hex(key.publicKeyDer)),
        `Explanatory text before the block\n${key.publicKeyPem.replaceAll('\n', '\r\n')}trailing text`,
      ];
      for (const [index, form] of forms.entries()) {
        const parsed = parsePublicKey(form);
        expect(parsed.KeySpec, `form ${index}`).toBe(keySpec);
        expect(toHex(parsed.spki), `form ${index}`).toBe(key.publicKeyDer);
      }
    });

    it(`${keySpec}: exports PEM and JWK exactly as OpenSSL writes them`, () => {
      expect(spkiToPem(hex(key.publicKeyDer))).toBe(key.publicKeyPem);
      expect(spkiToJwk(hex(key.publicKeyDer))).toEqual(key.publicKeyJwk);
    });
  }

  it('reads a PKCS #1 "RSA PUBLIC KEY" block as the same RSA key', () => {
    const parsed = parsePublicKey(OPENSSL.keys.RSA_2048.rsaPublicKeyPem);
    expect([parsed.KeySpec, toHex(parsed.spki)]).toEqual([
      'RSA_2048',
      OPENSSL.keys.RSA_2048.publicKeyDer,
    ]);
  });

  it('keeps a P-521 coordinate with leading zero bytes at its full 66-byte length in the JWK', () => {
    for (const keySpec of ['ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521'] as const) {
      const jwk = spkiToJwk(hex(OPENSSL.keys[keySpec].publicKeyDer)) as { x: string; y: string };
      const size = keySpec === 'ECC_NIST_P256' ? 32 : keySpec === 'ECC_NIST_P384' ? 48 : 66;
      expect([fromBase64Url(jwk.x)!.length, fromBase64Url(jwk.y)!.length]).toEqual([size, size]);
    }
  });
});

describe('refusals, each with its error name', () => {
  const ed25519 = OPENSSL.keys.ECC_NIST_EDWARDS25519;
  const p256 = OPENSSL.keys.ECC_NIST_P256;

  it('ValidationException: a PEM private key, with a hint to give the public key', () => {
    const pem = encodePem('PRIVATE KEY', hex(p256.privateKeyPkcs8));
    refusal(
      () => parsePublicKey(pem),
      'ValidationException',
      /PRIVATE KEY; give only the public key/,
    );
  });

  it('ValidationException: PEM whose END label differs from its BEGIN label', () => {
    const pem = ed25519.publicKeyPem.replace('END PUBLIC KEY', 'END PRIVATE KEY');
    refusal(() => parsePublicKey(pem), 'ValidationException', /ends with another label/);
  });

  it('ValidationException: PEM without an END line', () => {
    refusal(
      () => parsePublicKey(ed25519.publicKeyPem.split('-----END')[0]),
      'ValidationException',
      /no "-----END PUBLIC KEY-----" line/,
    );
  });

  it('ValidationException: PEM whose body is not base64', () => {
    const pem = ed25519.publicKeyPem.replace('MC', 'M*');
    refusal(() => parsePublicKey(pem), 'ValidationException', /not valid base64/);
  });

  it('ValidationException: PEM with an empty body', () => {
    refusal(
      () => parsePublicKey('-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n'),
      'ValidationException',
      /is empty/,
    );
  });

  it('UnsupportedOperationException: a certificate, with the OpenSSL command that extracts its key', () => {
    refusal(
      () => parsePublicKey(encodePem('CERTIFICATE', hex('3000'))),
      'UnsupportedOperationException',
      /openssl x509 -pubkey/,
    );
  });

  it('ValidationException: a PEM block with another label', () => {
    refusal(
      () => parsePublicKey(encodePem('EC PARAMETERS', hex('3000'))),
      'ValidationException',
      /labelled EC PARAMETERS/,
    );
  });

  it('ValidationException: DER that is not strict DER, naming the problem', () => {
    const der = hex(ed25519.publicKeyDer);
    const trailing = new Uint8Array([...der, 0]);
    refusal(
      () => parsePublicKey(trailing),
      'ValidationException',
      /not a valid DER SubjectPublicKeyInfo: 1 trailing byte/,
    );
  });

  it('ValidationException: a JWK with a private member', () => {
    refusal(
      () => parsePublicKey({ ...p256.publicKeyJwk, d: 'AAAA' }),
      'ValidationException',
      /private or secret key material/,
    );
  });

  it('ValidationException: a symmetric JWK', () => {
    refusal(
      () => parsePublicKey({ kty: 'oct', k: 'AAAA' }),
      'ValidationException',
      /private or secret key material/,
    );
    refusal(() => jwkToSpki({ kty: 'oct' }), 'ValidationException', /symmetric \(oct\) key/);
  });

  it('ValidationException: a JWK coordinate of the wrong length for its curve', () => {
    const short = { ...p256.publicKeyJwk, x: toBase64Url(new Uint8Array(31)) };
    refusal(
      () => parsePublicKey(short),
      'ValidationException',
      /'x' must be 32 bytes for this curve; it is 31/,
    );
  });

  it('ValidationException: a JWK member in standard base64 or with padding', () => {
    const padded = { ...ed25519.publicKeyJwk, x: `${ed25519.publicKeyJwk.x}=` };
    refusal(() => parsePublicKey(padded), 'ValidationException', /not base64url without padding/);
  });

  it('ValidationException: a JWK missing a member', () => {
    const { y: _y, ...noY } = p256.publicKeyJwk;
    refusal(() => parsePublicKey(noY), 'ValidationException', /no 'y' member/);
  });

  it('ValidationException: JSON that is not a JWK object, and text that is not JSON', () => {
    refusal(() => parsePublicKey('{"kty": "EC",'), 'ValidationException', /not valid JSON/);
    refusal(() => parsePublicKey('[1]'), 'ValidationException', /not PEM, a JWK, or base64 DER/);
    refusal(() => jwkToSpki([1]), 'ValidationException', /must be a JSON object/);
  });

  it('UnsupportedOperationException: curves and key types AWS KMS has no spec for', () => {
    refusal(
      () => parsePublicKey({ kty: 'EC', crv: 'P-192', x: 'AA', y: 'AA' }),
      'UnsupportedOperationException',
      /'P-192'/,
    );
    refusal(
      () => parsePublicKey({ kty: 'OKP', crv: 'X25519', x: 'AA' }),
      'UnsupportedOperationException',
      /'X25519'/,
    );
    const x25519 = encodeSpki({
      algorithm: OID.x25519,
      parameters: { kind: 'absent' },
      publicKey: new Uint8Array(32),
    });
    refusal(
      () => describeSpki(x25519),
      'UnsupportedOperationException',
      /X25519 keys have no AWS KMS key spec/,
    );
    const p192 = encodeSpki({
      algorithm: OID.ecPublicKey,
      parameters: { kind: 'oid', oid: '1.2.840.10045.3.1.1' },
      publicKey: new Uint8Array(49),
    });
    refusal(
      () => describeSpki(p192),
      'UnsupportedOperationException',
      /curve 1\.2\.840\.10045\.3\.1\.1/,
    );
  });

  it('UnsupportedOperationException: RSA sizes other than 2048, 3072 and 4096 bits', () => {
    const n = new Uint8Array(128).fill(0xc5);
    refusal(
      () => parsePublicKey({ kty: 'RSA', n: toBase64Url(n), e: 'AQAB' }),
      'UnsupportedOperationException',
      /RSA keys of 1024 bits/,
    );
  });

  it('UnsupportedOperationException: a compressed EC point', () => {
    const point = new Uint8Array(33);
    point[0] = 0x02;
    const der = encodeSpki({
      algorithm: OID.ecPublicKey,
      parameters: { kind: 'oid', oid: OID.prime256v1 },
      publicKey: point,
    });
    refusal(() => describeSpki(der), 'UnsupportedOperationException', /Compressed EC points/);
  });

  it('ValidationException: an EC point of the wrong length, and RSA without NULL parameters', () => {
    const der = encodeSpki({
      algorithm: OID.ecPublicKey,
      parameters: { kind: 'oid', oid: OID.prime256v1 },
      publicKey: new Uint8Array(64).fill(4),
    });
    refusal(
      () => describeSpki(der),
      'ValidationException',
      /65 bytes starting with 0x04; this one is 64 bytes/,
    );
    const rsa = describeSpki(hex(OPENSSL.keys.RSA_2048.publicKeyDer));
    const spki = encodeSpki({
      algorithm: OID.rsaEncryption,
      parameters: { kind: 'absent' },
      publicKey: rsa.spki.subarray(24),
    });
    refusal(() => describeSpki(spki), 'ValidationException', /NULL parameters/);
  });

  it('ValidationException: empty input, bytes that are neither DER nor UTF-8, and non-key values', () => {
    refusal(() => parsePublicKey(new Uint8Array(0)), 'ValidationException', /empty/);
    refusal(() => parsePublicKey('   '), 'ValidationException', /empty/);
    refusal(() => parsePublicKey(Uint8Array.of(0xff, 0xfe)), 'ValidationException', /neither DER/);
    refusal(() => parsePublicKey(42), 'ValidationException', /DER bytes, PEM text or a JWK/);
  });
});

describe('base64 and PEM armor', () => {
  it('round-trips every length from 0 to 70 bytes in both alphabets', () => {
    for (let length = 0; length <= 70; length++) {
      const bytes = crypto.getRandomValues(new Uint8Array(length));
      expect(toHex(fromBase64(toBase64(bytes))!), `base64, ${length} bytes`).toBe(toHex(bytes));
      expect(toHex(fromBase64Url(toBase64Url(bytes))!), `base64url, ${length} bytes`).toBe(
        toHex(bytes),
      );
    }
  });

  it('refuses missing padding, stray bits, foreign characters and the other alphabet', () => {
    expect(fromBase64('QQ')).toBeUndefined();
    expect(fromBase64('QR==')).toBeUndefined();
    expect(fromBase64('Q===')).toBeUndefined();
    expect(fromBase64('-_8=')).toBeUndefined();
    expect(fromBase64Url('+/8')).toBeUndefined();
    expect(fromBase64Url('QQ==')).toBeUndefined();
    expect(fromBase64Url('Q')).toBeUndefined();
  });

  it('wraps PEM bodies at 64 characters (RFC 7468 §2)', () => {
    const pem = encodePem('PUBLIC KEY', new Uint8Array(100));
    const lines = pem.trimEnd().split('\n');
    expect(lines.slice(1, -1).map((line) => line.length)).toEqual([64, 64, 8]); // 100 bytes are 136 base64 characters
    expect(decodePem(pem).der).toEqual(new Uint8Array(100));
  });
});
