/**
 * The vault backup document and the sealed key material inside it (docs/FORMAT.md, "Vault
 * backups"): pure JSON, encoded and checked here; sealing and opening them is the recovery
 * operations' work (workers/kms/operations/recovery.ts). Field names are the API's own (KeyId,
 * KeySpec, …), dates are ISO 8601 strings, bytes are base64.
 *
 * Parsing is strict: anything that is not the documented shape is a BackupFormatError that says
 * which field, never the field's value. A backup of another format version is refused by its own
 * error, so a newer Pocket KMS can say "made by a newer version" instead of misreading it.
 */
import type {
  AuditEvent,
  ExpirationModel,
  KeyState,
  Origin,
  RawAesKeyringIdentity,
  RotationType,
  Tag,
} from '../api.ts';
import { fromBase64, toBase64 } from '../encoding.ts';
import { KEY_SPECS, KEY_USAGES, type KeySpec, type KeyUsage } from '../key-specs.ts';

export const BACKUP_FORMAT = 'pocket-kms-vault-backup';
export const BACKUP_FORMAT_VERSION = 1;
export const SEALED_MATERIAL_FORMAT = 'pocket-kms-key-material';
export const SEALED_MATERIAL_FORMAT_VERSION = 1;

/** The members of a backup archive (a ustar file, formats/tar.ts). */
export const BACKUP_MEMBERS = {
  /** The backup document, an age file to the recovery recipient. */
  document: 'vault-backup.json.age',
  /** The recovery identity, an age file under the recovery passphrase (when there is one). */
  identity: 'recovery-identity.age',
  /** Plain text: what the archive is and the `age` commands that open it. */
  readme: 'README.txt',
} as const;

export class BackupFormatError extends Error {
  override readonly name = 'BackupFormatError';
}

/** A backup made by another format version of Pocket KMS. */
export class BackupVersionError extends Error {
  override readonly name = 'BackupVersionError';
}

/** One version's material, as sealed to the recovery recipient. */
export interface SealedMaterialPayload {
  KeyId: string;
  Version: number;
  KeySpec: KeySpec;
  KeyUsage: KeyUsage;
  Material: Uint8Array<ArrayBuffer>;
}

export interface BackupVersion {
  Version: number;
  KeyMaterialId: string;
  CreationDate: string;
  RotationType?: RotationType;
  /** The armored age file of the version's material; absent for an unrecoverable version. */
  SealedMaterial?: string;
}

export interface BackupAlias {
  AliasName: string;
  CreationDate: string;
  LastUpdatedDate: string;
}

export interface BackupKey {
  KeyId: string;
  CreationDate: string;
  Description: string;
  KeySpec: KeySpec;
  KeyUsage: KeyUsage;
  Origin: Origin;
  KeyState: KeyState;
  DeletionDate?: string;
  PendingDeletionWindowInDays?: number;
  Tags: Tag[];
  Aliases: BackupAlias[];
  RotationEnabled: boolean;
  RotationPeriodInDays?: number;
  NextRotationDate?: string;
  OnDemandRotationCount: number;
  CurrentVersion: number;
  ExpirationModel?: ExpirationModel;
  ValidTo?: string;
  ImportedKeyMaterialId?: string;
  RawAesKeyring?: RawAesKeyringIdentity;
  Versions: BackupVersion[];
}

export interface BackupDocument {
  VaultId: string;
  CreatedAt: string;
  RecoveryRecipient: string;
  /**
   * SHA-256 (hex) of the archive's recovery-identity.age, when it has one: the recovery key
   * never opens that member, so this authenticated document vouches for it.
   */
  RecoveryIdentitySha256?: string;
  Keys: BackupKey[];
  AuditLog: {
    Head: { sequence: number; hash: string } | null;
    /** The whole log, oldest first, when the backup was asked to include it. */
    Records?: AuditEvent[];
  };
}

const utf8 = new TextEncoder();

function json(value: unknown): Uint8Array<ArrayBuffer> {
  return utf8.encode(JSON.stringify(value, null, 2) + '\n');
}

export function encodeSealedMaterial(payload: SealedMaterialPayload): Uint8Array<ArrayBuffer> {
  return json({
    Format: SEALED_MATERIAL_FORMAT,
    FormatVersion: SEALED_MATERIAL_FORMAT_VERSION,
    KeyId: payload.KeyId,
    Version: payload.Version,
    KeySpec: payload.KeySpec,
    KeyUsage: payload.KeyUsage,
    Material: toBase64(payload.Material),
  });
}

export function encodeBackupDocument(document: BackupDocument): Uint8Array<ArrayBuffer> {
  return json({ Format: BACKUP_FORMAT, FormatVersion: BACKUP_FORMAT_VERSION, ...document });
}

// --- strict reading ---------------------------------------------------------------------------

type Json = Record<string, unknown>;

function parseJson(bytes: Uint8Array, what: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new BackupFormatError(`The ${what} is not UTF-8 JSON.`);
  }
  return object(value, what);
}

function object(value: unknown, path: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BackupFormatError(`${path} must be an object.`);
  }
  return value as Json;
}

function string(value: unknown, path: string, pattern?: RegExp): string {
  if (typeof value !== 'string' || (pattern && !pattern.test(value))) {
    throw new BackupFormatError(
      `${path} must be a string${pattern ? ' of the documented form' : ''}.`,
    );
  }
  return value;
}

function integer(value: unknown, path: string, min = 0): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new BackupFormatError(`${path} must be an integer of at least ${min}.`);
  }
  return value;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], path: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new BackupFormatError(`${path} must be one of ${allowed.join(', ')}.`);
  }
  return value as T;
}

function array(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw new BackupFormatError(`${path} must be a list.`);
  return value;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
const KEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const VAULT_ID = /^\d{12}$/;
const HEX_64 = /^[0-9a-f]{64}$/;
const RECIPIENT = /^age1[02-9ac-hj-np-z]{58}$/;
const ARMORED =
  /^-----BEGIN AGE ENCRYPTED FILE-----\n[\s\S]+\n-----END AGE ENCRYPTED FILE-----\n?$/;

function checkFormat(value: Json, format: string, version: number, what: string): void {
  if (value.Format !== format) throw new BackupFormatError(`This is not a ${what}.`);
  if (value.FormatVersion !== version) {
    throw new BackupVersionError(
      `This ${what} is format version ${String(value.FormatVersion).slice(0, 8)}; this Pocket KMS reads version ${version}.`,
    );
  }
}

export function decodeSealedMaterial(bytes: Uint8Array): SealedMaterialPayload {
  const value = parseJson(bytes, 'sealed key material');
  checkFormat(value, SEALED_MATERIAL_FORMAT, SEALED_MATERIAL_FORMAT_VERSION, 'sealed key material');
  const material = fromBase64(string(value.Material, 'Material'));
  if (!material || material.length === 0) throw new BackupFormatError('Material must be base64.');
  return {
    KeyId: string(value.KeyId, 'KeyId', KEY_ID),
    Version: integer(value.Version, 'Version', 1),
    KeySpec: oneOf(value.KeySpec, KEY_SPECS, 'KeySpec'),
    KeyUsage: oneOf(value.KeyUsage, KEY_USAGES, 'KeyUsage'),
    Material: material,
  };
}

function decodeVersion(value: unknown, path: string): BackupVersion {
  const version = object(value, path);
  return {
    Version: integer(version.Version, `${path}.Version`, 1),
    KeyMaterialId: string(version.KeyMaterialId, `${path}.KeyMaterialId`, HEX_64),
    CreationDate: string(version.CreationDate, `${path}.CreationDate`, ISO_DATE),
    ...(version.RotationType !== undefined && {
      RotationType: oneOf(
        version.RotationType,
        ['AUTOMATIC', 'ON_DEMAND'] as const,
        `${path}.RotationType`,
      ),
    }),
    ...(version.SealedMaterial !== undefined && {
      SealedMaterial: string(version.SealedMaterial, `${path}.SealedMaterial`, ARMORED),
    }),
  };
}

function decodeKey(value: unknown, path: string): BackupKey {
  const key = object(value, path);
  const optionalNumber = (name: string) =>
    key[name] === undefined ? {} : { [name]: integer(key[name], `${path}.${name}`, 1) };
  const optionalDate = (name: string) =>
    key[name] === undefined ? {} : { [name]: string(key[name], `${path}.${name}`, ISO_DATE) };
  const rawAes =
    key.RawAesKeyring === undefined
      ? undefined
      : object(key.RawAesKeyring, `${path}.RawAesKeyring`);
  return {
    KeyId: string(key.KeyId, `${path}.KeyId`, KEY_ID),
    CreationDate: string(key.CreationDate, `${path}.CreationDate`, ISO_DATE),
    Description: string(key.Description, `${path}.Description`),
    KeySpec: oneOf(key.KeySpec, KEY_SPECS, `${path}.KeySpec`),
    KeyUsage: oneOf(key.KeyUsage, KEY_USAGES, `${path}.KeyUsage`),
    Origin: oneOf(key.Origin, ['POCKET_KMS', 'EXTERNAL'] as const, `${path}.Origin`),
    KeyState: oneOf(
      key.KeyState,
      ['Enabled', 'Disabled', 'PendingDeletion', 'PendingImport'] as const,
      `${path}.KeyState`,
    ),
    ...optionalDate('DeletionDate'),
    ...optionalNumber('PendingDeletionWindowInDays'),
    Tags: array(key.Tags, `${path}.Tags`).map((tag, index) => {
      const entry = object(tag, `${path}.Tags[${index}]`);
      return {
        TagKey: string(entry.TagKey, `${path}.Tags[${index}].TagKey`),
        TagValue: string(entry.TagValue, `${path}.Tags[${index}].TagValue`),
      };
    }),
    Aliases: array(key.Aliases, `${path}.Aliases`).map((alias, index) => {
      const entry = object(alias, `${path}.Aliases[${index}]`);
      return {
        AliasName: string(entry.AliasName, `${path}.Aliases[${index}].AliasName`, /^alias\//),
        CreationDate: string(
          entry.CreationDate,
          `${path}.Aliases[${index}].CreationDate`,
          ISO_DATE,
        ),
        LastUpdatedDate: string(
          entry.LastUpdatedDate,
          `${path}.Aliases[${index}].LastUpdatedDate`,
          ISO_DATE,
        ),
      };
    }),
    RotationEnabled: (() => {
      if (typeof key.RotationEnabled !== 'boolean')
        throw new BackupFormatError(`${path}.RotationEnabled must be true or false.`);
      return key.RotationEnabled;
    })(),
    ...optionalNumber('RotationPeriodInDays'),
    ...optionalDate('NextRotationDate'),
    OnDemandRotationCount: integer(key.OnDemandRotationCount, `${path}.OnDemandRotationCount`),
    CurrentVersion: integer(key.CurrentVersion, `${path}.CurrentVersion`, 1),
    ...(key.ExpirationModel !== undefined && {
      ExpirationModel: oneOf(
        key.ExpirationModel,
        ['KEY_MATERIAL_EXPIRES', 'KEY_MATERIAL_DOES_NOT_EXPIRE'] as const,
        `${path}.ExpirationModel`,
      ),
    }),
    ...optionalDate('ValidTo'),
    ...(key.ImportedKeyMaterialId !== undefined && {
      ImportedKeyMaterialId: string(
        key.ImportedKeyMaterialId,
        `${path}.ImportedKeyMaterialId`,
        HEX_64,
      ),
    }),
    ...(rawAes && {
      RawAesKeyring: {
        KeyNamespace: string(rawAes.KeyNamespace, `${path}.RawAesKeyring.KeyNamespace`),
        KeyName: string(rawAes.KeyName, `${path}.RawAesKeyring.KeyName`),
      },
    }),
    Versions: array(key.Versions, `${path}.Versions`).map((version, index) =>
      decodeVersion(version, `${path}.Versions[${index}]`),
    ),
  } as BackupKey;
}

export function decodeBackupDocument(bytes: Uint8Array): BackupDocument {
  const value = parseJson(bytes, 'backup document');
  checkFormat(value, BACKUP_FORMAT, BACKUP_FORMAT_VERSION, 'Pocket KMS vault backup');
  const log = object(value.AuditLog, 'AuditLog');
  const head = log.Head === null ? null : object(log.Head, 'AuditLog.Head');
  return {
    VaultId: string(value.VaultId, 'VaultId', VAULT_ID),
    CreatedAt: string(value.CreatedAt, 'CreatedAt', ISO_DATE),
    RecoveryRecipient: string(value.RecoveryRecipient, 'RecoveryRecipient', RECIPIENT),
    ...(value.RecoveryIdentitySha256 !== undefined && {
      RecoveryIdentitySha256: string(
        value.RecoveryIdentitySha256,
        'RecoveryIdentitySha256',
        HEX_64,
      ),
    }),
    Keys: array(value.Keys, 'Keys').map((key, index) => decodeKey(key, `Keys[${index}]`)),
    AuditLog: {
      Head: head && {
        sequence: integer(head.sequence, 'AuditLog.Head.sequence', 1),
        hash: string(head.hash, 'AuditLog.Head.hash', HEX_64),
      },
      ...(log.Records !== undefined && {
        Records: array(log.Records, 'AuditLog.Records') as AuditEvent[],
      }),
    },
  };
}
