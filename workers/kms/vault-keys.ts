/**
 * The key material this core holds, and where new material goes (issue 12; DESIGN §10).
 *
 * Without a vault lock, a key version's CryptoKeys are stored in IndexedDB (non-extractable) and
 * used from there. With a lock, a version's material is stored only sealed under the vault key
 * (the record's LockSeal, AES-256-GCM with the key id, version, spec and usage as additional
 * data); the vault key exists only in the memory of a core that was unlocked, and so do the
 * CryptoKeys imported from the seals it opens. Nothing usable is at rest, so script on the
 * origin reaches the keys only through the API, and only while this core is unlocked.
 *
 * The one custody path (keptMaterial): material made or given as bytes is sealed to the recovery
 * recipient, sealed under the vault key when the vault has a lock, and imported; the caller then
 * zeroes the bytes. The recovery seal and the lock seal hold the same bytes, made once.
 */
import { AES_GCM_IV_LENGTH, aesGcmDecrypt, aesGcmEncrypt } from '../crypto/aes-gcm.ts';
import { concatBytes, type Bytes } from '../crypto/bytes.ts';
import {
  importSecret,
  type AsymmetricKeyMaterial,
  type KeyMaterial,
} from '../crypto/key-material.ts';
import { randomBytes } from '../crypto/random.ts';
import { KmsError } from '../errors.ts';
import type { KeyRecord, KeyVersionRecord, LockRecord } from '../keystore/vault-store.ts';
import { sealMaterial, type MaterialLabel } from './recovery-seal.ts';

export function vaultLocked(): KmsError {
  return new KmsError(
    'VaultLockedException',
    'The vault is locked: its keys cannot be used until it is unlocked (UnlockVault). Each tab unlocks on its own.',
  );
}

/** The label a key version's seals carry: which key, version, spec and usage it is the material of. */
export function materialLabel(
  key: Pick<KeyRecord, 'KeyId' | 'KeySpec' | 'KeyUsage'>,
  version: number,
): MaterialLabel {
  return { KeyId: key.KeyId, Version: version, KeySpec: key.KeySpec, KeyUsage: key.KeyUsage };
}

const LOCK_SEAL_CONTEXT = 'pocket-kms vault lock seal v1';

function lockSealAad(label: MaterialLabel): Bytes {
  return new TextEncoder().encode(
    [LOCK_SEAL_CONTEXT, label.KeyId, label.Version, label.KeySpec, label.KeyUsage].join('\n'),
  );
}

/** `material` sealed under the vault key: IV ‖ ciphertext ‖ tag. */
export async function sealUnderLock(
  vaultKey: CryptoKey,
  label: MaterialLabel,
  material: Bytes,
): Promise<Bytes> {
  const iv = randomBytes(AES_GCM_IV_LENGTH);
  return concatBytes([iv, await aesGcmEncrypt(vaultKey, iv, material, lockSealAad(label))]);
}

/** Opens a lock seal; one changed or moved to another key version is InvalidCiphertextException. */
export async function openLockSeal(
  vaultKey: CryptoKey,
  label: MaterialLabel,
  sealed: Bytes,
): Promise<Bytes> {
  const opened = await aesGcmDecrypt(
    vaultKey,
    sealed.subarray(0, AES_GCM_IV_LENGTH),
    sealed.subarray(AES_GCM_IV_LENGTH),
    lockSealAad(label),
  );
  if (!opened) {
    throw new KmsError(
      'InvalidCiphertextException',
      `The sealed material of ${label.KeyId} version ${label.Version} does not open under the vault key: it was changed, or it belongs to another key version.`,
    );
  }
  return opened;
}

/** What a sealed version keeps at rest of an asymmetric key: the public key, nothing private. */
function publicPart(asymmetric: AsymmetricKeyMaterial): AsymmetricKeyMaterial {
  return { PublicKey: asymmetric.PublicKey, PublicKeys: asymmetric.PublicKeys, PrivateKeys: {} };
}

/** Where new key material goes. */
export interface Custody {
  /** The recovery recipient, once recovery is set up. */
  recipient?: string;
  /** The vault key, when the vault has a lock (a locked core has none and takes no material). */
  vaultKey?: CryptoKey;
}

export type KeptMaterial = Pick<
  KeyVersionRecord,
  'CryptoKey' | 'Asymmetric' | 'RecoverySeal' | 'LockSeal'
>;

/**
 * The one custody path: the fields a version record keeps of `secret` (its bytes) and of
 * `material` (the CryptoKeys imported from them). The caller zeroes `secret` afterwards.
 */
export async function keptMaterial(
  custody: Custody,
  label: MaterialLabel,
  secret: Bytes,
  material: KeyMaterial,
): Promise<KeptMaterial> {
  const recovery =
    custody.recipient === undefined
      ? {}
      : { RecoverySeal: await sealMaterial(custody.recipient, label, secret) };
  if (custody.vaultKey) {
    return {
      ...recovery,
      LockSeal: await sealUnderLock(custody.vaultKey, label, secret),
      ...(material.asymmetric && { Asymmetric: publicPart(material.asymmetric) }),
    };
  }
  return {
    ...recovery,
    CryptoKey: material.cryptoKey,
    ...(material.asymmetric && { Asymmetric: material.asymmetric }),
  };
}

/** A lock-sealed version's material, opened and imported. */
export async function openVersion(
  vaultKey: CryptoKey,
  key: KeyRecord,
  version: KeyVersionRecord,
): Promise<KeyMaterial> {
  const secret = await openLockSeal(
    vaultKey,
    materialLabel(key, version.Version),
    version.LockSeal!,
  );
  try {
    return await importSecret(key.KeySpec, key.KeyUsage, key.KeyId, secret);
  } finally {
    secret.fill(0);
  }
}

const MINUTE_MS = 60_000;

/**
 * This core's share of the lock: whether the vault has one (as last read), the vault key while
 * unlocked, and the versions opened so far — all in this worker's memory only. Keyed by key id,
 * version and KeyMaterialId, so material another tab made for the same version number is never
 * mistaken for what is held.
 */
export class VaultKeys {
  private vaultKey: CryptoKey | undefined;
  private readonly held = new Map<string, KeyMaterial>();
  /** Import wrapping keys (GetParametersForImport) of a locked vault: never stored. */
  private readonly importKeys = new Map<string, { token: Bytes; privateKey: CryptoKey }>();
  private lockSetUp = false;
  private idleMinutes = 0;
  private lastUse = 0;

  /** Takes what the vault record says of the lock (at open, and after another tab changes it). */
  refresh(lock: LockRecord | undefined): void {
    this.lockSetUp = lock !== undefined;
    this.idleMinutes = lock?.IdleMinutes ?? 0;
    if (!lock) this.lock();
  }

  get hasLock(): boolean {
    return this.lockSetUp;
  }

  get locked(): boolean {
    return this.lockSetUp && this.vaultKey === undefined;
  }

  get heldVersionCount(): number {
    return this.held.size;
  }

  /** The vault key; undefined without a lock; VaultLockedException while locked. */
  requireOpen(): CryptoKey | undefined {
    if (this.locked) throw vaultLocked();
    return this.vaultKey;
  }

  custody(recipient: string | undefined): Custody {
    const vaultKey = this.requireOpen();
    return { ...(recipient !== undefined && { recipient }), ...(vaultKey && { vaultKey }) };
  }

  unlock(vaultKey: CryptoKey, held: Iterable<[KeyVersionRecord, KeyMaterial]>, now: Date): void {
    this.lock();
    this.vaultKey = vaultKey;
    for (const [version, material] of held) this.held.set(heldId(version), material);
    this.lastUse = now.getTime();
  }

  /** Drops the vault key and every CryptoKey opened with it. */
  lock(): void {
    this.vaultKey = undefined;
    this.held.clear();
    this.importKeys.clear();
  }

  setIdleMinutes(minutes: number): void {
    this.idleMinutes = minutes;
  }

  /** A call by the person: the idle time starts again. */
  touch(now: Date): void {
    this.lastUse = now.getTime();
  }

  /** Unlocked, with an idle limit, and no call by the person for longer than it. */
  idleExpired(now: Date): boolean {
    return (
      this.vaultKey !== undefined &&
      this.idleMinutes > 0 &&
      now.getTime() - this.lastUse >= this.idleMinutes * MINUTE_MS
    );
  }

  /** The version's CryptoKeys: from its record without a lock, else opened under the vault key. */
  async materialOf(key: KeyRecord, version: KeyVersionRecord): Promise<KeyMaterial> {
    const vaultKey = this.requireOpen();
    if (version.LockSeal === undefined) {
      if (!version.CryptoKey) throw new Error('the key version holds neither CryptoKey nor seal');
      return {
        cryptoKey: version.CryptoKey,
        ...(version.Asymmetric && { asymmetric: version.Asymmetric }),
      };
    }
    // Sealed, but this core read "no lock": the lock was set up in another tab just now.
    if (!vaultKey) throw vaultLocked();
    const id = heldId(version);
    const cached = this.held.get(id);
    if (cached) return cached;
    const material = await openVersion(vaultKey, key, version);
    this.held.set(id, material);
    return material;
  }

  holdImportKey(keyId: string, token: Bytes, privateKey: CryptoKey): void {
    this.importKeys.set(keyId, { token, privateKey });
  }

  importKey(keyId: string): { token: Bytes; privateKey: CryptoKey } | undefined {
    return this.importKeys.get(keyId);
  }
}

function heldId(version: KeyVersionRecord): string {
  return `${version.KeyId}#${version.Version}#${version.KeyMaterialId}`;
}
