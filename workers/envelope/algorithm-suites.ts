/**
 * The AWS Encryption SDK algorithm suites this decoder knows — docs/FORMAT.md §4.1.
 *
 * Only the two committing suites of message format 2 are accepted. A format-1 message is refused
 * with UnsupportedOperationException and the reason (no key commitment); any other suite id in a
 * format-2 header makes the header malformed.
 */
import { KmsError } from '../errors.ts';

export const SUITE_COMMIT_KEY = 0x0478;
export const SUITE_COMMIT_KEY_ECDSA_P384 = 0x0578;

export interface AlgorithmSuite {
  id: typeof SUITE_COMMIT_KEY | typeof SUITE_COMMIT_KEY_ECDSA_P384;
  /** The AWS enum name, e.g. ALG_AES256_GCM_HKDF_SHA512_COMMIT_KEY. */
  name: string;
  /** Whether a footer signature follows the body (ECDSA P-384 with SHA-384). */
  signed: boolean;
}

export const COMMIT_KEY_SUITE: AlgorithmSuite = {
  id: SUITE_COMMIT_KEY,
  name: 'ALG_AES256_GCM_HKDF_SHA512_COMMIT_KEY',
  signed: false,
};

export const COMMIT_KEY_ECDSA_P384_SUITE: AlgorithmSuite = {
  id: SUITE_COMMIT_KEY_ECDSA_P384,
  name: 'ALG_AES256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384',
  signed: true,
};

/** The non-committing suites of message format 1 (algorithm-suites.md), for the refusal message. */
const FORMAT_1_SUITES: Record<number, string> = {
  0x0014: 'ALG_AES128_GCM_IV12_TAG16_NO_KDF',
  0x0046: 'ALG_AES192_GCM_IV12_TAG16_NO_KDF',
  0x0078: 'ALG_AES256_GCM_IV12_TAG16_NO_KDF',
  0x0114: 'ALG_AES128_GCM_IV12_TAG16_HKDF_SHA256',
  0x0146: 'ALG_AES192_GCM_IV12_TAG16_HKDF_SHA256',
  0x0178: 'ALG_AES256_GCM_IV12_TAG16_HKDF_SHA256',
  0x0214: 'ALG_AES128_GCM_IV12_TAG16_HKDF_SHA256_ECDSA_P256',
  0x0346: 'ALG_AES192_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384',
  0x0378: 'ALG_AES256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384',
};

export function suiteIdHex(id: number): string {
  return `0x${id.toString(16).padStart(4, '0')}`;
}

const WHY_COMMITMENT =
  'Without key commitment one ciphertext can be crafted to decrypt to two different plaintexts ' +
  'under two different data keys, so Pocket KMS decrypts only message format 2 with a ' +
  'committing suite (0x0478, 0x0578). Decrypt it with an AWS Encryption SDK whose commitment ' +
  'policy allows it, and encrypt it again here.';

/** The refusal of a format-1 message, whose suite id sits at bytes 2..3. */
export function formatOneRefusal(suiteId: number | undefined): KmsError {
  const named =
    suiteId === undefined
      ? ''
      : ` with algorithm suite ${suiteIdHex(suiteId)}${FORMAT_1_SUITES[suiteId] ? ` (${FORMAT_1_SUITES[suiteId]})` : ''}`;
  return new KmsError(
    'UnsupportedOperationException',
    `This is an AWS Encryption SDK message of format version 1${named}, which has no key commitment. ${WHY_COMMITMENT}`,
  );
}

/** The suite a version-2 header names, or undefined for an id message format 2 does not define. */
export function formatTwoSuite(suiteId: number): AlgorithmSuite | undefined {
  if (suiteId === SUITE_COMMIT_KEY) return COMMIT_KEY_SUITE;
  if (suiteId === SUITE_COMMIT_KEY_ECDSA_P384) return COMMIT_KEY_ECDSA_P384_SUITE;
  return undefined;
}

/** Why a version-2 header with another suite id is malformed. */
export function unknownSuiteReason(suiteId: number): string {
  const named = FORMAT_1_SUITES[suiteId];
  return named
    ? `algorithm suite ${suiteIdHex(suiteId)} (${named}) is a non-committing format-1 suite, which a format-2 header cannot name`
    : `algorithm suite ${suiteIdHex(suiteId)} is not defined for message format 2 (only 0x0478 and 0x0578 are)`;
}
