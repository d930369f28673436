/**
 * A vault as schema version 2 (the schema before issue 16's indexes) or 3 (the indexes, with
 * failed calls' sequences only) left it, written straight into IndexedDB, so that opening it with
 * today's VaultStore runs the migrations from there.
 */
import { openDB } from 'idb';
import type { AuditEvent } from '../../../workers/api.ts';

/**
 * Writes database `name` at version 2, with schema 2's stores exactly, the vault record and
 * `records` as its audit log (the head: the last of them).
 */
export async function writeSchema2Vault(
  name: string,
  {
    vaultId,
    creationDate,
    records,
  }: { vaultId: string; creationDate: Date; records: AuditEvent[] },
): Promise<void> {
  const last = records.at(-1);
  const head = last ? { sequence: last.sequence, hash: last.hash } : null;
  const db = await openDB(name, 2, {
    upgrade(database) {
      database.createObjectStore('vault', { keyPath: 'id' });
      const keys = database.createObjectStore('keys', { keyPath: 'KeyId' });
      database.createObjectStore('keyVersions', { keyPath: ['KeyId', 'Version'] });
      database
        .createObjectStore('aliases', { keyPath: 'AliasName' })
        .createIndex('byTarget', 'TargetKeyId');
      database.createObjectStore('audit', { keyPath: 'sequence' });
      database.createObjectStore('importParameters', { keyPath: 'KeyId' });
      keys.createIndex(
        'byRawAesIdentity',
        ['RawAesKeyring.KeyNamespace', 'RawAesKeyring.KeyName'],
        {
          unique: true,
        },
      );
    },
  });
  const tx = db.transaction(['vault', 'audit'], 'readwrite');
  await tx.objectStore('vault').put({
    id: 'vault',
    VaultId: vaultId,
    CreationDate: creationDate,
    AuditHead: head,
  });
  for (const record of records) await tx.objectStore('audit').put(record);
  await tx.done;
  db.close();
}

/**
 * Writes database `name` as schema 3 left it: schema 2's (above), then schema 3's indexes and
 * stores with their entries as schema 3 wrote them — auditErrors holding only sequences.
 */
export async function writeSchema3Vault(
  name: string,
  vault: { vaultId: string; creationDate: Date; records: AuditEvent[] },
): Promise<void> {
  await writeSchema2Vault(name, { ...vault, records: [] });
  const db = await openDB(name, 3, {
    upgrade(database, _old, _new, transaction) {
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
    },
  });
  const last = vault.records.at(-1);
  const tx = db.transaction(
    ['vault', 'audit', 'auditKeys', 'auditErrors', 'auditCheckpoints'],
    'readwrite',
  );
  const record = await tx.objectStore('vault').get('vault');
  await tx
    .objectStore('vault')
    .put({ ...record, AuditHead: last ? { sequence: last.sequence, hash: last.hash } : null });
  for (const each of vault.records) {
    await tx.objectStore('audit').put(each);
    for (const resource of each.resources) {
      const keyId = resource.ARN.split(':key/')[1];
      if (keyId) await tx.objectStore('auditKeys').put({ keyId, sequence: each.sequence });
    }
    if (each.errorCode !== undefined) {
      await tx.objectStore('auditErrors').put({ sequence: each.sequence });
    }
    if (each.sequence % 10_000 === 0) {
      await tx.objectStore('auditCheckpoints').put({ sequence: each.sequence, hash: each.hash });
    }
  }
  await tx.done;
  db.close();
}
