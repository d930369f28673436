/**
 * age (age-encryption.org/v1), through the age-encryption package (typage, by age's author):
 * X25519 identities and recipients, passphrase files (scrypt), and the ASCII armor. Recovery
 * (workers/kms/operations/recovery.ts) seals key material to the vault's recovery recipient
 * with it, and backups are age files, so the `age` command-line tool opens what Pocket KMS
 * writes (docs/FORMAT.md, "Vault backups").
 *
 * Decryption failures are one CryptoInputError('invalid'): a wrong identity, a wrong passphrase
 * and a changed byte look alike from outside, as they should.
 */
import {
  armor,
  Decrypter,
  Encrypter,
  generateX25519Identity,
  identityToRecipient,
} from 'age-encryption';
import type { Bytes } from './bytes.ts';
import { CryptoInputError } from './input-error.ts';

/** `AGE-SECRET-KEY-1…`: an X25519 identity as age writes it (Bech32, upper case). */
const IDENTITY_PATTERN = /^AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}$/;

/**
 * scrypt work factor (log2 N) for passphrase files: age's own default, so the `age` tool opens
 * them without a warning. Tests may pass a smaller one.
 */
export const DEFAULT_SCRYPT_WORK_FACTOR = 18;

/** A new X25519 identity and its recipient (`age1…`). Never a post-quantum one: age 1.1 lacks it. */
export async function newAgeIdentity(): Promise<{ identity: string; recipient: string }> {
  const identity = await generateX25519Identity();
  return { identity, recipient: await identityToRecipient(identity) };
}

/** The identity as the person types or pastes it: trimmed, upper case, checked. */
export function normalizeIdentity(text: string): string | undefined {
  const identity = text
    .split('\n')
    .map((line) => line.trim())
    .find((line) => line !== '' && !line.startsWith('#'))
    ?.toUpperCase();
  return identity !== undefined && IDENTITY_PATTERN.test(identity) ? identity : undefined;
}

export function recipientOf(identity: string): Promise<string> {
  return identityToRecipient(identity);
}

/** An age file of `plaintext` to `recipient`, binary. */
export async function encryptToRecipient(plaintext: Bytes, recipient: string): Promise<Bytes> {
  const encrypter = new Encrypter();
  encrypter.addRecipient(recipient);
  return new Uint8Array(await encrypter.encrypt(plaintext));
}

/** An age file of `plaintext` under `passphrase` (age's scrypt recipient), binary. */
export async function encryptWithPassphrase(
  plaintext: Bytes,
  passphrase: string,
  workFactor = DEFAULT_SCRYPT_WORK_FACTOR,
): Promise<Bytes> {
  const encrypter = new Encrypter();
  encrypter.setScryptWorkFactor(workFactor);
  encrypter.setPassphrase(passphrase);
  return new Uint8Array(await encrypter.encrypt(plaintext));
}

/** Opens an age file (binary or armored) with an identity or a passphrase. */
export async function decryptAge(
  file: Bytes | string,
  secret: { identity: string } | { passphrase: string },
): Promise<Bytes> {
  const decrypter = new Decrypter();
  if ('identity' in secret) decrypter.addIdentity(secret.identity);
  else decrypter.addPassphrase(secret.passphrase);
  try {
    const bytes = typeof file === 'string' ? armor.decode(file) : file;
    return new Uint8Array(await decrypter.decrypt(bytes));
  } catch {
    throw new CryptoInputError(
      'invalid',
      'The age file does not open with this secret: the secret is wrong, or the file was changed or cut short.',
    );
  }
}

/** The ASCII armor of an age file (PEM-like text, `-----BEGIN AGE ENCRYPTED FILE-----`). */
export function armorAge(file: Bytes): string {
  return armor.encode(file);
}
