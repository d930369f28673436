/**
 * The small-ciphertext blob of encrypt, generateDataKey and reEncrypt — docs/FORMAT.md,
 * "Ciphertext blob, version 1". Byte layout (big-endian):
 *
 *   offset  length  field
 *   0       1       format version, 0x01
 *   1       16      KeyId, the UUID's 16 bytes
 *   17      4       key version (u32, 1 = the key's original material)
 *   21      12      IV, random per blob
 *   33      n       AES-256-GCM ciphertext of the plaintext (n = plaintext length)
 *   33 + n  16      GCM tag
 *
 * AAD = bytes 0..32 (the header, IV included) ‖ serializeEncryptionContext(context).
 * Decoding checks only the structure; authenticity is the GCM tag's job.
 */
import { fromHex, toHex } from '../encoding.ts';

/** The IV and GCM tag lengths this layout fixes (NIST SP 800-38D's 96-bit IV, 128-bit tag). */
const IV_LENGTH = 12;
const TAG_LENGTH = 16;

export const BLOB_FORMAT_VERSION = 0x01;
export const BLOB_HEADER_LENGTH = 1 + 16 + 4 + IV_LENGTH;
export const BLOB_MIN_LENGTH = BLOB_HEADER_LENGTH + TAG_LENGTH;

export interface BlobHeader {
  keyId: string;
  keyVersion: number;
  iv: Uint8Array<ArrayBuffer>;
}

export interface ParsedBlob extends BlobHeader {
  /** Bytes 0..32, authenticated as AAD. */
  header: Uint8Array<ArrayBuffer>;
  /** Ciphertext ‖ tag. */
  sealed: Uint8Array<ArrayBuffer>;
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function uuidToBytes(uuid: string): Uint8Array {
  if (!UUID_PATTERN.test(uuid)) throw new RangeError('KeyId is not a lower-case UUID');
  return fromHex(uuid.replaceAll('-', ''))!;
}

function bytesToUuid(bytes: Uint8Array): string {
  const hex = toHex(bytes);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function encodeBlobHeader({ keyId, keyVersion, iv }: BlobHeader): Uint8Array<ArrayBuffer> {
  if (iv.length !== IV_LENGTH) throw new RangeError('IV must be 12 bytes');
  if (!Number.isInteger(keyVersion) || keyVersion < 1 || keyVersion > 0xffffffff) {
    throw new RangeError('key version must be a u32 from 1');
  }
  const header = new Uint8Array(BLOB_HEADER_LENGTH);
  header[0] = BLOB_FORMAT_VERSION;
  header.set(uuidToBytes(keyId), 1);
  new DataView(header.buffer).setUint32(17, keyVersion);
  header.set(iv, 21);
  return header;
}

export function joinBlob(header: Uint8Array, sealed: Uint8Array): Uint8Array<ArrayBuffer> {
  const blob = new Uint8Array(header.length + sealed.length);
  blob.set(header, 0);
  blob.set(sealed, header.length);
  return blob;
}

/** Returns null when the bytes cannot be a version-1 blob (too short, unknown version, version 0). */
export function parseBlob(blob: Uint8Array): ParsedBlob | null {
  if (blob.length < BLOB_MIN_LENGTH || blob[0] !== BLOB_FORMAT_VERSION) return null;
  const copy = new Uint8Array(blob);
  const keyVersion = new DataView(copy.buffer).getUint32(17);
  if (keyVersion === 0) return null;
  return {
    keyId: bytesToUuid(copy.subarray(1, 17)),
    keyVersion,
    iv: copy.slice(21, BLOB_HEADER_LENGTH),
    header: copy.slice(0, BLOB_HEADER_LENGTH),
    sealed: copy.slice(BLOB_HEADER_LENGTH),
  };
}
