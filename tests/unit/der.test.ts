/**
 * The strict DER codec (workers/crypto/der.ts): ECDSA signatures P1363 ⇄ DER, lengths,
 * integers, object identifiers, SubjectPublicKeyInfo and EC PKCS #8. Every malformed input is
 * refused with DerError; the accepted encoding of each value is the one DER allows, nothing
 * else. PKCS #8 and SPKI bytes are compared with what OpenSSL writes
 * (tests/vectors/openssl/keys.json, made by generate.mjs beside it).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DerError,
  OID,
  decodeOid,
  ecdsaDerToP1363,
  ecdsaP1363ToDer,
  encodeEcPrivateKeyPkcs8,
  encodeLength,
  encodeOid,
  encodeSpki,
  encodeUnsignedInteger,
  parseEcPrivateKeyPkcs8,
  parseSpki,
  readTlv,
} from '../../workers/crypto/der.ts';
import { secp256k1PublicPoint } from '../../workers/crypto/secp256k1.ts';
import { fromHex, toHex } from '../../workers/encoding.ts';

/** Hex from a vector file: the tree's strict codec, which refuses anything else. */
function hex(text: string): Uint8Array<ArrayBuffer> {
  const bytes = fromHex(text);
  if (!bytes) throw new Error(`not hex in a vector: ${text.slice(0, 16)}…`);
  return bytes;
}

const OPENSSL = JSON.parse(
  readFileSync(new URL('../vectors/openssl/keys.json', import.meta.url), 'utf8'),
) as {
  keys: Record<string, { publicKeyDer: string; privateKeyPkcs8: string }>;
};

function derError(run: () => unknown): DerError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DerError);
    expect((error as Error).name).toBe('DerError');
    return error as DerError;
  }
  throw new Error('expected DerError, nothing was thrown');
}

/** 32-byte r ‖ s with the given first bytes, the rest 0x11. */
function p1363(rFirst: number[], sFirst: number[], size = 32): Uint8Array<ArrayBuffer> {
  const signature = new Uint8Array(size * 2).fill(0x11);
  signature.set(rFirst, 0);
  signature.set(sFirst, size);
  return signature;
}

describe('ECDSA signature P1363 → DER', () => {
  it('prefixes 0x00 to an integer whose top bit is set, so it stays positive', () => {
    const der = ecdsaP1363ToDer(p1363([0x80], [0x7f]));
    expect(toHex(der.subarray(0, 5))).toBe('3045022100');
    expect(der[2 + 2 + 33]).toBe(0x02);
    expect(der[2 + 2 + 33 + 1]).toBe(32);
  });

  it('drops leading zero bytes, down to a single 0x00 for zero', () => {
    const signature = p1363([0, 0, 0x05], [0]);
    signature.fill(0, 32);
    const der = ecdsaP1363ToDer(signature);
    expect(toHex(der.subarray(0, 4))).toBe('3023021e');
    expect(toHex(der.subarray(-3))).toBe('020100');
  });

  it('uses the long length form for P-521 signatures longer than 127 bytes', () => {
    const der = ecdsaP1363ToDer(p1363([0x01, 0xff], [0x01, 0xff], 66));
    expect(toHex(der.subarray(0, 3))).toBe('308188');
  });

  it('round-trips 200 random signatures on every curve size', () => {
    const mismatches: string[] = [];
    for (const size of [32, 48, 66]) {
      for (let i = 0; i < 200; i++) {
        const signature = crypto.getRandomValues(new Uint8Array(size * 2));
        if (i % 4 === 0) signature.fill(0, 0, 1 + (i % 7)); // leading zeros in r
        if (i % 5 === 0) signature[size] = 0x80 | signature[size]!; // high bit in s
        const back = toHex(ecdsaDerToP1363(ecdsaP1363ToDer(signature), size));
        if (back !== toHex(signature))
          mismatches.push(`size ${size}, sample ${i}: ${toHex(signature)}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('refuses an odd or empty P1363 length with RangeError', () => {
    expect(() => ecdsaP1363ToDer(new Uint8Array(63))).toThrow(RangeError);
    expect(() => ecdsaP1363ToDer(new Uint8Array(0))).toThrow(RangeError);
  });
});

describe('ECDSA signature DER → P1363 is strict', () => {
  const valid = ecdsaP1363ToDer(p1363([0x12], [0x34]));

  it('accepts the DER encoding and pads r and s to the scalar length', () => {
    expect(ecdsaDerToP1363(hex('3006020101020102'), 32)).toEqual(
      Uint8Array.from({ length: 64 }, (_, index) => (index === 31 ? 1 : index === 63 ? 2 : 0)),
    );
    expect(ecdsaDerToP1363(valid, 32)).toEqual(p1363([0x12], [0x34]));
  });

  const refusals: [string, string, RegExp][] = [
    ['BER indefinite length', '3080020101020102' + '0000', /indefinite length/],
    ['long-form length for a short sequence', '308106020101020102', /long form \(not minimal\)/],
    ['a length with a leading zero byte', '30820006020101020102', /leading zero byte/],
    ['an integer with a redundant 0x00', '300702020001020102', /redundant leading zero/],
    ['a negative integer', '3006020180020102', /negative/],
    ['an empty integer', '30050200020102', /no content/],
    ['a byte after the sequence', '300602010102010200', /1 trailing byte/],
    ['a third element', '3009020101020102020103', /3 element\(s\), expected 2/],
    ['a SET instead of a SEQUENCE', '3106020101020102', /expected SEQUENCE, found tag 0x31/],
    ['an OCTET STRING for s', '3006020101040102', /element 2 is OCTET STRING, expected INTEGER/],
    ['a length past the end of the input', '3007020101020102', /claims 7 bytes but only 6 remain/],
    ['an empty input', '', /found the end of the input/],
    ['the high-tag-number form', '1f0600', /high-tag-number form/],
  ];
  for (const [what, der, message] of refusals) {
    it(`refuses ${what}`, () => {
      expect(derError(() => ecdsaDerToP1363(hex(der), 32)).message).toMatch(message);
    });
  }

  it('refuses an r longer than the curve scalar', () => {
    const long = ecdsaP1363ToDer(p1363([0x12], [0x34], 33));
    expect(derError(() => ecdsaDerToP1363(long, 32)).message).toMatch(
      /r has 33 bytes; this curve's scalars have 32/,
    );
  });
});

describe('DER primitives', () => {
  it('encodes lengths minimally', () => {
    expect(toHex(encodeLength(0))).toBe('00');
    expect(toHex(encodeLength(127))).toBe('7f');
    expect(toHex(encodeLength(128))).toBe('8180');
    expect(toHex(encodeLength(256))).toBe('820100');
    expect(() => encodeLength(-1)).toThrow(RangeError);
  });

  it('reads back what it writes, with the offsets of the element', () => {
    const tlv = readTlv(hex('ff0402abcd'), 1);
    expect([tlv.tag, tlv.offset, tlv.end, toHex(tlv.content)]).toEqual([0x04, 1, 5, 'abcd']);
  });

  it('encodes integers minimally and non-negative', () => {
    expect(toHex(encodeUnsignedInteger(hex('000001')))).toBe('020101');
    expect(toHex(encodeUnsignedInteger(hex('ff')))).toBe('020200ff');
    expect(toHex(encodeUnsignedInteger(hex('0000')))).toBe('020100');
  });

  it('encodes and decodes every OID the core names', () => {
    for (const oid of Object.values(OID)) {
      const encoded = encodeOid(oid);
      expect(decodeOid(encoded.subarray(2)), oid).toBe(oid);
    }
    expect(toHex(encodeOid(OID.ecPublicKey))).toBe('06072a8648ce3d0201');
    expect(toHex(encodeOid(OID.secp256k1))).toBe('06052b8104000a');
  });

  it('refuses an OID arc with a leading 0x80 byte or cut short', () => {
    expect(derError(() => decodeOid(hex('2b80810a'))).message).toMatch(/leading 0x80/);
    expect(derError(() => decodeOid(hex('2b81'))).message).toMatch(/middle of an arc/);
  });
});

describe('SubjectPublicKeyInfo', () => {
  for (const [keySpec, { publicKeyDer }] of Object.entries(OPENSSL.keys)) {
    it(`parses OpenSSL's ${keySpec} public key and encodes it back byte for byte`, () => {
      const spki = parseSpki(hex(publicKeyDer));
      expect(toHex(encodeSpki(spki))).toBe(publicKeyDer);
    });
  }

  it('refuses a BIT STRING with unused bits', () => {
    const der = hex(OPENSSL.keys.ECC_NIST_EDWARDS25519!.publicKeyDer);
    der[11] = 1; // the unused-bits byte of the BIT STRING
    expect(derError(() => parseSpki(der)).message).toMatch(/1 unused bit/);
  });

  it('refuses parameters other than a named curve or NULL', () => {
    expect(derError(() => parseSpki(hex('3010300b06072a8648ce3d02010400030100'))).message).toMatch(
      /only a named curve or NULL/,
    );
  });
});

describe('EC private keys in PKCS #8', () => {
  it("encodes a secp256k1 key exactly as OpenSSL's pkcs8 -topk8 does", () => {
    const der = OPENSSL.keys.ECC_SECG_P256K1!.privateKeyPkcs8;
    const { curveOid, privateScalar, publicPoint } = parseEcPrivateKeyPkcs8(hex(der));
    expect(curveOid).toBe(OID.secp256k1);
    expect(publicPoint).toEqual(secp256k1PublicPoint(privateScalar));
    expect(toHex(encodeEcPrivateKeyPkcs8(curveOid, privateScalar, publicPoint!))).toBe(der);
  });

  for (const keySpec of ['ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521'] as const) {
    it(`reads and re-encodes OpenSSL's ${keySpec} PKCS #8 byte for byte`, () => {
      const der = OPENSSL.keys[keySpec]!.privateKeyPkcs8;
      const { curveOid, privateScalar, publicPoint } = parseEcPrivateKeyPkcs8(hex(der));
      expect(toHex(encodeEcPrivateKeyPkcs8(curveOid, privateScalar, publicPoint!))).toBe(der);
    });
  }

  it('refuses a PKCS #8 that does not hold an EC key', () => {
    expect(
      derError(() => parseEcPrivateKeyPkcs8(hex(OPENSSL.keys.RSA_2048!.privateKeyPkcs8))).message,
    ).toMatch(/does not hold an EC key/);
  });
});
