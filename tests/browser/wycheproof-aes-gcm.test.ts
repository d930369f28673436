/**
 * Wycheproof AES-GCM (tests/vectors/wycheproof/aes_gcm_test.json, from C2SP/wycheproof — see
 * SOURCE.txt and LICENSE there) through workers/crypto/aes-gcm.ts, the one wrapper the core
 * seals every ciphertext blob with, in real Chromium WebCrypto.
 *
 * - valid: aesGcmEncrypt gives exactly ct ‖ tag, and aesGcmDecrypt gives back msg;
 * - invalid: aesGcmDecrypt returns null (its documented answer for a failed check); where the
 *   vector is invalid because of its parameters (a zero-length IV), encryption must refuse too;
 * - 192-bit keys are unsupported — Chromium refuses AES-192 — and are counted and listed, and
 *   the refusal itself is checked, not assumed. Nothing else is skipped unless it is in
 *   ALLOWLIST with a reason (today: nothing).
 */
import { describe, expect, it } from 'vitest';
import { aesGcmDecrypt, aesGcmEncrypt, importAesGcmKey } from '../../workers/crypto/aes-gcm.ts';
import vectorFile from '../vectors/wycheproof/aes_gcm_test.json';
import { fromHex, toHex } from '../../workers/encoding.ts';

/** Hex from a vector file: the tree's strict codec, which refuses anything else. */
function hex(text: string): Uint8Array<ArrayBuffer> {
  const bytes = fromHex(text);
  if (!bytes) throw new Error(`not hex in a vector: ${text.slice(0, 16)}…`);
  return bytes;
}

interface AeadTest {
  tcId: number;
  comment: string;
  flags: string[];
  key: string;
  iv: string;
  aad: string;
  msg: string;
  ct: string;
  tag: string;
  result: 'valid' | 'invalid' | 'acceptable';
}
interface AeadGroup {
  keySize: number;
  ivSize: number;
  tagSize: number;
  type: string;
  tests: AeadTest[];
}
interface AeadFile {
  algorithm: string;
  numberOfTests: number;
  testGroups: AeadGroup[];
}

const FILE = 'aes_gcm_test.json';
const vectors = vectorFile as unknown as AeadFile;

/** Key sizes the wrapper does not take, and why. Their vectors are counted, not run. */
const UNSUPPORTED_KEY_SIZES: Record<number, string> = {
  192: 'Chromium WebCrypto refuses 192-bit AES keys (importKey → OperationError "192-bit AES keys are not supported"), so importAesGcmKey accepts only 16- and 32-byte keys',
};

/** Individual vectors skipped on purpose, by tcId, each with its reason. Must stay empty unless justified. */
const ALLOWLIST: Record<number, string> = {};

interface Case extends AeadTest {
  keySize: number;
  tagBytes: number;
}

const allCases: Case[] = vectors.testGroups.flatMap((group) =>
  group.tests.map((test) => ({ ...test, keySize: group.keySize, tagBytes: group.tagSize / 8 })),
);
const unsupported = allCases.filter((test) => test.keySize in UNSUPPORTED_KEY_SIZES);
const allowlisted = allCases.filter((test) => test.tcId in ALLOWLIST);
const runnable = allCases.filter(
  (test) => !(test.keySize in UNSUPPORTED_KEY_SIZES) && !(test.tcId in ALLOWLIST),
);
const valid = runnable.filter((test) => test.result === 'valid');
const invalid = runnable.filter((test) => test.result === 'invalid');

async function encryptOutcome(test: Case): Promise<string | { error: string }> {
  try {
    const key = await importAesGcmKey(hex(test.key));
    return toHex(
      await aesGcmEncrypt(key, hex(test.iv), hex(test.msg), hex(test.aad), test.tagBytes),
    );
  } catch (error) {
    return { error: (error as Error).name };
  }
}

async function decryptOutcome(test: Case): Promise<string | null | { error: string }> {
  try {
    const key = await importAesGcmKey(hex(test.key));
    const opened = await aesGcmDecrypt(
      key,
      hex(test.iv),
      hex(test.ct + test.tag),
      hex(test.aad),
      test.tagBytes,
    );
    return opened === null ? null : toHex(opened);
  } catch (error) {
    return { error: (error as Error).name };
  }
}

/** Reports every disagreeing vector at once, each by tcId and comment. */
function expectNoFailures(failures: string[], what: string): void {
  expect(failures, `${FILE}: ${failures.length} ${what} disagree with Wycheproof`).toEqual([]);
}

describe(`Wycheproof ${FILE} through workers/crypto/aes-gcm.ts`, () => {
  it('accounts for every vector: run, unsupported (192-bit) or allowlisted', () => {
    expect(vectors.algorithm).toBe('AES-GCM');
    expect(allCases).toHaveLength(vectors.numberOfTests);
    expect(runnable.length + unsupported.length + allowlisted.length).toBe(vectors.numberOfTests);
    // No vector in this file is "acceptable": each is simply valid or invalid.
    expect(runnable.filter((test) => test.result === 'acceptable')).toEqual([]);
    expect(allowlisted).toHaveLength(Object.keys(ALLOWLIST).length);
    expect(new Set(runnable.map((test) => test.keySize))).toEqual(new Set([128, 256]));
    expect(valid.length).toBeGreaterThan(150);
    expect(invalid.length).toBeGreaterThan(50);
  });

  it(`lists the ${unsupported.length} vectors with 192-bit keys as unsupported, and Chromium really refuses AES-192`, async () => {
    expect(unsupported.length).toBeGreaterThan(0);
    expect(unsupported.every((test) => test.keySize === 192)).toBe(true);
    expect(Object.keys(UNSUPPORTED_KEY_SIZES)).toEqual(['192']);
    console.info(
      `${FILE}: ${unsupported.length} vectors unsupported (${UNSUPPORTED_KEY_SIZES[192]}): tcId ${unsupported.map((test) => test.tcId).join(', ')}`,
    );
    // The reason, checked: the browser refuses the key, and so does the wrapper (before the browser).
    const raw = hex(unsupported[0]!.key);
    expect(raw.length).toBe(24);
    const browser = await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt']).then(
      () => 'imported',
      (error: unknown) => (error as DOMException).name,
    );
    expect(browser).toBe('OperationError');
    expect(() => importAesGcmKey(raw)).toThrow(RangeError);
  });

  it(`encrypts each of the ${valid.length} valid vectors (128- and 256-bit keys, IVs of 1 to 257 bytes) to exactly ct ‖ tag`, async () => {
    const outcomes = await Promise.all(valid.map(encryptOutcome));
    const failures = valid.flatMap((test, index) => {
      const outcome = outcomes[index];
      return outcome === test.ct + test.tag
        ? []
        : [
            `tcId ${test.tcId} (${test.comment || test.flags.join(',')}): got ${JSON.stringify(outcome)}`,
          ];
    });
    expectNoFailures(failures, 'valid encryptions');
  });

  it(`decrypts each of the ${valid.length} valid vectors back to msg`, async () => {
    const outcomes = await Promise.all(valid.map(decryptOutcome));
    const failures = valid.flatMap((test, index) => {
      const outcome = outcomes[index];
      return outcome === test.msg
        ? []
        : [
            `tcId ${test.tcId} (${test.comment || test.flags.join(',')}): got ${JSON.stringify(outcome)}`,
          ];
    });
    expectNoFailures(failures, 'valid decryptions');
  });

  it(`refuses each of the ${invalid.length} invalid vectors: aesGcmDecrypt returns null`, async () => {
    const outcomes = await Promise.all(invalid.map(decryptOutcome));
    const failures = invalid.flatMap((test, index) => {
      const outcome = outcomes[index];
      return outcome === null
        ? []
        : [
            `tcId ${test.tcId} (${test.comment || test.flags.join(',')}): got ${JSON.stringify(outcome)}`,
          ];
    });
    expectNoFailures(failures, 'invalid decryptions');
  });

  it('refuses to encrypt with the zero-length IVs of the ZeroLengthIv vectors (OperationError), instead of leaking the GHASH key', async () => {
    const zeroIv = invalid.filter((test) => test.flags.includes('ZeroLengthIv'));
    expect(zeroIv.length).toBeGreaterThan(0);
    expect(zeroIv.every((test) => test.iv === '')).toBe(true);
    const outcomes = await Promise.all(zeroIv.map(encryptOutcome));
    expect(outcomes).toEqual(zeroIv.map(() => ({ error: 'OperationError' })));
  });

  it('covers the vector kinds Wycheproof names: modified tags, counter wrap, long and short IVs, special cases', () => {
    const flags = new Set(runnable.flatMap((test) => test.flags));
    for (const flag of [
      'Ktv',
      'ModifiedTag',
      'CounterWrap',
      'LongIv',
      'SmallIv',
      'SpecialCase',
      'Pseudorandom',
      'ZeroLengthIv',
    ]) {
      expect(flags.has(flag), flag).toBe(true);
    }
  });
});
