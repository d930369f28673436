/**
 * New key versions and the writes that store them: version 1 of a new key (CreateKey) and each
 * rotation (RotateKeyOnDemand, and automatic rotation in housekeeping). Key material is made
 * inside the worker (workers/crypto/key-material.ts) and leaves it only sealed (vault-keys.ts).
 */
import type { RotationType } from '../api.ts';
import { generateKeyMaterial } from '../crypto/key-material.ts';
import { keptMaterial, materialLabel, type Custody } from './vault-keys.ts';
import type { KeySpec, KeyUsage } from '../key-specs.ts';
import { randomBytes } from '../crypto/random.ts';
import { toHex } from '../encoding.ts';
import type { KeyRecord, KeyVersionRecord, VaultWrite } from '../keystore/vault-store.ts';

/**
 * A new version of key `keyId` with fresh material of its spec; `rotationType` for rotations.
 * The material is made as bytes and kept on the one custody path (vault-keys.ts keptMaterial):
 * sealed for recovery and, with a lock, under the vault key; the bytes are then zeroed.
 */
export async function newKeyVersion(
  keyId: string,
  version: number,
  keySpec: KeySpec,
  keyUsage: KeyUsage,
  now: Date,
  custody: Custody,
  rotationType?: RotationType,
): Promise<KeyVersionRecord> {
  const material = await generateKeyMaterial(keySpec, keyUsage, keyId);
  try {
    return {
      KeyId: keyId,
      Version: version,
      KeyMaterialId: toHex(randomBytes(32)),
      CreationDate: now,
      ...(rotationType && { RotationType: rotationType }),
      ...(await keptMaterial(
        custody,
        materialLabel({ KeyId: keyId, KeySpec: keySpec, KeyUsage: keyUsage }, version),
        material.secret,
        material,
      )),
    };
  } finally {
    material.secret.fill(0);
  }
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
