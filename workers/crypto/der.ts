/**
 * The little DER (ITU-T X.690 §10) this core reads and writes: ECDSA signatures (RFC 3279
 * §2.2.3), SubjectPublicKeyInfo (RFC 5280 §4.1.2.7), RSAPublicKey (RFC 8017 §A.1.1) and EC
 * private keys in PKCS #8 (RFC 5208 §5, RFC 5915 §3).
 *
 * The reader is strict on purpose — a signature or key has exactly one valid encoding:
 * low-tag-number form only, definite lengths in the fewest bytes, INTEGERs minimal and (where
 * a magnitude is expected) non-negative, BIT STRINGs without unused bits, and no byte after the
 * outermost element. Anything else throws DerError, whose message says what and where (never
 * the bytes themselves).
 */

import { concatBytes, type Bytes } from './bytes.ts';

export type { Bytes };

export class DerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DerError';
  }
}

export const TAG = {
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  SEQUENCE: 0x30,
  CONTEXT_0: 0xa0,
  CONTEXT_1: 0xa1,
} as const;

const TAG_NAMES: Record<number, string> = {
  0x02: 'INTEGER',
  0x03: 'BIT STRING',
  0x04: 'OCTET STRING',
  0x05: 'NULL',
  0x06: 'OBJECT IDENTIFIER',
  0x30: 'SEQUENCE',
  0xa0: '[0]',
  0xa1: '[1]',
};

function tagName(tag: number): string {
  return TAG_NAMES[tag] ?? `tag 0x${tag.toString(16).padStart(2, '0')}`;
}

/** One element: its tag and its content bytes (a view into the input). */
export interface Tlv {
  tag: number;
  content: Bytes;
  /** Offset of the element's first byte in the input it was read from. */
  offset: number;
  /** Offset just past the element. */
  end: number;
}

/** Reads the element at `offset`, strictly. */
export function readTlv(bytes: Bytes, offset = 0): Tlv {
  if (offset >= bytes.length)
    throw new DerError(`expected an element at offset ${offset}, found the end of the input`);
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f)
    throw new DerError(`high-tag-number form at offset ${offset} is not used here`);
  let cursor = offset + 1;
  if (cursor >= bytes.length) throw new DerError(`missing length at offset ${cursor}`);
  const first = bytes[cursor++]!;
  let length: number;
  if (first < 0x80) {
    length = first;
  } else if (first === 0x80) {
    throw new DerError(`indefinite length at offset ${cursor - 1} (BER, not DER)`);
  } else {
    const count = first & 0x7f;
    if (count > 4)
      throw new DerError(`length of ${count} bytes at offset ${cursor - 1} is too long`);
    if (cursor + count > bytes.length)
      throw new DerError(`length at offset ${cursor - 1} runs past the end of the input`);
    if (bytes[cursor] === 0)
      throw new DerError(`length at offset ${cursor - 1} has a leading zero byte (not minimal)`);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[cursor++]!;
    if (length < 0x80)
      throw new DerError(
        `length ${length} at offset ${offset + 1} uses the long form (not minimal)`,
      );
  }
  const end = cursor + length;
  if (end > bytes.length) {
    throw new DerError(
      `${tagName(tag)} at offset ${offset} claims ${length} bytes but only ${bytes.length - cursor} remain`,
    );
  }
  return { tag, content: bytes.subarray(cursor, end), offset, end };
}

/** Reads one element of the expected tag that spans the whole input. */
export function readWhole(bytes: Bytes, tag: number): Tlv {
  const tlv = readTlv(bytes, 0);
  if (tlv.tag !== tag) throw new DerError(`expected ${tagName(tag)}, found ${tagName(tlv.tag)}`);
  if (tlv.end !== bytes.length)
    throw new DerError(`${bytes.length - tlv.end} trailing byte(s) after the ${tagName(tag)}`);
  return tlv;
}

/** The children of a constructed element's content, all of it. */
export function readChildren(content: Bytes): Tlv[] {
  const children: Tlv[] = [];
  let offset = 0;
  while (offset < content.length) {
    const child = readTlv(content, offset);
    children.push(child);
    offset = child.end;
  }
  return children;
}

/** Children of a SEQUENCE, checking their tags one by one. */
export function expectChildren(sequence: Tlv, tags: readonly number[], what: string): Tlv[] {
  const children = readChildren(sequence.content);
  if (children.length !== tags.length) {
    throw new DerError(`${what} has ${children.length} element(s), expected ${tags.length}`);
  }
  children.forEach((child, index) => {
    if (child.tag !== tags[index]) {
      throw new DerError(
        `${what}: element ${index + 1} is ${tagName(child.tag)}, expected ${tagName(tags[index]!)}`,
      );
    }
  });
  return children;
}

/**
 * The magnitude of a non-negative INTEGER's content, without the sign byte. Rejects an empty
 * integer, a redundant leading byte (0x00 before a byte < 0x80, X.690 §8.3.2) and negatives.
 */
export function decodeUnsignedInteger(content: Bytes): Bytes {
  if (content.length === 0) throw new DerError('INTEGER with no content');
  if (content.length > 1 && content[0] === 0x00 && content[1]! < 0x80) {
    throw new DerError('INTEGER has a redundant leading zero byte (not minimal)');
  }
  if (content.length > 1 && content[0] === 0xff && content[1]! >= 0x80) {
    throw new DerError('INTEGER has a redundant leading 0xff byte (not minimal)');
  }
  if (content[0]! >= 0x80)
    throw new DerError('INTEGER is negative where a non-negative value is required');
  return content[0] === 0x00 && content.length > 1 ? content.subarray(1) : content;
}

/** A small non-negative INTEGER (versions, exponents that fit) as a number. */
export function decodeSmallInteger(content: Bytes): number {
  const magnitude = decodeUnsignedInteger(content);
  if (magnitude.length > 6) throw new DerError('INTEGER is too large for this field');
  let value = 0;
  for (const byte of magnitude) value = value * 256 + byte;
  return value;
}

// --- writing ----------------------------------------------------------------------------------

export function encodeLength(length: number): Bytes {
  if (!Number.isInteger(length) || length < 0)
    throw new RangeError(`DER length must be a non-negative integer, got ${length}`);
  if (length < 0x80) return Uint8Array.of(length);
  const digits: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) digits.unshift(rest % 256);
  return Uint8Array.of(0x80 | digits.length, ...digits);
}

export function encodeTlv(tag: number, ...content: Uint8Array[]): Bytes {
  const body = concatBytes(content);
  return concatBytes([Uint8Array.of(tag), encodeLength(body.length), body]);
}

/** A non-negative INTEGER from its big-endian magnitude (leading zeros allowed in the input). */
export function encodeUnsignedInteger(magnitude: Uint8Array): Bytes {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.length === 0 ? Uint8Array.of(0) : magnitude.subarray(start);
  return trimmed[0]! >= 0x80
    ? encodeTlv(TAG.INTEGER, Uint8Array.of(0), trimmed)
    : encodeTlv(TAG.INTEGER, trimmed);
}

export function encodeSequence(...children: Uint8Array[]): Bytes {
  return encodeTlv(TAG.SEQUENCE, ...children);
}

/** BIT STRING with zero unused bits. */
export function encodeBitString(bits: Uint8Array): Bytes {
  return encodeTlv(TAG.BIT_STRING, Uint8Array.of(0), bits);
}

/** The content of a BIT STRING that must be whole bytes (public keys). */
export function decodeBitString(content: Bytes): Bytes {
  if (content.length === 0) throw new DerError('BIT STRING with no content');
  if (content[0] !== 0)
    throw new DerError(`BIT STRING has ${content[0]} unused bit(s); a key must be whole bytes`);
  return content.subarray(1);
}

// --- object identifiers (X.690 §8.19) ----------------------------------------------------------

export const OID = {
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsassaPss: '1.2.840.113549.1.1.10',
  ecPublicKey: '1.2.840.10045.2.1',
  prime256v1: '1.2.840.10045.3.1.7',
  secp384r1: '1.3.132.0.34',
  secp521r1: '1.3.132.0.35',
  secp256k1: '1.3.132.0.10',
  x25519: '1.3.101.110',
  x448: '1.3.101.111',
  ed25519: '1.3.101.112',
  ed448: '1.3.101.113',
} as const;

export function encodeOid(dotted: string): Bytes {
  const arcs = dotted.split('.').map((arc) => {
    if (!/^\d+$/.test(arc)) throw new RangeError(`OID arc '${arc}' is not a number`);
    return Number(arc);
  });
  if (arcs.length < 2 || arcs[0]! > 2 || (arcs[0]! < 2 && arcs[1]! > 39))
    throw new RangeError(`'${dotted}' is not a valid OID`);
  const body: number[] = [];
  const pushArc = (value: number): void => {
    const septets: number[] = [value % 128];
    for (let rest = Math.floor(value / 128); rest > 0; rest = Math.floor(rest / 128))
      septets.unshift((rest % 128) | 0x80);
    body.push(...septets);
  };
  pushArc(arcs[0]! * 40 + arcs[1]!);
  for (const arc of arcs.slice(2)) pushArc(arc);
  return encodeTlv(TAG.OID, Uint8Array.from(body));
}

export function decodeOid(content: Bytes): string {
  if (content.length === 0) throw new DerError('OBJECT IDENTIFIER with no content');
  const values: number[] = [];
  let value = 0;
  let fresh = true;
  for (const byte of content) {
    if (fresh && byte === 0x80)
      throw new DerError('OBJECT IDENTIFIER arc has a leading 0x80 byte (not minimal)');
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER) throw new DerError('OBJECT IDENTIFIER arc is too large');
    fresh = (byte & 0x80) === 0;
    if (fresh) {
      values.push(value);
      value = 0;
    }
  }
  if (!fresh) throw new DerError('OBJECT IDENTIFIER ends in the middle of an arc');
  const first = values[0]!;
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...values.slice(1)].join('.');
}

// --- ECDSA signatures: IEEE P1363 (r ‖ s) ⇄ DER SEQUENCE { r INTEGER, s INTEGER } --------------

/**
 * Ecdsa-Sig-Value (RFC 3279 §2.2.3) from the fixed-length r ‖ s that WebCrypto and noble produce.
 * This is the encoding AWS KMS returns for ECDSA_SHA_* and that `openssl dgst -verify` reads.
 */
export function ecdsaP1363ToDer(signature: Uint8Array): Bytes {
  if (signature.length === 0 || signature.length % 2 !== 0) {
    throw new RangeError(
      `a P1363 ECDSA signature has an even, non-zero length; got ${signature.length}`,
    );
  }
  const half = signature.length / 2;
  return encodeSequence(
    encodeUnsignedInteger(signature.subarray(0, half)),
    encodeUnsignedInteger(signature.subarray(half)),
  );
}

/**
 * r ‖ s, each left-padded to `scalarLength` bytes, from a strict-DER Ecdsa-Sig-Value. Throws
 * DerError for any encoding other than the one DER allows, and for an r or s longer than the
 * curve's scalar (such a value cannot be below the group order).
 */
export function ecdsaDerToP1363(der: Bytes, scalarLength: number): Bytes {
  const sequence = readWhole(der, TAG.SEQUENCE);
  const [r, s] = expectChildren(sequence, [TAG.INTEGER, TAG.INTEGER], 'ECDSA signature');
  const out = new Uint8Array(scalarLength * 2);
  [r!, s!].forEach((integer, index) => {
    const magnitude = decodeUnsignedInteger(integer.content);
    const value = magnitude.length === 1 && magnitude[0] === 0 ? magnitude.subarray(1) : magnitude;
    if (value.length > scalarLength) {
      throw new DerError(
        `ECDSA signature ${index === 0 ? 'r' : 's'} has ${value.length} bytes; this curve's scalars have ${scalarLength}`,
      );
    }
    out.set(value, scalarLength * (index + 1) - value.length);
  });
  return out;
}

// --- SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) -------------------------------------------------

export type AlgorithmParameters =
  { kind: 'absent' } | { kind: 'null' } | { kind: 'oid'; oid: string };

export interface SubjectPublicKeyInfo {
  algorithm: string;
  parameters: AlgorithmParameters;
  /** The subjectPublicKey BIT STRING's bytes. */
  publicKey: Bytes;
}

function decodeAlgorithmIdentifier(
  tlv: Tlv,
  what: string,
): { algorithm: string; parameters: AlgorithmParameters } {
  const children = readChildren(tlv.content);
  if (children.length < 1 || children.length > 2)
    throw new DerError(`${what} AlgorithmIdentifier has ${children.length} elements`);
  const [algorithm, parameters] = children;
  if (algorithm!.tag !== TAG.OID)
    throw new DerError(`${what} AlgorithmIdentifier does not start with an OBJECT IDENTIFIER`);
  const oid = decodeOid(algorithm!.content);
  if (!parameters) return { algorithm: oid, parameters: { kind: 'absent' } };
  if (parameters.tag === TAG.NULL) {
    if (parameters.content.length !== 0) throw new DerError(`${what} NULL parameters have content`);
    return { algorithm: oid, parameters: { kind: 'null' } };
  }
  if (parameters.tag === TAG.OID)
    return { algorithm: oid, parameters: { kind: 'oid', oid: decodeOid(parameters.content) } };
  throw new DerError(
    `${what} parameters are ${tagName(parameters.tag)}; only a named curve or NULL is supported`,
  );
}

function encodeAlgorithmIdentifier(algorithm: string, parameters: AlgorithmParameters): Bytes {
  const encodedParameters =
    parameters.kind === 'absent'
      ? new Uint8Array(0)
      : parameters.kind === 'null'
        ? Uint8Array.of(TAG.NULL, 0)
        : encodeOid(parameters.oid);
  return encodeSequence(encodeOid(algorithm), encodedParameters);
}

export function parseSpki(der: Bytes): SubjectPublicKeyInfo {
  const outer = readWhole(der, TAG.SEQUENCE);
  const [algorithmIdentifier, subjectPublicKey] = expectChildren(
    outer,
    [TAG.SEQUENCE, TAG.BIT_STRING],
    'SubjectPublicKeyInfo',
  );
  const { algorithm, parameters } = decodeAlgorithmIdentifier(
    algorithmIdentifier!,
    'SubjectPublicKeyInfo',
  );
  return { algorithm, parameters, publicKey: decodeBitString(subjectPublicKey!.content) };
}

export function encodeSpki({ algorithm, parameters, publicKey }: SubjectPublicKeyInfo): Bytes {
  return encodeSequence(
    encodeAlgorithmIdentifier(algorithm, parameters),
    encodeBitString(publicKey),
  );
}

/** RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } — magnitudes. */
export function parseRsaPublicKey(der: Bytes): { modulus: Bytes; publicExponent: Bytes } {
  const sequence = readWhole(der, TAG.SEQUENCE);
  const [modulus, exponent] = expectChildren(sequence, [TAG.INTEGER, TAG.INTEGER], 'RSAPublicKey');
  return {
    modulus: decodeUnsignedInteger(modulus!.content),
    publicExponent: decodeUnsignedInteger(exponent!.content),
  };
}

export function encodeRsaPublicKey(modulus: Uint8Array, publicExponent: Uint8Array): Bytes {
  return encodeSequence(encodeUnsignedInteger(modulus), encodeUnsignedInteger(publicExponent));
}

// --- EC private keys in PKCS #8 ---------------------------------------------------------------

/**
 * PrivateKeyInfo (RFC 5208 §5) holding an ECPrivateKey (RFC 5915 §3), laid out as OpenSSL writes
 * it: version 0, AlgorithmIdentifier { id-ecPublicKey, namedCurve }, and an OCTET STRING with
 * ECPrivateKey { version 1, privateKey, [1] publicKey } — the curve is named once, in the
 * algorithm identifier (RFC 5915 §3 lets [0] parameters be omitted when it is known).
 *
 * WebCrypto has no secp256k1, so data key pairs of ECC_SECG_P256K1 are encoded here.
 */
export function encodeEcPrivateKeyPkcs8(
  curveOid: string,
  privateScalar: Uint8Array,
  publicPoint: Uint8Array,
): Bytes {
  const ecPrivateKey = encodeSequence(
    encodeTlv(TAG.INTEGER, Uint8Array.of(1)),
    encodeTlv(TAG.OCTET_STRING, privateScalar),
    encodeTlv(TAG.CONTEXT_1, encodeBitString(publicPoint)),
  );
  return encodeSequence(
    encodeTlv(TAG.INTEGER, Uint8Array.of(0)),
    encodeAlgorithmIdentifier(OID.ecPublicKey, { kind: 'oid', oid: curveOid }),
    encodeTlv(TAG.OCTET_STRING, ecPrivateKey),
  );
}

/** The curve OID, private scalar and (if present) public point of an EC PKCS #8 key. */
export function parseEcPrivateKeyPkcs8(der: Bytes): {
  curveOid: string;
  privateScalar: Bytes;
  publicPoint?: Bytes;
} {
  const outer = readWhole(der, TAG.SEQUENCE);
  const [version, algorithmIdentifier, privateKey] = expectChildren(
    outer,
    [TAG.INTEGER, TAG.SEQUENCE, TAG.OCTET_STRING],
    'PrivateKeyInfo',
  );
  if (decodeSmallInteger(version!.content) !== 0)
    throw new DerError('PrivateKeyInfo version is not 0');
  const { algorithm, parameters } = decodeAlgorithmIdentifier(
    algorithmIdentifier!,
    'PrivateKeyInfo',
  );
  if (algorithm !== OID.ecPublicKey || parameters.kind !== 'oid')
    throw new DerError('PrivateKeyInfo does not hold an EC key on a named curve');
  const inner = readWhole(privateKey!.content, TAG.SEQUENCE);
  const children = readChildren(inner.content);
  const [innerVersion, scalar, ...optional] = children;
  if (innerVersion?.tag !== TAG.INTEGER || decodeSmallInteger(innerVersion.content) !== 1)
    throw new DerError('ECPrivateKey version is not 1');
  if (scalar?.tag !== TAG.OCTET_STRING)
    throw new DerError('ECPrivateKey privateKey is not an OCTET STRING');
  let publicPoint: Bytes | undefined;
  for (const field of optional) {
    if (field.tag === TAG.CONTEXT_0) continue;
    if (field.tag !== TAG.CONTEXT_1)
      throw new DerError(`ECPrivateKey has an unexpected ${tagName(field.tag)}`);
    publicPoint = decodeBitString(readWhole(field.content, TAG.BIT_STRING).content);
  }
  return {
    curveOid: parameters.oid,
    privateScalar: scalar.content,
    ...(publicPoint && { publicPoint }),
  };
}
