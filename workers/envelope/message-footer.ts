/**
 * The footer of suite 0x0578 — docs/FORMAT.md §4.7 (aws-encryption-sdk-specification,
 * data-format/message-footer.md; @aws-crypto/serialize, signature_info.ts): u16 length ‖ DER
 * ECDSA P-384/SHA-384 signature over header and body, verified with the compressed point in the
 * encryption context entry `aws-crypto-public-key`.
 *
 * WebCrypto has no incremental digest, and a streamed message is never held whole, so SHA-384
 * runs in @noble/hashes as the bytes pass and the signature is checked with @noble/curves.
 */
import { p384 } from '@noble/curves/nist.js';
import { sha384 } from '@noble/hashes/sha2.js';
import type { EncryptionContext } from '../api.ts';
import { fromBase64 } from '../encoding.ts';

export const PUBLIC_KEY_CONTEXT_KEY = 'aws-crypto-public-key';
/** Context keys beginning with this are reserved for the SDK (as every AWS Encryption SDK does). */
export const RESERVED_CONTEXT_PREFIX = 'aws-crypto-';
/** A DER ECDSA P-384 signature is at most 2 + (2 + 49) × 2 bytes. */
export const MAX_SIGNATURE_LENGTH = 104;
const COMPRESSED_P384_POINT_LENGTH = 49;

/**
 * The verification key named by the context, as a validated compressed point; null when the entry
 * is missing, not base64, not 49 bytes or not a point on P-384.
 */
export function verificationKey(encryptionContext: EncryptionContext): Uint8Array | null {
  const encoded = encryptionContext[PUBLIC_KEY_CONTEXT_KEY];
  if (encoded === undefined) return null;
  const point = fromBase64(encoded);
  if (point?.length !== COMPRESSED_P384_POINT_LENGTH) return null;
  try {
    p384.Point.fromBytes(point).assertValidity();
  } catch {
    return null;
  }
  return point;
}

/** Hashes the signed bytes as they stream past, then checks the footer's signature. */
export class SignatureVerifier {
  private readonly hash = sha384.create();

  constructor(private readonly publicKey: Uint8Array) {}

  update(bytes: Uint8Array): void {
    this.hash.update(bytes);
  }

  /** Whether the DER signature verifies over everything passed to update. High S is allowed. */
  verify(signature: Uint8Array): boolean {
    try {
      return p384.verify(signature, this.hash.digest(), this.publicKey, {
        prehash: false,
        lowS: false,
        format: 'der',
      });
    } catch {
      return false;
    }
  }
}
