/**
 * Bytes as the core passes them: Uint8Arrays over a plain ArrayBuffer, which is what WebCrypto
 * accepts and what can be transferred between threads.
 */
export type Bytes = Uint8Array<ArrayBuffer>;

/** The parts joined, in order, into one new array. Takes an array, not arguments: a file's worth of chunks would overflow the call stack. */
export function concatBytes(parts: readonly Uint8Array[]): Bytes {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
