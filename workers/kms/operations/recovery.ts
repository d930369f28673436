/**
 * Recovery and backups (issue 11; DESIGN §10; docs/API.md "Recovery and backups"): the vault's
 * recovery identity, and backups that the `age` tool opens without Pocket KMS.
 *
 * The identity is an age X25519 identity. The vault keeps only its recipient and, when the
 * person chose a passphrase, the identity sealed under it (an age scrypt file). Every key
 * version made after set-up carries its material sealed to the recipient (recovery-seal.ts), so
 * a backup is those seals plus the keys' settings, in one age file to the recipient, packed with
 * the passphrase-sealed identity in a ustar archive (formats/tar.ts, formats/vault-backup.ts).
 * The vault cannot open its own seals: only the person's passphrase or recovery key can, which
 * is why rotating the recovery key and restoring take one of them.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import type {
  BackupKeySummary,
  RecoveryMethod,
  RecoverySecret,
  UnrecoverableKey,
} from '../../api.ts';
import {
  decryptAge,
  encryptToRecipient,
  encryptWithPassphrase,
  newAgeIdentity,
  normalizeIdentity,
  recipientOf,
} from '../../crypto/age.ts';
import type { Bytes } from '../../crypto/bytes.ts';
import { importSecret } from '../../crypto/key-material.ts';
import { toHex } from '../../encoding.ts';
import { KmsError, validationError } from '../../errors.ts';
import { readTar, TarFormatError, writeTar } from '../../formats/tar.ts';
import {
  BACKUP_MEMBERS,
  BackupFormatError,
  BackupVersionError,
  decodeBackupDocument,
  encodeBackupDocument,
  type BackupDocument,
  type BackupKey,
} from '../../formats/vault-backup.ts';
import type {
  AliasRecord,
  KeyRecord,
  KeyVersionRecord,
  RecoveryRecord,
  VaultRecord,
} from '../../keystore/vault-store.ts';
import { keyArn } from '../identifiers.ts';
import type { OperationGroup } from '../operation.ts';
import type { OperationContext } from '../operation-context.ts';
import { openSealedMaterial, sealMaterial } from '../recovery-seal.ts';
import { checkBoolean, checkString } from '../validation.ts';
import { checkInput } from './files.ts';

/** The shortest recovery passphrase taken, in characters (a generated one is six words). */
export const MIN_PASSPHRASE_LENGTH = 12;
const MAX_PASSPHRASE_LENGTH = 1024;
/** A recovery key is one line of 74 characters; pasted text may hold a comment line too. */
const MAX_RECOVERY_KEY_LENGTH = 4096;
/** The largest backup read: a vault of thousands of keys is a few megabytes. */
const MAX_BACKUP_BYTES = 256 * 1024 * 1024;

const SECRET_FIELDS = ['Passphrase', 'RecoveryKey', 'NewPassphrase'] as const;

/** What README.txt in every backup says: the archive and the commands that open it. */
const BACKUP_README = `Pocket KMS vault backup

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

// --- checks -----------------------------------------------------------------------------------

/** A new recovery passphrase: long enough to stand up to guessing offline. */
function checkNewPassphrase(parameter: string, value: unknown): string {
  const passphrase = checkString(parameter, value, { max: MAX_PASSPHRASE_LENGTH });
  if (passphrase === undefined)
    throw validationError(parameter, undefined, 'Member must not be null');
  if ([...passphrase].length < MIN_PASSPHRASE_LENGTH) {
    throw new KmsError(
      'ValidationException',
      `A recovery passphrase must be at least ${MIN_PASSPHRASE_LENGTH} characters long: it is all that protects the backups and the recovery key from someone who guesses offline, as fast as their computers allow. Choose a longer one, or let Pocket KMS make one of six words.`,
    );
  }
  return passphrase;
}

function notSetUp(): KmsError {
  return new KmsError(
    'KMSInvalidStateException',
    'Recovery is not set up for this vault. Set up a recovery passphrase or recovery key first.',
  );
}

async function requireRecovery(
  context: OperationContext,
): Promise<{ vault: VaultRecord; recovery: RecoveryRecord }> {
  const vault = await context.store.getVaultRecord();
  if (!vault?.Recovery) throw notSetUp();
  return { vault, recovery: vault.Recovery };
}

function wrongSecret(what: string): KmsError {
  return new KmsError('IncorrectKeyException', what);
}

/**
 * The recovery identity, from the person's secret: the recovery key as given, or the identity
 * sealed under the passphrase. Exactly one of the two; a wrong one is IncorrectKeyException.
 */
async function identityFrom(
  secret: RecoverySecret,
  sealedIdentity: Uint8Array | undefined,
  recipient: string | undefined,
): Promise<string> {
  const passphrase = checkString('passphrase', secret.Passphrase, { max: MAX_PASSPHRASE_LENGTH });
  const recoveryKey = checkString('recoveryKey', secret.RecoveryKey, {
    max: MAX_RECOVERY_KEY_LENGTH,
  });
  if ((passphrase === undefined) === (recoveryKey === undefined)) {
    throw new KmsError(
      'ValidationException',
      'Give either the recovery passphrase (Passphrase) or the recovery key (RecoveryKey), one of the two.',
    );
  }
  if (recoveryKey !== undefined) {
    const identity = normalizeIdentity(recoveryKey);
    if (!identity) {
      throw new KmsError(
        'ValidationException',
        'That is not a recovery key: a recovery key is one line that begins with AGE-SECRET-KEY-1 and has 74 characters.',
      );
    }
    if (recipient !== undefined && (await recipientOf(identity)) !== recipient) {
      throw wrongSecret('That recovery key is not the recovery key of this vault or this backup.');
    }
    return identity;
  }
  if (!sealedIdentity) {
    throw new KmsError(
      'ValidationException',
      'No recovery passphrase was set up here: use the recovery key.',
    );
  }
  let opened: Bytes;
  try {
    opened = await decryptAge(new Uint8Array(sealedIdentity), { passphrase: passphrase! });
  } catch {
    throw wrongSecret('The recovery passphrase is wrong.');
  }
  const identity = normalizeIdentity(new TextDecoder().decode(opened));
  opened.fill(0);
  if (!identity)
    throw new KmsError('InvalidCiphertextException', 'The sealed recovery identity is damaged.');
  return identity;
}

/** A new recovery identity, returned as a recovery key and/or sealed under a passphrase. */
async function newRecovery(
  passphrase: string | undefined,
  generateRecoveryKey: boolean,
  workFactor: number,
): Promise<{ identity: string; recovery: Omit<RecoveryRecord, 'SetUpDate' | 'LastBackupDate'> }> {
  if (passphrase === undefined && !generateRecoveryKey) {
    throw new KmsError(
      'ValidationException',
      'Choose how to hold the recovery identity: a Passphrase, a recovery key (GenerateRecoveryKey), or both.',
    );
  }
  const { identity, recipient } = await newAgeIdentity();
  const methods: RecoveryMethod[] = [];
  if (passphrase !== undefined) methods.push('PASSPHRASE');
  if (generateRecoveryKey) methods.push('RECOVERY_KEY');
  return {
    identity,
    recovery: {
      Recipient: recipient,
      Methods: methods,
      ...(passphrase !== undefined && {
        SealedIdentity: await sealIdentity(identity, passphrase, workFactor),
      }),
    },
  };
}

async function sealIdentity(identity: string, passphrase: string, workFactor: number) {
  return encryptWithPassphrase(new TextEncoder().encode(`${identity}\n`), passphrase, workFactor);
}

// --- the backup document ----------------------------------------------------------------------

const iso = (date: Date | undefined) => date?.toISOString();

async function backupKey(context: OperationContext, key: KeyRecord): Promise<BackupKey> {
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
function recoverable(key: BackupKey): boolean {
  if (key.Versions.length === 0) return true; // an EXTERNAL key waiting for its material
  return key.Versions.some(
    (version) => version.Version === key.CurrentVersion && version.SealedMaterial !== undefined,
  );
}

interface OpenedBackup {
  document: BackupDocument;
  identity: string;
  sealedIdentity: Uint8Array<ArrayBuffer> | undefined;
}

/** Reads a backup archive with the person's secret; every failure is a named error. */
async function openBackup(value: unknown, secret: RecoverySecret): Promise<OpenedBackup> {
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

function summarize(key: BackupKey, present: boolean): BackupKeySummary {
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

/** The records a backed-up key restores to: key, versions (material imported), aliases. */
async function restoredRecords(
  key: BackupKey,
  identity: string,
  resealTo: string | undefined,
): Promise<{ key: KeyRecord; versions: KeyVersionRecord[]; aliases: AliasRecord[] }> {
  const versions: KeyVersionRecord[] = [];
  for (const version of key.Versions) {
    if (version.SealedMaterial === undefined) continue;
    const label = {
      KeyId: key.KeyId,
      Version: version.Version,
      KeySpec: key.KeySpec,
      KeyUsage: key.KeyUsage,
    };
    const secret = await openSealedMaterial(identity, version.SealedMaterial, label);
    try {
      const material = await importSecret(key.KeySpec, key.KeyUsage, key.KeyId, secret);
      versions.push({
        KeyId: key.KeyId,
        Version: version.Version,
        KeyMaterialId: version.KeyMaterialId,
        CryptoKey: material.cryptoKey,
        CreationDate: new Date(version.CreationDate),
        ...(version.RotationType && { RotationType: version.RotationType }),
        ...(material.asymmetric && { Asymmetric: material.asymmetric }),
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

function backupFileName(vaultId: string, now: Date): string {
  return `pocket-kms-${vaultId}-${now.toISOString().slice(0, 10)}.tar`;
}

// --- the operations ---------------------------------------------------------------------------

export const recoveryOperations = {
  setUpRecovery: {
    eventName: 'SetUpRecovery',
    mutates: true,
    fields: ['GenerateRecoveryKey'],
    secretFields: SECRET_FIELDS,
    async run(context, request) {
      const passphrase =
        request.Passphrase === undefined
          ? undefined
          : checkNewPassphrase('passphrase', request.Passphrase);
      const generate = checkBoolean('generateRecoveryKey', request.GenerateRecoveryKey) ?? false;
      if ((await context.store.getVaultRecord())?.Recovery) {
        throw new KmsError(
          'KMSInvalidStateException',
          'Recovery is already set up for this vault. To change it, change the recovery passphrase or rotate the recovery key.',
        );
      }
      const { identity, recovery } = await newRecovery(
        passphrase,
        generate,
        context.scryptWorkFactor,
      );
      const setUpDate = context.now();
      const response = {
        ...(generate && { RecoveryKey: identity }),
        Recipient: recovery.Recipient,
        Methods: recovery.Methods,
        SetUpDate: setUpDate,
      };
      const { RecoveryKey: _secret, ...logged } = response;
      return {
        response,
        auditResponse: logged,
        write: async (tx) => {
          const vault = (await tx.objectStore('vault').get('vault'))!;
          await tx
            .objectStore('vault')
            .put({ ...vault, Recovery: { ...recovery, SetUpDate: setUpDate } });
        },
      };
    },
  },

  describeRecovery: {
    eventName: 'DescribeRecovery',
    mutates: false,
    metadataRead: true,
    fields: [],
    async run(context) {
      const recovery = (await context.store.getVaultRecord())?.Recovery;
      const unrecoverable: UnrecoverableKey[] = [];
      let recoverableKeys = 0;
      let newest: Date | undefined;
      for (const key of await context.store.listKeys()) {
        const versions = await context.store.listKeyVersions(key.KeyId);
        for (const version of versions) {
          if (!newest || version.CreationDate > newest) newest = version.CreationDate;
        }
        const unsealed = versions.filter((version) => version.RecoverySeal === undefined);
        if (unsealed.length === 0) recoverableKeys++;
        else {
          unrecoverable.push({
            KeyId: key.KeyId,
            Versions: unsealed.map((version) => version.Version),
            AllVersions: unsealed.length === versions.length,
          });
        }
      }
      return {
        response: {
          RecoverySetUp: recovery !== undefined,
          Methods: recovery?.Methods ?? [],
          ...(recovery && { SetUpDate: recovery.SetUpDate, Recipient: recovery.Recipient }),
          ...(recovery?.LastBackupDate && { LastBackupDate: recovery.LastBackupDate }),
          ...(newest && { NewestKeyVersionDate: newest }),
          RecoverableKeyCount: recoverableKeys,
          UnrecoverableKeys: unrecoverable,
        },
      };
    },
  },

  changeRecoveryPassphrase: {
    eventName: 'ChangeRecoveryPassphrase',
    mutates: true,
    fields: [],
    secretFields: SECRET_FIELDS,
    async run(context, request) {
      const newPassphrase = checkNewPassphrase('newPassphrase', request.NewPassphrase);
      const { recovery } = await requireRecovery(context);
      const identity = await identityFrom(request, recovery.SealedIdentity, recovery.Recipient);
      const sealed = await sealIdentity(identity, newPassphrase, context.scryptWorkFactor);
      const methods: RecoveryMethod[] = recovery.Methods.includes('PASSPHRASE')
        ? recovery.Methods
        : ['PASSPHRASE', ...recovery.Methods];
      return {
        response: { Methods: methods },
        write: async (tx) => {
          const vault = (await tx.objectStore('vault').get('vault'))!;
          await tx.objectStore('vault').put({
            ...vault,
            Recovery: { ...vault.Recovery!, SealedIdentity: sealed, Methods: methods },
          });
        },
      };
    },
  },

  rotateRecoveryKey: {
    eventName: 'RotateRecoveryKey',
    mutates: true,
    fields: ['GenerateRecoveryKey'],
    secretFields: SECRET_FIELDS,
    async run(context, request) {
      const newPassphrase =
        request.NewPassphrase === undefined
          ? undefined
          : checkNewPassphrase('newPassphrase', request.NewPassphrase);
      const generate = checkBoolean('generateRecoveryKey', request.GenerateRecoveryKey) ?? false;
      const { recovery } = await requireRecovery(context);
      const oldIdentity = await identityFrom(request, recovery.SealedIdentity, recovery.Recipient);
      const { identity, recovery: next } = await newRecovery(
        newPassphrase,
        generate,
        context.scryptWorkFactor,
      );
      // Every sealed version, opened with the old identity and sealed to the new recipient,
      // before the one transaction that swaps them all.
      const resealed: KeyVersionRecord[] = [];
      for (const key of await context.store.listKeys()) {
        for (const version of await context.store.listKeyVersions(key.KeyId)) {
          if (version.RecoverySeal === undefined) continue;
          const label = {
            KeyId: key.KeyId,
            Version: version.Version,
            KeySpec: key.KeySpec,
            KeyUsage: key.KeyUsage,
          };
          const secret = await openSealedMaterial(oldIdentity, version.RecoverySeal, label);
          try {
            resealed.push({
              ...version,
              RecoverySeal: await sealMaterial(next.Recipient, label, secret),
            });
          } finally {
            secret.fill(0);
          }
        }
      }
      const setUpDate = context.now();
      const response = {
        ...(generate && { RecoveryKey: identity }),
        Recipient: next.Recipient,
        Methods: next.Methods,
        SetUpDate: setUpDate,
        ResealedVersionCount: resealed.length,
      };
      const { RecoveryKey: _secret, ...logged } = response;
      return {
        response,
        auditResponse: logged,
        write: async (tx) => {
          for (const version of resealed) await tx.objectStore('keyVersions').put(version);
          const vault = (await tx.objectStore('vault').get('vault'))!;
          await tx.objectStore('vault').put({
            ...vault,
            Recovery: {
              ...next,
              SetUpDate: setUpDate,
              ...(vault.Recovery?.LastBackupDate && {
                LastBackupDate: vault.Recovery.LastBackupDate,
              }),
            },
          });
        },
      };
    },
  },

  exportVaultBackup: {
    eventName: 'ExportVaultBackup',
    mutates: true,
    fields: ['KeyIds', 'IncludeAuditLog'],
    async run(context, request) {
      const includeLog = checkBoolean('includeAuditLog', request.IncludeAuditLog) ?? false;
      let keys: KeyRecord[];
      if (request.KeyIds === undefined) {
        keys = await context.store.listKeys();
        for (const key of keys) context.touch(key.KeyId);
      } else {
        if (!Array.isArray(request.KeyIds) || request.KeyIds.length === 0) {
          throw validationError(
            'keyIds',
            undefined,
            'Member must be a list of at least one key id',
          );
        }
        keys = [];
        for (const [index, keyId] of request.KeyIds.entries()) {
          const key = await context.resolveKey(`keyIds.${index + 1}.member`, keyId, 'read');
          if (!keys.some((k) => k.KeyId === key.KeyId)) keys.push(key);
        }
      }
      const { vault, recovery } = await requireRecovery(context);
      const now = context.now();
      keys.sort(
        (a, b) =>
          a.CreationDate.getTime() - b.CreationDate.getTime() || a.KeyId.localeCompare(b.KeyId),
      );
      const document: BackupDocument = {
        VaultId: context.vaultId,
        CreatedAt: now.toISOString(),
        RecoveryRecipient: recovery.Recipient,
        ...(recovery.SealedIdentity && {
          RecoveryIdentitySha256: toHex(sha256(recovery.SealedIdentity)),
        }),
        Keys: await Promise.all(keys.map((key) => backupKey(context, key))),
        AuditLog: {
          Head: vault.AuditHead,
          ...(includeLog && { Records: (await context.store.readAuditChain()).records }),
        },
      };
      const encoded = encodeBackupDocument(document);
      const encrypted = await encryptToRecipient(encoded, recovery.Recipient);
      const archive = writeTar(
        [
          { name: BACKUP_MEMBERS.readme, data: new TextEncoder().encode(BACKUP_README) },
          { name: BACKUP_MEMBERS.document, data: encrypted },
          ...(recovery.SealedIdentity
            ? [{ name: BACKUP_MEMBERS.identity, data: recovery.SealedIdentity }]
            : []),
        ],
        now,
      );
      const versions = document.Keys.flatMap((key) => key.Versions);
      return {
        response: {
          Backup: new File([archive], backupFileName(context.vaultId, now), {
            type: 'application/x-tar',
            lastModified: now.getTime(),
          }),
          KeyCount: document.Keys.length,
          VersionCount: versions.length,
          UnrecoverableVersionCount: versions.filter((v) => v.SealedMaterial === undefined).length,
        },
        write: async (tx) => {
          const current = (await tx.objectStore('vault').get('vault'))!;
          await tx.objectStore('vault').put({
            ...current,
            Recovery: { ...current.Recovery!, LastBackupDate: now },
          });
        },
      };
    },
  },

  inspectVaultBackup: {
    eventName: 'InspectVaultBackup',
    mutates: false,
    fields: ['Backup'],
    secretFields: SECRET_FIELDS,
    async run(context, request) {
      const { document } = await openBackup(request.Backup, request);
      const present = new Set((await context.store.listKeys()).map((key) => key.KeyId));
      return {
        response: {
          VaultId: document.VaultId,
          CreatedAt: new Date(document.CreatedAt),
          RestoresVaultId: present.size === 0,
          Keys: document.Keys.map((key) => summarize(key, present.has(key.KeyId))),
          AuditLogHead: document.AuditLog.Head,
        },
      };
    },
  },

  restoreVaultBackup: {
    eventName: 'RestoreVaultBackup',
    mutates: true,
    fields: ['Backup'],
    secretFields: SECRET_FIELDS,
    async run(context, request) {
      const { document, identity, sealedIdentity } = await openBackup(request.Backup, request);
      const vault = (await context.store.getVaultRecord())!;
      const existing = await context.store.listKeys();
      const empty = existing.length === 0;
      // Restored versions stay recoverable in this vault: sealed to its recipient, or — for a
      // vault without recovery — this vault takes the backup's recovery identity.
      const ours = vault.Recovery?.Recipient;
      const resealTo = ours !== undefined && ours !== document.RecoveryRecipient ? ours : undefined;
      if (empty) context.adoptVaultId(document.VaultId);

      const present = new Set(existing.map((key) => key.KeyId));
      const restored: Awaited<ReturnType<typeof restoredRecords>>[] = [];
      const skipped: { KeyId: string; Reason: 'ALREADY_PRESENT' | 'NOT_RECOVERABLE' }[] = [];
      for (const key of document.Keys) {
        if (present.has(key.KeyId)) skipped.push({ KeyId: key.KeyId, Reason: 'ALREADY_PRESENT' });
        else if (!recoverable(key)) skipped.push({ KeyId: key.KeyId, Reason: 'NOT_RECOVERABLE' });
        else restored.push(await restoredRecords(key, identity, resealTo));
      }
      for (const { key } of restored) context.touch(key.KeyId);
      const now = context.now();
      const adoptedRecovery: RecoveryRecord | undefined =
        vault.Recovery ??
        ({
          Recipient: document.RecoveryRecipient,
          Methods: [
            ...(sealedIdentity ? (['PASSPHRASE'] as const) : []),
            ...(request.RecoveryKey !== undefined ? (['RECOVERY_KEY'] as const) : []),
          ],
          ...(sealedIdentity && { SealedIdentity: sealedIdentity }),
          SetUpDate: now,
        } satisfies RecoveryRecord);
      return {
        response: {
          VaultId: context.vaultId,
          RestoredKeyIds: restored.map(({ key }) => keyArn(context.vaultId, key.KeyId)),
          SkippedKeys: skipped.map((skip) => ({
            ...skip,
            KeyId: keyArn(context.vaultId, skip.KeyId),
          })),
        },
        auditResponse: {
          vaultId: context.vaultId,
          restoredKeyCount: restored.length,
          skippedKeyCount: skipped.length,
          backupVaultId: document.VaultId,
          backupCreatedAt: document.CreatedAt,
          backupAuditLogHead: document.AuditLog.Head,
          ...(empty && { replacedAuditLogHead: vault.AuditHead }),
        },
        write: async (tx) => {
          // One transaction: a restore that fails or is cut off leaves the vault as it was.
          for (const { key, versions, aliases } of restored) {
            await tx.objectStore('keys').add(key);
            for (const version of versions) await tx.objectStore('keyVersions').add(version);
            for (const alias of aliases) {
              // An alias this vault already uses for another key keeps its target here.
              if (!(await tx.objectStore('aliases').get(alias.AliasName))) {
                await tx.objectStore('aliases').add(alias);
              }
            }
          }
          const current = (await tx.objectStore('vault').get('vault'))!;
          if (empty) {
            // The vault becomes the backup's: its id, and a new log whose first record (this
            // call's) names the backup's log head and the head of the log it replaces.
            for (const store of [
              'audit',
              'auditKeys',
              'auditErrors',
              'auditCheckpoints',
            ] as const) {
              await tx.objectStore(store).clear();
            }
            await tx.objectStore('vault').put({
              ...current,
              VaultId: document.VaultId,
              AuditHead: null,
              Recovery: adoptedRecovery,
            });
          } else if (!current.Recovery) {
            await tx.objectStore('vault').put({ ...current, Recovery: adoptedRecovery });
          }
        },
      };
    },
  },
} satisfies OperationGroup;
