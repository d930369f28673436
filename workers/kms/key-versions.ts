/**
 * New key versions and the writes that store them: version 1 of a new key (CreateKey) and each
 * rotation (RotateKeyOnDemand, and automatic rotation in housekeeping). Key material is made
 * inside the worker (workers/crypto/key-generation.ts) and never leaves it.
 */
import type { RotationType } from '../api.ts';
import { generateAesGcmKey } from '../crypto/aes-gcm.ts';
import { generateKeyMaterial } from '../crypto/key-generation.ts';
import type { KeySpec, KeyUsage } from '../key-specs.ts';
import { randomBytes } from '../crypto/random.ts';
import { toHex } from '../encoding.ts';
import type { KeyRecord, KeyVersionRecord, VaultWrite } from '../keystore/vault-store.ts';

/** A new version of key `keyId` with fresh material of its spec; `rotationType` for rotations. */
export async function newKeyVersion(
  keyId: string,
  version: number,
  keySpec: KeySpec,
  keyUsage: KeyUsage,
  now: Date,
  rotationType?: RotationType,
): Promise<KeyVersionRecord> {
  const base = {
    KeyId: keyId,
    Version: version,
    KeyMaterialId: toHex(randomBytes(32)),
    CreationDate: now,
    ...(rotationType && { RotationType: rotationType }),
  };
  if (keySpec === 'SYMMETRIC_DEFAULT') return { ...base, CryptoKey: await generateAesGcmKey() };
  const material = await generateKeyMaterial(keySpec, keyUsage, keyId);
  return {
    ...base,
    CryptoKey: material.cryptoKey,
    ...(material.asymmetric && { Asymmetric: material.asymmetric }),
  };
}

/** The write that stores a changed key record. */
export function putKey(key: KeyRecord): VaultWrite {
  return async (tx) => {
    await tx.objectStore('keys').put(key);
  };
}

/** The writes that add `version` as the key's new current version. */
export function rotateWrite(key: KeyRecord, version: KeyVersionRecord): VaultWrite {
  return async (tx) => {
    // add, not put: if another writer already made this version, fail instead of overwriting.
    await tx.objectStore('keyVersions').add(version);
    await tx.objectStore('keys').put({ ...key, CurrentVersion: version.Version });
  };
}
