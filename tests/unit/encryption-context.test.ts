/**
 * docs/FORMAT.md §1: the canonical encryption-context serialization (the AWS Encryption SDK's
 * key-value-pairs structure), byte for byte.
 */
import { describe, expect, it } from 'vitest';
import {
  canonicalContextEntries,
  serializeEncryptionContext,
} from '../../workers/formats/encryption-context.ts';

const utf8 = new TextEncoder();
const decoder = new TextDecoder();

/** Keys in the order they appear in a serialization, read back by the documented layout. */
function keysInSerializedOrder(bytes: Uint8Array): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint16(0);
  const keys: string[] = [];
  let offset = 2;
  for (let i = 0; i < count; i++) {
    const keyLength = view.getUint16(offset);
    keys.push(decoder.decode(bytes.subarray(offset + 2, offset + 2 + keyLength)));
    offset += 2 + keyLength;
    offset += 2 + view.getUint16(offset);
  }
  expect(offset).toBe(bytes.length);
  return keys;
}

describe('encryption context serialization (FORMAT.md §1)', () => {
  it('serializes a small context to exactly the documented bytes', () => {
    // prettier-ignore
    expect([...serializeEncryptionContext({ b: '2', a: '1' })]).toEqual([
      0x00, 0x02, // entry count
      0x00, 0x01, 0x61, 0x00, 0x01, 0x31, // "a" → "1"
      0x00, 0x01, 0x62, 0x00, 0x01, 0x32, // "b" → "2"
    ]);
  });

  it('serializes the empty context to zero bytes, not to a zero count', () => {
    expect(serializeEncryptionContext({}).length).toBe(0);
  });

  it('writes lengths in UTF-8 bytes, not in UTF-16 code units, for non-ASCII keys and values', () => {
    // "é" is 2 UTF-8 bytes (C3 A9); "😀" is 4 (F0 9F 98 80) but 2 UTF-16 code units.
    // prettier-ignore
    expect([...serializeEncryptionContext({ é: '😀' })]).toEqual([
      0x00, 0x01,
      0x00, 0x02, 0xc3, 0xa9,
      0x00, 0x04, 0xf0, 0x9f, 0x98, 0x80,
    ]);
  });

  it('sorts by UTF-8 bytes where UTF-16 order differs: U+FFFF before U+10000', () => {
    // UTF-16: U+10000 is D800 DC00, below FFFF. UTF-8: EF BF BF is below F0 90 80 80.
    const context = { '\u{10000}': 'astral', '\uFFFF': 'bmp' };
    expect(Object.keys(context).sort()).toEqual(['\u{10000}', '\uFFFF']);
    expect(keysInSerializedOrder(serializeEncryptionContext(context))).toEqual([
      '\uFFFF',
      '\u{10000}',
    ]);
  });

  it('sorts by UTF-8 bytes where UTF-16 order differs: fullwidth Ａ (EF BC A1) before 😀 (F0 …)', () => {
    const context = { '😀': 'emoji', Ａ: 'fullwidth' };
    expect(Object.keys(context).sort()).toEqual(['😀', 'Ａ']);
    const bytes = serializeEncryptionContext(context);
    expect(keysInSerializedOrder(bytes)).toEqual(['Ａ', '😀']);
    // prettier-ignore
    expect([...bytes]).toEqual([
      0x00, 0x02,
      0x00, 0x03, 0xef, 0xbc, 0xa1, 0x00, 0x09, ...utf8.encode('fullwidth'),
      0x00, 0x04, 0xf0, 0x9f, 0x98, 0x80, 0x00, 0x05, ...utf8.encode('emoji'),
    ]);
  });

  it('sorts integer-like keys as bytes ("10" before "9"), not in JavaScript property order', () => {
    const context = { '9': 'nine', '10': 'ten' };
    expect(Object.keys(context)).toEqual(['9', '10']);
    expect(keysInSerializedOrder(serializeEncryptionContext(context))).toEqual(['10', '9']);
  });

  it('sorts a key before every longer key it is a prefix of, and upper case before lower case', () => {
    const context = { ab: '', a: '', b: '', B: '', 'a\u0000': '' };
    expect(keysInSerializedOrder(serializeEncryptionContext(context))).toEqual([
      'B',
      'a',
      'a\u0000',
      'ab',
      'b',
    ]);
  });

  it('gives the same bytes whatever order the keys were inserted in', () => {
    const forward = serializeEncryptionContext({ x: '1', é: '2', '😀': '3', A: '4' });
    const backward = serializeEncryptionContext({ A: '4', '😀': '3', é: '2', x: '1' });
    expect([...forward]).toEqual([...backward]);
  });

  it('allows empty values (length 0)', () => {
    expect([...serializeEncryptionContext({ k: '' })]).toEqual([0, 1, 0, 1, 0x6b, 0, 0]);
  });

  it('returns the entries in canonical order, UTF-8 encoded', () => {
    const entries = canonicalContextEntries({ '\u{10000}': 'v', '\uFFFF': 'w' });
    expect(entries.map((entry) => [...entry.key])).toEqual([
      [0xef, 0xbf, 0xbf],
      [0xf0, 0x90, 0x80, 0x80],
    ]);
    expect(entries.map((entry) => decoder.decode(entry.value))).toEqual(['w', 'v']);
  });

  it('throws RangeError for a key or value longer than a u16 length can say', () => {
    expect(() => serializeEncryptionContext({ k: 'x'.repeat(0x10000) })).toThrow(RangeError);
    expect(() => serializeEncryptionContext({ ['x'.repeat(0x10000)]: 'v' })).toThrow(RangeError);
    expect(serializeEncryptionContext({ k: 'x'.repeat(0xffff) }).length).toBe(
      2 + 2 + 1 + 2 + 0xffff,
    );
  });
});
