/**
 * ECDH key agreement (SEC 1 §3.3.1, the raw shared x-coordinate, no KDF) with a non-extractable
 * P-256/384/521 private key and a peer public key given as DER SubjectPublicKeyInfo — what AWS
 * KMS's DeriveSharedSecret takes and returns. The peer key must be on the same curve; WebCrypto
 * rejects points not on the curve (invalid-curve attacks) when the key is imported.
 */
import type { Bytes } from './der.ts';
import { CURVE_SCALAR_LENGTH, namedCurve, type NistKeySpec } from '../key-specs.ts';
import { CryptoInputError } from './input-error.ts';
import { describeSpki, importSpki } from './public-key.ts';

const SPEC_BY_CURVE: Record<string, NistKeySpec> = {
  'P-256': 'ECC_NIST_P256',
  'P-384': 'ECC_NIST_P384',
  'P-521': 'ECC_NIST_P521',
};

export function ecdhKeyParameters(keySpec: NistKeySpec): EcKeyImportParams {
  return { name: 'ECDH', namedCurve: namedCurve(keySpec) };
}

/**
 * The shared secret of `privateKey` (an ECDH CryptoKey) and the peer's public key: the
 * x-coordinate of the shared point, as long as the curve's field elements (32, 48 or 66 bytes).
 * A malformed, foreign-curve or off-curve peer key is a CryptoInputError of kind 'invalid'
 * (ValidationException at the API).
 */
export async function deriveSharedSecret(
  privateKey: CryptoKey,
  peerSpki: Uint8Array,
): Promise<Bytes> {
  const ownCurve =
    (privateKey.algorithm as KeyAlgorithm & { namedCurve?: string }).namedCurve ?? '';
  const ownSpec = SPEC_BY_CURVE[ownCurve];
  if (!ownSpec || privateKey.algorithm.name !== 'ECDH')
    throw new RangeError('deriveSharedSecret needs an ECDH private key on P-256, P-384 or P-521');
  const peer = describeSpki(peerSpki);
  if (peer.KeySpec !== ownSpec) {
    throw new CryptoInputError(
      'invalid',
      `The peer public key is ${peer.KeySpec}; key agreement needs a public key on the same curve as this key (${ownSpec}).`,
    );
  }
  let peerKey: CryptoKey;
  try {
    peerKey = await importSpki(peer.spki, ecdhKeyParameters(ownSpec), []);
  } catch (error) {
    if (error instanceof DOMException && error.name === 'DataError') {
      throw new CryptoInputError(
        'invalid',
        `The peer public key is not a valid point on ${ownCurve}.`,
      );
    }
    throw error;
  }
  const bits = await crypto.subtle.deriveBits(
    { name: 'ECDH', public: peerKey },
    privateKey,
    CURVE_SCALAR_LENGTH[ownSpec] * 8,
  );
  return new Uint8Array(bits);
}
