/**
 * Verifying a signature with nothing but a public key — one given as PEM, DER or JWK and parsed
 * by public-key.ts — for every signing spec: secp256k1 through noble (secp256k1.ts), the rest
 * through WebCrypto (signing.ts). This is how someone who holds no vault key checks a
 * signature; the vault's own `verify` runs the same wrappers on its stored keys.
 */
import type { Bytes } from './der.ts';
import { algorithmLists, type MessageType, type SigningAlgorithm } from '../key-specs.ts';
import { CryptoInputError } from './input-error.ts';
import { subjectPublicKey, type PublicKeyInfo } from './public-key.ts';
import { verifySecp256k1 } from './secp256k1.ts';
import { importVerifyKey, requireWebCryptoCapable, verifyMessage } from './signing.ts';

/**
 * True when `signature` (in AWS's encoding: DER for ECDSA) is valid for `message` under the
 * public key. An algorithm the key's spec does not sign with is a CryptoInputError of kind
 * 'key-usage' (InvalidKeyUsageException at the API); what WebCrypto cannot verify (DIGEST,
 * Ed25519ph) one of kind 'unsupported' (UnsupportedOperationException).
 */
export async function verifyWithPublicKey(
  publicKey: PublicKeyInfo,
  algorithm: SigningAlgorithm,
  messageType: MessageType,
  message: Bytes,
  signature: Bytes,
): Promise<boolean> {
  const listed = algorithmLists(publicKey.KeySpec, 'SIGN_VERIFY')?.SigningAlgorithms ?? [];
  if (!listed.includes(algorithm)) {
    throw new CryptoInputError(
      'key-usage',
      `Algorithm ${algorithm} is incompatible with a ${publicKey.KeySpec} public key; it supports ${listed.join(', ')}.`,
    );
  }
  if (publicKey.KeySpec === 'ECC_SECG_P256K1') {
    return verifySecp256k1(subjectPublicKey(publicKey.spki), messageType, message, signature);
  }
  const runnable = requireWebCryptoCapable(algorithm, messageType);
  const key = await importVerifyKey(publicKey.spki, publicKey.KeySpec, runnable);
  return verifyMessage(key, publicKey.KeySpec, runnable, messageType, message, signature);
}
