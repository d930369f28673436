/**
 * The schema-3 migration's index entries (issue 16), record by record: it reads the stored log
 * in batches (5,000 records at a time), so a log that is not a whole number of batches — here
 * 12,001 records — must still get exactly the entries the commit path writes for each record:
 * one auditKeys entry per key a record names (once, however often it names it), one auditErrors
 * entry per failed call (each a copy of its record, schema 4), a checkpoint at every 10,000th record. The records themselves do not
 * change. (tests/browser/audit-scale.test.ts checks the migrated log's chain and every filter.)
 */
import { expect, it, onTestFinished } from 'vitest';
import type { AuditEvent, VaultUpgradeProgress } from '../../workers/api.ts';
import { chainRecord } from '../../workers/audit/audit-record.ts';
import { VaultStore } from '../../workers/keystore/vault-store.ts';
import { auditDraft, type AuditedVault } from '../../workers/kms/audited-call.ts';
import { writeSchema2Vault, writeSchema3Vault } from './support/schema2-vault.ts';
import { deleteDatabase, openRaw } from './support/vault.ts';

const RECORDS = 12_001;
/**
 * Each test writes 12,001 records and reads back every store: 37–40 s on a 2-core machine where
 * a first touch of memory is slow, past Vitest's 30 s default (as the scale tests in
 * audit-scale.test.ts).
 */
const MIGRATION_TIMEOUT = 120_000;
const VAULT_ID = '123456789012';
const arn = (keyId: string) => `arn:pkms:kms:local:${VAULT_ID}:key/${keyId}`;
const keyIdOf = (n: number) => `${String(n).padStart(8, '0')}-1111-4111-8111-111111111111`;

/** The core's own record maker, for a vault it never opened (only these two fields are read). */
const vault = {
  userAgent: 'vitest-browser',
  store: { vaultId: VAULT_ID },
} as unknown as AuditedVault;

/** Record n's draft: names no key, one key, the same key twice, or two keys; every 5th failed. */
function draft(n: number) {
  const names = [[], [keyIdOf(n % 7)], [keyIdOf(n % 7), keyIdOf(n % 7)], [keyIdOf(1), keyIdOf(2)]][
    n % 4
  ]!;
  return auditDraft(vault, {
    eventName: n % 2 ? 'Encrypt' : 'DescribeKey',
    eventTime: new Date(Date.UTC(2026, 0, 1) + n * 1000),
    requestParameters: null,
    resources: names.map((keyId) => ({
      accountId: VAULT_ID,
      type: 'AWS::KMS::Key',
      ARN: arn(keyId),
    })),
    readOnly: true,
    ...(n % 5 === 0 && { errorCode: 'NotFoundException', errorMessage: 'gone' }),
  });
}

/**
 * The auditKeys entries schema 4 keeps for `records`: a copy of each record per key it names
 * (once, however often it names it), with that key id, in (key id, sequence) order.
 */
function keyedCopies(records: AuditEvent[]) {
  return records
    .flatMap((each) =>
      [...new Set(each.resources.map((resource) => resource.ARN.split(':key/')[1]!))].map(
        (keyId) => ({ ...each, keyId }),
      ),
    )
    .sort((a, b) => (a.keyId === b.keyId ? a.sequence - b.sequence : a.keyId < b.keyId ? -1 : 1));
}

/** RECORDS chained records. */
function chained(): AuditEvent[] {
  const records: AuditEvent[] = [];
  for (let n = 1; n <= RECORDS; n++) records.push(chainRecord(draft(n), records.at(-1) ?? null));
  return records;
}

it(
  'writes the index entries of every record of a log that is not a whole number of batches',
  async () => {
    const name = `migration-${crypto.randomUUID()}`;
    onTestFinished(() => deleteDatabase(name));
    const records = chained();
    await writeSchema2Vault(name, { vaultId: VAULT_ID, creationDate: new Date(), records });

    const progress: VaultUpgradeProgress[] = [];
    (await VaultStore.open(name, (each) => progress.push(each))).close();
    // The page's upgrade banner is told of each batch: 0, 5,000, 10,000, then all 12,001.
    expect(progress).toEqual([0, 5000, 10_000, RECORDS].map((Done) => ({ Done, Total: RECORDS })));

    const db = await openRaw(name);
    onTestFinished(() => db.close());
    expect(await db.getAll('audit')).toEqual(records);
    const expectedKeys = keyedCopies(records);
    const keys = (await db.getAll('auditKeys')) as (AuditEvent & { keyId: string })[];
    expect(keys).toEqual(expectedKeys);
    // The last batch (records 10,001 to 12,001) is indexed too.
    expect(keys.some((entry) => entry.sequence === RECORDS - 2)).toBe(true);
    expect(await db.getAll('auditErrors')).toEqual(records.filter((each) => each.errorCode));
    expect(await db.getAll('auditCheckpoints')).toEqual([
      { sequence: 10_000, hash: records[9_999]!.hash },
    ]);
    expect(await db.countFromIndex('audit', 'byTime')).toBe(RECORDS);
  },
  MIGRATION_TIMEOUT,
);

it(
  'schema 4: the entries of a schema-3 vault become copies of their records, and KeyId, KeyId with EventName and ErrorsOnly answer them',
  async () => {
    const name = `migration-${crypto.randomUUID()}`;
    onTestFinished(() => deleteDatabase(name));
    const records = chained();
    await writeSchema3Vault(name, { vaultId: VAULT_ID, creationDate: new Date(), records });

    const progress: VaultUpgradeProgress[] = [];
    const store = await VaultStore.open(name, (each) => progress.push(each));
    onTestFinished(() => store.close());
    // Counted in entries (auditKeys, then auditErrors), a batch at a time, up to all of them.
    const entries = keyedCopies(records).length + records.filter((each) => each.errorCode).length;
    expect(progress[0]).toEqual({ Done: 0, Total: entries });
    expect(progress.at(-1)).toEqual({ Done: entries, Total: entries });
    for (const [at, each] of progress.entries()) {
      if (at > 0) expect(each.Done - progress[at - 1]!.Done).toBeGreaterThan(0);
      expect(each.Done - (progress[at - 1]?.Done ?? 0)).toBeLessThanOrEqual(5000);
    }
    const newestFirst = [...records].reverse();
    const failed = newestFirst.filter((each) => each.errorCode);
    expect(await store.scanAudit({ errorsOnly: true }, 100)).toEqual({
      events: failed.slice(0, 100),
      more: true,
    });
    expect(
      await store.scanAudit({ errorsOnly: true, before: failed[100]!.sequence + 1 }, 5000),
    ).toEqual({ events: failed.slice(100), more: false });
    const keyId = keyIdOf(3);
    const names = (each: AuditEvent) => each.resources.some((r) => r.ARN.endsWith(keyId));
    expect(await store.scanAudit({ keyId }, 5000)).toEqual({
      events: newestFirst.filter(names),
      more: false,
    });
    expect(await store.scanAudit({ keyId, eventName: 'Encrypt' }, 5000)).toEqual({
      events: newestFirst.filter((each) => names(each) && each.eventName === 'Encrypt'),
      more: false,
    });

    const db = await openRaw(name);
    onTestFinished(() => db.close());
    expect(db.version).toBe(5);
    expect(await db.getAll('auditErrors')).toEqual(records.filter((each) => each.errorCode));
    expect(await db.getAll('auditKeys')).toEqual(keyedCopies(records));
    expect(await db.countFromIndex('auditKeys', 'byKeyEvent')).toBe(keyedCopies(records).length);
    expect(await db.getAll('audit')).toEqual(records);
  },
  MIGRATION_TIMEOUT,
);
