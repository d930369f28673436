/**
 * Wycheproof ECDSA on P-256/SHA-256, P-384/SHA-384 and P-521/SHA-512 — AWS's ECDSA_SHA_* pairs —
 * in Chromium, through the core's wrappers: public keys parsed by public-key.ts from the
 * vectors' DER and imported by signing.ts; DER signatures verified by `verifyMessage` (strict
 * DER decoding, then WebCrypto), P1363 signatures by `verifyEcdsaP1363`, the step it takes
 * after decoding.
 */
import { describe, expect, it } from 'vitest';
import { describeSpki } from '../../workers/crypto/public-key.ts';
import { importVerifyKey, verifyEcdsaP1363, verifyMessage } from '../../workers/crypto/signing.ts';
import p256Der from '../vectors/wycheproof/ecdsa_secp256r1_sha256_test.json?raw';
import p256P1363 from '../vectors/wycheproof/ecdsa_secp256r1_sha256_p1363_test.json?raw';
import p384Der from '../vectors/wycheproof/ecdsa_secp384r1_sha384_test.json?raw';
import p384P1363 from '../vectors/wycheproof/ecdsa_secp384r1_sha384_p1363_test.json?raw';
import p521Der from '../vectors/wycheproof/ecdsa_secp521r1_sha512_test.json?raw';
import p521P1363 from '../vectors/wycheproof/ecdsa_secp521r1_sha512_p1363_test.json?raw';
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

type Algorithm = 'ECDSA_SHA_256' | 'ECDSA_SHA_384' | 'ECDSA_SHA_512';

const FILES: {
  name: string;
  raw: string;
  algorithm: Algorithm;
  sha: string;
  encoding: 'DER' | 'P1363';
}[] = [
  {
    name: 'ecdsa_secp256r1_sha256_test.json',
    raw: p256Der,
    algorithm: 'ECDSA_SHA_256',
    sha: 'SHA-256',
    encoding: 'DER',
  },
  {
    name: 'ecdsa_secp256r1_sha256_p1363_test.json',
    raw: p256P1363,
    algorithm: 'ECDSA_SHA_256',
    sha: 'SHA-256',
    encoding: 'P1363',
  },
  {
    name: 'ecdsa_secp384r1_sha384_test.json',
    raw: p384Der,
    algorithm: 'ECDSA_SHA_384',
    sha: 'SHA-384',
    encoding: 'DER',
  },
  {
    name: 'ecdsa_secp384r1_sha384_p1363_test.json',
    raw: p384P1363,
    algorithm: 'ECDSA_SHA_384',
    sha: 'SHA-384',
    encoding: 'P1363',
  },
  {
    name: 'ecdsa_secp521r1_sha512_test.json',
    raw: p521Der,
    algorithm: 'ECDSA_SHA_512',
    sha: 'SHA-512',
    encoding: 'DER',
  },
  {
    name: 'ecdsa_secp521r1_sha512_p1363_test.json',
    raw: p521P1363,
    algorithm: 'ECDSA_SHA_512',
    sha: 'SHA-512',
    encoding: 'P1363',
  },
];

/** Every file matches Wycheproof exactly: no case needs an exception. */
const ALLOWLIST: Record<string, Allowlist> = {};

describe('Wycheproof ECDSA (NIST curves) through signing.ts', () => {
  it('has no allowlisted case', () => {
    expect(Object.keys(ALLOWLIST)).toHaveLength(0);
  });

  for (const file of FILES) {
    it(
      `${file.name}: every ${file.encoding} signature is accepted or refused as the vector says`,
      async () => {
        const vectors = loadVectors<EcdsaGroup>(file.raw);
        const cases = await Promise.all(
          vectors.testGroups.map(async (group) => {
            expect(group.sha, `${file.name}: group hash`).toBe(file.sha);
            const { KeySpec, spki } = describeSpki(hex(group.publicKeyDer));
            const key = await importVerifyKey(spki, KeySpec, file.algorithm);
            return group.tests.map((test) => ({ ...test, key, KeySpec }));
          }),
        );
        const tally = await checkCases(
          file.name,
          cases.flat(),
          ALLOWLIST[file.name] ?? {},
          async (test) => {
            const message = hex(test.msg);
            const signature = hex(test.sig);
            const accepted =
              file.encoding === 'DER'
                ? await verifyMessage(
                    test.key,
                    test.KeySpec,
                    file.algorithm,
                    'RAW',
                    message,
                    signature,
                  )
                : await verifyEcdsaP1363(test.key, file.algorithm, message, signature);
            return accepted ? 'accepted' : 'rejected';
          },
        );
        const total = tally.valid + tally.invalid + tally.acceptable;
        expect(total, `${file.name}: every test ran`).toBe(vectors.numberOfTests);
      },
      WHOLE_FILE_TIMEOUT_MS,
    );
  }
});
