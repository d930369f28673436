/**
 * docs/FORMAT.md §2 and workers/formats/ciphertext-blob.ts: the version-2 ciphertext blob
 * layout (written), the version-1 layout (still read), offset by offset, and what the parser
 * refuses.
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

const VAULT_ID = '884088617902';
/** 884088617902 as a big-endian u40: 0xCD 0xD7 0xC9 0xBB 0xAE. */
const VAULT_ID_BYTES = [0xcd, 0xd7, 0xc9, 0xbb, 0xae];
const KEY_ID = '00112233-4455-6677-8899-aabbccddeeff';
// prettier-ignore
const KEY_ID_BYTES = [0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff];
const IV = Uint8Array.from({ length: 12 }, (_, i) => 0xa0 + i);
/** Stands in for ciphertext ‖ tag: 3 bytes of "ciphertext" and a 16-byte "tag". */
const SEALED = Uint8Array.from({ length: 19 }, (_, i) => 0x10 + i);

function header(keyVersion = 0x01020304, vaultId = VAULT_ID) {
  return encodeBlobHeader({ vaultId, keyId: KEY_ID, keyVersion, iv: IV });
}

function sampleBlob(keyVersion = 0x01020304): Uint8Array<ArrayBuffer> {
  return joinBlob(header(keyVersion), SEALED);
}

/** A version-1 blob, as Pocket KMS wrote them before version 2: no vault id. */
function version1Blob(keyVersion = 0x01020304): Uint8Array<ArrayBuffer> {
  return Uint8Array.from([
    0x01,
    ...KEY_ID_BYTES,
    0x01,
    0x02,
    0x03,
    keyVersion & 0xff,
    ...IV,
    ...SEALED,
  ]);
}

describe('ciphertext blob v2 layout (FORMAT.md §2)', () => {
  it('has a 38-byte header and a 54-byte minimum (header + 16-byte tag)', () => {
    expect(BLOB_FORMAT_VERSION).toBe(0x02);
    expect(BLOB_HEADER_LENGTH).toBe(38);
    expect(BLOB_MIN_LENGTH).toBe(54);
  });

  it('puts version at 0, vault id (u40 BE) at 1–5, KeyId at 6–21, key version at 22–25, IV at 26–37', () => {
    expect(Number.parseInt(VAULT_ID_BYTES.map((b) => b.toString(16)).join(''), 16)).toBe(
      Number(VAULT_ID),
    );
    // prettier-ignore
    expect([...header()]).toEqual([
      0x02,
      ...VAULT_ID_BYTES,
      ...KEY_ID_BYTES,
      0x01, 0x02, 0x03, 0x04,
      ...IV,
    ]);
  });

  it('puts ciphertext ‖ tag from offset 38, so a blob is plaintext length + 54 bytes', () => {
    const blob = sampleBlob();
    expect(blob.length).toBe(38 + SEALED.length);
    expect(blob.length).toBe(3 + 54);
    expect([...blob.subarray(38)]).toEqual([...SEALED]);
  });

  it('parses back the vault id, KeyId, key version, IV, header and sealed bytes it encoded', () => {
    const parsed = parseBlob(sampleBlob());
    expect(parsed).not.toBeNull();
    expect(parsed!.vaultId).toBe(VAULT_ID);
    expect(parsed!.keyId).toBe(KEY_ID);
    expect(parsed!.keyVersion).toBe(0x01020304);
    expect([...parsed!.iv]).toEqual([...IV]);
    expect([...parsed!.header]).toEqual([...sampleBlob().subarray(0, 38)]);
    expect([...parsed!.sealed]).toEqual([...SEALED]);
  });

  it('round-trips vault ids 000000000000 and 999999999999, and key versions 1 and 0xFFFFFFFF', () => {
    for (const vaultId of ['000000000000', '000000000001', '999999999999']) {
      expect(parseBlob(joinBlob(header(1, vaultId), SEALED))!.vaultId).toBe(vaultId);
    }
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

  it('accepts the 54-byte minimum, refuses every length below it', () => {
    const blob = joinBlob(header(1), new Uint8Array(16));
    expect(blob.length).toBe(54);
    expect(parseBlob(blob)).not.toBeNull();
    for (let length = 0; length < 54; length++) {
      expect(parseBlob(blob.subarray(0, length)), `length ${length}`).toBeNull();
    }
  });

  it('refuses every format version byte other than 0x01 and 0x02', () => {
    for (let version = 0; version < 256; version++) {
      if (version === 0x01 || version === 0x02) continue;
      const blob = sampleBlob();
      blob[0] = version;
      expect(parseBlob(blob), `version byte ${version}`).toBeNull();
    }
  });

  it('refuses key version 0 and a vault id above 12 digits', () => {
    const zero = sampleBlob();
    zero.set([0, 0, 0, 0], 22);
    expect(parseBlob(zero)).toBeNull();
    const big = sampleBlob();
    big.set([0xff, 0xff, 0xff, 0xff, 0xff], 1);
    expect(parseBlob(big)).toBeNull();
  });

  it('refuses to encode a bad IV, key version, KeyId or vault id', () => {
    for (const length of [0, 11, 13, 16]) {
      expect(() =>
        encodeBlobHeader({
          vaultId: VAULT_ID,
          keyId: KEY_ID,
          keyVersion: 1,
          iv: new Uint8Array(length),
        }),
      ).toThrow(RangeError);
    }
    for (const keyVersion of [0, -1, 1.5, 0x100000000, Number.NaN]) {
      expect(() => header(keyVersion), `version ${keyVersion}`).toThrow(RangeError);
    }
    for (const keyId of [KEY_ID.toUpperCase(), 'not-a-uuid', KEY_ID.replaceAll('-', '')]) {
      expect(
        () => encodeBlobHeader({ vaultId: VAULT_ID, keyId, keyVersion: 1, iv: IV }),
        keyId,
      ).toThrow(RangeError);
    }
    for (const vaultId of [undefined, '12345', '1234567890123', 'abcdefghijkl']) {
      expect(
        () => encodeBlobHeader({ vaultId, keyId: KEY_ID, keyVersion: 1, iv: IV }),
        String(vaultId),
      ).toThrow(RangeError);
    }
  });
});

describe('ciphertext blob v1 (FORMAT.md §2, read only)', () => {
  it('parses the 33-byte header: no vault id, KeyId at 1–16, key version at 17–20, IV at 21–32', () => {
    const parsed = parseBlob(version1Blob(4))!;
    expect(parsed.vaultId).toBeUndefined();
    expect(parsed.keyId).toBe(KEY_ID);
    expect(parsed.keyVersion).toBe(0x01020304);
    expect([...parsed.iv]).toEqual([...IV]);
    expect([...parsed.header]).toEqual([...version1Blob(4).subarray(0, 33)]);
    expect([...parsed.sealed]).toEqual([...SEALED]);
  });

  it('accepts its 49-byte minimum and refuses shorter', () => {
    const blob = version1Blob().subarray(0, 33 + 16);
    expect(parseBlob(blob)).not.toBeNull();
    expect(parseBlob(blob.subarray(0, 48))).toBeNull();
  });
});
