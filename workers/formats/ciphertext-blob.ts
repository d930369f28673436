/**
 * The small-ciphertext blob of encrypt, generateDataKey and reEncrypt — docs/FORMAT.md §2,
 * "Ciphertext blob". Version 2 (written) names the vault that made it; version 1 (read only,
 * written before it) did not. Byte layout (big-endian):
 *
 *   version 2                              version 1
 *   offset  length  field                  offset  length  field
 *   0       1       format version, 0x02   0       1       format version, 0x01
 *   1       5       vault id (u40)         —
 *   6       16      KeyId (UUID bytes)     1       16      KeyId
 *   22      4       key version (u32)      17      4       key version
 *   26      12      IV                     21      12      IV
 *   38      n + 16  ciphertext ‖ GCM tag   33      n + 16  ciphertext ‖ GCM tag
 *
 * AAD = the header (every byte before the ciphertext, IV included) ‖ the serialized encryption
 * context. Decoding checks only the structure; authenticity is the GCM tag's job.
 */
import { fromHex, toHex } from '../encoding.ts';

/** The IV and GCM tag lengths this layout fixes (NIST SP 800-38D's 96-bit IV, 128-bit tag). */
const IV_LENGTH = 12;
const TAG_LENGTH = 16;

/** The version written; version 1 blobs (without a vault id) are still read. */
export const BLOB_FORMAT_VERSION = 0x02;
const BLOB_FORMAT_VERSION_1 = 0x01;
const VAULT_ID_LENGTH = 5;
export const BLOB_HEADER_LENGTH = 1 + VAULT_ID_LENGTH + 16 + 4 + IV_LENGTH;
const BLOB_1_HEADER_LENGTH = 1 + 16 + 4 + IV_LENGTH;
export const BLOB_MIN_LENGTH = BLOB_HEADER_LENGTH + TAG_LENGTH;
const VAULT_ID_PATTERN = /^\d{12}$/;

export interface BlobHeader {
  /** The 12-digit id of the vault that made the blob; absent in version 1 blobs. */
  vaultId?: string;
  keyId: string;
  keyVersion: number;
  iv: Uint8Array<ArrayBuffer>;
}

export interface ParsedBlob extends BlobHeader {
  /** Every byte before the ciphertext, authenticated as AAD. */
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

/** A version 2 header; `vaultId` is required. */
export function encodeBlobHeader({
  vaultId,
  keyId,
  keyVersion,
  iv,
}: BlobHeader): Uint8Array<ArrayBuffer> {
  if (iv.length !== IV_LENGTH) throw new RangeError('IV must be 12 bytes');
  if (!Number.isInteger(keyVersion) || keyVersion < 1 || keyVersion > 0xffffffff) {
    throw new RangeError('key version must be a u32 from 1');
  }
  if (vaultId === undefined || !VAULT_ID_PATTERN.test(vaultId)) {
    throw new RangeError('vault id must be 12 decimal digits');
  }
  const header = new Uint8Array(BLOB_HEADER_LENGTH);
  const view = new DataView(header.buffer);
  header[0] = BLOB_FORMAT_VERSION;
  // u40: the high byte, then the low 32 bits (10^12 < 2^40).
  const id = Number(vaultId);
  view.setUint8(1, Math.floor(id / 2 ** 32));
  view.setUint32(2, id % 2 ** 32);
  header.set(uuidToBytes(keyId), 6);
  view.setUint32(22, keyVersion);
  header.set(iv, 26);
  return header;
}

export function joinBlob(header: Uint8Array, sealed: Uint8Array): Uint8Array<ArrayBuffer> {
  const blob = new Uint8Array(header.length + sealed.length);
  blob.set(header, 0);
  blob.set(sealed, header.length);
  return blob;
}

/**
 * Returns null when the bytes cannot be a blob: too short for their version, an unknown version
 * byte, key version 0, or (version 2) a vault id above 12 digits.
 */
export function parseBlob(blob: Uint8Array): ParsedBlob | null {
  const version = blob[0];
  const headerLength =
    version === BLOB_FORMAT_VERSION
      ? BLOB_HEADER_LENGTH
      : version === BLOB_FORMAT_VERSION_1
        ? BLOB_1_HEADER_LENGTH
        : undefined;
  if (headerLength === undefined || blob.length < headerLength + TAG_LENGTH) return null;
  const copy = new Uint8Array(blob);
  const view = new DataView(copy.buffer);
  let vaultId: string | undefined;
  if (version === BLOB_FORMAT_VERSION) {
    const id = view.getUint8(1) * 2 ** 32 + view.getUint32(2);
    if (id > 999_999_999_999) return null;
    vaultId = String(id).padStart(12, '0');
  }
  const keyIdAt = headerLength - IV_LENGTH - 4 - 16;
  const keyVersion = view.getUint32(keyIdAt + 16);
  if (keyVersion === 0) return null;
  return {
    ...(vaultId !== undefined && { vaultId }),
    keyId: bytesToUuid(copy.subarray(keyIdAt, keyIdAt + 16)),
    keyVersion,
    iv: copy.slice(headerLength - IV_LENGTH, headerLength),
    header: copy.slice(0, headerLength),
    sealed: copy.slice(headerLength),
  };
}
