/**
 * A vault as schema version 2 (the schema before issue 16's indexes) left it, written straight
 * into IndexedDB, so that opening it with today's VaultStore runs the schema-3 migration.
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
