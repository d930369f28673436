/**
 * Vault backups (issue 11; docs/FORMAT.md §6): the backup document built from the vault's
 * records and their recovery seals, and read back — the archive opened with the person's
 * secret, every member checked, each key's records rebuilt with its material imported through
 * the one custody path (crypto/key-material.ts). Pure of IndexedDB writes: the recovery
 * operations (operations/recovery.ts) commit what these return.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import type { BackupKeySummary, RecoverySecret } from '../api.ts';
import { decryptAge } from '../crypto/age.ts';
import type { Bytes } from '../crypto/bytes.ts';
import { importSecret } from '../crypto/key-material.ts';
import { toHex } from '../encoding.ts';
import { KmsError, validationError } from '../errors.ts';
import { readTar, TarFormatError } from '../formats/tar.ts';
import {
  BACKUP_MEMBERS,
  BackupFormatError,
  BackupVersionError,
  decodeBackupDocument,
  type BackupDocument,
  type BackupKey,
} from '../formats/vault-backup.ts';
import type { AliasRecord, KeyRecord, KeyVersionRecord } from '../keystore/vault-store.ts';
import type { OperationContext } from './operation-context.ts';
import { openSealedMaterial, sealMaterial } from './recovery-seal.ts';
import { keptMaterial, materialLabel } from './vault-keys.ts';
import { identityFrom, wrongSecret } from './recovery-identity.ts';
import { checkInput } from './validation.ts';

/** The largest backup read: a vault of thousands of keys is a few megabytes. */
const MAX_BACKUP_BYTES = 256 * 1024 * 1024;

/** What README.txt in every backup says: the archive and the commands that open it. */
export const BACKUP_README = `Pocket KMS vault backup

This archive holds a backup of a Pocket KMS vault, made to outlive Pocket KMS itself:
every file in it is an age file (https://age-encryption.org), opened by the age tool.

  vault-backup.json.age   the vault: keys, versions, aliases, tags, settings (JSON),
                          encrypted to the vault's recovery key
  recovery-identity.age   the recovery key itself, encrypted under the recovery
                          passphrase (present when a passphrase was set up)

With the recovery key (AGE-SECRET-KEY-1...) saved in recovery-key.txt:

  age -d -i recovery-key.txt -o vault-backup.json vault-backup.json.age

With the recovery passphrase (age asks for it):

  age -d -o recovery-key.txt recovery-identity.age
  age -d -i recovery-key.txt -o vault-backup.json vault-backup.json.age

Each key version's material in vault-backup.json is itself an age file
("SealedMaterial") to the same recovery key. docs/FORMAT.md of Pocket KMS,
"Vault backups", describes every field and how to use the material.
`;

const iso = (date: Date | undefined) => date?.toISOString();

export async function backupKey(context: OperationContext, key: KeyRecord): Promise<BackupKey> {
  const versions = await context.store.listKeyVersions(key.KeyId);
  const aliases = await context.store.listAliases(key.KeyId);
  return {
    KeyId: key.KeyId,
    CreationDate: key.CreationDate.toISOString(),
    Description: key.Description,
    KeySpec: key.KeySpec,
    KeyUsage: key.KeyUsage,
    Origin: key.Origin,
    KeyState: key.KeyState,
    ...(key.DeletionDate && { DeletionDate: iso(key.DeletionDate) }),
    ...(key.PendingDeletionWindowInDays !== undefined && {
      PendingDeletionWindowInDays: key.PendingDeletionWindowInDays,
    }),
    Tags: key.Tags.map((tag) => ({ ...tag })),
    Aliases: aliases
      .sort((a, b) => a.AliasName.localeCompare(b.AliasName))
      .map((alias) => ({
        AliasName: alias.AliasName,
        CreationDate: alias.CreationDate.toISOString(),
        LastUpdatedDate: alias.LastUpdatedDate.toISOString(),
      })),
    RotationEnabled: key.RotationEnabled,
    ...(key.RotationPeriodInDays !== undefined && {
      RotationPeriodInDays: key.RotationPeriodInDays,
    }),
    ...(key.NextRotationDate && { NextRotationDate: iso(key.NextRotationDate) }),
    OnDemandRotationCount: key.OnDemandRotationCount,
    CurrentVersion: key.CurrentVersion,
    ...(key.ExpirationModel && { ExpirationModel: key.ExpirationModel }),
    ...(key.ValidTo && { ValidTo: iso(key.ValidTo) }),
    ...(key.ImportedKeyMaterialId && { ImportedKeyMaterialId: key.ImportedKeyMaterialId }),
    ...(key.RawAesKeyring && { RawAesKeyring: { ...key.RawAesKeyring } }),
    Versions: versions.map((version) => ({
      Version: version.Version,
      KeyMaterialId: version.KeyMaterialId,
      CreationDate: version.CreationDate.toISOString(),
      ...(version.RotationType && { RotationType: version.RotationType }),
      ...(version.RecoverySeal !== undefined && { SealedMaterial: version.RecoverySeal }),
    })),
  } as BackupKey;
}

/** A backup is restorable when its current version (if the key has material) was sealed. */
export function recoverable(key: BackupKey): boolean {
  if (key.Versions.length === 0) return true; // an EXTERNAL key waiting for its material
  return key.Versions.some(
    (version) => version.Version === key.CurrentVersion && version.SealedMaterial !== undefined,
  );
}

export interface OpenedBackup {
  document: BackupDocument;
  identity: string;
  sealedIdentity: Uint8Array<ArrayBuffer> | undefined;
}

/** Reads a backup archive with the person's secret; every failure is a named error. */
export async function openBackup(value: unknown, secret: RecoverySecret): Promise<OpenedBackup> {
  const blob = checkInput('backup', value);
  if (blob.size > MAX_BACKUP_BYTES) {
    throw validationError('backup', undefined, `Member must be at most ${MAX_BACKUP_BYTES} bytes`);
  }
  let members: Map<string, Uint8Array>;
  try {
    members = new Map(
      readTar(new Uint8Array(await blob.arrayBuffer())).map((entry) => [entry.name, entry.data]),
    );
  } catch (error) {
    if (!(error instanceof TarFormatError)) throw error;
    throw new KmsError(
      'InvalidCiphertextException',
      `This is not a Pocket KMS backup, or it was changed or cut short: ${error.message}.`,
    );
  }
  const encrypted = members.get(BACKUP_MEMBERS.document);
  if (!encrypted) {
    throw new KmsError(
      'InvalidCiphertextException',
      `This is not a Pocket KMS backup: it has no ${BACKUP_MEMBERS.document}.`,
    );
  }
  // README.txt is not encrypted: it must be exactly the text this format version writes.
  const readme = members.get(BACKUP_MEMBERS.readme);
  const known = new Set<string>(Object.values(BACKUP_MEMBERS));
  if (
    !readme ||
    new TextDecoder().decode(readme) !== BACKUP_README ||
    [...members.keys()].some((name) => !known.has(name))
  ) {
    throw new KmsError(
      'InvalidCiphertextException',
      'This backup was changed: its README.txt or its list of files is not what Pocket KMS writes.',
    );
  }
  const sealedIdentityMember = members.get(BACKUP_MEMBERS.identity);
  const sealedIdentity = sealedIdentityMember && new Uint8Array(sealedIdentityMember);
  const identity = await identityFrom(secret, sealedIdentity, undefined);
  let plaintext: Bytes;
  try {
    plaintext = await decryptAge(new Uint8Array(encrypted), { identity });
  } catch {
    throw secret.RecoveryKey !== undefined
      ? wrongSecret(
          'The backup does not open with this recovery key: it is another vault’s key, or the backup was changed or cut short.',
        )
      : new KmsError(
          'InvalidCiphertextException',
          'The backup does not open: it was changed or cut short.',
        );
  }
  let document: BackupDocument;
  try {
    document = decodeBackupDocument(plaintext);
  } catch (error) {
    if (error instanceof BackupVersionError) {
      throw new KmsError('UnsupportedOperationException', error.message);
    }
    if (error instanceof BackupFormatError) {
      throw new KmsError('InvalidCiphertextException', `The backup is damaged: ${error.message}`);
    }
    throw error;
  }
  // The recovery key does not open recovery-identity.age, and a vault may adopt it: it must be
  // the member the (authenticated) document names, or its absence the document's.
  const named = document.RecoveryIdentitySha256;
  if (
    (sealedIdentity === undefined) !== (named === undefined) ||
    (sealedIdentity !== undefined && toHex(sha256(sealedIdentity)) !== named)
  ) {
    throw new KmsError(
      'InvalidCiphertextException',
      `This backup was changed: its ${BACKUP_MEMBERS.identity} is not the one the backup names.`,
    );
  }
  return { document, identity, sealedIdentity };
}

export function summarize(key: BackupKey, present: boolean): BackupKeySummary {
  return {
    KeyId: key.KeyId,
    KeySpec: key.KeySpec,
    KeyUsage: key.KeyUsage,
    KeyState: key.KeyState,
    Description: key.Description,
    Aliases: key.Aliases.map((alias) => alias.AliasName),
    VersionCount: key.Versions.length,
    RecoverableVersionCount: key.Versions.filter((v) => v.SealedMaterial !== undefined).length,
    Action: present ? 'SKIP_PRESENT' : recoverable(key) ? 'RESTORE' : 'SKIP_NOT_RECOVERABLE',
  };
}

const date = (text: string | undefined) => (text === undefined ? undefined : new Date(text));

/**
 * The records a backed-up key restores to: key, versions (material imported — or, into a vault
 * with a lock, sealed under its `vaultKey`), aliases.
 */
export async function restoredRecords(
  key: BackupKey,
  identity: string,
  resealTo: string | undefined,
  vaultKey: CryptoKey | undefined,
): Promise<{ key: KeyRecord; versions: KeyVersionRecord[]; aliases: AliasRecord[] }> {
  const versions: KeyVersionRecord[] = [];
  for (const version of key.Versions) {
    if (version.SealedMaterial === undefined) continue;
    const label = materialLabel(key, version.Version);
    const secret = await openSealedMaterial(identity, version.SealedMaterial, label);
    try {
      const material = await importSecret(key.KeySpec, key.KeyUsage, key.KeyId, secret);
      versions.push({
        KeyId: key.KeyId,
        Version: version.Version,
        KeyMaterialId: version.KeyMaterialId,
        CreationDate: new Date(version.CreationDate),
        ...(version.RotationType && { RotationType: version.RotationType }),
        // The backup's recovery seal is kept as it is, or sealed again to this vault's recipient.
        ...(await keptMaterial(vaultKey ? { vaultKey } : {}, label, secret, material)),
        RecoverySeal:
          resealTo === undefined
            ? version.SealedMaterial
            : await sealMaterial(resealTo, label, secret),
      });
    } finally {
      secret.fill(0);
    }
  }
  const record: KeyRecord = {
    KeyId: key.KeyId,
    CreationDate: new Date(key.CreationDate),
    Description: key.Description,
    KeySpec: key.KeySpec,
    KeyUsage: key.KeyUsage,
    Origin: key.Origin,
    KeyState: key.KeyState,
    ...(key.DeletionDate && { DeletionDate: date(key.DeletionDate) }),
    ...(key.PendingDeletionWindowInDays !== undefined && {
      PendingDeletionWindowInDays: key.PendingDeletionWindowInDays,
    }),
    Tags: key.Tags,
    RotationEnabled: key.RotationEnabled,
    ...(key.RotationPeriodInDays !== undefined && {
      RotationPeriodInDays: key.RotationPeriodInDays,
    }),
    ...(key.NextRotationDate && { NextRotationDate: date(key.NextRotationDate) }),
    OnDemandRotationCount: key.OnDemandRotationCount,
    CurrentVersion: key.CurrentVersion,
    ...(key.ExpirationModel && { ExpirationModel: key.ExpirationModel }),
    ...(key.ValidTo && { ValidTo: date(key.ValidTo) }),
    ...(key.ImportedKeyMaterialId && { ImportedKeyMaterialId: key.ImportedKeyMaterialId }),
    ...(key.RawAesKeyring && { RawAesKeyring: key.RawAesKeyring }),
  } as KeyRecord;
  const aliases = key.Aliases.map((alias) => ({
    AliasName: alias.AliasName,
    TargetKeyId: key.KeyId,
    CreationDate: new Date(alias.CreationDate),
    LastUpdatedDate: new Date(alias.LastUpdatedDate),
  }));
  return { key: record, versions, aliases };
}

export function backupFileName(vaultId: string, now: Date): string {
  return `pocket-kms-${vaultId}-${now.toISOString().slice(0, 10)}.tar`;
}
