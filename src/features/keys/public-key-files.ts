/**
 * A public key as files a person hands to others: PEM (what OpenSSL reads by default), DER
 * (what AWS KMS GetPublicKey returns) and JWK (for JOSE libraries). The encoders are the core's
 * (workers/crypto/public-key.ts); public keys are not secret.
 */
import { spkiToJwk, spkiToPem } from '../../../workers/crypto/public-key.ts';

export interface PublicKeyFiles {
  pem: File;
  der: File;
  jwk: File;
  /** The PEM text, for copying. */
  pemText: string;
}

/** A file name stem for a key: its alias without "alias/" (slashes as dashes), else its id. */
export function keyFileStem(label: string): string {
  return label.replace(/^alias\//, '').replace(/[^A-Za-z0-9._-]+/g, '-');
}

export function publicKeyFiles(spki: Uint8Array, stem: string): PublicKeyFiles {
  const pemText = spkiToPem(spki);
  return {
    pemText,
    pem: new File([pemText], `${stem}.public.pem`, { type: 'application/x-pem-file' }),
    der: new File([new Uint8Array(spki)], `${stem}.public.der`, { type: 'application/pkix-spki' }),
    jwk: new File([JSON.stringify(spkiToJwk(spki), null, 2) + '\n'], `${stem}.public.jwk`, {
      type: 'application/jwk+json',
    }),
  };
}
