/**
 * Wycheproof ECDSA on secp256k1 with SHA-256 (AWS's ECC_SECG_P256K1 / ECDSA_SHA_256), through
 * secp256k1.ts — the noble-backed wrapper the core uses for custody WRAPPED keys. Public keys
 * come from the vectors' DER through public-key.ts. These files are plain ECDSA (not the
 * "bitcoin" file): high-S signatures are valid, and the verifier accepts them, as AWS KMS and
 * OpenSSL do; only signing is restricted to low-S.
 */
import { describe, expect, it } from 'vitest';
import { describeSpki, subjectPublicKey } from '../../workers/crypto/public-key.ts';
import { verifySecp256k1, verifySecp256k1P1363 } from '../../workers/crypto/secp256k1.ts';
import k1Der from '../vectors/wycheproof/ecdsa_secp256k1_sha256_test.json?raw';
import k1P1363 from '../vectors/wycheproof/ecdsa_secp256k1_sha256_p1363_test.json?raw';
import {
  WHOLE_FILE_TIMEOUT_MS,
  checkCases,
  hex,
  loadVectors,
  type Allowlist,
  type VectorGroup,
  type VectorTest,
} from './support/wycheproof.ts';

interface EcdsaTest extends VectorTest {
  msg: string;
  sig: string;
}
interface EcdsaGroup extends VectorGroup<EcdsaTest> {
  publicKeyDer: string;
  sha: string;
}

const FILES = [
  { name: 'ecdsa_secp256k1_sha256_test.json', raw: k1Der, encoding: 'DER' },
  { name: 'ecdsa_secp256k1_sha256_p1363_test.json', raw: k1P1363, encoding: 'P1363' },
] as const;

/** Both files match Wycheproof exactly: no case needs an exception. */
const ALLOWLIST: Record<string, Allowlist> = {};

describe('Wycheproof ECDSA secp256k1 through secp256k1.ts (noble)', () => {
  it('has no allowlisted case', () => {
    expect(Object.keys(ALLOWLIST)).toHaveLength(0);
  });

  for (const file of FILES) {
    it(
      `${file.name}: every ${file.encoding} signature is accepted or refused as the vector says`,
      async () => {
        const vectors = loadVectors<EcdsaGroup>(file.raw);
        const cases = vectors.testGroups.flatMap((group) => {
          expect(group.sha, `${file.name}: group hash`).toBe('SHA-256');
          const info = describeSpki(hex(group.publicKeyDer));
          expect(info.KeySpec, `${file.name}: group key spec`).toBe('ECC_SECG_P256K1');
          const point = subjectPublicKey(info.spki);
          return group.tests.map((test) => ({ ...test, point }));
        });
        const tally = await checkCases(
          file.name,
          cases,
          ALLOWLIST[file.name] ?? {},
          async (test) => {
            const message = hex(test.msg);
            const signature = hex(test.sig);
            const accepted =
              file.encoding === 'DER'
                ? verifySecp256k1(test.point, 'RAW', message, signature)
                : verifySecp256k1P1363(test.point, 'RAW', message, signature);
            return accepted ? 'accepted' : 'rejected';
          },
        );
        expect(tally.valid + tally.invalid + tally.acceptable, `${file.name}: every test ran`).toBe(
          vectors.numberOfTests,
        );
      },
      WHOLE_FILE_TIMEOUT_MS,
    );
  }
});
