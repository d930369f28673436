/**
 * Wycheproof RSA signature verification in Chromium, through signing.ts (`importVerifyKey` on
 * the vectors' DER keys, parsed by public-key.ts, then `verifyMessage`):
 *
 * - RSASSA-PSS: the files whose salt length equals the hash length with MGF1 on the same hash —
 *   AWS's RSASSA_PSS_SHA_256/384/512 — and the groups of rsa_pss_misc_test.json with those same
 *   parameters (3 of its 150 groups; the others use salt lengths, MGF hashes or hashes AWS KMS
 *   does not, and are counted as not applicable).
 * - RSASSA-PKCS1-v1_5: rsa_signature_{2048,3072,4096}_{sha256,sha384,sha512}_test.json.
 */
import { describe, expect, it } from 'vitest';
import type { SigningAlgorithm } from '../../workers/key-specs.ts';
import { describeSpki } from '../../workers/crypto/public-key.ts';
import {
  importVerifyKey,
  verifyMessage,
  type WebCryptoSigningAlgorithm,
} from '../../workers/crypto/signing.ts';
import pss2048sha256 from '../vectors/wycheproof/rsa_pss_2048_sha256_mgf1_32_test.json?raw';
import pss2048sha384 from '../vectors/wycheproof/rsa_pss_2048_sha384_mgf1_48_test.json?raw';
import pss3072sha256 from '../vectors/wycheproof/rsa_pss_3072_sha256_mgf1_32_test.json?raw';
import pss4096sha256 from '../vectors/wycheproof/rsa_pss_4096_sha256_mgf1_32_test.json?raw';
import pss4096sha384 from '../vectors/wycheproof/rsa_pss_4096_sha384_mgf1_48_test.json?raw';
import pss4096sha512 from '../vectors/wycheproof/rsa_pss_4096_sha512_mgf1_64_test.json?raw';
import pssMisc from '../vectors/wycheproof/rsa_pss_misc_test.json?raw';
import pkcs2048sha256 from '../vectors/wycheproof/rsa_signature_2048_sha256_test.json?raw';
import pkcs2048sha384 from '../vectors/wycheproof/rsa_signature_2048_sha384_test.json?raw';
import pkcs2048sha512 from '../vectors/wycheproof/rsa_signature_2048_sha512_test.json?raw';
import pkcs3072sha256 from '../vectors/wycheproof/rsa_signature_3072_sha256_test.json?raw';
import pkcs3072sha384 from '../vectors/wycheproof/rsa_signature_3072_sha384_test.json?raw';
import pkcs3072sha512 from '../vectors/wycheproof/rsa_signature_3072_sha512_test.json?raw';
import pkcs4096sha256 from '../vectors/wycheproof/rsa_signature_4096_sha256_test.json?raw';
import pkcs4096sha384 from '../vectors/wycheproof/rsa_signature_4096_sha384_test.json?raw';
import pkcs4096sha512 from '../vectors/wycheproof/rsa_signature_4096_sha512_test.json?raw';
import {
  WHOLE_FILE_TIMEOUT_MS,
  checkCases,
  hex,
  loadVectors,
  type Allowlist,
  type VectorGroup,
  type VectorTest,
} from './support/wycheproof.ts';

interface SignatureTest extends VectorTest {
  msg: string;
  sig: string;
}
interface RsaGroup extends VectorGroup<SignatureTest> {
  type: 'RsassaPssVerify' | 'RsassaPkcs1Verify';
  publicKeyDer: string;
  sha: string;
  mgf?: string;
  mgfSha?: string;
  sLen?: number;
}

const HASH_BYTES: Record<string, number> = { 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 };

/** The AWS algorithm a group tests, or undefined when AWS KMS has no such algorithm. */
function awsAlgorithm(group: RsaGroup): WebCryptoSigningAlgorithm | undefined {
  const bits = group.sha.replace('SHA-', '');
  if (!(group.sha in HASH_BYTES)) return undefined;
  if (group.type === 'RsassaPkcs1Verify')
    return `RSASSA_PKCS1_V1_5_SHA_${bits}` as SigningAlgorithm as WebCryptoSigningAlgorithm;
  const pssAsAws =
    group.mgf === 'MGF1' && group.mgfSha === group.sha && group.sLen === HASH_BYTES[group.sha];
  return pssAsAws ? (`RSASSA_PSS_SHA_${bits}` as WebCryptoSigningAlgorithm) : undefined;
}

const FILES: { name: string; raw: string; applicableTests?: number }[] = [
  { name: 'rsa_pss_2048_sha256_mgf1_32_test.json', raw: pss2048sha256, applicableTests: 108 },
  { name: 'rsa_pss_2048_sha384_mgf1_48_test.json', raw: pss2048sha384 },
  { name: 'rsa_pss_3072_sha256_mgf1_32_test.json', raw: pss3072sha256 },
  { name: 'rsa_pss_4096_sha256_mgf1_32_test.json', raw: pss4096sha256 },
  { name: 'rsa_pss_4096_sha384_mgf1_48_test.json', raw: pss4096sha384 },
  { name: 'rsa_pss_4096_sha512_mgf1_64_test.json', raw: pss4096sha512 },
  // 150 groups of one test each; 3 have AWS's parameters (SHA-256/32, SHA-384/48, SHA-512/64).
  { name: 'rsa_pss_misc_test.json', raw: pssMisc, applicableTests: 3 },
  { name: 'rsa_signature_2048_sha256_test.json', raw: pkcs2048sha256 },
  { name: 'rsa_signature_2048_sha384_test.json', raw: pkcs2048sha384 },
  { name: 'rsa_signature_2048_sha512_test.json', raw: pkcs2048sha512 },
  { name: 'rsa_signature_3072_sha256_test.json', raw: pkcs3072sha256 },
  { name: 'rsa_signature_3072_sha384_test.json', raw: pkcs3072sha384 },
  { name: 'rsa_signature_3072_sha512_test.json', raw: pkcs3072sha512 },
  { name: 'rsa_signature_4096_sha256_test.json', raw: pkcs4096sha256 },
  { name: 'rsa_signature_4096_sha384_test.json', raw: pkcs4096sha384 },
  { name: 'rsa_signature_4096_sha512_test.json', raw: pkcs4096sha512 },
];

/**
 * RFC 8017 §9.2 note 2 lets a verifier accept a DigestInfo whose AlgorithmIdentifier omits the
 * NULL parameters, so Wycheproof calls that "acceptable". Chromium (BoringSSL) compares against
 * the one encoding with NULL — the one AWS KMS and OpenSSL produce — and so rejects it.
 */
const MISSING_NULL: Allowlist = {
  8: {
    outcome: 'rejected',
    reason:
      'DigestInfo without NULL parameters: BoringSSL accepts only the canonical encoding; we are strict',
  },
};
const ALLOWLIST: Record<string, Allowlist> = Object.fromEntries(
  FILES.filter((file) => file.name.startsWith('rsa_signature_')).map((file) => [
    file.name,
    MISSING_NULL,
  ]),
);

describe('Wycheproof RSA signatures through signing.ts', () => {
  it('allowlists exactly the expected number of cases', () => {
    expect(Object.values(ALLOWLIST).reduce((sum, list) => sum + Object.keys(list).length, 0)).toBe(
      9,
    );
  });

  for (const file of FILES) {
    it(
      `${file.name}: every signature with AWS's parameters is accepted or refused as the vector says`,
      async () => {
        const vectors = loadVectors<RsaGroup>(file.raw);
        const applicable = vectors.testGroups.filter((group) => awsAlgorithm(group) !== undefined);
        const cases = await Promise.all(
          applicable.map(async (group) => {
            const algorithm = awsAlgorithm(group)!;
            const { KeySpec, spki } = describeSpki(hex(group.publicKeyDer));
            const key = await importVerifyKey(spki, KeySpec, algorithm);
            return group.tests.map((test) => ({ ...test, key, KeySpec, algorithm }));
          }),
        );
        const tally = await checkCases(
          file.name,
          cases.flat(),
          ALLOWLIST[file.name] ?? {},
          async (test) =>
            (await verifyMessage(
              test.key,
              test.KeySpec,
              test.algorithm,
              'RAW',
              hex(test.msg),
              hex(test.sig),
            ))
              ? 'accepted'
              : 'rejected',
        );
        const ran = tally.valid + tally.invalid + tally.acceptable;
        expect(ran, `${file.name}: tests run`).toBe(file.applicableTests ?? vectors.numberOfTests);
      },
      WHOLE_FILE_TIMEOUT_MS,
    );
  }
});
