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
import type { RecoveryMethod, UnrecoverableKey } from '../../api.ts';
import { encryptToRecipient } from '../../crypto/age.ts';
import { toHex } from '../../encoding.ts';
import { KmsError, validationError } from '../../errors.ts';
import { writeTar } from '../../formats/tar.ts';
import {
  BACKUP_MEMBERS,
  encodeBackupDocument,
  type BackupDocument,
} from '../../formats/vault-backup.ts';
import type { KeyRecord, KeyVersionRecord, RecoveryRecord } from '../../keystore/vault-store.ts';
import { keyArn } from '../identifiers.ts';
import type { OperationGroup } from '../operation.ts';
import { openSealedMaterial, sealMaterial } from '../recovery-seal.ts';
import { checkBoolean } from '../validation.ts';
import { materialLabel } from '../vault-keys.ts';
import {
  checkNewPassphrase,
  identityFrom,
  newRecovery,
  requireRecovery,
  sealIdentity,
} from '../recovery-identity.ts';
import {
  BACKUP_README,
  backupFileName,
  backupKey,
  openBackup,
  recoverable,
  restoredRecords,
  summarize,
} from '../vault-backups.ts';

const SECRET_FIELDS = ['Passphrase', 'RecoveryKey', 'NewPassphrase'] as const;

/**
 * The answer of a new recovery identity (set-up, rotation): the recovery key — shown this once,
 * when the person asked for one — and the recipient; logged without the recovery key.
 */
function recoveryAnswer<T extends object>(
  recoveryKey: string | undefined,
  recovery: Pick<RecoveryRecord, 'Recipient' | 'Methods'>,
  setUpDate: Date,
  extra: T,
) {
  const response = {
    ...(recoveryKey !== undefined && { RecoveryKey: recoveryKey }),
    Recipient: recovery.Recipient,
    Methods: recovery.Methods,
    SetUpDate: setUpDate,
    ...extra,
  };
  const { RecoveryKey: _secret, ...logged } = response;
  return { response, auditResponse: logged };
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
      return {
        ...recoveryAnswer(generate ? identity : undefined, recovery, setUpDate, {}),
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
      // From keys alone (recoveryCoverage): this runs after changes, on vaults of thousands of
      // keys (issue 16).
      const { keyIds, versions, sealed, newestVersionDate } =
        await context.store.recoveryCoverage();
      const isSealed = new Set(sealed.map(([keyId, version]) => `${keyId}/${version}`));
      const byKey = new Map<string, { all: number; unsealed: number[] }>();
      for (const [keyId, version] of versions) {
        const entry = byKey.get(keyId) ?? { all: 0, unsealed: [] };
        entry.all++;
        if (!isSealed.has(`${keyId}/${version}`)) entry.unsealed.push(version);
        byKey.set(keyId, entry);
      }
      const unrecoverable: UnrecoverableKey[] = [];
      let recoverableKeys = 0;
      for (const keyId of keyIds) {
        const entry = byKey.get(keyId);
        if (!entry || entry.unsealed.length === 0) recoverableKeys++;
        else {
          unrecoverable.push({
            KeyId: keyId,
            Versions: entry.unsealed,
            AllVersions: entry.unsealed.length === entry.all,
          });
        }
      }
      return {
        response: {
          RecoverySetUp: recovery !== undefined,
          Methods: recovery?.Methods ?? [],
          ...(recovery && { SetUpDate: recovery.SetUpDate, Recipient: recovery.Recipient }),
          ...(recovery?.LastBackupDate && { LastBackupDate: recovery.LastBackupDate }),
          ...(newestVersionDate && { NewestKeyVersionDate: newestVersionDate }),
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
          const label = materialLabel(key, version.Version);
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
      return {
        ...recoveryAnswer(generate ? identity : undefined, next, setUpDate, {
          ResealedVersionCount: resealed.length,
        }),
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
      // Into a vault with a lock, restored material is sealed under its vault key: unlock first.
      const vaultKey = context.keys.requireOpen();
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
        else restored.push(await restoredRecords(key, identity, resealTo, vaultKey));
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
