/**
 * Canonical encryption-context serialization, shared by the ciphertext blob (its AAD) and the
 * AWS Encryption SDK message header. It is the ESDK's "Key Value Pairs" structure
 * (aws-encryption-sdk-specification, framework/structures.md#serialization):
 *
 *   u16 count ‖ count × (u16 keyLength ‖ key UTF-8 ‖ u16 valueLength ‖ value UTF-8)
 *
 * entries sorted by the UTF-8 bytes of the key, ascending, no duplicate keys. An empty context
 * serializes to zero bytes (not to a zero count). All integers big-endian.
 */
import type { EncryptionContext } from '../api.ts';

const utf8 = new TextEncoder();
const MAX_U16 = 0xffff;

export interface ContextEntry {
  key: Uint8Array;
  value: Uint8Array;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return a.length - b.length;
}

/** The entries in canonical order, UTF-8 encoded. */
export function canonicalContextEntries(context: EncryptionContext): ContextEntry[] {
  return Object.entries(context)
    .map(([key, value]) => ({ key: utf8.encode(key), value: utf8.encode(value) }))
    .sort((a, b) => compareBytes(a.key, b.key));
}

/** Throws RangeError when a key, a value, the count or the whole exceeds what u16 fields hold. */
export function serializeEncryptionContext(context: EncryptionContext): Uint8Array<ArrayBuffer> {
  const entries = canonicalContextEntries(context);
  if (entries.length === 0) return new Uint8Array(0);
  if (entries.length > MAX_U16) throw new RangeError('encryption context has too many entries');
  let length = 2;
  for (const { key, value } of entries) {
    if (key.length > MAX_U16 || value.length > MAX_U16) {
      throw new RangeError('encryption context key or value is longer than 65535 bytes');
    }
    length += 4 + key.length + value.length;
  }
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
  view.setUint16(0, entries.length);
  let offset = 2;
  for (const { key, value } of entries) {
    view.setUint16(offset, key.length);
    out.set(key, offset + 2);
    offset += 2 + key.length;
    view.setUint16(offset, value.length);
    out.set(value, offset + 2);
    offset += 2 + value.length;
  }
  return out;
}
