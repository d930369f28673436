/**
 * Checks an operation makes on a resolved key, after its state (key-state.ts): that its spec and
 * usage allow the operation and the algorithm asked for, each refusal named as AWS names it.
 * Messages carry ARNs, specs and algorithm names, never key bytes.
 */
import type { KeyUsage } from '../key-specs.ts';
import type { AsymmetricKeyMaterial } from '../crypto/key-material.ts';
import { KmsError, validationError } from '../errors.ts';
import type { KeyRecord, KeyVersionRecord } from '../keystore/vault-store.ts';
import type { OperationContext } from './operation-context.ts';

export function invalidKeyUsage(message: string): KmsError {
  return new KmsError('InvalidKeyUsageException', message);
}

/** A required parameter that was left out. */
export function requireParameter<T>(parameter: string, value: T | undefined): T {
  if (value === undefined) throw validationError(parameter, undefined, 'Member must not be null');
  return value;
}

/** AWS rotates only symmetric encryption keys; asymmetric and HMAC keys refuse every rotation call. */
export function requireRotatable(arn: string, key: KeyRecord): void {
  if (key.KeySpec !== 'SYMMETRIC_DEFAULT') {
    throw new KmsError(
      'UnsupportedOperationException',
      `${arn} is a ${key.KeySpec} key; only symmetric encryption keys (SYMMETRIC_DEFAULT) can be rotated. To change asymmetric or HMAC key material, create a new key and move its alias.`,
    );
  }
  // Imported material is never replaced by the vault (operations/import.ts): a rotation would
  // need new material from the user, which this build does not take.
  if (key.Origin === 'EXTERNAL') {
    throw new KmsError(
      'UnsupportedOperationException',
      `${arn} has imported key material (Origin EXTERNAL), which cannot be rotated. To change it, create a new EXTERNAL key, import the new material and move the alias.`,
    );
  }
}

/**
 * AWS's wording for a key whose usage does not allow the operation (LocalStack snapshot
 * test_error_messaging_for_invalid_keys).
 */
function wrongUsage(context: OperationContext, key: KeyRecord, operation: string): KmsError {
  return invalidKeyUsage(
    `${context.arn(key.KeyId)} key usage is ${key.KeyUsage} which is not valid for ${operation}.`,
  );
}

/** Encrypt, GenerateDataKey*, ReEncrypt and GenerateDataKeyPair* seal with symmetric keys only. */
export function requireSymmetricEncryptionKey(context: OperationContext, key: KeyRecord): void {
  if (key.KeyUsage !== 'ENCRYPT_DECRYPT') throw wrongUsage(context, key, context.operation);
  if (key.KeySpec !== 'SYMMETRIC_DEFAULT') {
    throw invalidKeyUsage(
      `${context.arn(key.KeyId)} is a ${key.KeySpec} key; ${context.operation} needs a symmetric encryption key (SYMMETRIC_DEFAULT).`,
    );
  }
}

export function requireUsage(
  context: OperationContext,
  key: KeyRecord,
  usage: KeyUsage,
  operation: string,
): void {
  if (key.KeyUsage !== usage) throw wrongUsage(context, key, operation);
}

/** The algorithm must be in the key's list for its usage (KeyMetadata's *Algorithms). */
export function requireListed<T extends string>(
  key: KeyRecord,
  algorithm: T,
  listed: readonly T[] | undefined,
): void {
  // AWS's wording (LocalStack snapshot test_invalid_verify_mac).
  if (!listed?.includes(algorithm)) {
    throw invalidKeyUsage(`Algorithm ${algorithm} is incompatible with key spec ${key.KeySpec}.`);
  }
}

/**
 * The current version of an asymmetric key, with its material: its public part as stored
 * (verify, encrypt), or — `private` — the CryptoKeys this core holds, which a locked vault
 * refuses (VaultLockedException). `cryptoKey` is the version's CryptoKey (the wrapping key of
 * a WRAPPED secp256k1 key).
 */
export async function asymmetricMaterial(
  context: OperationContext,
  key: KeyRecord,
  use: 'public' | 'private',
): Promise<{ version: KeyVersionRecord; material: AsymmetricKeyMaterial; cryptoKey?: CryptoKey }> {
  const version = await context.currentVersion(key);
  if (use === 'public') {
    if (!version.Asymmetric)
      throw new Error('asymmetric key material missing from the key version');
    return { version, material: version.Asymmetric };
  }
  const held = await context.material(key, version);
  if (!held.asymmetric) throw new Error('asymmetric key material missing from the key version');
  return { version, material: held.asymmetric, cryptoKey: held.cryptoKey };
}

/** A CryptoKey the version must hold for the algorithm in use. */
export function heldKey<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('the key version holds no CryptoKey for this algorithm');
  return value;
}
