/**
 * Wycheproof RSAES-OAEP decryption in Chromium for AWS's two algorithms — RSAES_OAEP_SHA_1
 * (2048-bit file) and RSAES_OAEP_SHA_256 (2048-, 3072- and 4096-bit files), MGF1 on the same
 * hash — through rsa-oaep.ts: PKCS #8 private keys imported by `importRsaOaepPrivateKey`,
 * ciphertexts opened by `rsaOaepDecrypt`. Vectors with a label pass it (AWS always uses the
 * empty label; the wrapper takes one only for these vectors). A "valid" case must decrypt to
 * exactly `msg`; an "invalid" one must not decrypt.
 */
import { describe, expect, it } from 'vitest';
import type { RsaEncryptionAlgorithm } from '../../workers/key-specs.ts';
import { importRsaOaepPrivateKey, rsaOaepDecrypt } from '../../workers/crypto/rsa-oaep.ts';
import oaep2048sha1 from '../vectors/wycheproof/rsa_oaep_2048_sha1_mgf1sha1_test.json?raw';
import oaep2048sha256 from '../vectors/wycheproof/rsa_oaep_2048_sha256_mgf1sha256_test.json?raw';
import oaep3072sha256 from '../vectors/wycheproof/rsa_oaep_3072_sha256_mgf1sha256_test.json?raw';
import oaep4096sha256 from '../vectors/wycheproof/rsa_oaep_4096_sha256_mgf1sha256_test.json?raw';
import {
  WHOLE_FILE_TIMEOUT_MS,
  checkCases,
  hex,
  loadVectors,
  type Allowlist,
  type VectorGroup,
  type VectorTest,
} from './support/wycheproof.ts';

interface OaepTest extends VectorTest {
  msg: string;
  ct: string;
  label: string;
}
interface OaepGroup extends VectorGroup<OaepTest> {
  sha: string;
  mgf: string;
  mgfSha: string;
  privateKeyPkcs8: string;
}

const FILES: { name: string; raw: string; algorithm: RsaEncryptionAlgorithm; sha: string }[] = [
  {
    name: 'rsa_oaep_2048_sha1_mgf1sha1_test.json',
    raw: oaep2048sha1,
    algorithm: 'RSAES_OAEP_SHA_1',
    sha: 'SHA-1',
  },
  {
    name: 'rsa_oaep_2048_sha256_mgf1sha256_test.json',
    raw: oaep2048sha256,
    algorithm: 'RSAES_OAEP_SHA_256',
    sha: 'SHA-256',
  },
  {
    name: 'rsa_oaep_3072_sha256_mgf1sha256_test.json',
    raw: oaep3072sha256,
    algorithm: 'RSAES_OAEP_SHA_256',
    sha: 'SHA-256',
  },
  {
    name: 'rsa_oaep_4096_sha256_mgf1sha256_test.json',
    raw: oaep4096sha256,
    algorithm: 'RSAES_OAEP_SHA_256',
    sha: 'SHA-256',
  },
];

/** Every file matches Wycheproof exactly: no case needs an exception. */
const ALLOWLIST: Record<string, Allowlist> = {};

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}

describe('Wycheproof RSA-OAEP decryption through rsa-oaep.ts', () => {
  it('has no allowlisted case', () => {
    expect(Object.keys(ALLOWLIST)).toHaveLength(0);
  });

  for (const file of FILES) {
    it(
      `${file.name}: valid ciphertexts decrypt to the message, invalid ones do not decrypt`,
      async () => {
        const vectors = loadVectors<OaepGroup>(file.raw);
        const cases = await Promise.all(
          vectors.testGroups.map(async (group) => {
            expect([group.sha, group.mgf, group.mgfSha], `${file.name}: group parameters`).toEqual([
              file.sha,
              'MGF1',
              file.sha,
            ]);
            const key = await importRsaOaepPrivateKey(hex(group.privateKeyPkcs8), file.algorithm);
            return group.tests.map((test) => ({ ...test, key }));
          }),
        );
        const tally = await checkCases(
          file.name,
          cases.flat(),
          ALLOWLIST[file.name] ?? {},
          async (test) => {
            const plaintext = await rsaOaepDecrypt(test.key, hex(test.ct), hex(test.label));
            if (plaintext === null) return 'rejected';
            // Opening to any other bytes than the vector's message is a bug, not a refusal.
            if (!equal(plaintext, hex(test.msg)))
              throw new Error('decrypted to bytes other than the message');
            return 'accepted';
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
