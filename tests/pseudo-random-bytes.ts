/**
 * `length` deterministic bytes (xorshift32 from `seed`): test inputs that differ by seed, look
 * random to a cipher and a compressor, and are the same in every run. Imports nothing, so unit
 * tests (Node) and browser tests share it.
 */
export function pseudoRandomBytes(length: number, seed = 1): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
