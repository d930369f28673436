/**
 * Wycheproof HMAC-SHA-256/384/512 in Chromium through hmac.ts: keys imported non-extractable by
 * `importHmacKey`, tags checked by `verifyMac` (WebCrypto's constant-time verify) and, for
 * "valid" full-length cases, recomputed by `generateMac` and compared byte for byte.
 *
 * Groups with truncated tags (tagSize below the hash length) test a MAC that AWS KMS does not
 * offer: `verifyMac` takes only the full tag, as VerifyMac does. Their "valid" cases are
 * allowlisted (we reject them), and for each of them the test still proves the HMAC itself is
 * right: the vector's tag is the prefix of our full `generateMac` output.
 */
import { describe, expect, it } from 'vitest';
import { generateMac, importHmacKey, verifyMac } from '../../workers/crypto/hmac.ts';
import type { MacAlgorithm } from '../../workers/key-specs.ts';
import hmacSha256 from '../vectors/wycheproof/hmac_sha256_test.json?raw';
import hmacSha384 from '../vectors/wycheproof/hmac_sha384_test.json?raw';
import hmacSha512 from '../vectors/wycheproof/hmac_sha512_test.json?raw';
import {
  checkCases,
  hex,
  loadVectors,
  type Allowlist,
  type VectorGroup,
  type VectorTest,
} from './support/wycheproof.ts';

interface MacTest extends VectorTest {
  key: string;
  msg: string;
  tag: string;
}
interface MacGroup extends VectorGroup<MacTest> {
  keySize: number;
  tagSize: number;
}

const FILES: { name: string; raw: string; algorithm: MacAlgorithm; tagBits: number }[] = [
  { name: 'hmac_sha256_test.json', raw: hmacSha256, algorithm: 'HMAC_SHA_256', tagBits: 256 },
  { name: 'hmac_sha384_test.json', raw: hmacSha384, algorithm: 'HMAC_SHA_384', tagBits: 384 },
  { name: 'hmac_sha512_test.json', raw: hmacSha512, algorithm: 'HMAC_SHA_512', tagBits: 512 },
];

const TRUNCATED = 'truncated tag: AWS VerifyMac (and verifyMac) accept only the full-length HMAC';

/**
 * tcIds of the "valid" cases in the truncated-tag groups (tagSize below the hash length); the
 * three files are laid out alike: groups 2, 4 and 6 truncate.
 */
const TRUNCATED_VALID = [
  82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104,
  105, 106, 107, 108, 166, 167, 168, 172, 173, 174,
];

const ALLOWLIST: Record<string, Allowlist> = Object.fromEntries(
  FILES.map((file) => [
    file.name,
    Object.fromEntries(
      TRUNCATED_VALID.map((tcId) => [tcId, { outcome: 'rejected', reason: TRUNCATED }]),
    ),
  ]),
);

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}

describe('Wycheproof HMAC through hmac.ts', () => {
  it('allowlists exactly the truncated-tag valid cases', () => {
    expect(Object.values(ALLOWLIST).reduce((sum, list) => sum + Object.keys(list).length, 0)).toBe(
      99,
    );
  });

  for (const file of FILES) {
    it(`${file.name}: full tags verify or fail as the vector says; truncated tags are refused`, async () => {
      const vectors = loadVectors<MacGroup>(file.raw);
      const cases = vectors.testGroups.flatMap((group) =>
        group.tests.map((test) => ({ ...test, tagSize: group.tagSize })),
      );
      const tally = await checkCases(file.name, cases, ALLOWLIST[file.name] ?? {}, async (test) => {
        const key = await importHmacKey(hex(test.key), file.algorithm);
        const message = hex(test.msg);
        const tag = hex(test.tag);
        if (test.result === 'valid') {
          const full = await generateMac(key, message);
          const expected =
            test.tagSize === file.tagBits ? full : full.subarray(0, test.tagSize / 8);
          if (!equal(expected, tag)) throw new Error('generateMac disagrees with the vector tag');
        }
        return (await verifyMac(key, message, tag)) ? 'accepted' : 'rejected';
      });
      expect(tally.valid + tally.invalid + tally.acceptable, `${file.name}: every test ran`).toBe(
        vectors.numberOfTests,
      );
    });
  }
});
