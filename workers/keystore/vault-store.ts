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
import {
  deleteDB,
  openDB,
  unwrap,
  type DBSchema,
  type IDBPDatabase,
  type IDBPTransaction,
} from 'idb';
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
  VaultUpgradeProgress,
} from '../api.ts';
import { chainRecord, type AuditDraft, type ChainPoint } from '../audit/audit-record.ts';
import type { AsymmetricKeyMaterial } from '../crypto/key-material.ts';
import type { RsaEncryptionAlgorithm, RsaKeySpec } from '../key-specs.ts';
import { randomVaultId } from '../crypto/random.ts';

export const DEFAULT_VAULT_NAME = 'pocket-kms';
const SCHEMA_VERSION = 5;

/**
 * The fewest records ListAuditEvents reads in one request: a filter the driving index does not
 * answer (say EventName with ErrorsOnly) rejects some, and a page then needs more than one batch.
 */
const MIN_AUDIT_BATCH = 64;

/** A checkpoint of the audit chain is stored every this many records (verifyAuditLog Since). */
export const AUDIT_CHECKPOINT_INTERVAL = 10_000;

export interface VaultRecord {
  id: 'vault';
  VaultId: string;
  CreationDate: Date;
  /** The newest audit record: the head of the hash chain. */
  AuditHead: { sequence: number; hash: string } | null;
  /** Set once recovery is set up (workers/kms/operations/recovery.ts). */
  Recovery?: RecoveryRecord;
  /** Set while the vault has a lock (workers/kms/operations/vault-lock.ts). */
  Lock?: LockRecord;
  /**
   * The sandbox vault only (workers/kms/sandbox-clock.ts): how far its clock is ahead of the
   * system clock, in milliseconds. Kept with the vault it moved, so the two go together.
   */
  SandboxClockOffset?: number;
}

/**
 * The vault lock, as the vault keeps it: the vault key (32 random bytes) only sealed — under
 * the lock passphrase (an age scrypt file) and/or under a key derived (HKDF-SHA-256) from a
 * passkey's WebAuthn PRF output — and the settings. The vault key itself, and every key version
 * sealed under it, is usable only inside a core that was unlocked (workers/kms/vault-keys.ts).
 */
export interface LockRecord {
  Methods: ('PASSPHRASE' | 'PASSKEY')[];
  SetUpDate: Date;
  /** Lock after this many minutes without a call from the person; 0: never. */
  IdleMinutes: number;
  /** The vault key in an age file under the lock passphrase (scrypt, its work factor inside). */
  PassphraseSeal?: Uint8Array<ArrayBuffer>;
  /** The vault key under AES-256-GCM, keyed by HKDF of the passkey's PRF output: IV ‖ sealed. */
  PasskeySeal?: {
    CredentialId: string;
    PrfSalt: Uint8Array<ArrayBuffer>;
    Sealed: Uint8Array<ArrayBuffer>;
  };
  /** Wrong secrets given in a row; from the third on, the next try waits until NextAttemptDate. */
  FailedAttempts: number;
  NextAttemptDate?: Date;
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
  /** Absent while the vault has a lock: the private key is then held in the core's memory only. */
  PrivateKey?: CryptoKey;
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
   * or the AES-256-GCM wrapping key of one held WRAPPED (crypto/key-material.ts). Absent when
   * the version is sealed under the vault lock (LockSeal).
   */
  CryptoKey?: CryptoKey;
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
  /**
   * With a vault lock: the material sealed under the vault key (AES-256-GCM, IV ‖ sealed, the key
   * id, version, spec and usage as additional data) — then the only form at rest: CryptoKey is
   * absent and Asymmetric holds only the public key (workers/kms/vault-keys.ts).
   */
  LockSeal?: Uint8Array<ArrayBuffer>;
}

export interface AliasRecord {
  AliasName: string;
  TargetKeyId: string;
  CreationDate: Date;
  LastUpdatedDate: Date;
}

/**
 * A stored point of the audit chain: its head after `sequence` records. One is stored every
 * AUDIT_CHECKPOINT_INTERVAL records, with the record; and one where the newest walk that found
 * the chain valid ended (confirmWalk).
 */
export interface AuditCheckpoint {
  sequence: number;
  hash: string;
  /** A walk of the chain (VerifyAuditLog) has confirmed it, and when. */
  verifiedAt?: Date;
}

interface VaultSchema extends DBSchema {
  vault: { key: 'vault'; value: VaultRecord };
  keys: {
    key: string;
    value: KeyRecord;
    indexes: {
      byRawAesIdentity: [string, string];
      byNextRotation: Date;
      byDeletionDate: Date;
      byValidTo: Date;
      byCreation: [Date, string];
    };
  };
  keyVersions: {
    key: [string, number];
    value: KeyVersionRecord;
    indexes: { sealedForRecovery: number; byCreationDate: Date };
  };
  aliases: { key: string; value: AliasRecord; indexes: { byTarget: string } };
  audit: {
    key: number;
    value: AuditEvent;
    indexes: {
      byEventName: [string, number];
      byEventTime: [string, string, number];
      byTime: [string, number];
    };
  };
  /**
   * The audit index by key: one entry per (key id, record) the record names as a resource — a
   * copy of the record with the key id beside it (schema 4; schema 3 kept the key id and the
   * sequence alone, and KeyId then read each record again from the log, scattered over it).
   */
  auditKeys: {
    key: [string, number];
    value: KeyedAuditEvent;
    indexes: { byKeyEvent: [string, string, number] };
  };
  /**
   * The audit index of failed calls: a copy of every record with an errorCode (schema 4; schema
   * 3 kept only the sequence, and ErrorsOnly then read each record again from the log).
   */
  auditErrors: { key: number; value: AuditEvent };
  auditCheckpoints: { key: number; value: AuditCheckpoint };
  importParameters: { key: string; value: ImportParametersRecord };
}

type StoreName =
  | 'vault'
  | 'keys'
  | 'keyVersions'
  | 'aliases'
  | 'audit'
  | 'auditKeys'
  | 'auditErrors'
  | 'auditCheckpoints'
  | 'importParameters';
const ALL_STORES: StoreName[] = [
  'vault',
  'keys',
  'keyVersions',
  'aliases',
  'audit',
  'auditKeys',
  'auditErrors',
  'auditCheckpoints',
  'importParameters',
];

/** An audit record as the auditKeys index holds it: with the key id it is filed under. */
type KeyedAuditEvent = AuditEvent & { keyId: string };

/** The record an auditKeys entry holds, without the key id it was filed under. */
function unkeyed({ keyId: _filedUnder, ...event }: KeyedAuditEvent): AuditEvent {
  return event;
}

/** The key ids an audit record names as resources (`…:key/<KeyId>` ARNs). */
function resourceKeyIds(record: AuditEvent): string[] {
  const ids = new Set<string>();
  for (const resource of record.resources) {
    const at = resource.ARN.lastIndexOf(':key/');
    if (at !== -1) ids.add(resource.ARN.slice(at + ':key/'.length));
  }
  return [...ids];
}

/**
 * Writes the index entries of one audit record (in the transaction that appends it, or the
 * schema-3 migration's): its keys, its error, its checkpoint. The puts are only queued here (a
 * transaction runs its requests in order); the returned promise settles when they are done.
 */
function indexAuditRecord(
  tx: IDBPTransaction<VaultSchema, StoreName[], 'readwrite' | 'versionchange'>,
  record: AuditEvent,
): Promise<unknown> {
  const puts: Promise<unknown>[] = resourceKeyIds(record).map((keyId) =>
    tx.objectStore('auditKeys').put({ ...record, keyId }),
  );
  if (record.errorCode !== undefined) {
    puts.push(tx.objectStore('auditErrors').put(record));
  }
  if (record.sequence % AUDIT_CHECKPOINT_INTERVAL === 0) {
    puts.push(
      tx.objectStore('auditCheckpoints').put({ sequence: record.sequence, hash: record.hash }),
    );
  }
  return Promise.all(puts);
}

/** Told, as a schema upgrade rewrites the audit log's index entries, how far it is. */
export type UpgradeProgressListener = (progress: VaultUpgradeProgress) => void;

/**
 * Tells `onProgress` 0 of `total` at once, and returns what to call with each batch's size:
 * it tells the new count.
 */
function upgradeProgress(
  total: number,
  onProgress: UpgradeProgressListener,
): (count: number) => void {
  let done = 0;
  onProgress({ Done: done, Total: total });
  return (count) => {
    done += count;
    onProgress({ Done: done, Total: total });
  };
}

/** Records a walk of the audit log (walkAudit) reads and hands on at once. */
export const AUDIT_WALK_BATCH = 2000;

/** Records the schema-3 migration reads at once (one getAll, not one cursor step per record). */
const MIGRATION_BATCH = 5000;
/** Records per transaction when a whole store of keys or versions is read (readWholeStore). */
const WHOLE_STORE_PAGE = 500;

/**
 * The schema-3 migration's index entries for every stored audit record, in the upgrade's own
 * transaction: the log is read by sequence in batches of MIGRATION_BATCH records, and each
 * batch's puts are queued at once, not one after another.
 */
async function indexStoredAuditRecords(
  tx: IDBPTransaction<VaultSchema, StoreName[], 'versionchange'>,
  onProgress: UpgradeProgressListener,
): Promise<void> {
  const audit = tx.objectStore('audit');
  const indexed = upgradeProgress(await audit.count(), onProgress);
  let range: IDBKeyRange | null = null;
  for (;;) {
    const records = await audit.getAll(range, MIGRATION_BATCH);
    await Promise.all(records.map((record) => indexAuditRecord(tx, record)));
    indexed(records.length);
    if (records.length < MIGRATION_BATCH) return;
    range = IDBKeyRange.lowerBound(records.at(-1)!.sequence, true);
  }
}

/**
 * The schema-4 migration: schema 3's auditKeys and auditErrors entries held only a key id and a
 * sequence; each becomes a copy of its record (with the key id, in auditKeys), the records read
 * from the log in batches, in the upgrade's own transaction.
 */
async function copyIndexedRecords(
  tx: IDBPTransaction<VaultSchema, StoreName[], 'versionchange'>,
  onProgress: UpgradeProgressListener,
): Promise<void> {
  const copied = upgradeProgress(
    (await tx.objectStore('auditKeys').count()) + (await tx.objectStore('auditErrors').count()),
    onProgress,
  );
  await copyRecordsInto(
    tx,
    'auditKeys',
    (key) => key[1],
    (record, key) => ({ ...record, keyId: key[0] }),
    copied,
  );
  await copyRecordsInto(
    tx,
    'auditErrors',
    (key) => key,
    (record) => record,
    copied,
  );
}

/**
 * Replaces each entry of `name`, batch by batch, with `copyOf` its record in the log; calls
 * `copied` with each batch's size.
 */
async function copyRecordsInto<Name extends 'auditKeys' | 'auditErrors'>(
  tx: IDBPTransaction<VaultSchema, StoreName[], 'versionchange'>,
  name: Name,
  sequenceOf: (key: VaultSchema[Name]['key']) => number,
  copyOf: (record: AuditEvent, key: VaultSchema[Name]['key']) => VaultSchema[Name]['value'],
  copied: (count: number) => void,
): Promise<void> {
  const audit = tx.objectStore('audit');
  const store = tx.objectStore(name);
  for (let range: IDBKeyRange | null = null; ;) {
    const keys = (await store.getAllKeys(range, MIGRATION_BATCH)) as VaultSchema[Name]['key'][];
    const records = await Promise.all(keys.map((key) => audit.get(sequenceOf(key))));
    await Promise.all(
      records.flatMap((record, at) => (record ? [store.put(copyOf(record, keys[at]!))] : [])),
    );
    copied(keys.length);
    if (keys.length < MIGRATION_BATCH) return;
    range = IDBKeyRange.lowerBound(keys.at(-1)!, true);
  }
}

export type WriteTransaction = IDBPTransaction<VaultSchema, StoreName[], 'readwrite'>;

/** The IndexedDB writes of one call, applied in the transaction that also appends its record. */
export type VaultWrite = (tx: WriteTransaction) => Promise<void>;

/** What ListAuditEvents asks of the log (times are ISO strings, as records hold them). */
export interface AuditFilter {
  /** Only records below this sequence (the paging marker). */
  before?: number;
  keyId?: string;
  eventName?: string;
  errorsOnly?: boolean;
  start?: string;
  end?: string;
  /** Any further condition, checked on the records the index yields. */
  accept?: (event: AuditEvent) => boolean;
}

/** One record of IndexedDB's getAllRecords: its key in the index read, and its value. */
interface StoredRecord<V> {
  key: IDBValidKey;
  value: V;
}

/**
 * Up to `count` records of `query` in `source` (a store or an index), the greatest key first, in
 * one request: IndexedDB's getAllRecords with direction 'prev' (Chromium 141 and later), where a
 * cursor takes one request per record. A browser without it gets the same records by cursor.
 */
function newestRecords<V>(
  source: object,
  query: IDBKeyRange,
  count: number,
): Promise<StoredRecord<V>[]> {
  const native = unwrap(source as Parameters<typeof unwrap>[0]) as unknown as {
    getAllRecords?(options: {
      query: IDBKeyRange;
      count: number;
      direction: 'prev';
    }): IDBRequest<StoredRecord<V>[]>;
    openCursor(query: IDBKeyRange, direction: 'prev'): IDBRequest<IDBCursorWithValue | null>;
  };
  return new Promise((resolve, reject) => {
    if (typeof native.getAllRecords === 'function') {
      const request = native.getAllRecords({ query, count, direction: 'prev' });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
      return;
    }
    const records: StoredRecord<V>[] = [];
    const request = native.openCursor(query, 'prev');
    request.onsuccess = () => {
      const cursor = request.result;
      if (!cursor || records.length === count) return resolve(records);
      records.push({ key: cursor.key, value: cursor.value as V });
      cursor.continue();
    };
    request.onerror = () => reject(request.error);
  });
}

/** `range` without what lies at or above `key` (the keys already read, newest first). */
function below(range: IDBKeyRange, key: IDBValidKey): IDBKeyRange {
  return range.lower === undefined
    ? IDBKeyRange.upperBound(key, true)
    : IDBKeyRange.bound(range.lower, key, range.lowerOpen, true);
}
/** A key cursor on the `byCreation` index: its entry's key, and the way on. */
interface CreationCursor {
  key: [Date, string];
  advance(count: number): Promise<CreationCursor | null>;
}

/** The keys store's `byCreation` index, as keysPage reads it (in any transaction). */
interface CreationIndex {
  openKeyCursor(query?: null, direction?: IDBCursorDirection): Promise<CreationCursor | null>;
  getAll(query: IDBKeyRange, count?: number): Promise<KeyRecord[]>;
  getAllKeys(query: IDBKeyRange, count?: number): Promise<string[]>;
}

/** The order of a page of keys: by creation, oldest first (ListKeys) or newest first. */
type CreationOrder = 'oldestFirst' | 'newestFirst';

/**
 * `limit` keys from the `start`-th on, in `order`, and whether more follow: a key cursor moved
 * to the first of them (no record is read on the way), then one read of the page (`read`: the
 * records, or only their key ids) — a few requests whatever the page's size, not one per key.
 * Newest first, the cursor walks backwards on to the entry just past the page, which bounds the
 * page from below: the page is read in the index's own (ascending) order and reversed.
 */
async function keysPage<T>(
  index: CreationIndex,
  start: number,
  limit: number,
  read: (index: CreationIndex, page: IDBKeyRange, count?: number) => Promise<T[]>,
  order: CreationOrder = 'oldestFirst',
): Promise<{ page: T[]; more: boolean }> {
  const first = await index.openKeyCursor(null, order === 'oldestFirst' ? 'next' : 'prev');
  const cursor = first && start > 0 ? await first.advance(start) : first;
  if (!cursor) return { page: [], more: false };
  // [CreationDate, KeyId] is unique: the page starts exactly at the cursor's key.
  if (order === 'oldestFirst') {
    const page = await read(index, IDBKeyRange.lowerBound(cursor.key), limit + 1);
    return page.length > limit ? { page: page.slice(0, limit), more: true } : { page, more: false };
  }
  const newest = cursor.key;
  const beyond = await cursor.advance(limit);
  const range = beyond
    ? IDBKeyRange.bound(beyond.key, newest, true, false)
    : IDBKeyRange.upperBound(newest);
  return { page: (await read(index, range)).reverse(), more: beyond !== null };
}

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

  /**
   * Opens (creating or upgrading) vault `name`. An upgrade that rewrites the audit log's index
   * entries (from schema 2 or 3) calls `onUpgradeProgress` as it goes: at a million records it
   * takes minutes, and every call waits for it.
   */
  static async open(
    name = DEFAULT_VAULT_NAME,
    onUpgradeProgress: UpgradeProgressListener = () => undefined,
  ): Promise<VaultStore> {
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
        if (oldVersion < 3) {
          // Scale (issue 16): housekeeping reads only what is due, audit queries read indexes,
          // and the chain keeps checkpoints. Existing records keep their content and hashes;
          // their index entries are written here, in the upgrade's own transaction.
          const keys = transaction.objectStore('keys');
          keys.createIndex('byNextRotation', 'NextRotationDate');
          keys.createIndex('byDeletionDate', 'DeletionDate');
          keys.createIndex('byValidTo', 'ValidTo');
          keys.createIndex('byCreation', ['CreationDate', 'KeyId']);
          const audit = transaction.objectStore('audit');
          audit.createIndex('byEventName', ['eventName', 'sequence']);
          audit.createIndex('byEventTime', ['eventName', 'eventTime', 'sequence']);
          audit.createIndex('byTime', ['eventTime', 'sequence']);
          database.createObjectStore('auditKeys', { keyPath: ['keyId', 'sequence'] });
          database.createObjectStore('auditErrors', { keyPath: 'sequence' });
          database.createObjectStore('auditCheckpoints', { keyPath: 'sequence' });
          void indexStoredAuditRecords(transaction, onUpgradeProgress);
        }
        if (oldVersion < 4) {
          // KeyId and ErrorsOnly read their records from their own index stores (issue 16),
          // and KeyId with EventName from an index of the key's entries by event name.
          transaction
            .objectStore('auditKeys')
            .createIndex('byKeyEvent', ['keyId', 'eventName', 'sequence']);
        }
        if (oldVersion < 5) {
          // DescribeRecovery (the recovery banner's read after changes) answers from keys alone,
          // no version record read (issue 16). A version sealed for recovery has an entry in
          // sealedForRecovery (keyed by the seal's length: an index cannot hold absence, and a
          // string's length is the smallest key its presence gives); byCreationDate gives the
          // newest version. IndexedDB fills both from the stored versions here.
          const versions = transaction.objectStore('keyVersions');
          versions.createIndex('sealedForRecovery', 'RecoverySeal.length');
          versions.createIndex('byCreationDate', 'CreationDate');
        }
        if (oldVersion === 3) {
          // Schema 3's entries become copies of their records (from schema 2, the entries
          // written above are copies already, and the index fills as they are put).
          void copyIndexedRecords(transaction, onUpgradeProgress);
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

  /** Every key, in key id order, a page at a time (readWholeStore). */
  listKeys(): Promise<KeyRecord[]> {
    return this.#readWholeStore('keys', (key) => key.KeyId);
  }

  /**
   * The ids of `limit` keys in creation order (then key id) from position `start`, and whether
   * more follow: read from the `byCreation` index alone (its entries hold the key ids), so a page
   * costs the page, not the vault, and no key record is read.
   */
  async listKeyIdsPage(start: number, limit: number): Promise<{ keyIds: string[]; more: boolean }> {
    const { page, more } = await keysPage(
      this.db.transaction('keys').store.index('byCreation'),
      start,
      limit,
      (index, range, count) => index.getAllKeys(range, count),
    );
    return { keyIds: page, more };
  }

  /**
   * `limit` keys from the `start`-th on, newest first (the key table's order, so its first page
   * is the first to show), with each key's current version record (undefined for a key without
   * material) and every alias of the vault, read in one transaction so they agree: the aliases in
   * one read, not one per key.
   */
  async listKeyDetailsPage(
    start: number,
    limit: number,
  ): Promise<{
    keys: KeyRecord[];
    currentVersions: (KeyVersionRecord | undefined)[];
    aliases: AliasRecord[];
    more: boolean;
  }> {
    const tx = this.db.transaction(['keys', 'keyVersions', 'aliases']);
    const { page: keys, more } = await keysPage(
      tx.objectStore('keys').index('byCreation'),
      start,
      limit,
      (index, range, count) => index.getAll(range, count),
      'newestFirst',
    );
    const versions = tx.objectStore('keyVersions');
    const [currentVersions, aliases] = await Promise.all([
      Promise.all(keys.map((key) => versions.get([key.KeyId, key.CurrentVersion]))),
      tx.objectStore('aliases').getAll(),
    ]);
    return { keys, currentVersions, aliases, more };
  }

  getKeyVersion(keyId: string, version: number): Promise<KeyVersionRecord | undefined> {
    return this.db.get('keyVersions', [keyId, version]);
  }

  /**
   * Every version of every key, in (KeyId, Version) order: a read per page (readWholeStore)
   * instead of one per key.
   */
  listAllKeyVersions(): Promise<KeyVersionRecord[]> {
    return this.#readWholeStore('keyVersions', (version) => [version.KeyId, version.Version]);
  }

  /**
   * A whole store in key order, WHOLE_STORE_PAGE records per transaction. A read-only
   * transaction holds back every write to its store until it ends, and one getAll of 10,000
   * keys' versions is a long one: a read of them all (DescribeRecovery's, before schema 5) would
   * stall every createKey meanwhile. Paged, a write waits for one page at most. Callers that must
   * see one state read under the write lock (no write can come between the pages); the others
   * (DescribeVaultLock's list of unsealable keys) take what was there page by page.
   */
  async #readWholeStore<Name extends 'keys' | 'keyVersions'>(
    name: Name,
    keyOf: (record: VaultSchema[Name]['value']) => VaultSchema[Name]['key'],
  ): Promise<VaultSchema[Name]['value'][]> {
    const all: VaultSchema[Name]['value'][] = [];
    let range: IDBKeyRange | undefined;
    for (;;) {
      const page = await this.db.getAll(name, range, WHOLE_STORE_PAGE);
      all.push(...page);
      if (page.length < WHOLE_STORE_PAGE) return all;
      range = IDBKeyRange.lowerBound(keyOf(page[page.length - 1]!), true);
    }
  }

  /**
   * What recovery covers, read in one transaction from keys alone (no record is read, so a
   * vault of 10,000 keys answers in milliseconds): every key id (in key id order), every version
   * as [KeyId, Version] (in that order), the versions sealed for recovery, and the newest
   * version's creation date.
   */
  async recoveryCoverage(): Promise<{
    keyIds: string[];
    versions: [string, number][];
    sealed: [string, number][];
    newestVersionDate: Date | undefined;
  }> {
    const tx = this.db.transaction(['keys', 'keyVersions']);
    const versions = tx.objectStore('keyVersions');
    const [keyIds, all, sealed, newest] = await Promise.all([
      tx.objectStore('keys').getAllKeys(),
      versions.getAllKeys(),
      versions.index('sealedForRecovery').getAllKeys(),
      versions.index('byCreationDate').openKeyCursor(null, 'prev'),
    ]);
    return { keyIds, versions: all, sealed, newestVersionDate: newest?.key };
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
   * Audit records newest first, below `filter.before`, that match the filter, until `limit`
   * are taken; returns them and whether more match. One index drives the scan — the key's
   * entries (by event name too, when both are given), then the event name's, then the errors',
   * then the time range's, else the log itself; each yields whole records, read in batches —
   * and the other conditions are checked on the records it yields (docs/API.md,
   * ListAuditEvents, gives the cost of each).
   */
  async scanAudit(
    filter: AuditFilter,
    limit: number,
  ): Promise<{ events: AuditEvent[]; more: boolean }> {
    const { before = Number.MAX_SAFE_INTEGER, keyId, eventName, errorsOnly, start, end } = filter;
    const tx = this.db.transaction(['audit', 'auditKeys', 'auditErrors']);
    const audit = tx.objectStore('audit');
    const events: AuditEvent[] = [];
    /** Takes a matching record; true once one more than `limit` is found (so more remain). */
    const take = (event: AuditEvent | undefined): boolean => {
      if (
        !event ||
        event.sequence >= before ||
        (eventName !== undefined && event.eventName !== eventName) ||
        (keyId !== undefined && !resourceKeyIds(event).includes(keyId)) ||
        (errorsOnly && event.errorCode === undefined) ||
        (start !== undefined && event.eventTime < start) ||
        (end !== undefined && event.eventTime > end) ||
        !(filter.accept?.(event) ?? true)
      ) {
        return false;
      }
      events.push(event);
      return events.length > limit;
    };
    /**
     * Reads `range` of `source` newest first, a batch per request, turning each batch into the
     * records to take, until the page is full or the range is read.
     */
    const pageFrom = async <V>(
      source: object,
      range: IDBKeyRange,
      recordsOf: (batch: StoredRecord<V>[]) => Promise<(AuditEvent | undefined)[]>,
    ): Promise<boolean> => {
      for (let query = range; ;) {
        const count = Math.max(limit + 1 - events.length, MIN_AUDIT_BATCH);
        const batch = await newestRecords<V>(source, query, count);
        for (const event of await recordsOf(batch)) if (take(event)) return true;
        if (batch.length < count) return false;
        query = below(range, batch.at(-1)!.key);
      }
    };
    const byRecord = (source: object, range: IDBKeyRange) =>
      pageFrom<AuditEvent>(source, range, async (batch) => batch.map((record) => record.value));
    const byKeyedRecord = (source: object, range: IDBKeyRange) =>
      pageFrom<KeyedAuditEvent>(source, range, async (batch) =>
        batch.map((entry) => unkeyed(entry.value)),
      );
    let full: boolean;
    if (keyId !== undefined && eventName !== undefined) {
      const range = IDBKeyRange.bound(
        [keyId, eventName, 0],
        [keyId, eventName, before],
        false,
        true,
      );
      full = await byKeyedRecord(tx.objectStore('auditKeys').index('byKeyEvent'), range);
    } else if (keyId !== undefined) {
      const range = IDBKeyRange.bound([keyId, 0], [keyId, before], false, true);
      full = await byKeyedRecord(tx.objectStore('auditKeys'), range);
    } else if (eventName !== undefined && (start !== undefined || end !== undefined)) {
      const range = IDBKeyRange.bound(
        [eventName, start ?? '', 0],
        [eventName, end ?? '\uffff', Number.MAX_SAFE_INTEGER],
      );
      full = await byRecord(audit.index('byEventTime'), range);
    } else if (eventName !== undefined) {
      const range = IDBKeyRange.bound([eventName, 0], [eventName, before], false, true);
      full = await byRecord(audit.index('byEventName'), range);
    } else if (errorsOnly) {
      full = await byRecord(tx.objectStore('auditErrors'), IDBKeyRange.upperBound(before, true));
    } else if (start !== undefined || end !== undefined) {
      const range = IDBKeyRange.bound([start ?? '', 0], [end ?? '\uffff', Number.MAX_SAFE_INTEGER]);
      full = await byRecord(audit.index('byTime'), range);
    } else {
      full = await byRecord(audit, IDBKeyRange.upperBound(before, true));
    }
    return full ? { events: events.slice(0, limit), more: true } : { events, more: false };
  }

  /**
   * Walks the audit log in chain order after `afterSequence` up to the head as it is when the
   * walk starts, in batches, calling `visit` with each batch: the full verification never
   * holds the whole log in memory, and records appended meanwhile (the log only grows) are left
   * for the next walk. The next batch is read while `visit` works on one (two in memory at
   * most). Returns that head.
   */
  async walkAudit(
    afterSequence: number,
    visit: (records: AuditEvent[]) => void | Promise<void>,
    signal?: AbortSignal,
  ): Promise<VaultRecord['AuditHead']> {
    const head = (await this.db.get('vault', 'vault'))?.AuditHead ?? null;
    const last = head?.sequence ?? 0;
    const read = (after: number): Promise<AuditEvent[]> | undefined => {
      if (after >= last) return undefined;
      const records = this.db.getAll(
        'audit',
        IDBKeyRange.bound(after, last, true, false),
        AUDIT_WALK_BATCH,
      );
      records.catch(() => undefined); // observed when its turn comes, unless the walk stopped
      return records;
    };
    let next = read(afterSequence);
    while (next) {
      signal?.throwIfAborted();
      const records = await next;
      next = records.length < AUDIT_WALK_BATCH ? undefined : read(records.at(-1)!.sequence);
      await visit(records);
    }
    return head;
  }

  /**
   * The first stored record beyond the head the vault remembers now, if any — read in one
   * transaction with the head, so a call committing meanwhile is not mistaken for one.
   */
  async auditRecordAfterHead(): Promise<number | undefined> {
    const tx = this.db.transaction(['audit', 'vault']);
    const [vault, cursor] = await Promise.all([
      tx.objectStore('vault').get('vault'),
      tx.objectStore('audit').openKeyCursor(null, 'prev'),
    ]);
    const newest = cursor?.primaryKey;
    const head = vault?.AuditHead?.sequence ?? 0;
    return newest !== undefined && newest > head ? head + 1 : undefined;
  }

  /** The audit checkpoints, oldest first. */
  listAuditCheckpoints(): Promise<AuditCheckpoint[]> {
    return this.db.getAll('auditCheckpoints');
  }

  /**
   * After a walk that found the chain valid: marks the stored checkpoints it passed (`sequences`)
   * as confirmed, and keeps the point where it ended (`end`) as a confirmed checkpoint of its
   * own, in place of the one the walk before kept — so the next check `Since: LAST_CHECKPOINT`
   * reads only what was written after this one, not everything after the last multiple of
   * AUDIT_CHECKPOINT_INTERVAL (up to 10,000 records). The interval's checkpoints all stay.
   */
  async confirmWalk(sequences: number[], end: ChainPoint | null, when: Date): Promise<void> {
    const tx = this.db.transaction('auditCheckpoints', 'readwrite', { durability: 'relaxed' });
    for (const sequence of sequences) {
      const checkpoint = await tx.store.get(sequence);
      if (checkpoint) await tx.store.put({ ...checkpoint, verifiedAt: when });
    }
    if (end && end.sequence % AUDIT_CHECKPOINT_INTERVAL !== 0) {
      for (const sequence of await tx.store.getAllKeys()) {
        if (sequence % AUDIT_CHECKPOINT_INTERVAL !== 0) await tx.store.delete(sequence);
      }
      await tx.store.put({ sequence: end.sequence, hash: end.hash, verifiedAt: when });
    }
    await tx.done;
  }

  /** Keys whose automatic rotation, deletion or material expiry is due at `now`. */
  async listDueKeys(now: Date): Promise<KeyRecord[]> {
    const tx = this.db.transaction('keys');
    const due = IDBKeyRange.upperBound(now);
    const found = new Map<string, KeyRecord>();
    for (const index of ['byNextRotation', 'byDeletionDate', 'byValidTo'] as const) {
      for (const key of await tx.store.index(index).getAll(due)) found.set(key.KeyId, key);
    }
    return [...found.values()];
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
      await indexAuditRecord(tx, record);
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

  /** Stores the sandbox clock's offset (VaultRecord.SandboxClockOffset). */
  static sandboxClockWrite(offsetInMilliseconds: number): VaultWrite {
    return async (tx) => {
      const vault = await tx.objectStore('vault').get('vault');
      if (!vault) throw new Error('vault record missing');
      await tx.objectStore('vault').put({ ...vault, SandboxClockOffset: offsetInMilliseconds });
    };
  }

  /**
   * Deletes the database `name` (the sandbox, when it starts over). Other connections to it step
   * aside (`blocking` in open), so this does not wait for their tabs.
   */
  static async destroy(name: string): Promise<void> {
    await deleteDB(name);
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
