/**
 * Bytes as people type and read them on the text page: UTF-8 text or standard base64
 * (RFC 4648 §4). What people paste is forgiven its line breaks, spaces and missing padding;
 * the rest is the one strict codec of the tree (workers/encoding.ts).
 */
import { fromBase64 } from '../../../workers/encoding.ts';

export { toBase64 } from '../../../workers/encoding.ts';

/** The bytes of typed base64 (whitespace ignored, padding optional), or undefined. */
export function fromTypedBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  const compact = text.replace(/\s+/g, '');
  return fromBase64(compact.padEnd(Math.ceil(compact.length / 4) * 4, '='));
}

export function toUtf8(text: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(text);
}

/** The text, when the bytes are valid UTF-8; otherwise undefined. */
export function fromUtf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}
