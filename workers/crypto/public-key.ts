/**
 * Public keys in the three forms people hand around — DER SubjectPublicKeyInfo (what AWS KMS
 * GetPublicKey returns, RFC 5280 §4.1.2.7), PEM (RFC 7468 §13, "PUBLIC KEY") and JWK (RFC 7517,
 * RFC 7518 §6, RFC 8037 for Ed25519, RFC 8812 §3.1 for secp256k1) — and the identification of
 * a key as one of the AWS KeySpecs, so a signature can be verified with only a public key.
 *
 * Parsing is strict (strict DER, exact coordinate lengths) and every refusal is a
 * CryptoInputError: kind 'invalid' for a malformed key (the API names it ValidationException),
 * 'unsupported' for a well-formed key of a kind AWS KMS has no KeySpec for
 * (UnsupportedOperationException). Messages describe the problem, never the key bytes.
 */
import { fromBase64, fromBase64Url, toBase64Url } from '../encoding.ts';
import { decodePem, encodePem, isPem } from '../formats/pem.ts';
import {
  DerError,
  OID,
  encodeRsaPublicKey,
  encodeSpki,
  parseRsaPublicKey,
  parseSpki,
  type Bytes,
} from './der.ts';
import { CURVE_SCALAR_LENGTH, type AsymmetricKeySpec, type NistKeySpec } from '../key-specs.ts';
import { CryptoInputError } from './input-error.ts';

export interface PublicKeyInfo {
  KeySpec: AsymmetricKeySpec;
  /** The key as DER SubjectPublicKeyInfo (a copy that owns its buffer). */
  spki: Bytes;
}

/** A public JWK with only the members that define the key (RFC 7638 §3.2's required members). */
export type PublicJwk =
  | { kty: 'RSA'; n: string; e: string }
  | { kty: 'EC'; crv: 'P-256' | 'P-384' | 'P-521' | 'secp256k1'; x: string; y: string }
  | { kty: 'OKP'; crv: 'Ed25519'; x: string };

type EcKeySpec = NistKeySpec | 'ECC_SECG_P256K1';

const CURVE_BY_OID: Record<string, EcKeySpec> = {
  [OID.prime256v1]: 'ECC_NIST_P256',
  [OID.secp384r1]: 'ECC_NIST_P384',
  [OID.secp521r1]: 'ECC_NIST_P521',
  [OID.secp256k1]: 'ECC_SECG_P256K1',
};
const OID_BY_CURVE: Record<EcKeySpec, string> = {
  ECC_NIST_P256: OID.prime256v1,
  ECC_NIST_P384: OID.secp384r1,
  ECC_NIST_P521: OID.secp521r1,
  ECC_SECG_P256K1: OID.secp256k1,
};
const JWK_CURVE: Record<EcKeySpec, 'P-256' | 'P-384' | 'P-521' | 'secp256k1'> = {
  ECC_NIST_P256: 'P-256',
  ECC_NIST_P384: 'P-384',
  ECC_NIST_P521: 'P-521',
  ECC_SECG_P256K1: 'secp256k1',
};
const UNSUPPORTED_ALGORITHMS: Record<string, string> = {
  [OID.x25519]: 'X25519',
  [OID.x448]: 'X448',
  [OID.ed448]: 'Ed448',
  [OID.rsassaPss]: 'RSASSA-PSS-restricted RSA (id-RSASSA-PSS)',
};

function invalid(message: string): CryptoInputError {
  return new CryptoInputError('invalid', message);
}

function unsupported(message: string): CryptoInputError {
  return new CryptoInputError('unsupported', message);
}

function bitLength(magnitude: Uint8Array): number {
  let start = 0;
  while (start < magnitude.length && magnitude[start] === 0) start++;
  if (start === magnitude.length) return 0;
  return (magnitude.length - start - 1) * 8 + (32 - Math.clz32(magnitude[start]!));
}

function rsaSpecOf(modulusBits: number): AsymmetricKeySpec {
  if (modulusBits === 2048) return 'RSA_2048';
  if (modulusBits === 3072) return 'RSA_3072';
  if (modulusBits === 4096) return 'RSA_4096';
  throw unsupported(
    `RSA keys of ${modulusBits} bits have no AWS KMS key spec; RSA_2048, RSA_3072 and RSA_4096 are supported.`,
  );
}

/** Identifies a DER SubjectPublicKeyInfo as an AWS KeySpec, checking its structure strictly. */
export function describeSpki(der: Uint8Array): PublicKeyInfo {
  const spki = new Uint8Array(der);
  let parsed;
  try {
    parsed = parseSpki(spki);
  } catch (error) {
    if (error instanceof DerError)
      throw invalid(`The public key is not a valid DER SubjectPublicKeyInfo: ${error.message}.`);
    throw error;
  }
  const { algorithm, parameters, publicKey } = parsed;
  if (algorithm === OID.rsaEncryption) {
    if (parameters.kind !== 'null')
      throw invalid('An rsaEncryption public key must have NULL parameters (RFC 3279 §2.3.1).');
    let modulus: Uint8Array;
    try {
      ({ modulus } = parseRsaPublicKey(publicKey));
    } catch (error) {
      if (error instanceof DerError)
        throw invalid(`The RSA public key is not a valid RSAPublicKey: ${error.message}.`);
      throw error;
    }
    return { KeySpec: rsaSpecOf(bitLength(modulus)), spki };
  }
  if (algorithm === OID.ecPublicKey) {
    if (parameters.kind !== 'oid')
      throw invalid(
        'An EC public key must name its curve (namedCurve parameters, RFC 5480 §2.1.1).',
      );
    const keySpec = CURVE_BY_OID[parameters.oid];
    if (!keySpec)
      throw unsupported(
        `EC curve ${parameters.oid} has no AWS KMS key spec; P-256, P-384, P-521 and secp256k1 are supported.`,
      );
    const size = CURVE_SCALAR_LENGTH[keySpec];
    if (publicKey[0] === 0x02 || publicKey[0] === 0x03) {
      throw unsupported(
        'Compressed EC points are not supported; export the public key uncompressed (as AWS KMS and OpenSSL do by default).',
      );
    }
    if (publicKey[0] !== 0x04 || publicKey.length !== 1 + 2 * size) {
      throw invalid(
        `An uncompressed point on this curve is ${1 + 2 * size} bytes starting with 0x04; this one is ${publicKey.length} bytes.`,
      );
    }
    return { KeySpec: keySpec, spki };
  }
  if (algorithm === OID.ed25519) {
    if (parameters.kind !== 'absent')
      throw invalid('An Ed25519 public key must have no parameters (RFC 8410 §3).');
    if (publicKey.length !== 32)
      throw invalid(`An Ed25519 public key is 32 bytes; this one is ${publicKey.length}.`);
    return { KeySpec: 'ECC_NIST_EDWARDS25519', spki };
  }
  const name = UNSUPPORTED_ALGORITHMS[algorithm];
  throw unsupported(
    `${name ? `${name} keys have` : `Public-key algorithm ${algorithm} has`} no AWS KMS key spec that signs or verifies here.`,
  );
}

/** The subjectPublicKey bytes: an EC point (0x04 ‖ x ‖ y), 32 Ed25519 bytes, or RSAPublicKey DER. */
export function subjectPublicKey(spki: Bytes): Bytes {
  return parseSpki(spki).publicKey;
}

/** SubjectPublicKeyInfo of an uncompressed EC point on a curve. */
export function ecPointToSpki(keySpec: EcKeySpec, point: Uint8Array): Bytes {
  const size = CURVE_SCALAR_LENGTH[keySpec];
  if (point.length !== 1 + 2 * size || point[0] !== 0x04) {
    throw new RangeError(
      `an uncompressed point on this curve is ${1 + 2 * size} bytes starting with 0x04`,
    );
  }
  return encodeSpki({
    algorithm: OID.ecPublicKey,
    parameters: { kind: 'oid', oid: OID_BY_CURVE[keySpec] },
    publicKey: new Uint8Array(point),
  });
}

// --- export -----------------------------------------------------------------------------------

export function spkiToPem(spki: Uint8Array): string {
  return encodePem('PUBLIC KEY', spki);
}

/** The key's public JWK, with exactly the members that define it (no key_ops, ext or alg). */
export function spkiToJwk(spki: Uint8Array): PublicJwk {
  const { KeySpec, spki: der } = describeSpki(spki);
  const key = subjectPublicKey(der);
  if (KeySpec === 'ECC_NIST_EDWARDS25519')
    return { kty: 'OKP', crv: 'Ed25519', x: toBase64Url(key) };
  if (KeySpec.startsWith('RSA_')) {
    const { modulus, publicExponent } = parseRsaPublicKey(key);
    return { kty: 'RSA', n: toBase64Url(modulus), e: toBase64Url(publicExponent) };
  }
  const curve = KeySpec as EcKeySpec;
  const size = CURVE_SCALAR_LENGTH[curve];
  return {
    kty: 'EC',
    crv: JWK_CURVE[curve],
    x: toBase64Url(key.subarray(1, 1 + size)),
    y: toBase64Url(key.subarray(1 + size)),
  };
}

// --- import -----------------------------------------------------------------------------------

function jwkMember(jwk: Record<string, unknown>, name: string, length?: number): Bytes {
  const value = jwk[name];
  if (typeof value !== 'string' || value.length === 0)
    throw invalid(`The JWK has no '${name}' member.`);
  const bytes = fromBase64Url(value);
  if (!bytes)
    throw invalid(`The JWK member '${name}' is not base64url without padding (RFC 7515 §2).`);
  if (length !== undefined && bytes.length !== length) {
    throw invalid(
      `The JWK member '${name}' must be ${length} bytes for this curve; it is ${bytes.length}.`,
    );
  }
  return bytes;
}

/** SubjectPublicKeyInfo of a public JWK. */
export function jwkToSpki(value: unknown): PublicKeyInfo {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid('A JWK must be a JSON object.');
  const jwk = value as Record<string, unknown>;
  if ('d' in jwk || 'p' in jwk || 'k' in jwk) {
    throw invalid('The JWK holds private or secret key material; give only the public key.');
  }
  if (jwk.kty === 'RSA') {
    const modulus = jwkMember(jwk, 'n');
    const publicExponent = jwkMember(jwk, 'e');
    return describeSpki(
      encodeSpki({
        algorithm: OID.rsaEncryption,
        parameters: { kind: 'null' },
        publicKey: encodeRsaPublicKey(modulus, publicExponent),
      }),
    );
  }
  if (jwk.kty === 'EC') {
    const keySpec = (Object.keys(JWK_CURVE) as EcKeySpec[]).find(
      (spec) => JWK_CURVE[spec] === jwk.crv,
    );
    if (!keySpec)
      throw unsupported(
        `JWK curve '${String(jwk.crv)}' has no AWS KMS key spec; P-256, P-384, P-521 and secp256k1 are supported.`,
      );
    const size = CURVE_SCALAR_LENGTH[keySpec];
    const x = jwkMember(jwk, 'x', size);
    const y = jwkMember(jwk, 'y', size);
    const point = new Uint8Array(1 + 2 * size);
    point[0] = 0x04;
    point.set(x, 1);
    point.set(y, 1 + size);
    return { KeySpec: keySpec, spki: ecPointToSpki(keySpec, point) };
  }
  if (jwk.kty === 'OKP') {
    if (jwk.crv !== 'Ed25519')
      throw unsupported(
        `JWK curve '${String(jwk.crv)}' has no AWS KMS signing key spec; Ed25519 is supported.`,
      );
    const x = jwkMember(jwk, 'x', 32);
    return describeSpki(
      encodeSpki({ algorithm: OID.ed25519, parameters: { kind: 'absent' }, publicKey: x }),
    );
  }
  if (jwk.kty === 'oct') throw invalid('The JWK is a symmetric (oct) key, not a public key.');
  throw invalid(`JWK key type '${String(jwk.kty)}' is not a public key type (RSA, EC or OKP).`);
}

function fromPemText(text: string): PublicKeyInfo {
  const { label, der } = decodePem(text);
  if (label === 'PUBLIC KEY') return describeSpki(der);
  if (label === 'RSA PUBLIC KEY') {
    // PKCS #1 RSAPublicKey (`openssl rsa -RSAPublicKey_out`): the same key without the wrapper.
    try {
      parseRsaPublicKey(der);
    } catch (error) {
      if (error instanceof DerError)
        throw invalid(`The RSA PUBLIC KEY block is not a valid RSAPublicKey: ${error.message}.`);
      throw error;
    }
    return describeSpki(
      encodeSpki({ algorithm: OID.rsaEncryption, parameters: { kind: 'null' }, publicKey: der }),
    );
  }
  if (label.includes('PRIVATE KEY'))
    throw invalid(
      `The PEM block is a ${label}; give only the public key (-----BEGIN PUBLIC KEY-----).`,
    );
  if (label === 'CERTIFICATE') {
    throw unsupported(
      'Certificates are not read; extract the public key first (openssl x509 -pubkey -noout -in cert.pem).',
    );
  }
  throw invalid(`The PEM block is labelled ${label}; a public key is labelled PUBLIC KEY.`);
}

function fromText(text: string): PublicKeyInfo {
  const trimmed = text.trim();
  if (trimmed.length === 0) throw invalid('The public key is empty.');
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw invalid('The public key looks like a JWK but is not valid JSON.');
    }
    return jwkToSpki(parsed);
  }
  if (isPem(trimmed)) return fromPemText(trimmed);
  // Bare base64 DER: what `aws kms get-public-key` prints in its PublicKey field.
  const der = fromBase64(trimmed.replace(/\s/g, ''));
  if (der && der[0] === 0x30) return describeSpki(der);
  throw invalid('The public key is not PEM, a JWK, or base64 DER.');
}

/**
 * A public key given as DER bytes, PEM text, JWK (object or JSON text), or base64 DER — or the
 * bytes of a dropped .pem/.der/.jwk file — identified as an AWS KeySpec with its DER SPKI.
 */
export function parsePublicKey(input: unknown): PublicKeyInfo {
  if (input instanceof Uint8Array) {
    if (input.length === 0) throw invalid('The public key is empty.');
    if (input[0] === 0x30) return describeSpki(input);
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(input);
    } catch {
      throw invalid(
        'The public key bytes are neither DER (which starts with 0x30) nor UTF-8 text.',
      );
    }
    return fromText(text);
  }
  if (typeof input === 'string') return fromText(input);
  if (typeof input === 'object' && input !== null) return jwkToSpki(input);
  throw invalid('The public key must be DER bytes, PEM text or a JWK.');
}

/** Imports an SPKI as an exportable public CryptoKey (public keys are not secret). */
export function importSpki(
  spki: Bytes,
  algorithm: RsaHashedImportParams | EcKeyImportParams | Algorithm,
  usages: KeyUsage[],
): Promise<CryptoKey> {
  return crypto.subtle.importKey('spki', spki, algorithm, true, usages);
}
