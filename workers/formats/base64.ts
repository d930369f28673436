/**
 * Base64 (RFC 4648 §4, for PEM) and base64url without padding (RFC 4648 §5, for JWK — RFC 7515
 * §2), strict on decode: only the alphabet, correct padding, no stray bits in the last
 * character. Written here because Node 20 (where the format tests run) has no
 * Uint8Array.fromBase64, and atob() silently accepts what these formats forbid.
 */

const STANDARD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const URL_SAFE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function encode(bytes: Uint8Array, alphabet: string, pad: boolean): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const chunk = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let j = 0; j < chars; j++) out += alphabet[(chunk >> (18 - 6 * j)) & 63];
    if (pad) out += '='.repeat(4 - chars);
  }
  return out;
}

/** Decodes, or returns undefined when the text is not exactly base64 in this alphabet. */
function decode(
  text: string,
  alphabet: string,
  padded: boolean,
): Uint8Array<ArrayBuffer> | undefined {
  let body = text;
  if (padded) {
    if (text.length % 4 !== 0) return undefined;
    const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
    body = text.slice(0, text.length - padding);
  }
  if (body.length % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((body.length * 6) / 8));
  let buffer = 0;
  let bits = 0;
  let index = 0;
  for (const char of body) {
    const value = alphabet.indexOf(char);
    if (value < 0) return undefined;
    buffer = (buffer << 6) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[index++] = (buffer >> bits) & 0xff;
    }
  }
  // The last character may carry only zero bits past the final byte (RFC 4648 §3.5).
  if ((buffer & ((1 << bits) - 1)) !== 0) return undefined;
  return out;
}

export function toBase64(bytes: Uint8Array): string {
  return encode(bytes, STANDARD, true);
}

export function fromBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  return decode(text, STANDARD, true);
}

export function toBase64Url(bytes: Uint8Array): string {
  return encode(bytes, URL_SAFE, false);
}

export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | undefined {
  return decode(text, URL_SAFE, false);
}
