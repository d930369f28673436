/**
 * The one door to IndexedDB. Schema, migrations and every read and write of the vault live
 * here; nothing else in the core touches IndexedDB.
 *
 * Invariant of every write path: all crypto.subtle work is done before `commit` opens its
 * transaction, and inside it only IndexedDB requests are awaited (an awaited non-IndexedDB
 * promise would let the transaction auto-commit early — IndexedDB spec, "transaction lifetime").
 * Each commit appends exactly one audit record in the same transaction as the change, so a
 * change is never stored without its record, nor a record without its change.
 */
import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction } from 'idb';
import type {
  AuditEvent,
  ExpirationModel,
  KeySpec,
  KeyState,
  KeyUsage,
  Origin,
  RawAesKeyringIdentity,
  RotationType,
  Tag,
} from '../api.ts';
import { chainRecord, type AuditDraft } from '../audit/audit-record.ts';
import type { AsymmetricKeyMaterial } from '../crypto/key-material.ts';
import type { RsaEncryptionAlgorithm, RsaKeySpec } from '../key-specs.ts';
import { randomVaultId } from '../crypto/random.ts';

export const DEFAULT_VAULT_NAME = 'pocket-kms';
const SCHEMA_VERSION = 2;

export interface VaultRecord {
  id: 'vault';
  VaultId: string;
  CreationDate: Date;
  /** The newest audit record: the head of the hash chain. */
  AuditHead: { sequence: number; hash: string } | null;
  /** Set once recovery is set up (workers/kms/operations/recovery.ts). */
  Recovery?: RecoveryRecord;
}

/**
 * The vault's recovery identity, as the vault keeps it: only its public recipient, and — when
 * the person chose a passphrase — the identity sealed under it (an age scrypt file). The
 * identity itself is never stored in the clear.
 */
export interface RecoveryRecord {
  /** The age X25519 recipient (`age1…`) every new key version is sealed to. */
  Recipient: string;
  /** The identity (`AGE-SECRET-KEY-1…`) in an age file under the recovery passphrase. */
  SealedIdentity?: Uint8Array<ArrayBuffer>;
  /** How the person holds the identity. */
  Methods: RecoveryMethod[];
  SetUpDate: Date;
  LastBackupDate?: Date;
}
export type RecoveryMethod = 'PASSPHRASE' | 'RECOVERY_KEY';

export interface KeyRecord {
  KeyId: string;
  CreationDate: Date;
  Description: string;
  KeySpec: KeySpec;
  KeyUsage: KeyUsage;
  Origin: Origin;
  KeyState: KeyState;
  DeletionDate?: Date;
  PendingDeletionWindowInDays?: number;
  Tags: Tag[];
  RotationEnabled: boolean;
  RotationPeriodInDays?: number;
  NextRotationDate?: Date;
  OnDemandRotationCount: number;
  /** The version that encrypts; every version up to it decrypts. */
  CurrentVersion: number;
  /** EXTERNAL keys with material: whether and when it expires (housekeeping deletes it then). */
  ExpirationModel?: ExpirationModel;
  ValidTo?: Date;
  /**
   * EXTERNAL keys: the KeyMaterialId of the material the key took first, kept after that material
   * is deleted or expires, so a later import can only bring back the same material (as AWS).
   */
  ImportedKeyMaterialId?: string;
  /** EXTERNAL keys: the raw-AES-keyring identity its file entries use (docs/FORMAT.md §4.8). */
  RawAesKeyring?: RawAesKeyringIdentity;
}

/**
 * The newest GetParametersForImport answer of an EXTERNAL key: the RSA private key that unwraps
 * the key material (non-extractable) and the token that must come back with it.
 */
export interface ImportParametersRecord {
  KeyId: string;
  ImportToken: Uint8Array<ArrayBuffer>;
  PrivateKey: CryptoKey;
  WrappingAlgorithm: RsaEncryptionAlgorithm;
  WrappingKeySpec: RsaKeySpec;
  ParametersValidTo: Date;
}

export interface KeyVersionRecord {
  KeyId: string;
  Version: number;
  KeyMaterialId: string;
  /**
   * Non-extractable, stored by structured clone, bytes unreadable: the AES-256-GCM key of a
   * symmetric key; the HMAC key; the first private key of an asymmetric key held by WebCrypto;
   * or the AES-256-GCM wrapping key of one held WRAPPED (crypto/key-material.ts).
   */
  CryptoKey: CryptoKey;
  CreationDate: Date;
  /** How this version came to be; absent for version 1, the key's original material. */
  RotationType?: RotationType;
  /** Asymmetric keys only: public key, per-algorithm CryptoKeys, or the wrapped private key. */
  Asymmetric?: AsymmetricKeyMaterial;
  /**
   * The version's material sealed to the recovery recipient when it was made (an armored age
   * file, docs/FORMAT.md "Vault backups"); absent for versions made before recovery was set up.
   */
  RecoverySeal?: string;
}

export interface AliasRecord {
  AliasName: string;
  TargetKeyId: string;
  CreationDate: Date;
  LastUpdatedDate: Date;
}

interface VaultSchema extends DBSchema {
  vault: { key: 'vault'; value: VaultRecord };
  keys: { key: string; value: KeyRecord; indexes: { byRawAesIdentity: [string, string] } };
  keyVersions: { key: [string, number]; value: KeyVersionRecord };
  aliases: { key: string; value: AliasRecord; indexes: { byTarget: string } };
  audit: { key: number; value: AuditEvent };
  importParameters: { key: string; value: ImportParametersRecord };
}

type StoreName = 'vault' | 'keys' | 'keyVersions' | 'aliases' | 'audit' | 'importParameters';
const ALL_STORES: StoreName[] = [
  'vault',
  'keys',
  'keyVersions',
  'aliases',
  'audit',
  'importParameters',
];
export type WriteTransaction = IDBPTransaction<VaultSchema, StoreName[], 'readwrite'>;

/** The IndexedDB writes of one call, applied in the transaction that also appends its record. */
export type VaultWrite = (tx: WriteTransaction) => Promise<void>;

function versionRange(keyId: string): IDBKeyRange {
  return IDBKeyRange.bound([keyId, 0], [keyId, Number.MAX_SAFE_INTEGER]);
}

export class VaultStore {
  private constructor(
    private readonly db: IDBPDatabase<VaultSchema>,
    readonly name: string,
    private id: string,
  ) {}

  /** The vault id: the account id of every ARN. A restore into an empty vault changes it. */
  get vaultId(): string {
    return this.id;
  }

  /** Reads the vault id again (after a restore, here or in another tab). */
  async refreshVaultId(): Promise<void> {
    const vault = await this.db.get('vault', 'vault');
    if (vault) this.id = vault.VaultId;
  }

  getVaultRecord(): Promise<VaultRecord | undefined> {
    return this.db.get('vault', 'vault');
  }

  static async open(name = DEFAULT_VAULT_NAME): Promise<VaultStore> {
    const db = await openDB<VaultSchema>(name, SCHEMA_VERSION, {
      upgrade(database, oldVersion, _newVersion, transaction) {
        if (oldVersion < 1) {
          database.createObjectStore('vault', { keyPath: 'id' });
          database.createObjectStore('keys', { keyPath: 'KeyId' });
          database.createObjectStore('keyVersions', { keyPath: ['KeyId', 'Version'] });
          const aliases = database.createObjectStore('aliases', { keyPath: 'AliasName' });
          aliases.createIndex('byTarget', 'TargetKeyId');
          database.createObjectStore('audit', { keyPath: 'sequence' });
          void transaction.objectStore('vault').put({
            id: 'vault',
            VaultId: randomVaultId(),
            CreationDate: new Date(),
            AuditHead: null,
          });
        }
        if (oldVersion < 2) {
          // Bring your own key: import parameters, and lookup of a key by its raw-AES identity.
          // Existing keys have no RawAesKeyring field, so they are simply not in the index.
          database.createObjectStore('importParameters', { keyPath: 'KeyId' });
          transaction
            .objectStore('keys')
            .createIndex(
              'byRawAesIdentity',
              ['RawAesKeyring.KeyNamespace', 'RawAesKeyring.KeyName'],
              {
                unique: true,
              },
            );
        }
      },
      blocking() {
        // A newer version of the app wants to upgrade the schema in another tab: step aside.
        db.close();
      },
    });
    const vault = await db.get('vault', 'vault');
    if (!vault) throw new Error('vault record missing');
    return new VaultStore(db, name, vault.VaultId);
  }

  close(): void {
    this.db.close();
  }

  // --- reads ----------------------------------------------------------------------------------

  getKey(keyId: string): Promise<KeyRecord | undefined> {
    return this.db.get('keys', keyId);
  }

  listKeys(): Promise<KeyRecord[]> {
    return this.db.getAll('keys');
  }

  getKeyVersion(keyId: string, version: number): Promise<KeyVersionRecord | undefined> {
    return this.db.get('keyVersions', [keyId, version]);
  }

  listKeyVersions(keyId: string): Promise<KeyVersionRecord[]> {
    return this.db.getAll('keyVersions', versionRange(keyId));
  }

  /** The key whose imported material carries this raw-AES-keyring identity, if any. */
  getKeyByRawAesIdentity(identity: RawAesKeyringIdentity): Promise<KeyRecord | undefined> {
    return this.db.getFromIndex('keys', 'byRawAesIdentity', [
      identity.KeyNamespace,
      identity.KeyName,
    ]);
  }

  getImportParameters(keyId: string): Promise<ImportParametersRecord | undefined> {
    return this.db.get('importParameters', keyId);
  }

  getAlias(aliasName: string): Promise<AliasRecord | undefined> {
    return this.db.get('aliases', aliasName);
  }

  listAliases(targetKeyId?: string): Promise<AliasRecord[]> {
    return targetKeyId === undefined
      ? this.db.getAll('aliases')
      : this.db.getAllFromIndex('aliases', 'byTarget', targetKeyId);
  }

  /**
   * Every audit record in chain order (oldest first) and the head the vault remembers, read in
   * one transaction so a record appended meanwhile cannot make them disagree.
   */
  async readAuditChain(): Promise<{ records: AuditEvent[]; head: VaultRecord['AuditHead'] }> {
    const tx = this.db.transaction(['audit', 'vault']);
    const [records, vault] = await Promise.all([
      tx.objectStore('audit').getAll(),
      tx.objectStore('vault').get('vault'),
    ]);
    await tx.done;
    return { records, head: vault?.AuditHead ?? null };
  }

  /**
   * Audit records newest first, starting below `beforeSequence`, until `accept` has taken
   * `limit` records; returns the taken records and whether more matching ones remain.
   */
  async scanAuditNewestFirst(
    beforeSequence: number | undefined,
    limit: number,
    accept: (event: AuditEvent) => boolean,
  ): Promise<{ events: AuditEvent[]; more: boolean }> {
    const range =
      beforeSequence === undefined ? undefined : IDBKeyRange.upperBound(beforeSequence, true);
    const events: AuditEvent[] = [];
    let cursor = await this.db.transaction('audit').store.openCursor(range, 'prev');
    while (cursor) {
      if (accept(cursor.value)) {
        if (events.length === limit) return { events, more: true };
        events.push(cursor.value);
      }
      cursor = await cursor.continue();
    }
    return { events, more: false };
  }

  // --- writes ---------------------------------------------------------------------------------

  /**
   * Applies `write` (if any) and appends the audit record for it, in one transaction with
   * durability chosen below. Returns the record as stored.
   */
  async commit(write: VaultWrite | undefined, draft: AuditDraft): Promise<AuditEvent> {
    // A change to keys waits until the disk has it ('strict'). A call that changes nothing only
    // appends its record: 'relaxed' lets the browser batch the flush. Either way the record and
    // the chain head land in one transaction, so a crash can lose the newest records but never
    // leave the chain inconsistent.
    const durability = write ? 'strict' : 'relaxed';
    const tx = this.db.transaction(ALL_STORES, 'readwrite', { durability });
    try {
      const vaultStore = tx.objectStore('vault');
      if (write) await write(tx);
      // Read after the write: a write may change the vault record itself (recovery, restore).
      const vault = await vaultStore.get('vault');
      if (!vault) throw new Error('vault record missing');
      const record = chainRecord(draft, vault.AuditHead);
      await tx.objectStore('audit').add(record);
      await vaultStore.put({
        ...vault,
        AuditHead: { sequence: record.sequence, hash: record.hash },
      });
      await tx.done;
      this.id = vault.VaultId;
      return record;
    } catch (error) {
      // Requests already made would otherwise still commit: abort so nothing half-done lands.
      try {
        tx.abort();
      } catch {
        // already finished or aborted
      }
      tx.done.catch(() => undefined);
      throw error;
    }
  }

  /** Every version, alias and the key itself: what destroying a key removes. */
  static async deleteKeyEverywhere(tx: WriteTransaction, keyId: string): Promise<void> {
    await tx.objectStore('keyVersions').delete(versionRange(keyId));
    const aliasIndex = tx.objectStore('aliases').index('byTarget');
    for (const aliasName of await aliasIndex.getAllKeys(keyId)) {
      await tx.objectStore('aliases').delete(aliasName);
    }
    await tx.objectStore('importParameters').delete(keyId);
    await tx.objectStore('keys').delete(keyId);
  }
}
