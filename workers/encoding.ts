/**
 * The text encodings of bytes, one codec each for the whole tree (core worker and UI):
 *
 * - base64, RFC 4648 §4, padded (PEM, signature files, what the UI shows and reads);
 * - base64url without padding, RFC 4648 §5 (JWK members, RFC 7515 §2);
 * - hex, RFC 4648 §8 (base16), lower case on output.
 *
 * Decoding is strict — only the alphabet, correct padding, no stray bits in the last character
 * (RFC 4648 §3.5), no whitespace — and returns undefined for anything else, never throws.
 * @scure/base does the work (it uses Uint8Array.fromBase64/fromHex where the engine has them,
 * with the same strictness); atob() is not used because it accepts what these formats forbid.
 */
import { base64, base64urlnopad, hex } from '@scure/base';

function decodeOrUndefined(
  coder: { decode(text: string): Uint8Array },
  text: string,
): Uint8Array<ArrayBuffer> | undefined {
  try {
    // @scure/base returns a fresh Uint8Array (never a view of a SharedArrayBuffer).
    return coder.decode(text) as Uint8Array<ArrayBuffer>;
  } catch {
    return undefined;
  }
}

export function toBase64(bytes: Uint8Array): string {
  return base64.encode(bytes);
}

/** The bytes, or undefined when the text is not exactly padded standard base64. */
export function fromBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  return decodeOrUndefined(base64, text);
}

export function toBase64Url(bytes: Uint8Array): string {
  return base64urlnopad.encode(bytes);
}

/** The bytes, or undefined when the text is not exactly base64url without padding. */
export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | undefined {
  return decodeOrUndefined(base64urlnopad, text);
}

/** Lower-case hex, two digits a byte. */
export function toHex(bytes: Uint8Array): string {
  return hex.encode(bytes);
}

/** The bytes, or undefined when the text is not an even number of hex digits (either case). */
export function fromHex(text: string): Uint8Array<ArrayBuffer> | undefined {
  return decodeOrUndefined(hex, text);
}
