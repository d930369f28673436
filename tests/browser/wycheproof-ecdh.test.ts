/**
 * Wycheproof ECDH on P-256, P-384 and P-521 (AWS's ECC_NIST_* KEY_AGREEMENT keys) in Chromium,
 * from the "webcrypto" files: each private key is a JWK imported non-extractable; each peer
 * public key is a JWK that public-key.ts turns into the DER SubjectPublicKeyInfo that
 * DeriveSharedSecret takes; ecdh.ts's `deriveSharedSecret` then checks the curve, imports the
 * point (WebCrypto rejects points off the curve) and derives. A "valid" case must give exactly
 * the vector's shared secret; an "invalid" one must be refused with ValidationException.
 */
import { describe, expect, it } from 'vitest';
import { deriveSharedSecret } from '../../workers/crypto/ecdh.ts';
import { jwkToSpki } from '../../workers/crypto/public-key.ts';
import { toKmsError } from '../../workers/errors.ts';
import p256 from '../vectors/wycheproof/ecdh_secp256r1_webcrypto_test.json?raw';
import p384 from '../vectors/wycheproof/ecdh_secp384r1_webcrypto_test.json?raw';
import p521 from '../vectors/wycheproof/ecdh_secp521r1_webcrypto_test.json?raw';
import {
  WHOLE_FILE_TIMEOUT_MS,
  checkCases,
  hex,
  loadVectors,
  type Allowlist,
  type VectorGroup,
  type VectorTest,
} from './support/wycheproof.ts';

interface EcdhTest extends VectorTest {
  public: Record<string, unknown>;
  private: JsonWebKey;
  shared: string;
}
interface EcdhGroup extends VectorGroup<EcdhTest> {
  curve: string;
}

const FILES = [
  { name: 'ecdh_secp256r1_webcrypto_test.json', raw: p256, curve: 'P-256' },
  { name: 'ecdh_secp384r1_webcrypto_test.json', raw: p384, curve: 'P-384' },
  { name: 'ecdh_secp521r1_webcrypto_test.json', raw: p521, curve: 'P-521' },
] as const;

/** Every file matches Wycheproof exactly: no case needs an exception. */
const ALLOWLIST: Record<string, Allowlist> = {};

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}

/** The refusals deriveSharedSecret (and the JWK conversion before it) give for a bad peer key. */
function isRefusal(thrown: unknown): boolean {
  const error = toKmsError(thrown); // as the API door names it
  return error.name === 'ValidationException' || error.name === 'UnsupportedOperationException';
}

describe('Wycheproof ECDH through ecdh.ts', () => {
  it('has no allowlisted case', () => {
    expect(Object.keys(ALLOWLIST)).toHaveLength(0);
  });

  for (const file of FILES) {
    it(
      `${file.name}: valid peers give the vector's shared secret, invalid peers are refused`,
      async () => {
        const vectors = loadVectors<EcdhGroup>(file.raw);
        const cases = vectors.testGroups.flatMap((group) => {
          expect(group.curve, `${file.name}: group curve`).toBe(file.curve);
          return group.tests;
        });
        // A few private keys serve many cases: import each once.
        const privateKeys = new Map<string, Promise<CryptoKey>>();
        const privateKeyOf = (jwk: JsonWebKey & { kid?: string }): Promise<CryptoKey> => {
          const { kid: _kid, ...privateJwk } = jwk;
          let key = privateKeys.get(privateJwk.d!);
          if (!key) {
            key = crypto.subtle.importKey(
              'jwk',
              privateJwk,
              { name: 'ECDH', namedCurve: file.curve },
              false,
              ['deriveBits'],
            );
            privateKeys.set(privateJwk.d!, key);
          }
          return key;
        };
        const tally = await checkCases(
          file.name,
          cases,
          ALLOWLIST[file.name] ?? {},
          async (test) => {
            const privateKey = await privateKeyOf(test.private);
            const { kid: _peerKid, ...peerJwk } = test.public;
            const peer = jwkToSpki(peerJwk);
            const shared = await deriveSharedSecret(privateKey, peer.spki);
            if (!equal(shared, hex(test.shared)))
              throw new Error('derived a different shared secret');
            return 'accepted';
          },
          isRefusal,
        );
        expect(tally.valid + tally.invalid + tally.acceptable, `${file.name}: every test ran`).toBe(
          vectors.numberOfTests,
        );
      },
      WHOLE_FILE_TIMEOUT_MS,
    );
  }
});
