/**
 * New key versions and the writes that store them: version 1 of a new key (CreateKey) and each
 * rotation (RotateKeyOnDemand, and automatic rotation in housekeeping). Key material is made
 * inside the worker (workers/crypto/key-material.ts) and leaves it only sealed for recovery.
 */
import type { RotationType } from '../api.ts';
import { generateKeyMaterial } from '../crypto/key-material.ts';
import { sealMaterial } from './recovery-seal.ts';
import type { KeySpec, KeyUsage } from '../key-specs.ts';
import { randomBytes } from '../crypto/random.ts';
import { toHex } from '../encoding.ts';
import type { KeyRecord, KeyVersionRecord, VaultWrite } from '../keystore/vault-store.ts';

/**
 * A new version of key `keyId` with fresh material of its spec; `rotationType` for rotations.
 * The material is made as bytes and, when the vault has a recovery `recipient`, sealed to it
 * (recovery-seal.ts) before it is imported; the bytes are then zeroed.
 */
export async function newKeyVersion(
  keyId: string,
  version: number,
  keySpec: KeySpec,
  keyUsage: KeyUsage,
  now: Date,
  recipient: string | undefined,
  rotationType?: RotationType,
): Promise<KeyVersionRecord> {
  const material = await generateKeyMaterial(keySpec, keyUsage, keyId);
  try {
    return {
      KeyId: keyId,
      Version: version,
      KeyMaterialId: toHex(randomBytes(32)),
      CryptoKey: material.cryptoKey,
      CreationDate: now,
      ...(rotationType && { RotationType: rotationType }),
      ...(material.asymmetric && { Asymmetric: material.asymmetric }),
      ...(recipient !== undefined && {
        RecoverySeal: await sealMaterial(
          recipient,
          { KeyId: keyId, Version: version, KeySpec: keySpec, KeyUsage: keyUsage },
          material.secret,
        ),
      }),
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
