// The scale benchmark's helper, loaded into a page of the app's origin (bench/scale.mjs). It
// writes a vault as the previous schema (2) had it — keys made by the core's own newKeyVersion,
// and a hash chain of audit records made by the core's own auditDraft and chainRecord — and
// then opens it with the core's own VaultStore, which runs the schema-3 to 5 migrations on it (every
// index entry and checkpoint), timed alone. It also times the reference costs the report
// divides by: hashing one record (the least a full walk must do per record), and one
// housekeeping tick run by the core's own runHousekeeping on the migrated vault (housekeeping is
// not exposed through window.kms).
import { openDB } from 'idb';
import { BACKGROUND_USER_AGENT } from '../../workers/api.ts';
import { chainRecord, hashRecord, hashRecords } from '../../workers/audit/audit-record.ts';
import { systemClock } from '../../workers/clock.ts';
import { randomUuid, randomVaultId } from '../../workers/crypto/random.ts';
import {
  AUDIT_WALK_BATCH,
  DEFAULT_VAULT_NAME,
  VaultStore,
} from '../../workers/keystore/vault-store.ts';
import { auditDraft } from '../../workers/kms/audited-call.ts';
import { runHousekeeping } from '../../workers/kms/housekeeping.ts';
import { keyArn } from '../../workers/kms/identifiers.ts';
import { newKeyVersion } from '../../workers/kms/key-versions.ts';
import { VaultKeys } from '../../workers/kms/vault-keys.ts';

const DAY = 24 * 60 * 60 * 1000;
/** The log spans this many days, ending an hour ago. */
const SPAN_DAYS = 330;

/** A small seeded generator, so every run seeds the same mix. */
function generator(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Record `index` of `recordCount` was written at this time (oldest first, evenly spread). */
function timeOf(index, recordCount, end) {
  const start = end - SPAN_DAYS * DAY;
  return new Date(start + (index * (end - start)) / recordCount);
}

/**
 * The drafts of records `from` to `to` (0-based): every `stride`-th is the CreateKey of the next
 * key; the others use a key already made, in the mix a person's year might have — encrypt and
 * decrypt (3% of decrypts fail), data keys, and the UI's own background reads.
 */
function* drafts({ from, to, recordCount, keyIds, stride, vault, end, random }) {
  const userAgent = navigator.userAgent;
  for (let index = from; index < to; index++) {
    const eventTime = timeOf(index, recordCount, end);
    const made = Math.min(keyIds.length, Math.floor(index / stride) + 1);
    if (index % stride === 0 && index / stride < keyIds.length) {
      const keyId = keyIds[index / stride];
      const arn = keyArn(vault.store.vaultId, keyId);
      yield auditDraft(vault, {
        userAgent,
        eventName: 'CreateKey',
        eventTime,
        requestParameters: { description: '', keySpec: 'SYMMETRIC_DEFAULT' },
        resources: [{ accountId: vault.store.vaultId, type: 'AWS::KMS::Key', ARN: arn }],
        readOnly: false,
        responseElements: {
          keyMetadata: {
            keyId,
            arn,
            keyState: 'Enabled',
            keySpec: 'SYMMETRIC_DEFAULT',
            keyUsage: 'ENCRYPT_DECRYPT',
            creationDate: eventTime.toISOString(),
          },
        },
      });
      continue;
    }
    const keyId = keyIds[Math.floor(random() * made)];
    const arn = keyArn(vault.store.vaultId, keyId);
    const resources = [{ accountId: vault.store.vaultId, type: 'AWS::KMS::Key', ARN: arn }];
    const pick = random();
    const common = { eventTime, resources, readOnly: true };
    if (pick < 0.3) {
      yield auditDraft(vault, {
        ...common,
        userAgent,
        eventName: 'Encrypt',
        requestParameters: {
          keyId: arn,
          plaintext: { byteLength: 256 },
          encryptionContext: { purpose: 'bench' },
        },
      });
    } else if (pick < 0.6) {
      const failed = random() < 0.03;
      yield auditDraft(vault, {
        ...common,
        userAgent,
        eventName: 'Decrypt',
        requestParameters: {
          ciphertextBlob: { byteLength: 389 },
          encryptionContext: { purpose: 'bench' },
        },
        ...(failed && {
          resources: [],
          errorCode: 'InvalidCiphertextException',
          errorMessage: 'The ciphertext is not valid.',
        }),
      });
    } else if (pick < 0.7) {
      yield auditDraft(vault, {
        ...common,
        userAgent,
        eventName: 'GenerateDataKey',
        requestParameters: { keyId: arn, keySpec: 'AES_256' },
      });
    } else if (pick < 0.95) {
      const eventName = pick < 0.85 ? 'DescribeKey' : 'GetKeyRotationStatus';
      yield auditDraft(vault, {
        ...common,
        userAgent: BACKGROUND_USER_AGENT,
        eventName,
        requestParameters: { keyId },
      });
    } else {
      yield auditDraft(vault, {
        ...common,
        resources: [],
        userAgent: BACKGROUND_USER_AGENT,
        eventName: 'ListKeys',
        requestParameters: { limit: 1000 },
      });
    }
  }
}

/** The stores of schema 2, exactly as workers/keystore/vault-store.ts makes them. */
function upgradeToSchema2(database, oldVersion, transaction) {
  if (oldVersion < 1) {
    database.createObjectStore('vault', { keyPath: 'id' });
    database.createObjectStore('keys', { keyPath: 'KeyId' });
    database.createObjectStore('keyVersions', { keyPath: ['KeyId', 'Version'] });
    const aliases = database.createObjectStore('aliases', { keyPath: 'AliasName' });
    aliases.createIndex('byTarget', 'TargetKeyId');
    database.createObjectStore('audit', { keyPath: 'sequence' });
  }
  if (oldVersion < 2) {
    database.createObjectStore('importParameters', { keyPath: 'KeyId' });
    transaction
      .objectStore('keys')
      .createIndex('byRawAesIdentity', ['RawAesKeyring.KeyNamespace', 'RawAesKeyring.KeyName'], {
        unique: true,
      });
  }
}

/**
 * Writes a schema-2 vault of `keyCount` keys and `recordCount` chained audit records into the
 * origin's (empty) default vault database. Every 10th key rotates yearly, every 100th is pending
 * deletion, every 20th has an alias; none is due for housekeeping. Returns the vault id, the key
 * ids and how long each part took.
 */
export async function seedSchema2({ keyCount, recordCount }) {
  const log = (text) => console.log(`bench: ${text}`);
  const end = Date.now() - 60 * 60 * 1000;
  const stride = Math.max(1, Math.floor(recordCount / keyCount));
  const db = await openDB(DEFAULT_VAULT_NAME, 2, {
    upgrade: (database, oldVersion, _newVersion, transaction) =>
      upgradeToSchema2(database, oldVersion, transaction),
  });
  const vaultId = randomVaultId();
  await db.put('vault', {
    id: 'vault',
    VaultId: vaultId,
    CreationDate: timeOf(0, recordCount, end),
    AuditHead: null,
  });
  const vault = { userAgent: navigator.userAgent, store: { vaultId } };

  let started = performance.now();
  const keyIds = [];
  for (let from = 0; from < keyCount; from += 250) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(250, keyCount - from) }, async (_, offset) => {
        const index = from + offset;
        const KeyId = randomUuid();
        const created = timeOf(index * stride, recordCount, end);
        const version = await newKeyVersion(
          KeyId,
          1,
          'SYMMETRIC_DEFAULT',
          'ENCRYPT_DECRYPT',
          created,
          {}, // no recovery recipient, no vault lock: the material as a plain CryptoKey
        );
        const key = {
          KeyId,
          CreationDate: created,
          Description: `bench key ${index}`,
          KeySpec: 'SYMMETRIC_DEFAULT',
          KeyUsage: 'ENCRYPT_DECRYPT',
          Origin: 'POCKET_KMS',
          KeyState: 'Enabled',
          Tags: [],
          RotationEnabled: false,
          OnDemandRotationCount: 0,
          CurrentVersion: 1,
        };
        if (index % 10 === 0) {
          Object.assign(key, {
            RotationEnabled: true,
            RotationPeriodInDays: 365,
            NextRotationDate: new Date(created.getTime() + 365 * DAY),
          });
        }
        if (index % 100 === 1) {
          Object.assign(key, {
            KeyState: 'PendingDeletion',
            DeletionDate: new Date(end + (7 + (index % 23)) * DAY),
            PendingDeletionWindowInDays: 30,
          });
        }
        return { key, version, alias: index % 20 === 2 ? `alias/bench-${index}` : undefined };
      }),
    );
    const tx = db.transaction(['keys', 'keyVersions', 'aliases'], 'readwrite', {
      durability: 'relaxed',
    });
    for (const { key, version, alias } of batch) {
      void tx.objectStore('keys').put(key);
      void tx.objectStore('keyVersions').put(version);
      if (alias) {
        void tx.objectStore('aliases').put({
          AliasName: alias,
          TargetKeyId: key.KeyId,
          CreationDate: key.CreationDate,
          LastUpdatedDate: key.CreationDate,
        });
      }
      keyIds.push(key.KeyId);
    }
    await tx.done;
  }
  const keysMs = performance.now() - started;
  log(`${keyCount} keys written in ${(keysMs / 1000).toFixed(1)} s`);

  started = performance.now();
  const random = generator(16);
  let head = null;
  let hashMs = 0;
  let writing = Promise.resolve();
  const BATCH = 10_000;
  for (let from = 0; from < recordCount; from += BATCH) {
    const to = Math.min(recordCount, from + BATCH);
    const hashing = performance.now();
    const records = [];
    for (const draft of drafts({ from, to, recordCount, keyIds, stride, vault, end, random })) {
      const record = chainRecord(draft, head);
      head = { sequence: record.sequence, hash: record.hash };
      records.push(record);
    }
    hashMs += performance.now() - hashing;
    await writing;
    const tx = db.transaction(['audit', 'vault'], 'readwrite', { durability: 'relaxed' });
    for (const record of records) void tx.objectStore('audit').put(record);
    const vaultRecord = await tx.objectStore('vault').get('vault');
    void tx.objectStore('vault').put({ ...vaultRecord, AuditHead: head });
    writing = tx.done;
    if (to % 100_000 === 0) log(`${to} audit records`);
  }
  await writing;
  db.close();
  const recordsMs = performance.now() - started;
  log(`${recordCount} records written in ${(recordsMs / 1000).toFixed(1)} s`);
  return { vaultId, keyIds, keysMs, recordsMs, chainMs: hashMs, head };
}

/**
 * Opens the seeded schema-2 vault with the core's own VaultStore, which runs the schema-3 to 5
 * migrations (every index entry and checkpoint of the log), and closes it: the migration's time
 * alone, in ms, before the app ever opens.
 */
export async function migrate() {
  const started = performance.now();
  const store = await VaultStore.open(DEFAULT_VAULT_NAME);
  const ms = performance.now() - started;
  store.close();
  return ms;
}

/**
 * The least a full walk must do per record: hash its canonical form, as ChainVerifier.pushAll
 * does (`hashRecords` of the records without their hashes, 2,000 at a time, as the walk reads
 * them). Timed on `count` records read back from the vault (so the same shapes), in
 * microseconds per record: { batched }, and { oneByOne }, `hashRecord` (@noble/hashes) on each
 * record in turn, as a new record is hashed (and as the walk hashed before).
 */
export async function hashCost(count) {
  const db = await openDB(DEFAULT_VAULT_NAME);
  const records = await db.getAll('audit', null, count);
  db.close();
  const bodies = records.map(({ hash: _hash, ...body }) => body);
  const check = (hashes) =>
    records.forEach((record, index) => {
      if (hashes[index] !== record.hash) throw new Error(`record ${record.sequence} does not hash`);
    });
  const perRecord = (started) => ((performance.now() - started) * 1000) / records.length;
  let started = performance.now();
  const batched = [];
  for (let at = 0; at < bodies.length; at += AUDIT_WALK_BATCH) {
    batched.push(...(await hashRecords(bodies.slice(at, at + AUDIT_WALK_BATCH))));
  }
  const batchedUs = perRecord(started);
  check(batched);
  started = performance.now();
  const oneByOne = bodies.map((body) => hashRecord(body));
  const oneByOneUs = perRecord(started);
  check(oneByOne);
  return { batchedUs, oneByOneUs };
}

/** The audit head the vault remembers now (read without a call, so without a new record). */
export async function auditHead() {
  const db = await openDB(DEFAULT_VAULT_NAME);
  const vault = await db.get('vault', 'vault');
  db.close();
  return vault?.AuditHead?.sequence ?? 0;
}

/** How many records of each event name the log holds after `sequence` (read without a call). */
export async function eventsAfter(sequence) {
  const db = await openDB(DEFAULT_VAULT_NAME);
  const records = await db.getAll('audit', IDBKeyRange.lowerBound(sequence, true));
  db.close();
  const counts = {};
  for (const { eventName } of records) counts[eventName] = (counts[eventName] ?? 0) + 1;
  return counts;
}

let housekeepingVault;
/**
 * One housekeeping tick, as the core worker runs it every minute: the core's runHousekeeping on
 * this origin's vault, under the same Web Lock. Returns its time in ms and the events it wrote.
 */
export async function housekeepingTick() {
  if (!housekeepingVault) {
    const store = await VaultStore.open(DEFAULT_VAULT_NAME);
    // The keys a core holds, and its lock state, as Kms.open makes them (workers/kms/kms.ts).
    const keys = new VaultKeys();
    keys.refresh((await store.getVaultRecord())?.Lock);
    housekeepingVault = {
      keys,
      store,
      clock: systemClock,
      scryptWorkFactor: 18,
      userAgent: navigator.userAgent,
      lockName: `pocket-kms:${store.name}:write`,
      channel: new BroadcastChannel(`bench-housekeeping-${store.name}`),
    };
  }
  const started = performance.now();
  const events = await runHousekeeping(housekeepingVault);
  return { ms: performance.now() - started, events };
}
