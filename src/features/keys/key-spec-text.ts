/**
 * What the UI says about key specs, key usages and custody: one plain line each. Which specs
 * and usages exist, and which pairs are allowed, comes from the core's table
 * (workers/key-specs.ts); only the words live here.
 */
import {
  KEY_SPECS,
  UNSUPPORTED_KEY_SPECS,
  type KeyCustody,
  type KeySpec,
  type KeyUsage,
} from '../../../workers/key-specs.ts';

/** The specs `createKey` accepts in this build, in the core's order. */
export const CREATABLE_KEY_SPECS: readonly KeySpec[] = KEY_SPECS.filter(
  (spec) => !(spec in UNSUPPORTED_KEY_SPECS),
);

const KEY_SPEC_TEXT: Partial<Record<KeySpec, string>> = {
  SYMMETRIC_DEFAULT:
    'AES-256-GCM — encrypt text and data keys; can rotate; nothing outside this vault can use it',
  RSA_2048: 'RSA 2048 — sign, or encrypt small secrets; verifiable with OpenSSL anywhere',
  RSA_3072: 'RSA 3072 — sign, or encrypt small secrets; verifiable with OpenSSL anywhere',
  RSA_4096: 'RSA 4096 — the strongest RSA; slower to create (a second or more) and to sign',
  ECC_NIST_P256: 'NIST P-256 — small, fast ECDSA signatures, or ECDH key agreement',
  ECC_NIST_P384: 'NIST P-384 — ECDSA with SHA-384, or ECDH key agreement',
  ECC_NIST_P521: 'NIST P-521 — ECDSA with SHA-512, or ECDH key agreement',
  ECC_NIST_EDWARDS25519: 'Ed25519 — fast, compact signatures; verifiable with OpenSSL 3',
  ECC_SECG_P256K1: 'secp256k1 — ECDSA as Bitcoin and Ethereum use it',
  HMAC_256:
    'HMAC-SHA-256 — message authentication codes: the same secret key makes and checks them',
  HMAC_384: 'HMAC-SHA-384 — message authentication codes with SHA-384',
  HMAC_512: 'HMAC-SHA-512 — message authentication codes with SHA-512',
};

const KEY_USAGE_TEXT: Record<KeyUsage, { label: string; line: string }> = {
  ENCRYPT_DECRYPT: {
    label: 'Encrypt and decrypt',
    line: 'Ciphertext only this key can open.',
  },
  SIGN_VERIFY: {
    label: 'Sign and verify',
    line: 'Signatures anyone with the public key can check.',
  },
  GENERATE_VERIFY_MAC: {
    label: 'Generate and verify MACs',
    line: 'Tags that prove a message is unchanged; only this key can check them.',
  },
  KEY_AGREEMENT: {
    label: 'Key agreement',
    line: 'Derive a shared secret with another party’s public key (ECDH).',
  },
};

const CUSTODY_TEXT: Record<KeyCustody, string> = {
  WEBCRYPTO:
    'A non-extractable WebCrypto key: the browser holds the private or secret key and lets script use it, never read it.',
  WRAPPED:
    'Wrapped under a vault key: WebCrypto lacks this curve, so the private key is stored only encrypted, opened inside the key service for one signature and wiped right after.',
};

/** One line on what a key spec is for. */
export function keySpecText(spec: KeySpec): string {
  return KEY_SPEC_TEXT[spec] ?? spec;
}

export function keyUsageLabel(usage: KeyUsage): string {
  return KEY_USAGE_TEXT[usage].label;
}

export function keyUsageText(usage: KeyUsage): string {
  return KEY_USAGE_TEXT[usage].line;
}

export function custodyText(custody: KeyCustody): string {
  return CUSTODY_TEXT[custody];
}
