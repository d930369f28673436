/**
 * docs/FORMAT.md §2 and workers/formats/ciphertext-blob.ts: the version-1 ciphertext blob
 * layout, offset by offset, and what the parser refuses.
 */
import { describe, expect, it } from 'vitest';
import {
  BLOB_FORMAT_VERSION,
  BLOB_HEADER_LENGTH,
  BLOB_MIN_LENGTH,
  encodeBlobHeader,
  joinBlob,
  parseBlob,
} from '../../workers/formats/ciphertext-blob.ts';

const KEY_ID = '00112233-4455-6677-8899-aabbccddeeff';
// prettier-ignore
const KEY_ID_BYTES = [0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff];
const IV = Uint8Array.from({ length: 12 }, (_, i) => 0xa0 + i);
/** Stands in for ciphertext ‖ tag: 3 bytes of "ciphertext" and a 16-byte "tag". */
const SEALED = Uint8Array.from({ length: 19 }, (_, i) => 0x10 + i);

function sampleBlob(keyVersion = 0x01020304): Uint8Array<ArrayBuffer> {
  return joinBlob(encodeBlobHeader({ keyId: KEY_ID, keyVersion, iv: IV }), SEALED);
}

describe('ciphertext blob v1 layout (FORMAT.md §2)', () => {
  it('has a 33-byte header and a 49-byte minimum (header + 16-byte tag)', () => {
    expect(BLOB_FORMAT_VERSION).toBe(0x01);
    expect(BLOB_HEADER_LENGTH).toBe(33);
    expect(BLOB_MIN_LENGTH).toBe(49);
  });

  it('puts version at 0, KeyId at 1–16, key version (u32 BE) at 17–20, IV at 21–32', () => {
    const header = encodeBlobHeader({ keyId: KEY_ID, keyVersion: 0x01020304, iv: IV });
    // prettier-ignore
    expect([...header]).toEqual([
      0x01,
      ...KEY_ID_BYTES,
      0x01, 0x02, 0x03, 0x04,
      ...IV,
    ]);
    expect(header[0]).toBe(0x01);
    expect([...header.subarray(1, 17)]).toEqual(KEY_ID_BYTES);
    expect([...header.subarray(17, 21)]).toEqual([1, 2, 3, 4]);
    expect([...header.subarray(21, 33)]).toEqual([...IV]);
  });

  it('puts ciphertext ‖ tag from offset 33, so a blob is plaintext length + 49 bytes', () => {
    const blob = sampleBlob();
    expect(blob.length).toBe(33 + SEALED.length);
    expect(blob.length).toBe(3 + 49);
    expect([...blob.subarray(33)]).toEqual([...SEALED]);
  });

  it('parses back the KeyId, key version, IV, header and sealed bytes it encoded', () => {
    const parsed = parseBlob(sampleBlob());
    expect(parsed).not.toBeNull();
    expect(parsed!.keyId).toBe(KEY_ID);
    expect(parsed!.keyVersion).toBe(0x01020304);
    expect([...parsed!.iv]).toEqual([...IV]);
    expect([...parsed!.header]).toEqual([...sampleBlob().subarray(0, 33)]);
    expect([...parsed!.sealed]).toEqual([...SEALED]);
  });

  it('round-trips key versions 1 and 0xFFFFFFFF (the whole u32 range)', () => {
    expect(parseBlob(sampleBlob(1))!.keyVersion).toBe(1);
    expect(parseBlob(sampleBlob(0xffffffff))!.keyVersion).toBe(0xffffffff);
  });

  it('parses a blob that is a view into a larger buffer (non-zero byteOffset)', () => {
    const blob = sampleBlob(7);
    const backing = new Uint8Array(blob.length + 10).fill(0xee);
    backing.set(blob, 5);
    const parsed = parseBlob(backing.subarray(5, 5 + blob.length));
    expect(parsed!.keyVersion).toBe(7);
    expect(parsed!.keyId).toBe(KEY_ID);
    expect([...parsed!.sealed]).toEqual([...SEALED]);
  });

  it('returns copies: changing the input after parsing does not change the parsed blob', () => {
    const blob = sampleBlob();
    const parsed = parseBlob(blob)!;
    blob.fill(0);
    expect(parsed.keyId).toBe(KEY_ID);
    expect([...parsed.iv]).toEqual([...IV]);
    expect([...parsed.sealed]).toEqual([...SEALED]);
  });

  it('accepts the 49-byte minimum (empty ciphertext and a tag) as structure', () => {
    const blob = joinBlob(
      encodeBlobHeader({ keyId: KEY_ID, keyVersion: 1, iv: IV }),
      new Uint8Array(16),
    );
    expect(blob.length).toBe(49);
    expect(parseBlob(blob)).not.toBeNull();
  });

  it('refuses every length below 49 bytes', () => {
    const blob = joinBlob(
      encodeBlobHeader({ keyId: KEY_ID, keyVersion: 1, iv: IV }),
      new Uint8Array(16),
    );
    for (let length = 0; length < 49; length++) {
      expect(parseBlob(blob.subarray(0, length)), `length ${length}`).toBeNull();
    }
  });

  it('refuses every format version byte other than 0x01', () => {
    for (let version = 0; version < 256; version++) {
      if (version === 0x01) continue;
      const blob = sampleBlob();
      blob[0] = version;
      expect(parseBlob(blob), `version byte ${version}`).toBeNull();
    }
  });

  it('refuses key version 0', () => {
    const blob = sampleBlob();
    blob.set([0, 0, 0, 0], 17);
    expect(parseBlob(blob)).toBeNull();
  });

  it('refuses to encode an IV that is not 12 bytes', () => {
    for (const length of [0, 11, 13, 16]) {
      expect(() =>
        encodeBlobHeader({ keyId: KEY_ID, keyVersion: 1, iv: new Uint8Array(length) }),
      ).toThrow(RangeError);
    }
  });

  it('refuses to encode key versions outside 1..0xFFFFFFFF or not integers', () => {
    for (const keyVersion of [0, -1, 1.5, 0x100000000, Number.NaN]) {
      expect(
        () => encodeBlobHeader({ keyId: KEY_ID, keyVersion, iv: IV }),
        `version ${keyVersion}`,
      ).toThrow(RangeError);
    }
  });

  it('refuses to encode a KeyId that is not a lower-case UUID', () => {
    for (const keyId of [
      KEY_ID.toUpperCase(),
      'not-a-uuid',
      KEY_ID.replaceAll('-', ''),
      `${KEY_ID}0`,
    ]) {
      expect(() => encodeBlobHeader({ keyId, keyVersion: 1, iv: IV }), keyId).toThrow(RangeError);
    }
  });
});
