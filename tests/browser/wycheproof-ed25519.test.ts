/**
 * Wycheproof Ed25519 (AWS's ECC_NIST_EDWARDS25519 / ED25519_SHA_512, PureEdDSA over the RAW
 * message) in Chromium, through signing.ts's `verifyMessage`, with each group's public key taken
 * from its JWK by public-key.ts (and checked against the group's DER).
 */
import { describe, expect, it } from 'vitest';
import { describeSpki, jwkToSpki } from '../../workers/crypto/public-key.ts';
import { importVerifyKey, verifyMessage } from '../../workers/crypto/signing.ts';
import ed25519 from '../vectors/wycheproof/ed25519_test.json?raw';
import {
  checkCases,
  hex,
  loadVectors,
  type Allowlist,
  type VectorGroup,
  type VectorTest,
} from './support/wycheproof.ts';

interface EddsaTest extends VectorTest {
  msg: string;
  sig: string;
}
interface EddsaGroup extends VectorGroup<EddsaTest> {
  publicKeyDer: string;
  publicKeyJwk: Record<string, unknown>;
}

const FILE = 'ed25519_test.json';

/** The file matches Wycheproof exactly: no case needs an exception. */
const ALLOWLIST: Allowlist = {};

describe('Wycheproof Ed25519 through signing.ts', () => {
  it(`${FILE}: every signature is accepted or refused as the vector says`, async () => {
    expect(Object.keys(ALLOWLIST)).toHaveLength(0);
    const vectors = loadVectors<EddsaGroup>(ed25519);
    const cases = await Promise.all(
      vectors.testGroups.map(async (group) => {
        const { kid: _kid, ...jwk } = group.publicKeyJwk;
        const fromJwk = jwkToSpki(jwk);
        expect(fromJwk.spki, `${FILE}: JWK and DER name the same key`).toEqual(
          describeSpki(hex(group.publicKeyDer)).spki,
        );
        const key = await importVerifyKey(fromJwk.spki, fromJwk.KeySpec, 'ED25519_SHA_512');
        return group.tests.map((test) => ({ ...test, key }));
      }),
    );
    const tally = await checkCases(FILE, cases.flat(), ALLOWLIST, async (test) =>
      (await verifyMessage(
        test.key,
        'ECC_NIST_EDWARDS25519',
        'ED25519_SHA_512',
        'RAW',
        hex(test.msg),
        hex(test.sig),
      ))
        ? 'accepted'
        : 'rejected',
    );
    expect(tally.valid + tally.invalid + tally.acceptable, `${FILE}: every test ran`).toBe(
      vectors.numberOfTests,
    );
  });
});
