/**
 * The vault key under the person's lock secrets (issue 12; DESIGN §10): a lock passphrase — an
 * age scrypt file, the same form as the recovery passphrase's, with its work factor inside — and
 * a passkey — AES-256-GCM under a key derived (HKDF-SHA-256, the stored PRF salt as salt) from
 * the WebAuthn PRF output the page's ceremony returned. The PRF output is used once and never
 * stored. A wrong secret is IncorrectKeyException.
 */
import type { PasskeyAssertion, PasskeyEnrolment, VaultLockSecret } from '../api.ts';
import { AES_GCM_IV_LENGTH, aesGcmDecrypt, aesGcmEncrypt } from '../crypto/aes-gcm.ts';
import { decryptAge, encryptWithPassphrase } from '../crypto/age.ts';
import { concatBytes, type Bytes } from '../crypto/bytes.ts';
import { randomBytes } from '../crypto/random.ts';
import { KmsError, validationError } from '../errors.ts';
import type { LockRecord } from '../keystore/vault-store.ts';
import { wrongSecret } from './recovery-identity.ts';
import { checkBytes, checkString } from './validation.ts';

/** The vault key: 32 random bytes, an AES-256-GCM key once imported. */
export const VAULT_KEY_LENGTH = 32;
/** WebAuthn PRF outputs (and the salts this app evaluates) are 32 bytes. */
const PRF_LENGTH = 32;
/** A credential id is at most 1023 bytes (WebAuthn §5.8.3): 1364 base64url characters. */
const MAX_CREDENTIAL_ID_LENGTH = 1364;
const MAX_PASSPHRASE_LENGTH = 1024;
const PASSKEY_INFO = new TextEncoder().encode('pocket-kms vault lock passkey v1');

function checkCredentialId(parameter: string, value: unknown): string {
  const id = checkString(parameter, value, {
    min: 1,
    max: MAX_CREDENTIAL_ID_LENGTH,
    required: true,
  })!;
  if (!/^[A-Za-z0-9_-]+$/.test(id)) {
    throw validationError(parameter, undefined, 'Member must be base64url without padding');
  }
  return id;
}

function checkObject(parameter: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw validationError(parameter, undefined, 'Member must be an object');
  }
  return value as Record<string, unknown>;
}

export function checkEnrolment(parameter: string, value: unknown): PasskeyEnrolment {
  const given = checkObject(parameter, value);
  return {
    CredentialId: checkCredentialId(`${parameter}.credentialId`, given.CredentialId),
    PrfSalt: checkBytes(`${parameter}.prfSalt`, given.PrfSalt, PRF_LENGTH, PRF_LENGTH),
    PrfOutput: checkBytes(`${parameter}.prfOutput`, given.PrfOutput, PRF_LENGTH, PRF_LENGTH),
  };
}

function checkAssertion(parameter: string, value: unknown): PasskeyAssertion {
  const given = checkObject(parameter, value);
  return {
    CredentialId: checkCredentialId(`${parameter}.credentialId`, given.CredentialId),
    PrfOutput: checkBytes(`${parameter}.prfOutput`, given.PrfOutput, PRF_LENGTH, PRF_LENGTH),
  };
}

async function passkeyKey(prfOutput: Bytes, prfSalt: Bytes): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey('raw', prfOutput, 'HKDF', false, ['deriveKey']);
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: prfSalt, info: PASSKEY_INFO },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

function passkeyAad(credentialId: string): Bytes {
  return new TextEncoder().encode(`pocket-kms vault key v1\n${credentialId}`);
}

/** The vault key sealed under a passphrase. */
export function sealUnderPassphrase(
  vaultKey: Bytes,
  passphrase: string,
  workFactor: number,
): Promise<Bytes> {
  return encryptWithPassphrase(vaultKey, passphrase, workFactor);
}

/** The vault key sealed under a passkey's PRF output. */
export async function sealUnderPasskey(
  vaultKey: Bytes,
  passkey: PasskeyEnrolment,
): Promise<NonNullable<LockRecord['PasskeySeal']>> {
  const key = await passkeyKey(passkey.PrfOutput, passkey.PrfSalt);
  const iv = randomBytes(AES_GCM_IV_LENGTH);
  const sealed = await aesGcmEncrypt(key, iv, vaultKey, passkeyAad(passkey.CredentialId));
  return {
    CredentialId: passkey.CredentialId,
    PrfSalt: passkey.PrfSalt,
    Sealed: concatBytes([iv, sealed]),
  };
}

/**
 * The vault key's bytes, opened with the lock secret given (exactly one of Passphrase and
 * Passkey). A secret this lock does not hold is ValidationException; a wrong one is
 * IncorrectKeyException. The caller zeroes the bytes.
 */
export async function openVaultKey(lock: LockRecord, secret: VaultLockSecret): Promise<Bytes> {
  const passphrase = checkString('passphrase', secret.Passphrase, { max: MAX_PASSPHRASE_LENGTH });
  const hasPasskey = secret.Passkey !== undefined && secret.Passkey !== null;
  if ((passphrase === undefined) === !hasPasskey) {
    throw new KmsError(
      'ValidationException',
      'Give either the lock passphrase (Passphrase) or a passkey assertion (Passkey), one of the two.',
    );
  }
  if (passphrase !== undefined) {
    if (!lock.PassphraseSeal) {
      throw new KmsError(
        'ValidationException',
        'This vault lock has no passphrase: use its passkey.',
      );
    }
    try {
      return await decryptAge(lock.PassphraseSeal, { passphrase });
    } catch {
      throw wrongSecret('The lock passphrase is wrong.');
    }
  }
  const assertion = checkAssertion('passkey', secret.Passkey);
  if (!lock.PasskeySeal) {
    throw new KmsError(
      'ValidationException',
      'This vault lock has no passkey: use its passphrase.',
    );
  }
  if (assertion.CredentialId !== lock.PasskeySeal.CredentialId) {
    throw wrongSecret('That passkey is not the one this vault lock was set up with.');
  }
  const key = await passkeyKey(assertion.PrfOutput, lock.PasskeySeal.PrfSalt);
  assertion.PrfOutput.fill(0);
  const sealed = lock.PasskeySeal.Sealed;
  const opened = await aesGcmDecrypt(
    key,
    sealed.subarray(0, AES_GCM_IV_LENGTH),
    sealed.subarray(AES_GCM_IV_LENGTH),
    passkeyAad(assertion.CredentialId),
  );
  if (!opened) throw wrongSecret('The passkey did not open the vault lock.');
  return opened;
}
